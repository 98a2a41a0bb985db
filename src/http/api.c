/*
 * api.c — the JSON API of docs/http.md (/api/v1): comments of an article
 * (GET, POST) for the widget and other programs, articles (PUT, GET) for
 * the newsroom's CMS behind the admin bearer token.
 */
#include "http/httpd.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define JSON_CT "application/json; charset=utf-8"

static enum MHD_Result send_json(http_ctx *x, unsigned status, json_t *j, int flags)
{
	char *s;
	struct MHD_Response *resp;
	size_t len;

	if (!j)
		return http_json_error(x, 500, "out of memory");
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(j);
	if (!s)
		return http_json_error(x, 500, "out of memory");
	len = strlen(s);
	s[len] = 0;
	x->rq->bytes = len;
	resp = MHD_create_response_from_buffer_with_free_callback(len, s, free);
	if (!resp) {
		free(s);
		return MHD_NO;
	}
	return http_queue(x, status, resp, JSON_CT, flags | HTTP_H_CORS);
}

enum MHD_Result http_preflight(http_ctx *x, const char *allow)
{
	struct MHD_Response *resp;
	const char *o = http_cors_origin(x);

	if (!o)
		return http_json_error(x, 403, "origin not allowed");
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Access-Control-Allow-Methods", allow);
	MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Content-Type");
	MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
	return http_queue(x, 204, resp, NULL, HTTP_H_CORS | HTTP_H_NOSTORE);
}

/* Posts from a browser carry an Origin: this site or an embed origin. */
static bool origin_ok(http_ctx *x)
{
	const char *origin = http_header(x, "Origin");
	const char *host, *o;
	size_t bl = strlen(x->s->base);

	if (!origin || !strcmp(origin, "null") ||
	    http_origin_allowed(x->s, origin, strlen(origin)))
		return true;
	host = http_header(x, MHD_HTTP_HEADER_HOST);
	o = strstr(origin, "://");
	return (host && o && !strcmp(o + 3, host)) ||
	       (!strncmp(origin, x->s->base, bl) && origin[bl] == 0);
}

static json_t *parse_body(http_ctx *x, const char **why)
{
	json_error_t je;
	json_t *j;

	if (raqib_utf8_count(x->body, x->body_len, NULL) < 0) {
		*why = "invalid UTF-8";
		return NULL;
	}
	j = json_loadb(x->body, x->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		*why = "malformed JSON";
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*why = "malformed JSON: an object is expected";
		return NULL;
	}
	return j;
}

/* A string member: 0 ok (or absent when optional, *out = NULL), -1 wrong
 * type or missing. */
