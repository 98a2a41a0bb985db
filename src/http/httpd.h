/*
 * httpd.h — what server.c, pages.c, post.c and api.c share inside the HTTP
 * layer (not a public API): the server state, the per-request state kept in
 * MHD's *req_cls, and the response helpers.
 *
 * Threads: a request is handled on one MHD worker thread from its first
 * handler call to its completion callback; everything in http_req belongs to
 * that thread. raqib_server is shared: its fields are read-only after start
 * except the atomics and the structures with their own locks.
 */
#ifndef RAQIB_HTTPD_H
#define RAQIB_HTTPD_H

#include "http/guard.h"
#include "http/metrics.h"
#include "http/render.h"
#include "http/server.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

#define HTTP_MAX_ORIGINS 16
#define HTTP_SLUG_MAX 128

typedef struct page_cache page_cache;
typedef struct token_set token_set;
typedef struct http_admin http_admin;

/* A free list of verdicts: one per concurrent post, reused. */
typedef struct verdict_pool {
	pthread_mutex_t mu;
	raqib_verdict **free;
	size_t n, cap;
} verdict_pool;

/* A screening engine shared by the requests that took it. /admin/settings
 * swaps in a new one; the old one is freed when its last request gives it
 * back. */
typedef struct http_engine {
	const raqib_engine *eng;
	raqib_engine *owned;           /* NULL: the caller's (raqib_server_start) */
	unsigned refs;                 /* requests using it, + 1 while current */
} http_engine;

struct raqib_server {
	raqib_server_conf conf;
	/* The caller's engine, built from the config file alone: its config is
	 * the base the stored settings apply over. */
	const raqib_engine *base_eng;
	pthread_mutex_t eng_mu;        /* eng and every http_engine's refs */
	http_engine *eng;              /* what new comments are screened with */
	pthread_mutex_t settings_mu;   /* one settings change at a time */
	raqib_store *st;
	struct MHD_Daemon *d;
	unsigned char key[RAQIB_GUARD_KEYLEN];
	char url[300];                 /* "http://host:port/" */
	char base[512];                /* base_url, no trailing slash */
	char csp[3072];
	raqib_site site;
	char *origins[HTTP_MAX_ORIGINS];
	size_t norigins;
	raqib_ratelimit *rl_post, *rl_get;
	verdict_pool vpool;
	page_cache *cache;
	token_set *used_tokens;
	raqib_metrics metrics;
	/* Bumped on every public change this process makes (it is the only
	 * writer): a cached page made under an older generation is stale. */
	atomic_uint_fast64_t gen;
	atomic_int inflight;
	/* Set at SIGTERM: new requests get 503 while those in progress
	 * finish (MHD_quiesce_daemon races with epoll worker threads in
	 * libmicrohttpd 0.9.75: "Failed to remove listen FD from epoll set"). */
	atomic_bool stopping;
	http_admin *admin;             /* the editors' desk (admin*.c) */
};

typedef struct http_req {
	int64_t t0_ns;                 /* monotonic */
	char method[8];
	char path[200];                /* for the access log, truncated */
	char ip[64];
	char iphash[40];
	raqib_route route;
	unsigned status;
	uint64_t bytes;
	bool has_body;                 /* POST/PUT: body accumulated first */
	bool too_large;
	uint64_t body_seen;
	raqib_buf body;
	raqib_arena *ar;               /* made on first use */
} http_req;

/* What a route handler gets. */
typedef struct http_ctx {
	raqib_server *s;
	struct MHD_Connection *c;
	http_req *rq;
	const char *method;            /* "HEAD" is handled as "GET" */
	const char *slug;              /* valid slug from the URL, or NULL */
	const char *body;
	size_t body_len;
} http_ctx;

enum {
	HTTP_H_HTML = 1,       /* security headers of an HTML page */
	HTTP_H_NOSTORE = 2,    /* personal answer: never cached */
	HTTP_H_NOCACHE = 4,    /* revalidate every time */
	HTTP_H_CORS = 8,       /* Access-Control-Allow-Origin when the Origin is allowed */
};

/* server.c */
int64_t http_now(void);
int64_t http_mono_ns(void);
raqib_arena *http_arena(http_ctx *x);
const char *http_header(http_ctx *x, const char *name);
const char *http_arg(http_ctx *x, const char *name);
size_t http_page_arg(http_ctx *x);
bool http_origin_allowed(const raqib_server *s, const char *origin, size_t len);
/* The request's Origin when it is an allowed embed origin, else NULL. */
const char *http_cors_origin(http_ctx *x);
/* Queues `resp` (adding the headers of `flags`) and releases it. */
enum MHD_Result http_queue(http_ctx *x, unsigned status, struct MHD_Response *resp,
			   const char *ctype, int flags);
