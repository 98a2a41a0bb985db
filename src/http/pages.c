/*
 * pages.c — the reader's HTML: article list, article page and its comments
 * fragment, the no-JS form post, the sitemap.
 *
 * Article pages are the hot path (a popular article is read thousands of
 * times per comment posted), so a rendered page is kept in memory keyed by
 * (slug, page, fragment) and reused until this process changes something
 * public (raqib_server.gen moves) or it is CACHE_TTL old (a safety net for
 * changes made by another process, e.g. an editor's tool on the same
 * database). The form token differs per second, so pages are rendered with
 * a placeholder and each response is three iovecs: the cached bytes before
 * the token, the fresh token, the cached bytes after. A cache hit costs no
 * store read and no copy of the page.
 */
#include "http/httpd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_SLOTS 512
#define CACHE_TTL_NS ((int64_t)5 * 1000000000)
#define TOKEN_PH "RAQIBxFORMxTOKENxPLACEHOLDERx0123456789"
#define MAX_PH 4
#define INDEX_PER_PAGE 20
#define SITEMAP_MAX 50000

typedef struct page_entry {
	atomic_int refs;
	uint64_t gen;
	int64_t made_ns;
	bool fragment;
	size_t page;
	char slug[HTTP_SLUG_MAX + 1];
	char *html;
	size_t len;
	size_t ph[MAX_PH];
	int nph;
	char etag[64];
	char lastmod[40];
	int64_t last_modified;
} page_entry;

struct page_cache {
	pthread_mutex_t mu[CACHE_SLOTS];
	page_entry *e[CACHE_SLOTS];
};

page_cache *http_cache_new(void)
{
	page_cache *c = calloc(1, sizeof *c);
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < CACHE_SLOTS; i++)
		pthread_mutex_init(&c->mu[i], NULL);
	return c;
}

static void entry_unref(page_entry *e)
{
	if (e && atomic_fetch_sub(&e->refs, 1) == 1) {
		free(e->html);
		free(e);
	}
}

void http_cache_free(page_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < CACHE_SLOTS; i++) {
		entry_unref(c->e[i]);
		pthread_mutex_destroy(&c->mu[i]);
	}
	free(c);
}

static size_t slot_of(const char *slug, size_t page, bool fragment)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *slug; slug++)
		h = (h ^ (unsigned char)*slug) * 0x100000001b3ULL;
	h = (h ^ page) * 0x100000001b3ULL;
	h = (h ^ (fragment ? 1u : 0u)) * 0x100000001b3ULL;
	return (size_t)(h % CACHE_SLOTS);
}

static page_entry *cache_get(raqib_server *s, const char *slug, size_t page, bool fragment)
{
	size_t i = slot_of(slug, page, fragment);
	page_entry *e;

	pthread_mutex_lock(&s->cache->mu[i]);
	e = s->cache->e[i];
	if (e && (e->page != page || e->fragment != fragment || strcmp(e->slug, slug) ||
		  e->gen != atomic_load(&s->gen) || http_mono_ns() - e->made_ns > CACHE_TTL_NS))
		e = NULL;
	if (e)
		atomic_fetch_add(&e->refs, 1);
	pthread_mutex_unlock(&s->cache->mu[i]);
	return e;
}

static void cache_put(raqib_server *s, page_entry *e)
{
	size_t i = slot_of(e->slug, e->page, e->fragment);
	page_entry *old;

	atomic_fetch_add(&e->refs, 1);
	pthread_mutex_lock(&s->cache->mu[i]);
	old = s->cache->e[i];
	s->cache->e[i] = e;
	pthread_mutex_unlock(&s->cache->mu[i]);
	entry_unref(old);
}

