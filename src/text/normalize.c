/*
 * normalize.c — UTF-8 -> folded code points with an offset map, tokens,
 * sentences. See text.h for the contract; each folding below names its code
 * points and why the rules need it.
 */
#include "text.h"

#include <string.h>
#include <utf8proc.h>

typedef struct outbuf {
	raqib_arena *a;
	uint32_t *cp, *os, *oe;
	uint32_t n, cap;
	uint32_t run_cp, run_len; /* last emitted letter and its run length */
} outbuf;

static int out_grow_to(outbuf *o, uint32_t cap)
{
	uint32_t *cp = raqib_arena_alloc(o->a, (size_t)(cap + 1) * sizeof *cp);
	uint32_t *os = raqib_arena_alloc(o->a, (size_t)cap * sizeof *os);
	uint32_t *oe = raqib_arena_alloc(o->a, (size_t)cap * sizeof *oe);
	if (!cp || !os || !oe)
		return RAQIB_ENOMEM;
	if (o->n) {
		memcpy(cp, o->cp, o->n * sizeof *cp);
		memcpy(os, o->os, o->n * sizeof *os);
		memcpy(oe, o->oe, o->n * sizeof *oe);
	}
	o->cp = cp;
	o->os = os;
	o->oe = oe;
	o->cap = cap;
	return 0;
}

static int out_grow(outbuf *o)
{
	return out_grow_to(o, o->cap * 2 + 16);
}

/*
 * Emits one folded code point that came from original code point k.
 * Runs of 3+ identical letters collapse to one whose span covers the whole
 * run (حمااااار -> حمار, "stuuupid" -> "stupid"): writers stretch letters
 * for emphasis and to slip past word lists. Runs of two stay (اان, "cool").
 */
static inline bool letter_fast(uint32_t c)
{
	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	if (c >= 0x0621 && c <= 0x064A)
		return c != 0x0640;
	return text_is_letter(c);
}

static inline __attribute__((always_inline)) int out_emit(outbuf *o, uint32_t c, uint32_t k, text_stats *st)
{
	/* run_cp is only ever a letter, so equality implies letter */
	if (c == o->run_cp && o->n && o->cp[o->n - 1] == c) {
		o->run_len++;
		if (o->run_len == 3) {
			o->n--; /* drop the second copy */
			o->oe[o->n - 1] = k + 1;
			st->collapsed += 2;
			return 0;
		}
		if (o->run_len > 3) {
			o->oe[o->n - 1] = k + 1;
			st->collapsed++;
			return 0;
		}
	} else {
		o->run_cp = letter_fast(c) ? c : 0;
		o->run_len = 1;
	}
	if (__builtin_expect(o->n == o->cap, 0) && out_grow(o))
		return RAQIB_ENOMEM;
	o->cp[o->n] = c;
	o->os[o->n] = k;
	o->oe[o->n] = k + 1;
	o->n++;
	return 0;
}

bool text_is_letter(uint32_t c)
{
	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	if (c >= 0x0621 && c <= 0x064A)
		return c != 0x0640; /* tatweel is Lm but never a letter here */
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LO:
		return true;
	case UTF8PROC_CATEGORY_LM:
		return c != 0x0640;
	default:
		return false;
	}
}

bool text_is_arabic_letter(uint32_t c)
{
	if (c == 0x0640)
		return false;
	return (c >= 0x0620 && c <= 0x064A) || (c >= 0x066E && c <= 0x06D3) ||
	       c == 0x06D5 || c == 0x06EE || c == 0x06EF ||
	       (c >= 0x06FA && c <= 0x06FC) || c == 0x06FF ||
	       (c >= 0x0750 && c <= 0x077F) || (c >= 0x08A0 && c <= 0x08C9) ||
	       (c >= 0xFB50 && c <= 0xFDFB) || (c >= 0xFE70 && c <= 0xFEFC);
}

