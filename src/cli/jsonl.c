#include "jsonl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- capped line reader ------------------------------------------------ */

int jsonl_reader_init(jsonl_reader *r, size_t max_line, jsonl_read_fn fn,
		      void *ctx)
{
	memset(r, 0, sizeof *r);
	if (!max_line || max_line > ((size_t)-1) / 8)
		return RAQIB_EARG;
	/* Room for one whole line plus three lines of read-ahead: each refill
	 * then reads at least 3 * max_line bytes, so the memmove of a partial
	 * line stays a small fraction of the copying. */
	r->size = 4 * (max_line + 1);
	r->buf = malloc(r->size);
	if (!r->buf)
		return RAQIB_ENOMEM;
	r->max_line = max_line;
	r->read = fn;
	r->ctx = ctx;
	return 0;
}

void jsonl_reader_free(jsonl_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

long jsonl_read_fd(void *ctx, char *dst, size_t n)
{
	int fd = *(const int *)ctx;
	for (;;) {
		ssize_t k = read(fd, dst, n);
		if (k >= 0)
			return (long)k;
		if (errno != EINTR)
			return -(long)errno;
	}
}

/* Refills after the unread bytes, moving them to the front first. */
static int reader_fill(jsonl_reader *r)
{
	size_t avail = r->end - r->pos;
	long k;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, avail);
		r->pos = 0;
		r->end = avail;
	}
	k = r->read(r->ctx, r->buf + r->end, r->size - r->end);
	if (k < 0) {
		r->err = (int)-k;
		return JSONL_EIO;
	}
	if (k == 0)
		r->eof = 1;
	r->end += (size_t)k;
	return 0;
}

/* The current line is too long: throw it away up to and including its
 * newline without ever holding more than one buffer of it. */
static int reader_skip(jsonl_reader *r)
{
	for (;;) {
		char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
		if (nl) {
			r->pos = (size_t)(nl - r->buf) + 1;
			return JSONL_LONG;
		}
		r->pos = r->end = 0;
		if (r->eof)
			return JSONL_LONG;
		if (reader_fill(r))
			return JSONL_EIO;
	}
}

int jsonl_read_line(jsonl_reader *r, const char **line, size_t *len)
{
	for (;;) {
		size_t avail = r->end - r->pos;
		char *p = r->buf + r->pos;
		char *nl = memchr(p, '\n', avail);

		if (nl) {
			size_t n = (size_t)(nl - p);
			r->line++;
			if (n > r->max_line) {
				r->pos += n + 1;
				return JSONL_LONG;
			}
			*line = p;
			*len = n;
			r->pos += n + 1;
			return JSONL_LINE;
		}
		if (avail > r->max_line) {
			r->line++;
			return reader_skip(r);
		}
		if (r->eof) {
			if (!avail)
				return JSONL_END;
			r->line++;
			*line = p;
			*len = avail;
			r->pos = r->end;
			return JSONL_LINE;
		}
		if (reader_fill(r))
			return JSONL_EIO;
	}
}

bool jsonl_blank(const char *line, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

/* ---- parsing ----------------------------------------------------------- */

void jsonl_item_init(jsonl_item *it)
{
	memset(it, 0, sizeof *it);
}

void jsonl_item_clear(jsonl_item *it)
{
	json_decref(it->root);
	memset(it, 0, sizeof *it);
}

static int item_fail(jsonl_item *it, int code, const char *fmt, const char *a)
{
	return raqib_err_set(&it->err, code, fmt, a);
}

/* An optional string member: absent or null leaves *s NULL. */
static int get_str(jsonl_item *it, json_t *obj, const char *key,
		   const char *label, const char **s, size_t *n)
{
	json_t *j = json_object_get(obj, key);

	*s = NULL;
	*n = 0;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_string(j))
		return item_fail(it, RAQIB_EARG, "\"%s\" must be a string", label);
	*s = json_string_value(j);
	*n = json_string_length(j);
	return 0;
}

