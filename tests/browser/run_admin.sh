#!/bin/sh
# tests/browser/run_admin.sh — the editors' desk in a real browser.
#
#   sh tests/browser/run_admin.sh path/to/raqib
#
# Same setup as tests/browser/run.sh, shared in tests/browser/lib.sh
# (Debian's /usr/bin/chromium driven by playwright-core from build/node, no
# browser download). Creates an editor with `raqib user add` (password on
# stdin), starts `raqib serve` on an ephemeral port with a temporary
# database, loads the seed article through the admin API, posts one
# published and two held comments, and runs
# tests/browser/admin.mjs: log in, the held comment's highlighted span, the
# keyboard (j/k, e), edit + approve, the edited text on the article page.
# Screenshots: build/screenshots/admin-{login,queue,comment,stats}.png.
set -u

RAQIB=${1:?usage: sh tests/browser/run_admin.sh path/to/raqib}
NAME=browser-admin-test
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

browser_tools check
scratch raqib-admin-browser

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

serve
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
	PLAYWRIGHT=$PLAYWRIGHT node "$HERE/admin.mjs"
finish $?
