/*
 * post.c — one comment from a reader to the store, shared by the no-JS form
 * and the JSON API: input checks, rate limit, form token (once per reader),
 * bans, duplicates, screening, then the durable write. Nothing is answered
 * 2xx before raqib_store_comment_add() returned 0, and nothing after it can
 * undo the write.
 */
#include "http/httpd.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- used form tokens ---- */

/* Open addressing over 64-bit hashes of (token, client): a token is good
 * for one post per reader. Readers who load the same page in the same
 * second share the token's bytes, hence the client in the key. Entries
 * expire with the token (max_form_age); a full table is swept of expired
 * entries, and if that frees nothing it is emptied: the rate limiter still
 * bounds what a replay could do. */
typedef struct tok_entry {
	uint64_t h;
	int64_t expires;
} tok_entry;

struct token_set {
	pthread_mutex_t mu;
	tok_entry *e;
	size_t cap, n;
};

token_set *http_tokens_new(size_t cap)
{
	token_set *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->e = calloc(cap, sizeof *t->e);
	if (!t->e) {
		free(t);
		return NULL;
	}
	t->cap = cap;
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

void http_tokens_free(token_set *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t->e);
	free(t);
}

static void tokens_rebuild(token_set *t, int64_t now)
{
	tok_entry *old = t->e, *e = calloc(t->cap, sizeof *e);
	size_t i;

	if (!e) {
		memset(t->e, 0, t->cap * sizeof *t->e);
		t->n = 0;
		return;
	}
	t->e = e;
	t->n = 0;
	for (i = 0; i < t->cap; i++) {
		size_t j;
		if (!old[i].h || old[i].expires < now)
			continue;
		for (j = old[i].h & (t->cap - 1); e[j].h; j = (j + 1) & (t->cap - 1))
			;
		e[j] = old[i];
		t->n++;
	}
	free(old);
	if (t->n * 2 > t->cap) {
		memset(t->e, 0, t->cap * sizeof *t->e);
		t->n = 0;
	}
}

/* true = claimed now; false = already used. */
static bool tokens_claim(token_set *t, uint64_t h, int64_t expires, int64_t now)
{
	size_t j;
	bool ok = true;

	if (!h)
		h = 1;
	pthread_mutex_lock(&t->mu);
	if (t->n * 2 >= t->cap)
		tokens_rebuild(t, now);
	for (j = h & (t->cap - 1); t->e[j].h; j = (j + 1) & (t->cap - 1))
		if (t->e[j].h == h) {
			ok = t->e[j].expires < now;
			t->e[j].expires = expires;
			break;
		}
	if (!t->e[j].h) {
		t->e[j].h = h;
		t->e[j].expires = expires;
		t->n++;
	}
	pthread_mutex_unlock(&t->mu);
	return ok;
}

/* A post that failed after claiming gives the token back. */
static void tokens_release(token_set *t, uint64_t h)
{
	size_t j;

	if (!h)
		h = 1;
	pthread_mutex_lock(&t->mu);
	for (j = h & (t->cap - 1); t->e[j].h; j = (j + 1) & (t->cap - 1))
		if (t->e[j].h == h) {
			t->e[j].expires = 0;  /* expired = free again, keeps the probe chain */
			break;
		}
	pthread_mutex_unlock(&t->mu);
}

