/* libFuzzer target: the normalizer and the whole engine on arbitrary bytes.
 * Checks the invariants every rule relies on: the offset map stays inside
 * the original, spans stay inside their field, scores inside 0..1
 * (fuzz_verdict.h). */
#include <stdlib.h>
#include <string.h>

#include "rules/rule.h"
#include "fuzz_verdict.h"

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
	if (raqib_screen(eng, &c, &v, &err) == 0)
		fuzz_check_verdict(&c, &v);
	return 0;
}
