/*
 * off_topic_test — the off_topic rule called directly: the article-swap
 * property on a hand-made pair of articles, short reactions, the article
 * cache (built once, same answer as without it), the stem keys shared with
 * tools/make_idf.py (clitic prefixes off before Snowball), and no judgement
 * without an article.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libstemmer.h>
#include <string.h>

#include "rules/rule.h"
#include "text/text.h"

uint32_t off_topic_key(const unsigned char *s, size_t n);
int off_topic_stem(struct sb_stemmer *sb, const uint32_t *w, size_t n,
		   uint32_t *form_key, uint32_t *stem_key, char *out, size_t cap);
float off_topic_score(const rule_input *in);

static const char *const LIBYA_T = "حفتر...مشروع إسقاط الإسلام السياسي في ليبيا";
static const char *const LIBYA_B =
	"في موازاة حكومة الوفاق التي تعترف بها الأسرة الدولية ومقرها في طرابلس، "
	"ثمة حكومة موازية في شرق ليبيا تدعمها قوات المشير خليفة حفتر المدعوم من "
	"مصر وروسيا والإمارات. ومنذ سقوط نظام معمر القذافي في 2011 تعم ليبيا حالة "
	"من الفوضى.";
static const char *const FOOT_T = "الفيصلي يفوز على الوحدات ويتصدر الدوري";
static const char *const FOOT_B =
	"حقق فريق النادي الفيصلي فوزا ثمينا على منافسه الوحدات بهدفين مقابل هدف "
	"في المباراة التي جرت مساء أمس على ستاد عمان الدولي، ليتصدر جدول ترتيب "
	"دوري المحترفين. وسجل المهاجم هدف الفوز في الدقائق الأخيرة.";
static const char *const FOOT_C =
	"الحكم ظلم الوحدات في المباراة وكان يجب أن يحتسب ضربة جزاء واضحة والفيصلي "
	"لم يستحق الفوز ولا صدارة الدوري بهذا المستوى الضعيف للمهاجمين";

typedef struct fx {
	raqib_arena *a, *art;
	text_view text, title, body;
	void *cache[RAQIB_RULE_COUNT];
	rule_input in;
	ot_memo *memo;     /* given to the rule by score() when set */
} fx;

static void view(text_view *tv, const char *s, raqib_arena *a)
{
	raqib_err err;
	assert_int_equal(text_normalize(tv, a, s, strlen(s), &err), 0);
}

static float score(fx *f, const char *text, const char *title, const char *body, bool cache)
{
	raqib_arena_reset(f->a);
	raqib_arena_reset(f->art);
	memset(f->cache, 0, sizeof f->cache);
	memset(&f->in, 0, sizeof f->in);
	view(&f->text, text, f->a);
	f->in.text = &f->text;
	f->in.arena = f->a;
	if (title) {
		view(&f->title, title, f->art);
		view(&f->body, body, f->art);
		f->in.title = &f->title;
		f->in.body = &f->body;
	}
	if (cache) {
		f->in.article_arena = f->art;
		f->in.article_cache = f->cache;
	}
	f->in.stem_memo = f->memo;
	return off_topic_score(&f->in);
}

static int setup(void **state)
{
	static fx f;
	f.a = raqib_arena_new(1 << 16);
	f.art = raqib_arena_new(1 << 16);
	*state = &f;
	return f.a && f.art ? 0 : -1;
}

static int teardown(void **state)
{
	fx *f = *state;
	raqib_arena_free(f->a);
	raqib_arena_free(f->art);
	return 0;
}

static void test_swap(void **state)
{
	fx *f = *state;
	float own = score(f, FOOT_C, FOOT_T, FOOT_B, true);
	float other = score(f, FOOT_C, LIBYA_T, LIBYA_B, true);

	assert_true(own < 0.5f);
	assert_true(other >= 0.5f);
	assert_true(other - own > 0.3f);
}

static void test_short_reactions(void **state)
{
	fx *f = *state;
	assert_true(score(f, "شكراً على المقال", LIBYA_T, LIBYA_B, true) < 0.5f);
	assert_true(score(f, "مقال رائع", FOOT_T, FOOT_B, true) < 0.5f);
	assert_true(score(f, "الله يوفقكم", FOOT_T, FOOT_B, true) < 0.5f);
}

static void test_no_article(void **state)
{
	fx *f = *state;
	assert_true(score(f, FOOT_C, NULL, NULL, false) == 0.0f);
	assert_true(score(f, "", FOOT_T, FOOT_B, true) == 0.0f);
}

/* The article state is built once and gives what a fresh build gives,
 * including for the words memoised by an earlier comment. */
static void test_cache(void **state)
{
	fx *f = *state;
	float fresh = score(f, FOOT_C, LIBYA_T, LIBYA_B, false), again;

	assert_true(score(f, FOOT_C, LIBYA_T, LIBYA_B, true) == fresh);
	assert_non_null(f->cache[RAQIB_RULE_OFF_TOPIC]);
	raqib_arena_reset(f->a);
	view(&f->text, FOOT_C, f->a);
	again = off_topic_score(&f->in);
	assert_true(again == fresh);
}

