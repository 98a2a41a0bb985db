/*
 * serverconf.c — the [server], [site] and [admin] sections of the INI file (libinih).
 * Like [screening], unknown keys are errors: a misspelt rate limit silently
 * ignored would leave a site open to floods.
 */
#include "http/server.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The terms of the seed page, shown above the form unless [site] terms or
 * terms_file replace them. */
static const char default_terms[] =
	"إرسال التعليق يعني موافقة القارئ على شروط الاستخدام التالية: لهيئة التحرير الحق في اختصار التعليق أو عدم نشره، وهذا الشرط يسري بشكل خاص على التعليقات التي تتضمن إساءة إلى الأشخاص أو تعبيرات عنصرية أو التعليقات غير الموضوعية وتلك التي لا تتعلق بالموضوع المُعلق عليه أو تلك المكتوبة بلهجة عامية أو لغة أجنبية غير اللغة العربية. والتعليقات المتكوبة بأسماء رمزية أو بأسماء غير حقيقية سوف لا يتم نشرها هي الأخرى. ويرجى عدم وضع أرقام هواتف لأن التعليقات ستكون متاحة على محرك البحث غوغل وغيره من محركات البحث.";

void raqib_server_conf_defaults(raqib_server_conf *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen, sizeof c->listen, "127.0.0.1:8080");
	snprintf(c->db, sizeof c->db, "raqib.db");
	c->threads = 0;
	c->max_connections = 1024;
	c->per_ip_connections = 0;
	c->connection_timeout = 30;
	c->max_body_bytes = 64 * 1024;
	c->post_rate = 6;
	c->post_burst = 3;
	c->get_rate = 1200;
	c->get_burst = 300;
	c->trust_proxy = false;
	c->ip_retention_days = 30;
	c->min_form_age = 3;
	c->max_form_age = 2 * 3600;
	c->dup_window = 24 * 3600;
	c->access_log = true;
	c->secure_cookies = false;
	c->session_idle = 30 * 60;
	c->session_max = 12 * 3600;
	c->max_failures = 5;
	c->lockout = 900;
	snprintf(c->site_name, sizeof c->site_name, "raqib");
	snprintf(c->timezone, sizeof c->timezone, "Asia/Riyadh");
	snprintf(c->terms, sizeof c->terms, "%s", default_terms);
	c->newest_first = false;
	c->per_page = 50;
}

typedef struct sconf_ctx {
	raqib_server_conf *c;
	const char *path;
	char msg[200];
	char last_key[64];     /* inih calls again with the same key for a continuation line */
} sconf_ctx;

#define SCONF_FAIL(...)                                       \
	do {                                                  \
		snprintf(x->msg, sizeof x->msg, __VA_ARGS__); \
		return 0;                                     \
	} while (0)

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

