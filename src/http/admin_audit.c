/*
 * admin_audit.c — the audit log: filtered view and CSV / JSON export. The
 * log is read-only here as everywhere (the database refuses UPDATE/DELETE).
 */
#include "http/admin.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_MAX 100000

/* A CSV field: quoted, quotes doubled; a leading = + - @ is prefixed with
 * ' so a spreadsheet never runs a reader's text as a formula. */
static int csv_field(raqib_buf *b, const char *s)
{
	int rc = raqib_buf_addc(b, '"');
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r')
		rc |= raqib_buf_addc(b, '\'');
	for (; *s; s++)
		rc |= *s == '"' ? raqib_buf_adds(b, "\"\"") : raqib_buf_addc(b, *s);
	return rc | raqib_buf_addc(b, '"');
}

static enum MHD_Result send_export(http_ctx *x, raqib_buf *b, const char *ctype,
				   const char *fname)
{
	struct MHD_Response *resp;
	char disp[80];

	x->rq->bytes = b->len;
	resp = MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_COPY);
	raqib_buf_free(b);
	if (!resp)
		return MHD_NO;
	snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", fname);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, "Content-Security-Policy", admin_csp);
	return http_queue(x, 200, resp, ctype, HTTP_H_NOSTORE);
}

static bool text_ok(const char *s, size_t max)
{
	return !s || (strlen(s) <= max && raqib_utf8_count(s, strlen(s), NULL) >= 0);
}

/* A before/after cell: the store writes {"status":…,"text":…}; shown as
 * labelled lines, each in its own direction, instead of raw JSON (mixed
 * Arabic and JSON punctuation is unreadable in an RTL table). */
static int audit_cell(raqib_buf *b, const char *v)
{
	json_error_t e;
	json_t *o = v && *v == '{' ? json_loads(v, 0, &e) : NULL;
	const char *k;
	json_t *val;
	int rc = 0;

	if (!json_is_object(o)) {
		json_decref(o);
		return raqib_buf_adds(b, "<span dir=\"auto\">") | admin_esc(b, v ? v : "") |
		       raqib_buf_adds(b, "</span>");
	}
	json_object_foreach(o, k, val) {
		char num[32];
		const char *sv = json_string_value(val);
		if (!sv) {
			snprintf(num, sizeof num, "%g", json_number_value(val));
			sv = json_is_number(val) ? num : "";
		}
		rc |= raqib_buf_adds(b, "<div><b>") | admin_esc(b, !strcmp(k, "status") ? "الحالة" :
							  !strcmp(k, "text") ? "النص" : k);
		rc |= raqib_buf_adds(b, ":</b> <bdi>") | admin_esc(b, sv) | raqib_buf_adds(b, "</bdi></div>");
	}
	json_decref(o);
	return rc;
}

int admin_audit_table(raqib_buf *b, const raqib_audit_row *a, size_t n, bool comment_col)
{
	int rc = raqib_buf_adds(b, "<table class=\"grid audit\"><thead><tr><th>#</th><th>الوقت</th>"
				   "<th>من</th><th>الإجراء</th>");
	if (comment_col)
		rc |= raqib_buf_adds(b, "<th>التعليق</th>");
	rc |= raqib_buf_adds(b, "<th>قبل</th><th>بعد</th><th>تفاصيل</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		char t[32];
		raqib_format_time(t, sizeof t, a[i].at);
		rc |= raqib_buf_addf(b, "<tr><td>%lld</td><td dir=\"ltr\">%s</td><td>", (long long)a[i].id, t);
		rc |= admin_esc(b, a[i].actor) | raqib_buf_adds(b, "</td><td>");
		rc |= admin_esc(b, a[i].action) | raqib_buf_adds(b, "</td><td>");
		if (comment_col) {
			if (a[i].comment_id)
				rc |= raqib_buf_addf(b, "<a href=\"/admin/comments/%lld\">#%lld</a>",
						     (long long)a[i].comment_id, (long long)a[i].comment_id);
			rc |= raqib_buf_adds(b, "</td><td>");
		}
		rc |= audit_cell(b, a[i].before) | raqib_buf_adds(b, "</td><td>");
		rc |= audit_cell(b, a[i].after) | raqib_buf_adds(b, "</td>");
		/* the screening event's detail is the reasons JSON: left to right */
		rc |= raqib_buf_adds(b, a[i].detail && (*a[i].detail == '[' || *a[i].detail == '{')
						? "<td dir=\"ltr\" class=\"json\">"
						: "<td dir=\"auto\">");
		rc |= admin_esc(b, a[i].detail) | raqib_buf_adds(b, "</td></tr>");
	}
	return rc | raqib_buf_adds(b, "</tbody></table>");
}

enum MHD_Result admin_audit(http_ctx *x, const admin_who *w)
{
	const char *cm = http_arg(x, "comment"), *actor = http_arg(x, "actor");
	const char *action = http_arg(x, "action"), *fmt = http_arg(x, "format");
	raqib_audit_filter f = {0, NULL, NULL, 0};
	raqib_audit_row *a;
	size_t n, total, page = http_page_arg(x);
	raqib_err err = {0, ""};
	bool csv = fmt && !strcmp(fmt, "csv"), js = fmt && !strcmp(fmt, "json");
	raqib_buf b, base;
	int rc = 0;

