/*
 * hate.c — the `hate` rule: racist, sectarian, ethnic and religious slurs
 * and dehumanisation (the seed page's "تعبيرات عنصرية"), from
 * data/lexicons/hate.txt.
 *
 * Naming a group is not hate: news comments talk about اليهود، الشيعة،
 * اللاجئين all the time. So the lexicon tags group names `group` and they
 * score nothing alone; hate is
 *   - a slur or set phrase (روافض، أحفاد القردة والخنازير): its weight;
 *   - a group next to a dehumanising word (`dehuman`: حشرات، قردة، عبيد) or
 *     an expulsion/extermination call (`violence`: اطردوهم): the group
 *     first with at most HATE_GAP tokens between (الأفارقة مجرد حشرات), or
 *     the two adjacent in either order (حثالة السوريين، اطردوا اللاجئين);
 *   - a group followed by a plague word (`disease`: وباء، سرطان) directly or
 *     across one copula-like word (النازحين هم وباء): "انتشار الوباء بين
 *     النازحين" is news and must stay quiet.
 * A dehumanising word behind the prepositions ب/ل (اللاجئين مصابون بالوباء)
 * describes, it does not predicate, and pairs with nothing.
 * Scores combine as 1 - prod(1 - w); spread-letter evasions are raised.
 *
 * Not caught: hate without listed words (irony, "they should go back"
 * paraphrases), groups the list lacks, negation (اليهود ليسوا قردة).
 */
#include "rule.h"

#define HATE_MAX_MATCHES 64
#define HATE_GAP 3
#define HATE_EVASION_BOOST 0.5f

enum { K_NONE, K_GROUP, K_DEHUMAN, K_DISEASE, K_VIOLENCE };

typedef struct hate_tags {
	uint16_t group, dehuman, disease, violence;
} hate_tags;

static int kind_of(const hate_tags *ht, uint16_t tag)
{
	if (!tag)
		return K_NONE;
	if (tag == ht->group)
		return K_GROUP;
	if (tag == ht->dehuman)
		return K_DEHUMAN;
	if (tag == ht->disease)
		return K_DISEASE;
	if (tag == ht->violence)
		return K_VIOLENCE;
	return K_NONE;
}

/* Words that may stand between a group and a plague word (folded). */
static bool copula(const text_view *tv, uint32_t t)
{
	static const char *const words[] = {
		"هم", "مثل", "مجرد", "عباره", "كلهم", "زي", "اشبه", "اصبحوا", "صاروا",
	};
	const text_token *tk = &tv->tok[t];
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (text_range_eq(tv, tk->start, tk->end, words[i]))
			return true;
	return false;
}

/* بالوباء، للحشرات: a preposition glued in front, not a predicate. */
static bool behind_preposition(const lexicon *lx, const text_view *tv, const lex_match *m)
{
	const text_token *tk = &tv->tok[m->tok_start];
	uint32_t c = tv->cp[tk->start];
	if (m->evasion || m->tok_end - m->tok_start != 1)
		return false;
	if (c != 0x0628 /* ب */ && c != 0x0644 /* ل */)
		return false;
	return !lexicon_has_word(lx, tv->cp + tk->start, tk->end - tk->start);
}

static bool pairs(const lexicon *lx, const text_view *tv, const lex_match *g,
		  const lex_match *p, int kind)
{
	if (g->tok_end <= p->tok_start) {
		uint32_t gap = p->tok_start - g->tok_end;
		if (g->tok_start < p->tok_start && tv->tok[g->tok_start].sentence !=
		    tv->tok[p->tok_start].sentence)
			return false;
		if (behind_preposition(lx, tv, p))
			return false;
		if (kind == K_DISEASE)
			return gap == 0 || (gap == 1 && copula(tv, g->tok_end));
		return gap <= HATE_GAP;
	}
	/* The word before the group: only adjacent, never for plague words. */
	return kind != K_DISEASE && p->tok_end == g->tok_start &&
	       tv->tok[p->tok_start].sentence == tv->tok[g->tok_start].sentence;
}

static void scan_field(const rule_input *in, rule_out *out, const lexicon *lx,
		       const text_view *tv, raqib_field field)
{
	hate_tags tags, *ht = &tags;
	lex_match m[HATE_MAX_MATCHES];
	float w[HATE_MAX_MATCHES];
	bool used[HATE_MAX_MATCHES];
	int kind[HATE_MAX_MATCHES];
	float keep = 1.0f;
	size_t n;

	if (!tv || tv->ntok == 0)
		return;
	n = lexicon_scan(lx, tv, in->arena, m, HATE_MAX_MATCHES);
	if (n > HATE_MAX_MATCHES)
		n = HATE_MAX_MATCHES;
	if (n == 0)
		return;
	/* looked up by name, so only once there is a match to classify */
	tags.group = lexicon_tag_id(lx, "group");
	tags.dehuman = lexicon_tag_id(lx, "dehuman");
	tags.disease = lexicon_tag_id(lx, "disease");
	tags.violence = lexicon_tag_id(lx, "violence");
	for (size_t i = 0; i < n; i++) {
		kind[i] = kind_of(ht, m[i].tag);
		used[i] = false;
		w[i] = m[i].weight;
		if (m[i].evasion)
			w[i] += (1.0f - w[i]) * HATE_EVASION_BOOST;
		if (kind[i] == K_NONE && w[i] > 0.0f) {
			used[i] = true;
			keep *= 1.0f - w[i];
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (kind[i] == K_NONE || kind[i] == K_GROUP || w[i] <= 0.0f)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (kind[j] != K_GROUP || !pairs(lx, tv, &m[j], &m[i], kind[i]))
				continue;
			if (!used[i])
				keep *= 1.0f - w[i];
			used[i] = used[j] = true;
		}
	}
	if (keep >= 1.0f)
		return;

	raqib_finding *f = rule_finding(out, RAQIB_RULE_HATE, field, 1.0f - keep);
	for (size_t i = 0; f && i < n; i++)
		if (used[i])
			rule_add_span(f, tv, m[i].ns, m[i].ne);
}

static void hate_words(const rule_input *in, rule_out *out)
{
	const lexicon *lx = in->env ? in->env->lex[LEX_HATE] : NULL;

	if (!lx)
		return;
	scan_field(in, out, lx, in->text, RAQIB_FIELD_TEXT);
	if (in->name && in->name->n)
		scan_field(in, out, lx, in->name, RAQIB_FIELD_NAME);
}

/* The word lists first, then the trained model if the config loads one
 * (rule_model_apply in rule.h: the higher score wins). */
void rule_hate(const rule_input *in, rule_out *out)
{
	hate_words(in, out);
	rule_model_apply(in, out, RAQIB_RULE_HATE);
}
