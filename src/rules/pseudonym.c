/*
 * pseudonym.c — is the signature a real name? The site publishes only
 * comments signed with real names. Heuristics (below) and, on by default,
 * a character n-gram name model (name_model(), models/pseudonym.md) for
 * what no frame or list holds; the rule takes the higher score.
 *
 * Two kinds of evidence, combined as 1 - Π(1 - s):
 *   hard: the signature has the shape of a user name whatever its words —
 *         a URL or e-mail, an @handle, digits, underscores or dots inside a
 *         word (ahmed_99, mido.sh), emoji or decoration (* الفنان *),
 *         stretched letters (شوووق), only single letters (S Y A), a
 *         sentence instead of a name, or no name at all;
 *   soft: words from data/lexicons/pseudonym.txt (زائر، مواطن، عاشق،
 *         محب المملكة، نصراوي، مجرد رأي, dark, king ...), nickname frames
 *         (ولد الديرة، بنت الرياض; صقر الجارح، عاشق الليل with any object)
 *         and the kunya;
 *   shape without vocabulary: CamelCase Latin handles (TheBlueKnight), a
 *         lone article adjective (الحائر، المظلوم), only article words
 *         (الجزائري الاصيل), a function word or الله first (من الجزائر).
 * The frames and shapes carry the evidence for object words no list holds:
 * tests/fixtures/pseudonyms measures them on held-out vocabulary.
 * Soft evidence is weakened when the signature also holds a known real name
 * (data/lexicons/names.txt): "رائد الأهلاوي" is a person who supports a
 * club, "الأهلاوي" alone is not a person. A word that is itself a given
 * name (أمير، ملك، نور، محب) counts fully only when it opens a nickname
 * phrase (ملك الرومانسية); alone it is read as the name.
 *
 * Decisions:
 *   - A kunya (أبو أحمد، أم تركي، ابوفهد) is an old and common Arabic way of
 *     naming oneself, but alone it does not identify anybody: it scores 0.35,
 *     under the default threshold, so it is published; with a family name
 *     (أبو عامر العنزي) it is a full name and scores nothing. A kunya whose
 *     "son" is a thing (أبو الليل، أبو المجد) is borderline (0.45) and
 *     fires with a nickname word (الليل).
 *   - Unknown words are no evidence: most family names are in no list.
 *   - A single known given name (عبدالحميد، ماجد) is a real name.
 *   - Real names in Latin script (Ahmed Hassan, wael) are fine.
 *   - An empty signature scores 0.9: the policy wants a name.
 */
#include "rule.h"
#include "../model/model.h"

#include <stdlib.h>
#include <string.h>

#define PS_MAX_TOK 32
#define PS_MAX_SPANS 32
#define PS_MAX_LEX 32
#define PS_U8_MAX 40         /* longer than any word of ps_words */

enum { PS_WORD = 0, PS_TITLE, PS_CONNECTOR, PS_KUNYA };

typedef struct ps_tok {
	uint32_t s, e;       /* folded range */
	uint8_t kind;        /* PS_* */
	bool name;           /* a known given or family name */
	bool pseudo;         /* covered by a pseudonym-lexicon match */
	bool kunya_obj;      /* the "son" of a preceding kunya */
	bool kunya_real;     /* a kunya whose "son" is a known name */
	bool child;          /* بنت ابن ابنه ولد بن: may open a nickname frame */
	uint8_t head;        /* W_BEAST or W_LOVER: opens a nickname frame */
} ps_tok;

typedef struct ps_range {
	uint32_t s, e;
} ps_range;

typedef struct ps_ctx {
	const text_view *tv;
	const lexicon *names;
	ps_tok t[PS_MAX_TOK];
	uint32_t nt;
	ps_range span[PS_MAX_SPANS];
	uint32_t nspan;
	float keep;          /* Π(1 - s) over hard evidence and the kunya */
	float soft_keep;     /* Π(1 - s) over soft evidence */
} ps_ctx;

#define AR_ALEF 0x0627
#define AR_LAM 0x0644
#define AR_ALEF_MAQSURA 0x0649
/* Below this score the rule says nothing (emit(), and the memo's replay). */
#define PS_MIN_SCORE 0.05f

static void add_span(ps_ctx *x, uint32_t s, uint32_t e)
{
	if (x->nspan < PS_MAX_SPANS && e > s) {
		x->span[x->nspan].s = s;
		x->span[x->nspan].e = e;
		x->nspan++;
	}
}

static void hard(ps_ctx *x, float score, uint32_t s, uint32_t e)
{
	x->keep *= 1.0f - score;
	add_span(x, s, e);
}

static void soft(ps_ctx *x, float score, uint32_t s, uint32_t e)
{
	x->soft_keep *= 1.0f - score;
	add_span(x, s, e);
}

/* The words a signature is built around. W_CHILD is a connector that may
 * open a nickname frame (بنت الرياض); W_BEAST (صقر، نسر، فارس, and nouns
 * readers make nicknames of that are no given name: صوت الرياض، قلب الاسد،
 * طريق الحياة، ضمير حي, and elatives: أحلى بنت، أغلى الناس; not قمر، نجم،
 * زهرة، رعد، أعظم, which are) and W_LOVER
 * (عاشق، محب، مشتاق) open one with any object; W_BNAME heads are given names
 * too (صقر، فارس) and need a thing for object (head_frames()). One list in strcmp order (LC_ALL=C
 * sort), searched with bsearch on the token's UTF-8, which orders like its
 * code points: every word of every signature is looked up. */
enum { W_NONE = 0, W_KUNYA, W_TITLE, W_CONNECTOR, W_CHILD, W_BEAST, W_BNAME, W_LOVER };

typedef struct ps_word {
	const char *w;
	uint8_t kind;
} ps_word;

