#!/bin/sh
# bench/http.sh — raqib serve under load (make bench-http).
#
#   sh bench/http.sh path/to/raqib
#   BENCH_SECONDS=20 BENCH_CONNS=128 sh bench/http.sh build/raqib
#   BENCH_SERVER_THREADS=32 sh bench/http.sh build/raqib   # [server] threads
#
# 1. GET: an article page with 100 published comments, from raqib and from
#    nginx serving the very same bytes as a static file (wrk, keep-alive;
#    nginx once more with "Connection: close" for reference).
# 2. POST: distinct JSON comments (a counter in the wrk Lua script picks a
#    word combination; all 180,000 combinations publish under
#    `raqib check --json`), each screened and durably stored before the 201.
# 3. raqib's peak RSS (VmHWM) over the whole run.
# Needs wrk, nginx (nginx-light), curl, python3; sqlite3 for the status
# breakdown (optional). wrk, raqib and nginx share the machine's cores, so
# the figures are a floor. Writes the table to build/bench/http.txt as well.
set -u

RAQIB=${1:?usage: sh bench/http.sh path/to/raqib}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
WTHREADS=${BENCH_WRK_THREADS:-2}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
SLUG=haftar-libya
OUT=$ROOT/build/bench/http.txt

for t in wrk curl python3; do
	command -v $t >/dev/null 2>&1 || { echo "bench-http: $t is missing" >&2; exit 2; }
done
[ -x "$NGINX" ] || { echo "bench-http: nginx is missing (apt-get install nginx-light)" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/raqib-bench-http.XXXXXX") || exit 2
RPID=
NPID=
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	[ -n "$NPID" ] && kill "$NPID" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# No access log on either side; rate limits out of the way (one client
# address); no minimum form age.
cat >"$T/raqib.conf" <<EOF
[server]
min_form_age = 0
post_rate = 1000000000
post_burst = 1000000000
get_rate = 1000000000
get_burst = 1000000000
access_log = false
${BENCH_SERVER_THREADS:+threads = $BENCH_SERVER_THREADS}
[site]
name = أخبار المثال
timezone = Europe/Berlin
per_page = 100
EOF
ADMIN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
RAQIB_ADMIN_TOKEN=$ADMIN "$RAQIB" serve --config "$T/raqib.conf" --listen 127.0.0.1:0 \
	--db "$T/bench.db" >"$T/raqib.out" 2>"$T/raqib.err" &
RPID=$!
i=0
until grep -q '^raqib: listening on http://' "$T/raqib.out" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$RPID" 2>/dev/null; then
		echo "bench-http: raqib serve did not start" >&2
		cat "$T/raqib.err" >&2
		exit 1
	fi
	sleep 0.1
done
BASE=$(sed -n 's|^raqib: listening on \(http://[^/]*\)/$|\1|p' "$T/raqib.out")

code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN" \
	-H 'Content-Type: application/json' --data-binary @"$ROOT/tests/http/article.json" \
	"$BASE/api/v1/articles/$SLUG")
[ "$code" = 201 ] || { echo "bench-http: PUT article answered $code" >&2; exit 1; }

# The comment texts: the same mixed-radix word combinations in Python (the
# 100 page comments, numbers 0..99) and Lua (the POST run, from 100 on).
cat >"$T/words.txt" <<'EOF'
أرى|أعتقد|يبدو لي|من الواضح|أظن
أن مستقبل ليبيا|أن دور حفتر|أن حكومة الوفاق|أن الجيش الليبي|أن الأزمة الليبية|أن الحرب في بنغازي
يحتاج إلى حوار وطني|مرتبط بالدعم الخارجي|لن يحسم بالقوة وحدها|يتطلب مصالحة حقيقية|يتأثر بموقف مصر وروسيا|يعتمد على وحدة المؤسسات
في طرابلس|في الشرق|بعد سقوط القذافي|في هذه المرحلة|خلال السنوات القادمة|كما يشرح المقال|حسب رأيي|على المدى البعيد|قبل الانتخابات|دون تدخل أجنبي
والشعب الليبي|وسكان بنغازي|وأهالي مصراتة|والمجتمع الدولي|والقبائل الليبية|والأحزاب السياسية|والشباب الليبي|والمؤسسة العسكرية|ورجال الأعمال|والمثقفون الليبيون
ينتظرون الاستقرار|يريدون السلام|يدفعون ثمن الفوضى|يستحقون دولة موحدة|يأملون في دستور جديد|يرفضون الانقسام|يتابعون المفاوضات|يطالبون بالأمن|يخشون عودة الحرب|يبحثون عن حل سياسي
عبدالحميد|كريم حداد|سلمى يوسف|أحمد منصور|ليلى الطرابلسي|محمد علي
EOF

python3 - "$BASE" "$SLUG" "$T/words.txt" <<'EOF' || exit 1
import json, sys, urllib.request
base, slug, words = sys.argv[1], sys.argv[2], sys.argv[3]
L = [l.split("|") for l in open(words, encoding="utf-8").read().splitlines()]
def text(n):
    p = []
    for l in L[:6]:
        p.append(l[n % len(l)]); n //= len(l)
    return f"{p[0]} {p[1]} {p[2]} {p[3]}، {p[4]} {p[5]} في ليبيا بعد حفتر."
pub = 0
for n in range(100):
    body = json.dumps({"name": L[6][n % 6], "text": text(n), "honeypot": ""}).encode()
    r = urllib.request.urlopen(urllib.request.Request(
        f"{base}/api/v1/articles/{slug}/comments", body, {"Content-Type": "application/json"}))
    pub += json.load(r)["status"] == "published"
if pub != 100:
    sys.exit(f"bench-http: only {pub} of the 100 page comments were published")
EOF

mkdir -p "$T/www/a" "$T/nginx"
curl -s -o "$T/www/a/$SLUG" "$BASE/a/$SLUG" || exit 1
# nginx started as root serves as nobody/www-data: mktemp's 0700 would hide it.
chmod go+rx "$T" "$T/www" "$T/www/a" && chmod go+r "$T/www/a/$SLUG"
PAGE_BYTES=$(wc -c <"$T/www/a/$SLUG")
NC=$(grep -o 'في ليبيا بعد حفتر' "$T/www/a/$SLUG" | wc -l)
[ "$NC" -ge 100 ] || { echo "bench-http: the page shows $NC of 100 comments" >&2; exit 1; }

NPORT=$(free_port)
cat >"$T/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	default_type text/html;
	charset utf-8;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$NPORT;
		root $T/www;
	}
}
EOF
"$NGINX" -c "$T/nginx.conf" -p "$T/nginx" 2>"$T/nginx/start.log" &
NPID=$!
i=0
until curl -s -o "$T/nginx.page" "http://127.0.0.1:$NPORT/a/$SLUG" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 50 ]; then
		echo "bench-http: nginx did not start" >&2
		cat "$T/nginx/start.log" "$T/nginx/error.log" >&2 2>/dev/null
		exit 1
	fi
	sleep 0.1
