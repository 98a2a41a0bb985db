#!/usr/bin/env python3
"""tests/http_test.py — `raqib serve` over real HTTP (make http-test).

    python3 tests/http_test.py path/to/raqib [TEST-NAME-SUBSTRING ...]

Checks the contract of docs/http.md against a real server on an ephemeral
loopback port: routes, JSON fields, form fields, status codes, escaping,
caching headers, CORS, durability across SIGTERM and SIGKILL. Python 3
standard library only. Every group starts its own server on a fresh database
(config tests/http/base.conf or ratelimit.conf; the "noconfig" group runs
without --config and without an admin token), with RAQIB_ADMIN_TOKEN set to
a random value, and stops it with SIGTERM, which must exit 0.

The example comments were checked with `raqib check --json` against the same
article (tests/http/article.json): the clean ones publish, the phone one is
shortened, the insult is held. If the screening changes, the test that relies
on a decision says so in its failure message (it re-checks through the CLI).

Prints one PASS/FAIL line per test; exit status 1 when anything failed.
"""

import html.parser
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from httplib import Ctx, Runner, exchange  # noqa: E402

CONF_DIR = os.path.join(HERE, "http")
RAQIB = None
ADMIN = secrets.token_hex(16)
SLUG = "haftar-libya"
ARTICLE = json.load(open(os.path.join(CONF_DIR, "article.json"), encoding="utf-8"))
TIME_RE = re.compile(r"\d\d\.\d\d\.\d{4} \| \d\d:\d\d")
PHONE = "0551234567"

# Decisions verified with `raqib check --json` and this article.
CLEAN = ("عبدالحميد",
         "أرى أن المشير خليفة حفتر أعاد بناء الجيش الليبي بعد سنوات من التهميش، "
         "لكن مستقبل ليبيا يحتاج إلى حكومة وفاق حقيقية في طرابلس تجمع كل الأطراف.")
CLEAN2 = ("كريم حداد",
          "يشرح المقال بوضوح كيف تحولت ليبيا بعد سقوط القذافي إلى ساحة صراع بين "
          "حكومة الوفاق في طرابلس وقوات حفتر في الشرق.")
PHONE_C = ("كريم حداد",
           "أتفق مع الكاتب في أن حفتر رجل عسكري قبل كل شيء، وقد كتبت لكم من بنغازي "
           "وهاتفي " + PHONE + " لمن يريد شهادتي عن الحرب في ليبيا.")
INSULT = ("أحمد", "أنت غبي وحمار يا كاتب المقال عن حفتر وليبيا.")
HONEY = ("سامي", "أعتقد أن الأزمة الليبية لن تحسم بالقوة وحدها كما يشرح المقال عن حفتر.")

A = ["أرى", "أعتقد", "يبدو لي", "من الواضح", "أظن"]
B = ["أن مستقبل ليبيا", "أن دور حفتر", "أن حكومة الوفاق", "أن الجيش الليبي",
     "أن الأزمة الليبية", "أن الحرب في بنغازي"]
C = ["يحتاج إلى حوار وطني", "مرتبط بالدعم الخارجي", "لن يحسم بالقوة وحدها",
     "يتطلب مصالحة حقيقية", "يتأثر بموقف مصر وروسيا", "يعتمد على وحدة المؤسسات"]
D = ["في طرابلس", "في الشرق", "بعد سقوط القذافي", "في هذه المرحلة",
     "خلال السنوات القادمة", "كما يشرح المقال", "حسب رأيي", "على المدى البعيد",
     "قبل الانتخابات", "دون تدخل أجنبي"]


def numbered(i, tag=""):
    """A distinct publishable MSA comment about the article (i < 1800): the
    word combination alone is unique, the number only helps reading logs."""
    return (f"{A[i % 5]} {B[(i // 5) % 6]} {C[(i // 30) % 6]} {D[(i // 180) % 10]}، "
            f"وهذه ملاحظتي رقم {i + 1}{tag} على المقال.")


def cli_decision(name, text):
    """What `raqib check --json` decides for this comment and article."""
    line = json.dumps({"name": name, "text": text,
                       "article": {"title": ARTICLE["title"], "body": ARTICLE["body"]}},
                      ensure_ascii=False)
    r = subprocess.run([RAQIB, "check", "--json"], input=line.encode() + b"\n",
                       capture_output=True, timeout=30)
    return json.loads(r.stdout.decode().splitlines()[0]).get("decision")


# ---------------------------------------------------------------- server --

