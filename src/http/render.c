/*
 * render.c — the reader-facing HTML of the comment server, and the sitemap.
 *
 * Everything here appends to a raqib_buf and returns 0 or a negative
 * raqib_errcode from the buffer (cap reached, out of memory). Every string
 * that comes from a reader or an editor goes through one of three doors:
 *   esc()        HTML text and attribute values (& < > " ' escaped),
 *   json_str()   JSON-LD strings, which must not close the <script>,
 *   url_attr()   links, which must be http(s) or site-relative.
 * No markup is ever built from data any other way. The server's CSP is
 * `default-src 'self'`, so the pages carry no inline style or script; the
 * JSON-LD block is data (type="application/ld+json"), never executed.
 *
 * Speed: an article page with 100 comments renders in a few tens of
 * microseconds (render_test's benchmark). The escapers copy runs of safe
 * bytes with one append each, and each comment's time is converted once
 * (localtime_r) for both its display and its ISO form.
 */
#include "http/render.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TRY(x)                            \
	do {                              \
		int rc_ = (x);            \
		if (rc_)                  \
			return rc_;       \
	} while (0)

/* The form's maxlength hints: the engine's defaults (raqib.conf.example).
 * The server enforces the configured limits; these only help the reader. */
#define FORM_MAX_NAME 100
#define FORM_MAX_TEXT 5000
/* JSON-LD articleBody is a summary for crawlers, not the whole text. */
#define JSONLD_BODY_MAX 2000
#define DESCRIPTION_MAX_CP 160
/* Comments per page whose times are converted once up front (stack). */
#define RENDER_TIME_CACHE 128

static const char S_HEADING[] = "تعليقات القراء على مقال : ";
static const char S_READ_ALSO[] = "اقرأ أيضًا";
static const char S_HP_LABEL[] = "To prevent automated spam submissions leave this field empty.";

static inline const char *nz(const char *s) { return s ? s : ""; }

/* raqib_buf_add with the common case inline: the page is presized, so
 * almost every append is a bounds check and a memcpy. alloc <= cap_max + 1,
 * so fitting in alloc keeps the buffer's cap invariant. */
static inline int put(raqib_buf *b, const void *p, size_t n)
{
	if (b->alloc && n < b->alloc - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = 0;
		return 0;
	}
	return raqib_buf_add(b, p, n);
}

/* strlen of a literal folds away once this is inlined. */
static inline __attribute__((always_inline)) int add(raqib_buf *b, const char *s)
{
	return put(b, s, strlen(s));
}

static int put_i64(raqib_buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return put(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* ---- escaping ------------------------------------------------------- */

/* Byte classes for the escapers: 0 = copied as is (all of UTF-8's lead and
 * continuation bytes included), else handled one by one. The scan loops
 * test four bytes per step; Arabic text is almost all class 0. */
enum { C_OK = 0, C_ENT = 1, C_NL = 2, C_JSON = 1, C_E2 = 2 };

static const unsigned char html_class[256] = {
	[0] = C_ENT, ['&'] = C_ENT, ['<'] = C_ENT, ['>'] = C_ENT, ['"'] = C_ENT,
	['\''] = C_ENT, ['\n'] = C_NL, ['\r'] = C_NL,
};

static const unsigned char json_class[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
	[0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1, ['<'] = 1,
	['>'] = 1, ['&'] = 1, ['\''] = 1, [0x7f] = 1, [0xE2] = C_E2,
};

/* Index of the first byte at or after i whose class is not 0 (or len). */
static inline size_t scan(const unsigned char *tab, const unsigned char *s, size_t i, size_t len)
{
	while (i + 4 <= len && !(tab[s[i]] | tab[s[i + 1]] | tab[s[i + 2]] | tab[s[i + 3]]))
		i += 4;
	while (i < len && !tab[s[i]])
		i++;
	return i;
}

#if defined(__SSE2__)
#include <emmintrin.h>
/* The same scans 16 bytes at a time (SSE2 is baseline on x86-64): the
 * escapers were half of a 100-comment page's time with the table alone. */
#define EQ(x, c) _mm_cmpeq_epi8((x), _mm_set1_epi8((char)(c)))
static inline size_t scan_html(const unsigned char *s, size_t i, size_t len)
{
	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_or_si128(EQ(x, 0), EQ(x, '\n')),
						      _mm_or_si128(EQ(x, '\r'), EQ(x, '"'))),
					 _mm_or_si128(_mm_or_si128(EQ(x, '&'), EQ(x, '\'')),
						      _mm_or_si128(EQ(x, '<'), EQ(x, '>'))));
		int bits = _mm_movemask_epi8(m);
		if (bits)
			return i + (size_t)__builtin_ctz((unsigned)bits);
	}
	return scan(html_class, s, i, len);
}