static void http_date(char *out, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static bool not_modified(http_ctx *x, const page_entry *e)
{
	const char *inm = http_header(x, MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *ims;
	struct tm tm;

	if (inm)
		return strstr(inm, e->etag) != NULL || !strcmp(inm, "*");
	ims = http_header(x, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	if (ims && e->last_modified) {
		char *end;
		memset(&tm, 0, sizeof tm);
		end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		if (end && !*end)
			return (int64_t)timegm(&tm) >= e->last_modified;
	}
	return false;
}

static void add_validators(struct MHD_Response *r, const page_entry *e)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, e->etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, e->lastmod);
}

/* ---- rendering ---- */

typedef struct page_data {
	raqib_article a;
	raqib_comment_row *rows;
	size_t n, total;
} page_data;

/* 0, 404 (no article or page past the end), 500. */
static unsigned load_page(http_ctx *x, size_t page, page_data *d)
{
	raqib_err err = {0, ""};
	raqib_arena *ar = http_arena(x);
	int rc;

	if (!ar)
		return 500;
	memset(d, 0, sizeof *d);
	rc = raqib_store_article_get(x->s->st, x->slug, ar, &d->a, &err);
	if (rc == RAQIB_STORE_NOTFOUND)
		return 404;
	if (rc)
		goto fail;
	if (raqib_store_comments_public(x->s->st, d->a.id, x->s->conf.newest_first, page,
					x->s->conf.per_page, ar, &d->rows, &d->n, &d->total, &err))
		goto fail;
	if (page > 1 && (page - 1) * x->s->conf.per_page >= d->total)
		return 404;
	return 0;
fail:
	fprintf(stderr, "raqib serve: reading %s: %s\n", x->slug, err.msg);
	return 500;
}

static char *form_action(http_ctx *x, bool fragment)
{
	raqib_arena *ar = http_arena(x);
	size_t n = strlen(x->s->base) + strlen(x->slug) + 32;
	char *p = ar ? raqib_arena_alloc(ar, n) : NULL;

	if (p)
		snprintf(p, n, "%s/a/%s/comments", fragment ? x->s->base : "", x->slug);
	return p;
}

static int render(http_ctx *x, raqib_buf *b, bool fragment, const page_data *d, size_t page,
		  const raqib_form_state *form)
{
	raqib_page_info pg = {page, x->s->conf.per_page, d->total};

	if (fragment)
		return raqib_render_fragment(b, &x->s->site, &d->a, d->rows, d->n, &pg, form);
	return raqib_render_article(b, &x->s->site, &d->a, d->rows, d->n, &pg, form);
}

typedef struct resp_hold {
	page_entry *e;
	char token[128];
} resp_hold;

static void hold_free(void *cls)
{
	resp_hold *h = cls;
	entry_unref(h->e);
	free(h);
}

static enum MHD_Result send_entry(http_ctx *x, page_entry *e)
{
	struct MHD_IoVec iov[2 * MAX_PH + 1];
	struct MHD_Response *resp;
	resp_hold *h;
	size_t off = 0, phlen = sizeof TOKEN_PH - 1, tlen;
	unsigned n = 0;
	int i;

	if (not_modified(x, e)) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (!resp) {
			entry_unref(e);
			return MHD_NO;
		}
		int flags = HTTP_H_HTML | HTTP_H_NOCACHE | (e->fragment ? HTTP_H_CORS : 0);
		add_validators(resp, e);
		entry_unref(e);
		return http_queue(x, 304, resp, NULL, flags);
	}
	h = malloc(sizeof *h);
	if (!h) {
		entry_unref(e);
		return MHD_NO;
	}
	h->e = e;
	raqib_form_token_make(x->s->key, e->slug, http_now(), h->token, sizeof h->token);
	tlen = strlen(h->token);
	for (i = 0; i < e->nph; i++) {
		iov[n].iov_base = e->html + off;
		iov[n++].iov_len = e->ph[i] - off;
		iov[n].iov_base = h->token;
		iov[n++].iov_len = tlen;
		off = e->ph[i] + phlen;
	}
	iov[n].iov_base = e->html + off;
	iov[n++].iov_len = e->len - off;
	x->rq->bytes = e->len - (size_t)e->nph * phlen + (size_t)e->nph * tlen;
	resp = MHD_create_response_from_iovec(iov, n, hold_free, h);
	if (!resp) {
		hold_free(h);
		return MHD_NO;
	}
	add_validators(resp, e);
	return http_queue(x, 200, resp, "text/html; charset=utf-8",
			  HTTP_H_HTML | HTTP_H_NOCACHE | (e->fragment ? HTTP_H_CORS : 0));
}