class Server:
    """One `raqib serve` process on 127.0.0.1:0 with its own config."""

    def __init__(self, tmp, conf_name="base.conf", extra="", db=None, admin=ADMIN):
        """conf_name None: no --config (the built-in defaults); admin None:
        no RAQIB_ADMIN_TOKEN in the environment."""
        self.tmp = tmp
        self.db = db or os.path.join(tmp, "t.db")
        self.conf = None
        self.admin = admin
        if conf_name:
            self.conf = os.path.join(tmp, "raqib.conf")
            with open(os.path.join(CONF_DIR, conf_name), encoding="utf-8") as f:
                base = f.read()
            with open(self.conf, "w", encoding="utf-8") as f:
                f.write(base + extra)
        self.proc = None
        self.port = None
        self.stderr_path = os.path.join(tmp, "stderr.log")

    def start(self, timeout=10.0):
        env = dict(os.environ)
        env.pop("RAQIB_ADMIN_TOKEN", None)
        if self.admin is not None:
            env["RAQIB_ADMIN_TOKEN"] = self.admin
        self.errf = open(self.stderr_path, "ab")
        conf = ["--config", self.conf] if self.conf else []
        self.proc = subprocess.Popen(
            [RAQIB, "serve"] + conf + ["--listen", "127.0.0.1:0", "--db", self.db],
            stdout=subprocess.PIPE, stderr=self.errf, env=env, cwd=self.tmp)
        line = [None]

        def read():
            line[0] = self.proc.stdout.readline()
        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(timeout)
        got = (line[0] or b"").decode("utf-8", "replace")
        m = re.fullmatch(r"raqib: listening on http://127\.0\.0\.1:(\d+)/\n", got)
        if not m:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"no listening line within {timeout}s (got {got!r}, "
                                 f"exit {self.proc.returncode}); stderr:\n" + self.stderr_tail())
        self.port = int(m.group(1))
        # Anything else on stdout breaks the "exactly one line" promise; drain it.
        self.extra_stdout = []
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self):
        for ln in self.proc.stdout:
            self.extra_stdout.append(ln)

    def stderr_tail(self, n=2000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout=10.0):
        """SIGTERM; returns the exit status (None if it had to be killed)."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        finally:
            self.errf.close()

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.errf.close()

    # -- HTTP --
    def req(self, method, path, body=None, headers=None, timeout=15.0):
        """(status, headers with lower-case names, body bytes)."""
        return exchange(self.port, method, path, body, headers, timeout)[:3]

    def get(self, path, headers=None):
        return self.req("GET", path, headers=headers)

    def post_json(self, path, obj, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        body = obj if isinstance(obj, (bytes, str)) else json.dumps(obj, ensure_ascii=False)
        return self.req("POST", path, body, h)

    def put_article(self, slug, art, token=ADMIN):
        h = {"Content-Type": "application/json"}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        return self.req("PUT", f"/api/v1/articles/{slug}", json.dumps(art, ensure_ascii=False), h)

    def get_article(self, slug=SLUG, token=ADMIN):
        h = {"Authorization": "Bearer " + token} if token is not None else {}
        return self.req("GET", f"/api/v1/articles/{slug}", headers=h)

    def comment(self, name, text, slug=SLUG, honeypot="", headers=None):
        return self.post_json(f"/api/v1/articles/{slug}/comments",
                              {"name": name, "text": text, "honeypot": honeypot}, headers)

    def api_comments(self, slug=SLUG):
        """Every public comment of the article via the paged API."""
        out, page = [], 1
        while True:
            st, _, b = self.get(f"/api/v1/articles/{slug}/comments?page={page}")
            assert st == 200, f"comments page {page}: {st} {b[:200]!r}"
            j = json.loads(b)
            out += j["comments"]
            if not j["comments"] or len(out) >= j["total"] or page > 1000:
                return out, j
            page += 1


# ------------------------------------------------------------- helpers --

class FormParser(html.parser.HTMLParser):
    """Collects forms with their inputs and textareas (name -> value)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._ta = None
        self.ids = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids[a["id"]] = (tag, a)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", ""),
                               "fields": {}, "attrs": {}})
        elif tag in ("input", "textarea") and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "") or ""
            self.forms[-1]["attrs"][a["name"]] = a
            if tag == "textarea":
                self._ta = a["name"]

    def handle_data(self, data):
        if self._ta and self.forms:
            self.forms[-1]["fields"][self._ta] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._ta = None


def parse(body):
    p = FormParser()
    p.feed(body.decode("utf-8"))
    return p


def comment_form(body, slug=SLUG):
    for f in parse(body).forms:
        if f["action"].split("?")[0].endswith(f"/a/{slug}/comments"):
            return f
    raise AssertionError(f"no form with action .../a/{slug}/comments in the page")


def json_strings(j):
    """Every string value in a parsed JSON document."""
    if isinstance(j, str):
        return [j]
    if isinstance(j, dict):
        j = list(j.values())
    if isinstance(j, list):
        return [s for v in j for s in json_strings(v)]
    return []


def is_json_error(hdrs, body):
    ct = hdrs.get("content-type", "")
    if "application/json" not in ct:
        return f"content-type {ct!r}"
    try:
        j = json.loads(body)
    except ValueError:
        return f"body not JSON: {body[:200]!r}"
    if not isinstance(j, dict) or not isinstance(j.get("error"), str) or not j["error"]:
        return f"no \"error\" string: {body[:200]!r}"
    return None


def expect_error(resp, status, what):
    st, h, b = resp
    assert st == status, f"{what}: expected {status}, got {st} {b[:300]!r}"
    e = is_json_error(h, b)
    assert e is None, f"{what}: error body: {e}"


USED_TOKENS = set()


def fresh_token(srv, slug=SLUG):
    """A form token no earlier test used. Tokens are single use and carry
    only the second they were issued, so a page rendered in the same second
    as the last post's page carries the same (used) token."""
    for _ in range(12):
        tok = comment_form(srv.get(f"/a/{slug}")[2], slug)["fields"]["token"]
        if tok not in USED_TOKENS:
            USED_TOKENS.add(tok)
            return tok
        time.sleep(0.25)
    raise AssertionError("no fresh form token within 3 s")


