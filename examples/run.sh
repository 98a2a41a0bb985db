#!/bin/sh
# examples/run.sh — the demo behind `make run`: screens the demo comments in
# examples/comments.jsonl (15 comments on the seed article about Khalifa
# Haftar and Libya, one per policy clause; the first is the comment actually
# published on the seed page) and prints the readable report.
#
#   sh examples/run.sh [path/to/raqib] [more raqib check options]
#
# The same file as JSON Lines, for other programs:
#   build/raqib check --json < examples/comments.jsonl
set -u
RAQIB=${1:-build/raqib}
[ $# -gt 0 ] && shift
HERE=$(dirname "$0")

if [ ! -x "$RAQIB" ]; then
	echo "run.sh: $RAQIB not found or not executable (run 'make' first)" >&2
	exit 2
fi
"$RAQIB" check --human "$@" < "$HERE/comments.jsonl"
status=$?
# Exit 1 would mean a demo line failed to parse: that is a bug here.
exit $status
