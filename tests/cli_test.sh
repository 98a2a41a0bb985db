#!/bin/sh
# tests/cli_test.sh — the contract of `raqib check` (make cli-test; also run
# under ASan/UBSan by make asan).
#
#   sh tests/cli_test.sh path/to/raqib
#
# Golden files: tests/cli/NAME.in.jsonl is screened with --json (and
# --config tests/cli/NAME.conf when that exists); the output must equal
# tests/cli/NAME.out.jsonl byte for byte, and the exit status must be 1 when
# the expected output holds an error line, 0 otherwise. After a deliberate
# change of behaviour, regenerate with
#   RAQIB_UPDATE_GOLDEN=1 sh tests/cli_test.sh build/raqib
# and review the diff line by line before committing it.
#
# Then: error lines, exit statuses, line counts, help texts, human report,
# and constant memory on a 200,000-line stream.
set -u

RAQIB=${1:?usage: sh tests/cli_test.sh path/to/raqib}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/raqib-cli.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
# Freed jansson trees would sit in ASan's quarantine and look like growth in
# the memory test; a small quarantine keeps the test meaningful under ASan.
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=4:detect_leaks=1"
export ASAN_OPTIONS

pass=0
fail=0
skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
skipped() { skip=$((skip + 1)); echo "SKIP: $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	d=$1
	shift
	if "$@"; then ok; else bad "$d"; fi
}

# run FILE ARGS...: runs raqib check ARGS on FILE; sets $rc, output in
# $T/out, stderr in $T/err.
run() {
	f=$1
	shift
	"$RAQIB" check "$@" < "$f" > "$T/out" 2> "$T/err"
	rc=$?
}

lines() { wc -l < "$1" | tr -d ' '; }

# Every output line must parse as one JSON object.
all_json() {
	if [ -z "$HAVE_JQ" ]; then return 0; fi
	jq -e -c 'if type == "object" then . else error("not an object") end' \
		< "$1" > /dev/null 2>&1
}

HAVE_JQ=
if command -v jq > /dev/null 2>&1; then
	HAVE_JQ=1
else
	skipped "jq not installed: JSON validity of output lines not checked"
fi

# ---- golden files ---------------------------------------------------------
for in in "$HERE"/cli/*.in.jsonl; do
	name=$(basename "$in" .in.jsonl)
	exp="$HERE/cli/$name.out.jsonl"
	conf="$HERE/cli/$name.conf"
	if [ -f "$conf" ]; then
		run "$in" --json --config "$conf"
	else
		run "$in" --json
	fi
	if [ -n "${RAQIB_UPDATE_GOLDEN:-}" ]; then
		cp "$T/out" "$exp"
		echo "updated $exp"
	fi
	if cmp -s "$T/out" "$exp"; then
		ok
	else
		bad "golden $name: output differs from $exp"
		diff "$exp" "$T/out" | head -20
	fi
	want=0
	grep -q '"error":' "$exp" && want=1
	check "golden $name: exit status $rc, expected $want" [ "$rc" -eq "$want" ]
	check "golden $name: every output line is a JSON object" all_json "$T/out"
	[ -s "$T/err" ] && bad "golden $name: unexpected stderr: $(head -c 300 "$T/err")"
done

# ---- the policy cases the README promises ---------------------------------
run "$HERE/cli/policy.in.jsonl" --json
decision() { grep "\"id\":$1," "$T/out" | sed 's/.*"decision":"\([a-z]*\)".*/\1/'; }
check "seed page comment by عبدالحميد is published" [ "$(decision '"seed-1"')" = publish ]
check "phone number shortens" [ "$(decision '"phone"')" = shorten ]
check "phone number replaced by the marker" grep -q '"text":".*\[رقم محذوف\]' "$T/out"
check "honeypot rejects" [ "$(decision '"honeypot"')" = reject ]
check "link-only spam rejects" [ "$(decision '"link-only"')" = reject ]
check "numeric id echoed as a number" grep -q '^{"id":42,' "$T/out"

