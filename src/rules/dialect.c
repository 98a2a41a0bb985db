/*
 * dialect.c — the comment is written in colloquial Arabic (عامية), not MSA.
 *
 * Evidence is the dialect lexicon (data/lexicons/dialect.txt): words MSA does
 * not use, each with a weight that is lower the more often the same letters
 * are also an MSA word or an MSA misspelling. Non-standard spelling (ي for
 * ى, missing hamza, ه for ة) is folded away before matching and is not
 * dialect: the seed page's own published comment spells that way.
 *
 * Score: the weights of the distinct markers add up (a repeated marker adds
 * a quarter of its weight: one habit of a writer is weaker evidence than two
 * different words), scaled down in long comments so that one colloquial word
 * in an MSA paragraph does not hold it. raw >= 0.8 is the firing point
 * (score 0.5): one strong marker in a short comment, or two medium ones.
 * On the aoc-dialect train split this point gave precision 0.99 against
 * crowd labels whose remaining "false positives" are mostly dialectal.
 */
#include "rule.h"

#include <math.h>

#define DIALECT_MAX_MATCHES 64
/* Comments up to this many tokens count every marker in full. */
#define DIALECT_SHORT_TOKENS 15.0f

static bool same_word(const text_view *tv, const lex_match *a, const lex_match *b)
{
	uint32_t n = a->ne - a->ns;

	if (b->ne - b->ns != n)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (tv->cp[a->ns + i] != tv->cp[b->ns + i])
			return false;
	return true;
}

static uint32_t arabic_tokens(const text_view *tv)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < tv->ntok; i++)
		if (tv->tok[i].flags & TEXT_TOK_ARABIC)
			n++;
	return n;
}

#define DIALECT_FIRE_RAW 0.8f

/* Maps the summed evidence to 0..1 with 0.5 at DIALECT_FIRE_RAW. */
static float dialect_score(float raw)
{
	if (raw < DIALECT_FIRE_RAW)
		return 0.5f * raw / DIALECT_FIRE_RAW;
	return fminf(1.0f, 0.5f + 0.25f * (raw - DIALECT_FIRE_RAW));
}

static void dialect_words(const rule_input *in, rule_out *out)
{
	const lexicon *lx = in->env ? in->env->lex[LEX_DIALECT] : NULL;
	const text_view *tv = in->text;
	lex_match m[DIALECT_MAX_MATCHES];
	size_t nm, i, j;
	float sum = 0.0f, len_factor = 1.0f;
	uint32_t ntok;
	raqib_finding *f;

	if (!lx || !tv || tv->n == 0)
		return;
	nm = lexicon_scan(lx, tv, in->arena, m, DIALECT_MAX_MATCHES);
	if (nm > DIALECT_MAX_MATCHES)
		nm = DIALECT_MAX_MATCHES;
	if (nm == 0)
		return;
	for (i = 0; i < nm; i++) {
		bool repeat = false;
		for (j = 0; j < i && !repeat; j++)
			repeat = same_word(tv, &m[i], &m[j]);
		sum += repeat ? 0.25f * m[i].weight : m[i].weight;
	}
	ntok = arabic_tokens(tv);
	if ((float)ntok > DIALECT_SHORT_TOKENS)
		len_factor = sqrtf(DIALECT_SHORT_TOKENS / (float)ntok);
	f = rule_finding(out, RAQIB_RULE_DIALECT, RAQIB_FIELD_TEXT,
			 dialect_score(sum * len_factor));
	for (i = 0; i < nm; i++)
		rule_add_span(f, tv, m[i].ns, m[i].ne);
}

/* The word lists first, then the trained model if the config loads one
 * (rule_model_apply in rule.h: the higher score wins). */
void rule_dialect(const rule_input *in, rule_out *out)
{
	dialect_words(in, out);
	rule_model_apply(in, out, RAQIB_RULE_DIALECT);
}
