/*
 * cmd_export.c — `raqib export-feedback`: the editors' decisions as the
 * labelled TSV `raqib train` reads (text<TAB>label<TAB>group), so a site can
 * retrain the models on its own readers' comments (README, "Retraining on
 * your editors' decisions").
 *
 * One line per decided comment and rule, the label being the rule's name
 * (the text breaks the rule) or "ok":
 *   held, then published as written       -> ok for every rule that held it
 *   held, then shortened and published    -> the reader's text: the rule;
 *                                            the published text: ok
 *   held, then rejected                   -> the rule named by the editor's
 *                                            reason, else every holding rule
 *   published, then rejected/unpublished  -> the rule named by the reason
 *                                            (a miss); no line without one
 * A rule about the author's name (pseudonym) labels the name, not the text.
 * The group column is the rule (without --rule) or "editors" (with it), so
 * `--weight editors=N` can weigh them against a base set.
 */
#include "cli.h"
#include "http/server.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char export_help[] =
	"usage: raqib export-feedback --since DATE [--rule RULE] [--db FILE] [--out FILE]\n"
	"                             [--config FILE]\n"
	"\n"
	"Writes the editors' decisions since DATE (YYYY-MM-DD or ISO 8601) as\n"
	"text<TAB>label<TAB>group lines, the format `raqib train` reads: label is\n"
	"the rule's name (the editors found the text breaks it) or 'ok' (they\n"
	"published what the rule held). Without --rule every rule's lines are\n"
	"written with the rule as the group (split them with awk -F'\\t' '$3==\"insult\"');\n"
	"with --rule only that rule's, group 'editors'.\n"
	"\n"
	"options:\n"
	"  --since DATE   decisions taken at or after DATE (UTC unless a zone is given)\n"
	"  --rule RULE    only this rule's lines (insult, hate, dialect, ...)\n"
	"  --db FILE      database; default the config's [server] db, else raqib.db\n"
	"  --out FILE     write here instead of stdout\n"
	"  --config FILE  settings file to take [server] db from\n"
	"\n"
	"exit status: 0 ok, 2 bad usage or an I/O error.\n";

int cli_desk_db(const char *db, const char *config, char *out, size_t cap);

typedef struct out_ctx {
	FILE *f;
	const char *only;
	size_t lines;
} out_ctx;

static void put_text(FILE *f, const char *s)
{
	/* TSV: a tab or a line break inside the text would split the line */
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static void line(out_ctx *o, const char *text, const char *rule, bool positive)
{
	if ((o->only && strcmp(o->only, rule)) || !*text)
		return;
	put_text(o->f, text);
	fprintf(o->f, "\t%s\t%s\n", positive ? rule : "ok", o->only ? "editors" : rule);
	o->lines++;
}

static bool is_rule(const char *s)
{
	return s && *s && raqib_rule_from_name(s, strlen(s)) >= 0;
}

static const char *field_text(const raqib_feedback_row *r, const char *field, bool pub)
{
	if (field && !strcmp(field, "name"))
		return r->name;
	return pub ? r->text_public : r->text;
}

static void one(out_ctx *o, const raqib_feedback_row *r)
{
	json_t *reasons = json_loads(r->reasons_json, 0, NULL), *x;
	bool was_held = r->first_status == RAQIB_CS_PENDING;
	bool was_pub = r->first_status == RAQIB_CS_PUBLISHED || r->first_status == RAQIB_CS_SHORTENED;
	bool now_pub = raqib_status_public(r->status);
	bool now_gone = r->status == RAQIB_CS_REJECTED || r->status == RAQIB_CS_UNPUBLISHED;
	bool edited = strcmp(r->text, r->text_public) != 0;
	size_t k;

	if (was_held && (now_pub || now_gone) && !(now_gone && is_rule(r->reason))) {
		json_array_foreach(reasons, k, x) {
			const char *rule = json_string_value(json_object_get(x, "rule"));
			const char *act = json_string_value(json_object_get(x, "action"));
			const char *fld = json_string_value(json_object_get(x, "field"));
			if (!rule || !act || strcmp(act, "hold") || !strcmp(rule, "honeypot"))
				continue;
			if (now_gone) {
				line(o, field_text(r, fld, false), rule, true);
			} else if (edited && !(fld && !strcmp(fld, "name"))) {
				line(o, r->text, rule, true);
				line(o, r->text_public, rule, false);
			} else {
				line(o, field_text(r, fld, false), rule, false);
			}
		}
	} else if ((was_held || was_pub) && now_gone && is_rule(r->reason)) {
		line(o, !strcmp(r->reason, "pseudonym") ? r->name : r->text, r->reason, true);
	}
	json_decref(reasons);
}

int cmd_export_feedback(int argc, char **argv)
{
	const char *since = NULL, *rule = NULL, *db = NULL, *out = NULL, *config = NULL;
	char path[1100];
	int64_t t;
	raqib_store *st = NULL;
	raqib_arena *ar = NULL;
	raqib_feedback_row *rows;
	size_t n;
	raqib_err err = {0, ""};
	out_ctx o = {stdout, NULL, 0};
	int rc = CLI_USAGE;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], **dst = NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(export_help, stdout);
			return CLI_OK;
		}
		if (!strcmp(a, "--since"))
			dst = &since;
		else if (!strcmp(a, "--rule"))
			dst = &rule;
		else if (!strcmp(a, "--db"))
			dst = &db;
		else if (!strcmp(a, "--out"))
			dst = &out;
		else if (!strcmp(a, "--config"))
			dst = &config;
		if (!dst || i + 1 >= argc) {
			fprintf(stderr, "raqib export-feedback: %s '%s'\n%s",
				dst ? "missing value for" : "unknown argument", a, export_help);
			return CLI_USAGE;
		}
		*dst = argv[++i];
	}
	if (!since || raqib_parse_iso(since, &t)) {
		fprintf(stderr, "raqib export-feedback: --since needs a date (YYYY-MM-DD or ISO 8601)\n");
		return CLI_USAGE;
	}
	if (rule && (!is_rule(rule))) {
		fprintf(stderr, "raqib export-feedback: unknown rule '%s'\n", rule);
		return CLI_USAGE;
	}
	o.only = rule;
	if (cli_desk_db(db, config, path, sizeof path))
		return CLI_USAGE;
	if (raqib_store_open(path, &st, &err)) {
		fprintf(stderr, "raqib export-feedback: %s\n", err.msg);
		return CLI_USAGE;
	}
	if (!(ar = raqib_arena_new(0)) || raqib_store_feedback(st, t, ar, &rows, &n, &err)) {
		fprintf(stderr, "raqib export-feedback: %s\n", ar ? err.msg : "out of memory");
		goto done;
	}
	if (out && !(o.f = fopen(out, "w"))) {
		perror(out);
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		one(&o, &rows[i]);
	if (fflush(o.f) || ferror(o.f)) {
		fprintf(stderr, "raqib export-feedback: write error\n");
		goto done;
	}
	fprintf(stderr, "raqib export-feedback: %zu lines from %zu decided comments\n", o.lines, n);
	rc = CLI_OK;
done:
	if (o.f && o.f != stdout)
		fclose(o.f);
	raqib_arena_free(ar);
	raqib_store_close(st);
	return rc;
}
