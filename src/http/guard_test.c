/* guard_test.c — rate limiter, key file, form tokens, IP hashes, signing.
 * Pinned digests were computed independently with Python's hmac/hashlib. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/guard.h"

static unsigned char key0[RAQIB_GUARD_KEYLEN]; /* bytes 0..31 */
static unsigned char key1[RAQIB_GUARD_KEYLEN]; /* bytes 1..32 */
static const char slug[] = "مقال-الوزير";

static int setup(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < RAQIB_GUARD_KEYLEN; i++) {
		key0[i] = (unsigned char)i;
		key1[i] = (unsigned char)(i + 1);
	}
	return 0;
}

static bool take(raqib_ratelimit *rl, const char *k, double now, unsigned *retry)
{
	return raqib_ratelimit_take(rl, k, strlen(k), now, retry);
}

static bool is_lower_hex(const char *s, size_t n)
{
	size_t i;
	if (strlen(s) != n)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* ---- rate limiter ---- */

static void test_rl_burst_then_refuse(void **state)
{
	raqib_ratelimit *rl = raqib_ratelimit_new(0.5, 3, 1024);
	unsigned retry = 99;
	int i;

	(void)state;
	assert_non_null(rl);
	for (i = 0; i < 3; i++) {
		assert_true(take(rl, "ip-a", 100.0, &retry));
		assert_int_equal(retry, 0);
	}
	assert_false(take(rl, "ip-a", 100.0, &retry));
	assert_int_equal(retry, 2); /* one token at 0.5/s */
	/* Half a token has come back after one second: one more second to go. */
	assert_false(take(rl, "ip-a", 101.0, &retry));
	assert_int_equal(retry, 1);
	assert_true(take(rl, "ip-a", 102.0, &retry));
	assert_false(take(rl, "ip-a", 102.0, &retry));
	assert_int_equal(retry, 2);
	/* NULL retry_after is allowed. */
	assert_false(take(rl, "ip-a", 102.0, NULL));
	raqib_ratelimit_free(rl);
}

static void test_rl_retry_at_least_one(void **state)
{
	raqib_ratelimit *rl = raqib_ratelimit_new(50, 1, 64);
	unsigned retry = 0;

	(void)state;
	assert_true(take(rl, "k", 1.0, &retry));
	assert_false(take(rl, "k", 1.0, &retry));
	assert_int_equal(retry, 1); /* 20 ms rounds up to a whole second */
	assert_true(take(rl, "k", 1.021, &retry));
	raqib_ratelimit_free(rl);
}

static void test_rl_refill_capped(void **state)
{
	raqib_ratelimit *rl = raqib_ratelimit_new(1, 4, 256);
	int i, allowed = 0;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_true(take(rl, "k", 0, NULL));
	assert_false(take(rl, "k", 0, NULL));
	/* A long pause refills to the burst, not beyond. */
	for (i = 0; i < 10; i++)
		allowed += take(rl, "k", 1000.0, NULL);
	assert_int_equal(allowed, 4);
	/* A clock stepping back mints nothing. */
	assert_false(take(rl, "k", 10.0, NULL));
	assert_false(take(rl, "k", 999.0, NULL));
	assert_true(take(rl, "k", 1001.0, NULL));
	raqib_ratelimit_free(rl);
}

static void test_rl_independent_keys(void **state)
{
	raqib_ratelimit *rl = raqib_ratelimit_new(1, 2, 256);

	(void)state;
	assert_true(take(rl, "a", 5, NULL));
	assert_true(take(rl, "a", 5, NULL));
	assert_false(take(rl, "a", 5, NULL));
	assert_true(take(rl, "b", 5, NULL));
	assert_true(take(rl, "b", 5, NULL));
	assert_false(take(rl, "b", 5, NULL));
	/* Keys are bytes, not C strings: a prefix is another key. */
	assert_true(raqib_ratelimit_take(rl, "ab", 1, 5, NULL) == false);
	assert_true(raqib_ratelimit_take(rl, "ab", 2, 5, NULL));
	raqib_ratelimit_free(rl);
}

static void test_rl_disabled(void **state)
{
	raqib_ratelimit *rl = raqib_ratelimit_new(0, 1, 8);
	raqib_ratelimit *neg = raqib_ratelimit_new(-3, 1, 8);
	unsigned retry = 7;
	int i;

	(void)state;
	assert_non_null(rl);
	for (i = 0; i < 1000; i++) {
		assert_true(take(rl, "k", 0, &retry));
		assert_true(take(neg, "k", 0, &retry));
	}
	assert_int_equal(retry, 0);
	raqib_ratelimit_free(rl);
	raqib_ratelimit_free(neg);
	raqib_ratelimit_free(NULL);
}

#if defined(__GLIBC__)
static size_t heap_in_use(void) { return mallinfo2().uordblks; }
#else
static size_t heap_in_use(void) { return 0; }
#endif

/* 100k distinct addresses through a 64-slot table: every newcomer gets its
 * burst, memory does not move, and an address that keeps coming back keeps
 * its slot and stays limited. */
static void test_rl_flood_bounded(void **state)
{
	raqib_ratelimit *rl = raqib_ratelimit_new(1, 5, 64);
	char k[32];
	size_t before, after;
	int i, hot_allowed = 0, hot_tries = 0;
	double now = 0;

	(void)state;
	assert_non_null(rl);
	before = heap_in_use();
	for (i = 0; i < 100000; i++) {
		now += 1e-5; /* 1 s in all: the hot key earns one token */
		snprintf(k, sizeof k, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		assert_true(take(rl, k, now, NULL));
		/* Every 4th step: fewer newcomers than a bucket has ways, so the hot
		 * key is never the least recently used and is never evicted. */
		if (i % 4 == 0) {
			hot_tries++;
			hot_allowed += take(rl, "hot", now, NULL);
		}
	}
	after = heap_in_use();
	assert_int_equal(hot_tries, 25000);
	assert_in_range(hot_allowed, 5, 7);
	assert_true(after <= before + 1024);
	raqib_ratelimit_free(rl);
}

/* Tiny tables (fewer slots than a bucket) still work. */
static void test_rl_tiny_table(void **state)
{
	raqib_ratelimit *rl = raqib_ratelimit_new(1, 1, 0);

	(void)state;
	assert_non_null(rl);
	assert_true(take(rl, "a", 0, NULL));
	assert_false(take(rl, "a", 0, NULL));
	assert_true(take(rl, "b", 0, NULL)); /* evicts a */
	assert_true(take(rl, "a", 0, NULL)); /* fresh again: bounded, not exact */
	raqib_ratelimit_free(rl);
}

struct rl_thread {
	raqib_ratelimit *rl;
	char own[16];
	int allowed, own_allowed;
};

static void *rl_worker(void *p)
{
	struct rl_thread *t = p;
	int i;

	for (i = 0; i < 20000; i++) {
		t->allowed += take(t->rl, "shared", 0, NULL);
		t->own_allowed += take(t->rl, t->own, 0, NULL);
	}
	return NULL;
}

/* With the clock frozen, exactly `burst` takes of one key succeed however
 * many threads race for it (a lost update would let more through). */
static void test_rl_threads(void **state)
{
	struct rl_thread t[4];
	pthread_t th[4];
	int i, total = 0;
	raqib_ratelimit *rl = raqib_ratelimit_new(1, 100, 4096);

	(void)state;
	for (i = 0; i < 4; i++) {
		t[i].rl = rl;
		t[i].allowed = t[i].own_allowed = 0;
		snprintf(t[i].own, sizeof t[i].own, "t%d", i);
		assert_int_equal(pthread_create(&th[i], NULL, rl_worker, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		total += t[i].allowed;
		assert_int_equal(t[i].own_allowed, 100);
	}
	assert_int_equal(total, 100);
	raqib_ratelimit_free(rl);
}

/* ---- form tokens ---- */

/* Computed independently with Python's hmac/hashlib (key bytes 0..31). */
static const char pinned_token[] =
	"1700000000.0011223344556677.7e526d71."
	"cbe59ba803748ced67ae0ae927a57b057488f11b61eff94467d7bc5ca45799bb";

static void test_token_pinned_and_round_trip(void **state)
{
	char tok[128];
	int64_t issued = 0;

	(void)state;
	char tok2[128];
	raqib_form_token_make_nonce(key0, slug, 1700000000, "0011223344556677", tok, sizeof tok);
	assert_string_equal(tok, pinned_token);
	/* A bad nonce makes no token. */
	raqib_form_token_make_nonce(key0, slug, 1700000000, "00112233445566", tok2, sizeof tok2);
	assert_string_equal(tok2, "");
	/* Two forms rendered in the same second get different tokens, both valid. */
	raqib_form_token_make(key0, slug, 1700000000, tok2, sizeof tok2);
	assert_int_equal(strlen(tok2), strlen(pinned_token));
	assert_string_not_equal(tok2, pinned_token);
	assert_int_equal(raqib_form_token_check(key0, slug, tok2, 1700000010, 3, 3600, NULL), 0);
	assert_int_equal(raqib_form_token_check(key0, slug, tok, 1700000010, 3, 3600, &issued), 0);
	assert_int_equal(issued, 1700000000);
	assert_int_equal(raqib_form_token_check(key0, slug, tok, 1700000003, 3, 3600, NULL), 0);
	assert_int_equal(raqib_form_token_check(key0, slug, tok, 1700003600, 3, 3600, NULL), 0);
	/* Too small a buffer gives an empty string, not a truncated token. */
	raqib_form_token_make(key0, slug, 1700000000, tok, 40);
	assert_string_equal(tok, "");
}

static void test_token_tampered(void **state)
{
	char tok[128], bad[160];
	const int64_t t = 1700000000, now = t + 60;
	size_t i, n;

	(void)state;
	raqib_form_token_make(key0, slug, t, tok, sizeof tok);
	n = strlen(tok);
	/* Every single-character change anywhere is caught. */
	for (i = 0; i < n; i++) {
		if (tok[i] == '.')
			continue;
		strcpy(bad, tok);
		bad[i] = bad[i] == '1' ? '2' : '1';
		assert_int_equal(raqib_form_token_check(key0, slug, bad, now, 3, 3600, NULL), 1);
	}
	/* Backdating to get past min_age is the obvious forgery. */
	strcpy(bad, tok);
	memcpy(bad, "1699999990", 10);
	assert_int_equal(raqib_form_token_check(key0, slug, bad, now, 3, 3600, NULL), 1);
	/* Uppercase hex is not what we issue. */
	strcpy(bad, tok);
	for (i = 20; i < n; i++)
		if (bad[i] >= 'a' && bad[i] <= 'f')
			bad[i] = (char)(bad[i] - 'a' + 'A');
	if (strcmp(bad, tok) != 0)
		assert_int_equal(raqib_form_token_check(key0, slug, bad, now, 3, 3600, NULL), 1);
	/* Other article, other key, suffix, leading zero. */
	assert_int_equal(raqib_form_token_check(key0, "other-article", tok, now, 3, 3600, NULL), 1);
	assert_int_equal(raqib_form_token_check(key1, slug, tok, now, 3, 3600, NULL), 1);
	snprintf(bad, sizeof bad, "%sx", tok);
	assert_int_equal(raqib_form_token_check(key0, slug, bad, now, 3, 3600, NULL), 1);
	snprintf(bad, sizeof bad, "0%s", tok);
	assert_int_equal(raqib_form_token_check(key0, slug, bad, now, 3, 3600, NULL), 1);
}

static void test_token_timing(void **state)
{
	char tok[128];
	const int64_t t = 1700000000;
	int64_t issued = 0;

	(void)state;
	raqib_form_token_make(key0, slug, t, tok, sizeof tok);
	assert_int_equal(raqib_form_token_check(key0, slug, tok, t, 3, 3600, &issued), 2);
	assert_int_equal(raqib_form_token_check(key0, slug, tok, t + 2, 3, 3600, NULL), 2);
	assert_int_equal(raqib_form_token_check(key0, slug, tok, t + 3601, 3, 3600, NULL), 3);
	/* Small skew between servers is tolerated, more is forgery. */
	assert_int_equal(raqib_form_token_check(key0, slug, tok, t - 5, 0, 3600, NULL), 0);
	assert_int_equal(raqib_form_token_check(key0, slug, tok, t - 5, 3, 3600, NULL), 2);
	assert_int_equal(raqib_form_token_check(key0, slug, tok, t - 6, 0, 3600, NULL), 1);
	/* max_age <= 0: no expiry. */
	assert_int_equal(raqib_form_token_check(key0, slug, tok, t + 100000000, 3, 0, NULL), 0);
	assert_int_equal(raqib_form_token_check(key0, slug, tok, INT64_MIN, 0, 3600, NULL), 1);
	assert_int_equal(raqib_form_token_check(key0, slug, tok, INT64_MAX, 0, 3600, NULL), 3);
}

static void test_token_garbage(void **state)
{
	static const char *junk[] = {
		"", ".", "..", "...", "1", "1.", "1..", "1.2.3", "-1.00000000.00",
		"abc", "1700000000", "1700000000.", "1700000000.7e526d71",
		"1700000000.7e526d71.", "99999999999999999999999999.7e526d71.00",
		" 1700000000.7e526d71.554136944e6bb6a7ec6487a773f7f6ca65de898a0c4d9aeb1ea91c227406edc8",
		"\xff\xfe\x80", "1700000000.\xd9\x85.x",
	};
	char tok[128], part[128];
	size_t i, n;
	int64_t issued = 42;

	(void)state;
	for (i = 0; i < sizeof junk / sizeof *junk; i++)
		assert_int_equal(raqib_form_token_check(key0, slug, junk[i], 1700000060, 3, 3600,
							&issued),
				 1);
	assert_int_equal(issued, 42);
	assert_int_equal(raqib_form_token_check(key0, slug, NULL, 1700000060, 3, 3600, NULL), 1);
	raqib_form_token_make(key0, slug, 1700000000, tok, sizeof tok);
	n = strlen(tok);
	for (i = 0; i < n; i++) {
		memcpy(part, tok, i);
		part[i] = 0;
		assert_int_equal(raqib_form_token_check(key0, slug, part, 1700000060, 3, 3600, NULL),
				 1);
	}
	/* A long run of digits must not overflow the parser. */
	memset(part, '9', sizeof part - 1);
	part[sizeof part - 1] = 0;
	assert_int_equal(raqib_form_token_check(key0, slug, part, 1700000060, 3, 3600, NULL), 1);
	/* An empty slug is still a slug. */
	raqib_form_token_make(key0, "", 1700000000, tok, sizeof tok);
	assert_int_equal(raqib_form_token_check(key0, "", tok, 1700000060, 3, 3600, NULL), 0);
	assert_int_equal(raqib_form_token_check(key0, "x", tok, 1700000060, 3, 3600, NULL), 1);
}

/* ---- hashes ---- */

static void test_ip_hash(void **state)
{
	char a[33], b[33], c[33], d[33], small[16];

	(void)state;
	raqib_ip_hash(key0, "203.0.113.7", a, sizeof a);
	assert_string_equal(a, "684a1e8f3b9a9b1641cd00e5a5ed231d"); /* BLAKE2b-128, keyed */
	raqib_ip_hash(key0, "203.0.113.7", b, sizeof b);
	assert_string_equal(a, b);
	raqib_ip_hash(key1, "203.0.113.7", c, sizeof c);
	assert_true(is_lower_hex(c, 32));
	assert_string_not_equal(a, c);
	raqib_ip_hash(key0, "2001:db8::1", d, sizeof d);
	assert_true(is_lower_hex(d, 32));
	assert_string_not_equal(a, d);
	raqib_ip_hash(key0, "203.0.113.7", small, sizeof small);
	assert_string_equal(small, "");
}

static void test_sign_hex(void **state)
{
	char a[33], b[33], c[33], d[40];

	(void)state;
	raqib_sign_hex(key0, "42", 2, a, sizeof a);
	assert_string_equal(a, "7df989924b2ebf8832c80802d1213a8a"); /* HMAC-SHA256[:16] */
	raqib_sign_hex(key0, "42", 2, b, sizeof b);
	assert_string_equal(a, b);
	raqib_sign_hex(key0, "43", 2, c, sizeof c);
	assert_string_not_equal(a, c);
	raqib_sign_hex(key1, "42", 2, c, sizeof c);
	assert_string_not_equal(a, c);
	/* len is honoured: "421" cut to 2 bytes signs "42". */
	raqib_sign_hex(key0, "421", 2, d, sizeof d);
	assert_string_equal(a, d);
	raqib_sign_hex(key0, "42", 2, d, 32);
	assert_string_equal(d, "");
}

static void test_const_eq(void **state)
{
	(void)state;
	assert_true(raqib_const_eq("", ""));
	assert_true(raqib_const_eq("abc123", "abc123"));
	assert_false(raqib_const_eq("abc123", "abc124"));
	assert_false(raqib_const_eq("abc", "abcd"));
	assert_false(raqib_const_eq("abcd", "abc"));
	assert_false(raqib_const_eq("", "a"));
	assert_false(raqib_const_eq(NULL, "a"));
	assert_false(raqib_const_eq("a", NULL));
}

/* ---- key file ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_key_file(void **state)
{
	char dir[] = "/tmp/raqib-guard-XXXXXX", path[128], text[200];
	unsigned char k1[RAQIB_GUARD_KEYLEN], k2[RAQIB_GUARD_KEYLEN], zero[RAQIB_GUARD_KEYLEN];
	struct stat st;
	raqib_err err;
	FILE *f;
	size_t n;

	(void)state;
	memset(zero, 0, sizeof zero);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/key", dir);

	assert_int_equal(raqib_guard_key_load(path, k1, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_memory_not_equal(k1, zero, sizeof zero);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = 0;
	assert_int_equal(n, 65);
	assert_true(text[64] == '\n');
	text[64] = 0;
	assert_true(is_lower_hex(text, 64));
	assert_int_equal(raqib_guard_key_load(path, k2, &err), 0);
	assert_memory_equal(k1, k2, sizeof k1);

	/* A hand-written key: uppercase, surrounding blanks, CRLF. */
	write_file(path, "  000102030405060708090A0B0C0D0E0F101112131415161718191a1b1c1d1e1f\r\n");
	assert_int_equal(raqib_guard_key_load(path, k2, &err), 0);
	assert_memory_equal(k2, key0, sizeof key0);

	static const char *bad[] = {
		"",
		"not a key at all",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e", /* 62 */
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
		"000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\nextra",
	};
	for (n = 0; n < sizeof bad / sizeof *bad; n++) {
		write_file(path, bad[n]);
		memset(&err, 0, sizeof err);
		assert_int_equal(raqib_guard_key_load(path, k2, &err), RAQIB_ECONFIG);
		assert_int_equal(err.code, RAQIB_ECONFIG);
		assert_non_null(strstr(err.msg, path));
	}
	/* A huge file is refused without reading it all. */
	f = fopen(path, "w");
	assert_non_null(f);
	for (n = 0; n < 1000; n++)
		fputs("00", f);
	fclose(f);
	assert_int_equal(raqib_guard_key_load(path, k2, &err), RAQIB_ECONFIG);
	unlink(path);

	/* A directory that does not exist is an I/O error, not a crash. */
	snprintf(path, sizeof path, "%s/missing/key", dir);
	assert_int_equal(raqib_guard_key_load(path, k2, &err), RAQIB_EIO);
	assert_int_equal(err.code, RAQIB_EIO);
	rmdir(dir);

	/* "" is a fresh random key per call. */
	assert_int_equal(raqib_guard_key_load("", k1, &err), 0);
	assert_int_equal(raqib_guard_key_load("", k2, &err), 0);
	assert_memory_not_equal(k1, k2, sizeof k1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rl_burst_then_refuse),
		cmocka_unit_test(test_rl_retry_at_least_one),
		cmocka_unit_test(test_rl_refill_capped),
		cmocka_unit_test(test_rl_independent_keys),
		cmocka_unit_test(test_rl_disabled),
		cmocka_unit_test(test_rl_flood_bounded),
		cmocka_unit_test(test_rl_tiny_table),
		cmocka_unit_test(test_rl_threads),
		cmocka_unit_test(test_token_pinned_and_round_trip),
		cmocka_unit_test(test_token_tampered),
		cmocka_unit_test(test_token_timing),
		cmocka_unit_test(test_token_garbage),
		cmocka_unit_test(test_ip_hash),
		cmocka_unit_test(test_sign_hex),
		cmocka_unit_test(test_const_eq),
		cmocka_unit_test(test_key_file),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
