/* metrics_test.c — the /metrics counters and their Prometheus text (0.0.4):
 * counts per route and status, histogram bucket placement at the edges,
 * cumulative buckets, and an exposition checked line by line by a small
 * parser of the format. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/metrics.h"
#include "raqib.h"

/* ---- a parser of the text format ---- */

#define MAX_SAMPLES 400
#define MAX_FAMILIES 16

typedef struct sample {
	char name[96];
	char labels[160];      /* as written, without braces */
	double value;
} sample;

typedef struct family {
	char name[96];
	char type[16];
	bool help;
} family;

typedef struct expo {
	sample s[MAX_SAMPLES];
	size_t ns;
	family f[MAX_FAMILIES];
	size_t nf;
} expo;

static bool is_name_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':' || (!first && isdigit((unsigned char)c));
}

static size_t name_len(const char *p)
{
	size_t n = 0;
	while (is_name_char(p[n], n == 0))
		n++;
	return n;
}

static family *find_family(expo *e, const char *name, size_t len)
{
	size_t i;
	for (i = 0; i < e->nf; i++)
		if (strlen(e->f[i].name) == len && !memcmp(e->f[i].name, name, len))
			return &e->f[i];
	return NULL;
}

/* The family a sample belongs to: itself, or a histogram's
 * _bucket/_sum/_count. */
static family *sample_family(expo *e, const char *name)
{
	static const char *suffix[] = {"_bucket", "_sum", "_count"};
	size_t len = strlen(name), i;
	family *f = find_family(e, name, len);
	if (f)
		return f;
	for (i = 0; i < 3; i++) {
		size_t sl = strlen(suffix[i]);
		if (len > sl && !strcmp(name + len - sl, suffix[i]) &&
		    (f = find_family(e, name, len - sl)) && !strcmp(f->type, "histogram"))
			return f;
	}
	return NULL;
}

/* Labels: name="value"(,name="value")* with \\, \" and \n escapes only. */
static bool labels_ok(const char *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t n = name_len(p + i);
		if (!n || p[i + n] != '=' || p[i + n + 1] != '"')
			return false;
		i += n + 2;
		while (i < len && p[i] != '"') {
			if (p[i] == '\\') {
				if (i + 1 >= len || !strchr("\\\"n", p[i + 1]))
					return false;
				i++;
			}
			i++;
		}
		if (i >= len)
			return false;
		i++;
		if (i < len && p[i++] != ',')
			return false;
	}
	return true;
}

