#include "jsonl.h"

#include <cjson/cJSON.h>

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

/* The first arena block: a 262-byte comment needs under 1 KiB of cJSON
 * nodes and strings; the arena keeps its largest block, so a long line
 * grows it once. */
#define ARENA_FIRST (16 * 1024)
/* Objects with more members than this go to jansson (hashed duplicate
 * check) instead of the quadratic one below. */
#define DUP_CHECK_MAX 32

void jsonl_item_init(jsonl_item *it)
{
	memset(it, 0, sizeof *it);
}

/* Field by field: clearing runs twice per line, and the message buffer is
 * most of the item. */
void jsonl_item_clear(jsonl_item *it)
{
	json_decref(it->root);
	it->root = NULL;
	it->line = 0;
	it->id = NULL;
	memset(&it->id_val, 0, sizeof it->id_val);
	memset(&it->c, 0, sizeof it->c);
	it->err.code = 0;
	it->err.msg[0] = 0;
}

void jsonl_item_free(jsonl_item *it)
{
	jsonl_item_clear(it);
	raqib_arena_free(it->arena);
	it->arena = NULL;
}

static int item_fail(jsonl_item *it, int code, const char *fmt, const char *a)
{
	return raqib_err_set(&it->err, code, fmt, a);
}

/* ---- jansson: the reference parse ---- */

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

static void set_id_jansson(jsonl_item *it, json_t *j)
{
	jsonl_id *id = &it->id_val;

	switch (json_typeof(j)) {
	case JSON_STRING:
		id->type = JSONL_ID_STRING;
		id->s = json_string_value(j);
		id->n = json_string_length(j);
		break;
	case JSON_INTEGER:
		id->type = JSONL_ID_INTEGER;
		id->i = json_integer_value(j);
		break;
	case JSON_REAL:
		id->type = JSONL_ID_REAL;
		id->d = json_real_value(j);
		break;
	case JSON_TRUE:
		id->type = JSONL_ID_TRUE;
		break;
	default:
		id->type = JSONL_ID_FALSE;
		break;
	}
	it->id = id;
}

int jsonl_parse_reference(jsonl_item *it, const char *line, size_t len,
			  unsigned long lineno)
{
	json_error_t je;
	json_t *art, *id;
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

	id = json_object_get(it->root, "id");
	if (id && (json_is_object(id) || json_is_array(id)))
		return item_fail(it, RAQIB_EARG, "%s",
				 "\"id\" must be a string or a number");
	if (id && !json_is_null(id))
		set_id_jansson(it, id);

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
				  &it->c.body_len)) ||
		    (rc = get_str(it, art, "caption", "article.caption", &it->c.caption,
				  &it->c.caption_len)))
			return rc;
	}
	return 0;
}

/* ---- cJSON: the fast parse ---- */

/* cJSON's hooks take no context: the arena of the parse in progress. */
static raqib_arena *cjson_arena;

static void *cjson_alloc(size_t n)
{
	return cjson_arena ? raqib_arena_alloc(cjson_arena, n) : NULL;
}