static int get_str(json_t *o, const char *key, bool required, const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return required ? -1 : 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

static char *article_url(http_ctx *x, const char *slug)
{
	raqib_arena *ar = http_arena(x);
	size_t n = strlen(x->s->base) + strlen(slug) + 8;
	char *p = ar ? raqib_arena_alloc(ar, n) : NULL;
	if (p)
		snprintf(p, n, "%s/a/%s", x->s->base, slug);
	return p;
}

static json_t *comment_json(const raqib_comment_row *r)
{
	char iso[40], t[32];

	raqib_format_iso(iso, sizeof iso, r->created_at);
	raqib_format_time(t, sizeof t, r->created_at);
	return json_pack("{s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)r->id, "name", r->name,
			 "text", r->text_public, "created_at", iso, "time", t);
}

/* The article the URL names, read into the request's arena *ar. Returns 0,
 * or -1 with *res the answer (404 unknown, 500 storage error, MHD_NO
 * without an arena). */
static int url_article(http_ctx *x, raqib_arena **ar, raqib_article *a, enum MHD_Result *res)
{
	raqib_err err = {0, ""};
	int rc;

	*ar = http_arena(x);
	if (!*ar) {
		*res = MHD_NO;
		return -1;
	}
	rc = raqib_store_article_get(x->s->st, x->slug, *ar, a, &err);
	if (!rc)
		return 0;
	if (rc == RAQIB_STORE_NOTFOUND) {
		*res = http_json_error(x, 404, "unknown article");
	} else {
		fprintf(stderr, "raqib serve: reading %s: %s\n", x->slug, err.msg);
		*res = http_json_error(x, 500, "storage error");
	}
	return -1;
}

static enum MHD_Result get_comments(http_ctx *x)
{
	raqib_arena *ar;
	raqib_err err = {0, ""};
	raqib_article a;
	raqib_comment_row *rows = NULL;
	size_t n = 0, total = 0, i, page = http_page_arg(x);
	char token[128];
	json_t *arr, *j;
	enum MHD_Result res;

	if (url_article(x, &ar, &a, &res))
		return res;
	if (raqib_store_comments_public(x->s->st, a.id, x->s->conf.newest_first, page,
					x->s->conf.per_page, ar, &rows, &n, &total, &err)) {
		fprintf(stderr, "raqib serve: reading %s: %s\n", x->slug, err.msg);
		return http_json_error(x, 500, "storage error");
	}
	raqib_form_token_make(x->s->key, x->slug, http_now(), token, sizeof token);
	arr = json_array();
	for (i = 0; arr && i < n; i++)
		json_array_append_new(arr, comment_json(&rows[i]));
	j = json_pack("{s:{s:s,s:s,s:s?},s:I,s:I,s:I,s:s,s:o?}", "article", "slug", a.slug,
		      "title", a.title, "url", article_url(x, a.slug), "page", (json_int_t)page,
		      "per_page", (json_int_t)x->s->conf.per_page, "total", (json_int_t)total,
		      "token", token, "comments", arr);
	return send_json(x, 200, j, HTTP_H_NOSTORE);
}

static enum MHD_Result post_comment(http_ctx *x)
{
	const char *why = NULL, *name, *text, *hp, *token;
	raqib_arena *ar = http_arena(x);
	http_post_in in;
	http_post_out out;
	json_t *j, *reasons, *res;

	if (!ar)
		return MHD_NO;
	if (!origin_ok(x))
		return http_json_error(x, 403, "origin not allowed");
	if (!http_ctype_is(x, "application/json"))
		return http_json_error(x, 415, "Content-Type must be application/json");
	j = parse_body(x, &why);
	if (!j)
		return http_json_error(x, 400, why);
	if (get_str(j, "name", true, &name)) {
		json_decref(j);
		return http_json_error(x, 400, "missing or wrong-typed field: name (a string)");
	}
	if (get_str(j, "text", true, &text)) {
		json_decref(j);
		return http_json_error(x, 400, "missing or wrong-typed field: text (a string)");
	}
	if (get_str(j, "honeypot", false, &hp) || get_str(j, "token", false, &token)) {
		json_decref(j);
		return http_json_error(x, 400, "wrong-typed field: honeypot and token are strings");
	}
	memset(&in, 0, sizeof in);
	in.name = name;
	in.text = text;
	in.honeypot = hp;
	in.token = token;
	in.reader_checks = true;
	if (http_post_comment(x->s, x->rq->iphash, x->slug, &in, ar, &out)) {
		json_decref(j);
		if (out.status == 429)
			return http_json_error_retry(x, 429, out.error, out.retry_after);
		return http_json_error(x, out.status, out.error);
	}
	reasons = json_loads(out.row.reasons_json, 0, NULL);
	res = json_pack("{s:I,s:s,s:s,s:o,s:s}", "id", (json_int_t)out.row.id, "status",
			raqib_status_name(out.row.status), "text",
			raqib_status_public(out.row.status) ? out.row.text_public : out.row.text,
			"reasons", reasons ? reasons : json_array(), "message",
			http_notice_ar(ar, out.row.status, out.row.reasons_json));
	json_decref(j);   /* after the pack: the row's strings point into it */
	return send_json(x, 201, res, HTTP_H_NOSTORE);
}

enum MHD_Result http_route_api_comments(http_ctx *x)
{
	if (!strcmp(x->method, "OPTIONS"))
		return http_preflight(x, "GET, HEAD, POST, OPTIONS");
	if (!strcmp(x->method, "GET"))
		return get_comments(x);
	if (!strcmp(x->method, "POST"))
		return post_comment(x);
	return http_method_not_allowed(x, "GET, HEAD, POST, OPTIONS", true);
}

/* ---- articles (admin) ---- */

/* Exactly n ASCII digits at s (stops at a NUL, never reads past it); -1
 * otherwise. sscanf's %d would take " 1", "+1" and "-1". */
static int iso_digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* ISO 8601 "YYYY-MM-DD[THH:MM[:SS][.fff]][Z|±HH[:]MM]" (no zone = UTC).
 * Impossible dates (2024-02-30) are refused, not rolled over by timegm. */
int raqib_parse_iso(const char *s, int64_t *out)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	long off = 0;

	if ((y = iso_digits(s, 4)) < 0 || s[4] != '-' || (mo = iso_digits(s + 5, 2)) < 0 ||
	    s[7] != '-' || (d = iso_digits(s + 8, 2)) < 0)
		return -1;
	s += 10;
	if (*s == 'T' || *s == ' ') {
		if ((h = iso_digits(s + 1, 2)) < 0 || s[3] != ':' || (mi = iso_digits(s + 4, 2)) < 0)
			return -1;
		s += 6;
		if (*s == ':') {
			if ((sec = iso_digits(s + 1, 2)) < 0)
				return -1;
			s += 3;
			if (*s == '.') {
				if (iso_digits(s + 1, 1) < 0)
					return -1;
				for (s++; *s >= '0' && *s <= '9'; s++)
					;
			}
		}
	}
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int sign = *s == '-' ? -1 : 1, oh, om = 0;
		if ((oh = iso_digits(s + 1, 2)) < 0)
			return -1;
		s += 3;
		if (*s == ':') {
			if ((om = iso_digits(s + 1, 2)) < 0)
				return -1;
			s += 3;
		} else if (*s) {
			if ((om = iso_digits(s, 2)) < 0)
				return -1;
			s += 2;
		}
		if (oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 3600L + om * 60L);
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))) || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) - off;
	return 0;
}

