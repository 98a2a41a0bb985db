/*
 * engine.c — runs the rules over a comment and turns their scores into the
 * decision: thresholds and actions from the config, the strongest action
 * wins (reject > hold > shorten > publish), shortening redacts the spans of
 * the findings whose action is `shorten`.
 */
#include "../rules/rule.h"
#include "../model/model.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rule_env.engine_id: memos filled under a freed engine must not answer
 * for a new one that malloc put at the same address. */
static atomic_uint_fast64_t engine_ids;

struct raqib_engine {
	raqib_config cfg;
	lexicon *lex[LEX_COUNT];
	rule_env env;
	/* Trained models: one per rule at most, all scored in one pass. */
	lin_model *model[RAQIB_RULE_COUNT];
	int lane[RAQIB_RULE_COUNT];      /* the model's place in mset, -1: none */
	float model_thr[RAQIB_RULE_COUNT];
	model_set *mset;
};

/* The last article seen, normalized once: a page's comments share it. */
typedef struct article_cache {
	raqib_arena *arena;
	uint64_t hash;
	size_t title_len, body_len, caption_len;
	char *copy;                 /* title, body, "\n", caption: to confirm a hash hit */
	bool valid;
	text_view title, body;
	void *rule_cache[RAQIB_RULE_COUNT];
} article_cache;

typedef struct verdict_priv {
	raqib_arena *arena;
	raqib_buf shortened;
	article_cache art;
	ps_memo *name_memo;        /* allocated on the first signed comment */
	ot_memo *stem_memo;        /* allocated with the first article */
	/* The models' view of the comment being screened, valid while its
	 * rules run (mtv == the rules' in->text). */
	const raqib_engine *eng;
	const text_view *mtv;
	feat_vec fv;
	double prob[MODEL_SET_MAX];
} verdict_priv;

static const char *lex_files[] = {
#define ENG_X_LEX(e, f) #f,
	RULE_LEXICONS(ENG_X_LEX)
#undef ENG_X_LEX
};

static const rule_fn rule_fns[RAQIB_RULE_COUNT] = {
	[RAQIB_RULE_HONEYPOT] = rule_honeypot,
	[RAQIB_RULE_SPAM] = rule_spam,
	[RAQIB_RULE_INSULT] = rule_insult,
	[RAQIB_RULE_HATE] = rule_hate,
	[RAQIB_RULE_OFF_TOPIC] = rule_off_topic,
	[RAQIB_RULE_DIALECT] = rule_dialect,
	[RAQIB_RULE_FOREIGN] = rule_foreign,
	[RAQIB_RULE_PSEUDONYM] = rule_pseudonym,
	[RAQIB_RULE_PHONE] = rule_phone,
};

/* Loads the models the config names, checks that each is for its rule and
 * that all share one feature spec, and interleaves their weights. */
