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
 * Duplicates are merged in an open-addressing table sized to four times
 * the worst-case feature count: one pass, no sort, no per-feature malloc.
 * For texts up to a few hundred code points the table is a thread-local
 * one that is all zeros between calls: the final pass clears exactly the
 * cells it reads, instead of zeroing the whole table up front (that memset
 * was a quarter of the extraction's instructions).
 *
 * FEAT_TF specs with a four-lane weight table (feat_spec.lanes4) skip the
 * merge altogether and score as they hash: see "FEAT_TF, fused" below.
 */
#include "features.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#endif

#define FNV_PRIME 16777619u
#define SEED_CHAR 2166136261u
#define SEED_WORD 0x9747b28cu
#define SEED_BIGRAM 0x5bd1e995u
#define BIGRAM_SEP 0x1Fu /* unit separator: never a folded letter */
#define LOG_CACHE 32

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
	spec->prefetch = NULL;
	spec->prefetch_shift = 0;
	spec->lanes4 = NULL;
	spec->lex_groups = spec->lex_hate = spec->lex_insult = NULL;
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
	if ((spec->flags & FEAT_LEX) && !(spec->flags & FEAT_DENSE))
		return raqib_err_set(err, RAQIB_EARG, "feature spec: word-list signals without dense slots");
	if (spec->flags & ~(uint32_t)(FEAT_CHARS | FEAT_WORDS | FEAT_DENSE | FEAT_TF | FEAT_LEX))
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
 * The merge table: one 64-bit cell per entry, key (slot + 1, 0 = empty) in
 * the low half and the count in the high half, so a probe is one load and
 * an update one store; 16 KiB for a 100-character comment.
 * A new feature's slot and range go straight to the output array, in
 * insertion order; its cell index waits in the `val` bits until the counts
 * are final.
 */
typedef struct table {
	uint64_t *cell;      /* zeroed */
	feat *out;
	const char *pf;      /* feat_spec.prefetch, or NULL */
	uint32_t pf_shift;
	uint32_t mask;
	uint32_t used;
	uint32_t range_mask; /* 2^hash_bits - 1 */
	bool tf;             /* FEAT_TF values */
} table;

/* FEAT_TF's value scale: q(c) = round(16 (1 + ln c)), c = 1..255, and
 * q(255) above. Integers, so that a margin's hashed part is an exact
 * integer sum in any order (see feat_extract_fused). */
static const uint16_t tf_q[256] = {
	0, 16, 27, 34, 38, 42, 45, 47, 49, 51, 53, 54, 56, 57, 58, 59,
	60, 61, 62, 63, 64, 65, 65, 66, 67, 68, 68, 69, 69, 70, 70, 71,
	71, 72, 72, 73, 73, 74, 74, 75, 75, 75, 76, 76, 77, 77, 77, 78,
	78, 78, 79, 79, 79, 80, 80, 80, 80, 81, 81, 81, 82, 82, 82, 82,
	83, 83, 83, 83, 84, 84, 84, 84, 84, 85, 85, 85, 85, 86, 86, 86,
	86, 86, 87, 87, 87, 87, 87, 87, 88, 88, 88, 88, 88, 89, 89, 89,
	89, 89, 89, 90, 90, 90, 90, 90, 90, 90, 91, 91, 91, 91, 91, 91,
	91, 92, 92, 92, 92, 92, 92, 92, 93, 93, 93, 93, 93, 93, 93, 94,
	94, 94, 94, 94, 94, 94, 94, 94, 95, 95, 95, 95, 95, 95, 95, 95,
	96, 96, 96, 96, 96, 96, 96, 96, 96, 96, 97, 97, 97, 97, 97, 97,
	97, 97, 97, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 98, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99, 99, 100, 100, 100, 100, 100, 100, 100,
	100, 100, 100, 100, 100, 101, 101, 101, 101, 101, 101, 101, 101, 101, 101, 101,
	101, 101, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 102, 103,
	103, 103, 103, 103, 103, 103, 103, 103, 103, 103, 103, 103, 103, 103, 104, 104,
	104, 104, 104, 104, 104, 104, 104, 104, 104, 104, 104, 104, 104, 105, 105, 105,
};

/* A hashed feature's slot (every spec): fmix32's low bits, off the dense
 * slots. (A multiply-shift instead, 5 instructions cheaper, cost dialect
 * 0.4 point on dev and 0.8 on test: docs/models.md.) */
static inline uint32_t hash_slot(uint32_t h, uint32_t mask)
{
	uint32_t slot = fmix32(h) & mask;
	return slot + (slot < FEAT_NDENSE ? FEAT_NDENSE : 0);
}

#define COUNT_MAX 0xFFFFu /* counts saturate here (format version 1) */

/* 64 KiB per thread (only the cells a text hashes to are ever touched):
 * enough for ~450 code points at the shipped spec; longer texts take a
 * zeroed table from the arena. */
#define TLS_CELLS 8192u
static _Thread_local uint64_t tls_cell[TLS_CELLS];

/*
 * Adds one occurrence of hash h. A new feature and a repeated one are about
 * equally likely, so there is no branch on it (that misprediction was most
 * of the old cost): the entry is written at out[used] either way and
 * committed by advancing `used` only when the cell was empty. An empty cell
 * is all zeros, so "key | count + 1" serves both cases. The count has 32
 * bits and only ever grows by one, so it cannot overflow and saturating it
 * at COUNT_MAX once at the end gives what saturating every step would. The
 * probe loop itself almost never iterates (load factor under 1/4).
 */
static inline void table_add(table *t, uint32_t h, uint32_t start, uint32_t end,
			     uint32_t range_mask)
{
	uint32_t slot = hash_slot(h, range_mask), i;
	uint64_t key, c;
	feat *f;

	key = (uint64_t)slot + 1;
	i = slot & t->mask; /* slot bits are already mixed */
	while ((uint32_t)(c = t->cell[i]) != key && c)
		i = (i + 1) & t->mask;
	t->cell[i] = (c | key) + ((uint64_t)1 << 32);
	/* unconditional: a branch on !c would mispredict half the time, and
	 * a repeated slot's row is already in cache */
	if (t->pf)
		__builtin_prefetch(t->pf + ((size_t)slot << t->pf_shift));
	f = &t->out[t->used];
	f->idx = slot;
	memcpy(&f->val, &i, sizeof i);
	f->start = start;
	f->end = end;
	t->used += !c;
}

/*
 * The char stream: the folded text with whitespace runs squeezed and one
 * space at each end. s[i].at is the folded index of stream char i; the two
 * added boundary spaces borrow the index of their neighbour, so an n-gram
 * [i, i + n) covers the folded range [s[i].at, s[i + n - 1].at + 1) with no
 * test (a boundary space is never a whole n-gram: lone spaces are skipped).
 * Char and index side by side: one base register in the hot loop, not two.
 */
typedef struct schar {
	uint32_t c, at;
} schar;

static uint32_t build_stream(const text_view *tv, schar *s)
{
	uint32_t i, m = 0;

	s[m].c = ' ';
	s[m++].at = 0;
	for (i = 0; i < tv->n; i++) {
		uint32_t c = tv->cp[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (s[m - 1].c == ' ')
				continue;
			c = ' ';
		}
		s[m].c = c;
		s[m++].at = i;
	}
	if (s[m - 1].c != ' ') {
		s[m].c = ' ';
		s[m].at = s[m - 1].at;
		m++;
	}
	if (m > 1)
		s[0].at = s[1].at;
	return m;
}

/* Char n-grams starting at stream position i, n in [cmin, lim]. */
static inline void chars_at(table *t, const schar *s, uint32_t i, uint32_t cmin, uint32_t lim)
{
	uint32_t h = SEED_CHAR, n, st = s[i].at;

	for (n = 1; n <= lim; n++) {
		h = fnv_step(h, s[i + n - 1].c);
		/* A lone boundary space says nothing. */
		if (n >= cmin && (n > 1 || s[i].c != ' '))
			table_add(t, h, st, s[i + n - 1].at + 1, t->range_mask);
	}
}

/* The shipped spec (2..5) over positions [0, m - 4), written out: the
 * compiler would not unroll. Returns the first position left to do. */
static inline uint32_t chars_2_5(table *tp, const schar *s, uint32_t m, uint32_t rm)
{
	table t = *tp;
	uint32_t i;

	for (i = 0; i + 5 <= m; i++) {
		uint32_t st = s[i].at, h = fnv_step(fnv_step(SEED_CHAR, s[i].c), s[i + 1].c);
		table_add(&t, h, st, s[i + 1].at + 1, rm);
		h = fnv_step(h, s[i + 2].c);
		table_add(&t, h, st, s[i + 2].at + 1, rm);
		h = fnv_step(h, s[i + 3].c);
		table_add(&t, h, st, s[i + 3].at + 1, rm);
		h = fnv_step(h, s[i + 4].c);
		table_add(&t, h, st, s[i + 4].at + 1, rm);
	}
	*tp = t;
	return i;
}

/* The table is copied to a local whose address never escapes, so that the
 * compiler keeps its fields in registers: through the table pointer, every
 * store into the output array could alias `used`. */
static void add_chars(const feat_spec *spec, table *tp, const schar *s, uint32_t m)
{
	uint32_t i = 0, cmin = spec->char_min, cmax = spec->char_max;
	table t;

	if (cmin == 2 && cmax == 5)
		i = chars_2_5(tp, s, m, tp->range_mask);
	t = *tp;
	for (; i < m; i++)
		chars_at(&t, s, i, cmin, m - i < cmax ? m - i : cmax);
	*tp = t;
}

static uint32_t hash_range(uint32_t h, const uint32_t *cp, uint32_t a, uint32_t b)
{
	for (; a < b; a++)
		h = fnv_step(h, cp[a]);
	return h;
}

static void add_words(const feat_spec *spec, table *tp, const text_view *tv)
{
	table lt = *tp, *t = &lt;
	uint32_t i, prev = 0;

	for (i = 0; i < tv->ntok; i++) {
		const text_token *tk = &tv->tok[i];
		uint32_t h = hash_range(SEED_WORD, tv->cp, tk->start, tk->end);
		table_add(t, h, tk->start, tk->end, t->range_mask);
		if (spec->word_max >= 2 && i > 0 && tv->tok[i - 1].sentence == tk->sentence) {
			uint32_t b = fnv_step(fnv_step(SEED_BIGRAM ^ prev, BIGRAM_SEP), h);
			table_add(t, b, tv->tok[i - 1].start, tk->end, t->range_mask);
		}
		prev = h;
	}
	*tp = lt;
}

static float share(uint32_t part, uint32_t whole)
{
	return whole ? (float)part / (float)whole : 0.0f;
}

static float capped(float x)
{
	return x > 1.0f ? 1.0f : x;
}

#define LEX_FEAT_MAX 64
#define GROUP_NEAR 2

/* Word-list signals (FEAT_D_FAITH..FEAT_D_GROUPNEAR) into d. */
static void lex_dense(const feat_spec *spec, const text_view *tv, raqib_arena *a, float *d)
{
	lex_match g[LEX_FEAT_MAX], h[LEX_FEAT_MAX], s[LEX_FEAT_MAX];
	size_t ng, nh, ns, i, j;
	uint16_t faith, origin, gender, group, safe;
	uint32_t bad[LEX_FEAT_MAX * 2][2];
	size_t nbad = 0;

	ng = lexicon_scan(spec->lex_groups, tv, a, g, LEX_FEAT_MAX);
	nh = lexicon_scan(spec->lex_hate, tv, a, h, LEX_FEAT_MAX);
	ns = lexicon_scan(spec->lex_insult, tv, a, s, LEX_FEAT_MAX);
	ng = ng < LEX_FEAT_MAX ? ng : LEX_FEAT_MAX;
	nh = nh < LEX_FEAT_MAX ? nh : LEX_FEAT_MAX;
	ns = ns < LEX_FEAT_MAX ? ns : LEX_FEAT_MAX;
	faith = lexicon_tag_id(spec->lex_groups, "faith");
	origin = lexicon_tag_id(spec->lex_groups, "origin");
	gender = lexicon_tag_id(spec->lex_groups, "gender");
	group = lexicon_tag_id(spec->lex_hate, "group");
	safe = lexicon_tag_id(spec->lex_insult, "safe");
	for (i = 0; i < nh; i++) {
		if (group && h[i].tag == group)
			continue;
		if (h[i].weight > d[FEAT_D_HATEWORD])
			d[FEAT_D_HATEWORD] = h[i].weight;
		bad[nbad][0] = h[i].tok_start;
		bad[nbad++][1] = h[i].tok_end;
	}
	for (i = 0; i < ns; i++) {
		if ((safe && s[i].tag == safe) || s[i].weight <= 0.0f)
			continue;
		if (s[i].weight > d[FEAT_D_INSULTWORD])
			d[FEAT_D_INSULTWORD] = s[i].weight;
		bad[nbad][0] = s[i].tok_start;
		bad[nbad++][1] = s[i].tok_end;
	}
	for (i = 0; i < ng; i++) {
		uint32_t gs = g[i].tok_start, ge = g[i].tok_end;
		if (g[i].tag == faith)
			d[FEAT_D_FAITH] = 1.0f;
		else if (g[i].tag == origin)
			d[FEAT_D_ORIGIN] = 1.0f;
		else if (g[i].tag == gender)
			d[FEAT_D_GENDER] = 1.0f;
		if (gs > 0 && text_range_eq(tv, tv->tok[gs - 1].start, tv->tok[gs - 1].end, "يا"))
			d[FEAT_D_GROUPNEAR] = 1.0f;
		for (j = 0; j < nbad; j++) {
			uint32_t bs = bad[j][0], be = bad[j][1];
			uint32_t gap;
			if (!(be <= gs || ge <= bs))
				continue; /* the group word itself (روافض is both) */
			gap = be <= gs ? gs - be : bs - ge;
			if (gap <= GROUP_NEAR && tv->tok[bs].sentence == tv->tok[gs].sentence)
				d[FEAT_D_GROUPNEAR] = 1.0f;
		}
	}
}

static uint32_t add_dense(const feat_spec *spec, const text_view *tv, raqib_arena *a, feat *f)
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
	if (spec->flags & FEAT_LEX)
		lex_dense(spec, tv, a, d);
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

/* ---- FEAT_TF, fused with scoring (feat_spec.lanes4) ------------------ */

/*
 * Two passes over the occurrences, no merge table.
 *
 * 1. Hash: each occurrence's slot goes to a list, with where it came from
 *    (char n-gram i, n or word i).
 * 2. Score, prefetching the weight row and count byte of the occurrence
 *    FUSE_AHEAD places on: the ~1,300 random reads of a 300-character
 *    comment (8 MiB of rows at 2^20 slots) then overlap instead of
 *    stalling one by one, and arrive in L1 just before their use
 *    (prefetching all of them in pass 1 left them in L2). A per-thread
 *    count per slot (1 byte) says what the k-th
 *    occurrence adds to the value, q(k) - q(k - 1), and to the sum of
 *    squares, q(k)^2 - q(k - 1)^2; its row of four int16 weights times
 *    that step goes to four int32 sums, and the row is copied to a list
 *    beside the occurrence's slot. The counts are cleared at the end, so
 *    the count table is all zeros between calls.
 * The strongest n-grams of a lane are only looked for when a rule that
 * fired asks for its explanation (feat_fused_top(): one sequential scan
 * of the copied rows); keeping four top lists while scoring cost ~15 %
 * of the pass for lists most comments never use.
 * int32 sums: at most 16 x FUSE_MAX_OCC x 32767 < 2^31.
 */
#define FUSE_MAX_OCC 4096u
/* Occurrences between a row's prefetch and its use. 16 was as good as 32
 * while the loop took ~25 instructions per occurrence; at ~20 (tables for
 * the next count and the multiplier) 64 gave a median +9 % over 16 in
 * alternated runs on one CPU (32: +5 %, 128: +6 %). */
#define FUSE_AHEAD 64u
#define FUSE_MAX_BITS 20
#define CNT_ALIGN ((size_t)2 << 20) /* >= 2^FUSE_MAX_BITS */
#define ORG_UNI 0u   /* origin n of a word unigram (chars have n >= 1) */
#define ORG_BI 15u   /* origin n of a word bigram ending at token i */
/* 1 MiB per thread that ever fuses, from the heap (freed at thread exit):
 * as static TLS it would be carved out of every thread's stack. */
static _Thread_local uint8_t *tls_cnt;
static pthread_key_t cnt_key;
static bool cnt_key_ok;

/* Per count before the occurrence: the step of q and of q^2, and the
 * count after it (saturating at 255); the step of q also as eight int16
 * copies, the multiplier of pmaddwd, so the loop loads it ready-made. */
static uint16_t tf_dq[256];
static uint32_t tf_dsq[256];
static uint8_t tf_next[256];
#ifdef __SSE2__
static __m128i tf_dqv[256];
#endif
static pthread_once_t tf_once = PTHREAD_ONCE_INIT;

static void tf_steps_init(void)
{
	uint32_t c;

	cnt_key_ok = pthread_key_create(&cnt_key, free) == 0;
	for (c = 0; c < 255; c++) {
		tf_dq[c] = (uint16_t)(tf_q[c + 1] - tf_q[c]);
		tf_dsq[c] = (uint32_t)tf_q[c + 1] * tf_q[c + 1] - (uint32_t)tf_q[c] * tf_q[c];
	}
	tf_dq[255] = 0;
	tf_dsq[255] = 0;
	for (c = 0; c < 256; c++) {
		tf_next[c] = (uint8_t)(c < 255 ? c + 1 : 255);
#ifdef __SSE2__
		tf_dqv[c] = _mm_set1_epi16((short)tf_dq[c]);
#endif
	}
}

typedef struct occ_list {
	uint32_t *slot, *org;
	const int16_t *w4;
	uint32_t mask, n;
} occ_list;

static inline __attribute__((always_inline)) void occ_add(occ_list *o, uint32_t h, uint32_t org)
{
	o->slot[o->n] = hash_slot(h, o->mask);
	o->org[o->n++] = org;
}

/* Constant cmin/cmax (the call sites below) let the compiler unroll the
 * inner loop; the list is a local copy so its fields stay in registers. */
static inline __attribute__((always_inline)) void occ_chars(occ_list *op, const schar *s,
							     uint32_t m, uint32_t cmin,
							     uint32_t cmax, uint32_t i0)
{
	occ_list o = *op;
	uint32_t i, n;

	for (i = i0; i + cmax <= m; i++) {
		uint32_t h = SEED_CHAR;
#pragma GCC unroll 8
		for (n = 1; n <= cmax; n++) {
			h = fnv_step(h, s[i + n - 1].c);
			/* A lone boundary space says nothing. */
			if (n >= cmin && (n > 1 || s[i].c != ' '))
				occ_add(&o, h, i << 4 | n);
		}
	}
	for (; i < m; i++) {
		uint32_t h = SEED_CHAR;
		for (n = 1; n <= m - i; n++) {
			h = fnv_step(h, s[i + n - 1].c);
			if (n >= cmin && (n > 1 || s[i].c != ' '))
				occ_add(&o, h, i << 4 | n);
		}
	}
	*op = o;
}

#ifdef HAVE_AVX2_PATH
/*
 * Char 2- to 5-grams of eight stream positions at a time, on CPUs with
 * AVX2 (checked at run time): the same FNV steps, fmix32 and slot rule
 * as occ_add() in eight 32-bit lanes, then a 4 x 8 transpose so the list
 * holds the occurrences in exactly the scalar order (position-major:
 * 2-, 3-, 4-, 5-gram of position i, then of i + 1), which explanations
 * rely on for their ties. Hashing was about a third of the extraction's
 * instructions one occurrence at a time. `cs` holds the stream's code
 * points alone. Returns the first position left to the scalar loop.
 */
__attribute__((target("avx2"))) static uint32_t occ_chars_2_5_avx2(occ_list *o,
								    const uint32_t *cs,
								    uint32_t m)
{
	const __m256i prime = _mm256_set1_epi32((int)FNV_PRIME);
	const __m256i m1 = _mm256_set1_epi32((int)0x85ebca6bu);
	const __m256i m2 = _mm256_set1_epi32((int)0xc2b2ae35u);
	const __m256i mask = _mm256_set1_epi32((int)o->mask);
	const __m256i dense = _mm256_set1_epi32(FEAT_NDENSE);
	/* origins j << 4 | n of the block's 32 occurrences, in list order */
	const __m256i org0 = _mm256_setr_epi32(2, 3, 4, 5, 18, 19, 20, 21);
	const __m256i step = _mm256_set1_epi32(32);
	uint32_t *slot = o->slot + o->n, *org = o->org + o->n, i;
	__m256i h, s2, s3, s4, s5;

#define FMIX_SLOT(x)                                                                  \
	(x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16)),                           \
	 x = _mm256_mullo_epi32(x, m1),                                               \
	 x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 13)),                           \
	 x = _mm256_mullo_epi32(x, m2),                                               \
	 x = _mm256_xor_si256(x, _mm256_srli_epi32(x, 16)),                           \
	 x = _mm256_and_si256(x, mask),                                               \
	 x = _mm256_add_epi32(x, _mm256_and_si256(_mm256_cmpgt_epi32(dense, x), dense)))
