/*
 * lexicon.c — word/phrase lists matched on the folded view (see lexicon.h).
 *
 * Layout: every distinct folded word of every entry is interned once in
 * `pool` and indexed by an open-addressing table keyed by a polynomial hash
 * of its code points. An entry (one to LEX_MAX_WORDS words) is then a short
 * sequence of word ids, found in a second open-addressing table keyed by a
 * hash of that sequence.
 *
 * The word hash does not depend on the lexicon, so a text is read once for
 * all of them. Each lexicon, when loaded, sets its bits (one of
 * LEX_MAP_CLASSES sets of three: one-word entries, first words of phrases,
 * later words of phrases) in a process-wide presence map indexed by word
 * hash. The first lexicon_scan of a text_view hashes every clitic-stripped
 * stem of every token and keeps, per token, the OR of the map entries of
 * its stems (struct lex_prep, in the scan's arena, hung on the view). A scan
 * then moves past every token that cannot start one of its entries with a
 * test or two, and only for the few left lists the token's stems again and
 * probes its Bloom filter (sized to the lexicon, so the small ones stay in
 * L1) and word table. Stems are sub-ranges of the token: nothing is copied.
 *
 * The map only ever gains bits: a freed lexicon's stay set, and lexicons
 * share a set once more than LEX_MAP_CLASSES have been loaded. Both only let
 * more tokens through to the Bloom filter, never fewer. Its entries are
 * relaxed atomics, so engines loaded on other threads meanwhile are safe;
 * a generation counter tells a scan whether the view's masks were made after
 * its lexicon was entered in the map (else it probes every token).
 *
 * Entries loaded twice (same folded words) keep the later line: a site's
 * override file can lower or raise a weight by repeating the entry.
 */
#include "lexicon.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEX_MAX_LINE 1024   /* bytes per line, without the newline */
#define LEX_MAX_WORD 48     /* folded code points per word */
#define LEX_TAG_LEN 16      /* incl. NUL */
#define LEX_MAX_RUN 48      /* single letters joined back into one word */
#define LEX_MAX_GAP 4       /* separator code points between spread letters */
#define LEX_MAX_CAND 8      /* stems of one token found in the word table */
#define LEX_RING 8          /* tokens whose candidates are kept (>= LEX_MAX_WORDS) */
#define LEX_MAX_TOK (LEX_MAX_WORD + 5) /* longer tokens have no stem */
#define LEX_MAX_STEMS 12    /* (1 + 3 prefixes) x (1 + 2 suffixes) */
#define LEX_BLOOM_MIN 10    /* log2 bits: 128 bytes at least */
#define LEX_BLOOM_MAX 22    /* 512 KB at most */
#define LEX_MAP_BITS 15     /* presence map slots (log2): 128 KB */
#define LEX_MAP_CLASSES 10  /* lexicons with bits of their own (3 each) */
#define LEX_TAG_SLOTS 64    /* tag name hash table (> 2 * LEX_MAX_TAGS) */

#define HASH_P 0x100000001b3ULL

enum {
	W_SINGLE = 1, /* a one-word entry */
	W_FIRST = 2,  /* first word of a phrase */
	W_MID = 4,    /* inner word of a phrase */
	W_LAST = 8,   /* last word of a phrase */
};

#define AR_WAW 0x0648
#define AR_FA 0x0641
#define AR_BA 0x0628
#define AR_LAM 0x0644
#define AR_KAF 0x0643
#define AR_ALEF 0x0627
#define AR_HA 0x0647
#define AR_MIM 0x0645
#define AR_NUN 0x0646
#define AR_YA 0x064A
#define AR_TA 0x062A

/* K_ART marks a prefix holding the article (ال لل وال بال فال كال): only
 * such a first word keeps a LEX_BARE_ARTICLE variant from counting. */
enum { K_EXACT = 0, K_PRE = 1, K_SUF = 2, K_ART = 4 };

typedef struct lex_word {
	uint64_t hash;
	uint32_t off, len;  /* code points in pool */
	uint32_t single;    /* entry index + 1 of the one-word entry, 0 if none */
	uint32_t flags;     /* W_* */
} lex_word;

typedef struct lex_entry {
	uint32_t ids[LEX_MAX_WORDS];
	uint32_t nw;
	uint32_t exact;
	uint16_t tag;
	uint16_t variant; /* added by LEX_BARE_ARTICLE, not written in the file */
	float weight;
} lex_entry;

struct lexicon {
	uint32_t *pool;
	size_t npool, cpool;
	lex_word *words;
	size_t nwords, cwords;
	uint32_t *wslot;    /* word index + 1, 0 = empty; size wmask + 1 */
	size_t wmask;
	lex_entry *ents;
	size_t nents, cents;
	uint32_t *eslot;    /* entry index + 1, 0 = empty; size emask + 1 */
	size_t emask;
	uint64_t *bloom;    /* 1 << bloom_bits bits, built once loading ends */
	unsigned bloom_bits;
	char tags[LEX_MAX_TAGS][LEX_TAG_LEN];
	uint16_t ntags;     /* tag 0 is "none" */
	uint8_t tag_slot[LEX_TAG_SLOTS]; /* tag id by name hash, 0 = empty */
	uint32_t bit_single; /* presence map bits of its one-word entries, */
	uint32_t bit_first;  /* of the first words of its phrases */
	uint32_t bit_cont;   /* and of their later words */
	uint64_t mapgen;    /* map generation that includes its words */
	bool phrases;       /* has entries of two or more words */
};

/* ---- hashing ---------------------------------------------------------- */

/* One multiply spreads the polynomial hash into the high bits (Bloom index),
 * the xor-shift brings them down to the low bits (table index). */
