#!/usr/bin/env python3
"""tests/admin_test.py — the editors' desk over real HTTP (make admin-test).

    python3 tests/admin_test.py path/to/raqib [TEST-NAME-SUBSTRING ...]

Checks the contract of docs/admin.md: the `raqib user` and
`raqib export-feedback` commands, and the /admin routes of a real
`raqib serve` on an ephemeral loopback port (sessions, CSRF, lockout, the
queue and its actions taking effect on the public page and API at once,
the append-only audit log, stats, escaping). Python 3 standard library only;
the server helpers come from tests/http_test.py.

Groups, each with its own server and database:
  cli    `raqib user add|list|disable` without a server
  main   the desk: login, queue, actions, audit, stats, injection, export
  login  wrong passwords and the lockout ([admin] max_failures = 3)
  idle   session idle expiry ([admin] session_idle = 2)
  settings  /admin/settings: the screening policy changed at run time,
         stored, audited and applied again after a restart

The example comments' decisions are re-checked with `raqib check --json`
against the same article before a test relies on them.

Prints one PASS/FAIL line per test; exit status 1 when anything failed.
"""

import csv
import html
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import http_test as H  # noqa: E402  (Server, FormParser, cli_decision, texts)
from httplib import Ctx, Runner, exchange  # noqa: E402

RAQIB = None
SLUG = H.SLUG
SLUG2 = "second-article"
ARTICLE = H.ARTICLE
PW = {"editor1": "كلمة-سر-المحرر-1", "admin1": "admin secret 2 with spaces",
      "ghost": "ghost-password-3", "editor2": "pw-editor-2"}

CLEAN = H.CLEAN                       # published
CLEAN2 = H.CLEAN2                     # published, its author is banned later
PHONE_C = H.PHONE_C                   # shortened
INSULT = H.INSULT                     # held: insult, spans غبي / وحمار
DIALECT = ("سعيد", "والله ما بعرف ليش هيك عم يصير بليبيا، حفتر بدو ياخد كل شي وما حدا عم يحكي")
DIALECT2 = ("حسن", "شو بدك تحكي عن حفتر، هاد الزلمة ما بيفهم شي بليبيا")  # on SLUG2
INS_B1 = ("رامي", "هذا الكاتب أحمق وغبي ولا يفهم شيئا عن ليبيا وحفتر.")
INS_B2 = ("نادر", "كلامك عن حفتر كلام حمير وأنت تافه يا كاتب.")
INS_REJ = ("سمير", "الكاتب غبي جدا ولا يعرف شيئا عن حكومة الوفاق في طرابلس.")
EDITED = ("أرى أن المشير خليفة حفتر أعاد تنظيم الجيش الليبي، لكن مستقبل ليبيا "
          "يحتاج إلى حكومة وحدة وطنية في طرابلس.")