#define FNV_STEP(x, at)                                                               \
	_mm256_mullo_epi32(                                                           \
		_mm256_xor_si256(x, _mm256_loadu_si256((const __m256i *)(const void *)(at))), \
		prime)
	for (i = 0; i + 12 <= m; i += 8) {
		__m256i a, b, c, d, r0, r1, r2, r3, base;

		h = FNV_STEP(_mm256_set1_epi32((int)SEED_CHAR), cs + i);
		s2 = FNV_STEP(h, cs + i + 1);
		s3 = FNV_STEP(s2, cs + i + 2);
		s4 = FNV_STEP(s3, cs + i + 3);
		s5 = FNV_STEP(s4, cs + i + 4);
		FMIX_SLOT(s2);
		FMIX_SLOT(s3);
		FMIX_SLOT(s4);
		FMIX_SLOT(s5);
		/* lanes j of s2..s5 -> slot[4j .. 4j + 3] */
		a = _mm256_unpacklo_epi32(s2, s3);
		b = _mm256_unpackhi_epi32(s2, s3);
		c = _mm256_unpacklo_epi32(s4, s5);
		d = _mm256_unpackhi_epi32(s4, s5);
		r0 = _mm256_unpacklo_epi64(a, c); /* positions 0 and 4 */
		r1 = _mm256_unpackhi_epi64(a, c); /* 1 and 5 */
		r2 = _mm256_unpacklo_epi64(b, d); /* 2 and 6 */
		r3 = _mm256_unpackhi_epi64(b, d); /* 3 and 7 */
		_mm256_storeu_si256((__m256i *)(void *)slot, _mm256_permute2x128_si256(r0, r1, 0x20));
		_mm256_storeu_si256((__m256i *)(void *)(slot + 8), _mm256_permute2x128_si256(r2, r3, 0x20));
		_mm256_storeu_si256((__m256i *)(void *)(slot + 16), _mm256_permute2x128_si256(r0, r1, 0x31));
		_mm256_storeu_si256((__m256i *)(void *)(slot + 24), _mm256_permute2x128_si256(r2, r3, 0x31));
		base = _mm256_add_epi32(org0, _mm256_set1_epi32((int)(i << 4)));
		_mm256_storeu_si256((__m256i *)(void *)org, base);
		base = _mm256_add_epi32(base, step);
		_mm256_storeu_si256((__m256i *)(void *)(org + 8), base);
		base = _mm256_add_epi32(base, step);
		_mm256_storeu_si256((__m256i *)(void *)(org + 16), base);
		base = _mm256_add_epi32(base, step);
		_mm256_storeu_si256((__m256i *)(void *)(org + 24), base);
		slot += 32;
		org += 32;
		o->n += 32;
	}
