/*
 * model.h — binary linear models over hashed features: file format,
 * mmap loading, scoring, explanations, and training with liblinear.
 *
 * A lin_model is a read-only view of one model image. model_load() maps
 * the file (the image stays in the page cache, shared between processes);
 * model_train() builds the image in memory. model_free() releases either.
 *
 * File format, version 1 (little-endian; 128-byte header, then payload):
 *   0   char[8]  "RAQIBMDL"
 *   8   u32      format version (MODEL_VERSION)
 *   12  u32      header size (128)
 *   16  u32      feature version (FEAT_VERSION of features.h)
 *   20  u8[4]    feature spec: hash_bits, char_min, char_max, word_max
 *   24  u32      feature flags (FEAT_*)
 *   28  u32      weight encoding (1 = dense int16, weight = q * scale)
 *   32  char[32] rule name, NUL-padded
 *   64  f32      bias (intercept of the margin)
 *   68  f32      scale
 *   72  f32      threshold on the calibrated probability
 *   76  f32      Platt a, 80 f32 Platt b: p = 1 / (1 + exp(-(a*margin + b)))
 *   84  u32      number of weights (2^hash_bits)
 *   88  u64      payload length in bytes (2 * number of weights)
 *   96  u64      FNV-1a 64 of header bytes [0, 96), then bytes [104, 112)
 *                 if they are not all zero, then the payload
 *   104 u64      FEAT_LEX models: digest of the word lists they were trained
 *                 with (model_lex_digest_of() over the entries of
 *                 hate_groups.txt, hate.txt, insult.txt in that order);
 *                 0 = not recorded
 *   112 zeros up to 128
 * Dense int16 keeps slot lookup a single load and 2^20 slots at 2 MB.
 *
 * Every malformed file (short, wrong magic or version, spec or sizes out of
 * range, checksum mismatch) is refused with RAQIB_EDATA and a message
 * naming the file and the problem; nothing is read past a checked size.
 */
#ifndef RAQIB_MODEL_H
#define RAQIB_MODEL_H

#include "features.h"

#define MODEL_MAGIC "RAQIBMDL"
#define MODEL_VERSION 1
#define MODEL_HEADER_SIZE 128
#define MODEL_RULE_MAX 32 /* including the NUL */

typedef struct lin_model lin_model;

/* Maps and validates `path`. Returns 0, RAQIB_EIO (cannot open/map),
 * RAQIB_EDATA (malformed) or RAQIB_ENOMEM. */
int model_load(const char *path, lin_model **out, raqib_err *err);
/* Validates an image in memory; the model points into `buf`, which must
 * outlive it. For tests and for models built into the binary. */
int model_from_memory(const void *buf, size_t len, lin_model **out, raqib_err *err);
void model_free(lin_model *m);

/* Word-list digest: FNV-1a 64 of a list's entry lines (comments, blank
 * lines and CRs left out), chained over lists (h = 0 starts). */
uint64_t model_lex_digest_of(uint64_t h, const void *data, size_t len);
uint64_t model_lex_digest(const lin_model *m);
/* Records the digest in a trained (in-memory) FEAT_LEX model. */
void model_set_lex_digest(lin_model *m, uint64_t digest);
/* RAQIB_EDATA with a message if m recorded a digest other than `digest`
 * (the lists the caller will extract with); 0 otherwise, and for models
 * without FEAT_LEX or without a recorded digest. */
int model_check_lexicons(const lin_model *m, uint64_t digest, const char *name,
			 raqib_err *err);

/* Writes the image to `path` (through path.tmp + rename). */
int model_save(const lin_model *m, const char *path, raqib_err *err);
/* The image bytes (header + payload). */
const void *model_image(const lin_model *m, size_t *len);

const char *model_rule(const lin_model *m);
const feat_spec *model_spec(const lin_model *m);
float model_threshold(const lin_model *m);
void model_set_threshold(lin_model *m, float t); /* in-memory images only */

/* Raw margin w.x + bias, and its calibrated probability in [0, 1]. The
 * vector must have been extracted with model_spec(m). */
double model_margin(const lin_model *m, const feat_vec *v);
double model_prob(const lin_model *m, const feat_vec *v);

/* ---- model sets ------------------------------------------------------ */

/*
 * Models scored together on one feature vector: the same feature spec
 * (model_set_new() refuses a mix, naming both files), and weights
 * interleaved per slot (w[slot][model]) so that one cache line per feature
 * serves every model instead of one miss per model. The set copies the
 * weights (2^hash_bits x lanes x 2 bytes: 8 MiB for four models at 2^20,
 * on transparent huge pages where the kernel allows: the reads are random,
 * and with 4 KiB pages each was also a TLB miss). The models stay owned by
 * the caller and must outlive the set. While a model is in a set,
 * model_explain() reads its lane of the set's table (the same weights,
 * still in cache from model_set_probs()), so model_set_new() and
 * model_set_free() write to the models they are given: do not call them
 * while another thread explains with those models.
 */
#define MODEL_SET_MAX 8

typedef struct model_set model_set;

/* `names` (may be NULL) label the models in error messages. Returns 0,
 * RAQIB_EARG (no model, too many, or specs that differ) or RAQIB_ENOMEM. */
int model_set_new(const lin_model *const *models, const char *const *names, size_t n,
		  model_set **out, raqib_err *err);
void model_set_free(model_set *s);
const feat_spec *model_set_spec(const model_set *s);
/* A set whose spec has FEAT_LEX needs the word lists before it extracts
 * (rule_feat_lexicons() fills a spec with the built-in ones): copies the
 * lists' pointers of `lists`, which must outlive the set. */
