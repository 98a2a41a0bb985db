/* Table-driven tests of the normalizer: one table per folding step, the
 * offset map, invalid UTF-8, tokens, and fold(NFKC(x)) == fold(x). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "text/text.h"

typedef struct { const char *in, *out; } pair;

static raqib_arena *A;

static char *folded_utf8(const text_view *tv)
{
	static char buf[8192];
	size_t n = 0;
	for (uint32_t i = 0; i < tv->n; i++)
		n += raqib_utf8_encode(tv->cp[i], buf + n);
	buf[n] = 0;
	return buf;
}

static void check_pairs(const pair *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		text_view tv;
		raqib_err err;
		int rc = text_normalize(&tv, A, t[i].in, strlen(t[i].in), &err);
		if (rc)
			fail_msg("'%s': %s", t[i].in, err.msg);
		if (strcmp(folded_utf8(&tv), t[i].out))
			fail_msg("'%s' -> '%s', want '%s'", t[i].in, folded_utf8(&tv), t[i].out);
		/* the map is monotonic and inside the original */
		for (uint32_t k = 0; k < tv.n; k++) {
			assert_true(tv.ostart[k] < tv.oend[k]);
			assert_true(tv.oend[k] <= tv.norig);
			if (k)
				assert_true(tv.ostart[k] >= tv.oend[k - 1] ||
					    tv.ostart[k] == tv.ostart[k - 1]);
		}
	}
}

#define PAIRS(t) check_pairs(t, sizeof t / sizeof t[0])

static void test_nfkc(void **state)
{
	(void)state;
	static const pair t[] = {
		{"ﻣﺤﻤﺪ", "محمد"},           /* presentation forms B */
		{"ﷲ", "الله"},               /* ligature U+FDF2 */
		{"ﻻ", "لا"},                 /* lam-alef ligature */
		{"ＡＢＣ１２", "abc12"},     /* fullwidth */
		{"a\xc2\xa0" "b", "a b"},    /* NBSP */
		{"\xef\xad\x90", "ا"},       /* U+FB50 alef wasla isolated -> ٱ -> ا */
		{"𝐀𝐁", "ab"},                /* 4-byte math bold */
	};
	PAIRS(t);
}

static void test_marks(void **state)
{
	(void)state;
	static const pair t[] = {
		{"مُحَمَّدٌ", "محمد"},                       /* tashkeel */
		{"حـــمـــار", "حمار"},                     /* tatweel */
		{"ح\u200cم\u200dا\u200eر\u200f", "حمار"},   /* ZWNJ ZWJ LRM RLM */
		{"\u202aح\u202bم\u202cا\u202dر\u202e", "حمار"},
		{"\u2066ح\u2067م\u2068ا\u2069ر", "حمار"},
		{"مش\u00adكلة", "مشكله"},                  /* soft hyphen */
		{"الرَّحْمٰنِ", "الرحمن"},                    /* superscript alef */
		{"قال\u06d6 ربك\u06da", "قال ربك"},          /* Quranic marks */
		{"café", "cafe"},                         /* Latin accents */
		{"\xef\xbb\xbfنص", "نص"},                 /* BOM */
	};
	PAIRS(t);
}

static void test_letters(void **state)
{
	(void)state;
	static const pair t[] = {
		{"أحمد إسلام آمن ٱلله", "احمد اسلام امن الله"},
		{"مستشفى على", "مستشفي علي"},
		{"مدرسة خليفة", "مدرسه خليفه"},
		{"مؤتمر رئيس", "موتمر رييس"},
		{"یک کتاب", "يك كتاب"},                   /* Persian yeh, keheh */
		{"أ\u0654", "ا"},
		{"ا\u0654", "ا"},                         /* decomposed hamza */
	};
	PAIRS(t);
}

static void test_digits_case(void **state)
{
	(void)state;
	static const pair t[] = {
		{"٠١٢٣٤٥٦٧٨٩", "0123456789"},
		{"۰۱۲۳۴۵۶۷۸۹", "0123456789"},
		{"٠٩١-۲۳4", "091-234"},
		{"HeLLo WORLD", "hello world"},
		{"ÄÖÜ", "aou"},
		{"a\tb\rc", "a b c"},
		{"a\nb", "a\nb"},
	};
	PAIRS(t);
}

static void test_runs(void **state)
{
	(void)state;
	static const pair t[] = {
		{"حمااااار", "حمار"},
		{"حماار", "حماار"},                       /* two stay */
		{"cooool", "col"},
		{"هههههههه", "ه"},
		{"2222222", "2222222"},                   /* digits never collapse */
		{"!!!!!", "!!!!!"},
		{"ح ـاااا", "ح ا"},
	};
	PAIRS(t);
}

static void test_map(void **state)
{
	text_view tv;
	raqib_err err;
	raqib_span sp;
	(void)state;

	/* حمااااار: 8 code points, folded حمار; the alef covers the run */
	assert_int_equal(text_normalize(&tv, A, "حمااااار", strlen("حمااااار"), &err), 0);
	assert_int_equal(tv.n, 4);
	assert_int_equal(tv.ostart[2], 2);
	assert_int_equal(tv.oend[2], 7);
	sp = text_span(&tv, 0, 4);
	assert_int_equal(sp.start, 0);
	assert_int_equal(sp.end, 8);

	/* marks join the preceding letter's span: مُحَمَّد is 8 cps */
	assert_int_equal(text_normalize(&tv, A, "x مُحَمَّد y", strlen("x مُحَمَّد y"), &err), 0);
	assert_int_equal(tv.n, 8);
	sp = text_span(&tv, 2, 6);
	assert_int_equal(sp.start, 2);
	assert_int_equal(sp.end, 10);

	/* ligature: every output letter maps to the one original cp */
	assert_int_equal(text_normalize(&tv, A, "aﷲb", strlen("aﷲb"), &err), 0);
	assert_int_equal(tv.n, 6);
	sp = text_span(&tv, 1, 5);
	assert_int_equal(sp.start, 1);
	assert_int_equal(sp.end, 2);

	/* 4-byte characters count as one code point */
	assert_int_equal(text_normalize(&tv, A, "😀 رقم", strlen("😀 رقم"), &err), 0);
	assert_int_equal(tv.norig, 5);
	assert_int_equal(tv.ostart[2], 2);
}

