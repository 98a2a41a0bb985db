/*
 * spam.c — advertising, link farming and floods.
 *
 * The rule collects independent signals on the folded view, each with its
 * own score, and combines them as max + half of the runner-up, so that two
 * weak signals (one link, one word "مجانا") stay under the hold threshold
 * while two real ones add up. The combinations that are spam beyond doubt
 * are scored explicitly at or above the default reject_threshold (0.9):
 *   - a comment that is nothing but links/handles              1.0
 *   - a shortener (bit.ly, wa.me...) with advertising words     0.95
 *   - a contact word + handle/number/link with advertising      0.95
 *   - three or more links                                       0.9
 * One ordinary link in a real comment (a reader citing a news source)
 * scores 0.3 and is published.
 *
 * Links are found on the folded view (Latin is lower-cased there) without a
 * full URL grammar: a scheme URL runs to the next space; a bare domain needs
 * a known top-level domain or a known shortener host; separators written to
 * dodge filters (example[.]com, example dot com) count as an obfuscated
 * link, which no honest reader writes. Advertising and contact words come
 * from data/lexicons/spam.txt (tags promo / contact); without that lexicon
 * (unit tests) the structural signals still work.
 */
#include "rule.h"

#include <stdlib.h>
#include <string.h>

#define SPAM_MAX_RANGES 64
#define SPAM_MAX_LEX 64
#define SPAM_LONG_TOKEN 40

typedef struct spam_range {
	uint32_t s, e;
} spam_range;

typedef struct spam_ctx {
	const text_view *tv;
	spam_range link[SPAM_MAX_RANGES];   /* URLs, domains, handles, emails */
	uint32_t nlink;
	spam_range span[SPAM_MAX_RANGES];   /* what the finding points at */
	uint32_t nspan;
	uint32_t links, shorteners, obfuscated, handles, emails, numbers;
	spam_range flood[SPAM_MAX_RANGES];  /* repeated words, emoji, marks */
	uint32_t nflood;
	float flood_score;                  /* strongest flood signal */
	float comp[16];                     /* one score per signal */
	uint32_t ncomp;
} spam_ctx;

/* An ASCII literal with its length, so that lists are not strlen'd on
 * every comparison. */
typedef struct spam_lit {
	const char *s;
	uint32_t n;
} spam_lit;

#define LIT(s) { s, sizeof s - 1 }

/* Hosts whose only purpose is to hide where a link goes, or to open a chat:
 * a reader citing a source links the source itself. */
static const spam_lit shorteners[] = {
	LIT("bit.ly"), LIT("bitly.com"), LIT("t.co"), LIT("goo.gl"), LIT("tinyurl.com"),
	LIT("ow.ly"), LIT("is.gd"), LIT("v.gd"), LIT("buff.ly"), LIT("cutt.ly"),
	LIT("rb.gy"), LIT("shorturl.at"), LIT("tiny.cc"), LIT("rebrand.ly"), LIT("s.id"),
	LIT("linktr.ee"), LIT("bl.ink"), LIT("adf.ly"), LIT("shorte.st"), LIT("lnkd.in"),
	LIT("wa.me"), LIT("wa.link"), LIT("t.me"), LIT("telegram.me"),
	LIT("chat.whatsapp.com"), LIT("api.whatsapp.com"), LIT("snapchat.com"), { NULL, 0 }
};

/* Top-level domains a bare "word.tld" must end in. Kept to those seen in
 * links (generic, Arab countries, the big ones) and free of short English
 * words (it, in, is, at, no, to) that a missing space after a full stop
 * would turn into a domain. */