static int load_models(raqib_engine *eng, raqib_err *err)
{
	const lin_model *ms[MODEL_SET_MAX];
	const char *names[MODEL_SET_MAX];
	size_t n = 0;
	int rc;

	for (int r = 0; r < RAQIB_RULE_COUNT; r++) {
		const raqib_rule_conf *rc2 = &eng->cfg.rules[r];
		lin_model *m;
		float t;

		eng->lane[r] = -1;
		if (!rc2->model[0] || !rc2->enabled)
			continue;
		/* The name model reads the name field with its own feature
		 * spec: the rule scores it, outside the set. */
		if (r == RAQIB_RULE_PSEUDONYM && !strcmp(rc2->model, "builtin")) {
			size_t len;
			const void *img = rule_pseudonym_model(&len);
			if ((rc = model_from_memory(img, len, &m, err)))
				return rc;
		} else if ((rc = model_load(rc2->model, &m, err))) {
			return rc;
		}
		eng->model[r] = m;
		if (strcmp(model_rule(m), raqib_rule_name((raqib_rule)r)))
			return raqib_err_set(err, RAQIB_EDATA,
					     "%s is a model for rule %s, configured for rule %s",
					     rc2->model, model_rule(m), raqib_rule_name((raqib_rule)r));
		/* its word-list signals are computed from the built-in lists */
		if ((model_spec(m)->flags & FEAT_LEX) &&
		    (rc = model_check_lexicons(m, rule_feat_lexicons_digest(), rc2->model, err)))
			return rc;
		/* Kept strictly inside (0, 1): the score mapping divides by t
		 * and by 1 - t. */
		t = rc2->model_threshold > 0.0f ? rc2->model_threshold : model_threshold(m);
		eng->model_thr[r] = t < 1e-4f ? 1e-4f : t > 0.9999f ? 0.9999f : t;
		if (r == RAQIB_RULE_PSEUDONYM) {
			eng->env.name_model = m;
			eng->env.name_model_thr = eng->model_thr[r];
			continue;
		}
		eng->lane[r] = (int)n;
		ms[n] = m;
		names[n++] = rc2->model;
	}
	if (!n)
		return 0;
	rc = model_set_new(ms, names, n, &eng->mset, err);
	/* model_set_new() says EARG for mismatched specs: a data problem here */
	if (rc == RAQIB_EARG) {
		if (err)
			err->code = RAQIB_EDATA;
		return RAQIB_EDATA;
	}
	if (!rc && (model_set_spec(eng->mset)->flags & FEAT_LEX)) {
		feat_spec lists;
		if ((rc = rule_feat_lexicons(&lists, err)))
			return rc;
		model_set_lexicons(eng->mset, &lists);
	}
	return rc;
}

int raqib_engine_new(const raqib_config *cfg, raqib_engine **out, raqib_err *err)
{
	raqib_engine *eng = calloc(1, sizeof *eng);
	int rc = 0;

	*out = NULL;
	if (!eng)
		return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
	eng->cfg = *cfg;
	for (int i = 0; i < LEX_COUNT; i++) {
		const char *data;
		char path[600];
		size_t len;
		FILE *probe;
		unsigned opts = rule_lex_opts((rule_lex)i);

		snprintf(path, sizeof path, "%s/%s.txt", cfg->lexicon_dir, lex_files[i]);
		/* A site may override only some lexicons; the rest stay built in. */
		if (cfg->lexicon_dir[0] && (probe = fopen(path, "rb"))) {
			fclose(probe);
			rc = lexicon_load_file_opts(&eng->lex[i], path, opts, err);
		} else {
			data = rule_lexdata((rule_lex)i, &len);
			snprintf(path, sizeof path, "data/lexicons/%s.txt", lex_files[i]);
			rc = lexicon_load_opts(&eng->lex[i], data, len, path, opts, err);
		}
		if (rc)
			goto fail;
		eng->env.lex[i] = eng->lex[i];
	}
	eng->env.cfg = &eng->cfg;
	eng->env.engine_id = (uint64_t)atomic_fetch_add(&engine_ids, 1) + 1;
	if ((rc = load_models(eng, err)))
		goto fail;
	*out = eng;
	return 0;
fail:
	raqib_engine_free(eng);
	return rc;
}

void raqib_engine_free(raqib_engine *eng)
{
	if (!eng)
		return;
	for (int i = 0; i < LEX_COUNT; i++)
		lexicon_free(eng->lex[i]);
	model_set_free(eng->mset);
	for (int r = 0; r < RAQIB_RULE_COUNT; r++)
		model_free(eng->model[r]);
	free(eng);
}

const raqib_config *raqib_engine_config(const raqib_engine *eng) { return &eng->cfg; }

void raqib_verdict_init(raqib_verdict *v)
{
	memset(v, 0, sizeof *v);
}

void raqib_verdict_free(raqib_verdict *v)
{
	verdict_priv *p = v->priv_;
	if (p) {
		raqib_arena_free(p->arena);
		raqib_arena_free(p->art.arena);
		raqib_buf_free(&p->shortened);
		ps_memo_free(p->name_memo);
		ot_memo_free(p->stem_memo);
		free(p);
	}
	memset(v, 0, sizeof *v);
}