static void test_invalid(void **state)
{
	static const struct { const char *s; size_t len, off; } t[] = {
		{"\xff", 1, 0},
		{"ab\xc0\xaf", 4, 2},           /* overlong '/' */
		{"\xed\xa0\x80", 3, 0},         /* surrogate */
		{"\xf4\x90\x80\x80", 4, 0},     /* > U+10FFFF */
		{"ok\xd8", 3, 2},               /* truncated */
		{"a\0b", 3, 1},                 /* NUL */
		{"\xe2\x82", 2, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		text_view tv;
		raqib_err err;
		char want[64];
		assert_int_equal(text_normalize(&tv, A, t[i].s, t[i].len, &err), RAQIB_EUTF8);
		snprintf(want, sizeof want, "invalid UTF-8 at byte %zu", t[i].off);
		assert_string_equal(err.msg, want);
	}
}

static void test_tokens(void **state)
{
	text_view tv;
	raqib_err err;
	const char *s = "قال، الرئيس: hello 42سنة؟ ثم ذهب. 24.04.2018 انتهى";
	(void)state;
	assert_int_equal(text_normalize(&tv, A, s, strlen(s), &err), 0);
	/* قال الرئيس hello 42سنه | ثم ذهب | 24 04 2018 انتهي */
	assert_int_equal(tv.ntok, 10);
	assert_true(text_range_eq(&tv, tv.tok[0].start, tv.tok[0].end, "قال"));
	assert_true(text_range_eq(&tv, tv.tok[1].start, tv.tok[1].end, "الرييس"));
	assert_int_equal(tv.tok[2].flags, TEXT_TOK_LATIN);
	assert_int_equal(tv.tok[3].flags, TEXT_TOK_ARABIC | TEXT_TOK_DIGIT);
	assert_int_equal(tv.tok[3].sentence, 0);
	assert_int_equal(tv.tok[4].sentence, 1);
	assert_int_equal(tv.tok[6].sentence, 2);
	assert_int_equal(tv.tok[9].sentence, 2); /* dots inside a date end nothing */
	assert_int_equal(tv.nsent, 3);
	assert_int_equal(tv.stats.latin, 5);
	assert_int_equal(tv.stats.digits, 10);
}

static void test_stats(void **state)
{
	text_view tv;
	raqib_err err;
	const char *s = "این یک کتاب است";
	(void)state;
	assert_int_equal(text_normalize(&tv, A, s, strlen(s), &err), 0);
	assert_int_equal(tv.stats.persian_only, 4); /* ی ی ک ک */
	assert_int_equal(tv.stats.latin, 0);
	assert_true(text_is_persian_only(0x067E));
	assert_false(text_is_persian_only(0x06A4)); /* ڤ is used in Arabic */
}

/* fold(NFKC(x)) == fold(x): the per-code-point decomposition loses nothing */
static void test_nfkc_equivalence(void **state)
{
	static const char *t[] = {
		"ﻣﺤﻤﺪ ﷲ ﻻ", "أَحْمَدُ إِسْلَامٌ", "ا\u0654 و\u0654 ي\u0654", "Ｈｅｌｌｏ ①②",
		"ﺣﻤﺎﺭ ﻗﺬﺭ", "café ñ Å", "حمااااار", "٠٩١٢٣ ۴۵۶", "\u2066abc\u2069",
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		text_view a, b;
		raqib_err err;
		char x[8192];
		utf8proc_uint8_t *nfkc = utf8proc_NFKC((const utf8proc_uint8_t *)t[i]);
		assert_non_null(nfkc);
		assert_int_equal(text_normalize(&a, A, t[i], strlen(t[i]), &err), 0);
		snprintf(x, sizeof x, "%s", folded_utf8(&a));
		assert_int_equal(text_normalize(&b, A, (char *)nfkc, strlen((char *)nfkc), &err), 0);
		if (strcmp(x, folded_utf8(&b)))
			fail_msg("'%s': fold=%s fold(NFKC)=%s", t[i], x, folded_utf8(&b));
		free(nfkc);
	}
}

static void test_pathological(void **state)
{
	/* 100k tatweel and 100k bidi controls: linear, no crash */
	size_t n = 100000, i;
	char *s = malloc(n * 3 + 1);
	text_view tv;
	raqib_err err;
	(void)state;
	for (i = 0; i < n; i++)
		memcpy(s + i * 2, "\xd9\x80", 2);
	assert_int_equal(text_normalize(&tv, A, s, n * 2, &err), 0);
	assert_int_equal(tv.n, 0);
	for (i = 0; i < n; i++)
		memcpy(s + i * 3, "\xe2\x80\x8f", 3);
	assert_int_equal(text_normalize(&tv, A, s, n * 3, &err), 0);
	assert_int_equal(tv.stats.controls, n);
	free(s);
}

static int setup(void **state) { (void)state; A = raqib_arena_new(0); return A ? 0 : -1; }
static int teardown(void **state) { (void)state; raqib_arena_free(A); return 0; }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfkc),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_letters),
		cmocka_unit_test(test_digits_case),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_nfkc_equivalence),
		cmocka_unit_test(test_pathological),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
