/*
 * guard.h — the server's defences against bots and floods, each small and
 * independently testable: a per-key token bucket, signed form tokens, keyed
 * IP hashes. Secrets come from libsodium's randombytes or the config.
 */
#ifndef RAQIB_GUARD_H
#define RAQIB_GUARD_H

#include "base/base.h"
#include <stdbool.h>
#include <stdint.h>

/* Token bucket per key (an IP hash), fixed-size table with LRU-ish eviction
 * so a flood of distinct addresses cannot grow memory. Thread-safe. */
typedef struct raqib_ratelimit raqib_ratelimit;
/* rate: tokens per second; burst: bucket size; slots: table size. */
raqib_ratelimit *raqib_ratelimit_new(double rate, double burst, size_t slots);
void raqib_ratelimit_free(raqib_ratelimit *rl);
/* Takes one token for `key` at time `now` (seconds, monotonic, fractional).
 * Returns true if allowed; else false and *retry_after = whole seconds until
 * a token is available (>= 1). rate <= 0 disables the limit (always true). */
bool raqib_ratelimit_take(raqib_ratelimit *rl, const char *key, size_t key_len, double now,
			  unsigned *retry_after);

/* Keys: 32 bytes. raqib_guard_key_load reads a hex key from `path`, creating
 * it (mode 0600, random) when missing; "" = a random key for this process. */
#define RAQIB_GUARD_KEYLEN 32
int raqib_guard_key_load(const char *path, unsigned char key[RAQIB_GUARD_KEYLEN],
			 raqib_err *err);

/* Form token: "<unix seconds>.<nonce>.<article slug hash>.<hex HMAC-SHA256>"
 * binding the time the form was rendered to the article. The random nonce
 * (16 hex) makes every rendered form's token distinct, so single use never
 * blocks a second reader behind the same address. out: >= 128 bytes. */
void raqib_form_token_make(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *slug,
			   int64_t now, char *out, size_t cap);
/* The same with a given nonce (16 lowercase hex digits): tests. */
void raqib_form_token_make_nonce(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *slug,
				 int64_t now, const char *nonce, char *out, size_t cap);
/* 0 ok; else 1 = malformed/forged, 2 = too fast (< min_age s), 3 = expired
 * (> max_age s). *issued_at set when the token verified. */
int raqib_form_token_check(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *slug,
			   const char *token, int64_t now, int64_t min_age, int64_t max_age,
			   int64_t *issued_at);

/* Keyed hash of an IP address (BLAKE2b via crypto_generichash), 32 hex
 * chars: stored instead of the address. out: >= 33 bytes. */
void raqib_ip_hash(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *ip, char *out,
		   size_t cap);
/* HMAC-SHA256 of `msg`, hex, truncated to 16 bytes (32 chars): signs ids in
 * redirect URLs (?r=<id>.<sig>) so only the poster sees their notice. */
void raqib_sign_hex(const unsigned char key[RAQIB_GUARD_KEYLEN], const char *msg, size_t len,
		    char *out, size_t cap);
/* Constant-time string compare. */
bool raqib_const_eq(const char *a, const char *b);

#endif