static int parse_error(jsonl_item *it, const json_error_t *je,
		       const char *line, size_t len)
{
	size_t bad = 0;

	/* jansson reports invalid UTF-8 as "unable to decode byte 0x..";
	 * name the byte offset so the producer can find it. */
	if (json_error_code(je) == json_error_invalid_utf8 &&
	    raqib_utf8_count(line, len, &bad) < 0)
		return raqib_err_set(&it->err, RAQIB_EUTF8,
				     "invalid UTF-8 at byte offset %zu of the line", bad);
	if (json_error_code(je) == json_error_invalid_utf8)
		return raqib_err_set(&it->err, RAQIB_EUTF8, "invalid UTF-8: %s",
				     je->text);
	/* jansson's own words for these name its flags; say it plainly. */
	if (json_error_code(je) == json_error_null_character)
		return raqib_err_set(&it->err, RAQIB_EARG,
				     "a string contains \\u0000 (NUL), which is not allowed");
	if (json_error_code(je) == json_error_duplicate_key)
		return raqib_err_set(&it->err, RAQIB_EARG,
				     "invalid JSON at column %d: duplicate key %s",
				     je->column, strchr(je->text, '\'') ?
				     strchr(je->text, '\'') : "");
	return raqib_err_set(&it->err, RAQIB_EARG, "invalid JSON at column %d: %s",
			     je->column, je->text);
}

int jsonl_parse(jsonl_item *it, const char *line, size_t len,
		unsigned long lineno)
{
	json_error_t je;
	json_t *art;
	int rc;

	jsonl_item_clear(it);
	it->line = lineno;
	/* Duplicate keys are refused: {"text":"clean","text":"abuse"} must not
	 * mean one thing to us and another to the site that publishes it. */
	it->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!it->root)
		return parse_error(it, &je, line, len);
	if (!json_is_object(it->root))
		return item_fail(it, RAQIB_EARG, "%s",
				 "a line must be a JSON object");

	it->id = json_object_get(it->root, "id");
	if (it->id && (json_is_object(it->id) || json_is_array(it->id))) {
		it->id = NULL;
		return item_fail(it, RAQIB_EARG, "%s",
				 "\"id\" must be a string or a number");
	}
	if (it->id && json_is_null(it->id))
		it->id = NULL;

	if (!json_object_get(it->root, "text"))
		return item_fail(it, RAQIB_EARG, "%s", "missing \"text\"");
	if (!json_is_string(json_object_get(it->root, "text")))
		return item_fail(it, RAQIB_EARG, "%s", "\"text\" must be a string");
	if ((rc = get_str(it, it->root, "text", "text", &it->c.text, &it->c.text_len)) ||
	    (rc = get_str(it, it->root, "name", "name", &it->c.name, &it->c.name_len)) ||
	    (rc = get_str(it, it->root, "honeypot", "honeypot", &it->c.honeypot,
			  &it->c.honeypot_len)))
		return rc;

	art = json_object_get(it->root, "article");
	if (art && !json_is_null(art)) {
		if (!json_is_object(art))
			return item_fail(it, RAQIB_EARG, "%s",
					 "\"article\" must be an object");
		if ((rc = get_str(it, art, "title", "article.title", &it->c.title,
				  &it->c.title_len)) ||
		    (rc = get_str(it, art, "body", "article.body", &it->c.body,
				  &it->c.body_len)))
			return rc;
	}
	return 0;
}

void jsonl_set_too_long(jsonl_item *it, unsigned long lineno, size_t max_line)
{
	jsonl_item_clear(it);
	it->line = lineno;
	raqib_err_set(&it->err, RAQIB_ETOO_LONG,
		      "line longer than %zu bytes, skipped", max_line);
}

int jsonl_screen_line(const raqib_engine *eng, jsonl_item *it,
		      raqib_verdict *v, const char *line, size_t len,
		      unsigned long lineno)
{
	int rc = jsonl_parse(it, line, len, lineno);
	if (rc)
		return rc;
	rc = raqib_screen(eng, &it->c, v, &it->err);
	if (rc && !it->err.code)   /* never report a failure without a reason */
		raqib_err_set(&it->err, rc, "screening failed (error %d)", rc);
	return rc;
}

