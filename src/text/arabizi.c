/*
 * arabizi.c — Arabizi (Arabic chat alphabet) to Arabic script.
 *
 * The foreign rule transliterates Latin tokens and looks the result up in
 * small Arabic word lists: a token that becomes a known Arabic word is
 * Arabizi, not English or French. The mapping is therefore tuned to produce
 * the consonant skeleton Arabic spelling writes, not a faithful reading:
 *   - digits stand for letters Latin lacks: 2 ء, 3 ع, 3' غ, 5 خ, 6 ط,
 *     7 ح, 7' خ, 8 ق, 9 ص (0, 1, 4 are not letters in any common scheme);
 *   - digraphs first: sh/ch ش, kh خ, gh غ, th ث, dh ذ, ou و;
 *   - long vowels aa ا, ee/ii/ei/ai ي, oo/ou/uu و; a vowel starting a word
 *     is the alef that carries it (ana انا, inta انت);
 *   - inside a word a and e are short vowels and vanish (kifak كيفك keeps
 *     the i because colloquial i is long far more often than not), i/y ي,
 *     o/u/w و; at the end a is ا (ana, ya), i ي, o/u و, e vanishes (the
 *     French-style mute e of Maghrebi spellings: mche, bache);
 *   - a doubled consonant is one letter with shadda, which Arabic omits.
 * Anything that is not a Latin letter, digit or apostrophe separates words
 * and is copied as one space.
 */
#include "text.h"

static bool is_vowel(uint32_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static bool is_word_cp(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || text_is_digit(c) || c == '\'';
}

/* The consonant (or digit) at cp[i]; sets *used to the input consumed. */
static uint32_t consonant(const uint32_t *cp, size_t n, size_t i, size_t *used)
{
	uint32_t c = cp[i], d = i + 1 < n ? cp[i + 1] : 0;

	*used = 1;
	if (d == '\'' && (c == '3' || c == '7')) {
		*used = 2;
		return c == '3' ? 0x063A /* غ */ : 0x062E /* خ */;
	}
	if (d == 'h') {
		*used = 2;
		switch (c) {
		case 's': case 'c': return 0x0634; /* ش */
		case 'k': return 0x062E;           /* خ */
		case 'g': return 0x063A;           /* غ */
		case 't': return 0x062B;           /* ث */
		case 'd': return 0x0630;           /* ذ */
		default: *used = 1; break;
		}
	}
	switch (c) {
	case '2': return 0x0621; /* ء */
	case '3': return 0x0639; /* ع */
	case '5': return 0x062E; /* خ */
	case '6': return 0x0637; /* ط */
	case '7': return 0x062D; /* ح */
	case '8': return 0x0642; /* ق */
	case '9': return 0x0635; /* ص */
	case 'b': case 'p': return 0x0628; /* ب */
	case 't': return 0x062A; /* ت */
	case 'd': return 0x062F; /* د */
	case 'r': return 0x0631; /* ر */
	case 'z': return 0x0632; /* ز */
	case 's': return 0x0633; /* س */
	case 'f': case 'v': return 0x0641; /* ف */
	case 'q': return 0x0642; /* ق */
	case 'k': case 'c': return 0x0643; /* ك */
	case 'l': return 0x0644; /* ل */
	case 'm': return 0x0645; /* م */
	case 'n': return 0x0646; /* ن */
	case 'h': return 0x0647; /* ه */
	case 'w': return 0x0648; /* و */
	case 'y': return 0x064A; /* ي */
	case 'j': case 'g': return 0x062C; /* ج */
	case 'x': return 0x0643; /* ك (the s of ks is rarely meant) */
	default: return 0;       /* 0, 1, 4, apostrophe: no letter */
	}
}

/* The vowel run at cp[i..]: sets *used, returns the letter or 0. */
static uint32_t vowel(const uint32_t *cp, size_t n, size_t i, bool initial,
		      size_t *used)
{
	uint32_t c = cp[i], d = i + 1 < n ? cp[i + 1] : 0;
	bool final;

	*used = 1;
	if (is_vowel(d)) {
		*used = 2;
		if (c == 'a' && d == 'a')
			return 0x0627;
		if (d == 'i' || (c == 'e' && d == 'e'))
			return initial ? 0x0627 : 0x064A;
		if (d == 'u' || (c == 'o' && d == 'o'))
			return initial && c != 'o' ? 0x0627 : 0x0648;
		*used = 1; /* two different short vowels: take them one by one */
	}
	if (initial)
		return 0x0627;
	final = i + 1 >= n || !is_word_cp(cp[i + 1]);
	switch (c) {
	case 'a': return final ? 0x0627 : 0;
	case 'e': return 0;
	case 'i': return 0x064A;
	default: return 0x0648; /* o, u */
	}
}

size_t text_arabizi(const uint32_t *cp, size_t n, uint32_t *out, size_t cap)
{
	size_t i = 0, o = 0, used;
	bool initial = true;
	uint32_t last = 0;

	while (i < n && o < cap) {
		uint32_t c = cp[i], ar;

		if (!is_word_cp(c)) {
			if (!initial && o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
			initial = true;
			last = 0;
			i++;
			continue;
		}
		if (is_vowel(c))
			ar = vowel(cp, n, i, initial, &used);
		else
			ar = consonant(cp, n, i, &used);
		i += used;
		initial = false;
		/* Doubled consonants are one letter with shadda; doubled ا/و/ي
		 * from vowel runs are kept (they came from different vowels). */
		if (!ar || (ar == last && ar != 0x0627 && ar != 0x0648 && ar != 0x064A))
			continue;
		out[o++] = ar;
		last = ar;
	}
	if (o > 0 && out[o - 1] == ' ')
		o--;
	return o;
}
