/* Engine tests: config file parsing, decision policy, and property tests over
 * generated comments (spans always inside their field; a shortened text
 * never still contains a 7+ digit run; redaction is idempotent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "model/model.h"
#include "rules/rule.h"

static raqib_engine *ENG;

static int write_conf(char *path, const char *body)
{
	int fd;
	strcpy(path, "/tmp/raqib-conf-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, body, strlen(body)) != (ssize_t)strlen(body)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void test_config_ok(void **state)
{
	raqib_config cfg;
	raqib_err err;
	char path[64];
	(void)state;
	raqib_config_defaults(&cfg);
	assert_int_equal(cfg.rules[RAQIB_RULE_PHONE].action, RAQIB_SHORTEN);
	assert_int_equal(cfg.rules[RAQIB_RULE_HONEYPOT].action, RAQIB_REJECT);
	assert_int_equal(cfg.rules[RAQIB_RULE_DIALECT].action, RAQIB_HOLD);
	assert_string_equal(cfg.phone_marker, "[رقم محذوف]");
	assert_int_equal(write_conf(path,
		"; comment\n[screening]\nmax_text_length = 300\nphone_marker = [هاتف]\n"
		"[rule.dialect]\naction = publish\nthreshold = 0.8\n"
		"[rule.insult]\nenabled = false\n[rule.spam]\nreject_threshold = 0.95\n"), 0);
	assert_int_equal(raqib_config_load(&cfg, path, &err), 0);
	unlink(path);
	assert_int_equal(cfg.max_text_len, 300);
	assert_string_equal(cfg.phone_marker, "[هاتف]");
	assert_int_equal(cfg.rules[RAQIB_RULE_DIALECT].action, RAQIB_PUBLISH);
	assert_true(cfg.rules[RAQIB_RULE_DIALECT].threshold > 0.79f);
	assert_int_equal(cfg.rules[RAQIB_RULE_INSULT].enabled, 0);
	assert_true(cfg.rules[RAQIB_RULE_SPAM].reject_threshold > 0.94f);
}

static void test_config_errors(void **state)
{
	static const struct { const char *body, *msg; } t[] = {
		{"[screening]\nmax_text_lenght = 3\n", ":2: unknown key 'max_text_lenght' in [screening]"},
		{"[rule.phone]\naction = delete\n", ":2: action must be publish, shorten, hold or reject, not 'delete'"},
		{"[rule.phone]\nthreshold = high\n", ":2: threshold must be a number from 0 to 1, not 'high'"},
		{"[rule.phone]\nthreshold = 1.5\n", ":2: threshold must be a number from 0 to 1, not '1.5'"},
		{"[rule.phone]\nthreshold = nan\n", ":2: threshold must be a number from 0 to 1, not 'nan'"},
		{"[rule.spam]\nreject_threshold = NaN\n", ":2: reject_threshold must be a number from 0 to 2"},
		{"[rule.phones]\naction = hold\n", ":2: unknown rule section [rule.phones]"},
		{"\n\n[screening\n", ":3: syntax error"},
		{"[screening]\nmax_text_length = -5\n", ":2: max_text_length must be a positive number of characters, not '-5'"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		raqib_config cfg;
		raqib_err err;
		char path[64];
		raqib_config_defaults(&cfg);
		assert_int_equal(write_conf(path, t[i].body), 0);
		assert_int_equal(raqib_config_load(&cfg, path, &err), RAQIB_ECONFIG);
		unlink(path);
		if (!strstr(err.msg, t[i].msg))
			fail_msg("got '%s', want '...%s'", err.msg, t[i].msg);
	}
	{
		raqib_config cfg;
		raqib_err err;
		raqib_config_defaults(&cfg);
		assert_int_equal(raqib_config_load(&cfg, "/nonexistent/raqib.conf", &err), RAQIB_EIO);
		assert_non_null(strstr(err.msg, "No such file"));
	}
}

static void test_limits(void **state)
{
	raqib_verdict v;
	raqib_err err;
	raqib_comment c = {0};
	char *big = malloc(20001);
	(void)state;
	memset(big, 'a', 20000);
	big[20000] = 0;
	raqib_verdict_init(&v);
	c.text = big;
	c.text_len = 20000;
	c.name = "سالم";
	c.name_len = strlen(c.name);
	assert_int_equal(raqib_screen(ENG, &c, &v, &err), RAQIB_ETOO_LONG);
	assert_string_equal(err.msg, "text is 20000 characters long; the limit is 5000");
	c.text = "نص \xff";
	c.text_len = strlen(c.text);
	assert_int_equal(raqib_screen(ENG, &c, &v, &err), RAQIB_EUTF8);
	assert_string_equal(err.msg, "text: invalid UTF-8 at byte 5");
	raqib_verdict_free(&v);
	free(big);
}

/* Deterministic generator of comment-like text. */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *words[] = {
	"الحكومة", "ليبيا", "حفتر", "المقال", "رائع", "الشعب", "في", "من", "على",
	"مُحَمَّد", "حـــمـــار", "NATO", "Facebook", "😀", "،", ".", "؟", "\u200f",
	"عام 2011", "24.04.2018", "14:52", "200 ألف دولار", "قرار 2259", "45%",
	"\u0661\u0669\u0669\u0663", "الـ60 كيلومتر", "1.4 دينار", "ﻣﺤﻤﺪ",
};
static const char *phones[] = {
	"0912345678", "+218 91 234 5678", "00218-92-1234567", "٠٩١٢٣٤٥٦٧٨",
	"۰۹۱۲۳۴۵۶۷۸", "+20 100 123 4567", "0501234567", "+966 50 123 4567",
	"(091) 234-5678", "091.234.5678", "+49 151 23456789", "٠٥٠ ١٢٣ ٤٥٦٧",
};

