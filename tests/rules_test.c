/*
 * rules_test — runs the rule cases of tests/rules/<rule>.test (format in
 * tests/rules/README.md) through the real engine with the default config.
 * One cmocka test per file; every failed assertion is printed with its file
 * and line. At the end, per rule: fires/quiet assertions that held, i.e. the
 * true/false positives/negatives the README's precision/recall come from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static raqib_engine *ENG;
static unsigned tp[RAQIB_RULE_COUNT], fp[RAQIB_RULE_COUNT], tn[RAQIB_RULE_COUNT],
	fn[RAQIB_RULE_COUNT];

#define MAXV 16384

typedef struct tcase {
	int line;
	char text[MAXV], name[1024], honeypot[1024], title[2048], body[MAXV], caption[2048];
	int has_name, has_article;
	char asserts[32][MAXV / 4];
	int nasserts;
	int assert_line[32];
} tcase;

static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == '\\' && r[1]) {
			r++;
			*w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

static long cp_offset(const char *s, size_t bytes)
{
	return raqib_utf8_count(s, bytes, NULL);
}

static const raqib_finding *find(const raqib_verdict *v, int rule, raqib_field f)
{
	for (uint32_t i = 0; i < v->nfindings; i++)
		if ((int)v->findings[i].rule == rule && v->findings[i].field == f)
			return &v->findings[i];
	return NULL;
}

static int has_rule(const raqib_verdict *v, int rule)
{
	return find(v, rule, RAQIB_FIELD_TEXT) || find(v, rule, RAQIB_FIELD_NAME);
}

static int rule_arg(const char *file, int line, const char *s, const char **rest)
{
	size_t n = strcspn(s, " ");
	int r = raqib_rule_from_name(s, n);
	if (r < 0) {
		print_error("%s:%d: unknown rule '%.*s'\n", file, line, (int)n, s);
		return -1;
	}
	*rest = s[n] ? s + n + 1 : s + n;
	return r;
}

static void describe(const raqib_verdict *v)
{
	print_error("    got decision %s:", raqib_action_name(v->decision));
	for (uint32_t i = 0; i < v->nfindings; i++) {
		const raqib_finding *f = &v->findings[i];
		print_error(" %s(%s %.2f", raqib_rule_name(f->rule), raqib_field_name(f->field), (double)f->score);
		for (uint32_t j = 0; j < f->nspans; j++)
			print_error(" [%u,%u)", f->spans[j].start, f->spans[j].end);
		print_error(")");
	}
	print_error("\n");
}

static int check_span(const char *file, int line, const raqib_verdict *v, int rule,
		      raqib_field fld, const char *field_text, const char *sub)
{
	const char *at = strstr(field_text, sub);
	const raqib_finding *f = find(v, rule, fld);
	long s, e;

	if (!at) {
		print_error("%s:%d: span substring not in the field\n", file, line);
		return 0;
	}
	s = cp_offset(field_text, (size_t)(at - field_text));
	e = s + cp_offset(sub, strlen(sub));
	if (f)
		for (uint32_t j = 0; j < f->nspans; j++)
			if (f->spans[j].start == s && f->spans[j].end == e)
				return 1;
	print_error("%s:%d: %s has no span [%ld,%ld) for '%s'\n", file, line,
		    raqib_rule_name((raqib_rule)rule), s, e, sub);
	return 0;
}

static int run_case(const char *file, tcase *c, raqib_verdict *v)
{
	raqib_comment cm = {0};
	raqib_err err;
	int ok = 1;

	cm.text = c->text;
	cm.text_len = strlen(c->text);
	cm.name = c->has_name ? c->name : "أحمد محمود";
	cm.name_len = strlen(cm.name);
	cm.honeypot = c->honeypot;
	cm.honeypot_len = strlen(c->honeypot);
	if (c->has_article) {
		cm.title = c->title;
		cm.title_len = strlen(c->title);
		cm.body = c->body;
		cm.body_len = strlen(c->body);
		if (*c->caption) {
			cm.caption = c->caption;
			cm.caption_len = strlen(c->caption);
		}
	}
	if (raqib_screen(ENG, &cm, v, &err)) {
		print_error("%s:%d: screen failed: %s\n", file, c->line, err.msg);
		return 0;
	}
	for (int i = 0; i < c->nasserts; i++) {
		char *a = c->asserts[i], *val = strchr(a, ':');
		const char *rest;
		int line = c->assert_line[i], r, good = 1;
		*val = 0;
		val += 1 + (val[1] == ' ');
		if (!strcmp(a, "decision")) {
			good = !strcmp(raqib_action_name(v->decision), val);
			if (!good)
				print_error("%s:%d: decision %s, want %s\n", file, line,
					    raqib_action_name(v->decision), val);
		} else if (!strcmp(a, "fires") || !strcmp(a, "quiet")) {
			int want = a[0] == 'f', got;
			if ((r = rule_arg(file, line, val, &rest)) < 0)
				return 0;
			got = has_rule(v, r);
			if (want)
				got ? tp[r]++ : fn[r]++;
			else
				got ? fp[r]++ : tn[r]++;
			good = got == want;
			if (!good)
				print_error("%s:%d: %s %s expected\n", file, line,
					    raqib_rule_name((raqib_rule)r), want ? "finding" : "no finding");
		} else if (!strcmp(a, "span") || !strcmp(a, "namespan")) {
			if ((r = rule_arg(file, line, val, &rest)) < 0)
				return 0;
			good = a[0] == 's'
				? check_span(file, line, v, r, RAQIB_FIELD_TEXT, cm.text, rest)
				: check_span(file, line, v, r, RAQIB_FIELD_NAME, cm.name, rest);
		} else if (!strcmp(a, "shortened")) {
			good = v->shortened && !strcmp(v->shortened, val);
			if (!good)
				print_error("%s:%d: shortened '%s', want '%s'\n", file, line,
					    v->shortened ? v->shortened : "(none)", val);
		} else {
			print_error("%s:%d: unknown key '%s'\n", file, line, a);
			good = 0;
		}
		if (!good)
			ok = 0;
	}
	if (!ok)
		describe(v);
	return ok;
}

static void test_file(void **state)
{
	const char *file = *state;
	FILE *f = fopen(file, "r");
	static char line[MAXV * 2];
	static tcase c;
	raqib_verdict v;
	int lineno = 0, in_case = 0, failures = 0, cases = 0;

	assert_non_null(f);
	raqib_verdict_init(&v);
	memset(&c, 0, sizeof c);
	for (;;) {
		char *got = fgets(line, sizeof line, f);
		size_t n;
		if (got) {
			lineno++;
			n = strlen(line);
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = 0;
		}
		if (!got || line[0] == 0) {
			if (in_case) {
				if (!c.text[0] && !c.nasserts)
					;
				else if (!run_case(file, &c, &v))
					failures++;
				cases++;
				memset(&c, 0, sizeof c);
				in_case = 0;
			}
			if (!got)
				break;
			continue;
		}
		if (line[0] == '#')
			continue;
		if (!in_case) {
			in_case = 1;
			c.line = lineno;
		}
		{
			char *colon = strchr(line, ':');
			char *val;
			if (!colon) {
				print_error("%s:%d: expected 'key: value'\n", file, lineno);
				failures++;
				continue;
			}
			val = colon + 1 + (colon[1] == ' ');
			*colon = 0;
			unescape(val);
			if (!strcmp(line, "text"))
				snprintf(c.text, sizeof c.text, "%s", val);
			else if (!strcmp(line, "name")) {
				snprintf(c.name, sizeof c.name, "%s", val);
				c.has_name = 1;
			} else if (!strcmp(line, "honeypot"))
				snprintf(c.honeypot, sizeof c.honeypot, "%s", val);
			else if (!strcmp(line, "title")) {
				snprintf(c.title, sizeof c.title, "%s", val);
				c.has_article = 1;
			} else if (!strcmp(line, "body")) {
				snprintf(c.body, sizeof c.body, "%s", val);
				c.has_article = 1;
			} else if (!strcmp(line, "caption")) {
				snprintf(c.caption, sizeof c.caption, "%s", val);
				c.has_article = 1;
			} else if (c.nasserts < 32) {
				size_t kl = strlen(line), vl = strlen(val);
				if (kl + vl + 3 > sizeof c.asserts[0]) {
					print_error("%s:%d: value too long\n", file, lineno);
					failures++;
					continue;
				}
				memcpy(c.asserts[c.nasserts], line, kl);
				memcpy(c.asserts[c.nasserts] + kl, ": ", 2);
				memcpy(c.asserts[c.nasserts] + kl + 2, val, vl + 1);
				c.assert_line[c.nasserts++] = lineno;
			}
		}
	}
	fclose(f);
	raqib_verdict_free(&v);
	print_message("%s: %d cases, %d failed\n", file, cases, failures);
	assert_int_equal(failures, 0);
	assert_true(cases > 0);
}

int main(int argc, char **argv)
{
	struct CMUnitTest *tests = calloc((size_t)argc, sizeof *tests);
	raqib_config cfg;
	raqib_err err;
	int rc;

	raqib_config_defaults(&cfg);
	if (raqib_engine_new(&cfg, &ENG, &err)) {
		fprintf(stderr, "engine: %s\n", err.msg);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		tests[i - 1].name = argv[i];
		tests[i - 1].test_func = test_file;
		tests[i - 1].initial_state = argv[i];
	}
	rc = _cmocka_run_group_tests("rules", tests, (size_t)(argc - 1), NULL, NULL);
	printf("\nrule        fires-held  quiet-held  precision  recall\n");
	for (int r = 0; r < RAQIB_RULE_COUNT; r++) {
		unsigned p = tp[r] + fp[r], a = tp[r] + fn[r];
		if (!p && !a && !tn[r])
			continue;
		printf("%-11s %4u/%-4u   %4u/%-4u   %8.3f  %6.3f\n", raqib_rule_name((raqib_rule)r),
		       tp[r], tp[r] + fn[r], tn[r], tn[r] + fp[r],
		       p ? (double)tp[r] / p : 1.0, a ? (double)tp[r] / a : 1.0);
	}
	raqib_engine_free(ENG);
	free(tests);
	return rc;
}
