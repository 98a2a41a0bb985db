/*
 * human.c — the readable report of `raqib check --human`: one block per
 * comment with the decision in Arabic and English, each reason, and the
 * fields with the offending spans marked.
 *
 * The comment is untrusted: control characters are shown as U+FFFD so a
 * comment cannot send escape sequences to the moderator's terminal.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define ADD_LIT(out, s) raqib_buf_add((out), (s), sizeof(s) - 1)

#define HL_ON_COLOR "\033[1;31m"
#define HL_OFF_COLOR "\033[0m"
#define HL_ON_PLAIN "\xe2\x9f\xa6"   /* ⟦ U+27E6 */
#define HL_OFF_PLAIN "\xe2\x9f\xa7"  /* ⟧ U+27E7 */

static const char *action_ar(raqib_action a)
{
	switch (a) {
	case RAQIB_PUBLISH: return "نشر";
	case RAQIB_SHORTEN: return "اختصار";
	case RAQIB_HOLD: return "حجز للمراجعة";
	case RAQIB_REJECT: return "رفض";
	}
	return "?";
}

static const char *rule_ar(raqib_rule r)
{
	switch (r) {
	case RAQIB_RULE_HONEYPOT: return "حقل الفخ";
	case RAQIB_RULE_SPAM: return "رسائل دعائية";
	case RAQIB_RULE_INSULT: return "إساءة إلى الأشخاص";
	case RAQIB_RULE_HATE: return "تعبيرات عنصرية";
	case RAQIB_RULE_OFF_TOPIC: return "خارج الموضوع";
	case RAQIB_RULE_DIALECT: return "لهجة عامية";
	case RAQIB_RULE_FOREIGN: return "لغة أجنبية";
	case RAQIB_RULE_PSEUDONYM: return "اسم رمزي";
	case RAQIB_RULE_PHONE: return "رقم هاتف";
	case RAQIB_RULE_COUNT: break;
	}
	return "?";
}

/* Sorted, merged spans of every finding on `field`. */
static size_t field_spans(const raqib_verdict *v, raqib_field field,
			  raqib_span *sp)
{
	size_t n = 0;
	uint32_t i, j;

	for (i = 0; i < v->nfindings && i < RAQIB_MAX_FINDINGS; i++) {
		const raqib_finding *f = &v->findings[i];
		if (f->field != field)
			continue;
		for (j = 0; j < f->nspans && j < RAQIB_MAX_SPANS; j++)
			if (f->spans[j].end > f->spans[j].start)
				sp[n++] = f->spans[j];
	}
	return raqib_spans_merge(sp, n);
}

/* Appends s with the spans marked; code points that are controls (other
 * than newline and tab) become U+FFFD. Newlines are indented to line up. */
static int put_marked(raqib_buf *out, const char *s, size_t len,
		      const raqib_span *sp, size_t nsp, bool color)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *on = color ? HL_ON_COLOR : HL_ON_PLAIN;
	const char *off = color ? HL_OFF_COLOR : HL_OFF_PLAIN;
	size_t bi = 0, k = 0;
	uint32_t cpi = 0, cp;
	bool inside = false;
	int rc = 0;

	while (bi < len && !rc) {
		size_t used = raqib_utf8_decode(p + bi, len - bi, &cp);
		/* Input text is valid UTF-8 (jansson checks it), but an error
		 * message may quote a stray byte or end in a cut sequence. */
		if (!used) {
			used = 1;
			cp = 0x80;   /* shown as U+FFFD below */
		}
		while (k < nsp && cpi >= sp[k].end) {
			if (inside && (rc = raqib_buf_adds(out, off)))
				return rc;
			inside = false;
			k++;
		}
		if (!inside && k < nsp && cpi >= sp[k].start) {
			if ((rc = raqib_buf_adds(out, on)))
				return rc;
			inside = true;
		}
		if (cp == '\n')
			rc = ADD_LIT(out, "\n              ");
		else if ((cp < 0x20 && cp != '\t') || (cp >= 0x7F && cp < 0xA0))
			rc = ADD_LIT(out, "\xef\xbf\xbd");
		else
			rc = raqib_buf_add(out, p + bi, used);
		bi += used;
		cpi++;
	}
	if (!rc && inside)
		rc = raqib_buf_adds(out, off);
	return rc;
}