static int has_digit_run(const char *s, int min)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	int run = 0;
	while (i < len) {
		uint32_t c;
		size_t k = raqib_utf8_decode(p + i, len - i, &c);
		if (!k)
			return -1;
		if ((c >= '0' && c <= '9') || (c >= 0x660 && c <= 0x669) || (c >= 0x6F0 && c <= 0x6F9)) {
			if (++run >= min)
				return 1;
		} else {
			run = 0;
		}
		i += k;
	}
	return 0;
}

static void test_properties(void **state)
{
	raqib_verdict v, v2;
	raqib_err err;
	char text[4096];
	int shortened = 0;
	(void)state;
	raqib_verdict_init(&v);
	raqib_verdict_init(&v2);
	for (int iter = 0; iter < 2000; iter++) {
		raqib_comment c = {0};
		size_t n = 0;
		int nw = 1 + (int)rnd(25), with_phone = rnd(3) == 0;
		long tl;
		text[0] = 0;
		for (int i = 0; i < nw; i++) {
			const char *w = with_phone && i == nw / 2 ? phones[rnd(sizeof phones / sizeof *phones)]
								  : words[rnd(sizeof words / sizeof *words)];
			n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", i ? " " : "", w);
		}
		c.text = text;
		c.text_len = n;
		c.name = "سالم";
		c.name_len = strlen(c.name);
		assert_int_equal(raqib_screen(ENG, &c, &v, &err), 0);
		tl = raqib_utf8_count(text, n, NULL);
		for (uint32_t i = 0; i < v.nfindings; i++) {
			const raqib_finding *f = &v.findings[i];
			uint32_t lim = f->field == RAQIB_FIELD_TEXT ? (uint32_t)tl : 4;
			assert_true(f->score >= 0.0f && f->score <= 1.0f);
			for (uint32_t j = 0; j < f->nspans; j++) {
				assert_true(f->spans[j].start < f->spans[j].end);
				assert_true(f->spans[j].end <= lim);
			}
			if (i)
				assert_true(v.findings[i - 1].action >= f->action);
		}
		if (with_phone && v.decision != RAQIB_SHORTEN && v.decision != RAQIB_HOLD)
			fail_msg("phone not caught: %s", text);
		if (v.shortened) {
			char again[8192];
			shortened++;
			if (has_digit_run(v.shortened, 7))
				fail_msg("shortened text keeps a 7+ digit run: %s", v.shortened);
			/* redaction is idempotent */
			snprintf(again, sizeof again, "%s", v.shortened);
			c.text = again;
			c.text_len = strlen(again);
			assert_int_equal(raqib_screen(ENG, &c, &v2, &err), 0);
			for (uint32_t i = 0; i < v2.nfindings; i++)
				assert_int_not_equal(v2.findings[i].rule, RAQIB_RULE_PHONE);
		}
	}
	assert_true(shortened > 300);
	raqib_verdict_free(&v);
	raqib_verdict_free(&v2);
}


