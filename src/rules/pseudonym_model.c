/*
 * pseudonym_model.c — models/pseudonym.model assembled into the binary (as
 * lexdata.c does for the lexicons), so the name model is on wherever
 * build/raqib runs, without an install step or a path to find. It is small
 * (2^16 int16 weights, 128 KiB). Config `[rule.pseudonym] model = FILE`
 * replaces it, `model = none` switches it off (config.c, engine.c).
 */
#include "rule.h"

__asm__(".section .rodata\n"
	".global pseudonym_model_data\n"
	".balign 16\n"
	"pseudonym_model_data:\n"
	".incbin \"models/pseudonym.model\"\n"
	".global pseudonym_model_end\n"
	"pseudonym_model_end:\n"
	".previous\n");
extern const char pseudonym_model_data[], pseudonym_model_end[];

const void *rule_pseudonym_model(size_t *len)
{
	*len = (size_t)(pseudonym_model_end - pseudonym_model_data);
	return pseudonym_model_data;
}