static const spam_lit tlds[] = {
	LIT("com"), LIT("net"), LIT("org"), LIT("info"), LIT("biz"), LIT("co"),
	LIT("io"), LIT("me"), LIT("ly"), LIT("gl"), LIT("gd"), LIT("cc"), LIT("ws"),
	LIT("tv"), LIT("be"), LIT("ee"), LIT("app"), LIT("xyz"), LIT("top"),
	LIT("online"), LIT("site"), LIT("shop"), LIT("store"), LIT("link"),
	LIT("click"), LIT("live"), LIT("club"), LIT("vip"), LIT("win"), LIT("bid"),
	LIT("loan"), LIT("icu"), LIT("buzz"), LIT("fun"), LIT("space"), LIT("website"),
	LIT("tech"), LIT("news"), LIT("blog"), LIT("page"), LIT("ru"), LIT("cn"),
	LIT("uk"), LIT("de"), LIT("fr"), LIT("es"), LIT("nl"), LIT("tk"), LIT("ml"),
	LIT("ga"), LIT("cf"), LIT("gq"), LIT("pw"), LIT("su"), LIT("pk"), LIT("sa"),
	LIT("eg"), LIT("jo"), LIT("ae"), LIT("ma"), LIT("dz"), LIT("tn"), LIT("iq"),
	LIT("sy"), LIT("lb"), LIT("kw"), LIT("qa"), LIT("bh"), LIT("om"), LIT("ps"),
	LIT("ye"), LIT("sd"), LIT("edu"), LIT("gov"), LIT("ir"), LIT("tr"), LIT("ch"),
	LIT("ca"), LIT("au"), LIT("asia"), LIT("mobi"), LIT("pro"), LIT("email"),
	LIT("today"), LIT("world"), LIT("ai"), LIT("gg"), LIT("ng"), LIT("ke"), { NULL, 0 }
};

static bool is_label_cp(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Does the folded range [s, e) equal the ASCII literal? */
static bool range_is_lit(const uint32_t *cp, uint32_t s, uint32_t e, const spam_lit *lit)
{
	if (e - s != lit->n)
		return false;
	for (uint32_t k = 0; k < lit->n; k++)
		if (cp[s + k] != (unsigned char)lit->s[k])
			return false;
	return true;
}

static bool range_is(const uint32_t *cp, uint32_t s, uint32_t e, const char *lit)
{
	spam_lit l = { lit, (uint32_t)strlen(lit) };
	return range_is_lit(cp, s, e, &l);
}

/* Does lit start at cp[i]? Returns its length or 0. */
static uint32_t starts_with(const text_view *tv, uint32_t i, const char *lit)
{
	size_t n = strlen(lit);
	if (n > tv->n - i)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (tv->cp[i + k] != (unsigned char)lit[k])
			return 0;
	return (uint32_t)n;
}

static bool in_list(const uint32_t *cp, uint32_t s, uint32_t e, const spam_lit *list)
{
	for (size_t k = 0; list[k].s; k++)
		if (range_is_lit(cp, s, e, &list[k]))
			return true;
	return false;
}

static bool is_emoji(uint32_t c)
{
	return (c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x1F000 && c <= 0x1F2FF) ||
	       (c >= 0x2600 && c <= 0x27BF) || c == 0x2B50 || c == 0x2B55 ||
	       (c >= 0x2190 && c <= 0x21FF) || c == 0x2764;
}

/* ! ? . , * - _ = ~ # + as a bit mask over 0x20..0x7F: asked of every
 * code point of every comment. */
#define FLOOD_ASCII ((1ull << ('!' - 0x20)) | (1ull << ('?' - 0x20)) |     \
		     (1ull << ('.' - 0x20)) | (1ull << (',' - 0x20)) |     \
		     (1ull << ('*' - 0x20)) | (1ull << ('-' - 0x20)) |     \
		     (1ull << ('_' - 0x20)) | (1ull << ('=' - 0x20)) |     \
		     (1ull << ('#' - 0x20)) | (1ull << ('+' - 0x20)))

static inline bool is_flood_punct(uint32_t c)
{
	if (c >= 0x20 && c < 0x60)
		return (FLOOD_ASCII >> (c - 0x20)) & 1;
	return c == '~' || c == 0x061F || c == 0x060C || c == 0x061B || c == 0x2026;
}

/* Trailing punctuation belongs to the sentence, not to the link. */
static uint32_t trim_url_end(const uint32_t *cp, uint32_t s, uint32_t e)
{
	while (e > s) {
		uint32_t c = cp[e - 1];
		if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' ||
		    c == ')' || c == ']' || c == '}' || c == '"' || c == '\'' ||
		    c == 0x060C || c == 0x061B || c == 0x061F || c == 0x00BB)
			e--;
		else
			break;
	}
	return e;
}

static uint32_t skip_to_space(const text_view *tv, uint32_t i)
{
	while (i < tv->n && !is_space(tv->cp[i]))
		i++;
	return i;
}

static void add_range(spam_range *arr, uint32_t *n, uint32_t s, uint32_t e)
{
	if (*n < SPAM_MAX_RANGES && e > s) {
		arr[*n].s = s;
		arr[*n].e = e;
		(*n)++;
	}
}