static uint64_t hash_mix(uint64_t h)
{
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

static uint64_t hash_cps(const uint32_t *cp, size_t n)
{
	uint64_t h = 0;
	for (size_t i = 0; i < n; i++)
		h = h * HASH_P + cp[i];
	return hash_mix(h);
}

static uint64_t hash_ids(const uint32_t *ids, size_t n)
{
	uint64_t h = n;
	for (size_t i = 0; i < n; i++)
		h = h * HASH_P + ids[i] + 1;
	return hash_mix(h);
}

/* A blocked Bloom filter with two bits per word in the same 64-bit word:
 * one load answers, and at 32 bits per word it lets through well under 1%
 * of the stems that are not words. The top bits pick the block, so they
 * stay independent of the low bits that index the word table. */
static uint64_t bloom_mask(uint64_t h)
{
	return (1ULL << ((h >> 20) & 63)) | (1ULL << ((h >> 26) & 63));
}

static bool bloom_test(const lexicon *lx, uint64_t h)
{
	uint64_t m = bloom_mask(h);
	return (lx->bloom[h >> (64 - lx->bloom_bits + 6)] & m) == m;
}

static int bloom_build(lexicon *lx)
{
	unsigned bits = LEX_BLOOM_MIN;
	while (bits < LEX_BLOOM_MAX && ((size_t)1 << bits) < lx->nwords * 32)
		bits++;
	lx->bloom = calloc((size_t)1 << (bits - 6), sizeof *lx->bloom);
	if (!lx->bloom)
		return RAQIB_ENOMEM;
	lx->bloom_bits = bits;
	for (size_t i = 0; i < lx->nwords; i++) {
		uint64_t h = lx->words[i].hash;
		lx->bloom[h >> (64 - bits + 6)] |= bloom_mask(h);
	}
	return 0;
}

/* ---- presence map ----------------------------------------------------- */

static _Atomic uint32_t lex_map[1u << LEX_MAP_BITS];
static _Atomic uint64_t lex_map_gen;   /* lexicons entered so far */
static _Atomic unsigned lex_map_next;  /* next bit to hand out */

/* Bits 36..51: apart from the word table's low bits and, but for the
 * largest lexicons, from the Bloom block index in the top bits. */
static inline size_t map_slot(uint64_t h)
{
	return (size_t)(h >> 36) & ((1u << LEX_MAP_BITS) - 1);
}

/* Enters every word of lx in the map. The release increment publishes the
 * bits to any view cache that reads the generation (acquire) first. */
static void map_enter(lexicon *lx)
{
	unsigned k = atomic_fetch_add_explicit(&lex_map_next, 1, memory_order_relaxed);

	lx->bit_single = 1u << (k % LEX_MAP_CLASSES * 3);
	lx->bit_first = lx->bit_single << 1;
	lx->bit_cont = lx->bit_single << 2;
	for (size_t i = 0; i < lx->nwords; i++) {
		const lex_word *w = &lx->words[i];
		uint32_t bits = (w->flags & W_SINGLE ? lx->bit_single : 0) |
				(w->flags & W_FIRST ? lx->bit_first : 0) |
				(w->flags & (W_MID | W_LAST) ? lx->bit_cont : 0);
		atomic_fetch_or_explicit(&lex_map[map_slot(w->hash)], bits,
					 memory_order_relaxed);
	}
	lx->mapgen = atomic_fetch_add_explicit(&lex_map_gen, 1, memory_order_release) + 1;
}

/* ---- tables ----------------------------------------------------------- */

static int32_t word_find(const lexicon *lx, uint64_t h, const uint32_t *cp, size_t n)
{
	if (!lx->wslot)
		return -1;
	for (size_t i = h & lx->wmask;; i = (i + 1) & lx->wmask) {
		uint32_t s = lx->wslot[i];
		if (!s)
			return -1;
		const lex_word *w = &lx->words[s - 1];
		if (w->hash == h && w->len == n &&
		    !memcmp(lx->pool + w->off, cp, n * sizeof *cp))
			return (int32_t)(s - 1);
	}
}

static void slot_put(uint32_t *slot, size_t mask, uint64_t h, uint32_t val)
{
	size_t i = h & mask;
	while (slot[i])
		i = (i + 1) & mask;
	slot[i] = val;
}

static int words_rehash(lexicon *lx, size_t nslots)
{
	uint32_t *s = calloc(nslots, sizeof *s);
	if (!s)
		return RAQIB_ENOMEM;
	for (size_t i = 0; i < lx->nwords; i++)
		slot_put(s, nslots - 1, lx->words[i].hash, (uint32_t)(i + 1));
	free(lx->wslot);
	lx->wslot = s;
	lx->wmask = nslots - 1;
	return 0;
}

static int ents_rehash(lexicon *lx, size_t nslots)
{
	uint32_t *s = calloc(nslots, sizeof *s);
	if (!s)
		return RAQIB_ENOMEM;
	for (size_t i = 0; i < lx->nents; i++)
		slot_put(s, nslots - 1, hash_ids(lx->ents[i].ids, lx->ents[i].nw), (uint32_t)(i + 1));
	free(lx->eslot);
	lx->eslot = s;
	lx->emask = nslots - 1;
	return 0;
}

static int32_t entry_find(const lexicon *lx, const uint32_t *ids, uint32_t nw)
{
	if (!lx->eslot)
		return -1;
	uint64_t h = hash_ids(ids, nw);
	for (size_t i = h & lx->emask;; i = (i + 1) & lx->emask) {
		uint32_t s = lx->eslot[i];
		if (!s)
			return -1;
		const lex_entry *e = &lx->ents[s - 1];
		if (e->nw == nw && !memcmp(e->ids, ids, nw * sizeof *ids))
			return (int32_t)(s - 1);
	}
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q)
		return RAQIB_ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* Interns a folded word; returns its index or -1 on OOM. */
static int32_t word_intern(lexicon *lx, const uint32_t *cp, size_t n)
{
	uint64_t h = hash_cps(cp, n);
	int32_t id = word_find(lx, h, cp, n);
	if (id >= 0)
		return id;
	if (grow((void **)&lx->pool, &lx->cpool, lx->npool + n, sizeof *lx->pool) ||
	    grow((void **)&lx->words, &lx->cwords, lx->nwords + 1, sizeof *lx->words))
		return -1;
	if ((lx->nwords + 1) * 2 > lx->wmask + 1 &&
	    words_rehash(lx, lx->wslot ? (lx->wmask + 1) * 2 : 256))
		return -1;
	memcpy(lx->pool + lx->npool, cp, n * sizeof *cp);
	lex_word *w = &lx->words[lx->nwords];
	w->hash = h;
	w->off = (uint32_t)lx->npool;
	w->len = (uint32_t)n;
	w->single = 0;
	w->flags = 0;
	lx->npool += n;
	slot_put(lx->wslot, lx->wmask, h, (uint32_t)(lx->nwords + 1));
	return (int32_t)lx->nwords++;
}

static int entry_put(lexicon *lx, const lex_entry *e)
{
	int32_t at = entry_find(lx, e->ids, e->nw);
	if (at >= 0) {
		lx->ents[at] = *e;
		return 0;
	}
	if (grow((void **)&lx->ents, &lx->cents, lx->nents + 1, sizeof *lx->ents))
		return RAQIB_ENOMEM;
	if ((lx->nents + 1) * 2 > lx->emask + 1 &&
	    ents_rehash(lx, lx->eslot ? (lx->emask + 1) * 2 : 256))
		return RAQIB_ENOMEM;
	lx->ents[lx->nents] = *e;
	slot_put(lx->eslot, lx->emask, hash_ids(e->ids, e->nw), (uint32_t)(lx->nents + 1));
	if (e->nw == 1)
		lx->words[e->ids[0]].single = (uint32_t)(lx->nents + 1);
	lx->nents++;
	return 0;
}

/* ---- loading ---------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void trim(const char **s, size_t *n)
{
	while (*n && ((*s)[0] == ' ' || (*s)[0] == '\r'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

/* Plain decimal in 0..1 ("1", "0.75", ".5"); no locale, no exponent. */
static bool parse_weight(const char *s, size_t n, float *out)
{
	double v = 0, scale = 1;
	size_t i = 0, digits = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		v = v * 10 + (s[i++] - '0');
		digits++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			scale /= 10;
			v += (s[i++] - '0') * scale;
			digits++;
		}
	}
	if (!digits || i != n || v > 1.0)
		return false;
	*out = (float)v;
	return true;
}

