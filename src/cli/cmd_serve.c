/*
 * cmd_serve.c — `raqib serve`: the comment server (docs/http.md).
 *
 * Signals: SIGINT/SIGTERM/SIGHUP are blocked in every thread before any is
 * started (the store's writer, MHD's pool inherit the mask), and the main
 * thread waits for them with sigtimedwait; its hourly timeout runs the IP
 * retention purge. So a signal never interrupts a worker in the middle of
 * a write, and shutdown is ordinary code: quiesce, wait for the requests in
 * progress, stop the daemon, checkpoint and close the store.
 */
#include "cli.h"
#include "http/server.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char serve_usage[] =
	"usage: raqib serve [--config FILE] [--listen HOST:PORT] [--db FILE] [--demo DIR]\n";

static const char serve_help[] =
	"usage: raqib serve [--config FILE] [--listen HOST:PORT] [--db FILE] [--demo DIR]\n"
	"\n"
	"Runs the comment server: article pages with their comment sections, the\n"
	"no-JS comment form, the JSON API and the embeddable widget (routes in\n"
	"docs/http.md). Every comment is screened in process and published,\n"
	"shortened, held for the editors or rejected; a comment that got a 2xx\n"
	"answer is on disk.\n"
	"\n"
	"Once the socket is bound, prints one line to stdout:\n"
	"  raqib: listening on http://HOST:PORT/\n"
	"then one access-log line per request to stderr. SIGINT or SIGTERM stop\n"
	"it: requests in progress finish, the database is checkpointed, exit 0.\n"
	"\n"
	"options:\n"
	"  --config FILE      settings ([server], [site] and the screening\n"
	"                     sections; see raqib.conf.example); without it the\n"
	"                     documented defaults apply\n"
	"  --listen HOST:PORT address to listen on (overrides [server] listen;\n"
	"                     port 0 = any free port); default 127.0.0.1:8080\n"
	"  --db FILE          SQLite database, created if missing (overrides\n"
	"                     [server] db); default raqib.db\n"
	"  --demo DIR         first load the demo site from DIR (articles.json,\n"
	"                     comments.jsonl) unless its articles already exist;\n"
	"                     its comments go through screening like any other\n"
	"  -h, --help         show this help\n"
	"\n"
	"environment:\n"
	"  RAQIB_ADMIN_TOKEN  bearer token of the article API (overrides\n"
	"                     [server] admin_token)\n"
	"\n"
	"exit status: 0 stopped by a signal, 2 bad usage, bad configuration, or\n"
	"the database or the address could not be opened.\n";

typedef struct serve_opts {
	const char *config, *listen, *db, *demo;
} serve_opts;

static int parse_args(int argc, char **argv, serve_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(serve_help, stdout);
			return 1;
		}
		if (!strcmp(a, "--config"))
			dst = &o->config;
		else if (!strcmp(a, "--listen"))
			dst = &o->listen;
		else if (!strcmp(a, "--db"))
			dst = &o->db;
		else if (!strcmp(a, "--demo"))
			dst = &o->demo;
		if (dst) {
			if (i + 1 >= argc) {
				fprintf(stderr, "raqib serve: %s needs a value\n", a);
				goto usage;
			}
			*dst = argv[++i];
			continue;
		}
		if (!strncmp(a, "--config=", 9))
			o->config = a + 9;
		else if (!strncmp(a, "--listen=", 9))
			o->listen = a + 9;
		else if (!strncmp(a, "--db=", 5))
			o->db = a + 5;
		else if (!strncmp(a, "--demo=", 7))
			o->demo = a + 7;
		else {
			fprintf(stderr, "raqib serve: unknown %s '%s'\n",
				a[0] == '-' ? "option" : "argument", a);
			goto usage;
		}
	}
	return 0;
usage:
	fputs(serve_usage, stderr);
	fputs("Try 'raqib serve --help'.\n", stderr);
	return -1;
}

/* ---- the demo site ---- */

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static int demo_articles(raqib_store *st, const char *dir, json_t **created)
{
	char path[1200];
	json_error_t je;
	json_t *arr;
	size_t i;
	int rc = 0;

	snprintf(path, sizeof path, "%s/articles.json", dir);
	arr = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_array(arr)) {
		fprintf(stderr, "raqib serve: %s:%d: %s\n", path, je.line,
			arr ? "an array of articles is expected" : je.text);
		json_decref(arr);
		return -1;
	}
	*created = json_object();
	for (i = 0; i < json_array_size(arr) && !rc; i++) {
		json_t *a = json_array_get(arr, i), *rel = json_object_get(a, "related");
		raqib_arena *ar = raqib_arena_new(4096);
		raqib_article art, old;
		raqib_related r[16];
		raqib_err err = {0, ""};
		size_t k;
		int g;

		if (!ar)
			return -1;
		memset(&art, 0, sizeof art);
		art.slug = jstr(a, "slug");
		art.title = jstr(a, "title");
		art.body = jstr(a, "body");
		art.caption = jstr(a, "caption");
		art.image_url = jstr(a, "image_url");
		art.author = jstr(a, "author");
		if (*jstr(a, "published_at") && raqib_parse_iso(jstr(a, "published_at"), &art.published_at))
			art.published_at = 0;
		for (k = 0; k < json_array_size(rel) && k < 16; k++) {
			r[k].title = jstr(json_array_get(rel, k), "title");
			r[k].url = jstr(json_array_get(rel, k), "url");
		}
		art.related = r;
		art.nrelated = k;
		g = raqib_store_article_get(st, art.slug, ar, &old, &err);
		if (g == RAQIB_STORE_NOTFOUND) {
			if (raqib_store_article_put(st, &art, (int64_t)time(NULL), NULL, NULL, &err)) {
				fprintf(stderr, "raqib serve: demo article %s: %s\n", art.slug, err.msg);
				rc = -1;
			} else {
				json_object_set_new(*created, art.slug, json_true());
			}
		} else if (g) {
			fprintf(stderr, "raqib serve: demo article %s: %s\n", art.slug, err.msg);
			rc = -1;
		}
		raqib_arena_free(ar);
	}
	json_decref(arr);
	return rc;
}

