/*
 * off_topic.c — the comment is not about the article it was posted under.
 *
 * Only judged when the article is given. The comment's content words (no
 * stopwords, no numbers, at least 3 letters) are lightly stemmed and looked
 * up in a hash set of the article's stems (title + body). A comment long
 * enough to say something (6+ content words) that shares none of them with
 * the article, and does not refer to the article itself (المقال، الكاتب،
 * شكرا ...), is off-topic; one shared word lowers the score, two clear it.
 * Short comments ("مقال رائع", "شكرا للكاتب") are never off-topic: they are
 * the most common kind of on-topic reaction and carry no words to compare.
 *
 * Stemming is deliberately light: it only has to make the comment's and the
 * article's spellings of one word meet. Each word gives two stems — with
 * and without a single-letter clitic و ف ب ل — because light stemming cannot
 * tell the و of وزارة from the و of "and"; a match on either counts.
 */
#include "rule.h"

#include <string.h>

#define OT_MIN_WORDS 6
#define OT_MIN_LETTERS 3
#define OT_MAX_WORD 32
#define OT_KEYS 3
#define OT_PREFIX 4
#define OT_PREFIX_SALT 0x9e3779b97f4a7c15ULL

typedef struct stem_set {
	uint64_t *slot;
	uint32_t mask;
} stem_set;

static const char *const ref_stems[] = {
	"مقال", "كاتب", "موضوع", "شكرا", "شكر", "خبر", "تقرير", "صحفي",
	"جريده", "كاتبه", "مقاله",
};

static bool is_cp(const uint32_t *w, size_t n, size_t at, const char *lit)
{
	size_t m = 0;
	uint32_t c;

	for (const char *p = lit; *p; m++) {
		size_t used = raqib_utf8_decode((const unsigned char *)p, strlen(p), &c);
		if (!used || at + m >= n || w[at + m] != c)
			return false;
		p += used;
	}
	return true;
}

static size_t lit_len(const char *lit)
{
	size_t n = 0;
	for (const char *p = lit; *p; p++)
		n += ((unsigned char)*p & 0xC0) != 0x80;
	return n;
}

/* Strips ال-type prefixes and pronoun/plural suffixes; returns the new
 * range in *s, *n. */
static void stem(const uint32_t *w, size_t *s, size_t *n)
{
	static const char *const pre[] = {"وال", "فال", "بال", "كال", "لل", "ال"};
	static const char *const suf[] = {"ها", "هم", "ات", "ون", "ين", "ه"};
	size_t i, l;

	for (i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		l = lit_len(pre[i]);
		if (*n >= l + OT_MIN_LETTERS && is_cp(w, *s + *n, *s, pre[i])) {
			*s += l;
			*n -= l;
			break;
		}
	}
	for (i = 0; i < sizeof suf / sizeof suf[0]; i++) {
		l = lit_len(suf[i]);
		if (*n >= l + OT_MIN_LETTERS &&
		    is_cp(w, *s + *n, *s + *n - l, suf[i])) {
			*n -= l;
			break;
		}
	}
}

static uint64_t hash_cps(const uint32_t *w, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= w[i];
		h *= 1099511628211ULL;
	}
	return h | 1; /* 0 marks an empty slot */
}

static bool set_has(const stem_set *st, uint64_t h)
{
	for (uint32_t i = (uint32_t)h & st->mask;; i = (i + 1) & st->mask) {
		if (st->slot[i] == h)
			return true;
		if (st->slot[i] == 0)
			return false;
	}
}

static void set_add(stem_set *st, uint64_t h)
{
	uint32_t i = (uint32_t)h & st->mask;
	while (st->slot[i] != 0 && st->slot[i] != h)
		i = (i + 1) & st->mask;
	st->slot[i] = h;
}

/* The stem hashes of token t (the stem, the stem without a one-letter
 * clitic, and the first OT_PREFIX letters of long stems, which let
 * derivations meet: انتخاب/انتخابات/انتخابية); returns how many, 0 when the
 * token is no content word. */
