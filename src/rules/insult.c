/*
 * insult.c — the `insult` rule: offensive words aimed at persons (the seed
 * page's "إساءة إلى الأشخاص"), from data/lexicons/insult.txt.
 *
 * Score: each lexicon match has a weight; it is raised when the word is
 * addressed to someone (يا حمار، انت غبي: the reader insults a person, not
 * a policy) and when it was written with spread letters (ح م ا ر: nobody
 * evades a filter by accident). Words still under INSULT_WEAK after that
 * (فاشل، فاسد: civil criticism) never add up; the others combine as
 * 1 - prod(1 - w), so two insults weigh more than one. Weight-0 entries are
 * shadowing phrases (لعنة الله على الظالمين، لحم الخنزير) and are skipped.
 *
 * The author name is checked the same way: a signature like "ابن الكلب" is
 * an insult however clean the comment is.
 *
 * Not caught (a lexicon cannot): insults without insulting words (sarcasm,
 * comparisons), misspellings beyond the normalizer's folding, words glued to
 * anything but يا, and insults in dialect words the list lacks.
 */
#include "rule.h"

#define INSULT_MAX_MATCHES 64
#define INSULT_WEAK 0.5f
#define INSULT_ADDRESS_BOOST 0.5f  /* share of the remaining distance to 1 */
#define INSULT_EVASION_BOOST 0.5f
#define INSULT_GLUED_WEIGHT 0.7f   /* ياحمار: address glued to a listed word */

static float boost(float w, float share)
{
	return w + (1.0f - w) * share;
}

/* Second-person address in the two tokens before token t: يا / انت ... */
static bool addressed(const text_view *tv, uint32_t t)
{
	static const char *const words[] = {
		"يا", "ايها", "انت", "انتم", "انتي", "انتو", "انتا", "انتن", "ياايها",
	};
	for (uint32_t k = t >= 2 ? t - 2 : 0; k < t; k++) {
		const text_token *tk = &tv->tok[k];
		if (tk->sentence != tv->tok[t].sentence)
			continue;
		for (size_t i = 0; i < sizeof words / sizeof *words; i++)
			if (text_range_eq(tv, tk->start, tk->end, words[i]))
				return true;
	}
	return false;
}

/* ياحمار written as one word: يا + a listed word. */
static bool glued_address(const lexicon *lx, const text_view *tv, uint32_t t)
{
	const text_token *tk = &tv->tok[t];
	const uint32_t ya[2] = {0x064A, 0x0627};
	if (tk->end - tk->start < 5 || tv->cp[tk->start] != ya[0] ||
	    tv->cp[tk->start + 1] != ya[1])
		return false;
	return lexicon_has_word(lx, tv->cp + tk->start + 2, tk->end - tk->start - 2);
}

static void scan_field(const rule_input *in, rule_out *out, const lexicon *lx,
		       const text_view *tv, raqib_field field)
{
	lex_match m[INSULT_MAX_MATCHES];
	float w[INSULT_MAX_MATCHES];
	float keep = 1.0f, weak = 0.0f, score;
	size_t n, nlex, nglued = 0;
	int weak_at = -1;

	if (!tv || tv->ntok == 0)
		return;
	n = lexicon_scan(lx, tv, in->arena, m, INSULT_MAX_MATCHES);
	if (n > INSULT_MAX_MATCHES)
		n = INSULT_MAX_MATCHES;
	for (size_t i = 0; i < n; i++) {
		w[i] = m[i].weight;
		if (w[i] <= 0.0f)
			continue;
		if (field == RAQIB_FIELD_TEXT && addressed(tv, m[i].tok_start))
			w[i] = boost(w[i], INSULT_ADDRESS_BOOST);
		if (m[i].evasion)
			w[i] = boost(w[i], INSULT_EVASION_BOOST);
	}
	/* Tokens the lexicon did not match as a whole may still be ياكلب. */
	for (uint32_t t = 0, i = 0; t < tv->ntok && n + nglued < INSULT_MAX_MATCHES; t++) {
		while (i < n && m[i].tok_end <= t)
			i++;
		if (i < n && m[i].tok_start <= t)
			continue;
		if (!glued_address(lx, tv, t))
			continue;
		size_t k = n + nglued++;
		m[k].tok_start = t;
		m[k].tok_end = t + 1;
		m[k].ns = tv->tok[t].start;
		m[k].ne = tv->tok[t].end;
		w[k] = INSULT_GLUED_WEIGHT;
	}
	nlex = n;
	n += nglued;
	for (size_t i = 0; i < n; i++) {
		if (w[i] >= INSULT_WEAK) {
			keep *= 1.0f - w[i];
		} else if (w[i] > weak) {
			weak = w[i];
			weak_at = (int)i;
		}
	}
	score = 1.0f - keep;
	if (weak > score)
		score = weak;
	if (score <= 0.0f)
		return;

	raqib_finding *f = rule_finding(out, RAQIB_RULE_INSULT, field, score);
	if (!f)
		return;
	/* Spans in text order: m[0..nlex) and the glued m[nlex..n) are each
	 * sorted, so merge them. */
	for (size_t i = 0, j = nlex; i < nlex || j < n;) {
		size_t k = j >= n || (i < nlex && m[i].tok_start < m[j].tok_start) ? i++ : j++;
		if (w[k] >= INSULT_WEAK || (keep >= 1.0f && (int)k == weak_at))
			rule_add_span(f, tv, m[k].ns, m[k].ne);
	}
}

static void insult_words(const rule_input *in, rule_out *out)
{
	const lexicon *lx = in->env ? in->env->lex[LEX_INSULT] : NULL;

	if (!lx)
		return;
	scan_field(in, out, lx, in->text, RAQIB_FIELD_TEXT);
	if (in->name && in->name->n)
		scan_field(in, out, lx, in->name, RAQIB_FIELD_NAME);
}

/* The word lists first, then the trained model if the config loads one
 * (rule_model_apply in rule.h: the higher score wins). */
void rule_insult(const rule_input *in, rule_out *out)
{
	insult_words(in, out);
	rule_model_apply(in, out, RAQIB_RULE_INSULT);
}
