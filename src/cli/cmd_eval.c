/*
 * cmd_eval.c — `raqib eval`: score a labelled TSV with one rule's model and
 * print precision, recall and F1 per class, macro-F1, accuracy and the
 * confusion matrix; the last line is one JSON object with those figures
 * (what `make eval` and the regression test read).
 */
#include "cli.h"
#include "../model/model.h"
#include "../rules/rule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_GROUPS 32
#define GROUP_LEN 32

static const char eval_usage[] =
	"usage: raqib eval --rule RULE [--model FILE] [--threshold T] FILE.tsv\n";

static const char eval_help[] =
	"usage: raqib eval --rule RULE [--model FILE] [--threshold T] FILE.tsv\n"
	"\n"
	"Evaluates a rule's model on a labelled TSV (text<TAB>label[<TAB>group],\n"
	"header optional; label is the rule name or 'ok'). Prints precision,\n"
	"recall and F1 per class, macro-F1, accuracy, the confusion matrix and,\n"
	"when a third column is present, the share judged correctly per group\n"
	"(e.g. recall per dialect). The last line is one JSON object:\n"
	"\n"
	"  {\"rule\": \"insult\", \"n\": 1000, \"threshold\": 0.41, \"accuracy\": 0.93,\n"
	"   \"macro_f1\": 0.86, \"classes\": {\"ok\": {\"precision\": ..,\n"
	"   \"recall\": .., \"f1\": .., \"support\": ..}, \"insult\": {..}},\n"
	"   \"confusion\": [[ok_as_ok, ok_as_rule], [rule_as_ok, rule_as_rule]],\n"
	"   \"groups\": {\"egyptian\": {\"n\": 200, \"correct\": 0.91}}}\n"
	"\n"
	"options:\n"
	"  --rule RULE      the rule (positive label)\n"
	"  --model FILE     model file (default models/RULE.model)\n"
	"  --threshold T    override the model's threshold (0..1)\n"
	"  -h, --help       show this help\n"
	"\n"
	"exit status: 0 evaluated, 2 bad usage, bad data or an I/O error.\n";

typedef struct group {
	char name[GROUP_LEN];
	uint32_t n, correct;
} group;

typedef struct eval_ctx {
	const lin_model *m;
	feat_spec spec;     /* the model's, with the word lists FEAT_LEX reads */
	const char *rule, *path;
	double threshold;
	raqib_arena *a;
	uint64_t cm[2][2]; /* [truth][predicted], 1 = rule */
	group g[MAX_GROUPS];
	uint32_t ng;
	size_t skipped;
	double feat_s, score_s;
} eval_ctx;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Group names go into the JSON line as they are: keep them to a safe
 * alphabet instead of escaping. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			*s = '_';
}

static void count_group(eval_ctx *c, const char *name, bool correct)
{
	uint32_t i;

	if (!name[0])
		return;
	for (i = 0; i < c->ng; i++)
		if (!strncmp(c->g[i].name, name, GROUP_LEN - 1))
			break;
	if (i == c->ng) {
		if (c->ng == MAX_GROUPS)
			return;
		snprintf(c->g[i].name, GROUP_LEN, "%s", name);
		sanitize(c->g[i].name);
		c->ng++;
	}
	c->g[i].n++;
	c->g[i].correct += correct;
}