/* The article cache: a verdict reused across comments on different
 * articles, including one edited in place in the same buffer, gives the
 * same answers as a fresh verdict. */
static void test_article_cache(void **state)
{
	static const char *comment =
		"أرى أن المشير خليفة حفتر قاد الجيش الليبي في بنغازي ضد الجماعات المسلحة وأن حكومة الوفاق في طرابلس عاجزة";
	static const char *art_a =
		"حفتر والجيش الليبي في بنغازي: قاد المشير خليفة حفتر عملية عسكرية ضد الجماعات المسلحة بينما حكومة الوفاق في طرابلس";
	static const char *art_b =
		"أسعار القهوة العالمية ترتفع بسبب الجفاف في البرازيل وتراجع المحاصيل وزيادة الطلب في الأسواق الآسيوية على البن";
	char buf[1024];
	raqib_verdict v, fresh;
	raqib_err err;
	raqib_comment c = {0};
	const char *seq[] = {art_a, art_b, art_a, art_a, art_b};
	(void)state;
	raqib_verdict_init(&v);
	c.text = comment;
	c.text_len = strlen(comment);
	c.name = "سالم الفيتوري";
	c.name_len = strlen(c.name);
	c.title = "مقال";
	c.title_len = strlen(c.title);
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		int off_cached = 0, off_fresh = 0;
		/* same buffer, new content: the cache must notice */
		snprintf(buf, sizeof buf, "%s", seq[i]);
		c.body = buf;
		c.body_len = strlen(buf);
		assert_int_equal(raqib_screen(ENG, &c, &v, &err), 0);
		raqib_verdict_init(&fresh);
		assert_int_equal(raqib_screen(ENG, &c, &fresh, &err), 0);
		for (uint32_t k = 0; k < v.nfindings; k++)
			off_cached |= v.findings[k].rule == RAQIB_RULE_OFF_TOPIC;
		for (uint32_t k = 0; k < fresh.nfindings; k++)
			off_fresh |= fresh.findings[k].rule == RAQIB_RULE_OFF_TOPIC;
		assert_int_equal(off_cached, off_fresh);
		assert_int_equal(off_cached, seq[i] == art_b);
		assert_int_equal(v.decision, fresh.decision);
		raqib_verdict_free(&fresh);
	}
	raqib_verdict_free(&v);
}

static void test_policy(void **state)
{
	raqib_verdict v;
	raqib_err err;
	raqib_comment c = {0};
	(void)state;
	raqib_verdict_init(&v);
	/* honeypot beats everything; phone alone shortens */
	c.text = "للتواصل 0912345678";
	c.text_len = strlen(c.text);
	c.name = "سالم الفيتوري";
	c.name_len = strlen(c.name);
	assert_int_equal(raqib_screen(ENG, &c, &v, &err), 0);
	assert_int_not_equal(v.decision, RAQIB_PUBLISH);
	c.text = "رأيي أن الحل سياسي، رقمي 0912345678";
	c.text_len = strlen(c.text);
	assert_int_equal(raqib_screen(ENG, &c, &v, &err), 0);
	assert_int_equal(v.decision, RAQIB_SHORTEN);
	assert_string_equal(v.shortened, "رأيي أن الحل سياسي، رقمي [رقم محذوف]");
	c.honeypot = "x";
	c.honeypot_len = 1;
	assert_int_equal(raqib_screen(ENG, &c, &v, &err), 0);
	assert_int_equal(v.decision, RAQIB_REJECT);
	assert_int_equal(v.findings[0].rule, RAQIB_RULE_HONEYPOT);
	raqib_verdict_free(&v);
}

/* ---- trained models ------------------------------------------------------ */

