/*
 * phone.c — the `phone` rule: phone numbers in a comment or author name.
 *
 * The seed page asks readers not to post phone numbers because the comments
 * are indexed by search engines. The editors shorten such comments: the
 * engine replaces every span this rule reports with the configured marker,
 * so a span must cover exactly one number as written (from its first digit,
 * or the '+' / area-code '(' in front of it, to its last digit).
 *
 * Matching runs on the folded view, where Arabic-Indic (٠-٩) and Persian
 * (۰-۹) digits are already ASCII, bidi and zero-width marks are gone and
 * NBSP is a space; text_span() maps a folded range back to the original, so
 * marks written inside a number are redacted with it.
 *
 * 1. Units: digit groups ("091", "2345678") and spelled digits (صفر، تسعة،
 *    اتنين، زيرو ...: data/lexicons/phone_words.txt, tag = the digit).
 * 2. Runs: units joined by what people type inside numbers (space, - . /
 *    ( ), dashes; spelled digits also by commas). A run may hold several
 *    numbers ("0912345678 0923456789"); it is cut into the best-scoring
 *    segments of at most 15 digits (E.164's maximum).
 * 3. Each segment is scored against a digest of libphonenumber's
 *    PhoneNumberMetadata.xml (resources/PhoneNumberMetadata.xml in
 *    github.com/google/libphonenumber, Apache-2.0, read at commit 2c7646f7):
 *    the country calling code,
 *    the national significant number lengths, whether the national prefix
 *    is 0, and the leading digits and length of mobile numbers. The table
 *    below is a simplification by hand, not generated; docs/phone.md lists
 *    it. A valid mobile number scores ~0.95, an unknown but well-formed
 *    international one 0.7, a bare 8-12 digit run with phone-like grouping
 *    0.55, weak evidence under 0.5.
 * 4. Context: a call word before (اتصل، هاتف، جوال، واتساب، رقمي، call ...)
 *    raises the score; a unit or currency word after it (دولار، ألف، شخص،
 *    كيلومتر، سنة، %) or a reference word right before it (قرار، المادة،
 *    ISBN، عام) vetoes it, as do dates, year pairs, decimals, round amounts
 *    and digits inside URLs or Latin identifiers.
 *
 * Deliberately not caught (see docs/phone.md): numbers with fewer than 7
 * digits, digits split by letters or emoji, tens spelled as words
 * (تسعة وتسعين), numbers hidden in arithmetic.
 */
#include "rule.h"

#include <string.h>

#define PH_MAX_DIGITS 15        /* E.164 */
#define PH_MIN_DIGITS 7         /* a local number with its context */
#define PH_MIN_REPORT 0.3f      /* weaker numbers are not reported at all */
#define PH_MAX_NUMS 64
#define PH_MAX_GAP 4            /* separator characters between two units */
#define PH_CTX_WORDS 4          /* words looked at before a number */
#define PH_CTX_SPAN 80          /* code points looked at before a number */

#define S_INTL_MOBILE 0.97f
#define S_NAT_MOBILE 0.95f
#define S_INTL_VALID 0.92f
#define S_CC_NO_PLUS 0.9f
#define S_NAT_LANDLINE 0.75f
#define S_INTL_OTHER 0.7f
#define S_SPELLED 0.75f
#define S_NO_TRUNK 0.6f
#define S_TRUNK_8 0.6f
#define S_GROUPED 0.55f
#define S_BARE_MOBILE 0.55f
#define S_INTL_00 0.55f
#define S_CONTIGUOUS 0.45f
#define S_WEAK 0.35f

/*
 * Digest of PhoneNumberMetadata.xml. nat_*: national significant number
 * lengths (generalDesc / possibleLengths, local-only lengths left out);
 * trunk0: nationalPrefix="0"; mob: leading digits of <mobile>
 * nationalNumberPattern, alternatives separated by '|', [a-b] classes;
 * mob_*: its possibleLengths.
 */
typedef struct ph_country {
	const char *cc;
	const char *iso;
	uint8_t nat_min, nat_max;
	uint8_t trunk0;
	uint8_t mob_min, mob_max;
	const char *mob;
	uint8_t bare;   /* BARE_*: how plausible the number is with no prefix */
} ph_country;

/* Without 0 or +, a national number is how Tunisians or Kuwaitis write
 * theirs (no trunk prefix); for the other Arab countries it is a mobile
 * number with its 0 dropped, weaker; elsewhere it is not considered. */
enum { BARE_NO, BARE_NATIVE, BARE_DROPPED_0 };