static inline size_t scan_json(const unsigned char *s, size_t i, size_t len)
{
	const __m128i c1f = _mm_set1_epi8(0x1f);
	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, c1f), x); /* x <= 0x1f */
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_or_si128(ctl, EQ(x, '"')),
						      _mm_or_si128(EQ(x, '\\'), EQ(x, '<'))),
					 _mm_or_si128(_mm_or_si128(EQ(x, '>'), EQ(x, '&')),
						      _mm_or_si128(_mm_or_si128(EQ(x, '\''), EQ(x, 0x7f)),
								   EQ(x, 0xE2))));
		int bits = _mm_movemask_epi8(m);
		if (bits)
			return i + (size_t)__builtin_ctz((unsigned)bits);
	}
	return scan(json_class, s, i, len);
}
#undef EQ
#else
#define scan_html(s, i, len) scan(html_class, (s), (i), (len))
#define scan_json(s, i, len) scan(json_class, (s), (i), (len))
#endif

/* HTML escaping; with `br`, "\r\n", "\n" and "\r" become <br>, without it
 * they are copied. NUL is never valid in HTML and is dropped. */
static int html_escape_impl(raqib_buf *out, const char *s, size_t len, bool br)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;

	if (!s)
		return 0;
	for (;;) {
		const char *rep;
		size_t n, skip = 1;

		i = scan_html(u, i, len);
		if (i >= len)
			break;
		switch (u[i]) {
		case '&': rep = "&amp;"; n = 5; break;
		case '<': rep = "&lt;"; n = 4; break;
		case '>': rep = "&gt;"; n = 4; break;
		case '"': rep = "&quot;"; n = 6; break;
		case '\'': rep = "&#39;"; n = 5; break;
		case 0: rep = ""; n = 0; break;
		default: /* \n, \r */
			if (!br) {
				i++;
				continue;
			}
			rep = "<br>";
			n = 4;
			if (u[i] == '\r' && i + 1 < len && u[i + 1] == '\n')
				skip = 2;
			break;
		}
		TRY(put(out, s + run, i - run));
		TRY(put(out, rep, n));
		i += skip;
		run = i;
	}
	return put(out, s + run, len - run);
}

int raqib_html_escape(raqib_buf *out, const char *s, size_t len)
{
	return html_escape_impl(out, s, len, false);
}

static int esc(raqib_buf *out, const char *s)
{
	s = nz(s);
	return html_escape_impl(out, s, strlen(s), false);
}

/* Escaped text with line breaks as <br>. */
static int esc_lines(raqib_buf *out, const char *s)
{
	s = nz(s);
	return html_escape_impl(out, s, strlen(s), true);
}

int raqib_jsonld_escape(raqib_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;

	if (!s)
		return 0;
	for (;;) {
		unsigned char c;
		char tmp[8];
		size_t n, skip = 1;

		i = scan_json(u, i, len);
		if (i >= len)
			break;
		c = u[i];
		if (c == 0xE2) {
			/* U+2028/2029 end a line in older JavaScript parsers. */
			if (!(i + 2 < len && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))) {
				i++;
				continue;
			}
			memcpy(tmp, u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
			n = 6;
			skip = 3;
		} else if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			n = 2;
		} else if (c == '\n') {
			memcpy(tmp, "\\n", 2);
			n = 2;
		} else {
			/* controls, and < > & ' as \u003c..: "</script" and "<!--"
			 * cannot appear inside the script element. */
			memcpy(tmp, "\\u00", 4);
			tmp[4] = hex[c >> 4];
			tmp[5] = hex[c & 15];
			n = 6;
		}
		TRY(put(out, s + run, i - run));
		TRY(put(out, tmp, n));
		i += skip;
		run = i;
	}
	return put(out, s + run, len - run);
}

/* A quoted JSON string. */
static int json_str(raqib_buf *out, const char *s)
{
	s = nz(s);
	TRY(put(out, "\"", 1));
	TRY(raqib_jsonld_escape(out, s, strlen(s)));
	return put(out, "\"", 1);
}

/* A path segment (an article slug): the store allows [a-z0-9-_] only, but a
 * link never trusts that; anything else is percent-encoded. */
static int path_seg(raqib_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *p = nz(s), *run = p;

	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char t[3];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			continue;
		t[0] = '%';
		t[1] = hex[c >> 4];
		t[2] = hex[c & 15];
		TRY(put(out, run, (size_t)(p - run)));
		TRY(put(out, t, 3));
		run = p + 1;
	}
	return put(out, run, (size_t)(p - run));
}

/* Links from editors' data are only followed when they are http(s) or
 * site-relative ("/x", not "//host"); javascript:, data: and anything with
 * controls or spaces are shown as text instead. */
static bool url_safe(const char *u)
{
	const char *p;

	if (!u || !*u)
		return false;
	for (p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '\\')
			return false;
	if (u[0] == '/')
		return u[1] != '/';
	return !strncasecmp(u, "https://", 8) || !strncasecmp(u, "http://", 7);
}

/* ---- time ----------------------------------------------------------- */

typedef struct render_time {
	char display[24]; /* DD.MM.YYYY | HH:MM */
	char iso[32];     /* YYYY-MM-DDTHH:MM:SS+HH:MM */
} render_time;

