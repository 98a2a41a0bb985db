#include "base.h"

#include <stdlib.h>

static int span_order(const void *a, const void *b)
{
	const raqib_span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

size_t raqib_spans_merge(raqib_span *sp, size_t n)
{
	size_t k, m = 0;

	qsort(sp, n, sizeof *sp, span_order);
	for (k = 0; k < n; k++) {
		if (m && sp[k].start <= sp[m - 1].end) {
			if (sp[k].end > sp[m - 1].end)
				sp[m - 1].end = sp[k].end;
			continue;
		}
		sp[m++] = sp[k];
	}
	return m;
}
