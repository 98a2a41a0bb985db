/*
 * eval_rules.c — accuracy of one rule on a labelled TSV (shared/data format:
 * header row, tab-separated, no quoting, paragraphs as the two characters \n).
 *
 *   eval_rules -r RULE [-t TEXTCOL] [-l LABELCOL] [-p POS] [-n NEG]
 *              [-f COL=VAL]... [-g GROUPCOL] [-a ARTICLES.tsv] [-e N]
 *              [-c CONFIG] FILE.tsv
 *
 * Rows whose label is in POS (comma-separated; default: the rule name) are positives, NEG
 * (default "ok", "*" = any other label) negatives, the rest are skipped.
 * Only RULE runs, with its threshold lowered so that every score is seen;
 * the report gives precision/recall at the configured threshold (0.5 by
 * default) and a sweep, and recall per value of GROUPCOL.
 *
 * With -a (off_topic): every comment is screened twice, under its own
 * article (article_id column; negative) and under another article chosen
 * deterministically (positive). -e N prints up to N misclassified rows to
 * stderr for tuning.
 */
#include "raqib.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_COLS 32
#define MAX_FILTERS 8
#define MAX_GROUPS 64
#define NSWEEP 9

typedef struct row {
	char *line;
	char *col[MAX_COLS];
	int ncol;
} row;

typedef struct table {
	char *hdr[MAX_COLS];
	int ncol;
	row *rows;
	size_t nrows;
} table;

typedef struct group {
	char name[64];
	size_t pos, tp, neg, fp;
} group;

typedef struct eval {
	const raqib_engine *eng;
	raqib_verdict v;
	raqib_rule rule;
	float thr;
	size_t tp, fp, tn, fn;
	size_t sweep_tp[NSWEEP], sweep_fp[NSWEEP], npos, nneg;
	group groups[MAX_GROUPS];
	int ngroups;
	long errors_left;
} eval;

static const float sweep_thr[NSWEEP] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f};

static int split_line(char *line, char **col, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *tab = strchr(p, '\t');
		if (n < max)
			col[n++] = p;
		if (!tab)
			break;
		*tab = 0;
		p = tab + 1;
	}
	return n;
}

/* The two characters \n stand for a paragraph break. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

static int load_table(const char *path, table *t)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t len;

	if (!f) {
		perror(path);
		return -1;
	}
	memset(t, 0, sizeof *t);
	while ((len = getline(&line, &cap, f)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (t->ncol == 0) {
			char *h = strdup(line);
			if (!h)
				goto fail;
			t->ncol = split_line(h, t->hdr, MAX_COLS);
			continue;
		}
		if (t->nrows == alloc) {
			row *r;
			alloc = alloc ? alloc * 2 : 1024;
			r = realloc(t->rows, alloc * sizeof *r);
			if (!r)
				goto fail;
			t->rows = r;
		}
		t->rows[t->nrows].line = strdup(line);
		if (!t->rows[t->nrows].line)
			goto fail;
		t->rows[t->nrows].ncol = split_line(t->rows[t->nrows].line,
						    t->rows[t->nrows].col, MAX_COLS);
		t->nrows++;
	}
	free(line);
	fclose(f);
	return 0;
fail:
	fprintf(stderr, "%s: out of memory\n", path);
	free(line);
	fclose(f);
	return -1;
}

static int col_index(const table *t, const char *name)
{
	for (int i = 0; i < t->ncol; i++)
		if (strcmp(t->hdr[i], name) == 0)
			return i;
	return -1;
}

static const char *cell(const row *r, int c)
{
	return c >= 0 && c < r->ncol ? r->col[c] : "";
}

static group *get_group(eval *e, const char *name)
{
	for (int i = 0; i < e->ngroups; i++)
		if (strcmp(e->groups[i].name, name) == 0)
			return &e->groups[i];
	if (e->ngroups == MAX_GROUPS)
		return NULL;
	snprintf(e->groups[e->ngroups].name, sizeof e->groups[0].name, "%s", name);
	return &e->groups[e->ngroups++];
}

/* Screens one comment; returns the rule's score or -1 on error. */
static float score_of(eval *e, const char *text, const char *title, const char *body)
{
	raqib_comment c;
	raqib_err err;

	memset(&c, 0, sizeof c);
	c.text = text;
	c.text_len = strlen(text);
	if (title) {
		c.title = title;
		c.title_len = strlen(title);
		c.body = body;
		c.body_len = body ? strlen(body) : 0;
	}
	if (raqib_screen(e->eng, &c, &e->v, &err) < 0) {
		fprintf(stderr, "skipped row: %s\n", err.msg);
		return -1.0f;
	}
	for (uint32_t i = 0; i < e->v.nfindings; i++)
		if (e->v.findings[i].rule == e->rule && e->v.findings[i].field == RAQIB_FIELD_TEXT)
			return e->v.findings[i].score;
	return 0.0f;
}