# ---- error lines ----------------------------------------------------------
# expect_error INPUTFILE LINE PATTERN: the output has exactly one line, an
# error for line LINE whose message matches PATTERN, and the exit status is 1.
expect_error() {
	run "$1" --json
	if [ "$rc" -eq 1 ] && [ "$(lines "$T/out")" -eq 1 ] &&
	   grep -q "\"line\":$2,\"error\":\"$3" "$T/out"; then
		ok
	else
		bad "error line for $(basename "$1"): rc=$rc out=$(head -c 300 "$T/out")"
	fi
}
printf '{"id":"a","text":\n' > "$T/e1"
expect_error "$T/e1" 1 'invalid JSON'
printf '{"id":"a","text":"abc\377def"}\n' > "$T/e2"
expect_error "$T/e2" 1 'invalid UTF-8 at byte offset 21'
printf '\377\n' > "$T/e2b"
expect_error "$T/e2b" 1 'invalid UTF-8 at byte offset 0'
printf '{"id":"a","name":"x"}\n' > "$T/e3"
expect_error "$T/e3" 1 'missing \\"text\\"'
printf '{"id":"a","text":["x"]}\n' > "$T/e4"
expect_error "$T/e4" 1 '\\"text\\" must be a string'
printf '\n\n{"text":{}}\n' > "$T/e5"
expect_error "$T/e5" 3 '\\"text\\" must be a string'

# A 70 KiB line is skipped (not read whole) and reported; the lines around
# it are screened normally.
awk 'BEGIN {
	s = "x"; while (length(s) < 71680) s = s s;
	print "{\"id\":\"before\",\"name\":\"سامي الورفلي\",\"text\":\"مقال جيد\"}";
	printf "{\"id\":\"huge\",\"text\":\"%s\"}\n", s;
	print "{\"id\":\"after\",\"name\":\"سامي الورفلي\",\"text\":\"مقال جيد\"}";
}' > "$T/long"
run "$T/long" --json
check "70 KiB line: exit status 1" [ "$rc" -eq 1 ]
check "70 KiB line: three output lines" [ "$(lines "$T/out")" -eq 3 ]
check "70 KiB line: error on line 2 with id null" \
	grep -q '^{"id":null,"line":2,"error":"line longer than 65536 bytes' "$T/out"
check "70 KiB line: the next line is screened" grep -q '^{"id":"after","decision"' "$T/out"

# A line of exactly 64 KiB is accepted (the limit is inclusive).
LC_ALL=C awk 'BEGIN {
	pre = "{\"id\":\"edge\",\"name\":\"سامي الورفلي\",\"text\":\""; post = "\"}";
	n = 65536 - length(pre) - length(post); s = "";
	for (i = 0; i < n; i++) s = s "x";
	printf "%s%s%s\n", pre, s, post;
}' > "$T/edge"
check "64 KiB line is exactly 65537 bytes with its newline" [ "$(wc -c < "$T/edge" | tr -d ' ')" -eq 65537 ]
run "$T/edge" --json
check "64 KiB line is read (over-long text error from the engine, not the reader)" \
	grep -q '^{"id":"edge","line":1,"error":"text is' "$T/out"

# Text over the configured maximum: the engine's message.
printf '[screening]\nmax_text_length = 10\n' > "$T/small.conf"
printf '{"id":"t","name":"سامي الورفلي","text":"أحد عشر حرفاً"}\n' > "$T/e6"
run "$T/e6" --json --config "$T/small.conf"
check "over-long text: exit 1 and an error naming the limit" \
	sh -c '[ "$1" -eq 1 ] && grep -q "\"id\":\"t\",\"line\":1,\"error\":\"text is 13 characters long; the limit is 10" "$2"' _ "$rc" "$T/out"

# ---- exit statuses --------------------------------------------------------
printf '{"id":1,"name":"سامي الورفلي","text":"مقال جيد عن ليبيا"}\n' > "$T/good"
run "$T/good" --json
check "all good lines: exit 0" [ "$rc" -eq 0 ]
check "all good lines: nothing on stderr" [ ! -s "$T/err" ]
: > "$T/empty"
run "$T/empty" --json
check "empty input: exit 0, no output" sh -c '[ "$1" -eq 0 ] && [ ! -s "$2" ]' _ "$rc" "$T/out"
run "$T/good" --bogus
check "unknown flag: exit 2" [ "$rc" -eq 2 ]
check "unknown flag: usage on stderr" grep -q 'usage: raqib check' "$T/err"
check "unknown flag: nothing on stdout" [ ! -s "$T/out" ]
run "$T/good" extra-argument
check "stray argument: exit 2" [ "$rc" -eq 2 ]
run "$T/good" --config
check "--config without FILE: exit 2" [ "$rc" -eq 2 ]
run "$T/good" --config "$T/does-not-exist.conf"
check "missing config file: exit 2 and a message" \
	sh -c '[ "$1" -eq 2 ] && grep -q "does-not-exist.conf" "$2"' _ "$rc" "$T/err"
printf '[screening]\nmax_text_lenght = 10\n' > "$T/typo.conf"
run "$T/good" --config "$T/typo.conf"
check "config with an unknown key: exit 2, file:line in the message" \
	sh -c '[ "$1" -eq 2 ] && grep -q "typo.conf:2" "$2"' _ "$rc" "$T/err"