static char *put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

static char *put4(char *p, int v)
{
	p = put2(p, v / 100);
	return put2(p, v % 100);
}

/* One localtime_r per timestamp for both forms; digits written by hand
 * (snprintf costs more than the rest of a comment's markup). Years outside
 * 0..9999 cannot come from the store and are clamped. */
static void time_both(int64_t t, render_time *rt, bool want_display)
{
	struct tm tm;
	time_t tt = (time_t)t;
	long off;
	int year;
	char *p;

	if (!localtime_r(&tt, &tm)) {
		memset(&tm, 0, sizeof tm);
		tm.tm_mday = 1;
		tm.tm_year = 70;
	}
	year = tm.tm_year > 9999 - 1900 ? 9999 : tm.tm_year < -1900 ? 0 : tm.tm_year + 1900;
	if (want_display) {
		p = rt->display;
		p = put2(p, tm.tm_mday);
		*p++ = '.';
		p = put2(p, tm.tm_mon + 1);
		*p++ = '.';
		p = put4(p, year);
		memcpy(p, " | ", 3);
		p = put2(p + 3, tm.tm_hour);
		*p++ = ':';
		p = put2(p, tm.tm_min);
		*p = 0;
	}
	off = tm.tm_gmtoff;
	p = rt->iso;
	p = put4(p, year);
	*p++ = '-';
	p = put2(p, tm.tm_mon + 1);
	*p++ = '-';
	p = put2(p, tm.tm_mday);
	*p++ = 'T';
	p = put2(p, tm.tm_hour);
	*p++ = ':';
	p = put2(p, tm.tm_min);
	*p++ = ':';
	p = put2(p, tm.tm_sec);
	*p++ = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	p = put2(p, (int)(off / 3600 % 100));
	*p++ = ':';
	p = put2(p, (int)(off / 60 % 60));
	*p = 0;
}

void raqib_format_time(char *out, size_t cap, int64_t t)
{
	render_time rt;

	if (!out || !cap)
		return;
	time_both(t, &rt, true);
	snprintf(out, cap, "%s", rt.display);
}

void raqib_format_iso(char *out, size_t cap, int64_t t)
{
	render_time rt;

	if (!out || !cap)
		return;
	time_both(t, &rt, false);
	snprintf(out, cap, "%s", rt.iso);
}

static int64_t article_date(const raqib_article *a)
{
	return a->published_at ? a->published_at : a->created_at;
}

static int64_t article_modified(const raqib_article *a)
{
	if (a->last_modified)
		return a->last_modified;
	if (a->updated_at)
		return a->updated_at;
	return article_date(a);
}

/* ---- reasons -------------------------------------------------------- */

const char *raqib_reason_ar(raqib_rule r)
{
	switch (r) {
	case RAQIB_RULE_HONEYPOT: return "أُرسل من برنامج آلي (حقل مخفي مملوء)";
	case RAQIB_RULE_SPAM: return "يبدو إعلانًا أو رسالة مزعجة";
	case RAQIB_RULE_INSULT: return "يتضمن إساءة إلى أشخاص";
	case RAQIB_RULE_HATE: return "يتضمن تعبيرات عنصرية";
	case RAQIB_RULE_OFF_TOPIC: return "لا يتعلق بموضوع المقال";
	case RAQIB_RULE_DIALECT: return "مكتوب بلهجة عامية";
	case RAQIB_RULE_FOREIGN: return "مكتوب بلغة أجنبية غير العربية";
	case RAQIB_RULE_PSEUDONYM: return "موقّع باسم رمزي أو غير حقيقي";
	case RAQIB_RULE_PHONE: return "يتضمن رقم هاتف";
	case RAQIB_RULE_COUNT: break;
	}
	return "لا يوافق شروط التعليق";
}

/* Local name lookup from the same X-macro list, so this file needs nothing
 * from the engine. */
