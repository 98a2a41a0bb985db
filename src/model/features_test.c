/* features_test.c — hashed feature extraction: ranges, scaling, spec checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/features.h"

#define PINNED_N 160u
#define PINNED_DIGEST 0x6161abd108424e9aull

static raqib_arena *arena;

static int setup(void **state)
{
	(void)state;
	arena = raqib_arena_new(1 << 16);
	return arena ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	raqib_arena_free(arena);
	return 0;
}

static void extract(const char *s, text_view *tv, feat_vec *v)
{
	feat_spec spec;
	raqib_err err;

	feat_spec_default(&spec);
	assert_int_equal(text_normalize(tv, arena, s, strlen(s), &err), 0);
	assert_int_equal(feat_extract(&spec, tv, arena, v, &err), 0);
}

static const feat *find_dense(const feat_vec *v, uint32_t slot)
{
	uint32_t i;
	for (i = 0; i < v->n; i++)
		if (v->f[i].idx == slot)
			return &v->f[i];
	return NULL;
}

static void test_slots_ranges_norm(void **state)
{
	text_view tv;
	feat_vec v;
	double norm = 0;
	uint32_t i, j, hashed = 0;

	(void)state;
	extract("هذا الوزير غبي جدا", &tv, &v);
	assert_true(v.n > 50);
	for (i = 0; i < v.n; i++) {
		assert_true(v.f[i].idx < (1u << 20));
		if (v.f[i].idx < FEAT_NDENSE)
			continue;
		hashed++;
		norm += (double)v.f[i].val * v.f[i].val;
		assert_true(v.f[i].start < v.f[i].end);
		assert_true(v.f[i].end <= tv.n);
		for (j = i + 1; j < v.n; j++)
			assert_int_not_equal(v.f[i].idx, v.f[j].idx);
	}
	assert_true(hashed > 50);
	assert_true(fabs(norm - 1.0) < 1e-4);
}

/* Same text, same vector; one letter changed, a different vector. */
static void test_deterministic(void **state)
{
	text_view t1, t2, t3;
	feat_vec a, b, c;
	uint32_t i, same = 0;

	(void)state;
	extract("السلام عليكم ورحمة الله", &t1, &a);
	extract("السلام عليكم ورحمة الله", &t2, &b);
	assert_int_equal(a.n, b.n);
	feat_sort(&a);
	feat_sort(&b);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(a.f[i].idx, b.f[i].idx);
		assert_true(a.f[i].val == b.f[i].val);
	}
	extract("السلام عليكن ورحمة الله", &t3, &c);
	feat_sort(&c);
	for (i = 0; i < a.n && i < c.n; i++)
		same += a.f[i].idx == c.f[i].idx;
	assert_true(same < a.n);
}

/* A word bigram's range spans both words, so it covers the space. */
static void test_cross_word_range(void **state)
{
	text_view tv;
	feat_vec v;
	uint32_t i, across = 0, maxlen = 0;

	(void)state;
	extract("يا غبي", &tv, &v);
	for (i = 0; i < v.n; i++) {
		if (v.f[i].end - v.f[i].start > maxlen)
			maxlen = v.f[i].end - v.f[i].start;
		if (v.f[i].start < 2 && v.f[i].end > 3)
			across++;
	}
	assert_int_equal(maxlen, 6); /* the bigram "يا غبي" */
	assert_true(across >= 3);   /* char n-grams across the space too */
}

/* Repeated n-grams are log-scaled, not linear: in "كلا كلا كلا كلا نعم"
 * the most frequent n-grams occur 4 times (كلا, ل, ...) and the rarest once
 * (نعم): their values differ by 1 + ln 4, not 4. */
/* The smallest and largest value of the hashed (non-dense) features. */
static void sparse_range(const feat_vec *v, float *lo, float *hi)
{
	uint32_t i;

	for (i = 0; i < v->n; i++) {
		if (v->f[i].idx < FEAT_NDENSE)
			continue;
		if (v->f[i].val > *hi)
			*hi = v->f[i].val;
		if (v->f[i].val < *lo)
			*lo = v->f[i].val;
	}
}

static void test_log_scaling(void **state)
{
	text_view tv;
	feat_vec v;
	float hi = 0, lo = 1;

	(void)state;
	extract("كلا كلا كلا كلا نعم", &tv, &v);
	sparse_range(&v, &lo, &hi);
	assert_true(fabsf(hi / lo - (1.0f + logf(4.0f))) < 1e-3f);
}

