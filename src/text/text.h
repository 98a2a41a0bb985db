/*
 * text.h — the normalized view of one field, with an offset map back to the
 * original, and its tokens.
 *
 * Every rule matches on `cp` (the folded view) but reports spans in the
 * ORIGINAL text: normalized code point i came from original code points
 * [ostart[i], oend[i]). Use text_span() to map a normalized range.
 *
 * Folded view, in order (see normalize.c for the code points of each step):
 *   1. strict UTF-8 decode (invalid input is an error, never guessed);
 *   2. compatibility decomposition (the K of NFKC, utf8proc): presentation
 *      forms U+FB50–U+FEFF, ligatures (ﷲ -> الله), NBSP -> space, fullwidth;
 *   3. removal of every combining mark (tashkeel, Quranic marks, Latin
 *      accents), tatweel, zero-width and bidi controls, soft hyphen;
 *   4. letter unification: أ إ آ ٱ -> ا, ى -> ي, ة -> ه, ؤ -> و, ئ -> ي,
 *      Persian ی -> ي, ک -> ك; Arabic-Indic and Persian digits -> ASCII;
 *      Latin case-folded; every whitespace -> ' ';
 *   5. runs of 3+ identical letters collapse to one (حمااااار -> حمار).
 * Because step 3 drops all marks and step 4 unifies what canonical
 * composition would form, the result equals fold(NFKC(text)); the tests
 * check that equality against utf8proc_NFKC.
 *
 * All arrays live in the arena passed to text_normalize().
 */
#ifndef RAQIB_TEXT_H
#define RAQIB_TEXT_H

#include "../base/base.h"

enum {
	TEXT_TOK_ARABIC = 1,  /* contains Arabic-script letters */
	TEXT_TOK_LATIN = 2,   /* contains Latin letters */
	TEXT_TOK_DIGIT = 4,   /* contains digits */
	TEXT_TOK_OTHER = 8,   /* letters of another script */
};

typedef struct text_token {
	uint32_t start, end;  /* indices into text_view.cp, [start,end) */
	uint32_t flags;       /* TEXT_TOK_* */
	uint32_t sentence;    /* index of the sentence holding the token */
} text_token;

typedef struct text_stats {
	uint32_t letters;       /* all letters */
	uint32_t arabic;        /* Arabic-script letters (incl. Persian/Urdu) */
	uint32_t latin;         /* Latin letters */
	uint32_t other;         /* letters of other scripts */
	uint32_t persian_only;  /* letters used by Persian/Urdu/Kurdish/Pashto, not Arabic (original cps) */
	uint32_t digits;        /* exactly the ASCII digits of the folded view
				 * (the phone rule's early exit relies on it) */
	uint32_t marks_removed; /* tashkeel, tatweel, controls dropped */
	uint32_t controls;      /* zero-width / bidi controls dropped (evasion signal) */
	uint32_t collapsed;     /* letters dropped by run collapsing (spam and
				 * pseudonym look for stretched letters only
				 * when this is non-zero) */
} text_stats;

typedef struct text_view {
	const uint32_t *orig;  /* original code points */
	uint32_t norig;
	uint32_t *cp;          /* folded view, NUL-terminated (cp[n] == 0) */
	uint32_t *ostart;      /* per folded cp: first original cp */
	uint32_t *oend;        /* per folded cp: one past the last original cp */
	uint32_t n;
	text_token *tok;
	uint32_t ntok;
	uint32_t nsent;
	text_stats stats;
	/* Per-text cache owned by lexicon.c (stem hashes of every token, shared
	 * by all lexicons); NULL until the first lexicon_scan, which fills it
	 * in the arena it is given. The view's owner treats it as opaque. */
	struct lex_prep *prep;
} text_view;

/* Normalizes UTF-8 `s` into `tv`. Returns 0, or RAQIB_EUTF8 with a message
 * naming the byte offset, or RAQIB_ENOMEM. */
int text_normalize(text_view *tv, raqib_arena *a, const char *s, size_t len,
		   raqib_err *err);

/* Maps folded range [ns, ne) to the original code-point span. */
static inline raqib_span text_span(const text_view *tv, uint32_t ns, uint32_t ne)
{
	raqib_span sp = {0, 0};
	if (ne > ns && ne <= tv->n) {
		sp.start = tv->ostart[ns];
		sp.end = tv->oend[ne - 1];
	}
	return sp;
}

/* Character classes on folded (or original) code points. */
bool text_is_arabic_letter(uint32_t c);  /* Arabic-script letter, any language */
bool text_is_latin_letter(uint32_t c);
bool text_is_letter(uint32_t c);         /* any script (utf8proc categories) */
bool text_is_persian_only(uint32_t c);   /* پ چ ژ گ ک ی ے ٹ ڈ ں ۓ ... (original cps) */
static inline bool text_is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* Folds one original code point as step 4 does (no decomposition); returns
 * 0 when the code point is dropped by step 3. */
uint32_t text_fold_cp(uint32_t c);

/* Arabizi transliteration of a Latin-script range of the folded view
 * (2->ء 3->ع 5->خ 6->ط 7->ح 8->ق 9->ص, sh->ش kh->خ gh->غ th->ث dh->ذ,
 * other letters to their usual Arabic counterparts; vowels a/e/i/o/u
 * become ا/ي/ي/و/و or are dropped inside words). Writes at most `cap` code
 * points to out; returns the number written. */
size_t text_arabizi(const uint32_t *cp, size_t n, uint32_t *out, size_t cap);

/* Equality of a folded range with an ASCII/UTF-8 literal already folded. */
bool text_range_eq(const text_view *tv, uint32_t s, uint32_t e, const char *lit);

#endif
