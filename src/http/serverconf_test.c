/* serverconf_test.c — the [server], [site] and [admin] settings
 * (serverconf.c), raqib_listen_parse, raqib_parse_iso, and raqib.conf.example
 * against the code: every key the example documents must load, its
 * documented default must be the built-in one, and every key the loader
 * knows must be documented. Run from the repository root (make unit). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/server.h"
#include "raqib.h"

#define EXAMPLE "raqib.conf.example"

static char dir[64];
/* test_example_defaults works inside `dir`; its teardown comes back even
 * when an assertion jumps out. */
static char saved_cwd[PATH_MAX];

static int group_setup(void **state)
{
	(void)state;
	if (!getcwd(saved_cwd, sizeof saved_cwd))
		return -1;
	snprintf(dir, sizeof dir, "/tmp/raqib-sconf.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes `text` to <dir>/<name> and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int load(raqib_server_conf *c, const char *text, raqib_err *err)
{
	raqib_server_conf_defaults(c);
	err->code = 0;
	err->msg[0] = 0;
	return raqib_server_conf_load(c, write_file("t.conf", text), err);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	fclose(f);
	if (s) {
		s[n] = 0;
		*len = (size_t)n;
	}
	return s;
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
	raqib_server_conf c;
	(void)state;
	raqib_server_conf_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.db, "raqib.db");
	assert_int_equal(c.max_body_bytes, 65536);
	assert_true(c.min_form_age < c.max_form_age);
	assert_true(c.session_idle <= c.session_max);
	assert_true(c.terms[0] != 0);
	assert_true(raqib_utf8_count(c.terms, strlen(c.terms), NULL) > 0);
	assert_string_equal(c.site_name, "raqib");
	assert_true(c.per_page >= 1);
}

/* ---- every key, a non-default value ---- */

typedef struct keycase {
	const char *section, *key, *value;
} keycase;

/* Every key of the three sections with a value other than its default.
 * test_example_documents_every_key checks this list against the example
 * both ways, so a key added to serverconf.c must be added here too. */
static const keycase all_keys[] = {
	{"server", "listen", "[::1]:9090"},
	{"server", "db", "/var/lib/raqib/comments.db"},
	{"server", "threads", "4"},
	{"server", "max_connections", "77"},
	{"server", "per_ip_connections", "9"},
	{"server", "connection_timeout", "11"},
	{"server", "max_body_bytes", "2048"},
	{"server", "post_rate", "1.5"},
	{"server", "post_burst", "2"},
	{"server", "get_rate", "0"},
	{"server", "get_burst", "10"},
	{"server", "trust_proxy", "yes"},
	{"server", "embed_origins", "https://a.example, https://b.example"},
	{"server", "admin_token", "s3cret-token"},
	{"server", "secret_file", "/etc/raqib/key"},
	{"server", "ip_retention_days", "0"},
	{"server", "min_form_age", "5"},
	{"server", "max_form_age", "600"},
	{"server", "dup_window", "0"},
	{"server", "access_log", "off"},
	{"server", "secure_cookies", "TRUE"},
	{"site", "name", "صحيفة الغد"},
	{"site", "base_url", "https://news.example/"},
	{"site", "timezone", "Africa/Cairo"},
	{"site", "terms", "شروط قصيرة"},
	{"site", "terms_file", "terms.txt"},
	{"site", "newest_first", "1"},
	{"site", "per_page", "20"},
	{"admin", "session_idle", "600"},
	{"admin", "session_max", "7200"},
	{"admin", "max_failures", "3"},
	{"admin", "lockout", "60"},
	{"admin", "webhook_url", "https://hooks.example/raqib"},
};

static void test_every_key_parses(void **state)
{
	raqib_server_conf c;
	raqib_err err;
	char text[4096];
	size_t i, n = 0;
	const char *last = "";
	(void)state;

	write_file("terms.txt", "شروط من ملف\n\n");
	for (i = 0; i < sizeof all_keys / sizeof *all_keys; i++) {
		if (strcmp(last, all_keys[i].section))
			n += (size_t)snprintf(text + n, sizeof text - n, "[%s]\n", all_keys[i].section);
		last = all_keys[i].section;
		n += (size_t)snprintf(text + n, sizeof text - n, "%s = %s\n", all_keys[i].key,
				      all_keys[i].value);
		assert_true(n < sizeof text);
	}
	if (load(&c, text, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(c.listen, "[::1]:9090");
	assert_string_equal(c.db, "/var/lib/raqib/comments.db");
	assert_int_equal(c.threads, 4);
	assert_int_equal(c.max_connections, 77);
	assert_int_equal(c.per_ip_connections, 9);
	assert_int_equal(c.connection_timeout, 11);
	assert_int_equal(c.max_body_bytes, 2048);
	assert_true(c.post_rate == 1.5);
	assert_true(c.post_burst == 2);
	assert_true(c.get_rate == 0);
	assert_true(c.get_burst == 10);
	assert_true(c.trust_proxy);
	assert_string_equal(c.embed_origins, "https://a.example, https://b.example");
	assert_string_equal(c.admin_token, "s3cret-token");
	assert_string_equal(c.secret_file, "/etc/raqib/key");
	assert_int_equal(c.ip_retention_days, 0);
	assert_int_equal(c.min_form_age, 5);
	assert_int_equal(c.max_form_age, 600);
	assert_int_equal(c.dup_window, 0);
	assert_false(c.access_log);
	assert_true(c.secure_cookies);
	assert_string_equal(c.site_name, "صحيفة الغد");
	assert_string_equal(c.base_url, "https://news.example");  /* slash dropped */
	assert_string_equal(c.timezone, "Africa/Cairo");
	/* terms_file comes after terms: the file wins, trailing blank lines cut */
	assert_string_equal(c.terms, "شروط من ملف");
	assert_true(c.newest_first);
	assert_int_equal(c.per_page, 20);
	assert_int_equal(c.session_idle, 600);
	assert_int_equal(c.session_max, 7200);
	assert_int_equal(c.max_failures, 3);
	assert_int_equal(c.lockout, 60);
	assert_string_equal(c.webhook_url, "https://hooks.example/raqib");
}

static void test_bounds_accepted(void **state)
{
	raqib_server_conf c;
	raqib_err err;
	(void)state;
	assert_int_equal(load(&c, "[server]\nthreads = 256\nmax_body_bytes = 1024\n"
				  "connection_timeout = 3600\nmin_form_age = 0\n"
				  "max_form_age = 31536000\n", &err), 0);
	assert_int_equal(c.threads, 256);
	assert_int_equal(c.max_body_bytes, 1024);
	assert_int_equal(c.max_form_age, 31536000);
	assert_int_equal(load(&c, "[server]\nmax_body_bytes = 67108864\n[site]\nper_page = 1000\n"
				  "[admin]\nmax_failures = 1000\n", &err), 0);
	assert_int_equal(c.max_body_bytes, 64u << 20);
	assert_int_equal(c.per_page, 1000);
	/* sections of the screening config are left to raqib_config_load */
	assert_int_equal(load(&c, "[screening]\nmax_text_length = 3\n[rule.spam]\nbogus = 1\n"
				  "[site]\nper_page = 7\n", &err), 0);
	assert_int_equal(c.per_page, 7);
}

/* Relative paths start at the file's directory. */
static void test_relative_paths(void **state)
{
	raqib_server_conf c;
	raqib_err err;
	char want[300];
	(void)state;
	assert_int_equal(load(&c, "[server]\ndb = data/x.db\nsecret_file = k.key\n", &err), 0);
	snprintf(want, sizeof want, "%s/data/x.db", dir);
	assert_string_equal(c.db, want);
	snprintf(want, sizeof want, "%s/k.key", dir);
	assert_string_equal(c.secret_file, want);
	/* empty secret_file and terms_file: the defaults stay */
	assert_int_equal(load(&c, "[server]\nsecret_file =\n[site]\nterms_file =\n", &err), 0);
	assert_string_equal(c.secret_file, "");
	{
		raqib_server_conf d;
		raqib_server_conf_defaults(&d);
		assert_string_equal(c.terms, d.terms);
	}
}

static void test_terms_continuation(void **state)
{
	raqib_server_conf c;
	raqib_err err;
	(void)state;
	assert_int_equal(load(&c, "[site]\nterms = السطر الأول\n  والسطر الثاني\n  والثالث\n"
				  "per_page = 3\n", &err), 0);
	assert_string_equal(c.terms, "السطر الأول والسطر الثاني والثالث");
	assert_int_equal(c.per_page, 3);
}

/* ---- bad values: an error naming the file, the line and the key ---- */

typedef struct badcase {
	const char *text;      /* the whole file */
	int line;              /* of the error */
	const char *needle;    /* in the message */
} badcase;

static const badcase bad_cases[] = {
	{"[server]\nthreads = -1\n", 2, "threads"},
	{"[server]\nthreads = 257\n", 2, "threads"},
	{"[server]\nthreads = four\n", 2, "threads"},
	{"[server]\nthreads = 4x\n", 2, "threads"},
	{"[server]\nthreads = 0x10\n", 2, "threads"},
	{"[server]\nthreads = 99999999999999999999999\n", 2, "threads"},
	{"[server]\nthreads =\n", 2, "threads"},
	{"[server]\nmax_connections = 0\n", 2, "max_connections"},
	{"[server]\nper_ip_connections = -3\n", 2, "per_ip_connections"},
	{"[server]\nconnection_timeout = 0\n", 2, "connection_timeout"},
	{"[server]\nconnection_timeout = 3601\n", 2, "connection_timeout"},
	{"[server]\n\nmax_body_bytes = 1023\n", 3, "max_body_bytes"},
	{"[server]\nmax_body_bytes = 67108865\n", 2, "max_body_bytes"},
	{"[server]\nip_retention_days = 36501\n", 2, "ip_retention_days"},
	{"[server]\nmin_form_age = 86401\n", 2, "min_form_age"},
	{"[server]\nmax_form_age = 0\n", 2, "max_form_age"},
	{"[server]\ndup_window = -1\n", 2, "dup_window"},
	{"[server]\npost_rate = -1\n", 2, "post_rate"},
	{"[server]\npost_burst = nan\n", 2, "post_burst"},
	{"[server]\nget_rate = inf\n", 2, "get_rate"},
	{"[server]\nget_burst = 1e10\n", 2, "get_burst"},
	{"[server]\nget_burst = 3 per minute\n", 2, "get_burst"},
	{"[server]\ntrust_proxy = maybe\n", 2, "trust_proxy"},
	{"[server]\naccess_log = 2\n", 2, "access_log"},
	{"[server]\nsecure_cookies =\n", 2, "secure_cookies"},
	{"[server]\nlisten = 8080\n", 2, "listen"},
	{"[server]\nlisten = localhost:http\n", 2, "listen"},
	{"[server]\nlisten = fe80::1\n", 2, "listen"},
	{"[server]\ndb =\n", 2, "db"},
	{"[server]\npost_ratee = 3\n", 2, "unknown key 'post_ratee' in [server]"},
	{"; comment\n[site]\nper_page = 0\n", 3, "per_page"},
	{"[site]\nper_page = 1001\n", 2, "per_page"},
	{"[site]\nnewest_first = newest\n", 2, "newest_first"},
	{"[site]\nbase_url = ftp://news.example\n", 2, "base_url"},
	{"[site]\nbase_url = news.example\n", 2, "base_url"},
	{"[site]\nbase_url = https://news.example/a b\n", 2, "base_url"},
	{"[site]\nbase_url = https://news.example/\"x\n", 2, "base_url"},
	{"[site]\ntimezone =\n", 2, "timezone"},
	{"[site]\nname = \xff\xfe\n", 2, "name"},
	{"[site]\nterms = \xc3\n", 2, "terms"},
	{"[site]\nterms_file = no-such-file.txt\n", 2, "terms_file"},
	{"[site]\ntitle = x\n", 2, "unknown key 'title' in [site]"},
	{"[admin]\nsession_idle = 0\n", 2, "session_idle"},
	{"[admin]\nsession_idle = 2592001\n", 2, "session_idle"},
	{"[admin]\nsession_max = -5\n", 2, "session_max"},
	{"[admin]\nmax_failures = 0\n", 2, "max_failures"},
	{"[admin]\nlockout = 1.5\n", 2, "lockout"},
	{"[admin]\nwebhook_url = mailto:x@example\n", 2, "webhook_url"},
	{"[admin]\nwebhook_url = https://a.example/x y\n", 2, "webhook_url"},
	{"[admin]\nsession = 5\n", 2, "unknown key 'session' in [admin]"},
	{"[server]\nthreads 4\n", 2, "syntax error"},
};

static void test_bad_values(void **state)
{
	raqib_server_conf c;
	raqib_err err;
	size_t i;
	(void)state;
	for (i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
		const badcase *b = &bad_cases[i];
		char prefix[300];
		if (load(&c, b->text, &err) == 0)
			fail_msg("accepted: %s", b->text);
		if (err.code != RAQIB_ECONFIG)
			fail_msg("%s: code %d", b->text, err.code);
		snprintf(prefix, sizeof prefix, "%s/t.conf:%d: ", dir, b->line);
		if (strncmp(err.msg, prefix, strlen(prefix)) || !strstr(err.msg, b->needle))
			fail_msg("for %s got '%s', want '%s...%s'", b->text, err.msg, prefix,
				 b->needle);
	}
}

static void test_cross_checks(void **state)
{
	raqib_server_conf c;
	raqib_err err;
	(void)state;
	assert_int_equal(load(&c, "[server]\nmin_form_age = 600\nmax_form_age = 600\n", &err),
			 RAQIB_ECONFIG);
	assert_non_null(strstr(err.msg, "min_form_age must be below max_form_age"));
	assert_non_null(strstr(err.msg, "t.conf"));
	/* a missing file is an I/O error naming it */
	raqib_server_conf_defaults(&c);
	assert_int_equal(raqib_server_conf_load(&c, "/nonexistent/raqib.conf", &err), RAQIB_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/raqib.conf"));
}

/* ---- raqib_listen_parse ---- */

static void test_listen_parse(void **state)
{
	char host[64];
	unsigned port = 7;
	static const char *bad[] = {"",          "8080",         ":8080",      ":0",
				    "host:",     "host:-1",      "host:+80",   "host: 80",
				    "host:80 ",  "host:65536",   "host:99999999999999999999",
				    "host:http", "[::1]",        "[::1]8080",  "[::1:8080",
				    "[]:80",     "fe80::1",      "::1:8080",   "a:b:80",
				    "host:0x50"};
	size_t i;
	char longhost[100];
	(void)state;

	assert_int_equal(raqib_listen_parse("127.0.0.1:8080", host, sizeof host, &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_int_equal(raqib_listen_parse("localhost:0", host, sizeof host, &port), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 0);
	assert_int_equal(raqib_listen_parse("0.0.0.0:65535", host, sizeof host, &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(raqib_listen_parse("[::1]:8080", host, sizeof host, &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 8080);
	assert_int_equal(raqib_listen_parse("[::]:0", host, sizeof host, &port), 0);
	assert_string_equal(host, "::");
	assert_int_equal(port, 0);
	assert_int_equal(raqib_listen_parse("[fe80::1%eth0]:443", host, sizeof host, &port), 0);
	assert_string_equal(host, "fe80::1%eth0");
	assert_int_equal(port, 443);

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		port = 12345;
		strcpy(host, "untouched");
		if (raqib_listen_parse(bad[i], host, sizeof host, &port) == 0)
			fail_msg("'%s' parsed as host '%s' port %u", bad[i], host, port);
		assert_string_equal(host, "untouched");
		assert_int_equal(port, 12345);
	}
	/* a host that does not fit is refused, not cut */
	memset(longhost, 'a', 64);
	strcpy(longhost + 64, ":80");
	assert_int_equal(raqib_listen_parse(longhost, host, sizeof host, &port), -1);
	longhost[63] = 0;
	strcpy(longhost + 63, ":80");
	assert_int_equal(raqib_listen_parse(longhost, host, sizeof host, &port), 0);
	assert_int_equal(strlen(host), 63);
}

/* ---- raqib_parse_iso ---- */

static void test_parse_iso(void **state)
{
	int64_t t = 0;
	static const struct {
		const char *s;
		int64_t want;
	} good[] = {
		{"1970-01-01", 0},
		{"2024-03-01", 1709251200},
		{"2024-02-29T12:30", 1709209800},
		{"2024-02-29T12:30:15", 1709209815},
		{"2024-02-29 12:30:15", 1709209815},
		{"2024-02-29T12:30:15Z", 1709209815},
		{"2024-02-29T12:30:15.123Z", 1709209815},
		{"2024-02-29T15:30:15+03:00", 1709209815},
		{"2024-02-29T15:30:15+0300", 1709209815},
		{"2024-02-29T15:30:15+03", 1709209815},
		{"2024-02-29T09:00:15-03:30", 1709209815},
		{"2038-01-19T03:14:08Z", 2147483648LL},  /* past 32 bits */
		{"2000-02-29", 951782400},
		{"2024-12-31T23:59:60Z", 1735689600},     /* a leap second */
	};
	static const char *bad[] = {"",
				    "2024",
				    "2024-02",
				    "24-02-29",
				    "2024/02/29",
				    "2024-13-01",
				    "2024-00-10",
				    "2024-01-00",
				    "2024-01-32",
				    "2024-01-01T24:00",
				    "2024-01-01T12:60",
				    "2024-01-01T12",
				    "2024-01-01T1:00",
				    "2024-01-01T12:00:61",
				    "2024-01-01T12:00:5",
				    "2024-01-01Z junk",
				    "2024-01-01T12:00+3",
				    "2024-01-01T12:00+03:0",
				    "2024-01-01x",
				    /* what sscanf's %d let through */
				    " 202-01-01",
				    "+202-01-01",
				    "-001-01-01",
				    "2024-+1-01",
				    "2024-01-01T-1:-1",
				    "2024-01-01T12:00+99:99",
				    "2024-01-01T12:00+05:",
				    "2024-01-01T12:00:00.",
				    /* what timegm would roll over */
				    "2024-02-30",
				    "2023-02-29",
				    "2100-02-29",
				    "2024-04-31"};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof good / sizeof *good; i++) {
		t = -1;
		if (raqib_parse_iso(good[i].s, &t) != 0 || t != good[i].want)
			fail_msg("'%s' -> %lld, want %lld", good[i].s, (long long)t,
				 (long long)good[i].want);
	}
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (raqib_parse_iso(bad[i], &t) == 0)
			fail_msg("'%s' parsed as %lld", bad[i], (long long)t);
	}
}

/* ---- raqib.conf.example against the code ---- */

/* Calls fn(section, key, value, line) for every commented-out setting
 * ";key = value" of the example (prose comments have a space after ';'). */
typedef void (*example_fn)(const char *sec, const char *key, const char *val, int line,
			   void *arg);

static void each_example_key(const char *text, example_fn fn, void *arg)
{
	char sec[64] = "", line[1024];
	const char *p = text;
	int ln = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *eq;
		ln++;
		assert_true(n < sizeof line);
		memcpy(line, p, n);
		line[n] = 0;
		p += n + (nl ? 1 : 0);
		if (line[0] == '[') {
			char *rb = strchr(line, ']');
			assert_non_null(rb);
			*rb = 0;
			snprintf(sec, sizeof sec, "%.63s", line + 1);
			continue;
		}
		if (line[0] != ';' || !(line[1] >= 'a' && line[1] <= 'z'))
			continue;
		eq = strstr(line, " =");
		if (!eq || strspn(line + 1, "abcdefghijklmnopqrstuvwxyz_") != (size_t)(eq - line - 1))
			continue;
		*eq = 0;
		eq += 2;
		while (*eq == ' ')
			eq++;
		fn(sec, line + 1, eq, ln, arg);
	}
}

static int back_to_cwd(void **state)
{
	(void)state;
	return chdir(saved_cwd) == 0 ? 0 : -1;
}

typedef struct drift {
	int nserver, nscreening;
	char all[16384];       /* every setting uncommented, for one whole load */
	size_t all_len;
	char last_sec[64];
} drift;

/* Loading "[sec]\nkey = <documented default>" must leave both configs at
 * their built-in defaults. Runs inside `dir` so relative paths stay as
 * written. */
static void check_default(const char *sec, const char *key, const char *val, int line, void *arg)
{
	drift *d = arg;
	char text[600];
	raqib_err err = {0, ""};
	bool server = !strcmp(sec, "server") || !strcmp(sec, "site") || !strcmp(sec, "admin");

	snprintf(text, sizeof text, "[%s]\n%s = %s\n", sec, key, val);
	if (strcmp(d->last_sec, sec))
		d->all_len += (size_t)snprintf(d->all + d->all_len, sizeof d->all - d->all_len,
					       "[%s]\n", sec);
	snprintf(d->last_sec, sizeof d->last_sec, "%s", sec);
	/* [site] terms: empty means "no terms", while the documented default
	 * is the seed page's text */
	if (!(server && !strcmp(key, "terms")))
		d->all_len += (size_t)snprintf(d->all + d->all_len, sizeof d->all - d->all_len,
					       "%s = %s\n", key, val);
	assert_true(d->all_len < sizeof d->all);
	write_file("ex.conf", text);
	if (server) {
		raqib_server_conf want, got;
		d->nserver++;
		if (!strcmp(key, "terms"))
			return;
		raqib_server_conf_defaults(&want);
		raqib_server_conf_defaults(&got);
		if (raqib_server_conf_load(&got, "ex.conf", &err))
			fail_msg(EXAMPLE ":%d: [%s] %s = %s does not load: %s", line, sec, key, val,
				 err.msg);
		if (memcmp(&want, &got, sizeof want))
			fail_msg(EXAMPLE ":%d: [%s] %s = %s is not the built-in default", line, sec,
				 key, val);
	} else {
		raqib_config want, got;
		d->nscreening++;
		raqib_config_defaults(&want);
		raqib_config_defaults(&got);
		if (raqib_config_load(&got, "ex.conf", &err))
			fail_msg(EXAMPLE ":%d: [%s] %s = %s does not load: %s", line, sec, key, val,
				 err.msg);
		if (memcmp(&want, &got, sizeof want))
			fail_msg(EXAMPLE ":%d: [%s] %s = %s is not the built-in default", line, sec,
				 key, val);
	}
}

static void test_example_defaults(void **state)
{
	size_t len;
	char *text = read_all(EXAMPLE, &len);
	drift *d = calloc(1, sizeof *d);
	raqib_err err = {0, ""};
	(void)state;
	assert_non_null(text);
	assert_non_null(d);
	assert_int_equal(chdir(dir), 0);
	each_example_key(text, check_default, d);
	/* the parser above found the settings at all */
	assert_true(d->nserver >= 30);
	assert_true(d->nscreening >= 30);
	/* the whole example uncommented: both loaders take it, and it changes
	 * nothing */
	write_file("all.conf", d->all);
	{
		raqib_server_conf want, got;
		raqib_server_conf_defaults(&want);
		raqib_server_conf_defaults(&got);
		if (raqib_server_conf_load(&got, "all.conf", &err))
			fail_msg("uncommented example: %s", err.msg);
		assert_memory_equal(&want, &got, sizeof want);
	}
	{
		raqib_config want, got;
		raqib_config_defaults(&want);
		raqib_config_defaults(&got);
		if (raqib_config_load(&got, "all.conf", &err))
			fail_msg("uncommented example: %s", err.msg);
		assert_memory_equal(&want, &got, sizeof want);
	}
	free(d);
	free(text);
}

/* The example as shipped (everything commented out) loads with both. */
static void test_example_loads(void **state)
{
	raqib_server_conf c;
	raqib_config cfg;
	raqib_err err = {0, ""};
	(void)state;
	raqib_server_conf_defaults(&c);
	if (raqib_server_conf_load(&c, EXAMPLE, &err))
		fail_msg("%s", err.msg);
	raqib_config_defaults(&cfg);
	if (raqib_config_load(&cfg, EXAMPLE, &err))
		fail_msg("%s", err.msg);
}

typedef struct seen {
	bool found[sizeof all_keys / sizeof *all_keys];
	char extra[256];
} seen;

static void mark_key(const char *sec, const char *key, const char *val, int line, void *arg)
{
	seen *s = arg;
	size_t i;
	(void)val;
	if (strcmp(sec, "server") && strcmp(sec, "site") && strcmp(sec, "admin"))
		return;
	for (i = 0; i < sizeof all_keys / sizeof *all_keys; i++)
		if (!strcmp(all_keys[i].section, sec) && !strcmp(all_keys[i].key, key)) {
			s->found[i] = true;
			return;
		}
	snprintf(s->extra, sizeof s->extra, EXAMPLE ":%d: [%s] %s", line, sec, key);
}

static void test_example_documents_every_key(void **state)
{
	size_t len, i;
	char *text = read_all(EXAMPLE, &len);
	seen s;
	(void)state;
	assert_non_null(text);
	memset(&s, 0, sizeof s);
	each_example_key(text, mark_key, &s);
	free(text);
	if (s.extra[0])
		fail_msg("%s: documented but not in this test's key list", s.extra);
	for (i = 0; i < sizeof all_keys / sizeof *all_keys; i++)
		if (!s.found[i])
			fail_msg("[%s] %s is not documented in " EXAMPLE, all_keys[i].section,
				 all_keys[i].key);
}

/* Each listed value really sets something (a typo in all_keys would
 * otherwise pass as a documented default). */
static void test_each_key_changes_something(void **state)
{
	size_t i;
	(void)state;
	write_file("terms.txt", "شروط\n");
	for (i = 0; i < sizeof all_keys / sizeof *all_keys; i++) {
		raqib_server_conf def, c;
		raqib_err err;
		char text[600];
		snprintf(text, sizeof text, "[%s]\n%s = %s\n", all_keys[i].section, all_keys[i].key,
			 all_keys[i].value);
		if (load(&c, text, &err))
			fail_msg("%s: %s", text, err.msg);
		raqib_server_conf_defaults(&def);
		if (!memcmp(&def, &c, sizeof c))
			fail_msg("[%s] %s = %s changed nothing", all_keys[i].section,
				 all_keys[i].key, all_keys[i].value);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key_parses),
		cmocka_unit_test(test_bounds_accepted),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_terms_continuation),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_parse_iso),
		cmocka_unit_test(test_example_loads),
		cmocka_unit_test_teardown(test_example_defaults, back_to_cwd),
		cmocka_unit_test(test_example_documents_every_key),
		cmocka_unit_test(test_each_key_changes_something),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
