/* libFuzzer target: the normalizer and the whole engine on arbitrary bytes.
 * Checks the invariants every rule relies on: the offset map stays inside
 * the original, spans stay inside their field. */
#include <stdlib.h>
#include <string.h>

#include "rules/rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static raqib_arena *a;
	static raqib_engine *eng;
	static raqib_verdict v;
	raqib_comment c = {0};
	raqib_err err;
	text_view tv;
	size_t split = size / 3;

	if (!a) {
		raqib_config cfg;
		a = raqib_arena_new(0);
		raqib_config_defaults(&cfg);
		if (!a || raqib_engine_new(&cfg, &eng, &err))
			abort();
		raqib_verdict_init(&v);
	}
	raqib_arena_reset(a);
	if (text_normalize(&tv, a, (const char *)data, size, &err) == 0) {
		for (uint32_t i = 0; i < tv.n; i++)
			if (tv.ostart[i] >= tv.oend[i] || tv.oend[i] > tv.norig)
				abort();
		for (uint32_t i = 0; i < tv.ntok; i++)
			if (tv.tok[i].start >= tv.tok[i].end || tv.tok[i].end > tv.n)
				abort();
	}
	/* first third is the name, the rest the text */
	c.name = (const char *)data;
	c.name_len = split;
	c.text = (const char *)data + split;
	c.text_len = size - split;
	if (raqib_screen(eng, &c, &v, &err) == 0) {
		long tl = raqib_utf8_count(c.text, c.text_len, NULL);
		long nl = raqib_utf8_count(c.name, c.name_len, NULL);
		for (uint32_t i = 0; i < v.nfindings; i++) {
			const raqib_finding *f = &v.findings[i];
			long lim = f->field == RAQIB_FIELD_TEXT ? tl : nl;
			for (uint32_t j = 0; j < f->nspans; j++)
				if (f->spans[j].start >= f->spans[j].end || f->spans[j].end > (uint32_t)lim)
					abort();
		}
		if (v.shortened && raqib_utf8_count(v.shortened, v.shortened_len, NULL) < 0)
			abort();
	}
	return 0;
}
