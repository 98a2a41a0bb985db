/*
 * honeypot.c — the hidden form field ("leave this field empty") that only
 * bots fill in. People never see it, so anything in it — even whitespace,
 * which a form-filling bot or a bot replaying a captured form may send — is
 * proof enough; the default action (raqib.h) is reject.
 *
 * Whitespace-only content scores a little lower (0.9, still far above the
 * threshold) so that an editor reading the JSON can tell a site template
 * that renders value=" " — which would reject every comment — from a bot.
 */
#include "rule.h"

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f')
			return false;
	}
	return true;
}

void rule_honeypot(const rule_input *in, rule_out *out)
{
	const raqib_comment *c = in->c;

	if (!c || !c->honeypot || c->honeypot_len == 0)
		return;
	rule_finding(out, RAQIB_RULE_HONEYPOT, RAQIB_FIELD_TEXT,
		     is_blank(c->honeypot, c->honeypot_len) ? 0.9f : 1.0f);
}