#define MODEL_DIR "models" /* the tests run from the repository root */

/* Loads `body` as a config and tries to build an engine; returns its code. */
static int engine_from(const char *body, raqib_engine **eng, raqib_err *err)
{
	raqib_config cfg;
	char path[64];
	int rc;

	raqib_config_defaults(&cfg);
	assert_int_equal(write_conf(path, body), 0);
	rc = raqib_config_load(&cfg, path, err);
	unlink(path);
	if (rc)
		return rc;
	return raqib_engine_new(&cfg, eng, err);
}

static void abs_model(char *buf, size_t cap, const char *rule)
{
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof cwd));
	snprintf(buf, cap, "%s/" MODEL_DIR "/%s.model", cwd, rule);
}

static void test_model_load_errors(void **state)
{
	raqib_engine *eng = NULL;
	raqib_err err;
	char conf[2048], ins[600], dia[600], bad[64];
	unsigned char head[4096];
	lin_model *small = NULL;
	model_dataset *d;
	model_train_opts o = {.rule = "hate", .C = 1.0};
	feat_spec spec;
	FILE *f;
	int fd;

	(void)state;
	abs_model(ins, sizeof ins, "insult");
	abs_model(dia, sizeof dia, "dialect");

	/* missing file */
	assert_int_equal(engine_from("[rule.insult]\nmodel = /nonexistent/insult.model\n",
				     &eng, &err), RAQIB_EIO);
	assert_null(eng);
	assert_non_null(strstr(err.msg, "/nonexistent/insult.model"));

	/* truncated (corrupt) file: the first 4 KiB of a real model */
	f = fopen(ins, "rb");
	assert_non_null(f);
	assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
	fclose(f);
	strcpy(bad, "/tmp/raqib-model-XXXXXX");
	fd = mkstemp(bad);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, head, sizeof head), (ssize_t)sizeof head);
	close(fd);
	snprintf(conf, sizeof conf, "[rule.insult]\nmodel = %s\n", bad);
	assert_int_equal(engine_from(conf, &eng, &err), RAQIB_EDATA);
	assert_non_null(strstr(err.msg, "truncated"));

	/* a model for another rule */
	snprintf(conf, sizeof conf, "[rule.insult]\nmodel = %s\n", dia);
	assert_int_equal(engine_from(conf, &eng, &err), RAQIB_EDATA);
	assert_non_null(strstr(err.msg, "model for rule dialect"));

	/* two models with different feature specs cannot share one pass */
	feat_spec_default(&spec);
	spec.hash_bits = 16;
	d = model_dataset_new(&spec);
	assert_non_null(d);
	assert_int_equal(model_dataset_add(d, "العرب كلهم كذا", strlen("العرب كلهم كذا"), true, &err), 0);
	assert_int_equal(model_dataset_add(d, "مقال جميل شكرا", strlen("مقال جميل شكرا"), false, &err), 0);
	assert_int_equal(model_train(d, NULL, &o, &small, NULL, &err), 0);
	model_dataset_free(d);
	assert_int_equal(model_save(small, bad, &err), 0);
	model_free(small);
	snprintf(conf, sizeof conf, "[rule.insult]\nmodel = %s\n[rule.hate]\nmodel = %s\n", ins, bad);
	assert_int_equal(engine_from(conf, &eng, &err), RAQIB_EDATA);
	assert_non_null(strstr(err.msg, "different feature specs"));
	/* alone, that model loads */
	snprintf(conf, sizeof conf, "[rule.hate]\nmodel = %s\n", bad);
	assert_int_equal(engine_from(conf, &eng, &err), 0);
	raqib_engine_free(eng);
	eng = NULL;
	unlink(bad);

	/* config errors */
	assert_int_equal(engine_from("[rule.phone]\nmodel = x.model\n", &eng, &err), RAQIB_ECONFIG);
	assert_non_null(strstr(err.msg, "takes no model"));
	assert_int_equal(engine_from("[rule.insult]\nmodel_threshold = 1\n", &eng, &err),
			 RAQIB_ECONFIG);
}

