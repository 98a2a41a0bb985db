/*
 * cmd_user.c — `raqib user add|list|disable`: the editors' desk accounts
 * (docs/admin.md). The password never comes from argv (it would be in the
 * process list and the shell history): from the terminal without echo,
 * asked twice, or as one line of stdin when stdin is not a terminal.
 */
#include "cli.h"
#include "http/server.h"
#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char user_help[] =
	"usage: raqib user add NAME --role editor|admin [--db FILE] [--config FILE]\n"
	"       raqib user list [--db FILE] [--config FILE]\n"
	"       raqib user disable NAME [--db FILE] [--config FILE]\n"
	"\n"
	"Manages the accounts of the editors' desk (/admin). `add` reads the\n"
	"password from the terminal (no echo, asked twice) or, when stdin is not\n"
	"a terminal, as one line from stdin; at least 8 characters. Passwords are\n"
	"stored as argon2id hashes. `disable` also ends the account's sessions.\n"
	"\n"
	"options:\n"
	"  --role ROLE     editor (moderates) or admin (also manages accounts)\n"
	"  --db FILE       database; default the config's [server] db, else raqib.db\n"
	"  --config FILE   settings file to take [server] db from\n"
	"\n"
	"exit status: 0 ok, 1 the user exists (add) or does not (disable), 2 bad\n"
	"usage or an I/O error.\n";

/* The database the verbs of the desk use: --db, else the config's. */
int cli_desk_db(const char *db, const char *config, char *out, size_t cap)
{
	raqib_server_conf c;
	raqib_err err = {0, ""};

	if (db) {
		snprintf(out, cap, "%s", db);
		return 0;
	}
	raqib_server_conf_defaults(&c);
	if (config && raqib_server_conf_load(&c, config, &err)) {
		fprintf(stderr, "raqib: %s\n", err.msg);
		return -1;
	}
	snprintf(out, cap, "%s", c.db);
	return 0;
}

static int read_line(FILE *f, char *buf, size_t cap)
{
	size_t n;
	if (!fgets(buf, (int)cap, f))
		return -1;
	n = strlen(buf);
	if (n && buf[n - 1] != '\n' && !feof(f))
		return -1; /* longer than the buffer */
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	return 0;
}