static int put_field(raqib_buf *out, const char *label, const char *s,
		     size_t len, const raqib_verdict *v, raqib_field field,
		     bool color)
{
	raqib_span sp[RAQIB_MAX_FINDINGS * RAQIB_MAX_SPANS];
	size_t nsp = v ? field_spans(v, field, sp) : 0;
	int rc;

	if ((rc = raqib_buf_adds(out, label)) ||
	    (rc = put_marked(out, s, len, sp, nsp, color)))
		return rc;
	return raqib_buf_addc(out, '\n');
}

static int put_header(raqib_buf *out, const jsonl_item *it)
{
	raqib_buf id;
	int rc;

	/* The id in JSON form, then through the control-character filter:
	 * JSON leaves DEL and the C1 controls (U+0080-U+009F) unescaped. */
	raqib_buf_init(&id, JSONL_MAX_LINE * 6 + 2);
	if ((rc = ADD_LIT(out, "── line ")) ||
	    (rc = jsonl_put_uint(out, it->line)) ||
	    (rc = ADD_LIT(out, " · id ")) ||
	    (rc = jsonl_put_id(&id, it->id)) ||
	    (rc = put_marked(out, id.data, id.len, NULL, 0, false)))
		goto done;
	rc = ADD_LIT(out, "\n");
done:
	raqib_buf_free(&id);
	return rc;
}

static int put_reason(raqib_buf *out, const raqib_finding *f)
{
	const char *rule = raqib_rule_name(f->rule);
	const char *field = raqib_field_name(f->field);
	const char *act = raqib_action_name(f->action);
	int rc;

	if ((rc = ADD_LIT(out, "  reason:     ")) ||
	    (rc = raqib_buf_adds(out, rule)) ||
	    (rc = ADD_LIT(out, " (")) ||
	    (rc = raqib_buf_adds(out, rule_ar(f->rule))) ||
	    (rc = ADD_LIT(out, ")  score ")) ||
	    (rc = jsonl_put_score(out, f->score)) ||
	    (rc = ADD_LIT(out, "  field ")) ||
	    (rc = raqib_buf_adds(out, field)) ||
	    (rc = ADD_LIT(out, "  -> ")) ||
	    (rc = raqib_buf_adds(out, act)))
		return rc;
	return raqib_buf_addc(out, '\n');
}

static int put_verdict(raqib_buf *out, const jsonl_item *it,
		       const raqib_verdict *v, bool color)
{
	const char *dec = raqib_action_name(v->decision);
	uint32_t i;
	int rc;

	if ((rc = ADD_LIT(out, "  decision:   ")) ||
	    (rc = raqib_buf_adds(out, action_ar(v->decision))) ||
	    (rc = ADD_LIT(out, " / ")) ||
	    (rc = raqib_buf_adds(out, dec)) ||
	    (rc = raqib_buf_addc(out, '\n')))
		return rc;
	for (i = 0; i < v->nfindings && i < RAQIB_MAX_FINDINGS; i++)
		if ((rc = put_reason(out, &v->findings[i])))
			return rc;
	if (it->c.name &&
	    (rc = put_field(out, "  name:       ", it->c.name, it->c.name_len, v,
			    RAQIB_FIELD_NAME, color)))
		return rc;
	if ((rc = put_field(out, "  text:       ", it->c.text, it->c.text_len, v,
			    RAQIB_FIELD_TEXT, color)))
		return rc;
	if (v->decision == RAQIB_SHORTEN && v->shortened &&
	    (rc = put_field(out, "  shortened:  ", v->shortened, v->shortened_len,
			    NULL, RAQIB_FIELD_TEXT, color)))
		return rc;
	return 0;
}

int human_write(raqib_buf *out, const jsonl_item *it, const raqib_verdict *v,
		bool color)
{
	size_t mark = out->len;
	int rc = put_header(out, it);

	if (!rc && it->err.code)
		rc = put_field(out, "  error:      ", it->err.msg,
			       strlen(it->err.msg), NULL, RAQIB_FIELD_TEXT, color);
	else if (!rc)
		rc = put_verdict(out, it, v, color);
	if (!rc)
		rc = raqib_buf_addc(out, '\n');
	if (rc) {
		out->len = mark;
		out->data[mark] = 0;
	}
	return rc;
}