static int word_stems(const rule_input *in, const text_view *tv,
		      const text_token *t, uint64_t h[OT_KEYS])
{
	const lexicon *sw = in->env ? in->env->lex[LEX_STOPWORDS] : NULL;
	const uint32_t *w = tv->cp;
	size_t s = t->start, n = t->end - t->start;
	uint32_t c;
	int k = 0;

	if ((t->flags & TEXT_TOK_DIGIT) || n < OT_MIN_LETTERS || n > OT_MAX_WORD)
		return 0;
	if (sw && lexicon_has_word(sw, w + s, n))
		return 0;
	stem(w, &s, &n);
	h[k++] = hash_cps(w + s, n);
	if (n > OT_PREFIX)
		h[k++] = hash_cps(w + s, OT_PREFIX) ^ OT_PREFIX_SALT;
	c = w[s];
	if (n >= OT_MIN_LETTERS + 1 &&
	    (c == 0x0648 || c == 0x0641 || c == 0x0628 || c == 0x0644))
		h[k++] = hash_cps(w + s + 1, n - 1);
	return k;
}

static int add_view(const rule_input *in, const text_view *tv, stem_set *st)
{
	uint64_t h[OT_KEYS];

	for (uint32_t i = 0; tv && i < tv->ntok; i++) {
		int k = word_stems(in, tv, &tv->tok[i], h);
		for (int j = 0; j < k; j++)
			set_add(st, h[j]);
	}
	return 0;
}

static bool is_reference(const text_view *tv, const text_token *t)
{
	size_t s = t->start, n = t->end - t->start;

	if (n > OT_MAX_WORD)
		return false;
	stem(tv->cp, &s, &n);
	for (size_t i = 0; i < sizeof ref_stems / sizeof ref_stems[0]; i++)
		if (lit_len(ref_stems[i]) == n && is_cp(tv->cp, s + n, s, ref_stems[i]))
			return true;
	return false;
}

static bool article_given(const rule_input *in)
{
	return (in->title && in->title->ntok > 0) || (in->body && in->body->ntok > 0);
}

/* 0.5 at 10 content words none of which the article has; one shared word
 * never reaches 0.5 (a name or place in common is often the whole link). */
static float off_topic_score(uint32_t nwords, uint32_t shared)
{
	float s;

	if (nwords < OT_MIN_WORDS || shared >= 2)
		return 0.0f;
	if (shared == 0) {
		s = 0.5f + 0.05f * ((float)nwords - 10.0f);
		return s > 0.95f ? 0.95f : s;
	}
	s = 0.25f + 0.02f * ((float)nwords - 10.0f);
	return s > 0.45f ? 0.45f : s < 0.1f ? 0.1f : s;
}

void rule_off_topic(const rule_input *in, rule_out *out)
{
	const text_view *tv = in->text;
	stem_set st, *cached;
	uint32_t cap = 64, nwords = 0, shared = 0, ntok;
	uint64_t h[OT_KEYS];
	float score;
	raqib_finding *f;

	if (!tv || tv->ntok == 0 || !article_given(in))
		return;
	cached = in->article_cache ? in->article_cache[RAQIB_RULE_OFF_TOPIC] : NULL;
	if (cached) {
		st = *cached;
	} else {
		raqib_arena *a = in->article_arena ? in->article_arena : in->arena;
		ntok = (in->title ? in->title->ntok : 0) + (in->body ? in->body->ntok : 0);
		while (cap < 2 * OT_KEYS * ntok + 16)
			cap *= 2;
		st.mask = cap - 1;
		st.slot = raqib_arena_calloc(a, cap, sizeof *st.slot);
		if (!st.slot)
			return;
		add_view(in, in->title, &st);
		add_view(in, in->body, &st);
		/* the article's stems serve every comment posted under it */
		if (in->article_cache && in->article_arena &&
		    (cached = raqib_arena_alloc(a, sizeof *cached))) {
			*cached = st;
			in->article_cache[RAQIB_RULE_OFF_TOPIC] = cached;
		}
	}
	for (uint32_t i = 0; i < tv->ntok; i++) {
		int k;
		if (is_reference(tv, &tv->tok[i]))
			return;
		k = word_stems(in, tv, &tv->tok[i], h);
		if (k == 0)
			continue;
		nwords++;
		for (int j = 0; j < k; j++)
			if (set_has(&st, h[j])) {
				shared++;
				break;
			}
	}
	score = off_topic_score(nwords, shared);
	if (score <= 0.0f)
		return;
	f = rule_finding(out, RAQIB_RULE_OFF_TOPIC, RAQIB_FIELD_TEXT, score);
	rule_add_span(f, tv, 0, tv->n);
}
