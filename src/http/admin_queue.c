/*
 * admin_queue.c — the queue, one comment's page, the actions and bulk
 * actions. Every action goes through raqib_store_comment_set (status, public
 * text and the audit event in one transaction) and then bumps the page-cache
 * generation, so the public page and the API change at once.
 *
 * Editing keeps `text` (what the reader wrote) and changes `text_public`;
 * approving a held comment publishes its public text with status
 * "published", whether or not an editor shortened it first.
 */
#include "http/admin.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT_BYTES (32 * 1024)
#define MAX_BULK 200

static const char *const STATUS_AR[] = {"منشور", "منشور مختصرًا", "بانتظار القرار", "مرفوض",
					"سُحب من النشر"};

static const char *action_ar(const char *a)
{
	if (!strcmp(a, "hold"))
		return "أُحيل إلى المحررين";
	if (!strcmp(a, "reject"))
		return "رُفض آليًا";
	if (!strcmp(a, "shorten"))
		return "اختُصر آليًا";
	return a;
}

static const char *rule_ar(const char *rule)
{
	int r = raqib_rule_from_name(rule, strlen(rule));
	return r < 0 ? rule : raqib_reason_ar((raqib_rule)r);
}

/* ---- highlighting */

typedef struct hl_span {
	size_t s, e;
	const char *rule;
	double score;
} hl_span;

static int span_cmp(const void *a, const void *b)
{
	const hl_span *x = a, *y = b;
	return x->s < y->s ? -1 : x->s > y->s ? 1 : (x->e > y->e ? -1 : x->e < y->e);
}

