/*
 * bench_screen.c — in-process throughput and latency of raqib_screen().
 *
 *   bench_screen [-r REPS] FILE.jsonl
 *
 * Reads every line of FILE ({"id","name","text","honeypot"[,"article":
 * {"title","body"}]}, the `raqib check` input) into memory first, so JSON
 * parsing and I/O stay outside the measurement. Then screens the whole corpus
 * REPS times (default 3) with one engine and one reused verdict, timing each
 * call with CLOCK_MONOTONIC, and reports the best pass: comments/s from the
 * pass's wall time (and per CPU second of the process), p50/p99/max per-comment latency, and peak RSS.
 *
 * Articles are interned: a corpus of 100k comments under ~1k distinct pages
 * would otherwise hold 100k copies of the page body and the RSS would measure
 * the benchmark, not the engine.
 *
 * The last line is machine-readable for bench/run.sh:
 *   RESULT n=.. cps=.. cpu_cps=.. p50_us=.. p99_us=.. max_us=.. rss_kb=.. load_rss_kb=.. errors=.. engine_ms=..
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "raqib.h"

typedef struct {
	const char *s;
	size_t len;
} slice;

typedef struct {
	slice name, text, honeypot, title, body;
} item;

typedef struct {
	item *v;
	size_t n, cap;
	/* interned article strings: open addressing on FNV-1a of the bytes */
	slice *tab;
	size_t tab_cap, tab_n;
} corpus;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static long rss_now_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int dup_slice(const char *s, size_t len, slice *out)
{
	char *p = malloc(len + 1);

	if (!p)
		return -1;
	memcpy(p, s, len);
	p[len] = '\0';
	out->s = p;
	out->len = len;
	return 0;
}

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211u;
	}
	return h;
}

static int tab_grow(corpus *c)
{
	size_t cap = c->tab_cap ? 2 * c->tab_cap : 1024;
	slice *t = calloc(cap, sizeof(*t));

	if (!t)
		return -1;
	for (size_t i = 0; i < c->tab_cap; i++) {
		if (!c->tab[i].s)
			continue;
		size_t j = fnv1a(c->tab[i].s, c->tab[i].len) & (cap - 1);
		while (t[j].s)
			j = (j + 1) & (cap - 1);
		t[j] = c->tab[i];
	}
	free(c->tab);
	c->tab = t;
	c->tab_cap = cap;
	return 0;
}

/* Returns the one stored copy of s; interned strings are never freed. */
static int intern(corpus *c, const char *s, size_t len, slice *out)
{
	if (2 * (c->tab_n + 1) > c->tab_cap && tab_grow(c) < 0)
		return -1;
	size_t j = fnv1a(s, len) & (c->tab_cap - 1);
	while (c->tab[j].s) {
		if (c->tab[j].len == len && memcmp(c->tab[j].s, s, len) == 0) {
			*out = c->tab[j];
			return 0;
		}
		j = (j + 1) & (c->tab_cap - 1);
	}
	if (dup_slice(s, len, &c->tab[j]) < 0)
		return -1;
	c->tab_n++;
	*out = c->tab[j];
	return 0;
}

static void item_free(item *it)
{
	free((char *)it->name.s);
	free((char *)it->text.s);
	free((char *)it->honeypot.s);
}

static void corpus_free(corpus *c)
{
	for (size_t i = 0; i < c->n; i++)
		item_free(&c->v[i]);
	for (size_t i = 0; i < c->tab_cap; i++)
		free((char *)c->tab[i].s);
	free(c->v);
	free(c->tab);
}

/* Absent or non-string fields stay {NULL, 0}: "absent" in raqib_comment. */
static int get_str(json_t *obj, const char *key, slice *out, corpus *interned)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		return 0;
	if (interned)
		return intern(interned, json_string_value(v), json_string_length(v), out);
	return dup_slice(json_string_value(v), json_string_length(v), out);
}

static int push_line(corpus *c, const char *line, size_t len, size_t lineno)
{
	json_error_t jerr;
	json_t *root = json_loadb(line, len, 0, &jerr);
	item it;
	int rc = -1;

	memset(&it, 0, sizeof(it));
	if (!root || !json_is_object(root)) {
		fprintf(stderr, "line %zu: %s\n", lineno, root ? "not an object" : jerr.text);
		goto fail;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 4096;
		item *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			goto fail;
		c->v = v;
		c->cap = cap;
	}
	if (get_str(root, "name", &it.name, NULL) < 0 ||
	    get_str(root, "text", &it.text, NULL) < 0 ||
	    get_str(root, "honeypot", &it.honeypot, NULL) < 0)
		goto fail;
	json_t *art = json_object_get(root, "article");
	if (json_is_object(art) &&
	    (get_str(art, "title", &it.title, c) < 0 ||
	     get_str(art, "body", &it.body, c) < 0))
		goto fail;
	c->v[c->n++] = it;
	rc = 0;
fail:
	if (rc < 0)
		item_free(&it);
	json_decref(root);
	return rc;
}

static int load(const char *path, corpus *c)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = -1;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (len == 1 && line[0] == '\n')
			continue;
		if (push_line(c, line, (size_t)len, lineno) < 0)
			goto fail;
	}
	rc = ferror(f) ? -1 : 0;
fail:
	free(line);
	fclose(f);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

