/*
 * lexdata.c — the lexicons of data/lexicons/ assembled into the binary, so
 * `build/raqib` works from any directory without an install step. A site can
 * override any of them with config `lexicon_dir`. The files stay the source
 * of truth (reviewable, with their provenance in their headers); make
 * rebuilds this object when one changes.
 */
#include "rule.h"
#include "../model/model.h"

#include <pthread.h>

#define LEXDATA_INCBIN(e, f)                                              \
	__asm__(".section .rodata\n"                                          \
		".global lexdata_" #f "\n"                                    \
		".balign 16\n"                                                \
		"lexdata_" #f ":\n"                                           \
		".incbin \"data/lexicons/" #f ".txt\"\n"                      \
		".global lexdata_" #f "_end\n"                                \
		"lexdata_" #f "_end:\n"                                       \
		".byte 0\n"                                                   \
		".previous\n");                                               \
	extern const char lexdata_##f[], lexdata_##f##_end[];
RULE_LEXICONS(LEXDATA_INCBIN)

const char *rule_lexdata(rule_lex which, size_t *len)
{
	switch (which) {
#define LEXDATA_CASE(e, f)                                                \
	case LEX_##e:                                                         \
		*len = (size_t)(lexdata_##f##_end - lexdata_##f);             \
		return lexdata_##f;
	RULE_LEXICONS(LEXDATA_CASE)
	default:
		*len = 0;
		return "";
	}
}

unsigned rule_lex_opts(rule_lex which)
{
	/* insult phrases also match without the article of their later words
	 * (قليل ادب). Not the copy the FEAT_LEX models read
	 * (rule_feat_lexicons(), options 0): their signals must stay those
	 * the models were trained with. The pseudonym list with the option
	 * gave the same eval_pseudonym figures, so it stays without. */
	return which == LEX_INSULT ? LEX_BARE_ARTICLE : 0;
}

static const lexicon *feat_lex[3];
static raqib_err feat_lex_err;
static pthread_once_t feat_lex_once = PTHREAD_ONCE_INIT;

static void feat_lex_load(void)
{
	static const rule_lex which[3] = {LEX_HATE_GROUPS, LEX_HATE, LEX_INSULT};
	static const char *const path[3] = {"data/lexicons/hate_groups.txt",
					    "data/lexicons/hate.txt",
					    "data/lexicons/insult.txt"};

	for (int i = 0; i < 3; i++) {
		size_t len;
		const char *data = rule_lexdata(which[i], &len);
		lexicon *lx = NULL;
		if (lexicon_load(&lx, data, len, path[i], &feat_lex_err))
			return;
		feat_lex[i] = lx;
	}
}

/* The lists are built in, so their digest is computed once per process:
 * every FEAT_LEX model of an engine (insult and hate) is checked against it. */
static uint64_t feat_lex_digest;
static pthread_once_t feat_lex_digest_once = PTHREAD_ONCE_INIT;

static void feat_lex_digest_init(void)
{
	static const rule_lex which[3] = {LEX_HATE_GROUPS, LEX_HATE, LEX_INSULT};
	uint64_t h = 0;

	for (int i = 0; i < 3; i++) {
		size_t len;
		const char *data = rule_lexdata(which[i], &len);
		h = model_lex_digest_of(h, data, len);
	}
	feat_lex_digest = h;
}

uint64_t rule_feat_lexicons_digest(void)
{
	pthread_once(&feat_lex_digest_once, feat_lex_digest_init);
	return feat_lex_digest;
}

int rule_feat_lexicons(struct feat_spec *spec, raqib_err *err)
{
	pthread_once(&feat_lex_once, feat_lex_load);
	if (!feat_lex[2]) {
		if (err)
			*err = feat_lex_err;
		return feat_lex_err.code ? feat_lex_err.code : RAQIB_ENOMEM;
	}
	spec->lex_groups = feat_lex[0];
	spec->lex_hate = feat_lex[1];
	spec->lex_insult = feat_lex[2];
	return 0;
}
