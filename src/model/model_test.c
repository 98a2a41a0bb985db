/* model_test.c — model images: training determinism on a fixture, save/load
 * round trip, every malformed-file path, explanations, labelled TSV. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"

#define FIXTURE "tests/fixtures/model_small.tsv"

static raqib_arena *arena;
static lin_model *trained;   /* trained once on the fixture */
static char tmpdir[] = "/tmp/raqib-model-test-XXXXXX";

typedef struct load_ctx {
	model_dataset *d;
	uint32_t lines;
} load_ctx;

static int add_row(void *ctx, const model_tsv_row *r, raqib_err *err)
{
	load_ctx *c = ctx;
	c->lines++;
	return model_dataset_add(c->d, r->text, r->len, !strcmp(r->label, "insult"), err);
}

static model_dataset *load_fixture(uint8_t bits)
{
	feat_spec spec;
	raqib_err err;
	load_ctx c;

	feat_spec_default(&spec);
	spec.hash_bits = bits;
	c.d = model_dataset_new(&spec);
	c.lines = 0;
	assert_non_null(c.d);
	assert_int_equal(model_tsv_read(FIXTURE, add_row, &c, &err), 0);
	assert_int_equal(c.lines, 80);
	return c.d;
}

static lin_model *train_fixture(void)
{
	model_dataset *d = load_fixture(16);
	model_train_opts o = {"insult", 0, true, 0, 0};
	model_train_info info;
	lin_model *m = NULL;
	raqib_err err;

	/* The fixture is its own dev set: exercises the C grid, Platt and the
	 * threshold sweep. */
	assert_int_equal(model_train(d, d, &o, &m, &info, &err), 0);
	assert_int_equal(info.ncandidates, 9);
	assert_true(info.dev_macro_f1 > 0.99);
	assert_true(info.nonzero > 100);
	model_dataset_free(d);
	return m;
}