#undef FMIX_SLOT
#undef FNV_STEP
	return i;
}
#endif

static _Atomic int simd_mode = -1; /* -1: not yet asked, 0: off, 1: AVX2 */

static bool cpu_has_avx2(void)
{
#ifdef HAVE_AVX2_PATH
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
#else
	return false;
#endif
}

static bool simd_on(void)
{
	int v = simd_mode;

	if (v < 0)
		simd_mode = v = cpu_has_avx2();
	return v > 0;
}

bool feat_set_simd(bool on)
{
	bool was = simd_on();

	simd_mode = on && cpu_has_avx2();
	return was;
}

static void occ_words(occ_list *op, const feat_spec *spec, const text_view *tv)
{
	occ_list o = *op;
	uint32_t i, prev = 0;

	for (i = 0; i < tv->ntok; i++) {
		const text_token *tk = &tv->tok[i];
		uint32_t h = hash_range(SEED_WORD, tv->cp, tk->start, tk->end);
		occ_add(&o, h, i << 4 | ORG_UNI);
		if (spec->word_max >= 2 && i > 0 && tv->tok[i - 1].sentence == tk->sentence)
			occ_add(&o, fnv_step(fnv_step(SEED_BIGRAM ^ prev, BIGRAM_SEP), h),
				i << 4 | ORG_BI);
		prev = h;
	}
	*op = o;
}