/* A relative model path is read from the config file's directory. */
static void test_model_relative_path(void **state)
{
	raqib_config cfg;
	raqib_err err;
	char path[64];

	(void)state;
	raqib_config_defaults(&cfg);
	assert_int_equal(write_conf(path, "[rule.dialect]\nmodel = m/d.model\n"
				    "[rule.foreign]\nmodel = /abs/f.model\n[rule.hate]\nmodel = none\n"), 0);
	assert_int_equal(raqib_config_load(&cfg, path, &err), 0);
	unlink(path);
	assert_string_equal(cfg.rules[RAQIB_RULE_DIALECT].model, "/tmp/m/d.model");
	assert_string_equal(cfg.rules[RAQIB_RULE_FOREIGN].model, "/abs/f.model");
	assert_string_equal(cfg.rules[RAQIB_RULE_HATE].model, "");
	assert_string_equal(cfg.rules[RAQIB_RULE_INSULT].model, ""); /* default: off */
}

static const raqib_finding *finding_of(const raqib_verdict *v, raqib_rule r)
{
	for (uint32_t i = 0; i < v->nfindings; i++)
		if (v->findings[i].rule == r && v->findings[i].field == RAQIB_FIELD_TEXT)
			return &v->findings[i];
	return NULL;
}

/* The code point at index i of UTF-8 text s (0 past the end). */
static uint32_t cp_at(const char *s, uint32_t i)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	uint32_t c = 0;

	while (p < end) {
		p += raqib_utf8_decode(p, (size_t)(end - p), &c);
		if (i-- == 0)
			return c;
	}
	return 0;
}

/* An engine with the shipped model of `rule` switched on. */
static raqib_engine *model_engine(const char *rule)
{
	raqib_engine *eng = NULL;
	raqib_err err;
	char conf[700], path[600];

	abs_model(path, sizeof path, rule);
	snprintf(conf, sizeof conf, "[rule.%s]\nmodel = %s\n", rule, path);
	assert_int_equal(engine_from(conf, &eng, &err), 0);
	return eng;
}

/* A comment signed with a real name, so only its text is judged. */
static raqib_comment signed_comment(const char *text)
{
	raqib_comment c = {0};

	c.name = "أحمد محمود";
	c.name_len = strlen(c.name);
	c.text = text;
	c.text_len = strlen(text);
	return c;
}

/* "قليل حيا" (shameless) is in no word list (it has قليل الحياء, and
 * حيا without the hamza is another word); the model holds it and points
 * at the words. A civil comment stays published. */
static void test_model_insult_span(void **state)
{
	const char *insult = "ياخي انت قليل حيا", *civil = "شكرا على هذا المقال المفيد";
	const char *spaced = "هؤلاء اليهود الخنازير لا عهد لهم وكل العرب يعرفون ذلك منذ زمن بعيد";
	raqib_engine *eng;
	raqib_verdict v;
	raqib_comment c = signed_comment(insult);
	raqib_err err;
	const raqib_finding *f;
	bool covered = false;

	(void)state;
	raqib_verdict_init(&v);
	/* without the model: published */
	assert_int_equal(raqib_screen(ENG, &c, &v, &err), 0);
	assert_int_equal(v.decision, RAQIB_PUBLISH);

	eng = model_engine("insult");
	assert_int_equal(raqib_screen(eng, &c, &v, &err), 0);
	assert_int_equal(v.decision, RAQIB_HOLD);
	f = finding_of(&v, RAQIB_RULE_INSULT);
	assert_non_null(f);
	assert_true(f->score >= 0.5f);
	assert_true(f->nspans >= 1);
	for (uint32_t i = 0; i < f->nspans; i++) {
		assert_true(f->spans[i].start < f->spans[i].end && f->spans[i].end <= 17);
		if (i)
			assert_true(f->spans[i].start > f->spans[i - 1].end);
		covered |= f->spans[i].start <= 9 && f->spans[i].end >= 13; /* covers قليل */
	}
	assert_true(covered);

	c = signed_comment(civil);
	assert_int_equal(raqib_screen(eng, &c, &v, &err), 0);
	assert_int_equal(v.decision, RAQIB_PUBLISH);

	/* Spans are whole words: word-final n-grams ("لك ") end with the
	 * boundary space, and the span must not (it once gave "ذلك "). */
	c = signed_comment(spaced);
	assert_int_equal(raqib_screen(eng, &c, &v, &err), 0);
	f = finding_of(&v, RAQIB_RULE_INSULT);
	assert_non_null(f);
	assert_true(f->nspans >= 3);
	for (uint32_t i = 0; i < f->nspans; i++) {
		assert_true(f->spans[i].start < f->spans[i].end);
		assert_int_not_equal(cp_at(spaced, f->spans[i].start), ' ');
		assert_int_not_equal(cp_at(spaced, f->spans[i].end - 1), ' ');
	}
	raqib_verdict_free(&v);
	raqib_engine_free(eng);
}

