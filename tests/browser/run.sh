#!/bin/sh
# tests/browser/run.sh — the reader's view in a real browser (make browser-test).
#
#   sh tests/browser/run.sh path/to/raqib
#
# Drives Debian's /usr/bin/chromium with playwright-core from npm (installed
# once into build/node from tests/browser/package-lock.json; no browser
# download). Starts `raqib serve` on an ephemeral port with a temporary
# database, loads the seed article through the admin API, and runs
# tests/browser/browser.mjs: the article page (rtl, Arabic heading, hidden
# honeypot, the form round trip with its notice) and tests/browser/widget.html,
# a page of another origin (python3 -m http.server on a second ephemeral port,
# listed in embed_origins) embedding /widget.js. Screenshots go to
# build/screenshots/{article,notice,widget}.png.
set -u

RAQIB=${1:?usage: sh tests/browser/run.sh path/to/raqib}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
case $RAQIB in /*) ;; *) RAQIB=$(pwd)/$RAQIB ;; esac
NODE_DIR=${RAQIB_NODE_DIR:-$ROOT/build/node}
SHOTS=${RAQIB_SHOTS:-$ROOT/build/screenshots}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

die() { echo "browser-test: $*" >&2; exit 1; }

# Debian's chromium and an Arabic font, if missing.
missing=
[ -x "$CHROMIUM" ] || missing="$missing chromium"
dpkg-query -W -f='${Status}' fonts-noto-core 2>/dev/null | grep -q 'ok installed' ||
	missing="$missing fonts-noto-core"
if [ -n "$missing" ]; then
	echo "browser-test: installing$missing"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing ||
		die "cannot install$missing"
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "browser-test: installing nodejs npm"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm ||
		die "node/npm missing and cannot be installed"
fi

# playwright-core, pinned by the lock file; reinstalled only when it changes.
if ! cmp -s "$HERE/package-lock.json" "$NODE_DIR/package-lock.json" ||
	[ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
	mkdir -p "$NODE_DIR" || exit 1
	cp "$HERE/package.json" "$HERE/package-lock.json" "$NODE_DIR/" || exit 1
	(cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error) ||
		die "npm ci failed in $NODE_DIR"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/raqib-browser.XXXXXX") || exit 1
RPID=
WPID=
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

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

# The embedding page's server first: its origin goes into embed_origins.
mkdir -p "$T/www"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$T/www" >"$T/www.log" 2>&1 &
WPID=$!
l=$(wait_line "$T/www.log" 'port [0-9]+') || die "python3 http.server did not start"
WPORT=$(echo "$l" | sed -E 's/.*port ([0-9]+).*/\1/')
WORIGIN=http://127.0.0.1:$WPORT

cat >"$T/raqib.conf" <<EOF
[server]
min_form_age = 0
post_rate = 1000
post_burst = 100
embed_origins = $WORIGIN
[site]
name = أخبار المثال
timezone = Europe/Berlin
EOF
ADMIN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
RAQIB_ADMIN_TOKEN=$ADMIN "$RAQIB" serve --config "$T/raqib.conf" --listen 127.0.0.1:0 \
	--db "$T/b.db" >"$T/raqib.out" 2>"$T/raqib.err" &
RPID=$!
l=$(wait_line "$T/raqib.out" '^raqib: listening on http://') ||
	{ cat "$T/raqib.err" >&2; die "raqib serve printed no listening line"; }
BASE=$(echo "$l" | sed -E 's|^raqib: listening on (http://[^/]+)/$|\1|')
SLUG=haftar-libya

code=$(curl -s -o "$T/put.json" -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN" \
	-H 'Content-Type: application/json' --data-binary @"$ROOT/tests/http/article.json" \
	"$BASE/api/v1/articles/$SLUG")
[ "$code" = 201 ] || { cat "$T/put.json" >&2; die "PUT article answered $code"; }
# One published comment already there, as on the seed page.
python3 - "$BASE" "$SLUG" <<'EOF' || die "could not post the first comment"
import json, sys, urllib.request
base, slug = sys.argv[1], sys.argv[2]
body = {"name": "عبدالحميد", "honeypot": "",
        "text": "أرى أن المشير خليفة حفتر أعاد بناء الجيش الليبي بعد سنوات من التهميش، "
                "لكن مستقبل ليبيا يحتاج إلى حكومة وفاق حقيقية في طرابلس تجمع كل الأطراف."}
r = urllib.request.urlopen(urllib.request.Request(
    f"{base}/api/v1/articles/{slug}/comments", json.dumps(body).encode(),
    {"Content-Type": "application/json"}))
j = json.load(r)
assert j["status"] == "published", j
EOF

sed -e "s|@RAQIB@|$BASE|g" -e "s|@SLUG@|$SLUG|g" "$HERE/widget.html" >"$T/www/widget.html"

mkdir -p "$SHOTS"
BASE=$BASE SLUG=$SLUG WIDGET_URL=$WORIGIN/widget.html SHOTS=$SHOTS CHROMIUM=$CHROMIUM \
	ARTICLE_JSON=$ROOT/tests/http/article.json \
	PLAYWRIGHT=$NODE_DIR/node_modules/playwright-core/index.mjs \
	node "$HERE/browser.mjs"
rc=$?
if [ $rc -ne 0 ]; then
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
[ $rc -eq 0 ] && echo "browser-test: all passed (screenshots in $SHOTS)"
exit $rc