static int parse_ulong(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long n;

	if (!*v || *v == '-')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int parse_rate(const char *v, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (!*v || errno || *end || !(d >= 0) || d > 1e9)
		return -1;
	*out = d;
	return 0;
}

/* A relative path is taken from the config file's directory (like the
 * model paths of the rule sections). */
static int resolve_path(const char *conf_path, const char *val, char *out, size_t cap)
{
	const char *slash = strrchr(conf_path, '/');
	int n;

	if (val[0] == '/' || !slash)
		n = snprintf(out, cap, "%s", val);
	else
		n = snprintf(out, cap, "%.*s/%s", (int)(slash - conf_path), conf_path, val);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int read_terms_file(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, cap - 1, f);
	if (ferror(f) || !feof(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	out[n] = 0;
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
		out[--n] = 0;
	return raqib_utf8_count(out, n, NULL) < 0 ? -1 : 0;
}

#define UINT_KEY(name, field, lo, hi)                                                     \
	else if (!strcmp(key, name)) {                                                    \
		unsigned long n_;                                                         \
		if (parse_ulong(val, lo, hi, &n_))                                        \
			SCONF_FAIL("%s must be a whole number from %lu to %lu, not '%s'", \
				   name, (unsigned long)(lo), (unsigned long)(hi), val);  \
		c->field = (__typeof__(c->field))n_;                                      \
	}

static int server_key(sconf_ctx *x, const char *key, const char *val)
{
	raqib_server_conf *c = x->c;

	if (!strcmp(key, "listen")) {
		char host[256];
		unsigned port;
		if (raqib_listen_parse(val, host, sizeof host, &port))
			SCONF_FAIL("listen must be HOST:PORT, not '%s'", val);
		snprintf(c->listen, sizeof c->listen, "%s", val);
	} else if (!strcmp(key, "db")) {
		if (!*val || resolve_path(x->path, val, c->db, sizeof c->db))
			SCONF_FAIL("db must be a file path (under %zu bytes)", sizeof c->db);
	} else if (!strcmp(key, "secret_file")) {
		if (!*val)
			c->secret_file[0] = 0;
		else if (resolve_path(x->path, val, c->secret_file, sizeof c->secret_file))
			SCONF_FAIL("secret_file is too long");
	}
	UINT_KEY("threads", threads, 0, 256)
	UINT_KEY("max_connections", max_connections, 1, 1000000)
	UINT_KEY("per_ip_connections", per_ip_connections, 0, 1000000)
	UINT_KEY("connection_timeout", connection_timeout, 1, 3600)
	UINT_KEY("max_body_bytes", max_body_bytes, 1024, 64UL << 20)
	UINT_KEY("ip_retention_days", ip_retention_days, 0, 36500)
	UINT_KEY("min_form_age", min_form_age, 0, 86400)
	UINT_KEY("max_form_age", max_form_age, 1, 365UL * 86400)
	UINT_KEY("dup_window", dup_window, 0, 365UL * 86400)
	else if (!strcmp(key, "post_rate") || !strcmp(key, "post_burst") ||
		 !strcmp(key, "get_rate") || !strcmp(key, "get_burst")) {
		double d;
		if (parse_rate(val, &d))
			SCONF_FAIL("%s must be a number >= 0, not '%s'", key, val);
		if (!strcmp(key, "post_rate"))
			c->post_rate = d;
		else if (!strcmp(key, "post_burst"))
			c->post_burst = d;
		else if (!strcmp(key, "get_rate"))
			c->get_rate = d;
		else
			c->get_burst = d;
	} else if (!strcmp(key, "trust_proxy") || !strcmp(key, "access_log") ||
		   !strcmp(key, "secure_cookies")) {
		bool b;
		if (parse_bool(val, &b))
			SCONF_FAIL("%s must be true or false, not '%s'", key, val);
		if (!strcmp(key, "trust_proxy"))
			c->trust_proxy = b;
		else if (!strcmp(key, "secure_cookies"))
			c->secure_cookies = b;
		else
			c->access_log = b;
	} else if (!strcmp(key, "embed_origins")) {
		if (strlen(val) >= sizeof c->embed_origins)
			SCONF_FAIL("embed_origins is too long");
		snprintf(c->embed_origins, sizeof c->embed_origins, "%s", val);
	} else if (!strcmp(key, "admin_token")) {
		if (strlen(val) >= sizeof c->admin_token)
			SCONF_FAIL("admin_token is too long");
		snprintf(c->admin_token, sizeof c->admin_token, "%s", val);
	} else {
		SCONF_FAIL("unknown key '%s' in [server]", key);
	}
	return 1;
}

static int site_key(sconf_ctx *x, const char *key, const char *val)
{
	raqib_server_conf *c = x->c;
	size_t len = strlen(val);

	if (!strcmp(key, "name")) {
		if (len >= sizeof c->site_name || raqib_utf8_count(val, len, NULL) < 0)
			SCONF_FAIL("name must be UTF-8 under %zu bytes", sizeof c->site_name);
		memcpy(c->site_name, val, len + 1);
	} else if (!strcmp(key, "base_url")) {
		/* it goes into every canonical link and the sitemap as is */
		if (len >= sizeof c->base_url ||
		    (len && strncmp(val, "http://", 7) && strncmp(val, "https://", 8)) ||
		    strpbrk(val, " \t\r\n\"<>"))
			SCONF_FAIL("base_url must be an http:// or https:// URL, not '%s'", val);
		memcpy(c->base_url, val, len + 1);
		while (len && c->base_url[len - 1] == '/')
			c->base_url[--len] = 0;
	} else if (!strcmp(key, "timezone")) {
		if (!len || len >= sizeof c->timezone)
			SCONF_FAIL("timezone must be a zone name like Asia/Riyadh");
		memcpy(c->timezone, val, len + 1);
	} else if (!strcmp(key, "terms")) {
		/* A continuation line (indented) arrives as the same key again. */
		size_t have = strcmp(x->last_key, "terms") ? 0 : strlen(c->terms);
		if (raqib_utf8_count(val, len, NULL) < 0 || have + len + 2 > sizeof c->terms)
			SCONF_FAIL("terms must be UTF-8 under %zu bytes", sizeof c->terms);
		if (have)
			c->terms[have++] = ' ';
		memcpy(c->terms + have, val, len + 1);
	} else if (!strcmp(key, "terms_file")) {
		char p[1024];
		/* empty, as the example shows it: keep the terms */
		if (len && (resolve_path(x->path, val, p, sizeof p) ||
			    read_terms_file(p, c->terms, sizeof c->terms)))
			SCONF_FAIL("terms_file '%s' cannot be read as UTF-8 text under %zu bytes",
				   val, sizeof c->terms);
	} else if (!strcmp(key, "newest_first")) {
		if (parse_bool(val, &c->newest_first))
			SCONF_FAIL("newest_first must be true or false, not '%s'", val);
	}
	UINT_KEY("per_page", per_page, 1, 1000)
	else {
		SCONF_FAIL("unknown key '%s' in [site]", key);
	}
	return 1;
}

static int admin_key(sconf_ctx *x, const char *key, const char *val)
{
	raqib_server_conf *c = x->c;

	if (0) {
	}
	UINT_KEY("session_idle", session_idle, 1, 30UL * 86400)
	UINT_KEY("session_max", session_max, 1, 365UL * 86400)
	UINT_KEY("max_failures", max_failures, 1, 1000)
	UINT_KEY("lockout", lockout, 1, 30UL * 86400)
	else if (!strcmp(key, "webhook_url")) {
		if (strlen(val) >= sizeof c->webhook_url ||
		    (*val && strncmp(val, "http://", 7) && strncmp(val, "https://", 8)) ||
		    strpbrk(val, " \t\r\n"))
			SCONF_FAIL("webhook_url must be an http:// or https:// URL, not '%s'", val);
		snprintf(c->webhook_url, sizeof c->webhook_url, "%s", val);
	} else {
		SCONF_FAIL("unknown key '%s' in [admin]", key);
	}
	return 1;
}

static int sconf_handler(void *user, const char *section, const char *key, const char *val)
{
	sconf_ctx *x = user;
	int rc = 1;

	if (!strcmp(section, "server"))
		rc = server_key(x, key, val);
	else if (!strcmp(section, "site"))
		rc = site_key(x, key, val);
	else if (!strcmp(section, "admin"))
		rc = admin_key(x, key, val);
	snprintf(x->last_key, sizeof x->last_key, "%s", key);
	return rc;
}

int raqib_server_conf_load(raqib_server_conf *c, const char *path, raqib_err *err)
{
	sconf_ctx x;
	FILE *f = fopen(path, "r");
	int line;

	memset(&x, 0, sizeof x);
	x.c = c;
	x.path = path;
	if (!f)
		return raqib_err_set(err, RAQIB_EIO, "%s: %s", path, strerror(errno));
	line = ini_parse_file(f, sconf_handler, &x);
	fclose(f);
	if (line < 0)
		return raqib_err_set(err, RAQIB_EIO, "%s: cannot read", path);
	if (line > 0)
		return raqib_err_set(err, RAQIB_ECONFIG, "%s:%d: %s", path, line,
				     x.msg[0] ? x.msg : "syntax error");
	if (c->min_form_age >= c->max_form_age)
		return raqib_err_set(err, RAQIB_ECONFIG, "%s: min_form_age must be below max_form_age",
				     path);
	return 0;
}

int raqib_listen_parse(const char *listen, char *host, size_t host_cap, unsigned *port)
{
	const char *colon, *h = listen;
	size_t hlen;
	char *end;
	unsigned long p;

	if (listen[0] == '[') {
		const char *rb = strchr(listen, ']');
		if (!rb || rb[1] != ':')
			return -1;
		h = listen + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		/* "fe80::1" must not read as host "fe80:" port 1: an IPv6
		 * address needs its brackets */
		colon = strchr(listen, ':');
		if (!colon || strchr(colon + 1, ':'))
			return -1;
		hlen = (size_t)(colon - listen);
	}
	if (!hlen || hlen >= host_cap || !colon[1])
		return -1;
	/* strtoul alone would take " 80", "+80" and "-0" */
	if (strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5)
		return -1;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p > 65535)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = 0;
	*port = (unsigned)p;
	return 0;
}