static const ph_country countries[] = {
	{"218", "LY", 8, 9, 1, 9, 9, "9[1-6]", BARE_DROPPED_0},
	{"20", "EG", 8, 10, 1, 10, 10, "1[0-25]", BARE_DROPPED_0},
	{"966", "SA", 9, 10, 1, 9, 9, "5", BARE_DROPPED_0},
	{"971", "AE", 8, 9, 1, 9, 9, "5[024-68]", BARE_DROPPED_0},
	{"962", "JO", 8, 9, 1, 9, 9, "7[789]", BARE_DROPPED_0},
	{"212", "MA", 9, 9, 1, 9, 9, "6|7[0-7]", BARE_DROPPED_0},
	{"213", "DZ", 8, 9, 1, 9, 9, "[5-7]", BARE_DROPPED_0},
	{"216", "TN", 8, 8, 0, 8, 8, "[2-59]", BARE_NATIVE},
	{"961", "LB", 7, 8, 1, 7, 8, "3|7[01689]|81", BARE_DROPPED_0},
	{"963", "SY", 8, 9, 1, 9, 9, "9", BARE_DROPPED_0},
	{"964", "IQ", 8, 10, 1, 10, 10, "7[3-9]", BARE_DROPPED_0},
	{"965", "KW", 7, 8, 0, 8, 8, "[569]", BARE_NATIVE},
	{"968", "OM", 7, 8, 0, 8, 8, "9|7[1289]", BARE_NATIVE},
	{"970", "PS", 8, 9, 1, 9, 9, "5[69]", BARE_DROPPED_0},
	{"973", "BH", 8, 8, 0, 8, 8, "3|6[36]", BARE_NATIVE},
	{"974", "QA", 7, 8, 0, 8, 8, "[3567]", BARE_NATIVE},
	{"967", "YE", 7, 9, 1, 9, 9, "7[01378]", BARE_DROPPED_0},
	{"249", "SD", 9, 9, 1, 9, 9, "1[0-2]|9", BARE_DROPPED_0},
	{"222", "MR", 8, 8, 0, 8, 8, "[2-4]", BARE_NATIVE},
	{"90", "TR", 10, 10, 1, 10, 10, "5", BARE_NO},
	{"49", "DE", 6, 13, 1, 10, 11, "1[5-7]", BARE_NO},
	{"33", "FR", 9, 9, 1, 9, 9, "[67]", BARE_NO},
	{"44", "GB", 9, 10, 1, 10, 10, "7", BARE_NO},
	{"31", "NL", 9, 9, 1, 9, 9, "6", BARE_NO},
	{"32", "BE", 8, 9, 1, 9, 9, "4[5-9]", BARE_NO},
	{"41", "CH", 9, 9, 1, 9, 9, "7[5-9]", BARE_NO},
	{"43", "AT", 7, 13, 1, 10, 13, "6[5-9]", BARE_NO},
	{"46", "SE", 7, 10, 1, 9, 9, "7", BARE_NO},
	{"39", "IT", 6, 11, 0, 9, 10, "3", BARE_NO},
	{"34", "ES", 9, 9, 0, 9, 9, "[67]", BARE_NO},
	{"1", "US", 10, 10, 0, 10, 10, "[2-9]", BARE_NO},
	{"7", "RU", 10, 10, 0, 10, 10, "9", BARE_NO},
	{"98", "IR", 10, 10, 1, 10, 10, "9", BARE_NO},
	{"92", "PK", 9, 10, 1, 10, 10, "3", BARE_NO},
	{"91", "IN", 10, 10, 1, 10, 10, "[6-9]", BARE_NO},
	{"86", "CN", 9, 11, 1, 11, 11, "1[3-9]", BARE_NO},
};
#define NCOUNTRIES (sizeof countries / sizeof countries[0])

/* ---- leading-digit patterns -------------------------------------------- */

/* Does `d` start with one alternative of `pat` ("6|7[0-7]")? */
static bool lead_match(const char *pat, const char *d, size_t nd)
{
	const char *p = pat;

	while (*p) {
		size_t i = 0;
		bool ok = true;
		while (*p && *p != '|') {
			if (*p == '[') {
				bool in = false;
				p++;
				while (*p && *p != ']') {
					char lo = *p, hi = *p;
					if (p[1] == '-' && p[2] && p[2] != ']') {
						hi = p[2];
						p += 2;
					}
					if (i < nd && d[i] >= lo && d[i] <= hi)
						in = true;
					p++;
				}
				if (*p == ']')
					p++;
				ok = ok && in;
			} else {
				ok = ok && i < nd && d[i] == *p;
				p++;
			}
			i++;
		}
		if (ok)
			return true;
		if (*p == '|')
			p++;
	}
	return false;
}

static bool is_mobile(const ph_country *c, const char *nat, size_t n)
{
	return n >= c->mob_min && n <= c->mob_max && lead_match(c->mob, nat, n);
}

static const ph_country *country_of(const char *d, size_t nd, size_t *cclen)
{
	for (size_t i = 0; i < NCOUNTRIES; i++) {
		size_t l = strlen(countries[i].cc);
		if (l < nd && !memcmp(d, countries[i].cc, l)) {
			*cclen = l;
			return &countries[i];
		}
	}
	return NULL;
}

/* ---- folded-text helpers ------------------------------------------------ */

static bool cp_is(const uint32_t *cp, size_t n, const char *lit, bool prefix)
{
	/* Called per word list entry: never measure the literal, stop at the
	 * first mismatch (a decode stops at the NUL, which continues no
	 * sequence). */
	const unsigned char *s = (const unsigned char *)lit;
	size_t i = 0;

	while (*s) {
		uint32_t c;
		size_t k;
		if (i >= n)
			return false;
		if (*s < 0x80) {
			c = *s;
			k = 1;
		} else {
			k = raqib_utf8_decode(s, 4, &c);
		}
		if (!k || cp[i] != c)
			return false;
		s += k;
		i++;
	}
	return prefix || i == n;
}

/* Lists are in folded spelling (ة->ه, أ/إ/آ->ا, ى->ي, ئ->ي); "=word" must
 * match the whole word, "stem" any word starting with it. */
static bool word_in(const char *const *list, const uint32_t *cp, size_t n)
{
	static const struct {
		const char *s;
		size_t n;     /* letters */
	} clitics[] = {
		{"وال", 3}, {"بال", 3}, {"فال", 3}, {"كال", 3}, {"لل", 2},
		{"ال", 2}, {"و", 1}, {"ف", 1}, {"ب", 1}, {"ل", 1},
	};
	size_t offs[1 + sizeof clitics / sizeof clitics[0]], no = 0;

	offs[no++] = 0;
	for (size_t k = 0; k < sizeof clitics / sizeof clitics[0]; k++) {
		size_t m = clitics[k].n;
		if (n >= m + 2 && cp_is(cp, n, clitics[k].s, true))
			offs[no++] = m;
	}
	for (const char *const *l = list; *l; l++) {
		bool exact = (*l)[0] == '=';
		const char *w = exact ? *l + 1 : *l;
		for (size_t k = 0; k < no; k++)
			if (cp_is(cp + offs[k], n - offs[k], w, !exact))
				return true;
	}
	return false;
}