/* Parses the exposition, failing the test on the first malformed line. */
static void parse(const char *text, expo *e)
{
	const char *p = text;
	size_t ln = 0;

	memset(e, 0, sizeof *e);
	assert_true(*text);
	assert_int_equal(text[strlen(text) - 1], '\n');
	while (*p) {
		const char *nl = strchr(p, '\n');
		char line[512];
		size_t n = (size_t)(nl - p);
		ln++;
		assert_non_null(nl);
		assert_true(n < sizeof line);
		memcpy(line, p, n);
		line[n] = 0;
		p = nl + 1;
		if (!n)
			fail_msg("line %zu: empty line", ln);
		if (line[0] == '#') {
			char kind[8], name[96], rest[400];
			family *f;
			if (sscanf(line, "# %7s %95s %399[^\n]", kind, name, rest) != 3)
				fail_msg("line %zu: bad comment '%s'", ln, line);
			if (name_len(name) != strlen(name))
				fail_msg("line %zu: bad metric name '%s'", ln, name);
			f = find_family(e, name, strlen(name));
			if (!strcmp(kind, "HELP")) {
				if (f && (f->help || f->type[0]))
					fail_msg("line %zu: HELP after the family began", ln);
				if (!f) {
					assert_true(e->nf < MAX_FAMILIES);
					f = &e->f[e->nf++];
					snprintf(f->name, sizeof f->name, "%s", name);
				}
				f->help = true;
			} else if (!strcmp(kind, "TYPE")) {
				if (strcmp(rest, "counter") && strcmp(rest, "gauge") &&
				    strcmp(rest, "histogram") && strcmp(rest, "summary") &&
				    strcmp(rest, "untyped"))
					fail_msg("line %zu: bad type '%s'", ln, rest);
				if (f && f->type[0])
					fail_msg("line %zu: second TYPE for %s", ln, name);
				if (!f) {
					assert_true(e->nf < MAX_FAMILIES);
					f = &e->f[e->nf++];
					snprintf(f->name, sizeof f->name, "%s", name);
				}
				/* TYPE must come before the family's samples */
				for (size_t i = 0; i < e->ns; i++)
					if (sample_family(e, e->s[i].name) == f)
						fail_msg("line %zu: TYPE after samples", ln);
				snprintf(f->type, sizeof f->type, "%.15s", rest);
			} else {
				fail_msg("line %zu: unknown comment '%s'", ln, line);
			}
			continue;
		}
		{
			sample *s;
			size_t nl_ = name_len(line), i;
			const char *v;
			char *end;
			assert_true(e->ns < MAX_SAMPLES);
			s = &e->s[e->ns];
			if (!nl_ || nl_ >= sizeof s->name)
				fail_msg("line %zu: bad sample name in '%s'", ln, line);
			memcpy(s->name, line, nl_);
			s->name[nl_] = 0;
			v = line + nl_;
			if (*v == '{') {
				const char *rb = strrchr(v, '}');
				if (!rb || !labels_ok(v + 1, (size_t)(rb - v - 1)) ||
				    (size_t)(rb - v - 1) >= sizeof s->labels)
					fail_msg("line %zu: bad labels in '%s'", ln, line);
				memcpy(s->labels, v + 1, (size_t)(rb - v - 1));
				s->labels[rb - v - 1] = 0;
				v = rb + 1;
			}
			if (*v != ' ' || v[1] == ' ' || !v[1])
				fail_msg("line %zu: want one space before the value: '%s'", ln, line);
			s->value = strtod(v + 1, &end);
			if (*end || isnan(s->value))
				fail_msg("line %zu: bad value in '%s'", ln, line);
			if (!sample_family(e, s->name) || !sample_family(e, s->name)->type[0])
				fail_msg("line %zu: %s has no TYPE line", ln, s->name);
			for (i = 0; i < e->ns; i++)
				if (!strcmp(e->s[i].name, s->name) && !strcmp(e->s[i].labels, s->labels))
					fail_msg("line %zu: duplicate series %s{%s}", ln, s->name,
						 s->labels);
			e->ns++;
		}
	}
}

/* The value of name{labels}; fails when absent. */
static double value_of(const expo *e, const char *name, const char *labels)
{
	size_t i;
	for (i = 0; i < e->ns; i++)
		if (!strcmp(e->s[i].name, name) && !strcmp(e->s[i].labels, labels))
			return e->s[i].value;
	fail_msg("no sample %s{%s}", name, labels);
	return -1;
}

static bool has_sample(const expo *e, const char *name, const char *labels)
{
	size_t i;
	for (i = 0; i < e->ns; i++)
		if (!strcmp(e->s[i].name, name) && !strcmp(e->s[i].labels, labels))
			return true;
	return false;
}

static void write_parse(const raqib_metrics *m, int64_t pending, expo *e)
{
	raqib_buf b;
	raqib_buf_init(&b, 1 << 20);
	assert_int_equal(raqib_metrics_write(m, &b, pending), 0);
	parse(b.data, e);
	raqib_buf_free(&b);
}

#define DUR "raqib_http_request_duration_seconds"

/* The histogram's invariants: le ascending, counts cumulative, +Inf last
 * and equal to _count. Returns the number of buckets. */
static size_t check_histogram(const expo *e)
{
	double prev_le = -1, prev = 0, inf = -1;
	size_t i, nb = 0;
	for (i = 0; i < e->ns; i++) {
		const sample *s = &e->s[i];
		double le;
		if (strcmp(s->name, DUR "_bucket"))
			continue;
		assert_true(inf < 0); /* nothing after +Inf */
		assert_int_equal(strncmp(s->labels, "le=\"", 4), 0);
		if (!strcmp(s->labels, "le=\"+Inf\"")) {
			inf = s->value;
		} else {
			le = strtod(s->labels + 4, NULL);
			assert_true(le > prev_le);
			prev_le = le;
		}
		assert_true(s->value >= prev);
		prev = s->value;
		nb++;
	}
	assert_true(inf >= 0);
	assert_true(value_of(e, DUR "_count", "") == inf);
	return nb;
}

/* ---- tests ---- */

