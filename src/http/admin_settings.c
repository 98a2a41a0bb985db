/*
 * admin_settings.c — /admin/settings: the screening policy in effect, and
 * the admins' changes to it (docs/admin.md).
 *
 * The config file stays the base. What an admin changes (per rule: enabled,
 * action, threshold, reject_threshold) is stored as an override per
 * (rule, key) in the settings table — only where it differs from the file —
 * and applied over the file's values at every start. A save builds a new
 * engine from the file's config plus the overrides and swaps it in
 * (http_engine_swap): the next comment is screened under the new policy,
 * the ones being screened finish under the old one.
 *
 * Models and their thresholds, lexicons and the [server]/[site] sections are
 * shown read-only: they are files and addresses, changed in the config file.
 */
#include "http/admin.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_ENABLED, K_ACTION, K_THRESHOLD, K_REJECT, K_COUNT };
static const char *const KEYS[K_COUNT] = {"enabled", "action", "threshold", "reject_threshold"};

/* Short names for the table (raqib_reason_ar is the reader's sentence). */
static const char *const RULE_AR[RAQIB_RULE_COUNT] = {
	[RAQIB_RULE_HONEYPOT] = "فخ الروبوتات",
	[RAQIB_RULE_SPAM] = "رسائل دعائية",
	[RAQIB_RULE_INSULT] = "إساءة إلى أشخاص",
	[RAQIB_RULE_HATE] = "خطاب كراهية",
	[RAQIB_RULE_OFF_TOPIC] = "خارج الموضوع",
	[RAQIB_RULE_DIALECT] = "لهجة عامية",
	[RAQIB_RULE_FOREIGN] = "لغة أجنبية",
	[RAQIB_RULE_PSEUDONYM] = "اسم مستعار",
	[RAQIB_RULE_PHONE] = "رقم هاتف",
};
static const char *const ACTION_AR[] = {"نشر", "نشر مع الحذف", "حجز للمراجعة", "رفض"};

#define VAL_MAX 32

static int key_index(const char *k)
{
	for (int i = 0; i < K_COUNT; i++)
		if (!strcmp(KEYS[i], k))
			return i;
	return -1;
}

/* The canonical text of a setting: what is stored and compared. */
static void value_text(const raqib_rule_conf *rc, int k, char out[VAL_MAX])
{
	switch (k) {
	case K_ENABLED:
		snprintf(out, VAL_MAX, "%s", rc->enabled ? "true" : "false");
		break;
	case K_ACTION:
		snprintf(out, VAL_MAX, "%s", raqib_action_name(rc->action));
		break;
	case K_THRESHOLD:
		snprintf(out, VAL_MAX, "%g", (double)rc->threshold);
		break;
	default:
		snprintf(out, VAL_MAX, "%g", (double)rc->reject_threshold);
		break;
	}
}

static int parse_num(const char *v, double max, float *out)
{
	char *end;
	double d;

	if (!*v || strlen(v) >= VAL_MAX)
		return -1;
	errno = 0;
	d = strtod(v, &end);
	/* written so that NaN fails too */
	if (errno || end == v || *end || !(d >= 0.0 && d <= max))
		return -1;
	*out = (float)d;
	return 0;
}

/* Sets key k of rc from text v, validated as config.c does: an action
 * name, a threshold from 0 to 1, a reject threshold from 0 to 2 (above 1:
 * never). -1 = invalid, rc untouched. */
static int set_key(raqib_rule_conf *rc, int k, const char *v)
{
	float f;
	int a;

	switch (k) {
	case K_ENABLED:
		if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "yes"))
			rc->enabled = 1;
		else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off") ||
			 !strcmp(v, "no"))
			rc->enabled = 0;
		else
			return -1;
		return 0;
	case K_ACTION:
		if ((a = raqib_action_from_name(v)) < 0)
			return -1;
		rc->action = (raqib_action)a;
		return 0;
	case K_THRESHOLD:
		if (parse_num(v, 1.0, &f))
			return -1;
		rc->threshold = f;
		return 0;
	default:
		if (parse_num(v, 2.0, &f))
			return -1;
		rc->reject_threshold = f;
		return 0;
	}
}

