/*
 * cmd_train.c — `raqib train`: fit one rule's linear model on a labelled
 * TSV and write it to a model file (see src/model/model.h).
 *
 * Deterministic: same files and options give the same bytes (liblinear's
 * primal solver, fixed grid, no clock or randomness in the image).
 */
#include "cli.h"
#include "../model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char train_usage[] =
	"usage: raqib train --rule RULE --train FILE.tsv [--dev FILE.tsv] --out FILE\n"
	"                   [--C C] [--min-precision P] [--no-balance] [--hash-bits B]\n"
	"                   [--char-min N]\n";

static const char train_help[] =
	"usage: raqib train --rule RULE --train FILE.tsv [--dev FILE.tsv] --out FILE\n"
	"                   [--C C] [--min-precision P] [--no-balance] [--hash-bits B]\n"
	"                   [--char-min N]\n"
	"\n"
	"Trains an L2-regularised logistic regression (liblinear) on hashed\n"
	"character 1-5-grams, word 1-2-grams and normalization signals, and\n"
	"writes a model file.\n"
	"\n"
	"Input: UTF-8 TSV, text<TAB>label[<TAB>...], header line optional; label\n"
	"is the rule name (the text violates the rule) or 'ok'. Other labels are\n"
	"an error. Lines with invalid UTF-8 are skipped and counted.\n"
	"\n"
	"options:\n"
	"  --rule RULE        rule name stored in the model (insult, dialect, ...)\n"
	"  --train FILE       training set\n"
	"  --dev FILE         development set: C is chosen from a grid, scores\n"
	"                     are calibrated (Platt) and the threshold is chosen\n"
	"                     on it; without it C=1, threshold 0.5\n"
	"  --out FILE         model file to write\n"
	"  --C C              fix the regularisation constant (no grid)\n"
	"  --min-precision P  threshold: the lowest whose dev precision of the rule\n"
	"                     class is >= P (default: the one maximising macro-F1)\n"
	"  --no-balance       do not weight classes by inverse frequency\n"
	"  --hash-bits B      feature space 2^B (16..24, default 20)\n"
	"  --char-min N       shortest character n-gram (1..5, default 2)\n"
	"  -h, --help         show this help\n"
	"\n"
	"exit status: 0 model written, 2 bad usage, bad data or an I/O error.\n";

typedef struct train_opts {
	const char *rule, *train, *dev, *out;
	double C, min_precision;
	bool no_balance;
	int hash_bits, char_min;
} train_opts;

typedef struct load_ctx {
	model_dataset *d;
	const char *rule;
	const char *path;
	size_t skipped;
} load_ctx;

static int need(int i, int argc, const char *opt)
{
	if (i + 1 < argc)
		return 0;
	fprintf(stderr, "raqib train: %s needs a value\n", opt);
	return -1;
}

static int parse_args(int argc, char **argv, train_opts *o)
{
	int i;
	char *end;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(train_help, stdout);
			return 1;
		} else if (!strcmp(a, "--no-balance")) {
			o->no_balance = true;
		} else if (!strcmp(a, "--rule") || !strcmp(a, "--train") || !strcmp(a, "--dev") ||
			   !strcmp(a, "--out") || !strcmp(a, "--C") || !strcmp(a, "--min-precision") ||
			   !strcmp(a, "--hash-bits") || !strcmp(a, "--char-min")) {
			const char *v;
			if (need(i, argc, a))
				goto usage;
			v = argv[++i];
			if (!strcmp(a, "--rule"))
				o->rule = v;
			else if (!strcmp(a, "--train"))
				o->train = v;
			else if (!strcmp(a, "--dev"))
				o->dev = v;
			else if (!strcmp(a, "--out"))
				o->out = v;
			else if (!strcmp(a, "--hash-bits")) {
				long b = strtol(v, &end, 10);
				if (*end || b < 16 || b > 24) {
					fprintf(stderr, "raqib train: --hash-bits wants 16..24\n");
					goto usage;
				}
				o->hash_bits = (int)b;
			} else if (!strcmp(a, "--char-min")) {
				long b = strtol(v, &end, 10);
				if (*end || b < 1 || b > 5) {
					fprintf(stderr, "raqib train: --char-min wants 1..5\n");
					goto usage;
				}
				o->char_min = (int)b;
			} else {
				double d = strtod(v, &end);
				bool prec = !strcmp(a, "--min-precision");
				if (*end || !(d > 0) || (prec && d > 1)) {
					fprintf(stderr, "raqib train: bad value for %s: '%s'\n", a, v);
					goto usage;
				}
				if (prec)
					o->min_precision = d;
				else
					o->C = d;
			}
		} else {
			fprintf(stderr, "raqib train: unknown %s '%s'\n",
				a[0] == '-' ? "option" : "argument", a);
			goto usage;
		}
	}
	if (!o->rule || !o->train || !o->out) {
		fprintf(stderr, "raqib train: --rule, --train and --out are required\n");
		goto usage;
	}
	return 0;