static const ps_word ps_words[] = {
		{"dr", W_TITLE}, {"eng", W_TITLE}, {"mr", W_TITLE}, {"mrs", W_TITLE},
		{"ms", W_TITLE}, {"prof", W_TITLE}, {"ا", W_TITLE}, {"ابن", W_CHILD},
		{"ابنه", W_CHILD}, {"ابو", W_KUNYA}, {"ابي", W_KUNYA},
		{"اتعس", W_BEAST}, {"اجمل", W_BEAST}, {"احلا", W_BEAST},
		{"احلي", W_BEAST}, {"اروع", W_BEAST}, {"استاذ", W_TITLE},
		{"اسد", W_BNAME}, {"اطيب", W_BEAST}, {"اغلا", W_BEAST},
		{"اغلي", W_BEAST}, {"ال", W_CONNECTOR}, {"الاستاذ", W_TITLE},
		{"الاستاذه", W_TITLE}, {"الاسد", W_BEAST}, {"الاعلامي", W_TITLE},
		{"الحاج", W_TITLE}, {"الحاجه", W_TITLE}, {"الدكتور", W_TITLE},
		{"الدكتوره", W_TITLE}, {"الذئب", W_BEAST}, {"الذيب", W_BEAST},
		{"السيد", W_TITLE}, {"السيده", W_TITLE}, {"الشبل", W_BEAST},
		{"الشيخ", W_TITLE}, {"الصحفي", W_TITLE}, {"الصقر", W_BEAST},
		{"العاشق", W_LOVER}, {"العقيد", W_TITLE}, {"العميد", W_TITLE},
		{"الفارس", W_BEAST}, {"الكاتب", W_TITLE}, {"اللواء", W_TITLE},
		{"المحامي", W_TITLE}, {"المحب", W_LOVER}, {"المستشار", W_TITLE},
		{"المهندس", W_TITLE}, {"النسر", W_BEAST}, {"النمر", W_BEAST},
		{"ام", W_KUNYA}, {"برق", W_BEAST}, {"بن", W_CHILD}, {"بنت", W_CHILD},
		{"بو", W_KUNYA}, {"جرح", W_BEAST}, {"حاج", W_TITLE},
		{"حارس", W_BEAST}, {"حلم", W_BEAST}, {"د", W_TITLE},
		{"دكتور", W_TITLE}, {"دكتوره", W_TITLE}, {"دمعه", W_BEAST},
		{"دموع", W_BEAST}, {"ذئب", W_BEAST}, {"ذيب", W_BNAME},
		{"روح", W_BEAST}, {"سهم", W_BEAST}, {"شبل", W_BNAME},
		{"شمعه", W_BEAST}, {"شيخ", W_TITLE}, {"صدي", W_BEAST},
		{"صقر", W_BNAME}, {"صوت", W_BEAST}, {"ضمير", W_BEAST},
		{"طريق", W_BEAST}, {"ظل", W_BEAST}, {"عاشق", W_LOVER},
		{"عاشقه", W_LOVER}, {"عشيق", W_LOVER}, {"عطر", W_BEAST},
		{"غيمه", W_BEAST}, {"فارس", W_BNAME}, {"قلب", W_BEAST},
		{"لحن", W_BEAST}, {"م", W_TITLE}, {"محامي", W_TITLE},
		{"محب", W_LOVER}, {"محبه", W_LOVER}, {"مستشار", W_TITLE},
		{"مشتاق", W_LOVER}, {"مشتاقه", W_LOVER}, {"من", W_CONNECTOR},
		{"مهندس", W_TITLE}, {"مهندسه", W_TITLE}, {"نبض", W_BEAST},
		{"نسر", W_BEAST}, {"نمر", W_BNAME}, {"همس", W_BEAST},
		{"وجع", W_BEAST}, {"ولد", W_CHILD},
};

static int word_cmp(const void *key, const void *ent)
{
	return strcmp(key, ((const ps_word *)ent)->w);
}

/* W_* of folded range [s, e). */
static int word_kind(const text_view *tv, uint32_t s, uint32_t e)
{
	char u8[PS_U8_MAX];
	const ps_word *w;
	size_t o = 0;

	for (uint32_t i = s; i < e; i++) {
		char b[4];
		size_t k = raqib_utf8_encode(tv->cp[i], b);
		if (!k || o + k >= PS_U8_MAX)
			return W_NONE;
		memcpy(u8 + o, b, k);
		o += k;
	}
	u8[o] = '\0';
	w = bsearch(u8, ps_words, sizeof ps_words / sizeof ps_words[0],
		    sizeof ps_words[0], word_cmp);
	return w ? w->kind : W_NONE;
}


static bool has_al(const uint32_t *cp, uint32_t s, uint32_t e)
{
	return e - s > 3 && cp[s] == AR_ALEF && cp[s + 1] == AR_LAM;
}

/* Family names are mostly nisba adjectives (العنزي، الزعبي، المصرى); the
 * feminine ـية is an adjective (الرومانسية), not a family. */
static bool is_nisba(const uint32_t *cp, uint32_t s, uint32_t e)
{
	return e - s > 3 && cp[e - 1] == 0x064A; /* ي, and ى folded to it */
}

static bool lex_word(const lexicon *lx, const uint32_t *cp, uint32_t s, uint32_t e)
{
	return e > s && lexicon_has_word(lx, cp + s, e - s);
}

/* A known name, also with the article (الحسين) or as a joined عبد-compound
 * (عبدالحميد، عبدالله، عبده). */