bool text_is_latin_letter(uint32_t c)
{
	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	return ((c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
		(c >= 0x1E00 && c <= 0x1EFF)) && text_is_letter(c);
}

/*
 * Letters of Persian, Urdu, Kurdish, Pashto, Sindhi that Arabic does not use.
 * ڤ (06A4) and ڨ (06A8) are left out: Maghrebi and Gulf Arabic write them
 * for v and g in names and loanwords.
 */
bool text_is_persian_only(uint32_t c)
{
	switch (c) {
	case 0x067E: /* پ */ case 0x0686: /* چ */ case 0x0698: /* ژ */
	case 0x06AF: /* گ */ case 0x06A9: /* ک */ case 0x06CC: /* ی */
	case 0x06D2: /* ے */ case 0x0679: /* ٹ */ case 0x0688: /* ڈ */
	case 0x06BA: /* ں */ case 0x06D3: /* ۓ */ case 0x06C0: /* ۀ */
	case 0x06D5: /* ە */ case 0x06CE: /* ێ */ case 0x06C6: /* ۆ */
	case 0x0695: /* ڕ */ case 0x06B5: /* ڵ */ case 0x06BE: /* ھ */
	case 0x06C1: /* ہ */ case 0x0691: /* ڑ */ case 0x0681: /* ځ */
	case 0x0685: /* څ */ case 0x0689: /* ډ */ case 0x0693: /* ړ */
	case 0x0696: /* ږ */ case 0x069A: /* ښ */ case 0x06AB: /* ګ */
	case 0x06BC: /* ڼ */ case 0x06CD: /* ۍ */ case 0x06D0: /* ې */
	case 0x06C7: /* ۇ */ case 0x06CB: /* ۋ */ case 0x06C8: /* ۈ */
		return true;
	default:
		return false;
	}
}

/* Base Arabic letters U+0621–U+064A: the only variants folded. */
static uint32_t fold_arabic(uint32_t c)
{
	switch (c) {
	/* أ إ آ -> ا: hamza seats are written inconsistently (رايي for رأيي in
	 * the seed comment); matching must not depend on them. */
	case 0x0622: case 0x0623: case 0x0625:
		return 0x0627;
	case 0x0649: return 0x064A; /* ى -> ي: علي/على are interchangeable online */
	case 0x0629: return 0x0647; /* ة -> ه: خليفه/خليفة in the seed comment */
	case 0x0624: return 0x0648; /* ؤ -> و */
	case 0x0626: return 0x064A; /* ئ -> ي */
	default: return c;
	}
}

uint32_t text_fold_cp(uint32_t c)
{
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return c | 0x20;
		if (c == '\n')
			return '\n';
		if (c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == ' ')
			return ' ';
		if (c < 0x20 || c == 0x7F)
			return 0; /* other C0 controls carry nothing */
		return c;
	}
	if (c >= 0x0621 && c <= 0x064A)
		return c == 0x0640 ? 0 : fold_arabic(c);
	/* Tashkeel/harakat U+064B–U+065F and superscript alef U+0670: vowel
	 * signs, optional in Arabic and used to break up words (حِمَار). */
	if ((c >= 0x064B && c <= 0x065F) || c == 0x0670)
		return 0;
	/* Quranic annotation signs U+0610–U+061A and U+06D6–U+06ED. */
	if ((c >= 0x0610 && c <= 0x061A) || (c >= 0x06D6 && c <= 0x06ED))
		return 0;
	/* Arabic-Indic ٠–٩ and Persian ۰–۹ digits -> ASCII: phone numbers and
	 * years are written in all three, often mixed. */
	if (c >= 0x0660 && c <= 0x0669)
		return '0' + (c - 0x0660);
	if (c >= 0x06F0 && c <= 0x06F9)
		return '0' + (c - 0x06F0);
	if (c == 0x0671 || c == 0x0672 || c == 0x0673)
		return 0x0627; /* ٱ wasla and wavy-hamza alefs -> ا */
	if (c == 0x06CC)
		return 0x064A; /* Persian ی typed on Persian keyboards -> ي */
	if (c == 0x06A9)
		return 0x0643; /* Persian ک -> ك */
	if (c == 0x0640 || c == 0x00AD)
		return 0; /* tatweel (حـــمـــار), soft hyphen */
	if (c == 0x2028 || c == 0x2029 || c == 0x0085)
		return '\n';
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_ME:
		return 0; /* combining marks of any script (accents, hamza above) */
	case UTF8PROC_CATEGORY_CF:
		/* ZWJ/ZWNJ U+200C–D, LRM/RLM U+200E–F, ALM U+061C, embeddings
		 * U+202A–E, isolates U+2066–9, BOM: invisible, used to split
		 * words and reorder digits. */
		return 0;
	case UTF8PROC_CATEGORY_ZS:
		return ' ';
	case UTF8PROC_CATEGORY_CC:
		return 0;
	default:
		break;
	}
	return (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
}

/* fold_arabic() and the drops of text_fold_cp() for U+0621–U+0670 as one
 * table: this range is nearly every code point of an Arabic comment. */