typedef struct {
	double cps;
	double cpu_cps;         /* from process CPU time: robust to a busy machine */
	uint64_t p50, p99, max; /* ns */
	size_t errors;
	size_t decisions[RAQIB_REJECT + 1];
	size_t fired[RAQIB_RULE_COUNT];
} pass_result;

static int run_pass(const raqib_engine *eng, const corpus *c, raqib_verdict *v,
		    uint64_t *lat, pass_result *r)
{
	raqib_err err;
	uint64_t start, end, cpu0, cpu1;

	memset(r, 0, sizeof(*r));
	cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	start = now_ns();
	for (size_t i = 0; i < c->n; i++) {
		const item *it = &c->v[i];
		raqib_comment cm = {
			.name = it->name.s, .name_len = it->name.len,
			.text = it->text.s, .text_len = it->text.len,
			.honeypot = it->honeypot.s, .honeypot_len = it->honeypot.len,
			.title = it->title.s, .title_len = it->title.len,
			.body = it->body.s, .body_len = it->body.len,
		};
		uint64_t t0 = now_ns();
		int rc = raqib_screen(eng, &cm, v, &err);
		lat[i] = now_ns() - t0;
		if (rc < 0) {
			r->errors++;
			continue;
		}
		if ((unsigned)v->decision <= RAQIB_REJECT)
			r->decisions[v->decision]++;
		for (uint32_t k = 0; k < v->nfindings; k++)
			if ((unsigned)v->findings[k].rule < RAQIB_RULE_COUNT)
				r->fired[v->findings[k].rule]++;
	}
	end = now_ns();
	cpu1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	r->cps = (double)c->n * 1e9 / (double)(end - start);
	r->cpu_cps = (double)c->n * 1e9 / (double)(cpu1 - cpu0 + 1);
	qsort(lat, c->n, sizeof(*lat), cmp_u64);
	r->p50 = lat[c->n / 2];
	r->p99 = lat[(c->n * 99) / 100];
	r->max = lat[c->n - 1];
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_screen [-r REPS] [-c CONFIG] FILE.jsonl\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int reps = 3;
	corpus c;
	raqib_config cfg;
	raqib_engine *eng = NULL;
	raqib_verdict v;
	raqib_err err;
	uint64_t *lat = NULL;
	pass_result best, r;
	const char *conf = NULL;
	int rc = 1;

	memset(&c, 0, sizeof(c));
	memset(&best, 0, sizeof(best));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf = argv[++i];
		else if (argv[i][0] == '-' || path)
			usage();
		else
			path = argv[i];
	}
	if (!path || reps < 1)
		usage();

	/* Start-up: the config, the lexicons and the models (mapped,
	 * checksummed, interleaved), what a server pays once (issue 4: all
	 * models loaded in < 100 ms). */
	uint64_t t_start = now_ns();
	raqib_config_defaults(&cfg);
	/* a site config, e.g. one that switches the trained models on */
	if (conf && raqib_config_load(&cfg, conf, &err) < 0) {
		fprintf(stderr, "config: %s\n", err.msg);
		return 1;
	}
	if (raqib_engine_new(&cfg, &eng, &err) < 0) {
		fprintf(stderr, "raqib_engine_new: %s\n", err.msg);
		return 1;
	}
	double engine_ms = (double)(now_ns() - t_start) / 1e6;
	raqib_verdict_init(&v);
	if (load(path, &c) < 0)
		goto fail;
	if (c.n == 0) {
		fprintf(stderr, "%s: no comments\n", path);
		goto fail;
	}
	long load_rss = rss_now_kb();
	lat = malloc(c.n * sizeof(*lat));
	if (!lat)
		goto fail;

	printf("%s: %zu comments, %zu distinct article strings, RSS after load %ld kB, engine start %.1f ms\n",
	       path, c.n, c.tab_n, load_rss, engine_ms);
	for (int p = 0; p < reps; p++) {
		run_pass(eng, &c, &v, lat, &r);
		printf("pass %d: %.0f comments/s (%.0f per CPU second)  p50 %.2f us  p99 %.2f us  max %.1f us  errors %zu\n",
		       p + 1, r.cps, r.cpu_cps, (double)r.p50 / 1e3, (double)r.p99 / 1e3,
		       (double)r.max / 1e3, r.errors);
		if (r.cps > best.cps)
			best = r;
	}

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("decisions:");
	for (int a = 0; a <= RAQIB_REJECT; a++)
		printf(" %s %zu", raqib_action_name((raqib_action)a), best.decisions[a]);
	printf("\nfindings:");
	for (int k = 0; k < RAQIB_RULE_COUNT; k++)
		printf(" %s %zu", raqib_rule_name((raqib_rule)k), best.fired[k]);
	printf("\nRESULT n=%zu cps=%.0f cpu_cps=%.0f p50_us=%.2f p99_us=%.2f max_us=%.1f rss_kb=%ld load_rss_kb=%ld errors=%zu engine_ms=%.1f\n",
	       c.n, best.cps, best.cpu_cps, (double)best.p50 / 1e3, (double)best.p99 / 1e3,
	       (double)best.max / 1e3, ru.ru_maxrss, load_rss, best.errors, engine_ms);
	rc = 0;
fail:
	free(lat);
	raqib_verdict_free(&v);
	raqib_engine_free(eng);
	corpus_free(&c);
	return rc;
}