static void test_empty_exposition(void **state)
{
	raqib_metrics m;
	expo *e = malloc(sizeof *e);
	size_t i;
	(void)state;
	assert_non_null(e);
	raqib_metrics_init(&m);
	write_parse(&m, -1, e);
	/* no request yet: no request samples, every bucket 0 */
	for (i = 0; i < e->ns; i++)
		assert_true(strcmp(e->s[i].name, "raqib_http_requests_total"));
	assert_int_equal(check_histogram(e), RAQIB_METRIC_BUCKETS + 1);
	assert_true(value_of(e, DUR "_count", "") == 0);
	assert_true(value_of(e, DUR "_sum", "") == 0);
	/* every rule has its findings counter, at 0 */
	for (i = 0; i < RAQIB_RULE_COUNT; i++) {
		char l[64];
		snprintf(l, sizeof l, "rule=\"%s\"", raqib_rule_name((raqib_rule)i));
		assert_true(value_of(e, "raqib_findings_total", l) == 0);
	}
	/* queue unknown: no gauge at all */
	assert_false(has_sample(e, "raqib_queue_pending", ""));
	assert_null(find_family(e, "raqib_queue_pending", strlen("raqib_queue_pending")));
	free(e);
}

static void test_requests_by_route_status(void **state)
{
	raqib_metrics m;
	expo *e = malloc(sizeof *e);
	int i;
	(void)state;
	assert_non_null(e);
	raqib_metrics_init(&m);
	for (i = 0; i < 3; i++)
		raqib_metrics_request(&m, RAQIB_ROUTE_ARTICLE, 200, 50);
	raqib_metrics_request(&m, RAQIB_ROUTE_ARTICLE, 304, 50);
	raqib_metrics_request(&m, RAQIB_ROUTE_POST_FORM, 303, 5000);
	raqib_metrics_request(&m, RAQIB_ROUTE_API_COMMENTS, 429, 20);
	raqib_metrics_request(&m, RAQIB_ROUTE_API_COMMENTS, 503, 20);
	/* a status outside the list: "other", per route */
	raqib_metrics_request(&m, RAQIB_ROUTE_ARTICLE, 418, 10);
	raqib_metrics_request(&m, RAQIB_ROUTE_ARTICLE, 502, 10);
	raqib_metrics_request(&m, RAQIB_ROUTE_METRICS, 0, 10);
	/* a route outside the enum counts as "other" */
	raqib_metrics_request(&m, (raqib_route)99, 404, 10);
	raqib_metrics_request(&m, RAQIB_ROUTE_OTHER, 404, 10);
	write_parse(&m, 7, e);
	assert_true(value_of(e, "raqib_http_requests_total", "route=\"article\",status=\"200\"") == 3);
	assert_true(value_of(e, "raqib_http_requests_total", "route=\"article\",status=\"304\"") == 1);
	assert_true(value_of(e, "raqib_http_requests_total", "route=\"post_form\",status=\"303\"") == 1);
	assert_true(value_of(e, "raqib_http_requests_total", "route=\"api_comments\",status=\"429\"") == 1);
	assert_true(value_of(e, "raqib_http_requests_total", "route=\"api_comments\",status=\"503\"") == 1);
	assert_true(value_of(e, "raqib_http_requests_total", "route=\"article\",status=\"other\"") == 2);
	assert_true(value_of(e, "raqib_http_requests_total", "route=\"metrics\",status=\"other\"") == 1);
	assert_true(value_of(e, "raqib_http_requests_total", "route=\"other\",status=\"404\"") == 2);
	/* only what happened is listed */
	assert_false(has_sample(e, "raqib_http_requests_total", "route=\"index\",status=\"200\""));
	assert_false(has_sample(e, "raqib_http_requests_total", "route=\"article\",status=\"404\""));
	assert_true(value_of(e, DUR "_count", "") == 12);
	assert_true(value_of(e, "raqib_queue_pending", "") == 7);
	free(e);
}

static void test_route_names(void **state)
{
	(void)state;
	assert_string_equal(raqib_route_name(RAQIB_ROUTE_INDEX), "index");
	assert_string_equal(raqib_route_name(RAQIB_ROUTE_API_ARTICLE), "api_article");
	assert_string_equal(raqib_route_name(RAQIB_ROUTE_OTHER), "other");
	assert_string_equal(raqib_route_name(RAQIB_ROUTE_COUNT), "other");
	assert_string_equal(raqib_route_name((raqib_route)-1), "other");
}