EVIL = ["'); DROP TABLE comments;--", "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>']
RAW_BAD = ["<script>alert", "<img src=x", "<IMG SRC=X"]
RULE_AR = {"insult": "يتضمن إساءة إلى أشخاص", "dialect": "مكتوب بلهجة عامية",
           "pseudonym": "موقّع باسم رمزي أو غير حقيقي", "phone": "يتضمن رقم هاتف"}


def conf_text(admin_extra="", server_extra=""):
    return f"""; written by tests/admin_test.py
[server]
{server_extra}
min_form_age = 0
max_form_age = 3600
post_rate = 0
get_rate = 0
embed_origins = http://example.test

[site]
name = أخبار المثال
base_url = http://news.example
timezone = Europe/Berlin
per_page = 50

[admin]
{admin_extra}
"""


class AdminServer(H.Server):
    """H.Server with this file's config (written to tmp/raqib.conf)."""

    def __init__(self, tmp, admin_extra="", db=None, server_extra=""):
        super().__init__(tmp, conf_name=None, db=db, admin=H.ADMIN)
        self.conf = os.path.join(tmp, "raqib.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(conf_text(admin_extra, server_extra))


# ------------------------------------------------------------------ CLI --

def cli(args, stdin=b"", timeout=60):
    """(exit status, stdout, stderr) of `raqib ARGS` with stdin a pipe."""
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    r = subprocess.run([RAQIB] + args, input=stdin, capture_output=True, timeout=timeout)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def user_add(db, name, role, password, conf=None):
    args = ["user", "add", name, "--role", role, "--db", db]
    if conf:
        args += ["--config", conf]
    return cli(args, password + "\n")


def sqlite(db, sql):
    r = subprocess.run(["sqlite3", db, sql], capture_output=True, timeout=30)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


# -------------------------------------------------------------- browser --

class Session:
    """A cookie-keeping HTTP client (one editor's browser)."""

    def __init__(self, srv):
        self.srv = srv
        self.jar = {}
        self.last_set_cookies = []

    def req(self, method, path, fields=None, headers=None):
        """(status, headers with lower-case names, body bytes). `fields`: a
        dict or a list of pairs, sent urlencoded (repeated keys kept)."""
        h = dict(headers or {})
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if self.jar:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        status, hdrs, data, msg = exchange(self.srv.port, method, path, body, h, timeout=20)
        self.last_set_cookies = msg.get_all("Set-Cookie") or []
        for sc in self.last_set_cookies:
            kv = sc.split(";", 1)[0]
            k, _, v = kv.partition("=")
            k = k.strip()
            low = sc.lower()
            expired = re.search(r"max-age=0\b", low) or re.search(r"expires=[^;]*19[0-9]{2}", low)
            if expired or v.strip() in ("", '""'):
                self.jar.pop(k, None)
            else:
                self.jar[k] = v.strip()
        return status, hdrs, data

    def get(self, path, headers=None):
        return self.req("GET", path, headers=headers)

    def post(self, path, fields, headers=None):
        return self.req("POST", path, fields, headers)

    def csrf(self, path="/admin"):
        """The CSRF token of the forms on `path`."""
        st, h, b = self.get(path)
        assert st == 200, f"GET {path} for a csrf token: {st} {b[:200]!r}"
        tok = csrf_of(b)
        assert tok, f"no csrf field in the forms of {path}"
        return tok

    def login(self, user, password, expect=303):
        st, h, b = self.get("/admin/login")
        assert st == 200, f"GET /admin/login: {st}"
        tok = csrf_of(b)
        assert tok, "login form has no csrf value"
        st, h, b = self.post("/admin/login", {"user": user, "password": password, "csrf": tok})
        if expect is not None:
            assert st == expect, f"login {user!r}: expected {expect}, got {st} {text_of(b)[:300]!r}"
        return st, h, b

    def act(self, cid, action, **fields):
        """POST /admin/comments/{cid} with a csrf taken from its page."""
        tok = self.csrf(f"/admin/comments/{cid}")
        f = {"action": action, "csrf": tok}
        f.update(fields)
        return self.post(f"/admin/comments/{cid}", f)


def csrf_of(body):
    p = H.parse(body)
    for f in p.forms:
        if f["fields"].get("csrf"):
            return f["fields"]["csrf"]
    m = re.search(rb'name="csrf"[^>]*content="([^"]+)"', body) or \
        re.search(rb'<meta[^>]*name="csrf-token"[^>]*content="([^"]+)"', body)
    return m.group(1).decode() if m else None


def text_of(body):
    """Visible text of an HTML page: tags, scripts and styles removed."""
    t = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    t = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", t)
    t = re.sub(r"(?s)<[^>]*>", " ", t)
    return re.sub(r"\s+", " ", html.unescape(t)).strip()


def loc_path(h):
    u = urllib.parse.urlsplit(h.get("location", ""))
    return u.path, u.query


def ok_action(resp, what):
    """An action answered with a redirect (PRG) or a page, not an error."""
    st, h, b = resp
    assert st in (200, 303, 302), f"{what}: {st} {text_of(b)[:300]!r}"
    return resp


def admin_headers_ok(h, what):
    cc = h.get("cache-control", "")
    assert "no-store" in cc, f"{what}: Cache-Control {cc!r} lacks no-store"
    csp = h.get("content-security-policy", "")
    d = {}
    for part in csp.split(";"):
        w = part.split()
        if w:
            d[w[0].lower()] = w[1:]
    scripts = d.get("script-src", d.get("default-src"))
    assert scripts is not None and "default-src" in d, f"{what}: CSP {csp!r}"
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(scripts), \
        f"{what}: CSP allows inline/eval/any scripts: {csp!r}"
    assert "frame-ancestors" in d, f"{what}: CSP without frame-ancestors: {csp!r}"


def public_texts(srv, slug=SLUG):
    cs, _ = srv.api_comments(slug)
    return {c["id"]: c["text"] for c in cs}


def page_text(srv, slug=SLUG):
    st, _, b = srv.get(f"/a/{slug}")
    assert st == 200, f"/a/{slug}: {st}"
    return b.decode("utf-8")


def post_checked(ctx, key, pair, want, slug=SLUG):
    """Posts a comment through the API after checking the CLI's decision."""
    d = H.cli_decision(*pair)
    assert d == want[0], f"raqib check decides {d!r} for {key}, the test expects {want[0]!r}"
    st, h, b = ctx.srv.comment(*pair, slug=slug)
    assert st == 201, f"post {key}: {st} {b[:300]!r}"
    j = json.loads(b)
    assert j["status"] == want[1], f"post {key}: status {j['status']!r}, expected {want[1]!r}"
    ctx.ids[key] = j["id"]
    ctx.posted[key] = j
    return j


def mark_re(s):
    return re.compile(r"<mark\b[^>]*>\s*" + re.escape(html.escape(s, quote=False)) + r"\s*</mark>")


def strip_selects(t):
    return re.sub(r"(?is)<select\b.*?</select>", " ", t)


def queue_ids(body):
    return set(int(x) for x in re.findall(rb'/admin/comments/(\d+)', body))


def audit_entries(sess, query=""):
    st, h, b = sess.get("/admin/audit?format=json" + ("&" + query if query else ""))
    assert st == 200, f"audit json: {st} {b[:200]!r}"
    assert "json" in h.get("content-type", ""), f"audit json content-type {h.get('content-type')!r}"
    j = json.loads(b)
    if isinstance(j, dict):
        lists = [v for v in j.values() if isinstance(v, list)]
        assert lists, f"audit json has no list: {list(j)}"
        j = lists[0]
    assert isinstance(j, list), type(j)
    return j


def entry_comment(e):
    for k in ("comment", "comment_id"):
        if k in e and e[k] not in (None, ""):
            try:
                return int(e[k])
            except (TypeError, ValueError):
                return None
    return None


def entries_for(entries, cid, action):
    return [e for e in entries if entry_comment(e) == cid and e.get("action") == action]


# -------------------------------------------------------------- runner --

RUNNER = Runner("admin_test")
test = RUNNER.test


# ------------------------------------------------------------ group cli --

@test("cli")
def t_cli_user_add_list(ctx):
    db = os.path.join(ctx.tmp, "c.db")
    rc, out, err = user_add(db, "alice", "editor", "alice-secret-pw")
    assert rc == 0, f"user add: exit {rc} {err.strip()[-300:]!r}"
    rc, out, err = user_add(db, "root1", "admin", "root-secret-pw")
    assert rc == 0, f"user add admin: exit {rc} {err.strip()[-300:]!r}"
    assert "alice-secret-pw" not in out + err, "the password was echoed"
    rc, out, err = cli(["user", "list", "--db", db])
    assert rc == 0, f"user list: exit {rc} {err.strip()[-300:]!r}"
    lines = out.splitlines()
    al = [ln for ln in lines if "alice" in ln]
    ro = [ln for ln in lines if "root1" in ln]
    assert al and "editor" in al[0], f"list lacks alice/editor: {out!r}"
    assert ro and "admin" in ro[0], f"list lacks root1/admin: {out!r}"
    # Hashed with argon2id, the password nowhere in the file.
    rc, dump, err = sqlite(db, ".dump")
    assert rc == 0, err
    assert "alice-secret-pw" not in dump, "plain password in the database"
    assert "$argon2id$" in dump, "no argon2id hash in the database"
    with open(db, "rb") as f:
        assert b"alice-secret-pw" not in f.read(), "plain password in the database file"


@test("cli")
def t_cli_user_errors(ctx):
    db = os.path.join(ctx.tmp, "c.db")
    rc, out, err = user_add(db, "alice", "editor", "another-pw")
    assert rc == 1, f"duplicate user add: exit {rc}, expected 1"
    rc, _, err = user_add(db, "bob", "superuser", "pw-bob-123")
    assert rc == 2, f"bad role: exit {rc}, expected 2"
    rc, _, err = cli(["user", "add", "--role", "editor", "--db", db], "pw\n")
    assert rc == 2, f"no name: exit {rc}, expected 2"
    rc, _, err = cli(["user", "add", "bob", "--role", "editor", "--password", "x", "--db", db], "")
    assert rc == 2, f"--password on argv: exit {rc}, expected 2 (passwords never from argv)"
    rc, _, _ = cli(["user", "frobnicate", "--db", db])
    assert rc == 2, f"unknown subcommand: exit {rc}, expected 2"
    rc, _, _ = cli(["user", "disable", "nobody", "--db", db])
    assert rc == 1, f"disable unknown user: exit {rc}, expected 1"
    rc, out, _ = cli(["user", "list", "--db", db])
    assert "bob" not in out, f"a failed add created bob: {out!r}"


@test("cli")
def t_cli_user_disable(ctx):
    db = os.path.join(ctx.tmp, "c.db")
    line = lambda out: [ln for ln in out.splitlines() if "alice" in ln]  # noqa: E731
    before = line(cli(["user", "list", "--db", db])[1])
    rc, _, err = cli(["user", "disable", "alice", "--db", db])
    assert rc == 0, f"disable: exit {rc} {err.strip()[-300:]!r}"
    after = line(cli(["user", "list", "--db", db])[1])
    assert after and after != before, f"list does not show alice disabled: {before} -> {after}"
    rc, _, _ = user_add(db, "alice", "editor", "alice-again")
    assert rc == 1, f"re-adding a disabled user: exit {rc}, expected 1 (user exists)"


@test("cli")
def t_cli_help(ctx):
    rc, out, err = cli(["user", "--help"])
    assert rc == 0, f"user --help: exit {rc}"
    assert "add" in out and "disable" in out and "list" in out, out


# ----------------------------------------------------------- group main --

@test("main")
def t_setup(ctx):
    s = ctx.srv
    st, _, b = s.put_article(SLUG, ARTICLE)
    assert st == 201, f"PUT article: {st} {b[:200]!r}"
    st, _, b = s.put_article(SLUG2, dict(ARTICLE, title="مقال ثان عن ليبيا"))
    assert st == 201, f"PUT article 2: {st} {b[:200]!r}"
    ctx.ids, ctx.posted = {}, {}
    post_checked(ctx, "clean", CLEAN, ("publish", "published"))
    post_checked(ctx, "clean2", CLEAN2, ("publish", "published"))
    post_checked(ctx, "phone", PHONE_C, ("shorten", "shortened"))
    post_checked(ctx, "insult", INSULT, ("hold", "pending"))
    post_checked(ctx, "dialect", DIALECT, ("hold", "pending"))
    post_checked(ctx, "dialect2", DIALECT2, ("hold", "pending"), slug=SLUG2)
    for k, pair in (("b1", INS_B1), ("b2", INS_B2), ("rej", INS_REJ)):
        post_checked(ctx, k, pair, ("hold", "pending"))


@test("main")
def t_login_form(ctx):
    sess = Session(ctx.srv)
    st, h, b = sess.get("/admin/login")
    assert st == 200, f"GET /admin/login: {st}"
    admin_headers_ok(h, "GET /admin/login")
    forms = [f for f in H.parse(b).forms if "password" in f["fields"]]
    assert forms, "no form with a password field"
    f = forms[0]
    for k in ("user", "password", "csrf"):
        assert k in f["fields"], f"login form lacks {k!r}: {sorted(f['fields'])}"
    assert f["method"].lower() == "post", f["method"]
    assert f["attrs"]["password"].get("type") == "password", f["attrs"]["password"]
    assert f["fields"]["csrf"], "empty csrf value"
    assert urllib.parse.urlsplit(f["action"]).path in ("/admin/login", ""), f["action"]


@test("main")
def t_not_signed_in(ctx):
    sess = Session(ctx.srv)
    cid = ctx.ids["insult"]
    for p in ("/admin", "/admin?status=pending", f"/admin/comments/{cid}", "/admin/audit",
              "/admin/stats", "/admin/users", "/admin/audit?format=json"):
        st, h, b = sess.get(p)
        assert st == 303, f"GET {p} signed out: {st}, expected 303"
        assert loc_path(h)[0] == "/admin/login", f"GET {p}: Location {h.get('location')!r}"
        admin_headers_ok(h, f"GET {p} signed out")
    for p, f in ((f"/admin/comments/{cid}", {"action": "approve", "csrf": "x"}),
                 ("/admin/bulk", [("ids", cid), ("action", "approve"), ("csrf", "x")]),
                 ("/admin/users", {"name": "x", "role": "admin", "password": "y", "csrf": "x"}),
                 ("/admin/logout", {"csrf": "x"})):
        st, h, b = sess.post(p, f)
        assert st == 403, f"POST {p} signed out: {st}, expected 403"
        admin_headers_ok(h, f"POST {p} signed out")
    assert cid not in public_texts(ctx.srv), "a signed-out POST approved the comment"


@test("main")
def t_login_cookie(ctx):
    sess = Session(ctx.srv)
    st, h, b = sess.login("editor1", PW["editor1"])
    admin_headers_ok(h, "POST /admin/login")
    cookies = [c for c in sess.last_set_cookies if c.strip().startswith("raqib_session=")]
    assert cookies, f"no raqib_session cookie: {sess.last_set_cookies}"
    c = cookies[0]
    attrs = [a.strip().lower() for a in c.split(";")[1:]]
    assert "httponly" in attrs, f"cookie not HttpOnly: {c!r}"
    assert "samesite=strict" in attrs, f"cookie not SameSite=Strict: {c!r}"
    assert "path=/admin" in attrs, f"cookie Path is not /admin: {c!r}"
    val = c.split(";", 1)[0].split("=", 1)[1]
    assert len(val) >= 43, f"session token too short for 256 bits: {len(val)} chars"
    assert loc_path(h)[0].startswith("/admin"), f"login Location {h.get('location')!r}"
    st, h, b = sess.get("/admin")
    assert st == 200, f"GET /admin signed in: {st}"
    admin_headers_ok(h, "GET /admin")
    # The token is stored hashed: the cookie value is not in the database.
    rc, dump, err = sqlite(ctx.srv.db, ".dump")
    assert rc == 0, err
    assert val not in dump, "the session token is stored in plain"
    ctx.ed = sess


@test("main")
def t_admin_headers(ctx):
    cid = ctx.ids["insult"]
    for p in ("/admin", f"/admin/comments/{cid}", "/admin/audit", "/admin/stats",
              "/admin/audit?format=json", "/admin/audit?format=csv", "/admin/users"):
        st, h, b = ctx.ed.get(p)
        admin_headers_ok(h, f"GET {p} ({st})")


@test("main")
def t_csrf(ctx):
    cid = ctx.ids["insult"]
    other = Session(ctx.srv)
    other.login("admin1", PW["admin1"])
    theirs = other.csrf()
    mine = ctx.ed.csrf()
    assert theirs != mine, "two sessions share one csrf token"
    for what, fields in (("missing", {"action": "approve"}),
                         ("empty", {"action": "approve", "csrf": ""}),
                         ("forged", {"action": "approve", "csrf": "A" * len(mine)}),
                         ("another session's", {"action": "approve", "csrf": theirs})):
        st, h, b = ctx.ed.post(f"/admin/comments/{cid}", fields)
        assert st == 403, f"{what} csrf on approve: {st}, expected 403"
    st, _, _ = ctx.ed.post("/admin/bulk", [("ids", cid), ("action", "approve"), ("csrf", "x")])
    assert st == 403, f"forged csrf on bulk: {st}"
    st, _, _ = ctx.ed.post("/admin/logout", {"csrf": "x" * 10})
    assert st == 403, f"forged csrf on logout: {st}"
    st, _, _ = ctx.ed.get("/admin")
    assert st == 200, "the session did not survive a forged logout"
    st, _, _ = Session(ctx.srv).post("/admin/login", {"user": "editor1",
                                                      "password": PW["editor1"]})
    assert st == 403, f"login without csrf: {st}, expected 403"
    assert cid not in public_texts(ctx.srv), "a POST with a bad csrf approved the comment"
    ctx.adm = other


@test("main")
def t_disabled_user(ctx):
    s = Session(ctx.srv)
    s.login("ghost", PW["ghost"])
    rc, _, err = cli(["user", "disable", "ghost", "--db", ctx.srv.db])
    assert rc == 0, f"user disable while serving: exit {rc} {err.strip()[-300:]!r}"
    st, _, b = Session(ctx.srv).login("ghost", PW["ghost"], expect=None)
    assert st == 401, f"disabled user logs in: {st}, expected 401"


@test("main")
def t_queue(ctx):
    st, h, b = ctx.ed.get("/admin")
    assert st == 200, st
    ids = queue_ids(b)
    for k in ("insult", "dialect", "dialect2", "b1", "b2", "rej"):
        assert ctx.ids[k] in ids, f"queue lacks the held {k} comment (id {ctx.ids[k]})"
    for k in ("clean", "clean2", "phone"):
        assert ctx.ids[k] not in ids, f"queue lists the published {k} comment"
    t = b.decode("utf-8")
    # The offending spans, highlighted.
    for w in ("غبي", "وحمار"):
        assert mark_re(w).search(t), f"queue: no <mark>{w}</mark> for the insult"
    sp = ctx.posted["dialect"]["reasons"][0]["spans"]
    for s0, e0 in sp:
        w = DIALECT[1][s0:e0]
        assert mark_re(w).search(t), f"queue: no <mark>{w}</mark> for the dialect span {s0},{e0}"
    assert not mark_re("عبدالحميد").search(t)
    # Reasons shown (rule name or its Arabic wording), not only in a filter <select>.
    body = strip_selects(t)
    for r in ("insult", "dialect"):
        assert r in text_of(body) or RULE_AR[r] in body or \
            re.search(r'data-rule="' + r + '"', body) and r in text_of(body), \
            f"queue does not show the reason {r!r}"


@test("main")
def t_queue_filters(ctx):
    I = ctx.ids

    def q(query):
        st, _, b = ctx.ed.get("/admin?" + query)
        assert st == 200, f"/admin?{query}: {st}"
        return queue_ids(b)
    ids = q("rule=insult")
    assert I["insult"] in ids and I["b1"] in ids, f"rule=insult lacks insult comments: {ids}"
    assert I["dialect"] not in ids and I["dialect2"] not in ids, f"rule=insult lists dialect: {ids}"
    ids = q("rule=dialect")
    assert I["dialect"] in ids and I["dialect2"] in ids, f"rule=dialect: {ids}"
    assert I["insult"] not in ids, f"rule=dialect lists the insult: {ids}"
    ids = q("article=" + SLUG2)
    assert ids & set(I.values()) == {I["dialect2"]}, f"article={SLUG2}: {ids}"
    ids = q("status=shortened")
    assert I["phone"] in ids and I["insult"] not in ids, f"status=shortened: {ids}"
    ids = q("status=published")
    assert I["clean"] in ids and I["insult"] not in ids and I["phone"] not in ids, \
        f"status=published: {ids}"
    ids = q("status=pending&rule=dialect&article=" + SLUG)
    assert ids & set(I.values()) == {I["dialect"]}, f"combined filter: {ids}"
    ids = q("page=2")
    assert I["insult"] not in ids, "page=2 repeats page 1 (per_page 50)"


@test("main")
def t_comment_page(ctx):
    cid = ctx.ids["insult"]
    st, h, b = ctx.ed.get(f"/admin/comments/{cid}")
    assert st == 200, st
    t = b.decode("utf-8")
    assert mark_re("غبي").search(t) and mark_re("وحمار").search(t), "comment page: no <mark> spans"
    assert "insult" in text_of(strip_selects(t)) or RULE_AR["insult"] in t, \
        "comment page does not name the reason"
    assert html.escape(INSULT[0]) in t, "comment page lacks the author"
    # The audit of the comment: its screening event by "raqib".
    assert "raqib" in text_of(t), "comment page shows no audit (the automatic decision)"
    st, _, _ = ctx.ed.get("/admin/comments/999999")
    assert st == 404, f"unknown comment: {st}"
    st, _, _ = ctx.ed.get("/admin/comments/abc")
    assert st in (400, 404), f"/admin/comments/abc: {st}"


def stats_numbers(sess):
    st, h, b = sess.get("/admin/stats")
    assert st == 200, f"/admin/stats: {st}"
    return b.decode("utf-8")


@test("main")
def t_stats_page(ctx):
    t = stats_numbers(ctx.ed)
    assert re.search(r"<svg\b", t), "stats: no <svg>"
    svgs = re.findall(r"(?s)<svg\b.*?</svg>", t)
    assert svgs, "stats: unterminated <svg>"
    bars = sum(len(re.findall(r"<(rect|path|line)\b", s)) for s in svgs)
    assert bars >= 2, f"stats: svg has {bars} bars"
    ctx.stats_before = t


@test("main")
def t_approve(ctx):
    cid = ctx.ids["insult"]
    st, h, b = ok_action(ctx.ed.act(cid, "approve"), "approve")
    admin_headers_ok(h, "POST approve")
    pub = public_texts(ctx.srv)
    assert pub.get(cid) == INSULT[1], f"approved comment not in the API at once: {pub.get(cid)!r}"
    assert INSULT[1] in page_text(ctx.srv), "approved comment not on the article page"
    st, _, b = ctx.ed.get("/admin")
    assert cid not in queue_ids(b), "approved comment still in the pending queue"


@test("main")
def t_stats_overturn(ctx):
    after = stats_numbers(ctx.ed)
    before = ctx.stats_before
    assert after != before, "stats page unchanged after approving a held comment"

    def near(t, rule):
        """Numbers in the table row / element naming the rule."""
        out = []
        for m in re.finditer(r"(?is)<tr\b.*?</tr>", strip_selects(t)):
            row = m.group(0)
            if rule in row or RULE_AR[rule] in row:
                out.append(re.findall(r"\d+(?:\.\d+)?", text_of(row)))
        return out
    nb, na = near(before, "insult"), near(after, "insult")
    if nb or na:
        assert nb != na, f"the insult rule's row did not change: {nb} -> {na}"
    ctx.stats_rows = (nb, na)


@test("main")
def t_reject(ctx):
    cid = ctx.ids["rej"]
    ok_action(ctx.ed.act(cid, "reject", reason="إساءة واضحة للكاتب"), "reject")
    assert cid not in public_texts(ctx.srv), "rejected comment in the API"
    assert INS_REJ[1] not in page_text(ctx.srv), "rejected comment on the page"
    st, _, b = ctx.ed.get("/admin?status=rejected")
    assert st == 200 and cid in queue_ids(b), "status=rejected lacks the rejected comment"
    st, _, b = ctx.ed.get(f"/admin/comments/{cid}")
    assert "إساءة واضحة للكاتب" in b.decode("utf-8"), "the reject reason is not shown"


@test("main")
def t_edit(ctx):
    cid = ctx.ids["clean"]
    ok_action(ctx.ed.act(cid, "edit", text=EDITED), "edit")
    pub = public_texts(ctx.srv)
    assert pub.get(cid) == EDITED, f"API after edit: {pub.get(cid)!r}"
    t = page_text(ctx.srv)
    assert EDITED in t and CLEAN[1] not in t, "article page does not show (only) the edited text"
    st, _, b = ctx.ed.get(f"/admin/comments/{cid}")
    ct = b.decode("utf-8")
    assert "<del" in ct and "<ins" in ct, "comment page shows no diff (<del>/<ins>)"
    dels = " ".join(text_of(m) for m in re.findall(r"(?s)<del\b.*?</del>", ct))
    inss = " ".join(text_of(m) for m in re.findall(r"(?s)<ins\b.*?</ins>", ct))
    assert "بناء" in dels and "تنظيم" in inss, f"diff: del {dels!r} ins {inss!r}"
    rc, out, err = sqlite(ctx.srv.db, f"SELECT text FROM comments WHERE id={cid}")
    assert rc == 0 and out.strip() == CLEAN[1], f"original text not kept: {out!r} {err.strip()[-300:]!r}"


@test("main")
def t_edit_then_approve_held(ctx):
    cid = ctx.ids["dialect"]
    new = "لا أعرف لماذا يحدث هذا في ليبيا، حفتر يريد أن يأخذ كل شيء ولا أحد يتكلم."
    ok_action(ctx.ed.act(cid, "edit", text=new), "edit held")
    assert cid not in public_texts(ctx.srv), "editing a held comment published it"
    ok_action(ctx.ed.act(cid, "approve"), "approve edited")
    pub = public_texts(ctx.srv)
    assert pub.get(cid) == new, f"approved edited comment: {pub.get(cid)!r}"
    t = page_text(ctx.srv)
    assert new in t and DIALECT[1] not in t, "page shows the original, not the edit"
    ctx.dialect_new = new


@test("main")
def t_unpublish(ctx):
    cid = ctx.ids["phone"]
    assert cid in public_texts(ctx.srv)
    ok_action(ctx.ed.act(cid, "unpublish"), "unpublish")
    assert cid not in public_texts(ctx.srv), "unpublished comment still in the API"
    assert "وهاتفي" not in page_text(ctx.srv), "unpublished comment still on the page"
    st, _, b = ctx.srv.get(f"/fragment/{SLUG}")
    assert "وهاتفي" not in b.decode("utf-8"), "unpublished comment still in the fragment"


@test("main")
def t_bulk_approve(ctx):
    a, b_ = ctx.ids["b1"], ctx.ids["b2"]
    tok = ctx.ed.csrf()
    ok_action(ctx.ed.post("/admin/bulk", [("ids", a), ("ids", b_), ("action", "approve"),
                                          ("csrf", tok)]), "bulk approve")
    pub = public_texts(ctx.srv)
    assert pub.get(a) == INS_B1[1] and pub.get(b_) == INS_B2[1], "bulk approve: not both public"
    st, _, b = ctx.ed.get("/admin")
    assert not ({a, b_} & queue_ids(b)), "bulk-approved comments still pending"


@test("main")
def t_invalid_actions(ctx):
    cid = ctx.ids["dialect2"]
    st, _, _ = ctx.ed.act(cid, "frobnicate")
    assert st == 400, f"unknown action: {st}, expected 400"
    st, _, _ = ctx.ed.act(cid, "edit", text="")
    assert st == 400, f"edit to empty text: {st}, expected 400"
    tok = ctx.ed.csrf()
    st, _, _ = ctx.ed.post("/admin/comments/999999", {"action": "approve", "csrf": tok})
    assert st == 404, f"approve unknown comment: {st}, expected 404"
    assert cid not in public_texts(ctx.srv, SLUG2), "a bad action published the comment"


@test("main")
def t_users_roles(ctx):
    st, _, _ = ctx.ed.get("/admin/users")
    assert st == 403, f"editor GET /admin/users: {st}, expected 403"
    tok = ctx.ed.csrf()
    st, _, _ = ctx.ed.post("/admin/users", {"name": "mallory", "role": "admin",
                                            "password": "mallory-pw-1", "csrf": tok})
    assert st == 403, f"editor POST /admin/users: {st}, expected 403"
    st, _, _ = Session(ctx.srv).login("mallory", "mallory-pw-1", expect=None)
    assert st == 401, f"the editor's POST created a user ({st})"
    st, h, b = ctx.adm.get("/admin/users")
    assert st == 200, f"admin GET /admin/users: {st}"
    assert "editor1" in b.decode("utf-8"), "users page does not list editor1"
    tok = ctx.adm.csrf("/admin/users")
    ok_action(ctx.adm.post("/admin/users", {"name": "newed", "role": "editor",
                                            "password": "newed-pw-123", "csrf": tok}), "add user")
    s = Session(ctx.srv)
    s.login("newed", "newed-pw-123")
    st, _, _ = s.get("/admin")
    assert st == 200, f"new editor GET /admin: {st}"
    st, _, _ = s.get("/admin/users")
    assert st == 403, f"new editor (role editor) GET /admin/users: {st}"
    rc, out, _ = cli(["user", "list", "--db", ctx.srv.db])
    assert "newed" in out, f"`user list` lacks the web-added user: {out!r}"
    tok = ctx.adm.csrf("/admin/users")
    ok_action(ctx.adm.post("/admin/users", {"disable": "newed", "csrf": tok}), "disable user")
    st, _, _ = Session(ctx.srv).login("newed", "newed-pw-123", expect=None)
    assert st == 401, f"web-disabled user logs in: {st}"


@test("main")
def t_injection(ctx):
    s = ctx.srv
    # Comments: evil names and texts (held as pseudonyms, or published).
    evil_posts = []
    for i, name in enumerate(EVIL):
        text = (f"أرى أن مستقبل ليبيا {EVIL[(i + 1) % 3]} يحتاج إلى حوار وطني "
                f"{EVIL[(i + 2) % 3]} في طرابلس رقم {i}.")
        st, _, b = s.comment(name, text)
        assert st == 201, f"evil post {i}: {st} {b[:200]!r}"
        j = json.loads(b)
        evil_posts.append((j["id"], j["status"], name, text))
    real = ("كريم حداد", "من الواضح أن مستقبل ليبيا <script>alert(1)</script> غامض "
            "و\"><img src=x onerror=alert(1)> في طرابلس.")
    st, _, b = s.comment(*real)
    assert st == 201, st
    j = json.loads(b)
    evil_posts.append((j["id"], j["status"], real[0], real[1]))
    held = [e for e in evil_posts if e[1] == "pending"]
    assert held, f"no evil comment held: {[e[1] for e in evil_posts]}"
    # Actions with evil reasons and texts.
    ok_action(ctx.ed.act(held[0][0], "approve"), "approve evil")
    if len(held) > 1:
        ok_action(ctx.ed.act(held[1][0], "reject", reason=" ".join(EVIL)), "reject evil reason")
    ok_action(ctx.ed.act(held[0][0], "edit", text="تعديل " + " ".join(EVIL)), "edit evil")
    tok = ctx.adm.csrf("/admin/users")
    st, _, _ = ctx.adm.post("/admin/users", {"name": EVIL[1], "role": "editor",
                                             "password": "evil-pw-1234", "csrf": tok})
    assert st in (200, 303, 400), f"evil user name: {st}"
    st, _, _ = ctx.adm.post("/admin/users", {"name": EVIL[0], "role": "editor",
                                             "password": "evil-pw-1234", "csrf": tok})
    assert st in (200, 303, 400), f"evil user name: {st}"
    pages = ["/admin", "/admin?status=rejected", "/admin?status=published", "/admin/audit",
             "/admin/stats", "/admin/users"] + [f"/admin/comments/{e[0]}" for e in evil_posts]
    for p in pages:
        sess = ctx.adm
        st, h, b = sess.get(p)
        assert st == 200, f"{p}: {st}"
        t = b.decode("utf-8")
        for r in RAW_BAD:
            assert r not in t, f"{p} contains raw {r!r}"
    for p in (f"/a/{SLUG}", f"/fragment/{SLUG}"):
        t = page_text(s) if p.startswith("/a/") else s.get(p)[2].decode("utf-8")
        for r in RAW_BAD:
            assert r not in t, f"{p} contains raw {r!r}"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_text(s), \
        "the approved+edited evil text is not on the public page (escaped)"
    # The database still works and still has its tables.
    rc, out, err = sqlite(s.db, "SELECT count(*) FROM comments")
    want = len(ctx.ids) + len(evil_posts)
    assert rc == 0 and out.strip() == str(want), \
        f"comments table: {out!r}, expected {want} {err.strip()[-300:]!r}"
    rc, out, err = sqlite(s.db, "PRAGMA integrity_check")
    assert rc == 0 and out.strip() == "ok", f"integrity_check: {out!r} {err!r}"
    st, _, b = s.comment("منى علي", H.numbered(7))
    assert st == 201, f"posting after the injection: {st} {b[:200]!r}"
    assert json.loads(b)["id"] in public_texts(s), "new comment not public"
    st, _, _ = ctx.ed.get("/admin")
    assert st == 200
    ctx.evil_posts = evil_posts


@test("main")
def t_audit(ctx):
    entries = audit_entries(ctx.ed)
    assert entries, "empty audit log"
    for k in ("actor", "action", "before", "after"):
        assert all(k in e for e in entries), f"audit entries lack {k!r}: {entries[0]}"
    assert any(k in entries[0] for k in ("at", "time", "created_at", "when")), \
        f"audit entries lack a time: {entries[0]}"
    I = ctx.ids
    for key, action in (("insult", "approve"), ("rej", "reject"), ("clean", "edit"),
                        ("phone", "unpublish"), ("b1", "approve"), ("b2", "approve"),
                        ("dialect", "edit"), ("dialect", "approve")):
        es = entries_for(entries, I[key], action)
        assert es, f"no audit entry {action} for the {key} comment (id {I[key]})"
        assert es[0]["actor"] == "editor1", f"{action} {key}: actor {es[0]['actor']!r}"
    e = entries_for(entries, I["clean"], "edit")[0]
    assert CLEAN[1] in json.dumps(e["before"], ensure_ascii=False), f"edit before: {e['before']!r}"
    assert EDITED in json.dumps(e["after"], ensure_ascii=False), f"edit after: {e['after']!r}"
    e = entries_for(entries, I["insult"], "approve")[0]
    assert "pending" in json.dumps(e["before"]) and "published" in json.dumps(e["after"]), \
        f"approve before/after: {e['before']!r} -> {e['after']!r}"
    assert any(e.get("actor") == "raqib" for e in entries), "no automatic screening events"
    assert any(e.get("actor") == "admin1" and "newed" in json.dumps(e, ensure_ascii=False)
               and "add" in e["action"] for e in entries), "adding a user was not audited"
    assert any(e.get("actor") == "admin1" and "newed" in json.dumps(e, ensure_ascii=False)
               and "disable" in e["action"] for e in entries), "disabling a user was not audited"
    e = entries_for(entries, I["rej"], "reject")[0]
    assert "إساءة واضحة للكاتب" in json.dumps(e, ensure_ascii=False), \
        f"the reject reason is not in its audit entry: {e}"
    # Filters.
    only = audit_entries(ctx.ed, f"comment={I['insult']}")
    assert only and all(entry_comment(e) == I["insult"] for e in only), "audit ?comment= filter"
    only = audit_entries(ctx.ed, "action=reject")
    assert only and all(e["action"] == "reject" for e in only), "audit ?action= filter"
    only = audit_entries(ctx.ed, "actor=raqib")
    assert only and all(e["actor"] == "raqib" for e in only), "audit ?actor= filter"
    # CSV: parses, header, the same events.
    st, h, b = ctx.ed.get("/admin/audit?format=csv")
    assert st == 200, f"audit csv: {st}"
    assert "csv" in h.get("content-type", ""), h.get("content-type")
    rows = list(csv.reader(io.StringIO(b.decode("utf-8-sig"))))
    assert len(rows) >= 2, "csv has no rows"
    head = [c.strip().lower() for c in rows[0]]
    assert "actor" in head and "action" in head, f"csv header {rows[0]}"
    ai = head.index("action")
    assert all(len(r) == len(head) for r in rows[1:]), "csv rows of unequal width"
    assert "edit" in [r[ai] for r in rows[1:]], "csv lacks the edit event"
    assert any(CLEAN[1] in c for r in rows for c in r), "csv lacks the edit's before text"
    # The HTML audit page.
    st, h, b = ctx.ed.get("/admin/audit")
    assert st == 200 and "editor1" in b.decode("utf-8"), "audit page lacks the editor"


@test("main")
def t_audit_immutable(ctx):
    n0 = len(audit_entries(ctx.ed))
    tok = ctx.ed.csrf()
    for m in ("POST", "PUT", "DELETE", "PATCH"):
        st, _, _ = ctx.ed.req(m, "/admin/audit", {"csrf": tok, "action": "delete", "id": 1})
        assert st in (403, 404, 405), f"{m} /admin/audit: {st}"
    db = ctx.srv.db
    for sql in ("UPDATE audit SET actor='x'", "DELETE FROM audit",
                "UPDATE audit SET after='' WHERE id=1"):
        rc, out, err = sqlite(db, sql)
        assert rc != 0, f"sqlite3 {sql!r} succeeded (exit 0): the audit log is editable"
    rc, out, _ = sqlite(db, "SELECT count(*) FROM audit WHERE actor='x'")
    assert out.strip() == "0", out
    assert len(audit_entries(ctx.ed)) == n0, "audit entries changed"


@test("main")
def t_export_feedback(ctx):
    db = ctx.srv.db
    rc, out, err = cli(["export-feedback", "--since", "2000-01-01", "--db", db])
    assert rc == 0, f"export-feedback: exit {rc} {err.strip()[-300:]!r}"
    lines = [ln for ln in out.split("\n") if ln]
    assert lines, "export-feedback wrote nothing"
    rules = {"honeypot", "spam", "insult", "hate", "off_topic", "dialect", "foreign",
             "pseudonym", "phone", "ok"}
    rows = []
    for ln in lines:
        cols = ln.split("\t")
        if cols[:2] == ["text", "label"]:
            continue
        assert len(cols) >= 2, f"not text<TAB>label: {ln!r}"
        assert cols[1] in rules, f"label {cols[1]!r} in {ln!r}"
        rows.append(cols)
    byt = {}
    for c in rows:
        assert len(c) == 3 and c[2] == (c[1] if c[1] != "ok" else c[2]), \
            f"not text<TAB>label<TAB>group (group = the rule without --rule): {c}"
        byt.setdefault(c[0], set()).add((c[1], c[2]))
    assert byt.get(INSULT[1]) == {("ok", "insult")}, f"approved insult-held: {byt.get(INSULT[1])}"
    assert ("insult", "insult") in byt.get(INS_REJ[1], set()), f"rejected: {byt.get(INS_REJ[1])}"
    assert ("ok", "insult") in byt.get(INS_B1[1], set()) and \
        ("ok", "insult") in byt.get(INS_B2[1], set()), "bulk-approved comments missing"
    # Edited then published: the reader's text breaks the rule, the edit is ok.
    assert ("dialect", "dialect") in byt.get(DIALECT[1], set()), byt.get(DIALECT[1])
    assert ("ok", "dialect") in byt.get(ctx.dialect_new, set()), byt.get(ctx.dialect_new)
    assert DIALECT2[1] not in byt, "an undecided comment was exported"
    assert CLEAN2[1] not in byt, "an automatically published, undecided comment was exported"
    # --out, --rule, and a date after everything: nothing.
    outf = os.path.join(ctx.tmp, "fb.tsv")
    rc, _, err = cli(["export-feedback", "--since", "2000-01-01", "--db", db, "--out", outf])
    assert rc == 0, err
    with open(outf, encoding="utf-8") as f:
        assert [ln for ln in f.read().split("\n") if ln] == lines, "--out differs from stdout"
    rc, out, err = cli(["export-feedback", "--since", "2000-01-01", "--rule", "insult", "--db", db])
    assert rc == 0, err
    ins = [ln.split("\t") for ln in out.split("\n") if ln]
    assert ins and all(c[2] == "editors" and c[1] in ("insult", "ok") for c in ins), ins[:3]
    assert sorted(c[:2] for c in ins) == sorted(c[:2] for c in rows if c[2] == "insult"), \
        "--rule insult differs from the insult group of the full export"
    rc, out, _ = cli(["export-feedback", "--since", "2999-01-01", "--db", db])
    assert rc == 0 and not [ln for ln in out.split("\n") if ln and not ln.startswith("text\t")], \
        f"--since 2999: {out!r}"
    rc, _, _ = cli(["export-feedback", "--since", "yesterday", "--db", db])
    assert rc == 2, f"--since yesterday: exit {rc}, expected 2"
    rc, _, _ = cli(["export-feedback", "--db", db])
    assert rc == 2, f"no --since: exit {rc}, expected 2"
    # `raqib train` reads it (README: the base set + the feedback, weighted).
    tr = os.path.join(ctx.tmp, "insult-fb.tsv")
    with open(tr, "w", encoding="utf-8") as f:
        f.write(out_rule_insult(db))
    model = os.path.join(ctx.tmp, "fb.model")
    rc, out, err = cli(["train", "--rule", "insult", "--train", tr, "--out", model,
                        "--hash-bits", "16", "--weight", "editors=3"], timeout=120)
    assert rc == 0, f"raqib train on the feedback: exit {rc} {err.strip()[-300:]!r}"
    assert os.path.getsize(model) > 0
    rc, out, err = cli(["eval", "--rule", "insult", "--model", model, tr], timeout=60)
    assert rc == 0, f"raqib eval with the feedback model: exit {rc} {err.strip()[-300:]!r}"


def out_rule_insult(db):
    rc, out, err = cli(["export-feedback", "--since", "2000-01-01", "--rule", "insult", "--db", db])
    assert rc == 0, err
    return out


@test("main")
def t_ban(ctx):
    cid = ctx.ids["clean2"]
    ok_action(ctx.ed.act(cid, "ban", days="1"), "ban")
    es = entries_for(audit_entries(ctx.ed), cid, "ban")
    assert es, "no audit entry for the ban"
    st, _, b = ctx.srv.comment(CLEAN2[0], H.numbered(11))
    if st == 201:
        j = json.loads(b)
        assert j["status"] == "rejected", f"banned author's post: {j['status']}"
        assert j["id"] not in public_texts(ctx.srv)
    else:
        assert st in (403, 429), f"banned author's post: {st} {b[:200]!r}"


@test("main")
def t_logout(ctx):
    sess = ctx.ed
    cookie = dict(sess.jar)
    tok = sess.csrf()
    st, h, b = sess.post("/admin/logout", {"csrf": tok})
    assert st in (200, 303), f"logout: {st}"
    old = Session(ctx.srv)
    old.jar = cookie
    st, h, _ = old.get("/admin")
    assert st == 303 and loc_path(h)[0] == "/admin/login", f"old cookie after logout: GET {st}"
    st, _, _ = old.post(f"/admin/comments/{ctx.ids['dialect2']}", {"action": "approve",
                                                                   "csrf": tok})
    assert st == 403, f"old cookie after logout: POST {st}"


# ---------------------------------------------------------- group login --

@test("login")
def t_wrong_password(ctx):
    a = Session(ctx.srv).login("editor1", "wrong-password", expect=401)
    b = Session(ctx.srv).login("no-such-user", "wrong-password", expect=401)
    admin_headers_ok(a[1], "401 login")
    ta, tb = text_of(a[2]), text_of(b[2])
    ta = ta.replace("no-such-user", "editor1")
    tb = tb.replace("no-such-user", "editor1")
    assert ta == tb, f"different pages for a wrong password and an unknown user:\n{ta}\n{tb}"
    assert "set-cookie" not in a[1] or "raqib_session=" not in a[1]["set-cookie"] or \
        re.search(r"raqib_session=(;|\"\")", a[1]["set-cookie"]), "a failed login set a session"


@test("login")
def t_lockout(ctx):
    # t_wrong_password made 2 failures from this address; one more reaches 3.
    Session(ctx.srv).login("editor1", "wrong-again", expect=401)
    st, h, b = Session(ctx.srv).login("editor1", PW["editor1"], expect=None)
    assert st == 429, f"login after 3 failures: {st}, expected 429"
    ra = h.get("retry-after", "")
    assert ra.isdigit() and 0 < int(ra) <= 60, f"Retry-After {ra!r} (lockout = 60)"
    st, h, b = Session(ctx.srv).login("editor2", PW["editor2"], expect=None)
    assert st == 429, f"another account from the locked address: {st}, expected 429"


# ----------------------------------------------------------- group idle --

@test("idle")
def t_session_idle(ctx):
    s = Session(ctx.srv)
    s.login("editor1", PW["editor1"])
    for _ in range(3):
        time.sleep(0.6)
        st, _, _ = s.get("/admin")
        assert st == 200, f"active session expired within the idle time: {st}"
    time.sleep(3.1)
    st, h, _ = s.get("/admin")
    assert st == 303 and loc_path(h)[0] == "/admin/login", \
        f"after 3 s idle (session_idle = 2): {st} {h.get('location')!r}"
    st, _, _ = s.post(f"/admin/comments/1", {"action": "approve", "csrf": "x"})
    assert st == 403, f"POST with an expired session: {st}"


# ------------------------------------------------------------ group max --

@test("max")
def t_session_max_secure(ctx):
    s = Session(ctx.srv)
    s.login("editor1", PW["editor1"])
    c = [c for c in s.last_set_cookies if c.strip().startswith("raqib_session=")]
    assert c and "secure" in [a.strip().lower() for a in c[0].split(";")[1:]], \
        f"secure_cookies = true but the cookie lacks Secure: {c}"
    t0 = time.time()
    while time.time() - t0 < 1.5:
        st, _, _ = s.get("/admin")
        assert st == 200, f"session ended before session_max: {st}"
        time.sleep(0.5)
    time.sleep(3.0)
    st, h, _ = s.get("/admin")
    assert st == 303 and loc_path(h)[0] == "/admin/login", \
        f"active session after session_max = 3: {st} {h.get('location')!r}"


# -------------------------------------------------------- group webhook --

class Hook:
    """A loopback HTTP server recording the webhook's POSTs; `delay`
    seconds before it answers (a slow receiver)."""

    def __init__(self, delay=0.0):
        import http.server
        import threading
        hook = self
        self.got = []
        self.delay = delay
        self.event = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                hook.got.append((self.path, dict(self.headers), body))
                hook.event.set()
                time.sleep(hook.delay)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@test("webhook")
def t_webhook(ctx):
    s = ctx.srv
    st, _, b = s.put_article(SLUG, ARTICLE)
    assert st == 201, st
    assert H.cli_decision(*CLEAN) == "publish" and H.cli_decision(*INSULT) == "hold"
    st, _, b = s.comment(*CLEAN)
    assert st == 201 and json.loads(b)["status"] == "published", b[:200]
    t0 = time.time()
    st, _, b = s.comment(*INSULT)
    took = time.time() - t0
    assert st == 201 and json.loads(b)["status"] == "pending", b[:200]
    cid = json.loads(b)["id"]
    assert took < 1.5, f"a held post took {took:.1f}s with a slow webhook receiver"
    assert ctx.hook.event.wait(6), "no webhook POST within 6 s"
    path, hdrs, body = ctx.hook.got[0]
    assert path == "/hook", path
    ct = {k.lower(): v for k, v in hdrs.items()}.get("content-type", "")
    assert ct.startswith("application/json"), f"webhook Content-Type {ct!r}"
    j = json.loads(body)
    assert j.get("event") == "comment.pending", j
    for k in ("id", "article", "name", "text", "reasons", "url"):
        assert k in j, f"webhook body lacks {k!r}: {sorted(j)}"
    assert j["id"] == cid and j["text"] == INSULT[1] and j["name"] == INSULT[0], j
    assert j["article"] in (SLUG, ARTICLE["title"]) or (isinstance(j["article"], dict)
                                                         and j["article"].get("slug") == SLUG), j
    assert "insult" in json.dumps(j["reasons"]), j["reasons"]
    assert f"/admin/comments/{cid}" in j["url"], j["url"]
    assert len(ctx.hook.got) == 1, f"the published comment was sent too: {len(ctx.hook.got)}"
    # A slow receiver does not hold up the next posts either.
    t0 = time.time()
    for i in range(3):
        st, _, b = s.comment("رامي", f"هذا الكاتب أحمق وغبي ولا يفهم شيئا عن ليبيا رقم {i}.")
        assert st == 201, st
    assert time.time() - t0 < 2.0, f"3 held posts took {time.time() - t0:.1f}s"



@test("webhook")
def t_webhook_shutdown(ctx):
    """SIGTERM while deliveries to a slow receiver (3 s each) are queued:
    the server stops within one delivery's 5 s timeout plus a margin, not
    after draining the whole queue."""
    import signal
    p = ctx.srv.proc
    ctx.stopped = True
    queued = 4 - len(ctx.hook.got)
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = None
    took = time.time() - t0
    assert rc == 0, f"exit status {rc} after SIGTERM"
    assert took <= 7.0, (f"SIGTERM took {took:.1f}s with {queued} webhook deliveries still "
                         f"queued for a receiver answering in 3 s (received "
                         f"{len(ctx.hook.got)} of 4): shutdown drains the webhook queue")


# ----------------------------------------------------------------- main --

GROUPS = {
    # group: [admin] lines; None = no server
    "cli": None,
    "main": "max_failures = 20\n",
    "login": "max_failures = 3\nlockout = 60\n",
    "idle": "session_idle = 2\n",
    "max": "session_max = 3\nsession_idle = 60\n",
    "webhook": "webhook_url = http://127.0.0.1:{hook}/hook\n",
}
SERVER_EXTRA = {"max": "secure_cookies = true"}


def make_users(db):
    for name, role in (("editor1", "editor"), ("admin1", "admin"), ("ghost", "editor"),
                       ("editor2", "editor")):
        rc, _, err = user_add(db, name, role, PW[name])
        if rc != 0:
            raise AssertionError(f"raqib user add {name}: exit {rc} {err.strip()[-300:]!r}")


def main():
    global RAQIB
    args = RUNNER.args()
    if not args:
        return 2
    RAQIB = H.RAQIB = args[0]
    only = args[1]
    for group, extra in GROUPS.items():
        tests = RUNNER.selected(group, only)
        if not tests:
            continue
        with tempfile.TemporaryDirectory(prefix="raqib-admin.") as tmp:
            ctx = Ctx()
            ctx.tmp = tmp
            ctx.srv = None
            if extra is not None:
                try:
                    make_users(os.path.join(tmp, "t.db"))
                    if "{hook}" in extra:
                        ctx.hook = Hook(delay=3.0)
                        extra = extra.replace("{hook}", str(ctx.hook.port))
                    ctx.srv = AdminServer(tmp, extra,
                                          server_extra=SERVER_EXTRA.get(group, "")).start()
                except Exception as e:
                    RUNNER.fail(f"{group}/setup", str(e)[:600])
                    for fn in tests:
                        RUNNER.fail(f"{group}/{fn.__name__}", "not run (setup failed)")
                    continue
            for fn in tests:
                RUNNER.run(group, fn, ctx)
                if ctx.srv and not getattr(ctx, "stopped", 0) and RUNNER.died(group, fn, ctx.srv):
                    break
                sys.stdout.flush()
            if ctx.srv:
                t1 = time.time()
                rc = ctx.srv.stop()
                if time.time() - t1 > 8:
                    print(f"NOTE {group}: SIGTERM took {time.time() - t1:.1f}s")
                if getattr(ctx, "hook", None):
                    ctx.hook.close()
                RUNNER.sigterm(group, rc, ctx.srv)
    return RUNNER.summary()


# ------------------------------------------------------- group settings --
# /admin/settings: the screening policy an admin changes at run time.

PHONE2 = ("ليلى منصور", "أكتب من طرابلس عن حفتر والحرب في ليبيا، ومن أراد شهادتي "
          "فهاتفي 0912345678 في أي وقت.")
INSULT2 = ("وليد", "الكاتب تافه وغبي ولا يعرف شيئا عن حفتر وليبيا.")


def cli_rules(pair):
    """(decision, rules of the reasons) that `raqib check --json` gives
    with the config file alone (no stored settings)."""
    line = json.dumps({"name": pair[0], "text": pair[1],
                       "article": {"title": ARTICLE["title"], "body": ARTICLE["body"]}},
                      ensure_ascii=False)
    r = subprocess.run([RAQIB, "check", "--json"], input=line.encode() + b"\n",
                       capture_output=True, timeout=30)
    j = json.loads(r.stdout.decode().splitlines()[0])
    return j["decision"], sorted({x["rule"] for x in j["reasons"]})


def post_status(srv, pair):
    st, h, b = srv.comment(*pair)
    assert st == 201, f"post {pair[0]}: {st} {b[:300]!r}"
    return json.loads(b)["status"]


def settings_form(sess):
    """The csrf token and the fields of the settings form as shown."""
    st, h, b = sess.get("/admin/settings")
    assert st == 200, f"GET /admin/settings: {st} {text_of(b)[:300]!r}"
    t = b.decode("utf-8")
    fields = dict(re.findall(r'<input type="number" name="([a-z_]+\.[a-z_]+)"[^>]*value="([^"]*)"', t))
    for name, body in re.findall(r'<select name="([a-z_]+\.[a-z_]+)">(.*?)</select>', t, re.S):
        m = re.search(r'<option value="([^"]*)" selected>', body)
        assert m, f"select {name} has no selected option"
        fields[name] = m.group(1)
    return csrf_of(b), fields, t


def settings_audit(sess):
    return [e for e in audit_entries(sess, "action=settings") if e.get("action") == "settings"]


@test("settings")
def t_settings_setup(ctx):
    s = ctx.srv
    st, _, b = s.put_article(SLUG, ARTICLE)
    assert st == 201, f"PUT article: {st} {b[:200]!r}"
    assert cli_rules(PHONE_C) == ("shorten", ["phone"]), cli_rules(PHONE_C)
    assert cli_rules(PHONE2) == ("shorten", ["phone"]), cli_rules(PHONE2)
    assert cli_rules(INSULT) == ("hold", ["insult"]), cli_rules(INSULT)
    assert cli_rules(INSULT2) == ("hold", ["insult"]), cli_rules(INSULT2)
    assert post_status(s, PHONE_C) == "shortened"
    ctx.admin = Session(s)
    ctx.admin.login("admin1", PW["admin1"])
    ctx.editor = Session(s)
    ctx.editor.login("editor1", PW["editor1"])


@test("settings")
def t_settings_page(ctx):
    tok, f, t = settings_form(ctx.admin)
    assert tok, "no csrf on the settings form"
    # every rule with its Arabic name, its action and thresholds as in effect
    for rule in ("honeypot", "spam", "insult", "hate", "off_topic", "dialect", "foreign",
                 "pseudonym", "phone"):
        for k in ("enabled", "action", "threshold", "reject_threshold"):
            assert f"{rule}.{k}" in f, f"no field {rule}.{k} on the settings page"
    assert f["phone.action"] == "shorten" and f["insult.action"] == "hold", f
    assert f["spam.reject_threshold"] == "0.9" and f["insult.enabled"] == "true", f
    vis = text_of(t)
    for ar in ("رقم هاتف", "إساءة إلى أشخاص", "لهجة عامية"):
        assert ar in vis, f"rule name {ar!r} missing"
    # read-only: the pseudonym model built in; the [server]/[site] settings
    assert "مدمج" in vis, "the pseudonym model is not shown"
    for v in ("أخبار المثال", "Europe/Berlin", "http://example.test", "50"):
        assert v in vis, f"server setting {v!r} not shown"
    assert 'name="site' not in t and 'name="timezone' not in t, "server settings are editable"
    st, h, b = ctx.admin.get("/admin")
    assert b'href="/admin/settings"' in b, "no nav link to /admin/settings for an admin"
    admin_headers_ok(h, "/admin/settings")


@test("settings")
def t_settings_editor_forbidden(ctx):
    st, _, b = ctx.editor.get("/admin/settings")
    assert st == 403, f"editor GET /admin/settings: {st}"
    tok = ctx.editor.csrf("/admin")
    st, _, b = ctx.editor.post("/admin/settings", {"csrf": tok, "phone.action": "reject"})
    assert st == 403, f"editor POST /admin/settings: {st}"
    st, _, b = ctx.editor.get("/admin")
    assert b'href="/admin/settings"' not in b, "an editor sees the settings link"
    st, _, _ = Session(ctx.srv).post("/admin/settings", {"phone.action": "reject"})
    assert st == 403, f"anonymous POST /admin/settings: {st}"
    _, f, _ = settings_form(ctx.admin)
    assert f["phone.action"] == "shorten", f"an editor's POST changed the policy: {f}"


@test("settings")
def t_settings_no_csrf(ctx):
    st, _, b = ctx.admin.post("/admin/settings", {"phone.action": "reject"})
    assert st == 403, f"POST without csrf: {st}"
    st, _, b = ctx.admin.post("/admin/settings", {"phone.action": "reject", "csrf": "0" * 32})
    assert st == 403, f"POST with a wrong csrf: {st}"
    _, f, _ = settings_form(ctx.admin)
    assert f["phone.action"] == "shorten", f"a POST without csrf changed the policy: {f}"


@test("settings")
def t_settings_invalid(ctx):
    n0 = len(settings_audit(ctx.admin))
    for bad in ({"phone.threshold": "1.5"}, {"phone.threshold": "-0.1"},
                {"phone.threshold": "nan"}, {"phone.threshold": "abc"},
                {"phone.reject_threshold": "2.5"}, {"phone.action": "delete"},
                {"insult.enabled": "maybe"},
                # one bad field among good ones: nothing at all changes
                {"phone.action": "hold", "insult.enabled": "false", "spam.threshold": "7"}):
        tok, _, _ = settings_form(ctx.admin)
        st, _, b = ctx.admin.post("/admin/settings", dict(bad, csrf=tok))
        assert st == 400, f"{bad}: {st} {text_of(b)[:200]!r}"
    _, f, _ = settings_form(ctx.admin)
    assert (f["phone.action"], f["phone.threshold"], f["insult.enabled"],
            f["spam.threshold"]) == ("shorten", "0.5", "true", "0.5"), f
    assert len(settings_audit(ctx.admin)) == n0, "a refused change was audited"
    _, db_out, _ = sqlite(ctx.srv.db, "SELECT count(*) FROM settings")
    assert db_out.strip() == "0", f"refused changes were stored: {db_out!r}"


@test("settings")
def t_settings_phone_hold(ctx):
    tok, f, _ = settings_form(ctx.admin)
    f["phone.action"] = "hold"
    f["csrf"] = tok
    st, h, b = ctx.admin.post("/admin/settings", f)     # the whole form, as a browser sends it
    assert st == 303, f"save: {st} {text_of(b)[:300]!r}"
    assert loc_path(h)[0] == "/admin/settings", h.get("location")
    assert post_status(ctx.srv, PHONE2) == "pending", "phone action hold did not hold the next comment"
    _, f, t = settings_form(ctx.admin)
    assert f["phone.action"] == "hold", f
    assert "admin1" in text_of(t), "the override does not say who changed it"
    _, out, _ = sqlite(ctx.srv.db, "SELECT rule, key, value, updated_by FROM settings")
    assert out.strip() == "phone|action|hold|admin1", f"settings rows: {out!r}"
    ev = settings_audit(ctx.admin)
    assert len(ev) == 1, f"audit events 'settings': {ev}"
    e = ev[0]
    assert e.get("actor") == "admin1", e
    before, after = json.loads(e["before"]), json.loads(e["after"])
    assert before == {"phone.action": "shorten"} and after == {"phone.action": "hold"}, e


@test("settings")
def t_settings_insult_disabled(ctx):
    assert post_status(ctx.srv, INSULT2) == "pending"
    tok, _, _ = settings_form(ctx.admin)
    st, _, b = ctx.admin.post("/admin/settings", {"csrf": tok, "insult.enabled": "false"})
    assert st == 303, f"save: {st} {text_of(b)[:300]!r}"
    assert post_status(ctx.srv, INSULT) == "published", "a disabled insult rule still held"
    ev = settings_audit(ctx.admin)
    assert len(ev) == 2 and json.loads(ev[0]["after"]) == {"insult.enabled": "false"}, ev
    # saving what is already in effect changes nothing and writes no event
    tok, f, _ = settings_form(ctx.admin)
    st, _, _ = ctx.admin.post("/admin/settings", dict(f, csrf=tok))
    assert st == 303, st
    assert len(settings_audit(ctx.admin)) == 2, "an empty change was audited"


@test("settings")
def t_settings_restart(ctx):
    """The overrides survive a restart on the same database; a stored one
    that no longer validates is skipped with a warning."""
    rc, _, err = sqlite(ctx.srv.db, "INSERT INTO settings VALUES ('spam', 'threshold', '9',"
                                    " 0, 'x'), ('nosuch', 'action', 'hold', 0, 'x')")
    assert rc == 0, err
    assert ctx.srv.stop() == 0, "SIGTERM"
    ctx.srv.start()
    ctx.admin = Session(ctx.srv)
    ctx.admin.login("admin1", PW["admin1"])
    _, f, _ = settings_form(ctx.admin)
    assert (f["phone.action"], f["insult.enabled"], f["spam.threshold"]) == \
        ("hold", "false", "0.5"), f
    tail = ctx.srv.stderr_tail(6000)
    assert "nosuch" in tail and "spam" in tail and "ignored" in tail, \
        f"no warning for the invalid stored settings: {tail[-600:]!r}"
    phone3 = (PHONE2[0], PHONE2[1].replace("0912345678", "0923456789"))
    assert post_status(ctx.srv, phone3) == "pending", "phone hold lost in the restart"
    ins3 = (INSULT[0], INSULT[1] + " حقا")
    assert post_status(ctx.srv, ins3) == "published", "insult disabled lost in the restart"
    # back to the file's values: the overrides go, the file rules again
    tok, _, _ = settings_form(ctx.admin)
    st, _, _ = ctx.admin.post("/admin/settings", {"csrf": tok, "phone.action": "shorten",
                                                  "insult.enabled": "true"})
    assert st == 303, st
    _, out, _ = sqlite(ctx.srv.db, "SELECT rule FROM settings ORDER BY rule")
    assert out.split() == ["nosuch", "spam"], f"settings rows after reset: {out!r}"
    phone4 = (PHONE2[0], PHONE2[1].replace("0912345678", "0934567890"))
    assert post_status(ctx.srv, phone4) == "shortened"


GROUPS["settings"] = "max_failures = 20\n"


if __name__ == "__main__":
    sys.exit(main())