/* Takes the buffer's memory. */
enum MHD_Result http_send_buf(http_ctx *x, unsigned status, const char *ctype, raqib_buf *b,
			      int flags);
enum MHD_Result http_send_static(http_ctx *x, unsigned status, const char *ctype,
				 const char *data, size_t len, int flags);
enum MHD_Result http_json_error(http_ctx *x, unsigned status, const char *msg);
enum MHD_Result http_json_error_retry(http_ctx *x, unsigned status, const char *msg,
				      unsigned retry_after);
enum MHD_Result http_html_error(http_ctx *x, unsigned status, const char *msg);
enum MHD_Result http_method_not_allowed(http_ctx *x, const char *allow, bool json);
bool http_ctype_is(http_ctx *x, const char *type);
raqib_verdict *http_verdict_take(raqib_server *s);
void http_verdict_give(raqib_server *s, raqib_verdict *v);
/* The current engine, held until given back. */
http_engine *http_engine_take(raqib_server *s);
void http_engine_give(raqib_server *s, http_engine *e);
/* Makes `eng` (taken over, freed by the server) the engine of every request
 * that starts from now on; requests in progress finish with the old one. */
int http_engine_swap(raqib_server *s, raqib_engine *eng);

/* post.c — the comment path shared by the form and the JSON API. */
typedef struct http_post_in {
	const char *name, *text, *honeypot, *token;  /* NULL = absent */
	bool token_required;
	int64_t created_at;                          /* 0 = now */
	bool reader_checks;                          /* rate limit, token, dup, ban */
} http_post_in;

typedef struct http_post_out {
	unsigned status;               /* 201 when stored, else the error status */
	unsigned retry_after;          /* 429 */
	const char *error;             /* English, for the API */
	const char *error_ar;          /* Arabic, for the form */
	raqib_comment_row row;         /* when stored */
	raqib_article article;         /* when found */
} http_post_out;

int http_post_comment(raqib_server *s, const char *iphash, const char *slug,
		      const http_post_in *in, raqib_arena *ar, http_post_out *out);
/* The Arabic notice for a stored comment: status and its reasons. */
const char *http_notice_ar(raqib_arena *ar, raqib_comment_status st, const char *reasons_json);
bool http_slug_valid(const char *s, size_t len);
/* Signed id for the redirect after a form post: "<id>.<sig>". */
void http_notice_ref(const raqib_server *s, int64_t id, char *out, size_t cap);
int64_t http_notice_check(const raqib_server *s, const char *ref);

/* token set (post.c) */
token_set *http_tokens_new(size_t cap);
void http_tokens_free(token_set *t);

/* pages.c */
page_cache *http_cache_new(void);
void http_cache_free(page_cache *c);
enum MHD_Result http_route_index(http_ctx *x);
enum MHD_Result http_route_article(http_ctx *x, bool fragment);
enum MHD_Result http_route_post_form(http_ctx *x);
enum MHD_Result http_route_sitemap(http_ctx *x);

/* api.c */
enum MHD_Result http_route_api_comments(http_ctx *x);
enum MHD_Result http_route_api_article(http_ctx *x);
enum MHD_Result http_preflight(http_ctx *x, const char *allow);

/* admin*.c: the editors' desk under /admin (docs/admin.md). */
http_admin *http_admin_new(raqib_server *s);
void http_admin_free(http_admin *a);
/* Routes every /admin URL and the desk's static files; false = not ours. */
bool http_admin_route(http_ctx *x, const char *url, enum MHD_Result *r);
/* admin_settings.c: applies the screening settings stored by
 * /admin/settings over cfg; returns how many applied, or <0. One that no
 * longer validates is skipped and described in a line appended to
 * `warnings` (NULL: not wanted). */
int http_settings_apply(raqib_store *st, raqib_config *cfg, raqib_buf *warnings, raqib_err *err);
/* Tells the webhook (if configured) that a comment entered the queue. */
void http_admin_notify_pending(raqib_server *s, const raqib_comment_row *c,
			       const raqib_article *a);

/* form.c: application/x-www-form-urlencoded */
/* Finds `name` in the body and decodes it into the arena (percent escapes,
 * '+' = space). Returns NULL when absent; *bad = true on a malformed escape. */
char *http_form_get(const char *body, size_t len, const char *name, raqib_arena *ar,
		    bool *bad);
/* Decodes one component into out (cap >= len + 1); returns the length or -1. */
long http_url_decode(const char *s, size_t len, char *out, bool plus_space);

#endif
