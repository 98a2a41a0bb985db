/* libFuzzer target: the engine with the four shipped text models on
 * (models/<rule>.model, run from the repo root as make fuzz does). Exercises
 * what the default engine of fuzz_normalize.c never reaches: the fused
 * feature pass, the word-list signals of the hate model, the explanations
 * looked for after a rule fires (feat_fused_top) and their spans. Checks
 * that every span stays inside its field and every score inside 0..1
 * (fuzz_verdict.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule.h"
#include "fuzz_verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rules[][2] = {
		{"insult", "models/insult.model"}, {"hate", "models/hate.model"},
		{"dialect", "models/dialect.model"}, {"foreign", "models/foreign.model"}};
	static raqib_engine *eng;
	static raqib_verdict v;
	raqib_comment c = {0};
	raqib_err err;

	if (!eng) {
		raqib_config cfg;
		raqib_config_defaults(&cfg);
		for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
			for (int r = 0; r < RAQIB_RULE_COUNT; r++)
				if (!strcmp(raqib_rule_name((raqib_rule)r), rules[i][0]))
					snprintf(cfg.rules[r].model, sizeof cfg.rules[r].model, "%s",
						 rules[i][1]);
		if (raqib_engine_new(&cfg, &eng, &err)) {
			fprintf(stderr, "fuzz_models: %s (run from the repo root)\n", err.msg);
			abort();
		}
		raqib_verdict_init(&v);
	}
	c.name = "عبد الرحمن";
	c.name_len = strlen(c.name);
	c.text = (const char *)data;
	c.text_len = size;
	if (raqib_screen(eng, &c, &v, &err) == 0)
		fuzz_check_verdict(&c, &v);
	return 0;
}
