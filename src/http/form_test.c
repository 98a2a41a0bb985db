/* form_test.c — application/x-www-form-urlencoded decoding (form.c).
 * Every body is copied into a malloc'd buffer of exactly its length, without
 * a NUL, so ASan reports any read past `len`. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http/httpd.h"

typedef struct fx {
	raqib_arena *ar;
	char *body;            /* exact-size copy of the last body, no NUL */
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	f->ar = raqib_arena_new(0);
	*state = f;
	return f->ar ? 0 : -1;
}

static int teardown(void **state)
{
	fx *f = *state;
	raqib_arena_free(f->ar);
	free(f->body);
	free(f);
	return 0;
}

/* The body as the server holds it: `n` bytes, nothing after them. */
static const char *exact(fx *f, const char *s, size_t n)
{
	free(f->body);
	f->body = malloc(n ? n : 1);
	assert_non_null(f->body);
	memcpy(f->body, s, n);
	return f->body;
}

/* http_form_get over an exact copy of the C string `body`. */
static char *get(fx *f, const char *body, const char *name, bool *bad)
{
	size_t n = strlen(body);
	*bad = false;
	return http_form_get(exact(f, body, n), n, name, f->ar, bad);
}

static void assert_field(fx *f, const char *body, const char *name, const char *want)
{
	bool bad;
	char *v = get(f, body, name, &bad);
	assert_false(bad);
	assert_non_null(v);
	assert_string_equal(v, want);
}

static void assert_absent(fx *f, const char *body, const char *name)
{
	bool bad;
	assert_null(get(f, body, name, &bad));
	assert_false(bad);
}

static void assert_bad(fx *f, const char *body, const char *name)
{
	bool bad;
	assert_null(get(f, body, name, &bad));
	assert_true(bad);
}

/* ---- http_url_decode ---- */

static long decode(const char *s, char *out, size_t cap, bool plus)
{
	size_t n = strlen(s);
	char *in = malloc(n ? n : 1);
	long r;
	assert_non_null(in);
	assert_true(cap >= n + 1);
	memcpy(in, s, n);
	r = http_url_decode(in, n, out, plus);
	free(in);
	return r;
}

static void test_decode_plain_and_plus(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(decode("abc", out, sizeof out, true), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(decode("a+b++c", out, sizeof out, true), 6);
	assert_string_equal(out, "a b  c");
	/* in a path component '+' is itself */
	assert_int_equal(decode("a+b", out, sizeof out, false), 3);
	assert_string_equal(out, "a+b");
	/* an escaped plus stays a plus either way */
	assert_int_equal(decode("1%2B1", out, sizeof out, true), 3);
	assert_string_equal(out, "1+1");
	assert_int_equal(decode("", out, sizeof out, true), 0);
	assert_string_equal(out, "");
}

static void test_decode_escapes(void **state)
{
	char out[128];
	(void)state;
	/* both hex cases */
	assert_int_equal(decode("%41%62%2f%2F%7e", out, sizeof out, true), 5);
	assert_string_equal(out, "Ab//~");
	assert_int_equal(decode("%25", out, sizeof out, true), 1);
	assert_string_equal(out, "%");
	assert_int_equal(decode("%26%3D", out, sizeof out, true), 2);
	assert_string_equal(out, "&=");
	/* "مرحبا" as a browser sends it: two bytes per letter */
	assert_int_equal(decode("%D9%85%D8%B1%D8%AD%D8%A8%D8%A7", out, sizeof out, true), 10);
	assert_string_equal(out, "مرحبا");
	/* lower-case hex and a space mixed in */
	assert_int_equal(decode("%d9%84%d8%a7+%d9%84%d8%a7", out, sizeof out, true), 9);
	assert_string_equal(out, "لا لا");
	/* the escape at the very end of the input */
	assert_int_equal(decode("ab%41", out, sizeof out, true), 3);
	assert_string_equal(out, "abA");
}

static void test_decode_malformed(void **state)
{
	char out[32];
	static const char *bad[] = {"%", "%4", "%zz", "%4g", "%g4", "a%", "a%4", "%%41", "% 41",
				    "%-1", "%+1", "ab%2"};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (decode(bad[i], out, sizeof out, true) != -1)
			fail_msg("'%s' decoded", bad[i]);
	}
}

/* A NUL cannot travel in a C string: "a%00b" would silently become "a". */
static void test_decode_nul_refused(void **state)
{
	char out[32];
	(void)state;
	assert_int_equal(decode("a%00b", out, sizeof out, true), -1);
	assert_int_equal(decode("%00", out, sizeof out, false), -1);
	/* %01 is a control character, not a terminator: decoded */
	assert_int_equal(decode("%01", out, sizeof out, true), 1);
	assert_int_equal(out[0], 1);
}

/* ---- http_form_get ---- */

static void test_get_basic(void **state)
{
	fx *f = *state;
	const char *body = "name=%D8%B3%D8%A7%D9%85%D9%8A&comment=%D9%85%D9%82%D8%A7%D9%84+%D8%AC%D9%8A%D8%AF&token=abc.123";
	assert_field(f, body, "name", "سامي");
	assert_field(f, body, "comment", "مقال جيد");
	assert_field(f, body, "token", "abc.123");
	assert_absent(f, body, "honeypot");
	assert_absent(f, body, "");
	assert_absent(f, "", "name");
}

static void test_get_first_wins(void **state)
{
	fx *f = *state;
	assert_field(f, "a=1&a=2&a=3", "a", "1");
	assert_field(f, "b=x&a=first&a=second", "a", "first");
	/* a malformed later duplicate is never looked at */
	assert_field(f, "a=ok&a=%zz", "a", "ok");
	/* ... but a malformed first one is bad, not skipped for the next */
	assert_bad(f, "a=%zz&a=ok", "a");
}