static bool known_name(const lexicon *lx, const uint32_t *cp, uint32_t s, uint32_t e)
{
	static const uint32_t abd[] = {0x0639, 0x0628, 0x062F};

	if (!lx)
		return false;
	if (lex_word(lx, cp, s, e))
		return true;
	if (has_al(cp, s, e) && lex_word(lx, cp, s + 2, e))
		return true;
	if (e - s > 3 && !memcmp(cp + s, abd, sizeof abd)) {
		uint32_t r = s + 3;
		if (e - r == 1 && cp[r] == 0x0647)
			return true; /* عبده */
		if (has_al(cp, r, e) && (lex_word(lx, cp, r + 2, e) || e - r == 4))
			return true; /* عبدالحميد, عبدالله (ال+له) */
		return lex_word(lx, cp, r, e);
	}
	return false;
}

static void classify(ps_ctx *x)
{
	for (uint32_t k = 0; k < x->nt; k++) {
		ps_tok *t = &x->t[k];
		int kind = word_kind(x->tv, t->s, t->e);
		t->child = kind == W_CHILD;
		if (kind == W_BEAST || kind == W_BNAME || kind == W_LOVER)
			t->head = (uint8_t)kind;
		if (kind == W_KUNYA)
			t->kind = PS_KUNYA;
		else if (kind == W_TITLE)
			t->kind = PS_TITLE;
		else if (kind == W_CONNECTOR || kind == W_CHILD)
			t->kind = PS_CONNECTOR;
		else
			t->name = known_name(x->names, x->tv->cp, t->s, t->e);
	}
	/* عبد written apart: عبد الله، عبد الرازق */
	for (uint32_t k = 1; k < x->nt; k++)
		if (text_range_eq(x->tv, x->t[k - 1].s, x->t[k - 1].e, "عبد") &&
		    has_al(x->tv->cp, x->t[k].s, x->t[k].e))
			x->t[k].name = x->t[k - 1].name = true;
}

static uint32_t letters_back(const uint32_t *cp, uint32_t s, uint32_t i)
{
	uint32_t n = 0;
	while (i > s && text_is_letter(cp[i - 1])) {
		i--;
		n++;
	}
	return n;
}

static uint32_t letters_fwd(const uint32_t *cp, uint32_t i, uint32_t e)
{
	uint32_t n = 0;
	while (i < e && text_is_letter(cp[i++]))
		n++;
	return n;
}

/* Dr.Ahmed, Eng.Ali, Prof.Hassan: a title, not a user name. */
static bool is_title_abbrev(const uint32_t *cp, uint32_t s, uint32_t e)
{
	static const char *const abbr[] = {"dr", "eng", "mr", "mrs", "ms", "prof", "st", NULL};
	for (size_t k = 0; abbr[k]; k++) {
		size_t n = strlen(abbr[k]), j = 0;
		if (n != e - s)
			continue;
		while (j < n && cp[s + j] == (unsigned char)abbr[k][j])
			j++;
		if (j == n)
			return true;
	}
	return false;
}

static bool latin_particle(const text_view *tv, uint32_t s, uint32_t e)
{
	static const char *const p[] = {"abd", "abdel", "abdul", "abo", "abu", "al", "bin", "ben",
					"da", "de", "del", "di", "el", "la", "le", "mac", "mc",
					"van", "von", NULL};
	if (e - s < 2 || e - s > 5)
		return false; /* no particle is shorter or longer */
	for (size_t k = 0; p[k]; k++)
		if (text_range_eq(tv, s, e, p[k]))
			return true;
	return false;
}

/* TheBlueKnight, RedStorm: capitals inside a Latin word join two or more
 * words into a handle. AbdelKarim and McDonald are one name behind a
 * particle, MohamedAli two known names. Read on the original case (the
 * view is folded). Not through Arabizi: the Wikipedia name pairs hold
 * English words in Arabic letters (ستورم، سيلفر). */
static bool camel_handle(const ps_ctx *x, uint32_t s, uint32_t e)
{
	const text_view *tv = x->tv;
	uint32_t ps = s, bounds = 0, parts = 0, unknown = 0;

	for (uint32_t i = s; i <= e; i++) {
		uint32_t c = i < e ? tv->orig[tv->ostart[i]] : 0, p;
		if (i < e && !text_is_latin_letter(c))
			return false;
		if (i == s)
			continue;
		p = tv->orig[tv->ostart[i - 1]];
		if (i < e && !(p >= 'a' && p <= 'z' && c >= 'A' && c <= 'Z'))
			continue;
		bounds += i < e;
		if (!latin_particle(tv, ps, i)) {
			parts++;
			unknown += !lex_word(x->names, tv->cp, ps, i);
		}
		ps = i;
	}
	return bounds > 0 && parts >= 2 && unknown > 0;
}

/* Chunks: maximal runs of non-space code points (what the user typed as
 * one "word", punctuation included). */
static void shape_chunk(ps_ctx *x, uint32_t s, uint32_t e, bool *digits)
{
	const uint32_t *cp = x->tv->cp;
	bool at = false, url = false, under = false, dot = false, email = false;

	for (uint32_t i = s; i < e; i++) {
		uint32_t c = cp[i];
		if (text_is_digit(c))
			*digits = true;
		if (c == '@') {
			at = true;
			email = email || (i > s && text_is_letter(cp[i - 1]));
		}
		if (c == '/' && i + 1 < e && cp[i + 1] == '/')
			url = true;
		/* a dot between words with two letters on each side: م.وليد
		 * and د.خضر are titles, mido.sh is not; any underscore joined
		 * to something (ahmed_99, xX_dark_Xx) */
		if (c == '.' && letters_back(cp, s, i) >= 2 && letters_fwd(cp, i + 1, e) >= 2 &&
		    !is_title_abbrev(cp, i - letters_back(cp, s, i), i))
			dot = true;
		if (c == '_' && e - s > 1)
			under = true;
	}
	if (e - s > 4 && (text_range_eq(x->tv, s, s + 4, "www.") ||
			  text_range_eq(x->tv, s, s + 4, "http")))
		url = true;
	if (url || email)
		hard(x, 0.95f, s, e);
	else if (at)
		hard(x, 0.9f, s, e);
	else if (under)
		hard(x, 0.8f, s, e);
	else if (dot)
		hard(x, 0.7f, s, e);
	else if (camel_handle(x, s, e))
		hard(x, 0.65f, s, e);
}