static page_entry *make_entry(http_ctx *x, bool fragment, size_t page, uint64_t gen,
			      unsigned *status)
{
	page_data d;
	raqib_form_state form;
	raqib_buf b;
	page_entry *e = NULL;
	const char *p;
	size_t phlen = sizeof TOKEN_PH - 1;

	*status = load_page(x, page, &d);
	if (*status)
		return NULL;
	memset(&form, 0, sizeof form);
	form.action = form_action(x, fragment);
	form.token = TOKEN_PH;
	*status = 500;
	if (!form.action)
		return NULL;
	raqib_buf_init(&b, (size_t)64 << 20);
	if (render(x, &b, fragment, &d, page, &form))
		goto fail;
	e = calloc(1, sizeof *e);
	if (!e)
		goto fail;
	atomic_init(&e->refs, 1);
	e->gen = gen;
	e->made_ns = http_mono_ns();
	e->fragment = fragment;
	e->page = page;
	snprintf(e->slug, sizeof e->slug, "%s", x->slug);
	e->len = b.len;
	e->html = b.alloc ? b.data : strdup("");
	if (!e->html) {
		free(e);
		e = NULL;
		goto fail;
	}
	raqib_buf_init(&b, b.cap_max);
	for (p = e->html; e->nph < MAX_PH && (p = strstr(p, TOKEN_PH)); p += phlen)
		e->ph[e->nph++] = (size_t)(p - e->html);
	snprintf(e->etag, sizeof e->etag, "W/\"%lld-%zu\"", (long long)d.a.version, page);
	e->last_modified = d.a.last_modified ? d.a.last_modified : d.a.updated_at;
	http_date(e->lastmod, sizeof e->lastmod, e->last_modified);
	*status = 0;
fail:
	raqib_buf_free(&b);
	return e;
}

/* An answer made for this reader alone: a notice about their post, or
 * their input kept after an error. Never cached, never a 304. */
