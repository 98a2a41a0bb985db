/*
 * model.c — the model image (see model.h for the layout), its validation,
 * scoring and explanations, and training through liblinear.
 *
 * One representation only: a trained model is the same bytes that
 * model_save() writes and model_load() maps, so what was evaluated on the
 * dev split during training is exactly what runs in production (weights
 * already quantised).
 */
#include "model.h"

#include <errno.h>
#include <fcntl.h>
#include <linear.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model images are little-endian and mapped as is"
#endif

#define ENC_DENSE_I16 1u
#define OFF_CHECKSUM 96
#define OFF_LEXDIGEST 104

struct lin_model {
	feat_spec spec;
	char rule[MODEL_RULE_MAX];
	float bias, scale, threshold, platt_a, platt_b;
	uint64_t lex_digest; /* FEAT_LEX: digest of the word lists, 0 = unknown */
	const int16_t *w;
	uint32_t nw;
	const unsigned char *img;
	size_t len;
	void *map;   /* mmap'd image, or NULL */
	void *own;   /* malloc'd image, or NULL */
	/* Set by model_set_new(): this model's lane of the set's interleaved
	 * table, which holds the same weights. model_explain() reads it
	 * because the scoring pass has just brought those lines into cache;
	 * the mapped file's lines are four more misses per feature. */
	const int16_t *lane_w;
	uint32_t lane_stride;
	const struct model_set *lane_owner;
	const int16_t *lane_owner_w; /* the set's table: lane = lane_w - it */
};

/* ---- image ----------------------------------------------------------- */

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static float getf(const unsigned char *p)
{
	float v;
	memcpy(&v, p, 4);
	return v;
}

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static void putf(unsigned char *p, float v) { memcpy(p, &v, 4); }

static uint64_t fnv64(uint64_t h, const unsigned char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* The word-list digest joins the checksum only when set, so the files
 * written before it existed (zeros there) keep their checksum. */
static uint64_t image_checksum(const unsigned char *img, size_t len)
{
	uint64_t h = fnv64(14695981039346656037ull, img, OFF_CHECKSUM);
	if (get64(img + OFF_LEXDIGEST))
		h = fnv64(h, img + OFF_LEXDIGEST, 8);
	return fnv64(h, img + MODEL_HEADER_SIZE, len - MODEL_HEADER_SIZE);
}

uint64_t model_lex_digest_of(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len;

	if (!h)
		h = 14695981039346656037ull;
	/* entries only: a comment or a blank line changes no signal */
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *e = nl ? nl : end, *q = p;
		while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < e && *q != '#') {
			while (e > p && e[-1] == '\r')
				e--;
			h = fnv64(h, p, (size_t)(e - p));
			h = fnv64(h, (const unsigned char *)"\n", 1);
		}
		p = nl ? nl + 1 : end;
	}
	return fnv64(h, (const unsigned char *)"\f", 1); /* end of one list */
}

static int bad(raqib_err *err, const char *name, const char *what)
{
	return raqib_err_set(err, RAQIB_EDATA, "%s: not a usable raqib model: %s", name, what);
}

/* Checks every field before anything is trusted; fills m's view. */
static int parse_image(lin_model *m, const unsigned char *img, size_t len, const char *name,
		       raqib_err *err)
{
	uint32_t nw;
	uint64_t plen;
	char e[160];
	raqib_err sub;

	if (len < MODEL_HEADER_SIZE)
		return bad(err, name, "shorter than its header (truncated?)");
	if (memcmp(img, MODEL_MAGIC, 8))
		return bad(err, name, "wrong magic (expected RAQIBMDL)");
	if (get32(img + 8) != MODEL_VERSION) {
		snprintf(e, sizeof e, "format version %u, this raqib reads %u",
			 get32(img + 8), MODEL_VERSION);
		return bad(err, name, e);
	}
	if (get32(img + 12) != MODEL_HEADER_SIZE)
		return bad(err, name, "unexpected header size");
	if (get32(img + 16) != FEAT_VERSION) {
		snprintf(e, sizeof e, "trained with feature version %u, this raqib extracts %u "
			 "(retrain the model)", get32(img + 16), FEAT_VERSION);
		return bad(err, name, e);
	}
	m->spec.hash_bits = img[20];
	m->spec.char_min = img[21];
	m->spec.char_max = img[22];
	m->spec.word_max = img[23];
	m->spec.flags = get32(img + 24);
	if (feat_spec_check(&m->spec, &sub))
		return bad(err, name, "feature spec out of range");
	if (get32(img + 28) != ENC_DENSE_I16)
		return bad(err, name, "unknown weight encoding");
	memcpy(m->rule, img + 32, MODEL_RULE_MAX);
	if (!memchr(m->rule, 0, MODEL_RULE_MAX) || !m->rule[0])
		return bad(err, name, "rule name empty or not terminated");
	m->bias = getf(img + 64);
	m->scale = getf(img + 68);
	m->threshold = getf(img + 72);
	m->platt_a = getf(img + 76);
	m->platt_b = getf(img + 80);
	if (!isfinite(m->bias) || !isfinite(m->scale) || !(m->scale > 0.0f) ||
	    !isfinite(m->platt_a) || !isfinite(m->platt_b) ||
	    !(m->threshold >= 0.0f && m->threshold <= 1.0f))
		return bad(err, name, "bias, scale, threshold or calibration out of range");
	nw = get32(img + 84);
	plen = get64(img + 88);
	if (nw != 1u << m->spec.hash_bits || plen != (uint64_t)nw * 2)
		return bad(err, name, "weight count does not match the feature spec");
	if (len - MODEL_HEADER_SIZE != plen) {
		snprintf(e, sizeof e, "%zu payload bytes, header says %llu (truncated or padded)",
			 len - MODEL_HEADER_SIZE, (unsigned long long)plen);
		return bad(err, name, e);
	}
	if (image_checksum(img, len) != get64(img + OFF_CHECKSUM))
		return bad(err, name, "checksum mismatch (corrupt file)");
	m->lex_digest = get64(img + OFF_LEXDIGEST);
	if (m->lex_digest && !(m->spec.flags & FEAT_LEX))
		return bad(err, name, "word-list digest without word-list features");
	m->nw = nw;
	m->w = (const int16_t *)(const void *)(img + MODEL_HEADER_SIZE);
	m->img = img;
	m->len = len;
	return 0;
}