/* How many original letters the folded letter i stands for. Not
 * oend - ostart: that also spans the tatweel and marks dropped after it
 * (صـــابر is a real name drawn long, شوووق is not). */
static uint32_t run_len(const text_view *tv, uint32_t i)
{
	uint32_t n = 0;
	for (uint32_t k = tv->ostart[i]; k < tv->oend[i] && k < tv->norig; k++)
		n += text_fold_cp(tv->orig[k]) == tv->cp[i];
	return n;
}

static bool is_decoration(uint32_t c)
{
	return c == '*' || c == '?' || c == '!' || c == '~' || c == '#' || c == '|' ||
	       c == '$' || c == '%' || c == '^' || c == '=' || c == '+' || c == '<' ||
	       c == '>' || c == '"' || c == ':' || c == ';' || c == '[' || c == ']' ||
	       c == '{' || c == '}' || c == 0x061F /* ؟ */;
}

/* Everything a real name is not made of: digits, handles, emoji and
 * symbols, decoration, letters stretched for effect. */
static void shapes(ps_ctx *x)
{
	const text_view *tv = x->tv;
	uint32_t i = 0;
	bool digits = false, symbol = false;
	uint32_t decor = 0, first = 0, last = 0, dpos[8], nd = 0;

	while (i < tv->n) {
		uint32_t s = i;
		bool d = false;
		if (tv->cp[i] == ' ') {
			i++;
			continue;
		}
		while (i < tv->n && tv->cp[i] != ' ')
			i++;
		shape_chunk(x, s, i, &d);
		if (d) {
			digits = true;
			add_span(x, s, i);
		}
	}
	while (first < tv->n && tv->cp[first] == ' ')
		first++;
	for (last = tv->n; last > first && tv->cp[last - 1] == ' ';)
		last--;
	for (i = 0; i < tv->n; i++) {
		uint32_t c = tv->cp[i];
		if (text_is_letter(c)) {
			/* ماااجد is still Majid: alone under the threshold (a run
			 * of 3 is collapsed, leaving 3 original code points
			 * behind the letter) */
			if (tv->stats.collapsed && tv->oend[i] - tv->ostart[i] >= 3 &&
			    run_len(tv, i) >= 3)
				hard(x, 0.45f, i, i + 1);
		} else if (is_decoration(c)) {
			/* one star between words (د*أحمد) is a typo; framing
			 * (**فاتن**) or a trailing ~ or ? is decoration */
			decor += 1 + (i == first || i + 1 == last);
			if (nd < 8)
				dpos[nd++] = i;
		} else if (c >= 0x2000 && !text_is_digit(c) && c != 0x2019 && c != 0x2018) {
			symbol = true;   /* emoji, hearts, stars, dingbats */
			add_span(x, i, i + 1);
		}
	}
	if (digits)
		x->keep *= 1.0f - 0.85f;
	if (symbol)
		x->keep *= 1.0f - 0.8f;
	if (decor >= 2) {
		x->keep *= 1.0f - 0.6f;
		for (i = 0; i < nd; i++)
			add_span(x, dpos[i], dpos[i] + 1);
	}
}

static uint32_t word_tokens(const ps_ctx *x, uint32_t *names)
{
	uint32_t n = 0;
	*names = 0;
	for (uint32_t k = 0; k < x->nt; k++) {
		if (x->t[k].kind == PS_CONNECTOR || x->t[k].kind == PS_TITLE)
			continue;
		n++;
		*names += x->t[k].name;
	}
	return n;
}

static bool opens_as_name(const ps_ctx *x)
{
	for (uint32_t k = 0; k < x->nt; k++)
		if (x->t[k].kind != PS_TITLE)
			return x->t[k].name || x->t[k].kind == PS_KUNYA;
	return false;
}

/* S Y A, N I C E, a lone letter; and a sentence instead of a name. */
static void token_shapes(ps_ctx *x)
{
	uint32_t single = 0, names, words = word_tokens(x, &names);

	for (uint32_t k = 0; k < x->nt; k++)
		single += x->t[k].e - x->t[k].s == 1 && !text_is_digit(x->tv->cp[x->t[k].s]);
	if (x->nt && single == x->nt && x->t[0].kind != PS_TITLE)
		hard(x, 0.85f, x->t[0].s, x->t[x->nt - 1].e);
	/* Real names open with a given name, a title or a kunya; four words
	 * with none of those known are a sentence (الدنيا صعبه علينا كلنا). */
	if ((words >= 5 && names <= 1) || (words >= 4 && names == 0 && !opens_as_name(x)))
		hard(x, 0.6f, x->t[0].s, x->t[x->nt - 1].e);
	/* a title and nobody behind it: المهندس، الدكتور */
	if (x->nt && words == 0 && x->t[0].kind == PS_TITLE)
		hard(x, 0.7f, x->t[0].s, x->t[x->nt - 1].e);
}

static bool next_is_thing(const ps_ctx *x, uint32_t k)
{
	const ps_tok *t;
	if (k + 1 >= x->nt)
		return false;
	t = &x->t[k + 1];
	/* the name list is checked as written: رياض is a given name, but
	 * الرياض after بنت or ملك is the city */
	return t->kind == PS_WORD && has_al(x->tv->cp, t->s, t->e) &&
	       !lex_word(x->names, x->tv->cp, t->s, t->e) &&
	       !is_nisba(x->tv->cp, t->s, t->e);
}

/* Pseudonym-lexicon words. Only nickname and fan words can be real names
 * too (أمير، نجم، هلالي); the list of names is noisy enough to hold زائر
 * and مجهول, so anonymity and opinion words are never excused by it. */
