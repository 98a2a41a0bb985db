/*
 * base.h — dependency-free building blocks: error helper, capped growable
 * buffer, per-request arena, UTF-8 decoding.
 *
 * raqib_buf invariant: `data` is never NULL after raqib_buf_init and is always
 * NUL-terminated; it never grows beyond `cap_max` bytes (appends past the cap
 * fail with RAQIB_ETOO_LONG and leave the buffer unchanged).
 *
 * Arena: memory handed out lives until text_arena_reset()/free. One arena per
 * request (or per comment in `raqib check`); reset keeps the largest block so
 * a stream of comments allocates nothing after warm-up.
 */
#ifndef RAQIB_BASE_H
#define RAQIB_BASE_H

#include "raqib.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAQIB_WARN_UNUSED __attribute__((warn_unused_result))

int raqib_err_set(raqib_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct raqib_buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap_max;
};

void raqib_buf_init(raqib_buf *b, size_t cap_max);
void raqib_buf_free(raqib_buf *b);
static inline void raqib_buf_reset(raqib_buf *b) { b->len = 0; b->data[0] = 0; }
RAQIB_WARN_UNUSED int raqib_buf_reserve(raqib_buf *b, size_t extra);
RAQIB_WARN_UNUSED int raqib_buf_add(raqib_buf *b, const void *p, size_t n);
RAQIB_WARN_UNUSED int raqib_buf_addc(raqib_buf *b, char c);
RAQIB_WARN_UNUSED int raqib_buf_adds(raqib_buf *b, const char *s);
RAQIB_WARN_UNUSED int raqib_buf_addf(raqib_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
RAQIB_WARN_UNUSED int raqib_buf_add_cp(raqib_buf *b, uint32_t cp); /* UTF-8 encode */

/* {ptr,len} slice into someone else's memory. */
typedef struct raqib_slice {
	const char *ptr;
	size_t len;
} raqib_slice;

/* Sorts spans and merges those that overlap or touch, in place; returns
 * how many remain. Shared by explanations and the human report. */
size_t raqib_spans_merge(raqib_span *sp, size_t n);

typedef struct raqib_arena raqib_arena;
raqib_arena *raqib_arena_new(size_t first_block);
void raqib_arena_free(raqib_arena *a);
void raqib_arena_reset(raqib_arena *a);
void *raqib_arena_alloc(raqib_arena *a, size_t n); /* 16-aligned, NULL on OOM */
void *raqib_arena_calloc(raqib_arena *a, size_t count, size_t size);

/* UTF-8. Strict: no overlongs, no surrogates, nothing above U+10FFFF.
 * raqib_utf8_decode returns the number of bytes used (1..4) and stores the
 * code point, or 0 on an invalid sequence. */
size_t raqib_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* Returns the number of code points, or -1 and *bad_off = byte offset of the
 * first invalid sequence. NUL bytes are invalid (C strings cannot hold them). */
long raqib_utf8_count(const char *s, size_t len, size_t *bad_off);
size_t raqib_utf8_encode(uint32_t cp, char out[4]);

#endif