static int demo_comments(raqib_server *srv, raqib_store *st, const char *dir, json_t *created)
{
	char path[1200], line[65536];
	FILE *f;
	unsigned long lineno = 0;
	int rc = 0;

	snprintf(path, sizeof path, "%s/comments.jsonl", dir);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "raqib serve: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		json_error_t je;
		json_t *c;
		raqib_err err = {0, ""};
		int64_t at = 0, id = 0;
		raqib_comment_status status;
		const char *slug, *editor;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == 0)
			continue;
		c = json_loads(line, JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(c)) {
			fprintf(stderr, "raqib serve: %s:%lu: %s\n", path, lineno, je.text);
			json_decref(c);
			rc = -1;
			break;
		}
		slug = jstr(c, "article");
		if (!json_object_get(created, slug)) {
			json_decref(c);
			continue;
		}
		if (*jstr(c, "created_at") && raqib_parse_iso(jstr(c, "created_at"), &at))
			at = 0;
		if (raqib_server_add_comment(srv, slug, jstr(c, "name"), jstr(c, "text"),
					     jstr(c, "honeypot"), at, &id, &status, &err)) {
			fprintf(stderr, "raqib serve: %s:%lu: %s\n", path, lineno, err.msg);
			json_decref(c);
			rc = -1;
			break;
		}
		/* What the newsroom's editors decided afterwards on the real
		 * page, recorded as an editor's action over the screening. */
		editor = jstr(c, "editor");
		if (*editor) {
			int ns = raqib_status_from_name(editor);
			if (ns >= 0 && ns != (int)status &&
			    raqib_store_comment_set(st, id, (raqib_comment_status)ns, NULL, "demo-editor",
						    ns == RAQIB_CS_PUBLISHED ? "approve" : "set",
						    "demo: the decision on the seed page", at ? at : (int64_t)time(NULL),
						    &err))
				fprintf(stderr, "raqib serve: %s:%lu: %s\n", path, lineno, err.msg);
		}
		json_decref(c);
	}
	fclose(f);
	raqib_server_invalidate(srv);
	return rc;
}

/* ---- run ---- */

int cmd_serve(int argc, char **argv)
{
	serve_opts o = {NULL, NULL, NULL, NULL};
	raqib_config cfg;
	raqib_server_conf sc;
	raqib_err err = {0, ""};
	raqib_engine *eng = NULL;
	raqib_store *st = NULL;
	raqib_server *srv = NULL;
	json_t *created = NULL;
	sigset_t sigs;
	const char *env;
	int rc, status = CLI_USAGE;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc > 0 ? CLI_OK : CLI_USAGE;
	raqib_config_defaults(&cfg);
	raqib_server_conf_defaults(&sc);
	if (o.config && (raqib_config_load(&cfg, o.config, &err) ||
			 raqib_server_conf_load(&sc, o.config, &err))) {
		fprintf(stderr, "raqib serve: %s\n", err.msg);
		return CLI_USAGE;
	}
	if (o.listen) {
		char host[256];
		unsigned port;
		if (raqib_listen_parse(o.listen, host, sizeof host, &port)) {
			fprintf(stderr, "raqib serve: --listen must be HOST:PORT, not '%s'\n", o.listen);
			return CLI_USAGE;
		}
		snprintf(sc.listen, sizeof sc.listen, "%s", o.listen);
	}
	if (o.db)
		snprintf(sc.db, sizeof sc.db, "%s", o.db);
	env = getenv("RAQIB_ADMIN_TOKEN");
	if (env && *env)
		snprintf(sc.admin_token, sizeof sc.admin_token, "%s", env);
	/* Times are shown in the site's zone: one setting for the process. */
	setenv("TZ", sc.timezone, 1);
	tzset();

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (raqib_engine_new(&cfg, &eng, &err)) {
		fprintf(stderr, "raqib serve: %s\n", err.msg);
		goto out;
	}
	if (raqib_store_open(sc.db, &st, &err)) {
		fprintf(stderr, "raqib serve: %s: %s\n", sc.db, err.msg);
		goto out;
	}
	if (raqib_server_start(&sc, eng, st, &srv, &err)) {
		fprintf(stderr, "raqib serve: %s\n", err.msg);
		goto out;
	}
	if (o.demo && (demo_articles(st, o.demo, &created) ||
		       demo_comments(srv, st, o.demo, created))) {
		fprintf(stderr, "raqib serve: the demo site could not be loaded from %s\n", o.demo);
		goto out;
	}
	raqib_server_tick(srv);   /* IP retention, then hourly */
	printf("raqib: listening on %s\n", raqib_server_url(srv));
	fflush(stdout);

	for (;;) {
		struct timespec hour = {3600, 0};
		int sig = sigtimedwait(&sigs, NULL, &hour);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		if (sig < 0 && errno == EAGAIN)
			raqib_server_tick(srv);
		/* SIGHUP: nothing to reload yet; keep serving. */
	}
	fprintf(stderr, "raqib serve: stopping\n");
	status = CLI_OK;
out:
	json_decref(created);
	raqib_server_stop(srv);
	raqib_store_close(st);
	raqib_engine_free(eng);
	return status;
}