static void lex_words(ps_ctx *x, const rule_input *in)
{
	const lexicon *lx = in->env ? in->env->lex[LEX_PSEUDONYM] : NULL;
	lex_match m[PS_MAX_LEX];
	uint16_t nick, fan;
	size_t n;

	if (!lx || !in->arena)
		return;
	n = lexicon_scan(lx, x->tv, in->arena, m, PS_MAX_LEX);
	if (n > PS_MAX_LEX)
		n = PS_MAX_LEX;
	if (n == 0)
		return;
	nick = lexicon_tag_id(lx, "nick");
	fan = lexicon_tag_id(lx, "fan");
	for (size_t i = 0; i < n; i++) {
		float w = m[i].weight;
		uint32_t ts = m[i].tok_start;
		if (ts >= x->nt)
			continue;
		/* أمير alone is a name, ملك الرومانسية is not */
		if (m[i].tok_end == ts + 1 && m[i].tag && (m[i].tag == nick || m[i].tag == fan) &&
		    lex_word(x->names, x->tv->cp, x->t[ts].s, x->t[ts].e))
			w *= next_is_thing(x, ts) ? 0.8f : 0.4f;
		/* أبو صقر, أبو الليل: the kunya frame makes it a name of sorts;
		 * the kunya rule judges it */
		else if (ts > 0 && x->t[ts - 1].kind == PS_KUNYA)
			w *= 0.4f;
		for (uint32_t k = ts; k < m[i].tok_end && k < x->nt; k++)
			x->t[k].pseudo = true;
		soft(x, w, m[i].ns, m[i].ne);
	}
}

/* ولد الديرة، بنت الرياض، ابن مصر: "child of" a place or a thing, not
 * of a person; after a given name (محمد بن سلمان) it is a patronymic. */
static void frames(ps_ctx *x)
{
	for (uint32_t k = 0; k + 1 < x->nt; k++) {
		const ps_tok *o = &x->t[k + 1];
		if (!x->t[k].child || x->t[k + 1].pseudo || x->t[k].pseudo)
			continue;
		if (k > 0 && (x->t[k - 1].name || x->t[k - 1].kind == PS_WORD))
			continue;
		if (o->kind != PS_WORD)
			continue;
		if (next_is_thing(x, k))
			soft(x, 0.85f, x->t[k].s, o->e);
		else if (!has_al(x->tv->cp, o->s, o->e) && !o->name)
			soft(x, 0.7f, x->t[k].s, o->e);
	}
}

/* صقر الجارح، نسر الشرق، عاشق الليل، محب مصر: a bird of prey, a beast or a
 * lover with an object is a nickname whatever the object (the object words
 * are open-ended, so the frame has to carry the evidence). A head that is
 * also a given name (فارس، صقر، نمر) takes only an article word that is no
 * name and no family nisba: فارس الصامت is a nickname, فارس الخطيب and
 * صقر الشمري are people. After a given name it is a family name
 * (رائد نمر). */
static void head_frames(ps_ctx *x)
{
	const uint32_t *cp = x->tv->cp;

	for (uint32_t k = 0; k + 1 < x->nt; k++) {
		ps_tok *t = &x->t[k], *o = &x->t[k + 1];
		float w;
		if (!t->head || o->kind != PS_WORD || o->head)
			continue;
		if (k > 0 && (x->t[k - 1].name || x->t[k - 1].kind == PS_WORD))
			continue;
		if (t->head != W_BNAME)
			w = 0.85f;
		else if (has_al(cp, o->s, o->e) && !o->name && !is_nisba(cp, o->s, o->e))
			w = 0.6f;
		else
			continue;
		t->pseudo = o->pseudo = true;
		soft(x, w, t->s, o->e);
	}
}

/* Adjective patterns of the article word a nickname is made of, on its stem
 * (after ال): فاعل الصامت، فعيل الوحيد، أفعل الاسمر، فعلان الزعلان, and the
 * participles with م: المظلوم، المحتار، المتسائل. Family names of these
 * shapes are mostly given names with the article (الراشد، السعيد، الاحمد,
 * المنصور), which the name list excuses. */
static bool adjective_shape(const uint32_t *cp, uint32_t s, uint32_t e)
{
	uint32_t n = e - s;

	if (n == 4 && (cp[s + 1] == AR_ALEF || cp[s + 2] == 0x064A || cp[s] == AR_ALEF))
		return true;
	if (n == 5 && cp[s + 3] == AR_ALEF && cp[s + 4] == 0x0646)
		return true;
	return n >= 5 && cp[s] == 0x0645;
}

/* Signatures that hold no person: an opening function word or الله (من
 * الجزائر، كن قنوعا، الله يرحم الحال، بدون توقيع); one article adjective
 * (الحائر) or only article words (الجزائري الاصيل، العقيق اليماني), unless a
 * known name is among them (الشمري مشعل). */
/* Is folded range [s, e) one of the words of `list` (2 to 4 letters each,
 * NULL-terminated)? */
static bool short_word_in(const text_view *tv, uint32_t s, uint32_t e,
			  const char *const *list)
{
	if (e - s < 2 || e - s > 4)
		return false;
	for (size_t k = 0; list[k]; k++)
		if (text_range_eq(tv, s, e, list[k]))
			return true;
	return false;
}

static bool function_word(const text_view *tv, uint32_t s, uint32_t e)
{
	/* not the stopword list: it holds names too (خلف، علي، امام) */
	static const char *const fw[] = {"الي", "انا", "بدون", "بعد", "بلا", "ضد", "عن", "في",
					 "كن", "كيف", "لا", "لكن", "ليش", "ما", "مع", "من",
					 "نحن", "هل", "هو", "هي", "يا", NULL};
	return short_word_in(tv, s, e, fw);
}

