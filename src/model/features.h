/*
 * features.h — hashed features of one normalized text, shared by every
 * linear model.
 *
 * A feature vector is extracted ONCE per comment and read by every model
 * whose feat_spec equals the one it was extracted with (model_spec_eq()).
 * The vector and its entries live in the caller's arena; nothing is
 * malloc'd per feature.
 *
 * Feature space: 2^hash_bits slots. Slots [0, FEAT_NDENSE) hold the dense
 * signals (script shares, evasions undone); everything else is hashed into
 * [FEAT_NDENSE, 2^hash_bits):
 *   - character n-grams, n in [char_min, char_max], over the folded text
 *     with whitespace runs squeezed to one space and a space added at both
 *     ends, so n-grams cross word boundaries and mark word starts/ends;
 *   - word unigrams and, if word_max >= 2, bigrams of adjacent tokens in
 *     the same sentence.
 * Hashed counts are log-scaled (1 + ln count) and the hashed part is
 * L2-normalised; dense signals are in [0, 1] and not normalised.
 *
 * Each entry keeps the folded code-point range [start, end) of its FIRST
 * occurrence, so an explanation can map it back to the original text with
 * text_span(). Dense entries have start == end == 0.
 */
#ifndef RAQIB_FEATURES_H
#define RAQIB_FEATURES_H

#include "../text/lexicon.h"
#include "../text/text.h"

/* Bump when hashing or scaling changes: models trained with another
 * version are refused at load time (their weights would be meaningless). */
#define FEAT_VERSION 1

enum {
	FEAT_CHARS = 1, /* character n-grams */
	FEAT_WORDS = 2, /* word n-grams */
	FEAT_DENSE = 4, /* dense signals in slots [0, FEAT_NDENSE) */
	/* Integer values: a hashed feature counted c times has the value
	 * q(c) x unit, q(c) = round(16 (1 + ln c)) (c capped at 255), unit =
	 * 1 / sqrt(sum of q^2) (so still log-scaled and L2-normalised; the
	 * slots are the same as without the flag). A margin's hashed
	 * part is scale x unit x an exact integer sum, which the engine
	 * computes while it hashes, with no merge table and no spans (see
	 * feat_spec.lanes4). */
	FEAT_TF = 8,
	/* Word-list signals in dense slots FEAT_D_FAITH..FEAT_D_GROUPNEAR,
	 * from feat_spec.lex_* (feat_extract() refuses the flag without them).
	 * Part of the identity, so a binary without the lists refuses such a
	 * model instead of scoring it with those slots at 0. A model trained
	 * without the flag has weight 0 in those slots. */
	FEAT_LEX = 16,
};

/* Dense slots. */
enum {
	FEAT_D_LATIN,       /* share of letters that are Latin */
	FEAT_D_PERSIAN,     /* share of letters only Persian/Urdu/... use (x4, capped) */
	FEAT_D_OTHER,       /* share of letters of other scripts */
	FEAT_D_ARABIC,      /* share of letters that are Arabic script */
	FEAT_D_DIGITWORD,   /* share of tokens mixing letters and digits */
	FEAT_D_COLLAPSED,   /* letters dropped by run collapsing (scaled) */
	FEAT_D_CONTROLS,    /* zero-width / bidi controls dropped (scaled) */
	FEAT_D_MARKS,       /* marks removed, per letter (capped) */
	FEAT_D_SHORT,       /* 1 to 3 tokens */
	FEAT_D_LONG,        /* 40 tokens or more */
	/* Word-list signals (slots 10-15): 0 unless the spec has FEAT_LEX. */
	FEAT_D_FAITH = 10,  /* a religion/sect/ideology group term (hate_groups.txt) */
	FEAT_D_ORIGIN,      /* a race/nationality/region group term */
	FEAT_D_GENDER,      /* women as a group */
	FEAT_D_HATEWORD,    /* strongest hate.txt entry that is not a plain group */
	FEAT_D_INSULTWORD,  /* strongest insult.txt entry */
	FEAT_D_GROUPNEAR,   /* a group term within 2 tokens of an insult/hate word, or after يا */
	FEAT_NDENSE = 16    /* slots reserved */
};

