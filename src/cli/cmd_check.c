/*
 * cmd_check.c — `raqib check`: screen JSON Lines comments from stdin, one
 * output line (or human report) per comment, in input order.
 *
 * Throughput is the point of this verb, so the loop allocates nothing per
 * line after warm-up: the reader buffer, the item's parse arena, the
 * verdict's scratch arena and the output buffer are all reused, and output
 * is batched into 64 KiB write(2) calls unless someone is watching (a tty,
 * or --line-buffered for a pipe to another program that waits per line).
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define OUT_BATCH (64 * 1024)

static const char check_usage[] =
	"usage: raqib check [--config FILE] [--human | --json] [--line-buffered]\n";

static const char check_help[] =
	"usage: raqib check [--config FILE] [--human | --json] [--line-buffered]\n"
	"\n"
	"Screens reader comments against the comment policy. Reads JSON Lines on\n"
	"stdin, one comment per line:\n"
	"\n"
	"  {\"id\": \"c1\", \"name\": \"author name\", \"text\": \"the comment\",\n"
	"   \"honeypot\": \"\", \"article\": {\"title\": \"...\", \"body\": \"...\"}}\n"
	"\n"
	"  text      required, a string\n"
	"  id        optional, string or number, echoed as given (null if absent)\n"
	"  name      optional, the author's signature (checked for pseudonyms)\n"
	"  honeypot  optional, the hidden form field: anything in it means a bot\n"
	"  article   optional, title and body of the article (for off-topic)\n"
	"Other keys are ignored; a null value counts as absent; duplicate keys\n"
	"are an error.\n"
	"\n"
	"With --json, writes exactly one JSON line per non-blank input line, in\n"
	"input order:\n"
	"\n"
	"  {\"id\": \"c1\", \"decision\": \"shorten\", \"reasons\": [{\"rule\": \"phone\",\n"
	"   \"score\": 0.98, \"field\": \"text\", \"spans\": [[12, 24]]}],\n"
	"   \"text\": \"the shortened text\"}\n"
	"\n"
	"  decision  publish, shorten, hold or reject (the strongest reason wins)\n"
	"  reasons   strongest first: rule (honeypot, spam, insult, hate,\n"
	"            off_topic, dialect, foreign, pseudonym, phone), score 0..1,\n"
	"            field (text or name), spans as [start, end) code-point\n"
	"            offsets into the original field\n"
	"  text      only when the decision is shorten: the text with phone\n"
	"            numbers replaced by the configured marker\n"
	"\n"
	"A bad line (invalid JSON or UTF-8, missing or non-string text, a line\n"
	"over 64 KiB, a text or name over the configured maximum length) gets\n"
	"  {\"id\": <id or null>, \"line\": N, \"error\": \"message\"}\n"
	"and processing goes on. N counts every input line from 1, blank ones\n"
	"included. Blank lines (only spaces, tabs, CR) are skipped without output.\n"
	"A last line without a newline is processed like the others.\n"
	"\n"
	"options:\n"
	"  --config FILE    read settings from an INI file (see raqib.conf.example);\n"
	"                   without it the built-in defaults apply\n"
	"  --human          a readable report per comment: decision in Arabic and\n"
	"                   English, each reason, the text with the offending spans\n"
	"                   in bold red (on a terminal) or in ⟦brackets⟧,\n"
	"                   and the shortened text; the default when stdout is a\n"
	"                   terminal\n"
	"  --json           JSON Lines as above; the default otherwise\n"
	"  --line-buffered  write each result as soon as it is ready (the default on\n"
	"                   a terminal); otherwise output is written in 64 KiB blocks\n"
	"  -h, --help       show this help\n"
	"\n"
	"exit status: 0 all lines screened, 1 some lines had errors (each reported\n"
	"in its output line), 2 bad usage, bad configuration or an I/O error.\n";

typedef struct check_opts {
	const char *config;
	int human;           /* -1: decide by isatty(stdout) */
	int line_buffered;
} check_opts;

static int parse_args(int argc, char **argv, check_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(check_help, stdout);
			return 1;
		} else if (!strcmp(a, "--config")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "raqib check: --config needs a FILE\n");
				goto usage;
			}
			o->config = argv[++i];
		} else if (!strncmp(a, "--config=", 9) && a[9]) {
			o->config = a + 9;
		} else if (!strcmp(a, "--human")) {
			o->human = 1;
		} else if (!strcmp(a, "--json")) {
			o->human = 0;
		} else if (!strcmp(a, "--line-buffered")) {
			o->line_buffered = 1;
		} else {
			fprintf(stderr, "raqib check: unknown %s '%s'\n",
				a[0] == '-' ? "option" : "argument", a);
			goto usage;
		}
	}
	return 0;
