/*
 * ot_stems.c — the stems of documents, as the off_topic rule computes
 * them, for tools/make_idf.py (which must not reimplement the stemmer).
 *
 * stdin: one document a line, "ID<TAB>TEXT". stdout: one line per content
 * word, "ID<TAB>FORM_KEY<TAB>STEM_KEY<TAB>STEM<TAB>FORM" (keys in decimal).
 * Build (from the repo root, after make):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Isrc -o build/ot_stems \
 *      tools/ot_stems.c build/libraqib.a -lutf8proc -ljansson -linih -lcjson \
 *      -llinear -lstemmer -lm
 */
#include "text/text.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int off_topic_stem(struct sb_stemmer *sb, const uint32_t *w, size_t n,
		   uint32_t *form_key, uint32_t *stem_key, char *out, size_t cap);

int main(void)
{
	struct sb_stemmer *sb = sb_stemmer_new("arabic", "UTF_8");
	raqib_arena *a = raqib_arena_new(1 << 20);
	char *line = NULL, *text, stem[256], form[256];
	size_t cap = 0;
	ssize_t len;
	int rc = 1;

	if (!sb || !a)
		goto out;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		text_view tv;
		raqib_err err;

		if (line[len - 1] == '\n')
			line[--len] = 0;
		if (!(text = strchr(line, '\t')))
			continue;
		*text++ = 0;
		raqib_arena_reset(a);
		memset(&err, 0, sizeof err);
		if (text_normalize(&tv, a, text, strlen(text), &err)) {
			fprintf(stderr, "ot_stems: %s: %s\n", line, err.msg);
			continue;
		}
		for (uint32_t i = 0; i < tv.ntok; i++) {
			const uint32_t *w = tv.cp + tv.tok[i].start;
			size_t n = tv.tok[i].end - tv.tok[i].start, fl = 0;
			uint32_t fk, sk;

			if (off_topic_stem(sb, w, n, &fk, &sk, stem, sizeof stem))
				continue;
			for (size_t j = 0; j < n && fl + 4 < sizeof form; j++)
				fl += raqib_utf8_encode(w[j], form + fl);
			form[fl] = 0;
			printf("%s\t%u\t%u\t%s\t%s\n", line, fk, sk, stem, form);
		}
	}
	rc = 0;
out:
	free(line);
	raqib_arena_free(a);
	if (sb)
		sb_stemmer_delete(sb);
	return rc;
}
