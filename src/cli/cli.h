/*
 * cli.h — what the verbs of the `raqib` command share. Each verb lives in
 * its own cmd_<verb>.c and is listed in the table in main.c; only src/cli
 * talks to the user (stdout/stderr), the library never prints.
 */
#ifndef RAQIB_CLI_H
#define RAQIB_CLI_H

#include "jsonl.h"

#ifndef RAQIB_VERSION
#define RAQIB_VERSION "0.1.0"
#endif

/* Exit statuses shared by every verb. */
enum {
	CLI_OK = 0,       /* everything processed */
	CLI_BADINPUT = 1, /* ran to the end, but some input lines had errors */
	CLI_USAGE = 2     /* bad usage, bad config, or an I/O failure */
};

/* A verb: argv[0] is the verb's name. Returns an exit status. */
typedef int (*cli_fn)(int argc, char **argv);

int cmd_check(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_export_feedback(int argc, char **argv);

/* The readable report of one item (human.c). `color`: ANSI bold red for
 * the offending spans; otherwise they are bracketed ⟦…⟧. */
RAQIB_WARN_UNUSED int human_write(raqib_buf *out, const jsonl_item *it,
				  const raqib_verdict *v, bool color);

#endif
