#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text/lexicon.h"

static const char lexdata[] =
	"# test lexicon\n"
	"\n"
	"حمار\t0.7\tinsult\n"
	"كلب\t0.6\tinsult\n"
	"ابن الكلب\t0.9\tinsult\n"
	"لعنة الله عليك\t0.85\tcurse\n"
	"لعنة الله على الظالمين\t0\tsafe\n"
	"=وسخ\t0.6\n"
	"غبي\n"
	"  # indented comment\n"
	"قذر\t.5\n"
	"يهود\t0\tgroup\n"
	"حشرات\t0.8\tdehuman\n"
	"sharmouta\t0.95\tobscene\n";

static lexicon *load(const char *data)
{
	lexicon *lx = NULL;
	raqib_err err;
	int rc = lexicon_load(&lx, data, strlen(data), "t.txt", &err);
	if (rc)
		fail_msg("load failed: %s", err.msg);
	return lx;
}

/* Scans `text`; returns the match count and fills m. */
static size_t scan(const lexicon *lx, raqib_arena *a, const char *text,
		   text_view *tv, lex_match *m, size_t max)
{
	raqib_err err;
	assert_int_equal(text_normalize(tv, a, text, strlen(text), &err), 0);
	return lexicon_scan(lx, tv, a, m, max);
}

/* The original text covered by a match, as UTF-8, in a static buffer. */
static const char *orig_of(const text_view *tv, const lex_match *m)
{
	static char buf[512];
	raqib_span sp = text_span(tv, m->ns, m->ne);
	size_t o = 0;
	for (uint32_t i = sp.start; i < sp.end && o + 4 < sizeof buf; i++)
		o += raqib_utf8_encode(tv->orig[i], buf + o);
	buf[o] = 0;
	return buf;
}

typedef struct fixture {
	lexicon *lx;
	raqib_arena *a;
} fixture;

static int setup(void **state)
{
	static fixture f;
	f.lx = load(lexdata);
	f.a = raqib_arena_new(1 << 16);
	*state = &f;
	return f.lx && f.a ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;
	lexicon_free(f->lx);
	raqib_arena_free(f->a);
	return 0;
}

/* Expects exactly one match in text, covering original substring `want`. */
static lex_match one(void **state, const char *text, const char *want)
{
	fixture *f = *state;
	text_view tv;
	lex_match m[8];
	raqib_arena_reset(f->a);
	size_t n = scan(f->lx, f->a, text, &tv, m, 8);
	if (n != 1)
		fail_msg("%s: %zu matches, want 1", text, n);
	assert_string_equal(orig_of(&tv, &m[0]), want);
	return m[0];
}

static size_t count(void **state, const char *text)
{
	fixture *f = *state;
	text_view tv;
	lex_match m[8];
	raqib_arena_reset(f->a);
	return scan(f->lx, f->a, text, &tv, m, 8);
}

static void expect_load_error(const char *data, const char *want)
{
	lexicon *lx = (lexicon *)1;
	raqib_err err = {0, ""};
	int rc = lexicon_load(&lx, data, strlen(data), "bad.txt", &err);
	assert_int_not_equal(rc, 0);
	assert_null(lx);
	if (!strstr(err.msg, want))
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
}

static void test_load_errors(void **state)
{
	(void)state;
	expect_load_error("حمار\t1\nكلب\tabc\n", "bad.txt:2: bad weight");
	expect_load_error("كلب\t1.5\n", "bad.txt:1: bad weight");
	expect_load_error("كلب\t-0.5\n", "bad weight");
	expect_load_error("# c\n\nكلب\t0.5\tno way\n", "bad.txt:3: bad tag");
	expect_load_error("a\nb\nc\xff\xfe\n", "bad.txt:3: invalid UTF-8");
	expect_load_error("a b c d e\n", "bad.txt:1: entry has 5 words");
	expect_load_error("ok\n...\n", "bad.txt:2: entry has no letters");
	expect_load_error("x\t1\ttag\textra\n", "bad.txt:1: more than 3");

	char big[1200];
	memset(big, 'a', sizeof big - 2);
	big[sizeof big - 2] = '\n';
	big[sizeof big - 1] = 0;
	char two[1300] = "x\n";
	strcat(two, big);
	expect_load_error(two, "bad.txt:2: line longer than");
}