done
cmp -s "$T/nginx.page" "$T/www/a/$SLUG" || { echo "bench-http: nginx serves other bytes" >&2; exit 1; }

# wrk_run NAME ARGS...: runs wrk, keeps its output in $T/NAME.wrk.
wrk_run() {
	n=$1
	shift
	wrk -t"$WTHREADS" -c"$CONNS" -d"${SECS}s" --latency "$@" >"$T/$n.wrk" 2>&1 ||
		{ cat "$T/$n.wrk" >&2; echo "bench-http: wrk failed ($n)" >&2; exit 1; }
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$T/$1.wrk"; }
# p99 in milliseconds (wrk prints us, ms or s).
p99() {
	awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
		printf "%.2f", v }' "$T/$1.wrk"
}
non2xx() { awk '/Non-2xx or 3xx responses:/ { print $5 }' "$T/$1.wrk"; }
errors() { awk '/Socket errors:/ { print }' "$T/$1.wrk"; }

echo "bench-http: GET /a/$SLUG ($PAGE_BYTES bytes, 100 comments), wrk -t$WTHREADS -c$CONNS -d${SECS}s"
wrk_run get-nginx "http://127.0.0.1:$NPORT/a/$SLUG"
wrk_run get-raqib "$BASE/a/$SLUG"
# nginx once more with a new connection per request: how much of the gap
# is connection setup (raqib answering "Connection: close").
wrk_run get-nginx-close -H "Connection: close" "http://127.0.0.1:$NPORT/a/$SLUG"
RAQIB_CLOSES=$(curl -s -D - -o /dev/null "$BASE/a/$SLUG" | tr -d '\r' | grep -ci '^connection: close')

