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
# build/screenshots/{article,notice,widget}.png. The setup shared with
# run_admin.sh is in tests/browser/lib.sh.
set -u

RAQIB=${1:?usage: sh tests/browser/run.sh path/to/raqib}
NAME=browser-test
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

browser_tools install
scratch raqib-browser

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
serve

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
	ARTICLE_JSON=$ROOT/tests/http/article.json PLAYWRIGHT=$PLAYWRIGHT \
	node "$HERE/browser.mjs"
finish $?
