#!/bin/sh
# eval_rules.sh — accuracy of the dialect, foreign and off_topic rules on the
# labelled sets in shared/data. Usage: sh bench/eval_rules.sh [EVAL_BIN] [DATA_DIR]
# Build the binary first (from the repo root):
#   cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -o build/eval_rules bench/eval_rules.c \
#      build/libraqib.a $(pkg-config --libs libutf8proc jansson inih) -lm
set -e
E=${1:-build/eval_rules}
D=${2:-${RAQIB_DATA:-../shared/data}}
[ -d "$D" ] || D=/work/shared/data
[ -x "$E" ] || { echo "eval_rules.sh: $E not built" >&2; exit 1; }

echo "## dialect (aoc-dialect test split: dialect vs ok, per site dialect)"
"$E" -r dialect -f split=test -g site_dialect "$D/aoc-dialect/aoc-dialect.tsv"
echo "## dialect (aoc-news-comments, raw comments, per site)"
"$E" -r dialect -g site "$D/aoc-news-comments/comments.tsv"
echo "## dialect (saudinewsnet article bodies: MSA, must stay quiet)"
"$E" -r dialect -t body -p none -n '*' "$D/saudinewsnet/articles.tsv"

echo "## foreign (udhr-foreign: per language; arb rows are the negatives)"
"$E" -r foreign -g lang "$D/udhr-foreign/udhr-foreign.tsv"
for s in narabizi tunizi haifa-arabizi; do
	echo "## foreign ($s)"
	"$E" -r foreign "$D/$s/$s.tsv"
done
echo "## foreign (aoc-dialect ok rows: Arabic negatives)"
"$E" -r foreign -p none -n ok "$D/aoc-dialect/aoc-dialect.tsv"
echo "## foreign (saudinewsnet article bodies: Arabic negatives)"
"$E" -r foreign -t body -p none -n '*' "$D/saudinewsnet/articles.tsv"

echo "## off_topic (aoc-news-comments: own article = negative, another = positive)"
"$E" -r off_topic -a "$D/aoc-news-comments/articles.tsv" "$D/aoc-news-comments/comments.tsv"

# article swap with stems and idf (bench/eval_offtopic.c): ROC AUC, false-hold / catch rates
O=$(dirname "$E")/eval_offtopic
if [ -x "$O" ]; then "$O" -s test "$D"; else echo "(eval_offtopic not built: skipped)"; fi

echo "## insult (osact2020 dev: insult+hate vs ok; tweets)"
"$E" -r insult -f split=dev -p insult,hate "$D/osact2020/osact2020.tsv"
echo "## insult (vanetik-offensive test: Aljazeera comments + Ar-PuFi)"
"$E" -r insult -f split=test "$D/vanetik-offensive/vanetik-offensive.tsv"
echo "## hate (osact2020 dev: hate vs ok+insult)"
"$E" -r hate -f split=dev -n '*' "$D/osact2020/osact2020.tsv"
echo "## spam (aoc-news-comments: real reader comments, all negatives)"
"$E" -r spam -p none -n '*' "$D/aoc-news-comments/comments.tsv"
echo "## phone (aoc-news-comments: real reader comments; counts findings, unlabelled)"
"$E" -r phone -p none -n '*' "$D/aoc-news-comments/comments.tsv"