/* FNV-1a over the name up to n bytes or its NUL, whichever comes first;
 * *len gets the length seen. */
static uint32_t tag_hash(const char *s, size_t n, size_t *len)
{
	uint32_t h = 2166136261u;
	size_t i = 0;

	for (; i < n && s[i]; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	*len = i;
	return h;
}

static int tag_intern(lexicon *lx, const char *s, size_t n, uint16_t *id)
{
	if (n == 0 || n >= LEX_TAG_LEN)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return -1;
	}
	for (uint16_t t = 1; t < lx->ntags; t++) {
		if (strlen(lx->tags[t]) == n && !memcmp(lx->tags[t], s, n)) {
			*id = t;
			return 0;
		}
	}
	if (lx->ntags >= LEX_MAX_TAGS)
		return -2;
	memcpy(lx->tags[lx->ntags], s, n);
	lx->tags[lx->ntags][n] = 0;
	size_t len, i = tag_hash(s, n, &len) & (LEX_TAG_SLOTS - 1);
	while (lx->tag_slot[i])
		i = (i + 1) & (LEX_TAG_SLOTS - 1);
	lx->tag_slot[i] = (uint8_t)lx->ntags;
	*id = lx->ntags++;
	return 0;
}

/* LEX_BARE_ARTICLE: entry e of the phrase tv again, with every later word
 * that is ال and at least 3 more letters taken without it (lexicon.h). It
 * replaces only another variant: a line of the file always wins. */
static int bare_variant(lexicon *lx, const text_view *tv, const lex_entry *e)
{
	lex_entry v = *e;
	bool any = false;
	int32_t at;

	for (uint32_t k = 1; k < e->nw; k++) {
		const text_token *t = &tv->tok[k];
		const uint32_t *cp = tv->cp + t->start;
		uint32_t n = t->end - t->start;
		int32_t id;
		if (n < 5 || cp[0] != AR_ALEF || cp[1] != AR_LAM)
			continue;
		id = word_intern(lx, cp + 2, n - 2);
		if (id < 0)
			return RAQIB_ENOMEM;
		v.ids[k] = (uint32_t)id;
		lx->words[id].flags |= k + 1 == e->nw ? W_LAST : W_MID;
		any = true;
	}
	if (!any)
		return 0;
	at = entry_find(lx, v.ids, v.nw);
	if (at >= 0 && !lx->ents[at].variant)
		return 0;
	v.variant = 1;
	return entry_put(lx, &v);
}

