/* fuzz_verdict.h — what every fuzzed verdict must satisfy, shared by the
 * engine fuzzers: each span non-empty and inside its field (in code points),
 * each score in 0..1, a shortened text valid UTF-8. Aborts otherwise. */
#ifndef RAQIB_FUZZ_VERDICT_H
#define RAQIB_FUZZ_VERDICT_H

#include <stdlib.h>

#include "raqib.h"

static inline void fuzz_check_verdict(const raqib_comment *c, const raqib_verdict *v)
{
	long tl = raqib_utf8_count(c->text, c->text_len, NULL);
	long nl = raqib_utf8_count(c->name, c->name_len, NULL);

	for (uint32_t i = 0; i < v->nfindings; i++) {
		const raqib_finding *f = &v->findings[i];
		long lim = f->field == RAQIB_FIELD_TEXT ? tl : nl;
		if (!(f->score >= 0.0f && f->score <= 1.0f))
			abort();
		for (uint32_t j = 0; j < f->nspans; j++)
			if (f->spans[j].start >= f->spans[j].end || f->spans[j].end > (uint32_t)lim)
				abort();
	}
	if (v->shortened && raqib_utf8_count(v->shortened, v->shortened_len, NULL) < 0)
		abort();
}

#endif
