/* render tests: the article page against the magazine page it imitates
 * (heading, "اقرأ أيضًا", terms, honeypot label, "عبدالحميد 24.04.2018 |
 * 14:52"), the JSON-LD as real JSON, hostile input in every field coming
 * out inert, notices, pagination, the sitemap, and a timing of the
 * 100-comment page the server renders on a cache miss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/render.h"

#define T_0424 1524574320 /* 2018-04-24 12:52:00 UTC = 14:52 in Berlin (CEST) */

static const char TITLE[] = "حفتر...مشروع إسقاط الإسلام السياسي في ليبيا";
static const char HOSTILE_NAME[] = "<script>alert(1)</script>\"'";
static const char HOSTILE_TEXT[] = "قبل </script> بعد \"><img src=x onerror=alert(1)> &amp;\nسطر";

static const raqib_site SITE = {
	.name = "قنطرة",
	.base_url = "https://example.org",
	.terms = "إرسال التعليق يعني موافقة القارئ على شروط الاستخدام التالية: لهيئة التحرير الحق "
		 "في اختصار التعليق أو عدم نشره.",
	.lang = "ar",
};

static const raqib_related RELATED[] = {
	{"مقالات مختارة من موقع قنطرة", "https://example.org/a/mukhtarat"},
	{"رابط داخلي", "/a/other"},
};

static raqib_article make_article(void)
{
	raqib_article a = {0};
	a.id = 1;
	a.slug = "haftar";
	a.title = TITLE;
	a.body = "الفقرة الأولى عن ليبيا.\n\n\xc2\xa0\nالفقرة الثانية.\r\nالفقرة الثالثة.";
	a.caption = "خليفة حفتر وفائز السراج - ليبيا";
	a.image_url = "https://example.org/img/haftar.jpg";
	a.author = "كاتب";
	a.related = RELATED;
	a.nrelated = 2;
	a.published_at = T_0424 - 86400;
	a.created_at = a.published_at;
	a.updated_at = T_0424;
	return a;
}

static raqib_comment_row make_comment(int64_t id, const char *name, const char *text)
{
	raqib_comment_row c = {0};
	c.id = id;
	c.article_id = 1;
	c.article_slug = "haftar";
	c.name = name;
	c.text = text;
	c.text_public = text;
	c.status = RAQIB_CS_PUBLISHED;
	c.reasons_json = "[]";
	c.created_at = T_0424;
	return c;
}

static raqib_form_state make_form(void)
{
	raqib_form_state f = {0};
	f.action = "/a/haftar/comments";
	f.token = "1524574320.abcd.0123456789abcdef";
	return f;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, l = strlen(needle);
	const char *p = hay;
	while ((p = strstr(p, needle))) {
		n++;
		p += l;
	}
	return n;
}

#define HAS(s, sub) assert_non_null(strstr((s), (sub)))
#define HASNT(s, sub) assert_null(strstr((s), (sub)))

static char *render_page(const raqib_article *a, const raqib_comment_row *c, size_t n,
			 const raqib_page_info *pg, const raqib_form_state *f, raqib_buf *b)
{
	raqib_buf_init(b, 1 << 22);
	assert_int_equal(raqib_render_article(b, &SITE, a, c, n, pg, f), 0);
	assert_int_equal(strlen(b->data), b->len);
	return b->data;
}

/* Returns the JSON-LD script body (malloc'd). */
static char *jsonld_body(const char *html)
{
	static const char open[] = "<script type=\"application/ld+json\">";
	const char *s = strstr(html, open), *e;
	char *out;
	assert_non_null(s);
	s += sizeof open - 1;
	e = strstr(s, "</script>");
	assert_non_null(e);
	out = strndup(s, (size_t)(e - s));
	assert_non_null(out);
	return out;
}

