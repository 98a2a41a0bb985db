/*
 * foreign.c — the comment is written in a language other than Arabic.
 *
 * Every word token gets a foreign weight and a count weight; the score is
 * the foreign share of the words, ramped (under 30% foreign is an Arabic
 * comment quoting a few foreign words, over 60% is a foreign comment) and
 * damped when only one or two words decide it. Signals:
 *   - Latin words: English, French, and Arabizi (Arabic in Latin letters,
 *     which the policy counts as foreign too: readers cannot search it and
 *     editors cannot read it as Arabic). In a mostly Arabic comment a
 *     capitalised word or acronym is taken for a name or brand (NATO,
 *     Facebook) and counts a third — unless it is Arabizi (digits for
 *     letters, a common Arabizi word, or a transliteration found in the
 *     Arabic word lists), which is never a name;
 *   - letters of other scripts (Cyrillic, Hebrew, CJK, Devanagari, ...);
 *   - Arabic-script text in Persian, Urdu, Kurdish, Pashto, Uyghur, Malay:
 *     letters Arabic never writes, checked on the ORIGINAL code points since
 *     folding turns ی/ک into ي/ك, and Persian/Urdu function words. ی ک چ گ
 *     are only weak evidence: Iraqi and Gulf writers use گ and چ, and some
 *     keyboards type ی and ک for Arabic. When the evidence is strong enough
 *     the whole Arabic-script part is taken for that language, since most
 *     Persian words look like Arabic letter by letter.
 * Spans: runs of foreign words (a name counted a third is not a span).
 */
#include "rule.h"

#include <stdlib.h>
#include <string.h>

#define FOREIGN_MAX_TRANSLIT 48
/* Below this foreign share of the words (names a third), a comment that
 * mixes Arabic script with Latin words is Arabic quoting a name or title:
 * the model is not asked (measured: 0.25 holds no more Arabic negatives
 * than the word lists, 0.15 holds "الموعد : MBC 3 9 : 30", 0.34 loses
 * Arabizi recall). */
#define FOREIGN_MODEL_MIN_SHARE 0.25f

typedef struct tok_class {
	float foreign;   /* 0..1 */
	float count;     /* 0 for tokens that say nothing (digits) */
} tok_class;

/* Arabizi words frequent enough to list; checked on the folded token.
 * Kept in strcmp order (LC_ALL=C sort): looked up with bsearch. */
static const char *const arabizi_words[] = {
	"3andek", "3andi", "3la", "3lik", "ahla", "ahna", "allah", "ana",
	"barcha", "bark", "barka", "barsha", "bas", "bass", "bel", "bezaf",
	"bezzaf", "brabi", "bzaf", "chkoun", "chnia", "chnoua", "chnowa",
	"chokran", "chou", "chouia", "choukran", "chwaya", "da", "dah",
	"dima", "e7na", "el", "enta", "enti", "ezay", "fama", "famma", "fel",
	"fi", "ghir", "habibi", "habibti", "hada", "hadi", "hamdoulah",
	"hamdoullah", "hamdullah", "hiya", "houma", "howa", "huwa", "i7na",
	"il", "inchallah", "inshallah", "inta", "inti", "izay", "kda", "keda",
	"khalas", "kifach", "kifak", "kifech", "kifek", "kifik", "kima",
	"kteer", "kter", "ktir", "la", "labas", "lech", "leh", "lel", "lesh",
	"m3ak", "ma", "ma3a", "ma3ak", "ma3lesh", "ma3lich", "mabrook",
	"mabrouk", "machallah", "mashallah", "mch", "mech", "mesh", "mezyan",
	"mish", "mlih", "mouch", "msh", "mzyan", "nchallah", "nta", "nti",
	"ou", "rabbi", "rabi", "saha", "sahbi", "sahha", "shou", "shu",
	"shukran", "tawa", "w", "wach", "walah", "wallah", "wallahi", "walo",
	"walou", "wech", "wel", "wesh", "wlh", "ya", "ya3ni", "yaani",
	"yalla", "yallah", "yaser", "yekhi", "yesser", "zeda",
};

/* Arabic-script letters Arabic itself tolerates: Quranic alef wasla and
 * dotless letters, the Maghrebi ڨ, and the weak ones handled separately. */
static bool tolerated(uint32_t c)
{
	return c == 0x0671 || c == 0x06A8 || c == 0x066E || c == 0x066F;
}

/* Letters some Arabic writers use too: ک ی from Persian keyboards, چ گ in
 * Iraqi and Gulf words, ڤ for v in loanwords (and for p in Malay). */
