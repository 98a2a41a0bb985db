/*
 * raqib.h — the public screening API.
 *
 * Data flows text -> normalize -> rules -> verdict. A caller builds one
 * raqib_engine (read-only after creation, shareable between threads), and per
 * thread one raqib_verdict that is reused for every comment: screening a
 * stream of millions of comments therefore runs in constant memory.
 *
 * Ownership: the engine owns its lexicons and config copy. A raqib_verdict
 * owns its shortened-text buffer; the comment's strings stay the caller's and
 * are only read during raqib_screen(). Errors come back as a negative return
 * plus a complete message in raqib_err; the library never prints.
 *
 * Spans: every finding points into the ORIGINAL field it was found in, as
 * Unicode code-point offsets [start, end) — the JSON contract of `raqib check`.
 */
#ifndef RAQIB_H
#define RAQIB_H

#include <stddef.h>
#include <stdint.h>

/* One list yields the enum, the names in JSON and config, and the defaults.
 * X(ENUM, json_name, default_action, default_threshold) */
#define RAQIB_RULES(X)                                  \
	X(HONEYPOT, honeypot, RAQIB_REJECT, 0.5f)           \
	X(SPAM, spam, RAQIB_HOLD, 0.5f)                     \
	X(INSULT, insult, RAQIB_HOLD, 0.5f)                 \
	X(HATE, hate, RAQIB_HOLD, 0.5f)                     \
	X(OFF_TOPIC, off_topic, RAQIB_HOLD, 0.5f)           \
	X(DIALECT, dialect, RAQIB_HOLD, 0.5f)               \
	X(FOREIGN, foreign, RAQIB_HOLD, 0.5f)               \
	X(PSEUDONYM, pseudonym, RAQIB_HOLD, 0.5f)           \
	X(PHONE, phone, RAQIB_SHORTEN, 0.5f)

typedef enum {
#define RAQIB_X_ENUM(e, n, a, t) RAQIB_RULE_##e,
	RAQIB_RULES(RAQIB_X_ENUM)
#undef RAQIB_X_ENUM
	RAQIB_RULE_COUNT
} raqib_rule;

/* Ordered by strength: the strongest action of all findings wins. */
typedef enum {
	RAQIB_PUBLISH = 0,
	RAQIB_SHORTEN = 1,
	RAQIB_HOLD = 2,
	RAQIB_REJECT = 3
} raqib_action;

typedef enum { RAQIB_FIELD_TEXT = 0, RAQIB_FIELD_NAME = 1 } raqib_field;

#define RAQIB_ERRORS(X)                                         \
	X(OK, 0, "ok")                                              \
	X(NOMEM, -1, "out of memory")                               \
	X(UTF8, -2, "invalid UTF-8")                                \
	X(TOO_LONG, -3, "input too long")                           \
	X(CONFIG, -4, "bad configuration")                          \
	X(IO, -5, "input/output error")                             \
	X(DATA, -6, "bad data file")                                \
	X(ARG, -7, "bad argument")

typedef enum {
#define RAQIB_X_ERR(e, v, m) RAQIB_E##e = v,
	RAQIB_ERRORS(RAQIB_X_ERR)
#undef RAQIB_X_ERR
} raqib_errcode;

typedef struct raqib_err {
	int code;        /* raqib_errcode */
	char msg[256];   /* complete, human-readable message */
} raqib_err;

typedef struct raqib_span {
	uint32_t start, end; /* code points into the original field, [start,end) */
} raqib_span;

#define RAQIB_MAX_SPANS 16

typedef struct raqib_finding {
	raqib_rule rule;
	raqib_field field;
	raqib_action action;  /* what the policy does with it (after config) */
	float score;          /* 0..1 */
	uint32_t nspans;      /* spans beyond RAQIB_MAX_SPANS are dropped */
	raqib_span spans[RAQIB_MAX_SPANS];
	/* phone only: spans to redact when shortening (same as spans) */
} raqib_finding;

#define RAQIB_MAX_FINDINGS (2 * RAQIB_RULE_COUNT)

typedef struct raqib_buf raqib_buf;

typedef struct raqib_verdict {
	raqib_action decision;
	uint32_t nfindings;                          /* sorted strongest first */
	raqib_finding findings[RAQIB_MAX_FINDINGS];
	/* when decision == RAQIB_SHORTEN: the text with the redactions applied,
	 * NUL-terminated UTF-8, owned by the verdict, valid until next screen */
	const char *shortened;
	size_t shortened_len;
	void *priv_;                                 /* private: scratch memory */
} raqib_verdict;

/* A comment to screen. Strings are UTF-8 with explicit lengths (NUL bytes
 * inside are rejected as invalid input). NULL/0 means absent. */
typedef struct raqib_comment {
	const char *name;     size_t name_len;
	const char *text;     size_t text_len;
	const char *honeypot; size_t honeypot_len;
	const char *title;    size_t title_len;  /* article, optional */
	const char *body;     size_t body_len;   /* article, optional */
	const char *caption;  size_t caption_len; /* article's image caption, optional:
						    * read as part of the body */
} raqib_comment;

typedef struct raqib_rule_conf {
	raqib_action action;      /* action when score >= threshold */
	float threshold;
	float reject_threshold;   /* score >= this rejects (spam: "certain"); >1 = never */
	int enabled;
	/* Trained model (insult, hate, dialect, foreign, pseudonym): a model
	 * file, "" = none; pseudonym's default "builtin" is the name model
	 * built into the binary. The config file's relative paths are resolved against its
	 * directory when it is read. Its probability is mapped so that
	 * model_threshold scores 0.5, and the rule's score is the higher of
	 * that and the word-list score. */
	char model[512];
	float model_threshold;    /* 0 < t < 1; 0 = the threshold stored in the model */
} raqib_rule_conf;

typedef struct raqib_config {
	raqib_rule_conf rules[RAQIB_RULE_COUNT];
	size_t max_text_len;      /* code points */
	size_t max_name_len;      /* code points */
	char phone_marker[128];   /* replaces a redacted phone number */
	char lexicon_dir[512];    /* "" = the lexicons built into the binary */
} raqib_config;

typedef struct raqib_engine raqib_engine;

/* Defaults documented in raqib.conf.example. */
void raqib_config_defaults(raqib_config *cfg);
/* Reads an INI file over the current values. */
int raqib_config_load(raqib_config *cfg, const char *path, raqib_err *err);

int raqib_engine_new(const raqib_config *cfg, raqib_engine **out, raqib_err *err);
void raqib_engine_free(raqib_engine *eng);
const raqib_config *raqib_engine_config(const raqib_engine *eng);

void raqib_verdict_init(raqib_verdict *v);
void raqib_verdict_free(raqib_verdict *v);

/* Screens one comment. Returns 0, or a negative raqib_errcode with err set
 * (invalid UTF-8 in any field, text or name over the configured maximum). */
int raqib_screen(const raqib_engine *eng, const raqib_comment *c,
		 raqib_verdict *v, raqib_err *err);

const char *raqib_rule_name(raqib_rule r);
int raqib_rule_from_name(const char *name, size_t len); /* -1 if unknown */
const char *raqib_action_name(raqib_action a);
int raqib_action_from_name(const char *name);           /* -1 if unknown */
const char *raqib_field_name(raqib_field f);

#endif