usage:
	fputs(train_usage, stderr);
	fputs("Try 'raqib train --help'.\n", stderr);
	return -1;
}

static int add_row(void *ctx, const model_tsv_row *r, raqib_err *err)
{
	load_ctx *c = ctx;
	bool pos = !strcmp(r->label, c->rule);
	int rc;

	if (!pos && strcmp(r->label, "ok"))
		return raqib_err_set(err, RAQIB_EDATA, "%s:%zu: label '%s' is neither '%s' nor 'ok'",
				     c->path, r->line, r->label, c->rule);
	rc = model_dataset_add(c->d, r->text, r->len, pos, err);
	if (rc == RAQIB_EUTF8) {
		c->skipped++;
		return 0;
	}
	return rc;
}

static model_dataset *load(const char *path, const train_opts *o, const feat_spec *spec)
{
	load_ctx c = {NULL, o->rule, path, 0};
	raqib_err err = {0, ""};
	uint32_t n, npos;

	c.d = model_dataset_new(spec);
	if (!c.d) {
		fprintf(stderr, "raqib train: out of memory\n");
		return NULL;
	}
	if (model_tsv_read(path, add_row, &c, &err)) {
		fprintf(stderr, "raqib train: %s\n", err.msg);
		model_dataset_free(c.d);
		return NULL;
	}
	n = model_dataset_size(c.d, &npos);
	fprintf(stderr, "raqib train: %s: %u documents, %u %s, %u ok", path, n, npos, o->rule,
		n - npos);
	if (c.skipped)
		fprintf(stderr, ", %zu skipped (invalid UTF-8)", c.skipped);
	fputc('\n', stderr);
	return c.d;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cmd_train(int argc, char **argv)
{
	train_opts o = {0};
	model_train_opts to = {0};
	model_train_info info;
	model_dataset *tr = NULL, *dv = NULL;
	lin_model *m = NULL;
	raqib_err err = {0, ""};
	feat_spec spec;
	struct stat st;
	double t0, t1, t2;
	int rc = CLI_USAGE, r;

	r = parse_args(argc, argv, &o);
	if (r)
		return r > 0 ? CLI_OK : CLI_USAGE;
	feat_spec_default(&spec);
	if (o.hash_bits)
		spec.hash_bits = (uint8_t)o.hash_bits;
	if (o.char_min)
		spec.char_min = (uint8_t)o.char_min;

	t0 = now();
	tr = load(o.train, &o, &spec);
	if (!tr)
		goto out;
	if (o.dev && !(dv = load(o.dev, &o, &spec)))
		goto out;
	t1 = now();

	to.rule = o.rule;
	to.C = o.C;
	to.balanced = !o.no_balance;
	to.min_precision = o.min_precision;
	if (model_train(tr, dv, &to, &m, &info, &err) || model_save(m, o.out, &err)) {
		fprintf(stderr, "raqib train: %s\n", err.msg);
		goto out;
	}
	t2 = now();
	if (stat(o.out, &st))
		st.st_size = 0;
	printf("rule %s: C=%g (of %u tried), %u non-zero weights, threshold %.4f, "
	       "Platt a=%.4f b=%.4f\n",
	       o.rule, info.C, info.ncandidates, info.nonzero, info.threshold, info.platt_a,
	       info.platt_b);
	if (dv)
		printf("dev: macro-F1 %.4f, %s precision %.4f recall %.4f\n", info.dev_macro_f1,
		       o.rule, info.dev_precision, info.dev_recall);
	printf("features %.1f s, training %.1f s; wrote %s (%lld bytes)\n", t1 - t0, t2 - t1,
	       o.out, (long long)st.st_size);
	rc = CLI_OK;
out:
	model_free(m);
	model_dataset_free(tr);
	model_dataset_free(dv);
	return rc;
}