static const char *const call_words[] = {
	"اتصل", "اتصال", "يتصل", "تتصل", "نتصل", "هاتف", "هواتف", "تلفون",
	"تليفون", "تلفن", "موبايل", "جوال", "واتس", "وتس", "رقمي", "رقمه",
	"رقمها", "رقمهم", "رقمنا", "رقمك", "نمرتي", "نمرته", "نمره", "كلمني",
	"كلموني", "كلمنا", "راسلني", "راسلوني", "راسلنا", "تواصل", "استفسار",
	"فايبر", "تلغرام", "تليجرام", "تليغرام", "فاكس", "نومرو", "نمرو",
	"نيمرو", "=ت", "=ج",
	"call", "phone", "mobile", "=mob", "=tel", "teleph", "whatsapp",
	"=whats", "=wa", "viber", "contact", "telegram", "=sms", "=fax",
	NULL,
};

static const char *const weak_call_words[] = {
	"=رقم", "=ارقام", "=number", "=num", "=no", "=nr", NULL,
};

/* Right before a number they make it a reference, a year or an ID. */
static const char *const ref_words[] = {
	"قرار", "=ماده", "=مواد", "قانون", "مرسوم", "isbn", "issn", "=صفحه", "=صفحات",
	"=عدد", "قضيه", "=ملف", "بطاقه", "هويه", "جواز", "حساب", "iban",
	"ايبان", "=سجل", "=بند", "=فقره", "=ايه", "=سوره", "=عام", "=سنه",
	"=سنتي", "موديل", "=طراز", "=كود", "=code", "=رمز", "=id", "=ref",
	"=طعن", "دعوي", "=حكم", "فاتوره", "=رخصه", "براءه", "=جلسه", "=بلاغ",
	"=تعميم", "=اصدار", "لايحه", "=منذ", "=مواليد", "=مليون", "=الف",
	NULL,
};

/* Right after a number they make it an amount, a count or a year. */
static const char *const unit_words[] = {
	"=الف", "=الاف", "=الفا", "مليون", "ملايين", "مليار", "=ترليون",
	"دولار", "دينار", "=دنانير", "=جنيه", "=جنيها", "=جنيهات", "=ريال",
	"=ريالا", "=ريالات", "=يورو", "=درهم", "=دراهم", "=ليره", "=ليرات",
	"=فرنك", "=شخص", "=اشخاص", "=شخصا", "=نسمه", "مواطن", "=لاجي",
	"=لاجيا", "=لاجيين", "=قتيل", "=قتيلا", "=قتلي", "=جريح", "=جرحي",
	"=جندي", "=جنود", "=مقاتل", "=مقاتلا", "=عنصر", "=عناصر", "=صوت",
	"=صوتا", "=اصوات", "=ناخب", "=نسخه", "=زائر", "كيلومتر", "=كيلو",
	"=كلم", "=كم", "=متر", "=مترا", "=امتار", "=ميل", "=اميال", "برميل",
	"=براميل", "=طن", "=اطنان", "=لتر", "=هكتار", "=دونم", "=درجه",
	"=ميه", "=مايه", "=سهم", "مشاهد", "متابع", "مشترك", "=زياره",
	"=زيارات", "=نقطه", "=نقاط", "=usd", "=eur", "=euro", "=euros",
	"=km", "=kg", "=dollar", "=dollars", "=people", "=tons", "=barrels",
	NULL,
};

/* Time words after a number make it a duration or a year, but a valid
 * phone number may well be followed by "يوم الخميس": they only veto
 * numbers that are not clearly phone numbers. */
static const char *const time_words[] = {
	"=سنه", "=سنوات", "=سنين", "=عام", "=عاما", "=اعوام", "=شهر", "=اشهر",
	"=يوم", "=ايام", "=ساعه", "=دقيقه", "=ثانيه", "=ثواني", "=دقايق",
	"=مره", "=م", "=ه", "=ق", "=m", "=years", "=year",
	NULL,
};

/* "الـ60": the article glued to a number makes it an ordinal or a name. */
static const char *const article_words[] = {
	"=ال", "=بال", "=وال", "=فال", "=كال", "=لل", NULL,
};

static bool is_dash(uint32_t c)
{
	return c == '-' || (c >= 0x2010 && c <= 0x2015) || c == 0x2212;
}

static bool is_sentence_end(uint32_t c)
{
	return c == '.' || c == '!' || c == '?' || c == 0x061F || c == 0x061B ||
	       c == ';' || c == 0x06D4;
}

static bool is_currency(uint32_t c)
{
	return c == '$' || c == 0x20AC || c == 0x00A3 || c == 0x00A5 ||
	       c == 0xFDFC;
}

static bool is_percent(uint32_t c)
{
	return c == '%' || c == 0x066A || c == 0x2030;
}

/* ---- units and runs ---------------------------------------------------- */

typedef struct ph_unit {
	uint32_t ns, ne;   /* folded range */
	uint32_t nd;       /* digits it stands for */
	int digit;         /* spelled digit, or -1 for a digit group */
} ph_unit;

typedef struct ph_dword {
	uint32_t ns, ne;
	int digit;
} ph_dword;

