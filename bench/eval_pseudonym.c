/*
 * eval_pseudonym.c — accuracy and cost of the pseudonym rule on the
 * held-out name lists of tests/fixtures/pseudonyms (see its README.md and
 * tools/make_pseudonym_data.py).
 *
 *   eval_pseudonym [-d DIR] [-N NAMES.txt] [-m MODEL] [-t SET.tsv] [-a AUTHORS.tsv]
 *                  [-v] [-n REPS]
 *
 * -m adds the name model (models/pseudonym.model, as the engine does by
 * default); without it the heuristics run alone. -t scores a labelled
 * `text<TAB>label<TAB>group` file instead of the lists (label pseudonym or
 * ok; tools/make_name_data.py's dev set), per group: for choosing the
 * combination without looking at the held-out lists.
 *
 * -N replaces the built-in name lexicon by NAMES.txt: give it the copy
 * without the held-out names (tools/make_names_lexicon.sh NAMES.tsv
 * DIR/heldout_names.txt), or the real-name figures measure names the rule
 * was built with.
 * Runs rule_pseudonym alone, with the lexicons built into the library and
 * the default threshold, on every line of DIR/real_*.txt (must pass) and
 * DIR/pseudo_*.txt (must be caught), and prints the pass or catch rate per
 * list. With -a, the hand labels DIR/aoc_labels.tsv (line number, label)
 * are applied to that file's first column (shared/data/names/
 * aoc-comment-authors.tsv: real signatures, kept out of the repo), and
 * those of DIR/aoc_labels_dev.tsv (another sample, for trying ideas). -v lists
 * the misses on stderr. The last lines give the rule's cost per name
 * (normalization excluded, then included), over REPS passes (default 20).
 */
#include "rules/rule.h"
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_NAMES 4096
#define LINE_MAX_B 1024

typedef struct list {
	char *name[MAX_NAMES];
	size_t n;
} list;

typedef struct ctx {
	rule_env env;
	raqib_config cfg;
	raqib_arena *arena;
	raqib_verdict v;
	float thr;
	int verbose;
} ctx;

static const char *const groups[] = {
	"real_first", "real_abd", "real_full", "real_latin",
	"pseudo_anon", "pseudo_phrase", "pseudo_handle", "pseudo_latin",
};

static int read_list(list *l, const char *path)
{
	char buf[LINE_MAX_B];
	FILE *fp = fopen(path, "r");

	l->n = 0;
	if (!fp)
		return -1;
	while (l->n < MAX_NAMES && fgets(buf, sizeof buf, fp)) {
		buf[strcspn(buf, "\n")] = '\0';
		l->name[l->n] = strdup(buf);
		if (!l->name[l->n])
			break;
		l->n++;
	}
	fclose(fp);
	return 0;
}

static void free_list(list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->name[i]);
	l->n = 0;
}

static float score(ctx *c, const char *name)
{
	text_view tv;
	raqib_err err;
	rule_input in;
	rule_out out = {&c->v};
	float s = 0.0f;

	raqib_arena_reset(c->arena);
	memset(&tv, 0, sizeof tv);
	if (text_normalize(&tv, c->arena, name, strlen(name), &err))
		return -1.0f;
	memset(&in, 0, sizeof in);
	in.name = &tv;
	in.env = &c->env;
	in.arena = c->arena;
	c->v.nfindings = 0;
	rule_pseudonym(&in, &out);
	for (uint32_t k = 0; k < c->v.nfindings; k++)
		if (c->v.findings[k].rule == RAQIB_RULE_PSEUDONYM && c->v.findings[k].score > s)
			s = c->v.findings[k].score;
	return s;
}

static void report(ctx *c, const char *group, list *l, bool real)
{
	size_t ok = 0;

	for (size_t i = 0; i < l->n; i++) {
		float s = score(c, l->name[i]);
		bool flagged = s >= c->thr;
		if (flagged != real)
			ok++;
		else if (c->verbose)
			fprintf(stderr, "miss %-14s %.2f %s\n", group, (double)s, l->name[i]);
	}
	printf("%-16s %-6s %5zu  %6.1f%%\n", group, real ? "pass" : "caught", l->n,
	       l->n ? 100.0 * (double)ok / (double)l->n : 0.0);
}

