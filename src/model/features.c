/*
 * features.c — hashed character/word n-grams and dense signals (see
 * features.h for the feature space).
 *
 * Hashing: FNV-1a stepped over whole 32-bit code points (one xor-multiply
 * per code point, so an n-gram's hash extends the (n-1)-gram's), finished
 * with murmur3's fmix32 because FNV's low bits, which pick the slot, mix
 * poorly on their own. Each feature family starts from its own seed so a
 * one-letter word and the same letter as a char 1-gram land apart.
 *
 * Duplicates are merged in an open-addressing table sized to twice the
 * worst-case feature count: one pass, no sort, no per-feature malloc.
 */
#include "features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FNV_PRIME 16777619u
#define SEED_CHAR 2166136261u
#define SEED_WORD 0x9747b28cu
#define SEED_BIGRAM 0x5bd1e995u
#define BIGRAM_SEP 0x1Fu /* unit separator: never a folded letter */

static inline uint32_t fnv_step(uint32_t h, uint32_t c)
{
	return (h ^ c) * FNV_PRIME;
}

static inline uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

void feat_spec_default(feat_spec *spec)
{
	spec->hash_bits = 20;
	spec->char_min = 2;
	spec->char_max = 5;
	spec->word_max = 2;
	spec->flags = FEAT_CHARS | FEAT_WORDS | FEAT_DENSE;
}

int feat_spec_check(const feat_spec *spec, raqib_err *err)
{
	if (spec->hash_bits < 16 || spec->hash_bits > 24)
		return raqib_err_set(err, RAQIB_EARG, "feature spec: hash_bits %u not in 16..24",
				     spec->hash_bits);
	if ((spec->flags & FEAT_CHARS) &&
	    (spec->char_min < 1 || spec->char_max < spec->char_min || spec->char_max > 8))
		return raqib_err_set(err, RAQIB_EARG, "feature spec: char n-grams %u..%u not within 1..8",
				     spec->char_min, spec->char_max);
	if (spec->word_max > 2)
		return raqib_err_set(err, RAQIB_EARG, "feature spec: word_max %u > 2", spec->word_max);
	if (spec->flags & ~(uint32_t)(FEAT_CHARS | FEAT_WORDS | FEAT_DENSE))
		return raqib_err_set(err, RAQIB_EARG, "feature spec: unknown flags 0x%x", spec->flags);
	return 0;
}

bool feat_spec_eq(const feat_spec *a, const feat_spec *b)
{
	return a->hash_bits == b->hash_bits && a->char_min == b->char_min &&
	       a->char_max == b->char_max && a->word_max == b->word_max &&
	       a->flags == b->flags;
}

/*
 * The merge table. Only the keys (slot + 1, 0 = empty) and the counts are
 * probed at random, so they sit in their own small arrays (16 KiB + 8 KiB
 * for a 300-character comment: L1-resident); a new feature's slot and range
 * go straight to the output array, in insertion order.
 */
typedef struct table {
	uint32_t *key;
	uint16_t *count;     /* valid where key != 0 */
	uint32_t *order;     /* cell of each output entry */
	feat *out;
	uint32_t mask;
	uint32_t used;
	uint32_t range_mask; /* 2^hash_bits - 1 */
} table;

/* Maps a hash to a slot outside the dense block. */
static inline uint32_t slot_of(const table *t, uint32_t h)
{
	uint32_t s = fmix32(h) & t->range_mask;
	return s < FEAT_NDENSE ? s + FEAT_NDENSE : s;
}

static inline void table_add(table *t, uint32_t slot, uint32_t start, uint32_t end)
{
	uint32_t key = slot + 1, i = slot & t->mask; /* slot bits are already mixed */

	for (;;) {
		if (t->key[i] == key) {
			if (t->count[i] < UINT16_MAX)
				t->count[i]++;
			return;
		}
		if (!t->key[i]) {
			feat *f = &t->out[t->used];
			t->key[i] = key;
			t->count[i] = 1;
			t->order[t->used++] = i;
			f->idx = slot;
			f->start = start;
			f->end = end;
			return;
		}
		i = (i + 1) & t->mask;
	}
}