typedef struct feat_spec {
	uint8_t hash_bits;  /* 16..24 */
	uint8_t char_min;   /* 1..char_max */
	uint8_t char_max;   /* ..8 */
	uint8_t word_max;   /* 0 (none), 1 or 2 */
	uint32_t flags;     /* FEAT_* */
	/* Optional, not part of the spec's identity (feat_spec_eq() ignores
	 * it): a table the caller will read at every slot, with rows of
	 * 2^prefetch_shift bytes, one per slot in [0, 2^hash_bits).
	 * feat_extract() prefetches a slot's row as soon as it is hashed,
	 * so the ~1,000 random reads of a 300-character comment overlap the
	 * extraction instead of stalling the scoring pass. model_set_new()
	 * fills it in the set's spec. */
	const void *prefetch;
	uint8_t prefetch_shift;
	/* Optional, FEAT_TF only, not part of the identity: a table of four
	 * int16 weights per slot (model_set_new() fills it in). feat_extract()
	 * then scores while it hashes, in one pass over the occurrences: the
	 * vector it returns holds only the dense entries, and `fused` the four
	 * integer sums and what feat_fused_top() needs. */
	const int16_t *lanes4;
	/* FEAT_LEX only, not part of the identity: the word lists of the
	 * dense slots FEAT_D_FAITH..FEAT_D_GROUPNEAR (data/lexicons/
	 * hate_groups.txt, hate.txt, insult.txt). The values depend on the
	 * lists' contents, so a model must be scored with the lists it was
	 * trained with (the copies built into the binary, not a site's
	 * lexicon_dir). Ignored without FEAT_LEX. */
	const lexicon *lex_groups, *lex_hate, *lex_insult;
} feat_spec;

/* The spec the shipped models use: 2^20 slots, chars 2-5, words 1-2, dense.
 * No char 1-grams: single letters made useless explanations ("ق") and
 * cost a fifth of the extraction time (models/insult.md has the figures). */
void feat_spec_default(feat_spec *spec);
/* Returns 0 or RAQIB_EARG with a message naming the bad field. */
int feat_spec_check(const feat_spec *spec, raqib_err *err);
bool feat_spec_eq(const feat_spec *a, const feat_spec *b);

typedef struct feat {
	uint32_t idx;         /* slot in [0, 2^hash_bits) */
	float val;
	uint32_t start, end;  /* folded cp range of the first occurrence */
} feat;

/* Strongest n-grams an explanation can ask a fused vector for
 * (>= the engine's explanation size). */
#define FEAT_TOPK 8

typedef struct feat_top {
	int16_t w;            /* the lane's int16 weight (> 0) */
	uint32_t idx, start, end;
} feat_top;

/* Adds e to a list of at most FEAT_TOPK entries kept by decreasing weight
 * (ties: the earlier entry stays first) if e.w beats *floor, which rises
 * to the last entry's weight once the list is full. The caller skips
 * entries already listed. */
static inline void feat_top_insert(feat_top *top, uint32_t *n, int16_t *floor, feat_top e)
{
	uint32_t j;

	if (!(e.w > *floor))
		return;
	j = *n < FEAT_TOPK ? (*n)++ : *n - 1;
	while (j > 0 && top[j - 1].w < e.w) {
		top[j] = top[j - 1];
		j--;
	}
	top[j] = e;
	if (*n == FEAT_TOPK)
		*floor = top[*n - 1].w;
}

/* What the fused FEAT_TF pass computed (see feat_spec.lanes4): the four
 * integer sums, and the occurrences in order (in the arena given to
 * feat_extract()) for feat_fused_top(). */
typedef struct feat_fused {
	int32_t sum[4];       /* each lane's sum of weight x q(count) */
	const uint32_t *slot; /* slot of occurrence k */
	const uint32_t *org;  /* where it came from (features.c) */
	uint32_t n;
	const void *stream;   /* the char stream, for the ranges */
	const text_view *tv;  /* the caller's: must outlive the vector */
	const int16_t *rows;  /* occurrence k's four weights at 4k */
} feat_fused;

/* The lane's strongest n-grams, found when an explanation asks: by
 * weight, decreasing, ties in first-occurrence order, only weights > 0,
 * at most FEAT_TOPK. Returns how many went to `top`. Only fired rules
 * are explained, so scoring a comment no longer pays for them. */
uint32_t feat_fused_top(const feat_fused *f, uint32_t lane, feat_top *top);

typedef struct feat_vec {
	feat *f;      /* distinct slots, in no particular order */
	uint32_t n;
	/* FEAT_TF: 1 / sqrt(sum of q^2), 0 when there is no hashed feature
	 * (and for other specs). A hashed entry's val is q(count) x unit. */
	float unit;
	/* Fused pass only: f then holds the dense entries alone. */
	const feat_fused *fused;
} feat_vec;

/* Extracts the features of `tv` into `out`; memory from `a`.
 * Returns 0 or RAQIB_ENOMEM / RAQIB_EARG. */
int feat_extract(const feat_spec *spec, const text_view *tv, raqib_arena *a,
		 feat_vec *out, raqib_err *err);

/* The fused pass hashes char 2-5-grams eight positions at a time when the
 * CPU has AVX2 (asked once); the list, sums and explanations are the same
 * bit for bit either way. Switches the vector path off (or back on where
 * the CPU allows), for tests and A/B measurements; returns whether it was
 * on. Process-wide: call it before screening starts. */
bool feat_set_simd(bool on);

/* FEAT_TF: a hashed entry's integer value q(count) (val = q x unit). */
uint32_t feat_tf_q(const feat_vec *v, const feat *f);

/* Sorts entries by slot (liblinear wants increasing indices). */
void feat_sort(feat_vec *v);

#endif
