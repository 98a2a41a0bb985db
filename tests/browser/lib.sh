# tests/browser/lib.sh — sourced (POSIX sh) by tests/browser/run.sh and
# run_admin.sh: the browser tools, a `raqib serve` on an ephemeral port with
# a temporary database, the seed article, and the end of the run.
#
# The caller sets NAME (prefix of its messages), HERE (this folder) and
# RAQIB (the binary, from its first argument) before sourcing.

ROOT=$(cd "$HERE/../.." && pwd)
case $RAQIB in /*) ;; *) RAQIB=$(pwd)/$RAQIB ;; esac
NODE_DIR=${RAQIB_NODE_DIR:-$ROOT/build/node}
SHOTS=${RAQIB_SHOTS:-$ROOT/build/screenshots}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PLAYWRIGHT=$NODE_DIR/node_modules/playwright-core/index.mjs
SLUG=haftar-libya

die() { echo "$NAME: $*" >&2; exit 1; }

# apt_install WHY-IT-FAILED PACKAGE...: Debian packages, as root or by sudo.
apt_install() {
	why=$1
	shift
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" ||
		die "$why"
}

# browser_tools install|check: Debian's chromium, an Arabic font and node,
# installed when missing (install) or a stop when missing (check); then
# playwright-core, pinned by the lock file, reinstalled only when it changes.
browser_tools() {
	if [ "$1" = install ]; then
		missing=
		[ -x "$CHROMIUM" ] || missing="$missing chromium"
		dpkg-query -W -f='${Status}' fonts-noto-core 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing fonts-noto-core"
		if [ -n "$missing" ]; then
			echo "$NAME: installing$missing"
			# shellcheck disable=SC2086 # a list of names
			apt_install "cannot install$missing" $missing
		fi
		if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
			echo "$NAME: installing nodejs npm"
			apt_install "node/npm missing and cannot be installed" nodejs npm
		fi
	else
		[ -x "$CHROMIUM" ] ||
			die "$CHROMIUM is missing (make deps, or sh tests/browser/run.sh installs it)"
		command -v node >/dev/null 2>&1 || die "node is missing (apt-get install nodejs npm)"
	fi
	if ! cmp -s "$HERE/package-lock.json" "$NODE_DIR/package-lock.json" ||
		[ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
		mkdir -p "$NODE_DIR" || exit 1
		cp "$HERE/package.json" "$HERE/package-lock.json" "$NODE_DIR/" || exit 1
		(cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error) ||
			die "npm ci failed in $NODE_DIR"
	fi
}

# scratch PREFIX: T, a temporary folder removed at exit together with the
# servers whose pids are in RPID (raqib) and WPID (another one, optional).
scratch() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	RPID=
	WPID=
	trap cleanup EXIT
	trap 'exit 1' INT TERM
}
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}

# wait_line FILE REGEX: the first match of REGEX in FILE within 10 s.
wait_line() {
	i=0
	while [ $i -lt 100 ]; do
		l=$(grep -m1 -E "$2" "$1" 2>/dev/null) && { echo "$l"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# serve: `raqib serve` with $T/raqib.conf and $T/b.db on 127.0.0.1:0 and a
# random admin token (ADMIN); BASE is its origin. Then the seed article
# (tests/http/article.json) under SLUG through the admin API.
serve() {
	ADMIN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	RAQIB_ADMIN_TOKEN=$ADMIN "$RAQIB" serve --config "$T/raqib.conf" --listen 127.0.0.1:0 \
		--db "$T/b.db" >"$T/raqib.out" 2>"$T/raqib.err" &
	RPID=$!
	l=$(wait_line "$T/raqib.out" '^raqib: listening on http://') ||
		{ cat "$T/raqib.err" >&2; die "raqib serve printed no listening line"; }
	BASE=$(echo "$l" | sed -E 's|^raqib: listening on (http://[^/]+)/$|\1|')

	code=$(curl -s -o "$T/put.json" -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN" \
		-H 'Content-Type: application/json' --data-binary @"$ROOT/tests/http/article.json" \
		"$BASE/api/v1/articles/$SLUG")
	[ "$code" = 201 ] || { cat "$T/put.json" >&2; die "PUT article answered $code"; }
}

# finish RC: RC is the browser script's exit status. Stops raqib with
# SIGTERM, which must exit 0, and exits with the verdict of both.
finish() {
	rc=$1
	if [ "$rc" -ne 0 ]; then
		echo "--- raqib stderr (tail)" >&2
		tail -n 20 "$T/raqib.err" >&2
	fi
	kill -TERM "$RPID"
	wait "$RPID"
	src=$?
	RPID=
	if [ $src -ne 0 ]; then
		echo "FAIL raqib serve exit status $src after SIGTERM"
		rc=1
	fi
	[ "$rc" -eq 0 ] && echo "$NAME: all passed (screenshots in $SHOTS)"
	exit "$rc"
}