static int load_line(lexicon *lx, raqib_arena *ar, const char *line, size_t len,
		     const char *name, unsigned lineno, unsigned opts, raqib_err *err)
{
	const char *f[3] = {line, NULL, NULL};
	size_t fl[3] = {len, 0, 0}, nf = 1;
	lex_entry e;
	text_view tv;
	raqib_err nerr;

	for (size_t i = 0; i < len; i++) {
		if (line[i] != '\t')
			continue;
		if (nf == 3)
			return raqib_err_set(err, RAQIB_EDATA,
					     "%s:%u: more than 3 tab-separated fields",
					     name, lineno);
		fl[nf - 1] = (size_t)(line + i - f[nf - 1]);
		f[nf] = line + i + 1;
		fl[nf] = len - i - 1;
		nf++;
	}
	for (size_t k = 0; k < nf; k++)
		trim(&f[k], &fl[k]);

	memset(&e, 0, sizeof e);
	e.weight = 1.0f;
	if (fl[0] && f[0][0] == '=') {
		e.exact = 1;
		f[0]++;
		fl[0]--;
	}
	if (nf > 1 && fl[1] && !parse_weight(f[1], fl[1], &e.weight))
		return raqib_err_set(err, RAQIB_EDATA,
				     "%s:%u: bad weight \"%.*s\" (want a number in 0..1)",
				     name, lineno, (int)(fl[1] > 32 ? 32 : fl[1]), f[1]);
	if (nf > 2 && fl[2]) {
		int r = tag_intern(lx, f[2], fl[2], &e.tag);
		if (r == -2)
			return raqib_err_set(err, RAQIB_EDATA,
					     "%s:%u: more than %d distinct tags",
					     name, lineno, LEX_MAX_TAGS - 1);
		if (r)
			return raqib_err_set(err, RAQIB_EDATA,
					     "%s:%u: bad tag (want 1-%d of A-Z a-z 0-9 _ -)",
					     name, lineno, LEX_TAG_LEN - 1);
	}

	raqib_arena_reset(ar);
	int rc = text_normalize(&tv, ar, f[0], fl[0], &nerr);
	if (rc)
		return raqib_err_set(err, rc, "%s:%u: %s", name, lineno, nerr.msg);
	if (tv.ntok == 0)
		return raqib_err_set(err, RAQIB_EDATA, "%s:%u: entry has no letters",
				     name, lineno);
	if (tv.ntok > LEX_MAX_WORDS)
		return raqib_err_set(err, RAQIB_EDATA,
				     "%s:%u: entry has %u words (at most %d)",
				     name, lineno, tv.ntok, LEX_MAX_WORDS);
	e.nw = tv.ntok;
	for (uint32_t k = 0; k < tv.ntok; k++) {
		const text_token *t = &tv.tok[k];
		size_t n = t->end - t->start;
		if (n > LEX_MAX_WORD)
			return raqib_err_set(err, RAQIB_EDATA,
					     "%s:%u: word longer than %d letters",
					     name, lineno, LEX_MAX_WORD);
		int32_t id = word_intern(lx, tv.cp + t->start, n);
		if (id < 0)
			goto nomem;
		e.ids[k] = (uint32_t)id;
		lx->words[id].flags |= tv.ntok == 1 ? W_SINGLE :
				       k == 0 ? W_FIRST :
				       k + 1 == tv.ntok ? W_LAST : W_MID;
	}
	if (entry_put(lx, &e))
		goto nomem;
	if ((opts & LEX_BARE_ARTICLE) && tv.ntok > 1 && bare_variant(lx, &tv, &e))
		goto nomem;
	if (tv.ntok > 1)
		lx->phrases = true;
	return 0;
nomem:
	return raqib_err_set(err, RAQIB_ENOMEM, "%s:%u: out of memory", name, lineno);
}

int lexicon_load(lexicon **out, const char *data, size_t len, const char *name,
		 raqib_err *err)
{
	return lexicon_load_opts(out, data, len, name, 0, err);
}

int lexicon_load_opts(lexicon **out, const char *data, size_t len, const char *name,
		      unsigned opts, raqib_err *err)
{
	lexicon *lx = calloc(1, sizeof *lx);
	raqib_arena *ar = raqib_arena_new(4096);
	size_t pos = 0;
	unsigned lineno = 0;
	int rc;

	*out = NULL;
	if (!name)
		name = "lexicon";
	if (!lx || !ar) {
		rc = raqib_err_set(err, RAQIB_ENOMEM, "%s: out of memory", name);
		goto fail;
	}
	lx->ntags = 1;
	while (pos < len) {
		const char *line = data + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos, bad = 0, i = 0;
		pos += n + (nl ? 1 : 0);
		lineno++;
		if (n > LEX_MAX_LINE) {
			rc = raqib_err_set(err, RAQIB_EDATA,
					   "%s:%u: line longer than %d bytes",
					   name, lineno, LEX_MAX_LINE);
			goto fail;
		}
		if (raqib_utf8_count(line, n, &bad) < 0) {
			rc = raqib_err_set(err, RAQIB_EDATA,
					   "%s:%u: invalid UTF-8 at byte %zu of the line",
					   name, lineno, bad);
			goto fail;
		}
		while (i < n && is_blank(line[i]))
			i++;
		if (i == n || line[i] == '#')
			continue;
		rc = load_line(lx, ar, line, n, name, lineno, opts, err);
		if (rc)
			goto fail;
	}
	if (bloom_build(lx)) {
		rc = raqib_err_set(err, RAQIB_ENOMEM, "%s: out of memory", name);
		goto fail;
	}
	map_enter(lx);
	raqib_arena_free(ar);
	*out = lx;
	return 0;
fail:
	raqib_arena_free(ar);
	lexicon_free(lx);
	return rc;
}

void lexicon_free(lexicon *lx)
{
	if (!lx)
		return;
	free(lx->pool);
	free(lx->words);
	free(lx->wslot);
	free(lx->ents);
	free(lx->eslot);
	free(lx->bloom);
	free(lx);
}

size_t lexicon_size(const lexicon *lx)
{
	return lx ? lx->nents : 0;
}

/* Rules ask for their tags on every comment: a hash probe, not a walk
 * through the names. */
uint16_t lexicon_tag_id(const lexicon *lx, const char *tag)
{
	size_t len, i;

	if (!lx || !tag)
		return 0;
	i = tag_hash(tag, LEX_TAG_LEN, &len) & (LEX_TAG_SLOTS - 1);
	if (len >= LEX_TAG_LEN)
		return 0;
	for (; lx->tag_slot[i]; i = (i + 1) & (LEX_TAG_SLOTS - 1)) {
		const char *name = lx->tags[lx->tag_slot[i]];
		if (!memcmp(name, tag, len) && !name[len])
			return lx->tag_slot[i];
	}
	return 0;
}

bool lexicon_has_word(const lexicon *lx, const uint32_t *cp, size_t n)
{
	if (!lx || n == 0 || n > LEX_MAX_WORD)
		return false;
	uint64_t h = hash_cps(cp, n);
	if (!bloom_test(lx, h))
		return false;
	int32_t id = word_find(lx, h, cp, n);
	return id >= 0 && lx->words[id].single;
}

/* ---- scanning --------------------------------------------------------- */

