/*
 * spam_test — the spam, honeypot and pseudonym rules called directly, with
 * no lexicons (as a site with lexicon files missing would run them): the
 * structural signals must work alone, and nothing may crash on NULL
 * lexicons. Scores are checked against the bands the engine turns into
 * actions (0.5 hold, 0.9 reject); spans against the original code points.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rules/rule.h"

typedef struct fixture {
	raqib_arena *arena;
	raqib_comment c;
	text_view text, name;
	rule_env env;
	rule_input in;
	raqib_verdict v;
	rule_out out;
} fixture;

static fixture FX;

static const raqib_finding *run(rule_fn fn, const char *text, const char *name,
				const char *honeypot)
{
	raqib_err err;

	raqib_arena_reset(FX.arena);
	memset(&FX.c, 0, sizeof FX.c);
	memset(&FX.env, 0, sizeof FX.env);
	memset(&FX.v, 0, sizeof FX.v);
	FX.c.text = text;
	FX.c.text_len = strlen(text);
	FX.c.name = name;
	FX.c.name_len = name ? strlen(name) : 0;
	FX.c.honeypot = honeypot;
	FX.c.honeypot_len = honeypot ? strlen(honeypot) : 0;
	assert_int_equal(text_normalize(&FX.text, FX.arena, text, strlen(text), &err), 0);
	assert_int_equal(text_normalize(&FX.name, FX.arena, name ? name : "",
					name ? strlen(name) : 0, &err), 0);
	memset(&FX.in, 0, sizeof FX.in);
	FX.in.c = &FX.c;
	FX.in.text = &FX.text;
	FX.in.name = &FX.name;
	FX.in.env = &FX.env;
	FX.in.arena = FX.arena;
	FX.out.v = &FX.v;
	fn(&FX.in, &FX.out);
	return FX.v.nfindings ? &FX.v.findings[0] : NULL;
}

static float spam_score(const char *text)
{
	const raqib_finding *f = run(rule_spam, text, "أحمد محمود", NULL);
	return f ? f->score : 0.0f;
}

static int setup(void **state)
{
	(void)state;
	FX.arena = raqib_arena_new(64 * 1024);
	return FX.arena ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	raqib_arena_free(FX.arena);
	return 0;
}

static void link_only_is_certain(void **state)
{
	(void)state;
	assert_true(spam_score("https://bit.ly/3xYzAbc") >= 0.99f);
	assert_true(spam_score("  www.example.com !! ") >= 0.99f);
	assert_true(spam_score("@some_handle") >= 0.99f);
}

static void one_news_link_is_published(void **state)
{
	(void)state;
	float s = spam_score("أنصح بقراءة التقرير الكامل على موقع الجزيرة "
			     "https://www.aljazeera.net/news/2018/4/24/haftar");
	assert_true(s > 0.0f);
	assert_true(s < 0.5f);
	s = spam_score("نشرت وكالة رويترز الخبر نفسه على موقعها reuters.com قبل يومين");
	assert_true(s > 0.0f && s < 0.5f);
}

static void links_add_up(void **state)
{
	(void)state;
	float two = spam_score("اقرأ هنا https://www.bbc.com/a وهنا https://www.cnn.com/b");
	float three = spam_score("مقال جيد وللمزيد example.com و www.test.org و site.net");
	assert_true(two >= 0.5f && two < 0.9f);
	assert_true(three >= 0.9f);
}

static void shortener_scores_higher_than_link(void **state)
{
	(void)state;
	float plain = spam_score("التفاصيل في الرابط https://www.example.com/news/1 لمن يريد");
	float shrt = spam_score("التفاصيل في الرابط https://bit.ly/x1y2 لمن يريد");
	assert_true(shrt > plain);
	assert_true(shrt >= 0.5f);
}

static void obfuscated_domains(void **state)
{
	(void)state;
	assert_true(spam_score("زوروا موقعنا example[.]com للحصول على الأسعار") >= 0.5f);
	assert_true(spam_score("زوروا موقعنا example dot com للحصول على الأسعار") >= 0.5f);
	assert_true(spam_score("زوروا موقعنا example(.)net للحصول على الأسعار") >= 0.5f);
}

static void numbers_and_abbreviations_are_no_links(void **state)
{
	(void)state;
	assert_true(spam_score("كتب المقال بتاريخ 24.04.2018 وذكر أن الخسائر بلغت 1.5 مليون") < 0.05f);
	assert_true(spam_score("قال الرئيس e.g. شيئا ما في خطابه أمس") < 0.05f);
	assert_true(spam_score("انتهى الاجتماع.ثم بدأ التصويت") < 0.05f);
}

static void floods(void **state)
{
	(void)state;
	assert_true(spam_score("لا لا لا لا لا لا لا") >= 0.5f);
	assert_true(spam_score("😀😀😀😀😀😀😀😀😀😀😀😀") >= 0.5f);
	assert_true(spam_score("!!!!!!!!!!!!!!!!!!!!!!!!!") >= 0.5f);
	assert_true(spam_score("asdkjhaskjdhaksjdhaksjdhaksjdhaksjdhaksjdhkasjdh") >= 0.5f);
	/* four repeats of a word, and emphasis inside real prose, are fine */
	assert_true(spam_score("لا لا لا لا") < 0.5f);
	assert_true(spam_score("لقد سئم الشعب من الوعود الكاذبة !!!!!!!!!!!!!!!!!!!!!!!! ونريد "
			       "أفعالا حقيقية تغير حياة المواطن البسيط في كل مكان") < 0.5f);
}