static void add_comp(spam_ctx *x, float score)
{
	if (x->ncomp < sizeof x->comp / sizeof x->comp[0])
		x->comp[x->ncomp++] = score;
}

static void add_link(spam_ctx *x, uint32_t s, uint32_t e)
{
	add_range(x->link, &x->nlink, s, e);
	add_range(x->span, &x->nspan, s, e);
}

/*
 * A dot between two domain labels, as written or disguised: ".", "[.]",
 * "(.)", "{.}", "[dot]", "(dot)", " dot ", " دوت ", with optional spaces
 * around the bracketed forms. Returns the length and sets *obf when the
 * dot was disguised; 0 when there is no separator followed by a label.
 */
static uint32_t dot_sep(const text_view *tv, uint32_t i, bool *obf)
{
	/* code points, so that nothing is decoded per comparison */
	static const struct {
		uint32_t n, c[7];
	} forms[] = {
		{3, {'[', '.', ']'}}, {3, {'(', '.', ')'}}, {3, {'{', '.', '}'}},
		{5, {'[', 'd', 'o', 't', ']'}}, {5, {'(', 'd', 'o', 't', ')'}},
		{5, {'{', 'd', 'o', 't', '}'}}, {5, {' ', 'd', 'o', 't', ' '}},
		{5, {' ', 0x062F, 0x0648, 0x062A, ' '}}, /* " دوت " */
		{5, {' ', '[', '.', ']', ' '}}, {5, {' ', '(', '.', ')', ' '}},
		{7, {' ', '[', 'd', 'o', 't', ']', ' '}}, {7, {' ', '(', 'd', 'o', 't', ')', ' '}},
	};
	uint32_t len = 0;

	if (i >= tv->n)
		return 0;
	if (tv->cp[i] == '.') {
		len = 1;
		*obf = false;
	} else if (tv->cp[i] != '[' && tv->cp[i] != '(' && tv->cp[i] != '{' &&
		   tv->cp[i] != ' ') {
		/* every disguised form starts with one of these: spare the
		 * label after each word the walk through the forms */
		return 0;
	} else {
		for (size_t k = 0; k < sizeof forms / sizeof forms[0] && !len; k++) {
			uint32_t m = 0;
			if (forms[k].n > tv->n - i)
				continue;
			while (m < forms[k].n && tv->cp[i + m] == forms[k].c[m])
				m++;
			if (m == forms[k].n)
				len = m;
		}
		*obf = true;
	}
	if (!len || i + len >= tv->n || !is_label_cp(tv->cp[i + len]) || tv->cp[i + len] == '-')
		return 0;
	return len;
}

/*
 * A domain starting at i: labels joined by (possibly disguised) dots, the
 * last one a known TLD or the whole host a known shortener, followed by an
 * optional path. Returns the end, or i when there is none.
 */
static uint32_t match_domain(spam_ctx *x, uint32_t i, bool *obf_out, bool *short_out)
{
	const text_view *tv = x->tv;
	uint32_t j = i, nlabels = 0, last_s = i, last_e = i, host_e;
	uint32_t hs = i; /* host start, after "www." */
	bool obf = false, any_obf = false;

	for (;;) {
		uint32_t ls = j, sep;
		while (j < tv->n && is_label_cp(tv->cp[j]))
			j++;
		if (j == ls)
			break;
		nlabels++;
		last_s = ls;
		last_e = j;
		if (nlabels == 1 && range_is(tv->cp, ls, j, "www"))
			hs = j + 1;
		sep = dot_sep(x->tv, j, &obf);
		if (!sep)
			break;
		if (obf)
			any_obf = true;
		j += sep;
	}
	if (nlabels < 2)
		return i;
	host_e = last_e;
	if (hs > i && dot_sep(tv, i + 3, &obf) != 1)
		hs = i; /* "www" with a disguised dot: compare the whole host */
	*short_out = in_list(tv->cp, hs, host_e, shorteners) ||
		     in_list(tv->cp, i, host_e, shorteners);
	if (!*short_out && !in_list(tv->cp, last_s, last_e, tlds) &&
	    !range_is(tv->cp, i, i + 3, "www"))
		return i;
	/* A letter right after the TLD (example.comedy was consumed as one
	 * label, but an Arabic letter is not a label char): not a domain. */
	if (host_e < tv->n && text_is_letter(tv->cp[host_e]))
		return i;
	*obf_out = any_obf;
	if (host_e < tv->n && (tv->cp[host_e] == '/' || tv->cp[host_e] == ':'))
		return trim_url_end(tv->cp, i, skip_to_space(tv, host_e));
	return host_e;
}

