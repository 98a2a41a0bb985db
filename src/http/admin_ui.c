/*
 * admin_ui.c — the desk's routing, page shell, headers and form helpers.
 */
#include "http/admin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Stricter than the reader pages: the desk is never framed, loads nothing
 * from elsewhere and runs no inline code. */
const char admin_csp[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

int admin_esc(raqib_buf *b, const char *s)
{
	return raqib_html_escape(b, s ? s : "", s ? strlen(s) : 0);
}

int admin_urlenc(raqib_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.')
			rc |= raqib_buf_addc(b, (char)c);
		else
			rc |= raqib_buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return rc;
}

int admin_csrf_input(raqib_buf *b, const admin_who *w)
{
	return raqib_buf_adds(b, "<input type=\"hidden\" name=\"csrf\" value=\"") |
	       admin_esc(b, w->csrf) | raqib_buf_adds(b, "\">");
}

int admin_page_begin(raqib_buf *b, const char *title, const admin_who *w, const char *active)
{
	static const struct {
		const char *href, *key, *label;
		bool admin;
	} nav[] = {
		{"/admin", "queue", "الطابور", false},
		{"/admin/audit", "audit", "سجل القرارات", false},
		{"/admin/stats", "stats", "الإحصاءات", false},
		{"/admin/users", "users", "المستخدمون", true},
		{"/admin/settings", "settings", "الإعدادات", true},
	};
	int rc = raqib_buf_adds(b, "<!doctype html>\n<html lang=\"ar\" dir=\"rtl\"><head>"
				   "<meta charset=\"utf-8\">"
				   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
				   "<meta name=\"robots\" content=\"noindex\"><title>");
	rc |= admin_esc(b, title);
	rc |= raqib_buf_adds(b, " — مكتب التحرير</title>"
				"<link rel=\"stylesheet\" href=\"/static/admin.css\">"
				"<script src=\"/static/admin.js\" defer></script></head>"
				"<body class=\"raqib-admin\"><header class=\"bar\">"
				"<span class=\"brand\">رقيب · مكتب التحرير</span>");
	if (w) {
		rc |= raqib_buf_adds(b, "<nav>");
		for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
			if (nav[i].admin && !w->is_admin)
				continue;
			rc |= raqib_buf_addf(b, "<a href=\"%s\"%s>%s</a>", nav[i].href,
					     active && !strcmp(active, nav[i].key) ? " class=\"on\""
										  : "",
					     nav[i].label);
		}
		rc |= raqib_buf_adds(b, "</nav><form class=\"who\" method=\"post\" "
					"action=\"/admin/logout\"><span>");
		rc |= admin_esc(b, w->user);
		rc |= raqib_buf_addf(b, " (%s)</span>", w->is_admin ? "مدير" : "محرر");
		rc |= admin_csrf_input(b, w);
		rc |= raqib_buf_adds(b, "<button type=\"submit\">خروج</button></form>");
	}
	rc |= raqib_buf_adds(b, "</header><main>");
	return rc;
}

int admin_page_end(raqib_buf *b)
{
	return raqib_buf_adds(b, "</main></body></html>\n");
}

static void add_headers(struct MHD_Response *resp, const char *const *extra)
{
	MHD_add_response_header(resp, "Content-Security-Policy", admin_csp);
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	for (; extra && extra[0] && extra[1]; extra += 2)
		MHD_add_response_header(resp, extra[0], extra[1]);
}

enum MHD_Result admin_send(http_ctx *x, unsigned status, raqib_buf *b, const char *const *extra)
{
	struct MHD_Response *resp;

	x->rq->bytes = b->len;
	resp = MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_COPY);
	raqib_buf_free(b);
	if (!resp)
		return MHD_NO;
	add_headers(resp, extra);
	return http_queue(x, status, resp, "text/html; charset=utf-8", HTTP_H_NOSTORE);
}

enum MHD_Result admin_error(http_ctx *x, unsigned status, const admin_who *w, const char *msg)
{
	raqib_buf b;
	raqib_buf_init(&b, 1 << 20);
	if (admin_page_begin(&b, "خطأ", w, NULL) ||
	    raqib_buf_addf(&b, "<section class=\"error\"><h1>%u</h1><p>", status) ||
	    admin_esc(&b, msg) ||
	    raqib_buf_adds(&b, "</p><p><a href=\"/admin\">العودة إلى الطابور</a></p></section>") ||
	    admin_page_end(&b)) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	return admin_send(x, status, &b, NULL);
}

enum MHD_Result admin_redirect(http_ctx *x, const char *location, const char *const *extra)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	add_headers(resp, extra);
	return http_queue(x, 303, resp, "text/html; charset=utf-8", HTTP_H_NOSTORE);
}

const char *admin_field(http_ctx *x, const char *name)
{
	bool bad = false;
	const char *v;
	if (!x->body || !x->body_len)
		return NULL;
	v = http_form_get(x->body, x->body_len, name, http_arena(x), &bad);
	return bad ? NULL : v;
}