static uint64_t fnv64(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- helpers ---- */

bool http_slug_valid(const char *s, size_t len)
{
	size_t i;

	if (!len || len > HTTP_SLUG_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

void http_notice_ref(const raqib_server *s, int64_t id, char *out, size_t cap)
{
	char msg[32], sig[80];
	int n = snprintf(msg, sizeof msg, "%lld", (long long)id);

	raqib_sign_hex(s->key, msg, (size_t)n, sig, sizeof sig);
	snprintf(out, cap, "%s.%s", msg, sig);
}

int64_t http_notice_check(const raqib_server *s, const char *ref)
{
	char want[128];
	char *end;
	long long id;

	if (!ref)
		return 0;
	id = strtoll(ref, &end, 10);
	if (id <= 0 || *end != '.')
		return 0;
	http_notice_ref(s, id, want, sizeof want);
	return raqib_const_eq(want, ref) ? id : 0;
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* Hex BLAKE2b-128 of the text with ASCII case and whitespace runs folded:
 * the same comment posted again with other spacing is still a duplicate. */
static void text_hash(const char *text, char out[33])
{
	crypto_generichash_state st;
	unsigned char h[16], chunk[256];
	size_t n = 0;
	bool space = false, started = false;

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	for (; *text; text++) {
		unsigned char c = (unsigned char)*text;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = started;
			continue;
		}
		if (space) {
			chunk[n++] = ' ';
			space = false;
		}
		started = true;
		chunk[n++] = c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
		if (n >= sizeof chunk - 2) {
			crypto_generichash_update(&st, chunk, n);
			n = 0;
		}
	}
	crypto_generichash_update(&st, chunk, n);
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(out, 33, h, sizeof h);
}

static char *reasons_json(const raqib_verdict *v, raqib_arena *ar)
{
	raqib_buf b;
	char *out;
	uint32_t i, j;
	int rc = 0;

	raqib_buf_init(&b, 1 << 20);
	rc |= raqib_buf_addc(&b, '[');
	for (i = 0; i < v->nfindings; i++) {
		const raqib_finding *f = &v->findings[i];
		rc |= raqib_buf_addf(&b, "%s{\"rule\":\"%s\",\"field\":\"%s\",\"action\":\"%s\",\"score\":%.3g,\"spans\":[",
				     i ? "," : "", raqib_rule_name(f->rule), raqib_field_name(f->field),
				     raqib_action_name(f->action), (double)f->score);
		for (j = 0; j < f->nspans; j++)
			rc |= raqib_buf_addf(&b, "%s[%u,%u]", j ? "," : "", f->spans[j].start,
					     f->spans[j].end);
		rc |= raqib_buf_adds(&b, "]}");
	}
	rc |= raqib_buf_addc(&b, ']');
	out = rc ? NULL : raqib_arena_alloc(ar, b.len + 1);
	if (out)
		memcpy(out, b.data, b.len + 1);
	raqib_buf_free(&b);
	return out;
}

const char *http_notice_ar(raqib_arena *ar, raqib_comment_status st, const char *rj)
{
	raqib_buf b;
	json_t *arr;
	bool seen[RAQIB_RULE_COUNT] = {false};
	size_t i, nr = 0;
	char *out;
	int rc = 0;

	switch (st) {
	case RAQIB_CS_PUBLISHED:
		return "نُشر تعليقك. شكرًا لمشاركتك.";
	case RAQIB_CS_SHORTENED:
		return "نُشر تعليقك مختصرًا: حُذف منه رقم الهاتف.";
	case RAQIB_CS_PENDING:
		return "تعليقك بانتظار مراجعة هيئة التحرير.";
	default:
		break;
	}
	raqib_buf_init(&b, 4096);
	rc |= raqib_buf_adds(&b, "لم يُقبل تعليقك");
	arr = rj ? json_loads(rj, 0, NULL) : NULL;
	for (i = 0; arr && i < json_array_size(arr); i++) {
		const char *rule = json_string_value(json_object_get(json_array_get(arr, i), "rule"));
		int r = rule ? raqib_rule_from_name(rule, strlen(rule)) : -1;
		if (r < 0 || seen[r])
			continue;
		seen[r] = true;
		rc |= raqib_buf_adds(&b, nr++ ? "، و" : "، لأنه ");
		rc |= raqib_buf_adds(&b, raqib_reason_ar((raqib_rule)r));
	}
	json_decref(arr);
	rc |= raqib_buf_adds(&b, ".");
	out = rc ? NULL : raqib_arena_alloc(ar, b.len + 1);
	if (out)
		memcpy(out, b.data, b.len + 1);
	raqib_buf_free(&b);
	return out ? out : "لم يُقبل تعليقك.";
}

static int fail_with(http_post_out *out, unsigned status, const char *en, const char *ar)
{
	out->status = status;
	out->error = en;
	out->error_ar = ar;
	return -1;
}

int http_post_comment(raqib_server *s, const char *iphash, const char *slug,
		      const http_post_in *in, raqib_arena *ar, http_post_out *out)
{
	raqib_err err = {0, ""};
	int64_t now = http_now();
	uint64_t tok_h = 0;
	char thash[33];
	raqib_verdict *v = NULL;
	http_engine *he;
	raqib_comment c;
	bool dup = false, banned = false;
	int rc;
	const char *name = in->name ? in->name : "";
	const char *text = in->text ? in->text : "";
	const char *hp = in->honeypot ? in->honeypot : "";

	memset(out, 0, sizeof *out);
	if (raqib_utf8_count(name, strlen(name), NULL) < 0 ||
	    raqib_utf8_count(text, strlen(text), NULL) < 0 ||
	    raqib_utf8_count(hp, strlen(hp), NULL) < 0)
		return fail_with(out, 400, "invalid UTF-8", "النص يحتوي على رموز غير صالحة.");
	if (blank(name))
		return fail_with(out, 400, "missing field: name", "الرجاء كتابة الاسم.");
	if (blank(text))
		return fail_with(out, 400, "missing field: text", "الرجاء كتابة التعليق.");
	if (in->reader_checks) {
		unsigned retry = 0;
		double mono = (double)http_mono_ns() / 1e9;
		if (!raqib_ratelimit_take(s->rl_post, iphash, strlen(iphash), mono, &retry)) {
			out->retry_after = retry ? retry : 1;
			return fail_with(out, 429, "too many comments, try again later",
					 "أرسلت تعليقات كثيرة في وقت قصير. الرجاء المحاولة بعد قليل.");
		}
	}
	rc = raqib_store_article_get(s->st, slug, ar, &out->article, &err);
	if (rc == RAQIB_STORE_NOTFOUND)
		return fail_with(out, 404, "unknown article", "المقال غير موجود.");
	if (rc)
		return fail_with(out, 500, "storage error", "تعذّر حفظ التعليق. الرجاء المحاولة لاحقًا.");
	if (in->reader_checks && (in->token || in->token_required)) {
		int64_t issued = 0;
		int t = in->token ? raqib_form_token_check(s->key, slug, in->token, now,
							   s->conf.min_form_age,
							   s->conf.max_form_age, &issued)
				  : 1;
		if (t == 2)
			return fail_with(out, 400, "form sent too fast",
					 "أُرسل النموذج بسرعة كبيرة. الرجاء الانتظار لحظة ثم إعادة الإرسال.");
		if (t == 3)
			return fail_with(out, 400, "form token expired",
					 "انتهت صلاحية النموذج. الرجاء إعادة الإرسال.");
		if (t)
			return fail_with(out, 400, "bad form token",
					 "النموذج غير صالح. الرجاء إعادة تحميل الصفحة ثم الإرسال.");
		tok_h = fnv64(fnv64(0xcbf29ce484222325ULL, in->token), iphash);
		if (!tokens_claim(s->used_tokens, tok_h, issued + s->conf.max_form_age + 1, now))
			return fail_with(out, 400, "form token already used",
					 "أُرسل هذا النموذج من قبل. الرجاء إعادة تحميل الصفحة.");
	}
	if (in->reader_checks) {
		if (raqib_store_banned(s->st, name, iphash, now, &banned, &err)) {
			fail_with(out, 500, "storage error", "تعذّر حفظ التعليق. الرجاء المحاولة لاحقًا.");
			goto fail;
		}
		if (banned) {
			fail_with(out, 403, "comment not accepted",
				  "لا يمكن قبول تعليقاتك على هذا الموقع.");
			goto fail;
		}
	}
	text_hash(text, thash);
	if (in->reader_checks && s->conf.dup_window) {
		if (raqib_store_comment_duplicate(s->st, out->article.id, thash,
						  now - s->conf.dup_window, &dup, &err)) {
			fail_with(out, 500, "storage error", "تعذّر حفظ التعليق. الرجاء المحاولة لاحقًا.");
			goto fail;
		}
		if (dup) {
			fail_with(out, 409, "duplicate comment",
				  "أرسلت هذا التعليق من قبل على هذا المقال.");
			goto fail;
		}
	}

	memset(&c, 0, sizeof c);
	c.name = name;
	c.name_len = strlen(name);
	c.text = text;
	c.text_len = strlen(text);
	c.honeypot = hp;
	c.honeypot_len = strlen(hp);
	c.title = out->article.title;
	c.title_len = strlen(out->article.title);
	c.body = out->article.body;
	c.body_len = strlen(out->article.body);
	/* the caption is part of what the article is about (off_topic) */
	c.caption = out->article.caption;
	c.caption_len = strlen(out->article.caption);
	v = http_verdict_take(s);
	if (!v) {
		fail_with(out, 500, "out of memory", "تعذّر حفظ التعليق. الرجاء المحاولة لاحقًا.");
		goto fail;
	}
	he = http_engine_take(s);
	rc = raqib_screen(he->eng, &c, v, &err);
	http_engine_give(s, he);
	if (rc == RAQIB_ETOO_LONG) {
		fail_with(out, 400, "text or name too long",
			  "التعليق أو الاسم أطول من الحد المسموح به.");
		goto fail;
	}
	if (rc) {
		fail_with(out, 400, "invalid UTF-8", "النص يحتوي على رموز غير صالحة.");
		goto fail;
	}
	memset(&out->row, 0, sizeof out->row);
	out->row.article_id = out->article.id;
	out->row.article_slug = out->article.slug;
	out->row.name = name;
	out->row.text = text;
	out->row.text_public = text;
	switch (v->decision) {
	case RAQIB_PUBLISH:
		out->row.status = RAQIB_CS_PUBLISHED;
		break;
	case RAQIB_SHORTEN: {
		char *sh = raqib_arena_alloc(ar, v->shortened_len + 1);
		if (!sh) {
			fail_with(out, 500, "out of memory", "تعذّر حفظ التعليق. الرجاء المحاولة لاحقًا.");
			goto fail;
		}
		memcpy(sh, v->shortened, v->shortened_len);
		sh[v->shortened_len] = 0;
		out->row.text_public = sh;
		out->row.status = RAQIB_CS_SHORTENED;
		break;
	}
	case RAQIB_HOLD:
		out->row.status = RAQIB_CS_PENDING;
		break;
	default:
		out->row.status = RAQIB_CS_REJECTED;
		break;
	}
	out->row.reasons_json = reasons_json(v, ar);
	out->row.ip_hash = iphash ? iphash : "";
	out->row.text_hash = thash;
	if (!out->row.reasons_json) {
		fail_with(out, 500, "out of memory", "تعذّر حفظ التعليق. الرجاء المحاولة لاحقًا.");
		goto fail;
	}
	if (raqib_store_comment_add(s->st, &out->row, in->created_at ? in->created_at : now, &err)) {
		fprintf(stderr, "raqib serve: storing a comment: %s\n", err.msg);
		fail_with(out, 500, "storage error", "تعذّر حفظ التعليق. الرجاء المحاولة لاحقًا.");
		goto fail;
	}
	/* Stored and durable: from here on nothing may fail the post. */
	{
		char *th = raqib_arena_alloc(ar, sizeof thash);
		if (th)
			memcpy(th, thash, sizeof thash);
		out->row.text_hash = th ? th : "";
	}
	if (raqib_status_public(out->row.status))
		atomic_fetch_add(&s->gen, 1);
	raqib_metrics_decision(&s->metrics, out->row.status, v);
	http_admin_notify_pending(s, &out->row, &out->article);
	http_verdict_give(s, v);
	out->status = 201;
	return 0;
fail:
	http_verdict_give(s, v);
	if (tok_h)
		tokens_release(s->used_tokens, tok_h);
	return -1;
}

int raqib_server_add_comment(raqib_server *s, const char *slug, const char *name,
			     const char *text, const char *honeypot, int64_t created_at,
			     int64_t *id_out, raqib_comment_status *status_out,
			     raqib_err *err)
{
	raqib_arena *ar = raqib_arena_new(16 * 1024);
	http_post_in in;
	http_post_out out;
	int rc = 0;

	if (!ar)
		return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
	memset(&in, 0, sizeof in);
	in.name = name;
	in.text = text;
	in.honeypot = honeypot;
	in.created_at = created_at;
	if (http_post_comment(s, "", slug, &in, ar, &out)) {
		rc = raqib_err_set(err, RAQIB_EARG, "comment on %s: %s", slug, out.error);
	} else {
		if (id_out)
			*id_out = out.row.id;
		if (status_out)
			*status_out = out.row.status;
	}
	raqib_arena_free(ar);
	return rc;
}