typedef struct ph_ctx {
	const text_view *tv;
	const uint32_t *cp;
	uint32_t n;
	ph_unit *u;
	uint32_t nu;
	uint32_t r0, r1;          /* current run [r0, r1) */
	uint32_t veto_end;        /* units [r0, veto_end) are a reference,
				   * URL, ID or price by what precedes them */
	/* best_from() per start unit, valid while memo_gen[a] == gen (one
	 * gen per run): split_run asks for the same starts again and again */
	float *memo_s;
	uint32_t *memo_k, *memo_gen, gen;
} ph_ctx;

typedef struct ph_num {
	uint32_t ns, ne;
	float score;
} ph_num;

/* Is the word cp[s, e) possibly a spelled digit? What find_digit_words
 * keeps is an entry, or one behind a conjunction و. */
static bool digit_word_candidate(const lexicon *lx, const uint32_t *cp,
				 uint32_t s, uint32_t e)
{
	return lexicon_has_word(lx, cp + s, e - s) ||
	       (e - s > 2 && cp[s] == 0x0648 && lexicon_has_word(lx, cp + s + 1, e - s - 1));
}

/* Spelled digits: lexicon matches whose whole word (or the word after a
 * conjunction و) is an entry, so that تسعين does not pass as تسع + ين. */
static uint32_t find_digit_words(const rule_input *in, const text_view *tv,
				 ph_dword **out)
{
	const lexicon *lx = in->env ? in->env->lex[LEX_PHONE_WORDS] : NULL;
	uint16_t tags[10];
	lex_match *m;
	ph_dword *dw;
	size_t nm, max;
	uint32_t ndw = 0;
	bool any = false;

	*out = NULL;
	if (!lx || !in->arena || tv->ntok == 0)
		return 0;
	max = tv->ntok;
	m = raqib_arena_alloc(in->arena, max * sizeof *m);
	dw = raqib_arena_alloc(in->arena, max * sizeof *dw);
	if (!m || !dw)
		return 0;
	nm = lexicon_scan(lx, tv, in->arena, m, max);
	if (nm > max)
		nm = max;
	if (nm == 0)
		return 0;
	for (int d = 0; d < 10; d++) {
		char name[2] = {(char)('0' + d), 0};
		tags[d] = lexicon_tag_id(lx, name);
		any = any || tags[d];
	}
	if (!any)
		return 0;
	for (size_t i = 0; i < nm; i++) {
		const uint32_t *w = tv->cp + m[i].ns;
		size_t wn = m[i].ne - m[i].ns;
		int digit = -1;

		if (m[i].evasion || m[i].tok_end != m[i].tok_start + 1)
			continue;
		for (int d = 0; d < 10; d++)
			if (tags[d] && m[i].tag == tags[d])
				digit = d;
		if (digit < 0)
			continue;
		if (!digit_word_candidate(lx, w, 0, (uint32_t)wn))
			continue;
		dw[ndw].ns = m[i].ns;
		dw[ndw].ne = m[i].ne;
		dw[ndw].digit = digit;
		ndw++;
	}
	*out = dw;
	return ndw;
}

static uint32_t collect_units(const text_view *tv, const ph_dword *dw,
			      uint32_t ndw, ph_unit *u)
{
	uint32_t i = 0, nu = 0, k = 0;

	while (i < tv->n) {
		uint32_t c = tv->cp[i], s = i;
		if (text_is_digit(c)) {
			while (i < tv->n && text_is_digit(tv->cp[i]))
				i++;
			u[nu++] = (ph_unit){s, i, i - s, -1};
		} else if (text_is_letter(c)) {
			while (i < tv->n && text_is_letter(tv->cp[i]))
				i++;
			while (k < ndw && dw[k].ns < s)
				k++;
			if (k < ndw && dw[k].ns == s && dw[k].ne == i)
				u[nu++] = (ph_unit){s, i, 1, dw[k].digit};
		} else {
			i++;
		}
	}
	return nu;
}

/* Can units a and b (adjacent in the unit list) belong to one number? */
static bool joinable(const ph_ctx *x, const ph_unit *a, const ph_unit *b)
{
	bool words = a->digit >= 0 || b->digit >= 0;
	uint32_t nonspace = 0;

	if (b->ns - a->ne > PH_MAX_GAP)
		return false;
	if (b->ns == a->ne)
		return words; /* two digit groups never touch */
	for (uint32_t i = a->ne; i < b->ns; i++) {
		uint32_t c = x->cp[i];
		if (c == ' ')
			continue;
		nonspace++;
		if (words) {
			if (!(is_dash(c) || c == ',' || c == 0x060C || c == '.'))
				return false;
		} else if (!(is_dash(c) || c == '.' || c == '/' || c == '(' || c == ')')) {
			return false;
		} else if (c == '.' && b->ns - a->ne > 1) {
			return false; /* "2011. 0912345678": a full stop */
		}
	}
	return nonspace <= 2;
}

/* ---- scoring ----------------------------------------------------------- */

typedef struct ph_seg {
	char d[PH_MAX_DIGITS + 1];
	size_t nd;
	uint32_t nwords, ngroups;
	uint32_t gsize[PH_MAX_DIGITS];
	bool plus, dot, slash, close_paren, grouped, singles;
} ph_seg;

static uint32_t group_value(const ph_ctx *x, const ph_unit *u)
{
	uint32_t v = 0;
	for (uint32_t i = u->ns; i < u->ne && i < u->ns + 9; i++)
		v = v * 10 + (x->cp[i] - '0');
	return v;
}

/* The single non-space separator between two groups, 0 if none, 1 if more. */
static uint32_t gap_sep(const ph_ctx *x, const ph_unit *a, const ph_unit *b)
{
	uint32_t sep = 0;
	for (uint32_t i = a->ne; i < b->ns; i++) {
		if (x->cp[i] == ' ')
			continue;
		if (sep)
			return 1;
		sep = is_dash(x->cp[i]) ? '-' : x->cp[i];
	}
	return sep;
}