/* The words of a sentence inside a signature (شاهد مو شايف، الفقر في
 * الوطن غربه، مواطن تحت خط الفقر، فارس بلا جواد، مسلم مش ارهابي، كفو يابو
 * فهد): a name holds no preposition, negation, pronoun or vocative after
 * its first word. Not من (a name and its town: سلطان من بريدة), not بن, not على,
 * which folds to علي (محمد على is Mohamed Ali), and not وفي or ولا, which
 * are the names Wafi and Walaa (وفى، ولاء written without hamza). */
static bool inner_function_word(const text_view *tv, uint32_t s, uint32_t e)
{
	static const char *const fw[] = {"الي", "انا", "بدون", "بكل", "بلا", "تحت", "ضد", "عن",
					 "في", "كيف", "لا", "لكن", "ليش", "ما", "مش", "مع",
					 "مو", "نحن", "هل", "هو", "هي", "ومش", "ومع", "يا",
					 "يابو", NULL};
	return short_word_in(tv, s, e, fw);
}

/* على as written (with ى), between two words and not after a name or a
 * title: دايم على نياتي، الحمدلله على نعمه. After a name it is the name
 * Ali in Egyptian spelling (محمد على حسن). */
static bool inner_ala(const ps_ctx *x, uint32_t k)
{
	const text_view *tv = x->tv;
	const ps_tok *t = &x->t[k], *p = &x->t[k - 1];

	return k + 1 < x->nt && text_range_eq(tv, t->s, t->e, "علي") &&
	       tv->orig[tv->oend[t->e - 1] - 1] == AR_ALEF_MAQSURA && !p->name && p->kind == PS_WORD &&
	       !p->pseudo;
}

static void sentence(ps_ctx *x)
{
	for (uint32_t k = 1; k < x->nt; k++) {
		const ps_tok *t = &x->t[k];
		if (t->kind == PS_WORD &&
		    (inner_function_word(x->tv, t->s, t->e) || inner_ala(x, k))) {
			/* evidence found before keeps its own, narrower spans
			 * (مبتعث in مبتعث في كندا) */
			if (x->nspan)
				x->keep *= 1.0f - 0.6f;
			else
				hard(x, 0.6f, x->t[0].s, x->t[x->nt - 1].e);
			return;
		}
	}
}

static void no_person(ps_ctx *x)
{
	const uint32_t *cp = x->tv->cp;
	const ps_tok *f = &x->t[0];
	uint32_t al = 0, adj = 0, k0 = 0;

	if (x->nt > 1 && (text_range_eq(x->tv, f->s, f->e, "الله") ||
				function_word(x->tv, f->s, f->e))) {
		hard(x, 0.7f, f->s, x->t[x->nt - 1].e);
		return;
	}
	for (uint32_t k = 0; k < x->nt; k++) {
		const ps_tok *t = &x->t[k];
		if (t->name || t->kind == PS_KUNYA || t->kind == PS_TITLE || t->pseudo)
			return;
		/* الياس، الهام، المظ: a short stem after ال is a name */
		if (t->kind == PS_WORD && has_al(cp, t->s, t->e) && t->e - t->s >= 6) {
			al++;
			adj += !is_nisba(cp, t->s, t->e);
		}
	}
	while (k0 < x->nt && x->t[k0].kind != PS_WORD)
		k0++;
	if (k0 >= x->nt)
		return;
	f = &x->t[k0];
	if (x->nt == 1 && has_al(cp, f->s, f->e) && !is_nisba(cp, f->s, f->e) &&
	    adjective_shape(cp, f->s + 2, f->e))
		hard(x, 0.6f, f->s, f->e);
	else if (x->nt >= 2 && al == x->nt && adj > 0)
		hard(x, 0.55f, f->s, x->t[x->nt - 1].e);
}

/* The kunya, separate (أبو أحمد) or joined (ابوفهد). */
static void kunya(ps_ctx *x)
{
	static const uint32_t abu[] = {AR_ALEF, 0x0628, 0x0648};
	const uint32_t *cp = x->tv->cp;

	for (uint32_t k = 0; k < x->nt; k++) {
		ps_tok *t = &x->t[k];
		bool joined = false, thing = false;
		uint32_t end = t->e, others = 0;

		if (t->kind != PS_KUNYA && !t->name && t->e - t->s > 4 &&
		    !memcmp(cp + t->s, abu, sizeof abu) &&
		    (known_name(x->names, cp, t->s + 3, t->e) || has_al(cp, t->s + 3, t->e))) {
			joined = true;
			t->kind = PS_KUNYA;
			t->kunya_real = known_name(x->names, cp, t->s + 3, t->e);
			thing = !t->kunya_real && !is_nisba(cp, t->s + 3, t->e);
		}
		if (t->kind != PS_KUNYA)
			continue;
		if (!joined && k + 1 < x->nt) {
			ps_tok *o = &x->t[k + 1];
			o->kunya_obj = true;
			t->kunya_real = o->name;
			thing = next_is_thing(x, k);
			end = o->e;
		}
		for (uint32_t j = 0; j < x->nt; j++)
			if (j != k && !x->t[j].kunya_obj && x->t[j].kind == PS_WORD)
				others++;
		if (!joined && k + 1 >= x->nt)
			soft(x, 0.6f, t->s, t->e);   /* "ابو" and nothing else */
		else if (thing)
			soft(x, 0.45f, t->s, end);
		else if (others == 0)
			hard(x, 0.35f, t->s, end);
		return;                          /* one kunya per name */
	}
}

/* Does the signature open with a person (a given name, a title, a kunya
 * with a named son)? Real names do; "رائد الأهلاوي" is Raed who supports
 * a club, "مواطن مصري أصيل" opens with no person at all, whatever the
 * noisy name list says about أصيل. */