/* A short Persian comment: the share of Persian letters (a dense signal,
 * with no place in the text) is the strongest reason. The finding must
 * still point at words, never come with no span. */
static void test_model_foreign_dense_span(void **state)
{
	const char *persian = "مرسی خیلی ممنون";
	raqib_engine *eng = model_engine("foreign");
	raqib_verdict v;
	raqib_comment c = signed_comment(persian);
	raqib_err err;
	const raqib_finding *f;
	uint32_t ncp = 15; /* code points of `persian` */

	(void)state;
	raqib_verdict_init(&v);
	assert_int_equal(raqib_screen(eng, &c, &v, &err), 0);
	f = finding_of(&v, RAQIB_RULE_FOREIGN);
	assert_non_null(f);
	assert_true(f->score >= 0.5f);
	assert_true(f->nspans >= 1);
	for (uint32_t i = 0; i < f->nspans; i++)
		assert_true(f->spans[i].start < f->spans[i].end && f->spans[i].end <= ncp);
	raqib_verdict_free(&v);
	raqib_engine_free(eng);
}

/* The pseudonym finding of a verdict, as text (score and spans), or "". */
static void name_finding(const raqib_verdict *v, char *buf, size_t cap)
{
	size_t k = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < v->nfindings; i++) {
		const raqib_finding *f = &v->findings[i];
		if (f->rule != RAQIB_RULE_PSEUDONYM)
			continue;
		k += (size_t)snprintf(buf + k, cap - k, "%.9g:", (double)f->score);
		for (uint32_t j = 0; j < f->nspans && k < cap; j++)
			k += (size_t)snprintf(buf + k, cap - k, "[%u,%u]", f->spans[j].start,
					      f->spans[j].end);
	}
}

static void screen_name(const raqib_engine *eng, raqib_verdict *v, const char *name,
			char *buf, size_t cap)
{
	raqib_comment c = {0};
	raqib_err err;

	c.name = name;
	c.name_len = strlen(name);
	c.text = "مقال جيد عن الاقتصاد";
	c.text_len = strlen(c.text);
	assert_int_equal(raqib_screen(eng, &c, v, &err), 0);
	name_finding(v, buf, cap);
}

static const char *const memo_names[] = {
	"nightwizard",    /* the model alone, with its explanation */
	"shadowhunter",
	"عاشق الغربة",    /* a frame and the model */
	"محمد علي",       /* a person */
	"Karim Haddad",
	"abu_99",         /* a handle */
	"الفقر في الوطن غربه", /* a sentence for a name */
	"حارس الليل",     /* a nickname frame */
	"نور",            /* a name: nothing to say, also remembered */
	/* more spans than a memo entry keeps: judged afresh every time */
	"زائر ابن البلد عاشق الوطن صقر الجارح محب مصر",
	/* over the memo's 62 bytes: never kept */
	"عبد الرحمن بن عبد العزيز بن محمد آل سعود الشمري",
};
#define NMEMO (sizeof memo_names / sizeof memo_names[0])

/* A verdict that has seen a name answers for it exactly as a fresh one:
 * the memo (pseudonym.c) holds the model's numbers and the rule's whole
 * answer, score and spans. */