static void count(eval *e, bool pos, float s, const char *grp, const char *text)
{
	bool fired = s >= e->thr;
	group *g = grp ? get_group(e, grp) : NULL;

	if (pos) {
		e->npos++;
		fired ? e->tp++ : e->fn++;
	} else {
		e->nneg++;
		fired ? e->fp++ : e->tn++;
	}
	for (int i = 0; i < NSWEEP; i++)
		if (s >= sweep_thr[i])
			pos ? e->sweep_tp[i]++ : e->sweep_fp[i]++;
	if (g) {
		if (pos) {
			g->pos++;
			g->tp += fired;
		} else {
			g->neg++;
			g->fp += fired;
		}
	}
	if (fired != pos && e->errors_left > 0) {
		e->errors_left--;
		fprintf(stderr, "%s %.2f\t%.300s\n", pos ? "FN" : "FP", (double)s, text);
	}
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static void report(const eval *e, const char *file)
{
	size_t n = e->tp + e->fp + e->tn + e->fn;

	printf("%s on %s: n=%zu (pos %zu, neg %zu) at threshold %.2f\n",
	       raqib_rule_name(e->rule), file, n, e->npos, e->nneg, (double)e->thr);
	printf("  TP %zu FP %zu TN %zu FN %zu  accuracy %.3f  precision %.3f  recall %.3f\n",
	       e->tp, e->fp, e->tn, e->fn, ratio(e->tp + e->tn, n),
	       ratio(e->tp, e->tp + e->fp), ratio(e->tp, e->npos));
	printf("  sweep:");
	for (int i = 0; i < NSWEEP; i++)
		printf(" %.1f:P%.2f/R%.2f", (double)sweep_thr[i],
		       ratio(e->sweep_tp[i], e->sweep_tp[i] + e->sweep_fp[i]),
		       ratio(e->sweep_tp[i], e->npos));
	printf("\n");
	for (int i = 0; i < e->ngroups; i++)
		printf("  group %-28s recall %.3f (%zu/%zu)  false-pos rate %.3f (%zu/%zu)\n",
		       e->groups[i].name, ratio(e->groups[i].tp, e->groups[i].pos),
		       e->groups[i].tp, e->groups[i].pos,
		       ratio(e->groups[i].fp, e->groups[i].neg), e->groups[i].fp,
		       e->groups[i].neg);
}

static int usage(void)
{
	fprintf(stderr, "usage: eval_rules -r RULE [-t TEXTCOL] [-l LABELCOL] [-p POS] "
		"[-n NEG|*] [-f COL=VAL]... [-g GROUPCOL] [-a ARTICLES.tsv] [-e N] [-c CONFIG] FILE.tsv\n");
	return 2;
}

static bool row_passes(const table *t, const row *r, char **filters, int nf)
{
	for (int i = 0; i < nf; i++) {
		const char *eq = strchr(filters[i], '=');
		char name[64];
		size_t l = (size_t)(eq - filters[i]);
		if (l >= sizeof name)
			return false;
		memcpy(name, filters[i], l);
		name[l] = 0;
		if (strcmp(cell(r, col_index(t, name)), eq + 1) != 0)
			return false;
	}
	return true;
}

/* Is label one of the comma-separated list? */
static bool in_list(const char *list, const char *label)
{
	size_t n = strlen(label);
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && !strncmp(p, label, n))
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

/* Comment vs own article (negative) and vs another one (positive). */
static int run_articles(eval *e, const table *t, const char *apath, int ctext,
			char **filters, int nf)
{
	table at;
	int cid, aid, atitle, abody;

	if (load_table(apath, &at))
		return -1;
	cid = col_index(t, "article_id");
	aid = col_index(&at, "article_id");
	atitle = col_index(&at, "title");
	abody = col_index(&at, "body");
	if (cid < 0 || aid < 0 || atitle < 0 || abody < 0 || at.nrows < 2) {
		fprintf(stderr, "%s: needs article_id/title/body columns\n", apath);
		return -1;
	}
	for (size_t i = 0; i < at.nrows; i++)
		unescape(at.rows[i].col[abody]);
	for (size_t i = 0; i < t->nrows; i++) {
		const row *r = &t->rows[i];
		size_t own = at.nrows, other;
		float s;
		if (!row_passes(t, r, filters, nf))
			continue;
		for (size_t j = 0; j < at.nrows; j++)
			if (strcmp(at.rows[j].col[aid], cell(r, cid)) == 0)
				own = j;
		if (own == at.nrows)
			continue;
		other = (own + 1 + (i * 7919) % (at.nrows - 1)) % at.nrows;
		s = score_of(e, cell(r, ctext), at.rows[own].col[atitle], at.rows[own].col[abody]);
		if (s >= 0)
			count(e, false, s, "own article", cell(r, ctext));
		s = score_of(e, cell(r, ctext), at.rows[other].col[atitle], at.rows[other].col[abody]);
		if (s >= 0)
			count(e, true, s, "other article", cell(r, ctext));
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *rule = NULL, *tcol = "text", *lcol = "label", *pos = NULL;
	const char *neg = "ok", *gcol = NULL, *apath = NULL, *file, *conf = NULL;
	char *filters[MAX_FILTERS];
	int nf = 0, opt, r, ctext, clabel, cgroup, rc = 1;
	raqib_config cfg;
	raqib_engine *eng = NULL;
	raqib_err err;
	table t;
	eval e;

	memset(&e, 0, sizeof e);
	while ((opt = getopt(argc, argv, "r:t:l:p:n:f:g:a:e:c:")) != -1) {
		switch (opt) {
		case 'r': rule = optarg; break;
		case 't': tcol = optarg; break;
		case 'l': lcol = optarg; break;
		case 'p': pos = optarg; break;
		case 'n': neg = optarg; break;
		case 'f':
			if (nf == MAX_FILTERS || !strchr(optarg, '='))
				return usage();
			filters[nf++] = optarg;
			break;
		case 'g': gcol = optarg; break;
		case 'a': apath = optarg; break;
		case 'e': e.errors_left = atol(optarg); break;
		case 'c': conf = optarg; break;
		default: return usage();
		}
	}
	if (!rule || optind != argc - 1 || (r = raqib_rule_from_name(rule, strlen(rule))) < 0)
		return usage();
	file = argv[optind];
	if (!pos)
		pos = rule;
	e.rule = (raqib_rule)r;
	raqib_config_defaults(&cfg);
	/* a site config: its thresholds and models (e.g. [rule.dialect] model) */
	if (conf && raqib_config_load(&cfg, conf, &err)) {
		fprintf(stderr, "config: %s\n", err.msg);
		return 1;
	}
	e.thr = cfg.rules[r].threshold;
	for (int i = 0; i < RAQIB_RULE_COUNT; i++)
		cfg.rules[i].enabled = i == r;
	cfg.rules[r].threshold = 1e-6f;
	cfg.rules[r].reject_threshold = 2.0f;
	cfg.max_text_len = 0;
	if (raqib_engine_new(&cfg, &eng, &err) < 0) {
		fprintf(stderr, "engine: %s\n", err.msg);
		return 1;
	}
	e.eng = eng;
	raqib_verdict_init(&e.v);
	if (load_table(file, &t))
		goto out;
	ctext = col_index(&t, tcol);
	clabel = col_index(&t, lcol);
	cgroup = gcol ? col_index(&t, gcol) : -1;
	if (ctext < 0 || (!apath && clabel < 0) || (gcol && cgroup < 0)) {
		fprintf(stderr, "%s: missing column\n", file);
		goto out;
	}
	if (apath) {
		if (run_articles(&e, &t, apath, ctext, filters, nf))
			goto out;
	} else {
		for (size_t i = 0; i < t.nrows; i++) {
			const row *rw = &t.rows[i];
			const char *lab = cell(rw, clabel);
			bool p = in_list(pos, lab);
			float s;
			if (!row_passes(&t, rw, filters, nf))
				continue;
			if (!p && strcmp(neg, "*") != 0 && strcmp(lab, neg) != 0)
				continue;
			s = score_of(&e, cell(rw, ctext), NULL, NULL);
			if (s >= 0)
				count(&e, p, s, cgroup >= 0 ? cell(rw, cgroup) : NULL,
				      cell(rw, ctext));
		}
	}
	report(&e, file);
	rc = 0;
out:
	raqib_verdict_free(&e.v);
	raqib_engine_free(eng);
	return rc;
}
