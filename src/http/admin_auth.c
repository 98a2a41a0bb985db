/*
 * admin_auth.c — signing in and out, sessions, CSRF, lockout, accounts.
 *
 * Sessions: the cookie holds 32 random bytes (hex); the store keeps only
 * their BLAKE2b hash, so a copy of the database signs nobody in. Each
 * session has its own random CSRF token that every state-changing form
 * carries. Idle and absolute expiry are checked on every request; the last
 * use is written at most every minute (a write costs an fsync).
 *
 * Login CSRF: GET /admin/login sets a random pre-session cookie and the form
 * carries its HMAC; a cross-site POST has neither (SameSite=Strict), so a
 * forged sign-in into the attacker's account fails.
 *
 * Lockout: failures are counted in memory per account and per address hash
 * within a 15-minute window; at [admin] max_failures the key is locked for
 * [admin] lockout seconds (429 + Retry-After). A restart forgets them, which
 * only matters to an attacker who can also restart the server.
 *
 * Password hashing is argon2id with libsodium's interactive limits (64 MiB):
 * one hash at a time, so a flood of sign-ins queues instead of taking all
 * the memory. An unknown account costs the same hash as a known one.
 */
#include "http/admin.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL_SLOTS 2048
#define FAIL_WINDOW (15 * 60)

typedef struct fail_slot {
	char key[72];
	unsigned n;
	int64_t first, locked_until;
} fail_slot;

struct http_admin {
	raqib_server *s;
	pthread_mutex_t mu;          /* the failure table */
	pthread_mutex_t hash_mu;     /* one argon2id at a time */
	char dummy_hash[crypto_pwhash_STRBYTES];
	fail_slot slots[FAIL_SLOTS];
	http_webhook *wh;
};

http_admin *http_admin_new(raqib_server *s)
{
	http_admin *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	if (sodium_init() < 0) {
		free(a);
		return NULL;
	}
	a->s = s;
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->hash_mu, NULL);
	if (s->conf.webhook_url[0] && !(a->wh = http_webhook_new(s->conf.webhook_url))) {
		http_admin_free(a);
		return NULL;
	}
	return a;
}

void http_admin_free(http_admin *a)
{
	if (!a)
		return;
	http_webhook_free(a->wh);
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->hash_mu);
	free(a);
}

void http_admin_notify_pending(raqib_server *s, const raqib_comment_row *c,
			       const raqib_article *art)
{
	json_t *o;
	char *body, url[700];

	if (!s->admin || !s->admin->wh || !c || c->status != RAQIB_CS_PENDING)
		return;
	snprintf(url, sizeof url, "%s/admin/comments/%lld", s->base, (long long)c->id);
	o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "event", "comment.pending", "id",
		      (json_int_t)c->id, "article",
		      art && art->slug ? art->slug : (c->article_slug ? c->article_slug : ""),
		      "name", c->name ? c->name : "", "text", c->text ? c->text : "", "url", url);
	if (!o)
		return;
	json_object_set_new(o, "reasons",
			    c->reasons_json ? json_loads(c->reasons_json, 0, NULL) : json_array());
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (body)
		http_webhook_push(s->admin->wh, body);
	free(body);
}

/* ---- lockout */

static fail_slot *slot_find(http_admin *a, const char *key, bool make, int64_t now)
{
	fail_slot *victim = NULL;
	for (size_t i = 0; i < FAIL_SLOTS; i++) {
		fail_slot *s = &a->slots[i];
		if (s->key[0] && !strcmp(s->key, key))
			return s;
		if (!make)
			continue;
		if (!s->key[0] || (s->locked_until <= now && now - s->first > FAIL_WINDOW)) {
			if (!victim || victim->key[0])
				victim = s;
		} else if (!victim || (victim->key[0] && s->first < victim->first &&
				       s->locked_until <= now)) {
			victim = s;
		}
	}
	if (victim) {
		memset(victim, 0, sizeof *victim);
		snprintf(victim->key, sizeof victim->key, "%s", key);
	}
	return victim;
}