static int setup(void **state)
{
	(void)state;
	arena = raqib_arena_new(1 << 16);
	if (!arena || !mkdtemp(tmpdir))
		return -1;
	trained = train_fixture();
	return trained ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	model_free(trained);
	raqib_arena_free(arena);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static double prob_of(const lin_model *m, const char *s, feat_vec *v, text_view *tv)
{
	raqib_err err;
	raqib_arena_reset(arena);
	assert_int_equal(text_normalize(tv, arena, s, strlen(s), &err), 0);
	assert_int_equal(feat_extract(model_spec(m), tv, arena, v, &err), 0);
	return model_prob(m, v);
}

static void test_deterministic_training(void **state)
{
	lin_model *again = train_fixture();
	const void *a, *b;
	size_t la, lb;

	(void)state;
	a = model_image(trained, &la);
	b = model_image(again, &lb);
	assert_int_equal(la, MODEL_HEADER_SIZE + 2 * (1u << 16));
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	model_free(again);
}

static void test_separates(void **state)
{
	text_view tv;
	feat_vec v;
	double thr;

	(void)state;
	thr = model_threshold(trained);
	assert_true(thr > 0.0 && thr < 1.0);
	/* Unseen combinations of fixture words. */
	assert_true(prob_of(trained, "المحافظ غبي وحقير", &v, &tv) > thr);
	assert_true(prob_of(trained, "المحافظ قدم مشروعا جيدا", &v, &tv) < thr);
	assert_string_equal(model_rule(trained), "insult");
}

static void test_explain_points_at_insult(void **state)
{
	model_contrib c[64];
	text_view tv;
	feat_vec v;
	raqib_span sp;
	double in_word = 0, in_name = 0;
	size_t n, i;

	(void)state;
	prob_of(trained, "المهندس حمار", &v, &tv);
	n = model_explain(trained, &v, c, 64);
	assert_true(n > 5);
	for (i = 1; i < n; i++)
		assert_true(c[i - 1].contrib >= c[i].contrib);
	/* The n-grams that push towards "insult" come from حمار (code points
	 * 8..12), not from the unseen word المهندس (0..7). */
	for (i = 0; i < n; i++) {
		if (c[i].start == c[i].end)
			continue; /* dense signal: no span */
		sp = text_span(&tv, c[i].start, c[i].end);
		if (sp.start >= 8)
			in_word += c[i].contrib;
		else if (sp.end <= 7)
			in_name += c[i].contrib;
	}
	assert_true(in_word > in_name);
	assert_int_equal(model_explain(trained, &v, c, 0), 0);
	assert_int_equal(model_explain(trained, &v, c, 2), 2);
}

static char *write_file(const char *name, const void *p, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void test_save_load_roundtrip(void **state)
{
	char path[256];
	lin_model *m = NULL;
	raqib_err err;
	text_view tv;
	feat_vec v;
	const void *a, *b;
	size_t la, lb;

	(void)state;
	snprintf(path, sizeof path, "%s/insult.model", tmpdir);
	assert_int_equal(model_save(trained, path, &err), 0);
	assert_int_equal(model_load(path, &m, &err), 0);
	a = model_image(trained, &la);
	b = model_image(m, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_true(feat_spec_eq(model_spec(m), model_spec(trained)));
	assert_true(prob_of(m, "يا النائب انت غبي", &v, &tv) ==
		    prob_of(trained, "يا النائب انت غبي", &v, &tv));
	model_free(m);
}

/* Loads a damaged copy of the trained image from a file and from memory;
 * both must fail with RAQIB_EDATA and a message containing `why`. */
static void expect_bad(const unsigned char *img, size_t len, const char *why)
{
	lin_model *m = (lin_model *)1;
	raqib_err err;
	char *path = write_file("bad.model", img, len);

	assert_int_equal(model_load(path, &m, &err), RAQIB_EDATA);
	assert_null(m);
	assert_non_null(strstr(err.msg, why));
	assert_non_null(strstr(err.msg, "bad.model"));
	m = (lin_model *)1;
	assert_int_equal(model_from_memory(img, len, &m, &err), RAQIB_EDATA);
	assert_null(m);
	assert_non_null(strstr(err.msg, why));
}

static void test_malformed_files(void **state)
{
	size_t len;
	const unsigned char *img = model_image(trained, &len);
	unsigned char *b = malloc(len + 8);
	uint32_t v;

	(void)state;
	assert_non_null(b);
#define RESET() memcpy(b, img, len)
	RESET();
	expect_bad(b, 0, "truncated");
	expect_bad(b, 100, "truncated");
	expect_bad(b, len - 1, "truncated or padded");
	memset(b + len, 0, 8);
	expect_bad(b, len + 8, "truncated or padded");

	RESET();
	memcpy(b, "RAQIBMDX", 8);
	expect_bad(b, len, "magic");

	RESET();
	v = 2;
	memcpy(b + 8, &v, 4);
	expect_bad(b, len, "format version 2");

	RESET();
	v = FEAT_VERSION + 1;
	memcpy(b + 16, &v, 4);
	expect_bad(b, len, "feature version");

	RESET();
	b[20] = 40; /* hash bits */
	expect_bad(b, len, "feature spec");

	RESET();
	b[20] = 17; /* valid spec, but the weight count no longer matches */
	expect_bad(b, len, "weight count");

	RESET();
	memset(b + 32, 'x', MODEL_RULE_MAX);
	expect_bad(b, len, "rule name");

	RESET();
	b[len - 5] ^= 0x40; /* one weight flipped */
	expect_bad(b, len, "checksum");

	RESET();
	b[32] = 'X'; /* rule name changed, checksum not updated */
	expect_bad(b, len, "checksum");
#undef RESET
	free(b);
}

/* FEAT_LEX models record the digest of their word lists; a binary with
 * other lists refuses them, and the checksum covers the digest. */
static void test_lex_digest(void **state)
{
	feat_spec spec;
	double *w;
	lin_model *m = NULL, *back = NULL;
	raqib_err err;
	size_t len;
	const void *img;
	unsigned char *b;
	char path[256];
	uint64_t d = model_lex_digest_of(0, "hate.txt", 8);

	(void)state;
	feat_spec_default(&spec);
	spec.hash_bits = 16;
	w = calloc((1u << 16) + 1, sizeof *w);
	assert_non_null(w);
	w[100] = 1.0;
	/* not FEAT_LEX: the digest is not recorded and nothing is checked */
	assert_int_equal(model_from_weights(&spec, "hate", w, 1.0, &m), 0);
	model_set_lex_digest(m, d);
	assert_true(model_lex_digest(m) == 0);
	assert_int_equal(model_check_lexicons(m, d + 1, NULL, &err), 0);
	model_free(m);

	spec.flags |= FEAT_LEX;
	assert_int_equal(model_from_weights(&spec, "hate", w, 1.0, &m), 0);
	free(w);
	/* no digest recorded (models trained before it existed): accepted */
	assert_int_equal(model_check_lexicons(m, d, NULL, &err), 0);
	model_set_lex_digest(m, d);
	assert_true(model_lex_digest(m) == d);
	assert_int_equal(model_check_lexicons(m, d, "hate.model", &err), 0);
	assert_int_equal(model_check_lexicons(m, d ^ 1, "hate.model", &err), RAQIB_EDATA);
	assert_non_null(strstr(err.msg, "hate.model: trained with other word lists"));
	assert_non_null(strstr(err.msg, "MODEL_RULES=hate"));

	/* the digest survives a save and a load */
	snprintf(path, sizeof path, "%s/lex.model", tmpdir);
	assert_int_equal(model_save(m, path, &err), 0);
	assert_int_equal(model_load(path, &back, &err), 0);
	assert_true(model_lex_digest(back) == d);
	model_free(back);

	/* one flipped bit of it is a corrupt file, not another list */
	img = model_image(m, &len);
	b = malloc(len);
	assert_non_null(b);
	memcpy(b, img, len);
	b[104] ^= 0x10;
	expect_bad(b, len, "checksum");
	free(b);
	model_free(m);
}

static void test_missing_file(void **state)
{
	lin_model *m = NULL;
	raqib_err err;

	(void)state;
	assert_int_equal(model_load("/nonexistent/raqib.model", &m, &err), RAQIB_EIO);
	assert_null(m);
	assert_non_null(strstr(err.msg, "/nonexistent/raqib.model"));
	assert_int_equal(model_load(tmpdir, &m, &err), RAQIB_EIO); /* a directory */
}

static void test_train_refuses(void **state)
{
	feat_spec spec;
	model_dataset *d;
	model_train_opts o = {"insult", 1.0, true, 0, 0};
	lin_model *m = NULL;
	raqib_err err;

	(void)state;
	feat_spec_default(&spec);
	spec.hash_bits = 16;
	d = model_dataset_new(&spec);
	assert_non_null(d);
	assert_int_equal(model_dataset_add(d, "نص اول", strlen("نص اول"), false, &err), 0);
	assert_int_equal(model_dataset_add(d, "نص ثان", strlen("نص ثان"), false, &err), 0);
	assert_int_equal(model_train(d, NULL, &o, &m, NULL, &err), RAQIB_EARG);
	assert_non_null(strstr(err.msg, "both classes"));
	assert_null(m);
	assert_int_equal(model_dataset_add(d, "\xff", 1, true, &err), RAQIB_EUTF8);
	assert_int_equal(model_dataset_size(d, NULL), 2);
	o.rule = "";
	assert_int_equal(model_train(d, NULL, &o, &m, NULL, &err), RAQIB_EARG);
	model_dataset_free(d);
}

static int count_row(void *ctx, const model_tsv_row *r, raqib_err *err)
{
	(void)err;
	(*(int *)ctx)++;
	assert_string_equal(r->label, "ok");
	assert_string_equal(r->group, *(int *)ctx == 1 ? "g1" : "");
	return 0;
}

static void test_tsv(void **state)
{
	const char ok[] = "# comment line\ntext\tlabel\nنص\tok\tg1\textra\n\nآخر\tok\n";
	const char bad[] = "نص\tok\nno tab here\n";
	raqib_err err;
	int n = 0;

	(void)state;
	assert_int_equal(model_tsv_read(write_file("ok.tsv", ok, sizeof ok - 1), count_row, &n,
					&err), 0);
	assert_int_equal(n, 2);
	n = 1; /* the rows of bad.tsv have no group */
	assert_int_equal(model_tsv_read(write_file("bad.tsv", bad, sizeof bad - 1), count_row,
					&n, &err), RAQIB_EDATA);
	assert_non_null(strstr(err.msg, ":2:"));
	assert_int_equal(model_tsv_read("/nonexistent.tsv", count_row, &n, &err), RAQIB_EIO);
}

/* A set scores each model exactly as model_prob() does (bit for bit), with
 * 4 lanes and with 8; while a model is in a set, model_explain() reads its
 * lane of the set's table and must give exactly what it gives alone. */
static void test_model_set(void **state)
{
	static const char *texts[] = {"المهندس حمار", "يا النائب انت غبي",
				      "المحافظ قدم مشروعا جيدا", "x"};
	const lin_model *ms[5] = {trained, trained, trained, trained, trained};
	model_contrib alone[3][16], in_set[16];
	size_t nalone[3], k, n;
	model_set *s4 = NULL, *s5 = NULL;
	double p4[MODEL_SET_MAX], p5[MODEL_SET_MAX];
	text_view tv;
	feat_vec v;
	raqib_err err;

	(void)state;
	for (k = 0; k < 3; k++) {
		prob_of(trained, texts[k], &v, &tv);
		nalone[k] = model_explain(trained, &v, alone[k], 16);
		assert_true(nalone[k] > 0);
	}
	assert_int_equal(model_set_new(ms, NULL, 3, &s4, &err), 0);
	assert_int_equal(model_set_new(ms, NULL, 5, &s5, &err), 0);
	assert_true(feat_spec_eq(model_set_spec(s4), model_spec(trained)));
	for (k = 0; k < 4; k++) {
		double p = prob_of(trained, texts[k], &v, &tv);
		model_set_probs(s4, &v, p4);
		model_set_probs(s5, &v, p5);
		assert_memory_equal(&p4[0], &p, sizeof p);
		assert_memory_equal(&p4[2], &p, sizeof p);
		assert_memory_equal(&p5[4], &p, sizeof p);
		if (k == 3)
			break;
		n = model_explain(trained, &v, in_set, 16);
		assert_int_equal(n, nalone[k]);
		assert_memory_equal(in_set, alone[k], n * sizeof *in_set);
	}
	model_set_free(s5);
	model_set_free(s4);
	/* and again without the set */
	prob_of(trained, texts[0], &v, &tv);
	n = model_explain(trained, &v, in_set, 16);
	assert_int_equal(n, nalone[0]);
	assert_memory_equal(in_set, alone[0], n * sizeof *in_set);

	assert_int_equal(model_set_new(ms, NULL, 0, &s4, &err), RAQIB_EARG);
	assert_int_equal(model_set_new(ms, NULL, MODEL_SET_MAX + 1, &s4, &err), RAQIB_EARG);
}

static void test_model_set_refuses_mixed_specs(void **state)
{
	model_dataset *d = load_fixture(17);
	model_train_opts o = {"insult", 1.0, true, 0, 0};
	const char *names[2] = {"a.model", "b.model"};
	const lin_model *ms[2];
	lin_model *other = NULL;
	model_set *s = (model_set *)1;
	raqib_err err;

	(void)state;
	assert_int_equal(model_train(d, NULL, &o, &other, NULL, &err), 0);
	ms[0] = trained;
	ms[1] = other;
	assert_int_equal(model_set_new(ms, names, 2, &s, &err), RAQIB_EARG);
	assert_null(s);
	assert_non_null(strstr(err.msg, "a.model"));
	assert_non_null(strstr(err.msg, "b.model"));
	model_free(other);
	model_dataset_free(d);
}

/* FEAT_TF: the fused pass of a four-model set (feat_spec.lanes4) gives
 * each model's probability and explanation bit for bit as the merged
 * vector does, on the fixture's texts and on one too long to fuse. */
static lin_model *train_tf(double C)
{
	feat_spec spec;
	model_dataset *d;
	model_train_opts o = {"insult", C, true, 0, 0};
	lin_model *m = NULL;
	raqib_err err;
	load_ctx c;

	feat_spec_default(&spec);
	spec.hash_bits = 16;
	spec.flags |= FEAT_TF;
	d = model_dataset_new(&spec);
	assert_non_null(d);
	c.d = d;
	c.lines = 0;
	assert_int_equal(model_tsv_read(FIXTURE, add_row, &c, &err), 0);
	assert_int_equal(model_train(d, NULL, &o, &m, NULL, &err), 0);
	model_dataset_free(d);
	return m;
}

typedef struct tf_ctx {
	const lin_model *const *ms;
	model_set *set;
	uint32_t n, fused;
} tf_ctx;

static void check_tf_text(tf_ctx *c, const char *text, size_t len)
{
	double ps[MODEL_SET_MAX];
	model_contrib a[FEAT_TOPK], b[FEAT_TOPK];
	text_view tv;
	feat_vec fv, cv;
	feat_spec plain = *model_spec(c->ms[0]);
	raqib_err err;
	uint32_t j;

	raqib_arena_reset(arena);
	assert_int_equal(text_normalize(&tv, arena, text, len, &err), 0);
	assert_int_equal(feat_extract(model_set_spec(c->set), &tv, arena, &fv, &err), 0);
	assert_int_equal(feat_extract(&plain, &tv, arena, &cv, &err), 0);
	assert_null(cv.fused);
	c->fused += fv.fused != NULL;
	assert_true(fv.unit == cv.unit);
	model_set_probs(c->set, &fv, ps);
	for (j = 0; j < 4; j++) {
		double p = model_prob(c->ms[j], &cv);
		size_t na = model_explain(c->ms[j], &cv, a, FEAT_TOPK);
		size_t nb = model_explain(c->ms[j], &fv, b, FEAT_TOPK);
		assert_memory_equal(&ps[j], &p, sizeof p);
		p = model_prob(c->ms[j], &fv);
		assert_memory_equal(&ps[j], &p, sizeof p);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, na * sizeof *a);
	}
	c->n++;
}

static int tf_row(void *ctx, const model_tsv_row *r, raqib_err *err)
{
	(void)err;
	check_tf_text(ctx, r->text, r->len);
	return 0;
}

static void test_tf_fused(void **state)
{
	lin_model *m[4] = {train_tf(1.0), train_tf(8.0), train_tf(0.25), train_tf(32.0)};
	const lin_model *ms[4] = {m[0], m[1], m[2], m[3]};
	tf_ctx c = {ms, NULL, 0, 0};
	raqib_buf long_text;
	raqib_err err;
	uint32_t j;
	double p0, p1;

	(void)state;
	for (j = 0; j < 4; j++)
		assert_non_null(m[j]);
	/* other C, other weights: a lane mix-up shows */
	p0 = prob_of(m[0], "المهندس حمار", &(feat_vec){0}, &(text_view){0});
	p1 = prob_of(m[1], "المهندس حمار", &(feat_vec){0}, &(text_view){0});
	assert_true(p0 != p1);
	assert_int_equal(model_set_new(ms, NULL, 4, &c.set, &err), 0);
	assert_non_null(model_set_spec(c.set)->lanes4);
	assert_int_equal(model_tsv_read(FIXTURE, tf_row, &c, &err), 0);
	assert_int_equal(c.n, 80);
	assert_int_equal(c.fused, 80);
	/* repeats (counts above 1, and above 255), then too long to fuse */
	raqib_buf_init(&long_text, 1 << 20);
	for (j = 0; j < 600; j++)
		assert_int_equal(raqib_buf_adds(&long_text, "ه"), 0);
	check_tf_text(&c, long_text.data, long_text.len);
	assert_int_equal(c.fused, 81);
	for (j = 0; j < 1200; j++)
		assert_int_equal(raqib_buf_adds(&long_text, "يا حمار يا غبي "), 0);
	check_tf_text(&c, long_text.data, long_text.len);
	assert_int_equal(c.fused, 81);
	raqib_buf_free(&long_text);
	model_set_free(c.set);
	for (j = 0; j < 4; j++)
		model_free(m[j]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic_training),
		cmocka_unit_test(test_separates),
		cmocka_unit_test(test_explain_points_at_insult),
		cmocka_unit_test(test_save_load_roundtrip),
		cmocka_unit_test(test_malformed_files),
		cmocka_unit_test(test_lex_digest),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_train_refuses),
		cmocka_unit_test(test_tsv),
		cmocka_unit_test(test_model_set),
		cmocka_unit_test(test_model_set_refuses_mixed_specs),
		cmocka_unit_test(test_tf_fused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