/* The host of a scheme URL starting at hs, checked against the shorteners. */
static bool url_host_short(const text_view *tv, uint32_t hs, uint32_t e)
{
	uint32_t he = hs;
	while (he < e && (is_label_cp(tv->cp[he]) || tv->cp[he] == '.'))
		he++;
	if (starts_with(tv, hs, "www."))
		hs += 4;
	return in_list(tv->cp, hs, he, shorteners);
}

static uint32_t match_scheme(const text_view *tv, uint32_t i)
{
	static const char *const schemes[] = {
		"https://", "http://", "hxxps://", "hxxp://", "ftp://", NULL
	};
	if (tv->cp[i] != 'h' && tv->cp[i] != 'f')
		return 0;
	for (size_t k = 0; schemes[k]; k++) {
		uint32_t l = starts_with(tv, i, schemes[k]);
		if (l)
			return l;
	}
	return 0;
}

/* '@': an e-mail address when a local part touches it, else a handle. */
static uint32_t match_at(spam_ctx *x, uint32_t i)
{
	const text_view *tv = x->tv;
	uint32_t s = i, j = i + 1;

	while (s > 0 && (is_label_cp(tv->cp[s - 1]) || tv->cp[s - 1] == '.' ||
			 tv->cp[s - 1] == '_' || tv->cp[s - 1] == '+'))
		s--;
	while (j < tv->n && (is_label_cp(tv->cp[j]) || tv->cp[j] == '_' || tv->cp[j] == '.'))
		j++;
	j = trim_url_end(tv->cp, i + 1, j);
	if (j < i + 3)
		return i + 1;
	if (s < i) {
		/* the local part was already scanned as plain text; the link
		 * array only needs the whole address */
		add_link(x, s, j);
		x->emails++;
	} else {
		add_link(x, i, j);
		x->handles++;
	}
	return j;
}

/* The token holding folded position i, or NULL when i is between tokens.
 * Walks that only move forward keep the cursor *t. */
static const text_token *token_at(const text_view *tv, uint32_t i, uint32_t *t)
{
	while (*t < tv->ntok && tv->tok[*t].end <= i)
		(*t)++;
	if (*t < tv->ntok && i >= tv->tok[*t].start)
		return &tv->tok[*t];
	return NULL;
}

static void find_links(spam_ctx *x)
{
	const text_view *tv = x->tv;
	uint32_t i = 0, t = 0;

	while (i < tv->n) {
		uint32_t c, e, l, ge;
		bool obf = false, shrt = false;
		const text_token *tk;

		while (t < tv->ntok && tv->tok[t].end <= i)
			t++;
		/* between words (no label chars there: they are letters and
		 * digits) only an '@' starts anything */
		ge = t < tv->ntok ? tv->tok[t].start : tv->n;
		while (i < ge && tv->cp[i] != '@')
			i++;
		if (i < ge) {
			i = match_at(x, i);
			continue;
		}
		if (i >= tv->n)
			break;
		/* Arabic letters hold no label, '@' or scheme: skip the rest
		 * of such a word at once */
		tk = &tv->tok[t];
		if (tk->flags == TEXT_TOK_ARABIC) {
			i = tk->end;
			continue;
		}
		c = tv->cp[i];
		if (!is_label_cp(c) || c == '-' ||
		    (i > 0 && (is_label_cp(tv->cp[i - 1]) || tv->cp[i - 1] == '.' ||
			       tv->cp[i - 1] == '_'))) {
			i++;
			continue;
		}
		if ((l = match_scheme(tv, i))) {
			e = trim_url_end(tv->cp, i, skip_to_space(tv, i + l));
			if (url_host_short(tv, i + l, e))
				x->shorteners++;
			x->links++;
			add_link(x, i, e);
			i = e > i ? e : i + 1;
			continue;
		}
		e = match_domain(x, i, &obf, &shrt);
		if (e > i) {
			/* the local part of an e-mail is scanned as a domain
			 * first (info.sales@x.com); let '@' take it */
			if (e < tv->n && tv->cp[e] == '@') {
				i = e;
				continue;
			}
			x->links++;
			x->shorteners += shrt;
			x->obfuscated += obf;
			add_link(x, i, e);
			i = e;
			continue;
		}
		while (i < tv->n && is_label_cp(tv->cp[i]))
			i++;
	}
}