static const char *const KEY_RULE_AR[K_COUNT] = {
	"true أو false", "publish أو shorten أو hold أو reject", "رقم من 0 إلى 1",
	"رقم من 0 إلى 2 (فوق 1: لا رفض أبدًا)"};

int http_settings_apply(raqib_store *st, raqib_config *cfg, raqib_buf *warnings, raqib_err *err)
{
	raqib_arena *ar = raqib_arena_new(4096);
	raqib_setting *set;
	size_t n;
	int applied = 0, rc;

	if (!ar)
		return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
	if ((rc = raqib_store_settings_list(st, ar, &set, &n, err))) {
		raqib_arena_free(ar);
		return rc < 0 ? rc : RAQIB_EIO;
	}
	for (size_t i = 0; i < n; i++) {
		int r = raqib_rule_from_name(set[i].rule, strlen(set[i].rule));
		int k = key_index(set[i].key);
		if (r < 0 || k < 0 || set_key(&cfg->rules[r], k, set[i].value)) {
			/* a rule or key this version does not know, or a value out
			 * of today's range: the file's value stands */
			if (warnings &&
			    raqib_buf_addf(warnings, "raqib serve: stored setting [rule.%.64s] %.64s = "
						     "'%.64s' (by %.64s) is not valid and is ignored\n",
					   set[i].rule, set[i].key, set[i].value, set[i].updated_by))
				break;
			continue;
		}
		applied++;
	}
	raqib_arena_free(ar);
	return applied;
}

/* ---- the page */

static void current_config(raqib_server *s, raqib_config *out)
{
	http_engine *e = http_engine_take(s);
	*out = *raqib_engine_config(e->eng);
	http_engine_give(s, e);
}

static int add_select(raqib_buf *b, const char *name, int cur, const char *const *vals,
		      const char *const *labels, int n)
{
	int rc = raqib_buf_addf(b, "<select name=\"%s\">", name);
	for (int i = 0; i < n; i++)
		rc |= raqib_buf_addf(b, "<option value=\"%s\"%s>%s</option>", vals[i],
				     i == cur ? " selected" : "", labels[i]);
	return rc | raqib_buf_adds(b, "</select>");
}

static const raqib_setting *find_override(const raqib_setting *set, size_t n, const char *rule)
{
	const raqib_setting *last = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(set[i].rule, rule) && (!last || set[i].updated_at > last->updated_at))
			last = &set[i];
	return last;
}

