/*
 * lexicon.h — word and phrase lists matched on the folded view.
 *
 * File format (UTF-8, one entry per line):
 *     entry[<TAB>weight[<TAB>tag]]
 * `#` starts a comment line; blank lines are skipped. An entry is one word
 * or a phrase of up to LEX_MAX_WORDS words; it is normalized with
 * text_normalize() when loaded, so the file may use any spelling (hamza,
 * tashkeel, ة/ه) and matches all of them. weight defaults to 1.0 (0..1);
 * tag is a free short word (e.g. "slur", "egy", "promo") that rules may use,
 * stored as a small integer via lexicon_tag_id().
 *
 * Matching (lexicon_scan) is per token of a text_view and finds:
 *   - exact word/phrase matches;
 *   - words behind Arabic clitics: prefixes و ف ب ل ك ال وال بال فال كال لل
 *     and suffixes ه ها هم هن كم كن ك ي نا ين ون ات ان (only when the
 *     remaining stem has at least 2 letters, and entries marked exact with a
 *     leading '=' in the file never get clitic matching);
 *   - letters spread out to evade filters: a run of single-letter tokens
 *     separated only by spaces, dots, dashes, underscores or stars
 *     (ح م ا ر, ح.م.ا.ر) joined into one word.
 * Each match gives the token range and the folded code-point range, so the
 * caller can map it to an original span with text_span().
 */
#ifndef RAQIB_LEXICON_H
#define RAQIB_LEXICON_H

#include "text.h"

#define LEX_MAX_WORDS 4
#define LEX_MAX_TAGS 32

typedef struct lexicon lexicon;

typedef struct lex_match {
	uint32_t tok_start, tok_end; /* token range [tok_start, tok_end) */
	uint32_t ns, ne;             /* folded cp range [ns, ne) */
	float weight;
	uint16_t tag;                /* 0 = none */
	uint16_t evasion;            /* 1 if found by joining spread letters */
} lex_match;

/* Builds a lexicon from file contents. `name` is used in error messages. */
int lexicon_load(lexicon **out, const char *data, size_t len, const char *name,
		 raqib_err *err);
/* Reads and builds the lexicon in file `path` (named by it in errors):
 * RAQIB_EIO / RAQIB_EDATA / RAQIB_ENOMEM, or lexicon_load()'s error. */
int lexicon_load_file(lexicon **out, const char *path, raqib_err *err);

/* Options of lexicon_load_opts() / lexicon_load_file_opts(). */
enum {
	/* A phrase's later words also match without the article: the entry
	 * "قليل الأدب" then also gives "قليل ادب", "عديم الأخلاق" "عديم
	 * اخلاق" (colloquial insults drop it). The matcher lets only a
	 * phrase's first word carry a prefix, so the loader adds the variant
	 * (ال followed by at least 3 letters: "عدو الله" gets none). A
	 * variant never replaces an entry with the same words, and a later
	 * line with those words replaces the variant. A variant does not
	 * count when its first word carries the article (ال, وال, لل...):
	 * "البنت وسخه" is a sentence, not "بنت الوسخة"; "وقليل ادب" counts.
	 * Per list, not for all:
	 * in some lists the bare form means something wider ("دون البشر"). */
	LEX_BARE_ARTICLE = 1,
};
int lexicon_load_opts(lexicon **out, const char *data, size_t len, const char *name,
		      unsigned opts, raqib_err *err);
int lexicon_load_file_opts(lexicon **out, const char *path, unsigned opts, raqib_err *err);
void lexicon_free(lexicon *lx);
size_t lexicon_size(const lexicon *lx);
/* Tag id for a tag name as it appears in the file; 0 if absent. A hash
 * probe: cheap enough to call per comment. */
uint16_t lexicon_tag_id(const lexicon *lx, const char *tag);

/* Finds matches in tv. Writes up to `max` matches in text order (longest
 * match wins at each position); returns how many were found in total (may
 * exceed max).
 *
 * The first scan of a view hashes the clitic-stripped stems of all its
 * tokens and notes, per token, which loaded lexicons may hold one of them;
 * it keeps that in `a` and hangs it on tv->prep (writing through the const:
 * views are the caller's own objects), and later scans of the same view
 * with any lexicon skip the tokens that cannot start one of their entries.
 * So `a` must live at least as long as the view — pass the arena the view
 * was normalized in. With a NULL `a` (or if it is out of memory) the scan
 * probes every token, without the cache. text_normalize() clears tv->prep.
 * Lexicons may be loaded and freed on any thread at any time; a lexicon
 * loaded after a view's cache was made just does not use it. */
size_t lexicon_scan(const lexicon *lx, const text_view *tv, raqib_arena *a,
		    lex_match *out, size_t max);

/* Is this single folded word (no clitic stripping) in the lexicon? */
bool lexicon_has_word(const lexicon *lx, const uint32_t *cp, size_t n);

#endif