static bool is_year(uint32_t v)
{
	return v >= 1800 && v <= 2099;
}

/* d/m/yyyy, d.m.yy, yyyy-m-d, "02 / 04 / 2018", "02 04 2018". */
static bool is_date(const ph_ctx *x, uint32_t i)
{
	const ph_unit *a = &x->u[i], *b = &x->u[i + 1], *c = &x->u[i + 2];
	uint32_t s1, s2, va, vb, vc;

	if (a->digit >= 0 || b->digit >= 0 || c->digit >= 0)
		return false;
	s1 = gap_sep(x, a, b);
	s2 = gap_sep(x, b, c);
	if (s1 != s2 || s1 == 1 || !(s1 == 0 || s1 == '/' || s1 == '.' || s1 == '-'))
		return false;
	va = group_value(x, a);
	vb = group_value(x, b);
	vc = group_value(x, c);
	if (a->nd <= 2 && b->nd <= 2 && (c->nd == 4 || (c->nd == 2 && s1))) {
		if (c->nd == 4 && !is_year(vc))
			return false;
		return va >= 1 && vb >= 1 && va <= 31 && vb <= 31 && (va <= 12 || vb <= 12);
	}
	if (a->nd == 4 && is_year(va) && b->nd <= 2 && c->nd <= 2)
		return vb >= 1 && vb <= 12 && vc >= 1 && vc <= 31;
	return false;
}

/* 8 digits in one piece that read as ddmmyyyy or yyyymmdd. */
static bool is_packed_date(const char *d)
{
	uint32_t v[8];
	for (int i = 0; i < 8; i++)
		v[i] = (uint32_t)(d[i] - '0');
	uint32_t dd = v[0] * 10 + v[1], mm = v[2] * 10 + v[3];
	uint32_t yy = v[4] * 1000 + v[5] * 100 + v[6] * 10 + v[7];
	if (dd >= 1 && dd <= 31 && mm >= 1 && mm <= 12 && is_year(yy))
		return true;
	yy = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
	mm = v[4] * 10 + v[5];
	dd = v[6] * 10 + v[7];
	return is_year(yy) && mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31;
}

/* '+' and '(' written in front of unit a: "+218", "(+218)", "(021)". */
typedef struct ph_lead {
	uint32_t pos;      /* where the number may start */
	bool plus, paren;
} ph_lead;

static ph_lead unit_lead(const ph_ctx *x, uint32_t a)
{
	uint32_t i = x->u[a].ns;
	ph_lead l = {i, false, false};

	if (x->u[a].digit >= 0)
		return l;
	if (i > 1 && x->cp[i - 1] == ' ' && x->cp[i - 2] == '+')
		i--;
	if (i > 0 && x->cp[i - 1] == '+') {
		l.plus = true;
		l.pos = --i;
	}
	if (i > 0 && x->cp[i - 1] == '(') {
		l.paren = true;
		l.pos = i - 1;
	}
	/* "5+0912345678" is arithmetic, not a country code. */
	if (l.plus && !l.paren && l.pos > 0 && text_is_digit(x->cp[l.pos - 1])) {
		l.plus = false;
		l.pos = x->u[a].ns;
	}
	return l;
}

/* Is unit i joined to unit i+1 by something other than spaces? */
static bool hard_gap(const ph_ctx *x, uint32_t i)
{
	for (uint32_t j = x->u[i].ne; j < x->u[i + 1].ns; j++)
		if (x->cp[j] != ' ')
			return true;
	return false;
}

/* The same, where the next unit does not open a number of its own with
 * '(' or '+': "2011 (091) 234-5678" is a year, then a number. */
static bool chained(const ph_ctx *x, uint32_t i)
{
	ph_lead l = unit_lead(x, i + 1);
	return hard_gap(x, i) && !l.plus && !l.paren;
}

static bool build_seg(const ph_ctx *x, uint32_t a, uint32_t k, ph_seg *s)
{
	memset(s, 0, sizeof *s);
	s->plus = unit_lead(x, a).plus;
	s->grouped = true;
	s->singles = true;
	for (uint32_t i = a; i <= k; i++) {
		const ph_unit *u = &x->u[i];
		if (s->nd + u->nd > PH_MAX_DIGITS)
			return false;
		if (u->digit >= 0) {
			s->d[s->nd++] = (char)('0' + u->digit);
			s->nwords++;
		} else {
			for (uint32_t j = u->ns; j < u->ne; j++)
				s->d[s->nd++] = (char)x->cp[j];
			s->gsize[s->ngroups++] = u->nd;
			if (u->nd < 2 || u->nd > 5)
				s->grouped = false;
			if (u->nd > 1)
				s->singles = false;
		}
		if (i > a) {
			for (uint32_t j = x->u[i - 1].ne; j < u->ns; j++) {
				uint32_t c = x->cp[j];
				s->dot |= c == '.';
				s->slash |= c == '/';
				s->close_paren |= c == ')';
				if (c == '.' || c == '/')
					s->grouped = false;
			}
		}
	}
	s->d[s->nd] = 0;
	if (s->ngroups < 2)
		s->grouped = false;
	return true;
}