/* DIR/FILE (aoc_labels.tsv, aoc_labels_dev.tsv): line<TAB>R|P (other
 * labels skipped) for lines of the authors file (line 1 is its header);
 * reported as GROUP_real and GROUP_pseudo. */
static void aoc(ctx *c, const char *dir, const char *file, const char *group,
		const char *authors)
{
	char path[512], buf[LINE_MAX_B], gr[64], gp[64];
	list real = {{0}, 0}, pseudo = {{0}, 0};
	FILE *lf, *af;
	long want[MAX_NAMES];
	char lab[MAX_NAMES];
	size_t nl = 0, k = 0;
	long line = 0;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	snprintf(gr, sizeof gr, "%s_real", group);
	snprintf(gp, sizeof gp, "%s_pseudo", group);
	lf = fopen(path, "r");
	af = fopen(authors, "r");
	if (!lf || !af) {
		fprintf(stderr, "eval_pseudonym: cannot open %s or %s\n", path, authors);
		goto out;
	}
	while (nl < MAX_NAMES && fgets(buf, sizeof buf, lf)) {
		char *tab = strchr(buf, '\t');
		if (buf[0] == '#' || !tab)
			continue;
		want[nl] = strtol(buf, NULL, 10);
		lab[nl++] = tab[1];
	}
	while (k < nl && fgets(buf, sizeof buf, af)) {
		line++;
		if (line != want[k])
			continue;
		buf[strcspn(buf, "\t\n")] = '\0';
		if (lab[k] == 'R' && real.n < MAX_NAMES)
			real.name[real.n++] = strdup(buf);
		else if (lab[k] == 'P' && pseudo.n < MAX_NAMES)
			pseudo.name[pseudo.n++] = strdup(buf);
		k++;
	}
	report(c, gr, &real, true);
	report(c, gp, &pseudo, false);
out:
	if (lf)
		fclose(lf);
	if (af)
		fclose(af);
	free_list(&real);
	free_list(&pseudo);
}

/* -t: a labelled file, rates per group (at most 32 groups). */
static int tsv(ctx *c, const char *path)
{
	static list l[32][2];
	char gname[32][64], buf[LINE_MAX_B];
	size_t ng = 0, g;
	FILE *fp = fopen(path, "r");

	if (!fp)
		return -1;
	while (fgets(buf, sizeof buf, fp)) {
		char *t1 = strchr(buf, '\t'), *t2;
		int real;
		buf[strcspn(buf, "\n")] = '\0';
		if (!t1)
			continue;
		*t1++ = '\0';
		t2 = strchr(t1, '\t');
		if (t2)
			*t2++ = '\0';
		if (!strcmp(t1, "label"))
			continue;
		real = strcmp(t1, "pseudonym") != 0;
		for (g = 0; g < ng && strcmp(gname[g], t2 ? t2 : ""); g++)
			;
		if (g == ng) {
			if (ng == 32)
				continue;
			snprintf(gname[ng++], sizeof gname[0], "%s", t2 ? t2 : "");
		}
		if (l[g][real].n < MAX_NAMES && (l[g][real].name[l[g][real].n] = strdup(buf)))
			l[g][real].n++;
	}
	fclose(fp);
	for (g = 0; g < ng; g++)
		for (int r = 0; r < 2; r++)
			if (l[g][r].n) {
				report(c, gname[g], &l[g][r], r == 1);
				free_list(&l[g][r]);
			}
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(fp);
	return buf;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Cost per name of the rule alone (views normalized beforehand) and of
 * normalization + rule, over every list. */
static void timing(ctx *c, list *all, size_t n, int reps)
{
	raqib_arena *va = raqib_arena_new(1 << 20);
	text_view *tv = calloc(n, sizeof *tv);
	raqib_err err;
	double t0, t1, t2;
	size_t calls = 0;

	if (!va || !tv)
		goto out;
	for (size_t i = 0; i < n; i++)
		(void)text_normalize(&tv[i], va, all->name[i], strlen(all->name[i]), &err);
	t0 = now();
	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < n; i++) {
			rule_input in;
			rule_out out = {&c->v};
			memset(&in, 0, sizeof in);
			in.name = &tv[i];
			in.env = &c->env;
			in.arena = c->arena;
			c->v.nfindings = 0;
			rule_pseudonym(&in, &out);
			calls++;
		}
	t1 = now();
	for (int r = 0; r < reps; r++)
		for (size_t i = 0; i < n; i++)
			(void)score(c, all->name[i]);
	t2 = now();
	if (calls)
		printf("cost per name: rule %.3f us, normalize+rule %.3f us (%zu names x %d)\n",
		       (t1 - t0) * 1e6 / (double)calls, (t2 - t1) * 1e6 / (double)calls, n, reps);
out:
	free(tv);
	raqib_arena_free(va);
}