static bool has_real_name(const ps_ctx *x)
{
	for (uint32_t k = 0; k < x->nt; k++) {
		const ps_tok *t = &x->t[k];
		if (t->kind == PS_TITLE)
			continue;
		return !t->pseudo && (t->name || t->kunya_real);
	}
	return false;
}

static int range_cmp(const void *a, const void *b)
{
	const ps_range *p = a, *q = b;
	return p->s < q->s ? -1 : p->s > q->s ? 1 : (p->e < q->e ? -1 : p->e > q->e);
}

static void emit(ps_ctx *x, rule_out *out, float score)
{
	raqib_finding *f;

	if (score < PS_MIN_SCORE)
		return;
	f = rule_finding(out, RAQIB_RULE_PSEUDONYM, RAQIB_FIELD_NAME, score);
	if (!f)
		return;
	qsort(x->span, x->nspan, sizeof x->span[0], range_cmp);
	for (uint32_t k = 0; k < x->nspan; k++)
		rule_add_span(f, x->tv, x->span[k].s, x->span[k].e);
}

/* Widens folded range [*s, *e) to the tokens it touches. */
static void widen(const ps_ctx *x, uint32_t *s, uint32_t *e)
{
	for (uint32_t k = 0; k < x->nt; k++) {
		if (x->t[k].e <= *s || x->t[k].s >= *e)
			continue;
		if (x->t[k].s < *s)
			*s = x->t[k].s;
		if (x->t[k].e > *e)
			*e = x->t[k].e;
	}
}

/* The first word after any title is a name the list knows, a head that is
 * a given name too (صقر، فارس: W_BNAME) or a kunya of a name (أمير، صقر
 * الشمري، أبو خالد), pseudonym-lexicon word or not: the heuristics judge
 * those words and their frames, the model the unknown rest. */
static bool opens_with_name(const ps_ctx *x)
{
	for (uint32_t k = 0; k < x->nt; k++) {
		const ps_tok *t = &x->t[k];
		if (t->kind == PS_TITLE)
			continue;
		return t->name || t->kunya_real || t->head == W_BNAME;
	}
	return false;
}

#define PS_MODEL_K 4
/* A signature that opens with a name (opens_with_name()) is a person
 * unless its shape says otherwise: the model's doubt about the rest (an
 * unknown family name) counts for this share only. */
#define PS_MODEL_KNOWN 0.4f

/* ---- the memo (rule.h) ------------------------------------------------ */

/* 4,096 direct-mapped entries of 136 bytes (544 KiB per caller, allocated
 * on the first signed comment): a site's few thousand regular signatures
 * mostly stay in. A name longer than PS_MEMO_NAME bytes is not kept. Each
 * holds the model's answer and, once the rule has judged the name, the
 * rule's whole answer (score and spans), so a regular signature costs
 * neither the model nor the heuristics. */
#define PS_MEMO_SLOTS 4096u
#define PS_MEMO_NAME 62u
#define PS_MEMO_UNEXPLAINED 0xFF
#define PS_MEMO_SPANS 4u
#define PS_MEMO_NO_ANSWER 0xFF

typedef struct ps_memo_entry {
	uint64_t engine;      /* rule_env.engine_id; 0: empty */
	float p;              /* model_prob() of the name */
	uint8_t len;          /* bytes of name[] */
	uint8_t nc;           /* entries of c[]; PS_MEMO_UNEXPLAINED: not asked yet */
	char name[PS_MEMO_NAME];
	struct {
		float contrib;
		uint16_t start, end; /* folded cp range */
	} c[PS_MODEL_K];
	float score;          /* the rule's score (emit()) */
	uint8_t nspan;        /* entries of span[]; PS_MEMO_NO_ANSWER: not kept */
	struct {
		uint16_t s, e;       /* folded cp range, in emit() order */
	} span[PS_MEMO_SPANS];
} ps_memo_entry;

struct ps_memo {
	ps_memo_entry e[PS_MEMO_SLOTS];
};

ps_memo *ps_memo_new(void)
{
	return calloc(1, sizeof(ps_memo));
}

void ps_memo_free(ps_memo *m)
{
	free(m);
}

/* The entry this comment's name maps to (whatever it holds now); NULL
 * when the name cannot be kept. */
static ps_memo_entry *memo_entry(const rule_input *in)
{
	const char *name;
	size_t len;
	uint64_t h = 1469598103934665603ull;

	if (!in->name_memo || !in->c || !in->env || !in->env->engine_id || !in->c->name)
		return NULL;
	name = in->c->name;
	len = in->c->name_len;
	/* even NFKC's longest expansion (U+FDFA: 18 code points) keeps the
	 * folded ranges of PS_MEMO_NAME bytes within uint16_t */
	if (len == 0 || len > PS_MEMO_NAME)
		return NULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211ull;
	return &in->name_memo->e[(h ^ h >> 32) & (PS_MEMO_SLOTS - 1)];
}

/* Does entry e (memo_entry()) hold this name's answers for this engine? */
static bool memo_holds(const ps_memo_entry *e, const rule_input *in)
{
	return e && e->engine == in->env->engine_id && e->len == in->c->name_len &&
	       !memcmp(e->name, in->c->name, e->len);
}

/*
 * The name model (models/pseudonym.md): a logistic regression over
 * character 1-5-grams of the signature, trained on real names against
 * generated pseudonyms. It carries the evidence the frames and lists
 * cannot, for object words no list holds (عاشق الغربة, nightwizard). Its
 * probability maps to a score that is 0.5 at the model's threshold (as
 * rule_model_apply() does for the text models); the rule takes the higher
 * of that and the heuristic score `h`. Returns the score to emit.
 * The probability and the explanation come from the memo when it holds
 * the name (the same numbers: they depend on the name and engine only).
 */
