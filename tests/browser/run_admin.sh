#!/bin/sh
# tests/browser/run_admin.sh — the editors' desk in a real browser.
#
#   sh tests/browser/run_admin.sh path/to/raqib
#
# Same setup as tests/browser/run.sh (Debian's /usr/bin/chromium driven by
# playwright-core from build/node, no browser download). Creates an editor
# with `raqib user add` (password on stdin), starts `raqib serve` on an
# ephemeral port with a temporary database, loads the seed article through
# the admin API, posts one published and two held comments, and runs
# tests/browser/admin.mjs: log in, the held comment's highlighted span, the
# keyboard (j/k, e), edit + approve, the edited text on the article page.
# Screenshots: build/screenshots/admin-{login,queue,comment,stats}.png.
set -u

RAQIB=${1:?usage: sh tests/browser/run_admin.sh path/to/raqib}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
case $RAQIB in /*) ;; *) RAQIB=$(pwd)/$RAQIB ;; esac
NODE_DIR=${RAQIB_NODE_DIR:-$ROOT/build/node}
SHOTS=${RAQIB_SHOTS:-$ROOT/build/screenshots}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

die() { echo "browser-admin-test: $*" >&2; exit 1; }

[ -x "$CHROMIUM" ] || die "$CHROMIUM is missing (make deps, or sh tests/browser/run.sh installs it)"
command -v node >/dev/null 2>&1 || die "node is missing (apt-get install nodejs npm)"
if ! cmp -s "$HERE/package-lock.json" "$NODE_DIR/package-lock.json" ||
	[ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
	mkdir -p "$NODE_DIR" || exit 1
	cp "$HERE/package.json" "$HERE/package-lock.json" "$NODE_DIR/" || exit 1
	(cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error) ||
		die "npm ci failed in $NODE_DIR"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/raqib-admin-browser.XXXXXX") || exit 1
RPID=
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

wait_line() {
	i=0
	while [ $i -lt 100 ]; do
		l=$(grep -m1 -E "$2" "$1" 2>/dev/null) && { echo "$l"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

cat >"$T/raqib.conf" <<EOF
[server]
min_form_age = 0
post_rate = 0
[site]
name = أخبار المثال
timezone = Europe/Berlin
EOF
EDITOR=hanan
PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
echo "$PASSWORD" | "$RAQIB" user add "$EDITOR" --role editor --db "$T/b.db" >"$T/user.out" 2>&1 ||
	{ cat "$T/user.out" >&2; die "raqib user add failed"; }

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
# One published, then two held (insult) comments; decisions as checked with
# `raqib check --json` in tests/admin_test.py.
python3 - "$BASE" "$SLUG" <<'EOF' || die "could not post the comments"
import json, sys, urllib.request
base, slug = sys.argv[1], sys.argv[2]
posts = [
    ("عبدالحميد", "أرى أن المشير خليفة حفتر أعاد بناء الجيش الليبي بعد سنوات من التهميش، "
     "لكن مستقبل ليبيا يحتاج إلى حكومة وفاق حقيقية في طرابلس تجمع كل الأطراف.", "published"),
    ("أحمد", "أنت غبي وحمار يا كاتب المقال عن حفتر وليبيا.", "pending"),
    ("رامي", "هذا الكاتب أحمق وغبي ولا يفهم شيئا عن ليبيا وحفتر.", "pending"),
]
for name, text, want in posts:
    r = urllib.request.urlopen(urllib.request.Request(
        f"{base}/api/v1/articles/{slug}/comments",
        json.dumps({"name": name, "text": text, "honeypot": ""}).encode(),
        {"Content-Type": "application/json"}))
    j = json.load(r)
    assert j["status"] == want, (text, j)
EOF

mkdir -p "$SHOTS"
BASE=$BASE SLUG=$SLUG SHOTS=$SHOTS CHROMIUM=$CHROMIUM EDITOR=$EDITOR PASSWORD=$PASSWORD \
	PLAYWRIGHT=$NODE_DIR/node_modules/playwright-core/index.mjs \
	node "$HERE/admin.mjs"
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
[ $rc -eq 0 ] && echo "browser-admin-test: all passed (screenshots in $SHOTS)"
exit $rc