/* Clitics on the folded view (ة is already ه, so ـة/ـه both strip as ه). */

/* Prefixes و ف ب ل ك ال وال بال فال كال لل: fills the clitic lengths that
 * match cp (n >= 3) and leave at least two letters. Open-coded rather than
 * a table walk: this runs for every token and dominated the scan time. */
static inline size_t prefix_lens(const uint32_t *cp, size_t n, size_t *pl)
{
	size_t k = 0;
	uint32_t c0 = cp[0], c1 = cp[1];
	bool one = c0 == AR_WAW || c0 == AR_FA || c0 == AR_BA || c0 == AR_LAM ||
		   c0 == AR_KAF;

	if (one)
		pl[k++] = 1;
	if (n >= 4 && ((c0 == AR_ALEF && c1 == AR_LAM) || (c0 == AR_LAM && c1 == AR_LAM)))
		pl[k++] = 2;
	if (n >= 5 && one && c0 != AR_LAM && c1 == AR_ALEF && cp[2] == AR_LAM)
		pl[k++] = 3;
	return k;
}

/* Suffixes ه ها هم هن كم كن ك ي نا ين ون ات ان (ة is already ه). */
static inline size_t suffix_lens(const uint32_t *cp, size_t n, size_t *ql)
{
	size_t k = 0;
	uint32_t z = cp[n - 1], y = cp[n - 2];

	if (z == AR_HA || z == AR_KAF || z == AR_YA)
		ql[k++] = 1;
	if (n >= 4 &&
	    ((z == AR_ALEF && (y == AR_HA || y == AR_NUN)) ||
	     (z == AR_MIM && (y == AR_HA || y == AR_KAF)) ||
	     (z == AR_NUN && (y == AR_HA || y == AR_KAF || y == AR_YA ||
			      y == AR_WAW || y == AR_ALEF)) ||
	     (z == AR_TA && y == AR_ALEF)))
		ql[k++] = 2;
	return k;
}

/* A stem of a token: its code points [s, e) and their hash. The hash is
 * the same for every lexicon (lexicon_has_word and the word table use it
 * too), which is what lets one presence map serve all of them. */
typedef struct lex_stem {
	uint64_t h;
	uint8_t s, e;
	uint8_t kind;  /* K_PRE | K_SUF | K_ART bits; 0 = the whole token */
} lex_stem;

/* Hung on text_view.prep by the first lexicon_scan of the view. */
struct lex_prep {
	const uint32_t *cp;     /* the view it was made for: a view whose */
	const text_token *tok;  /* arrays changed under it gets a new one */
	uint32_t ntok;
	uint64_t mapgen;        /* map generation the masks were read at */
	uint32_t *mask;         /* per token: OR of the presence map over its
				 * stems; all bits where a spread run starts */
	uint8_t *run;           /* single letters joinable from token t (<= LEX_MAX_RUN) */
	uint32_t all;           /* OR of all masks */
};

typedef struct cand {
	uint32_t word;
	uint32_t kind; /* K_PRE | K_SUF | K_ART bits; 0 = exact */
} cand;

typedef struct tok_cands {
	uint32_t tok;  /* token index + 1; 0 = slot unused */
	uint32_t n;
	cand c[LEX_MAX_CAND];
} tok_cands;

/* Every stem of cp[0..n) (itself, clitics stripped) with its hash, which
 * equals hash_cps() of the stem. `arabic` enables clitic stripping. For each
 * prefix the hash runs once up to the shortest stem and is extended by the
 * suffix letters, so a token costs about one multiply per letter. The order
 * (prefix major, whole word first) decides ties between equal-weight
 * entries and which stems survive LEX_MAX_CAND, so it must not change. */
static uint32_t stems_of(const uint32_t *cp, size_t n, bool arabic, lex_stem *out)
{
	size_t pl[4] = {0}, ql[3] = {0}, np = 1, nq = 1, m;
	uint32_t k = 0;

	if (arabic && n >= 3) {
		np += prefix_lens(cp, n, pl + 1);
		nq += suffix_lens(cp, n, ql + 1);
	}
	/* every prefix leaves two letters and the suffixes are at most two
	 * long and listed shortest first, so pl[a] <= m */
	m = n - ql[nq - 1];
	for (size_t a = 0; a < np; a++) {
		size_t s = pl[a];
		uint64_t hv[3], h = 0;
		for (size_t i = s; i < m; i++)
			h = h * HASH_P + cp[i];
		hv[0] = h;
		for (size_t i = m; i < n; i++)
			hv[i - m + 1] = hv[i - m] * HASH_P + cp[i];
		for (size_t b = 0; b < nq; b++) {
			size_t e = n - ql[b];
			if (e < s + 2 && (a || b))
				continue;
			if (e - s > LEX_MAX_WORD)
				continue;
			out[k].h = hash_mix(hv[e - m]);
			out[k].s = (uint8_t)s;
			out[k].e = (uint8_t)e;
			/* prefixes of two or three letters all end in ال */
			out[k].kind = (uint8_t)((a ? K_PRE : 0) | (b ? K_SUF : 0) |
						(s >= 2 ? K_ART : 0));
			k++;
		}
	}
	return k;
}

static uint32_t token_stems(const text_view *tv, uint32_t t, lex_stem *out)
{
	const text_token *tk = &tv->tok[t];
	size_t n = tk->end - tk->start;

	if (n == 0 || n > LEX_MAX_TOK)
		return 0;
	return stems_of(tv->cp + tk->start, n, (tk->flags & TEXT_TOK_ARABIC) != 0, out);
}

/* HASH_P^i: the hash of cp[s..e) is H[e] - H[s] * HASH_P^(e - s) when
 * H[i] is the hash of cp[0..i). */