static bool in_link(const spam_ctx *x, uint32_t s, uint32_t e)
{
	for (uint32_t k = 0; k < x->nlink; k++)
		if (s < x->link[k].e && e > x->link[k].s)
			return true;
	return false;
}

/* Nothing but links, handles, spaces, punctuation and emoji. */
static bool link_only(const spam_ctx *x)
{
	const text_view *tv = x->tv;
	if (!x->nlink)
		return false;
	for (uint32_t i = 0; i < tv->n; i++) {
		uint32_t c = tv->cp[i];
		if ((text_is_letter(c) || text_is_digit(c)) && !in_link(x, i, i + 1))
			return false;
	}
	return true;
}

/* Seven or more digits written as one number (spaces, dashes allowed):
 * the phone rule redacts it; here it only backs a contact word. */
static void find_numbers(spam_ctx *x, spam_range *num, uint32_t *nnum)
{
	const text_view *tv = x->tv;
	uint32_t i = tv->stats.digits ? 0 : tv->n;

	while (i < tv->n) {
		uint32_t s = i, digits = 0, last = i;
		if (!text_is_digit(tv->cp[i]) || in_link(x, i, i + 1)) {
			i++;
			continue;
		}
		while (i < tv->n) {
			if (text_is_digit(tv->cp[i])) {
				digits++;
				last = ++i;
			} else if ((tv->cp[i] == ' ' || tv->cp[i] == '-') && i + 1 < tv->n &&
				   text_is_digit(tv->cp[i + 1])) {
				i++;
			} else {
				break;
			}
		}
		if (digits >= 7) {
			if (s > 0 && tv->cp[s - 1] == '+')
				s--;
			add_range(num, nnum, s, last);
		}
	}
}

static bool tok_eq(const text_view *tv, const text_token *a, const text_token *b)
{
	uint32_t la = a->end - a->start;
	return la == b->end - b->start && tv->cp[a->start] == tv->cp[b->start] &&
	       !memcmp(tv->cp + a->start, tv->cp + b->start, la * sizeof *tv->cp);
}

static void add_flood(spam_ctx *x, uint32_t s, uint32_t e)
{
	add_range(x->flood, &x->nflood, s, e);
	add_range(x->span, &x->nspan, s, e);
}

static void flood_comp(spam_ctx *x, float score)
{
	if (score > x->flood_score)
		x->flood_score = score;
}

/* How many original letters the folded letter i stands for (not
 * oend - ostart, which also spans a tatweel drawn after it). */
static uint32_t run_len(const text_view *tv, uint32_t i)
{
	uint32_t n = 0;
	for (uint32_t k = tv->ostart[i]; k < tv->oend[i] && k < tv->norig; k++)
		n += text_fold_cp(tv->orig[k]) == tv->cp[i];
	return n;
}

/* A letter stretched 12 times or more; *longest keeps the longest run.
 * Called only where 12 original code points stand behind folded i (see
 * char_floods). */
static void stretched(spam_ctx *x, uint32_t i, uint32_t *longest)
{
	const text_view *tv = x->tv;
	uint32_t rl;

	if (!text_is_letter(tv->cp[i]))
		return;
	rl = run_len(tv, i);
	if (rl < 12)
		return;
	add_flood(x, i, i + 1);
	if (rl > *longest)
		*longest = rl;
}

/* A flood inside a real comment is emphasis (جداااااا، !!!!!!!!, ها ها ها
 * ها ها), not spam: with eight or more words outside the floods it only
 * backs other signals. Comments that are mostly flood keep its score. */
static void flood_signal(spam_ctx *x)
{
	const text_view *tv = x->tv;
	uint32_t prose = 0;

	if (x->flood_score <= 0.0f)
		return;
	for (uint32_t k = 0; k < tv->ntok; k++) {
		bool inside = false;
		for (uint32_t j = 0; j < x->nflood && !inside; j++)
			inside = tv->tok[k].start < x->flood[j].e && tv->tok[k].end > x->flood[j].s;
		prose += !inside && tv->tok[k].end - tv->tok[k].start >= 2;
	}
	add_comp(x, prose >= 8 && x->flood_score > 0.3f ? 0.3f : x->flood_score);
}

/* The same word (period 1) five times in a row, or the same two- or
 * three-word phrase four times: pasted filler, not prose. Common words
 * repeat in any long comment, so only consecutive repeats count. */
