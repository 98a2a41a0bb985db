/*
 * model_rule.h — how a judgement rule uses the trained model the engine
 * loaded for it (config `[rule.<name>] model = FILE`).
 *
 * The engine extracts the comment text's features once and scores every
 * loaded model in one pass (model_set) before the rules run; a rule then
 * calls rule_model_apply() after its own word-list scan. Implemented in
 * verdict/engine.c, which owns the models and the per-comment scratch.
 * (This would be a rule_input field if rules/rule.h were ours to change.)
 */
#ifndef RAQIB_MODEL_RULE_H
#define RAQIB_MODEL_RULE_H

#include "../rules/rule.h"

/*
 * Combines rule r's model with the rule's own finding on the comment text:
 * the model's probability p is mapped to a score that is 0.5 (the default
 * rule threshold) exactly at the model threshold t, linear on both sides
 * (p/t/2 below, 0.5 + (p - t)/(1 - t)/2 above). When that score is higher
 * than the word-list finding's (or there is none), the finding takes it,
 * and, if it counts, the spans of the words holding the n-grams that
 * pushed the model most. Does nothing when no model is loaded for r or the
 * rule runs outside raqib_screen() (unit tests).
 */
void rule_model_apply(const rule_input *in, rule_out *out, raqib_rule r);

#endif
