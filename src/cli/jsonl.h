/*
 * jsonl.h — the JSON Lines side of `raqib check`: a capped line reader, the
 * per-line parse -> screen path, and a fast JSON writer.
 *
 * Kept apart from cmd_check.c (argument parsing, stdout) so that the fuzzer
 * (fuzz/fuzz_jsonl.c) drives exactly the code the command runs.
 *
 * Memory: the reader owns one fixed buffer of 4 * (max_line + 1) bytes and
 * never grows it; a longer line is skipped by reading it in buffer-sized
 * pieces up to its newline, so a stream of any length and any line lengths
 * runs in constant memory. Output goes into a caller's raqib_buf, which is
 * reused line after line.
 *
 * Parsing: two maintained libraries, one contract. cJSON parses every line
 * into a per-item bump arena (no malloc or free per line after warm-up);
 * jansson is the reference, and takes over whenever cJSON's answer might
 * differ from its own: cJSON is laxer (numbers like 01 or 1., trailing
 * bytes, a BOM, raw control bytes, unchecked UTF-8, bad \u escapes,
 * duplicate keys), so any line with one of those features — and every
 * invalid line — is parsed again by jansson, whose result and error
 * message are authoritative. Valid lines without numbers, tabs or \u0000
 * (almost all of them) never reach jansson.
 *
 * cJSON's allocator hooks are process-global: jsonl_parse() installs its
 * own, so nothing else in the process may use cJSON. Not thread-safe.
 */
#ifndef RAQIB_CLI_JSONL_H
#define RAQIB_CLI_JSONL_H

#include "../base/base.h"

#include <jansson.h>

/* The longest input line accepted, newline excluded. */
#define JSONL_MAX_LINE (64 * 1024)

/* Reads up to n bytes into dst: returns the count, 0 at end of input, or a
 * negative errno. */
typedef long (*jsonl_read_fn)(void *ctx, char *dst, size_t n);

typedef struct jsonl_reader {
	jsonl_read_fn read;
	void *ctx;
	char *buf;
	size_t size;          /* allocated bytes, fixed */
	size_t max_line;
	size_t pos, end;      /* unread bytes are buf[pos, end) */
	unsigned long line;   /* 1-based number of the line last returned */
	int eof;
	int err;              /* errno of a failed read, 0 if none */
} jsonl_reader;

enum {
	JSONL_LINE = 0,       /* *line, *len hold one line, newline removed */
	JSONL_LONG = 1,       /* the line exceeded max_line and was skipped */
	JSONL_END = 2,        /* no more input */
	JSONL_EIO = -1        /* read error: r->err holds the errno */
};

int jsonl_reader_init(jsonl_reader *r, size_t max_line, jsonl_read_fn fn,
		      void *ctx);
void jsonl_reader_free(jsonl_reader *r);
/* The line stays valid until the next call. A final line without a newline
 * is returned like any other. */
int jsonl_read_line(jsonl_reader *r, const char **line, size_t *len);

/* read(2) on the file descriptor stored at ctx (an int *), EINTR retried. */
long jsonl_read_fd(void *ctx, char *dst, size_t n);

/* A line contains nothing but JSON whitespace (such lines are skipped). */
bool jsonl_blank(const char *line, size_t len);

/* The "id" member as given, for echoing it back. */
typedef enum jsonl_id_type {
	JSONL_ID_STRING,
	JSONL_ID_INTEGER,
	JSONL_ID_REAL,
	JSONL_ID_TRUE,
	JSONL_ID_FALSE
} jsonl_id_type;

typedef struct jsonl_id {
	jsonl_id_type type;
	const char *s;        /* JSONL_ID_STRING: UTF-8, no NUL inside */
	size_t n;
	json_int_t i;         /* JSONL_ID_INTEGER */
	double d;             /* JSONL_ID_REAL */
} jsonl_id;

/* One input line, parsed. Every string it points to lives in the item
 * (its cJSON arena or its jansson tree) until the next parse, clear or
 * free. */
typedef struct jsonl_item {
	unsigned long line;   /* 1-based input line number */
	const jsonl_id *id;   /* NULL when absent; else &id_val */
	jsonl_id id_val;
	raqib_comment c;
	raqib_err err;        /* err.code != 0: the line failed, msg says why */
	/* private */
	json_t *root;         /* jansson tree of a line parsed by jansson */
	raqib_arena *arena;   /* cJSON trees; kept from line to line */
} jsonl_item;

void jsonl_item_init(jsonl_item *it);
/* Forgets the line; keeps the arena so the next line allocates nothing. */
void jsonl_item_clear(jsonl_item *it);
/* Releases everything; the item may be initialised again. */
void jsonl_item_free(jsonl_item *it);

/* Parses one line into it (clearing what it held). On a bad line returns
 * err.code (negative) and leaves the message in it->err. */
int jsonl_parse(jsonl_item *it, const char *line, size_t len,
		unsigned long lineno);
/* The same with jansson alone: the reference jsonl_parse() must agree with
 * byte for byte (the fuzzer compares the two). */
int jsonl_parse_reference(jsonl_item *it, const char *line, size_t len,
			  unsigned long lineno);
/* Records that line `lineno` was longer than max_line bytes. */
void jsonl_set_too_long(jsonl_item *it, unsigned long lineno, size_t max_line);

/* Parses and screens one line; on success v holds the verdict. Returns 0 or
 * a negative raqib_errcode with it->err set. */
int jsonl_screen_line(const raqib_engine *eng, jsonl_item *it,
		      raqib_verdict *v, const char *line, size_t len,
		      unsigned long lineno);

/* Appends the output line (with its newline) for an item: the verdict when
 * it->err.code == 0, the error object otherwise. */
RAQIB_WARN_UNUSED int jsonl_write_result(raqib_buf *out, const jsonl_item *it,
					 const raqib_verdict *v);

/* JSON writer pieces, also used by the human report. */
RAQIB_WARN_UNUSED int jsonl_put_str(raqib_buf *out, const char *s, size_t n);
RAQIB_WARN_UNUSED int jsonl_put_uint(raqib_buf *out, uint64_t u);
/* A score in 0..1 with three decimals, the third dropped when it is 0. */
RAQIB_WARN_UNUSED int jsonl_put_score(raqib_buf *out, float score);
/* The id as given: string, number, true/false, or null when absent. */
RAQIB_WARN_UNUSED int jsonl_put_id(raqib_buf *out, const jsonl_id *id);

#endif