static const uint64_t pow_p[LEX_MAX_TOK + 1] = {
	0x0000000000000001ULL, 0x00000100000001b3ULL, 0x000366000002e329ULL,
	0x08a97b0004e7feabULL, 0x9ffaac085635bc91ULL, 0x0caee32a7d4f6a63ULL,
	0xdc966432edf1c639ULL, 0xc5527b8a51d3d2dbULL, 0x1efac7090aef4a21ULL,
	0x936a555d949af613ULL, 0x18a5210383502249ULL, 0x30b961f8212a420bULL,
	0xf54383a05ace38b1ULL, 0x8ff15a7a4c6a54c3ULL, 0x017180cfd8ae0759ULL,
	0x21e53a2d2fb67c3bULL, 0x4efe15c813151841ULL, 0x4ed743f86cd83673ULL,
	0xcffef220f3648569ULL, 0xd2bad6fd93ceb16bULL, 0xe22cbbe2283778d1ULL,
	0x897c124a56424b23ULL, 0xe01e375092a5ac79ULL, 0x790476e92f84119bULL,
	0x26a7a93bbd69ea61ULL, 0x18cef182daf942d3ULL, 0x20e7345a158c8c89ULL,
	0x756a7e129dd2cccbULL, 0x56c104a22d31fcf1ULL, 0x9bf7d092cbf0cd83ULL,
	0xf6e4ec708a2d3599ULL, 0xb4335c3acad212fbULL, 0x0558b2e6a2f64081ULL,
	0x0bf87ee6e86f9b33ULL, 0xc6dad55cf5a4b7a9ULL, 0x8a9035f566e4142bULL,
	0x571fdafdd58e4511ULL, 0x99662e51e0bf5be3ULL, 0x67fc9820e52922b9ULL,
	0xdb5938e564e6005bULL, 0x9e9c08ca72d29aa1ULL, 0x55bd91011bdcbf93ULL,
	0x8ddcf7e2581986c9ULL, 0x27fffe9bb360078bULL, 0x58052d91cc2cd131ULL,
	0xbd9d9fbdf0277643ULL, 0x5a4cb2bf130df3d9ULL, 0x7e4793ad60b559bbULL,
	0x48f9aa9b542778c1ULL, 0x27b5a6efff122ff3ULL, 0x8bda9cce6be779e9ULL,
	0x8bf25bc15a5426ebULL, 0x20f8d48c7cfe2151ULL, 0x04f27bb863d29ca3ULL,
};

static inline unsigned map_get(uint64_t h)
{
	return atomic_load_explicit(&lex_map[map_slot(h)], memory_order_relaxed);
}

/* The presence map bits of every stem stems_of() would list for cp[0..n),
 * and of a few more (stems it drops as too short or too long): extra bits
 * only cost a probe. One pass of prefix hashes makes each stem O(1). Runs
 * for every token of every text, so it is written out flat. */
static inline unsigned token_mask(const uint32_t *cp, size_t n, bool arabic)
{
	uint64_t H[LEX_MAX_TOK + 1], h = 0;
	size_t pl[3], ql[2], np, nq;
	unsigned mask;

	H[0] = 0;
	for (size_t i = 0; i < n; i++)
		H[i + 1] = h = h * HASH_P + cp[i];
	mask = map_get(hash_mix(h));
	if (!arabic || n < 3)
		return mask;
	np = prefix_lens(cp, n, pl);
	nq = suffix_lens(cp, n, ql);
	for (size_t b = 0; b < nq; b++)
		mask |= map_get(hash_mix(H[n - ql[b]]));
	for (size_t a = 0; a < np; a++) {
		size_t s = pl[a];
		mask |= map_get(hash_mix(H[n] - H[s] * pow_p[n - s]));
		for (size_t b = 0; b < nq; b++) {
			size_t e = n - ql[b];
			mask |= map_get(hash_mix(H[e] - H[s] * pow_p[e - s]));
		}
	}
	return mask;
}

static bool single_letter(const text_view *tv, uint32_t t)
{
	const text_token *tk = &tv->tok[t];
	return tk->end - tk->start == 1 && text_is_letter(tv->cp[tk->start]);
}

static bool spread_gap(const text_view *tv, uint32_t a, uint32_t b)
{
	uint32_t s = tv->tok[a].end, e = tv->tok[b].start;
	if (e - s > LEX_MAX_GAP)
		return false;
	for (uint32_t i = s; i < e; i++) {
		uint32_t c = tv->cp[i];
		if (c != ' ' && c != '.' && c != '-' && c != '_' && c != '*')
			return false;
	}
	return true;
}

/* Length of the run of spread single letters starting at token t (ح م ا ر,
 * ح.م.ا.ر), given that of the run at t + 1. */
static uint8_t run_at(const text_view *tv, uint32_t t, uint32_t next)
{
	if (!single_letter(tv, t))
		return 0;
	if (t + 1 < tv->ntok && next && spread_gap(tv, t, t + 1))
		return (uint8_t)(next < LEX_MAX_RUN ? next + 1 : LEX_MAX_RUN);
	return 1;
}

/* Reads the presence map for every token of tv once, for all lexicons.
 * NULL on OOM. */
static struct lex_prep *prep_build(const text_view *tv, raqib_arena *a)
{
	size_t off = sizeof(struct lex_prep) + (-sizeof(struct lex_prep) & 15);
	unsigned char *mem = raqib_arena_alloc(a, off + (size_t)tv->ntok * (sizeof(uint32_t) + 1));
	struct lex_prep *p;
	unsigned all = 0;
	bool singles = false;
	uint32_t t;

	if (!mem)
		return NULL;
	p = (struct lex_prep *)mem;
	p->cp = tv->cp;
	p->tok = tv->tok;
	p->ntok = tv->ntok;
	p->mask = (uint32_t *)(mem + off);
	p->run = (uint8_t *)(p->mask + tv->ntok);
	/* lexicons entered after this read are not in the masks */
	p->mapgen = atomic_load_explicit(&lex_map_gen, memory_order_acquire);
	for (t = 0; t < tv->ntok; t++) {
		const text_token *tk = &tv->tok[t];
		size_t n = tk->end - tk->start;
		unsigned m = n <= LEX_MAX_TOK ?
			     token_mask(tv->cp + tk->start, n, (tk->flags & TEXT_TOK_ARABIC) != 0) : 0;
		p->mask[t] = m;
		p->run[t] = 0;
		all |= m;
		singles |= n == 1;
	}
	/* only single letters start a spread run */
	for (t = singles ? tv->ntok : 0; t-- > 0;) {
		p->run[t] = run_at(tv, t, t + 1 < tv->ntok ? p->run[t + 1] : 0);
		if (p->run[t] >= 2)
			p->mask[t] = UINT32_MAX; /* every lexicon tries the run */
		all |= p->mask[t];
	}
	p->all = all;
	return p;
}