usage:
	fputs(check_usage, stderr);
	fputs("Try 'raqib check --help'.\n", stderr);
	return -1;
}

/* Writes the whole buffer to fd 1 and empties it. */
static int flush_out(raqib_buf *out)
{
	size_t off = 0;

	while (off < out->len) {
		ssize_t k = write(STDOUT_FILENO, out->data + off, out->len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			fprintf(stderr, "raqib check: writing output: %s\n",
				k < 0 ? strerror(errno) : "nothing written");
			return -1;
		}
		off += (size_t)k;
	}
	raqib_buf_reset(out);
	return 0;
}

/* The last lines of a human report: how many comments got which decision. */
static int put_summary(raqib_buf *out, const unsigned long *count)
{
	unsigned long total = 0;
	int i;

	for (i = 0; i <= RAQIB_REJECT + 1; i++)
		total += count[i];
	return raqib_buf_addf(out, "%lu comments: %lu publish, %lu shorten, "
			      "%lu hold, %lu reject, %lu errors\n", total,
			      count[RAQIB_PUBLISH], count[RAQIB_SHORTEN],
			      count[RAQIB_HOLD], count[RAQIB_REJECT],
			      count[RAQIB_REJECT + 1]);
}

static int make_engine(const check_opts *o, raqib_engine **eng)
{
	raqib_config cfg;
	raqib_err err = {0, ""};

	raqib_config_defaults(&cfg);
	if (o->config && raqib_config_load(&cfg, o->config, &err)) {
		fprintf(stderr, "raqib check: %s\n", err.msg);
		return -1;
	}
	if (raqib_engine_new(&cfg, eng, &err)) {
		fprintf(stderr, "raqib check: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int run(const raqib_engine *eng, bool human, bool color,
	       bool line_buffered)
{
	int fd = STDIN_FILENO, status = CLI_OK, rc;
	unsigned long count[RAQIB_REJECT + 2] = {0};  /* per decision, errors */
	jsonl_reader r;
	jsonl_item it;
	raqib_verdict v;
	raqib_buf out;

	if (jsonl_reader_init(&r, JSONL_MAX_LINE, jsonl_read_fd, &fd)) {
		fprintf(stderr, "raqib check: out of memory\n");
		return CLI_USAGE;
	}
	jsonl_item_init(&it);
	raqib_verdict_init(&v);
	raqib_buf_init(&out, (size_t)64 << 20);

	for (;;) {
		const char *line = NULL;
		size_t len = 0;

		rc = jsonl_read_line(&r, &line, &len);
		if (rc == JSONL_END)
			break;
		if (rc == JSONL_EIO) {
			fprintf(stderr, "raqib check: reading stdin: %s\n",
				strerror(r.err));
			status = CLI_USAGE;
			break;
		}
		if (rc == JSONL_LONG)
			jsonl_set_too_long(&it, r.line, r.max_line);
		else if (jsonl_blank(line, len))
			continue;
		else
			jsonl_screen_line(eng, &it, &v, line, len, r.line);
		if (it.err.code)
			status = CLI_BADINPUT;
		count[it.err.code ? RAQIB_REJECT + 1 : (int)v.decision]++;
		rc = human ? human_write(&out, &it, &v, color)
			   : jsonl_write_result(&out, &it, &v);
		jsonl_item_clear(&it);
		if (rc) {
			fprintf(stderr, "raqib check: line %lu: cannot format the result (error %d)\n",
				r.line, rc);
			status = CLI_USAGE;
			break;
		}
		if ((line_buffered || out.len >= OUT_BATCH) && flush_out(&out)) {
			status = CLI_USAGE;
			break;
		}
	}
	if (human && status != CLI_USAGE && put_summary(&out, count))
		status = CLI_USAGE;
	if (flush_out(&out))
		status = CLI_USAGE;
	raqib_buf_free(&out);
	raqib_verdict_free(&v);
	jsonl_item_free(&it);
	jsonl_reader_free(&r);
	return status;
}

int cmd_check(int argc, char **argv)
{
	check_opts o = {NULL, -1, 0};
	raqib_engine *eng = NULL;
	bool tty = isatty(STDOUT_FILENO) == 1;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc > 0 ? CLI_OK : CLI_USAGE;
	if (make_engine(&o, &eng))
		return CLI_USAGE;
	rc = run(eng, o.human < 0 ? tty : o.human == 1, tty,
		 o.line_buffered || tty);
	raqib_engine_free(eng);
	return rc;
}