static int eval_row(void *ctx, const model_tsv_row *r, raqib_err *err)
{
	eval_ctx *c = ctx;
	bool truth = !strcmp(r->label, c->rule), pred;
	text_view tv;
	feat_vec v;
	double t0, t1;
	int rc;

	if (!truth && strcmp(r->label, "ok"))
		return raqib_err_set(err, RAQIB_EDATA, "%s:%zu: label '%s' is neither '%s' nor 'ok'",
				     c->path, r->line, r->label, c->rule);
	raqib_arena_reset(c->a);
	t0 = now();
	rc = text_normalize(&tv, c->a, r->text, r->len, err);
	if (rc == RAQIB_EUTF8) {
		c->skipped++;
		return 0;
	}
	if (rc || (rc = feat_extract(&c->spec, &tv, c->a, &v, err)))
		return rc;
	t1 = now();
	pred = model_prob(c->m, &v) >= c->threshold;
	c->score_s += now() - t1;
	c->feat_s += t1 - t0;
	c->cm[truth][pred]++;
	count_group(c, r->group, truth == pred);
	return 0;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static double f1(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

static void report(const eval_ctx *c)
{
	const char *names[2] = {"ok", c->rule};
	double p[2], r[2], f[2], acc, macro;
	uint64_t n = c->cm[0][0] + c->cm[0][1] + c->cm[1][0] + c->cm[1][1];
	uint32_t k;

	for (k = 0; k < 2; k++) {
		p[k] = ratio(c->cm[k][k], c->cm[0][k] + c->cm[1][k]);
		r[k] = ratio(c->cm[k][k], c->cm[k][0] + c->cm[k][1]);
		f[k] = f1(p[k], r[k]);
	}
	acc = ratio(c->cm[0][0] + c->cm[1][1], n);
	macro = (f[0] + f[1]) / 2;

	printf("%s on %s: %llu texts, threshold %.4f\n", c->rule, c->path,
	       (unsigned long long)n, c->threshold);
	if (c->skipped)
		printf("skipped %zu lines with invalid UTF-8\n", c->skipped);
	printf("%-12s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1", "support");
	for (k = 0; k < 2; k++)
		printf("%-12s %9.4f %9.4f %9.4f %9llu\n", names[k], p[k], r[k], f[k],
		       (unsigned long long)(c->cm[k][0] + c->cm[k][1]));
	printf("macro-F1 %.4f  accuracy %.4f\n", macro, acc);
	printf("confusion (rows: truth, columns: predicted)\n");
	printf("%-12s %9s %9s\n", "", names[0], names[1]);
	for (k = 0; k < 2; k++)
		printf("%-12s %9llu %9llu\n", names[k], (unsigned long long)c->cm[k][0],
		       (unsigned long long)c->cm[k][1]);
	for (k = 0; k < c->ng; k++)
		printf("group %-16s %6u texts, %.4f judged correctly\n", c->g[k].name, c->g[k].n,
		       ratio(c->g[k].correct, c->g[k].n));
	printf("time per text: %.2f us normalize+features, %.2f us scoring\n",
	       n ? c->feat_s * 1e6 / (double)n : 0.0, n ? c->score_s * 1e6 / (double)n : 0.0);

	printf("{\"rule\": \"%s\", \"n\": %llu, \"threshold\": %.4f, \"accuracy\": %.4f, "
	       "\"macro_f1\": %.4f, \"classes\": {",
	       c->rule, (unsigned long long)n, c->threshold, acc, macro);
	for (k = 0; k < 2; k++)
		printf("%s\"%s\": {\"precision\": %.4f, \"recall\": %.4f, \"f1\": %.4f, "
		       "\"support\": %llu}",
		       k ? ", " : "", names[k], p[k], r[k], f[k],
		       (unsigned long long)(c->cm[k][0] + c->cm[k][1]));
	printf("}, \"confusion\": [[%llu, %llu], [%llu, %llu]], \"groups\": {",
	       (unsigned long long)c->cm[0][0], (unsigned long long)c->cm[0][1],
	       (unsigned long long)c->cm[1][0], (unsigned long long)c->cm[1][1]);
	for (k = 0; k < c->ng; k++)
		printf("%s\"%s\": {\"n\": %u, \"correct\": %.4f}", k ? ", " : "", c->g[k].name,
		       c->g[k].n, ratio(c->g[k].correct, c->g[k].n));
	printf("}}\n");
}

/* The rule name is printed into JSON and a path: same safe alphabet. */
static bool safe_rule(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_' || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

int cmd_eval(int argc, char **argv)
{
	const char *rule = NULL, *model = NULL, *file = NULL;
	char defpath[256];
	double thr = -1;
	eval_ctx c;
	lin_model *m = NULL;
	raqib_err err = {0, ""};
	int i, rc = CLI_USAGE;
	char *end;

	memset(&c, 0, sizeof c);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(eval_help, stdout);
			return CLI_OK;
		} else if (!strcmp(a, "--rule") || !strcmp(a, "--model") ||
			   !strcmp(a, "--threshold")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "raqib eval: %s needs a value\n", a);
				goto usage;
			}
			if (!strcmp(a, "--rule"))
				rule = argv[++i];
			else if (!strcmp(a, "--model"))
				model = argv[++i];
			else {
				thr = strtod(argv[++i], &end);
				if (*end || !(thr >= 0 && thr <= 1)) {
					fprintf(stderr, "raqib eval: --threshold wants 0..1\n");
					goto usage;
				}
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "raqib eval: unknown option '%s'\n", a);
			goto usage;
		} else if (!file) {
			file = a;
		} else {
			fprintf(stderr, "raqib eval: one FILE only ('%s')\n", a);
			goto usage;
		}
	}
	if (!rule || !file) {
		fprintf(stderr, "raqib eval: --rule and FILE are required\n");
		goto usage;
	}
	if (!safe_rule(rule)) {
		fprintf(stderr, "raqib eval: rule names are [a-z0-9_]\n");
		goto usage;
	}
	if (!model) {
		snprintf(defpath, sizeof defpath, "models/%s.model", rule);
		model = defpath;
	}
	if (model_load(model, &m, &err)) {
		fprintf(stderr, "raqib eval: %s\n", err.msg);
		return CLI_USAGE;
	}
	if (strcmp(model_rule(m), rule)) {
		fprintf(stderr, "raqib eval: %s is a model for '%s', not '%s'\n", model,
			model_rule(m), rule);
		goto out;
	}
	c.m = m;
	c.spec = *model_spec(m);
	if ((c.spec.flags & FEAT_LEX) &&
	    (model_check_lexicons(m, rule_feat_lexicons_digest(), model, &err) ||
	     rule_feat_lexicons(&c.spec, &err))) {
		fprintf(stderr, "raqib eval: %s\n", err.msg);
		goto out;
	}
	c.rule = rule;
	c.path = file;
	c.threshold = thr >= 0 ? thr : model_threshold(m);
	c.a = raqib_arena_new(1 << 16);
	if (!c.a) {
		fprintf(stderr, "raqib eval: out of memory\n");
		goto out;
	}
	if (model_tsv_read(file, eval_row, &c, &err)) {
		fprintf(stderr, "raqib eval: %s\n", err.msg);
		goto out;
	}
	report(&c);
	rc = CLI_OK;
out:
	raqib_arena_free(c.a);
	model_free(m);
	return rc;
usage:
	fputs(eval_usage, stderr);
	fputs("Try 'raqib eval --help'.\n", stderr);
	return CLI_USAGE;
}
