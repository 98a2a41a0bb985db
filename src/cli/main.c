/*
 * main.c — the `raqib` command: dispatches to one verb per cmd_<verb>.c.
 *
 * A new verb (serve, train, eval) is a new file plus one line in `verbs`;
 * usage and help are generated from the table so they cannot go stale.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

typedef struct cli_verb {
	const char *name;
	cli_fn fn;
	const char *summary;
} cli_verb;

static const cli_verb verbs[] = {
	{"check", cmd_check, "screen JSON Lines comments from stdin"},
	{"train", cmd_train, "fit one rule's model on a labelled TSV"},
	{"eval", cmd_eval, "score a labelled TSV with one rule's model"},
	{"serve", cmd_serve, "run the comment server (docs/http.md)"},
	{"user", cmd_user, "add, list or disable editors' desk accounts"},
	{"export-feedback", cmd_export_feedback, "editors' decisions as training TSV"},
};

#define NVERBS (sizeof verbs / sizeof verbs[0])

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: raqib <command> [options]\n"
	      "       raqib --help | --version\n"
	      "\n"
	      "raqib screens reader comments on Arabic news sites against the\n"
	      "published comment policy: no insults, racism, off-topic comments,\n"
	      "colloquial dialect, foreign languages, pseudonyms or phone numbers.\n"
	      "\n"
	      "commands:\n", f);
	for (i = 0; i < NVERBS; i++)
		fprintf(f, "  %-15s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\n"
	      "options:\n"
	      "  -h, --help     show this help (per command: raqib <command> --help)\n"
	      "  -V, --version  print the version\n"
	      "\n"
	      "exit status: 0 success, 1 some input lines had errors, 2 bad usage,\n"
	      "bad configuration or an I/O error.\n", f);
}

static const cli_verb *find_verb(const char *name)
{
	size_t i;
	for (i = 0; i < NVERBS; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const cli_verb *v;
	const char *a = argc > 1 ? argv[1] : NULL;

	if (!a) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
		usage(stdout);
		return CLI_OK;
	}
	if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
		printf("raqib %s\n", RAQIB_VERSION);
		return CLI_OK;
	}
	/* "raqib help check" reads better than "raqib check --help". */
	if (!strcmp(a, "help")) {
		char help[] = "--help";
		char *args[3] = {NULL, help, NULL};
		if (argc < 3) {
			usage(stdout);
			return CLI_OK;
		}
		v = find_verb(argv[2]);
		if (v) {
			args[0] = argv[2];
			return v->fn(2, args);
		}
		a = argv[2];
	} else {
		v = find_verb(a);
		if (v)
			return v->fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "raqib: unknown %s '%s'\n",
		a[0] == '-' ? "option" : "command", a);
	usage(stderr);
	return CLI_USAGE;
}
