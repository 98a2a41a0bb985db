/*
 * cmd_train.c — `raqib train`: fit one rule's linear model on a labelled
 * TSV and write it to a model file (see src/model/model.h).
 *
 * Deterministic: same files and options give the same bytes (liblinear's
 * primal solver, fixed grid, fixed folds, no clock or randomness in the
 * image).
 *
 * The data-composition options live here rather than in the model library:
 * per-source weights (--weight) are row repetitions, which for logistic
 * regression is exactly an integer sample weight, and the label-noise
 * filter (--clean-folds) only needs model_train() and model_dataset_prob().
 */
#include "cli.h"
#include "../model/model.h"

#include <linear.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char train_usage[] =
	"usage: raqib train --rule RULE --train FILE.tsv [--dev FILE.tsv] --out FILE\n"
	"                   [--C C | --C-grid C1,C2,...] [--min-precision P] [--no-balance]\n"
	"                   [--weight GROUP=N]... [--clean-folds K [--clean-below P]]\n"
	"                   [--hash-bits B] [--char-min N] [--char-max N] [--word-max N]\n"
	"                   [--tf] [--nb [--nb-alpha A]] [--lex-dir DIR]\n"
	"                   [--adapt DOMAIN [--domain GROUP=DOMAIN]... [--max-memory GB]]\n";

static const char train_help[] =
	"\n"
	"Trains an L2-regularised logistic regression (liblinear) on hashed\n"
	"character 2-5-grams, word 1-2-grams and normalization signals, and\n"
	"writes a model file.\n"
	"\n"
	"Input: UTF-8 TSV, text<TAB>label[<TAB>group], header line optional; label\n"
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
	"  --C-grid LIST      with --dev: try these C (comma-separated, at most 16)\n"
	"                     instead of the built-in grid 0.5..128; the best dev\n"
	"                     macro-F1 wins (ties: the first)\n"
	"  --min-precision P  threshold: the lowest whose dev precision of the rule\n"
	"                     class is >= P (default: the one maximising macro-F1)\n"
	"  --no-balance       do not weight classes by inverse frequency\n"
	"  --weight GROUP=N   count training rows whose third column is GROUP N\n"
	"                     times (0..32; 0 drops them); a GROUP ending in '*'\n"
	"                     is a prefix; repeatable (at most 16), first match wins\n"
	"  --clean-folds K    label-noise filter (2..10 folds): K models, each\n"
	"                     trained without one fold (row i is in fold i mod K,\n"
	"                     C = --C or 8), score the rows of that fold; rows whose\n"
	"                     own label gets a probability below --clean-below P\n"
	"                     (default 0.1) are dropped before the final fit\n"
	"  --hash-bits B      feature space 2^B (16..24, default 20)\n"
	"  --char-min N       shortest character n-gram (1..5, default 2)\n"
	"  --char-max N       longest character n-gram (1..8, default 5)\n"
	"  --word-max N       word n-grams: 0 none, 1 unigrams, 2 and bigrams (default)\n"
	"  --tf               integer feature values (FEAT_TF: round(16 (1 + ln count)),\n"
	"                     L2-normalised): four such models in one engine are\n"
	"                     scored while the text is hashed (docs/models.md, Speed)\n"
	"  --nb               NB-LR (Wang & Manning 2012): scale each hashed feature\n"
	"                     by its naive-Bayes log-count ratio on the training\n"
	"                     set before the fit, then fold the ratio into the\n"
	"                     saved weight (same model format and scoring); not\n"
	"                     with --clean-folds\n"
	"  --nb-alpha A       with --nb: add-A smoothing of the counts (default 1)\n"
	"  --lex-dir DIR      word-list signals (FEAT_LEX, dense slots 10-15: group\n"
	"                     terms, slurs, insults, a group term next to one)\n"
	"                     from DIR/hate_groups.txt, hate.txt and insult.txt;\n"
	"                     use the files the binary is built with (data/lexicons)\n"
	"  --adapt DOMAIN     feature augmentation (Daume 2007): every training row\n"
	"                     is fitted on a shared copy of its features and one\n"
	"                     for its domain; the saved weights are shared +\n"
	"                     DOMAIN's copy, so scoring is unchanged (not with\n"
	"                     --clean-folds)\n"
	"  --domain GROUP=D   the domain of rows whose third column is GROUP ('*'\n"
	"                     suffix: prefix; first match wins; at most 16); rows no\n"
	"                     --domain matches form the domain named by their group;\n"
	"                     at most 16 domains (each adds about 130 MB to the fit)\n"
	"  --max-memory GB    with --adapt: refuse a fit whose feature copies would\n"
	"                     need more (about 72 bytes per slot and copy; default:\n"
	"                     the machine's memory) instead of being killed midway\n"
	"  -h, --help         show this help\n"
	"\n"
	"exit status: 0 model written, 2 bad usage, bad data or an I/O error.\n";

#define MAX_WEIGHTS 16
#define MAX_GRID 16
#define MAX_DOMAINS 16 /* each costs ~130 MB of solver memory at 2^20 slots */
#define CLEAN_C 8.0

typedef struct group_weight {
	const char *group;
	size_t len;
	bool prefix;
	unsigned n;
} group_weight;