int admin_highlight(raqib_buf *b, const char *text, const char *reasons_json, const char *field)
{
	json_t *root = reasons_json && *reasons_json ? json_loads(reasons_json, 0, NULL) : NULL;
	hl_span sp[64];
	size_t nsp = 0, ncp = 0, len = strlen(text), *off = NULL, cur = 0, i;
	int rc = 0;

	if (json_is_array(root)) {
		json_t *r;
		size_t k;
		json_array_foreach(root, k, r) {
			const char *rule = json_string_value(json_object_get(r, "rule"));
			const char *f = json_string_value(json_object_get(r, "field"));
			json_t *spans = json_object_get(r, "spans"), *pair;
			size_t j;
			if (!rule || !f || strcmp(f, field) || !json_is_array(spans))
				continue;
			json_array_foreach(spans, j, pair) {
				json_int_t s0 = json_integer_value(json_array_get(pair, 0));
				json_int_t e0 = json_integer_value(json_array_get(pair, 1));
				if (nsp == sizeof sp / sizeof sp[0] || s0 < 0 || e0 <= s0)
					continue;
				sp[nsp++] = (hl_span){(size_t)s0, (size_t)e0, rule,
						      json_number_value(json_object_get(r, "score"))};
			}
		}
	}
	if (!nsp) {
		json_decref(root);
		return admin_esc(b, text);
	}
	/* byte offset of every code point, and one past the end */
	off = malloc((len + 1) * sizeof *off);
	if (!off) {
		json_decref(root);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (((unsigned char)text[i] & 0xC0) != 0x80)
			off[ncp++] = i;
	off[ncp] = len;
	qsort(sp, nsp, sizeof sp[0], span_cmp);
	for (i = 0; i < nsp && !rc; i++) {
		size_t s0 = sp[i].s < cur ? cur : sp[i].s, e0 = sp[i].e > ncp ? ncp : sp[i].e;
		char title[200];
		if (s0 >= e0)
			continue;
		rc |= raqib_html_escape(b, text + off[cur], off[s0] - off[cur]);
		snprintf(title, sizeof title, "%s — %.2f", rule_ar(sp[i].rule), sp[i].score);
		rc |= raqib_buf_adds(b, "<mark class=\"raqib-hl raqib-hl-");
		rc |= admin_esc(b, sp[i].rule);
		rc |= raqib_buf_adds(b, "\" title=\"");
		rc |= admin_esc(b, title);
		rc |= raqib_buf_adds(b, "\">");
		rc |= raqib_html_escape(b, text + off[s0], off[e0] - off[s0]);
		rc |= raqib_buf_adds(b, "</mark>");
		cur = e0;
	}
	rc |= raqib_html_escape(b, text + off[cur], len - off[cur]);
	free(off);
	json_decref(root);
	return rc;
}

static int reasons_list(raqib_buf *b, const char *reasons_json)
{
	json_t *root = reasons_json && *reasons_json ? json_loads(reasons_json, 0, NULL) : NULL, *r;
	size_t k;
	int rc = 0;

	if (!json_is_array(root) || !json_array_size(root)) {
		json_decref(root);
		return raqib_buf_adds(b, "<p class=\"reasons none\">لا أسباب: نُشر آليًا</p>");
	}
	rc |= raqib_buf_adds(b, "<ul class=\"reasons\">");
	json_array_foreach(root, k, r) {
		const char *rule = json_string_value(json_object_get(r, "rule"));
		const char *f = json_string_value(json_object_get(r, "field"));
		const char *act = json_string_value(json_object_get(r, "action"));
		if (!rule)
			continue;
		rc |= raqib_buf_adds(b, "<li><span class=\"rule raqib-hl-");
		rc |= admin_esc(b, rule);
		rc |= raqib_buf_adds(b, "\">");
		rc |= admin_esc(b, rule_ar(rule));
		rc |= raqib_buf_adds(b, "</span> <code>");
		rc |= admin_esc(b, rule);
		rc |= raqib_buf_addf(b, "</code> · الدرجة %.2f · %s · ",
				     json_number_value(json_object_get(r, "score")),
				     f && !strcmp(f, "name") ? "في الاسم" : "في النص");
		rc |= admin_esc(b, action_ar(act ? act : ""));
		rc |= raqib_buf_adds(b, "</li>");
	}
	rc |= raqib_buf_adds(b, "</ul>");
	json_decref(root);
	return rc;
}

/* ---- diff */

typedef struct word {
	const char *p;
	size_t n;
} word;

static size_t split_words(const char *s, word **out)
{
	size_t n = 0, cap = 0;
	word *v = NULL;
	while (*s) {
		const char *e;
		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
			s++;
		if (!*s)
			break;
		e = s;
		while (*e && *e != ' ' && *e != '\n' && *e != '\t' && *e != '\r')
			e++;
		if (n == cap) {
			word *nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof *v);
			if (!nv) {
				free(v);
				*out = NULL;
				return 0;
			}
			v = nv;
		}
		v[n++] = (word){s, (size_t)(e - s)};
		s = e;
	}
	*out = v;
	return n;
}

static bool word_eq(const word *a, const word *b)
{
	return a->n == b->n && !memcmp(a->p, b->p, a->n);
}

