/*
 * admin.h — what the editors' desk files (admin_*.c, webhook.c) share: the
 * signed-in editor, the page shell and the form helpers. Internal to
 * src/http; the contract is docs/admin.md.
 *
 * Every answer under /admin is personal: no-store, and a CSP stricter than
 * the reader pages' (no framing at all, scripts and styles only from /static).
 * Every string from a reader, an editor or the database goes through
 * admin_esc(); the handlers never paste raw text into markup.
 */
#ifndef RAQIB_ADMIN_H
#define RAQIB_ADMIN_H

#include "http/httpd.h"

#define ADMIN_PER_PAGE 25

typedef struct admin_who {
	const char *user;
	const char *role;
	const char *csrf;
	bool is_admin;
	char token_hash[65];
} admin_who;

/* admin_auth.c */
enum MHD_Result admin_login(http_ctx *x);
enum MHD_Result admin_logout(http_ctx *x, const admin_who *w);
/* 0 = signed in (and an admin when need_admin); otherwise the answer (303,
 * 403) is queued into *r. */
int admin_require(http_ctx *x, bool need_admin, admin_who *w, enum MHD_Result *r);
/* The body's csrf field equals the session's. */
bool admin_csrf_ok(http_ctx *x, const admin_who *w);
enum MHD_Result admin_users(http_ctx *x, const admin_who *w);

/* admin_ui.c */
extern const char admin_csp[];
int admin_esc(raqib_buf *b, const char *s);
/* admin_audit.c: the audit rows as a table (also on a comment's page). */
int admin_audit_table(raqib_buf *b, const raqib_audit_row *a, size_t n, bool comment_col);
int admin_page_begin(raqib_buf *b, const char *title, const admin_who *w, const char *active);
int admin_page_end(raqib_buf *b);
int admin_csrf_input(raqib_buf *b, const admin_who *w);
/* Sends b (taking its memory) with the desk's headers; extra: NULL or a
 * NULL-terminated list of header name, value pairs. */
enum MHD_Result admin_send(http_ctx *x, unsigned status, raqib_buf *b, const char *const *extra);
enum MHD_Result admin_error(http_ctx *x, unsigned status, const admin_who *w, const char *msg);
enum MHD_Result admin_redirect(http_ctx *x, const char *location, const char *const *extra);
/* A form field of the body, decoded into the request arena; NULL = absent or
 * malformed. */
const char *admin_field(http_ctx *x, const char *name);
/* Every value of a repeated field (up to max). */
size_t admin_fields(http_ctx *x, const char *name, const char **out, size_t max);
/* A local /admin URL to go back to after a POST, or `fallback`. */
const char *admin_return_to(http_ctx *x, const char *fallback);
/* URL-encodes a query value. */
int admin_urlenc(raqib_buf *b, const char *s);

/* admin_queue.c */
enum MHD_Result admin_queue(http_ctx *x, const admin_who *w);
enum MHD_Result admin_comment(http_ctx *x, const admin_who *w, int64_t id);
enum MHD_Result admin_comment_post(http_ctx *x, const admin_who *w, int64_t id);
enum MHD_Result admin_bulk(http_ctx *x, const admin_who *w);
/* Text with the reasons' spans of `field` ("name"/"text") marked. */
int admin_highlight(raqib_buf *b, const char *text, const char *reasons_json, const char *field);
/* Word-level diff of a and b as <del>/<ins>. */
int admin_diff(raqib_buf *b, const char *a, const char *bb);

/* admin_audit.c */
enum MHD_Result admin_audit(http_ctx *x, const admin_who *w);

/* admin_stats.c */
enum MHD_Result admin_stats(http_ctx *x, const admin_who *w);

/* admin_settings.c: the screening policy (admins only). */
enum MHD_Result admin_settings(http_ctx *x, const admin_who *w);

/* webhook.c: a bounded queue and one sender thread. */
typedef struct http_webhook http_webhook;
http_webhook *http_webhook_new(const char *url);
void http_webhook_free(http_webhook *h);
/* Queues a JSON body (copied); drops it when the queue is full. */
void http_webhook_push(http_webhook *h, const char *json);

/* assets.c */
extern const char raqib_admin_js[];
extern const size_t raqib_admin_js_len;
extern const char raqib_admin_css[];
extern const size_t raqib_admin_css_len;

#endif