/* The folded range of occurrence origin `org`. */
static void org_range(uint32_t org, const schar *s, const text_view *tv, uint32_t *start,
		      uint32_t *end)
{
	uint32_t i = org >> 4, len = org & 15;

	if (len == ORG_UNI) {
		*start = tv->tok[i].start;
		*end = tv->tok[i].end;
	} else if (len == ORG_BI) {
		*start = tv->tok[i - 1].start;
		*end = tv->tok[i].end;
	} else {
		*start = s[i].at;
		*end = s[i + len - 1].at + 1;
	}
}

/*
 * One pass over the occurrences in order, keeping the FEAT_TOPK largest
 * weights above a rising floor. A repeated slot needs no count table: if
 * its first occurrence is still listed it is skipped, and if it was
 * refused or pushed out its weight is at most the floor, which never
 * falls. So the list equals a scan of the merged vector in
 * first-occurrence order (model_test.c checks it bit for bit).
 */
typedef struct top_list {
	feat_top *top;
	uint32_t n;
	int16_t floor;
	/* the listed slots again, UINT32_MAX where none: one vector compare
	 * tells whether a slot is listed (a repeated n-gram among the lane's
	 * strongest comes back above the floor at every occurrence) */
	uint32_t listed[FEAT_TOPK];
} top_list;

