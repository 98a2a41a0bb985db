/*
 * server.c — the libmicrohttpd daemon: setup and shutdown, per-request
 * state, body accumulation under a cap, routing, the response helpers and
 * the access log.
 *
 * A request's life: the first handler call allocates its http_req (kept in
 * MHD's *req_cls) and, for GET/HEAD/OPTIONS/DELETE, answers at once; a
 * POST/PUT collects its body over the following calls (413 as soon as the
 * declared length is over the cap; a body that turns out larger is drained
 * and answered 413, or the connection is dropped once it is far over) and
 * is routed when MHD signals the end of the upload. The completion callback
 * writes the access-log line and the metrics and frees the state.
 */
#include "http/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <sodium.h>
#include <unistd.h>

/* Past this many bytes beyond the cap a client is not worth draining. */
#define DRAIN_FACTOR 4

int64_t http_now(void)
{
	return (int64_t)time(NULL);
}

int64_t http_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

raqib_arena *http_arena(http_ctx *x)
{
	if (!x->rq->ar)
		x->rq->ar = raqib_arena_new(16 * 1024);
	return x->rq->ar;
}

const char *http_header(http_ctx *x, const char *name)
{
	return MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, name);
}

const char *http_arg(http_ctx *x, const char *name)
{
	return MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, name);
}

size_t http_page_arg(http_ctx *x)
{
	const char *p = http_arg(x, "page");
	unsigned long n;
	char *end;

	if (!p || !*p)
		return 1;
	errno = 0;
	n = strtoul(p, &end, 10);
	if (errno || *end || n < 1 || n > 1000000)
		return 1;
	return n;
}

bool http_origin_allowed(const raqib_server *s, const char *origin, size_t len)
{
	size_t i;

	for (i = 0; i < s->norigins; i++)
		if (strlen(s->origins[i]) == len && !memcmp(s->origins[i], origin, len))
			return true;
	return false;
}

const char *http_cors_origin(http_ctx *x)
{
	const char *o = http_header(x, "Origin");
	return o && http_origin_allowed(x->s, o, strlen(o)) ? o : NULL;
}