static void test_dense_signals(void **state)
{
	text_view tv;
	feat_vec v;
	const feat *f;

	(void)state;
	extract("this is english text", &tv, &v);
	f = find_dense(&v, FEAT_D_LATIN);
	assert_non_null(f);
	assert_true(f->val > 0.99f);
	assert_null(find_dense(&v, FEAT_D_ARABIC));

	extract("salam 3likom ya 5ouya", &tv, &v);
	f = find_dense(&v, FEAT_D_DIGITWORD);
	assert_non_null(f);
	assert_true(f->val > 0.4f);

	/* Persian گ and پ survive only as a statistic: folding keeps them,
	 * but ی -> ي hides most of Persian. */
	extract("این یک متن فارسی است که پدر و گل دارد", &tv, &v);
	f = find_dense(&v, FEAT_D_PERSIAN);
	assert_non_null(f);
	assert_true(f->val > 0.2f);
}

static void test_empty(void **state)
{
	text_view tv;
	feat_vec v;

	(void)state;
	extract("", &tv, &v);
	assert_int_equal(v.n, 0);
	extract("   ", &tv, &v);
	assert_int_equal(v.n, 0);
}

/* FEAT_TF: integer values q(c) = round(16 (1 + ln c)), the hashed part
 * L2-normalised by unit, and an accepted flag. */
static void test_tf_values(void **state)
{
	const char *txt = "كلا كلا كلا كلا نعم";
	feat_spec spec;
	text_view tv;
	feat_vec v;
	raqib_err err;
	double norm = 0.0;
	uint32_t i, q4 = 0, q1 = 0;

	(void)state;
	feat_spec_default(&spec);
	spec.flags |= FEAT_TF;
	assert_int_equal(feat_spec_check(&spec, &err), 0);
	assert_int_equal(text_normalize(&tv, arena, txt, strlen(txt), &err), 0);
	assert_int_equal(feat_extract(&spec, &tv, arena, &v, &err), 0);
	assert_null(v.fused); /* no lanes4: the merged vector */
	assert_true(v.unit > 0.0f);
	for (i = 0; i < v.n; i++) {
		uint32_t q;
		if (v.f[i].end == 0) /* dense */
			continue;
		q = feat_tf_q(&v, &v.f[i]);
		assert_true(q == 16 || q == 27 || q == 34 || q == 38); /* counts 1 to 4 */
		q4 += q == 38; /* "كلا" and its n-grams: 4 times */
		q1 += q == 16;
		norm += (double)v.f[i].val * v.f[i].val;
	}
	assert_true(q4 > 0 && q1 > 0);
	assert_true(fabs(norm - 1.0) < 1e-5);
}

static void test_spec_check(void **state)
{
	feat_spec s, d;
	raqib_err err;

	(void)state;
	feat_spec_default(&d);
	assert_int_equal(feat_spec_check(&d, &err), 0);
	s = d;
	s.hash_bits = 30;
	assert_int_equal(feat_spec_check(&s, &err), RAQIB_EARG);
	assert_non_null(strstr(err.msg, "hash_bits"));
	s = d;
	s.char_min = 4;
	s.char_max = 3;
	assert_int_equal(feat_spec_check(&s, &err), RAQIB_EARG);
	s = d;
	s.flags |= 64;
	assert_int_equal(feat_spec_check(&s, &err), RAQIB_EARG);
	assert_false(feat_spec_eq(&s, &d));
	s = d;
	assert_true(feat_spec_eq(&s, &d));
}

/* The shipped models were trained on exactly these features: any change to
 * hashing, ranges or scaling must bump FEAT_VERSION, and this digest (of
 * slots, value bits and ranges in extraction order, computed with the
 * format-1 extractor) says when that is due. Repeats (count > 1) and a
 * whitespace run are included. */