/* ---- writing ----------------------------------------------------------- */

static inline bool needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

int jsonl_put_str(raqib_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, run;
	char *d;
	int rc;

	/* Worst case every byte becomes \u00XX; reserving it once keeps the
	 * loop free of capacity checks. The buffer is reused, so this costs
	 * one allocation per process, not per line. */
	if (n > ((size_t)-1 - 2) / 6)
		return RAQIB_ETOO_LONG;
	if ((rc = raqib_buf_reserve(out, 6 * n + 2)))
		return rc;
	d = out->data + out->len;
	*d++ = '"';
	for (i = 0; i < n;) {
		for (run = i; run < n && !needs_escape(p[run]); run++)
			;
		memcpy(d, p + i, run - i);
		d += run - i;
		if (run == n)
			break;
		*d++ = '\\';
		switch (p[run]) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '\n': *d++ = 'n'; break;
		case '\r': *d++ = 'r'; break;
		case '\t': *d++ = 't'; break;
		case '\b': *d++ = 'b'; break;
		case '\f': *d++ = 'f'; break;
		default:
			*d++ = 'u';
			*d++ = '0';
			*d++ = '0';
			*d++ = hex[p[run] >> 4];
			*d++ = hex[p[run] & 15];
		}
		i = run + 1;
	}
	*d++ = '"';
	*d = 0;
	out->len = (size_t)(d - out->data);
	return 0;
}

/* Error messages may quote input bytes (jansson's "near '...'") or end in a
 * UTF-8 sequence cut by the fixed-size message buffer: replace anything
 * invalid with U+FFFD so the output line stays valid JSON. */
