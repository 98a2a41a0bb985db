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
echo "demo article: http://127.0.0.1:$PORT/a/haftar-libya  (all articles: http://127.0.0.1:$PORT/)"
echo "Ctrl-C stops the server."
# exec: Ctrl-C and SIGTERM reach the server itself, which checkpoints and exits 0.
exec "$RAQIB" serve --config "$HERE/demo/raqib.conf" --demo "$HERE/demo" \
	--listen "127.0.0.1:$PORT" --db "$DB"