/*
 * The char stream: the folded text with whitespace runs squeezed and one
 * space at each end. pos[i] is the folded index of stream char i, or
 * UINT32_MAX for the added boundary spaces.
 */
static uint32_t build_stream(const text_view *tv, uint32_t *s, uint32_t *pos)
{
	uint32_t i, m = 0;

	s[m] = ' ';
	pos[m++] = UINT32_MAX;
	for (i = 0; i < tv->n; i++) {
		uint32_t c = tv->cp[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (s[m - 1] == ' ')
				continue;
			c = ' ';
		}
		s[m] = c;
		pos[m++] = i;
	}
	if (s[m - 1] != ' ') {
		s[m] = ' ';
		pos[m++] = UINT32_MAX;
	}
	return m;
}

/* Folded range of stream chars [a, b): the boundary spaces, which only
 * stand at the two ends of the stream, map to nothing. */
static inline void stream_range(const uint32_t *pos, uint32_t a, uint32_t b,
				uint32_t *start, uint32_t *end)
{
	if (pos[a] == UINT32_MAX)
		a++;
	if (b > a && pos[b - 1] == UINT32_MAX)
		b--;
	if (a >= b) {
		*start = *end = 0;
		return;
	}
	*start = pos[a];
	*end = pos[b - 1] + 1;
}

static void add_chars(const feat_spec *spec, table *t, const uint32_t *s,
		      const uint32_t *pos, uint32_t m)
{
	uint32_t i, k;

	for (i = 0; i < m; i++) {
		uint32_t h = SEED_CHAR;
		/* A lone boundary space says nothing. */
		for (k = 0; k < spec->char_max && i + k < m; k++) {
			uint32_t n = k + 1, st, en;
			h = fnv_step(h, s[i + k]);
			if (n < spec->char_min || (n == 1 && s[i] == ' '))
				continue;
			stream_range(pos, i, i + n, &st, &en);
			table_add(t, slot_of(t, h), st, en);
		}
	}
}

static uint32_t hash_range(uint32_t h, const uint32_t *cp, uint32_t a, uint32_t b)
{
	for (; a < b; a++)
		h = fnv_step(h, cp[a]);
	return h;
}

static void add_words(const feat_spec *spec, table *t, const text_view *tv)
{
	uint32_t i, prev = 0;

	for (i = 0; i < tv->ntok; i++) {
		const text_token *tk = &tv->tok[i];
		uint32_t h = hash_range(SEED_WORD, tv->cp, tk->start, tk->end);
		table_add(t, slot_of(t, h), tk->start, tk->end);
		if (spec->word_max >= 2 && i > 0 && tv->tok[i - 1].sentence == tk->sentence) {
			uint32_t b = fnv_step(fnv_step(SEED_BIGRAM ^ prev, BIGRAM_SEP), h);
			table_add(t, slot_of(t, b), tv->tok[i - 1].start, tk->end);
		}
		prev = h;
	}
}

static float share(uint32_t part, uint32_t whole)
{
	return whole ? (float)part / (float)whole : 0.0f;
}

static float capped(float x)
{
	return x > 1.0f ? 1.0f : x;
}