/* Everything goes at once with the arena. */
static void cjson_free(void *p)
{
	(void)p;
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* A \u escape cJSON turns into what jansson would: four hex digits, not
 * 0000 (cJSON reads bad hex and \u0000 as a NUL that ends the string). */
static bool good_u_escape(const unsigned char *p, size_t n)
{
	return n >= 4 && is_hex(p[0]) && is_hex(p[1]) && is_hex(p[2]) &&
	       is_hex(p[3]) && memcmp(p, "0000", 4);
}

#ifdef __SSE2__
#include <emmintrin.h>

/* 16 bytes at p hold only printable ASCII but the backslash and complete
 * two-byte sequences (Arabic is U+0600..U+06FF): returns how many of them
 * are done (15 when the last byte starts a sequence), 0 when the scalar
 * loop must look. */
static size_t block_plain(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* signed bytes: ASCII is 0..127, 0x80..0xBF is -128..-65, C2..DF is
	 * -62..-33 */
	unsigned hi = (unsigned)_mm_movemask_epi8(v);
	unsigned low = (unsigned)_mm_movemask_epi8(
		_mm_cmplt_epi8(v, _mm_set1_epi8(0x20))) & ~hi;
	unsigned bs = (unsigned)_mm_movemask_epi8(
		_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
	unsigned cont = (unsigned)_mm_movemask_epi8(
		_mm_cmplt_epi8(v, _mm_set1_epi8((char)0xc0)));
	unsigned lead = (unsigned)_mm_movemask_epi8(_mm_and_si128(
		_mm_cmpgt_epi8(v, _mm_set1_epi8((char)0xc1)),
		_mm_cmplt_epi8(v, _mm_set1_epi8((char)0xe0))));

	if (low | bs | (hi & ~cont & ~lead))
		return 0;
	/* every continuation byte right after a lead, and only there */
	if (cont != ((lead << 1) & 0xffff))
		return 0;
	return (lead & 0x8000) ? 15 : 16;
}
#endif

/* One code point of a line cJSON may parse alone: strict UTF-8 (jansson's
 * rules: no overlong forms, surrogates or code points past U+10FFFF), no
 * byte below 0x20 (cJSON takes any as whitespace, even inside strings;
 * tab and CR between tokens are legal but rare, jansson handles them), a
 * \u escape well-formed. Returns its length, 0 to send the line to
 * jansson. */
static size_t char_plain(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c >= 0x20 && c < 0x80) {
		if (c == '\\' && n > 1 && p[1] == 'u' && !good_u_escape(p + 2, n - 2))
			return 0;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef)
		return n >= 3 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
		       !(c == 0xe0 && p[1] < 0xa0) &&
		       !(c == 0xed && p[1] >= 0xa0) ? 3 : 0;
	if (c >= 0xf0 && c <= 0xf4)
		return n >= 4 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
		       (p[3] & 0xc0) == 0x80 && !(c == 0xf0 && p[1] < 0x90) &&
		       !(c == 0xf4 && p[1] >= 0x90) ? 4 : 0;
	return 0;
}

/* The whole line passes char_plain() and has no BOM (cJSON skips one). */
static bool bytes_plain(const unsigned char *p, size_t n)
{
	size_t i = 0, k, stop;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return false;
	while (i < n) {
#ifdef __SSE2__
		if (n - i >= 16 && (k = block_plain(p + i))) {
			i += k;
			continue;
		}
		/* the next 16 bytes one by one, then blocks again */
		stop = n - i > 16 ? i + 16 : n;
#else
		stop = n;
#endif
		for (; i < stop; i += k)
			if (!(k = char_plain(p + i, n - i)))
				return false;
	}
	return true;
}

/* The tree holds nothing jansson might read otherwise: no number (cJSON
 * accepts 01, 1., +1 and reads every number as a double) and no object
 * with a duplicate key. */
static bool tree_plain(const cJSON *j)
{
	for (; j; j = j->next) {
		if (cJSON_IsNumber(j))
			return false;
		if (cJSON_IsObject(j)) {
			const cJSON *a, *b;
			int k = 0;

			for (a = j->child; a; a = a->next) {
				if (++k > DUP_CHECK_MAX)
					return false;
				for (b = j->child; b != a; b = b->next)
					if (a->string[0] == b->string[0] &&
					    !strcmp(a->string, b->string))
						return false;
			}
		}
		if (j->child && !tree_plain(j->child))
			return false;
	}
	return true;
}

/* The members we read, found in one pass (keys are unique by now). */
typedef struct cj_members {
	const cJSON *id, *text, *name, *honeypot, *article, *title, *body, *caption;
} cj_members;

static void cj_find(const cJSON *obj, cj_members *m)
{
	const cJSON *j;

	memset(m, 0, sizeof *m);
	for (j = obj->child; j; j = j->next) {
		const char *k = j->string;

		if (!strcmp(k, "text"))
			m->text = j;
		else if (!strcmp(k, "id"))
			m->id = j;
		else if (!strcmp(k, "name"))
			m->name = j;
		else if (!strcmp(k, "honeypot"))
			m->honeypot = j;
		else if (!strcmp(k, "article"))
			m->article = j;
		else if (!strcmp(k, "title"))
			m->title = j;
		else if (!strcmp(k, "body"))
			m->body = j;
		else if (!strcmp(k, "caption"))
			m->caption = j;
	}
}

static int cj_str(jsonl_item *it, const cJSON *j, const char *label,
		  const char **s, size_t *n)
{
	*s = NULL;
	*n = 0;
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsString(j))
		return item_fail(it, RAQIB_EARG, "\"%s\" must be a string", label);
	*s = j->valuestring;
	*n = strlen(j->valuestring);
	return 0;
}

/* The checks of jsonl_parse_reference() in the same order, on a tree that
 * tree_plain() accepted. */