static void test_get_prefix_keys(void **state)
{
	fx *f = *state;
	assert_field(f, "name2=x&name=y", "name", "y");
	assert_field(f, "name=y&name2=x", "name2", "x");
	assert_absent(f, "name2=x&xname=z", "name");
	assert_absent(f, "nam=x", "name");
	assert_absent(f, "name2=x", "name");
	/* the value holding "name=" is not a key */
	assert_absent(f, "comment=name%3Dx+name=y", "name");
	assert_field(f, "comment=name=y", "comment", "name=y");
	assert_absent(f, "comment=name=y", "name");
}

static void test_get_empty_values(void **state)
{
	fx *f = *state;
	assert_field(f, "name=&text=hi", "name", "");
	assert_field(f, "text=hi&name=", "name", "");
	/* a key without '=' is present with an empty value */
	assert_field(f, "consent&text=hi", "consent", "");
	assert_field(f, "text=hi&consent", "consent", "");
	/* empty fields around and between */
	assert_field(f, "&&a=1&&", "a", "1");
	assert_field(f, "&", "", "");
	assert_absent(f, "&", "a");
	/* "=v": an empty key */
	assert_field(f, "=v&a=1", "", "v");
	assert_field(f, "=v&a=1", "a", "1");
}

static void test_get_keys_undecoded(void **state)
{
	fx *f = *state;
	/* field names are compared as sent: an escaped name is another key */
	assert_absent(f, "na%6De=x", "name");
	assert_field(f, "na%6De=x", "na%6De", "x");
	assert_absent(f, "first+name=x", "first name");
}

static void test_get_malformed(void **state)
{
	fx *f = *state;
	assert_bad(f, "name=%", "name");
	assert_bad(f, "name=%4", "name");
	assert_bad(f, "name=%zz", "name");
	assert_bad(f, "name=ab%4&x=1", "name");   /* '%4&' must not eat the '&' */
	assert_bad(f, "name=a%00b", "name");
	/* another field's bad escape does not spoil this one */
	assert_field(f, "x=%zz&name=ok", "name", "ok");
	assert_field(f, "name=ok&x=%", "name", "ok");
}

static void test_get_bad_is_sticky(void **state)
{
	fx *f = *state;
	bool bad = false;
	size_t n;
	const char *b;
	/* pages.c reads several fields and checks `bad` once: a good field
	 * after a bad one must not clear it */
	b = exact(f, "name=%zz&text=ok", n = strlen("name=%zz&text=ok"));
	assert_null(http_form_get(b, n, "name", f->ar, &bad));
	assert_true(bad);
	assert_non_null(http_form_get(b, n, "text", f->ar, &bad));
	assert_true(bad);
}

/* A body cut anywhere: never a read past len (ASan), and an escape cut in
 * half is bad rather than read from beyond the body. */
static void test_get_truncations(void **state)
{
	fx *f = *state;
	const char *full = "name=%D8%B3&comment=a+b%26c&k";
	size_t n = strlen(full), cut;
	for (cut = 0; cut <= n; cut++) {
		bool bad = false;
		const char *b = exact(f, full, cut);
		char *v = http_form_get(b, cut, "comment", f->ar, &bad);
		char *nm = http_form_get(b, cut, "name", f->ar, &bad);
		char *k = http_form_get(b, cut, "k", f->ar, &bad);
		(void)v;
		(void)k;
		/* "name=%D8%B" .. "name=%D": a half escape */
		if (cut > 5 && cut < 11 && (cut - 5) % 3) {
			assert_true(bad);
			assert_null(nm);
		}
	}
	/* the full body */
	assert_field(f, full, "comment", "a b&c");
	assert_field(f, full, "k", "");
	/* cut just after "comment=a+b%2": bad */
	assert_bad(f, "name=%D8%B3&comment=a+b%2", "comment");
}

/* The value is read only up to `len` even when the bytes after it look like
 * more of the value (the server's buffer may hold more than the body). */
static void test_get_respects_len(void **state)
{
	fx *f = *state;
	bool bad = false;
	const char *b = exact(f, "a=123456", 8);
	char *v = http_form_get(b, 4, "a", f->ar, &bad);
	assert_false(bad);
	assert_string_equal(v, "12");
	v = http_form_get(b, 2, "a", f->ar, &bad);
	assert_false(bad);
	assert_string_equal(v, "");
	v = http_form_get(b, 1, "a", f->ar, &bad);
	assert_false(bad);
	assert_string_equal(v, "");
	assert_null(http_form_get(b, 0, "a", f->ar, &bad));
	assert_false(bad);
}

static void test_get_long_value(void **state)
{
	fx *f = *state;
	size_t reps = 20000, i, n = 5 + reps * 6;
	char *body = malloc(n), *v;
	bool bad = false;
	assert_non_null(body);
	memcpy(body, "text=", 5);
	for (i = 0; i < reps; i++)
		memcpy(body + 5 + i * 6, "%D8%B3", 6);
	v = http_form_get(body, n, "text", f->ar, &bad);
	assert_false(bad);
	assert_non_null(v);
	assert_int_equal(strlen(v), reps * 2);
	assert_memory_equal(v + (reps - 1) * 2, "س", 2);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_plain_and_plus),
		cmocka_unit_test(test_decode_escapes),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_decode_nul_refused),
		cmocka_unit_test_setup_teardown(test_get_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_first_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_prefix_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_empty_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_keys_undecoded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_bad_is_sticky, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_truncations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_respects_len, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_long_value, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