static void test_size_tags_has_word(void **state)
{
	fixture *f = *state;
	uint32_t himar[] = {0x062D, 0x0645, 0x0627, 0x0631};
	uint32_t ibn[] = {0x0627, 0x0628, 0x0646};

	assert_int_equal(lexicon_size(f->lx), 11);
	assert_int_not_equal(lexicon_tag_id(f->lx, "insult"), 0);
	assert_int_not_equal(lexicon_tag_id(f->lx, "group"), 0);
	assert_int_not_equal(lexicon_tag_id(f->lx, "insult"),
			     lexicon_tag_id(f->lx, "group"));
	assert_int_equal(lexicon_tag_id(f->lx, "nosuch"), 0);
	assert_true(lexicon_has_word(f->lx, himar, 4));
	assert_false(lexicon_has_word(f->lx, himar, 3));
	/* only part of a phrase, not an entry of its own */
	assert_false(lexicon_has_word(f->lx, ibn, 3));
}

static void test_exact_and_weights(void **state)
{
	fixture *f = *state;
	lex_match m = one(state, "انت حمار حقا", "حمار");
	assert_float_equal(m.weight, 0.7, 1e-6);
	assert_int_equal(m.tag, lexicon_tag_id(f->lx, "insult"));
	assert_int_equal(m.evasion, 0);
	assert_int_equal(m.tok_start, 1);
	assert_int_equal(m.tok_end, 2);
	m = one(state, "غبي", "غبي");
	assert_float_equal(m.weight, 1.0, 1e-6);
	assert_int_equal(m.tag, 0);
	m = one(state, "قذر", "قذر");
	assert_float_equal(m.weight, 0.5, 1e-6);
	/* spelling variants fold onto the entry */
	one(state, "يا حِمَار", "حِمَار");
	one(state, "يا حمااااار", "حمااااار");
	one(state, "يا حـــمـــار", "حـــمـــار");
	one(state, "SHARMOUTA!", "SHARMOUTA");
}

static void test_clitics(void **state)
{
	static const char *forms[] = {
		"وكلب", "فكلب", "بكلب", "لكلب", "ككلب", "الكلب", "والكلب",
		"بالكلب", "فالكلب", "كالكلب", "للكلب", "كلبه", "كلبة", "كلبها",
		"كلبهم", "كلبهن", "كلبكم", "كلبكن", "كلبك", "كلبي", "كلبنا",
		"كلبين", "كلبون", "كلبات", "كلبان", "وكلبكم", "بالكلبين",
	};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		char text[128];
		snprintf(text, sizeof text, "هذا %s هنا", forms[i]);
		one(state, text, forms[i]);
	}
}

static void test_no_substring_match(void **state)
{
	assert_int_equal(count(state, "كلبشة الأيدي"), 0);
	assert_int_equal(count(state, "الكلبشات"), 0);
	assert_int_equal(count(state, "كلاب"), 0);    /* plurals need own entries */
	assert_int_equal(count(state, "حمارة"), 1);   /* ة folds to the ه clitic */
	assert_int_equal(count(state, "حمارنجي"), 0);
	assert_int_equal(count(state, "sharmoutas"), 0);
	/* stems must keep two letters: ل + كل is not كلب-like, ك + ب too short */
	assert_int_equal(count(state, "كب"), 0);
	/* exact-only entries get no clitics */
	one(state, "انت وسخ", "وسخ");
	assert_int_equal(count(state, "الوسخ"), 0);
	assert_int_equal(count(state, "وسخه"), 0);
}