static float score_digits(const ph_seg *s)
{
	const char *d = s->d;
	size_t nd = s->nd, cclen = 0;
	const ph_country *c;

	if (s->plus || (nd > 2 && d[0] == '0' && d[1] == '0' && d[2] != '0')) {
		const char *body = s->plus ? d : d + 2;
		size_t nb = s->plus ? nd : nd - 2;
		c = country_of(body, nb, &cclen);
		if (c) {
			const char *nat = body + cclen;
			size_t nn = nb - cclen;
			if (nn > 1 && nat[0] == '0') { /* +218 (0)91 ..., +2180912 ... */
				nat++;
				nn--;
			}
			if (is_mobile(c, nat, nn))
				return S_INTL_MOBILE;
			if (nn >= c->nat_min && nn <= c->nat_max)
				return S_INTL_VALID;
		}
		if (s->plus)
			return nd >= 8 ? S_INTL_OTHER : S_WEAK;
		return nd >= 10 ? S_INTL_00 : S_WEAK;
	}
	if (d[0] == '0') {
		if (d[1] == '0')
			return 0.0f;
		for (size_t i = 0; i < NCOUNTRIES; i++)
			if (countries[i].trunk0 && is_mobile(&countries[i], d + 1, nd - 1))
				return S_NAT_MOBILE;
		if (nd >= 9 && nd <= 11)
			return S_NAT_LANDLINE;
		if (nd == 8)
			return S_TRUNK_8;
		return S_WEAK;
	}
	if (nd >= 11) {
		c = country_of(d, nd, &cclen);
		if (c && is_mobile(c, d + cclen, nd - cclen))
			return S_CC_NO_PLUS;
	}
	if (nd > 12)
		return 0.0f;
	for (size_t i = 0; i < NCOUNTRIES; i++) {
		c = &countries[i];
		if (!is_mobile(c, d, nd))
			continue;
		if (c->bare == BARE_NATIVE)
			return S_NO_TRUNK;
		if (c->bare == BARE_DROPPED_0 && nd >= 9)
			return S_BARE_MOBILE;
	}
	if (nd >= 8 && s->grouped)
		return S_GROUPED;
	if (nd >= 9 && s->ngroups == 1)
		return S_CONTIGUOUS;
	return S_WEAK;
}

/* Three or more groups counting up by a constant step, or repeating. */
static bool is_progression(const ph_ctx *x, uint32_t a, uint32_t k)
{
	uint32_t prev = 0, n = 0;
	int64_t step = 0;

	for (uint32_t i = a; i <= k; i++) {
		uint32_t v;
		if (x->u[i].digit >= 0 || x->u[i].nd > 4 || x->cp[x->u[i].ns] == '0')
			return false;
		v = group_value(x, &x->u[i]);
		if (n == 1)
			step = (int64_t)v - prev;
		else if (n > 1 && (int64_t)v - prev != step)
			return false;
		if (step < 0)
			return false;
		prev = v;
		n++;
	}
	return n >= 3;
}

/* Vetoes that need only the digits and their grouping. */
static bool looks_like_other_number(const ph_ctx *x, uint32_t a, uint32_t k,
				    const ph_seg *s)
{
	uint32_t years = 0, groups = 0;
	size_t zeros = 0;
	bool same = true;

	for (uint32_t i = a; i + 2 <= k; i++)
		if (is_date(x, i))
			return true;
	for (uint32_t i = a; i <= k; i++) {
		if (x->u[i].digit >= 0)
			continue;
		groups++;
		if (x->u[i].nd == 4 && is_year(group_value(x, &x->u[i])))
			years++;
	}
	if (groups >= 2 && years == groups)
		return true;      /* 1993 2011, 2011-2014 */
	if (is_progression(x, a, k))
		return true;      /* 12-13-14-15, 20 30 40 50, 100 100 100 */
	if (s->ngroups == 1 && s->nwords == 0 && s->nd == 8 && is_packed_date(s->d))
		return true;
	if (s->nd == 8 && s->nwords == 0 && is_year((uint32_t)((s->d[0] - '0') * 1000 +
			(s->d[1] - '0') * 100 + (s->d[2] - '0') * 10 + (s->d[3] - '0'))) &&
	    is_year((uint32_t)((s->d[4] - '0') * 1000 + (s->d[5] - '0') * 100 +
			       (s->d[6] - '0') * 10 + (s->d[7] - '0'))))
		return true;      /* 19932011 */
	for (size_t i = s->nd; i > 0 && s->d[i - 1] == '0'; i--)
		zeros++;
	if (zeros >= 5 && !s->plus)
		return true;      /* round amounts: 15000000 */
	for (size_t i = 1; i < s->nd; i++)
		same = same && s->d[i] == s->d[0];
	return same;
}

/* ---- context ----------------------------------------------------------- */

enum { CTX_NONE, CTX_WEAK, CTX_CALL, CTX_VETO, CTX_TIME };

/* Up to PH_CTX_WORDS words before folded position `start`, same sentence.
 * A call word anywhere there counts; a reference word or a glued article
 * only when nothing but separators stands between it and the number. */
static int context_before(const ph_ctx *x, uint32_t start)
{
	uint32_t i = start, words = 0;
	uint32_t stop = start > PH_CTX_SPAN ? start - PH_CTX_SPAN : 0;
	bool digits = false, nearest = true;
	int weak = CTX_NONE;

	/* Bounded so that a long run of digits costs linear time. */
	while (i > stop && words < PH_CTX_WORDS) {
		uint32_t we, ws;
		while (i > stop && !text_is_letter(x->cp[i - 1])) {
			uint32_t c = x->cp[i - 1];
			if (text_is_digit(c))
				digits = true;
			else if (is_sentence_end(c) &&
				 !(c == '.' && i >= 2 && text_is_digit(x->cp[i - 2])))
				return weak;
			i--;
		}
		if (i == stop)
			break;
		we = i;
		while (i > stop && text_is_letter(x->cp[i - 1]))
			i--;
		ws = i;
		words++;
		if (word_in(call_words, x->cp + ws, we - ws))
			return CTX_CALL;
		if (nearest && !digits) {
			if (we == start && word_in(article_words, x->cp + ws, we - ws))
				return CTX_VETO;
			if (we == start && text_is_latin_letter(x->cp[we - 1]))
				return CTX_VETO; /* ID12345678, ISBN9780... */
			if (word_in(ref_words, x->cp + ws, we - ws))
				return CTX_VETO;
		}
		if (weak == CTX_NONE && word_in(weak_call_words, x->cp + ws, we - ws))
			weak = CTX_WEAK;
		nearest = false;
	}
	return weak;
}