static int rule_row(raqib_buf *b, const raqib_rule_conf *rc, int r, const raqib_setting *ov)
{
	static const char *const bools[] = {"true", "false"}, *const bools_ar[] = {"نعم", "لا"};
	static const char *const acts[] = {"publish", "shorten", "hold", "reject"};
	const char *nm = raqib_rule_name((raqib_rule)r);
	char field[64], v[VAL_MAX];
	int e = 0;

	e |= raqib_buf_addf(b, "<tr><th scope=\"row\">%s <code dir=\"ltr\">%s</code></th><td>",
			    RULE_AR[r], nm);
	snprintf(field, sizeof field, "%s.enabled", nm);
	e |= add_select(b, field, rc->enabled ? 0 : 1, bools, bools_ar, 2);
	e |= raqib_buf_adds(b, "</td><td>");
	snprintf(field, sizeof field, "%s.action", nm);
	e |= add_select(b, field, (int)rc->action, acts, ACTION_AR, 4);
	value_text(rc, K_THRESHOLD, v);
	e |= raqib_buf_addf(b, "</td><td><input type=\"number\" name=\"%s.threshold\" min=\"0\" "
			       "max=\"1\" step=\"any\" size=\"5\" dir=\"ltr\" value=\"%s\"></td>",
			    nm, v);
	value_text(rc, K_REJECT, v);
	e |= raqib_buf_addf(b, "<td><input type=\"number\" name=\"%s.reject_threshold\" min=\"0\" "
			       "max=\"2\" step=\"any\" size=\"5\" dir=\"ltr\" value=\"%s\"></td><td>",
			    nm, v);
	if (!rc->model[0])
		e |= raqib_buf_adds(b, "—");
	else if (!strcmp(rc->model, "builtin"))
		e |= raqib_buf_adds(b, "مدمج في البرنامج");
	else
		e |= raqib_buf_adds(b, "<code dir=\"ltr\">") | admin_esc(b, rc->model) |
		     raqib_buf_adds(b, "</code>");
	e |= raqib_buf_adds(b, "</td><td>");
	if (!rc->model[0])
		e |= raqib_buf_adds(b, "—");
	else if (rc->model_threshold > 0.0f)
		e |= raqib_buf_addf(b, "<span dir=\"ltr\">%g</span>", (double)rc->model_threshold);
	else
		e |= raqib_buf_adds(b, "عتبة النموذج نفسه");
	e |= raqib_buf_adds(b, "</td><td>");
	if (ov) {
		char t[32];
		raqib_format_time(t, sizeof t, ov->updated_at);
		e |= raqib_buf_adds(b, "عدّلها ") | admin_esc(b, ov->updated_by);
		e |= raqib_buf_addf(b, " <span dir=\"ltr\">%s</span>", t);
	} else {
		e |= raqib_buf_adds(b, "ملف الإعداد");
	}
	return e | raqib_buf_adds(b, "</td></tr>");
}

static int ro_row(raqib_buf *b, const char *label, const char *value, bool ltr)
{
	return raqib_buf_addf(b, "<tr><th scope=\"row\">%s</th><td%s>", label,
			      ltr ? " dir=\"ltr\"" : "") |
	       admin_esc(b, value) | raqib_buf_adds(b, "</td></tr>");
}

static int server_table(raqib_buf *b, const raqib_server *s, const raqib_config *cfg)
{
	const raqib_server_conf *c = &s->conf;
	char v[128];
	int e = raqib_buf_adds(b, "<h2>إعدادات الموقع والخادم</h2><p>للقراءة فقط: تُغيَّر في ملف "
				  "الإعداد ثم يُعاد تشغيل الخادم.</p><table class=\"grid\"><tbody>");

	e |= ro_row(b, "اسم الموقع", c->site_name, false);
	e |= ro_row(b, "عنوان الموقع", s->base, true);
	e |= ro_row(b, "المنطقة الزمنية", c->timezone, true);
	e |= ro_row(b, "ترتيب التعليقات", c->newest_first ? "الأحدث أولًا" : "الأقدم أولًا", false);
	snprintf(v, sizeof v, "%u", c->per_page);
	e |= ro_row(b, "تعليقات في الصفحة", v, true);
	if (c->post_rate > 0)
		snprintf(v, sizeof v, "%g / min, burst %g", c->post_rate, c->post_burst);
	else
		snprintf(v, sizeof v, "off");
	e |= ro_row(b, "حد التعليقات لكل عنوان", v, true);
	if (c->get_rate > 0)
		snprintf(v, sizeof v, "%g / min, burst %g", c->get_rate, c->get_burst);
	else
		snprintf(v, sizeof v, "off");
	e |= ro_row(b, "حد الصفحات لكل عنوان", v, true);
	e |= ro_row(b, "مواقع التضمين", c->embed_origins[0] ? c->embed_origins : "—", true);
	snprintf(v, sizeof v, "%zu", cfg->max_text_len);
	e |= ro_row(b, "أقصى طول للتعليق (حرفًا)", v, true);
	snprintf(v, sizeof v, "%zu", cfg->max_name_len);
	e |= ro_row(b, "أقصى طول للاسم (حرفًا)", v, true);
	return e | raqib_buf_adds(b, "</tbody></table>");
}

