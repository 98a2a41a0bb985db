/* phone rule tests through rule_phone() with hand-built inputs: exact spans
 * in original code points (marks inside a number included), the NULL
 * lexicon path, spelled-out digits with the real lexicon file, one finding
 * per field, and pathological input. The case files in tests/rules/phone.test
 * cover the policy; these pin the contract the engine relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules/rule.h"

typedef struct fixture {
	raqib_arena *arena;
	text_view text, name;
	rule_env env;
	raqib_config cfg;
	raqib_verdict v;
	lexicon *lx;
} fixture;

static lexicon *load_phone_words(void)
{
	FILE *fp = fopen("data/lexicons/phone_words.txt", "rb");
	char *buf;
	long len;
	lexicon *lx = NULL;
	raqib_err err;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, fp) == (size_t)len)
		(void)lexicon_load(&lx, buf, (size_t)len, "phone_words.txt", &err);
	free(buf);
	fclose(fp);
	return lx;
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	if (!fx)
		return -1;
	fx->arena = raqib_arena_new(1 << 16);
	raqib_config_defaults(&fx->cfg);
	fx->env.cfg = &fx->cfg;
	raqib_verdict_init(&fx->v);
	fx->lx = load_phone_words();
	*state = fx;
	return fx->arena ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	raqib_verdict_free(&fx->v);
	raqib_arena_free(fx->arena);
	lexicon_free(fx->lx);
	free(fx);
	return 0;
}

/* Screens text (and name) with rule_phone alone; lexicon on or off. */
static void run(fixture *fx, const char *text, const char *name, bool lex)
{
	raqib_err err;
	rule_input in;
	rule_out out = {&fx->v};

	raqib_arena_reset(fx->arena);
	fx->v.nfindings = 0;
	memset(&in, 0, sizeof in);
	fx->env.lex[LEX_PHONE_WORDS] = lex ? fx->lx : NULL;
	assert_int_equal(text_normalize(&fx->text, fx->arena, text, strlen(text), &err), 0);
	assert_int_equal(text_normalize(&fx->name, fx->arena, name, strlen(name), &err), 0);
	in.text = &fx->text;
	in.name = &fx->name;
	in.env = &fx->env;
	in.arena = fx->arena;
	rule_phone(&in, &out);
}

static const raqib_finding *finding(const fixture *fx, raqib_field field)
{
	for (uint32_t i = 0; i < fx->v.nfindings; i++)
		if (fx->v.findings[i].rule == RAQIB_RULE_PHONE &&
		    fx->v.findings[i].field == field)
			return &fx->v.findings[i];
	return NULL;
}

/* Code-point offset of the first occurrence of needle in s. */
static uint32_t cp_off(const char *s, const char *needle)
{
	const char *p = strstr(s, needle);
	uint32_t n = 0;

	assert_non_null(p);
	for (const char *q = s; q < p; q++)
		if (((unsigned char)*q & 0xC0) != 0x80)
			n++;
	return n;
}