static int put_str_lossy(raqib_buf *out, const char *s, size_t n)
{
	char tmp[sizeof(((raqib_err *)0)->msg) * 3];
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k = 0;
	uint32_t cp;

	while (i < n && k + 4 <= sizeof tmp) {
		size_t used = raqib_utf8_decode(p + i, n - i, &cp);
		if (used) {
			memcpy(tmp + k, p + i, used);
			k += used;
			i += used;
		} else {
			memcpy(tmp + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
		}
	}
	return jsonl_put_str(out, tmp, k);
}

int jsonl_put_uint(raqib_buf *out, uint64_t u)
{
	char tmp[20];
	size_t k = sizeof tmp;
	do {
		tmp[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	return raqib_buf_add(out, tmp + k, sizeof tmp - k);
}

int jsonl_put_score(raqib_buf *out, float score)
{
	char tmp[6];
	unsigned m;
	size_t n;

	if (!(score > 0.0f))     /* also maps NaN to 0 */
		score = 0.0f;
	if (score > 1.0f)
		score = 1.0f;
	m = (unsigned)(score * 1000.0f + 0.5f);
	tmp[0] = (char)('0' + m / 1000);
	tmp[1] = '.';
	tmp[2] = (char)('0' + m / 100 % 10);
	tmp[3] = (char)('0' + m / 10 % 10);
	tmp[4] = (char)('0' + m % 10);
	n = tmp[4] == '0' ? 4 : 5;
	return raqib_buf_add(out, tmp, n);
}

int jsonl_put_id(raqib_buf *out, const json_t *id)
{
	char tmp[40];
	int n;

	if (!id)
		return raqib_buf_add(out, "null", 4);
	switch (json_typeof(id)) {
	case JSON_STRING:
		return jsonl_put_str(out, json_string_value(id), json_string_length(id));
	case JSON_INTEGER:
		n = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT,
			     json_integer_value(id));
		break;
	case JSON_REAL:
		/* As jansson prints reals: round-trip precision, and always
		 * recognisable as a real. */
		n = snprintf(tmp, sizeof tmp, "%.17g", json_real_value(id));
		if (n > 0 && (size_t)n < sizeof tmp - 2 &&
		    !strpbrk(tmp, ".eEnN")) {
			tmp[n++] = '.';
			tmp[n++] = '0';
			tmp[n] = 0;
		}
		break;
	case JSON_TRUE:
		return raqib_buf_add(out, "true", 4);
	case JSON_FALSE:
		return raqib_buf_add(out, "false", 5);
	default:
		return raqib_buf_add(out, "null", 4);
	}
	if (n < 0 || (size_t)n >= sizeof tmp)
		return RAQIB_EARG;
	return raqib_buf_add(out, tmp, (size_t)n);
}

#define ADD_LIT(out, s) raqib_buf_add((out), (s), sizeof(s) - 1)

static int put_finding(raqib_buf *out, const raqib_finding *f)
{
	const char *rule = raqib_rule_name(f->rule);
	const char *field = raqib_field_name(f->field);
	uint32_t i;
	int rc;

	if ((rc = ADD_LIT(out, "{\"rule\":")) ||
	    (rc = jsonl_put_str(out, rule, strlen(rule))) ||
	    (rc = ADD_LIT(out, ",\"score\":")) ||
	    (rc = jsonl_put_score(out, f->score)) ||
	    (rc = ADD_LIT(out, ",\"field\":")) ||
	    (rc = jsonl_put_str(out, field, strlen(field))) ||
	    (rc = ADD_LIT(out, ",\"spans\":[")))
		return rc;
	for (i = 0; i < f->nspans && i < RAQIB_MAX_SPANS; i++) {
		if ((rc = i ? ADD_LIT(out, ",[") : ADD_LIT(out, "[")) ||
		    (rc = jsonl_put_uint(out, f->spans[i].start)) ||
		    (rc = raqib_buf_addc(out, ',')) ||
		    (rc = jsonl_put_uint(out, f->spans[i].end)) ||
		    (rc = raqib_buf_addc(out, ']')))
			return rc;
	}
	return ADD_LIT(out, "]}");
}

static int put_verdict(raqib_buf *out, const jsonl_item *it,
		       const raqib_verdict *v)
{
	const char *dec = raqib_action_name(v->decision);
	uint32_t i;
	int rc;

	if ((rc = ADD_LIT(out, "{\"id\":")) ||
	    (rc = jsonl_put_id(out, it->id)) ||
	    (rc = ADD_LIT(out, ",\"decision\":")) ||
	    (rc = jsonl_put_str(out, dec, strlen(dec))) ||
	    (rc = ADD_LIT(out, ",\"reasons\":[")))
		return rc;
	for (i = 0; i < v->nfindings && i < RAQIB_MAX_FINDINGS; i++) {
		if (i && (rc = raqib_buf_addc(out, ',')))
			return rc;
		if ((rc = put_finding(out, &v->findings[i])))
			return rc;
	}
	if ((rc = raqib_buf_addc(out, ']')))
		return rc;
	if (v->decision == RAQIB_SHORTEN && v->shortened &&
	    ((rc = ADD_LIT(out, ",\"text\":")) ||
	     (rc = jsonl_put_str(out, v->shortened, v->shortened_len))))
		return rc;
	return ADD_LIT(out, "}\n");
}

static int put_error(raqib_buf *out, const jsonl_item *it)
{
	int rc;

	if ((rc = ADD_LIT(out, "{\"id\":")) ||
	    (rc = jsonl_put_id(out, it->id)) ||
	    (rc = ADD_LIT(out, ",\"line\":")) ||
	    (rc = jsonl_put_uint(out, it->line)) ||
	    (rc = ADD_LIT(out, ",\"error\":")) ||
	    (rc = put_str_lossy(out, it->err.msg, strlen(it->err.msg))))
		return rc;
	return ADD_LIT(out, "}\n");
}

int jsonl_write_result(raqib_buf *out, const jsonl_item *it,
		       const raqib_verdict *v)
{
	size_t mark = out->len;
	int rc = it->err.code ? put_error(out, it) : put_verdict(out, it, v);

	/* Never leave half a line behind. */
	if (rc) {
		out->len = mark;
		out->data[mark] = 0;
	}
	return rc;
}