raqib_finding *rule_finding(rule_out *o, raqib_rule r, raqib_field f, float score)
{
	raqib_verdict *v = o->v;
	raqib_finding *fi;

	if (v->nfindings >= RAQIB_MAX_FINDINGS)
		return NULL;
	fi = &v->findings[v->nfindings++];
	memset(fi, 0, sizeof *fi);
	fi->rule = r;
	fi->field = f;
	fi->score = score < 0.0f ? 0.0f : score > 1.0f ? 1.0f : score;
	return fi;
}

void rule_add_span(raqib_finding *f, const text_view *tv, uint32_t ns, uint32_t ne)
{
	raqib_span sp;
	if (!f || ne <= ns || ne > tv->n)
		return;
	sp = text_span(tv, ns, ne);
	if (f->nspans) {
		raqib_span *last = &f->spans[f->nspans - 1];
		if (sp.start <= last->end && sp.end >= last->start) {
			if (sp.start < last->start)
				last->start = sp.start;
			if (sp.end > last->end)
				last->end = sp.end;
			return;
		}
	}
	if (f->nspans < RAQIB_MAX_SPANS)
		f->spans[f->nspans++] = sp;
}

/* ---- models in rules (rule_model_apply, rule.h) ----------------------------------- */


static float model_score(double p, float t)
{
	double s = p < t ? 0.5 * p / t : 0.5 + 0.5 * (p - t) / (1.0 - t);
	return (float)s;
}

/* Folded range snapped to the words it touches: an editor reads words,
 * not the n-gram "بي ج" that straddles two of them, nor the boundary
 * space a word-final n-gram ("رب ") ends with. A range that touches no
 * word (punctuation alone) stays as it is. */
static void snap_to_words(const text_view *tv, uint32_t *ns, uint32_t *ne)
{
	uint32_t a = UINT32_MAX, b = 0;

	for (uint32_t i = 0; i < tv->ntok; i++) {
		const text_token *t = &tv->tok[i];
		if (t->end <= *ns)
			continue;
		if (t->start >= *ne)
			break;
		if (a == UINT32_MAX)
			a = t->start;
		b = t->end;
	}
	if (a != UINT32_MAX) {
		*ns = a;
		*ne = b;
	}
}

#define MODEL_EXPLAIN_K 8
#define MODEL_EXPLAIN_SHARE 0.25f /* of the strongest n-gram's contribution */

/* Adds the words of the strongest n-grams to f, merged with its spans.
 * The share is of the strongest n-gram, not of a dense signal: "share of
 * Persian letters" can outweigh every n-gram of a short Persian comment,
 * and measured against it none would be shown. A finding the model made
 * from dense signals alone (no n-gram pushes towards the rule) points at
 * the whole text: every word of it is what was judged. */
static void add_model_spans(const lin_model *m, const feat_vec *fv, const text_view *tv,
			    raqib_finding *f)
{
	model_contrib c[MODEL_EXPLAIN_K];
	raqib_span sp[RAQIB_MAX_SPANS + MODEL_EXPLAIN_K];
	size_t n = model_explain(m, fv, c, MODEL_EXPLAIN_K), ns = 0, k, out = 0;
	float top = -1.0f;

	for (k = 0; k < f->nspans; k++)
		sp[ns++] = f->spans[k];
	for (k = 0; k < n; k++) {
		uint32_t a = c[k].start, b = c[k].end;
		if (b <= a) /* dense signal: no place in the text */
			continue;
		if (top < 0.0f)
			top = c[k].contrib;
		if (c[k].contrib < MODEL_EXPLAIN_SHARE * top)
			break;
		snap_to_words(tv, &a, &b);
		sp[ns++] = text_span(tv, a, b);
	}
	if (ns == 0 && n > 0 && tv->ntok > 0)
		sp[ns++] = text_span(tv, tv->tok[0].start, tv->tok[tv->ntok - 1].end);
	out = raqib_spans_merge(sp, ns);
	if (out > RAQIB_MAX_SPANS)
		out = RAQIB_MAX_SPANS;
	memcpy(f->spans, sp, out * sizeof *sp);
	f->nspans = (uint32_t)out;
}