static void test_article_page(void **state)
{
	raqib_article a = make_article();
	raqib_comment_row c = make_comment(7, "عبدالحميد", "حسب رايي المتواضع\nسطر ثان");
	raqib_page_info pg = {1, 10, 1};
	raqib_form_state f = make_form();
	raqib_buf b;
	const char *h, *body;
	(void)state;

	h = render_page(&a, &c, 1, &pg, &f, &b);
	assert_memory_equal(h, "<!doctype html>\n<html lang=\"ar\" dir=\"rtl\">", 40);
	HAS(h, "<meta charset=\"utf-8\">");
	HAS(h, "<meta name=\"viewport\"");
	HAS(h, "<title>حفتر...مشروع إسقاط الإسلام السياسي في ليبيا | قنطرة</title>");
	HAS(h, "<link rel=\"canonical\" href=\"https://example.org/a/haftar\">");
	HAS(h, "<link rel=\"stylesheet\" href=\"/static/raqib.css\">");
	HAS(h, "<a href=\"/\" class=\"raqib-site-name\">قنطرة</a>");
	HAS(h, "<h1>حفتر...مشروع إسقاط الإسلام السياسي في ليبيا</h1>");
	/* three non-empty lines, the blank and the NBSP-only line skipped */
	body = strstr(h, "<div class=\"raqib-body\">");
	assert_non_null(body);
	HAS(body, "<p>الفقرة الأولى عن ليبيا.</p>\n<p>الفقرة الثانية.</p>\n<p>الفقرة الثالثة.</p>\n</div>");
	HAS(h, "<figure class=\"raqib-figure\"><img src=\"https://example.org/img/haftar.jpg\"");
	HAS(h, "<figcaption>خليفة حفتر وفائز السراج - ليبيا</figcaption>");
	HAS(h, ">اقرأ أيضًا</h2>");
	HAS(h, "<a href=\"https://example.org/a/mukhtarat\">مقالات مختارة من موقع قنطرة</a>");
	HAS(h, "<a href=\"/a/other\">رابط داخلي</a>");
	HAS(h, "<h2 id=\"raqib-comments-title\">تعليقات القراء على مقال : حفتر...مشروع إسقاط "
	       "الإسلام السياسي في ليبيا</h2>");
	HAS(h, "<section id=\"raqib-comments\"");
	HAS(h, "<article class=\"raqib-comment\" id=\"c7\">");
	HAS(h, "حسب رايي المتواضع<br>سطر ثان");
	HAS(h, "<span class=\"raqib-comment-author\" dir=\"auto\">عبدالحميد</span> "
	       "<time dir=\"ltr\" datetime=\"2018-04-24T14:52:00+02:00\">24.04.2018 | 14:52</time>");
	HAS(h, "<p class=\"raqib-terms\" id=\"raqib-terms\">إرسال التعليق يعني موافقة القارئ");
	HASNT(h, "raqib-empty");
	HASNT(h, "raqib-pages");
	HASNT(h, "raqib-notice");
	/* strict CSP: no inline style, no script but the JSON-LD data block */
	HASNT(h, " style=");
	HASNT(h, "<style");
	assert_int_equal(count(h, "<script"), 1);
	HASNT(h, " onclick");
	assert_true(h[b.len - 1] == '\n');
	HAS(h, "</main>\n</body>\n</html>\n");
	raqib_buf_free(&b);
}