/* The thresholds behind the cheap first pass that decides which detectors
 * run at all: one short of each finds nothing, the threshold itself does. */
static void flood_thresholds(void **state)
{
	(void)state;
	assert_true(spam_score("رائع !!!!!!!!!") < 0.05f);
	assert_true(spam_score("رائع !!!!!!!!!!") > 0.05f);
	assert_true(spam_score("رائع 😀 😀 😀 😀 😀 😀 😀 😀 😀") < 0.05f);
	assert_true(spam_score("رائع 😀 😀 😀 😀 😀 😀 😀 😀 😀 😀") >= 0.5f);
	/* a phrase of two and of three words four times; three times is not
	 * enough */
	assert_true(spam_score("شكرا جزيلا شكرا جزيلا شكرا جزيلا شكرا جزيلا") >= 0.5f);
	assert_true(spam_score("شكرا جزيلا شكرا جزيلا شكرا جزيلا") < 0.05f);
	assert_true(spam_score("الله اكبر عليكم الله اكبر عليكم الله اكبر عليكم "
			       "الله اكبر عليكم") >= 0.5f);
	/* same length, first and last letter, but different words */
	assert_true(spam_score("كلب كتب كعب كسب كهب كذب") < 0.05f);
	/* 41 letters in one word is mash, 40 is not flagged */
	assert_true(spam_score("كلمة abcdefghijabcdefghijabcdefghijabcdefghijk") >= 0.5f);
	assert_true(spam_score("كلمة abcdefghijabcdefghijabcdefghijabcdefghij") < 0.05f);
}

/* Handles need no Latin letter; an Arabic name after '@' is no handle. */
static void handles_without_latin(void **state)
{
	(void)state;
	assert_true(spam_score("تابعوا الحساب @___ لمعرفة المزيد") > 0.05f);
	assert_true(spam_score("تابعوا الحساب @1234 لمعرفة المزيد") > 0.05f);
	assert_true(spam_score("ردا على @محمد في التعليق السابق") < 0.05f);
}

static void flood_span_covers_the_run(void **state)
{
	const raqib_finding *f;
	(void)state;
	/* the 36 letters fold to one ه; the span covers all of them */
	f = run(rule_spam, "هههههههههههههههههههههههههههههههههههه", "أحمد", NULL);
	assert_non_null(f);
	assert_int_equal(f->nspans, 1);
	assert_int_equal(f->spans[0].start, 0);
	assert_int_equal(f->spans[0].end, 36);
}