/* Bucket edges are inclusive (le = "less or equal"). */
static void test_bucket_placement(void **state)
{
	static const struct {
		uint64_t micros;
		const char *le;      /* the first bucket that counts it */
	} cases[] = {
		{0, "0.0001"},     {1, "0.0001"},    {100, "0.0001"},  {101, "0.00025"},
		{250, "0.00025"},  {251, "0.0005"},  {1000, "0.001"},  {1001, "0.0025"},
		{10000, "0.01"},   {99999, "0.1"},   {100000, "0.1"},  {100001, "0.5"},
		{2500000, "2.5"},  {2500001, "+Inf"}, {3600000000ULL, "+Inf"},
	};
	size_t i;
	expo *e = malloc(sizeof *e);
	(void)state;
	assert_non_null(e);
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		raqib_metrics m;
		size_t k;
		bool reached = false;
		raqib_metrics_init(&m);
		raqib_metrics_request(&m, RAQIB_ROUTE_INDEX, 200, cases[i].micros);
		write_parse(&m, -1, e);
		check_histogram(e);
		for (k = 0; k < e->ns; k++) {
			char want[32];
			if (strcmp(e->s[k].name, DUR "_bucket"))
				continue;
			snprintf(want, sizeof want, "le=\"%s\"", cases[i].le);
			if (!strcmp(e->s[k].labels, want))
				reached = true;
			if (e->s[k].value != (reached ? 1 : 0))
				fail_msg("%llu us: bucket {%s} = %g", (unsigned long long)cases[i].micros,
					 e->s[k].labels, e->s[k].value);
		}
		assert_true(reached);
		assert_true(fabs(value_of(e, DUR "_sum", "") - (double)cases[i].micros / 1e6) < 1e-6);
	}
	free(e);
}

static void test_cumulative(void **state)
{
	raqib_metrics m;
	expo *e = malloc(sizeof *e);
	uint64_t micros[] = {50, 50, 300, 700, 4000, 4000, 4000, 60000, 3000000};
	size_t i;
	(void)state;
	assert_non_null(e);
	raqib_metrics_init(&m);
	for (i = 0; i < sizeof micros / sizeof *micros; i++)
		raqib_metrics_request(&m, RAQIB_ROUTE_ARTICLE, 200, micros[i]);
	write_parse(&m, 0, e);
	assert_int_equal(check_histogram(e), RAQIB_METRIC_BUCKETS + 1);
	assert_true(value_of(e, DUR "_bucket", "le=\"0.0001\"") == 2);
	assert_true(value_of(e, DUR "_bucket", "le=\"0.00025\"") == 2);
	assert_true(value_of(e, DUR "_bucket", "le=\"0.0005\"") == 3);
	assert_true(value_of(e, DUR "_bucket", "le=\"0.001\"") == 4);
	assert_true(value_of(e, DUR "_bucket", "le=\"0.005\"") == 7);
	assert_true(value_of(e, DUR "_bucket", "le=\"0.1\"") == 8);
	assert_true(value_of(e, DUR "_bucket", "le=\"2.5\"") == 8);
	assert_true(value_of(e, DUR "_bucket", "le=\"+Inf\"") == 9);
	assert_true(value_of(e, DUR "_count", "") == 9);
	assert_true(fabs(value_of(e, DUR "_sum", "") - 3.0731) < 1e-9);
	assert_true(value_of(e, "raqib_queue_pending", "") == 0);
	free(e);
}