size_t admin_fields(http_ctx *x, const char *name, const char **out, size_t max)
{
	size_t nlen = strlen(name), i = 0, n = 0, len = x->body_len;
	const char *body = x->body;

	while (body && i < len && n < max) {
		const char *amp = memchr(body + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - body) : len;
		const char *eq = memchr(body + i, '=', end - i);
		size_t klen = eq ? (size_t)(eq - (body + i)) : end - i;
		if (eq && ((klen == nlen && !memcmp(body + i, name, nlen)) ||
			   /* "ids[]" or "ids%5B%5D" as some form libraries send them */
			   (klen == nlen + 2 && !memcmp(body + i, name, nlen) &&
			    !memcmp(body + i + nlen, "[]", 2)))) {
			size_t vlen = (size_t)(body + end - (eq + 1));
			char *v = raqib_arena_alloc(http_arena(x), vlen + 1);
			if (v && http_url_decode(eq + 1, vlen, v, true) >= 0)
				out[n++] = v;
		}
		i = end + 1;
	}
	return n;
}

const char *admin_return_to(http_ctx *x, const char *fallback)
{
	const char *r = admin_field(x, "return_to");
	if (!r || strncmp(r, "/admin", 6) || (r[6] && r[6] != '/' && r[6] != '?') ||
	    strstr(r, "//") || strpbrk(r, "\r\n\\ \t") || strlen(r) > 512)
		return fallback;
	return r;
}

static enum MHD_Result send_asset(http_ctx *x, const char *ctype, const char *data, size_t len)
{
	if (strcmp(x->method, "GET"))
		return http_method_not_allowed(x, "GET, HEAD", false);
	return http_send_static(x, 200, ctype, data, len, HTTP_H_NOCACHE);
}

static bool parse_id(const char *p, int64_t *id)
{
	char *end;
	long long v;
	if (!*p || *p < '0' || *p > '9')
		return false;
	errno = 0;
	v = strtoll(p, &end, 10);
	if (errno || *end || v <= 0)
		return false;
	*id = v;
	return true;
}

bool http_admin_route(http_ctx *x, const char *url, enum MHD_Result *r)
{
	const char *m = x->method;
	bool get = !strcmp(m, "GET"), post = !strcmp(m, "POST");
	admin_who w;
	int64_t id;

	if (!strcmp(url, "/static/admin.js")) {
		x->rq->route = RAQIB_ROUTE_STATIC;
		*r = send_asset(x, "application/javascript; charset=utf-8", raqib_admin_js,
				raqib_admin_js_len);
		return true;
	}
	if (!strcmp(url, "/static/admin.css")) {
		x->rq->route = RAQIB_ROUTE_STATIC;
		*r = send_asset(x, "text/css; charset=utf-8", raqib_admin_css, raqib_admin_css_len);
		return true;
	}
	if (strncmp(url, "/admin", 6) || (url[6] && url[6] != '/'))
		return false;
	x->rq->route = RAQIB_ROUTE_OTHER;
	url += 6;
	if (!strcmp(url, "/login")) {
		*r = get || post ? admin_login(x) : http_method_not_allowed(x, "GET, HEAD, POST", false);
		return true;
	}
	if (!get && !post) {
		*r = http_method_not_allowed(x, "GET, HEAD, POST", false);
		return true;
	}
	if (admin_require(x, !strcmp(url, "/users") || !strcmp(url, "/settings"), &w, r))
		return true;
	if (post && !admin_csrf_ok(x, &w)) {
		*r = admin_error(x, 403, &w, "انتهت صلاحية النموذج أو لم يُرسل رمز الحماية: أعد تحميل الصفحة وحاول مجددًا.");
		return true;
	}
	if (!*url || !strcmp(url, "/")) {
		*r = get ? admin_queue(x, &w) : http_method_not_allowed(x, "GET, HEAD", false);
	} else if (!strcmp(url, "/logout")) {
		*r = post ? admin_logout(x, &w) : http_method_not_allowed(x, "POST", false);
	} else if (!strncmp(url, "/comments/", 10) && parse_id(url + 10, &id)) {
		*r = get ? admin_comment(x, &w, id) : admin_comment_post(x, &w, id);
	} else if (!strcmp(url, "/bulk")) {
		*r = post ? admin_bulk(x, &w) : http_method_not_allowed(x, "POST", false);
	} else if (!strcmp(url, "/audit")) {
		*r = get ? admin_audit(x, &w) : http_method_not_allowed(x, "GET, HEAD", false);
	} else if (!strcmp(url, "/stats")) {
		*r = get ? admin_stats(x, &w) : http_method_not_allowed(x, "GET, HEAD", false);
	} else if (!strcmp(url, "/users")) {
		*r = admin_users(x, &w);
	} else if (!strcmp(url, "/settings")) {
		*r = admin_settings(x, &w);
	} else {
		*r = admin_error(x, 404, &w, "الصفحة غير موجودة");
	}
	return true;
}
