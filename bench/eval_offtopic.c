/*
 * eval_offtopic.c — the off_topic rule on article-swap tests.
 *
 *   eval_offtopic [-s SPLIT] [-k SWAPS] [-e N] DATA_DIR
 *
 * aoc-news-comments: every comment of SPLIT (default test) is scored under
 * its own article (must stay on topic) and under SWAPS other articles of
 * the split (default 3, chosen deterministically; must be off topic).
 * saudinewsnet: one middle paragraph of each SPLIT article (its first 60
 * words) plays the comment, scored under its article without that
 * paragraph and under SWAPS other articles.
 * Prints ROC AUC, and at each threshold the false-hold rate (own article)
 * and the catch rate (swapped article); µs per 100 code points of the
 * comment side (article state already built, as in a run of comments on
 * one page). -e N prints N worst own-article and swapped cases to stderr.
 */
#include "rules/rule.h"
#include "text/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_COLS 16
#define NTHR 7

float off_topic_score(const rule_input *in);
int off_topic_measure(const rule_input *in, float *mass, float *covered,
		      float *title_mass, int *nwords, int *ref);
static FILE *DUMP;
static int DUMPSET;
static const float thr[NTHR] = {0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};

typedef struct article {
	char *id;
	raqib_arena *arena;
	text_view title, body;
	void *cache[RAQIB_RULE_COUNT];
} article;

typedef struct sample {
	const char *text;
	text_view tv;
	int own;          /* article index */
	uint32_t ncp;
} sample;

typedef struct scored {
	float s;
	bool pos;         /* swapped article */
	int sample;
} scored;

static rule_env ENV;
static raqib_arena *TEXTS;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "eval_offtopic: cannot read %s\n", path);
		exit(1);
	}
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	p[n] = 0;
	fclose(f);
	return p;
}

/* Splits the next line of *pp into columns; returns the count, 0 at end. */
static int next_row(char **pp, char **col)
{
	char *line = *pp, *nl;
	int n = 0;

	if (!line || !*line)
		return 0;
	nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	*pp = nl ? nl + 1 : NULL;
	col[n++] = line;
	for (char *t = line; (t = strchr(t, '\t')) && n < MAX_COLS; ) {
		*t++ = 0;
		col[n++] = t;
	}
	return n;
}

static int col_of(char **hdr, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(hdr[i], name))
			return i;
	fprintf(stderr, "eval_offtopic: no column %s\n", name);
	exit(1);
}

/* The shared/data bodies mark paragraphs with the two characters \n. */
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

static void norm(text_view *tv, raqib_arena *a, const char *s)
{
	raqib_err err;

	if (text_normalize(tv, a, s, strlen(s), &err)) {
		fprintf(stderr, "eval_offtopic: %s\n", err.msg);
		exit(1);
	}
}

static void article_init(article *ar, const char *id, const char *title, const char *body)
{
	memset(ar, 0, sizeof *ar);
	ar->id = strdup(id);
	ar->arena = raqib_arena_new(64 * 1024);
	norm(&ar->title, ar->arena, title);
	norm(&ar->body, ar->arena, body);
}

static float score(sample *sm, article *ar, raqib_arena *scratch, int pos)
{
	rule_input in;

	memset(&in, 0, sizeof in);
	in.text = &sm->tv;
	in.title = &ar->title;
	in.body = &ar->body;
	in.env = &ENV;
	in.arena = scratch;
	in.article_arena = ar->arena;
	in.article_cache = ar->cache;
	raqib_arena_reset(scratch);
	if (DUMP && pos >= 0) {
		float m = 0, c = 0, t = 0;
		int nw = 0, ref = 0;
		off_topic_measure(&in, &m, &c, &t, &nw, &ref);
		fprintf(DUMP, "%d\t%d\t%.3f\t%.3f\t%.3f\t%d\t%d\n", pos, DUMPSET, (double)m, (double)c, (double)t, nw, ref);
	}
	return off_topic_score(&in);
}

static int cmp_scored(const void *a, const void *b)
{
	float x = ((const scored *)a)->s, y = ((const scored *)b)->s;
	return (x > y) - (x < y);
}

/* Mann-Whitney AUC with ties counted half. */
static double auc(scored *v, size_t n)
{
	double rank_sum = 0, npos = 0, nneg = 0;

	qsort(v, n, sizeof *v, cmp_scored);
	for (size_t i = 0; i < n; ) {
		size_t j = i;
		while (j < n && v[j].s == v[i].s)
			j++;
		for (size_t k = i; k < j; k++)
			if (v[k].pos)
				rank_sum += (double)(i + j + 1) / 2.0;
		i = j;
	}
	for (size_t i = 0; i < n; i++)
		v[i].pos ? npos++ : nneg++;
	return (rank_sum - npos * (npos + 1) / 2) / (npos * nneg);
}