static int fields_cjson(jsonl_item *it, const cJSON *root)
{
	const cJSON *id;
	cj_members m, art;
	int rc;

	if (!cJSON_IsObject(root))
		return item_fail(it, RAQIB_EARG, "%s",
				 "a line must be a JSON object");
	cj_find(root, &m);
	id = m.id;
	if (id && (cJSON_IsObject(id) || cJSON_IsArray(id)))
		return item_fail(it, RAQIB_EARG, "%s",
				 "\"id\" must be a string or a number");
	if (id && !cJSON_IsNull(id)) {
		it->id_val.type = cJSON_IsString(id) ? JSONL_ID_STRING :
				  cJSON_IsTrue(id) ? JSONL_ID_TRUE : JSONL_ID_FALSE;
		if (cJSON_IsString(id)) {
			it->id_val.s = id->valuestring;
			it->id_val.n = strlen(id->valuestring);
		}
		it->id = &it->id_val;
	}
	if (!m.text)
		return item_fail(it, RAQIB_EARG, "%s", "missing \"text\"");
	if (!cJSON_IsString(m.text))
		return item_fail(it, RAQIB_EARG, "%s", "\"text\" must be a string");
	if ((rc = cj_str(it, m.text, "text", &it->c.text, &it->c.text_len)) ||
	    (rc = cj_str(it, m.name, "name", &it->c.name, &it->c.name_len)) ||
	    (rc = cj_str(it, m.honeypot, "honeypot", &it->c.honeypot,
			 &it->c.honeypot_len)))
		return rc;
	if (m.article && !cJSON_IsNull(m.article)) {
		if (!cJSON_IsObject(m.article))
			return item_fail(it, RAQIB_EARG, "%s",
					 "\"article\" must be an object");
		cj_find(m.article, &art);
		if ((rc = cj_str(it, art.title, "article.title", &it->c.title,
				 &it->c.title_len)) ||
		    (rc = cj_str(it, art.body, "article.body", &it->c.body,
				 &it->c.body_len)) ||
		    (rc = cj_str(it, art.caption, "article.caption", &it->c.caption,
				 &it->c.caption_len)))
			return rc;
	}
	return 0;
}

/* Parses with cJSON; NULL when jansson must decide. */
static const cJSON *parse_cjson(jsonl_item *it, const char *line, size_t len)
{
	static bool hooked;
	const char *end = NULL;
	const cJSON *root;

	if (!len || line[0] != '{' || !bytes_plain((const unsigned char *)line, len))
		return NULL;
	if (!it->arena && !(it->arena = raqib_arena_new(ARENA_FIRST)))
		return NULL;
	if (!hooked) {
		cJSON_Hooks h = {cjson_alloc, cjson_free};
		cJSON_InitHooks(&h);
		hooked = true;
	}
	raqib_arena_reset(it->arena);
	cjson_arena = it->arena;
	root = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	cjson_arena = NULL;
	if (!root)
		return NULL;
	/* cJSON stops after the value; jansson refuses anything but
	 * whitespace after it. */
	while (end < line + len && *end == ' ')
		end++;
	if (end != line + len || !tree_plain(root))
		return NULL;
	return root;
}

int jsonl_parse(jsonl_item *it, const char *line, size_t len,
		unsigned long lineno)
{
	const cJSON *root;

	jsonl_item_clear(it);
	it->line = lineno;
	root = parse_cjson(it, line, len);
	if (!root)
		return jsonl_parse_reference(it, line, len, lineno);
	return fields_cjson(it, root);
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

int jsonl_put_id(raqib_buf *out, const jsonl_id *id)
{
	char tmp[40];
	int n;

	if (!id)
		return raqib_buf_add(out, "null", 4);
	switch (id->type) {
	case JSONL_ID_STRING:
		return jsonl_put_str(out, id->s, id->n);
	case JSONL_ID_INTEGER:
		n = snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, id->i);
		break;
	case JSONL_ID_REAL:
		/* As jansson prints reals: round-trip precision, and always
		 * recognisable as a real. */
		n = snprintf(tmp, sizeof tmp, "%.17g", id->d);
		if (n > 0 && (size_t)n < sizeof tmp - 2 &&
		    !strpbrk(tmp, ".eEnN")) {
			tmp[n++] = '.';
			tmp[n++] = '0';
			tmp[n] = 0;
		}
		break;
	case JSONL_ID_TRUE:
		return raqib_buf_add(out, "true", 4);
	default:
		return raqib_buf_add(out, "false", 5);
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