int main(int argc, char **argv)
{
	const char *dir = "tests/fixtures/pseudonyms", *authors = NULL, *names = NULL;
	const char *model = NULL, *set = NULL;
	lin_model *m = NULL;
	static list all;
	ctx c;
	raqib_err err;
	int reps = 20, rc = 1;
	lexicon *lx[LEX_COUNT] = {0};
	char *names_buf = NULL;

	memset(&c, 0, sizeof c);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-d") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "-N") && i + 1 < argc)
			names = argv[++i];
		else if (!strcmp(argv[i], "-m") && i + 1 < argc)
			model = argv[++i];
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			set = argv[++i];
		else if (!strcmp(argv[i], "-a") && i + 1 < argc)
			authors = argv[++i];
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-v"))
			c.verbose = 1;
		else {
			fprintf(stderr, "usage: eval_pseudonym [-d DIR] [-N NAMES.txt] [-m MODEL] [-t SET.tsv] "
				"[-a AUTHORS.tsv] [-v] [-n REPS]\n");
			return 2;
		}
	}
	raqib_config_defaults(&c.cfg);
	c.thr = c.cfg.rules[RAQIB_RULE_PSEUDONYM].threshold;
	c.env.cfg = &c.cfg;
	for (int i = 0; i < LEX_COUNT; i++) {
		size_t len;
		const char *d = rule_lexdata((rule_lex)i, &len);
		if (i == LEX_NAMES && names) {
			d = names_buf = slurp(names, &len);
			if (!d) {
				fprintf(stderr, "eval_pseudonym: cannot read %s\n", names);
				goto out;
			}
		}
		if (!d || lexicon_load_opts(&lx[i], d, len, "builtin", rule_lex_opts((rule_lex)i), &err)) {
			fprintf(stderr, "eval_pseudonym: lexicon %d: %s\n", i, err.msg);
			goto out;
		}
		c.env.lex[i] = lx[i];
	}
	if (model) {
		if (model_load(model, &m, &err)) {
			fprintf(stderr, "eval_pseudonym: %s\n", err.msg);
			goto out;
		}
		c.env.name_model = m;
		c.env.name_model_thr = model_threshold(m);
	}
	c.arena = raqib_arena_new(1 << 16);
	if (!c.arena)
		goto out;
	raqib_verdict_init(&c.v);
	printf("threshold %.2f, %s\n%-16s %-6s %5s  %7s\n", (double)c.thr,
	       model ? model : "heuristics only", "list", "rate", "n", "");
	if (set) {
		rc = tsv(&c, set) ? (fprintf(stderr, "eval_pseudonym: cannot read %s\n", set), 1) : 0;
		goto out;
	}
	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		char path[512];
		list l;
		snprintf(path, sizeof path, "%s/%s.txt", dir, groups[g]);
		if (read_list(&l, path)) {
			fprintf(stderr, "eval_pseudonym: cannot read %s\n", path);
			goto out;
		}
		report(&c, groups[g], &l, !strncmp(groups[g], "real", 4));
		for (size_t i = 0; i < l.n && all.n < MAX_NAMES; i++)
			all.name[all.n++] = strdup(l.name[i]);
		free_list(&l);
	}
	if (authors) {
		aoc(&c, dir, "aoc_labels.tsv", "aoc", authors);
		aoc(&c, dir, "aoc_labels_dev.tsv", "aocdev", authors);
	}
	timing(&c, &all, all.n, reps);
	rc = 0;
out:
	free_list(&all);
	raqib_verdict_free(&c.v);
	raqib_arena_free(c.arena);
	for (int i = 0; i < LEX_COUNT; i++)
		lexicon_free(lx[i]);
	free(names_buf);
	model_free(m);
	return rc;
}
