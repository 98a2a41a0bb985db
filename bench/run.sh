#!/bin/sh
# bench/run.sh — `make bench`: throughput and memory of raqib on one core.
#
#   sh bench/run.sh [build/raqib]
#
# Builds the corpora (bench/make_corpus.py) and bench_screen if missing or
# stale, then times, pinned to CPU $BENCH_CPU (default 0) when taskset
# works, each of:
#   raqib check --json < corpus > /dev/null     end to end, per corpus
#   jq -c . < corpus > /dev/null                the reference
#   bench_screen corpus                         raqib_screen() in process
# for the corpus without and with the article, and bench_screen without and
# with the four trained models on the ≈300-character news comments
# (comments_300.jsonl). Every command runs
# BENCH_REPS times (default 3) and the best run is reported. The table is
# also written to build/bench/results.txt. See bench/README.md.
#
# Environment: BENCH_REPS, BENCH_N (corpus lines, default 100000),
# BENCH_N300 (≈300-character corpus lines, default 50000), BENCH_CPU,
# RAQIB_DATA (default /work/shared/data), CC (default cc).
set -eu

RAQIB=${1:-build/raqib}
B=$(dirname "$RAQIB")
OUT=$B/bench
REPS=${BENCH_REPS:-3}
N=${BENCH_N:-100000}
N300=${BENCH_N300:-50000}
CPU=${BENCH_CPU:-0}
CC=${CC:-cc}
PLAIN=$OUT/comments.jsonl
ART=$OUT/comments_article.jsonl
L300=$OUT/comments_300.jsonl
BS=$OUT/bench_screen
TARGET_CPS=150000
# issue 4: all four models on, ≈300-character comments
TARGET_MODELS_CPS=50000
TARGET_MODELS_P99_US=200
TARGET_MODELS_RSS_MB=64

mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/raqib-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

say() { printf '%s\n' "$*" >&2; }

# --- build -----------------------------------------------------------------
if [ ! -x "$RAQIB" ] || [ ! -f "$B/libraqib.a" ]; then
	say "bench: building $RAQIB and $B/libraqib.a"
	make --no-print-directory B="$B" "$RAQIB" "$B/libraqib.a" >&2
fi

# newer A B: file A was modified after file B (POSIX test has no -nt).
newer() { [ -n "$(find "$1" -newer "$2" 2>/dev/null)" ]; }

# bench_screen links like everything else: the Makefile knows the libraries.
say "bench: building $BS"
make --no-print-directory B="$B" "$BS" >&2

if [ ! -s "$PLAIN" ] || [ ! -s "$ART" ] || [ ! -s "$L300" ] || [ ! -s "$OUT/corpus.txt" ] ||
   newer bench/make_corpus.py "$PLAIN" || newer bench/make_corpus.py "$L300"; then
	say "bench: building the corpora in $OUT (takes ~10 s)"
	python3 bench/make_corpus.py "$OUT" --n "$N" --n300 "$N300" > "$OUT/corpus.txt"
fi

# --- helpers ---------------------------------------------------------------
PIN=
if command -v taskset >/dev/null 2>&1 && taskset -c "$CPU" true 2>/dev/null; then
	PIN="taskset -c $CPU"
fi
TIME=
if [ -x /usr/bin/time ] && /usr/bin/time -f '%M' -o "$TMP/t" true 2>/dev/null; then
	TIME=/usr/bin/time
fi
case $(date +%N) in
*[!0-9]*|'') NS_DATE= ;;
*) NS_DATE=1 ;;
esac

now_ns() {
	if [ -n "$NS_DATE" ]; then date +%s%N; else echo 0; fi
}

# timed NAME INPUT CMD... : runs CMD < INPUT > /dev/null REPS times and
# prints "best_wall_s best_cpu_s peak_rss_kb" (cpu and rss "-" without
# /usr/bin/time). CPU = user + sys: what the run cost when other processes
# share the core.
timed() {
	name=$1 in=$2
	shift 2
	best='' cpu=- rss=-
	i=0
	while [ "$i" -lt "$REPS" ]; do
		i=$((i + 1))
		rc=0
		t0=$(now_ns)
		if [ -n "$TIME" ]; then
			$PIN "$TIME" -f '%e %U %S %M' -o "$TMP/t" "$@" < "$in" > /dev/null 2> "$TMP/err" || rc=$?
		else
			$PIN "$@" < "$in" > /dev/null 2> "$TMP/err" || rc=$?
		fi
		t1=$(now_ns)
		# `raqib check` exits 1 when some lines got an error object instead
		# of a verdict: counted separately (check_errors). 2 and up is a
		# failure.
		if [ "$rc" -gt 1 ]; then
			say "bench: $name failed (exit $rc):"
			head -5 "$TMP/err" >&2
			echo "fail - -"
			return 0
		fi
		if [ -n "$NS_DATE" ]; then
			s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
		elif [ -n "$TIME" ]; then
			s=$(tail -n 1 "$TMP/t" | awk '{ print $1 }')
		else
			s=0
		fi
		# GNU time puts "Command exited with non-zero status" first
		c=- r=-
		if [ -n "$TIME" ]; then
			c=$(tail -n 1 "$TMP/t" | awk '{ print $2 + $3 }')
			r=$(tail -n 1 "$TMP/t" | awk '{ print $4 }')
		fi
		if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$s rss=$r
		fi
		if [ "$cpu" = - ] || awk -v a="$c" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then
			cpu=$c
		fi
	done
	echo "$best $cpu $rss"
}

