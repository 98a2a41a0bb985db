#!/bin/sh
# examples/run.sh — the demo behind `make run`: starts the comment server on
# a demo site (the seed page's article about Khalifa Haftar with its caption
# and "اقرأ أيضًا" link, the reader comment published on the seed page, and
# example comments that screening shortens, holds or rejects; two more short
# articles), prints the article's URL and serves until Ctrl-C.
#
#   sh examples/run.sh [path/to/raqib]
#   PORT=9090 sh examples/run.sh        # another port (default 8080)
#   DB=/tmp/x.db sh examples/run.sh     # another database (default build/demo.db)
#
# It also creates the editors' desk demo accounts "editor" and "admin" and
# prints their passwords (kept in build/demo-accounts.txt, next to the
# database) with the login URL.
#
# The demo is loaded into the database only when its articles are missing,
# so comments posted while trying the form are still there next time.
# The screening demo of the command line is still one line away:
#   build/raqib check --human < examples/comments.jsonl
set -u
RAQIB=${1:-build/raqib}
HERE=$(dirname "$0")
PORT=${PORT:-8080}
DB=${DB:-build/demo.db}

if [ ! -x "$RAQIB" ]; then
	echo "run.sh: $RAQIB not found or not executable (run 'make' first)" >&2
	exit 2
fi
mkdir -p "$(dirname "$DB")"

# The editors' desk: an "editor" and an "admin" account, their passwords
# made once and kept beside the database (mode 600) so they stay the same
# from one run to the next.
CRED=${CRED:-$(dirname "$DB")/demo-accounts.txt}
if [ ! -s "$CRED" ]; then
	umask 077
	for who in editor admin; do
		printf '%s %s\n' "$who" "$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')"
	done > "$CRED"
	NEWCRED=1
fi
while read -r who pw; do
	printf '%s\n' "$pw" | "$RAQIB" user add "$who" --role "$who" --db "$DB" >/dev/null 2>&1
	case $? in
	0|1) ;;
	*) echo "run.sh: cannot create the demo account '$who' in $DB" >&2; exit 2 ;;
	esac
done < "$CRED"
if [ "${NEWCRED:-0}" = 1 ] && "$RAQIB" user list --db "$DB" >/dev/null 2>&1 &&
   [ -n "$(find "$DB" -mmin +1 2>/dev/null)" ]; then
	echo "run.sh: note: $DB existed before $CRED; if signing in fails, remove both and run again" >&2
fi

echo "demo article: http://127.0.0.1:$PORT/a/haftar-libya  (all articles: http://127.0.0.1:$PORT/)"
echo "editors' desk: http://127.0.0.1:$PORT/admin/login"
while read -r who pw; do
	echo "  user: $who  password: $pw"
done < "$CRED"
echo "Ctrl-C stops the server."
# exec: Ctrl-C and SIGTERM reach the server itself, which checkpoints and exits 0.
exec "$RAQIB" serve --config "$HERE/demo/raqib.conf" --demo "$HERE/demo" \
	--listen "127.0.0.1:$PORT" --db "$DB"