/* Seconds the key stays locked, 0 = not locked. */
static int64_t locked_for(http_admin *a, const char *key, int64_t now)
{
	int64_t left = 0;
	pthread_mutex_lock(&a->mu);
	fail_slot *s = slot_find(a, key, false, now);
	if (s && s->locked_until > now)
		left = s->locked_until - now;
	pthread_mutex_unlock(&a->mu);
	return left;
}

static void note_failure(http_admin *a, const char *key, int64_t now)
{
	pthread_mutex_lock(&a->mu);
	fail_slot *s = slot_find(a, key, true, now);
	if (s) {
		if (!s->n || now - s->first > FAIL_WINDOW) {
			s->n = 0;
			s->first = now;
		}
		if (++s->n >= a->s->conf.max_failures) {
			s->locked_until = now + a->s->conf.lockout;
			s->n = 0;
			s->first = now;
		}
	}
	pthread_mutex_unlock(&a->mu);
}

static void clear_failures(http_admin *a, const char *key)
{
	pthread_mutex_lock(&a->mu);
	fail_slot *s = slot_find(a, key, false, 0);
	if (s)
		memset(s, 0, sizeof *s);
	pthread_mutex_unlock(&a->mu);
}

/* ---- tokens */

static void random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];
	randombytes_buf(raw, nbytes);
	sodium_bin2hex(out, nbytes * 2 + 1, raw, nbytes);
	sodium_memzero(raw, sizeof raw);
}