static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	return x ^ (x >> 16);
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void report(const char *what, sample *sm, size_t ns, article *ar, size_t na,
		   int swaps, int show)
{
	scored *v = calloc(ns * (size_t)(swaps + 1), sizeof *v);
	raqib_arena *scratch = raqib_arena_new(64 * 1024);
	size_t n = 0, npos = 0, nneg = 0, cps = 0;
	double t0, us, us_warm;
	text_view dummy;

	/* article side first: it is built once per article, not timed */
	norm(&dummy, TEXTS, "كلمة");
	for (size_t i = 0; i < na; i++) {
		sample d = {.tv = dummy};
		score(&d, &ar[i], scratch, -1);
	}
	t0 = now_us();
	for (size_t i = 0; i < ns; i++) {
		v[n++] = (scored){score(&sm[i], &ar[sm[i].own], scratch, 0), false, (int)i};
		cps += sm[i].ncp;
	}
	us = now_us() - t0;
	/* again, now that the memo holds each comment's words: the floor */
	us_warm = 1e30;
	for (int rep = 0; rep < 10; rep++) {
		double t;
		t0 = now_us();
		for (size_t i = 0; i < ns; i++)
			(void)score(&sm[i], &ar[sm[i].own], scratch, -1);
		t = now_us() - t0;
		us_warm = t < us_warm ? t : us_warm;
	}
	for (size_t i = 0; i < ns; i++)
		for (int k = 0; k < swaps; k++) {
			uint32_t o = mix((uint32_t)i * 131u + (uint32_t)k * 7919u + 17u) % (uint32_t)na;
			if ((int)o == sm[i].own)
				o = (o + 1) % (uint32_t)na;
			v[n++] = (scored){score(&sm[i], &ar[o], scratch, 1), true, (int)i};
		}
	for (size_t i = 0; i < n; i++)
		v[i].pos ? npos++ : nneg++;
	printf("## off_topic article swap: %s\n", what);
	printf("comments %zu (own article: negatives), swapped pairs %zu (positives), articles %zu\n",
	       nneg, npos, na);
	printf("comment side: %.2f us per comment, %.2f us per 100 code points (mean %.0f cps); "
	       "words memoised: %.2f us per 100 code points\n",
	       us / (double)ns, us / ((double)cps / 100.0), (double)cps / (double)ns,
	       us_warm / ((double)cps / 100.0));
	printf("threshold  false-hold(own)  catch(swapped)\n");
	for (int t = 0; t < NTHR; t++) {
		size_t fh = 0, ca = 0;
		for (size_t i = 0; i < n; i++)
			if (v[i].s >= thr[t])
				v[i].pos ? ca++ : fh++;
		printf("  %.1f      %5.1f%%           %5.1f%%\n", (double)thr[t],
		       100.0 * (double)fh / (double)nneg, 100.0 * (double)ca / (double)npos);
	}
	if (show) {
		qsort(v, n, sizeof *v, cmp_scored);
		for (size_t i = n, k = 0; i-- > 0 && k < (size_t)show; )
			if (!v[i].pos && ++k)
				fprintf(stderr, "OWN %.2f %s\n", (double)v[i].s, sm[v[i].sample].text);
		for (size_t i = 0, k = 0; i < n && k < (size_t)show; i++)
			if (v[i].pos && ++k)
				fprintf(stderr, "SWAP %.2f %s\n", (double)v[i].s, sm[v[i].sample].text);
	}
	printf("ROC AUC %.4f\n", auc(v, n));
	printf("{\"set\":\"%s\",\"auc\":%.4f,\"us_per_100cp\":%.2f}\n\n", what, auc(v, n),
	       us / ((double)cps / 100.0));
	free(v);
	raqib_arena_free(scratch);
}