void model_set_lexicons(model_set *s, const feat_spec *lists);
/* Calibrated probability of each model, in the order given at creation;
 * each equals model_prob() of that model bit for bit. */
void model_set_probs(const model_set *s, const feat_vec *v, double *prob);

typedef struct model_contrib {
	uint32_t idx;         /* feature slot */
	float contrib;        /* weight x value: > 0 pushes towards the rule */
	uint32_t start, end;  /* folded cp range (start == end: dense signal) */
} model_contrib;

/* The up to `top_k` features with the largest positive contribution, in
 * decreasing order. Returns how many were written to `out`. */
size_t model_explain(const lin_model *m, const feat_vec *v, model_contrib *out,
		     size_t top_k);

/* ---- training -------------------------------------------------------- */

/* Labelled documents, already turned into features (one pass over the
 * text; the features are what liblinear trains on). */
typedef struct model_dataset model_dataset;

model_dataset *model_dataset_new(const feat_spec *spec);
void model_dataset_free(model_dataset *d);
/* Adds one document; `positive` = it violates the rule. Returns 0,
 * RAQIB_EUTF8 (the text is skipped) or RAQIB_ENOMEM. */
int model_dataset_add(model_dataset *d, const char *text, size_t len, bool positive,
		      raqib_err *err);
uint32_t model_dataset_size(const model_dataset *d, uint32_t *npositive);

typedef struct model_train_opts {
	const char *rule;      /* stored in the model, < MODEL_RULE_MAX bytes */
	double C;              /* > 0: use it; 0: best of a grid on dev (1 without dev) */
	bool balanced;         /* weight classes inversely to their frequency */
	double min_precision;  /* 0: threshold maximising macro-F1 on dev; else the
				  lowest threshold whose dev precision reaches it */
	double eps;            /* liblinear stopping tolerance; 0: 0.01 */
} model_train_opts;

typedef struct model_train_info {
	double C;               /* chosen */
	double dev_macro_f1;    /* at the chosen threshold (0 without dev) */
	double dev_precision, dev_recall; /* of the rule class on dev */
	double threshold;
	double platt_a, platt_b;
	uint32_t nonzero;       /* slots with a non-zero weight */
	uint32_t ncandidates;   /* values of C tried */
} model_train_info;

/* Trains an L2-regularised logistic regression (liblinear L2R_LR,
 * deterministic). With `dev`: C from a grid, Platt scaling and threshold
 * fitted on dev. Returns 0, RAQIB_EARG (empty set, one class only, bad
 * rule name), RAQIB_ENOMEM. */
int model_train(const model_dataset *train, const model_dataset *dev,
		const model_train_opts *opts, lin_model **out, model_train_info *info,
		raqib_err *err);

/*
 * The pieces of model_train(), for trainers that build their own liblinear
 * problem (raqib train --nb scales the features first): the same fit, image
 * and dev tuning, so every trainer writes the same bytes for the same
 * weights. liblinear's types stay opaque here; callers include <linear.h>.
 */
struct problem;
struct model;
struct feature_node;

/* One L2R_LR fit (deterministic: srand(1) first); init (may be NULL) is a
 * warm start. *sign is +1 when lm->w already means "+ = the rule", else -1.
 * NULL on a bad parameter or failure. Free with free_and_destroy_model(). */
struct model *model_lr_fit(const struct problem *p, double C, const double *wt, double eps,
			   double *init, double *sign);
/* An in-memory model from weights sign*w[0..2^hash_bits) and bias
 * sign*w[2^hash_bits], quantised to int16 (scale = max |w| / 32767);
 * calibration a = 1, b = 0, threshold 0.5. Returns 0 or RAQIB_ENOMEM. */
int model_from_weights(const feat_spec *spec, const char *rule, const double *w, double sign,
		       lin_model **out);
/* Raw margin of a liblinear node list (index 1-based, -1 ends it; indices
 * above the weight count, such as a bias node, are ignored). */
double model_margin_nodes(const lin_model *m, const struct feature_node *x);
/* Fits Platt scaling on the dev margins and labels (y > 0: the rule) and
 * picks the threshold as model_train() does (macro-F1, or min_precision);
 * writes both into m (an in-memory model) and fills info's dev_macro_f1,
 * dev_precision, dev_recall, threshold, platt_a and platt_b. Returns 0 or
 * RAQIB_ENOMEM. */
int model_calibrate(lin_model *m, const double *margin, const double *y, uint32_t n,
		    double min_precision, model_train_info *info);

/* Scores document i of a dataset with a model (same spec). */
double model_dataset_prob(const lin_model *m, const model_dataset *d, uint32_t i,
			  bool *positive);

/* ---- labelled TSV ---------------------------------------------------- */

/* One line of a `text<TAB>label[<TAB>group...]` file. `text` is NUL-terminated
 * at `len`; `group` is the third column or "" (used to report recall per
 * dialect or per source). */
typedef struct model_tsv_row {
	const char *text;
	size_t len;
	const char *label;
	const char *group;
	size_t line;  /* 1-based */
} model_tsv_row;

/* Calls fn for every non-empty line of `path`; a first data line whose
 * second column is "label" is a header, and a line starting with '#' that
 * has no tab is a comment: both are skipped. A line without a tab is an
 * error (RAQIB_EDATA naming the line). Stops at the first non-zero return
 * of fn and returns it; otherwise 0 or RAQIB_EIO. */
typedef int (*model_tsv_fn)(void *ctx, const model_tsv_row *row, raqib_err *err);
int model_tsv_read(const char *path, model_tsv_fn fn, void *ctx, raqib_err *err);

#endif