static void token_hash(const char *token, char out[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

static bool is_hex(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static const char *cookie(http_ctx *x, const char *name)
{
	return MHD_lookup_connection_value(x->c, MHD_COOKIE_KIND, name);
}

static void cookie_line(raqib_server *s, char *out, size_t cap, const char *name,
			const char *value, int64_t max_age)
{
	snprintf(out, cap, "%s=%s; Path=/admin; HttpOnly; SameSite=Strict%s%s", name, value,
		 s->conf.secure_cookies ? "; Secure" : "", max_age < 0 ? "; Max-Age=0" : "");
}

static void login_csrf(raqib_server *s, const char *pre, char out[40])
{
	char msg[80];
	int n = snprintf(msg, sizeof msg, "login:%s", pre);
	raqib_sign_hex(s->key, msg, (size_t)n, out, 40);
}

/* ---- sessions */

/* 1 = signed in, 0 = not, -1 = the store failed. */
static int session_lookup(http_ctx *x, admin_who *w)
{
	raqib_server *s = x->s;
	const char *tok = cookie(x, "raqib_session");
	raqib_session ses;
	raqib_err err = {0, ""};
	int64_t now = http_now(), touch_every;
	int rc;

	memset(w, 0, sizeof *w);
	if (!is_hex(tok, 64))
		return 0;
	token_hash(tok, w->token_hash);
	rc = raqib_store_session_get(s->st, w->token_hash, http_arena(x), &ses, &err);
	if (rc < 0)
		return -1;
	if (rc)
		return 0;
	if (now - ses.last_seen > s->conf.session_idle || now - ses.created_at > s->conf.session_max) {
		raqib_store_session_delete(s->st, w->token_hash, &err);
		return 0;
	}
	touch_every = s->conf.session_idle / 4 < 60 ? s->conf.session_idle / 4 : 60;
	if (now - ses.last_seen >= touch_every)
		raqib_store_session_touch(s->st, w->token_hash, now, &err);
	w->user = ses.user;
	w->role = ses.role;
	w->csrf = ses.csrf;
	w->is_admin = !strcmp(ses.role, "admin");
	return 1;
}

int admin_require(http_ctx *x, bool need_admin, admin_who *w, enum MHD_Result *r)
{
	int rc = session_lookup(x, w);

	if (rc < 0) {
		*r = admin_error(x, 500, NULL, "تعذرت قراءة قاعدة البيانات");
		return -1;
	}
	if (!rc) {
		if (!strcmp(x->method, "GET"))
			*r = admin_redirect(x, "/admin/login", NULL);
		else
			*r = admin_error(x, 403, NULL, "يجب تسجيل الدخول أولًا");
		return -1;
	}
	if (need_admin && !w->is_admin) {
		*r = admin_error(x, 403, w, "هذه الصفحة للمديرين فقط");
		return -1;
	}
	return 0;
}

bool admin_csrf_ok(http_ctx *x, const admin_who *w)
{
	const char *v = admin_field(x, "csrf");
	return v && w->csrf && *w->csrf && raqib_const_eq(v, w->csrf);
}

/* ---- sign in / out */

static enum MHD_Result login_page(http_ctx *x, unsigned status, const char *pre,
				  bool set_cookie, const char *msg, const char *user,
				  const char *retry)
{
	raqib_buf b;
	char csrf[40], ck[200];
	const char *hdrs[6] = {NULL};
	size_t h = 0;

	login_csrf(x->s, pre, csrf);
	raqib_buf_init(&b, 1 << 20);
	if (admin_page_begin(&b, "تسجيل الدخول", NULL, NULL) ||
	    raqib_buf_adds(&b, "<section class=\"login\"><h1>تسجيل الدخول</h1>")) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	if (msg && (raqib_buf_adds(&b, "<p class=\"notice bad\" role=\"alert\">") ||
		    admin_esc(&b, msg) || raqib_buf_adds(&b, "</p>"))) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	if (raqib_buf_adds(&b, "<form method=\"post\" action=\"/admin/login\">"
			       "<input type=\"hidden\" name=\"csrf\" value=\"") ||
	    raqib_buf_adds(&b, csrf) ||
	    raqib_buf_adds(&b, "\"><label>اسم المستخدم <input name=\"user\" autocomplete=\"username\" "
			       "required autofocus value=\"") ||
	    admin_esc(&b, user ? user : "") ||
	    raqib_buf_adds(&b, "\"></label><label>كلمة المرور <input name=\"password\" "
			       "type=\"password\" autocomplete=\"current-password\" required></label>"
			       "<button type=\"submit\">دخول</button></form></section>") ||
	    admin_page_end(&b)) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	if (set_cookie) {
		cookie_line(x->s, ck, sizeof ck, "raqib_login", pre, 0);
		hdrs[h++] = MHD_HTTP_HEADER_SET_COOKIE;
		hdrs[h++] = ck;
	}
	if (retry) {
		hdrs[h++] = MHD_HTTP_HEADER_RETRY_AFTER;
		hdrs[h++] = retry;
	}
	return admin_send(x, status, &b, hdrs);
}

static bool hash_verify(http_admin *a, const char *hash, const char *pw)
{
	bool ok;
	pthread_mutex_lock(&a->hash_mu);
	if (!a->dummy_hash[0] &&
	    crypto_pwhash_str(a->dummy_hash, "raqib-dummy", 11, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE))
		a->dummy_hash[0] = 0;
	if (!hash || !*hash)
		hash = a->dummy_hash;
	ok = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
	pthread_mutex_unlock(&a->hash_mu);
	return ok;
}

enum MHD_Result admin_login(http_ctx *x)
{
	raqib_server *s = x->s;
	http_admin *a = s->admin;
	const char *pre = cookie(x, "raqib_login");
	const char *user, *pw, *csrf;
	char want[40], kuser[72], kip[72], tok[65], th[65], sc[33], ck[200], num[24];
	raqib_user u;
	raqib_err err = {0, ""};
	int64_t now = http_now(), left;
	bool found, ok;
	int rc;

	if (!strcmp(x->method, "GET")) {
		char fresh[33];
		admin_who w;
		/* already signed in: straight to the queue */
		if (session_lookup(x, &w) > 0)
			return admin_redirect(x, "/admin", NULL);
		if (is_hex(pre, 32))
			return login_page(x, 200, pre, false, NULL, NULL, NULL);
		random_hex(fresh, 16);
		return login_page(x, 200, fresh, true, NULL, NULL, NULL);
	}
	csrf = admin_field(x, "csrf");
	if (!is_hex(pre, 32) || !csrf)
		return admin_error(x, 403, NULL, "انتهت صلاحية النموذج: أعد تحميل صفحة الدخول.");
	login_csrf(s, pre, want);
	if (!raqib_const_eq(csrf, want))
		return admin_error(x, 403, NULL, "انتهت صلاحية النموذج: أعد تحميل صفحة الدخول.");
	user = admin_field(x, "user");
	pw = admin_field(x, "password");
	if (!user)
		user = "";
	if (!pw)
		pw = "";
	snprintf(kuser, sizeof kuser, "u:%.64s", user);
	snprintf(kip, sizeof kip, "i:%s", x->rq->iphash);
	left = locked_for(a, kuser, now);
	if (locked_for(a, kip, now) > left)
		left = locked_for(a, kip, now);
	if (left > 0) {
		snprintf(num, sizeof num, "%lld", (long long)left);
		return login_page(x, 429, pre, false,
				  "محاولات دخول فاشلة كثيرة: الحساب أو العنوان مقفل مؤقتًا، حاول لاحقًا.",
				  user, num);
	}
	rc = raqib_store_user_get(s->st, user, http_arena(x), &u, &err);
	if (rc < 0)
		return admin_error(x, 500, NULL, "تعذرت قراءة قاعدة البيانات");
	found = rc == 0 && !u.disabled;
	ok = hash_verify(a, found ? u.pwhash : NULL, pw) && found && *user;
	if (!ok) {
		note_failure(a, kuser, now);
		note_failure(a, kip, now);
		return login_page(x, 401, pre, false, "اسم المستخدم أو كلمة المرور غير صحيحة.", user,
				  NULL);
	}
	clear_failures(a, kuser);
	random_hex(tok, 32);
	random_hex(sc, 16);
	token_hash(tok, th);
	raqib_store_session_purge(s->st, now - s->conf.session_idle, now - s->conf.session_max,
				  &err);
	if (raqib_store_session_add(s->st, th, u.id, sc, now, &err)) {
		sodium_memzero(tok, sizeof tok);
		return admin_error(x, 500, NULL, "تعذر حفظ الجلسة");
	}
	cookie_line(s, ck, sizeof ck, "raqib_session", tok, 0);
	sodium_memzero(tok, sizeof tok);
	{
		char gone[200];
		const char *hdrs[] = {MHD_HTTP_HEADER_SET_COOKIE, ck, MHD_HTTP_HEADER_SET_COOKIE, gone,
				      NULL};
		enum MHD_Result r;
		cookie_line(s, gone, sizeof gone, "raqib_login", "", -1);
		r = admin_redirect(x, "/admin", hdrs);
		sodium_memzero(ck, sizeof ck);
		return r;
	}
}

enum MHD_Result admin_logout(http_ctx *x, const admin_who *w)
{
	raqib_err err = {0, ""};
	char ck[200];
	const char *hdrs[] = {MHD_HTTP_HEADER_SET_COOKIE, ck, NULL};

	raqib_store_session_delete(x->s->st, w->token_hash, &err);
	cookie_line(x->s, ck, sizeof ck, "raqib_session", "", -1);
	return admin_redirect(x, "/admin/login", hdrs);
}

/* ---- accounts (admins only) */

static bool name_ok(const char *n)
{
	size_t len = n ? strlen(n) : 0;
	if (!len || len > 64 || raqib_utf8_count(n, len, NULL) < 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)n[i] < 0x20 || n[i] == 0x7f)
			return false;
	return true;
}

enum MHD_Result admin_users(http_ctx *x, const admin_who *w)
{
	raqib_server *s = x->s;
	raqib_err err = {0, ""};
	raqib_user *us;
	size_t n;
	raqib_buf b;
	int rc = 0;

	if (!strcmp(x->method, "POST")) {
		const char *dis = admin_field(x, "disable");
		const char *name = admin_field(x, "name"), *role = admin_field(x, "role");
		const char *pw = admin_field(x, "password");
		char hash[crypto_pwhash_STRBYTES];
		if (dis) {
			rc = raqib_store_user_disable(s->st, dis, w->user, http_now(), &err);
			if (rc == RAQIB_STORE_NOTFOUND)
				return admin_error(x, 404, w, "لا يوجد مستخدم بهذا الاسم");
			if (rc)
				return admin_error(x, 500, w, "تعذر تعطيل الحساب");
			return admin_redirect(x, "/admin/users", NULL);
		}
		if (!name_ok(name) || !role || (strcmp(role, "editor") && strcmp(role, "admin")))
			return admin_error(x, 400, w, "الاسم (1 إلى 64 بايت) والدور (editor أو admin) مطلوبان");
		if (!pw || strlen(pw) < 8 || strlen(pw) > 1024)
			return admin_error(x, 400, w, "كلمة المرور من 8 أحرف على الأقل");
		pthread_mutex_lock(&s->admin->hash_mu);
		rc = crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				       crypto_pwhash_MEMLIMIT_INTERACTIVE);
		pthread_mutex_unlock(&s->admin->hash_mu);
		if (rc)
			return admin_error(x, 500, w, "تعذر حساب بصمة كلمة المرور");
		rc = raqib_store_user_add(s->st, name, role, hash, w->user, http_now(), &err);
		if (rc == RAQIB_STORE_EXISTS)
			return admin_error(x, 409, w, "يوجد مستخدم بهذا الاسم");
		if (rc)
			return admin_error(x, 500, w, "تعذر إضافة الحساب");
		return admin_redirect(x, "/admin/users", NULL);
	}
	if (raqib_store_user_list(s->st, http_arena(x), &us, &n, &err))
		return admin_error(x, 500, w, "تعذرت قراءة قاعدة البيانات");
	raqib_buf_init(&b, 8 << 20);
	rc |= admin_page_begin(&b, "المستخدمون", w, "users");
	rc |= raqib_buf_adds(&b, "<h1>المستخدمون</h1><table class=\"grid\"><thead><tr><th>الاسم</th>"
				 "<th>الدور</th><th>الحالة</th><th>أُنشئ</th><th></th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		char t[32];
		raqib_format_time(t, sizeof t, us[i].created_at);
		rc |= raqib_buf_adds(&b, "<tr><td>") | admin_esc(&b, us[i].name);
		rc |= raqib_buf_addf(&b, "</td><td>%s</td><td>%s</td><td>%s</td><td>",
				     !strcmp(us[i].role, "admin") ? "مدير" : "محرر",
				     us[i].disabled ? "معطل" : "نشط", t);
		if (!us[i].disabled) {
			rc |= raqib_buf_adds(&b, "<form method=\"post\" action=\"/admin/users\">");
			rc |= admin_csrf_input(&b, w);
			rc |= raqib_buf_adds(&b, "<input type=\"hidden\" name=\"disable\" value=\"");
			rc |= admin_esc(&b, us[i].name);
			rc |= raqib_buf_adds(&b, "\"><button type=\"submit\">تعطيل</button></form>");
		}
		rc |= raqib_buf_adds(&b, "</td></tr>");
	}
	rc |= raqib_buf_adds(&b, "</tbody></table><h2>حساب جديد</h2>"
				 "<form class=\"stack\" method=\"post\" action=\"/admin/users\">");
	rc |= admin_csrf_input(&b, w);
	rc |= raqib_buf_adds(&b, "<label>الاسم <input name=\"name\" required maxlength=\"64\"></label>"
				 "<label>الدور <select name=\"role\"><option value=\"editor\">محرر"
				 "</option><option value=\"admin\">مدير</option></select></label>"
				 "<label>كلمة المرور <input name=\"password\" type=\"password\" "
				 "minlength=\"8\" required autocomplete=\"new-password\"></label>"
				 "<button type=\"submit\">إضافة</button></form>");
	rc |= admin_page_end(&b);
	if (rc) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	return admin_send(x, 200, &b, NULL);
}