static void test_phrases_longest(void **state)
{
	fixture *f = *state;
	lex_match m = one(state, "يا ابن الكلب", "ابن الكلب");
	assert_float_equal(m.weight, 0.9, 1e-6);
	assert_int_equal(m.tok_end - m.tok_start, 2);
	/* prefix on the first word, suffix on the last */
	one(state, "وابن الكلب هذا", "وابن الكلب");
	one(state, "يا ابن الكلبة", "ابن الكلبة");
	m = one(state, "لعنة الله عليك يا رجل", "لعنة الله عليك");
	assert_int_equal(m.tag, lexicon_tag_id(f->lx, "curse"));
	/* عليكم is not عليك + a clitic: phrases list their own forms */
	assert_int_equal(count(state, "لعنة الله عليكم"), 0);
	/* a zero-weight phrase shadows its words (no separate match) */
	m = one(state, "لعنة الله على الظالمين", "لعنة الله على الظالمين");
	assert_float_equal(m.weight, 0.0, 1e-6);
	/* inner words of a phrase must be exact */
	assert_int_equal(count(state, "ابن والكلب"), 1); /* only كلب */
	/* a sentence end breaks a phrase */
	m = one(state, "ابن. الكلب", "الكلب");
	assert_float_equal(m.weight, 0.6, 1e-6);
}

static void test_evasion(void **state)
{
	static const char *forms[] = {
		"ح م ا ر", "ح.م.ا.ر", "ح-م-ا-ر", "ح_م_ا_ر", "ح*م*ا*ر", "ح . م . ا . ر",
	};
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		char text[128];
		snprintf(text, sizeof text, "انت %s يا رجل", forms[i]);
		lex_match m = one(state, text, forms[i]);
		assert_int_equal(m.evasion, 1);
		assert_int_equal(m.tok_end - m.tok_start, 4);
		assert_float_equal(m.weight, 0.7, 1e-6);
	}
	/* joined with a clitic, and two spread words in a row */
	one(state, "ا ل ح م ا ر", "ا ل ح م ا ر");
	assert_int_equal(count(state, "ح م ا ر و ك ل ب"), 2);
	/* separators other than space . - _ * do not join */
	assert_int_equal(count(state, "ح/م/ا/ر"), 0);
	assert_int_equal(count(state, "ح م ا"), 0);
}

static void test_many_matches(void **state)
{
	fixture *f = *state;
	text_view tv;
	lex_match m[2];
	raqib_arena_reset(f->a);
	size_t n = scan(f->lx, f->a, "كلب حمار غبي قذر", &tv, m, 2);
	assert_int_equal(n, 4);
	assert_int_equal(m[0].tok_start, 0);
	assert_int_equal(m[1].tok_start, 1);
	assert_int_equal(lexicon_scan(NULL, &tv, f->a, m, 2), 0);
}

/* A second lexicon with words that share stems with the first (كلب) and
 * its own phrase, clitic and spread-letter matches. */
static const char lexdata2[] =
	"كلب\t0.3\tanimal\n"
	"قطه\t0.4\tanimal\n"
	"مش عارف\t0.5\tegy\n"
	"ازاي\t0.6\tegy\n"
	"=بتاع\t0.2\tegy\n";

static const char *const cache_texts[] = {
	"يا ابن الكلب انت مش عارف ازاي والقطه حمار",
	"ح م ا ر و ك ل ب. لعنة الله عليك وبتاع بتاع",
	"sharmouta! كلبهم قذر، غبي غبي ومش عارفين",
	"",
};

static void expect_same(const lex_match *a, size_t na, const lex_match *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na && i < 16; i++) {
		assert_int_equal(a[i].tok_start, b[i].tok_start);
		assert_int_equal(a[i].tok_end, b[i].tok_end);
		assert_int_equal(a[i].ns, b[i].ns);
		assert_int_equal(a[i].ne, b[i].ne);
		assert_float_equal(a[i].weight, b[i].weight, 0);
		assert_int_equal(a[i].tag, b[i].tag);
		assert_int_equal(a[i].evasion, b[i].evasion);
	}
}