static uint32_t add_dense(const text_view *tv, feat *f)
{
	const text_stats *st = &tv->stats;
	float d[FEAT_NDENSE] = {0};
	uint32_t i, n = 0, mixed = 0;

	for (i = 0; i < tv->ntok; i++) {
		uint32_t fl = tv->tok[i].flags;
		if ((fl & TEXT_TOK_DIGIT) && (fl & ~(uint32_t)TEXT_TOK_DIGIT))
			mixed++;
	}
	d[FEAT_D_LATIN] = share(st->latin, st->letters);
	d[FEAT_D_PERSIAN] = capped(4.0f * share(st->persian_only, st->letters));
	d[FEAT_D_OTHER] = share(st->other, st->letters);
	d[FEAT_D_ARABIC] = share(st->arabic, st->letters);
	d[FEAT_D_DIGITWORD] = share(mixed, tv->ntok);
	d[FEAT_D_COLLAPSED] = capped((float)st->collapsed / 8.0f);
	d[FEAT_D_CONTROLS] = capped((float)st->controls / 2.0f);
	d[FEAT_D_MARKS] = capped(share(st->marks_removed, st->letters));
	d[FEAT_D_SHORT] = tv->ntok > 0 && tv->ntok < 4 ? 1.0f : 0.0f;
	d[FEAT_D_LONG] = tv->ntok >= 40 ? 1.0f : 0.0f;
	for (i = 0; i < FEAT_NDENSE; i++) {
		if (d[i] == 0.0f)
			continue;
		f[n].idx = i;
		f[n].val = d[i];
		f[n].start = f[n].end = 0;
		n++;
	}
	return n;
}

static uint32_t pow2_at_least(uint32_t x)
{
	uint32_t p = 16;
	while (p < x)
		p <<= 1;
	return p;
}

int feat_extract(const feat_spec *spec, const text_view *tv, raqib_arena *a,
		 feat_vec *out, raqib_err *err)
{
	uint32_t *s = NULL, *pos = NULL, m = 0, nmax, i, n = 0;
	table t = {0};
	double norm = 0.0;
	feat *f;
	int rc;

	out->f = NULL;
	out->n = 0;
	rc = feat_spec_check(spec, err);
	if (rc)
		return rc;
	if (tv->n > (UINT32_MAX - 16) / 16)
		return raqib_err_set(err, RAQIB_ETOO_LONG, "features: text of %u code points", tv->n);

	nmax = FEAT_NDENSE;
	if (spec->flags & FEAT_CHARS) {
		s = raqib_arena_alloc(a, ((size_t)tv->n + 2) * sizeof *s);
		pos = raqib_arena_alloc(a, ((size_t)tv->n + 2) * sizeof *pos);
		if (!s || !pos)
			goto nomem;
		m = build_stream(tv, s, pos);
		nmax += m * (uint32_t)(spec->char_max - spec->char_min + 1);
	}
	if (spec->flags & FEAT_WORDS)
		nmax += tv->ntok * (uint32_t)(spec->word_max ? spec->word_max : 1);

	t.mask = pow2_at_least(nmax * 2) - 1;
	t.range_mask = (1u << spec->hash_bits) - 1;
	t.key = raqib_arena_calloc(a, (size_t)t.mask + 1, sizeof *t.key);
	t.count = raqib_arena_alloc(a, ((size_t)t.mask + 1) * sizeof *t.count);
	t.order = raqib_arena_alloc(a, (size_t)nmax * sizeof *t.order);
	f = raqib_arena_alloc(a, (size_t)nmax * sizeof *f);
	if (!t.key || !t.count || !t.order || !f)
		goto nomem;
	t.out = f;

	if (spec->flags & FEAT_CHARS)
		add_chars(spec, &t, s, pos, m);
	if ((spec->flags & FEAT_WORDS) && spec->word_max >= 1)
		add_words(spec, &t, tv);

	for (n = 0; n < t.used; n++) {
		uint32_t c = t.count[t.order[n]];
		float v = c == 1 ? 1.0f : 1.0f + logf((float)c);
		f[n].val = v;
		norm += (double)v * v;
	}
	if (norm > 0.0) {
		float inv = (float)(1.0 / sqrt(norm));
		for (i = 0; i < n; i++)
			f[i].val *= inv;
	}
	if (spec->flags & FEAT_DENSE)
		n += add_dense(tv, f + n);

	out->f = f;
	out->n = n;
	return 0;
nomem:
	return raqib_err_set(err, RAQIB_ENOMEM, "features: out of memory");
}

static int cmp_feat(const void *a, const void *b)
{
	const feat *x = a, *y = b;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

void feat_sort(feat_vec *v)
{
	if (v->n > 1)
		qsort(v->f, v->n, sizeof *v->f, cmp_feat);
}
