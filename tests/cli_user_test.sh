#!/bin/sh
# tests/cli_user_test.sh — `raqib user add|list|disable` (docs/admin.md,
# "Accounts"); run by make cli-test, so also under ASan by make asan.
#
#   sh tests/cli_user_test.sh path/to/raqib
#
# The terminal path runs raqib on a pseudo-terminal (python3's pty module):
# it types the password only once the prompt shows and echo is off, and
# checks the password never appears in what the terminal got back. Then the
# stdin path, list, disable, duplicates, and that argv never carries a
# password.
set -u

RAQIB=${1:?usage: sh tests/cli_user_test.sh path/to/raqib}
T=$(mktemp -d "${TMPDIR:-/tmp}/raqib-user.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
DB="$T/desk.db"

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect DESCRIPTION WANT_STATUS COMMAND...: stdout+stderr in $T/out.
expect() {
	d=$1
	want=$2
	shift 2
	"$@" > "$T/out" 2>&1
	got=$?
	if [ "$got" = "$want" ]; then ok; else bad "$d: exit $got, want $want: $(head -c 300 "$T/out")"; fi
}

has() { grep -q -- "$1" "$T/out"; }

# ---- the terminal ----

# pty_run OUTFILE PASSWORD1 PASSWORD2 ARGS...: raqib ARGS on a fresh
# pseudo-terminal (its controlling terminal, so /dev/tty is it); types
# PASSWORD1 at "password: " and PASSWORD2 at "again: ", each once the
# prompt shows with echo off. Writes all the terminal showed to OUTFILE;
# exit status = raqib's, 4 when it had to be killed after 20 s.
cat > "$T/tty_drive.py" <<'EOF'
import os, pty, select, sys, termios, time

out_path, answers, argv = sys.argv[1], sys.argv[2:4], sys.argv[4:]
prompts = [b"password: ", b"again: "]
pid, fd = pty.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
out, i, mark, deadline = b"", 0, 0, time.time() + 20
while time.time() < deadline:
    # the next prompt shows: type, but only with echo off, as a person
    # would (and raqib turns echo off before it prompts)
    if i < len(prompts) and prompts[i] in out[mark:] and \
            not termios.tcgetattr(fd)[3] & termios.ECHO:
        os.write(fd, answers[i].encode() + b"\n")
        i, mark = i + 1, len(out)
        continue
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:       # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            break
        out += chunk
else:
    os.kill(pid, 9)
_, st = os.waitpid(pid, 0)
open(out_path, "wb").write(out)
sys.exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 4)
EOF

pty_run() {
	python3 "$T/tty_drive.py" "$@"
}

PW='Kalimat-Sirr_9173'
if command -v python3 > /dev/null 2>&1; then
	pty_run "$T/tty1" "$PW" "$PW" "$RAQIB" user add samira --role editor --db "$DB"
	rc=$?
	if [ "$rc" = 0 ]; then ok; else bad "tty add: exit $rc: $(head -c 300 "$T/tty1")"; fi
	if grep -q 'password: ' "$T/tty1" && grep -q 'again: ' "$T/tty1"; then ok; else bad "tty add: no prompts"; fi
	if grep -q -- "$PW" "$T/tty1"; then bad "tty add: the password was echoed"; else ok; fi
	if grep -q 'added samira (editor)' "$T/tty1"; then ok; else bad "tty add: no confirmation"; fi

	# two different entries: refused, nothing added, the reason said once
	pty_run "$T/tty2" "$PW" "${PW}x" "$RAQIB" user add omar --role admin --db "$DB"
	rc=$?
	if [ "$rc" = 2 ]; then ok; else bad "tty mismatch: exit $rc, want 2"; fi
	if grep -q 'passwords differ' "$T/tty2"; then ok; else bad "tty mismatch: no message"; fi
	if grep -q 'no password read' "$T/tty2"; then bad "tty mismatch: misleading 'no password read'"; else ok; fi
	if grep -q -- "$PW" "$T/tty2"; then bad "tty mismatch: the password was echoed"; else ok; fi
	expect "list after mismatch" 0 "$RAQIB" user list --db "$DB"
	if has omar; then bad "tty mismatch: omar was added"; else ok; fi

	# too short on the terminal: refused after both prompts
	pty_run "$T/tty3" "short" "short" "$RAQIB" user add laila --role editor --db "$DB"
	rc=$?
	if [ "$rc" = 2 ]; then ok; else bad "tty short password: exit $rc, want 2"; fi
	if grep -q 'at least 8' "$T/tty3"; then ok; else bad "tty short password: no message"; fi
else
	echo "SKIP: no python3 for the terminal tests"
fi

# ---- stdin ----