void rule_model_apply(const rule_input *in, rule_out *out, raqib_rule r)
{
	verdict_priv *p = out && out->v ? out->v->priv_ : NULL;
	const raqib_engine *eng;
	raqib_finding *f = NULL;
	float score;
	int lane;

	if (!p || !p->mtv || p->mtv != in->text || (unsigned)r >= RAQIB_RULE_COUNT)
		return;
	eng = p->eng;
	if ((lane = eng->lane[r]) < 0)
		return;
	score = model_score(p->prob[lane], eng->model_thr[r]);
	for (uint32_t i = 0; i < out->v->nfindings; i++) {
		raqib_finding *fi = &out->v->findings[i];
		if (fi->rule == r && fi->field == RAQIB_FIELD_TEXT) {
			f = fi;
			break;
		}
	}
	if (f && f->score >= score)
		return;
	if (f)
		f->score = score > 1.0f ? 1.0f : score;
	else if (!(f = rule_finding(out, r, RAQIB_FIELD_TEXT, score)))
		return;
	/* Explanations cost a pass over the features: only for counting
	 * findings. */
	if (f->score >= eng->cfg.rules[r].threshold)
		add_model_spans(eng->model[r], &p->fv, in->text, f);
}

static int normalize_field(text_view *tv, raqib_arena *a, const char *s, size_t len,
			   const char *what, size_t max, raqib_err *err)
{
	int rc = text_normalize(tv, a, s ? s : "", s ? len : 0, err);
	if (rc) {
		if (err && rc == RAQIB_EUTF8) {
			char tmp[sizeof err->msg];
			snprintf(tmp, sizeof tmp, "%s", err->msg);
			raqib_err_set(err, rc, "%s: %s", what, tmp);
		}
		return rc;
	}
	if (max && tv->norig > max)
		return raqib_err_set(err, RAQIB_ETOO_LONG,
				     "%s is %u characters long; the limit is %zu",
				     what, tv->norig, max);
	return 0;
}

static int finding_cmp(const void *a, const void *b)
{
	const raqib_finding *x = a, *y = b;
	if (x->action != y->action)
		return x->action > y->action ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return (int)x->field - (int)y->field;
}

