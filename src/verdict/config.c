/*
 * config.c — defaults and the INI config file (libinih). Unknown sections
 * and keys are errors: a misspelt threshold silently ignored would change
 * what a site publishes.
 */
#include "../base/base.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *rule_names[] = {
#define CONF_X_NAME(e, n, a, t) #n,
	RAQIB_RULES(CONF_X_NAME)
#undef CONF_X_NAME
};
static const char *action_names[] = {"publish", "shorten", "hold", "reject"};

const char *raqib_rule_name(raqib_rule r)
{
	return (unsigned)r < RAQIB_RULE_COUNT ? rule_names[r] : "unknown";
}

int raqib_rule_from_name(const char *name, size_t len)
{
	for (int i = 0; i < RAQIB_RULE_COUNT; i++)
		if (strlen(rule_names[i]) == len && !memcmp(rule_names[i], name, len))
			return i;
	return -1;
}

const char *raqib_action_name(raqib_action a)
{
	return (unsigned)a <= RAQIB_REJECT ? action_names[a] : "unknown";
}

int raqib_action_from_name(const char *name)
{
	for (int i = 0; i <= RAQIB_REJECT; i++)
		if (!strcmp(action_names[i], name))
			return i;
	return -1;
}

const char *raqib_field_name(raqib_field f)
{
	return f == RAQIB_FIELD_NAME ? "name" : "text";
}