static uint32_t cp_len(const char *s)
{
	uint32_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static void assert_span(const raqib_finding *f, uint32_t i, const char *text,
			const char *number)
{
	uint32_t start = cp_off(text, number);
	assert_true(i < f->nspans);
	assert_int_equal(f->spans[i].start, start);
	assert_int_equal(f->spans[i].end, start + cp_len(number));
}

static void test_national_mobile_span(void **state)
{
	fixture *fx = *state;
	const char *t = "للتواصل معي على الرقم 0912345678 بعد العصر";
	const raqib_finding *f;

	run(fx, t, "", false);
	f = finding(fx, RAQIB_FIELD_TEXT);
	assert_non_null(f);
	assert_true(f->score >= 0.9f);
	assert_int_equal(f->nspans, 1);
	assert_span(f, 0, t, "0912345678");
	assert_null(finding(fx, RAQIB_FIELD_NAME));
}

static void test_marks_inside_are_covered(void **state)
{
	fixture *fx = *state;
	/* Arabic-Indic digits, RLM (U+200F) and NBSP inside, '+' in front. */
	const char *num = "+\xd9\xa2\xd9\xa1\xd9\xa8\xe2\x80\x8f \xd9\xa9\xd9\xa1\xc2\xa0"
			  "\xd9\xa2\xd9\xa3\xd9\xa4 \xd9\xa5\xd9\xa6\xd9\xa7\xd9\xa8";
	char t[256];
	const raqib_finding *f;

	snprintf(t, sizeof t, "اتصلوا بي %s شكرا", num);
	run(fx, t, "", false);
	f = finding(fx, RAQIB_FIELD_TEXT);
	assert_non_null(f);
	assert_true(f->score >= 0.95f);
	assert_int_equal(f->nspans, 1);
	assert_span(f, 0, t, num);
}

static void test_area_code_parentheses(void **state)
{
	fixture *fx = *state;
	const char *t = "هاتف المكتب (021) 3334444 وشكرا";
	const raqib_finding *f;

	run(fx, t, "", false);
	f = finding(fx, RAQIB_FIELD_TEXT);
	assert_non_null(f);
	assert_span(f, 0, t, "(021) 3334444");
}

static void test_two_numbers_one_finding(void **state)
{
	fixture *fx = *state;
	const char *t = "ارقامنا 0912345678 0923456789 و +20 100 123 4567";
	const raqib_finding *f;
	uint32_t n = 0;

	run(fx, t, "", false);
	for (uint32_t i = 0; i < fx->v.nfindings; i++)
		n += fx->v.findings[i].field == RAQIB_FIELD_TEXT;
	assert_int_equal(n, 1);
	f = finding(fx, RAQIB_FIELD_TEXT);
	assert_non_null(f);
	assert_int_equal(f->nspans, 3);
	assert_span(f, 0, t, "0912345678");
	assert_span(f, 1, t, "0923456789");
	assert_span(f, 2, t, "+20 100 123 4567");
	assert_true(f->score >= 0.95f);
}

static void test_name_field(void **state)
{
	fixture *fx = *state;
	const char *name = "أحمد 0912345678";
	const raqib_finding *f;

	run(fx, "مقال ممتاز", name, false);
	assert_null(finding(fx, RAQIB_FIELD_TEXT));
	f = finding(fx, RAQIB_FIELD_NAME);
	assert_non_null(f);
	assert_span(f, 0, name, "0912345678");
}

static void test_not_phone_numbers(void **state)
{
	fixture *fx = *state;
	static const char *const texts[] = {
		"عبدالحميد 24.04.2018 | 14:52 Uhr",
		"يوم الإثنين 02 / 04 / 2018 بدء عملية عسكرية",
		"بوابة \"الـ60 كيلومتر\" شرق مصراتة",
		"بقي 42سنة عجاف ومثل انقلاب 69",
		"نزح 200000 شخص وخسرنا 200 ألف دولار و$5,000,000",
		"قرار 2259 والمادة 14 ورقم القرار 2334567890",
		"بين عامي 1969 2011 وفي الفترة 2011-2014",
		"سعر الصرف 1.4 دينار ونسبة 45% و٤٥٪",
		"الرابط https://example.com/news/123456789",
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		const raqib_finding *f;
		run(fx, texts[i], "", true);
		f = finding(fx, RAQIB_FIELD_TEXT);
		if (f)
			fail_msg("fired on \"%s\" with %.2f", texts[i], (double)f->score);
	}
}

static void test_weak_evidence_below_half(void **state)
{
	fixture *fx = *state;
	const raqib_finding *f;

	/* Eight digits in one piece, no context, no country pattern. */
	run(fx, "الرمز 12345678 في الاسفل", "", false);
	f = finding(fx, RAQIB_FIELD_TEXT);
	assert_true(f == NULL || f->score < 0.5f);
	/* The same digits after a call word are a number. */
	run(fx, "اتصل على 12345678 في المساء", "", false);
	f = finding(fx, RAQIB_FIELD_TEXT);
	assert_non_null(f);
	assert_true(f->score >= 0.5f);
}

static void test_spelled_digits(void **state)
{
	fixture *fx = *state;
	const char *num = "صفر تسعة واحد اتنين تلاتة اربعة خمسة سته سبعة تمانية";
	char t[512];
	const raqib_finding *f;

	if (!fx->lx)
		skip();
	snprintf(t, sizeof t, "كلمني %s بعد المغرب", num);
	/* Without the lexicon the words are just words. */
	run(fx, t, "", false);
	assert_null(finding(fx, RAQIB_FIELD_TEXT));
	run(fx, t, "", true);
	f = finding(fx, RAQIB_FIELD_TEXT);
	assert_non_null(f);
	assert_true(f->score >= 0.9f);
	assert_span(f, 0, t, num);
	/* Tens are not digits: تسعين is not تسع + ين. */
	run(fx, "تسعين خمسين ستين سبعين اربعين ثلاثين عشرين ثمانين", "", true);
	assert_null(finding(fx, RAQIB_FIELD_TEXT));
}

static void test_no_env(void **state)
{
	fixture *fx = *state;
	raqib_err err;
	rule_input in;
	rule_out out = {&fx->v};
	const char *t = "رقمي 0501234567";

	raqib_arena_reset(fx->arena);
	fx->v.nfindings = 0;
	memset(&in, 0, sizeof in);
	assert_int_equal(text_normalize(&fx->text, fx->arena, t, strlen(t), &err), 0);
	in.text = &fx->text;
	in.arena = fx->arena;   /* no env, no name */
	rule_phone(&in, &out);
	assert_non_null(finding(fx, RAQIB_FIELD_TEXT));
}

/* 200k code points of digits and separators: bounded work per unit. */
static void test_pathological(void **state)
{
	fixture *fx = *state;
	size_t n = 100000, i;
	char *t = malloc(2 * n + 1);
	const raqib_finding *f;

	assert_non_null(t);
	for (i = 0; i < n; i++) {
		t[2 * i] = (char)('0' + (i * 7) % 10);
		t[2 * i + 1] = i % 3 ? ' ' : '-';
	}
	t[2 * n] = 0;
	run(fx, t, "", true);
	f = finding(fx, RAQIB_FIELD_TEXT);
	if (f) {
		assert_true(f->nspans <= RAQIB_MAX_SPANS);
		for (i = 0; i < f->nspans; i++)
			assert_true(f->spans[i].end <= 2 * n);
	}
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_national_mobile_span, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_inside_are_covered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_area_code_parentheses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_numbers_one_finding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_phone_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_weak_evidence_below_half, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spelled_digits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pathological, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