static void link_span_is_in_original_text(void **state)
{
	const raqib_finding *f;
	(void)state;
	/* tashkeel before the link shifts folded vs original offsets */
	f = run(rule_spam, "شُكْرًا https://bit.ly/abc", "أحمد", NULL);
	assert_non_null(f);
	assert_int_equal(f->nspans, 1);
	assert_int_equal(f->spans[0].start, 8);
	assert_int_equal(f->spans[0].end, 26);
}

static void empty_text(void **state)
{
	(void)state;
	assert_null(run(rule_spam, "", "أحمد", NULL));
}

static void honeypot(void **state)
{
	const raqib_finding *f;
	(void)state;
	assert_null(run(rule_honeypot, "نص", "أحمد", NULL));
	assert_null(run(rule_honeypot, "نص", "أحمد", ""));
	f = run(rule_honeypot, "نص", "أحمد", "http://x.example");
	assert_non_null(f);
	assert_true(f->score >= 0.99f);
	assert_int_equal(f->nspans, 0);
	f = run(rule_honeypot, "نص", "أحمد", " \t");
	assert_non_null(f);
	assert_true(f->score >= 0.5f && f->score < 1.0f);
}

static float name_score(const char *name)
{
	const raqib_finding *f = run(rule_pseudonym, "تعليق", name, NULL);
	if (f)
		assert_int_equal(f->field, RAQIB_FIELD_NAME);
	return f ? f->score : 0.0f;
}

static void pseudonym_shapes_without_lexicons(void **state)
{
	(void)state;
	assert_true(name_score(NULL) >= 0.5f);
	assert_true(name_score("   ") >= 0.5f);
	assert_true(name_score("ahmed_99") >= 0.5f);
	assert_true(name_score("سعيد2010") >= 0.5f);
	assert_true(name_score("@news_fan") >= 0.5f);
	assert_true(name_score("reader@example.com") >= 0.5f);
	assert_true(name_score("S Y A") >= 0.5f);
	assert_true(name_score("**فاتن**") >= 0.5f);
	assert_true(name_score("عبدالحميد") < 0.5f);
	assert_true(name_score("م.وليد الزعبي") < 0.5f);
	assert_true(name_score("Dr.Ahmed Hassan") < 0.5f);
	assert_true(name_score("صـــابر") < 0.05f);
	assert_true(name_score("د*أحمد") < 0.5f);
}

static void pseudonym_span(void **state)
{
	const raqib_finding *f;
	(void)state;
	f = run(rule_pseudonym, "تعليق", "أحمد ahmed_99", NULL);
	assert_non_null(f);
	assert_int_equal(f->nspans, 1);
	assert_int_equal(f->spans[0].start, 5);
	assert_int_equal(f->spans[0].end, 13);
	f = run(rule_pseudonym, "تعليق", "", NULL);
	assert_non_null(f);
	assert_int_equal(f->nspans, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(link_only_is_certain),
		cmocka_unit_test(one_news_link_is_published),
		cmocka_unit_test(links_add_up),
		cmocka_unit_test(shortener_scores_higher_than_link),
		cmocka_unit_test(obfuscated_domains),
		cmocka_unit_test(numbers_and_abbreviations_are_no_links),
		cmocka_unit_test(floods),
		cmocka_unit_test(flood_thresholds),
		cmocka_unit_test(handles_without_latin),
		cmocka_unit_test(flood_span_covers_the_run),
		cmocka_unit_test(link_span_is_in_original_text),
		cmocka_unit_test(empty_text),
		cmocka_unit_test(honeypot),
		cmocka_unit_test(pseudonym_shapes_without_lexicons),
		cmocka_unit_test(pseudonym_span),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