static inline bool top_listed(const top_list *t, uint32_t slot)
{
#ifdef __SSE2__
	__m128i x = _mm_set1_epi32((int)slot);
	__m128i e = _mm_or_si128(
		_mm_cmpeq_epi32(x, _mm_loadu_si128((const __m128i *)(const void *)t->listed)),
		_mm_cmpeq_epi32(x, _mm_loadu_si128((const __m128i *)(const void *)(t->listed + 4))));
	return _mm_movemask_epi8(e) != 0;
#else
	uint32_t j;
	bool listed = false;
	for (j = 0; j < FEAT_TOPK; j++)
		listed |= t->listed[j] == slot;
	return listed;
#endif
}

/* The occurrence index waits in `start` until the list is final: only
 * the survivors' ranges are worked out. */
static inline void top_consider(const feat_fused *f, uint32_t k, int16_t w, top_list *t)
{
	uint32_t slot, j;

	if (!(w > t->floor))
		return;
	slot = f->slot[k];
	if (top_listed(t, slot))
		return;
	feat_top_insert(t->top, &t->n, &t->floor, (feat_top){w, slot, k, 0});
	for (j = 0; j < t->n; j++)
		t->listed[j] = t->top[j].idx;
}

uint32_t feat_fused_top(const feat_fused *f, uint32_t lane, feat_top *top)
{
	const int16_t *w4 = f->rows;
	top_list t = {top, 0, 0, {0}};
	uint32_t k = 0;

	if (lane >= 4)
		return 0;
	/* slots are < 2^24, so UINT32_MAX matches none */
	memset(t.listed, 0xFF, sizeof t.listed);
#ifdef __SSE2__
	{
		/* four occurrences (two rows per load) per test; one bit per
		 * row: the high byte of the lane's int16 (rows are 8 bytes) */
		uint32_t lmask = 0x02020202u << (2 * lane);
		for (; k + 4 <= f->n; k += 4) {
			__m128i fl = _mm_set1_epi16(t.floor);
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(w4 + (size_t)k * 4));
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(w4 + (size_t)k * 4 + 8));
			uint32_t m = ((uint32_t)_mm_movemask_epi8(_mm_cmpgt_epi16(a, fl)) |
				      (uint32_t)_mm_movemask_epi8(_mm_cmpgt_epi16(b, fl)) << 16) & lmask;
			while (__builtin_expect(m != 0, 0)) {
				uint32_t i = k + ((uint32_t)__builtin_ctz(m) >> 3);
				top_consider(f, i, w4[(size_t)i * 4 + lane], &t);
				m &= m - 1;
			}
		}
	}
