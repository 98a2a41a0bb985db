/*
 * render.h — server-side HTML (and sitemap XML) for readers. Pure functions:
 * data in, bytes appended to a raqib_buf; no I/O, no globals besides the
 * process time zone (set once at start from the config with setenv("TZ")).
 *
 * Every string that came from a reader or an editor is escaped here; the
 * callers never write markup themselves.
 */
#ifndef RAQIB_RENDER_H
#define RAQIB_RENDER_H

#include "base/base.h"
#include "store/store.h"

typedef struct raqib_site {
	const char *name;          /* site name, shown in the header and <title> */
	const char *base_url;      /* absolute, no trailing slash: canonical links, sitemap */
	const char *terms;         /* the comment terms shown above the form (plain text) */
	const char *lang;          /* "ar" */
} raqib_site;

/* What the form shows: the reader's own input kept after a failed post, the
 * signed form token, and a notice about the last post. */
typedef enum {
	RAQIB_NOTICE_NONE = 0,
	RAQIB_NOTICE_PUBLISHED,
	RAQIB_NOTICE_SHORTENED,    /* published without the phone number */
	RAQIB_NOTICE_PENDING,      /* awaiting the editors' review */
	RAQIB_NOTICE_REJECTED,     /* not accepted (screening) */
	RAQIB_NOTICE_ERROR         /* not accepted (input: empty, too long, too fast, ...) */
} raqib_notice_kind;

typedef struct raqib_form_state {
	const char *action;        /* form action URL, e.g. "/a/slug/comments" */
	const char *token;         /* opaque ASCII, hidden input name="token" */
	const char *name;          /* kept input, "" or NULL = empty */
	const char *text;
	raqib_notice_kind notice;
	const char *message;       /* extra plain-text detail for the notice, may be NULL */
	const char *reasons_json;  /* the comment's reasons (store format), may be NULL */
	const char *return_to;     /* hidden input name="return_to", may be NULL */
} raqib_form_state;

typedef struct raqib_page_info {
	size_t page;               /* 1-based */
	size_t per_page;
	size_t total;              /* public comments in all */
} raqib_page_info;

/* The whole article page: <!doctype html>, <html lang="ar" dir="rtl">,
 * canonical link, JSON-LD Article with its Comments, title, body paragraphs,
 * figure caption, "اقرأ أيضًا" links, then the comments section (as in
 * raqib_render_comments), then the terms and the form. */
int raqib_render_article(raqib_buf *out, const raqib_site *site, const raqib_article *a,
			 const raqib_comment_row *comments, size_t n,
			 const raqib_page_info *pg, const raqib_form_state *form);
/* The comments section alone (heading "تعليقات القراء على مقال : {title}",
 * comments, pagination, terms, form): for SSI/ESI includes. No <html>. */
int raqib_render_fragment(raqib_buf *out, const raqib_site *site, const raqib_article *a,
			  const raqib_comment_row *comments, size_t n,
			  const raqib_page_info *pg, const raqib_form_state *form);
/* GET / : the article list. */
int raqib_render_index(raqib_buf *out, const raqib_site *site, const raqib_article *articles,
		       size_t n, const raqib_page_info *pg);
/* /sitemap.xml */
int raqib_render_sitemap(raqib_buf *out, const raqib_site *site, const raqib_article *articles,
			 size_t n);
/* A small full page for 404 / 400 / 500 ... with a plain message. */
int raqib_render_error(raqib_buf *out, const raqib_site *site, int status, const char *message);

/* HTML text/attribute escaping of UTF-8 (& < > " ' escaped). */
int raqib_html_escape(raqib_buf *out, const char *s, size_t len);
/* JSON string escaping for JSON-LD inside <script>: also escapes < > & and
 * U+2028/2029 so the text can never close the script element. */
int raqib_jsonld_escape(raqib_buf *out, const char *s, size_t len);
/* "DD.MM.YYYY | HH:MM" in the process time zone. out needs 24 bytes. */
void raqib_format_time(char *out, size_t cap, int64_t t);
/* ISO 8601 with offset, for JSON-LD and the sitemap. */
void raqib_format_iso(char *out, size_t cap, int64_t t);
/* One rule's reason in plain Arabic ("يتضمن رقم هاتف" ...). */
const char *raqib_reason_ar(raqib_rule r);

/* Static assets built into the binary. */
extern const char raqib_widget_js[];
extern const size_t raqib_widget_js_len;
extern const char raqib_style_css[];
extern const size_t raqib_style_css_len;

#endif
