#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "text/text.h"

/* Transliterates ASCII `in` and returns the UTF-8 result in a static buffer. */
static const char *tr_cap(const char *in, size_t cap)
{
	static char res[256];
	uint32_t cp[64], out[64];
	size_t n = strlen(in), m, i, o = 0;

	assert_true(n < 64 && cap <= 64);
	for (i = 0; i < n; i++)
		cp[i] = (unsigned char)in[i];
	m = text_arabizi(cp, n, out, cap);
	assert_true(m <= cap);
	for (i = 0; i < m; i++)
		o += raqib_utf8_encode(out[i], res + o);
	res[o] = 0;
	return res;
}

static const char *tr(const char *in)
{
	return tr_cap(in, 64);
}

static void test_digits(void **state)
{
	(void)state;
	assert_string_equal(tr("2"), "ء");
	assert_string_equal(tr("3"), "ع");
	assert_string_equal(tr("5"), "خ");
	assert_string_equal(tr("6"), "ط");
	assert_string_equal(tr("7"), "ح");
	assert_string_equal(tr("8"), "ق");
	assert_string_equal(tr("9"), "ص");
	assert_string_equal(tr("3'"), "غ");
	assert_string_equal(tr("7'"), "خ");
	/* 0, 1 and 4 stand for no letter */
	assert_string_equal(tr("104"), "");
}

static void test_digraphs(void **state)
{
	(void)state;
	assert_string_equal(tr("sh"), "ش");
	assert_string_equal(tr("ch"), "ش");
	assert_string_equal(tr("kh"), "خ");
	assert_string_equal(tr("gh"), "غ");
	assert_string_equal(tr("th"), "ث");
	assert_string_equal(tr("dh"), "ذ");
	/* h after a letter that forms no digraph is its own letter */
	assert_string_equal(tr("mh"), "مه");
}

static void test_words(void **state)
{
	(void)state;
	assert_string_equal(tr("ana"), "انا");
	assert_string_equal(tr("ya"), "يا");
	assert_string_equal(tr("mesh"), "مش");
	assert_string_equal(tr("bas"), "بس");
	assert_string_equal(tr("kifak"), "كيفك");
	assert_string_equal(tr("7abibi"), "حبيبي");
	assert_string_equal(tr("3la"), "علا");
	assert_string_equal(tr("khalas"), "خلس");
	assert_string_equal(tr("salaam"), "سلام");
	assert_string_equal(tr("ma3leesh"), "معليش");
	assert_string_equal(tr("chnoua"), "شنوا");
	assert_string_equal(tr("9a7bi"), "صحبي");
	assert_string_equal(tr("inta"), "انتا");
	/* initial ou is the conjunction w (Tunisian "ou"), o alone an alef */
	assert_string_equal(tr("ou"), "و");
	assert_string_equal(tr("omri"), "امري");
	/* doubled consonants are one letter (shadda is not written) */
	assert_string_equal(tr("yalla"), "يلا");
	/* mute final e of French-style spellings */
	assert_string_equal(tr("mche"), "مش");
}

static void test_words_and_separators(void **state)
{
	(void)state;
	assert_string_equal(tr("ana m3ak"), "انا معك");
	assert_string_equal(tr("  ana,, bas  "), "انا بس");
	assert_string_equal(tr(""), "");
	/* characters outside the scheme separate words */
	assert_string_equal(tr("ya-rab"), "يا رب");
}

static void test_capacity(void **state)
{
	(void)state;
	assert_string_equal(tr_cap("7abibi", 3), "حبي");
	assert_string_equal(tr_cap("7abibi", 0), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_digraphs),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_words_and_separators),
		cmocka_unit_test(test_capacity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
