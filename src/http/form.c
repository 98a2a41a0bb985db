/*
 * form.c — application/x-www-form-urlencoded decoding of a whole body. The
 * body is capped before it gets here (max_body_bytes), so a linear scan per
 * field is cheaper than building a table.
 */
#include "http/httpd.h"

#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long http_url_decode(const char *s, size_t len, char *out, bool plus_space)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '%') {
			int hi, lo;
			if (len - i < 3)
				return -1;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			/* %00 too: a C string would silently end the field there */
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return -1;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (ch == '+' && plus_space) {
			out[o++] = ' ';
		} else {
			out[o++] = ch;
		}
	}
	out[o] = 0;
	return (long)o;
}

char *http_form_get(const char *body, size_t len, const char *name, raqib_arena *ar, bool *bad)
{
	size_t nlen = strlen(name), i = 0;

	while (i < len) {
		const char *amp = memchr(body + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - body) : len;
		const char *eq = memchr(body + i, '=', end - i);
		size_t klen = eq ? (size_t)(eq - (body + i)) : end - i;

		/* Field names are plain ASCII here: compare them undecoded. */
		if (klen == nlen && !memcmp(body + i, name, nlen)) {
			const char *v = eq ? eq + 1 : body + end;
			size_t vlen = (size_t)(body + end - v);
			char *out = raqib_arena_alloc(ar, vlen + 1);
			long n;
			if (!out) {
				*bad = true;
				return NULL;
			}
			n = http_url_decode(v, vlen, out, true);
			if (n < 0) {
				*bad = true;
				return NULL;
			}
			return out;
		}
		i = end + 1;
	}
	return NULL;
}