static const uint16_t arabic_fold[0x0671 - 0x0621] = {
	0x0621, 0x0627, 0x0627, 0x0648, 0x0627, 0x064A, 0x0627, 0x0628,
	0x0647, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E, 0x062F, 0x0630,
	0x0631, 0x0632, 0x0633, 0x0634, 0x0635, 0x0636, 0x0637, 0x0638,
	0x0639, 0x063A, 0x063B, 0x063C, 0x063D, 0x063E, 0x063F, 0,
	0x0641, 0x0642, 0x0643, 0x0644, 0x0645, 0x0646, 0x0647, 0x0648,
	0x064A, 0x064A, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, '0',
	'1', '2', '3', '4', '5', '6', '7', '8',
	'9', 0x066A, 0x066B, 0x066C, 0x066D, 0x066E, 0x066F, 0,
};

/* text_fold_cp for ASCII, U+0621–U+065F and U+0670 (the common case). */
static inline uint32_t fold_fast(uint32_t c)
{
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return c | 0x20;
		if (c >= 0x20 && c != 0x7F)
			return c;
		if (c == '\n')
			return c;
		return c == '\t' || c == '\r' || c == '\v' || c == '\f' ? ' ' : 0;
	}
	return arabic_fold[c - 0x0621];
}

static bool is_control_format(uint32_t c)
{
	return c == 0x00AD || c == 0x061C || (c >= 0x200B && c <= 0x200F) ||
	       (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2069) ||
	       c == 0xFEFF;
}

/*
 * A dropped mark, tatweel or control joins the span of the character before
 * it, so a span over a word covers its diacritics too and redacting a word
 * leaves no orphan marks behind.
 */
static void drop(outbuf *o, uint32_t k, text_stats *st)
{
	st->marks_removed++;
	if (o->n && o->oe[o->n - 1] == k)
		o->oe[o->n - 1] = k + 1;
}

static int fold_one(outbuf *o, uint32_t c, uint32_t k, text_stats *st)
{
	utf8proc_int32_t dec[32];
	utf8proc_ssize_t m, j;
	int lbc = 0;

	/* ASCII and U+0621–U+0670 never reach here: text_normalize folds
	 * them inline. */
	/* The rest of the Arabic block (punctuation ، ؛ ؟, digits, Quranic
	 * marks, extended letters) has no decomposition but ٵ ٶ ٷ ٸ. */
	if (c >= 0x0600 && c <= 0x06FF && !(c >= 0x0675 && c <= 0x0678)) {
		uint32_t f = text_fold_cp(c);
		if (c == 0x061C)
			st->controls++;
		if (!f) {
			drop(o, k, st);
			return 0;
		}
		return out_emit(o, f, k, st);
	}
	if (is_control_format(c))
		st->controls++;
	m = utf8proc_decompose_char((utf8proc_int32_t)c, dec, 32, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, &lbc);
	if (m <= 0 || m > 32) {
		dec[0] = (utf8proc_int32_t)c;
		m = 1;
	}
	for (j = 0; j < m; j++) {
		uint32_t f = text_fold_cp((uint32_t)dec[j]);
		if (!f) {
			drop(o, k, st);
			continue;
		}
		if (out_emit(o, f, k, st))
			return RAQIB_ENOMEM;
	}
	return 0;
}

static bool is_sentence_end(uint32_t c)
{
	return c == '.' || c == '!' || c == '?' || c == 0x061F /* ؟ */ ||
	       c == 0x061B /* ؛ */ || c == ';' || c == '\n' || c == 0x06D4;
}

enum { C_LETTER = 1, C_ARABIC = 2, C_LATIN = 4, C_OTHER = 8, C_DIGIT = 16 };

/* Class of a folded code point, fast for ASCII and the Arabic block. */
static inline unsigned char_class(uint32_t c)
{
	if (c < 0x80) {
		if (c >= '0' && c <= '9')
			return C_DIGIT;
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? C_LETTER | C_LATIN : 0;
	}
	if (c >= 0x0621 && c <= 0x064A)
		return c == 0x0640 ? 0 : C_LETTER | C_ARABIC;
	if (!text_is_letter(c))
		return 0;
	return C_LETTER | (text_is_arabic_letter(c) ? C_ARABIC
			   : text_is_latin_letter(c) ? C_LATIN : C_OTHER);
}