static int span_cmp(const void *a, const void *b)
{
	const raqib_span *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

/* Builds the shortened text: the original with every span of a `shorten`
 * text finding replaced by a marker (phone numbers by the configured one). */
static int shorten(const raqib_engine *eng, const raqib_comment *c, raqib_verdict *v,
		   verdict_priv *p, raqib_err *err)
{
	raqib_span sp[RAQIB_MAX_FINDINGS * RAQIB_MAX_SPANS];
	const char *mark[RAQIB_MAX_FINDINGS * RAQIB_MAX_SPANS];
	size_t nsp = 0, i = 0, bi = 0, k;
	uint32_t cpi = 0;
	const unsigned char *s = (const unsigned char *)c->text;

	for (uint32_t f = 0; f < v->nfindings; f++) {
		const raqib_finding *fi = &v->findings[f];
		if (fi->action != RAQIB_SHORTEN || fi->field != RAQIB_FIELD_TEXT)
			continue;
		for (uint32_t j = 0; j < fi->nspans; j++) {
			sp[nsp] = fi->spans[j];
			mark[nsp] = fi->rule == RAQIB_RULE_PHONE ? eng->cfg.phone_marker : "[…]";
			nsp++;
		}
	}
	/* insertion sort keeps marker pairing (qsort would need a struct) */
	for (k = 1; k < nsp; k++) {
		raqib_span t = sp[k];
		const char *tm = mark[k];
		size_t j = k;
		while (j > 0 && span_cmp(&sp[j - 1], &t) > 0) {
			sp[j] = sp[j - 1];
			mark[j] = mark[j - 1];
			j--;
		}
		sp[j] = t;
		mark[j] = tm;
	}
	/* merge overlapping spans; a merged span keeps its first marker */
	for (k = 0; k < nsp; k++) {
		if (i && sp[k].start < sp[i - 1].end) {
			if (sp[k].end > sp[i - 1].end)
				sp[i - 1].end = sp[k].end;
			continue;
		}
		sp[i] = sp[k];
		mark[i++] = mark[k];
	}
	nsp = i;
	i = 0;
	raqib_buf_reset(&p->shortened);
	while (bi < c->text_len) {
		uint32_t cp;
		size_t used = raqib_utf8_decode(s + bi, c->text_len - bi, &cp);
		if (!used)
			return raqib_err_set(err, RAQIB_EUTF8, "text: invalid UTF-8");
		if (i < nsp && cpi == sp[i].start && raqib_buf_adds(&p->shortened, mark[i]))
			goto nomem;
		if (!(i < nsp && cpi >= sp[i].start) && raqib_buf_add(&p->shortened, s + bi, used))
			goto nomem;
		bi += used;
		cpi++;
		if (i < nsp && cpi >= sp[i].end)
			i++;
	}
	v->shortened = p->shortened.data;
	v->shortened_len = p->shortened.len;
	return 0;
nomem:
	return raqib_err_set(err, RAQIB_ENOMEM, "out of memory shortening text");
}

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
	/* 8 bytes per step: an article body is hashed once per comment */
	const uint64_t m = 0x9E3779B97F4A7C15ull;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * m;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * m;
	return h ^ n;
}

/* Normalizes the comment's article into the cache unless it is the one
 * already there. Errors leave the cache empty. */
static int load_article(verdict_priv *p, const raqib_comment *c, raqib_err *err)
{
	article_cache *ac = &p->art;
	size_t tl = c->title ? c->title_len : 0, bl = c->body ? c->body_len : 0;
	size_t cl = c->caption ? c->caption_len : 0;
	/* The caption is read as a last paragraph of the body. */
	size_t bcl = bl + (cl ? 1 + cl : 0);
	uint64_t h = hash_bytes(hash_bytes(hash_bytes(0, c->title, tl), c->body, bl), c->caption, cl);
	int rc;

	if (ac->valid && ac->hash == h && ac->title_len == tl && ac->body_len == bl &&
	    ac->caption_len == cl && (tl == 0 || !memcmp(ac->copy, c->title, tl)) &&
	    (bl == 0 || !memcmp(ac->copy + tl, c->body, bl)) &&
	    (cl == 0 || !memcmp(ac->copy + tl + bl + 1, c->caption, cl))) {
		/* lexicon caches of the views live in the per-comment arena */
		ac->title.prep = NULL;
		ac->body.prep = NULL;
		return 0;
	}
	if (!ac->arena && !(ac->arena = raqib_arena_new(64 * 1024)))
		return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
	raqib_arena_reset(ac->arena);
	ac->valid = false;
	memset(ac->rule_cache, 0, sizeof ac->rule_cache);
	if (!(ac->copy = raqib_arena_alloc(ac->arena, tl + bcl + 1)))
		return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
	if (tl)
		memcpy(ac->copy, c->title, tl);
	if (bl)
		memcpy(ac->copy + tl, c->body, bl);
	if (cl) {
		ac->copy[tl + bl] = '\n';
		memcpy(ac->copy + tl + bl + 1, c->caption, cl);
	}
	if ((rc = normalize_field(&ac->title, ac->arena, c->title, tl, "article title", 0, err)) ||
	    (rc = normalize_field(&ac->body, ac->arena, bcl ? ac->copy + tl : NULL, bcl,
				  cl ? "article body or caption" : "article body", 0, err)))
		return rc;
	ac->hash = h;
	ac->title_len = tl;
	ac->body_len = bl;
	ac->caption_len = cl;
	ac->valid = true;
	return 0;
}

