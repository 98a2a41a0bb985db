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
	FEAT_NDENSE = 16    /* slots reserved, the rest unused for now */
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
	 * integer sums and each lane's strongest n-grams. */
	const int16_t *lanes4;
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

/* Strongest n-grams per lane kept by the fused pass (>= the engine's
 * explanation size). */
#define FEAT_TOPK 8

typedef struct feat_top {
	int16_t w;            /* the lane's int16 weight (> 0) */
	uint32_t idx, start, end;
} feat_top;

/* What the fused FEAT_TF pass computed (see feat_spec.lanes4). */
typedef struct feat_fused {
	int32_t sum[4];       /* each lane's sum of weight x q(count) */
	uint32_t ntop[4];
	feat_top top[4][FEAT_TOPK]; /* by weight, decreasing; ties: first seen */
	int16_t floor[4];     /* the weight a new top entry must exceed */
} feat_fused;

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

/* FEAT_TF: a hashed entry's integer value q(count) (val = q x unit). */
uint32_t feat_tf_q(const feat_vec *v, const feat *f);

/* Sorts entries by slot (liblinear wants increasing indices). */
void feat_sort(feat_vec *v);

#endif
