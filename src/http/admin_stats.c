/*
 * admin_stats.c — statistics for the last 30 days with SVG charts drawn by
 * the server (no script, no library, no CDN). The charts read right to
 * left like the page: the oldest day is on the right. The SVG inherits the
 * page's direction (rtl), so a label's text-anchor "start" is its right
 * edge (admin.css).
 */
#include "http/admin.h"

#include <string.h>
#include <time.h>

#define DAYS 30

static const char *const STATUS_AR[] = {"منشور", "مختصر", "بانتظار القرار", "مرفوض", "مسحوب"};

/* One slot per calendar day of the period (process time zone), so a quiet
 * day is a gap, not a missing bar. */
static int day_chart(raqib_buf *b, const raqib_stats *s, int64_t now)
{
	const int W = 900, H = 240, PAD = 30;
	const double bw = (double)(W - PAD) / DAYS;
	int64_t max = 1, n[DAYS][5];
	char keys[DAYS][12];
	int rc = 0;

	memset(n, 0, sizeof n);
	for (int i = 0; i < DAYS; i++) {
		time_t t = (time_t)(now - (int64_t)(DAYS - 1 - i) * 86400);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(keys[i], sizeof keys[i], "%Y-%m-%d", &tm);
		for (size_t d = 0; d < s->ndays; d++)
			if (!strcmp(s->days[d].day, keys[i]))
				memcpy(n[i], s->days[d].n, sizeof n[i]);
	}
	for (int i = 0; i < DAYS; i++) {
		int64_t t = 0;
		for (int k = 0; k < 5; k++)
			t += n[i][k];
		if (t > max)
			max = t;
	}
	rc |= raqib_buf_addf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
				"aria-label=\"التعليقات يوميًا حسب القرار\">", W, H + 44);
	rc |= raqib_buf_addf(b, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>", H,
			     W, H);
	rc |= raqib_buf_addf(b, "<text x=\"%d\" y=\"14\" class=\"lbl\">%lld</text>", W - 4,
			     (long long)max);
	for (int i = 0; i < DAYS; i++) {
		/* RTL: the oldest day at the right edge */
		double x0 = (double)W - PAD / 2.0 - (double)(i + 1) * bw;
		double y = H;
		for (int k = 0; k < 5; k++) {
			double h = (double)n[i][k] * (H - 24) / (double)max;
			if (n[i][k] <= 0)
				continue;
			y -= h;
			rc |= raqib_buf_addf(b, "<rect class=\"s%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
						"height=\"%.1f\"><title>%s %s: %lld</title></rect>",
					     k, x0 + 2, y, bw - 4, h, keys[i], STATUS_AR[k],
					     (long long)n[i][k]);
		}
		if (i % 5 == 0 || i == DAYS - 1)
			rc |= raqib_buf_addf(b, "<text x=\"%.1f\" y=\"%d\" class=\"lbl mid\">%.5s</text>",
					     x0 + bw / 2, H + 16, keys[i] + 5);
	}
	for (int k = 0; k < 5; k++)
		rc |= raqib_buf_addf(b, "<rect class=\"s%d\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\"/>"
					"<text x=\"%d\" y=\"%d\" class=\"lbl\">%s</text>",
				     k, W - 16 - k * 140, H + 26, W - 20 - k * 140, H + 37, STATUS_AR[k]);
	return rc | raqib_buf_adds(b, "</svg>");
}