static const char *admin_token(const raqib_server *s)
{
	return s->conf.admin_token[0] ? s->conf.admin_token : NULL;
}

/* 0 ok, else the status to answer. */
static unsigned admin_check(http_ctx *x)
{
	const char *want = admin_token(x->s);
	const char *h = http_header(x, MHD_HTTP_HEADER_AUTHORIZATION);

	if (!want)
		return 403;
	if (!h || strncasecmp(h, "Bearer ", 7))
		return 401;
	h += 7;
	while (*h == ' ')
		h++;
	return raqib_const_eq(h, want) ? 0 : 401;
}

static json_t *article_json(http_ctx *x, const raqib_article *a)
{
	char pub[40], upd[40];
	json_t *rel = json_array();
	size_t i;

	raqib_format_iso(pub, sizeof pub, a->published_at ? a->published_at : a->created_at);
	raqib_format_iso(upd, sizeof upd, a->updated_at);
	for (i = 0; rel && i < a->nrelated; i++)
		json_array_append_new(rel, json_pack("{s:s,s:s}", "title", a->related[i].title,
						     "url", a->related[i].url));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o?,s:I,s:s?}", "slug", a->slug,
			 "title", a->title, "body", a->body, "caption", a->caption, "image_url",
			 a->image_url, "author", a->author, "published_at", pub, "updated_at", upd,
			 "related", rel, "comments", (json_int_t)a->ncomments_public, "url",
			 article_url(x, a->slug));
}

static enum MHD_Result get_article(http_ctx *x)
{
	raqib_arena *ar;
	raqib_article a;
	enum MHD_Result res;

	if (url_article(x, &ar, &a, &res))
		return res;
	return send_json(x, 200, article_json(x, &a), HTTP_H_NOSTORE);
}

static bool url_ok(const char *u)
{
	return (!strncmp(u, "https://", 8) || !strncmp(u, "http://", 7) ||
		(u[0] == '/' && u[1] != '/')) &&
	       !strpbrk(u, " \t\r\n\"<>");
}

static enum MHD_Result put_article(http_ctx *x)
{
	const char *why = NULL;
	raqib_arena *ar = http_arena(x);
	raqib_err err = {0, ""};
	raqib_article a;
	raqib_related *rel = NULL;
	json_t *j, *v;
	bool created = false;
	size_t i;
	int rc;