/* Scans text with lx on a view of its own (no cache yet). */
static size_t fresh_scan(const lexicon *lx, const char *text, lex_match *m)
{
	raqib_arena *a = raqib_arena_new(4096);
	text_view tv;
	raqib_err err;
	assert_non_null(a);
	assert_int_equal(text_normalize(&tv, a, text, strlen(text), &err), 0);
	assert_null(tv.prep);
	size_t n = lexicon_scan(lx, &tv, a, m, 16);
	raqib_arena_free(a);
	return n;
}

/* The stems cached by one lexicon's scan serve the next lexicon exactly as
 * a fresh view would, in either order, and the cache is made only once. */
static void test_cache_shared(void **state)
{
	fixture *f = *state;
	lexicon *lx2 = load(lexdata2);
	const lexicon *order[2][2] = {{f->lx, lx2}, {lx2, f->lx}};

	for (size_t i = 0; i < sizeof cache_texts / sizeof *cache_texts; i++) {
		for (int o = 0; o < 2; o++) {
			text_view tv;
			lex_match m[16], want[16];
			raqib_err err;
			const char *text = cache_texts[i];
			raqib_arena_reset(f->a);
			assert_int_equal(text_normalize(&tv, f->a, text, strlen(text), &err), 0);
			size_t n = lexicon_scan(order[o][0], &tv, f->a, m, 16);
			expect_same(m, n, want, fresh_scan(order[o][0], text, want));
			const struct lex_prep *p = tv.prep;
			if (tv.ntok)
				assert_non_null(p);
			n = lexicon_scan(order[o][1], &tv, f->a, m, 16);
			expect_same(m, n, want, fresh_scan(order[o][1], text, want));
			assert_ptr_equal(tv.prep, p);
			/* and again with the first, now from the cache */
			n = lexicon_scan(order[o][0], &tv, f->a, m, 16);
			expect_same(m, n, want, fresh_scan(order[o][0], text, want));
			/* without an arena the stems are made per token: same */
			tv.prep = NULL;
			n = lexicon_scan(order[o][1], &tv, NULL, m, 16);
			expect_same(m, n, want, fresh_scan(order[o][1], text, want));
			assert_null(tv.prep);
		}
	}
	/* the texts above do match something in both lexicons */
	lex_match m[16];
	assert_int_equal(fresh_scan(lx2, cache_texts[0], m), 4);
	assert_int_equal(fresh_scan(f->lx, cache_texts[0], m), 2);
	lexicon_free(lx2);
}

/* Re-normalizing a view drops its cache; a view whose arrays changed under
 * a cache made for another text does not use it. */
static void test_cache_renormalized(void **state)
{
	fixture *f = *state;
	text_view tv, other;
	lex_match m[16];
	raqib_err err;
	const char *a = "انت حمار", *b = "هذا كلب وذاك غبي";

	raqib_arena_reset(f->a);
	assert_int_equal(text_normalize(&tv, f->a, a, strlen(a), &err), 0);
	assert_int_equal(lexicon_scan(f->lx, &tv, f->a, m, 16), 1);
	assert_string_equal(orig_of(&tv, &m[0]), "حمار");
	assert_non_null(tv.prep);

	assert_int_equal(text_normalize(&tv, f->a, b, strlen(b), &err), 0);
	assert_null(tv.prep);
	assert_int_equal(lexicon_scan(f->lx, &tv, f->a, m, 16), 2);
	assert_string_equal(orig_of(&tv, &m[0]), "كلب");
	assert_non_null(tv.prep);

	/* a caller that copies another view over this one but keeps the
	 * stale pointer still gets matches for the new text */
	assert_int_equal(text_normalize(&other, f->a, a, strlen(a), &err), 0);
	struct lex_prep *stale = tv.prep;
	tv = other;
	tv.prep = stale;
	assert_int_equal(lexicon_scan(f->lx, &tv, f->a, m, 16), 1);
	assert_string_equal(orig_of(&tv, &m[0]), "حمار");
	assert_ptr_not_equal(tv.prep, stale);
}