int model_from_memory(const void *buf, size_t len, lin_model **out, raqib_err *err)
{
	lin_model *m = calloc(1, sizeof *m);
	int rc;

	*out = NULL;
	if (!m)
		return raqib_err_set(err, RAQIB_ENOMEM, "model: out of memory");
	rc = parse_image(m, buf, len, "model image", err);
	if (rc) {
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int model_load(const char *path, lin_model **out, raqib_err *err)
{
	lin_model *m = NULL;
	struct stat st;
	void *map = MAP_FAILED;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return raqib_err_set(err, RAQIB_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		rc = raqib_err_set(err, RAQIB_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = raqib_err_set(err, RAQIB_EIO, "%s: not a regular file", path);
		goto fail;
	}
	if ((size_t)st.st_size < MODEL_HEADER_SIZE) {
		rc = bad(err, path, "shorter than its header (truncated?)");
		goto fail;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		rc = raqib_err_set(err, RAQIB_EIO, "%s: mmap: %s", path, strerror(errno));
		goto fail;
	}
	m = calloc(1, sizeof *m);
	if (!m) {
		rc = raqib_err_set(err, RAQIB_ENOMEM, "model: out of memory");
		goto fail;
	}
	rc = parse_image(m, map, (size_t)st.st_size, path, err);
	if (rc)
		goto fail;
	m->map = map;
	close(fd);
	*out = m;
	return 0;
fail:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	free(m);
	close(fd);
	return rc;
}

void model_free(lin_model *m)
{
	if (!m)
		return;
	if (m->map)
		munmap(m->map, m->len);
	free(m->own);
	free(m);
}

int model_save(const lin_model *m, const char *path, raqib_err *err)
{
	char tmp[4096];
	FILE *f;
	int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);

	if (n < 0 || (size_t)n >= sizeof tmp)
		return raqib_err_set(err, RAQIB_EARG, "model path too long");
	f = fopen(tmp, "wb");
	if (!f)
		return raqib_err_set(err, RAQIB_EIO, "%s: %s", tmp, strerror(errno));
	if (fwrite(m->img, 1, m->len, f) != m->len || fflush(f) || fsync(fileno(f))) {
		int e = errno;
		fclose(f);
		remove(tmp);
		return raqib_err_set(err, RAQIB_EIO, "%s: %s", tmp, strerror(e));
	}
	if (fclose(f) || rename(tmp, path)) {
		int e = errno;
		remove(tmp);
		return raqib_err_set(err, RAQIB_EIO, "%s: %s", path, strerror(e));
	}
	return 0;
}

const void *model_image(const lin_model *m, size_t *len)
{
	*len = m->len;
	return m->img;
}

const char *model_rule(const lin_model *m) { return m->rule; }
uint64_t model_lex_digest(const lin_model *m) { return m->lex_digest; }

int model_check_lexicons(const lin_model *m, uint64_t digest, const char *name,
			 raqib_err *err)
{
	if (!(m->spec.flags & FEAT_LEX) || !m->lex_digest || m->lex_digest == digest)
		return 0;
	return raqib_err_set(err, RAQIB_EDATA,
			     "%s: trained with other word lists (hate_groups.txt, hate.txt, "
			     "insult.txt) than this binary's, so its word-list signals would "
			     "be wrong: retrain it (make models MODEL_RULES=%s)",
			     name ? name : m->rule, m->rule);
}
const feat_spec *model_spec(const lin_model *m) { return &m->spec; }
float model_threshold(const lin_model *m) { return m->threshold; }

/* ---- scoring --------------------------------------------------------- */

/*
 * FEAT_TF: the hashed part is an exact integer, sum of weight x q(count)
 * (the fused pass adds weight x the step of q per occurrence: the same
 * number), then scaled by the vector's unit; the dense entries follow in
 * order.
 * Any path that computes it this way gets the same bits.
 */
static double tf_sum(const int16_t *w, size_t stride, uint32_t nw, const feat_vec *v,
		     int64_t hashed)
{
	double s;
	uint32_t i;

	if (!v->fused)
		for (i = 0; i < v->n; i++)
			if (v->f[i].idx >= FEAT_NDENSE && v->f[i].idx < nw)
				hashed += (int64_t)w[(size_t)v->f[i].idx * stride] *
					  feat_tf_q(v, &v->f[i]);
	s = (double)hashed * (double)v->unit;
	for (i = 0; i < v->n; i++)
		if (v->f[i].idx < FEAT_NDENSE)
			s += (double)w[(size_t)v->f[i].idx * stride] * v->f[i].val;
	return s;
}

double model_margin(const lin_model *m, const feat_vec *v)
{
	double s = 0.0;
	uint32_t i;

	if (m->spec.flags & FEAT_TF) {
		int64_t h = 0;
		if (v->fused) {
			/* only a set's lane can have produced it */
			if (!m->lane_w)
				return m->bias;
			h = v->fused->sum[m->lane_w - m->lane_owner_w];
		}
		return tf_sum(m->w, 1, m->nw, v, h) * m->scale + m->bias;
	}

	for (i = 0; i < v->n; i++)
		if (v->f[i].idx < m->nw)
			s += (double)m->w[v->f[i].idx] * v->f[i].val;
	return s * m->scale + m->bias;
}

static double calibrate(const lin_model *m, double margin)
{
	return 1.0 / (1.0 + exp(-(m->platt_a * margin + m->platt_b)));
}

double model_prob(const lin_model *m, const feat_vec *v)
{
	return calibrate(m, model_margin(m, v));
}

/*
 * Weights and values are never negative zero or NaN in practice, and every
 * value is > 0, so a feature can only enter the list when its weight is
 * positive; the test "c above the current floor" (0 until the list is
 * full, then the smallest kept) rejects everything else in one predictable
 * branch. Same results, ties and order as the plain insertion sort.
 */
static size_t explain_w(const int16_t *w, size_t stride, uint32_t nw, float scale,
			const feat_vec *v, model_contrib *out, size_t top_k)
{
	size_t n = 0, j;
	float floor = 0.0f;
	uint32_t i;

	if (!top_k)
		return 0;
	for (i = 0; i < v->n; i++) {
		const feat *f = &v->f[i];
		float c;
		if (f->idx >= nw)
			continue;
		c = (float)w[(size_t)f->idx * stride] * scale * f->val;
		if (!(c > floor))
			continue;
		/* Insertion into the short sorted list; top_k is small. */
		j = n < top_k ? n++ : n - 1;
		while (j > 0 && out[j - 1].contrib < c) {
			out[j] = out[j - 1];
			j--;
		}
		out[j].idx = f->idx;
		out[j].contrib = c;
		out[j].start = f->start;
		out[j].end = f->end;
		if (n == top_k)
			floor = out[n - 1].contrib;
	}
	return n;
}

/*
 * FEAT_TF: a hashed n-gram's contribution is its weight x scale x unit
 * (per occurrence), so the strongest are those with the largest int16
 * weight, ties in first-occurrence order: exactly what the fused pass
 * keeps (feat_fused.top), and what is recomputed here from a merged
 * vector. The dense entries are then merged by contribution.
 */
static size_t explain_tf(const lin_model *m, const feat_vec *v, model_contrib *out,
			 size_t top_k)
{
	feat_top tops[FEAT_TOPK];
	const feat_top *top = tops;
	const int16_t *w = m->lane_w ? m->lane_w : m->w;
	size_t stride = m->lane_w ? m->lane_stride : 1, n = 0, k, j;
	float floor = 0.0f;
	uint32_t i;

	if (!top_k)
		return 0;
	if (top_k > FEAT_TOPK)
		top_k = FEAT_TOPK;
	if (v->fused) {
		size_t lane;
		if (!m->lane_w)
			return 0;
		lane = (size_t)(m->lane_w - m->lane_owner_w);
		k = feat_fused_top(v->fused, (uint32_t)lane, tops);
	} else {
		int16_t fl = 0;
		uint32_t nt = 0;
		for (i = 0; i < v->n; i++) {
			const feat *f = &v->f[i];
			if (f->idx < FEAT_NDENSE || f->idx >= m->nw)
				continue;
			/* the merged vector holds each slot once */
			feat_top_insert(tops, &nt, &fl,
					(feat_top){w[(size_t)f->idx * stride], f->idx, f->start, f->end});
		}
		k = nt;
	}
	for (j = 0; j < k && n < top_k; j++) {
		out[n].idx = top[j].idx;
		out[n].contrib = (float)top[j].w * m->scale * v->unit;
		out[n].start = top[j].start;
		out[n].end = top[j].end;
		n++;
	}
	if (n == top_k)
		floor = out[n - 1].contrib;
	for (i = 0; i < v->n; i++) {
		const feat *f = &v->f[i];
		float c;
		if (f->idx >= FEAT_NDENSE)
			continue;
		c = (float)w[(size_t)f->idx * stride] * m->scale * f->val;
		if (!(c > floor))
			continue;
		j = n < top_k ? n++ : n - 1;
		while (j > 0 && out[j - 1].contrib < c) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = (model_contrib){f->idx, c, 0, 0};
		if (n == top_k)
			floor = out[n - 1].contrib;
	}
	return n;
}

size_t model_explain(const lin_model *m, const feat_vec *v, model_contrib *out,
		     size_t top_k)
{
	if (m->spec.flags & FEAT_TF)
		return explain_tf(m, v, out, top_k);
	if (m->lane_w)
		return explain_w(m->lane_w, m->lane_stride, m->nw, m->scale, v, out, top_k);
	return explain_w(m->w, 1, m->nw, m->scale, v, out, top_k);
}

/* ---- model sets ------------------------------------------------------ */

struct model_set {
	feat_spec spec;
	uint32_t n, lanes, nw;
	int16_t *w;                 /* nw x lanes */
	void *map;                  /* the mapping holding w */
	size_t maplen;
	const lin_model *m[MODEL_SET_MAX];
};

#define HUGE_PAGE ((size_t)2 << 20)

/*
 * The table is read at ~450 random slots per comment: with 4 KiB pages
 * nearly every read is also a TLB miss (8 MiB = 2048 pages), which cost
 * more than the cache miss itself. Anonymous memory aligned to 2 MiB and
 * marked MADV_HUGEPAGE gets transparent huge pages where the kernel allows
 * them (THP "madvise" or "always"); elsewhere it is just zeroed memory.
 */
static int16_t *table_alloc(size_t bytes, void **map, size_t *maplen)
{
	size_t len = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE + HUGE_PAGE;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t at;

	if (p == MAP_FAILED)
		return NULL;
	at = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
#ifdef MADV_HUGEPAGE
	(void)madvise((void *)at, len - (at - (uintptr_t)p), MADV_HUGEPAGE);
#endif
	*map = p;
	*maplen = len;
	return (int16_t *)at;
}

int model_set_new(const lin_model *const *models, const char *const *names, size_t n,
		  model_set **out, raqib_err *err)
{
	model_set *s;
	uint32_t i, j;

	*out = NULL;
	if (n == 0 || n > MODEL_SET_MAX)
		return raqib_err_set(err, RAQIB_EARG, "model set: %zu models (1 to %d)", n,
				     MODEL_SET_MAX);
	for (j = 1; j < n; j++) {
		/* FEAT_LEX adds dense signals in slots a model without it has
		 * weight 0 in (it never saw them non-zero), so such models share
		 * a set: the set extracts them when any of its models wants them. */
		feat_spec a = models[j]->spec, b = models[0]->spec;
		a.flags &= ~(uint32_t)FEAT_LEX;
		b.flags &= ~(uint32_t)FEAT_LEX;
		if (!feat_spec_eq(&a, &b))
			return raqib_err_set(err, RAQIB_EARG,
					     "%s and %s were trained with different feature specs "
					     "(retrain one of them)",
					     names ? names[0] : model_rule(models[0]),
					     names ? names[j] : model_rule(models[j]));
	}
	s = calloc(1, sizeof *s);
	if (!s)
		goto nomem;
	s->spec = models[0]->spec;
	for (j = 1; j < n; j++)
		s->spec.flags |= models[j]->spec.flags & FEAT_LEX;
	s->n = (uint32_t)n;
	s->lanes = n <= 4 ? 4 : MODEL_SET_MAX;
	s->nw = models[0]->nw;
	/* anonymous memory is zeroed: unused lanes read as weight 0 */
	s->w = table_alloc((size_t)s->nw * s->lanes * sizeof *s->w, &s->map, &s->maplen);
	if (!s->w)
		goto nomem;
	/* feat_extract() prefetches each new slot's row of this table */
	s->spec.prefetch = s->w;
	s->spec.prefetch_shift = s->lanes == 4 ? 3 : 4;
	/* FEAT_TF with four lanes: feat_extract() scores as it hashes */
	if ((s->spec.flags & FEAT_TF) && s->lanes == 4)
		s->spec.lanes4 = s->w;
	for (j = 0; j < n; j++) {
		const int16_t *w = models[j]->w;
		int16_t *d = s->w + j;
		/* The models are the caller's, not const objects: the link
		 * only redirects model_explain() to identical weights. */
		lin_model *mm = (lin_model *)models[j];
		s->m[j] = models[j];
		for (i = 0; i < s->nw; i++)
			d[(size_t)i * s->lanes] = w[i];
		mm->lane_w = d;
		mm->lane_stride = s->lanes;
		mm->lane_owner = s;
		mm->lane_owner_w = s->w;
	}
	*out = s;
	return 0;
nomem:
	model_set_free(s);
	return raqib_err_set(err, RAQIB_ENOMEM, "model set: out of memory");
}

void model_set_free(model_set *s)
{
	uint32_t j;

	if (!s)
		return;
	for (j = 0; j < s->n; j++) {
		lin_model *mm = (lin_model *)s->m[j];
		if (mm && mm->lane_owner == s) {
			mm->lane_w = NULL;
			mm->lane_owner = NULL;
			mm->lane_owner_w = NULL;
		}
	}
	if (s->map)
		munmap(s->map, s->maplen);
	free(s);
}

void model_set_lexicons(model_set *s, const feat_spec *lists)
{
	s->spec.lex_groups = lists->lex_groups;
	s->spec.lex_hate = lists->lex_hate;
	s->spec.lex_insult = lists->lex_insult;
}

const feat_spec *model_set_spec(const model_set *s) { return &s->spec; }

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define PREFETCH_AHEAD 16
typedef double v2d __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
typedef int16_t v4h __attribute__((vector_size(8)));

/*
 * Four lanes, two SSE2 registers of doubles. Each lane still computes
 * (double)w * val and adds it in feature order, exactly like
 * model_margin(), so the sums are bit-identical (no FMA: the build does
 * not enable it and ISO C mode keeps contraction off).
 */
static void probs4(const int16_t *tw, uint32_t nw, const feat_vec *v, double *acc)
{
	v2d lo = {0.0, 0.0}, hi = {0.0, 0.0};
	uint32_t i;

	for (i = 0; i < v->n; i++) {
		const feat *f = &v->f[i];
		v4h h;
		v4i w;
		v2d x, wl, wh;
		if (i + PREFETCH_AHEAD < v->n && f[PREFETCH_AHEAD].idx < nw)
			__builtin_prefetch(tw + (size_t)f[PREFETCH_AHEAD].idx * 4);
		if (f->idx >= nw)
			continue;
		memcpy(&h, tw + (size_t)f->idx * 4, sizeof h);
		w = __builtin_convertvector(h, v4i);
		wl = __builtin_convertvector(__builtin_shufflevector(w, w, 0, 1), v2d);
		wh = __builtin_convertvector(__builtin_shufflevector(w, w, 2, 3), v2d);
		x = (v2d){f->val, f->val};
		lo += wl * x;
		hi += wh * x;
	}
	acc[0] = lo[0];
	acc[1] = lo[1];
	acc[2] = hi[0];
	acc[3] = hi[1];
}
#else
static void probs4(const int16_t *tw, uint32_t nw, const feat_vec *v, double *acc)
{
	double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
	uint32_t i;

	for (i = 0; i < v->n; i++) {
		const feat *f = &v->f[i];
		const int16_t *w;
		if (f->idx >= nw)
			continue;
		w = tw + (size_t)f->idx * 4;
		a0 += (double)w[0] * f->val;
		a1 += (double)w[1] * f->val;
		a2 += (double)w[2] * f->val;
		a3 += (double)w[3] * f->val;
	}
	acc[0] = a0;
	acc[1] = a1;
	acc[2] = a2;
	acc[3] = a3;
}
#endif

/* The sums run in the same order and precision as model_margin(), so every
 * lane gives exactly that model's margin. */
void model_set_probs(const model_set *s, const feat_vec *v, double *prob)
{
	double acc[MODEL_SET_MAX] = {0};
	uint32_t i, j;

	if (s->spec.flags & FEAT_TF) {
		for (j = 0; j < s->n; j++)
			acc[j] = tf_sum(s->w + j, s->lanes, s->nw, v,
					v->fused ? v->fused->sum[j] : 0);
	} else if (s->lanes == 4) {
		probs4(s->w, s->nw, v, acc);
	} else {
		for (i = 0; i < v->n; i++) {
			const feat *f = &v->f[i];
			const int16_t *w;
			if (f->idx >= s->nw)
				continue;
			w = s->w + (size_t)f->idx * s->lanes;
			for (j = 0; j < s->n; j++)
				acc[j] += (double)w[j] * f->val;
		}
	}
	for (j = 0; j < s->n; j++)
		prob[j] = calibrate(s->m[j], acc[j] * s->m[j]->scale + s->m[j]->bias);
}

/* ---- datasets -------------------------------------------------------- */

struct model_dataset {
	feat_spec spec;
	struct feature_node *nodes;
	size_t nnodes, capnodes;
	size_t *off;      /* first node of each document */
	double *y;        /* +1 rule, -1 ok */
	uint32_t n, capdocs, npos;
	raqib_arena *a;
};

model_dataset *model_dataset_new(const feat_spec *spec)
{
	model_dataset *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->spec = *spec;
	d->spec.prefetch = NULL; /* a set's table is no business of training */
	d->a = raqib_arena_new(1 << 16);
	if (!d->a) {
		free(d);
		return NULL;
	}
	return d;
}

void model_dataset_free(model_dataset *d)
{
	if (!d)
		return;
	free(d->nodes);
	free(d->off);
	free(d->y);
	raqib_arena_free(d->a);
	free(d);
}

uint32_t model_dataset_size(const model_dataset *d, uint32_t *npositive)
{
	if (npositive)
		*npositive = d->npos;
	return d->n;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 1024;
	void *q;
	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * size);
	if (!q)
		return RAQIB_ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* liblinear indices are 1-based; the bias is one more feature after the
 * hashed space. */
static int bias_index(const feat_spec *spec)
{
	return (int)(1u << spec->hash_bits) + 1;
}

int model_dataset_add(model_dataset *d, const char *text, size_t len, bool positive,
		      raqib_err *err)
{
	text_view tv;
	feat_vec v;
	size_t capdocs = d->capdocs;
	uint32_t i;
	int rc;

	raqib_arena_reset(d->a);
	rc = text_normalize(&tv, d->a, text, len, err);
	if (rc)
		return rc;
	rc = feat_extract(&d->spec, &tv, d->a, &v, err);
	if (rc)
		return rc;
	feat_sort(&v);
	if (grow((void **)&d->nodes, &d->capnodes, d->nnodes + v.n + 2, sizeof *d->nodes))
		goto nomem;
	if (d->n + 1 > d->capdocs) {
		capdocs = d->capdocs;
		if (grow((void **)&d->off, &capdocs, (size_t)d->n + 1, sizeof *d->off))
			goto nomem;
		capdocs = d->capdocs;
		if (grow((void **)&d->y, &capdocs, (size_t)d->n + 1, sizeof *d->y))
			goto nomem;
		d->capdocs = (uint32_t)capdocs;
	}
	d->off[d->n] = d->nnodes;
	for (i = 0; i < v.n; i++) {
		d->nodes[d->nnodes].index = (int)v.f[i].idx + 1;
		d->nodes[d->nnodes++].value = v.f[i].val;
	}
	d->nodes[d->nnodes].index = bias_index(&d->spec);
	d->nodes[d->nnodes++].value = 1.0;
	d->nodes[d->nnodes++].index = -1;
	d->y[d->n++] = positive ? 1.0 : -1.0;
	if (positive)
		d->npos++;
	return 0;
nomem:
	return raqib_err_set(err, RAQIB_ENOMEM, "dataset: out of memory");
}

double model_margin_nodes(const lin_model *m, const struct feature_node *x)
{
	double s = 0.0;
	for (; x->index != -1; x++)
		if ((uint32_t)x->index <= m->nw)
			s += (double)m->w[x->index - 1] * x->value;
	return s * m->scale + m->bias;
}

double model_dataset_prob(const lin_model *m, const model_dataset *d, uint32_t i,
			  bool *positive)
{
	if (positive)
		*positive = d->y[i] > 0;
	return calibrate(m, model_margin_nodes(m, d->nodes + d->off[i]));
}

/* ---- training -------------------------------------------------------- */

static void quiet(const char *s)
{
	(void)s;
}

int model_from_weights(const feat_spec *spec, const char *rule, const double *w, double sign,
		       lin_model **out)
{
	uint32_t nw = 1u << spec->hash_bits, i;
	size_t len = MODEL_HEADER_SIZE + (size_t)nw * 2;
	unsigned char *img = calloc(1, len);
	int16_t *q = (int16_t *)(void *)(img ? img + MODEL_HEADER_SIZE : NULL);
	lin_model *m = calloc(1, sizeof *m);
	double maxabs = 0.0, scale;

	if (!img || !m) {
		free(img);
		free(m);
		return RAQIB_ENOMEM;
	}
	for (i = 0; i < nw; i++)
		if (fabs(w[i]) > maxabs)
			maxabs = fabs(w[i]);
	scale = maxabs > 0.0 ? maxabs / 32767.0 : 1.0;
	for (i = 0; i < nw; i++)
		q[i] = (int16_t)lrint(sign * w[i] / scale);

	memcpy(img, MODEL_MAGIC, 8);
	put32(img + 8, MODEL_VERSION);
	put32(img + 12, MODEL_HEADER_SIZE);
	put32(img + 16, FEAT_VERSION);
	img[20] = spec->hash_bits;
	img[21] = spec->char_min;
	img[22] = spec->char_max;
	img[23] = spec->word_max;
	put32(img + 24, spec->flags);
	put32(img + 28, ENC_DENSE_I16);
	memcpy(img + 32, rule, strlen(rule));
	putf(img + 64, (float)(sign * w[nw]));
	putf(img + 68, (float)scale);
	putf(img + 72, 0.5f);
	putf(img + 76, 1.0f);
	putf(img + 80, 0.0f);
	put32(img + 84, nw);
	put64(img + 88, (uint64_t)nw * 2);
	put64(img + OFF_CHECKSUM, image_checksum(img, len));
	if (parse_image(m, img, len, "model image", NULL)) {
		free(img);
		free(m);
		return RAQIB_ENOMEM; /* cannot happen: we just wrote it */
	}
	m->own = img;
	*out = m;
	return 0;
}

void model_set_lex_digest(lin_model *m, uint64_t digest)
{
	unsigned char *img = m->own;

	if (!img || !(m->spec.flags & FEAT_LEX))
		return;
	put64(img + OFF_LEXDIGEST, digest);
	put64(img + OFF_CHECKSUM, image_checksum(img, m->len));
	m->lex_digest = digest;
}

/* Rewrites calibration and threshold of an in-memory image. */
static void set_calibration(lin_model *m, double a, double b, double t)
{
	unsigned char *img = m->own;
	m->platt_a = (float)a;
	m->platt_b = (float)b;
	m->threshold = (float)t;
	putf(img + 72, m->threshold);
	putf(img + 76, m->platt_a);
	putf(img + 80, m->platt_b);
	put64(img + OFF_CHECKSUM, image_checksum(img, m->len));
}

static void fill_problem(const model_dataset *d, struct problem *p, struct feature_node **x)
{
	uint32_t i;
	for (i = 0; i < d->n; i++)
		x[i] = d->nodes + d->off[i];
	p->l = (int)d->n;
	p->n = bias_index(&d->spec);
	p->y = d->y;
	p->x = x;
	p->bias = -1; /* our bias node is already in every document */
}

struct model *model_lr_fit(const struct problem *p, double C, const double *wt, double eps,
			   double *init, double *sign)
{
	struct parameter par;
	int labels[2] = {1, -1};
	double weights[2] = {wt[0], wt[1]};
	struct model *lm;

	memset(&par, 0, sizeof par);
	par.solver_type = L2R_LR;
	par.C = C;
	par.eps = eps;
	par.nr_weight = 2;
	par.weight_label = labels;
	par.weight = weights;
	par.init_sol = init;
	if (check_parameter(p, &par))
		return NULL;
	srand(1); /* liblinear's solvers may shuffle with rand() */
	lm = train(p, &par);
	if (lm)
		*sign = lm->label[0] == 1 ? 1.0 : -1.0;
	return lm;
}

/* Platt scaling: a one-feature logistic regression of the label on the
 * dev margin, fitted by liblinear too (nearly unregularised). */
static void platt(const double *margin, const double *y, uint32_t n, double *a, double *b)
{
	struct feature_node *nodes = malloc((size_t)n * 3 * sizeof *nodes);
	struct feature_node **x = malloc((size_t)n * sizeof *x);
	struct problem p;
	double wt[2] = {1.0, 1.0}, sign = 1.0;
	struct model *lm = NULL;
	uint32_t i;

	*a = 1.0;
	*b = 0.0;
	if (!nodes || !x)
		goto out;
	for (i = 0; i < n; i++) {
		nodes[3 * i] = (struct feature_node){1, margin[i]};
		nodes[3 * i + 1] = (struct feature_node){2, 1.0};
		nodes[3 * i + 2] = (struct feature_node){-1, 0.0};
		x[i] = &nodes[3 * i];
	}
	p.l = (int)n;
	p.n = 2;
	p.y = (double *)y;
	p.x = x;
	p.bias = -1;
	lm = model_lr_fit(&p, 1000.0, wt, 1e-4, NULL, &sign);
	if (lm && lm->nr_class == 2 && isfinite(lm->w[0]) && lm->w[0] * sign > 0) {
		*a = sign * lm->w[0];
		*b = sign * lm->w[1];
	}
out:
	if (lm)
		free_and_destroy_model(&lm);
	free(nodes);
	free(x);
}

typedef struct scored {
	double p;
	bool pos;
} scored;

static int cmp_scored_desc(const void *a, const void *b)
{
	const scored *x = a, *y = b;
	if (x->p != y->p)
		return x->p < y->p ? 1 : -1;
	return (int)x->pos - (int)y->pos; /* ties: negatives first (pessimistic) */
}

static double f1(double tp, double fp, double fn)
{
	return tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
}

/*
 * Picks the threshold on dev: sweep the cut through the sorted scores.
 * Returns macro-F1 at the chosen cut and fills precision/recall.
 */
static double choose_threshold(scored *s, uint32_t n, double min_precision, double *thr,
			       double *prec, double *rec)
{
	uint32_t k, npos = 0, tp = 0, best_k = 0, prec_k = UINT32_MAX;
	double best = -1.0;

	for (k = 0; k < n; k++)
		npos += s[k].pos;
	qsort(s, n, sizeof *s, cmp_scored_desc);
	/* cut k: the first k documents are flagged */
	for (k = 0; k <= n; k++) {
		double fp, fn, tn, mf;
		if (k > 0)
			tp += s[k - 1].pos;
		if (k < n && k > 0 && s[k].p == s[k - 1].p)
			continue; /* cannot cut between equal scores */
		fp = k - tp;
		fn = npos - tp;
		tn = n - k - fn;
		mf = (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2;
		if (mf > best) {
			best = mf;
			best_k = k;
		}
		if (k > 0 && min_precision > 0 && tp >= min_precision * k)
			prec_k = k;
	}
	if (min_precision > 0 && prec_k != UINT32_MAX)
		best_k = prec_k;
	if (best_k == 0)
		*thr = n ? fmin(1.0, s[0].p + 1e-6) : 0.5;
	else if (best_k == n)
		*thr = s[n - 1].p;
	else
		*thr = (s[best_k - 1].p + s[best_k].p) / 2;
	tp = 0;
	for (k = 0; k < best_k; k++)
		tp += s[k].pos;
	*prec = best_k ? (double)tp / best_k : 0.0;
	*rec = npos ? (double)tp / npos : 0.0;
	{
		double fp = best_k - tp, fn = npos - tp, tn = n - best_k - fn;
		return (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2;
	}
}

int model_calibrate(lin_model *m, const double *margin, const double *y, uint32_t n,
		    double min_precision, model_train_info *info)
{
	scored *s = malloc((size_t)(n ? n : 1) * sizeof *s);
	double a, b, thr, prec, rec;
	uint32_t i;

	if (!s)
		return RAQIB_ENOMEM;
	platt(margin, y, n, &a, &b);
	for (i = 0; i < n; i++) {
		s[i].p = 1.0 / (1.0 + exp(-(a * margin[i] + b)));
		s[i].pos = y[i] > 0;
	}
	info->dev_macro_f1 = choose_threshold(s, n, min_precision, &thr, &prec, &rec);
	set_calibration(m, a, b, thr);
	info->dev_precision = prec;
	info->dev_recall = rec;
	info->threshold = thr;
	info->platt_a = a;
	info->platt_b = b;
	free(s);
	return 0;
}

static int tune_on_dev(lin_model *m, const model_dataset *dev, const model_train_opts *o,
		       model_train_info *info)
{
	double *margin = malloc((size_t)dev->n * sizeof *margin);
	uint32_t i;
	int rc;

	if (!margin)
		return RAQIB_ENOMEM;
	for (i = 0; i < dev->n; i++)
		margin[i] = model_margin_nodes(m, dev->nodes + dev->off[i]);
	rc = model_calibrate(m, margin, dev->y, dev->n, o->min_precision, info);
	free(margin);
	return rc;
}

static const double C_GRID[] = {0.5, 1, 2, 4, 8, 16, 32, 64, 128};
#define NGRID (sizeof C_GRID / sizeof C_GRID[0])

int model_train(const model_dataset *train, const model_dataset *dev,
		const model_train_opts *o, lin_model **out, model_train_info *info,
		raqib_err *err)
{
	struct feature_node **x = NULL;
	struct problem p;
	double wt[2] = {1.0, 1.0}, eps = o->eps > 0 ? o->eps : 0.01;
	lin_model *best = NULL;
	double *warm = NULL; /* the previous C's solution: a warm start */
	size_t nwarm = ((size_t)1 << train->spec.hash_bits) + 1;
	model_train_info bi, ci;
	size_t g, ng;
	uint32_t i;
	int rc = 0;

	*out = NULL;
	memset(&bi, 0, sizeof bi);
	if (!o->rule || !o->rule[0] || strlen(o->rule) >= MODEL_RULE_MAX)
		return raqib_err_set(err, RAQIB_EARG, "train: rule name empty or longer than %d bytes",
				     MODEL_RULE_MAX - 1);
	if (train->npos == 0 || train->npos == train->n)
		return raqib_err_set(err, RAQIB_EARG,
				     "train: need both classes (%u documents, %u positive)",
				     train->n, train->npos);
	if (dev && !feat_spec_eq(&dev->spec, &train->spec))
		return raqib_err_set(err, RAQIB_EARG, "train: dev set has another feature spec");
	if (dev && (dev->npos == 0 || dev->npos == dev->n))
		dev = NULL; /* cannot tune on one class */
	if (o->balanced) {
		wt[0] = (double)train->n / (2.0 * train->npos);
		wt[1] = (double)train->n / (2.0 * (train->n - train->npos));
	}
	x = malloc((size_t)train->n * sizeof *x);
	warm = calloc(nwarm, sizeof *warm);
	if (!x || !warm) {
		free(x);
		free(warm);
		return raqib_err_set(err, RAQIB_ENOMEM, "train: out of memory");
	}
	fill_problem(train, &p, x);
	set_print_string_function(quiet);

	ng = (o->C > 0 || !dev) ? 1 : NGRID;
	for (g = 0; g < ng; g++) {
		double C = o->C > 0 ? o->C : dev ? C_GRID[g] : 1.0, sign = 1.0;
		struct model *lm = model_lr_fit(&p, C, wt, eps, g ? warm : NULL, &sign);
		lin_model *m = NULL;

		if (!lm) {
			rc = raqib_err_set(err, RAQIB_ENOMEM, "train: liblinear failed (C=%g)", C);
			goto fail;
		}
		memcpy(warm, lm->w, nwarm * sizeof *warm);
		rc = model_from_weights(&train->spec, o->rule, lm->w, sign, &m);
		free_and_destroy_model(&lm);
		if (rc) {
			rc = raqib_err_set(err, RAQIB_ENOMEM, "train: out of memory");
			goto fail;
		}
		memset(&ci, 0, sizeof ci);
		ci.C = C;
		if (dev && (rc = tune_on_dev(m, dev, o, &ci))) {
			model_free(m);
			rc = raqib_err_set(err, RAQIB_ENOMEM, "train: out of memory");
			goto fail;
		}
		if (!best || ci.dev_macro_f1 > bi.dev_macro_f1) {
			model_free(best);
			best = m;
			bi = ci;
		} else {
			model_free(m);
		}
	}
	bi.ncandidates = (uint32_t)ng;
	for (i = 0; i < best->nw; i++)
		bi.nonzero += best->w[i] != 0;
	if (!dev)
		bi.threshold = best->threshold;
	*out = best;
	if (info)
		*info = bi;
	free(x);
	free(warm);
	return 0;
fail:
	model_free(best);
	free(x);
	free(warm);
	return rc;
}

/* ---- labelled TSV ---------------------------------------------------- */

int model_tsv_read(const char *path, model_tsv_fn fn, void *ctx, raqib_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, no = 0;
	ssize_t n;
	bool first = true;
	int rc = 0;

	if (!f)
		return raqib_err_set(err, RAQIB_EIO, "%s: %s", path, strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		model_tsv_row r;
		char *tab, *tab2;
		no++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (n == 0)
			continue;
		tab = memchr(line, '\t', (size_t)n);
		if (!tab && line[0] == '#')
			continue;
		if (!tab) {
			rc = raqib_err_set(err, RAQIB_EDATA, "%s:%zu: no tab (expected text<TAB>label)",
					   path, no);
			break;
		}
		*tab = 0;
		tab2 = strchr(tab + 1, '\t');
		if (tab2)
			*tab2 = 0;
		if (first) {
			first = false;
			if (!strcmp(tab + 1, "label"))
				continue;
		}
		r.text = line;
		r.len = (size_t)(tab - line);
		r.label = tab + 1;
		r.group = "";
		if (tab2) {
			char *t3 = strchr(tab2 + 1, '\t');
			if (t3)
				*t3 = 0;
			r.group = tab2 + 1;
		}
		r.line = no;
		rc = fn(ctx, &r, err);
		if (rc)
			break;
	}
	if (!rc && ferror(f))
		rc = raqib_err_set(err, RAQIB_EIO, "%s: read error", path);
	free(line);
	fclose(f);
	return rc;
}