typedef struct train_opts {
	const char *rule, *train, *dev, *out, *lex_dir, *adapt;
	double max_memory_gb; /* --max-memory, 0: the machine's memory */
	double C, min_precision, clean_below, nb_alpha;
	double grid[MAX_GRID];
	unsigned ngrid, nweights, clean_folds;
	group_weight weights[MAX_WEIGHTS];
	group_weight domains[MAX_WEIGHTS]; /* n unused; group = "GROUP=DOMAIN" */
	unsigned ndomains;
	bool no_balance, nb, tf;
	int hash_bits, char_min, char_max, word_max;
} train_opts;

/* One training row kept in memory, so folds can be rebuilt from it. */
typedef struct row {
	char *text;
	size_t len;
	bool pos;
	unsigned rep;
	unsigned dom;       /* --adapt: index in load_ctx.dom */
} row;

typedef struct load_ctx {
	model_dataset *d;   /* dev: documents go straight here */
	row *rows;          /* train: documents are kept here */
	size_t nrows, cap;
	const train_opts *o;
	const char *path;
	size_t skipped, dropped;
	bool unweighted;    /* keep every row once (a dev set kept as rows) */
	/* --adapt: the training rows' domains, in order of first appearance */
	char *dom[MAX_DOMAINS];
	unsigned ndom;
} load_ctx;

static int need(int i, int argc, const char *opt)
{
	if (i + 1 < argc)
		return 0;
	fprintf(stderr, "raqib train: %s needs a value\n", opt);
	return -1;
}

static int parse_grid(const char *v, train_opts *o)
{
	char *end;

	o->ngrid = 0;
	for (;;) {
		double d = strtod(v, &end);
		if (end == v || !(d > 0) || d > 1e6 || o->ngrid == MAX_GRID)
			return -1;
		o->grid[o->ngrid++] = d;
		if (!*end)
			return 0;
		if (*end != ',')
			return -1;
		v = end + 1;
	}
}

/* The pattern v[0, eq): a group name, or a prefix when it ends in '*'. */
static void set_pattern(group_weight *g, const char *v, const char *eq)
{
	g->group = v;
	g->len = (size_t)(eq - v);
	g->prefix = v[g->len - 1] == '*';
	if (g->prefix)
		g->len--;
}

static bool pattern_match(const group_weight *g, const char *group)
{
	return !strncmp(group, g->group, g->len) && (g->prefix || !group[g->len]);
}

static int parse_weight(const char *v, train_opts *o)
{
	const char *eq = strrchr(v, '=');
	group_weight *w;
	char *end;
	long n;

	if (!eq || eq == v || o->nweights == MAX_WEIGHTS)
		return -1;
	n = strtol(eq + 1, &end, 10);
	if (end == eq + 1 || *end || n < 0 || n > 32)
		return -1;
	w = &o->weights[o->nweights++];
	set_pattern(w, v, eq);
	w->n = (unsigned)n;
	return 0;
}

static int parse_domain(const char *v, train_opts *o)
{
	const char *eq = strchr(v, '=');
	group_weight *d;

	if (!eq || eq == v || !eq[1] || o->ndomains == MAX_WEIGHTS)
		return -1;
	d = &o->domains[o->ndomains++];
	set_pattern(d, v, eq);
	return 0;
}

static int parse_value(const char *a, const char *v, train_opts *o)
{
	char *end;
	long b;
	double d;

	if (!strcmp(a, "--rule")) {
		o->rule = v;
	} else if (!strcmp(a, "--lex-dir")) {
		o->lex_dir = v;
	} else if (!strcmp(a, "--train")) {
		o->train = v;
	} else if (!strcmp(a, "--dev")) {
		o->dev = v;
	} else if (!strcmp(a, "--out")) {
		o->out = v;
	} else if (!strcmp(a, "--C-grid")) {
		return parse_grid(v, o);
	} else if (!strcmp(a, "--weight")) {
		return parse_weight(v, o);
	} else if (!strcmp(a, "--domain")) {
		return parse_domain(v, o);
	} else if (!strcmp(a, "--adapt")) {
		o->adapt = v;
	} else if (!strcmp(a, "--max-memory")) {
		d = strtod(v, &end);
		if (end == v || *end || !(d > 0) || d > 1e6)
			return -1;
		o->max_memory_gb = d;
	} else if (!strcmp(a, "--char-max") || !strcmp(a, "--word-max")) {
		bool cm = !strcmp(a, "--char-max");
		b = strtol(v, &end, 10);
		if (end == v || *end || b < (cm ? 1 : 0) || b > (cm ? 8 : 2))
			return -1;
		if (cm)
			o->char_max = (int)b;
		else
			o->word_max = (int)b + 1; /* 0: not given */
	} else if (!strcmp(a, "--hash-bits") || !strcmp(a, "--char-min") ||
		   !strcmp(a, "--clean-folds")) {
		bool bits = !strcmp(a, "--hash-bits"), folds = !strcmp(a, "--clean-folds");
		long lo = bits ? 16 : folds ? 2 : 1, hi = bits ? 24 : folds ? 10 : 5;
		b = strtol(v, &end, 10);
		if (end == v || *end || b < lo || b > hi)
			return -1;
		if (bits)
			o->hash_bits = (int)b;
		else if (folds)
			o->clean_folds = (unsigned)b;
		else
			o->char_min = (int)b;
	} else {
		bool prob = !strcmp(a, "--min-precision") || !strcmp(a, "--clean-below");
		if (!strcmp(a, "--nb-alpha")) {
			d = strtod(v, &end);
			if (end == v || *end || !(d > 0) || d > 100)
				return -1;
			o->nb_alpha = d;
			return 0;
		}
		d = strtod(v, &end);
		if (end == v || *end || !(d > 0) || (prob && d > 1))
			return -1;
		if (!strcmp(a, "--min-precision"))
			o->min_precision = d;
		else if (!strcmp(a, "--clean-below"))
			o->clean_below = d;
		else
			o->C = d;
	}
	return 0;
}

