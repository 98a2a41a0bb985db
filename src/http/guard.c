/*
 * guard.c — token-bucket rate limiter, key file, form tokens, IP hashes.
 *
 * Every entry calls guard_init(): sodium_init() is idempotent and
 * thread-safe, so nobody has to remember a global init order.
 */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool guard_init(void) { return sodium_init() >= 0; }

/* ---- rate limiter ------------------------------------------------------ */

/* The table is split into buckets of up to GUARD_WAYS slots; a key lives in
 * the bucket its hash selects. A new key takes a free slot or evicts the
 * least recently used one of its bucket, so memory stays fixed however many
 * addresses a flood uses, and a key seen often (the flooder) keeps its slot.
 * Buckets are guarded by striped mutexes so requests on different buckets do
 * not serialize. */
#define GUARD_WAYS 8
#define GUARD_LOCKS 16

typedef struct guard_slot {
	uint64_t hash; /* 0 = empty */
	double tokens;
	double last; /* last use, also the refill reference */
} guard_slot;

struct raqib_ratelimit {
	double rate, burst;
	size_t nbuckets, ways;
	guard_slot *slots;
	/* SipHash key: addresses are attacker-chosen, so a secret per-table key
	 * keeps them from aiming a flood at one bucket. */
	unsigned char hkey[crypto_shorthash_KEYBYTES];
	pthread_mutex_t locks[GUARD_LOCKS];
};

raqib_ratelimit *raqib_ratelimit_new(double rate, double burst, size_t slots)
{
	raqib_ratelimit *rl;
	size_t i;

	if (!guard_init())
		return NULL;
	rl = calloc(1, sizeof *rl);
	if (!rl)
		return NULL;
	rl->rate = rate;
	rl->burst = isfinite(burst) && burst >= 1 ? burst : 1;
	if (slots < 1)
		slots = 1;
	rl->ways = slots < GUARD_WAYS ? slots : GUARD_WAYS;
	rl->nbuckets = slots / rl->ways;
	rl->slots = calloc(rl->nbuckets * rl->ways, sizeof *rl->slots);
	if (!rl->slots)
		goto fail;
	randombytes_buf(rl->hkey, sizeof rl->hkey);
	for (i = 0; i < GUARD_LOCKS; i++)
		pthread_mutex_init(&rl->locks[i], NULL);
	return rl;
fail:
	free(rl);
	return NULL;
}

void raqib_ratelimit_free(raqib_ratelimit *rl)
{
	size_t i;

	if (!rl)
		return;
	for (i = 0; i < GUARD_LOCKS; i++)
		pthread_mutex_destroy(&rl->locks[i]);
	free(rl->slots);
	free(rl);
}

static guard_slot *guard_find(raqib_ratelimit *rl, guard_slot *b, uint64_t h, double now)
{
	guard_slot *victim = NULL;
	size_t i;

	for (i = 0; i < rl->ways; i++) {
		if (b[i].hash == h)
			return &b[i];
		if (!victim || (victim->hash != 0 && (b[i].hash == 0 || b[i].last < victim->last)))
			victim = &b[i];
	}
	victim->hash = h;
	victim->tokens = rl->burst;
	victim->last = now;
	return victim;
}

bool raqib_ratelimit_take(raqib_ratelimit *rl, const char *key, size_t key_len, double now,
			  unsigned *retry_after)
{
	unsigned char hb[crypto_shorthash_BYTES];
	uint64_t h;
	size_t bi;
	guard_slot *s;
	bool ok;
	double wait;

	if (retry_after)
		*retry_after = 0;
	/* A limiter that could not be built fails open: refusing every reader
	 * would be worse than not limiting. */
	if (!rl || !(rl->rate > 0))
		return true;
	if (!isfinite(now))
		now = 0;
	crypto_shorthash(hb, (const unsigned char *)(key ? key : ""), key ? key_len : 0, rl->hkey);
	memcpy(&h, hb, sizeof h);
	if (h == 0)
		h = 1;
	bi = (size_t)(h % rl->nbuckets);

	pthread_mutex_lock(&rl->locks[bi % GUARD_LOCKS]);
	s = guard_find(rl, rl->slots + bi * rl->ways, h, now);
	/* A clock step backwards must not mint tokens or poison `last`. */
	if (now > s->last) {
		s->tokens += (now - s->last) * rl->rate;
		if (s->tokens > rl->burst)
			s->tokens = rl->burst;
		s->last = now;
	}
	ok = s->tokens >= 1;
	if (ok)
		s->tokens -= 1;
	wait = ok ? 0 : ceil((1 - s->tokens) / rl->rate);
	pthread_mutex_unlock(&rl->locks[bi % GUARD_LOCKS]);

	if (!ok && retry_after)
		*retry_after = wait < 1 ? 1 : wait > 86400.0 * 365 ? 86400u * 365 : (unsigned)wait;
	return ok;
}