static enum MHD_Result settings_page(http_ctx *x, const admin_who *w)
{
	raqib_server *s = x->s;
	raqib_config *cfg = raqib_arena_alloc(http_arena(x), sizeof *cfg);
	raqib_setting *set;
	size_t n;
	raqib_err err = {0, ""};
	const char *saved = http_arg(x, "saved");
	raqib_buf b;
	int e = 0;

	if (!cfg)
		return MHD_NO;
	current_config(s, cfg);
	if (raqib_store_settings_list(s->st, http_arena(x), &set, &n, &err))
		return admin_error(x, 500, w, "تعذرت قراءة قاعدة البيانات");
	raqib_buf_init(&b, 4 << 20);
	e |= admin_page_begin(&b, "الإعدادات", w, "settings");
	e |= raqib_buf_adds(&b, "<h1>سياسة الفحص</h1>");
	if (saved && !strcmp(saved, "1"))
		e |= raqib_buf_adds(&b, "<p class=\"notice\" role=\"status\">حُفظت الإعدادات، وتسري "
					"على كل تعليق جديد من الآن.</p>");
	else if (saved && !strcmp(saved, "0"))
		e |= raqib_buf_adds(&b, "<p class=\"notice\" role=\"status\">لم يتغير شيء.</p>");
	e |= raqib_buf_adds(&b, "<p>لكل قاعدة: إن بلغت درجة التعليق العتبة طُبق الإجراء، وإن بلغت "
				"عتبة الرفض رُفض. يسري التغيير على التعليقات الجديدة فورًا ويُسجل في "
				"سجل القرارات؛ النماذج وعتباتها تُغيَّر في ملف الإعداد.</p>"
				"<form method=\"post\" action=\"/admin/settings\">");
	e |= admin_csrf_input(&b, w);
	e |= raqib_buf_adds(&b, "<table class=\"grid settings\"><thead><tr><th>القاعدة</th>"
				"<th>مفعلة</th><th>الإجراء</th><th>العتبة</th><th>عتبة الرفض</th>"
				"<th>النموذج</th><th>عتبة النموذج</th><th>المصدر</th></tr></thead>"
				"<tbody>");
	for (int r = 0; r < RAQIB_RULE_COUNT; r++)
		e |= rule_row(&b, &cfg->rules[r], r,
			      find_override(set, n, raqib_rule_name((raqib_rule)r)));
	e |= raqib_buf_adds(&b, "</tbody></table><button type=\"submit\">حفظ</button></form>");
	e |= server_table(&b, s, cfg);
	e |= admin_page_end(&b);
	if (e) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	return admin_send(x, 200, &b, NULL);
}

/* ---- saving */

typedef struct change_set {
	raqib_setting rows[RAQIB_RULE_COUNT * K_COUNT];
	char names[RAQIB_RULE_COUNT * K_COUNT][64];
	char vals[RAQIB_RULE_COUNT * K_COUNT][VAL_MAX];
	size_t n;
} change_set;

/* Under s->settings_mu: reads the form over the policy in effect. Returns
 * the answer; nothing changes unless every field is valid. */
static enum MHD_Result settings_save(http_ctx *x, const admin_who *w)
{
	raqib_server *s = x->s;
	const raqib_config *base = raqib_engine_config(s->base_eng);
	raqib_config *cur = malloc(sizeof *cur), *next = malloc(sizeof *next);
	change_set *cs = calloc(1, sizeof *cs);
	json_t *before = json_object(), *after = json_object();
	char *bj = NULL, *aj = NULL, msg[300];
	raqib_engine *eng = NULL;
	raqib_err err = {0, ""};
	enum MHD_Result res;