#endif
	for (; k < f->n; k++)
		top_consider(f, k, w4[(size_t)k * 4 + lane], &t);
	for (k = 0; k < t.n; k++)
		org_range(f->org[top[k].start], f->stream, f->tv, &top[k].start, &top[k].end);
	return t.n;
}

static void fuse_score(const occ_list *o, int16_t *rows, feat_fused *out, uint64_t *sqp)
{
	uint8_t *cnt = tls_cnt;
	uint32_t k;
	uint64_t sq = 0;
#ifdef __SSE2__
	__m128i acc = _mm_setzero_si128();
#else
	int32_t acc[4] = {0};
#endif

	/* the list ends in FUSE_AHEAD readable slots (see extract_fused) */
	for (k = 0; k < FUSE_AHEAD; k++) {
		__builtin_prefetch(o->w4 + (size_t)o->slot[k] * 4);
		__builtin_prefetch(cnt + o->slot[k]);
	}
	for (k = 0; k < o->n; k++) {
		uint32_t slot = o->slot[k], c, ahead = o->slot[k + FUSE_AHEAD];

		__builtin_prefetch(o->w4 + (size_t)ahead * 4);
		__builtin_prefetch(cnt + ahead);
		c = cnt[slot];
		cnt[slot] = tf_next[c];
		sq += tf_dsq[c];
#ifdef __SSE2__
		{
			__m128i x = _mm_loadl_epi64((const __m128i *)(const void *)(o->w4 + (size_t)slot * 4));
			_mm_storel_epi64((__m128i *)(void *)(rows + (size_t)k * 4), x);
			/* (x_i, 0) pairs times (dq, dq) pairs: four int32 products */
			acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_unpacklo_epi16(x, _mm_setzero_si128()),
								tf_dqv[c]));
		}
