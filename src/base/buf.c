#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shared empty string so an initialised buffer is usable before any append. */
static char buf_empty[1];

void raqib_buf_init(raqib_buf *b, size_t cap_max)
{
	b->data = buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap_max = cap_max;
}

void raqib_buf_free(raqib_buf *b)
{
	if (b->alloc)
		free(b->data);
	raqib_buf_init(b, b->cap_max);
}

int raqib_buf_reserve(raqib_buf *b, size_t extra)
{
	size_t need, n;
	char *p;

	if (extra > b->cap_max || b->len > b->cap_max - extra)
		return RAQIB_ETOO_LONG;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n *= 2;
	if (n > b->cap_max + 1)
		n = b->cap_max + 1;
	p = b->alloc ? realloc(b->data, n) : malloc(n);
	if (!p)
		return RAQIB_ENOMEM;
	if (!b->alloc)
		p[0] = 0;
	b->data = p;
	b->alloc = n;
	return 0;
}

int raqib_buf_add(raqib_buf *b, const void *p, size_t n)
{
	int rc = raqib_buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int raqib_buf_addc(raqib_buf *b, char c) { return raqib_buf_add(b, &c, 1); }

int raqib_buf_adds(raqib_buf *b, const char *s) { return raqib_buf_add(b, s, strlen(s)); }

int raqib_buf_addf(raqib_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return RAQIB_EARG;
	if ((size_t)n < sizeof tmp)
		return raqib_buf_add(b, tmp, (size_t)n);
	{
		int rc = raqib_buf_reserve(b, (size_t)n);
		if (rc)
			return rc;
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
		b->len += (size_t)n;
	}
	return 0;
}

int raqib_buf_add_cp(raqib_buf *b, uint32_t cp)
{
	char out[4];
	size_t n = raqib_utf8_encode(cp, out);
	return raqib_buf_add(b, out, n);
}