static void test_features_pinned(void **state)
{
	text_view tv;
	feat_vec v;
	uint64_t h = 14695981039346656037ull;
	uint32_t i;

	(void)state;
	extract("  هذا الوزير  غبي غبي غبي، والله!\tthis is 3ayb  ", &tv, &v);
	for (i = 0; i < v.n; i++) {
		uint32_t w[4];
		w[0] = v.f[i].idx;
		memcpy(&w[1], &v.f[i].val, 4);
		w[2] = v.f[i].start;
		w[3] = v.f[i].end;
		for (size_t k = 0; k < sizeof w; k++) {
			h ^= ((const unsigned char *)w)[k];
			h *= 1099511628211ull;
		}
	}

	assert_int_equal(v.n, PINNED_N);
	assert_true(h == PINNED_DIGEST);
}

/* Two extractions of the same text give the same vector bit for bit,
 * whatever was extracted in between: the merge table is reused across
 * calls and must come back clean (short texts), and long texts take
 * another path. */
static void same_vec(const feat_vec *a, const feat_vec *b)
{
	uint32_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->f[i].idx, b->f[i].idx);
		assert_memory_equal(&a->f[i].val, &b->f[i].val, sizeof a->f[i].val);
		assert_int_equal(a->f[i].start, b->f[i].start);
		assert_int_equal(a->f[i].end, b->f[i].end);
	}
}

static void test_table_reuse(void **state)
{
	const char *a = "هذا الوزير غبي غبي جدا";
	const char *b = "كلا كلا كلا نعم، this is 3ayb";
	text_view tv;
	feat_vec first, v;
	raqib_arena *keep = raqib_arena_new(1 << 12);
	char *big = malloc(4001);
	raqib_err err;
	feat_spec spec;
	size_t i;

	(void)state;
	assert_non_null(keep);
	assert_non_null(big);
	feat_spec_default(&spec);
	/* a's vector lives in its own arena while others are extracted */
	assert_int_equal(text_normalize(&tv, keep, a, strlen(a), &err), 0);
	assert_int_equal(feat_extract(&spec, &tv, keep, &first, &err), 0);
	extract(b, &tv, &v);
	extract(a, &tv, &v);
	same_vec(&first, &v);
	/* 1,000 words: too long for the reused table */
	for (i = 0; i < 4000; i += 4)
		memcpy(big + i, i % 8 ? "ab " : "cd ", 3), big[i + 3] = 'x';
	big[4000] = 0;
	extract(big, &tv, &v);
	assert_true(v.n > 10);
	extract(a, &tv, &v);
	same_vec(&first, &v);
	free(big);
	raqib_arena_free(keep);
}

/* Counts saturate at 65535 (format version 1): a word repeated 70,000
 * times weighs 1 + ln 65535 against a once-only n-gram, not 1 + ln 70000. */
static void test_count_saturates(void **state)
{
	size_t reps = 70000, len = reps * 3 + 3, i;
	char *s = malloc(len + 1);
	raqib_arena *big = raqib_arena_new(1 << 20);
	feat_spec spec;
	text_view tv;
	feat_vec v;
	raqib_err err;
	float hi = 0, lo = 100;

	(void)state;
	assert_non_null(s);
	assert_non_null(big);
	for (i = 0; i < reps; i++)
		memcpy(s + 3 * i, "ab ", 3);
	memcpy(s + 3 * reps, "zzq", 3); /* n-grams that occur once */
	s[len] = 0;
	feat_spec_default(&spec);
	assert_int_equal(text_normalize(&tv, big, s, len, &err), 0);
	assert_int_equal(feat_extract(&spec, &tv, big, &v, &err), 0);
	sparse_range(&v, &lo, &hi);
	assert_true(fabsf(hi / lo - (1.0f + logf(65535.0f))) < 1e-4f);
	raqib_arena_free(big);
	free(s);
}

/* The prefetch hint is not part of a spec's identity and changes nothing
 * in the features: same entries, same order, same values and ranges, with
 * a table of 8-byte rows (a set of four models) and without one. */