/* Tag ids: every distinct tag its own id, the id that matches carry, and
 * 0 for anything not in the file (prefixes, extensions, too long, empty). */
static void test_tag_ids(void **state)
{
	(void)state;
	static const char *const tags[] = {
		"a", "b", "ab", "ba", "slur", "slurs", "egy", "promo", "contact", "x_y-1",
		"fifteen_chars_x", "t11", "t12", "t13", "t14", "t15", "t16", "t17", "t18",
		"t19", "t20", "t21", "t22", "t23", "t24", "t25", "t26", "t27", "t28",
		"t29", "t30",
	};
	const size_t nt = sizeof tags / sizeof *tags;
	static const uint32_t L[] = {0x0628, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E};
	char data[4096];
	size_t o = 0;
	uint16_t ids[sizeof tags / sizeof *tags];

	assert_int_equal(nt, LEX_MAX_TAGS - 1);
	/* one two-letter word per tag */
	for (size_t i = 0; i < nt; i++) {
		o += raqib_utf8_encode(L[i % 6], data + o);
		o += raqib_utf8_encode(L[i / 6], data + o);
		o += (size_t)snprintf(data + o, sizeof data - o, "\t1\t%s\n", tags[i]);
	}
	lexicon *lx = NULL;
	raqib_err err;
	assert_int_equal(lexicon_load(&lx, data, o, "tags", &err), 0);
	for (size_t i = 0; i < nt; i++) {
		ids[i] = lexicon_tag_id(lx, tags[i]);
		assert_int_not_equal(ids[i], 0);
		for (size_t k = 0; k < i; k++)
			assert_int_not_equal(ids[i], ids[k]);
		uint32_t w[2] = {L[i % 6], L[i / 6]};
		text_view tv;
		lex_match m;
		raqib_arena *a = raqib_arena_new(4096);
		char text[16];
		size_t tl = raqib_utf8_encode(w[0], text);
		tl += raqib_utf8_encode(w[1], text + tl);
		assert_int_equal(text_normalize(&tv, a, text, tl, &err), 0);
		assert_int_equal(lexicon_scan(lx, &tv, a, &m, 1), 1);
		assert_int_equal(m.tag, ids[i]);
		raqib_arena_free(a);
	}
	assert_int_equal(lexicon_tag_id(lx, ""), 0);
	assert_int_equal(lexicon_tag_id(lx, "slu"), 0);
	assert_int_equal(lexicon_tag_id(lx, "slurss"), 0);
	assert_int_equal(lexicon_tag_id(lx, "fifteen_chars_"), 0);
	assert_int_equal(lexicon_tag_id(lx, "fifteen_chars_xy"), 0);
	assert_int_equal(lexicon_tag_id(lx, "t31"), 0);
	assert_int_equal(lexicon_tag_id(lx, "A"), 0);
	assert_int_equal(lexicon_tag_id(NULL, "a"), 0);
	assert_int_equal(lexicon_tag_id(lx, NULL), 0);
	lexicon_free(lx);
}

/* A lexicon loaded after a view's cache was made still finds its words in
 * that view, and the cache keeps serving the older lexicon. */
static void test_lexicon_loaded_after_cache(void **state)
{
	fixture *f = *state;
	const char *text = "هذا كتاب جديد عن كلب ذكي";
	text_view tv;
	lex_match m[4];
	raqib_err err;

	raqib_arena_reset(f->a);
	assert_int_equal(text_normalize(&tv, f->a, text, strlen(text), &err), 0);
	assert_int_equal(lexicon_scan(f->lx, &tv, f->a, m, 4), 1);
	assert_string_equal(orig_of(&tv, &m[0]), "كلب");
	const struct lex_prep *p = tv.prep;
	assert_non_null(p);

	lexicon *late = load("كتاب جديد\t0.5\tbook\nذكي\t0.4\n");
	assert_int_equal(lexicon_scan(late, &tv, f->a, m, 4), 2);
	assert_string_equal(orig_of(&tv, &m[0]), "كتاب جديد");
	assert_string_equal(orig_of(&tv, &m[1]), "ذكي");
	assert_ptr_equal(tv.prep, p);
	assert_int_equal(lexicon_scan(f->lx, &tv, f->a, m, 4), 1);
	assert_string_equal(orig_of(&tv, &m[0]), "كلب");
	lexicon_free(late);
}