/* ---- key file ---------------------------------------------------------- */

#define GUARD_HEXLEN (RAQIB_GUARD_KEYLEN * 2)

static int guard_key_create(const char *path, unsigned char key[RAQIB_GUARD_KEYLEN],
			    raqib_err *err)
{
	char hex[GUARD_HEXLEN + 2];
	size_t off = 0;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? 1 : raqib_err_set(err, RAQIB_EIO, "%s: cannot create key file: %s",
							   path, strerror(errno));
	randombytes_buf(key, RAQIB_GUARD_KEYLEN);
	sodium_bin2hex(hex, sizeof hex, key, RAQIB_GUARD_KEYLEN);
	hex[GUARD_HEXLEN] = '\n';
	while (off < GUARD_HEXLEN + 1) {
		ssize_t n = write(fd, hex + off, GUARD_HEXLEN + 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	sodium_memzero(hex, sizeof hex);
	return 0;
fail:
	rc = raqib_err_set(err, RAQIB_EIO, "%s: cannot write key file: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	/* A half-written file would fail every later start; remove it. */
	unlink(path);
	sodium_memzero(hex, sizeof hex);
	sodium_memzero(key, RAQIB_GUARD_KEYLEN);
	return rc;
}

static int guard_key_read(int fd, const char *path, unsigned char key[RAQIB_GUARD_KEYLEN],
			  raqib_err *err)
{
	char buf[GUARD_HEXLEN + 64];
	size_t len = 0, start = 0, binlen = 0;
	const char *end = NULL;
	int rc = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = raqib_err_set(err, RAQIB_EIO, "%s: cannot read key file: %s", path,
					   strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof buf - 1) {
			rc = raqib_err_set(err, RAQIB_ECONFIG,
					   "%s: key file too long (want %d hex digits)", path,
					   GUARD_HEXLEN);
			goto out;
		}
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
			   buf[len - 1] == '\t'))
		len--;
	while (start < len && (buf[start] == ' ' || buf[start] == '\t'))
		start++;
	buf[len] = 0;
	if (len - start != GUARD_HEXLEN ||
	    sodium_hex2bin(key, RAQIB_GUARD_KEYLEN, buf + start, len - start, NULL, &binlen, &end) !=
		    0 ||
	    binlen != RAQIB_GUARD_KEYLEN || end != buf + len) {
		rc = raqib_err_set(err, RAQIB_ECONFIG,
				   "%s: not a key file (want %d hex digits on one line)", path,
				   GUARD_HEXLEN);
		sodium_memzero(key, RAQIB_GUARD_KEYLEN);
	}
out:
	sodium_memzero(buf, sizeof buf);
	return rc;
}

int raqib_guard_key_load(const char *path, unsigned char key[RAQIB_GUARD_KEYLEN],
			 raqib_err *err)
{
	int attempt, fd, rc;

	if (!guard_init())
		return raqib_err_set(err, RAQIB_EIO, "libsodium failed to initialize");
	if (!path || !*path) {
		randombytes_buf(key, RAQIB_GUARD_KEYLEN);
		return 0;
	}
	/* Two servers starting at once may both miss the file; O_EXCL lets one
	 * create it and the other read what the winner wrote. */
	for (attempt = 0; attempt < 2; attempt++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			rc = guard_key_read(fd, path, key, err);
			close(fd);
			return rc;
		}
		if (errno != ENOENT)
			return raqib_err_set(err, RAQIB_EIO, "%s: cannot open key file: %s", path,
					     strerror(errno));
		rc = guard_key_create(path, key, err);
		if (rc <= 0)
			return rc;
	}
	return raqib_err_set(err, RAQIB_EIO, "%s: key file vanished while being created", path);
}

/* ---- form tokens ------------------------------------------------------- */

#define GUARD_SLUGHASH 4 /* bytes; identifies the article, the HMAC binds it */
#define GUARD_FUTURE_SKEW 5
#define GUARD_TOKEN_MAX 128
#define GUARD_NONCE 8 /* bytes: two readers behind one address never share a token */

/* Writes the token for (slug, issued) into out[GUARD_TOKEN_MAX]; false if
 * the time is out of range. */