static int rule_from_name(const char *s)
{
#define RENDER_X_NAME(e, n, a, t)         \
	if (!strcmp(s, #n))               \
		return RAQIB_RULE_##e;
	RAQIB_RULES(RENDER_X_NAME)
#undef RENDER_X_NAME
	return -1;
}

/* The distinct rules of a reasons array, in order. Unparsable JSON = none:
 * the notice still says what happened, only without the why. */
static size_t reasons_parse(const char *json, raqib_rule *rules, bool *shorten)
{
	json_t *root, *item;
	size_t i, n = 0;
	unsigned seen = 0;

	*shorten = false;
	if (!json || !*json)
		return 0;
	root = json_loads(json, 0, NULL);
	if (!root)
		return 0;
	if (!json_is_array(root))
		goto out;
	json_array_foreach(root, i, item) {
		const char *name = json_string_value(json_object_get(item, "rule"));
		const char *action = json_string_value(json_object_get(item, "action"));
		int r = name ? rule_from_name(name) : -1;
		if (r < 0)
			continue;
		if (r == RAQIB_RULE_PHONE && (!action || !strcmp(action, "shorten")))
			*shorten = true;
		if (seen & (1u << r))
			continue;
		seen |= 1u << r;
		rules[n++] = (raqib_rule)r;
	}
out:
	json_decref(root);
	return n;
}

/* ---- page pieces ---------------------------------------------------- */

static int head_common(raqib_buf *out, const raqib_site *site, const char *title_first)
{
	TRY(add(out, "<!doctype html>\n<html lang=\""));
	TRY(esc(out, site->lang && *site->lang ? site->lang : "ar"));
	TRY(add(out, "\" dir=\"rtl\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		     "<title>"));
	if (title_first && *title_first) {
		TRY(esc(out, title_first));
		if (site->name && *site->name)
			TRY(add(out, " | "));
	}
	TRY(esc(out, site->name));
	return add(out, "</title>\n<link rel=\"stylesheet\" href=\"/static/raqib.css\">\n");
}

static int site_header(raqib_buf *out, const raqib_site *site)
{
	TRY(add(out, "<header class=\"raqib-site\"><a href=\"/\" class=\"raqib-site-name\">"));
	TRY(esc(out, site->name && *site->name ? site->name : "raqib"));
	return add(out, "</a></header>\n");
}

static int page_end(raqib_buf *out)
{
	return add(out, "</main>\n</body>\n</html>\n");
}

/* prev / "page X of Y" / next, only when there is more than one page. */
static int pagination(raqib_buf *out, const raqib_page_info *pg, const char *label,
		      const char *anchor)
{
	size_t pages, page;

	if (!pg || !pg->per_page || pg->total <= pg->per_page)
		return 0;
	pages = (pg->total + pg->per_page - 1) / pg->per_page;
	page = pg->page < 1 ? 1 : pg->page;
	TRY(add(out, "<nav class=\"raqib-pages\" aria-label=\""));
	TRY(add(out, label));
	TRY(add(out, "\">"));
	if (page > 1)
		TRY(raqib_buf_addf(out, "<a rel=\"prev\" href=\"?page=%zu%s\">→ السابقة</a> ",
				   page - 1, anchor));
	TRY(raqib_buf_addf(out, "<span class=\"raqib-page-of\">الصفحة %zu من %zu</span>",
			   page > pages ? pages : page, pages));
	if (page < pages)
		TRY(raqib_buf_addf(out, " <a rel=\"next\" href=\"?page=%zu%s\">التالية ←</a>",
				   page + 1, anchor));
	return add(out, "</nav>\n");
}

static int one_comment(raqib_buf *out, const raqib_comment_row *c, const render_time *pre)
{
	render_time own;
	const render_time *rt = pre;

	if (!rt) {
		time_both(c->created_at, &own, true);
		rt = &own;
	}
	TRY(add(out, "<article class=\"raqib-comment\" id=\"c"));
	TRY(put_i64(out, c->id));
	TRY(add(out, "\">\n"));
	TRY(add(out, "<p class=\"raqib-comment-text\">"));
	TRY(esc_lines(out, c->text_public && *c->text_public ? c->text_public : c->text));
	TRY(add(out, "</p>\n<footer class=\"raqib-comment-meta\"><span class=\"raqib-comment-author\" dir=\"auto\">"));
	TRY(esc(out, c->name));
	/* dir: names may be Latin; the time must read "DD.MM.YYYY | HH:MM"
	 * left to right inside the Arabic line, not be reordered by bidi. */
	TRY(add(out, "</span> <time dir=\"ltr\" datetime=\""));
	TRY(add(out, rt->iso));
	TRY(add(out, "\">"));
	TRY(add(out, rt->display));
	return add(out, "</time></footer>\n</article>\n");
}

static int notice(raqib_buf *out, const raqib_form_state *form)
{
	static const char *const kinds[] = {"none", "published", "shortened",
					    "pending", "rejected", "error"};
	raqib_rule rules[RAQIB_RULE_COUNT];
	bool shorten = false;
	size_t nr = 0, i;
	const char *lead = NULL;
	const char *msg = form->message && *form->message ? form->message : NULL;

	if (form->notice <= RAQIB_NOTICE_NONE || form->notice > RAQIB_NOTICE_ERROR)
		return 0;
	if (form->notice == RAQIB_NOTICE_SHORTENED || form->notice == RAQIB_NOTICE_REJECTED)
		nr = reasons_parse(form->reasons_json, rules, &shorten);
	TRY(raqib_buf_addf(out,
			   "<div id=\"raqib-notice\" role=\"status\" tabindex=\"-1\" "
			   "class=\"raqib-notice raqib-notice-%s\">\n<p>",
			   kinds[form->notice]));
	switch (form->notice) {
	case RAQIB_NOTICE_PUBLISHED:
		lead = "شكرًا، نُشر تعليقك.";
		TRY(add(out, lead));
		break;
	case RAQIB_NOTICE_SHORTENED:
		/* Phone numbers are the only thing shortened today; say so plainly
		 * unless the reasons name something else. */
		if (shorten || nr == 0) {
			lead = "نُشر تعليقك بعد اختصاره: حُذف رقم الهاتف، فالتعليقات متاحة لمحركات البحث.";
			TRY(add(out, lead));
		} else {
			TRY(add(out, "نُشر تعليقك بعد اختصاره، لأنه "));
			for (i = 0; i < nr; i++) {
				if (i)
					TRY(add(out, "، "));
				TRY(add(out, raqib_reason_ar(rules[i])));
			}
			TRY(add(out, "."));
		}
		break;
	case RAQIB_NOTICE_PENDING:
		lead = "تعليقك بانتظار مراجعة هيئة التحرير.";
		TRY(add(out, lead));
		break;
	case RAQIB_NOTICE_REJECTED:
		lead = "لم يُقبل تعليقك.";
		TRY(add(out, lead));
		if (nr) {
			TRY(add(out, " السبب أن التعليق:</p>\n<ul class=\"raqib-reasons\">"));
			for (i = 0; i < nr; i++) {
				TRY(add(out, "<li>"));
				TRY(add(out, raqib_reason_ar(rules[i])));
				TRY(add(out, "</li>"));
			}
			TRY(add(out, "</ul>\n<p>"));
			TRY(add(out, "يمكنك تعديل نصك وإرساله مرة أخرى."));
		}
		break;
	case RAQIB_NOTICE_ERROR:
	default:
		TRY(msg ? esc(out, msg) : add(out, "تعذّر إرسال تعليقك، حاول مرة أخرى."));
		msg = NULL;
		break;
	}
	TRY(add(out, "</p>\n"));
	/* Extra detail from the server, unless it only repeats the notice. */
	if (msg && !(lead && !strcmp(msg, lead))) {
		TRY(add(out, "<p>"));
		TRY(esc(out, msg));
		TRY(add(out, "</p>\n"));
	}
	return add(out, "</div>\n");
}

static int form_html(raqib_buf *out, const raqib_site *site, const raqib_form_state *form)
{
	const char *text = nz(form->text);

	TRY(add(out, "<div class=\"raqib-respond\">\n<h3 class=\"raqib-respond-title\">أضف تعليقًا</h3>\n"));
	TRY(notice(out, form));
	if (site->terms && *site->terms) {
		TRY(add(out, "<p class=\"raqib-terms\" id=\"raqib-terms\">"));
		TRY(esc_lines(out, site->terms));
		TRY(add(out, "</p>\n"));
	}
	TRY(add(out, "<form class=\"raqib-form\" method=\"post\" accept-charset=\"utf-8\" action=\""));
	TRY(esc(out, form->action));
	TRY(add(out, "\">\n<input type=\"hidden\" name=\"token\" value=\""));
	TRY(esc(out, form->token));
	TRY(add(out, "\">\n"));
	if (form->return_to && *form->return_to) {
		TRY(add(out, "<input type=\"hidden\" name=\"return_to\" value=\""));
		TRY(esc(out, form->return_to));
		TRY(add(out, "\">\n"));
	}
	TRY(raqib_buf_addf(out,
			   "<p class=\"raqib-field\"><label for=\"raqib-name\">الاسم</label>"
			   "<input type=\"text\" id=\"raqib-name\" name=\"name\" required "
			   "maxlength=\"%d\" autocomplete=\"name\" value=\"",
			   FORM_MAX_NAME));
	TRY(esc(out, form->name));
	TRY(raqib_buf_addf(out,
			   "\"></p>\n<p class=\"raqib-field\"><label for=\"raqib-comment\">التعليق</label>"
			   "<textarea id=\"raqib-comment\" name=\"comment\" required maxlength=\"%d\" "
			   "rows=\"6\">\n",
			   FORM_MAX_TEXT));
	/* The newline after <textarea> is eaten by the parser, so a kept text
	 * that starts with one survives. */
	TRY(raqib_html_escape(out, text, strlen(text)));
	TRY(add(out, "</textarea></p>\n"));
	/* Honeypot: a normal-looking text input that CSS moves off screen.
	 * type=hidden would tell bots to leave it alone. */
	TRY(add(out, "<div class=\"raqib-hp\" aria-hidden=\"true\"><label for=\"raqib-hp\">"));
	TRY(add(out, S_HP_LABEL));
	TRY(add(out, "</label><input type=\"text\" id=\"raqib-hp\" name=\"honeypot\" tabindex=\"-1\" "
		     "autocomplete=\"off\" value=\"\"></div>\n"));
	TRY(add(out, "<p class=\"raqib-consent\"><input type=\"checkbox\" id=\"raqib-consent\" "
		     "name=\"consent\" value=\"1\" required> <label for=\"raqib-consent\">"
		     "إرسال التعليق يعني موافقتي على شروط الاستخدام المذكورة أعلاه.</label></p>\n"
		     "<p class=\"raqib-actions\"><button type=\"submit\">إرسال التعليق</button></p>\n"
		     "</form>\n</div>\n"));
	return 0;
}

static int section(raqib_buf *out, const raqib_site *site, const raqib_article *a,
		   const raqib_comment_row *comments, size_t n, const raqib_page_info *pg,
		   const raqib_form_state *form, const render_time *times)
{
	size_t i;

	TRY(add(out, "<section id=\"raqib-comments\" class=\"raqib-comments\" "
		     "aria-labelledby=\"raqib-comments-title\">\n"
		     "<h2 id=\"raqib-comments-title\">"));
	TRY(add(out, S_HEADING));
	TRY(esc(out, a->title));
	TRY(add(out, "</h2>\n"));
	if (n == 0 && (!pg || pg->total == 0)) {
		TRY(add(out, "<p class=\"raqib-empty\">لا توجد تعليقات بعد.</p>\n"));
	} else {
		TRY(add(out, "<div class=\"raqib-comment-list\">\n"));
		for (i = 0; i < n; i++)
			TRY(one_comment(out, &comments[i], times ? &times[i] : NULL));
		TRY(add(out, "</div>\n"));
	}
	TRY(pagination(out, pg, "صفحات التعليقات", "#raqib-comments"));
	if (form)
		TRY(form_html(out, site, form));
	return add(out, "</section>\n");
}

/* Rough output size (typical comments take ~1.2 KB of page each, text in
 * HTML and JSON-LD), so the buffer rarely regrows while rendering. Only a
 * hint: failure is ignored here and the real appends report the cap. */
static void presize(raqib_buf *out, const raqib_article *a, size_t n)
{
	size_t want = 8192 + n * 1536;

	if (a)
		want += strlen(nz(a->body)) + (JSONLD_BODY_MAX * 3) / 2;
	if (raqib_buf_reserve(out, want)) {
		/* the cap may still hold the real page, which is smaller */
	}
}

int raqib_render_fragment(raqib_buf *out, const raqib_site *site, const raqib_article *a,
			  const raqib_comment_row *comments, size_t n,
			  const raqib_page_info *pg, const raqib_form_state *form)
{
	presize(out, NULL, n);
	return section(out, site, a, comments, n, pg, form, NULL);
}

/* ---- JSON-LD -------------------------------------------------------- */

static int article_url(raqib_buf *out, const raqib_site *site, const raqib_article *a,
		       bool html)
{
	if (html)
		TRY(esc(out, site->base_url));
	else
		TRY(raqib_jsonld_escape(out, nz(site->base_url), strlen(nz(site->base_url))));
	TRY(add(out, "/a/"));
	return path_seg(out, a->slug);
}

/* Byte length of at most `max` bytes of s, cut on a code-point boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

static int jsonld(raqib_buf *out, const raqib_site *site, const raqib_article *a,
		  const raqib_comment_row *comments, size_t n, const raqib_page_info *pg,
		  const render_time *times)
{
	render_time rt;
	const char *body = nz(a->body);
	size_t i, blen = strlen(body);

	TRY(add(out, "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\","
		     "\"@type\":\"Article\",\"headline\":"));
	TRY(json_str(out, a->title));
	TRY(add(out, ",\"articleBody\":\""));
	TRY(raqib_jsonld_escape(out, body, utf8_cut(body, blen, JSONLD_BODY_MAX)));
	time_both(article_date(a), &rt, false);
	TRY(add(out, "\",\"datePublished\":\""));
	TRY(add(out, rt.iso));
	time_both(article_modified(a), &rt, false);
	TRY(add(out, "\",\"dateModified\":\""));
	TRY(add(out, rt.iso));
	TRY(add(out, "\""));
	if (a->author && *a->author) {
		TRY(add(out, ",\"author\":{\"@type\":\"Person\",\"name\":"));
		TRY(json_str(out, a->author));
		TRY(add(out, "}"));
	}
	if (url_safe(a->image_url)) {
		TRY(add(out, ",\"image\":"));
		TRY(json_str(out, a->image_url));
	}
	TRY(add(out, ",\"url\":\""));
	TRY(article_url(out, site, a, false));
	TRY(add(out, "\",\"mainEntityOfPage\":\""));
	TRY(article_url(out, site, a, false));
	TRY(add(out, "\""));
	if (site->name && *site->name) {
		TRY(add(out, ",\"publisher\":{\"@type\":\"Organization\",\"name\":"));
		TRY(json_str(out, site->name));
		TRY(add(out, "}"));
	}
	TRY(raqib_buf_addf(out, ",\"commentCount\":%zu,\"comment\":[", pg ? pg->total : n));
	for (i = 0; i < n; i++) {
		const raqib_comment_row *c = &comments[i];
		if (times)
			rt = times[i];
		else
			time_both(c->created_at, &rt, false);
		TRY(add(out, i ? ",{" : "{"));
		TRY(add(out, "\"@type\":\"Comment\",\"text\":"));
		TRY(json_str(out, c->text_public && *c->text_public ? c->text_public : c->text));
		TRY(add(out, ",\"author\":{\"@type\":\"Person\",\"name\":"));
		TRY(json_str(out, c->name));
		TRY(add(out, "},\"dateCreated\":\""));
		TRY(add(out, rt.iso));
		TRY(add(out, "\",\"url\":\""));
		TRY(article_url(out, site, a, false));
		TRY(add(out, "#c"));
		TRY(put_i64(out, c->id));
		TRY(add(out, "\"}"));
	}
	return add(out, "]}</script>\n");
}

/* ---- article page --------------------------------------------------- */

static int description(raqib_buf *out, const char *body)
{
	const char *p = nz(body), *line;
	size_t len, cp = 0, i;

	while (*p == '\n' || *p == '\r' || *p == ' ')
		p++;
	line = p;
	while (*p && *p != '\n' && *p != '\r')
		p++;
	len = (size_t)(p - line);
	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		if (((unsigned char)line[i] & 0xC0) != 0x80 && cp++ == DESCRIPTION_MAX_CP)
			break;
	TRY(add(out, "<meta name=\"description\" content=\""));
	TRY(raqib_html_escape(out, line, i));
	return add(out, i < len ? "…\">\n" : "\">\n");
}

static int body_paragraphs(raqib_buf *out, const char *body)
{
	const char *p = nz(body), *end = p + strlen(p);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s = p;
		while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		/* a line of only U+00A0 (the seed's " " separators) is blank too */
		if (e - s == 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
			e = s;
		if (e > s) {
			TRY(add(out, "<p>"));
			TRY(raqib_html_escape(out, s, (size_t)(e - s)));
			TRY(add(out, "</p>\n"));
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

static int related(raqib_buf *out, const raqib_article *a)
{
	size_t i;

	if (!a->nrelated || !a->related)
		return 0;
	TRY(add(out, "<aside class=\"raqib-related\" aria-labelledby=\"raqib-related-title\">"
		     "<h2 id=\"raqib-related-title\">"));
	TRY(add(out, S_READ_ALSO));
	TRY(add(out, "</h2>\n<ul>\n"));
	for (i = 0; i < a->nrelated; i++) {
		const raqib_related *r = &a->related[i];
		const char *title = r->title && *r->title ? r->title : nz(r->url);
		TRY(add(out, "<li>"));
		if (url_safe(r->url)) {
			TRY(add(out, "<a href=\""));
			TRY(esc(out, r->url));
			TRY(add(out, "\">"));
			TRY(esc(out, title));
			TRY(add(out, "</a>"));
		} else {
			TRY(esc(out, title));
		}
		TRY(add(out, "</li>\n"));
	}
	return add(out, "</ul>\n</aside>\n");
}

int raqib_render_article(raqib_buf *out, const raqib_site *site, const raqib_article *a,
			 const raqib_comment_row *comments, size_t n,
			 const raqib_page_info *pg, const raqib_form_state *form)
{
	/* Each comment's time is shown twice (JSON-LD and the comment); one
	 * localtime_r each is a tenth of the page's cost at 100 comments. */
	render_time rt, tbuf[RENDER_TIME_CACHE];
	const render_time *times = NULL;
	size_t i;

	if (n <= RENDER_TIME_CACHE) {
		for (i = 0; i < n; i++)
			time_both(comments[i].created_at, &tbuf[i], true);
		times = tbuf;
	}
	presize(out, a, n);
	TRY(head_common(out, site, a->title));
	TRY(add(out, "<link rel=\"canonical\" href=\""));
	TRY(article_url(out, site, a, true));
	TRY(add(out, "\">\n"));
	TRY(description(out, a->body));
	TRY(add(out, "<meta property=\"og:type\" content=\"article\">\n<meta property=\"og:title\" content=\""));
	TRY(esc(out, a->title));
	TRY(add(out, "\">\n<meta property=\"og:url\" content=\""));
	TRY(article_url(out, site, a, true));
	TRY(add(out, "\">\n"));
	if (url_safe(a->image_url)) {
		TRY(add(out, "<meta property=\"og:image\" content=\""));
		TRY(esc(out, a->image_url));
		TRY(add(out, "\">\n"));
	}
	TRY(jsonld(out, site, a, comments, n, pg, times));
	TRY(add(out, "</head>\n<body>\n"));
	TRY(site_header(out, site));
	TRY(add(out, "<main>\n<article class=\"raqib-article\">\n<h1>"));
	TRY(esc(out, a->title));
	TRY(add(out, "</h1>\n<p class=\"raqib-meta\">"));
	if (a->author && *a->author) {
		TRY(add(out, "<span class=\"raqib-author\">"));
		TRY(esc(out, a->author));
		TRY(add(out, "</span> "));
	}
	time_both(article_date(a), &rt, true);
	TRY(add(out, "<time datetime=\""));
	TRY(add(out, rt.iso));
	TRY(add(out, "\">"));
	TRY(put(out, rt.display, 10)); /* the date part */
	TRY(add(out, "</time></p>\n"));
	if (url_safe(a->image_url) || (a->caption && *a->caption)) {
		TRY(add(out, "<figure class=\"raqib-figure\">"));
		if (url_safe(a->image_url)) {
			TRY(add(out, "<img src=\""));
			TRY(esc(out, a->image_url));
			TRY(add(out, "\" alt=\""));
			TRY(esc(out, a->caption));
			TRY(add(out, "\" loading=\"lazy\">"));
		}
		if (a->caption && *a->caption) {
			TRY(add(out, "<figcaption>"));
			TRY(esc(out, a->caption));
			TRY(add(out, "</figcaption>"));
		}
		TRY(add(out, "</figure>\n"));
	}
	TRY(add(out, "<div class=\"raqib-body\">\n"));
	TRY(body_paragraphs(out, a->body));
	TRY(add(out, "</div>\n"));
	TRY(related(out, a));
	TRY(add(out, "</article>\n"));
	TRY(section(out, site, a, comments, n, pg, form, times));
	return page_end(out);
}

/* ---- index, sitemap, error ------------------------------------------ */

int raqib_render_index(raqib_buf *out, const raqib_site *site, const raqib_article *articles,
		       size_t n, const raqib_page_info *pg)
{
	size_t i;

	TRY(head_common(out, site, NULL));
	TRY(add(out, "<link rel=\"canonical\" href=\""));
	TRY(esc(out, site->base_url));
	TRY(add(out, "/\">\n</head>\n<body>\n"));
	TRY(site_header(out, site));
	TRY(add(out, "<main>\n<h1>المقالات</h1>\n"));
	if (!n) {
		TRY(add(out, "<p class=\"raqib-empty\">لا توجد مقالات بعد.</p>\n"));
	} else {
		TRY(add(out, "<ul class=\"raqib-index\">\n"));
		for (i = 0; i < n; i++) {
			const raqib_article *a = &articles[i];
			render_time rt;
			time_both(article_date(a), &rt, true);
			TRY(add(out, "<li><a href=\"/a/"));
			TRY(path_seg(out, a->slug));
			TRY(add(out, "\">"));
			TRY(esc(out, a->title));
			TRY(add(out, "</a> <time datetime=\""));
			TRY(add(out, rt.iso));
			TRY(add(out, "\">"));
			TRY(put(out, rt.display, 10));
			TRY(add(out, "</time>"));
			if (a->ncomments_public > 0)
				TRY(raqib_buf_addf(out,
						   " <span class=\"raqib-count\">(%lld تعليق)</span>",
						   (long long)a->ncomments_public));
			TRY(add(out, "</li>\n"));
		}
		TRY(add(out, "</ul>\n"));
	}
	TRY(pagination(out, pg, "صفحات المقالات", ""));
	return page_end(out);
}

static int xml_esc(raqib_buf *out, const char *s)
{
	/* The HTML escaper's five entities are XML's five (&#39; is numeric). */
	return esc(out, s);
}

int raqib_render_sitemap(raqib_buf *out, const raqib_site *site, const raqib_article *articles,
			 size_t n)
{
	size_t i;

	TRY(add(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"));
	for (i = 0; i < n; i++) {
		render_time rt;
		time_both(article_modified(&articles[i]), &rt, false);
		TRY(add(out, "<url><loc>"));
		TRY(xml_esc(out, site->base_url));
		TRY(add(out, "/a/"));
		TRY(path_seg(out, articles[i].slug));
		TRY(add(out, "</loc><lastmod>"));
		TRY(add(out, rt.iso));
		TRY(add(out, "</lastmod></url>\n"));
	}
	return add(out, "</urlset>\n");
}

static const char *status_ar(int status)
{
	switch (status) {
	case 400: return "طلب غير صالح";
	case 401: return "غير مصرّح";
	case 403: return "غير مسموح";
	case 404: return "الصفحة غير موجودة";
	case 405: return "طريقة الطلب غير مسموحة";
	case 409: return "تعليق مكرر";
	case 413: return "الطلب أكبر من المسموح";
	case 415: return "نوع المحتوى غير مدعوم";
	case 429: return "طلبات كثيرة، حاول بعد قليل";
	case 503: return "الخدمة غير متاحة مؤقتًا";
	default: return status >= 500 ? "خطأ في الخادم" : "خطأ";
	}
}

int raqib_render_error(raqib_buf *out, const raqib_site *site, int status, const char *message)
{
	char title[96];

	snprintf(title, sizeof title, "%d — %s", status, status_ar(status));
	TRY(head_common(out, site, title));
	TRY(add(out, "<meta name=\"robots\" content=\"noindex\">\n</head>\n<body>\n"));
	TRY(site_header(out, site));
	TRY(add(out, "<main class=\"raqib-error\">\n<h1>"));
	TRY(esc(out, title));
	TRY(add(out, "</h1>\n"));
	if (message && *message) {
		TRY(add(out, "<p>"));
		TRY(esc_lines(out, message));
		TRY(add(out, "</p>\n"));
	}
	TRY(add(out, "<p><a href=\"/\">العودة إلى الصفحة الرئيسية</a></p>\n"));
	return page_end(out);
}
