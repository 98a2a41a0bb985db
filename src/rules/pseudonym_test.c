/* pseudonym rule tests through rule_pseudonym() with the built-in lexicons
 * or none: the frames and shapes that carry no vocabulary (their object
 * words are in no list), original-case CamelCase, spans, and the names
 * that must stay quiet next to them. tests/rules/pseudonym.test covers the
 * policy; tests/fixtures/pseudonyms and bench/eval_pseudonym.c the rates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rules/rule.h"

typedef struct fixture {
	raqib_arena *arena;
	text_view name;
	rule_env env;
	raqib_config cfg;
	raqib_verdict v;
	lexicon *lx[LEX_COUNT];
} fixture;

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	raqib_err err;

	if (!fx)
		return -1;
	*state = fx;
	fx->arena = raqib_arena_new(1 << 16);
	raqib_config_defaults(&fx->cfg);
	fx->env.cfg = &fx->cfg;
	raqib_verdict_init(&fx->v);
	for (int i = 0; i < LEX_COUNT; i++) {
		size_t len;
		const char *d = rule_lexdata((rule_lex)i, &len);
		if (!d || lexicon_load_opts(&fx->lx[i], d, len, "builtin", rule_lex_opts((rule_lex)i), &err))
			return -1;
	}
	return fx->arena ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	raqib_verdict_free(&fx->v);
	raqib_arena_free(fx->arena);
	for (int i = 0; i < LEX_COUNT; i++)
		lexicon_free(fx->lx[i]);
	free(fx);
	return 0;
}

/* Score of the name (0 without a finding); lexicons on or off. */
static float run(fixture *fx, const char *name, bool lex)
{
	raqib_err err;
	rule_input in;
	rule_out out = {&fx->v};

	raqib_arena_reset(fx->arena);
	fx->v.nfindings = 0;
	for (int i = 0; i < LEX_COUNT; i++)
		fx->env.lex[i] = lex ? fx->lx[i] : NULL;
	memset(&in, 0, sizeof in);
	assert_int_equal(text_normalize(&fx->name, fx->arena, name, strlen(name), &err), 0);
	in.name = &fx->name;
	in.env = &fx->env;
	in.arena = fx->arena;
	rule_pseudonym(&in, &out);
	for (uint32_t i = 0; i < fx->v.nfindings; i++)
		if (fx->v.findings[i].rule == RAQIB_RULE_PSEUDONYM)
			return fx->v.findings[i].score;
	return 0.0f;
}

static const raqib_finding *finding(const fixture *fx)
{
	for (uint32_t i = 0; i < fx->v.nfindings; i++)
		if (fx->v.findings[i].rule == RAQIB_RULE_PSEUDONYM)
			return &fx->v.findings[i];
	return NULL;
}

/* A bird of prey with an object no list holds; the span is the phrase. */
static void test_frame_span(void **state)
{
	fixture *fx = *state;
	const raqib_finding *f;

	assert_true(run(fx, "نسر الفيافي", true) >= 0.5f);
	f = finding(fx);
	assert_non_null(f);
	assert_int_equal(f->field, RAQIB_FIELD_NAME);
	assert_int_equal(f->nspans, 1);
	assert_int_equal(f->spans[0].start, 0);
	assert_int_equal(f->spans[0].end, 11);
}

/* فارس is a given name: it makes a frame only with a thing. */
static void test_name_head_needs_thing(void **state)
{
	fixture *fx = *state;

	assert_true(run(fx, "فارس الملثمين", true) >= 0.5f);
	assert_true(run(fx, "فارس الخطيب", true) < 0.5f);
	assert_true(run(fx, "صقر الشمري", true) < 0.5f);
	assert_true(run(fx, "عاشق تراب الاجداد", true) >= 0.5f);
}

/* The case is read on the original: the folded view has none. */
static void test_camel_case_original(void **state)
{
	fixture *fx = *state;

	assert_true(run(fx, "RedStorm", true) >= 0.5f);
	assert_true(run(fx, "redstorm", true) < 0.5f);
	assert_true(run(fx, "AbdelKarim", true) < 0.5f);
	assert_true(run(fx, "McDonald", true) < 0.5f);
	assert_true(run(fx, "Karim Haddad", true) < 0.5f);
}

static void test_article_words(void **state)
{
	fixture *fx = *state;

	assert_true(run(fx, "المتحير", true) >= 0.5f);
	assert_true(run(fx, "الشراع الأبيض", true) >= 0.5f);
	/* a short stem after ال is a name, not an article */
	assert_true(run(fx, "إلياس", true) < 0.5f);
	/* a known name among article words: a family name first */
	assert_true(run(fx, "الشمري مشعل", true) < 0.5f);
}

static void test_function_word_opening(void **state)
{
	fixture *fx = *state;

	assert_true(run(fx, "من وراء البحار", true) >= 0.5f);
	assert_true(run(fx, "الله أكبر", true) >= 0.5f);
	/* من inside a signature is "from": a person and a place */
	assert_true(run(fx, "ابراهيم من الجزائر", true) < 0.5f);
}

/* The seed's published author, compound عبد names and plain names. */
static void test_real_names_quiet(void **state)
{
	fixture *fx = *state;
	static const char *const names[] = {
		"عبدالحميد", "عبد الرحمن", "عبدالرحمن النغيمشي", "محمد بن سلمان",
		"نورة العنزي", "رائد الأهلاوي", "Ahmed Hassan", "د. أحمد خالد",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_true(run(fx, names[i], true) < 0.5f);
}

/* Without lexicons the code-held frames and shapes still work and names
 * stay quiet (no NULL dereference on the name list). */
static void test_without_lexicons(void **state)
{
	fixture *fx = *state;

	assert_true(run(fx, "RedStorm", false) >= 0.5f);
	assert_true(run(fx, "نسر الفيافي", false) >= 0.5f);
	assert_true(run(fx, "عبدالحميد", false) < 0.5f);
	assert_true(run(fx, "Karim Haddad", false) < 0.5f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_span),
		cmocka_unit_test(test_name_head_needs_thing),
		cmocka_unit_test(test_camel_case_original),
		cmocka_unit_test(test_article_words),
		cmocka_unit_test(test_function_word_opening),
		cmocka_unit_test(test_real_names_quiet),
		cmocka_unit_test(test_without_lexicons),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