static void word_floods(spam_ctx *x)
{
	const text_view *tv = x->tv;
	uint32_t i = 0;
	bool any = false;

	while (i < tv->ntok) {
		uint32_t best_end = 0;
		for (uint32_t p = 1; p <= 3 && !best_end; p++) {
			uint32_t reps = 1;
			while (i + (reps + 1) * p <= tv->ntok) {
				uint32_t k;
				for (k = 0; k < p; k++)
					if (!tok_eq(tv, &tv->tok[i + k], &tv->tok[i + reps * p + k]))
						break;
				if (k < p)
					break;
				reps++;
			}
			if (reps >= (p == 1 ? 5u : 4u))
				best_end = i + reps * p;
		}
		if (best_end) {
			add_flood(x, tv->tok[i].start, tv->tok[best_end - 1].end);
			any = true;
			i = best_end;
		} else {
			i++;
		}
	}
	if (any)
		flood_comp(x, 0.6f);
}

/* Emoji (10+ in all), punctuation runs, letters stretched far beyond
 * emphasis (the folded view keeps one letter of a run; ostart/oend still
 * cover the whole run). */
static void char_floods(spam_ctx *x)
{
	const text_view *tv = x->tv;
	uint32_t i = 0, t = 0, nemoji = 0, longest_punct = 0, longest_run = 0;
	spam_range emo[SPAM_MAX_RANGES];
	uint32_t nemo = 0;
	/* only the collapsing of a run (normalize.c) puts two original
	 * letters behind one folded letter */
	bool runs = tv->stats.collapsed > 0;

	while (i < tv->n) {
		uint32_t c = tv->cp[i], s = i;
		const text_token *tk = token_at(tv, i, &t);

		/* a word is letters and digits: no emoji or punctuation, at
		 * most a stretched letter */
		if (tk) {
			for (; runs && i < tk->end; i++)
				if (tv->oend[i] - tv->ostart[i] >= 12)
					stretched(x, i, &longest_run);
			i = tk->end;
			continue;
		}
		/* most of the rest are spaces: settle them first */
		if (c < 0x2190 && !is_flood_punct(c)) {
			/* a run of 12 needs 12 original code points behind
			 * the folded one: almost every letter fails that
			 * before any folding */
			if (runs && tv->oend[i] - tv->ostart[i] >= 12)
				stretched(x, i, &longest_run);
			i++;
			continue;
		}
		if (is_emoji(c)) {
			uint32_t last = i;
			while (i < tv->n && (is_emoji(tv->cp[i]) || tv->cp[i] == ' ')) {
				if (is_emoji(tv->cp[i])) {
					nemoji++;
					last = i;
				}
				i++;
			}
			add_range(emo, &nemo, s, last + 1);
			continue;
		}
		if (is_flood_punct(c)) {
			while (i < tv->n && is_flood_punct(tv->cp[i]))
				i++;
			if (i - s >= 10 && !in_link(x, s, i)) {
				add_flood(x, s, i);
				if (i - s > longest_punct)
					longest_punct = i - s;
			}
			continue;
		}
		if (runs && tv->oend[i] - tv->ostart[i] >= 12)
			stretched(x, i, &longest_run);
		i++;
	}
	if (nemoji >= 10) {
		for (uint32_t k = 0; k < nemo; k++)
			add_flood(x, emo[k].s, emo[k].e);
		flood_comp(x, nemoji >= 20 ? 0.7f : 0.6f);
	}
	if (longest_punct)
		flood_comp(x, longest_punct >= 20 ? 0.55f : 0.3f);
	if (longest_run)
		flood_comp(x, longest_run >= 30 ? 0.55f : 0.25f);
}

/* Over 40 letters or digits without a break, outside a link: keyboard mash
 * or an encoded payload; no Arabic or English word is that long. */
static void long_tokens(spam_ctx *x)
{
	const text_view *tv = x->tv;
	bool any = false;

	for (uint32_t k = 0; k < tv->ntok; k++) {
		const text_token *t = &tv->tok[k];
		if (t->end - t->start > SPAM_LONG_TOKEN && !in_link(x, t->start, t->end)) {
			add_range(x->span, &x->nspan, t->start, t->end);
			any = true;
		}
	}
	if (any)
		add_comp(x, 0.65f);
}

/* What one pass over the text says about which detectors can find
 * anything: the rest of the comments (most of them) skip those. */