run "$T/good" --config "$HERE/../raqib.conf.example"
check "raqib.conf.example loads" [ "$rc" -eq 0 ]
sed 's/^;\([a-z_]* = \)/\1/' "$HERE/../raqib.conf.example" > "$T/uncommented.conf"
run "$T/good" --config "$T/uncommented.conf"
check "raqib.conf.example with every default uncommented loads and changes nothing" \
	sh -c '[ "$1" -eq 0 ] && grep -q "\"decision\":\"publish\"" "$2"' _ "$rc" "$T/out"
"$RAQIB" > /dev/null 2> "$T/err"
check "no command: exit 2 with usage" sh -c '[ "$1" -eq 2 ] && grep -q usage "$2"' _ "$?" "$T/err"
"$RAQIB" frobnicate > "$T/out" 2> "$T/err"
check "unknown command: exit 2 with usage on stderr" \
	sh -c '[ "$1" -eq 2 ] && grep -q usage "$2" && [ ! -s "$3" ]' _ "$?" "$T/err" "$T/out"
"$RAQIB" --frobnicate > /dev/null 2> "$T/err"
check "unknown top-level flag: exit 2" [ "$?" -eq 2 ]

# ---- help and version -----------------------------------------------------
"$RAQIB" --help > "$T/help" 2>&1
check "raqib --help: exit 0" [ "$?" -eq 0 ]
for w in check --help --version; do
	check "raqib --help mentions $w" grep -q -- "$w" "$T/help"
done
"$RAQIB" check --help > "$T/help" 2>&1
check "raqib check --help: exit 0" [ "$?" -eq 0 ]
for w in --config --human --json --line-buffered --help '"decision"' '"reasons"' \
	'"spans"' '"error"' '"line"' 'exit status' 'Blank lines' '64 KiB'; do
	check "raqib check --help mentions $w" grep -q -- "$w" "$T/help"
done
"$RAQIB" help check > "$T/help2" 2>&1
check "raqib help check = raqib check --help" cmp -s "$T/help" "$T/help2"
"$RAQIB" --version > "$T/ver" 2>&1
check "raqib --version: exit 0, prints a version" \
	sh -c '[ "$1" -eq 0 ] && grep -q "^raqib [0-9]" "$2"' _ "$?" "$T/ver"

# ---- one output line per input line, in order ------------------------------
cat "$HERE/cli/policy.in.jsonl" "$HERE/cli/errors.in.jsonl" > "$T/mixed"
printf '\n' >> "$T/mixed"   # errors.in.jsonl ends without a newline
cat "$HERE/../examples/comments.jsonl" "$T/e2" "$T/e3" "$T/long" >> "$T/mixed"
nonblank=$(grep -c -v '^[[:space:]]*$' "$T/mixed")
run "$T/mixed" --json
check "mixed file: one output line per non-blank input line ($nonblank)" \
	[ "$(lines "$T/out")" -eq "$nonblank" ]
check "mixed file: exit 1" [ "$rc" -eq 1 ]
check "mixed file: every output line is a JSON object" all_json "$T/out"
# Order: line i of this file carries id i (or no usable id, then the error
# line says "line": i), with blank and bad lines mixed in; the outputs'
# id-or-line must list the non-blank input lines in order.
awk 'BEGIN { for (i = 1; i <= 300; i++) {
	if (i % 11 == 0) print "";
	else if (i % 7 == 0) printf "{\"id\":%d,\"text\":\n", i;
	else if (i % 5 == 0) printf "{\"id\":%d,\"name\":\"سامي الورفلي\"}\n", i;
	else printf "{\"id\":%d,\"name\":\"سامي الورفلي\",\"text\":\"تعليق %d\"}\n", i, i;
	} }' > "$T/order"
awk 'NF { print NR }' "$T/order" > "$T/order.want"
run "$T/order" --json
if [ -n "$HAVE_JQ" ]; then
	jq -r '.id // .line' < "$T/out" > "$T/order.got"
	check "results come in input order (ids and error line numbers)" \
		cmp -s "$T/order.want" "$T/order.got"
else
	skipped "jq not installed: output order not checked"
fi

# ---- the demo file --------------------------------------------------------
run "$HERE/../examples/comments.jsonl" --json
check "examples/comments.jsonl: 15 results, exit 0" \
	sh -c '[ "$1" -eq 0 ] && [ "$(wc -l < "$2")" -eq 15 ]' _ "$rc" "$T/out"