/* What follows the last digit: a unit word, a percent sign, glued Latin. */
static int context_after(const ph_ctx *x, uint32_t end)
{
	uint32_t i = end, ws, spaces = 0;

	if (i < x->n && text_is_latin_letter(x->cp[i])) {
		ws = i;
		while (i < x->n && text_is_letter(x->cp[i]))
			i++;
		if (word_in(call_words, x->cp + ws, i - ws))
			return CTX_CALL;
		return CTX_VETO; /* 2000km, 123456789abc */
	}
	while (i < x->n && spaces < 2 && (x->cp[i] == ' ' || is_dash(x->cp[i]) ||
					  x->cp[i] == ')' || x->cp[i] == '(')) {
		i++;
		spaces++;
	}
	if (i >= x->n)
		return CTX_NONE;
	if (is_percent(x->cp[i]) || is_currency(x->cp[i]))
		return CTX_VETO;
	if ((x->cp[i] == ',' || x->cp[i] == 0x066B || x->cp[i] == 0x066C) &&
	    i == end && i + 1 < x->n && text_is_digit(x->cp[i + 1]))
		return CTX_VETO; /* 1234567,50 */
	if (!text_is_letter(x->cp[i]))
		return CTX_NONE;
	ws = i;
	while (i < x->n && text_is_letter(x->cp[i]))
		i++;
	if (word_in(unit_words, x->cp + ws, i - ws))
		return CTX_VETO;
	if (word_in(time_words, x->cp + ws, i - ws))
		return CTX_TIME;
	if (i - ws > 1 && word_in(call_words, x->cp + ws, i - ws))
		return CTX_CALL;
	return CTX_NONE;
}

/* Characters glued in front of a number that make it part of something
 * else: a URL path or query, a price, a larger number (LEAD_HARD); or a
 * hashtag, where only a valid mobile number still counts (LEAD_SOFT:
 * #رقمي_للجادين_01091035263 is a number, #2259 is not). */
enum { LEAD_OK, LEAD_SOFT, LEAD_HARD };

static int bad_lead(const ph_ctx *x, uint32_t start)
{
	uint32_t c, i = start;

	if (i == 0)
		return LEAD_OK;
	c = x->cp[i - 1];
	if (c == '#' || c == '_')
		return LEAD_SOFT;
	if (c == '/' || c == '=' || c == '@' || c == '&' || c == '?' ||
	    c == ',' || c == 0x066B || c == 0x066C || is_currency(c) ||
	    is_percent(c))
		return LEAD_HARD;
	if (c == ' ' && i >= 2 && is_currency(x->cp[i - 2]))
		return LEAD_HARD;
	return LEAD_OK;
}

static uint32_t seg_start(const ph_ctx *x, uint32_t a, const ph_seg *s)
{
	ph_lead l = unit_lead(x, a);

	/* A '(' counts only when it closes inside the number: (091) 2345678,
	 * not a whole number written in parentheses. */
	if (l.paren && s->close_paren)
		return l.pos;
	if (l.plus)
		return l.paren ? l.pos + 1 : l.pos;
	return x->u[a].ns;
}

static float score_seg(const ph_ctx *x, uint32_t a, uint32_t k)
{
	ph_seg s;
	float sc;
	uint32_t start;
	int before, after;

	if (a < x->veto_end || !build_seg(x, a, k, &s) || s.nd < PH_MIN_DIGITS)
		return 0.0f;
	if (looks_like_other_number(x, a, k, &s))
		return 0.0f;
	sc = score_digits(&s);
	/* 1 2 3 4 5 6 7 8 9 is a list; spaced-out digits that hide a number
	 * start with the trunk 0 or a '+'. */
	if (s.singles && s.ngroups >= 3 && s.d[0] != '0' && !s.plus && sc > S_WEAK)
		sc = S_WEAK;
	/* Eight digits spelled out in words are a number someone dictates. */
	if (s.nwords >= 3 && sc < (s.nd >= 8 ? S_SPELLED : 0.5f))
		sc = s.nd >= 8 ? S_SPELLED : 0.5f;
	start = seg_start(x, a, &s);
	if (x->u[a].digit < 0) {
		int lead = bad_lead(x, start);
		if (lead == LEAD_HARD || (lead == LEAD_SOFT && sc < S_NAT_MOBILE))
			return 0.0f;
	}
	before = context_before(x, start);
	after = context_after(x, x->u[k].ne);
	if (before == CTX_VETO || after == CTX_VETO ||
	    (after == CTX_TIME && sc < S_CC_NO_PLUS))
		return 0.0f;
	/* A piece cut out of a longer code (4385-8648-5486) is not a number of
	 * its own unless it is a valid number anyway. */
	if (sc < S_CC_NO_PLUS && ((k + 1 < x->r1 && hard_gap(x, k)) ||
				  (a > x->r0 && hard_gap(x, a - 1))))
		sc = sc < S_WEAK ? sc : S_WEAK;
	/* 1.234.567 or 12.5 million: dots without a leading 0 are decimals. */
	if (s.dot && !s.plus && s.d[0] != '0' && before != CTX_CALL)
		return s.nwords ? sc : 0.0f;
	if (before == CTX_CALL || after == CTX_CALL) {
		sc = sc + 0.2f > 0.85f ? sc + 0.2f : 0.85f;
		if (sc > 0.99f)
			sc = 0.99f;
	} else if (before == CTX_WEAK) {
		sc += 0.1f;
	}
	return sc;
}

