#!/bin/sh
# eval_models.sh — the trained models beside the fastText bar and the
# published anchors: one table (Markdown), printed and written to
# build/eval/models.md. Part of `make eval`.
#
# usage: sh tools/eval_models.sh [RAQIB]   (default build/raqib)
# Needs build/data/<rule>-{test,news}.tsv (python3 tools/make_splits.py).
# raqib's figures are measured now (`raqib eval`, the shipped
# models/<rule>.model at its own threshold); fastText's are the last ones
# saved by `make eval-fasttext` (build/eval/fasttext.tsv), since training
# fastText takes minutes per rule.
set -eu

RAQIB=${1:-build/raqib}
DATA=${DATA:-build/data}
OUT=${OUT:-build/eval}
FT=$OUT/fasttext.tsv
mkdir -p "$OUT"

[ -x "$RAQIB" ] || { echo "eval_models: $RAQIB not built" >&2; exit 2; }

# rule|set|file suffix|metric|published anchor|target
ROWS='insult|OSACT2020-A dev (test split, tweets)|test|macro_f1|linear SVM char+word 86.9; best system 90.5; fastText (issue) 82.7–83.4|≥ 88
insult|Aljazeera comments (vanetik ID7 dev+test)|news|macro_f1|—|—
hate|OSACT2020-B dev (test split, tweets)|test|macro_f1|best OSACT2020-B systems ≈ 95; fastText (issue) 65.5|≥ 85
dialect|AOC test split (MSA vs dialect)|test|accuracy|Tillmann et al. 2014 89.1 (MSA vs Egyptian); MARBERT 88.6 F1; fastText (issue) 82.1|≥ 90
dialect|AOC raw comments (test split)|news|accuracy|—|—
foreign|test splits (UDHR, Arabizi sets, AOC, SaudiNewsNet)|test|accuracy|Arabizi 98.5 (Darwish 2014); WiLI-2018: CLD2 91.5, fastText 93.3; fastText (issue) 99.3|≥ 98
foreign|test: Persian + Urdu paragraphs, recall|test:pes,urd|recall|fastText (issue) 100|≥ 95
foreign|AOC raw comments (all Arabic), kept|news|accuracy|—|—'

pct() { awk '{ printf "%.1f\n", $1 }'; }

# fastText figure for RULE SET METRIC, or a hint when none is saved.
ft_fig() {
	if [ "$3" = recall ]; then
		echo "—"
	elif [ -f "$FT" ]; then
		awk -F'\t' -v r="$1" -v s="$2" -v m="$3" '
			NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
			$1 == r && $2 == s { v = $col[m]; found = 1 }
			END { if (found) printf "%.1f\n", 100 * v; else print "not run" }' "$FT"
	else
		echo "run make eval-fasttext"
	fi
}

table=$OUT/models.md.new
{
	echo "| rule | eval set | metric | raqib | fastText | published anchor | target |"
	echo "|---|---|---|---|---|---|---|"
} > "$table"
echo "$ROWS" | while IFS='|' read -r rule set file metric anchor target; do
	split=${file%%:*}
	f=$DATA/$rule-$split.tsv
	[ -f "$f" ] || { echo "eval_models: $f missing (python3 tools/make_splits.py)" >&2; exit 2; }
	json=$("$RAQIB" eval --rule "$rule" "$f" | tail -n 1)
	case $file in
	*:*)
		# recall over the named groups (UDHR language codes)
		groups=${file#*:}
		fig=$(echo "$json" | jq -r --arg g "$groups" '
			($g | split(",") | map("udhr-" + .)) as $k
			| [.groups | to_entries[] | select(.key as $x | $k | index($x))]
			| (map(.value.n * .value.correct) | add) / (map(.value.n) | add)
			| . * 100' | pct)
		;;
	*)
		fig=$(echo "$json" | jq -r --arg m "$metric" '.[$m] * 100' | pct)
		;;
	esac
	ftf=$(ft_fig "$rule" "$split" "$metric")
	case $metric in macro_f1) mname=macro-F1 ;; accuracy) mname="accuracy %" ;; *) mname="recall %" ;; esac
	echo "| $rule | $set | $mname | $fig | $ftf | $anchor | $target |" >> "$table"
done
mv "$table" "$OUT/models.md"
{
	echo
	if [ -f "$FT" ]; then
		echo "fastText: saved by \`make eval-fasttext\` on $(awk -F'\t' 'NR > 1 { print $8 }' "$FT" | sort -u | tr '\n' ' ')(build/eval/fasttext.tsv; settings per models/<rule>.md)."
	else
		echo "fastText: not run yet; \`make eval-fasttext\` trains it on the same splits (slow)."
	fi
} >> "$OUT/models.md"
echo "## trained models (raqib eval on $DATA; fastText from $FT; models/<rule>.md)"
cat "$OUT/models.md"
