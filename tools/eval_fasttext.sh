#!/bin/sh
# eval_fasttext.sh — the fastText bar for every trained rule, with the
# settings each model card (models/<rule>.md) names, on the splits of
# tools/make_splits.py (build/data). Saves the figures to
# build/eval/fasttext.tsv, which tools/eval_models.sh (make eval) prints
# beside raqib's. Slow (fastText trains a ~400 MB model per setting:
# about 13 minutes for the four rules on 2 cores).
#
# usage: sh tools/eval_fasttext.sh [RULE...]   (default: insult hate dialect foreign)
#        IF_STALE=1 sh tools/eval_fasttext.sh ...   (`make eval`) trains a
#        rule only if its saved figures are missing or were measured on
#        other splits, settings or scripts (build/eval/fasttext-RULE.stamp:
#        md5 of $DATA/RULE-*.tsv, the settings and the two scripts).
# Rules not named keep their rows in build/eval/fasttext.tsv.
# fastText trains with 2 threads (hogwild): figures vary by a few tenths
# between runs.
set -eu

OUT=${OUT:-build/eval}
TSV=$OUT/fasttext.tsv
mkdir -p "$OUT"

# The grid each card names (LRS / EPOCHS of tools/fasttext_baseline.sh).
settings() {
	case $1 in
	insult) echo 'LRS=0.1 0.5|EPOCHS=25' ;;
	hate | foreign) echo 'LRS=0.1|EPOCHS=25' ;;
	dialect) echo 'LRS=0.1 0.5 1.0|EPOCHS=10 25' ;;
	*) echo "eval_fasttext: no fastText settings for rule '$1'" >&2; exit 2 ;;
	esac
}

rules=${*:-insult hate dialect foreign}
DATA=${DATA:-build/data}

# What the saved figures of rule $1 depend on.
stamp() {
	{
		settings "$1"
		cat tools/eval_fasttext.sh tools/fasttext_baseline.sh
		for f in "$DATA/$1"-*.tsv; do cat "$f"; done
	} | md5sum | cut -d' ' -f1
}

if [ "${IF_STALE:-0}" = 1 ]; then
	stale=
	for r in $rules; do
		if [ -f "$TSV" ] && [ -f "$OUT/fasttext-$r.stamp" ] &&
		   [ "$(cat "$OUT/fasttext-$r.stamp")" = "$(stamp "$r")" ] &&
		   awk -F'\t' -v r="$r" 'NR > 1 && $1 == r { found = 1 } END { exit !found }' "$TSV"; then
			echo "eval_fasttext: $r: saved figures are for these splits (build/eval/fasttext.tsv)" >&2
		else
			stale="$stale $r"
		fi
	done
	[ -n "$stale" ] || exit 0
	rules=$stale
	echo "eval_fasttext: training fastText for$stale (minutes per rule)" >&2
fi
new=$OUT/fasttext.tsv.new
printf 'rule\tset\tn\tmacro_f1\taccuracy\tsettings\tseconds\tdate\n' > "$new"
if [ -f "$TSV" ]; then
	# keep the saved rows of the rules not rerun
	awk -F'\t' -v rules=" $rules " 'NR > 1 && index(rules, " " $1 " ") == 0' "$TSV" >> "$new"
fi
for r in $rules; do
	s=$(settings "$r")
	lrs=${s%%|*}; lrs=${lrs#LRS=}
	epochs=${s#*|}; epochs=${epochs#EPOCHS=}
	echo "== fastText $r (lr: $lrs; epochs: $epochs)" >&2
	start=$(date +%s)
	LRS=$lrs EPOCHS=$epochs sh tools/fasttext_baseline.sh "$r" > "$OUT/fasttext-$r.log"
	secs=$(( $(date +%s) - start ))
	chosen=$(sed -n "s/^$r: fastText \(.*\) (model.*/\1/p" "$OUT/fasttext-$r.log")
	cat "$OUT/fasttext-$r.log" >&2
	grep '^{' "$OUT/fasttext-$r.log" |
		jq -r --arg s "$chosen" --arg t "$secs" --arg d "$(date +%F)" \
			'[.rule, .set, .n, .macro_f1, .accuracy, $s, $t, $d] | @tsv' >> "$new"
	stamp "$r" > "$OUT/fasttext-$r.stamp.new"
done
mv "$new" "$TSV"
for r in $rules; do
	mv "$OUT/fasttext-$r.stamp.new" "$OUT/fasttext-$r.stamp"
done
echo "wrote $TSV" >&2