static void test_jsonld(void **state)
{
	raqib_article a = make_article();
	raqib_comment_row c[2] = {make_comment(7, "عبدالحميد", "نص أول"),
				  make_comment(8, HOSTILE_NAME, HOSTILE_TEXT)};
	raqib_page_info pg = {1, 10, 2};
	raqib_form_state f = make_form();
	raqib_buf b;
	json_error_t jerr;
	json_t *root, *cm;
	char *js;
	(void)state;

	render_page(&a, c, 2, &pg, &f, &b);
	js = jsonld_body(b.data);
	HASNT(js, "<");
	HASNT(js, ">");
	root = json_loads(js, 0, &jerr);
	if (!root)
		fail_msg("JSON-LD does not parse: %s in %s", jerr.text, js);
	assert_string_equal(json_string_value(json_object_get(root, "@context")), "https://schema.org");
	assert_string_equal(json_string_value(json_object_get(root, "@type")), "Article");
	assert_string_equal(json_string_value(json_object_get(root, "headline")), TITLE);
	assert_string_equal(json_string_value(json_object_get(root, "datePublished")),
			    "2018-04-23T14:52:00+02:00");
	assert_string_equal(json_string_value(json_object_get(root, "dateModified")),
			    "2018-04-24T14:52:00+02:00");
	assert_string_equal(json_string_value(json_object_get(root, "url")),
			    "https://example.org/a/haftar");
	assert_string_equal(json_string_value(json_object_get(root, "image")),
			    "https://example.org/img/haftar.jpg");
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "author"), "name")),
			    "كاتب");
	assert_non_null(strstr(json_string_value(json_object_get(root, "articleBody")),
			       "الفقرة الثانية."));
	assert_int_equal(json_integer_value(json_object_get(root, "commentCount")), 2);
	cm = json_object_get(root, "comment");
	assert_int_equal(json_array_size(cm), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(cm, 0), "@type")), "Comment");
	assert_string_equal(json_string_value(json_object_get(json_array_get(cm, 0), "text")), "نص أول");
	assert_string_equal(json_string_value(json_object_get(json_array_get(cm, 0), "dateCreated")),
			    "2018-04-24T14:52:00+02:00");
	/* hostile strings survive as data, exactly */
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_array_get(cm, 1), "author"), "name")),
			    HOSTILE_NAME);
	assert_string_equal(json_string_value(json_object_get(json_array_get(cm, 1), "text")),
			    HOSTILE_TEXT);
	json_decref(root);
	free(js);
	raqib_buf_free(&b);
}