static void test_decisions_findings(void **state)
{
	raqib_metrics m;
	raqib_verdict *v = calloc(1, sizeof *v);
	expo *e = malloc(sizeof *e);
	(void)state;
	assert_non_null(v);
	assert_non_null(e);
	raqib_metrics_init(&m);
	v->nfindings = 3;
	v->findings[0].rule = RAQIB_RULE_INSULT;
	v->findings[1].rule = RAQIB_RULE_PHONE;
	v->findings[2].rule = RAQIB_RULE_INSULT;  /* in the name and in the text */
	raqib_metrics_decision(&m, RAQIB_CS_PENDING, v);
	v->nfindings = 1;
	v->findings[0].rule = RAQIB_RULE_PHONE;
	raqib_metrics_decision(&m, RAQIB_CS_SHORTENED, v);
	raqib_metrics_decision(&m, RAQIB_CS_PUBLISHED, NULL);
	raqib_metrics_decision(&m, RAQIB_CS_PUBLISHED, NULL);
	/* out-of-range values are ignored, not written out of bounds */
	v->findings[0].rule = (raqib_rule)RAQIB_RULE_COUNT;
	raqib_metrics_decision(&m, (raqib_comment_status)77, v);
	write_parse(&m, -1, e);
	assert_true(value_of(e, "raqib_decisions_total", "decision=\"published\"") == 2);
	assert_true(value_of(e, "raqib_decisions_total", "decision=\"shortened\"") == 1);
	assert_true(value_of(e, "raqib_decisions_total", "decision=\"pending\"") == 1);
	assert_true(value_of(e, "raqib_decisions_total", "decision=\"rejected\"") == 0);
	/* an editor's unpublish is not a screening decision */
	assert_false(has_sample(e, "raqib_decisions_total", "decision=\"unpublished\""));
	assert_true(value_of(e, "raqib_findings_total", "rule=\"insult\"") == 2);
	assert_true(value_of(e, "raqib_findings_total", "rule=\"phone\"") == 2);
	assert_true(value_of(e, "raqib_findings_total", "rule=\"spam\"") == 0);
	free(v);
	free(e);
}

/* Every family has exactly one HELP and one TYPE, of the right kind. */
static void test_families(void **state)
{
	raqib_metrics m;
	expo *e = malloc(sizeof *e);
	static const struct {
		const char *name, *type;
	} want[] = {
		{"raqib_http_requests_total", "counter"},
		{DUR, "histogram"},
		{"raqib_decisions_total", "counter"},
		{"raqib_findings_total", "counter"},
		{"raqib_queue_pending", "gauge"},
	};
	size_t i;
	(void)state;
	assert_non_null(e);
	raqib_metrics_init(&m);
	raqib_metrics_request(&m, RAQIB_ROUTE_INDEX, 200, 10);
	write_parse(&m, 3, e);
	assert_int_equal(e->nf, sizeof want / sizeof *want);
	for (i = 0; i < sizeof want / sizeof *want; i++) {
		family *f = find_family(e, want[i].name, strlen(want[i].name));
		assert_non_null(f);
		assert_true(f->help);
		assert_string_equal(f->type, want[i].type);
	}
	free(e);
}

/* The parser itself refuses what Prometheus would. */
static void test_parser_rejects(void **state)
{
	(void)state;
	assert_true(labels_ok("a=\"1\",b=\"x\\\"y\"", strlen("a=\"1\",b=\"x\\\"y\"")));
	assert_false(labels_ok("a=1", 3));
	assert_false(labels_ok("1a=\"1\"", 6));
	assert_false(labels_ok("a=\"\\t\"", 6));
	assert_false(labels_ok("a=\"1", 4));
}

static void test_write_cap(void **state)
{
	raqib_metrics m;
	raqib_buf b;
	(void)state;
	raqib_metrics_init(&m);
	raqib_buf_init(&b, 256);
	assert_int_equal(raqib_metrics_write(&m, &b, 1), RAQIB_ETOO_LONG);
	raqib_buf_free(&b);
}

#define THREADS 4
#define PER_THREAD 50000

static void *hammer(void *arg)
{
	raqib_metrics *m = arg;
	for (uint64_t i = 0; i < PER_THREAD; i++)
		raqib_metrics_request(m, RAQIB_ROUTE_ARTICLE, 200, i % 3000);
	return NULL;
}

static void test_threads(void **state)
{
	raqib_metrics *m = malloc(sizeof *m);
	pthread_t t[THREADS];
	expo *e = malloc(sizeof *e);
	int i;
	(void)state;
	assert_non_null(m);
	assert_non_null(e);
	raqib_metrics_init(m);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, m), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	write_parse(m, -1, e);
	check_histogram(e);
	assert_true(value_of(e, "raqib_http_requests_total", "route=\"article\",status=\"200\"") ==
		    THREADS * PER_THREAD);
	assert_true(value_of(e, DUR "_count", "") == THREADS * PER_THREAD);
	free(m);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parser_rejects),
		cmocka_unit_test(test_empty_exposition),
		cmocka_unit_test(test_requests_by_route_status),
		cmocka_unit_test(test_route_names),
		cmocka_unit_test(test_bucket_placement),
		cmocka_unit_test(test_cumulative),
		cmocka_unit_test(test_decisions_findings),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_write_cap),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