static const struct lex_prep *prep_get(const text_view *tv, raqib_arena *a)
{
	const struct lex_prep *p = tv->prep;
	if (p && p->cp == tv->cp && p->tok == tv->tok && p->ntok == tv->ntok)
		return p;
	if (!a || !(p = prep_build(tv, a)))
		return NULL;
	/* The views rules get are the engine's own non-const objects; the
	 * cache is invisible to them. */
	((text_view *)tv)->prep = (struct lex_prep *)p;
	return p;
}

/* The stems of cp that are words of lx, in stem order. */
static uint32_t probe(const lexicon *lx, const uint32_t *cp, const lex_stem *st,
		      uint32_t ns, cand *out)
{
	uint32_t nc = 0;

	for (uint32_t i = 0; i < ns; i++) {
		if (!bloom_test(lx, st[i].h))
			continue;
		int32_t id = word_find(lx, st[i].h, cp + st[i].s, st[i].e - st[i].s);
		if (id < 0 || nc == LEX_MAX_CAND)
			continue;
		out[nc].word = (uint32_t)id;
		out[nc].kind = st[i].kind;
		nc++;
	}
	return nc;
}

typedef struct scan_ctx {
	const lexicon *lx;
	const text_view *tv;
	const struct lex_prep *prep; /* NULL: no arena */
	uint32_t any;                /* prep->mask bits of lx: some stem of the
				      * token is a word of lx; 0 when there are
				      * no masks or they predate lx */
	tok_cands ring[LEX_RING];
} scan_ctx;

static const tok_cands *cands_of(scan_ctx *x, uint32_t t)
{
	tok_cands *tc = &x->ring[t % LEX_RING];
	if (tc->tok != t + 1) {
		tc->tok = t + 1;
		if (x->any && !(x->prep->mask[t] & x->any)) {
			tc->n = 0;
		} else {
			/* few tokens get here: their stems are not cached */
			lex_stem st[LEX_MAX_STEMS];
			tc->n = probe(x->lx, x->tv->cp + x->tv->tok[t].start, st,
				      token_stems(x->tv, t, st), tc->c);
		}
	}
	return tc;
}

static uint32_t run_of(const scan_ctx *x, uint32_t t)
{
	const text_view *tv = x->tv;
	uint32_t n = 1;

	if (x->prep)
		return x->prep->run[t];
	if (!single_letter(tv, t))
		return 0;
	while (n < LEX_MAX_RUN && t + n < tv->ntok && single_letter(tv, t + n) &&
	       spread_gap(tv, t + n - 1, t + n))
		n++;
	return n;
}

typedef struct best {
	int32_t ent;
	uint32_t strips; /* clitic strippings used; fewer is better */
} best;

/* pre0: the first word was found behind a prefix with the article
 * (K_ART: البنت، والبنت; not وقليل, "and impolite"). A LEX_BARE_ARTICLE
 * variant then does not count: "البنت وسخه" is a sentence (the girl is
 * dirty), not the idafa "بنت الوسخة" its variant stands for. */
static void consider(const lexicon *lx, best *b, const uint32_t *ids, uint32_t nw,
		     uint32_t strips, bool pre0)
{
	int32_t e = entry_find(lx, ids, nw);
	if (e < 0 || (lx->ents[e].exact && strips) || (lx->ents[e].variant && pre0))
		return;
	if (b->ent < 0 || strips < b->strips ||
	    (strips == b->strips && lx->ents[e].weight > lx->ents[b->ent].weight)) {
		b->ent = e;
		b->strips = strips;
	}
}

static uint32_t popcount2(uint32_t k)
{
	return (k & 1) + ((k >> 1) & 1);
}

/* Can a candidate of tc be the first word of a phrase (phrase_rec's test
 * at k == 0)? Most tokens found are single words: spare them the search. */
static bool may_start_phrase(const lexicon *lx, const tok_cands *tc)
{
	for (uint32_t i = 0; i < tc->n; i++)
		if ((lx->words[tc->c[i].word].flags & W_FIRST) &&
		    !(tc->c[i].kind & ~(uint32_t)(K_PRE | K_ART)))
			return true;
	return false;
}

/* Words k of a phrase of nw words: inner words exact, the first may carry
 * a prefix, the last a suffix (وابن الكلب, لعنة الله عليكم). */
static void phrase_rec(scan_ctx *x, uint32_t t0, uint32_t nw, uint32_t k,
		       uint32_t *ids, uint32_t strips, bool pre0, best *b)
{
	if (k == nw) {
		consider(x->lx, b, ids, nw, strips, pre0);
		return;
	}
	const tok_cands *tc = cands_of(x, t0 + k);
	uint32_t need = k == 0 ? W_FIRST : k + 1 == nw ? W_LAST : W_MID;
	uint32_t allow = (k == 0 ? K_PRE | K_ART : 0) | (k + 1 == nw ? K_SUF : 0);
	for (uint32_t i = 0; i < tc->n; i++) {
		const cand *c = &tc->c[i];
		if (!(x->lx->words[c->word].flags & need) || (c->kind & ~allow))
			continue;
		ids[k] = c->word;
		phrase_rec(x, t0, nw, k + 1, ids, strips + popcount2(c->kind),
			   pre0 || (k == 0 && (c->kind & K_ART)), b);
	}
}

/* ح م ا ر / ح.م.ا.ر: joins the run of `run` single letters at t and tries
 * the longest joined prefix first. Returns the number of tokens matched.
 * Rare enough that its stems are not cached. */