#else
		{
			const int16_t *w = o->w4 + (size_t)slot * 4;
			uint32_t l;
			memcpy(rows + (size_t)k * 4, w, 4 * sizeof *w);
			for (l = 0; l < 4; l++)
				acc[l] += (int32_t)w[l] * tf_dq[c];
		}
#endif
	}
	/* every counted slot back to zero */
	for (k = 0; k < o->n; k++)
		cnt[o->slot[k]] = 0;
#ifdef __SSE2__
	_mm_storeu_si128((__m128i *)(void *)out->sum, acc);
#else
	memcpy(out->sum, acc, sizeof acc);
#endif
	*sqp = sq;
}

static int extract_fused(const feat_spec *spec, const text_view *tv, const schar *s,
			 uint32_t m, uint32_t nmax, raqib_arena *a, feat_vec *out)
{
	feat_fused *ff = raqib_arena_alloc(a, sizeof *ff);
	feat *f = raqib_arena_alloc(a, FEAT_NDENSE * sizeof *f);
	/* in the arena, not per thread: an explanation reads them later */
	uint32_t *slots = raqib_arena_alloc(a, ((size_t)nmax + FUSE_AHEAD) * sizeof *slots);
	uint32_t *orgs = raqib_arena_alloc(a, (size_t)nmax * sizeof *orgs);
	/* each occurrence's row of weights, copied as it is scored: an
	 * explanation then scans them in order instead of the 8 MiB table */
	int16_t *rows = raqib_arena_alloc(a, (size_t)nmax * 4 * sizeof *rows);
	occ_list o;
	uint32_t i, cmin = spec->char_min, cmax = spec->char_max;
	uint64_t sq;

	if (!ff || !f || !slots || !orgs || !rows)
		return RAQIB_ENOMEM;
	pthread_once(&tf_once, tf_steps_init);
	if (!tls_cnt) {
		/* 2 MiB aligned and marked for a transparent huge page: the
		 * ~1,300 random count reads of a comment would otherwise each
		 * need a TLB entry of their own (256 pages) */
		tls_cnt = aligned_alloc(CNT_ALIGN, CNT_ALIGN);
		if (!tls_cnt)
			return RAQIB_ENOMEM;
#ifdef MADV_HUGEPAGE
		(void)madvise(tls_cnt, CNT_ALIGN, MADV_HUGEPAGE);
#endif
		memset(tls_cnt, 0, (size_t)1 << FUSE_MAX_BITS);
		if (cnt_key_ok)
			(void)pthread_setspecific(cnt_key, tls_cnt);
	}
	memset(ff, 0, sizeof *ff);
	o.slot = slots;
	o.org = orgs;
	o.w4 = spec->lanes4;
	o.mask = (1u << spec->hash_bits) - 1;
	o.n = 0;
	if (spec->flags & FEAT_CHARS) {
		uint32_t i0 = 0;
#ifdef HAVE_AVX2_PATH
		if (cmin == 2 && cmax == 5 && m >= 12 && simd_on()) {
			uint32_t *cs = raqib_arena_alloc(a, (size_t)m * sizeof *cs);
			if (!cs)
				return RAQIB_ENOMEM;
			for (i = 0; i < m; i++)
				cs[i] = s[i].c;
			i0 = occ_chars_2_5_avx2(&o, cs, m);
		}
#endif
		/* the specs worth a specialised loop; any other is correct too */
		if (cmin == 2 && cmax == 4)
			occ_chars(&o, s, m, 2, 4, i0);
		else if (cmin == 3 && cmax == 5)
			occ_chars(&o, s, m, 3, 5, i0);
		else if (cmin == 2 && cmax == 5)
			occ_chars(&o, s, m, 2, 5, i0);
		else
			occ_chars(&o, s, m, cmin, cmax, i0);
	}
	if ((spec->flags & FEAT_WORDS) && spec->word_max >= 1)
		occ_words(&o, spec, tv);
	/* slot 16 is as good as any to prefetch past the end */
	for (i = 0; i < FUSE_AHEAD; i++)
		o.slot[o.n + i] = FEAT_NDENSE;
	fuse_score(&o, rows, ff, &sq);
	ff->slot = slots;
	ff->org = orgs;
	ff->n = o.n;
	ff->stream = s;
	ff->tv = tv;
	ff->rows = rows;
	out->f = f;
	out->n = (spec->flags & FEAT_DENSE) ? add_dense(spec, tv, a, f) : 0;
	out->unit = sq ? (float)(1.0 / sqrt((double)sq)) : 0.0f;
	out->fused = ff;
	return 0;
}