static void test_prefetch_hint(void **state)
{
	static const char *texts[] = {"هذا الوزير غبي جدا", "",
				      "كلام كلام كلام فاضي يا جماعة الخير والله العظيم"};
	int16_t *table;
	feat_spec plain, hint;
	raqib_err err;
	size_t k;

	(void)state;
	feat_spec_default(&plain);
	assert_null(plain.prefetch);
	table = calloc((size_t)4 << plain.hash_bits, sizeof *table);
	assert_non_null(table);
	hint = plain;
	hint.prefetch = table;
	hint.prefetch_shift = 3;
	assert_true(feat_spec_eq(&plain, &hint));
	assert_int_equal(feat_spec_check(&hint, &err), 0);
	for (k = 0; k < sizeof texts / sizeof *texts; k++) {
		text_view tv;
		feat_vec a, b;
		assert_int_equal(text_normalize(&tv, arena, texts[k], strlen(texts[k]), &err), 0);
		assert_int_equal(feat_extract(&plain, &tv, arena, &a, &err), 0);
		assert_int_equal(feat_extract(&hint, &tv, arena, &b, &err), 0);
		assert_int_equal(a.n, b.n);
		if (a.n)
			assert_memory_equal(a.f, b.f, a.n * sizeof *a.f);
		assert_true(k == 1 || a.n > 0);
	}
	free(table);
}

/* FEAT_LEX: the word-list signals of slots 10-15 from the lists in the
 * spec; a spec with the flag and no lists is refused, not scored with
 * those slots at 0. */
static void test_lex_signals(void **state)
{
	static const char groups[] = "يهود\t1\tfaith\nهنود\t1\torigin\nحريم\t1\tgender\n";
	static const char hate[] = "خنازير\t0.9\nيهود\t0.1\tgroup\n";
	static const char insult[] = "كلاب\t0.8\nحمير\t0.6\n";
	lexicon *g = NULL, *h = NULL, *i = NULL;
	feat_spec spec;
	text_view tv;
	feat_vec v;
	raqib_err err;
	const feat *f;

	(void)state;
	assert_int_equal(lexicon_load(&g, groups, sizeof groups - 1, "groups", &err), 0);
	assert_int_equal(lexicon_load(&h, hate, sizeof hate - 1, "hate", &err), 0);
	assert_int_equal(lexicon_load(&i, insult, sizeof insult - 1, "insult", &err), 0);
	feat_spec_default(&spec);
	spec.flags |= FEAT_LEX;

	assert_int_equal(text_normalize(&tv, arena, "يا يهود يا كلاب", strlen("يا يهود يا كلاب"), &err), 0);
	assert_int_equal(feat_extract(&spec, &tv, arena, &v, &err), RAQIB_EARG);

	spec.lex_groups = g;
	spec.lex_hate = h;
	spec.lex_insult = i;
	/* a group named, an insult two words on, the group after يا */
	assert_int_equal(feat_extract(&spec, &tv, arena, &v, &err), 0);
	assert_non_null(f = find_dense(&v, FEAT_D_FAITH));
	assert_true(f->val == 1.0f);
	assert_non_null(f = find_dense(&v, FEAT_D_INSULTWORD));
	assert_true(fabsf(f->val - 0.8f) < 1e-6f);
	assert_non_null(find_dense(&v, FEAT_D_GROUPNEAR));
	assert_null(find_dense(&v, FEAT_D_ORIGIN));
	assert_null(find_dense(&v, FEAT_D_HATEWORD)); /* يهود is tagged group */

	/* naming a group in a neutral sentence: only the group slot */
	raqib_arena_reset(arena);
	{
		const char *t = "قرأت كتابا عن تاريخ الهنود في آسيا";
		assert_int_equal(text_normalize(&tv, arena, t, strlen(t), &err), 0);
	}
	assert_int_equal(feat_extract(&spec, &tv, arena, &v, &err), 0);
	assert_non_null(find_dense(&v, FEAT_D_ORIGIN));
	assert_null(find_dense(&v, FEAT_D_FAITH));
	assert_null(find_dense(&v, FEAT_D_GROUPNEAR));
	assert_null(find_dense(&v, FEAT_D_INSULTWORD));

	/* a hate word far (more than two words) from the group */
	raqib_arena_reset(arena);
	{
		const char *t = "الحريم في السوق اليوم كثيرات جدا والناس خنازير";
		assert_int_equal(text_normalize(&tv, arena, t, strlen(t), &err), 0);
	}
	assert_int_equal(feat_extract(&spec, &tv, arena, &v, &err), 0);
	assert_non_null(find_dense(&v, FEAT_D_GENDER));
	assert_non_null(f = find_dense(&v, FEAT_D_HATEWORD));
	assert_true(fabsf(f->val - 0.9f) < 1e-6f);
	assert_null(find_dense(&v, FEAT_D_GROUPNEAR));

	/* without the flag the lists are ignored: slots 10-15 stay empty */
	spec.flags &= ~(uint32_t)FEAT_LEX;
	assert_int_equal(feat_extract(&spec, &tv, arena, &v, &err), 0);
	for (uint32_t k = FEAT_D_FAITH; k <= FEAT_D_GROUPNEAR; k++)
		assert_null(find_dense(&v, k));
	lexicon_free(g);
	lexicon_free(h);
	lexicon_free(i);
}