static enum MHD_Result send_personal(http_ctx *x, unsigned status, bool fragment, size_t page,
				     raqib_form_state *form, unsigned retry_after)
{
	page_data d;
	raqib_buf b;
	char token[128];
	struct MHD_Response *resp;
	unsigned st = load_page(x, page, &d);

	if (st == 404 && page > 1)
		st = load_page(x, page = 1, &d);
	if (st)
		return http_html_error(x, st, st == 404 ? "المقال غير موجود" : "خطأ في الخادم");
	raqib_form_token_make(x->s->key, x->slug, http_now(), token, sizeof token);
	form->token = token;
	if (!form->action)
		form->action = form_action(x, fragment);
	raqib_buf_init(&b, (size_t)64 << 20);
	if (!form->action || render(x, &b, fragment, &d, page, form)) {
		raqib_buf_free(&b);
		return http_html_error(x, 500, "خطأ في الخادم");
	}
	if (!retry_after)
		return http_send_buf(x, status, "text/html; charset=utf-8", &b,
				     HTTP_H_HTML | HTTP_H_NOSTORE | (fragment ? HTTP_H_CORS : 0));
	x->rq->bytes = b.len;
	resp = MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_COPY);
	raqib_buf_free(&b);
	if (!resp)
		return MHD_NO;
	{
		char num[16];
		snprintf(num, sizeof num, "%u", retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	return http_queue(x, status, resp, "text/html; charset=utf-8", HTTP_H_HTML | HTTP_H_NOSTORE);
}

static raqib_notice_kind notice_of(raqib_comment_status st)
{
	switch (st) {
	case RAQIB_CS_PUBLISHED: return RAQIB_NOTICE_PUBLISHED;
	case RAQIB_CS_SHORTENED: return RAQIB_NOTICE_SHORTENED;
	case RAQIB_CS_PENDING: return RAQIB_NOTICE_PENDING;
	case RAQIB_CS_REJECTED: return RAQIB_NOTICE_REJECTED;
	default: return RAQIB_NOTICE_NONE;
	}
}

enum MHD_Result http_route_article(http_ctx *x, bool fragment)
{
	size_t page = http_page_arg(x);
	const char *ref = http_arg(x, "r");
	page_entry *e;
	unsigned status;

	if (ref) {
		raqib_form_state form;
		raqib_comment_row row;
		raqib_err err = {0, ""};
		int64_t id = http_notice_check(x->s, ref);
		raqib_arena *ar = http_arena(x);

		memset(&form, 0, sizeof form);
		if (id && ar && !raqib_store_comment_get(x->s->st, id, ar, &row, &err) &&
		    !strcmp(row.article_slug, x->slug)) {
			form.notice = notice_of(row.status);
			form.reasons_json = row.reasons_json;
			if (row.status == RAQIB_CS_REJECTED) {
				form.name = row.name;
				form.text = row.text;
			}
		}
		return send_personal(x, 200, fragment, page, &form, 0);
	}
	e = cache_get(x->s, x->slug, page, fragment);
	if (!e) {
		uint64_t gen = atomic_load(&x->s->gen);
		e = make_entry(x, fragment, page, gen, &status);
		if (!e)
			return http_html_error(x, status, status == 404 ? "المقال غير موجود"
									 : "خطأ في الخادم");
		cache_put(x->s, e);
	}
	return send_entry(x, e);
}

/* return_to is honoured only towards an allowed embed origin (or a path on
 * this site), so the form cannot be used as an open redirect. */
static bool return_to_ok(raqib_server *s, const char *rt)
{
	size_t i;

	if (!rt || !*rt || strpbrk(rt, "\r\n\"<> \\"))
		return false;
	if (rt[0] == '/' && rt[1] != '/')
		return true;
	for (i = 0; i < s->norigins; i++) {
		size_t n = strlen(s->origins[i]);
		if (!strncmp(rt, s->origins[i], n) && (rt[n] == 0 || rt[n] == '/'))
			return true;
	}
	return false;
}

enum MHD_Result http_route_post_form(http_ctx *x)
{
	raqib_arena *ar = http_arena(x);
	raqib_form_state form;
	http_post_in in;
	http_post_out out;
	bool bad = false;
	char *name, *text, *hp, *token, *consent, *rt;
	const char *origin = http_header(x, "Origin");

	if (!ar)
		return MHD_NO;
	if (!http_ctype_is(x, "application/x-www-form-urlencoded"))
		return http_html_error(x, 415, "نوع المحتوى غير مدعوم");
	name = http_form_get(x->body, x->body_len, "name", ar, &bad);
	text = http_form_get(x->body, x->body_len, "comment", ar, &bad);
	if (!text)
		text = http_form_get(x->body, x->body_len, "text", ar, &bad);
	hp = http_form_get(x->body, x->body_len, "honeypot", ar, &bad);
	token = http_form_get(x->body, x->body_len, "token", ar, &bad);
	consent = http_form_get(x->body, x->body_len, "consent", ar, &bad);
	rt = http_form_get(x->body, x->body_len, "return_to", ar, &bad);
	if (bad)
		return http_html_error(x, 400, "بيانات النموذج غير صالحة");
	memset(&form, 0, sizeof form);
	form.name = name;
	form.text = text;
	form.notice = RAQIB_NOTICE_ERROR;
	form.return_to = return_to_ok(x->s, rt) ? rt : NULL;
	if ((name && raqib_utf8_count(name, strlen(name), NULL) < 0) ||
	    (text && raqib_utf8_count(text, strlen(text), NULL) < 0)) {
		form.name = form.text = NULL;
		form.message = "النص يحتوي على رموز غير صالحة.";
		return send_personal(x, 400, false, 1, &form, 0);
	}
	/* A browser says where a post comes from: only this site and the
	 * configured embedding sites may post. */
	if (origin && strcmp(origin, "null") && !http_origin_allowed(x->s, origin, strlen(origin))) {
		const char *host = http_header(x, MHD_HTTP_HEADER_HOST);
		const char *o = strstr(origin, "://");
		size_t bl = strlen(x->s->base);
		bool same = (host && o && !strcmp(o + 3, host)) ||
			    (!strncmp(origin, x->s->base, bl) && origin[bl] == 0);
		if (!same)
			return http_html_error(x, 403, "مصدر الطلب غير مسموح به");
	}
	if (!consent) {
		form.message = "الرجاء الموافقة على شروط الاستخدام قبل الإرسال.";
		return send_personal(x, 400, false, 1, &form, 0);
	}
	memset(&in, 0, sizeof in);
	in.name = name;
	in.text = text;
	in.honeypot = hp;
	in.token = token;
	in.token_required = true;
	in.reader_checks = true;
	if (http_post_comment(x->s, x->rq->iphash, x->slug, &in, ar, &out)) {
		if (out.status == 404)
			return http_html_error(x, 404, "المقال غير موجود");
		if (out.status == 500)
			return http_html_error(x, 500, out.error_ar);
		form.message = out.error_ar;
		return send_personal(x, out.status, false, 1, &form, out.retry_after);
	}
	{
		char ref[128], *loc;
		const char *base = form.return_to;
		size_t n;
		struct MHD_Response *resp;

		http_notice_ref(x->s, out.row.id, ref, sizeof ref);
		n = (base ? strlen(base) : strlen(x->slug)) + strlen(ref) + 64;
		loc = raqib_arena_alloc(ar, n);
		if (!loc)
			return MHD_NO;
		if (base) {
			const char *hash = strchr(base, '#');
			int blen = hash ? (int)(hash - base) : (int)strlen(base);
			snprintf(loc, n, "%.*s%sr=%s#raqib-notice", blen, base,
				 memchr(base, '?', (size_t)blen) ? "&" : "?", ref);
		} else {
			snprintf(loc, n, "/a/%s?r=%s#raqib-notice", x->slug, ref);
		}
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, loc);
		return http_queue(x, 303, resp, NULL, HTTP_H_NOSTORE);
	}
}