bool http_ctype_is(http_ctx *x, const char *type)
{
	const char *ct = http_header(x, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(type);

	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	return !strncasecmp(ct, type, n) && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

enum MHD_Result http_queue(http_ctx *x, unsigned status, struct MHD_Response *resp,
			   const char *ctype, int flags)
{
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	if (ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (flags & HTTP_H_HTML) {
		MHD_add_response_header(resp, "Content-Security-Policy", x->s->csp);
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(resp, "Referrer-Policy", "strict-origin-when-cross-origin");
	} else {
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	}
	if (flags & HTTP_H_NOSTORE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	else if (flags & HTTP_H_NOCACHE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	if (flags & HTTP_H_CORS) {
		const char *o = http_cors_origin(x);
		if (o) {
			MHD_add_response_header(resp, "Access-Control-Allow-Origin", o);
			MHD_add_response_header(resp, "Vary", "Origin");
		}
	}
	x->rq->status = status;
	r = MHD_queue_response(x->c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static void buf_free_cb(void *p)
{
	free(p);
}

enum MHD_Result http_send_buf(http_ctx *x, unsigned status, const char *ctype, raqib_buf *b,
			      int flags)
{
	struct MHD_Response *resp;

	x->rq->bytes = b->len;
	if (!b->alloc) {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer_with_free_callback(b->len, b->data,
									  buf_free_cb);
		if (resp)
			raqib_buf_init(b, b->cap_max);   /* MHD owns the memory now */
	}
	return http_queue(x, status, resp, ctype, flags);
}

enum MHD_Result http_send_static(http_ctx *x, unsigned status, const char *ctype,
				 const char *data, size_t len, int flags)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
	x->rq->bytes = len;
	return http_queue(x, status, resp, ctype, flags);
}

static int json_escape_into(raqib_buf *b, const char *s)
{
	int rc = 0;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			rc |= raqib_buf_addc(b, '\\'), rc |= raqib_buf_addc(b, (char)ch);
		else if (ch < 0x20)
			rc |= raqib_buf_addf(b, "\\u%04x", ch);
		else
			rc |= raqib_buf_addc(b, (char)ch);
	}
	return rc;
}

/* A response holding a copy of b (freed here), for answers that need
 * headers added before they are queued. */
static struct MHD_Response *copied_response(http_ctx *x, raqib_buf *b)
{
	struct MHD_Response *resp;

	x->rq->bytes = b->len;
	resp = MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_COPY);
	raqib_buf_free(b);
	return resp;
}

static enum MHD_Result json_error(http_ctx *x, unsigned status, const char *msg,
				  unsigned retry_after, const char *allow)
{
	raqib_buf b;
	struct MHD_Response *resp;
	char num[16];
	int rc;

	raqib_buf_init(&b, 4096);
	rc = raqib_buf_adds(&b, "{\"error\":\"");
	rc |= json_escape_into(&b, msg);
	rc |= raqib_buf_adds(&b, "\"}\n");
	if (rc) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	resp = copied_response(x, &b);
	if (!resp)
		return MHD_NO;
	if (retry_after) {
		snprintf(num, sizeof num, "%u", retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	return http_queue(x, status, resp, "application/json; charset=utf-8",
			  HTTP_H_NOSTORE | HTTP_H_CORS);
}

enum MHD_Result http_json_error(http_ctx *x, unsigned status, const char *msg)
{
	return json_error(x, status, msg, 0, NULL);
}

enum MHD_Result http_json_error_retry(http_ctx *x, unsigned status, const char *msg,
				      unsigned retry_after)
{
	return json_error(x, status, msg, retry_after, NULL);
}

enum MHD_Result http_html_error(http_ctx *x, unsigned status, const char *msg)
{
	raqib_buf b;

	raqib_buf_init(&b, 1 << 20);
	if (raqib_render_error(&b, &x->s->site, (int)status, msg)) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	return http_send_buf(x, status, "text/html; charset=utf-8", &b,
			     HTTP_H_HTML | HTTP_H_NOSTORE);
}

enum MHD_Result http_method_not_allowed(http_ctx *x, const char *allow, bool json)
{
	struct MHD_Response *resp;
	raqib_buf b;

	if (json)
		return json_error(x, 405, "method not allowed", 0, allow);
	raqib_buf_init(&b, 1 << 20);
	if (raqib_render_error(&b, &x->s->site, 405, "طريقة الطلب غير مسموح بها")) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	resp = copied_response(x, &b);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	return http_queue(x, 405, resp, "text/html; charset=utf-8", HTTP_H_HTML | HTTP_H_NOSTORE);
}

/* ---- verdict pool ---- */

raqib_verdict *http_verdict_take(raqib_server *s)
{
	raqib_verdict *v = NULL;

	pthread_mutex_lock(&s->vpool.mu);
	if (s->vpool.n)
		v = s->vpool.free[--s->vpool.n];
	pthread_mutex_unlock(&s->vpool.mu);
	if (!v) {
		v = malloc(sizeof *v);
		if (v)
			raqib_verdict_init(v);
	}
	return v;
}

void http_verdict_give(raqib_server *s, raqib_verdict *v)
{
	if (!v)
		return;
	pthread_mutex_lock(&s->vpool.mu);
	if (s->vpool.n == s->vpool.cap) {
		size_t cap = s->vpool.cap ? s->vpool.cap * 2 : 16;
		raqib_verdict **p = realloc(s->vpool.free, cap * sizeof *p);
		if (!p) {
			pthread_mutex_unlock(&s->vpool.mu);
			raqib_verdict_free(v);
			free(v);
			return;
		}
		s->vpool.free = p;
		s->vpool.cap = cap;
	}
	s->vpool.free[s->vpool.n++] = v;
	pthread_mutex_unlock(&s->vpool.mu);
}

/* ---- the engine ---- */

http_engine *http_engine_take(raqib_server *s)
{
	http_engine *e;

	pthread_mutex_lock(&s->eng_mu);
	e = s->eng;
	e->refs++;
	pthread_mutex_unlock(&s->eng_mu);
	return e;
}

void http_engine_give(raqib_server *s, http_engine *e)
{
	bool last;

	if (!e)
		return;
	pthread_mutex_lock(&s->eng_mu);
	last = --e->refs == 0;
	pthread_mutex_unlock(&s->eng_mu);
	if (last) {
		raqib_engine_free(e->owned);
		free(e);
	}
}

int http_engine_swap(raqib_server *s, raqib_engine *eng)
{
	http_engine *e = calloc(1, sizeof *e), *old;

	if (!e)
		return RAQIB_ENOMEM;
	e->eng = e->owned = eng;
	e->refs = 1;
	pthread_mutex_lock(&s->eng_mu);
	old = s->eng;
	s->eng = e;
	pthread_mutex_unlock(&s->eng_mu);
	/* drops the "current" reference: freed now, or by its last request */
	http_engine_give(s, old);
	return 0;
}

/* The stored settings over the caller's config: when there are any, the
 * server screens with an engine of its own from the start (the caller's
 * stays as the base). */
static int engine_init(raqib_server *s, raqib_err *err)
{
	raqib_config *cfg = malloc(sizeof *cfg);
	raqib_engine *own = NULL;
	raqib_buf warn;
	int rc;

	if (!(s->eng = calloc(1, sizeof *s->eng)) || !cfg) {
		free(cfg);
		return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
	}
	s->eng->eng = s->base_eng;
	s->eng->refs = 1;
	*cfg = *raqib_engine_config(s->base_eng);
	raqib_buf_init(&warn, 64 * 1024);
	rc = http_settings_apply(s->st, cfg, &warn, err);
	if (warn.len && write(STDERR_FILENO, warn.data, warn.len) < 0) {
		/* nowhere to report it */
	}
	raqib_buf_free(&warn);
	if (rc > 0 && !(rc = raqib_engine_new(cfg, &own, err)))
		s->eng->eng = s->eng->owned = own;
	free(cfg);
	return rc < 0 ? rc : 0;
}

/* ---- routing ---- */

/* Copies the slug between `p` and the next '/' (or the end) into the
 * arena; NULL when it is not a valid slug. *rest = what follows. */
static const char *take_slug(http_ctx *x, const char *p, const char **rest)
{
	const char *e = strchr(p, '/');
	size_t n = e ? (size_t)(e - p) : strlen(p);
	char *out;

	*rest = p + n;
	if (!http_slug_valid(p, n))
		return NULL;
	out = raqib_arena_alloc(http_arena(x), n + 1);
	if (!out)
		return NULL;
	memcpy(out, p, n);
	out[n] = 0;
	return out;
}

static bool is_get(const char *m)
{
	return !strcmp(m, "GET") || !strcmp(m, "HEAD");
}

static enum MHD_Result route_healthz(http_ctx *x)
{
	raqib_buf b;

	raqib_buf_init(&b, 256);
	if (raqib_buf_addf(&b, "{\"status\":\"ok\",\"schema\":%d}\n",
			   raqib_store_schema_version(x->s->st))) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	return http_send_buf(x, 200, "application/json; charset=utf-8", &b, HTTP_H_NOSTORE);
}

static enum MHD_Result route_metrics(http_ctx *x)
{
	raqib_buf b;
	raqib_err err = {0, ""};
	int64_t pending = -1;

	if (raqib_store_count_status(x->s->st, RAQIB_CS_PENDING, &pending, &err))
		pending = -1;
	raqib_buf_init(&b, 1 << 20);
	if (raqib_metrics_write(&x->s->metrics, &b, pending)) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	return http_send_buf(x, 200, "text/plain; version=0.0.4; charset=utf-8", &b,
			     HTTP_H_NOSTORE);
}

static enum MHD_Result dispatch(http_ctx *x, const char *url)
{
	http_req *rq = x->rq;
	const char *m = x->method, *rest;

	if (!strcmp(url, "/")) {
		rq->route = RAQIB_ROUTE_INDEX;
		return is_get(m) ? http_route_index(x) : http_method_not_allowed(x, "GET, HEAD", false);
	}
	if (!strncmp(url, "/a/", 3)) {
		rq->route = RAQIB_ROUTE_ARTICLE;
		x->slug = take_slug(x, url + 3, &rest);
		if (!x->slug)
			return http_html_error(x, 404, "المقال غير موجود");
		if (!*rest || !strcmp(rest, "/"))
			return is_get(m) ? http_route_article(x, false)
					 : http_method_not_allowed(x, "GET, HEAD", false);
		if (!strcmp(rest, "/comments")) {
			rq->route = RAQIB_ROUTE_POST_FORM;
			return !strcmp(m, "POST") ? http_route_post_form(x)
						  : http_method_not_allowed(x, "POST", false);
		}
		return http_html_error(x, 404, "الصفحة غير موجودة");
	}
	if (!strncmp(url, "/fragment/", 10)) {
		rq->route = RAQIB_ROUTE_FRAGMENT;
		x->slug = take_slug(x, url + 10, &rest);
		if (!x->slug || *rest)
			return http_html_error(x, 404, "المقال غير موجود");
		if (!strcmp(m, "OPTIONS"))
			return http_preflight(x, "GET, HEAD, OPTIONS");
		return is_get(m) ? http_route_article(x, true)
				 : http_method_not_allowed(x, "GET, HEAD, OPTIONS", false);
	}
	if (!strncmp(url, "/api/v1/articles/", 17)) {
		x->slug = take_slug(x, url + 17, &rest);
		rq->route = *rest ? RAQIB_ROUTE_API_COMMENTS : RAQIB_ROUTE_API_ARTICLE;
		if (!x->slug)
			return http_json_error(x, 404, "unknown article");
		if (!*rest)
			return http_route_api_article(x);
		if (!strcmp(rest, "/comments"))
			return http_route_api_comments(x);
		rq->route = RAQIB_ROUTE_OTHER;
		return http_json_error(x, 404, "no such route");
	}
	if (!strncmp(url, "/api/", 5)) {
		rq->route = RAQIB_ROUTE_OTHER;
		return http_json_error(x, 404, "no such route");
	}
	if (!strcmp(url, "/sitemap.xml")) {
		rq->route = RAQIB_ROUTE_SITEMAP;
		return is_get(m) ? http_route_sitemap(x) : http_method_not_allowed(x, "GET, HEAD", false);
	}
	if (!strcmp(url, "/widget.js")) {
		rq->route = RAQIB_ROUTE_WIDGET;
		if (!is_get(m))
			return http_method_not_allowed(x, "GET, HEAD", false);
		return http_send_static(x, 200, "application/javascript; charset=utf-8",
					raqib_widget_js, raqib_widget_js_len, HTTP_H_NOCACHE);
	}
	if (!strcmp(url, "/static/raqib.css")) {
		rq->route = RAQIB_ROUTE_STATIC;
		if (!is_get(m))
			return http_method_not_allowed(x, "GET, HEAD", false);
		return http_send_static(x, 200, "text/css; charset=utf-8", raqib_style_css,
					raqib_style_css_len, HTTP_H_NOCACHE);
	}
	if (!strcmp(url, "/healthz")) {
		rq->route = RAQIB_ROUTE_HEALTHZ;
		return is_get(m) ? route_healthz(x) : http_method_not_allowed(x, "GET, HEAD", true);
	}
	if (!strcmp(url, "/metrics")) {
		rq->route = RAQIB_ROUTE_METRICS;
		return is_get(m) ? route_metrics(x) : http_method_not_allowed(x, "GET, HEAD", false);
	}
	{
		enum MHD_Result ar;
		if (http_admin_route(x, url, &ar))
			return ar;
	}
	rq->route = RAQIB_ROUTE_OTHER;
	return http_html_error(x, 404, "الصفحة غير موجودة");
}

/* ---- client address ---- */

static void client_ip(raqib_server *s, struct MHD_Connection *c, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff;

	out[0] = 0;
	if (s->conf.trust_proxy &&
	    (xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For"))) {
		/* The last hop is the one our proxy appended; earlier ones are
		 * whatever the client claimed. */
		const char *last = strrchr(xff, ',');
		size_t n;
		last = last ? last + 1 : xff;
		while (*last == ' ')
			last++;
		n = strcspn(last, " ");
		if (n && n < cap) {
			memcpy(out, last, n);
			out[n] = 0;
			return;
		}
	}
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
				  out, (socklen_t)cap);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
				  out, (socklen_t)cap);
	}
	if (!out[0])
		snprintf(out, cap, "unknown");
}

static bool ip_loopback(const char *ip)
{
	return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1") || !strncmp(ip, "::ffff:127.", 11);
}

/* ---- the MHD callbacks ---- */

static void log_line(raqib_server *s, http_req *rq, uint64_t micros)
{
	char line[512], ts[32];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (!s->conf.access_log)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof line, "%s %.8s %s %s %u %llu %lluus\n", ts,
		     rq->iphash[0] ? rq->iphash : "-", rq->method, rq->path, rq->status,
		     (unsigned long long)rq->bytes, (unsigned long long)micros);
	if (n > 0) {
		size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
		/* One write(2) per line keeps lines whole between threads. */
		if (write(STDERR_FILENO, line, len) < 0) {
			/* nowhere to report it */
		}
	}
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	raqib_server *s = cls;
	http_req *rq = *req_cls;
	uint64_t micros;

	(void)c;
	(void)toe;
	if (!rq)
		return;
	micros = (uint64_t)(http_mono_ns() - rq->t0_ns) / 1000;
	if (!rq->status)
		rq->status = 499; /* closed before an answer */
	raqib_metrics_request(&s->metrics, rq->route, rq->status, micros);
	log_line(s, rq, micros);
	raqib_buf_free(&rq->body);
	raqib_arena_free(rq->ar);
	free(rq);
	*req_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

static void path_for_log(char *out, size_t cap, const char *url)
{
	size_t i, o = 0;
	/* Control characters would let a client forge log lines. */
	for (i = 0; url[i] && o + 1 < cap; i++)
		out[o++] = (unsigned char)url[i] < 0x21 || url[i] == 0x7f ? '?' : url[i];
	out[o] = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	raqib_server *s = cls;
	http_req *rq = *req_cls;
	http_ctx x;
	enum MHD_Result r;

	(void)version;
	memset(&x, 0, sizeof x);
	x.s = s;
	x.c = c;
	x.method = !strcmp(method, "HEAD") ? "GET" : method;

	if (!rq && atomic_load(&s->stopping)) {
		static const char msg[] = "shutting down\n";
		struct MHD_Response *resp = MHD_create_response_from_buffer(
			sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		enum MHD_Result qr;
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "5");
		qr = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
		MHD_destroy_response(resp);
		return qr;
	}
	if (!rq) {
		const char *cl;
		rq = calloc(1, sizeof *rq);
		if (!rq)
			return MHD_NO;
		atomic_fetch_add(&s->inflight, 1);
		*req_cls = rq;
		rq->t0_ns = http_mono_ns();
		rq->route = RAQIB_ROUTE_OTHER;
		snprintf(rq->method, sizeof rq->method, "%s", method);
		path_for_log(rq->path, sizeof rq->path, url);
		raqib_buf_init(&rq->body, s->conf.max_body_bytes);
		client_ip(s, c, rq->ip, sizeof rq->ip);
		raqib_ip_hash(s->key, rq->ip, rq->iphash, sizeof rq->iphash);
		x.rq = rq;
		rq->has_body = !strcmp(method, "POST") || !strcmp(method, "PUT") ||
			       !strcmp(method, "PATCH");
		if (!is_get(method) && strcmp(method, "OPTIONS") && !rq->has_body &&
		    strcmp(method, "DELETE")) {
			rq->route = RAQIB_ROUTE_OTHER;
			return http_json_error(&x, 501, "method not implemented");
		}
		if (is_get(method) && s->rl_get && !ip_loopback(rq->ip)) {
			unsigned retry = 0;
			double now = (double)http_mono_ns() / 1e9;
			if (!raqib_ratelimit_take(s->rl_get, rq->iphash, strlen(rq->iphash), now,
						  &retry)) {
				struct MHD_Response *resp;
				char num[16];
				static const char msg[] = "Too many requests\n";
				resp = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg,
								       MHD_RESPMEM_PERSISTENT);
				if (!resp)
					return MHD_NO;
				snprintf(num, sizeof num, "%u", retry ? retry : 1);
				MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
				rq->bytes = sizeof msg - 1;
				return http_queue(&x, 429, resp, "text/plain; charset=utf-8",
						  HTTP_H_NOSTORE);
			}
		}
		if (rq->has_body && (cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								     MHD_HTTP_HEADER_CONTENT_LENGTH))) {
			unsigned long long n = strtoull(cl, NULL, 10);
			if (n > s->conf.max_body_bytes) {
				rq->route = !strncmp(url, "/api/", 5) ? RAQIB_ROUTE_API_COMMENTS
								      : RAQIB_ROUTE_POST_FORM;
				if (!strncmp(url, "/api/", 5))
					return http_json_error(&x, 413, "body over the size limit");
				return http_html_error(&x, 413, "التعليق أطول من الحد المسموح به");
			}
		}
		/* Answering now, before MHD has seen the end of the request,
		 * would cost the keep-alive connection: answer on the next call. */
		return MHD_YES;
	}
	x.rq = rq;
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		rq->body_seen += n;
		if (!rq->too_large && raqib_buf_add(&rq->body, upload_data, n))
			rq->too_large = true;
		*upload_data_size = 0;
		if (rq->too_large && rq->body_seen > (uint64_t)DRAIN_FACTOR * s->conf.max_body_bytes)
			return MHD_NO;
		return MHD_YES;
	}
	if (rq->status)   /* already answered */
		return MHD_YES;
	if (rq->too_large) {
		if (!strncmp(url, "/api/", 5))
			return http_json_error(&x, 413, "body over the size limit");
		return http_html_error(&x, 413, "التعليق أطول من الحد المسموح به");
	}
	x.body = rq->body.data;
	x.body_len = rq->body.len;
	r = dispatch(&x, url);
	return r;
}

/* ---- start / stop ---- */

static int parse_origins(raqib_server *s, raqib_err *err)
{
	char tmp[sizeof s->conf.embed_origins];
	char *save = NULL, *tok;

	snprintf(tmp, sizeof tmp, "%s", s->conf.embed_origins);
	for (tok = strtok_r(tmp, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
		size_t n = strlen(tok);
		while (n && tok[n - 1] == '/')
			tok[--n] = 0;
		if (strncmp(tok, "http://", 7) && strncmp(tok, "https://", 8))
			return raqib_err_set(err, RAQIB_ECONFIG,
					     "embed_origins: '%s' is not an http(s) origin", tok);
		if (strchr(tok + 8, '/') || strpbrk(tok, "\"';"))
			return raqib_err_set(err, RAQIB_ECONFIG,
					     "embed_origins: '%s' must be scheme://host[:port] only", tok);
		if (s->norigins == HTTP_MAX_ORIGINS)
			return raqib_err_set(err, RAQIB_ECONFIG, "embed_origins: at most %d origins",
					     HTTP_MAX_ORIGINS);
		s->origins[s->norigins] = strdup(tok);
		if (!s->origins[s->norigins])
			return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
		s->norigins++;
	}
	return 0;
}

static void make_csp(raqib_server *s)
{
	size_t i, n;

	n = (size_t)snprintf(s->csp, sizeof s->csp,
			     "default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
			     "script-src 'self'; frame-ancestors 'self'");
	for (i = 0; i < s->norigins && n < sizeof s->csp; i++)
		n += (size_t)snprintf(s->csp + n, sizeof s->csp - n, " %s", s->origins[i]);
	if (n < sizeof s->csp)
		n += (size_t)snprintf(s->csp + n, sizeof s->csp - n, "; form-action 'self'");
	for (i = 0; i < s->norigins && n < sizeof s->csp; i++)
		n += (size_t)snprintf(s->csp + n, sizeof s->csp - n, " %s", s->origins[i]);
	if (n < sizeof s->csp)
		snprintf(s->csp + n, sizeof s->csp - n, "; base-uri 'none'");
}

static void server_free(raqib_server *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->norigins; i++)
		free(s->origins[i]);
	raqib_ratelimit_free(s->rl_post);
	raqib_ratelimit_free(s->rl_get);
	for (i = 0; i < s->vpool.n; i++) {
		raqib_verdict_free(s->vpool.free[i]);
		free(s->vpool.free[i]);
	}
	free(s->vpool.free);
	pthread_mutex_destroy(&s->vpool.mu);
	http_cache_free(s->cache);
	http_tokens_free(s->used_tokens);
	http_admin_free(s->admin);
	/* Every request has given its engine back by now (the daemon has
	 * stopped): this drops the last reference. */
	if (s->eng)
		http_engine_give(s, s->eng);
	pthread_mutex_destroy(&s->eng_mu);
	pthread_mutex_destroy(&s->settings_mu);
	sodium_memzero(s->key, sizeof s->key);
	free(s);
}

int raqib_server_start(const raqib_server_conf *conf, const raqib_engine *eng,
		       raqib_store *st, raqib_server **out, raqib_err *err)
{
	raqib_server *s = calloc(1, sizeof *s);
	char host[256], keyfile[1100];
	unsigned port, threads;
	struct sockaddr_storage ss;
	socklen_t sslen;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_USE_TURBO;
	const union MHD_DaemonInfo *di;

	*out = NULL;
	if (!s)
		return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
	pthread_mutex_init(&s->vpool.mu, NULL);
	pthread_mutex_init(&s->eng_mu, NULL);
	pthread_mutex_init(&s->settings_mu, NULL);
	s->conf = *conf;
	s->base_eng = eng;
	s->st = st;
	if (engine_init(s, err))
		goto fail;
	if (raqib_listen_parse(conf->listen, host, sizeof host, &port)) {
		raqib_err_set(err, RAQIB_ECONFIG, "listen: '%s' is not HOST:PORT", conf->listen);
		goto fail;
	}
	memset(&ss, 0, sizeof ss);
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) {
			raqib_err_set(err, RAQIB_ECONFIG, "listen: '%s' is not an IPv6 address", host);
			goto fail;
		}
		sslen = sizeof *a6;
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (!strcmp(host, "localhost"))
			snprintf(host, sizeof host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
			raqib_err_set(err, RAQIB_ECONFIG, "listen: '%s' is not an IPv4 address", host);
			goto fail;
		}
		sslen = sizeof *a4;
	}
	(void)sslen;
	if (conf->secret_file[0])
		snprintf(keyfile, sizeof keyfile, "%s", conf->secret_file);
	else
		snprintf(keyfile, sizeof keyfile, "%s.key", conf->db);
	if (raqib_guard_key_load(keyfile, s->key, err))
		goto fail;
	if (parse_origins(s, err))
		goto fail;
	make_csp(s);
	s->rl_post = raqib_ratelimit_new(conf->post_rate / 60.0, conf->post_burst, 65536);
	s->rl_get = conf->get_rate > 0 ? raqib_ratelimit_new(conf->get_rate / 60.0, conf->get_burst,
							     65536)
				       : NULL;
	s->cache = http_cache_new();
	s->used_tokens = http_tokens_new(1 << 16);
	s->admin = http_admin_new(s);
	if (!s->rl_post || (conf->get_rate > 0 && !s->rl_get) || !s->cache || !s->used_tokens ||
	    !s->admin) {
		raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
		goto fail;
	}
	raqib_metrics_init(&s->metrics);
	atomic_init(&s->gen, 1);
	atomic_init(&s->inflight, 0);
	threads = conf->threads;
	if (!threads) {
		/* A post holds its worker until the group commit has synced it,
		 * so more workers than CPUs let more posts share one fsync
		 * (make bench-http, 2 CPUs: 2 workers 2,071 accepted posts/s,
		 * 8 workers 4,775/s; page views 104 % and 78 % of nginx). */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = 4 * (n > 0 ? (unsigned)n : 1);
		if (threads > 64)
			threads = 64;
	}
	s->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_THREAD_POOL_SIZE, threads,
				MHD_OPTION_CONNECTION_LIMIT, conf->max_connections,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, conf->per_ip_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, conf->connection_timeout,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16 * 1024,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_END);
	if (!s->d) {
		raqib_err_set(err, RAQIB_EIO, "cannot listen on %s (address in use or not permitted)",
			      conf->listen);
		goto fail;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	if (di && di->port)
		port = di->port;
	if (strchr(host, ':'))
		snprintf(s->url, sizeof s->url, "http://[%s]:%u/", host, port);
	else
		snprintf(s->url, sizeof s->url, "http://%s:%u/", host, port);
	if (conf->base_url[0])
		snprintf(s->base, sizeof s->base, "%s", conf->base_url);
	else
		snprintf(s->base, sizeof s->base, "%.*s", (int)strlen(s->url) - 1, s->url);
	s->site.name = s->conf.site_name;
	s->site.base_url = s->base;
	s->site.terms = s->conf.terms;
	s->site.lang = "ar";
	*out = s;
	return 0;
fail:
	server_free(s);
	return err->code ? err->code : RAQIB_EIO;
}

const char *raqib_server_url(const raqib_server *s)
{
	return s->url;
}

void raqib_server_invalidate(raqib_server *s)
{
	atomic_fetch_add(&s->gen, 1);
}

void raqib_server_tick(raqib_server *s)
{
	raqib_err err = {0, ""};
	int64_t purged = 0;

	if (!s->conf.ip_retention_days)
		return;
	if (raqib_store_purge_ips(s->st, http_now() - (int64_t)s->conf.ip_retention_days * 86400,
				  &purged, &err))
		fprintf(stderr, "raqib serve: purging IP hashes: %s\n", err.msg);
}

void raqib_server_stop(raqib_server *s)
{
	int64_t deadline;

	if (!s)
		return;
	if (s->d) {
		/* Refuse new requests (503), then give the requests already in
		 * progress up to 10 s to finish before the daemon closes every
		 * connection. */
		atomic_store(&s->stopping, true);
		deadline = http_mono_ns() + (int64_t)10 * 1000000000;
		while (atomic_load(&s->inflight) > 0 && http_mono_ns() < deadline) {
			struct timespec ts = {0, 10 * 1000000};
			nanosleep(&ts, NULL);
		}
		MHD_stop_daemon(s->d);
	}
	server_free(s);
}