static int ask(const char *prompt, char *buf, size_t cap)
{
	FILE *tty = fopen("/dev/tty", "r+");
	struct termios old, quiet;
	int rc;

	if (!tty)
		return -1;
	if (tcgetattr(fileno(tty), &old)) {
		fclose(tty);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	/* Echo off (and typeahead dropped) before the prompt shows: what is
	 * typed once it is visible is neither echoed nor flushed away. */
	if (tcsetattr(fileno(tty), TCSAFLUSH, &quiet)) {
		fclose(tty);
		return -1;
	}
	fputs(prompt, tty);
	fflush(tty);
	rc = read_line(tty, buf, cap);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputs("\n", tty);
	fclose(tty);
	return rc;
}

/* 0 ok, -1 nothing read, -2 the two entries differ (already said). */
static int read_password(char *pw, size_t cap)
{
	char again[1025];
	if (!isatty(STDIN_FILENO))
		return read_line(stdin, pw, cap);
	if (ask("password: ", pw, cap) || ask("again: ", again, sizeof again))
		return -1;
	if (strcmp(pw, again)) {
		sodium_memzero(again, sizeof again);
		sodium_memzero(pw, cap);
		fprintf(stderr, "raqib user: the passwords differ\n");
		return -2;
	}
	sodium_memzero(again, sizeof again);
	return 0;
}

int cmd_user(int argc, char **argv)
{
	const char *sub = NULL, *name = NULL, *role = NULL, *db = NULL, *config = NULL;
	char path[1100], pw[1025], hash[crypto_pwhash_STRBYTES];
	raqib_store *st = NULL;
	raqib_err err = {0, ""};
	int i, rc = CLI_USAGE;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(user_help, stdout);
			return CLI_OK;
		}
		if (!strcmp(a, "--role") || !strcmp(a, "--db") || !strcmp(a, "--config")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "raqib user: %s needs a value\n", a);
				return CLI_USAGE;
			}
			*(!strcmp(a, "--role") ? &role : !strcmp(a, "--db") ? &db : &config) = argv[++i];
		} else if (a[0] == '-') {
			fprintf(stderr, "raqib user: unknown option '%s'\n%s", a, user_help);
			return CLI_USAGE;
		} else if (!sub) {
			sub = a;
		} else if (!name) {
			name = a;
		} else {
			fprintf(stderr, "raqib user: too many arguments\n%s", user_help);
			return CLI_USAGE;
		}
	}
	if (!sub || (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "disable")) ||
	    (!strcmp(sub, "list") && name) || (strcmp(sub, "list") && !name) ||
	    (!strcmp(sub, "add") && (!role || (strcmp(role, "editor") && strcmp(role, "admin")))) ||
	    (strcmp(sub, "add") && role)) {
		fputs(user_help, stderr);
		return CLI_USAGE;
	}
	if (name && (!*name || strlen(name) > 64)) {
		fprintf(stderr, "raqib user: a name has 1 to 64 bytes\n");
		return CLI_USAGE;
	}
	if (sodium_init() < 0 || cli_desk_db(db, config, path, sizeof path))
		return CLI_USAGE;
	if (!strcmp(sub, "add")) {
		int r = read_password(pw, sizeof pw);
		if (r) {
			if (r == -1)
				fprintf(stderr, "raqib user: no password read\n");
			return CLI_USAGE;
		}
		if (strlen(pw) < 8) {
			sodium_memzero(pw, sizeof pw);
			fprintf(stderr, "raqib user: the password needs at least 8 characters\n");
			return CLI_USAGE;
		}
		if (crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				      crypto_pwhash_MEMLIMIT_INTERACTIVE)) {
			sodium_memzero(pw, sizeof pw);
			fprintf(stderr, "raqib user: out of memory hashing the password\n");
			return CLI_USAGE;
		}
		sodium_memzero(pw, sizeof pw);
	}
	if (raqib_store_open(path, &st, &err)) {
		fprintf(stderr, "raqib user: %s\n", err.msg);
		return CLI_USAGE;
	}
	if (!strcmp(sub, "add")) {
		int r = raqib_store_user_add(st, name, role, hash, "cli", (int64_t)time(NULL), &err);
		if (r == RAQIB_STORE_EXISTS) {
			fprintf(stderr, "raqib user: '%s' exists\n", name);
			rc = CLI_BADINPUT;
		} else if (r) {
			fprintf(stderr, "raqib user: %s\n", err.msg);
		} else {
			printf("added %s (%s)\n", name, role);
			rc = CLI_OK;
		}
	} else if (!strcmp(sub, "disable")) {
		int r = raqib_store_user_disable(st, name, "cli", (int64_t)time(NULL), &err);
		if (r == RAQIB_STORE_NOTFOUND) {
			fprintf(stderr, "raqib user: no user '%s'\n", name);
			rc = CLI_BADINPUT;
		} else if (r) {
			fprintf(stderr, "raqib user: %s\n", err.msg);
		} else {
			printf("disabled %s\n", name);
			rc = CLI_OK;
		}
	} else {
		raqib_arena *ar = raqib_arena_new(0);
		raqib_user *us;
		size_t n;
		if (!ar || raqib_store_user_list(st, ar, &us, &n, &err)) {
			fprintf(stderr, "raqib user: %s\n", ar ? err.msg : "out of memory");
		} else {
			for (size_t k = 0; k < n; k++)
				printf("%s\t%s\t%s\n", us[k].name, us[k].role,
				       us[k].disabled ? "disabled" : "active");
			rc = CLI_OK;
		}
		raqib_arena_free(ar);
	}
	raqib_store_close(st);
	return rc;
}