enum MHD_Result http_route_index(http_ctx *x)
{
	raqib_arena *ar = http_arena(x);
	raqib_err err = {0, ""};
	raqib_article *list = NULL;
	size_t n = 0, total = 0, page = http_page_arg(x);
	raqib_page_info pg;
	raqib_buf b;

	if (!ar)
		return MHD_NO;
	if (raqib_store_article_list(x->s->st, (page - 1) * INDEX_PER_PAGE, INDEX_PER_PAGE, ar,
				     &list, &n, &total, &err)) {
		fprintf(stderr, "raqib serve: listing articles: %s\n", err.msg);
		return http_html_error(x, 500, "خطأ في الخادم");
	}
	if (page > 1 && !n)
		return http_html_error(x, 404, "الصفحة غير موجودة");
	pg.page = page;
	pg.per_page = INDEX_PER_PAGE;
	pg.total = total;
	raqib_buf_init(&b, (size_t)16 << 20);
	if (raqib_render_index(&b, &x->s->site, list, n, &pg)) {
		raqib_buf_free(&b);
		return http_html_error(x, 500, "خطأ في الخادم");
	}
	return http_send_buf(x, 200, "text/html; charset=utf-8", &b, HTTP_H_HTML | HTTP_H_NOCACHE);
}

enum MHD_Result http_route_sitemap(http_ctx *x)
{
	raqib_arena *ar = http_arena(x);
	raqib_err err = {0, ""};
	raqib_article *list = NULL;
	size_t n = 0, total = 0;
	raqib_buf b;

	if (!ar)
		return MHD_NO;
	if (raqib_store_article_list(x->s->st, 0, SITEMAP_MAX, ar, &list, &n, &total, &err)) {
		fprintf(stderr, "raqib serve: listing articles: %s\n", err.msg);
		return http_html_error(x, 500, "خطأ في الخادم");
	}
	raqib_buf_init(&b, (size_t)64 << 20);
	if (raqib_render_sitemap(&b, &x->s->site, list, n)) {
		raqib_buf_free(&b);
		return http_html_error(x, 500, "خطأ في الخادم");
	}
	return http_send_buf(x, 200, "application/xml; charset=utf-8", &b, HTTP_H_NOCACHE);
}