/* The fused pass hashes char 2-5-grams eight positions at a time on CPUs
 * with AVX2: the occurrence list (slots, origins, order), the integer sums
 * and the norm must be those of the scalar loop, bit for bit, at every
 * length around the block edges (8 positions need 12 stream chars) and
 * with repeats, Latin, digits and rare code points. */
static void fused_of(const feat_spec *spec, const char *s, feat_vec *v, text_view *tv)
{
	raqib_err err;

	assert_int_equal(text_normalize(tv, arena, s, strlen(s), &err), 0);
	assert_int_equal(feat_extract(spec, tv, arena, v, &err), 0);
	assert_non_null(v->fused);
}

static void test_simd_same_as_scalar(void **state)
{
	static const char *words[] = {"هذا", "الوزير", "غبي", "3ayb", "x", "Ù…Ø±Ø­Ø¨Ø§",
				      "ههههههههه", "نعم،", "ڤيديو", "2024", "this", "ا"};
	int16_t *w4 = malloc(((size_t)4 << 16) * sizeof *w4);
	feat_spec spec;
	char text[2048];
	uint32_t seed = 12345, t, k, checked = 0;
	bool avx2;

	(void)state;
	assert_non_null(w4);
	for (k = 0; k < (4u << 16); k++) {
		seed = seed * 1103515245u + 12345u;
		w4[k] = (int16_t)((seed >> 8) & 0xFFFF);
	}
	feat_spec_default(&spec);
	spec.hash_bits = 16;
	spec.flags |= FEAT_TF;
	spec.lanes4 = w4;
	(void)feat_set_simd(true);
	avx2 = feat_set_simd(true); /* on now only if the CPU has AVX2 */
	if (!avx2)
		print_message("no AVX2 here: both runs take the scalar loop\n");
	for (t = 0; t < 400; t++) {
		size_t len = 0;
		uint32_t nw = t < 40 ? t % 6 : 1 + t % 60;
		text_view ta, tb;
		feat_vec a, b;

		text[0] = 0;
		for (k = 0; k < nw; k++) {
			const char *wd = words[(t * 7 + k * 13 + k * k) % 12];
			size_t wl = strlen(wd);
			if (len + wl + 2 >= sizeof text)
				break;
			memcpy(text + len, wd, wl);
			len += wl;
			text[len++] = (t + k) % 5 ? ' ' : '\n';
		}
		text[len] = 0;
		raqib_arena_reset(arena);
		(void)feat_set_simd(true);
		fused_of(&spec, text, &a, &ta);
		(void)feat_set_simd(false);
		fused_of(&spec, text, &b, &tb);
		assert_int_equal(a.fused->n, b.fused->n);
		assert_memory_equal(a.fused->slot, b.fused->slot, a.fused->n * sizeof *a.fused->slot);
		assert_memory_equal(a.fused->org, b.fused->org, a.fused->n * sizeof *a.fused->org);
		assert_memory_equal(a.fused->rows, b.fused->rows, a.fused->n * 4 * sizeof *a.fused->rows);
		assert_memory_equal(a.fused->sum, b.fused->sum, sizeof a.fused->sum);
		assert_memory_equal(&a.unit, &b.unit, sizeof a.unit);
		checked += a.fused->n;
	}
	(void)feat_set_simd(true);
	assert_true(checked > 10000);
	free(w4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_ranges_norm),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_cross_word_range),
		cmocka_unit_test(test_log_scaling),
		cmocka_unit_test(test_dense_signals),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_spec_check),
		cmocka_unit_test(test_features_pinned),
		cmocka_unit_test(test_table_reuse),
		cmocka_unit_test(test_count_saturates),
		cmocka_unit_test(test_prefetch_hint),
		cmocka_unit_test(test_tf_values),
		cmocka_unit_test(test_lex_signals),
		cmocka_unit_test(test_simd_same_as_scalar),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