static int rule_chart(raqib_buf *b, const raqib_stats *s)
{
	const int W = 900, ROW = 26;
	int64_t max = 1;
	int rc = 0;

	for (size_t i = 0; i < s->nrules; i++)
		if (s->rules[i].held > max)
			max = s->rules[i].held;
	rc |= raqib_buf_addf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
				"aria-label=\"الإحالات حسب القاعدة\">",
			     W, (int)(s->nrules ? s->nrules : 1) * ROW + 4);
	for (size_t i = 0; i < s->nrules; i++) {
		const raqib_stat_rule *r = &s->rules[i];
		int rr = raqib_rule_from_name(r->rule, strlen(r->rule));
		double w = (double)r->held * (W - 260) / (double)max;
		int y = (int)i * ROW;
		/* RTL: the label on the right, the bar grows leftwards */
		rc |= raqib_buf_addf(b, "<text x=\"%d\" y=\"%d\" class=\"lbl\">", W - 4, y + 18);
		rc |= admin_esc(b, rr < 0 ? r->rule : raqib_reason_ar((raqib_rule)rr));
		rc |= raqib_buf_addf(b, "</text><rect class=\"hold\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
					"height=\"%d\"/><text x=\"%.1f\" y=\"%d\" class=\"lbl\">%lld</text>",
				     W - 240 - w, y + 4, w, ROW - 8, W - 244 - w, y + 18,
				     (long long)r->held);
	}
	return rc | raqib_buf_adds(b, "</svg>");
}

enum MHD_Result admin_stats(http_ctx *x, const admin_who *w)
{
	raqib_stats s;
	raqib_err err = {0, ""};
	raqib_buf b;
	int rc = 0;

	if (raqib_store_stats(x->s->st, http_now() - DAYS * 86400, http_arena(x), &s, &err))
		return admin_error(x, 500, w, "تعذرت قراءة قاعدة البيانات");
	raqib_buf_init(&b, 16 << 20);
	rc |= admin_page_begin(&b, "الإحصاءات", w, "stats");
	rc |= raqib_buf_addf(&b, "<h1>الإحصاءات <small>(آخر %d يومًا)</small></h1><ul class=\"kpi\">"
				 "<li><b id=\"queue-size\">%lld</b> في الطابور الآن</li>"
				 "<li><b>%lld</b> قرارًا للمحررين على تعليقات محالة</li><li><b>",
			     DAYS, (long long)s.queue, (long long)s.decided);
	if (s.median_decision < 0)
		rc |= raqib_buf_adds(&b, "—");
	else if (s.median_decision < 3600)
		rc |= raqib_buf_addf(&b, "%lld د", (long long)(s.median_decision + 59) / 60);
	else
		rc |= raqib_buf_addf(&b, "%.1f س", (double)s.median_decision / 3600.0);
	rc |= raqib_buf_adds(&b, "</b> الوسيط من النشر إلى القرار</li></ul>");
	rc |= raqib_buf_adds(&b, "<h2>التعليقات يوميًا حسب القرار</h2>");
	rc |= day_chart(&b, &s, http_now());
	rc |= raqib_buf_adds(&b, "<h2>الإحالات حسب القاعدة</h2>");
	rc |= rule_chart(&b, &s);
	rc |= raqib_buf_adds(&b, "<h2>قرارات المحررين مقابل القرار الآلي</h2>"
				 "<table class=\"grid\" id=\"overturns\"><thead><tr><th>القاعدة</th>"
				 "<th>أحال</th><th>نشره المحرر (إنذار كاذب)</th><th>رفضه المحرر (تأكيد)</th>"
				 "<th>نُشر ثم رُفض (فائت)</th><th>نسبة الإنذار الكاذب</th></tr></thead><tbody>");
	for (size_t i = 0; i < s.nrules; i++) {
		const raqib_stat_rule *r = &s.rules[i];
		int64_t dec = r->approved + r->rejected;
		rc |= raqib_buf_adds(&b, "<tr><td>") | admin_esc(&b, r->rule);
		rc |= raqib_buf_addf(&b, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
				     (long long)r->held, (long long)r->approved, (long long)r->rejected,
				     (long long)r->missed);
		if (dec)
			rc |= raqib_buf_addf(&b, "%.0f%%", 100.0 * (double)r->approved / (double)dec);
		else
			rc |= raqib_buf_adds(&b, "—");
		rc |= raqib_buf_adds(&b, "</td></tr>");
	}
	rc |= raqib_buf_adds(&b, "</tbody></table>");
	rc |= admin_page_end(&b);
	if (rc) {
		raqib_buf_free(&b);
		return MHD_NO;
	}
	return admin_send(x, 200, &b, NULL);
}