int raqib_screen(const raqib_engine *eng, const raqib_comment *c,
		 raqib_verdict *v, raqib_err *err)
{
	verdict_priv *p = v->priv_;
	text_view text, name;
	rule_input in;
	rule_out out = {v};
	uint32_t i, kept = 0;
	bool any_shorten = false;
	int rc;

	if (!p) {
		p = calloc(1, sizeof *p);
		if (!p || !(p->arena = raqib_arena_new(64 * 1024))) {
			free(p);
			return raqib_err_set(err, RAQIB_ENOMEM, "out of memory");
		}
		raqib_buf_init(&p->shortened, (size_t)16 << 20);
		v->priv_ = p;
	}
	raqib_arena_reset(p->arena);
	v->decision = RAQIB_PUBLISH;
	v->nfindings = 0;
	v->shortened = NULL;
	v->shortened_len = 0;

	if ((rc = normalize_field(&text, p->arena, c->text, c->text_len, "text",
				  eng->cfg.max_text_len, err)) ||
	    (rc = normalize_field(&name, p->arena, c->name, c->name_len, "name",
				  eng->cfg.max_name_len, err)))
		return rc;
	if (c->honeypot && raqib_utf8_count(c->honeypot, c->honeypot_len, NULL) < 0)
		return raqib_err_set(err, RAQIB_EUTF8, "honeypot: invalid UTF-8");
	memset(&in, 0, sizeof in);
	in.c = c;
	in.text = &text;
	in.name = &name;
	in.env = &eng->env;
	in.arena = p->arena;
	/* without memory for it the name model simply runs every time */
	if (eng->env.name_model && name.n && !p->name_memo)
		p->name_memo = ps_memo_new();
	in.name_memo = p->name_memo;
	if (c->title || c->body) {
		if ((rc = load_article(p, c, err)))
			return rc;
		if (!p->stem_memo)
			p->stem_memo = ot_memo_new();
		in.stem_memo = p->stem_memo;
		in.title = &p->art.title;
		in.body = &p->art.body;
		in.article_arena = p->art.arena;
		in.article_cache = p->art.rule_cache;
	}

	/* One feature extraction and one pass over the interleaved weights
	 * serve every model. */
	p->eng = eng;
	p->mtv = NULL;
	if (eng->mset && text.ntok) {
		if ((rc = feat_extract(model_set_spec(eng->mset), &text, p->arena, &p->fv, err)))
			return rc;
		model_set_probs(eng->mset, &p->fv, p->prob);
		p->mtv = &text;
	}
	for (int r = 0; r < RAQIB_RULE_COUNT; r++)
		if (eng->cfg.rules[r].enabled)
			rule_fns[r](&in, &out);
	p->mtv = NULL;

	/* Scores -> actions; drop what stays under its rule's threshold. */
	for (i = 0; i < v->nfindings; i++) {
		raqib_finding f = v->findings[i];
		const raqib_rule_conf *rc2 = &eng->cfg.rules[f.rule];
		if (f.score < rc2->threshold)
			continue;
		f.action = f.score >= rc2->reject_threshold ? RAQIB_REJECT : rc2->action;
		/* A name cannot be shortened: the editors decide instead. */
		if (f.action == RAQIB_SHORTEN && f.field == RAQIB_FIELD_NAME)
			f.action = RAQIB_HOLD;
		if (f.action == RAQIB_SHORTEN)
			any_shorten = true;
		v->findings[kept++] = f;
	}
	v->nfindings = kept;
	qsort(v->findings, kept, sizeof v->findings[0], finding_cmp);
	v->decision = kept ? v->findings[0].action : RAQIB_PUBLISH;
	/* The shortened text is also made for held comments, so that editors
	 * who approve them publish it without the phone number. */
	if (any_shorten && (rc = shorten(eng, c, v, p, err)))
		return rc;
	return 0;
}