/* More lexicons than the presence map has bits for: those sharing a bit
 * still find exactly their own words and phrases, as scans without the
 * cache (no arena) do. */
static void test_many_lexicons(void **state)
{
	(void)state;
	static const char *const w[] = {
		"كتاب", "قلم", "بيت", "شجرة", "سيارة", "مدرسة", "طريق", "نهر",
		"جبل", "بحر", "شمس", "قمر", "نجم", "باب",
	};
	enum { NL = sizeof w / sizeof *w };
	lexicon *lx[NL];
	char text[512], data[256];
	size_t o = 0;

	for (size_t i = 0; i < NL; i++) {
		/* word i alone and the phrase of the two words after it */
		snprintf(data, sizeof data, "%s\n%s %s\t0.5\tp\n", w[i],
			 w[(i + 1) % NL], w[(i + 2) % NL]);
		lx[i] = load(data);
		o += (size_t)snprintf(text + o, sizeof text - o, "%s%s", i ? " " : "", w[i]);
	}
	raqib_arena *a = raqib_arena_new(1 << 14);
	text_view tv, bare;
	raqib_err err;
	assert_int_equal(text_normalize(&tv, a, text, o, &err), 0);
	assert_int_equal(text_normalize(&bare, a, text, o, &err), 0);
	for (size_t i = 0; i < NL; i++) {
		lex_match m[8], want[8];
		size_t n = lexicon_scan(lx[i], &tv, a, m, 8);
		assert_non_null(tv.prep);
		expect_same(m, n, want, lexicon_scan(lx[i], &bare, NULL, want, 8));
		/* its word and its phrase, which wraps around to the start
		 * for the last lexicon and is not in the text for the one
		 * before */
		assert_int_equal(n, i == NL - 2 ? 1 : 2);
		const lex_match *word = &m[i == NL - 1 ? 1 : 0];
		assert_int_equal(word->tok_start, i);
		assert_int_equal(word->tok_end, i + 1);
		assert_int_equal(word->tag, 0);
		if (n == 2)
			assert_int_equal(m[i == NL - 1 ? 0 : 1].tok_start, (i + 1) % NL);
	}
	for (size_t i = 0; i < NL; i++)
		lexicon_free(lx[i]);
	raqib_arena_free(a);
}

/* Bloom filters are sized to the lexicon: a large one still finds every
 * word and nothing else. */
static void test_large_lexicon(void **state)
{
	(void)state;
	static const uint32_t L[28] = {
		0x0628, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E, 0x062F, 0x0630,
		0x0631, 0x0632, 0x0633, 0x0634, 0x0635, 0x0636, 0x0637, 0x0638,
		0x0639, 0x063A, 0x0641, 0x0642, 0x0643, 0x0644, 0x0645, 0x0646,
		0x0647, 0x0648, 0x064A, 0x0627};
	const int half = 28 * 28 * 14; /* words i < half are loaded */
	size_t cap = (size_t)half * 8, o = 0, nw = 0;
	char *big = malloc(cap);
	assert_non_null(big);
	for (int i = 0; i < half; i++) {
		uint32_t w[3] = {L[i % 28], L[i / 28 % 28], L[i / 784]};
		if (w[0] == w[1] && w[1] == w[2])
			continue; /* would collapse to one letter */
		for (int k = 0; k < 3; k++)
			o += raqib_utf8_encode(w[k], big + o);
		big[o++] = '\n';
		nw++;
	}
	lexicon *lx = NULL;
	raqib_err err;
	assert_int_equal(lexicon_load(&lx, big, o, "big", &err), 0);
	free(big);
	assert_true(nw > 10000);
	assert_int_equal(lexicon_size(lx), nw);
	size_t found = 0, wrong = 0;
	for (int i = 0; i < 28 * 28 * 28; i++) {
		uint32_t w[3] = {L[i % 28], L[i / 28 % 28], L[i / 784]};
		if (w[0] == w[1] && w[1] == w[2])
			continue;
		bool has = lexicon_has_word(lx, w, 3);
		found += has && i < half;
		wrong += has != (i < half);
	}
	assert_int_equal(found, nw);
	assert_int_equal(wrong, 0);
	lexicon_free(lx);
}