/* Words, sentences and the script counts, in one pass over the view. */
static int tokenize(text_view *tv, raqib_arena *a)
{
	uint32_t i = 0, ntok = 0, sent = 0, cap = tv->n / 2 + 1;
	text_token *tok = raqib_arena_alloc(a, (size_t)cap * sizeof *tok);
	text_stats *st = &tv->stats;
	bool in_sentence = false;

	if (!tok)
		return RAQIB_ENOMEM;
	while (i < tv->n) {
		uint32_t c = tv->cp[i], flags = 0, s = i;
		unsigned k = char_class(c);
		if (!k) {
			/* A dot between digits (24.04.2018, 1.4) ends no sentence. */
			if (is_sentence_end(c) && in_sentence &&
			    !(c == '.' && i + 1 < tv->n && text_is_digit(tv->cp[i + 1]) &&
			      i > 0 && text_is_digit(tv->cp[i - 1]))) {
				sent++;
				in_sentence = false;
			}
			i++;
			continue;
		}
		do {
			if (k & C_DIGIT) {
				flags |= TEXT_TOK_DIGIT;
				st->digits++;
			} else {
				st->letters++;
				if (k & C_ARABIC) {
					flags |= TEXT_TOK_ARABIC;
					st->arabic++;
				} else if (k & C_LATIN) {
					flags |= TEXT_TOK_LATIN;
					st->latin++;
				} else {
					flags |= TEXT_TOK_OTHER;
					st->other++;
				}
			}
			i++;
		} while (i < tv->n && (k = char_class(tv->cp[i])) != 0);
		tok[ntok].start = s;
		tok[ntok].end = i;
		tok[ntok].flags = flags;
		tok[ntok].sentence = sent;
		ntok++;
		in_sentence = true;
	}
	tv->tok = tok;
	tv->ntok = ntok;
	tv->nsent = sent + (in_sentence ? 1 : 0);
	return 0;
}

int text_normalize(text_view *tv, raqib_arena *a, const char *s, size_t len,
		   raqib_err *err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t *orig, k = 0;
	outbuf o;

	memset(tv, 0, sizeof *tv);
	if (len >= UINT32_MAX / 8)
		return raqib_err_set(err, RAQIB_ETOO_LONG, "text too long");
	/* One pass decodes, validates and folds; a byte count bounds the code
	 * point count, so nothing is measured twice. */
	orig = raqib_arena_alloc(a, (len + 1) * sizeof *orig);
	memset(&o, 0, sizeof o);
	o.a = a;
	if (!orig || out_grow_to(&o, (uint32_t)len + 16))
		goto nomem;
	while (i < len) {
		uint32_t c, f;
		/* ASCII and U+0621–U+0670 (nearly all of an Arabic comment)
		 * are decoded and folded inline, without fold_one's dispatch */
		if (p[i] < 0x80 && p[i]) {
			c = p[i++];
			f = fold_fast(c);
			goto fast;
		}
		if ((p[i] == 0xD8 || p[i] == 0xD9) && i + 1 < len &&
		    (p[i + 1] & 0xC0) == 0x80) {
			c = ((uint32_t)(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F);
			if (c >= 0x0621 && c <= 0x0670) {
				i += 2;
				f = arabic_fold[c - 0x0621];
				goto fast;
			}
		}
		if (p[i] >= 0xC2 && p[i] < 0xE0 && i + 1 < len &&
		    (p[i + 1] & 0xC0) == 0x80) {
			/* other two-byte sequences decoded inline */
			c = ((uint32_t)(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F);
			i += 2;
			if (c >= 0x0679 && text_is_persian_only(c))
				tv->stats.persian_only++;
		} else {
			size_t used = raqib_utf8_decode(p + i, len - i, &c);
			if (!used)
				return raqib_err_set(err, RAQIB_EUTF8,
						     "invalid UTF-8 at byte %zu", i);
			i += used;
			if (c >= 0x0679 && text_is_persian_only(c))
				tv->stats.persian_only++;
		}
		orig[k] = c;
		if (fold_one(&o, c, k, &tv->stats))
			goto nomem;
		k++;
		continue;
fast:
		orig[k] = c;
		if (!f)
			drop(&o, k, &tv->stats);
		else if (out_emit(&o, f, k, &tv->stats))
			goto nomem;
		k++;
	}
	orig[k] = 0;
	o.cp[o.n] = 0;
	tv->orig = orig;
	tv->norig = k;
	tv->cp = o.cp;
	tv->ostart = o.os;
	tv->oend = o.oe;
	tv->n = o.n;
	if (tokenize(tv, a))
		goto nomem;
	return 0;
nomem:
	return raqib_err_set(err, RAQIB_ENOMEM, "out of memory normalizing text");
}

bool text_range_eq(const text_view *tv, uint32_t s, uint32_t e, const char *lit)
{
	/* Called per token against word lists: stop at the first mismatch and
	 * never measure the literal (the NUL ends it; a decode reads at most up
	 * to the byte that fails to continue a sequence). */
	const unsigned char *p = (const unsigned char *)lit;
	uint32_t k = s, c;

	while (*p) {
		if (k >= e)
			return false;
		if (*p < 0x80) {
			c = *p++;
		} else {
			size_t used = raqib_utf8_decode(p, 4, &c);
			if (!used)
				return false;
			p += used;
		}
		if (tv->cp[k] != c)
			return false;
		k++;
	}
	return k == e;
}