# ---- human report ---------------------------------------------------------
run "$HERE/cli/policy.in.jsonl" --human
check "--human: exit 0" [ "$rc" -eq 0 ]
check "--human: Arabic and English decision" grep -q 'اختصار / shorten' "$T/out"
check "--human: reason with rule, score and field" \
	grep -q 'phone (رقم هاتف)  score 1.00  field text' "$T/out"
check "--human: span bracketed when not a tty" grep -q '⟦0021891234567⟧' "$T/out"
check "--human: shortened text" grep -q 'shortened:.*\[رقم محذوف\]' "$T/out"
check "--human: no ANSI escapes when not a tty" sh -c '! grep -q "$(printf "\033")" "$1"' _ "$T/out"
check "--human: summary line" grep -q '^5 comments: 2 publish, 1 shorten, 0 hold, 2 reject, 0 errors' "$T/out"
printf '{"id":"esc","name":"سامي الورفلي","text":"\\u001b[2J مسح الشاشة"}\n{bad\n' > "$T/esc"
run "$T/esc" --human
check "--human: control characters from a comment never reach the terminal" \
	sh -c '! grep -q "$(printf "\033")" "$1" && grep -q "�\[2J" "$1"' _ "$T/out"
check "--human: error lines shown, exit 1" \
	sh -c '[ "$1" -eq 1 ] && grep -q "error:      invalid JSON" "$2"' _ "$rc" "$T/out"
run "$T/good"
check "default output to a pipe is JSON" grep -q '^{"id":1,"decision":"publish"' "$T/out"
run "$T/good" --human --json
check "the last of --human/--json wins" grep -q '^{"id":1,' "$T/out"
if command -v script > /dev/null 2>&1; then
	# A pseudo-terminal: human report by default, spans in bold red.
	cp "$HERE/cli/policy.in.jsonl" "$T/tty.in"
	# script(1) needs a readable stdin (CI may have none): give it /dev/null.
	TO=
	command -v timeout > /dev/null 2>&1 && TO="timeout 60"
	$TO script -q -e -c "\"$RAQIB\" check < \"$T/tty.in\"" /dev/null \
		< /dev/null > "$T/tty.out" 2>&1
	check "on a terminal: human report with ANSI bold red spans by default" \
		grep -q "$(printf '\033\\[1;31m')0021891234567" "$T/tty.out"
else
	skipped "script(1) not installed: tty defaults not checked"
fi

# ---- line-buffered output reaches a reader before end of input ------------
if command -v timeout > /dev/null 2>&1 && command -v mkfifo > /dev/null 2>&1; then
	mkfifo "$T/fifo"
	( printf '{"id":"lb","name":"سامي الورفلي","text":"مقال"}\n'; sleep 3 ) |
		timeout 10 "$RAQIB" check --json --line-buffered > "$T/fifo" &
	got=$(timeout 2 head -n 1 "$T/fifo")
	wait
	check "--line-buffered: the result arrives while input is still open" \
		[ "${got#'{"id":"lb"'}" != "$got" ]
else
	skipped "timeout/mkfifo missing: --line-buffered not checked"
fi

# ---- constant memory ------------------------------------------------------
awk -v n=2000 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"id\":%d,\"name\":\"سامي الورفلي\",\"text\":\"تعليق رقم %d عن ليبيا وحفتر، للتواصل 0021891234567\"}\n", i, i }' > "$T/small"
awk -v n=200000 'BEGIN { s = "x"; while (length(s) < 71680) s = s s;
	for (i = 0; i < n; i++) {
		if (i % 20000 == 7) printf "{\"id\":%d,\"text\":\"%s\"}\n", i, s;
		else printf "{\"id\":%d,\"name\":\"سامي الورفلي\",\"text\":\"تعليق رقم %d عن ليبيا وحفتر، للتواصل 0021891234567\"}\n", i, i }
	}' > "$T/big"
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true > /dev/null 2>&1; then
	/usr/bin/time -o "$T/rss.small" -f %M "$RAQIB" check --json < "$T/small" > /dev/null 2>&1
	/usr/bin/time -o "$T/rss.big" -f %M "$RAQIB" check --json < "$T/big" > "$T/big.out" 2> /dev/null
	small=$(tail -n 1 "$T/rss.small")
	big=$(tail -n 1 "$T/rss.big")
	echo "max RSS: 2,000 lines ${small} KiB, 200,000 lines ${big} KiB"
	check "200k-line stream: every line answered" [ "$(lines "$T/big.out")" -eq 200000 ]
	check "200k-line stream in constant memory (RSS ${big} KiB vs ${small} KiB, allowed +8 MiB)" \
		[ "$big" -le $((small + 8192)) ]
else
	skipped "GNU /usr/bin/time not available: constant memory not measured"
fi

echo "cli_test: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