int feat_extract(const feat_spec *spec, const text_view *tv, raqib_arena *a,
		 feat_vec *out, raqib_err *err)
{
	schar *s = NULL;
	uint32_t m = 0, nmax, i, n = 0;
	table t = {0};
	float logc[LOG_CACHE] = {0};
	double norm = 0.0;
	feat *f;
	int rc;

	out->f = NULL;
	out->n = 0;
	out->unit = 0.0f;
	out->fused = NULL;
	rc = feat_spec_check(spec, err);
	if (rc)
		return rc;
	if ((spec->flags & FEAT_LEX) && !(spec->lex_groups && spec->lex_hate && spec->lex_insult))
		return raqib_err_set(err, RAQIB_EARG, "features: the spec needs its word lists");
	/* nmax below is at most ~10 per code point and the table takes 4 x
	 * that, rounded up to a power of two: keep it under 2^31. */
	if (tv->n > UINT32_MAX / 128)
		return raqib_err_set(err, RAQIB_ETOO_LONG, "features: text of %u code points", tv->n);

	nmax = FEAT_NDENSE;
	if (spec->flags & FEAT_CHARS) {
		s = raqib_arena_alloc(a, ((size_t)tv->n + 2) * sizeof *s);
		if (!s)
			goto nomem;
		m = build_stream(tv, s);
		nmax += m * (uint32_t)(spec->char_max - spec->char_min + 1);
	}
	if (spec->flags & FEAT_WORDS)
		nmax += tv->ntok * (uint32_t)(spec->word_max ? spec->word_max : 1);
	if ((spec->flags & FEAT_TF) && spec->lanes4 && nmax <= FUSE_MAX_OCC &&
	    spec->hash_bits <= FUSE_MAX_BITS) {
		if (extract_fused(spec, tv, s, m, nmax, a, out))
			goto nomem;
		return 0;
	}

	/* Load factor under 1/4: a probe that runs on past its first cell
	 * costs a branch misprediction, which matters more than the table's
	 * size. Measured on 300-character comments with the four models
	 * (A/B, best of 8 passes): 4 x nmax ~+4 % comments/s over 2 x (and
	 * ~+5 % on the 103-code-point corpus); 1.5 x was ~10 % slower than
	 * 2 x even though it cut L1 misses from 1,330 to 560 per comment.
	 * Texts too long for the thread's table get 2 x from the arena: it
	 * is zeroed on every call. */
	t.mask = pow2_at_least(nmax * 4) - 1;
	if (t.mask >= TLS_CELLS)
		t.mask = pow2_at_least(nmax * 2) - 1;
	t.range_mask = (1u << spec->hash_bits) - 1;
	t.pf = spec->prefetch;
	t.pf_shift = spec->prefetch_shift;
	t.tf = (spec->flags & FEAT_TF) != 0;
	if (t.mask < TLS_CELLS)
		t.cell = tls_cell; /* all zeros: every use clears what it set */
	else
		t.cell = raqib_arena_calloc(a, (size_t)t.mask + 1, sizeof *t.cell);
	f = raqib_arena_alloc(a, (size_t)nmax * sizeof *f);
	if (!t.cell || !f)
		goto nomem;
	t.out = f;

	if (spec->flags & FEAT_CHARS)
		add_chars(spec, &t, s, m);
	if ((spec->flags & FEAT_WORDS) && spec->word_max >= 1)
		add_words(spec, &t, tv);

	if (t.tf) {
		/* FEAT_TF: q(count) / sqrt(sum of q^2), q from tf_q (no saturation
		 * below 255) */
		uint64_t sq = 0;
		float unit;
		for (n = 0; n < t.used; n++) {
			uint32_t cell, c;
			memcpy(&cell, &f[n].val, sizeof cell);
			c = (uint32_t)(t.cell[cell] >> 32);
			t.cell[cell] = 0;
			c = tf_q[c < 255 ? c : 255];
			sq += (uint64_t)c * c;
			f[n].val = (float)c;
		}
		unit = sq ? (float)(1.0 / sqrt((double)sq)) : 0.0f;
		for (n = 0; n < t.used; n++)
			f[n].val *= unit;
		out->unit = unit;
		goto dense;
	}
	for (n = 0; n < t.used; n++) {
		uint32_t cell, c;
		float v;
		memcpy(&cell, &f[n].val, sizeof cell);
		c = (uint32_t)(t.cell[cell] >> 32);
		c = c < COUNT_MAX ? c : COUNT_MAX;
		t.cell[cell] = 0;
		if (c == 1) {
			v = 1.0f;
		} else if (c < LOG_CACHE) {
			/* the same few counts repeat: one logf each */
			if (logc[c] == 0.0f)
				logc[c] = 1.0f + logf((float)c);
			v = logc[c];
		} else {
			v = 1.0f + logf((float)c);
		}
		f[n].val = v;
		norm += (double)v * v;
	}
	if (norm > 0.0) {
		float inv = (float)(1.0 / sqrt(norm));
		for (i = 0; i < n; i++)
			f[i].val *= inv;
	}
dense:
	if (spec->flags & FEAT_DENSE)
		n += add_dense(spec, tv, a, f + n);

	out->f = f;
	out->n = n;
	return 0;
nomem:
	return raqib_err_set(err, RAQIB_ENOMEM, "features: out of memory");
}

uint32_t feat_tf_q(const feat_vec *v, const feat *f)
{
	return v->unit > 0.0f ? (uint32_t)lrint((double)f->val / (double)v->unit) : 0;
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