static void test_hostile_everywhere(void **state)
{
	static const char evil[] = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>";
	raqib_site site = SITE;
	raqib_article a = make_article();
	raqib_related rel[2] = {{evil, "https://example.org/\"><img src=x onerror=alert(1)>"},
				{evil, evil}};
	raqib_comment_row c = make_comment(9, HOSTILE_NAME, HOSTILE_TEXT);
	raqib_page_info pg = {1, 10, 1};
	raqib_form_state f = make_form();
	raqib_buf b;
	const char *h;
	char *js;
	(void)state;

	site.name = evil;
	site.terms = evil;
	a.title = evil;
	a.caption = evil;
	a.author = evil;
	a.body = evil;
	a.image_url = "https://example.org/x.jpg\"onerror=\"alert(1)";
	a.related = rel;
	f.name = evil;
	f.text = evil;
	f.notice = RAQIB_NOTICE_ERROR;
	f.message = evil;
	f.return_to = evil;
	f.token = evil;
	h = render_page(&a, &c, 1, &pg, &f, &b);
	assert_null(strcasestr(h, "<script>alert"));
	HASNT(h, "<img src=x");
	HAS(h, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
	HASNT(h, "\" onerror");
	HASNT(h, "</script>\"");
	/* the only <img> is the article's, with its quote escaped */
	assert_int_equal(count(h, "<img"), 1);
	HAS(h, "<img src=\"https://example.org/x.jpg&quot;onerror=&quot;alert(1)\"");
	HAS(h, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;");
	HAS(h, "قبل &lt;/script&gt; بعد &quot;&gt;&lt;img src=x onerror=alert(1)&gt; &amp;amp;<br>سطر");
	assert_int_equal(count(h, "<script"), 1);
	js = jsonld_body(h);
	assert_null(strcasestr(js, "</script"));
	HASNT(js, "<");
	{
		json_t *root = json_loads(js, 0, NULL);
		assert_non_null(root);
		assert_string_equal(json_string_value(json_object_get(root, "headline")), evil);
		json_decref(root);
	}
	free(js);
	raqib_buf_free(&b);

	raqib_buf_init(&b, 1 << 20);
	assert_int_equal(raqib_render_fragment(&b, &site, &a, &c, 1, &pg, &f), 0);
	assert_null(strcasestr(b.data, "<script"));
	HASNT(b.data, "<img");
	raqib_buf_free(&b);

	raqib_buf_init(&b, 1 << 20);
	assert_int_equal(raqib_render_index(&b, &site, &a, 1, &pg), 0);
	assert_null(strcasestr(b.data, "<script"));
	HASNT(b.data, "<img");
	raqib_buf_free(&b);

	raqib_buf_init(&b, 1 << 20);
	assert_int_equal(raqib_render_error(&b, &site, 404, evil), 0);
	assert_null(strcasestr(b.data, "<script"));
	HASNT(b.data, "<img");
	raqib_buf_free(&b);
}

static void test_unsafe_urls(void **state)
{
	raqib_article a = make_article();
	raqib_related rel[] = {
		{"جافا", "javascript:alert(1)"},     {"جافا٢", "JaVaScRiPt:alert(1)"},
		{"مسافة", " javascript:alert(1)"},   {"بيانات", "data:text/html,<b>x</b>"},
		{"خارجي", "//evil.example/x"},       {"سطر", "java\nscript:alert(1)"},
		{"مائل", "/\\evil.example"},         {"آمن", "http://example.com/?a=1&b=2"},
	};
	raqib_buf b;
	const char *h;
	(void)state;

	a.related = rel;
	a.nrelated = sizeof rel / sizeof rel[0];
	a.image_url = "javascript:alert(1)";
	h = render_page(&a, NULL, 0, NULL, NULL, &b);
	assert_null(strcasestr(h, "javascript:"));
	HASNT(h, "data:text");
	HASNT(h, "evil.example");
	HASNT(h, "<img");
	HAS(h, "<li>جافا</li>");
	HAS(h, "<li>بيانات</li>");
	HAS(h, "<li>خارجي</li>");
	HAS(h, "<a href=\"http://example.com/?a=1&amp;b=2\">آمن</a>");
	/* no form state: no form; no comments: the empty line */
	HASNT(h, "<form");
	HAS(h, "<p class=\"raqib-empty\">");
	/* the caption stays without an image */
	HAS(h, "<figure class=\"raqib-figure\"><figcaption>");
	raqib_buf_free(&b);
}

static void test_time_format(void **state)
{
	char buf[40];
	(void)state;

	raqib_format_time(buf, 24, T_0424);
	assert_string_equal(buf, "24.04.2018 | 14:52");
	raqib_format_iso(buf, sizeof buf, T_0424);
	assert_string_equal(buf, "2018-04-24T14:52:00+02:00");
	/* winter time: +01:00 */
	raqib_format_time(buf, 24, 1516017600 + 59); /* 2018-01-15 12:00:59 UTC */
	assert_string_equal(buf, "15.01.2018 | 13:00");
	raqib_format_iso(buf, sizeof buf, 1516017600 + 59);
	assert_string_equal(buf, "2018-01-15T13:00:59+01:00");
	/* small buffers are truncated, never overrun */
	memset(buf, 'x', sizeof buf);
	raqib_format_time(buf, 6, T_0424);
	assert_string_equal(buf, "24.04");
	assert_int_equal(buf[6], 'x');

	/* a zone west of UTC with a half-hour offset */
	setenv("TZ", "America/St_Johns", 1);
	tzset();
	raqib_format_iso(buf, sizeof buf, T_0424);
	assert_string_equal(buf, "2018-04-24T10:22:00-02:30");
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
}

static void test_pagination(void **state)
{
	raqib_article a = make_article();
	raqib_comment_row c = make_comment(1, "أحمد", "تعليق");
	raqib_form_state f = make_form();
	raqib_buf b;
	const char *h;
	raqib_page_info pg = {1, 10, 10};
	(void)state;

	h = render_page(&a, &c, 1, &pg, &f, &b);
	HASNT(h, "raqib-pages");
	HASNT(h, "rel=\"next\"");
	raqib_buf_free(&b);

	pg = (raqib_page_info){1, 10, 25};
	h = render_page(&a, &c, 1, &pg, &f, &b);
	HAS(h, "<a rel=\"next\" href=\"?page=2#raqib-comments\">");
	HASNT(h, "rel=\"prev\"");
	HAS(h, "الصفحة 1 من 3");
	raqib_buf_free(&b);

	pg = (raqib_page_info){2, 10, 25};
	h = render_page(&a, &c, 1, &pg, &f, &b);
	HAS(h, "<a rel=\"prev\" href=\"?page=1#raqib-comments\">");
	HAS(h, "<a rel=\"next\" href=\"?page=3#raqib-comments\">");
	raqib_buf_free(&b);

	pg = (raqib_page_info){3, 10, 25};
	h = render_page(&a, &c, 1, &pg, &f, &b);
	HAS(h, "<a rel=\"prev\" href=\"?page=2#raqib-comments\">");
	HASNT(h, "rel=\"next\"");
	raqib_buf_free(&b);

	/* index pagination */
	raqib_buf_init(&b, 1 << 20);
	pg = (raqib_page_info){1, 1, 2};
	assert_int_equal(raqib_render_index(&b, &SITE, &a, 1, &pg), 0);
	HAS(b.data, "<a rel=\"next\" href=\"?page=2\">");
	HAS(b.data, "<a href=\"/a/haftar\">حفتر...مشروع");
	HAS(b.data, "<time datetime=\"2018-04-23T14:52:00+02:00\">23.04.2018</time>");
	raqib_buf_free(&b);
}

static char *render_notice(raqib_notice_kind kind, const char *reasons, const char *msg,
			   raqib_buf *b)
{
	raqib_article a = make_article();
	raqib_form_state f = make_form();
	raqib_page_info pg = {1, 10, 0};
	char *n;

	f.notice = kind;
	f.reasons_json = reasons;
	f.message = msg;
	raqib_buf_init(b, 1 << 20);
	assert_int_equal(raqib_render_fragment(b, &SITE, &a, NULL, 0, &pg, &f), 0);
	n = strstr(b->data, "<div id=\"raqib-notice\" role=\"status\"");
	if (kind == RAQIB_NOTICE_NONE) {
		assert_null(n);
		return NULL;
	}
	assert_non_null(n);
	/* above the form */
	assert_true(n < strstr(b->data, "<form"));
	return n;
}

static void test_notices(void **state)
{
	raqib_buf b;
	char *n;
	(void)state;

	assert_null(render_notice(RAQIB_NOTICE_NONE, NULL, NULL, &b));
	raqib_buf_free(&b);

	n = render_notice(RAQIB_NOTICE_PUBLISHED, NULL, NULL, &b);
	HAS(n, "class=\"raqib-notice raqib-notice-published\"");
	HAS(n, "شكرًا، نُشر تعليقك.");
	raqib_buf_free(&b);

	n = render_notice(RAQIB_NOTICE_SHORTENED,
			  "[{\"rule\":\"phone\",\"field\":\"text\",\"action\":\"shorten\",\"score\":1.0,"
			  "\"spans\":[[3,14]]}]",
			  NULL, &b);
	HAS(n, "raqib-notice-shortened");
	HAS(n, "نُشر تعليقك بعد اختصاره: حُذف رقم الهاتف، فالتعليقات متاحة لمحركات البحث.");
	raqib_buf_free(&b);

	n = render_notice(RAQIB_NOTICE_PENDING, NULL, "تعليقك بانتظار مراجعة هيئة التحرير.", &b);
	HAS(n, "raqib-notice-pending");
	/* the server's message equal to the notice is not repeated */
	assert_int_equal(count(n, "تعليقك بانتظار مراجعة هيئة التحرير."), 1);
	raqib_buf_free(&b);

	n = render_notice(RAQIB_NOTICE_REJECTED,
			  "[{\"rule\":\"insult\",\"field\":\"text\"},{\"rule\":\"dialect\"},"
			  "{\"rule\":\"insult\",\"field\":\"name\"},{\"rule\":\"nonsense\"},{\"x\":1},3]",
			  NULL, &b);
	HAS(n, "raqib-notice-rejected");
	HAS(n, "لم يُقبل تعليقك.");
	assert_int_equal(count(n, "<li>يتضمن إساءة إلى أشخاص</li>"), 1);
	HAS(n, "<li>مكتوب بلهجة عامية</li>");
	assert_int_equal(count(n, "<li>"), 2);
	raqib_buf_free(&b);

	/* broken reasons: the notice without the why */
	n = render_notice(RAQIB_NOTICE_REJECTED, "{not json", NULL, &b);
	HAS(n, "لم يُقبل تعليقك.");
	HASNT(n, "<li>");
	raqib_buf_free(&b);

	n = render_notice(RAQIB_NOTICE_ERROR, NULL, "الاسم فارغ <b>", &b);
	HAS(n, "raqib-notice-error");
	HAS(n, "الاسم فارغ &lt;b&gt;");
	raqib_buf_free(&b);
}

static void test_form(void **state)
{
	raqib_article a = make_article();
	raqib_form_state f = make_form();
	raqib_page_info pg = {1, 10, 0};
	raqib_buf b;
	const char *h, *p;
	(void)state;

	f.name = "أحمد \"الليبي\"";
	f.text = "\nنص محفوظ </textarea><b>x</b>";
	f.return_to = "https://news.example/a?x=1&y=2";
	f.notice = RAQIB_NOTICE_REJECTED;
	raqib_buf_init(&b, 1 << 20);
	assert_int_equal(raqib_render_fragment(&b, &SITE, &a, NULL, 0, &pg, &f), 0);
	h = b.data;
	assert_memory_equal(h, "<section id=\"raqib-comments\"", 28);
	HASNT(h, "<html");
	HAS(h, "<form class=\"raqib-form\" method=\"post\" accept-charset=\"utf-8\" "
	       "action=\"/a/haftar/comments\">");
	HAS(h, "<input type=\"hidden\" name=\"token\" value=\"1524574320.abcd.0123456789abcdef\">");
	HAS(h, "<input type=\"hidden\" name=\"return_to\" value=\"https://news.example/a?x=1&amp;y=2\">");
	HAS(h, "name=\"name\" required maxlength=\"100\" autocomplete=\"name\" "
	       "value=\"أحمد &quot;الليبي&quot;\">");
	/* the parser drops one newline after <textarea>: the kept one survives */
	HAS(h, "rows=\"6\">\n\nنص محفوظ &lt;/textarea&gt;&lt;b&gt;x&lt;/b&gt;</textarea>");
	HAS(h, "<label for=\"raqib-name\">الاسم</label>");
	HAS(h, "<label for=\"raqib-comment\">التعليق</label>");
	HAS(h, "<div class=\"raqib-hp\" aria-hidden=\"true\"><label for=\"raqib-hp\">"
	       "To prevent automated spam submissions leave this field empty.</label>"
	       "<input type=\"text\" id=\"raqib-hp\" name=\"honeypot\" tabindex=\"-1\" "
	       "autocomplete=\"off\"");
	HAS(h, "name=\"consent\" value=\"1\" required>");
	HAS(h, "<label for=\"raqib-consent\">");
	HAS(h, "<button type=\"submit\">إرسال التعليق</button>");
	HAS(h, "<p class=\"raqib-empty\">");
	/* every input and the textarea have a label */
	for (p = h; (p = strstr(p, " id=\"raqib-")); p++) {
		char id[64], lab[96];
		const char *q = p + 5, *e = strchr(q, '"');
		if (strncmp(q, "raqib-name", 10) && strncmp(q, "raqib-comment\"", 14) &&
		    strncmp(q, "raqib-hp", 8) && strncmp(q, "raqib-consent", 13))
			continue;
		snprintf(id, sizeof id, "%.*s", (int)(e - q), q);
		snprintf(lab, sizeof lab, "<label for=\"%s\">", id);
		HAS(h, lab);
	}
	raqib_buf_free(&b);
}

static void test_sitemap(void **state)
{
	raqib_site site = SITE;
	raqib_article a[2] = {make_article(), make_article()};
	raqib_buf b;
	(void)state;

	site.base_url = "https://example.org/news?x=<1>&y='2'";
	a[1].slug = "b\"<&>";
	a[1].updated_at = 0;
	a[1].last_modified = 1516017600;
	raqib_buf_init(&b, 1 << 20);
	assert_int_equal(raqib_render_sitemap(&b, &site, a, 2), 0);
	assert_memory_equal(b.data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">", 99);
	HAS(b.data, "<url><loc>https://example.org/news?x=&lt;1&gt;&amp;y=&#39;2&#39;/a/haftar</loc>"
		    "<lastmod>2018-04-24T14:52:00+02:00</lastmod></url>");
	HAS(b.data, "/a/b%22%3C%26%3E</loc><lastmod>2018-01-15T13:00:00+01:00</lastmod>");
	assert_int_equal(count(b.data, "<url>"), 2);
	HAS(b.data, "</urlset>\n");
	raqib_buf_free(&b);
}

static void test_error_page(void **state)
{
	raqib_buf b;
	(void)state;

	raqib_buf_init(&b, 1 << 20);
	assert_int_equal(raqib_render_error(&b, &SITE, 404, "لا يوجد مقال بهذا العنوان."), 0);
	HAS(b.data, "<html lang=\"ar\" dir=\"rtl\">");
	HAS(b.data, "404 — الصفحة غير موجودة");
	HAS(b.data, "<p>لا يوجد مقال بهذا العنوان.</p>");
	HAS(b.data, "noindex");
	raqib_buf_free(&b);
}

static void test_escapers(void **state)
{
	static const char in[] = "a<b>&\"'\\/\n\t\x01\x7f\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaa"
				 "</script><!--x";
	raqib_buf b;
	(void)state;

	raqib_buf_init(&b, 1 << 16);
	assert_int_equal(raqib_jsonld_escape(&b, in, sizeof in - 1), 0);
	assert_string_equal(b.data, "a\\u003cb\\u003e\\u0026\\\"\\u0027\\\\/\\n\\u0009\\u0001\\u007f"
				    "\\u2028\\u2029\xe2\x80\xaa\\u003c/script\\u003e\\u003c!--x");
	raqib_buf_reset(&b);
	/* a U+2028 cut by the length is not read past */
	assert_int_equal(raqib_jsonld_escape(&b, "x\xe2\x80\xa8", 3), 0);
	assert_string_equal(b.data, "x\xe2\x80");
	raqib_buf_reset(&b);
	assert_int_equal(raqib_html_escape(&b, "<a href=\"x\">'&'</a>", 13), 0);
	assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;&#39;");
	raqib_buf_reset(&b);
	assert_int_equal(raqib_html_escape(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 2);
	raqib_buf_free(&b);

	/* a full buffer is a negative return, not a truncated page */
	raqib_buf_init(&b, 200);
	{
		raqib_article a = make_article();
		raqib_form_state f = make_form();
		assert_true(raqib_render_article(&b, &SITE, &a, NULL, 0, NULL, &f) < 0);
		assert_true(raqib_render_sitemap(&b, &SITE, &a, 1) < 0 || b.len <= 200);
	}
	raqib_buf_free(&b);
}

static void test_reasons(void **state)
{
	const char *seen[RAQIB_RULE_COUNT];
	int r, k;
	(void)state;

	for (r = 0; r < RAQIB_RULE_COUNT; r++) {
		seen[r] = raqib_reason_ar((raqib_rule)r);
		assert_non_null(seen[r]);
		assert_true(strlen(seen[r]) > 4);
		for (k = 0; k < r; k++)
			assert_string_not_equal(seen[k], seen[r]);
	}
	assert_string_equal(raqib_reason_ar(RAQIB_RULE_INSULT), "يتضمن إساءة إلى أشخاص");
	assert_string_equal(raqib_reason_ar(RAQIB_RULE_HATE), "يتضمن تعبيرات عنصرية");
	assert_string_equal(raqib_reason_ar(RAQIB_RULE_OFF_TOPIC), "لا يتعلق بموضوع المقال");
	assert_string_equal(raqib_reason_ar(RAQIB_RULE_DIALECT), "مكتوب بلهجة عامية");
	assert_string_equal(raqib_reason_ar(RAQIB_RULE_FOREIGN), "مكتوب بلغة أجنبية غير العربية");
	assert_string_equal(raqib_reason_ar(RAQIB_RULE_PSEUDONYM), "موقّع باسم رمزي أو غير حقيقي");
	assert_string_equal(raqib_reason_ar(RAQIB_RULE_PHONE), "يتضمن رقم هاتف");
	assert_string_equal(raqib_reason_ar(RAQIB_RULE_SPAM), "يبدو إعلانًا أو رسالة مزعجة");
}

static void test_assets(void **state)
{
	(void)state;
	assert_true(raqib_widget_js_len > 1000);
	assert_true(raqib_widget_js_len < 15 * 1024);
	assert_int_equal(raqib_widget_js[raqib_widget_js_len], 0);
	assert_int_equal(strlen(raqib_widget_js), raqib_widget_js_len);
	assert_non_null(strstr(raqib_widget_js, "raqib-comments"));
	assert_true(raqib_style_css_len > 1000);
	assert_int_equal(strlen(raqib_style_css), raqib_style_css_len);
	assert_non_null(strstr(raqib_style_css, ".raqib-hp"));
	assert_non_null(strstr(raqib_style_css, "clip-path: inset(50%)"));
}

/* The page the server builds on a cache miss: 100 comments. Every comment
 * is there once, in order, and rendering is deterministic (the server's
 * cache and ETags rely on it). Its speed is measured by make bench-http. */
static void test_page_100(void **state)
{
	enum { N = 100 };
	static raqib_comment_row c[N];
	static char names[N][32];
	raqib_article a = make_article();
	raqib_page_info pg = {1, N, 250};
	raqib_form_state f = make_form();
	const char *text = "حسب رايي المتواضع فان خليفه حفتر رجل عسكري ووطني افضل من غيره بكثير في "
			   "هذا الوقت علي الاقل. لقد جهز الجيش الليبي واحياه بعد ان كان مهمشا من "
			   "النظام السابق.\nوقضي علي الارهاب في بنغازي \"وتم\" تحريرها.";
	raqib_buf b, b2;
	const char *prev;
	char id[32];
	int i;
	(void)state;

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "عبدالحميد %d", i);
		c[i] = make_comment(i + 1, names[i], text);
		c[i].created_at = T_0424 + i * 97;
	}
	raqib_buf_init(&b, 1 << 22);
	raqib_buf_init(&b2, 1 << 22);
	assert_int_equal(raqib_render_article(&b, &SITE, &a, c, N, &pg, &f), 0);
	assert_int_equal(raqib_render_article(&b2, &SITE, &a, c, N, &pg, &f), 0);
	assert_int_equal(b.len, b2.len);
	assert_memory_equal(b.data, b2.data, b.len);
	prev = b.data;
	for (i = 0; i < N; i++) {
		const char *at;
		snprintf(id, sizeof id, "id=\"c%d\"", i + 1);
		at = strstr(b.data, id);
		assert_non_null(at);
		assert_true(at > prev);
		prev = at;
	}
	raqib_buf_free(&b);
	raqib_buf_free(&b2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_article_page),
		cmocka_unit_test(test_jsonld),
		cmocka_unit_test(test_hostile_everywhere),
		cmocka_unit_test(test_unsafe_urls),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_pagination),
		cmocka_unit_test(test_notices),
		cmocka_unit_test(test_form),
		cmocka_unit_test(test_sitemap),
		cmocka_unit_test(test_error_page),
		cmocka_unit_test(test_escapers),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_assets),
		cmocka_unit_test(test_page_100),
	};

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