void raqib_config_defaults(raqib_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
#define CONF_X_DEF(e, n, a, t)                                    \
	cfg->rules[RAQIB_RULE_##e].action = a;                     \
	cfg->rules[RAQIB_RULE_##e].threshold = t;                  \
	cfg->rules[RAQIB_RULE_##e].reject_threshold = 2.0f;        \
	cfg->rules[RAQIB_RULE_##e].enabled = 1;
	RAQIB_RULES(CONF_X_DEF)
#undef CONF_X_DEF
	/* spam: hold when likely, reject when certain (link-only, shortener
	 * plus promotion, contact solicitation plus promotion). */
	cfg->rules[RAQIB_RULE_SPAM].reject_threshold = 0.9f;
	/* the name model built into the binary (models/pseudonym.md) */
	snprintf(cfg->rules[RAQIB_RULE_PSEUDONYM].model,
		 sizeof cfg->rules[RAQIB_RULE_PSEUDONYM].model, "%s", "builtin");
	cfg->max_text_len = 5000;
	cfg->max_name_len = 100;
	snprintf(cfg->phone_marker, sizeof cfg->phone_marker, "%s", "[رقم محذوف]");
}

typedef struct conf_ctx {
	raqib_config *cfg;
	const char *path;  /* of the config file: relative model paths start there */
	char msg[200];
} conf_ctx;

/* A number in [0, max]; NaN and infinities are refused (!(d >= 0) is true
 * for NaN, d < 0 is not). */
static int parse_float_range(const char *v, double max, float *out)
{
	char *end;
	double d;
	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= 0.0 && d <= max))
		return -1;
	*out = (float)d;
	return 0;
}

static int parse_size(const char *v, size_t *out)
{
	char *end;
	unsigned long long u;
	errno = 0;
	u = strtoull(v, &end, 10);
	if (errno || end == v || *end || u == 0 || u > 10000000ULL)
		return -1;
	*out = (size_t)u;
	return 0;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"))
		*out = 1;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* "none", "off" or "" switch a model off; "builtin" is the model built
 * into the binary (pseudonym only); a relative path is taken from
 * the config file's directory, so a config works from any working
 * directory. */
static int resolve_model(const char *conf, const char *val, char *out, size_t cap)
{
	const char *slash = conf ? strrchr(conf, '/') : NULL;
	int n;

	if (!val[0] || !strcmp(val, "none") || !strcmp(val, "off")) {
		out[0] = 0;
		return 0;
	}
	if (val[0] == '/' || !slash || !strcmp(val, "builtin"))
		n = snprintf(out, cap, "%s", val);
	else
		n = snprintf(out, cap, "%.*s/%s", (int)(slash - conf), conf, val);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

#define CONF_FAIL(...) do { snprintf(c->msg, sizeof c->msg, __VA_ARGS__); return 0; } while (0)

static int conf_rule(conf_ctx *c, int r, const char *key, const char *val)
{
	raqib_rule_conf *rc = &c->cfg->rules[r];
	if (!strcmp(key, "action")) {
		int a = raqib_action_from_name(val);
		if (a < 0)
			CONF_FAIL("action must be publish, shorten, hold or reject, not '%s'", val);
		rc->action = (raqib_action)a;
	} else if (!strcmp(key, "threshold")) {
		if (parse_float_range(val, 1.0, &rc->threshold))
			CONF_FAIL("threshold must be a number from 0 to 1, not '%s'", val);
	} else if (!strcmp(key, "reject_threshold")) {
		if (parse_float_range(val, 2.0, &rc->reject_threshold))
			CONF_FAIL("reject_threshold must be a number from 0 to 2 (above 1: never), not '%s'", val);
	} else if (!strcmp(key, "enabled")) {
		if (parse_bool(val, &rc->enabled))
			CONF_FAIL("enabled must be true or false, not '%s'", val);
	} else if (!strcmp(key, "model")) {
		if (r != RAQIB_RULE_INSULT && r != RAQIB_RULE_HATE && r != RAQIB_RULE_DIALECT &&
		    r != RAQIB_RULE_FOREIGN && r != RAQIB_RULE_PSEUDONYM)
			CONF_FAIL("rule %s takes no model (only insult, hate, dialect, foreign, "
				  "pseudonym)", raqib_rule_name((raqib_rule)r));
		if (!strcmp(val, "builtin") && r != RAQIB_RULE_PSEUDONYM)
			CONF_FAIL("only rule pseudonym has a built-in model");
		if (resolve_model(c->path, val, rc->model, sizeof rc->model))
			CONF_FAIL("model path is too long");
	} else if (!strcmp(key, "model_threshold")) {
		if (parse_float_range(val, 1.0, &rc->model_threshold) || rc->model_threshold >= 1.0f)
			CONF_FAIL("model_threshold must be a number from 0 (the model's own) "
				  "to below 1, not '%s'", val);
	} else {
		CONF_FAIL("unknown key '%s' in a rule section", key);
	}
	return 1;
}

static int conf_handler(void *user, const char *section, const char *key, const char *val)
{
	conf_ctx *c = user;
	raqib_config *cfg = c->cfg;

	if (!strncmp(section, "rule.", 5)) {
		int r = raqib_rule_from_name(section + 5, strlen(section + 5));
		if (r < 0)
			CONF_FAIL("unknown rule section [%s]", section);
		return conf_rule(c, r, key, val);
	}
	if (!strcmp(section, "screening")) {
		if (!strcmp(key, "max_text_length")) {
			if (parse_size(val, &cfg->max_text_len))
				CONF_FAIL("max_text_length must be a positive number of characters, not '%s'", val);
		} else if (!strcmp(key, "max_name_length")) {
			if (parse_size(val, &cfg->max_name_len))
				CONF_FAIL("max_name_length must be a positive number of characters, not '%s'", val);
		} else if (!strcmp(key, "phone_marker")) {
			if (strlen(val) >= sizeof cfg->phone_marker || raqib_utf8_count(val, strlen(val), NULL) < 0)
				CONF_FAIL("phone_marker must be valid UTF-8 under %zu bytes", sizeof cfg->phone_marker);
			snprintf(cfg->phone_marker, sizeof cfg->phone_marker, "%s", val);
		} else if (!strcmp(key, "lexicon_dir")) {
			if (strlen(val) >= sizeof cfg->lexicon_dir)
				CONF_FAIL("lexicon_dir is too long");
			snprintf(cfg->lexicon_dir, sizeof cfg->lexicon_dir, "%s", val);
		} else {
			CONF_FAIL("unknown key '%s' in [screening]", key);
		}
		return 1;
	}
	/* Sections of later subsystems (server, site) are read by them. */
	if (!strcmp(section, "server") || !strcmp(section, "site") || !strcmp(section, "admin"))
		return 1;
	CONF_FAIL("unknown section [%s]", section);
}

int raqib_config_load(raqib_config *cfg, const char *path, raqib_err *err)
{
	conf_ctx c = {cfg, path, ""};
	FILE *f = fopen(path, "r");
	int line;

	if (!f)
		return raqib_err_set(err, RAQIB_EIO, "%s: %s", path, strerror(errno));
	line = ini_parse_file(f, conf_handler, &c);
	fclose(f);
	if (line < 0)
		return raqib_err_set(err, RAQIB_EIO, "%s: cannot read", path);
	if (line > 0)
		return raqib_err_set(err, RAQIB_ECONFIG, "%s:%d: %s", path, line,
				     c.msg[0] ? c.msg : "syntax error");
	return 0;
}