/* The best number starting at unit a: its last unit and score. */
static float best_from(const ph_ctx *x, uint32_t a, uint32_t *kbest)
{
	float best = 0.0f;
	uint32_t digits = 0;

	if (x->memo_gen && x->memo_gen[a] == x->gen) {
		*kbest = x->memo_k[a];
		return x->memo_s[a];
	}
	*kbest = a;
	for (uint32_t k = a; k < x->r1; k++) {
		digits += x->u[k].nd;
		if (digits > PH_MAX_DIGITS)
			break;
		float sc = score_seg(x, a, k);
		if (sc >= best) {
			best = sc;
			*kbest = k;
		}
	}
	if (x->memo_gen) {
		x->memo_gen[a] = x->gen;
		x->memo_k[a] = *kbest;
		x->memo_s[a] = best;
	}
	return best;
}

/* Cuts run [r0, r1) into numbers: greedily from the left, but a later start
 * that overlaps and scores higher wins ("5 0912345678" is one number). */
static void split_run(const ph_ctx *x, ph_num *nums, uint32_t *nnums)
{
	uint32_t a = x->r0;

	while (a < x->r1) {
		uint32_t k, kb;
		float s = best_from(x, a, &k);
		bool moved = false;

		for (uint32_t b = a + 1; b <= k; b++) {
			float sb = best_from(x, b, &kb);
			if (sb > s + 0.001f) {
				a = b;
				moved = true;
				break;
			}
		}
		if (moved)
			continue;
		if (s >= PH_MIN_REPORT && *nnums < PH_MAX_NUMS) {
			ph_seg seg;
			(void)build_seg(x, a, k, &seg);
			nums[*nnums].ns = seg_start(x, a, &seg);
			nums[*nnums].ne = x->u[k].ne;
			nums[*nnums].score = s;
			(*nnums)++;
			a = k + 1;
		} else {
			a++;
		}
	}
}

static void scan_field(const rule_input *in, rule_out *out,
		       const text_view *tv, raqib_field field)
{
	ph_num nums[PH_MAX_NUMS];
	uint32_t nnums = 0, ndw;
	ph_dword *dw;
	ph_ctx x;
	float max = 0.0f, thr = 0.5f;
	raqib_finding *f;

	if (!tv || tv->n == 0 || !in->arena)
		return;
	/* A number has PH_MIN_DIGITS units, each a digit or a spelled digit;
	 * most comments have neither, and telling so here spares the unit
	 * collection and the context checks of every digit group. */
	ndw = find_digit_words(in, tv, &dw);
	if (tv->stats.digits + ndw < PH_MIN_DIGITS)
		return;
	memset(&x, 0, sizeof x);
	x.tv = tv;
	x.cp = tv->cp;
	x.n = tv->n;
	x.u = raqib_arena_alloc(in->arena, ((size_t)tv->n / 2 + 1) * sizeof *x.u);
	if (!x.u)
		return;
	x.nu = collect_units(tv, dw, ndw, x.u);
	x.memo_s = raqib_arena_alloc(in->arena, ((size_t)x.nu + 1) * sizeof *x.memo_s);
	x.memo_k = raqib_arena_alloc(in->arena, ((size_t)x.nu + 1) * sizeof *x.memo_k);
	x.memo_gen = raqib_arena_calloc(in->arena, (size_t)x.nu + 1, sizeof *x.memo_gen);
	if (!x.memo_s || !x.memo_k)
		x.memo_gen = NULL;
	for (uint32_t i = 0; i < x.nu;) {
		uint32_t j = i + 1, lead, digits = x.u[i].nd;
		while (j < x.nu && joinable(&x, &x.u[j - 1], &x.u[j]))
			digits += x.u[j++].nd;
		/* no segment of a shorter run is long enough to score */
		if (digits < PH_MIN_DIGITS) {
			i = j;
			continue;
		}
		x.r0 = i;
		x.r1 = j;
		lead = unit_lead(&x, i).pos;
		/* What stands before a run speaks for the units chained to
		 * its first one by hard separators: no part of "ISBN
		 * 978-3-16-148410-0" is a phone number, but in "عام 2011
		 * 0912345678" the second number stands on its own. */
		x.veto_end = i;
		if (context_before(&x, lead) == CTX_VETO ||
		    (x.u[i].digit < 0 && bad_lead(&x, lead) == LEAD_HARD)) {
			x.veto_end = i + 1;
			while (x.veto_end < j && chained(&x, x.veto_end - 1))
				x.veto_end++;
		}
		x.gen++;
		split_run(&x, nums, &nnums);
		i = j;
	}
	for (uint32_t i = 0; i < nnums; i++)
		if (nums[i].score > max)
			max = nums[i].score;
	if (nnums == 0)
		return;
	if (in->env && in->env->cfg)
		thr = in->env->cfg->rules[RAQIB_RULE_PHONE].threshold;
	f = rule_finding(out, RAQIB_RULE_PHONE, field, max);
	if (!f)
		return;
	/* Only numbers that pass on their own are redacted; a finding made of
	 * weak ones alone keeps them all as evidence. */
	for (uint32_t i = 0; i < nnums; i++)
		if (nums[i].score >= thr || max < thr)
			rule_add_span(f, tv, nums[i].ns, nums[i].ne);
}

void rule_phone(const rule_input *in, rule_out *out)
{
	if (!in || !out)
		return;
	scan_field(in, out, in->text, RAQIB_FIELD_TEXT);
	scan_field(in, out, in->name, RAQIB_FIELD_NAME);
}