# Reads one key from a bench_screen RESULT line.
result() {
	sed -n 's/^RESULT //p' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
lines_plain=$(wc -l < "$PLAIN" | tr -d ' ')
lines_art=$(wc -l < "$ART" | tr -d ' ')
bytes_plain=$(wc -c < "$PLAIN" | tr -d ' ')
bytes_art=$(wc -c < "$ART" | tr -d ' ')
lines_300=$(wc -l < "$L300" | tr -d ' ')
bytes_300=$(wc -c < "$L300" | tr -d ' ')

# --- measure ---------------------------------------------------------------
say "bench: raqib check --json (x$REPS per corpus)"
# timed prints two words: split them into the positional parameters.
# shellcheck disable=SC2046
set -- $(timed "raqib check" "$PLAIN" "$RAQIB" check --json); chk_p_s=$1 chk_p_cpu=$2 chk_p_rss=$3
# shellcheck disable=SC2046
set -- $(timed "raqib check" "$ART" "$RAQIB" check --json); chk_a_s=$1 chk_a_cpu=$2 chk_a_rss=$3
# check_errors INPUT: how many lines `raqib check` answered with an error.
check_errors() {
	"$RAQIB" check --json < "$1" 2>/dev/null | grep -c '"error":' || true
}
err_p=$(check_errors "$PLAIN")
err_a=$(check_errors "$ART")
if command -v jq >/dev/null 2>&1; then
	say "bench: jq -c . (x$REPS per corpus)"
	# shellcheck disable=SC2046
	set -- $(timed jq "$PLAIN" jq -c .); jq_p_s=$1 jq_p_cpu=$2 jq_p_rss=$3
	# shellcheck disable=SC2046
	set -- $(timed jq "$ART" jq -c .); jq_a_s=$1 jq_a_cpu=$2 jq_a_rss=$3
else
	say "bench: jq not installed (make deps); no reference"
	jq_p_s=fail jq_p_cpu=- jq_p_rss=- jq_a_s=fail jq_a_cpu=- jq_a_rss=-
fi
say "bench: bench_screen (in process, $REPS passes per corpus)"
bs_ok=1
$PIN "$BS" -r "$REPS" "$PLAIN" > "$OUT/bench_screen_plain.txt" || bs_ok=0
$PIN "$BS" -r "$REPS" "$ART" > "$OUT/bench_screen_article.txt" || bs_ok=0
# The same with the four trained models switched on (off by default).
printf '[rule.%s]\nmodel = %s/models/%s.model\n' insult "$PWD" insult hate "$PWD" hate \
	dialect "$PWD" dialect foreign "$PWD" foreign > "$OUT/models.conf"
$PIN "$BS" -r "$REPS" -c "$OUT/models.conf" "$PLAIN" > "$OUT/bench_screen_models.txt" || bs_ok=0
# Realistic length (issue 4): ≈300-character news comments, rules only and
# with the four models.
$PIN "$BS" -r "$REPS" "$L300" > "$OUT/bench_screen_300.txt" || bs_ok=0
$PIN "$BS" -r "$REPS" -c "$OUT/models.conf" "$L300" > "$OUT/bench_screen_300_models.txt" || bs_ok=0

# fastText, one model, on the same ≈300-character texts (issue 4: "screen all
# rules together faster than fastText runs one model"). Prediction speed does
# not depend on how long it trained, so one epoch on the dialect train split
# (tools/make_splits.py) with the tuned models' settings (dim 50, char 2-5,
# word bigrams; about 400 MB) is enough. Its load time, measured on one
# line, is taken off.
ft_s=fail ft_cpu=- ft_rss=-
FT_DATA=${RAQIB_DATA:-/work/shared/data}
if command -v fasttext >/dev/null 2>&1 && [ -d "$FT_DATA" ]; then
	say "bench: fastText, one model (trains one epoch, ~10 s)"
	if python3 tools/make_splits.py --data "$FT_DATA" --out "$TMP/data" 2>/dev/null &&
	   awk -F'\t' 'NR > 1 { print "__label__" $2 " " $1 }' "$TMP/data/dialect-train.tsv" > "$TMP/ft-train.txt" &&
	   fasttext supervised -input "$TMP/ft-train.txt" -output "$TMP/ft" -dim 50 -wordNgrams 2 \
		-minn 2 -maxn 5 -epoch 1 -thread 2 -verbose 0 > /dev/null; then
		python3 -c 'import json, sys
for l in sys.stdin:
    print(json.loads(l)["text"].replace("\n", " "))' < "$L300" > "$TMP/ft-300.txt"
		head -n 1 "$TMP/ft-300.txt" > "$TMP/ft-1.txt"
		# shellcheck disable=SC2046
		set -- $(timed "fasttext load" "$TMP/ft-1.txt" fasttext predict "$TMP/ft.bin" -); ft_load=$1
		# shellcheck disable=SC2046
		set -- $(timed "fasttext predict" "$TMP/ft-300.txt" fasttext predict "$TMP/ft.bin" -); ft_all=$1 ft_rss=$3
		ft_s=$(awk -v a="$ft_all" -v b="$ft_load" 'BEGIN { d = a - b; print (d > 0) ? d : "fail" }')
	else
		say "bench: fastText training failed; no fastText row"
	fi
	rm -f "$TMP/ft.bin" "$TMP/ft-train.txt"
else
	say "bench: fasttext or $FT_DATA missing; no fastText row"
fi

# --- report ----------------------------------------------------------------
# row LABEL SECONDS CPU_SECONDS LINES BYTES RSS_KB
row() {
	awk -v l="$1" -v s="$2" -v c="$3" -v n="$4" -v b="$5" -v r="$6" 'BEGIN {
		if (s == "fail" || s + 0 <= 0) {
			printf "%-38s %10s %10s %8s %8s %8s %10s\n", l, "failed", "-", "-", "-", "-", "-"
			exit
		}
		rs = (r == "-" || r == "") ? "-" : sprintf("%.1f MB", r / 1024)
		cs = (c == "-" || c + 0 <= 0) ? "-" : sprintf("%.0f", n / c)
		printf "%-38s %10.0f %10s %8.1f %8s %8s %10s\n", l, n / s, cs, b / s / 1e6, "-", "-", rs
	}'
}
# bsrow LABEL FILE BYTES
bsrow() {
	if [ "$bs_ok" = 0 ] || ! grep -q '^RESULT ' "$2"; then
		printf '%-38s %10s\n' "$1" failed
		return
	fi
	awk -v l="$1" -v c="$(result "$2" cps)" -v n="$(result "$2" n)" -v b="$3" \
	    -v cc="$(result "$2" cpu_cps)" \
	    -v p50="$(result "$2" p50_us)" -v p99="$(result "$2" p99_us)" \
	    -v r="$(result "$2" rss_kb)" 'BEGIN {
		printf "%-38s %10.0f %10.0f %8.1f %8.2f %8.2f %7.1f MB\n", l, c, cc, b / n * c / 1e6, p50, p99, r / 1024
	}'
}
# verdict NAME OK
verdict() {
	if [ "$2" = 1 ]; then echo "  PASS  $1"; else echo "  FAIL  $1"; fi
}
faster() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "fail" && b != "fail" && a + 0 > 0 && a + 0 < b + 0) ? 1 : 0 }'; }
atleast() { awk -v s="$1" -v n="$2" -v t="$3" 'BEGIN { print (s != "fail" && s + 0 > 0 && n / s >= t) ? 1 : 0 }'; }