	if (!ar)
		return MHD_NO;
	if (!http_ctype_is(x, "application/json"))
		return http_json_error(x, 415, "Content-Type must be application/json");
	j = parse_body(x, &why);
	if (!j)
		return http_json_error(x, 400, why);
	memset(&a, 0, sizeof a);
	a.slug = x->slug;
	why = NULL;
	if (get_str(j, "title", true, &a.title) || !*a.title)
		why = "missing or wrong-typed field: title (a non-empty string)";
	else if (get_str(j, "body", true, &a.body))
		why = "missing or wrong-typed field: body (a string)";
	else if (get_str(j, "caption", false, &a.caption) ||
		 get_str(j, "image_url", false, &a.image_url) ||
		 get_str(j, "author", false, &a.author))
		why = "wrong-typed field: caption, image_url and author are strings";
	else if (a.image_url && *a.image_url && !url_ok(a.image_url))
		why = "image_url must be an http(s) URL or a path";
	if (!why && (v = json_object_get(j, "published_at")) && !json_is_null(v)) {
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			a.published_at = (int64_t)json_integer_value(v);
		else if (!json_is_string(v) || raqib_parse_iso(json_string_value(v), &a.published_at))
			why = "published_at must be ISO 8601 or Unix seconds";
	}
	if (!why && (v = json_object_get(j, "related")) && !json_is_null(v)) {
		if (!json_is_array(v) || json_array_size(v) > 64) {
			why = "related must be an array of {\"title\",\"url\"} (at most 64)";
		} else {
			a.nrelated = json_array_size(v);
			rel = a.nrelated ? raqib_arena_calloc(ar, a.nrelated, sizeof *rel) : NULL;
			if (a.nrelated && !rel) {
				json_decref(j);
				return http_json_error(x, 500, "out of memory");
			}
			for (i = 0; i < a.nrelated && !why; i++) {
				json_t *it = json_array_get(v, i);
				if (!json_is_object(it) || get_str(it, "title", true, &rel[i].title) ||
				    get_str(it, "url", true, &rel[i].url))
					why = "related must be an array of {\"title\",\"url\"} strings";
				else if (!url_ok(rel[i].url))
					why = "related url must be an http(s) URL or a path";
			}
			a.related = rel;
		}
	}
	if (!why) {
		if (!a.caption)
			a.caption = "";
		if (!a.image_url)
			a.image_url = "";
		if (!a.author)
			a.author = "";
		if (raqib_utf8_count(a.title, strlen(a.title), NULL) < 0)
			why = "invalid UTF-8";
	}
	if (why) {
		json_decref(j);
		return http_json_error(x, 400, why);
	}
	rc = raqib_store_article_put(x->s->st, &a, http_now(), NULL, &created, &err);
	json_decref(j);
	if (rc) {
		fprintf(stderr, "raqib serve: storing article %s: %s\n", x->slug, err.msg);
		return http_json_error(x, rc == RAQIB_ETOO_LONG || rc == RAQIB_EARG ? 400 : 500,
				       rc == RAQIB_ETOO_LONG || rc == RAQIB_EARG ? err.msg
										: "storage error");
	}
	atomic_fetch_add(&x->s->gen, 1);
	rc = raqib_store_article_get(x->s->st, x->slug, ar, &a, &err);
	if (rc)
		return http_json_error(x, 500, "storage error");
	return send_json(x, created ? 201 : 200, article_json(x, &a), HTTP_H_NOSTORE);
}

enum MHD_Result http_route_api_article(http_ctx *x)
{
	unsigned st;

	if (strcmp(x->method, "GET") && strcmp(x->method, "PUT"))
		return http_method_not_allowed(x, "GET, HEAD, PUT", true);
	st = admin_check(x);
	if (st == 403)
		return http_json_error(x, 403, "admin API disabled (no admin token configured)");
	if (st)
		return http_json_error(x, 401, "missing or wrong bearer token");
	return !strcmp(x->method, "GET") ? get_article(x) : put_article(x);
}
