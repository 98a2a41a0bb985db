#!/bin/sh
# fasttext_baseline.sh — the bar raqib's models must beat: Debian's fastText
# (apt package `fasttext`) trained and evaluated on the same splits as
# `raqib train` / `raqib eval` (build/data/<rule>-*.tsv from
# tools/make_splits.py).
#
# usage: tools/fasttext_baseline.sh [RULE...]   (default: insult hate dialect foreign)
#
# Per rule: supervised fastText with char n-grams 2-5 and word bigrams;
# learning rate and epochs picked from a small grid by macro-F1 on the dev
# split, then the chosen model is evaluated on the test split (and on the
# news-comment split where there is one). Prints one line per evaluation and
# a JSON object per rule (last line of each rule's block):
#   {"rule": "insult", "set": "test", "system": "fasttext", "macro_f1": .., "accuracy": .., ...}
# Work files go to build/fasttext/. Models are about 400 MB each and are
# deleted after evaluation unless KEEP=1 (disk is limited; nothing ships).
set -eu

DATA=${DATA:-build/data}
WORK=${WORK:-build/fasttext}
FT=${FASTTEXT:-fasttext}
THREADS=${THREADS:-2}
DIM=${DIM:-50}
# The tuning grid (override for a quick run, e.g. LRS=0.1 EPOCHS=25).
LRS=${LRS:-0.1 0.5 1.0}
EPOCHS=${EPOCHS:-10 25}

command -v "$FT" >/dev/null 2>&1 || {
	echo "fasttext_baseline: '$FT' not found (apt-get install fasttext)" >&2
	exit 2
}
mkdir -p "$WORK"

# text<TAB>label[<TAB>group] with header -> "__label__L text" (fastText reads
# whitespace-separated tokens; the label must come first).
to_ft() {
	awk -F'\t' 'NR > 1 || $2 != "label" { print "__label__" $2 " " $1 }' "$1"
}

# Reads "truth<TAB>predicted" lines; prints macro-F1 and accuracy for labels
# RULE and ok.
score() {
	awk -F'\t' -v rule="$1" -v set="$2" -v sys=fasttext '
	{ n++; t = $1; p = $2; c[t, p]++ }
	function f1(p, r) { return p + r > 0 ? 2 * p * r / (p + r) : 0 }
	END {
		split("ok " rule, L, " ")
		macro = 0
		for (i = 1; i <= 2; i++) {
			k = L[i]; tp = c[k, k]; pp = 0; tt = 0
			for (j = 1; j <= 2; j++) { pp += c[L[j], k]; tt += c[k, L[j]] }
			P[i] = pp ? tp / pp : 0; R[i] = tt ? tp / tt : 0; F[i] = f1(P[i], R[i])
			macro += F[i] / 2
		}
		acc = n ? (c["ok", "ok"] + c[rule, rule]) / n : 0
		printf "{\"rule\": \"%s\", \"set\": \"%s\", \"system\": \"%s\", \"n\": %d, " \
		       "\"macro_f1\": %.4f, \"accuracy\": %.4f, \"precision\": %.4f, " \
		       "\"recall\": %.4f}\n", rule, set, sys, n, macro, acc, P[2], R[2]
	}'
}

# eval_ft MODEL RULE SET FILE.tsv
eval_ft() {
	to_ft "$4" > "$WORK/eval.txt"
	"$FT" predict "$1" "$WORK/eval.txt" > "$WORK/pred.txt"
	awk -F'\t' 'NR > 1 || $2 != "label" { print $2 }' "$4" |
		paste - "$WORK/pred.txt" | sed 's/__label__//' | score "$2" "$3"
}

run_rule() {
	rule=$1
	for s in train dev test; do
		[ -f "$DATA/$rule-$s.tsv" ] || {
			echo "fasttext_baseline: $DATA/$rule-$s.tsv missing (run tools/make_splits.py)" >&2
			exit 2
		}
	done
	to_ft "$DATA/$rule-train.tsv" > "$WORK/$rule-train.txt"
	best=-1
	best_args=
	for lr in $LRS; do
		for epoch in $EPOCHS; do
			args="-lr $lr -epoch $epoch"
			# shellcheck disable=SC2086
			"$FT" supervised -input "$WORK/$rule-train.txt" -output "$WORK/$rule-cand" \
				-dim "$DIM" -wordNgrams 2 -minn 2 -maxn 5 -thread "$THREADS" \
				-verbose 0 $args >/dev/null
			line=$(eval_ft "$WORK/$rule-cand.bin" "$rule" dev "$DATA/$rule-dev.tsv")
			f=$(echo "$line" | sed 's/.*"macro_f1": \([0-9.]*\).*/\1/')
			echo "  $rule dev $args: macro-F1 $f" >&2
			if awk -v a="$f" -v b="$best" 'BEGIN { exit !(a > b) }'; then
				best=$f
				best_args=$args
				mv "$WORK/$rule-cand.bin" "$WORK/$rule.bin"
			fi
		done
	done
	rm -f "$WORK/$rule-cand.bin" "$WORK/$rule-cand.vec"
	size=$(stat -c %s "$WORK/$rule.bin")
	echo "$rule: fastText $best_args -dim $DIM -wordNgrams 2 -minn 2 -maxn 5 (model $size bytes)"
	for s in dev test news short shortpu; do
		f="$DATA/$rule-$s.tsv"
		[ -f "$f" ] || continue
		start=$(date +%s.%N)
		line=$(eval_ft "$WORK/$rule.bin" "$rule" "$s" "$f")
		end=$(date +%s.%N)
		secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
		echo "$line" | sed "s/}\$/, \"seconds\": $secs}/"
	done
	[ "${KEEP:-0}" = 1 ] || rm -f "$WORK/$rule.bin"
}

rules=${*:-insult hate dialect foreign}
for r in $rules; do
	run_rule "$r"
done