def form_post(srv, fields, slug=SLUG, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    return srv.req("POST", f"/a/{slug}/comments", urllib.parse.urlencode(fields), h)


def local_path(location):
    u = urllib.parse.urlsplit(location)
    return u.path + ("?" + u.query if u.query else "")


def posted(srv, pair, status, honeypot=""):
    """The JSON answer to posting the comment (name, text), which must be
    201 with this status."""
    st, h, b = srv.comment(*pair, honeypot=honeypot)
    assert st == 201, f"{st} {b[:300]!r}"
    j = json.loads(b)
    assert j.get("status") == status, j
    return j


# -------------------------------------------------------------- runner --

RUNNER = Runner("http_test")
test = RUNNER.test


# ------------------------------------------------ group: main (one server) --

@test("main")
def t_healthz(ctx):
    st, h, b = ctx.srv.get("/healthz")
    assert st == 200, f"/healthz {st}"
    assert "application/json" in h.get("content-type", ""), h.get("content-type")
    j = json.loads(b)
    assert j.get("status") == "ok" and isinstance(j.get("schema"), int), j


@test("main")
def t_admin_auth(ctx):
    s = ctx.srv
    expect_error(s.put_article(SLUG, ARTICLE, token=None), 401, "PUT without token")
    expect_error(s.put_article(SLUG, ARTICLE, token="wrong" + ADMIN), 401, "PUT wrong token")
    st, _, _ = s.get_article()
    assert st == 404, f"unauthorised PUT created the article (GET {st})"
    # GET of an article is an admin route too.
    expect_error(s.get_article(token=None), 401, "GET article without token")


@test("main")
def t_article_put_get(ctx):
    s = ctx.srv
    art = dict(ARTICLE, title="مسودة")
    st, h, b = s.put_article(SLUG, art)
    assert st == 201, f"PUT new: {st} {b[:300]!r}"
    j = json.loads(b)
    assert j.get("slug") == SLUG and j.get("title") == "مسودة", j
    st, h, b = s.put_article(SLUG, ARTICLE)
    assert st == 200, f"PUT update: {st} {b[:300]!r}"
    st, h, b = s.get_article()
    assert st == 200, st
    j = json.loads(b)
    for k in ("slug", "title", "body", "caption", "image_url", "author", "published_at",
              "updated_at", "related", "comments"):
        assert k in j, f"GET article lacks {k!r}: {sorted(j)}"
    assert j["title"] == ARTICLE["title"] and j["body"] == ARTICLE["body"], "title/body differ"
    assert j["caption"] == ARTICLE["caption"] and j["author"] == ARTICLE["author"]
    assert j["related"] == ARTICLE["related"], j["related"]
    assert j["comments"] == 0, j["comments"]


@test("main")
def t_caption_counts_for_off_topic(ctx):
    """The article's image caption is part of what it is about: a comment on
    the people in the photo of an oil-price article is held as off-topic
    without the caption and published with it."""
    s = ctx.srv
    text = ("لقاء المشير خليفة حفتر مع فائز السراج في باريس لن يغير شيئا، "
            "فتقاسم السلطة بين الشرق والغرب مستحيل قبل الانتخابات")
    base = dict(ARTICLE, title="أسعار النفط ترتفع في الأسواق العالمية",
                body="ارتفعت أسعار النفط الخام اليوم بعد قرار منظمة أوبك خفض الإنتاج "
                     "في الأشهر المقبلة، وقال محللون إن الطلب في آسيا يدعم الأسعار",
                related=[])
    for slug, caption, status in (
            ("oil-no-caption", "", "pending"),
            ("oil-caption", "المشير خليفة حفتر ورئيس حكومة الوفاق فائز السراج خلال لقاء "
                            "في باريس بشأن تقاسم السلطة والانتخابات", "published")):
        st, h, b = s.put_article(slug, dict(base, caption=caption))
        assert st == 201, f"PUT {slug}: {st} {b[:200]!r}"
        st, h, b = s.comment("كريم حداد", text, slug=slug)
        assert st == 201, f"{slug}: {st} {b[:300]!r}"
        j = json.loads(b)
        assert j.get("status") == status, (slug, j)
        if status == "pending":
            assert [r.get("rule") for r in j.get("reasons", [])] == ["off_topic"], j


@test("main")
def t_unknown_article(ctx):
    s = ctx.srv
    st, h, b = s.get("/a/no-such-article")
    assert st == 404, f"GET /a/no-such-article: {st}"
    expect_error(s.get_article("no-such-article"), 404, "API article")
    expect_error(s.get("/api/v1/articles/no-such-article/comments"), 404, "API comments")
    st, _, _ = s.get("/fragment/no-such-article")
    assert st == 404, f"fragment: {st}"
    expect_error(s.comment(*CLEAN, slug="no-such-article"), 404, "POST comment")
    st, _, _ = form_post(s, {"name": CLEAN[0], "comment": CLEAN[1], "consent": "on",
                             "honeypot": "", "token": "1.2.3"}, slug="no-such-article")
    assert st == 404, f"form POST to an unknown article: {st}"
    st, _, _ = s.get("/no/such/route")
    assert st == 404, f"unknown route: {st}"


@test("main")
def t_post_clean(ctx):
    assert cli_decision(*CLEAN) == "publish", "raqib check no longer publishes CLEAN"
    j = posted(ctx.srv, CLEAN, "published")
    assert isinstance(j.get("id"), int) and j["id"] > 0, j
    assert j.get("text") == CLEAN[1], j.get("text")
    assert j.get("reasons") == [], j.get("reasons")
    assert isinstance(j.get("message"), str) and j["message"], j
    ctx.clean_id = j["id"]


@test("main")
def t_post_phone(ctx):
    assert cli_decision(*PHONE_C) == "shorten", "raqib check no longer shortens PHONE_C"
    j = posted(ctx.srv, PHONE_C, "shortened")
    assert PHONE not in j["text"] and "055" not in j["text"], j["text"]
    assert "بنغازي" in j["text"], j["text"]
    rules = [r.get("rule") for r in j.get("reasons", [])]
    assert "phone" in rules, j.get("reasons")
    r = [r for r in j["reasons"] if r["rule"] == "phone"][0]
    assert r.get("field") == "text" and r.get("action") == "shorten", r
    assert isinstance(r.get("spans"), list) and r["spans"], r
    s0, e0 = r["spans"][0]
    assert PHONE_C[1][s0:e0] == PHONE, f"span {s0},{e0} = {PHONE_C[1][s0:e0]!r}"
    ctx.phone_id = j["id"]


@test("main")
def t_post_insult(ctx):
    assert cli_decision(*INSULT) == "hold", "raqib check no longer holds INSULT"
    j = posted(ctx.srv, INSULT, "pending")
    assert j.get("text") == INSULT[1], j.get("text")
    assert "insult" in [r.get("rule") for r in j.get("reasons", [])], j.get("reasons")


@test("main")
def t_post_honeypot(ctx):
    j = posted(ctx.srv, HONEY, "rejected", honeypot="http://spam.example")
    assert "honeypot" in [r.get("rule") for r in j.get("reasons", [])], j.get("reasons")


@test("main")
def t_post_duplicate(ctx):
    expect_error(ctx.srv.comment(*CLEAN), 409, "duplicate of the clean comment")


@test("main")
def t_article_page(ctx):
    s = ctx.srv
    st, h, b = s.get(f"/a/{SLUG}")
    assert st == 200, st
    assert h.get("content-type", "").startswith("text/html"), h.get("content-type")
    assert "utf-8" in h.get("content-type", "").lower(), h.get("content-type")
    assert h.get("content-security-policy"), "no Content-Security-Policy header"
    t = b.decode("utf-8")
    assert re.search(r'<html[^>]*\blang="ar"', t) and re.search(r'<html[^>]*\bdir="rtl"', t), \
        "no <html lang=\"ar\" dir=\"rtl\">"
    head = "تعليقات القراء على مقال : " + ARTICLE["title"]
    assert head in t, "heading 'تعليقات القراء على مقال : {title}' missing"
    assert CLEAN[1] in t and CLEAN[0] in t, "published comment text/author missing"
    assert "وهاتفي" in t and PHONE not in t, "shortened text missing or number shown"
    assert INSULT[1] not in t, "pending comment shown"
    assert HONEY[1] not in t, "rejected comment shown"
    assert TIME_RE.search(t), "no DD.MM.YYYY | HH:MM time"
    m = re.search(r'<link[^>]*rel="canonical"[^>]*>', t)
    assert m and f'href="http://news.example/a/{SLUG}"' in m.group(0), \
        f"canonical link: {m and m.group(0)}"
    lds = re.findall(r'<script[^>]*type="application/ld\+json"[^>]*>(.*?)</script>', t, re.S)
    assert lds, "no JSON-LD"
    for ld in lds:
        json.loads(ld)
    assert "فائز السراج" in t, "article body missing"
    assert ARTICLE["caption"] in t, "caption missing"
    assert ARTICLE["related"][0]["title"] in t, "related link missing"
    f = comment_form(b)
    for k in ("name", "comment", "honeypot", "consent", "token"):
        assert k in f["fields"], f"form lacks field {k!r}: {sorted(f['fields'])}"
    assert f["method"].lower() == "post", f["method"]
    assert "checked" not in f["attrs"]["consent"], "consent box pre-checked"
    assert f["fields"]["honeypot"] == "", "honeypot not empty"


@test("main")
def t_fragment_api_sitemap(ctx):
    s = ctx.srv
    st, h, b = s.get(f"/fragment/{SLUG}")
    assert st == 200, st
    t = b.decode("utf-8")
    assert "<html" not in t, "fragment is a whole page"
    assert "تعليقات القراء على مقال : " + ARTICLE["title"] in t, "fragment heading"
    assert CLEAN[1] in t and "وهاتفي" in t and PHONE not in t, "fragment comments"
    assert INSULT[1] not in t and HONEY[1] not in t, "fragment shows non-public comments"
    cs, j = s.api_comments()
    texts = [c["text"] for c in cs]
    assert CLEAN[1] in texts, "API lacks the clean comment"
    assert any("وهاتفي" in x and PHONE not in x for x in texts), "API lacks shortened text"
    assert all(PHONE not in x for x in texts), "API shows the number"
    assert INSULT[1] not in texts and HONEY[1] not in texts, "API shows non-public comments"
    assert j["article"]["slug"] == SLUG and j["article"]["title"] == ARTICLE["title"], j["article"]
    assert j["total"] == 2, f"total {j['total']}"
    assert isinstance(j.get("token"), str) and j["token"], "no form token"
    assert isinstance(j.get("per_page"), int) and j.get("page") == 1, j
    for c in cs:
        for k in ("id", "name", "text", "created_at", "time"):
            assert k in c, f"comment lacks {k}"
        assert TIME_RE.fullmatch(c["time"]), c["time"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)", c["created_at"]), \
            c["created_at"]
    st, h, b = s.get("/sitemap.xml")
    assert st == 200, st
    assert "xml" in h.get("content-type", ""), h.get("content-type")
    t = b.decode("utf-8")
    assert f"http://news.example/a/{SLUG}" in t, "sitemap lacks the article"
    assert INSULT[1] not in t, "sitemap shows a pending comment"
    st, h, b = s.get("/")
    assert st == 200 and ARTICLE["title"] in b.decode("utf-8"), f"index {st}"
    st, h, b = s.get_article()
    assert json.loads(b)["comments"] == 2, "article.comments != 2 public"


@test("main")
def t_form_post_published(ctx):
    s = ctx.srv
    fields = {"name": CLEAN2[0], "comment": CLEAN2[1], "honeypot": "", "consent": "on",
              "token": fresh_token(s)}
    st, h, b = form_post(s, fields)
    assert st == 303, f"form POST: {st} {b[:300]!r}"
    loc = h.get("location", "")
    p = local_path(loc)
    assert re.fullmatch(rf"/a/{SLUG}\?r=\d+\.[0-9a-f]+", p.split("#")[0]), f"Location {loc!r}"
    assert loc.endswith("#raqib-notice"), f"Location {loc!r}"
    st, h, b = s.get(p.split("#")[0])
    assert st == 200, st
    t = b.decode("utf-8")
    pp = parse(b)
    assert "raqib-notice" in pp.ids, "no element id=raqib-notice after the redirect"
    assert 'role="status"' in t, "notice has no role=status"
    assert CLEAN2[1] in t, "published form comment not on the page"
    # The notice is only for the poster: a forged signature shows nothing.
    bad = re.sub(r"\.([0-9a-f]+)$", lambda m: "." + "0" * len(m.group(1)), p.split("#")[0])
    st, h, b2 = s.get(bad)
    assert st in (200, 400), st
    if st == 200:
        assert "raqib-notice" not in parse(b2).ids, "forged ?r= signature shows a notice"


@test("main")
def t_form_post_held(ctx):
    s = ctx.srv
    held = (INSULT[0], "أنت حمار وغبي يا من تدافع عن حفتر في ليبيا.")
    assert cli_decision(*held) == "hold", "raqib check no longer holds the form insult"
    fields = {"name": held[0], "comment": held[1], "honeypot": "", "consent": "on",
              "token": fresh_token(s)}
    st, h, b = form_post(s, fields)
    assert st == 303, f"form POST: {st} {b[:300]!r}"
    p = local_path(h.get("location", "")).split("#")[0]
    st, h, b = s.get(p)
    assert st == 200, st
    ids = parse(b).ids
    assert "raqib-notice" in ids, "no notice for the held post"
    assert "pending" in ids["raqib-notice"][1].get("class", ""), ids["raqib-notice"]
    st, h, b = s.get(f"/a/{SLUG}")
    assert held[1] not in b.decode("utf-8"), "held text on the public page"


@test("main")
def t_form_post_rejected_keeps_text(ctx):
    s = ctx.srv
    text = numbered(905, " مرفوض")
    fields = {"name": "هدى", "comment": text, "honeypot": "http://bot.example", "consent": "on",
              "token": fresh_token(s)}
    st, h, b = form_post(s, fields)
    assert st == 303, f"form POST: {st} {b[:300]!r}"
    p = local_path(h.get("location", "")).split("#")[0]
    st, h, b = s.get(p)
    assert st == 200, st
    assert "raqib-notice" in parse(b).ids, "no notice for the rejected post"
    f = comment_form(b)
    assert f["fields"].get("comment", "").strip() == text, \
        f"rejected text not kept in the form: {f['fields'].get('comment')!r}"
    assert f["fields"].get("name") == "هدى", "rejected: name not kept"
    assert f["fields"].get("honeypot") == "", "the honeypot value was echoed back"
    st, h, b = s.get(f"/a/{SLUG}")
    assert text not in b.decode("utf-8"), "rejected text on the public page"


@test("main")
def t_form_input_errors(ctx):
    s = ctx.srv

    def tok():
        return fresh_token(s)
    text = numbered(900, " بلا موافقة")
    # No consent: 400, page re-rendered with the input kept.
    st, h, b = form_post(s, {"name": "ليلى", "comment": text, "honeypot": "", "token": tok()})
    assert st == 400, f"no consent: {st}"
    assert h.get("content-type", "").startswith("text/html"), h.get("content-type")
    f = comment_form(b)
    assert f["fields"].get("comment", "").strip() == text, "no-consent: text not kept"
    assert f["fields"].get("name") == "ليلى", "no-consent: name not kept"
    # Forged token.
    st, h, b = form_post(s, {"name": "ليلى", "comment": text, "honeypot": "", "consent": "on",
                             "token": "1.2.3"})
    assert st == 400, f"bad token: {st}"
    assert comment_form(b)["fields"].get("comment", "").strip() == text, "bad token: text not kept"
    # Empty comment.
    st, h, b = form_post(s, {"name": "ليلى", "comment": "", "honeypot": "", "consent": "on",
                             "token": tok()})
    assert st == 400, f"empty comment: {st}"
    # None of them was stored.
    cs, _ = s.api_comments()
    assert text not in [c["text"] for c in cs], "a failed form post was published"


@test("main")
def t_form_token_in_json(ctx):
    s = ctx.srv
    st, h, b = s.post_json(f"/api/v1/articles/{SLUG}/comments",
                           {"name": "ليلى", "text": numbered(901), "honeypot": "",
                            "token": "forged.token.value"})
    expect_error((st, h, b), 400, "JSON POST with a forged token")


@test("main")
def t_etag(ctx):
    s = ctx.srv
    st, h, b = s.get(f"/a/{SLUG}")
    et = h.get("etag")
    assert et, "no ETag on the article page"
    assert h.get("last-modified"), "no Last-Modified"
    st2, h2, b2 = s.get(f"/a/{SLUG}", {"If-None-Match": et})
    assert st2 == 304, f"If-None-Match: {st2}"
    assert b2 == b"", "304 with a body"
    st2, _, _ = s.get(f"/a/{SLUG}", {"If-Modified-Since": h["last-modified"]})
    assert st2 == 304, f"If-Modified-Since: {st2}"
    # A pending comment changes nothing public...
    s.comment(INSULT[0], "يا غبي يا حمار، حفتر أشرف منك ومن مقالك عن ليبيا.")
    # ...a published one changes the ETag.
    st, _, b3 = s.comment("سلمى يوسف", numbered(902))
    assert json.loads(b3).get("status") == "published", b3
    st3, h3, _ = s.get(f"/a/{SLUG}", {"If-None-Match": et})
    assert st3 == 200, f"stale ETag still 304 after a new published comment ({st3})"
    assert h3.get("etag") and h3["etag"] != et, "ETag unchanged"
    # The fragment is cached the same way.
    st, h, _ = s.get(f"/fragment/{SLUG}")
    if h.get("etag"):
        st2, _, _ = s.get(f"/fragment/{SLUG}", {"If-None-Match": h["etag"]})
        assert st2 == 304, f"fragment If-None-Match: {st2}"


@test("main")
def t_errors(ctx):
    s = ctx.srv
    path = f"/api/v1/articles/{SLUG}/comments"
    expect_error(s.post_json(path, b'{"name": "x", "text": '), 400, "malformed JSON")
    expect_error(s.post_json(path, b'[1,2]'), 400, "JSON not an object")
    bad = b'{"name":"\xd8\xa3\xd8\xad\xd9\x85\xd8\xaf","text":"\xd8\xa3\xff\xfe \xc3"}'
    expect_error(s.post_json(path, bad), 400, "invalid UTF-8 in text")
    expect_error(s.post_json(path, {"name": "أحمد"}), 400, "missing text")
    expect_error(s.post_json(path, {"name": "أحمد", "text": 5}), 400, "text not a string")
    expect_error(s.post_json(path, {"name": "أحمد", "text": ""}), 400, "empty text")
    st, h, b = s.req("DELETE", path)
    expect_error((st, h, b), 405, "DELETE comments")
    assert "POST" in h.get("allow", "") and "GET" in h.get("allow", ""), \
        f"405 Allow header: {h.get('allow')!r}"
    big = json.dumps({"name": "أحمد", "text": "ليبيا " * 4000}, ensure_ascii=False)
    assert len(big.encode()) > 16384
    expect_error(s.post_json(path, big), 413, "body over max_body_bytes")
    expect_error(s.req("POST", path, json.dumps({"name": "a", "text": CLEAN2[1]}),
                       {"Content-Type": "text/plain"}), 415, "text/plain")
    expect_error(s.req("POST", path, json.dumps({"name": "a", "text": CLEAN2[1]}), {}), 415,
                 "no Content-Type")
    expect_error(s.req("PUT", f"/api/v1/articles/{SLUG}", b"{oops",
                       {"Content-Type": "application/json", "Authorization": "Bearer " + ADMIN}),
                 400, "PUT malformed JSON")
    st, h, b = s.req("PATCH", f"/api/v1/articles/{SLUG}")
    assert st == 405 and h.get("allow"), f"PATCH article: {st} allow={h.get('allow')!r}"


@test("main")
def t_bad_slug(ctx):
    st, h, b = ctx.srv.put_article("Bad%20Slug", ARTICLE)
    assert st in (400, 404), f"PUT invalid slug: {st}"
    assert is_json_error(h, b) is None, is_json_error(h, b)


@test("main")
def t_xss(ctx):
    s = ctx.srv
    evil_title = 'ليبيا </title><script>alert(1)</script> "><img src=x onerror=alert(1)>'
    st, _, b = s.put_article("xss", dict(ARTICLE, title=evil_title,
                                        caption="' onmouseover='x",
                                        related=[{"title": "<b>x</b>",
                                                  "url": "http://news.example/x?a=1&b='2'"}]))
    assert st == 201, f"PUT xss article: {st} {b[:200]!r}"
    posted = []
    payloads = [
        ("<script>alert(1)</script>",
         "أرى أن المشير خليفة حفتر أعاد بناء الجيش الليبي <script>alert(1)</script> في بنغازي."),
        ('"><img src=x onerror=alert(1)>',
         'أعتقد أن حكومة الوفاق في طرابلس "><img src=x onerror=alert(1)> تحتاج دعما.'),
        ("' onmouseover='x",
         "يبدو لي أن الأزمة الليبية ' onmouseover='x لن تحسم بالقوة وحدها كما يشرح المقال."),
        ("كريم حداد", "من الواضح أن مستقبل ليبيا </textarea><script>alert(1)</script> غامض."),
    ]
    for name, text in payloads:
        st, _, b = s.comment(name, text, slug="xss")
        assert st == 201, f"xss post: {st} {b[:200]!r}"
        posted.append(json.loads(b)["status"])
    raw = ["<script>alert(1)", "<img src=x", "' onmouseover='x", "</textarea><script>",
           "</title><script>", "<b>x</b>"]
    pages = {p: s.get(p) for p in ("/a/xss", "/fragment/xss", "/", "/sitemap.xml")}
    for p, (st, h, b) in pages.items():
        assert st == 200, f"{p}: {st}"
        t = b.decode("utf-8")
        for r in raw:
            assert r not in t, f"{p} contains raw {r!r}"
    t = pages["/a/xss"][2].decode("utf-8")
    assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in t, "escaped title missing"
    for ld in re.findall(r'<script[^>]*type="application/ld\+json"[^>]*>(.*?)</script>', t, re.S):
        j = json.loads(ld)
        assert evil_title in json_strings(j), "JSON-LD lost the title"
    # The published ones appear escaped.
    esc = {"<script>alert(1)</script>": "&lt;script&gt;alert(1)&lt;/script&gt;",
           '"><img src=x onerror=alert(1)>': "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"}
    for (name, text), status in zip(payloads, posted):
        if status in ("published", "shortened"):
            for raw_s, esc_s in esc.items():
                if raw_s in text:
                    assert esc_s in t, f"published {raw_s!r} not shown escaped"
    ctx.xss_statuses = posted
    # And the JSON API keeps the texts verbatim (JSON is not HTML).
    cs, _ = s.api_comments("xss")
    for c in cs:
        assert any(c["text"] == p[1] for p in payloads), c["text"]


@test("main")
def t_cors(ctx):
    s = ctx.srv
    path = f"/api/v1/articles/{SLUG}/comments"
    st, h, _ = s.get(path, {"Origin": "http://example.test"})
    assert st == 200 and h.get("access-control-allow-origin") == "http://example.test", \
        f"allowed origin GET: {st} ACAO={h.get('access-control-allow-origin')!r}"
    st, h, _ = s.get(path, {"Origin": "http://evil.test"})
    assert "access-control-allow-origin" not in h, \
        f"other origin got ACAO={h.get('access-control-allow-origin')!r}"
    pre = {"Origin": "http://example.test", "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "content-type"}
    st, h, _ = s.req("OPTIONS", path, headers=pre)
    assert st in (200, 204), f"preflight: {st}"
    assert h.get("access-control-allow-origin") == "http://example.test", "preflight ACAO"
    assert "POST" in h.get("access-control-allow-methods", ""), \
        f"preflight methods {h.get('access-control-allow-methods')!r}"
    assert "content-type" in h.get("access-control-allow-headers", "").lower(), \
        f"preflight headers {h.get('access-control-allow-headers')!r}"
    pre["Origin"] = "http://evil.test"
    st, h, _ = s.req("OPTIONS", path, headers=pre)
    assert "access-control-allow-origin" not in h, "preflight for another origin got ACAO"
    # A cross-origin POST from a foreign page is refused (403, origin not allowed).
    st, h, b = s.comment("هدى", numbered(903), headers={"Origin": "http://evil.test"})
    expect_error((st, h, b), 403, "POST from a non-allowed origin")
    st, h, b = s.comment("هدى", numbered(904), headers={"Origin": "http://example.test"})
    assert st == 201 and h.get("access-control-allow-origin") == "http://example.test", \
        f"POST from allowed origin: {st} ACAO={h.get('access-control-allow-origin')!r}"


@test("main")
def t_static(ctx):
    s = ctx.srv
    st, h, b = s.get("/widget.js")
    assert st == 200 and "javascript" in h.get("content-type", ""), \
        f"/widget.js {st} {h.get('content-type')}"
    assert len(b) > 100, "widget.js tiny"
    st, h, b = s.get("/static/raqib.css")
    assert st == 200 and "text/css" in h.get("content-type", ""), \
        f"/static/raqib.css {st} {h.get('content-type')}"


@test("main")
def t_html5_valid(ctx):
    """Every reader page is valid HTML5 by HTML Tidy (Debian `tidy`): no
    errors, no warnings. Runs after the posts, so the page has published and
    shortened comments, pagination-free; also the fragment, index, the
    notice page after a held post, and an error page."""
    import shutil
    tidy = shutil.which("tidy")
    assert tidy, "tidy missing (make deps installs it)"
    def check(what, doc):
        r = subprocess.run([tidy, "-errors", "-q", "-utf8"], input=doc, capture_output=True)
        # Tidy 5.6 predates <img loading="lazy"> (WHATWG HTML since 2020).
        msg = "\n".join(l for l in r.stderr.decode("utf-8", "replace").splitlines()
                        if l.strip() and 'proprietary attribute "loading"' not in l)
        assert not msg and r.returncode in (0, 1), f"{what}: tidy says: {msg[:600]}"

    s = ctx.srv
    for path in [f"/a/{SLUG}", "/", "/a/no-such-article"]:
        st, h, b = s.get(path)
        assert st in (200, 404), (path, st)
        check(path, b)
    # the fragment is a section, not a document: validate it inside one
    st, h, b = s.get(f"/fragment/{SLUG}")
    assert st == 200, st
    doc = (b'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
           b'<title>t</title></head><body>' + b + b'</body></html>')
    check("fragment", doc)


@test("main")
def t_metrics(ctx):
    st, h, b = ctx.srv.get("/metrics")
    assert st == 200, st
    assert h.get("content-type", "").startswith("text/plain"), h.get("content-type")
    t = b.decode("utf-8")
    assert re.search(r"^raqib_http_requests_total(\{[^}]*\})? \d+", t, re.M), \
        "no raqib_http_requests_total sample"
    assert re.search(r"^# TYPE \S+ histogram$", t, re.M), "no histogram TYPE line"
    assert re.search(r'^\S+_bucket\{[^}]*le="\+Inf"[^}]*\} \d+', t, re.M), "no +Inf bucket"
    assert re.search(r"^\S+_sum(\{[^}]*\})? [0-9.e+-]+$", t, re.M), "no _sum"
    assert re.search(r"^\S+_count(\{[^}]*\})? \d+$", t, re.M), "no _count"


@test("main")
def t_keepalive(ctx):
    """HTTP/1.1 persistent connections: a page GET must not force
    `Connection: close` (a new TCP connection per page view halves GET
    throughput; bench/http.sh). Two GETs and a POST on one connection."""
    c = http.client.HTTPConnection("127.0.0.1", ctx.srv.port, timeout=10)
    try:
        seen = []
        for method, path, body, h in (
                ("GET", f"/a/{SLUG}", None, {}),
                ("GET", f"/api/v1/articles/{SLUG}/comments", None, {}),
                ("POST", f"/api/v1/articles/{SLUG}/comments",
                 json.dumps({"name": "سلمى يوسف", "text": numbered(906)}, ensure_ascii=False)
                 .encode(), {"Content-Type": "application/json"})):
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            r.read()
            seen.append(f"{method} {path.split('/')[-1]}: {r.status} "
                        f"Connection={r.getheader('Connection')!r}")
            assert (r.getheader("Connection") or "").lower() != "close", \
                "server closes the connection after: " + "; ".join(seen)
    finally:
        c.close()


@test("main")
def t_stdout_one_line(ctx):
    time.sleep(0.1)
    assert not ctx.srv.extra_stdout, f"more stdout after the listening line: " \
        f"{ctx.srv.extra_stdout[:3]!r}"


@test("main")
def t_form_return_to(ctx):
    s = ctx.srv
    text = numbered(907, " عودة")
    fields = {"name": "ليلى", "text": text, "honeypot": "", "consent": "on",
              "token": fresh_token(s), "return_to": "http://example.test/news/haftar.html"}
    st, h, b = form_post(s, fields)
    assert st == 303, f"form POST with return_to (and the text alias): {st} {b[:200]!r}"
    loc = h.get("location", "")
    assert re.fullmatch(r"http://example\.test/news/haftar\.html\?r=\d+\.[0-9a-f]+#raqib-notice",
                        loc), f"Location {loc!r}"
    fields.update(token=fresh_token(s), text=numbered(908, " عودة"),
                  return_to="http://evil.test/phish")
    st, h, b = form_post(s, fields)
    assert st == 303, f"form POST with a foreign return_to: {st}"
    loc = h.get("location", "")
    assert "evil.test" not in loc and local_path(loc).startswith(f"/a/{SLUG}?r="), \
        f"foreign return_to followed: {loc!r}"


@test("main")
def t_form_foreign_origin(ctx):
    s = ctx.srv
    fields = {"name": "ليلى", "comment": numbered(909), "honeypot": "", "consent": "on",
              "token": fresh_token(s)}
    st, h, b = form_post(s, fields, headers={"Origin": "http://evil.test"})
    assert st == 403, f"form POST from a foreign origin: {st}"


# --------------------------------------------------- group: rate limit --

@test("ratelimit")
def t_form_too_fast(ctx):
    s = ctx.srv
    st, _, b = s.put_article(SLUG, ARTICLE)
    assert st == 201, st
    text = numbered(910, " سريع")
    tok = comment_form(s.get(f"/a/{SLUG}")[2])["fields"]["token"]
    st, h, b = form_post(s, {"name": "ليلى", "comment": text, "honeypot": "", "consent": "on",
                             "token": tok})
    assert st == 400, f"form sent at once with min_form_age = 30: {st}"
    assert h.get("content-type", "").startswith("text/html"), h.get("content-type")
    f = comment_form(b)
    assert f["fields"].get("comment", "").strip() == text, "too fast: text not kept"
    assert f["fields"].get("name") == "ليلى", "too fast: name not kept"
    assert "raqib-notice" in parse(b).ids, "too fast: no notice"
    # A JSON post without a token is not subject to the form age.
    st, _, b = s.comment("عبدالحميد", numbered(912))
    assert st == 201, f"JSON post without token: {st} {b[:200]!r}"


@test("ratelimit")
def t_rate_limit(ctx):
    s = ctx.srv
    codes, last = [], None
    for i in range(8):
        r = s.comment("عبدالحميد", numbered(i, " حد"))
        codes.append(r[0])
        if r[0] == 429:
            last = r
    assert 201 in codes, f"no post accepted at all: {codes}"
    assert last is not None, f"no 429 after 8 quick posts with post_burst=3: {codes}"
    expect_error(last, 429, "rate limited")
    ra = last[1].get("retry-after", "")
    assert ra.isdigit() and int(ra) >= 1, f"Retry-After {ra!r}"
    # GETs are limited separately from posts.
    st, _, _ = s.get(f"/api/v1/articles/{SLUG}/comments")
    assert st == 200, f"GET after post limit: {st}"


# ---------------------------------------- group: no config, no admin --

@test("noconfig")
def t_defaults_admin_disabled(ctx):
    s = ctx.srv
    expect_error(s.put_article(SLUG, ARTICLE), 403, "PUT with the admin API disabled")
    expect_error(s.put_article(SLUG, ARTICLE, token=None), 403, "PUT without token, API disabled")
    st, h, b = s.get("/healthz")
    assert st == 200, st
    st, h, b = s.get("/")
    assert st == 200 and b"<html" in b, f"index with defaults: {st}"


@test("ratelimit")
def t_form_limited(ctx):
    s = ctx.srv
    text = numbered(911, " محدود")
    tok = comment_form(s.get(f"/a/{SLUG}")[2])["fields"]["token"]
    st, h, b = form_post(s, {"name": "ليلى", "comment": text, "honeypot": "", "consent": "on",
                             "token": tok})
    assert st == 429, f"form post after the post limit: {st}"
    assert h.get("retry-after", "").isdigit(), "429 form answer without Retry-After"
    assert h.get("content-type", "").startswith("text/html"), h.get("content-type")
    f = comment_form(b)
    assert f["fields"].get("comment", "").strip() == text, "429: text not kept"
    assert f["fields"].get("name") == "ليلى", "429: name not kept"


# ------------------------------------------------------ group: restart --

@test("restart")
def t_restart(ctx):
    s = ctx.srv
    assert s.put_article(SLUG, ARTICLE)[0] == 201
    ids = {}
    for i in range(6):
        st, _, b = s.comment("كريم حداد", numbered(i + 40))
        assert st == 201, (st, b)
        j = json.loads(b)
        assert j["status"] == "published", j
        ids[j["id"]] = numbered(i + 40)
    rc = s.stop()
    assert rc == 0, f"SIGTERM exit status {rc}; stderr:\n{s.stderr_tail()}"
    ctx.srv = s2 = Server(ctx.tmp, extra=ctx.extra, db=s.db).start()
    cs, j = s2.api_comments()
    got = {c["id"]: c["text"] for c in cs}
    assert got == ids, f"after restart: {len(got)} comments, expected {len(ids)}"
    st, _, b = s2.get_article()
    assert json.loads(b)["title"] == ARTICLE["title"]


# ------------------------------------------------------- group: kill -9 --

@test("kill9")
def t_kill9(ctx):
    s = ctx.srv
    assert s.put_article(SLUG, ARTICLE)[0] == 201
    n, nthreads = 300, 8
    ok = {}       # id -> text, for every 2xx answer
    lock = threading.Lock()
    done = [0]
    nxt = [0]
    killed = threading.Event()

    def worker():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= n:
                return
            text = numbered(i + 100)
            try:
                st, _, b = s.comment("عبدالحميد", text, headers={"Connection": "close"})
            except (OSError, http.client.HTTPException):
                st, b = None, b""
            with lock:
                done[0] += 1
                if st is not None and 200 <= st < 300:
                    j = json.loads(b)
                    ok[j["id"]] = (text, j["status"])

    def killer():
        while True:
            with lock:
                d = done[0]
            if d >= n // 3:
                break
            time.sleep(0.002)
        s.kill9()
        killed.set()

    ts = [threading.Thread(target=worker) for _ in range(nthreads)]
    kt = threading.Thread(target=killer)
    kt.start()
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    kt.join(10)
    assert killed.is_set(), "the server was never killed"
    assert len(ok) >= n // 4, f"only {len(ok)} posts answered 2xx before the kill"
    assert len(ok) < n, "all posts answered: the kill came too late to test anything"
    ctx.srv = s2 = Server(ctx.tmp, extra=ctx.extra, db=s.db).start()
    cs, _ = s2.api_comments()
    got = {c["id"]: c["text"] for c in cs}
    lost = [i for i, (text, st) in ok.items()
            if st in ("published", "shortened") and got.get(i) != text]
    assert not lost, f"{len(lost)} of {len(ok)} acknowledged comments lost after kill -9: " \
        f"ids {sorted(lost)[:10]}"
    print(f"  kill9: {len(ok)} of {n} acknowledged before SIGKILL, all {len(ok)} found "
          f"after restart ({len(got)} public in all)")


# --------------------------------------------------------------- main --

GROUPS = {
    # group: (config file, extra lines, admin token)
    "main": ("base.conf", "", ADMIN),
    "ratelimit": ("ratelimit.conf", "", ADMIN),
    "noconfig": (None, "", None),
    "restart": ("base.conf", "", ADMIN),
    "kill9": ("base.conf", "", ADMIN),
}


def main():
    global RAQIB
    args = RUNNER.args()
    if not args:
        return 2
    RAQIB, only = args
    for group, (conf, extra, admin) in GROUPS.items():
        tests = RUNNER.selected(group, only)
        if not tests:
            continue
        with tempfile.TemporaryDirectory(prefix="raqib-http.") as tmp:
            ctx = Ctx()
            ctx.tmp, ctx.extra = tmp, extra
            try:
                ctx.srv = Server(tmp, conf, extra, admin=admin).start()
            except Exception as e:
                for fn in tests:
                    RUNNER.fail(f"{group}/{fn.__name__}", f"server did not start: {e}")
                continue
            for fn in tests:
                RUNNER.run(group, fn, ctx)
                if fn.__name__ != "t_kill9" and RUNNER.died(group, fn, ctx.srv):
                    try:
                        ctx.srv = Server(tmp, conf, extra, db=ctx.srv.db, admin=admin).start()
                    except Exception:
                        break
            RUNNER.sigterm(group, ctx.srv.stop(), ctx.srv)
    return RUNNER.summary()


if __name__ == "__main__":
    sys.exit(main())