static uint32_t match_spread(const scan_ctx *x, uint32_t t, uint32_t run, best *b)
{
	uint32_t buf[LEX_MAX_RUN];
	lex_stem st[LEX_MAX_STEMS];
	cand c[LEX_MAX_CAND];
	const text_view *tv = x->tv;

	for (uint32_t i = 0; i < run; i++)
		buf[i] = tv->cp[tv->tok[t + i].start];
	for (uint32_t n = run; n >= 2; n--) {
		uint32_t ns = stems_of(buf, n, text_is_arabic_letter(buf[0]), st);
		uint32_t nc = probe(x->lx, buf, st, ns, c);
		for (uint32_t i = 0; i < nc; i++) {
			const lex_word *w = &x->lx->words[c[i].word];
			if (w->single)
				consider(x->lx, b, &c[i].word, 1, popcount2(c[i].kind), false);
		}
		if (b->ent >= 0)
			return n;
	}
	return 0;
}

static void emit(const lexicon *lx, const text_view *tv, const best *b, uint32_t t,
		 uint32_t nt, uint16_t evasion, lex_match *out, size_t max, size_t *count)
{
	if (*count < max) {
		const lex_entry *e = &lx->ents[b->ent];
		lex_match *m = &out[*count];
		m->tok_start = t;
		m->tok_end = t + nt;
		m->ns = tv->tok[t].start;
		m->ne = tv->tok[t + nt - 1].end;
		m->weight = e->weight;
		m->tag = e->tag;
		m->evasion = evasion;
	}
	(*count)++;
}

size_t lexicon_scan(const lexicon *lx, const text_view *tv, raqib_arena *a,
		    lex_match *out, size_t max)
{
	scan_ctx x;
	uint32_t ids[LEX_MAX_WORDS];
	size_t count = 0;

	if (!lx || !tv || lx->nents == 0 || tv->ntok == 0)
		return 0;
	x.lx = lx;
	x.tv = tv;
	x.prep = prep_get(tv, a);
	x.any = 0;
	if (x.prep && lx->mapgen <= x.prep->mapgen) {
		x.any = lx->bit_single | lx->bit_first | lx->bit_cont;
		if (!(x.prep->all & (lx->bit_single | lx->bit_first)))
			return 0;
	}
	for (uint32_t i = 0; i < LEX_RING; i++)
		x.ring[i].tok = 0;
	for (uint32_t t = 0; t < tv->ntok;) {
		best b = {-1, 0};
		/* Most tokens start no entry of lx (nor a spread run): a
		 * one-word entry, or the first word of a phrase whose next
		 * word follows. A test or two each moves past them. */
		if (x.any) {
			const uint32_t *mask = x.prep->mask;
			while (!(mask[t] & lx->bit_single) &&
			       !((mask[t] & lx->bit_first) && t + 1 < tv->ntok &&
				 (mask[t + 1] & lx->bit_cont)))
				if (++t == tv->ntok)
					return count;
		}
		uint32_t run = run_of(&x, t);
		if (run >= 2) {
			uint32_t nt = match_spread(&x, t, run, &b);
			if (nt) {
				emit(lx, tv, &b, t, nt, 1, out, max, &count);
				t += nt;
				continue;
			}
		}
		const tok_cands *tc = cands_of(&x, t);
		if (tc->n == 0) {
			t++;
			continue;
		}
		uint32_t nw = LEX_MAX_WORDS;
		if (nw > tv->ntok - t)
			nw = tv->ntok - t;
		/* a phrase needs a later word of one in the next token */
		if (!lx->phrases || (x.any && t + 1 < tv->ntok &&
				     !(x.prep->mask[t + 1] & lx->bit_cont)) ||
		    !may_start_phrase(lx, tc))
			nw = 1;
		for (; nw >= 2; nw--) {
			if (tv->tok[t + nw - 1].sentence != tv->tok[t].sentence)
				continue;
			phrase_rec(&x, t, nw, 0, ids, 0, false, &b);
			if (b.ent >= 0)
				break;
		}
		if (b.ent < 0) {
			tc = cands_of(&x, t);
			for (uint32_t i = 0; i < tc->n; i++) {
				if (lx->words[tc->c[i].word].single)
					consider(lx, &b, &tc->c[i].word, 1,
						 popcount2(tc->c[i].kind), false);
			}
			nw = 1;
		}
		if (b.ent >= 0) {
			emit(lx, tv, &b, t, nw, 0, out, max, &count);
			t += nw;
		} else {
			t++;
		}
	}
	return count;
}

/* The whole file, NUL-terminated; refuses files over 64 MiB (no word list
 * comes near it, and a wrong path to something huge should not be read). */
static int read_file(const char *path, char **out, size_t *len, raqib_err *err)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return raqib_err_set(err, RAQIB_EIO, "%s: %s", path, strerror(errno));
	for (;;) {
		if (cap - n < 65536) {
			char *q;
			if (cap > ((size_t)64 << 20)) {
				raqib_err_set(err, RAQIB_EDATA, "%s: larger than 64 MiB", path);
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			q = realloc(p, cap + 1);
			if (!q) {
				raqib_err_set(err, RAQIB_ENOMEM, "%s: out of memory", path);
				goto fail;
			}
			p = q;
		}
		got = fread(p + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		raqib_err_set(err, RAQIB_EIO, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	p[n] = 0;
	*out = p;
	*len = n;
	return 0;
fail:
	fclose(f);
	free(p);
	return err ? err->code : RAQIB_EIO;
}

int lexicon_load_file(lexicon **out, const char *path, raqib_err *err)
{
	return lexicon_load_file_opts(out, path, 0, err);
}

int lexicon_load_file_opts(lexicon **out, const char *path, unsigned opts, raqib_err *err)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = read_file(path, &data, &len, err)))
		return rc;
	rc = lexicon_load_opts(out, data, len, path, opts, err);
	free(data);
	return rc;
}