expect "stdin add" 0 sh -c "printf '%s\n' 'another-long-secret' | \"\$0\" user add hadi --role admin --db \"\$1\"" "$RAQIB" "$DB"
has 'added hadi (admin)' && ok || bad "stdin add: no confirmation"
# no trailing newline is fine too
expect "stdin add, no newline" 0 sh -c "printf '%s' 'yet-another-secret' | \"\$0\" user add nour --role editor --db \"\$1\"" "$RAQIB" "$DB"
expect "stdin empty" 2 sh -c "\"\$0\" user add x1 --role editor --db \"\$1\" < /dev/null" "$RAQIB" "$DB"
expect "stdin short" 2 sh -c "printf 'seven77\n' | \"\$0\" user add x2 --role editor --db \"\$1\"" "$RAQIB" "$DB"
has 'at least 8' && ok || bad "stdin short: no message"
expect "duplicate" 1 sh -c "printf 'whatever-long\n' | \"\$0\" user add hadi --role editor --db \"\$1\"" "$RAQIB" "$DB"
has "'hadi' exists" && ok || bad "duplicate: no message"

# the hash, never the password, is stored
if command -v python3 > /dev/null 2>&1; then
	python3 - "$DB" <<'EOF' > "$T/hashes" 2>&1
import sqlite3, sys
for name, h in sqlite3.connect(sys.argv[1]).execute("SELECT name, pwhash FROM users ORDER BY name"):
    print(name, h)
EOF
	if grep -q -- "$PW\|another-long-secret" "$T/hashes"; then bad "a password is stored in the clear"; else ok; fi
	n=$(grep -c ' \$argon2id\$' "$T/hashes")
	if [ "$n" = 3 ]; then ok; else bad "want 3 argon2id hashes, got $n: $(cat "$T/hashes")"; fi
fi

# ---- argv never carries a password ----

expect "password as an argument" 2 sh -c "printf 'x-long-password\n' | \"\$0\" user add zaid hunter2hunter2 --role editor --db \"\$1\"" "$RAQIB" "$DB"
has 'too many arguments' && ok || bad "extra argument: no message"
expect "--password is no option" 2 sh -c "\"\$0\" user add zaid --role editor --password hunter2hunter2 --db \"\$1\" < /dev/null" "$RAQIB" "$DB"
expect "list" 0 "$RAQIB" user list --db "$DB"
if has zaid; then bad "zaid was added from argv"; else ok; fi

# ---- usage ----

expect "no role" 2 "$RAQIB" user add rami --db "$DB"
expect "bad role" 2 "$RAQIB" user add rami --role chief --db "$DB"
expect "role on list" 2 "$RAQIB" user list --role editor --db "$DB"
expect "no name" 2 "$RAQIB" user add --role editor --db "$DB"
expect "long name" 2 "$RAQIB" user add "$(printf '%065d' 0)" --role editor --db "$DB"
expect "unknown verb" 2 "$RAQIB" user remove hadi --db "$DB"
expect "--db without value" 2 "$RAQIB" user list --db
expect "help" 0 "$RAQIB" user --help
has 'stdin' && ok || bad "help text"

# ---- list and disable ----

expect "list all" 0 "$RAQIB" user list --db "$DB"
lines=$(grep -c . "$T/out")
if [ "$lines" = 3 ]; then ok; else bad "list: $lines lines, want 3"; fi
if grep -q "$(printf 'hadi\tadmin\tactive')" "$T/out" &&
   grep -q "$(printf 'nour\teditor\tactive')" "$T/out"; then ok; else bad "list format: $(cat "$T/out")"; fi
if [ -z "$(command -v python3)" ] || grep -q "$(printf 'samira\teditor\tactive')" "$T/out"; then ok; else bad "list: samira"; fi
expect "disable" 0 "$RAQIB" user disable nour --db "$DB"
has 'disabled nour' && ok || bad "disable: no confirmation"
expect "list after disable" 0 "$RAQIB" user list --db "$DB"
grep -q "$(printf 'nour\teditor\tdisabled')" "$T/out" && ok || bad "list: nour not disabled"
expect "disable unknown" 1 "$RAQIB" user disable nobody --db "$DB"
has "no user 'nobody'" && ok || bad "disable unknown: no message"
expect "disable without name" 2 "$RAQIB" user disable --db "$DB"

# --config supplies the db
printf '[server]\ndb = desk.db\n' > "$T/raqib.conf"
expect "list via --config" 0 "$RAQIB" user list --config "$T/raqib.conf"
has hadi && ok || bad "list via --config: $(cat "$T/out")"
printf '[server]\ndb =\n' > "$T/bad.conf"
expect "bad --config" 2 "$RAQIB" user list --config "$T/bad.conf"
has 'bad.conf:2' && ok || bad "bad --config: no file:line"

echo "cli_user_test: $pass passed, $fail failed"
[ "$fail" = 0 ]