int admin_diff(raqib_buf *b, const char *a, const char *bb)
{
	word *wa, *wb;
	size_t na = split_words(a, &wa), nb = split_words(bb, &wb), i, j;
	uint16_t *t = NULL;
	int rc = 0;

	/* LCS table; a comment past ~2000 words each side is shown whole */
	if (na && nb && na < 2000 && nb < 2000)
		t = calloc((na + 1) * (nb + 1), sizeof *t);
	if (!t) {
		rc |= raqib_buf_adds(b, "<del>") | admin_esc(b, a) | raqib_buf_adds(b, "</del> <ins>");
		rc |= admin_esc(b, bb) | raqib_buf_adds(b, "</ins>");
		goto out;
	}
#define T(i, j) t[(i) * (nb + 1) + (j)]
	for (i = na; i-- > 0;)
		for (j = nb; j-- > 0;)
			T(i, j) = word_eq(&wa[i], &wb[j])
					  ? (uint16_t)(T(i + 1, j + 1) + 1)
					  : (T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
	i = j = 0;
	while (i < na || j < nb) {
		if (i < na && j < nb && word_eq(&wa[i], &wb[j])) {
			rc |= raqib_html_escape(b, wa[i].p, wa[i].n) | raqib_buf_addc(b, ' ');
			i++, j++;
		} else if (j < nb && (i == na || T(i, j + 1) >= T(i + 1, j))) {
			rc |= raqib_buf_adds(b, "<ins>") | raqib_html_escape(b, wb[j].p, wb[j].n);
			rc |= raqib_buf_adds(b, "</ins> ");
			j++;
		} else {
			rc |= raqib_buf_adds(b, "<del>") | raqib_html_escape(b, wa[i].p, wa[i].n);
			rc |= raqib_buf_adds(b, "</del> ");
			i++;
		}
	}
#undef T
out:
	free(t);
	free(wa);
	free(wb);
	return rc;
}

/* ---- rendering */

static int reason_select(raqib_buf *b)
{
	int rc = raqib_buf_adds(b, "<select name=\"reason\" aria-label=\"سبب الرفض\">");
	for (int r = 0; r < RAQIB_RULE_COUNT; r++) {
		if (r == RAQIB_RULE_HONEYPOT)
			continue;
		rc |= raqib_buf_addf(b, "<option value=\"%s\">%s</option>", raqib_rule_name((raqib_rule)r),
				     raqib_reason_ar((raqib_rule)r));
	}
	rc |= raqib_buf_adds(b, "<option value=\"other\">سبب آخر</option></select>");
	return rc;
}

static int form_open(raqib_buf *b, const admin_who *w, int64_t id, const char *ret,
		     const char *cls)
{
	int rc = raqib_buf_addf(b, "<form class=\"%s\" method=\"post\" action=\"/admin/comments/%lld\">",
				cls, (long long)id);
	rc |= admin_csrf_input(b, w);
	if (ret) {
		rc |= raqib_buf_adds(b, "<input type=\"hidden\" name=\"return_to\" value=\"");
		rc |= admin_esc(b, ret) | raqib_buf_adds(b, "\">");
	}
	return rc;
}

static int render_item(raqib_buf *b, const admin_who *w, const raqib_comment_row *c,
		       const char *ret, bool select)
{
	char t[32];
	int rc = 0;

	raqib_format_time(t, sizeof t, c->created_at);
	rc |= raqib_buf_addf(b, "<article class=\"item st-%s\" id=\"c%lld\" data-id=\"%lld\" "
				"tabindex=\"-1\"><header>",
			     raqib_status_name(c->status), (long long)c->id, (long long)c->id);
	if (select)
		rc |= raqib_buf_addf(b, "<input type=\"checkbox\" class=\"sel\" form=\"bulk\" "
					"name=\"ids\" value=\"%lld\" aria-label=\"تحديد\">",
				     (long long)c->id);
	rc |= raqib_buf_addf(b, "<a class=\"cid\" href=\"/admin/comments/%lld\">#%lld</a> "
				"<span class=\"author\">",
			     (long long)c->id, (long long)c->id);
	rc |= admin_highlight(b, c->name, c->reasons_json, "name");
	rc |= raqib_buf_adds(b, "</span> · <a class=\"article\" href=\"/a/");
	rc |= admin_esc(b, c->article_slug) | raqib_buf_adds(b, "\">");
	rc |= admin_esc(b, c->article_slug);
	rc |= raqib_buf_addf(b, "</a> · <time>%s</time> · <span class=\"badge\">%s</span></header>",
			     t, STATUS_AR[c->status]);
	rc |= raqib_buf_adds(b, "<div class=\"text\" dir=\"auto\">");
	rc |= admin_highlight(b, c->text, c->reasons_json, "text");
	rc |= raqib_buf_adds(b, "</div>");
	if (strcmp(c->text, c->text_public)) {
		rc |= raqib_buf_adds(b, "<div class=\"public\"><span>النص المنشور:</span> ");
		rc |= admin_diff(b, c->text, c->text_public) | raqib_buf_adds(b, "</div>");
	}
	rc |= reasons_list(b, c->reasons_json);
	rc |= raqib_buf_adds(b, "<div class=\"actions\">");
	if (c->status != RAQIB_CS_PUBLISHED) {
		rc |= form_open(b, w, c->id, ret, "act");
		rc |= raqib_buf_adds(b, "<button class=\"approve\" name=\"action\" value=\"approve\">"
					"نشر <kbd>a</kbd></button></form>");
	}
	if (c->status != RAQIB_CS_REJECTED) {
		rc |= form_open(b, w, c->id, ret, "act");
		rc |= reason_select(b);
		rc |= raqib_buf_adds(b, "<button class=\"reject\" name=\"action\" value=\"reject\">"
					"رفض <kbd>r</kbd></button></form>");
	}
	if (raqib_status_public(c->status)) {
		rc |= form_open(b, w, c->id, ret, "act");
		rc |= raqib_buf_adds(b, "<input type=\"hidden\" name=\"reason\" value=\"other\">"
					"<button name=\"action\" value=\"unpublish\">سحب من النشر"
					"</button></form>");
	}
	rc |= form_open(b, w, c->id, ret, "act ban");
	rc |= raqib_buf_adds(b, "<label>حظر الكاتب <input type=\"number\" name=\"days\" value=\"7\" "
				"min=\"1\" max=\"3650\" size=\"4\"> يومًا</label>"
				"<button name=\"action\" value=\"ban\">حظر</button></form>");
	rc |= raqib_buf_adds(b, "<details class=\"edit\"><summary>تعديل / اختصار <kbd>e</kbd></summary>");
	rc |= form_open(b, w, c->id, ret, "act");
	rc |= raqib_buf_adds(b, "<textarea name=\"text\" rows=\"4\" dir=\"auto\">");
	rc |= admin_esc(b, c->text_public);
	rc |= raqib_buf_adds(b, "</textarea><button name=\"action\" value=\"edit\">حفظ النص</button>"
				"</form></details></div></article>");
	return rc;
}

static int page_links(raqib_buf *b, const char *base, size_t page, size_t total)
{
	size_t pages = (total + ADMIN_PER_PAGE - 1) / ADMIN_PER_PAGE;
	int rc = 0;
	if (pages <= 1)
		return 0;
	rc |= raqib_buf_adds(b, "<nav class=\"pages\">");
	if (page > 1)
		rc |= raqib_buf_adds(b, "<a rel=\"prev\" href=\"") | admin_esc(b, base) |
		      raqib_buf_addf(b, "page=%zu\">السابق</a>", page - 1);
	rc |= raqib_buf_addf(b, "<span>صفحة %zu من %zu</span>", page, pages);
	if (page < pages)
		rc |= raqib_buf_adds(b, "<a rel=\"next\" href=\"") | admin_esc(b, base) |
		      raqib_buf_addf(b, "page=%zu\">التالي</a>", page + 1);
	rc |= raqib_buf_adds(b, "</nav>");
	return rc;
}

enum MHD_Result admin_queue(http_ctx *x, const admin_who *w)
{
	const char *st_arg = http_arg(x, "status"), *rule = http_arg(x, "rule");
	const char *art = http_arg(x, "article");
	raqib_queue_filter f = {RAQIB_CS_PENDING, NULL, NULL};
	raqib_comment_row *rows;
	size_t n, total, page = http_page_arg(x);
	raqib_err err = {0, ""};
	raqib_buf b, base, self;
	int rc = 0;

	if (st_arg && *st_arg) {
		f.status = !strcmp(st_arg, "all") ? -1 : raqib_status_from_name(st_arg);
		if (f.status < 0 && strcmp(st_arg, "all"))
			return admin_error(x, 400, w, "حالة غير معروفة");
	}
	if (rule && *rule) {
		if (raqib_rule_from_name(rule, strlen(rule)) < 0)
			return admin_error(x, 400, w, "قاعدة غير معروفة");
		f.rule = rule;
	}
	if (art && *art) {
		if (!http_slug_valid(art, strlen(art)))
			return admin_error(x, 400, w, "معرّف مقال غير صالح");
		f.article = art;
	}
	if (raqib_store_queue(x->s->st, &f, (page - 1) * ADMIN_PER_PAGE, ADMIN_PER_PAGE,
			      http_arena(x), &rows, &n, &total, &err))
		return admin_error(x, 500, w, "تعذرت قراءة قاعدة البيانات");

	raqib_buf_init(&base, 4096);
	raqib_buf_init(&self, 4096);
	rc |= raqib_buf_adds(&base, "/admin?");
	if (st_arg && *st_arg)
		rc |= raqib_buf_adds(&base, "status=") | admin_urlenc(&base, st_arg) |
		      raqib_buf_addc(&base, '&');
	if (f.rule)
		rc |= raqib_buf_adds(&base, "rule=") | admin_urlenc(&base, f.rule) |
		      raqib_buf_addc(&base, '&');
	if (f.article)
		rc |= raqib_buf_adds(&base, "article=") | admin_urlenc(&base, f.article) |
		      raqib_buf_addc(&base, '&');
	rc |= raqib_buf_add(&self, base.data, base.len) | raqib_buf_addf(&self, "page=%zu", page);

	raqib_buf_init(&b, 32 << 20);
	rc |= admin_page_begin(&b, "الطابور", w, "queue");
	rc |= raqib_buf_addf(&b, "<h1>الطابور <small>(%zu)</small></h1>", total);
	rc |= raqib_buf_adds(&b, "<form class=\"filters\" method=\"get\" action=\"/admin\">"
				 "<label>الحالة <select name=\"status\">");
	for (int s = -1; s <= RAQIB_CS_UNPUBLISHED; s++) {
		const char *v = s < 0 ? "all" : raqib_status_name((raqib_comment_status)s);
		rc |= raqib_buf_addf(&b, "<option value=\"%s\"%s>%s</option>", v,
				     f.status == s ? " selected" : "", s < 0 ? "الكل" : STATUS_AR[s]);
	}
	rc |= raqib_buf_adds(&b, "</select></label><label>القاعدة <select name=\"rule\">"
				 "<option value=\"\">الكل</option>");
	for (int r = 0; r < RAQIB_RULE_COUNT; r++) {
		const char *nm = raqib_rule_name((raqib_rule)r);
		rc |= raqib_buf_addf(&b, "<option value=\"%s\"%s>%s</option>", nm,
				     f.rule && !strcmp(f.rule, nm) ? " selected" : "",
				     raqib_reason_ar((raqib_rule)r));
	}
	rc |= raqib_buf_adds(&b, "</select></label><label>المقال <input name=\"article\" value=\"");
	rc |= admin_esc(&b, f.article ? f.article : "");
	rc |= raqib_buf_adds(&b, "\" size=\"16\"></label><button type=\"submit\">تصفية</button></form>");
	rc |= raqib_buf_adds(&b, "<form id=\"bulk\" class=\"bulk\" method=\"post\" action=\"/admin/bulk\">");
	rc |= admin_csrf_input(&b, w);
	rc |= raqib_buf_adds(&b, "<input type=\"hidden\" name=\"return_to\" value=\"");
	rc |= admin_esc(&b, self.data) | raqib_buf_adds(&b, "\"><span>المحدد:</span> ");
	rc |= raqib_buf_adds(&b, "<button name=\"action\" value=\"approve\">نشر المحدد</button> ");
	rc |= reason_select(&b);
	rc |= raqib_buf_adds(&b, "<button name=\"action\" value=\"reject\">رفض المحدد</button>"
				 "<span class=\"keys\">المفاتيح: <kbd>j</kbd>/<kbd>k</kbd> تنقل، "
				 "<kbd>a</kbd> نشر، <kbd>r</kbd> رفض، <kbd>e</kbd> تعديل، "
				 "<kbd>x</kbd> تحديد</span></form>");
	if (!n)
		rc |= raqib_buf_adds(&b, "<p class=\"empty\">لا تعليقات هنا.</p>");
	rc |= raqib_buf_adds(&b, "<div class=\"queue\">");
	for (size_t i = 0; i < n; i++)
		rc |= render_item(&b, w, &rows[i], self.data, true);
	rc |= raqib_buf_adds(&b, "</div>");
	rc |= page_links(&b, base.data, page, total);
	rc |= admin_page_end(&b);
	raqib_buf_free(&base);
	raqib_buf_free(&self);
	if (rc) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	return admin_send(x, 200, &b, NULL);
}


enum MHD_Result admin_comment(http_ctx *x, const admin_who *w, int64_t id)
{
	raqib_comment_row c;
	raqib_audit_row *au;
	size_t na;
	raqib_err err = {0, ""};
	raqib_buf b;
	char self[64];
	int rc = raqib_store_comment_get(x->s->st, id, http_arena(x), &c, &err);

	if (rc == RAQIB_STORE_NOTFOUND)
		return admin_error(x, 404, w, "التعليق غير موجود");
	if (rc || raqib_store_audit_list(x->s->st, id, 0, 200, http_arena(x), &au, &na, &err))
		return admin_error(x, 500, w, "تعذرت قراءة قاعدة البيانات");
	snprintf(self, sizeof self, "/admin/comments/%lld", (long long)id);
	raqib_buf_init(&b, 32 << 20);
	rc |= admin_page_begin(&b, "تعليق", w, "queue");
	rc |= raqib_buf_addf(&b, "<h1>التعليق #%lld</h1><div class=\"queue single\">", (long long)id);
	rc |= render_item(&b, w, &c, self, false);
	rc |= raqib_buf_adds(&b, "</div><h2>الفرق بين نص القارئ والنص المنشور</h2><p class=\"diff\" "
				 "dir=\"auto\">");
	rc |= admin_diff(&b, c.text, c.text_public);
	rc |= raqib_buf_adds(&b, "</p><h2>سجل القرارات</h2>");
	rc |= admin_audit_table(&b, au, na, false);
	rc |= admin_page_end(&b);
	if (rc) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	return admin_send(x, 200, &b, NULL);
}

/* One action on one comment. 0, or the HTTP status of the refusal with
 * *msg set. */
static unsigned apply(http_ctx *x, const admin_who *w, int64_t id, const char *action,
		      const char **msg)
{
	raqib_server *s = x->s;
	raqib_err err = {0, ""};
	raqib_comment_row c;
	const char *reason = admin_field(x, "reason");
	int64_t now = http_now();
	int rc = raqib_store_comment_get(s->st, id, http_arena(x), &c, &err);

	if (rc == RAQIB_STORE_NOTFOUND) {
		*msg = "التعليق غير موجود";
		return 404;
	}
	if (rc)
		goto fail;
	if (reason && (strlen(reason) > 500 || raqib_utf8_count(reason, strlen(reason), NULL) < 0)) {
		*msg = "السبب طويل أو غير صالح";
		return 400;
	}
	if (!strcmp(action, "approve")) {
		rc = raqib_store_comment_set(s->st, id, RAQIB_CS_PUBLISHED, NULL, w->user, "approve",
					     reason ? reason : "", now, &err);
	} else if (!strcmp(action, "reject")) {
		rc = raqib_store_comment_set(s->st, id, RAQIB_CS_REJECTED, NULL, w->user, "reject",
					     reason ? reason : "", now, &err);
	} else if (!strcmp(action, "unpublish")) {
		rc = raqib_store_comment_set(s->st, id, RAQIB_CS_UNPUBLISHED, NULL, w->user,
					     "unpublish", reason ? reason : "", now, &err);
	} else if (!strcmp(action, "edit")) {
		const char *t = admin_field(x, "text");
		size_t tl = t ? strlen(t) : 0;
		/* an edited comment that was shown as shortened is simply published */
		raqib_comment_status ns = c.status == RAQIB_CS_SHORTENED ? RAQIB_CS_PUBLISHED : c.status;
		while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\n' || t[tl - 1] == '\r'))
			tl--;
		if (!t || !tl || tl > MAX_TEXT_BYTES || raqib_utf8_count(t, tl, NULL) < 0) {
			*msg = "النص المعدل فارغ أو طويل جدًا أو غير صالح";
			return 400;
		}
		((char *)t)[tl] = 0;
		rc = raqib_store_comment_set(s->st, id, ns, t, w->user, "edit", reason ? reason : "",
					     now, &err);
	} else if (!strcmp(action, "ban")) {
		const char *d = admin_field(x, "days");
		char *end = NULL, detail[600];
		long days = d ? strtol(d, &end, 10) : 0;
		if (!d || !*d || *end || days < 1 || days > 3650) {
			*msg = "مدة الحظر من 1 إلى 3650 يومًا";
			return 400;
		}
		/* Nothing to ban by: an anonymous comment whose address hash
		 * the retention already blanked. The store refuses it too
		 * (RAQIB_EARG, if the purge runs in between); both are the
		 * editor's request, not a server fault. */
		if ((!c.name || !*c.name) && (!c.ip_hash || !*c.ip_hash)) {
			*msg = "لا يمكن الحظر: التعليق بلا اسم ولا عنوان محفوظ";
			return 400;
		}
		snprintf(detail, sizeof detail, "%s", reason ? reason : "");
		rc = raqib_store_ban_comment(s->st, id, now + (int64_t)days * 86400, w->user, detail,
					     now, &err);
		if (rc == RAQIB_EARG) {
			*msg = "لا يمكن الحظر: التعليق بلا اسم ولا عنوان محفوظ";
			return 400;
		}
	} else {
		*msg = "إجراء غير معروف";
		return 400;
	}
	if (rc == RAQIB_STORE_NOTFOUND) {
		*msg = "التعليق غير موجود";
		return 404;
	}
	if (rc)
		goto fail;
	raqib_server_invalidate(s);
	return 0;
fail:
	*msg = "تعذر حفظ القرار";
	return 500;
}

enum MHD_Result admin_comment_post(http_ctx *x, const admin_who *w, int64_t id)
{
	const char *action = admin_field(x, "action"), *msg = NULL;
	char self[64];
	unsigned st;

	if (!action)
		return admin_error(x, 400, w, "إجراء غير معروف");
	st = apply(x, w, id, action, &msg);
	if (st)
		return admin_error(x, st, w, msg);
	snprintf(self, sizeof self, "/admin/comments/%lld", (long long)id);
	return admin_redirect(x, admin_return_to(x, self), NULL);
}

enum MHD_Result admin_bulk(http_ctx *x, const admin_who *w)
{
	const char *ids[MAX_BULK], *action = admin_field(x, "action"), *msg = NULL;
	size_t n = admin_fields(x, "ids", ids, MAX_BULK);
	int64_t v[MAX_BULK];

	if (!action || (strcmp(action, "approve") && strcmp(action, "reject")))
		return admin_error(x, 400, w, "الإجراء الجماعي نشر أو رفض فقط");
	for (size_t i = 0; i < n; i++) {
		char *end;
		long long id = strtoll(ids[i], &end, 10);
		if (!*ids[i] || *end || id <= 0)
			return admin_error(x, 400, w, "معرّف تعليق غير صالح");
		v[i] = id;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned st = apply(x, w, v[i], action, &msg);
		if (st && st != 404)
			return admin_error(x, st, w, msg);
	}
	return admin_redirect(x, admin_return_to(x, "/admin"), NULL);
}
