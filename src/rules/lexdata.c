/*
 * lexdata.c — the lexicons of data/lexicons/ assembled into the binary, so
 * `build/raqib` works from any directory without an install step. A site can
 * override any of them with config `lexicon_dir`. The files stay the source
 * of truth (reviewable, with their provenance in their headers); make
 * rebuilds this object when one changes.
 */
#include "rule.h"

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

const char *rule_lexdata(rule_lex which, size_t *len);

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