/* The caller's stem memo answers as the stemmer: every pairing of
 * comments and articles scores the same with a memo that has seen the
 * words (in other articles, in the same article, as comment words) as
 * without one. The texts hold names and forms the shipped table lacks. */
static void test_stem_memo(void **state)
{
	fx *f = *state;
	static const char *const arts[][2] = {
		{LIBYA_T, LIBYA_B},
		{FOOT_T, FOOT_B},
		{"ترامب يلتقي زيلينسكي في منتجع مارالاغو",
		 "التقى الرئيس الأمريكي دونالد ترامب نظيره الأوكراني فولوديمير زيلينسكي "
		 "في منتجعه مارالاغو بولاية فلوريدا لبحث خطة السلام ومستقبل الناتو NATO."},
	};
	static const char *const comments[] = {
		FOOT_C, "حفتر والقذافي وجهان لعملة واحدة والليبيون يدفعون الثمن",
		"زيلينسكي يراهن على ترامب والناتو لن يتدخل", "شكراً على المقال",
		"الفيصلي والوحدات ديربي عمان الأجمل",
	};
	float fresh[3][5];

	f->memo = NULL;
	for (size_t a = 0; a < 3; a++)
		for (size_t c = 0; c < 5; c++)
			fresh[a][c] = score(f, comments[c], arts[a][0], arts[a][1], false);
	f->memo = ot_memo_new();
	assert_non_null(f->memo);
	for (int round = 0; round < 2; round++)
		for (size_t a = 0; a < 3; a++)
			for (size_t c = 0; c < 5; c++) {
				assert_true(score(f, comments[c], arts[a][0], arts[a][1], false) ==
					    fresh[a][c]);
				assert_true(score(f, comments[c], arts[a][0], arts[a][1], true) ==
					    fresh[a][c]);
			}
	ot_memo_free(f->memo);
	f->memo = NULL;
}

/* The keys of a word: FNV-1a 32 (what make_idf.py's table is keyed by),
 * and the Snowball stem of the word without its clitic prefix, so that
 * forms Snowball alone stems apart meet: والحق and الحق (Snowball keeps
 * والحق whole), بالجبان and جبان (Snowball: بالجب), the vocative ياسامي
 * and سامي. */
static void utf32(const char *s, uint32_t *w, size_t *n)
{
	size_t left = strlen(s), used;

	*n = 0;
	while (left && (used = raqib_utf8_decode((const unsigned char *)s, left, &w[*n]))) {
		s += used;
		left -= used;
		(*n)++;
	}
}

static void same_stem(struct sb_stemmer *sb, const char *a, const char *b, const char *stem)
{
	uint32_t wa[32], wb[32], fa, sa, fb, sb_key;
	size_t na, nb;
	char out[64];

	utf32(a, wa, &na);
	utf32(b, wb, &nb);
	assert_int_equal(off_topic_stem(sb, wa, na, &fa, &sa, out, sizeof out), 0);
	assert_string_equal(out, stem);
	assert_int_equal(sa, off_topic_key((const unsigned char *)stem, strlen(stem)));
	assert_int_equal(fa, off_topic_key((const unsigned char *)a, strlen(a)));
	assert_int_equal(off_topic_stem(sb, wb, nb, &fb, &sb_key, NULL, 0), 0);
	assert_int_equal(sa, sb_key);
	assert_int_not_equal(fa, fb);
}

static void test_keys(void **state)
{
	struct sb_stemmer *sb = sb_stemmer_new("arabic", "UTF_8");
	const uint32_t digits[] = {'2', '0', '1', '1'};
	uint32_t f1, s1, w[32];
	size_t n;
	char stem[64];

	(void)state;
	assert_non_null(sb);
	assert_int_equal(off_topic_key((const unsigned char *)"abc", 3), 0x1a47e90bu);
	same_stem(sb, "والحق", "الحق", "حق");
	same_stem(sb, "بالجبان", "جبان", "جبان");
	same_stem(sb, "ياسامي", "سامي", "سام");
	same_stem(sb, "الانتخابات", "انتخابات", "انتخابا");
	/* too short to lose a letter: بلد stays بلد, not لد */
	utf32("بلد", w, &n);
	assert_int_equal(off_topic_stem(sb, w, n, &f1, &s1, stem, sizeof stem), 0);
	assert_string_equal(stem, "بلد");
	assert_int_equal(off_topic_stem(sb, digits, 4, &f1, &s1, NULL, 0), -1);
	sb_stemmer_delete(sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swap),
		cmocka_unit_test(test_short_reactions),
		cmocka_unit_test(test_no_article),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_stem_memo),
		cmocka_unit_test(test_keys),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