static bool takes_value(const char *a)
{
	static const char *const opts[] = {"--rule", "--train", "--dev", "--out", "--C",
					   "--C-grid", "--min-precision", "--hash-bits",
					   "--char-min", "--weight", "--clean-folds",
					   "--clean-below", "--nb-alpha", "--char-max",
					   "--word-max", "--lex-dir", "--adapt", "--domain",
					   "--max-memory"};
	size_t i;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (!strcmp(a, opts[i]))
			return true;
	return false;
}

static int parse_args(int argc, char **argv, train_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(train_usage, stdout);
			fputs(train_help, stdout);
			return 1;
		} else if (!strcmp(a, "--no-balance")) {
			o->no_balance = true;
		} else if (!strcmp(a, "--nb")) {
			o->nb = true;
		} else if (!strcmp(a, "--tf")) {
			o->tf = true;
		} else if (takes_value(a)) {
			if (need(i, argc, a))
				goto usage;
			if (parse_value(a, argv[++i], o)) {
				fprintf(stderr, "raqib train: bad value for %s: '%s'\n", a, argv[i]);
				goto usage;
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
	if (o->C > 0 && o->ngrid) {
		fprintf(stderr, "raqib train: --C and --C-grid exclude each other\n");
		goto usage;
	}
	if (o->nb && o->clean_folds) {
		fprintf(stderr, "raqib train: --nb and --clean-folds exclude each other\n");
		goto usage;
	}
	if (o->adapt && o->clean_folds) {
		fprintf(stderr, "raqib train: --adapt and --clean-folds exclude each other\n");
		goto usage;
	}
	if (o->max_memory_gb > 0 && !o->adapt) {
		fprintf(stderr, "raqib train: --max-memory needs --adapt\n");
		goto usage;
	}
	if (o->ndomains && !o->adapt) {
		fprintf(stderr, "raqib train: --domain needs --adapt\n");
		goto usage;
	}
	if (o->nb_alpha > 0 && !o->nb) {
		fprintf(stderr, "raqib train: --nb-alpha needs --nb\n");
		goto usage;
	}
	if (o->clean_below > 0 && !o->clean_folds) {
		fprintf(stderr, "raqib train: --clean-below needs --clean-folds\n");
		goto usage;
	}
	return 0;
usage:
	fputs(train_usage, stderr);
	fputs("Try 'raqib train --help'.\n", stderr);
	return -1;
}

/* How many times a training row of `group` counts (1 if no --weight matches). */
static unsigned repeats(const train_opts *o, const char *group)
{
	unsigned i;

	for (i = 0; i < o->nweights; i++) {
		if (pattern_match(&o->weights[i], group))
			return o->weights[i].n;
	}
	return 1;
}

/* The --domain name of `group` (the group itself if none matches). */
static const char *domain_of(const train_opts *o, const char *group, size_t *len)
{
	unsigned i;

	for (i = 0; i < o->ndomains; i++) {
		const group_weight *d = &o->domains[i];
		if (pattern_match(d, group)) {
			const char *name = d->group + d->len + (d->prefix ? 2 : 1);
			*len = strlen(name);
			return name;
		}
	}
	*len = strlen(group);
	return group;
}

/* Index of the row's domain in c->dom, added if new. */
static int domain_index(load_ctx *c, const char *group, unsigned *out, raqib_err *err)
{
	size_t len;
	const char *name = domain_of(c->o, group, &len);
	unsigned i;

	for (i = 0; i < c->ndom; i++)
		if (strlen(c->dom[i]) == len && !memcmp(c->dom[i], name, len)) {
			*out = i;
			return 0;
		}
	if (c->ndom == MAX_DOMAINS)
		return raqib_err_set(err, RAQIB_EDATA, "--adapt: more than %d domains",
				     MAX_DOMAINS);
	if (!(c->dom[c->ndom] = strndup(name, len)))
		return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
	*out = c->ndom++;
	return 0;
}

static int keep_row(load_ctx *c, const model_tsv_row *r, bool pos, unsigned rep,
		    raqib_err *err)
{
	row *nr;
	unsigned dom = 0;

	if (c->o->adapt && !c->unweighted && domain_index(c, r->group, &dom, err))
		return err->code;

	if (c->nrows == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 4096;
		row *p = realloc(c->rows, cap * sizeof *p);
		if (!p)
			return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
		c->rows = p;
		c->cap = cap;
	}
	nr = &c->rows[c->nrows];
	nr->text = malloc(r->len + 1);
	if (!nr->text)
		return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
	memcpy(nr->text, r->text, r->len + 1);
	nr->len = r->len;
	nr->pos = pos;
	nr->rep = rep;
	nr->dom = dom;
	c->nrows++;
	return 0;
}

static int add_row(void *ctx, const model_tsv_row *r, raqib_err *err)
{
	load_ctx *c = ctx;
	bool pos = !strcmp(r->label, c->o->rule);
	unsigned rep;
	int rc;

	if (!pos && strcmp(r->label, "ok"))
		return raqib_err_set(err, RAQIB_EDATA, "%s:%zu: label '%s' is neither '%s' nor 'ok'",
				     c->path, r->line, r->label, c->o->rule);
	if (!c->d) {
		rep = c->unweighted ? 1 : repeats(c->o, r->group);
		if (!rep) {
			c->dropped++;
			return 0;
		}
		return keep_row(c, r, pos, rep, err);
	}
	rc = model_dataset_add(c->d, r->text, r->len, pos, err);
	if (rc == RAQIB_EUTF8) {
		c->skipped++;
		return 0;
	}
	return rc;
}

static void free_rows(row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(rows[i].text);
	free(rows);
}

/*
 * Builds a dataset from the kept rows: row i goes in when keep[i] (all rows
 * without `keep`), rep times. Invalid UTF-8 is counted in *skipped. With
 * `at`, at[i] is the index of row i's first copy, UINT32_MAX if not in.
 */
static model_dataset *build(const row *rows, size_t n, const bool *keep, const feat_spec *spec,
			    size_t *skipped, uint32_t *at)
{
	model_dataset *d = model_dataset_new(spec);
	raqib_err err = {0, ""};
	size_t i;
	unsigned k;

	if (!d)
		goto oom;
	*skipped = 0;
	for (i = 0; i < n; i++) {
		if (at)
			at[i] = UINT32_MAX;
		if (keep && !keep[i])
			continue;
		for (k = 0; k < rows[i].rep; k++) {
			uint32_t before = model_dataset_size(d, NULL);
			int rc = model_dataset_add(d, rows[i].text, rows[i].len, rows[i].pos, &err);
			if (rc == RAQIB_EUTF8) {
				++*skipped;
				break;
			}
			if (rc)
				goto oom;
			if (at && !k)
				at[i] = before;
		}
	}
	return d;
oom:
	fprintf(stderr, "raqib train: out of memory\n");
	model_dataset_free(d);
	return NULL;
}

static void report(const char *path, const char *rule, const model_dataset *d, size_t skipped,
		   size_t dropped)
{
	uint32_t n, npos;

	n = model_dataset_size(d, &npos);
	fprintf(stderr, "raqib train: %s: %u documents, %u %s, %u ok", path, n, npos, rule,
		n - npos);
	if (skipped)
		fprintf(stderr, ", %zu skipped (invalid UTF-8)", skipped);
	if (dropped)
		fprintf(stderr, ", %zu dropped (weight 0)", dropped);
	fputc('\n', stderr);
}

static int read_tsv(const char *path, load_ctx *c)
{
	raqib_err err = {0, ""};

	if (model_tsv_read(path, add_row, c, &err)) {
		fprintf(stderr, "raqib train: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static model_dataset *load_dev(const char *path, const train_opts *o, const feat_spec *spec)
{
	load_ctx c = {.o = o, .path = path};

	c.d = model_dataset_new(spec);
	if (!c.d) {
		fprintf(stderr, "raqib train: out of memory\n");
		return NULL;
	}
	if (read_tsv(path, &c)) {
		model_dataset_free(c.d);
		return NULL;
	}
	report(path, o->rule, c.d, c.skipped, 0);
	return c.d;
}

/*
 * The label-noise filter: out-of-fold probability of each row's own label;
 * rows below o->clean_below lose keep[i]. Returns the number dropped or -1.
 */
static long clean(const row *rows, size_t n, const train_opts *o, const feat_spec *spec,
		  bool *keep)
{
	model_train_opts to = {0};
	bool *in = malloc((n ? n : 1) * sizeof *in);
	uint32_t *at = malloc((n ? n : 1) * sizeof *at);
	double below = o->clean_below > 0 ? o->clean_below : 0.1;
	long dropped = -1, nd = 0;
	unsigned f;
	size_t i;

	if (!in || !at) {
		fprintf(stderr, "raqib train: out of memory\n");
		goto out;
	}
	to.rule = o->rule;
	to.C = o->C > 0 ? o->C : CLEAN_C;
	to.balanced = !o->no_balance;
	for (i = 0; i < n; i++)
		keep[i] = true;
	for (f = 0; f < o->clean_folds; f++) {
		model_dataset *tr = NULL, *ho = NULL;
		lin_model *m = NULL;
		raqib_err err = {0, ""};
		size_t skipped;
		int rc;

		for (i = 0; i < n; i++)
			in[i] = i % o->clean_folds != f;
		tr = build(rows, n, in, spec, &skipped, NULL);
		for (i = 0; i < n; i++)
			in[i] = !in[i];
		ho = tr ? build(rows, n, in, spec, &skipped, at) : NULL;
		rc = !ho || model_train(tr, NULL, &to, &m, NULL, &err);
		if (rc && err.msg[0])
			fprintf(stderr, "raqib train: %s\n", err.msg);
		for (i = 0; !rc && i < n; i++) {
			double p;
			if (at[i] == UINT32_MAX)
				continue;
			p = model_dataset_prob(m, ho, at[i], NULL);
			if ((rows[i].pos ? p : 1.0 - p) < below) {
				keep[i] = false;
				nd++;
			}
		}
		model_free(m);
		model_dataset_free(tr);
		model_dataset_free(ho);
		if (rc)
			goto out;
	}
	dropped = nd;
out:
	free(in);
	free(at);
	return dropped;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Fits with the library's grid, a fixed C, or each C of --C-grid. */
static int fit(const model_dataset *tr, const model_dataset *dv, const train_opts *o,
	       lin_model **out, model_train_info *info)
{
	model_train_opts to = {0};
	raqib_err err = {0, ""};
	unsigned g;

	to.rule = o->rule;
	to.C = o->C;
	to.balanced = !o->no_balance;
	to.min_precision = o->min_precision;
	if (!o->ngrid || !dv) {
		if (model_train(tr, dv, &to, out, info, &err))
			goto fail;
		return 0;
	}
	*out = NULL;
	for (g = 0; g < o->ngrid; g++) {
		model_train_info ci;
		lin_model *m = NULL;

		to.C = o->grid[g];
		if (model_train(tr, dv, &to, &m, &ci, &err))
			goto fail;
		fprintf(stderr, "raqib train: C=%g dev macro-F1 %.4f\n", ci.C, ci.dev_macro_f1);
		if (!*out || ci.dev_macro_f1 > info->dev_macro_f1) {
			model_free(*out);
			*out = m;
			*info = ci;
		} else {
			model_free(m);
		}
	}
	info->ncandidates = o->ngrid;
	return 0;
fail:
	fprintf(stderr, "raqib train: %s\n", err.msg);
	model_free(*out);
	*out = NULL;
	return -1;
}

/* ---- NB-LR (--nb) and feature augmentation (--adapt) ---------------- */

/*
 * model_train() fits on the features as extracted; NB-LR fits on scaled
 * ones, so this path drives liblinear itself and writes the image (format
 * in model.h). Scaling feature j by r_j and learning w_j is the same
 * linear function as learning w_j * r_j on the unscaled feature, so the
 * saved weight is w_j * r_j and scoring, explanations and the file format
 * do not change. Calibration and threshold follow model_train() exactly
 * (Platt by liblinear, threshold maximising dev macro-F1 or reaching
 * --min-precision), so the two paths differ only in the fit.
 *
 * --adapt takes this path too (with r_j = 1 without --nb): every row gets
 * a second copy of its nodes in its domain's block of the feature space,
 * and the target domain's block is added to the shared one before the
 * weights are saved, which again leaves the file format untouched.
 */

/* Documents as liblinear rows, each ending with the bias node and -1. */
typedef struct fset {
	struct feature_node *nodes;
	size_t nn, cap;
	size_t *off;
	double *y;
	unsigned *rep;
	unsigned *dom;      /* row.dom */
	size_t n;
	/* --adapt: number of domains and the target's index (-1: no --adapt) */
	unsigned ndom;
	int target;
} fset;

static void fset_free(fset *s)
{
	free(s->nodes);
	free(s->off);
	free(s->y);
	free(s->rep);
	free(s->dom);
}

/* Extracts the features of rows[0..n); invalid UTF-8 counted in *skipped. */
static int fset_build(fset *s, const row *rows, size_t n, const feat_spec *spec,
		      size_t *skipped)
{
	raqib_arena *a = raqib_arena_new(1 << 16);
	raqib_err err = {0, ""};
	int bias = (1 << spec->hash_bits) + 1;
	size_t i;

	memset(s, 0, sizeof *s);
	*skipped = 0;
	s->off = malloc((n ? n : 1) * sizeof *s->off);
	s->y = malloc((n ? n : 1) * sizeof *s->y);
	s->rep = malloc((n ? n : 1) * sizeof *s->rep);
	s->dom = malloc((n ? n : 1) * sizeof *s->dom);
	s->target = -1;
	if (!a || !s->off || !s->y || !s->rep || !s->dom)
		goto oom;
	for (i = 0; i < n; i++) {
		text_view tv;
		feat_vec v;
		uint32_t k;
		int rc;

		raqib_arena_reset(a);
		rc = text_normalize(&tv, a, rows[i].text, rows[i].len, &err);
		if (rc == RAQIB_EUTF8) {
			++*skipped;
			continue;
		}
		if (rc || feat_extract(spec, &tv, a, &v, &err))
			goto oom;
		feat_sort(&v);
		if (s->nn + v.n + 2 > s->cap) {
			size_t cap = 2 * (s->nn + v.n + 2) + 4096;
			struct feature_node *p = realloc(s->nodes, cap * sizeof *p);
			if (!p)
				goto oom;
			s->nodes = p;
			s->cap = cap;
		}
		s->off[s->n] = s->nn;
		s->y[s->n] = rows[i].pos ? 1.0 : -1.0;
		s->dom[s->n] = rows[i].dom;
		s->rep[s->n++] = rows[i].rep;
		for (k = 0; k < v.n; k++)
			s->nodes[s->nn++] = (struct feature_node){(int)v.f[k].idx + 1, v.f[k].val};
		s->nodes[s->nn++] = (struct feature_node){bias, 1.0};
		s->nodes[s->nn++] = (struct feature_node){-1, 0.0};
	}
	raqib_arena_free(a);
	return 0;
oom:
	fprintf(stderr, "raqib train: out of memory\n");
	raqib_arena_free(a);
	fset_free(s);
	return -1;
}

/*
 * r[j] = log((p_j / |p|_1) / (q_j / |q|_1)), p_j (q_j) = alpha + number of
 * rule (ok) documents with hashed slot j, over the slots seen in training
 * (a row counts rep times, as in the fit). Dense slots and the bias keep
 * 1: they are signals of another scale, not counts. r has nw + 1 entries.
 */
static void nb_ratio(const fset *s, uint32_t nw, double alpha, double *r)
{
	double *p = r, *q = r + nw + 1, sp = 0, sq = 0;
	size_t i;
	uint32_t j;

	memset(p, 0, 2 * ((size_t)nw + 1) * sizeof *p);
	for (i = 0; i < s->n; i++) {
		const struct feature_node *x;
		for (x = s->nodes + s->off[i]; x->index != -1; x++) {
			j = (uint32_t)x->index - 1;
			if (j >= FEAT_NDENSE && j < nw)
				(s->y[i] > 0 ? p : q)[j] += s->rep[i];
		}
	}
	for (j = FEAT_NDENSE; j < nw; j++)
		if (p[j] > 0 || q[j] > 0) {
			sp += p[j] + alpha;
			sq += q[j] + alpha;
		}
	for (j = 0; j <= nw; j++) {
		if (j < FEAT_NDENSE || j == nw)
			r[j] = 1.0;
		else if (p[j] > 0 || q[j] > 0)
			r[j] = log(((p[j] + alpha) / sp) / ((q[j] + alpha) / sq));
		else
			r[j] = 0.0; /* never seen: its weight stays 0 anyway */
	}
}

static void quiet(const char *s)
{
	(void)s;
}

/* Calibrates m on dev and sets its threshold, as model_train() does. */
static int nb_tune(lin_model *m, const fset *dv, double min_precision, model_train_info *info)
{
	double *margin = malloc((dv->n ? dv->n : 1) * sizeof *margin);
	size_t i;
	int rc;

	if (!margin)
		return -1;
	for (i = 0; i < dv->n; i++)
		margin[i] = model_margin_nodes(m, dv->nodes + dv->off[i]);
	rc = model_calibrate(m, margin, dv->y, (uint32_t)dv->n, min_precision, info);
	free(margin);
	return rc ? -1 : 0;
}

static const double NB_GRID[] = {0.5, 1, 2, 4, 8, 16, 32, 64, 128};

/*
 * Fits NB-LR on tr (dv may be NULL) and returns the best model of the grid
 * in *best.
 */
static int nb_fit(const fset *tr, const fset *dv, const train_opts *o, const feat_spec *spec,
		  lin_model **best, model_train_info *info)
{
	uint32_t nw = 1u << spec->hash_bits, j;
	/* --adapt: block 0 holds the shared copy of every feature (bias
	 * included), block 1 + d the copy of domain d's rows */
	size_t blk = (size_t)nw + 1, nblk = tr->target >= 0 ? tr->ndom + 1u : 1u;
	size_t tgt = tr->target >= 0 ? ((size_t)tr->target + 1) * blk : 0;
	size_t nl = 0, i, k, ng;
	double *r = malloc(2 * ((size_t)nw + 1) * sizeof *r);
	double *warm = calloc(nblk * blk, sizeof *warm);
	double *w = malloc(((size_t)nw + 1) * sizeof *w);
	/* a row's nodes, once per block it uses (shared + its domain) */
	struct feature_node *xs = malloc((tr->nn ? (nblk > 1 ? 2 : 1) * tr->nn : 1) * sizeof *xs);
	size_t *xoff = malloc((tr->n ? tr->n : 1) * sizeof *xoff);
	struct feature_node **x = NULL;
	double *y = NULL, wt[2] = {1.0, 1.0}, npos = 0;
	struct problem p;
	int rc = -1;

	*best = NULL;
	for (i = 0; i < tr->n; i++)
		nl += tr->rep[i];
	x = malloc((nl ? nl : 1) * sizeof *x);
	y = malloc((nl ? nl : 1) * sizeof *y);
	if (!r || !warm || !w || !xs || !xoff || !x || !y) {
		fprintf(stderr, "raqib train: out of memory\n");
		goto out;
	}
	if (o->nb) {
		nb_ratio(tr, nw, o->nb_alpha > 0 ? o->nb_alpha : 1.0, r);
	} else {
		/* --adapt alone: plain logistic regression on the same path */
		for (j = 0; j <= nw; j++)
			r[j] = 1.0;
	}
	for (i = 0, k = 0; i < tr->n; i++) {
		size_t b, nb = nblk > 1 ? 2 : 1;
		xoff[i] = k;
		/* shared block, then the domain's: indices stay increasing */
		for (b = 0; b < nb; b++) {
			size_t base = b ? (1 + (size_t)tr->dom[i]) * blk : 0;
			const struct feature_node *f;
			for (f = tr->nodes + tr->off[i]; f->index != -1; f++)
				xs[k++] = (struct feature_node){f->index + (int)base,
								f->value * r[f->index - 1]};
		}
		xs[k++] = (struct feature_node){-1, 0.0};
	}
	for (i = 0, nl = 0; i < tr->n; i++)
		for (k = 0; k < tr->rep[i]; k++) {
			x[nl] = xs + xoff[i];
			y[nl++] = tr->y[i];
			npos += tr->y[i] > 0;
		}
	if (npos == 0 || npos == (double)nl) {
		fprintf(stderr, "raqib train: need both classes (%zu documents, %.0f positive)\n",
			nl, npos);
		goto out;
	}
	if (!o->no_balance) {
		wt[0] = (double)nl / (2.0 * npos);
		wt[1] = (double)nl / (2.0 * ((double)nl - npos));
	}
	p.l = (int)nl;
	p.n = (int)(nblk * blk);
	p.y = y;
	p.x = x;
	p.bias = -1;
	set_print_string_function(quiet);
	ng = o->C > 0 || !dv ? 1 : o->ngrid ? o->ngrid : sizeof NB_GRID / sizeof NB_GRID[0];
	for (k = 0; k < ng; k++) {
		double C = o->C > 0 ? o->C : !dv ? 1.0 : o->ngrid ? o->grid[k] : NB_GRID[k];
		double sign = 1.0;
		struct model *lm = model_lr_fit(&p, C, wt, 0.01, k ? warm : NULL, &sign);
		model_train_info ci;
		lin_model *cm = NULL;
		bool bad;

		if (!lm) {
			fprintf(stderr, "raqib train: liblinear failed (C=%g)\n", C);
			goto out;
		}
		memcpy(warm, lm->w, nblk * blk * sizeof *warm);
		/* the ratio folds into the saved weight, and so does the target
		 * domain's copy (with --adapt); the bias is unscaled */
		for (j = 0; j < nw; j++)
			w[j] = sign * (lm->w[j] + (tgt ? lm->w[tgt + j] : 0.0)) * r[j];
		w[nw] = sign * (lm->w[nw] + (tgt ? lm->w[tgt + nw] : 0.0));
		bad = model_from_weights(spec, o->rule, w, 1.0, &cm) != 0;
		free_and_destroy_model(&lm);
		memset(&ci, 0, sizeof ci);
		ci.C = C;
		ci.threshold = 0.5;
		ci.platt_a = 1.0;
		if (bad || (dv && nb_tune(cm, dv, o->min_precision, &ci))) {
			model_free(cm);
			fprintf(stderr, "raqib train: out of memory\n");
			goto out;
		}
		if (ng > 1)
			fprintf(stderr, "raqib train: C=%g dev macro-F1 %.4f\n", C, ci.dev_macro_f1);
		if (!*best || ci.dev_macro_f1 > info->dev_macro_f1) {
			model_free(*best);
			*best = cm;
			*info = ci;
		} else {
			model_free(cm);
		}
	}
	info->ncandidates = (uint32_t)ng;
	info->nonzero = 0;
	{
		size_t ilen;
		const int16_t *q = (const int16_t *)(const void *)((const unsigned char *)model_image(
			*best, &ilen) + MODEL_HEADER_SIZE);
		for (j = 0; j < nw; j++)
			info->nonzero += q[j] != 0;
	}
	rc = 0;
out:
	if (rc) {
		model_free(*best);
		*best = NULL;
	}
	free(r);
	free(warm);
	free(w);
	free(xs);
	free(xoff);
	free(x);
	free(y);
	return rc;
}

/*
 * --adapt fits one copy of the feature space per domain plus the shared
 * one, and liblinear keeps about nine doubles per slot of it (measured:
 * 70-75 bytes per slot and copy at 2^20 and 2^22). liblinear does not
 * check its allocations and the kernel kills a process that overcommits,
 * so a fit that cannot fit is refused before it starts, with the way out.
 */
#define ADAPT_BYTES_PER_SLOT 72.0

static bool adapt_fits(size_t ncopies, unsigned bits, double max_gb)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	double need = (double)ncopies * (double)(1u << bits) * ADAPT_BYTES_PER_SLOT;
	double have = max_gb > 0 ? max_gb * 1e9
		    : pages > 0 && psz > 0 ? (double)pages * (double)psz : 0.0;

	if (have <= 0 || need <= have)
		return true;
	fprintf(stderr,
		"raqib train: --adapt: %zu feature copies of 2^%u slots need about %.1f GB "
		"for the fit, more than %s (%.1f GB); map groups to fewer domains "
		"(--domain GROUP=DOMAIN) or lower --hash-bits\n",
		ncopies, bits, need / 1e9, max_gb > 0 ? "--max-memory" : "this machine has",
		have / 1e9);
	return false;
}

/* The --nb path from loaded rows to a model. */
static int nb_train(const load_ctx *c, const train_opts *o, const feat_spec *spec,
		    lin_model **m, model_train_info *info)
{
	fset tr = {0}, dv = {0};
	load_ctx dc = {.o = o, .path = o->dev, .unweighted = true};
	size_t skipped, dskipped = 0, npos = 0, dpos = 0, i;
	int rc = -1;

	if (fset_build(&tr, c->rows, c->nrows, spec, &skipped))
		goto out;
	if (o->adapt) {
		unsigned d;
		for (d = 0; d < c->ndom; d++)
			if (!strcmp(c->dom[d], o->adapt))
				tr.target = (int)d;
		if (tr.target < 0) {
			fprintf(stderr, "raqib train: --adapt: no training row is in domain '%s'\n",
				o->adapt);
			goto out;
		}
		tr.ndom = c->ndom;
		fprintf(stderr, "raqib train: --adapt %s: %u domains:", o->adapt, c->ndom);
		for (d = 0; d < c->ndom; d++)
			fprintf(stderr, " %s", c->dom[d][0] ? c->dom[d] : "(no group)");
		fputc('\n', stderr);
		if (!adapt_fits((size_t)c->ndom + 1, spec->hash_bits, o->max_memory_gb))
			goto out;
	}
	for (i = 0; i < tr.n; i++)
		npos += tr.y[i] > 0;
	fprintf(stderr, "raqib train: %s: %zu documents, %zu %s, %zu ok", o->train, tr.n, npos,
		o->rule, tr.n - npos);
	if (skipped + c->skipped)
		fprintf(stderr, ", %zu skipped (invalid UTF-8)", skipped + c->skipped);
	if (c->dropped)
		fprintf(stderr, ", %zu dropped (weight 0)", c->dropped);
	fputc('\n', stderr);
	if (o->dev) {
		if (read_tsv(o->dev, &dc) || fset_build(&dv, dc.rows, dc.nrows, spec, &dskipped))
			goto out;
		for (i = 0; i < dv.n; i++)
			dpos += dv.y[i] > 0;
		fprintf(stderr, "raqib train: %s: %zu documents, %zu %s, %zu ok", o->dev, dv.n,
			dpos, o->rule, dv.n - dpos);
		if (dskipped)
			fprintf(stderr, ", %zu skipped (invalid UTF-8)", dskipped);
		fputc('\n', stderr);
	}
	/* as model_train(): a dev set of one class cannot tune anything */
	if (nb_fit(&tr, dpos && dpos < dv.n ? &dv : NULL, o, spec, m, info))
		goto out;
	rc = 0;
out:
	fset_free(&tr);
	fset_free(&dv);
	free_rows(dc.rows, dc.nrows);
	return rc;
}

/* Chains the bytes of DIR/NAME into *h (model_lex_digest_of()); -1 with a
 * message if the file cannot be read. */
static int digest_file(const char *dir, const char *name, uint64_t *h)
{
	char path[4096], *buf = NULL;
	size_t n = 0, cap = 0;
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "rb"))) {
		fprintf(stderr, "raqib train: %s: cannot open\n", path);
		return -1;
	}
	for (;;) {
		if (n == cap) {
			char *p = realloc(buf, cap = cap ? 2 * cap : 65536);
			if (!p) {
				fprintf(stderr, "raqib train: out of memory\n");
				rc = -1;
				break;
			}
			buf = p;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (!got)
			break;
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "raqib train: %s: read error\n", path);
		rc = -1;
	}
	if (!rc)
		*h = model_lex_digest_of(*h, buf, n);
	free(buf);
	fclose(f);
	return rc;
}

/* Loads DIR/NAME as a lexicon; NULL (message printed) on failure. */
static lexicon *load_lex(const char *dir, const char *name)
{
	char path[4096];
	raqib_err err = {0, ""};
	lexicon *lx = NULL;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (lexicon_load_file(&lx, path, &err)) {
		fprintf(stderr, "raqib train: %s\n", err.msg);
		return NULL;
	}
	return lx;
}

int cmd_train(int argc, char **argv)
{
	lexicon *lxg = NULL, *lxh = NULL, *lxi = NULL;
	train_opts o = {0};
	model_train_info info;
	load_ctx c = {0};
	model_dataset *tr = NULL, *dv = NULL;
	lin_model *m = NULL;
	raqib_err err = {0, ""};
	bool *keep = NULL;
	feat_spec spec;
	struct stat st;
	size_t skipped;
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
	if (o.char_max)
		spec.char_max = (uint8_t)o.char_max;
	if (o.word_max)
		spec.word_max = (uint8_t)(o.word_max - 1);
	if (o.tf)
		spec.flags |= FEAT_TF;
	if (o.lex_dir) {
		if (!(lxg = load_lex(o.lex_dir, "hate_groups.txt")) ||
		    !(lxh = load_lex(o.lex_dir, "hate.txt")) ||
		    !(lxi = load_lex(o.lex_dir, "insult.txt")))
			goto out;
		spec.lex_groups = lxg;
		spec.lex_hate = lxh;
		spec.lex_insult = lxi;
		spec.flags |= FEAT_LEX;
	}
	if (spec.char_min > spec.char_max) {
		fprintf(stderr, "raqib train: --char-min %u above --char-max %u\n", spec.char_min,
			spec.char_max);
		goto out;
	}

	t0 = now();
	c.o = &o;
	c.path = o.train;
	if (read_tsv(o.train, &c))
		goto out;
	if (o.nb || o.adapt) {
		/* features and fit are timed together */
		t1 = t0;
		if (nb_train(&c, &o, &spec, &m, &info))
			goto out;
		goto save;
	}
	if (o.clean_folds) {
		long dropped;
		if (!(keep = malloc((c.nrows ? c.nrows : 1) * sizeof *keep)))
			goto out;
		dropped = clean(c.rows, c.nrows, &o, &spec, keep);
		if (dropped < 0)
			goto out;
		fprintf(stderr, "raqib train: noise filter (%u folds) dropped %ld of %zu rows\n",
			o.clean_folds, dropped, c.nrows);
	}
	if (!(tr = build(c.rows, c.nrows, keep, &spec, &skipped, NULL)))
		goto out;
	report(o.train, o.rule, tr, skipped + c.skipped, c.dropped);
	if (o.dev && !(dv = load_dev(o.dev, &o, &spec)))
		goto out;
	t1 = now();

	if (fit(tr, dv, &o, &m, &info))
		goto out;
save:
	if (o.lex_dir) {
		/* so a binary with other lists refuses the model (engine, eval) */
		uint64_t h = 0;
		if (digest_file(o.lex_dir, "hate_groups.txt", &h) ||
		    digest_file(o.lex_dir, "hate.txt", &h) || digest_file(o.lex_dir, "insult.txt", &h))
			goto out;
		model_set_lex_digest(m, h);
	}
	if (model_save(m, o.out, &err)) {
		if (err.msg[0])
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
	if (o.dev)
		printf("dev: macro-F1 %.4f, %s precision %.4f recall %.4f\n", info.dev_macro_f1,
		       o.rule, info.dev_precision, info.dev_recall);
	printf("features %.1f s, training %.1f s; wrote %s (%lld bytes)\n", t1 - t0, t2 - t1,
	       o.out, (long long)st.st_size);
	rc = CLI_OK;
out:
	model_free(m);
	model_dataset_free(tr);
	model_dataset_free(dv);
	free_rows(c.rows, c.nrows);
	for (r = 0; r < (int)c.ndom; r++)
		free(c.dom[r]);
	free(keep);
	lexicon_free(lxg);
	lexicon_free(lxh);
	lexicon_free(lxi);
	return rc;
}