# POST: thread k of N sends combinations 100 + k, 100 + k + N, ...
cat >"$T/post.lua" <<EOF
local L = {}
for line in io.lines("$T/words.txt") do
	local t = {}
	for w in string.gmatch(line, "[^|]+") do t[#t + 1] = w end
	L[#L + 1] = t
end
-- wrk calls setup() for a thread just before starting it, so a thread may
-- run before the next one is set up: the stride is the thread count given
-- to wrk, not a count kept here.
local nth, nthreads, threads = $WTHREADS, 0, {}
function setup(thread)
	thread:set("tid", nthreads)
	nthreads = nthreads + 1
	threads[#threads + 1] = thread
end
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
	local n = 100 + tid + counter * nth
	counter = counter + 1
	local name = L[7][n % 6 + 1]
	local p = {}
	for i = 1, 6 do
		local l = L[i]
		p[i] = l[n % #l + 1]
		n = math.floor(n / #l)
	end
	local text = p[1] .. " " .. p[2] .. " " .. p[3] .. " " .. p[4] .. "، " .. p[5] .. " " ..
		p[6] .. " في ليبيا بعد حفتر."
	return wrk.format(nil, "/api/v1/articles/$SLUG/comments", nil,
		'{"name":"' .. name .. '","text":"' .. text .. '","honeypot":""}')
end
-- Which answers were not 201, and why (the first error body per status).
codes, why = {}, {}
function response(status, headers, body)
	if status ~= 201 then
		codes[status] = (codes[status] or 0) + 1
		if not why[status] then why[status] = body end
	end
end
function done(summary, latency, requests)
	local agg, first = {}, {}
	for _, t in ipairs(threads) do
		for k, v in pairs(t:get("codes")) do agg[k] = (agg[k] or 0) + v end
		for k, v in pairs(t:get("why")) do first[k] = first[k] or v end
	end
	for k, v in pairs(agg) do
		io.write(string.format("status %d: %d  %s\n", k, v, (first[k] or ""):sub(1, 120)))
	end
end
EOF
public() {
	curl -s -H "Authorization: Bearer $ADMIN" "$BASE/api/v1/articles/$SLUG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["comments"])'
}
before=$(public)
echo "bench-http: POST /api/v1/articles/$SLUG/comments (distinct JSON comments)"
wrk_run post "$BASE/api/v1/articles/$SLUG/comments" -s "$T/post.lua"
sleep 1   # requests still in flight when wrk stopped
after=$(public)
ACCEPTED=$((after - before))

RSS_KB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$RPID/status")
# raqib's CPU time over the whole run (user, system), seconds.
CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "user %.1f s, system %.1f s", $12 / hz, $13 / hz }' "/proc/$RPID/stat")
kill -TERM "$RPID"
wait "$RPID"
rc=$?
RPID=
[ $rc -eq 0 ] || echo "bench-http: raqib serve exited with status $rc after SIGTERM" >&2
BREAKDOWN=
if command -v sqlite3 >/dev/null 2>&1; then
	BREAKDOWN=$(sqlite3 "$T/bench.db" "SELECT group_concat(s || ':' || n, ' ') FROM
		(SELECT CASE status WHEN 0 THEN 'published' WHEN 1 THEN 'shortened' WHEN 2 THEN 'pending'
		 WHEN 3 THEN 'rejected' ELSE 'other' END AS s, count(*) AS n FROM comments GROUP BY status)" 2>/dev/null)
fi

G_N=$(rps get-nginx)
G_R=$(rps get-raqib)
P_R=$(rps post)
RATIO=$(awk -v a="$G_R" -v b="$G_N" 'BEGIN { if (b > 0) printf "%.0f", 100 * a / b; else print "-" }')
ACC_S=$(awk -v a="$ACCEPTED" -v s="$SECS" 'BEGIN { printf "%.0f", a / s }')
RSS_MB=$(awk -v k="$RSS_KB" 'BEGIN { printf "%.1f", k / 1024 }')

mkdir -p "$(dirname "$OUT")"
{
	echo "raqib serve vs nginx, $(nproc) CPUs shared by wrk and the server, wrk -t$WTHREADS -c$CONNS -d${SECS}s"
	printf '%-34s %12s %10s %s\n' "run" "requests/s" "p99 ms" "notes"
	printf '%-34s %12s %10s %s\n' "GET page, nginx (static file)" "$G_N" "$(p99 get-nginx)" \
		"$PAGE_BYTES bytes $(errors get-nginx)"
	printf '%-34s %12s %10s %s\n' "GET page, nginx, Connection: close" "$(rps get-nginx-close)" \
		"$(p99 get-nginx-close)" "a new TCP connection per request $(errors get-nginx-close)"
	printf '%-34s %12s %10s %s\n' "GET page, raqib" "$G_R" "$(p99 get-raqib)" \
		"$RATIO % of nginx (target >= 50 %) non-2xx: $(non2xx get-raqib || true) $(errors get-raqib)"
	printf '%-34s %12s %10s %s\n' "POST comment, raqib" "$P_R" "$(p99 post)" \
		"accepted (public) $ACCEPTED = $ACC_S/s (target >= 2000/s) non-2xx: $(non2xx post || true) $(errors post)"
	[ "$RAQIB_CLOSES" = 0 ] || echo "note: raqib answers GET with \"Connection: close\" (no keep-alive)"
	grep '^status ' "$T/post.wrk" | sed 's/^/POST answers other than 201: /'
	echo "raqib peak RSS (VmHWM): $RSS_MB MB (target < 100 MB); raqib CPU: $CPU"
	[ -n "$BREAKDOWN" ] && echo "comments in the database by status: $BREAKDOWN"
} | tee "$OUT"