	if (fmt && *fmt && !csv && !js && strcmp(fmt, "html"))
		return admin_error(x, 400, w, "الصيغة csv أو json");
	if (cm && *cm) {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(cm, &end, 10);
		if (errno || *end || v <= 0)
			return admin_error(x, 400, w, "رقم تعليق غير صالح");
		f.comment_id = v;
	}
	if (!text_ok(actor, 64) || !text_ok(action, 64))
		return admin_error(x, 400, w, "مرشح غير صالح");
	f.actor = actor;
	f.action = action;
	if (raqib_store_audit_query(x->s->st, &f, csv || js ? 0 : (page - 1) * ADMIN_PER_PAGE * 2,
				    csv || js ? EXPORT_MAX : ADMIN_PER_PAGE * 2, http_arena(x), &a,
				    &n, &total, &err))
		return admin_error(x, 500, w, "تعذرت قراءة قاعدة البيانات");
	if (csv) {
		raqib_buf_init(&b, (size_t)1 << 31);
		rc |= raqib_buf_adds(&b, "id,at,actor,action,comment_id,article_id,before,after,detail\r\n");
		for (size_t i = 0; i < n; i++) {
			rc |= raqib_buf_addf(&b, "%lld,%lld,", (long long)a[i].id, (long long)a[i].at);
			rc |= csv_field(&b, a[i].actor) | raqib_buf_addc(&b, ',');
			rc |= csv_field(&b, a[i].action);
			rc |= raqib_buf_addf(&b, ",%lld,%lld,", (long long)a[i].comment_id,
					     (long long)a[i].article_id);
			rc |= csv_field(&b, a[i].before) | raqib_buf_addc(&b, ',');
			rc |= csv_field(&b, a[i].after) | raqib_buf_addc(&b, ',');
			rc |= csv_field(&b, a[i].detail) | raqib_buf_adds(&b, "\r\n");
		}
		if (rc) {
			raqib_buf_free(&b);
			return MHD_NO;
		}
		return send_export(x, &b, "text/csv; charset=utf-8", "raqib-audit.csv");
	}
	if (js) {
		json_t *arr = json_array();
		char *s;
		for (size_t i = 0; arr && i < n; i++)
			json_array_append_new(
				arr, json_pack("{s:I,s:I,s:s,s:s,s:I,s:I,s:s,s:s,s:s}", "id",
					       (json_int_t)a[i].id, "at", (json_int_t)a[i].at, "actor",
					       a[i].actor, "action", a[i].action, "comment_id",
					       (json_int_t)a[i].comment_id, "article_id",
					       (json_int_t)a[i].article_id, "before", a[i].before,
					       "after", a[i].after, "detail", a[i].detail));
		s = arr ? json_dumps(arr, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		json_decref(arr);
		if (!s)
			return MHD_NO;
		raqib_buf_init(&b, (size_t)1 << 31);
		rc = raqib_buf_adds(&b, s) | raqib_buf_addc(&b, '\n');
		free(s);
		if (rc) {
			raqib_buf_free(&b);
			return MHD_NO;
		}
		return send_export(x, &b, "application/json; charset=utf-8", "raqib-audit.json");
	}

	raqib_buf_init(&base, 4096);
	rc |= raqib_buf_adds(&base, "/admin/audit?");
	if (f.comment_id)
		rc |= raqib_buf_addf(&base, "comment=%lld&", (long long)f.comment_id);
	if (actor && *actor)
		rc |= raqib_buf_adds(&base, "actor=") | admin_urlenc(&base, actor) |
		      raqib_buf_addc(&base, '&');
	if (action && *action)
		rc |= raqib_buf_adds(&base, "action=") | admin_urlenc(&base, action) |
		      raqib_buf_addc(&base, '&');

	raqib_buf_init(&b, 32 << 20);
	rc |= admin_page_begin(&b, "سجل القرارات", w, "audit");
	rc |= raqib_buf_addf(&b, "<h1>سجل القرارات <small>(%zu)</small></h1>", total);
	rc |= raqib_buf_adds(&b, "<form class=\"filters\" method=\"get\" action=\"/admin/audit\">"
				 "<label>التعليق <input name=\"comment\" size=\"6\" value=\"");
	if (f.comment_id)
		rc |= raqib_buf_addf(&b, "%lld", (long long)f.comment_id);
	rc |= raqib_buf_adds(&b, "\"></label><label>من <input name=\"actor\" size=\"10\" value=\"");
	rc |= admin_esc(&b, actor ? actor : "");
	rc |= raqib_buf_adds(&b, "\"></label><label>الإجراء <input name=\"action\" size=\"10\" value=\"");
	rc |= admin_esc(&b, action ? action : "");
	rc |= raqib_buf_adds(&b, "\"></label><button type=\"submit\">تصفية</button> <a href=\"");
	rc |= admin_esc(&b, base.data) | raqib_buf_adds(&b, "format=csv\">CSV</a> <a href=\"");
	rc |= admin_esc(&b, base.data) | raqib_buf_adds(&b, "format=json\">JSON</a></form>");
	rc |= admin_audit_table(&b, a, n, true);
	{
		size_t per = ADMIN_PER_PAGE * 2, pages = (total + per - 1) / per;
		if (pages > 1) {
			rc |= raqib_buf_adds(&b, "<nav class=\"pages\">");
			if (page > 1)
				rc |= raqib_buf_adds(&b, "<a rel=\"prev\" href=\"") |
				      admin_esc(&b, base.data) |
				      raqib_buf_addf(&b, "page=%zu\">السابق</a>", page - 1);
			rc |= raqib_buf_addf(&b, "<span>صفحة %zu من %zu</span>", page, pages);
			if (page < pages)
				rc |= raqib_buf_adds(&b, "<a rel=\"next\" href=\"") |
				      admin_esc(&b, base.data) |
				      raqib_buf_addf(&b, "page=%zu\">التالي</a>", page + 1);
			rc |= raqib_buf_adds(&b, "</nav>");
		}
	}
	rc |= admin_page_end(&b);
	raqib_buf_free(&base);
	if (rc) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	return admin_send(x, 200, &b, NULL);
}