/* Matches against a 2,000-entry lexicon; prints the time per comment for
 * information only (speed is measured by make bench, not gated here). */
static void test_speed(void **state)
{
	fixture *f = *state;
	size_t cap = 2000 * 40, o = 0;
	char *big = malloc(cap);
	assert_non_null(big);
	for (int i = 0; i < 2000; i++) {
		/* synthetic distinct three-letter words */
		static const uint32_t L[25] = {
			0x0628, 0x062A, 0x062B, 0x062C, 0x062D, 0x062E, 0x062F, 0x0630,
			0x0631, 0x0632, 0x0633, 0x0634, 0x0635, 0x0636, 0x0637, 0x0638,
			0x0639, 0x063A, 0x0641, 0x0642, 0x0643, 0x0644, 0x0645, 0x0646,
			0x0647};
		static const uint32_t M[4] = {0x0627, 0x0648, 0x064A, 0x0621};
		uint32_t w[3] = {L[i % 25], L[i / 25 % 25], M[i / 625]};
		for (int k = 0; k < 3; k++)
			o += raqib_utf8_encode(w[k], big + o);
		if (i % 5 == 0)
			o += (size_t)snprintf(big + o, cap - o, " وزير");
		o += (size_t)snprintf(big + o, cap - o, "\t0.5\n");
	}
	lexicon *lx = NULL;
	raqib_err err;
	assert_int_equal(lexicon_load(&lx, big, o, "big", &err), 0);
	assert_int_equal(lexicon_size(lx), 2000);
	free(big);

	const char *text = "قال الوزير في تصريح للصحفيين إن الحكومة ستعمل على "
			   "تحسين الخدمات العامة وتطوير البنية التحتية في المدن "
			   "والقرى خلال العام المقبل وأضاف أن الميزانية الجديدة "
			   "تتضمن زيادة في الإنفاق على التعليم";
	text_view tv;
	lex_match m[16];
	raqib_err e2;
	raqib_arena_reset(f->a);
	assert_int_equal(text_normalize(&tv, f->a, text, strlen(text), &e2), 0);
	struct timespec t0, t1;
	const int iters = 20000;
	size_t total = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < iters; i++)
		total += lexicon_scan(lx, &tv, f->a, m, 16);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
		     (double)(t1.tv_nsec - t0.tv_nsec)) / iters;
	print_message("lexicon_scan: %u tokens, %.0f ns per comment\n", tv.ntok, ns);
	(void)total;
	lexicon_free(lx);
}

/* LEX_BARE_ARTICLE: a phrase's later words also match without ال, unless
 * the first word itself came behind a prefix (البنت وسخه is a sentence);
 * words of ال + 2 letters keep it (عدو الله); lines of the file win over
 * variants, and a repeated line moves its variant with it. */
static lexicon *load_opts(const char *data, unsigned opts)
{
	lexicon *lx = NULL;
	raqib_err err;
	if (lexicon_load_opts(&lx, data, strlen(data), "t.txt", opts, &err))
		fail_msg("load failed: %s", err.msg);
	return lx;
}

