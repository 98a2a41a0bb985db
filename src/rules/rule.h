/*
 * rule.h — what a rule is: a function that reads the normalized fields of a
 * comment and adds findings {rule, field, score, spans} to the verdict.
 *
 * Rules never decide: they report a score in 0..1 and the spans that caused
 * it; verdict.c turns scores into actions with the configured thresholds.
 * Rules are pure (no I/O, no globals written) so they run from `raqib check`,
 * the server and the fuzzers alike.
 */
#ifndef RAQIB_RULE_H
#define RAQIB_RULE_H

#include "../text/lexicon.h"

/* Lexicons the rules use: data/lexicons/<file>.txt, built into the binary
 * (see lexdata.c) or read from config `lexicon_dir`. X(ENUM, file) */
#define RULE_LEXICONS(X)      \
	X(INSULT, insult)         \
	X(HATE, hate)             \
	X(DIALECT, dialect)       \
	X(SPAM, spam)             \
	X(PSEUDONYM, pseudonym)   \
	X(NAMES, names)           \
	X(STOPWORDS, stopwords)   \
	X(PHONE_WORDS, phone_words) \
	X(HATE_GROUPS, hate_groups)

typedef enum {
#define RULE_X_LEX(e, f) LEX_##e,
	RULE_LEXICONS(RULE_X_LEX)
#undef RULE_X_LEX
	LEX_COUNT
} rule_lex;

struct lin_model;
struct feat_spec;

/* The built-in copy of a list (data/lexicons/<file>.txt, lexdata.c), NUL
 * after its `*len` bytes. */
const char *rule_lexdata(rule_lex which, size_t *len);
/* The lexicon_load_opts() options a rule's list is loaded with, built in
 * or from lexicon_dir alike: the engine and every tool that builds its own
 * rule_env load with these, so they judge the same. */
unsigned rule_lex_opts(rule_lex which);

/*
 * The word lists a FEAT_LEX model's dense signals read (hate_groups, hate,
 * insult), always the copies built into the binary: the model was trained
 * on them, and a site's lexicon_dir must not change what its features
 * mean. Loaded once per process, never freed. Fills spec->lex_*; returns
 * 0 or the loader's error.
 */
int rule_feat_lexicons(struct feat_spec *spec, raqib_err *err);
/* Digest of those built-in lists (model_lex_digest_of() over their bytes):
 * what a FEAT_LEX model records at training and is checked against. */
uint64_t rule_feat_lexicons_digest(void);

typedef struct rule_env {
	const raqib_config *cfg;
	const lexicon *lex[LEX_COUNT];
	/* The pseudonym rule's name model (config `[rule.pseudonym] model`,
	 * built in by default) and its threshold in (0, 1); NULL: heuristics
	 * only. It reads the name field, not the text, so it has its own
	 * feature spec and is scored by the rule, outside the engine's set. */
	const struct lin_model *name_model;
	float name_model_thr;
	/* Unique per engine in the process, never 0 and never reused: what a
	 * memo filled under one engine (models, config) is keyed with. */
	uint64_t engine_id;
} rule_env;

/*
 * The pseudonym rule's memo of name-model answers, one per caller (the
 * engine keeps one per verdict, so no locking): a site's regular readers
 * sign comment after comment with the same name, and the model's answer
 * depends on nothing but the name's bytes and the engine. Keyed on both
 * exactly (names of at most PS_MEMO_NAME bytes), so a memoized verdict is
 * the verdict computed afresh, byte for byte.
 */
typedef struct ps_memo ps_memo;
ps_memo *ps_memo_new(void);
void ps_memo_free(ps_memo *m);

/*
 * The off_topic rule's memo of Snowball stems, one per caller like
 * ps_memo: an article's words that the shipped form table lacks (names,
 * rare forms) come back in the next articles, and the stemmer costs about
 * 1 µs a word. Keyed on the folded word exactly; a stem depends on nothing
 * else, so no engine key is needed.
 */
typedef struct ot_memo ot_memo;
ot_memo *ot_memo_new(void);
void ot_memo_free(ot_memo *m);

typedef struct rule_input {
	const raqib_comment *c;
	const text_view *text;   /* the comment text */
	const text_view *name;   /* the author name (n == 0 when absent) */
	const text_view *title;  /* article title, NULL when no article given */
	const text_view *body;   /* article body, NULL when no article given */
	const rule_env *env;
	raqib_arena *arena;      /* scratch, freed after the comment */
	/* Per-article state that outlives the comment: comments arrive in runs
	 * on one article, so what a rule derives from the article (off_topic's
	 * stem set) is built once in article_arena and kept in the rule's
	 * article_cache slot until the article changes. Both NULL when there
	 * is no article. */
	raqib_arena *article_arena;
	void **article_cache;    /* RAQIB_RULE_COUNT slots */
	ps_memo *name_memo;      /* NULL: the name model runs every time */
	ot_memo *stem_memo;      /* NULL: every unknown word is stemmed */
} rule_input;

typedef struct rule_out {
	raqib_verdict *v;
} rule_out;

/* Adds a finding (NULL if the verdict is full). Score is clamped to 0..1. */
raqib_finding *rule_finding(rule_out *o, raqib_rule r, raqib_field f, float score);
/* Adds the original span of folded range [ns, ne) of tv; merges with the
 * previous span when they touch; ignores spans past RAQIB_MAX_SPANS. */
void rule_add_span(raqib_finding *f, const text_view *tv, uint32_t ns, uint32_t ne);

/*
 * Combines rule r's trained model (config `[rule.<name>] model = FILE`) with
 * the rule's own finding on the comment text. The engine extracts the
 * features once and scores every loaded model in one pass before the rules
 * run; a judgement rule calls this after its word-list scan. The model's
 * probability p maps to a score that is 0.5 (the default threshold) exactly
 * at the model threshold t, linear on both sides (p/t/2 below,
 * 0.5 + (p - t)/(1 - t)/2 above). When that beats the word-list finding (or
 * there is none) the finding takes it and, if it counts, the spans of the
 * words holding the n-grams that pushed the model most. Does nothing when
 * no model is loaded for r or outside raqib_screen() (unit tests).
 * Implemented in verdict/engine.c, which owns the models.
 */
void rule_model_apply(const rule_input *in, rule_out *out, raqib_rule r);

/* The image of models/pseudonym.model built into the binary
 * (pseudonym_model.c); config model "builtin" (the default) loads it. */
const void *rule_pseudonym_model(size_t *len);

typedef void (*rule_fn)(const rule_input *in, rule_out *out);

/* One function per rule, in src/rules/<rule>.c */
void rule_honeypot(const rule_input *in, rule_out *out);
void rule_spam(const rule_input *in, rule_out *out);
void rule_insult(const rule_input *in, rule_out *out);
void rule_hate(const rule_input *in, rule_out *out);
void rule_off_topic(const rule_input *in, rule_out *out);
void rule_dialect(const rule_input *in, rule_out *out);
void rule_foreign(const rule_input *in, rule_out *out);
void rule_pseudonym(const rule_input *in, rule_out *out);
void rule_phone(const rule_input *in, rule_out *out);

#endif