	if (!cur || !next || !cs || !before || !after) {
		res = MHD_NO;
		goto out;
	}
	current_config(s, cur);
	*next = *cur;
	for (int r = 0; r < RAQIB_RULE_COUNT; r++) {
		const char *nm = raqib_rule_name((raqib_rule)r);
		for (int k = 0; k < K_COUNT; k++) {
			char field[64], was[VAL_MAX], now[VAL_MAX], file[VAL_MAX];
			const char *v;
			raqib_rule_conf trial = next->rules[r];

			snprintf(field, sizeof field, "%s.%s", nm, KEYS[k]);
			if (!(v = admin_field(x, field)))
				continue;           /* absent: unchanged */
			value_text(&cur->rules[r], k, was);
			/* the value in effect is accepted as it is, even when the
			 * file put it out of the form's range (threshold 1.5) */
			if (!strcmp(v, was))
				continue;
			if (set_key(&trial, k, v)) {
				snprintf(msg, sizeof msg, "قيمة غير صالحة للحقل %s: المطلوب %s.", field,
					 KEY_RULE_AR[k]);
				res = admin_error(x, 400, w, msg);
				goto out;
			}
			value_text(&trial, k, now);
			if (!strcmp(now, was))
				continue;           /* "0.50" for 0.5 */
			next->rules[r] = trial;
			value_text(&base->rules[r], k, file);
			snprintf(cs->names[cs->n], 64, "%s", field);
			snprintf(cs->vals[cs->n], VAL_MAX, "%s", now);
			cs->rows[cs->n].rule = nm;
			cs->rows[cs->n].key = KEYS[k];
			/* back to the file's value: the override goes */
			cs->rows[cs->n].value = strcmp(now, file) ? cs->vals[cs->n] : NULL;
			if (json_object_set_new(before, field, json_string(was)) ||
			    json_object_set_new(after, field, json_string(now))) {
				res = MHD_NO;
				goto out;
			}
			cs->n++;
		}
	}
	if (!cs->n) {
		res = admin_redirect(x, "/admin/settings?saved=0", NULL);
		goto out;
	}
	bj = json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS);
	aj = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
	if (!bj || !aj) {
		res = MHD_NO;
		goto out;
	}
	/* The engine first: a policy that cannot be built is never stored. */
	if (raqib_engine_new(next, &eng, &err)) {
		fprintf(stderr, "raqib serve: settings by %s: %s\n", w->user, err.msg);
		res = admin_error(x, 500, w, "تعذر تطبيق الإعدادات الجديدة؛ لم يتغير شيء.");
		goto out;
	}
	if (raqib_store_settings_put(s->st, cs->rows, cs->n, w->user, bj, aj, http_now(), &err)) {
		fprintf(stderr, "raqib serve: settings by %s: %s\n", w->user, err.msg);
		res = admin_error(x, 500, w, "تعذر حفظ الإعدادات؛ لم يتغير شيء.");
		goto out;
	}
	if (http_engine_swap(s, eng)) {
		res = admin_error(x, 500, w, "حُفظت الإعدادات لكنها تسري بعد إعادة تشغيل الخادم.");
		goto out;
	}
	eng = NULL;
	res = admin_redirect(x, "/admin/settings?saved=1", NULL);
out:
	raqib_engine_free(eng);
	free(bj);
	free(aj);
	json_decref(before);
	json_decref(after);
	free(cs);
	free(next);
	free(cur);
	return res;
}

enum MHD_Result admin_settings(http_ctx *x, const admin_who *w)
{
	enum MHD_Result r;

	if (strcmp(x->method, "POST"))
		return settings_page(x, w);
	/* Two admins saving at once would each build on the policy the other
	 * is replacing. */
	pthread_mutex_lock(&x->s->settings_mu);
	r = settings_save(x, w);
	pthread_mutex_unlock(&x->s->settings_mu);
	return r;
}