static float name_model(ps_ctx *x, const rule_input *in, ps_memo_entry *e, float h)
{
	const rule_env *env = in->env;
	model_contrib c[PS_MODEL_K];
	raqib_err err;
	feat_vec fv;
	bool have_fv = false;
	double p, t;
	float s, top = 0.0f;
	size_t n;

	if (!env || !env->name_model || !in->arena || !x->nt)
		return h;
	if (memo_holds(e, in)) {
		p = e->p;
	} else {
		if (feat_extract(model_spec(env->name_model), x->tv, in->arena, &fv, &err))
			return h;
		have_fv = true;
		/* rounded to float with or without a memo: the memo keeps a float */
		p = (float)model_prob(env->name_model, &fv);
		if (e) {
			e->engine = env->engine_id;
			e->len = (uint8_t)in->c->name_len;
			memcpy(e->name, in->c->name, e->len);
			e->p = (float)p;
			e->nc = PS_MEMO_UNEXPLAINED;
			e->nspan = PS_MEMO_NO_ANSWER;
		}
	}
	/* kept inside (0, 1): the mapping divides by t and by 1 - t */
	t = env->name_model_thr < 1e-4f ? 1e-4 : env->name_model_thr > 0.9999f ? 0.9999 :
									       env->name_model_thr;
	s = (float)(p < t ? 0.5 * p / t : 0.5 + 0.5 * (p - t) / (1.0 - t));
	if (opens_with_name(x))
		s *= PS_MODEL_KNOWN;
	if (s <= h)
		return h;
	/* the heuristics' spans already say why */
	if (h >= (env->cfg ? env->cfg->rules[RAQIB_RULE_PSEUDONYM].threshold : 0.5f))
		return s;
	/* the words holding the n-grams that pushed the model most (a quarter
	 * of the strongest n-gram's push at least, as for the text models;
	 * dense signals have no place in the name) */
	if (e && e->nc != PS_MEMO_UNEXPLAINED) {
		n = e->nc;
		for (size_t k = 0; k < n; k++)
			c[k] = (model_contrib){0, e->c[k].contrib, e->c[k].start, e->c[k].end};
	} else {
		if (!have_fv &&
		    feat_extract(model_spec(env->name_model), x->tv, in->arena, &fv, &err))
			return s;
		n = model_explain(env->name_model, &fv, c, PS_MODEL_K);
		if (e) {
			e->nc = (uint8_t)n;
			for (size_t k = 0; k < n; k++) {
				e->c[k].contrib = c[k].contrib;
				e->c[k].start = (uint16_t)c[k].start;
				e->c[k].end = (uint16_t)c[k].end;
			}
		}
	}
	for (size_t k = 0; k < n; k++) {
		uint32_t a = c[k].start, b = c[k].end;
		if (b <= a)
			continue;
		if (top == 0.0f)
			top = c[k].contrib;
		else if (c[k].contrib < 0.25f * top)
			break;
		widen(x, &a, &b);
		add_span(x, a, b);
	}
	return s;
}

/* The rule's answer from the name's memo entry e: true when it has one. */
static bool memo_answer(const ps_memo_entry *e, const rule_input *in, rule_out *out)
{
	raqib_finding *f;

	if (!memo_holds(e, in) || e->nspan == PS_MEMO_NO_ANSWER)
		return false;
	if (e->score < PS_MIN_SCORE)
		return true; /* as emit(): nothing to say */
	f = rule_finding(out, RAQIB_RULE_PSEUDONYM, RAQIB_FIELD_NAME, e->score);
	for (uint32_t k = 0; f && k < e->nspan; k++)
		rule_add_span(f, in->name, e->span[k].s, e->span[k].e);
	return true;
}

/* Keeps the answer just emitted (spans sorted by emit()) in the name's
 * memo entry e, once name_model() has claimed it for this name. */
static void memo_keep(ps_memo_entry *e, const rule_input *in, const ps_ctx *x, float score)
{
	if (!memo_holds(e, in) || x->nspan > PS_MEMO_SPANS)
		return;
	e->score = score;
	for (uint32_t k = 0; k < x->nspan; k++) {
		e->span[k].s = (uint16_t)x->span[k].s;
		e->span[k].e = (uint16_t)x->span[k].e;
	}
	e->nspan = (uint8_t)x->nspan;
}

void rule_pseudonym(const rule_input *in, rule_out *out)
{
	ps_memo_entry *memo;
	ps_ctx x;
	float s;

	memset(&x, 0, sizeof x);
	x.tv = in->name;
	x.names = in->env ? in->env->lex[LEX_NAMES] : NULL;
	x.keep = 1.0f;
	x.soft_keep = 1.0f;
	if (!x.tv || x.tv->stats.letters + x.tv->stats.digits == 0) {
		/* nothing at all, or only spaces/punctuation/emoji */
		if (x.tv && x.tv->n)
			add_span(&x, 0, x.tv->n);
		emit(&x, out, 0.9f);
		return;
	}
	memo = memo_entry(in);
	if (memo_answer(memo, in, out))
		return;
	x.nt = x.tv->ntok < PS_MAX_TOK ? x.tv->ntok : PS_MAX_TOK;
	for (uint32_t k = 0; k < x.nt; k++) {
		x.t[k].s = x.tv->tok[k].start;
		x.t[k].e = x.tv->tok[k].end;
	}
	classify(&x);
	shapes(&x);
	token_shapes(&x);
	lex_words(&x, in);
	frames(&x);
	head_frames(&x);
	kunya(&x);
	no_person(&x);
	sentence(&x);
	s = 1.0f - x.soft_keep;
	if (s > 0.0f && has_real_name(&x))
		s *= 0.6f;
	s = 1.0f - x.keep * (1.0f - s);
	s = name_model(&x, in, memo, s);
	emit(&x, out, s);
	memo_keep(memo, in, &x, s);
}