{
	echo "raqib bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs," \
		"pinned: ${PIN:-no (taskset unavailable)}, best of $REPS"
	echo "load average before the run: $LOAD (above ~0.5, compare the per-CPU-second column)"
	sed -n '1p;/^text:/p' "$OUT/corpus.txt"
	printf '%s: %s lines, %.1f MB, %.0f bytes/line\n' "$PLAIN" "$lines_plain" \
		"$(awk -v b="$bytes_plain" 'BEGIN { print b / 1e6 }')" \
		"$(awk -v b="$bytes_plain" -v n="$lines_plain" 'BEGIN { print b / n }')"
	printf '%s: %s lines, %.1f MB, %.0f bytes/line\n' "$ART" "$lines_art" \
		"$(awk -v b="$bytes_art" 'BEGIN { print b / 1e6 }')" \
		"$(awk -v b="$bytes_art" -v n="$lines_art" 'BEGIN { print b / n }')"
	grep '^text 300:' "$OUT/corpus.txt" | sed "s|^text 300:|$L300: $lines_300 lines,|"
	echo
	printf '%-38s %10s %10s %8s %8s %8s %10s\n' "" "lines/s" "per CPU s" "MB/s" "p50 us" "p99 us" "peak RSS"
	row "raqib check --json, no article" "$chk_p_s" "$chk_p_cpu" "$lines_plain" "$bytes_plain" "$chk_p_rss"
	row "raqib check --json, with article" "$chk_a_s" "$chk_a_cpu" "$lines_art" "$bytes_art" "$chk_a_rss"
	row "jq -c . (reference), no article" "$jq_p_s" "$jq_p_cpu" "$lines_plain" "$bytes_plain" "$jq_p_rss"
	row "jq -c . (reference), with article" "$jq_a_s" "$jq_a_cpu" "$lines_art" "$bytes_art" "$jq_a_rss"
	bsrow "raqib_screen in process, no article" "$OUT/bench_screen_plain.txt" "$bytes_plain"
	bsrow "raqib_screen in process, with article" "$OUT/bench_screen_article.txt" "$bytes_art"
	bsrow "raqib_screen, 4 models on, no article" "$OUT/bench_screen_models.txt" "$bytes_plain"
	bsrow "raqib_screen, ~300 chars, no model" "$OUT/bench_screen_300.txt" "$bytes_300"
	bsrow "raqib_screen, 4 models on, ~300 chars" "$OUT/bench_screen_300_models.txt" "$bytes_300"
	row "fastText predict, ONE model, ~300 chars" "$ft_s" - "$lines_300" "$bytes_300" "$ft_rss"
	echo "raqib check error lines: $err_p of $lines_plain without article, $err_a of $lines_art with article"
	[ -n "$TIME" ] || echo "(no /usr/bin/time: install the Debian package 'time' for the RSS of raqib check and jq)"
	echo
	echo "targets:"
	# The issue's target: normalization + all rules (in process) on one core.
	verdict "normalization + all rules, no article: >= $TARGET_CPS comments/s on one core" \
		"$(awk -v c="$(result "$OUT/bench_screen_plain.txt" cps)" -v t="$TARGET_CPS" 'BEGIN { print (c + 0 >= t) ? 1 : 0 }')"
	verdict "raqib check end to end (JSON in and out too), no article: >= $TARGET_CPS comments/s" \
		"$(atleast "$chk_p_s" "$lines_plain" "$TARGET_CPS")"
	verdict "raqib check faster than jq -c ., no article" "$(faster "$chk_p_s" "$jq_p_s")"
	verdict "raqib check faster than jq -c ., with article" "$(faster "$chk_a_s" "$jq_a_s")"
	f300=$OUT/bench_screen_300_models.txt
	verdict "4 models on, ≈300 chars: >= $TARGET_MODELS_CPS comments/s, p99 < $TARGET_MODELS_P99_US us, RSS < $TARGET_MODELS_RSS_MB MB" \
		"$(awk -v c="$(result "$f300" cps)" -v p="$(result "$f300" p99_us)" -v r="$(result "$f300" rss_kb)" \
		   -v tc="$TARGET_MODELS_CPS" -v tp="$TARGET_MODELS_P99_US" -v tr="$TARGET_MODELS_RSS_MB" \
		   'BEGIN { print (c + 0 >= tc && p + 0 > 0 && p + 0 < tp && r + 0 > 0 && r / 1024 < tr) ? 1 : 0 }')"
	msize=$(cat models/insult.model models/hate.model models/dialect.model models/foreign.model \
		models/pseudonym.model | wc -c)
	verdict "models: all five files < 25 MB ($(awk -v b="$msize" 'BEGIN { printf "%.1f", b / 1e6 }') MB), engine with four models starts in < 100 ms ($(result "$f300" engine_ms) ms)" \
		"$(awk -v b="$msize" -v t="$(result "$f300" engine_ms)" 'BEGIN { print (b < 25e6 && t != "" && t + 0 < 100) ? 1 : 0 }')"
	verdict "all rules + 4 models (in process) faster than fastText predicting with one model, ≈300 chars" \
		"$(awk -v c="$(result "$f300" cps)" -v s="$ft_s" -v n="$lines_300" \
		   'BEGIN { print (s != "fail" && s + 0 > 0 && c + 0 > n / s) ? 1 : 0 }')"
	echo
	echo "in-process detail (best pass):"
	for f in "$OUT/bench_screen_plain.txt" "$OUT/bench_screen_article.txt" \
		 "$OUT/bench_screen_300.txt" "$OUT/bench_screen_300_models.txt"; do
		sed -n '1p;/^decisions:/p;/^findings:/p' "$f" 2>/dev/null | sed 's/^/  /'
	done
} | tee "$OUT/results.txt"