static void test_name_memo_same_answers(void **state)
{
	raqib_engine *eng = NULL;
	raqib_verdict v;
	raqib_err err;
	char fresh[NMEMO][512], again[512];
	int fired = 0;

	(void)state;
	assert_int_equal(engine_from("", &eng, &err), 0);
	for (size_t i = 0; i < NMEMO; i++) {
		raqib_verdict_init(&v);
		screen_name(eng, &v, memo_names[i], fresh[i], sizeof fresh[i]);
		raqib_verdict_free(&v);
		fired += fresh[i][0] != '\0';
	}
	assert_true(fired >= 4);
	raqib_verdict_init(&v);
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < NMEMO; i++) {
			screen_name(eng, &v, memo_names[i], again, sizeof again);
			assert_string_equal(again, fresh[i]);
		}
	raqib_verdict_free(&v);
	raqib_engine_free(eng);
}

/* A memo filled under one engine does not answer for another: here a
 * second engine whose name model says the opposite of the built-in one. */
static void test_name_memo_per_engine(void **state)
{
	static const char *const pos[] = {"محمد علي", "Karim Haddad", "خالد"};
	static const char *const neg[] = {"nightwizard", "shadowhunter", "abu_99"};
	raqib_engine *e1 = NULL, *e2 = NULL, *e1b = NULL;
	raqib_verdict v, w;
	raqib_err err;
	model_train_opts o = {.rule = "pseudonym", .C = 1.0};
	model_dataset *d;
	lin_model *inv = NULL;
	char path[] = "/tmp/raqib_engine_test_XXXXXX", conf[128];
	char a[512], b[512], a1[512];
	size_t len;
	int differ = 0;
	const void *img = rule_pseudonym_model(&len);
	lin_model *builtin = NULL;
	int fd;

	(void)state;
	assert_int_equal(model_from_memory(img, len, &builtin, &err), 0);
	d = model_dataset_new(model_spec(builtin));
	assert_non_null(d);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(model_dataset_add(d, pos[i], strlen(pos[i]), true, &err), 0);
		assert_int_equal(model_dataset_add(d, neg[i], strlen(neg[i]), false, &err), 0);
	}
	assert_int_equal(model_train(d, NULL, &o, &inv, NULL, &err), 0);
	model_dataset_free(d);
	model_free(builtin);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(model_save(inv, path, &err), 0);
	model_free(inv);
	snprintf(conf, sizeof conf, "[rule.pseudonym]\nmodel = %s\n", path);
	assert_int_equal(engine_from("", &e1, &err), 0);
	assert_int_equal(engine_from(conf, &e2, &err), 0);

	raqib_verdict_init(&v);
	for (size_t i = 0; i < NMEMO; i++) {
		/* v has seen the name under e1; w is fresh */
		screen_name(e1, &v, memo_names[i], a1, sizeof a1);
		screen_name(e2, &v, memo_names[i], a, sizeof a);
		raqib_verdict_init(&w);
		screen_name(e2, &w, memo_names[i], b, sizeof b);
		raqib_verdict_free(&w);
		assert_string_equal(a, b);
		differ += strcmp(a1, b) != 0;
	}
	/* the two models disagree, so a memo shared across them would show */
	assert_true(differ >= 2);
	/* a new engine where e1 was (malloc may reuse the address) */
	raqib_engine_free(e1);
	assert_int_equal(engine_from(conf, &e1b, &err), 0);
	screen_name(e1b, &v, "nightwizard", a, sizeof a);
	raqib_verdict_init(&w);
	screen_name(e1b, &w, "nightwizard", b, sizeof b);
	raqib_verdict_free(&w);
	assert_string_equal(a, b);
	unlink(path);
	raqib_verdict_free(&v);
	raqib_engine_free(e1b);
	raqib_engine_free(e2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_ok),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_article_cache),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_model_load_errors),
		cmocka_unit_test(test_model_relative_path),
		cmocka_unit_test(test_model_insult_span),
		cmocka_unit_test(test_model_foreign_dense_span),
		cmocka_unit_test(test_name_memo_same_answers),
		cmocka_unit_test(test_name_memo_per_engine),
	};
	raqib_config cfg;
	raqib_err err;
	int rc;
	raqib_config_defaults(&cfg);
	if (raqib_engine_new(&cfg, &ENG, &err)) {
		fprintf(stderr, "engine: %s\n", err.msg);
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	raqib_engine_free(ENG);
	return rc;
}