typedef struct spam_pre {
	bool latin;         /* a word with Latin letters: links are possible */
	bool at;            /* an '@' between words: handles, e-mails */
	bool long_token;    /* a word over SPAM_LONG_TOKEN */
	bool word_flood;    /* consecutive words that may repeat (word_floods) */
	uint32_t nemoji;    /* emoji between words (char_floods counts these) */
	uint32_t punct_run; /* longest run of flood punctuation */
} spam_pre;

/* The code points between two words: spaces, punctuation, emoji. */
static void pre_gap(const uint32_t *cp, uint32_t i, uint32_t e, spam_pre *p)
{
	uint32_t run = 0;

	for (; i < e; i++) {
		uint32_t c = cp[i];
		if (c == ' ') {
			run = 0;
		} else if (is_flood_punct(c)) {
			if (++run > p->punct_run)
				p->punct_run = run;
		} else {
			run = 0;
			if (c == '@')
				p->at = true;
			else if (c >= 0x2190 && is_emoji(c))
				p->nemoji++;
		}
	}
}

/*
 * Word floods need a token equal to the one p = 1..3 before it for 4, 6 or
 * 9 tokens in a row (word_floods: 5 repeats of one word, 4 of a phrase of
 * two or three); a cheap signature (length, first and last letter) stands
 * in for equality here, so this can only say yes too often.
 */
static void pre_scan(const text_view *tv, spam_pre *p)
{
	const uint32_t *cp = tv->cp;
	uint32_t prev = 0, flags = 0, maxlen = 0;
	uint32_t sig1 = UINT32_MAX, sig2 = UINT32_MAX, sig3 = UINT32_MAX;
	uint32_t r1 = 0, r2 = 0, r3 = 0;
	bool flood = false;

	memset(p, 0, sizeof *p);
	for (uint32_t t = 0; t < tv->ntok; t++) {
		uint32_t s = tv->tok[t].start, e = tv->tok[t].end;
		uint32_t sig = (e - s) << 24 ^ cp[s] * 31 ^ cp[e - 1];

		/* most gaps are one space */
		if (s > prev && (s != prev + 1 || cp[prev] != ' '))
			pre_gap(cp, prev, s, p);
		prev = e;
		flags |= tv->tok[t].flags;
		if (e - s > maxlen)
			maxlen = e - s;
		if (sig != sig1)
			r1 = 0;
		else if (++r1 >= 4)
			flood = true;
		if (sig != sig2)
			r2 = 0;
		else if (++r2 >= 6)
			flood = true;
		if (sig != sig3)
			r3 = 0;
		else if (++r3 >= 9)
			flood = true;
		sig3 = sig2;
		sig2 = sig1;
		sig1 = sig;
	}
	pre_gap(cp, prev, tv->n, p);
	p->latin = (flags & TEXT_TOK_LATIN) != 0;
	p->long_token = maxlen > SPAM_LONG_TOKEN;
	p->word_flood = flood;
}

typedef struct spam_lex {
	float promo;      /* 1 - Π(1 - w) over promo matches */
	float contact;    /* strongest contact word */
	uint32_t npromo;
} spam_lex;

static spam_lex lex_signals(spam_ctx *x, const rule_input *in)
{
	const lexicon *lx = in->env ? in->env->lex[LEX_SPAM] : NULL;
	lex_match m[SPAM_MAX_LEX];
	spam_lex r = {0.0f, 0.0f, 0};
	float keep = 1.0f;
	uint16_t promo, contact;
	size_t n;

	if (!lx || !in->arena)
		return r;
	n = lexicon_scan(lx, x->tv, in->arena, m, SPAM_MAX_LEX);
	if (n > SPAM_MAX_LEX)
		n = SPAM_MAX_LEX;
	if (n == 0)
		return r;
	promo = lexicon_tag_id(lx, "promo");
	contact = lexicon_tag_id(lx, "contact");
	for (size_t k = 0; k < n; k++) {
		if (in_link(x, m[k].ns, m[k].ne))
			continue; /* "free" inside a URL path is the URL's */
		if (m[k].tag == contact && contact) {
			if (m[k].weight > r.contact)
				r.contact = m[k].weight;
		} else if (m[k].tag == promo && promo) {
			keep *= 1.0f - m[k].weight;
			r.npromo++;
		} else {
			continue;
		}
		add_range(x->span, &x->nspan, m[k].ns, m[k].ne);
	}
	r.promo = 1.0f - keep;
	return r;
}