static bool guard_token(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *slug,
			int64_t issued, const char *nonce, char out[GUARD_TOKEN_MAX])
{
	unsigned char sh[GUARD_SLUGHASH], mac[crypto_auth_hmacsha256_BYTES];
	char shex[GUARD_SLUGHASH * 2 + 1];
	crypto_auth_hmacsha256_state st;
	size_t slen = strlen(slug);
	int n;

	if (issued < 0 || !guard_init())
		return false;
	crypto_generichash(sh, sizeof sh, (const unsigned char *)slug, slen, NULL, 0);
	sodium_bin2hex(shex, sizeof shex, sh, sizeof sh);
	n = snprintf(out, GUARD_TOKEN_MAX, "%" PRId64 ".%s.%s.", issued, nonce, shex);
	if (n < 0 || (size_t)n + crypto_auth_hmacsha256_BYTES * 2 + 1 > GUARD_TOKEN_MAX)
		return false;
	crypto_auth_hmacsha256_init(&st, key, RAQIB_GUARD_KEYLEN);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)out, (unsigned long long)n);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)slug, slen);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out + n, GUARD_TOKEN_MAX - (size_t)n, mac, sizeof mac);
	return true;
}

void raqib_form_token_make(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *slug,
			   int64_t now, char *out, size_t cap)
{
	unsigned char nb[GUARD_NONCE];
	char nonce[GUARD_NONCE * 2 + 1];

	if (!out || cap == 0)
		return;
	out[0] = 0;
	if (!guard_init())
		return;
	randombytes_buf(nb, sizeof nb);
	sodium_bin2hex(nonce, sizeof nonce, nb, sizeof nb);
	raqib_form_token_make_nonce(key, slug, now, nonce, out, cap);
}

void raqib_form_token_make_nonce(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *slug,
				 int64_t now, const char *nonce, char *out, size_t cap)
{
	char tok[GUARD_TOKEN_MAX];

	if (!out || cap == 0)
		return;
	out[0] = 0;
	if (!slug || !nonce || strlen(nonce) != GUARD_NONCE * 2 ||
	    strspn(nonce, "0123456789abcdef") != GUARD_NONCE * 2 ||
	    !guard_token(key, slug, now, nonce, tok) || strlen(tok) >= cap)
		return;
	memcpy(out, tok, strlen(tok) + 1);
}

int raqib_form_token_check(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *slug,
			   const char *token, int64_t now, int64_t min_age, int64_t max_age,
			   int64_t *issued_at)
{
	char want[GUARD_TOKEN_MAX];
	int64_t issued = 0, age;
	size_t i;

	if (!token || !slug)
		return 1;
	/* Only the seconds are parsed; the rest is checked by rebuilding the
	 * whole token and comparing it in constant time. 12 digits reach past
	 * the year 30000 and cannot overflow. */
	for (i = 0; token[i] >= '0' && token[i] <= '9'; i++) {
		if (i == 12)
			return 1;
		issued = issued * 10 + (token[i] - '0');
	}
	if (i == 0 || token[i] != '.')
		return 1;
	{
		char nonce[GUARD_NONCE * 2 + 1];
		const char *p = token + i + 1;
		if (strspn(p, "0123456789abcdef") != GUARD_NONCE * 2 || p[GUARD_NONCE * 2] != '.')
			return 1;
		memcpy(nonce, p, GUARD_NONCE * 2);
		nonce[GUARD_NONCE * 2] = 0;
		if (!guard_token(key, slug, issued, nonce, want) || !raqib_const_eq(token, want))
			return 1;
	}
	if (__builtin_sub_overflow(now, issued, &age) || age < -GUARD_FUTURE_SKEW)
		return 1;
	/* Small clock differences between front-end servers are not forgery. */
	if (age < 0)
		age = 0;
	if (issued_at)
		*issued_at = issued;
	if (age < min_age)
		return 2;
	if (max_age > 0 && age > max_age)
		return 3;
	return 0;
}

/* ---- hashes and comparison --------------------------------------------- */

void raqib_ip_hash(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *ip, char *out,
		   size_t cap)
{
	unsigned char h[16];

	if (!out || cap == 0)
		return;
	out[0] = 0;
	if (cap < sizeof h * 2 + 1 || !guard_init())
		return;
	if (!ip)
		ip = "";
	crypto_generichash(h, sizeof h, (const unsigned char *)ip, strlen(ip), key,
			   RAQIB_GUARD_KEYLEN);
	sodium_bin2hex(out, cap, h, sizeof h);
}

void raqib_sign_hex(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *msg, size_t len,
		    char *out, size_t cap)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	if (!out || cap == 0)
		return;
	out[0] = 0;
	if (cap < 33 || !guard_init())
		return;
	crypto_auth_hmacsha256(mac, (const unsigned char *)(msg ? msg : ""), msg ? len : 0, key);
	sodium_bin2hex(out, cap, mac, 16);
}

bool raqib_const_eq(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return false;
	la = strlen(a);
	lb = strlen(b);
	/* Lengths are public (the format fixes them); only contents are secret. */
	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}