static float weak_letter(uint32_t c)
{
	switch (c) {
	case 0x06A9: case 0x06CC: case 0x06A4: return 0.5f; /* ک ی ڤ */
	case 0x0686: case 0x06AF: return 0.25f;             /* چ گ */
	default: return 0.0f;
	}
}

/* A letter of an Arabic-script language other than Arabic. Presentation
 * forms are left out: old Arabic encodings produce them for plain Arabic. */
static bool strong_letter(uint32_t c)
{
	if (c >= 0xFB50 || (c >= 0x0621 && c <= 0x064A) || tolerated(c) ||
	    weak_letter(c) > 0.0f)
		return false;
	return text_is_arabic_letter(c);
}

static bool is_upper(uint32_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
}

/* Persian/Urdu/Pashto function words, spelled with their own letters, on
 * original code points: the weight of the word cp[0..n), 0 for none.
 * Arabic has no standalone از or با, but a typo can make one, so they count
 * less; که را است are unambiguous. Asked of every Arabic-script token, so
 * the word is packed into a key (length, then the low byte of each letter
 * of the Arabic block) and the compiler makes the search of the switch. */
#define FN2(a, b) (2ull << 16 | (a) << 8 | (b))
#define FN3(a, b, c) (3ull << 24 | (a) << 16 | (b) << 8 | (c))
#define FN4(a, b, c, d) (4ull << 32 | (uint64_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static float fn_word(const uint32_t *cp, uint32_t n)
{
	uint64_t key = n;

	if (n < 2 || n > 4)
		return 0.0f;
	for (uint32_t i = 0; i < n; i++) {
		if (cp[i] < 0x0600 || cp[i] > 0x06FF)
			return 0.0f;
		key = key << 8 | (cp[i] - 0x0600);
	}
	switch (key) {
	case FN2(0xA9, 0x47):             /* که */
	case FN2(0x31, 0x27):             /* را */
	case FN3(0x27, 0x33, 0x2A):       /* است */
	case FN3(0x27, 0xCC, 0x46):       /* این */
	case FN2(0x45, 0xCC):             /* می */
	case FN3(0x47, 0x27, 0xCC):       /* های */
	case FN4(0x28, 0x31, 0x27, 0xCC): /* برای */
	case FN2(0xCC, 0xA9):             /* یک */
	case FN3(0x34, 0x48, 0x2F):       /* شود */
	case FN2(0xC1, 0xD2):             /* ہے */
	case FN2(0xA9, 0xD2):             /* کے */
	case FN2(0xA9, 0xCC):             /* کی */
	case FN3(0x45, 0xCC, 0xBA):       /* میں */
	case FN3(0x27, 0x48, 0x31):       /* اور */
	case FN2(0x33, 0xD2):             /* سے */
	case FN2(0xA9, 0x48):             /* کو */
	case FN3(0xC1, 0xCC, 0xBA):       /* ہیں */
	case FN2(0x86, 0xD0):             /* چې */
	case FN2(0x7E, 0x47):             /* په */
		return 1.0f;
	case FN2(0x47, 0x31):             /* هر */
	case FN2(0x27, 0x32):             /* از */
	case FN2(0x28, 0x27):             /* با */
	case FN2(0x2A, 0x47):             /* ته */
		return 0.5f;
	default:
		return 0.0f;
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_listed_arabizi(const text_view *tv, const text_token *t)
{
	/* every listed word is short ASCII: copy the token out and bsearch */
	char buf[16];
	const char *key = buf;
	uint32_t n = t->end - t->start;

	if (n >= sizeof buf)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = tv->cp[t->start + i];
		if (c == 0 || c >= 0x80)
			return false;
		buf[i] = (char)c;
	}
	buf[n] = '\0';
	return bsearch(&key, arabizi_words, sizeof arabizi_words / sizeof arabizi_words[0],
		       sizeof arabizi_words[0], str_cmp) != NULL;
}

/* Digits used as letters: 3 in "3la", 7 in "sa7bi" (not "mp3", "covid19":
 * the digit must have a letter after it, or two letters before it and be
 * one of the common 3/7/9). */
static bool has_letter_digits(const text_view *tv, const text_token *t)
{
	for (uint32_t i = t->start; i < t->end; i++) {
		uint32_t c = tv->cp[i];
		bool after, before;
		if (!(c == '2' || c == '3' || c == '5' || c == '6' || c == '7' ||
		      c == '8' || c == '9'))
			continue;
		after = i + 1 < t->end && text_is_latin_letter(tv->cp[i + 1]);
		before = i >= t->start + 2 && text_is_latin_letter(tv->cp[i - 1]) &&
			 text_is_latin_letter(tv->cp[i - 2]);
		if (after || (before && (c == '3' || c == '7' || c == '9')))
			return true;
	}
	return false;
}

static bool known_arabic(const rule_input *in, const uint32_t *w, size_t n)
{
	const lexicon *sw = in->env ? in->env->lex[LEX_STOPWORDS] : NULL;
	const lexicon *dl = in->env ? in->env->lex[LEX_DIALECT] : NULL;

	return n >= 2 && ((sw && lexicon_has_word(sw, w, n)) ||
			  (dl && lexicon_has_word(dl, w, n)));
}

/* Does the transliteration of the token (or a spelling of its last letter:
 * final a is written ا, ى or ة) name an Arabic word we know? */
static bool translit_known(const rule_input *in, const text_token *t)
{
	uint32_t w[FOREIGN_MAX_TRANSLIT];
	size_t n;

	if (t->end - t->start < 3 || t->end - t->start > FOREIGN_MAX_TRANSLIT)
		return false;
	n = text_arabizi(in->text->cp + t->start, t->end - t->start, w,
			 FOREIGN_MAX_TRANSLIT);
	if (known_arabic(in, w, n))
		return true;
	if (n < 3 || w[n - 1] != 0x0627)
		return false;
	if (known_arabic(in, w, n - 1))
		return true;
	w[n - 1] = 0x064A; /* ي: ى is folded to it */
	if (known_arabic(in, w, n))
		return true;
	w[n - 1] = 0x0647; /* ه: ة is folded to it */
	return known_arabic(in, w, n);
}

static bool is_arabizi(const rule_input *in, const text_token *t)
{
	return has_letter_digits(in->text, t) || is_listed_arabizi(in->text, t) ||
	       translit_known(in, t);
}

static bool url_punct(uint32_t c)
{
	return c == '.' || c == '/' || c == '@' || c == ':' || c == '_';
}

/* Part of a URL, domain or e-mail address (taghyeer.net, www, http): the
 * spam rule's business, not a language. */
static bool url_part(const text_view *tv, const text_token *t)
{
	uint32_t s = t->start, e = t->end;

	if (text_range_eq(tv, s, e, "http") || text_range_eq(tv, s, e, "https") ||
	    text_range_eq(tv, s, e, "www"))
		return true;
	if (s >= 2 && url_punct(tv->cp[s - 1]) && tv->cp[s - 2] != ' ')
		return true;
	return e + 1 < tv->n && url_punct(tv->cp[e]) && tv->cp[e + 1] != ' ' &&
	       tv->cp[e + 1] != '.';
}

/* Capitalised or all-caps in the original: a name, brand or acronym. */
static bool name_like(const text_view *tv, const text_token *t)
{
	uint32_t os = tv->ostart[t->start], oe = tv->oend[t->end - 1];
	return os < oe && is_upper(tv->orig[os]);
}

/* Persian-language evidence of one Arabic-script token (orig code points):
 * 1 for a letter Arabic never writes or a function word, less for the weak
 * letters. *strong tells whether it alone makes the word foreign. */
static float persian_evidence(const text_view *tv, const text_token *t, bool *strong)
{
	uint32_t os = tv->ostart[t->start], oe = tv->oend[t->end - 1];
	float weak = 0.0f, fw;

	/* marks dropped by folding may sit just past the token's last letter */
	while (oe < tv->norig && tv->orig[oe] >= 0x064B && tv->orig[oe] <= 0x065F)
		oe++;
	*strong = false;
	for (uint32_t i = os; i < oe; i++) {
		/* the common case: a letter of the Arabic alphabet proper, or
		 * anything below it, which is neither strong, weak nor ezafe */
		if (tv->orig[i] < 0x0654 && tv->orig[i] != 0x0620)
			continue;
		/* Persian ezafe: hamza above a final heh (مادهٔ), never Arabic */
		if (strong_letter(tv->orig[i]) ||
		    (tv->orig[i] == 0x0654 && i > os && tv->orig[i - 1] == 0x0647)) {
			*strong = true;
			return 1.0f;
		}
		if (weak_letter(tv->orig[i]) > weak)
			weak = weak_letter(tv->orig[i]);
	}
	fw = fn_word(tv->orig + os, oe - os);
	if (fw > 0.0f) {
		*strong = fw >= 1.0f;
		return fw > weak ? fw : weak;
	}
	return weak;
}

/* Maps the foreign share and the number of foreign words to 0..1. */
static float foreign_score(float share, float nforeign)
{
	float s = (share - 0.3f) / 0.3f, conf;

	if (s <= 0.0f)
		return 0.0f;
	if (s > 1.0f)
		s = 1.0f;
	conf = nforeign >= 3.0f ? 1.0f : 0.55f + 0.15f * nforeign;
	return s * conf;
}

static void add_runs(raqib_finding *f, const text_view *tv, const tok_class *cl)
{
	uint32_t i, run = UINT32_MAX, last = 0;

	for (i = 0; i < tv->ntok; i++) {
		if (cl[i].count == 0.0f)
			continue;
		if (cl[i].foreign >= 0.5f) {
			if (run == UINT32_MAX)
				run = i;
			last = i;
			continue;
		}
		if (run != UINT32_MAX)
			rule_add_span(f, tv, tv->tok[run].start, tv->tok[last].end);
		run = UINT32_MAX;
	}
	if (run != UINT32_MAX)
		rule_add_span(f, tv, tv->tok[run].start, tv->tok[last].end);
}

/* What the word lists saw, for the gate on the model (rule_foreign). */
typedef struct word_stats {
	uint32_t nother;   /* words not in Arabic script, URL parts too */
	float evidence;    /* of Persian, Urdu, ... (persian_evidence) */
	float share;       /* the foreign share of the words */
} word_stats;

static void foreign_words(const rule_input *in, rule_out *out, word_stats *ws)
{
	const text_view *tv = in->text;
	tok_class *cl;
	float evidence = 0.0f, fsum = 0.0f, csum = 0.0f, score;
	uint32_t i, narabic = 0, nlatin = 0;
	bool persian_text;
	raqib_finding *f;

	if (!tv || tv->ntok == 0)
		return;
	cl = raqib_arena_calloc(in->arena, tv->ntok, sizeof *cl);
	if (!cl)
		return;
	for (i = 0; i < tv->ntok; i++) {
		uint32_t fl = tv->tok[i].flags;
		if (fl & TEXT_TOK_ARABIC)
			narabic++;
		else if (fl & TEXT_TOK_LATIN)
			nlatin++;
	}
	for (i = 0; i < tv->ntok; i++) {
		const text_token *t = &tv->tok[i];
		bool strong;
		if (t->flags & TEXT_TOK_ARABIC) {
			float e = persian_evidence(tv, t, &strong);
			evidence += e;
			cl[i].count = 1.0f;
			cl[i].foreign = strong ? 1.0f : 0.0f;
		} else if (t->flags & TEXT_TOK_OTHER) {
			cl[i].count = 1.0f;
			cl[i].foreign = 1.0f;
		} else if ((t->flags & TEXT_TOK_LATIN) && !url_part(tv, t)) {
			cl[i].count = 1.0f;
			cl[i].foreign = 1.0f;
			if (narabic >= nlatin && name_like(tv, t) && !is_arabizi(in, t))
				cl[i].foreign = 1.0f / 3.0f;
		}
	}
	/* Persian words mostly look Arabic letter by letter: with enough
	 * evidence, the whole Arabic-script part is in that language. */
	persian_text = evidence >= 1.5f && evidence >= 0.2f * (float)narabic;
	ws->evidence = evidence;
	for (i = 0; i < tv->ntok; i++) {
		if (persian_text && (tv->tok[i].flags & TEXT_TOK_ARABIC))
			cl[i].foreign = 1.0f;
		fsum += cl[i].foreign;
		csum += cl[i].count;
		/* URL parts too: they are not counted, but the model reads them */
		if (tv->tok[i].flags & (TEXT_TOK_LATIN | TEXT_TOK_OTHER))
			ws->nother++;
	}
	if (csum == 0.0f)
		return;
	ws->share = fsum / csum;
	score = foreign_score(fsum / csum, fsum);
	if (score <= 0.0f)
		return;
	f = rule_finding(out, RAQIB_RULE_FOREIGN, RAQIB_FIELD_TEXT, score);
	add_runs(f, tv, cl);
}

/* The model may speak unless Arabic-script words quote a few Latin ones
 * with no trace of Persian, Urdu, ...: "صحيفة The Guardian" is Arabic, and
 * the model's character n-grams would hold it for the quoted words alone.
 * Text all in Arabic script stays the model's to judge: short Persian or
 * Pashto lines ("ماده سوم:") have no letter Arabic lacks. */
static bool model_may_hold(const word_stats *ws)
{
	if (ws->evidence > 0.0f || ws->nother == 0)
		return true;
	return ws->share >= FOREIGN_MODEL_MIN_SHARE;
}

/* The word lists first, then the trained model if the config loads one
 * (rule_model_apply in rule.h: the higher score wins). */
void rule_foreign(const rule_input *in, rule_out *out)
{
	word_stats ws = {0, 0.0f, 0.0f};

	foreign_words(in, out, &ws);
	if (model_may_hold(&ws))
		rule_model_apply(in, out, RAQIB_RULE_FOREIGN);
}