static int range_cmp(const void *a, const void *b)
{
	const spam_range *p = a, *q = b;
	return p->s < q->s ? -1 : p->s > q->s ? 1 : (p->e < q->e ? -1 : p->e > q->e);
}

static float combine(spam_ctx *x)
{
	float best = 0.0f, second = 0.0f, s;

	for (uint32_t k = 0; k < x->ncomp; k++) {
		if (x->comp[k] > best) {
			second = best;
			best = x->comp[k];
		} else if (x->comp[k] > second) {
			second = x->comp[k];
		}
	}
	/* Signals add up to "likely" at most: only the explicit combinations
	 * (link_signals) or a certain signal on its own reach reject. */
	s = best + 0.5f * second;
	if (s > 0.89f && best < 0.89f)
		s = 0.89f;
	return s > 1.0f ? 1.0f : s;
}

static void link_signals(spam_ctx *x, spam_lex lx, uint32_t nnum)
{
	bool reach = x->handles || x->emails || nnum || x->links;

	if (x->links)
		add_comp(x, x->links >= 3 ? 0.9f : x->links == 2 ? 0.6f : 0.3f);
	if (x->obfuscated)
		add_comp(x, 0.75f);
	if (x->shorteners)
		add_comp(x, 0.7f);
	if (x->handles)
		add_comp(x, 0.25f);
	if (x->emails)
		add_comp(x, 0.35f);
	if (lx.contact > 0.0f)
		add_comp(x, reach ? 0.8f : lx.contact);
	/* one advertising phrase alone (a reader quoting "اضغط هنا") stays
	 * under the hold threshold unless it is an unmistakable one */
	if (lx.promo > 0.0f)
		add_comp(x, lx.promo > 0.85f ? 0.85f : lx.npromo > 1 ? lx.promo : 0.8f * lx.promo);
	if (lx.promo >= 0.3f && (x->shorteners || x->obfuscated ||
				 (lx.contact > 0.0f && reach)))
		add_comp(x, 0.95f);
	else if (lx.promo >= 0.3f && (x->handles || x->emails || nnum))
		add_comp(x, 0.9f);
	else if (lx.promo >= 0.5f && x->links)
		add_comp(x, 0.92f);
}

void rule_spam(const rule_input *in, rule_out *out)
{
	spam_ctx x;
	spam_range num[SPAM_MAX_RANGES];
	uint32_t nnum = 0, k;
	spam_lex lx;
	spam_pre pre;
	raqib_finding *f;
	float score;

	if (!in->text || in->text->n == 0)
		return;
	/* the range arrays are read only up to their counts: zero the
	 * counters, not the 1.5 KB behind them */
	x.tv = in->text;
	x.nlink = x.nspan = x.nflood = x.ncomp = 0;
	x.links = x.shorteners = x.obfuscated = x.handles = x.emails = x.numbers = 0;
	x.flood_score = 0.0f;
	pre_scan(x.tv, &pre);
	/* no link can be found without a Latin letter (scheme, TLD,
	 * shortener, "www") or an '@' */
	if (pre.latin || pre.at)
		find_links(&x);
	lx = lex_signals(&x, in);
	/* numbers only back a contact word or advertising (link_signals) */
	if (lx.contact > 0.0f || lx.promo >= 0.3f)
		find_numbers(&x, num, &nnum);
	if (lx.contact > 0.0f)
		for (k = 0; k < nnum; k++)
			add_range(x.span, &x.nspan, num[k].s, num[k].e);
	link_signals(&x, lx, nnum);
	if (pre.word_flood)
		word_floods(&x);
	/* char_floods finds nothing under 10 emoji or 10 marks in a row,
	 * and no stretched letter without collapsed runs */
	if (pre.nemoji >= 10 || pre.punct_run >= 10 || x.tv->stats.collapsed)
		char_floods(&x);
	flood_signal(&x);
	if (pre.long_token)
		long_tokens(&x);
	score = link_only(&x) ? 1.0f : combine(&x);
	if (score < 0.05f)
		return;
	f = rule_finding(out, RAQIB_RULE_SPAM, RAQIB_FIELD_TEXT, score);
	if (!f)
		return;
	qsort(x.span, x.nspan, sizeof x.span[0], range_cmp);
	for (k = 0; k < x.nspan; k++)
		rule_add_span(f, x.tv, x.span[k].s, x.span[k].e);
}