static float weight_of(lexicon *lx, raqib_arena *a, const char *text, const char *want)
{
	text_view tv;
	lex_match m[8];
	size_t n;

	raqib_arena_reset(a);
	n = scan(lx, a, text, &tv, m, 8);
	if (!want) {
		if (n)
			fail_msg("%s: %zu matches, want none", text, n);
		return -1.0f;
	}
	if (n != 1)
		fail_msg("%s: %zu matches, want 1", text, n);
	assert_string_equal(orig_of(&tv, &m[0]), want);
	return m[0].weight;
}

static void test_bare_article(void **state)
{
	static const char data[] = "قليل الأدب\t0.7\tperson\n"
				   "بنت الوسخة\t0.9\tobscene\n"
				   "عدو الله\t0.8\tperson\n"
				   "عديم شرف\t0.2\tperson\n"
				   "عديم الشرف\t0.8\tperson\n"
				   "ولاد الحرام\t0.9\tperson\n"
				   "ولاد حرام\t0.3\tperson\n"
				   "قليل الأدب\t0.6\tperson\n";
	lexicon *plain = load_opts(data, 0), *bare = load_opts(data, LEX_BARE_ARTICLE);
	raqib_arena *a = raqib_arena_new(1 << 16);

	(void)state;
	assert_non_null(a);
	/* without the option nothing changes */
	weight_of(plain, a, "الكاتب قليل ادب", NULL);
	assert_float_equal(weight_of(plain, a, "الكاتب قليل الأدب", "قليل الأدب"), 0.6, 1e-6);
	/* with it, both forms; the repeated line (0.6) moved its variant */
	assert_float_equal(weight_of(bare, a, "الكاتب قليل ادب جدا", "قليل ادب"), 0.6, 1e-6);
	assert_float_equal(weight_of(bare, a, "الكاتب قليل الأدب", "قليل الأدب"), 0.6, 1e-6);
	assert_float_equal(weight_of(bare, a, "وقليل الأدب", "وقليل الأدب"), 0.6, 1e-6);
	assert_float_equal(weight_of(bare, a, "دي بنت وسخة", "بنت وسخة"), 0.9, 1e-6);
	/* the first word behind the article: a sentence, not the idafa */
	weight_of(bare, a, "البنت وسخه", NULL);
	weight_of(bare, a, "والبنت وسخه", NULL);
	weight_of(bare, a, "للبنت وسخه", NULL);
	/* behind a conjunction or preposition only: still the phrase */
	assert_float_equal(weight_of(bare, a, "انت وقليل ادب", "وقليل ادب"), 0.6, 1e-6);
	assert_float_equal(weight_of(bare, a, "يا فبنت وسخه", "فبنت وسخه"), 0.9, 1e-6);
	/* ال + 2 letters is not stripped: عدو له is not عدو الله */
	weight_of(bare, a, "عدو له", NULL);
	/* an earlier line with the bare words keeps its own weight ... */
	assert_float_equal(weight_of(bare, a, "عديم شرف", "عديم شرف"), 0.2, 1e-6);
	/* ... and so does a later one */
	assert_float_equal(weight_of(bare, a, "ولاد حرام", "ولاد حرام"), 0.3, 1e-6);
	assert_float_equal(weight_of(bare, a, "ولاد الحرام", "ولاد الحرام"), 0.9, 1e-6);
	lexicon_free(plain);
	lexicon_free(bare);
	raqib_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test_setup_teardown(test_size_tags_has_word, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_and_weights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clitics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_substring_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phrases_longest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evasion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_matches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_renormalized, setup, teardown),
		cmocka_unit_test(test_large_lexicon),
		cmocka_unit_test(test_tag_ids),
		cmocka_unit_test_setup_teardown(test_lexicon_loaded_after_cache, setup, teardown),
		cmocka_unit_test(test_many_lexicons),
		cmocka_unit_test(test_bare_article),
		cmocka_unit_test_setup_teardown(test_speed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
