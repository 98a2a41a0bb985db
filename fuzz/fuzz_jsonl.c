/*
 * fuzz_jsonl.c — libFuzzer target for the `raqib check` path: bytes go
 * through the capped line reader (in small, varying read chunks), each line
 * through parse -> screen -> JSON writer and the human report.
 *
 * Oracles, each an abort() on failure:
 *   - the reader returns exactly the lines a naive split on '\n' gives,
 *     with every line over max_line reported as skipped;
 *   - every output line is one line of valid JSON, an object with "id" and
 *     either "decision" or "error";
 *   - the human report is valid UTF-8 and, without colour, holds no control
 *     characters but newline and tab (a comment cannot drive the terminal);
 *   - jsonl_parse() (cJSON, jansson when in doubt) reads every line exactly
 *     as jsonl_parse_reference() (jansson alone) does: same error and
 *     message, same id, same fields byte for byte.
 *
 * The read chunk, max_line and the engine (default limits or tiny ones, to
 * reach the too-long paths) are chosen from a hash of the input, so the
 * corpus stays plain JSON Lines.
 */
#include "cli/jsonl.h"
#include "../src/cli/human.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mem_src {
	const uint8_t *p;
	size_t n, off, chunk;
} mem_src;

static long mem_read(void *ctx, char *dst, size_t n)
{
	mem_src *m = ctx;
	size_t k = m->n - m->off;
	if (k > n)
		k = n;
	if (k > m->chunk)
		k = m->chunk;
	memcpy(dst, m->p + m->off, k);
	m->off += k;
	return (long)k;
}

static raqib_engine *engines[2];
static raqib_verdict verdict;
static raqib_buf out, id_a, id_b;

static void setup(void)
{
	raqib_config cfg;
	raqib_err err;

	raqib_config_defaults(&cfg);
	if (raqib_engine_new(&cfg, &engines[0], &err))
		abort();
	cfg.max_text_len = 40;
	cfg.max_name_len = 8;
	if (raqib_engine_new(&cfg, &engines[1], &err))
		abort();
	raqib_verdict_init(&verdict);
	raqib_buf_init(&out, (size_t)64 << 20);
	raqib_buf_init(&id_a, (size_t)64 << 20);
	raqib_buf_init(&id_b, (size_t)64 << 20);
}

static uint32_t fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static void check_json(const raqib_buf *b)
{
	json_error_t je;
	json_t *j;

	if (!b->len || b->data[b->len - 1] != '\n' ||
	    memchr(b->data, '\n', b->len - 1))
		abort();
	j = json_loadb(b->data, b->len, 0, &je);
	if (!j || !json_is_object(j) || !json_object_get(j, "id") ||
	    (!json_object_get(j, "decision") == !json_object_get(j, "error"))) {
		fprintf(stderr, "bad output: %s\n", b->data);
		abort();
	}
	json_decref(j);
}

static bool same_field(const char *a, size_t an, const char *b, size_t bn)
{
	return !a == !b && an == bn && (!a || !memcmp(a, b, an));
}

static void check_same_parse(const char *line, size_t len, unsigned long no)
{
	jsonl_item a, b;
	int ra, rb;

	jsonl_item_init(&a);
	jsonl_item_init(&b);
	ra = jsonl_parse(&a, line, len, no);
	rb = jsonl_parse_reference(&b, line, len, no);
	raqib_buf_reset(&id_a);
	raqib_buf_reset(&id_b);
	if (jsonl_put_id(&id_a, a.id) || jsonl_put_id(&id_b, b.id))
		abort();
	if (ra != rb || a.err.code != b.err.code || strcmp(a.err.msg, b.err.msg) ||
	    strcmp(id_a.data, id_b.data) ||
	    !same_field(a.c.text, a.c.text_len, b.c.text, b.c.text_len) ||
	    !same_field(a.c.name, a.c.name_len, b.c.name, b.c.name_len) ||
	    !same_field(a.c.honeypot, a.c.honeypot_len, b.c.honeypot,
			b.c.honeypot_len) ||
	    !same_field(a.c.title, a.c.title_len, b.c.title, b.c.title_len) ||
	    !same_field(a.c.body, a.c.body_len, b.c.body, b.c.body_len)) {
		fprintf(stderr, "parsers disagree: '%s' vs '%s', id %s vs %s\n",
			a.err.msg, b.err.msg, id_a.data, id_b.data);
		abort();
	}
	jsonl_item_free(&a);
	jsonl_item_free(&b);
}

static void check_human(const raqib_buf *b)
{
	size_t i = 0, k;
	uint32_t c;

	while (i < b->len) {
		k = raqib_utf8_decode((const unsigned char *)b->data + i,
				      b->len - i, &c);
		if (!k || (c < 0x20 && c != '\n' && c != '\t') ||
		    (c >= 0x7f && c < 0xa0)) {
			fprintf(stderr, "bad human output: %s\n", b->data);
			abort();
		}
		i += k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t h = fnv(data, size);
	size_t max_line = (h & 3) ? 8 + (h >> 8) % 1024 : JSONL_MAX_LINE;
	mem_src src = {data, size, 0, 1 + (h >> 4) % 97};
	const raqib_engine *eng = engines[(h >> 20) & 1];
	size_t naive = 0;   /* start of the next line in the naive split */
	jsonl_reader r;
	jsonl_item it;

	if (!engines[0])
		setup();
	if (jsonl_reader_init(&r, max_line, mem_read, &src))
		abort();
	jsonl_item_init(&it);
	for (;;) {
		const char *line;
		size_t len, want;
		const uint8_t *nl;
		int rc = jsonl_read_line(&r, &line, &len);

		nl = naive < size ? memchr(data + naive, '\n', size - naive) : NULL;
		want = nl ? (size_t)(nl - data) - naive : size - naive;
		if (rc == JSONL_END) {
			if (naive < size)
				abort();
			break;
		}
		if (naive >= size || rc == JSONL_EIO)
			abort();
		if (rc == JSONL_LONG ? want <= max_line
				     : (len != want || memcmp(line, data + naive, len)))
			abort();
		naive += want + 1;

		if (rc == JSONL_LONG)
			jsonl_set_too_long(&it, r.line, r.max_line);
		else if (jsonl_blank(line, len))
			continue;
		else {
			check_same_parse(line, len, r.line);
			jsonl_screen_line(eng, &it, &verdict, line, len, r.line);
		}
		raqib_buf_reset(&out);
		if (jsonl_write_result(&out, &it, &verdict))
			abort();
		check_json(&out);
		raqib_buf_reset(&out);
		if (human_write(&out, &it, &verdict, false))
			abort();
		check_human(&out);
		jsonl_item_clear(&it);
	}
	jsonl_item_free(&it);
	jsonl_reader_free(&r);
	return 0;
}