static void eval_aoc(const char *dir, const char *split, int swaps, int show)
{
	char path[1024], *buf, *p, *col[MAX_COLS], *hdr[MAX_COLS];
	article *ar = calloc(4096, sizeof *ar);
	sample *sm = calloc(65536, sizeof *sm);
	size_t na = 0, ns = 0;
	int nh, ci, ct, cb, cs, ca, cx;

	snprintf(path, sizeof path, "%s/aoc-news-comments/articles.tsv", dir);
	p = buf = slurp(path);
	nh = next_row(&p, hdr);
	ci = col_of(hdr, nh, "article_id");
	ct = col_of(hdr, nh, "title");
	cb = col_of(hdr, nh, "body");
	cs = col_of(hdr, nh, "split");
	while (next_row(&p, col) == nh && na < 4096) {
		if (strcmp(col[cs], split))
			continue;
		unescape(col[cb]);
		article_init(&ar[na++], col[ci], col[ct], col[cb]);
	}
	snprintf(path, sizeof path, "%s/aoc-news-comments/comments.tsv", dir);
	p = slurp(path);
	nh = next_row(&p, hdr);
	ca = col_of(hdr, nh, "article_id");
	cx = col_of(hdr, nh, "text");
	cs = col_of(hdr, nh, "split");
	while (next_row(&p, col) == nh && ns < 65536) {
		size_t a;
		if (strcmp(col[cs], split))
			continue;
		for (a = 0; a < na && strcmp(ar[a].id, col[ca]); a++)
			;
		if (a == na)
			continue;
		sm[ns].text = col[cx];
		sm[ns].own = (int)a;
		norm(&sm[ns].tv, TEXTS, col[cx]);
		sm[ns].ncp = sm[ns].tv.norig;
		ns++;
	}
	snprintf(path, sizeof path, "aoc-news-comments %s split", split);
	report(path, sm, ns, ar, na, swaps, show);
	free(buf);
}

/* The middle paragraph of a body with 3+ paragraphs, cut to 60 words; the
 * body loses it. NULL when the body is too short. */
static char *take_paragraph(char *body)
{
	char *par[256], *out;
	int np = 0, mid, words = 0;
	size_t at = 0;

	for (char *s = body; s && np < 256; ) {
		par[np++] = s;
		if ((s = strstr(s, "\\n"))) {
			*s = 0;
			s += 2;
		}
	}
	if (np < 3)
		return NULL;
	mid = np / 2;
	out = strdup(par[mid]);
	for (char *s = out; *s; s++)
		if (*s == ' ' && ++words == 60) {
			*s = 0;
			break;
		}
	par[mid][0] = 0;
	for (int i = 0; i < np; i++) {
		size_t l = strlen(par[i]);
		memmove(body + at, par[i], l);
		at += l;
		body[at++] = '\n';
	}
	body[at ? at - 1 : 0] = 0;
	return out;
}

static void eval_snn(const char *dir, const char *split, int swaps, int show)
{
	char path[1024], *p, *col[MAX_COLS], *hdr[MAX_COLS];
	article *ar = calloc(4096, sizeof *ar);
	sample *sm = calloc(4096, sizeof *sm);
	size_t na = 0;
	int nh, ci, ct, cb, cs;

	snprintf(path, sizeof path, "%s/saudinewsnet/articles.tsv", dir);
	p = slurp(path);
	nh = next_row(&p, hdr);
	ci = col_of(hdr, nh, "article_id");
	ct = col_of(hdr, nh, "title");
	cb = col_of(hdr, nh, "body");
	cs = col_of(hdr, nh, "split");
	while (next_row(&p, col) == nh && na < 4096) {
		char *par;
		if (strcmp(col[cs], split) || !(par = take_paragraph(col[cb])))
			continue;
		sm[na].text = par;
		sm[na].own = (int)na;
		norm(&sm[na].tv, TEXTS, par);
		sm[na].ncp = sm[na].tv.norig;
		article_init(&ar[na], col[ci], col[ct], col[cb]);
		na++;
	}
	snprintf(path, sizeof path, "saudinewsnet %s split (middle paragraph vs article)", split);
	report(path, sm, na, ar, na, swaps, show);
}

int main(int argc, char **argv)
{
	const char *split = "test";
	int swaps = 3, show = 0, opt;
	lexicon *sw = NULL;
	const char *data;
	size_t len;
	raqib_err err;

	while ((opt = getopt(argc, argv, "s:k:e:d:")) != -1) {
		if (opt == 'd')
			DUMP = fopen(optarg, "w");
		else if (opt == 's')
			split = optarg;
		else if (opt == 'k')
			swaps = atoi(optarg);
		else if (opt == 'e')
			show = atoi(optarg);
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: eval_offtopic [-s SPLIT] [-k SWAPS] [-e N] DATA_DIR\n");
		return 2;
	}
	data = rule_lexdata(LEX_STOPWORDS, &len);
	if (lexicon_load(&sw, data, len, "stopwords", &err)) {
		fprintf(stderr, "eval_offtopic: %s\n", err.msg);
		return 1;
	}
	ENV.lex[LEX_STOPWORDS] = sw;
	TEXTS = raqib_arena_new(1 << 20);
	eval_aoc(argv[optind], split, swaps, show);
	DUMPSET = 1;
	eval_snn(argv[optind], split, swaps, show);
	if (DUMP)
		fclose(DUMP);
	return 0;
}
