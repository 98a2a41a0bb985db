/*
 * store.h — persistence for the comment server behind one interface.
 *
 * The HTTP layer talks only to these functions; the SQLite backend
 * (store_sqlite.c) is the first implementation, a PostgreSQL one can be added
 * behind the same calls without touching src/http.
 *
 * Durability: raqib_store_comment_add() returns only after the comment, its
 * decision and its audit event are committed and synced (WAL, synchronous=
 * FULL). Concurrent writers are batched into one transaction by a writer
 * thread (group commit), so a burst of posts pays one fsync per batch, not
 * one per comment.
 *
 * Threads: every function may be called from any thread at once.
 *
 * Memory: everything a read returns (strings, arrays) is allocated from the
 * caller's arena and lives until that arena is reset. Strings are UTF-8,
 * NUL-terminated, never NULL (absent = "").
 *
 * Times are Unix seconds, UTC.
 */
#ifndef RAQIB_STORE_H
#define RAQIB_STORE_H

#include "base/base.h"
#include <stdbool.h>
#include <stdint.h>

/* Returned (positive) when a looked-up row does not exist. */
#define RAQIB_STORE_NOTFOUND 1

typedef struct raqib_store raqib_store;

/* Comment status: what the public sees. "shortened" is published with the
 * shortened text; "pending" waits for the editors; "rejected" and
 * "unpublished" are never shown. */
typedef enum {
	RAQIB_CS_PUBLISHED = 0,
	RAQIB_CS_SHORTENED = 1,
	RAQIB_CS_PENDING = 2,
	RAQIB_CS_REJECTED = 3,
	RAQIB_CS_UNPUBLISHED = 4
} raqib_comment_status;

const char *raqib_status_name(raqib_comment_status s);   /* "published", ... */
int raqib_status_from_name(const char *name);             /* -1 if unknown */
static inline bool raqib_status_public(raqib_comment_status s)
{
	return s == RAQIB_CS_PUBLISHED || s == RAQIB_CS_SHORTENED;
}

typedef struct raqib_related {
	const char *title;
	const char *url;
} raqib_related;

typedef struct raqib_article {
	int64_t id;              /* 0 when not stored yet */
	const char *slug;        /* [a-z0-9-_], 1..128 bytes, unique */
	const char *title;
	const char *body;        /* paragraphs separated by "\n" (blank lines ignored) */
	const char *caption;     /* image caption, may be "" */
	const char *image_url;   /* may be "" */
	const char *author;      /* may be "" */
	size_t nrelated;         /* "اقرأ أيضًا" links */
	const raqib_related *related;
	int64_t published_at;    /* article date; 0 = created_at */
	int64_t created_at;      /* set by the store */
	int64_t updated_at;      /* set by the store on every put */
	/* Read-only, filled by reads: changes whenever the article or anything
	 * public about its comments changes (ETag / cache key). */
	int64_t version;
	int64_t last_modified;   /* max(updated_at, last public comment change) */
	int64_t ncomments_public;
} raqib_article;

typedef struct raqib_comment_row {
	int64_t id;
	int64_t article_id;
	const char *article_slug;  /* filled by reads */
	const char *name;
	const char *text;          /* what the reader wrote, never changed */
	const char *text_public;   /* what is shown: shortened/edited text, or = text */
	raqib_comment_status status;
	const char *reasons_json;  /* JSON array: [{"rule","field","action","score","spans":[[s,e],...]}] */
	const char *ip_hash;       /* hex keyed hash, "" after retention purge */
	const char *text_hash;     /* hex hash of the normalized text: duplicate detection */
	int64_t created_at;
	int64_t decided_at;        /* last status change */
} raqib_comment_row;

typedef struct raqib_audit_row {
	int64_t id;
	int64_t at;
	const char *actor;         /* "raqib" for automatic decisions, else a user */
	const char *action;        /* "screen", "approve", "reject", "edit", ... */
	int64_t comment_id;        /* 0 when not about a comment */
	int64_t article_id;
	const char *before;        /* status/text before, JSON or "" */
	const char *after;
	const char *detail;        /* free text or JSON */
} raqib_audit_row;

/* Opens (creating if missing) and migrates the database at `path`. */
int raqib_store_open(const char *path, raqib_store **out, raqib_err *err);
/* Finishes pending writes, checkpoints the WAL, closes. NULL is fine. */
void raqib_store_close(raqib_store *st);
/* Schema version after migrations (tests, /healthz). */
int raqib_store_schema_version(raqib_store *st);

/* Articles. put = insert or update by slug; *id_out may be NULL.
 * created: set to true if the article was new. */
int raqib_store_article_put(raqib_store *st, const raqib_article *a, int64_t now,
			    int64_t *id_out, bool *created, raqib_err *err);
int raqib_store_article_get(raqib_store *st, const char *slug, raqib_arena *ar,
			    raqib_article *out, raqib_err *err); /* 0 / NOTFOUND / <0 */
/* Newest first (published_at, then id). *total = all articles. */
int raqib_store_article_list(raqib_store *st, size_t offset, size_t limit, raqib_arena *ar,
			     raqib_article **out, size_t *n, size_t *total, raqib_err *err);

/* Comments. `c->id`, created_at, decided_at are set by the store (now).
 * The screening decision is written with it as an audit event by "raqib"
 * in the same transaction. Returns once durable. */
int raqib_store_comment_add(raqib_store *st, raqib_comment_row *c, int64_t now,
			    raqib_err *err);
int raqib_store_comment_get(raqib_store *st, int64_t id, raqib_arena *ar,
			    raqib_comment_row *out, raqib_err *err); /* 0 / NOTFOUND / <0 */
/* Public comments of an article, page 1-based, newest or oldest first.
 * *total = number of public comments. */
int raqib_store_comments_public(raqib_store *st, int64_t article_id, bool newest_first,
				size_t page, size_t per_page, raqib_arena *ar,
				raqib_comment_row **out, size_t *n, size_t *total,
				raqib_err *err);
/* Is there already a comment (any status but rejected-as-honeypot) on this
 * article with the same text hash since `since`? */
int raqib_store_comment_duplicate(raqib_store *st, int64_t article_id, const char *text_hash,
				  int64_t since, bool *dup, raqib_err *err);
/* Changes a comment's status and/or public text, with an audit event by
 * `actor` in the same transaction. new_text NULL = unchanged. */
int raqib_store_comment_set(raqib_store *st, int64_t id, raqib_comment_status status,
			    const char *new_text, const char *actor, const char *action,
			    const char *detail, int64_t now, raqib_err *err);
/* Comments by status (editors' queue), oldest first. */
int raqib_store_comments_by_status(raqib_store *st, raqib_comment_status status,
				   size_t offset, size_t limit, raqib_arena *ar,
				   raqib_comment_row **out, size_t *n, size_t *total,
				   raqib_err *err);
int raqib_store_count_status(raqib_store *st, raqib_comment_status status, int64_t *n,
			     raqib_err *err);

/* Bans (author name and/or IP hash until a time). */
int raqib_store_ban_add(raqib_store *st, const char *name, const char *ip_hash, int64_t until,
			const char *actor, const char *reason, int64_t now, raqib_err *err);
int raqib_store_banned(raqib_store *st, const char *name, const char *ip_hash, int64_t now,
		       bool *banned, raqib_err *err);

/* Audit log, newest first. */
int raqib_store_audit_list(raqib_store *st, int64_t comment_id /* 0 = all */,
			   size_t offset, size_t limit, raqib_arena *ar,
			   raqib_audit_row **out, size_t *n, raqib_err *err);

/* Privacy: blanks ip_hash of comments created before `before`. */
int raqib_store_purge_ips(raqib_store *st, int64_t before, int64_t *purged, raqib_err *err);
/* Flushes the WAL into the database file (shutdown, tests). */
int raqib_store_checkpoint(raqib_store *st, raqib_err *err);

/* ------------------------------------------------------ the editors' desk */

/* Returned (positive) when a row to create already exists. */
#define RAQIB_STORE_EXISTS 2

typedef struct raqib_user {
	int64_t id;
	const char *name;
	const char *role;          /* "editor" or "admin" */
	const char *pwhash;        /* crypto_pwhash_str (argon2id) string */
	bool disabled;
	int64_t created_at;
} raqib_user;

/* Adds an account (audit "user_add" by `actor`). 0 / EXISTS / <0. */
int raqib_store_user_add(raqib_store *st, const char *name, const char *role,
			 const char *pwhash, const char *actor, int64_t now, raqib_err *err);
int raqib_store_user_get(raqib_store *st, const char *name, raqib_arena *ar,
			 raqib_user *out, raqib_err *err); /* 0 / NOTFOUND / <0 */
/* All accounts by name. */
int raqib_store_user_list(raqib_store *st, raqib_arena *ar, raqib_user **out, size_t *n,
			  raqib_err *err);
/* Disables an account and ends its sessions (audit "user_disable").
 * 0 / NOTFOUND / <0. */
int raqib_store_user_disable(raqib_store *st, const char *name, const char *actor,
			     int64_t now, raqib_err *err);

/* Sessions are keyed by a hash of the cookie token: the database never holds
 * a token that would sign someone in. */
typedef struct raqib_session {
	int64_t user_id;
	const char *user;
	const char *role;
	const char *csrf;          /* the session's form token */
	int64_t created_at;
	int64_t last_seen;
} raqib_session;

int raqib_store_session_add(raqib_store *st, const char *token_hash, int64_t user_id,
			    const char *csrf, int64_t now, raqib_err *err);
/* 0 / NOTFOUND (no such session, or its account is disabled) / <0. */
int raqib_store_session_get(raqib_store *st, const char *token_hash, raqib_arena *ar,
			    raqib_session *out, raqib_err *err);
int raqib_store_session_touch(raqib_store *st, const char *token_hash, int64_t now,
			      raqib_err *err);
int raqib_store_session_delete(raqib_store *st, const char *token_hash, raqib_err *err);
/* Deletes sessions idle since before `idle_before` or created before
 * `created_before`. */
int raqib_store_session_purge(raqib_store *st, int64_t idle_before, int64_t created_before,
			      raqib_err *err);

/* The queue: comments filtered by status (-1 = any), rule (a reason's rule,
 * NULL/"" = any) and article slug (NULL/"" = any), oldest first. */
typedef struct raqib_queue_filter {
	int status;
	const char *rule;
	const char *article;
} raqib_queue_filter;

int raqib_store_queue(raqib_store *st, const raqib_queue_filter *f, size_t offset,
		      size_t limit, raqib_arena *ar, raqib_comment_row **out, size_t *n,
		      size_t *total, raqib_err *err);

/* The audit log filtered (0/NULL/"" = any), newest first. */
typedef struct raqib_audit_filter {
	int64_t comment_id;
	const char *actor;
	const char *action;
	int64_t since;
} raqib_audit_filter;

int raqib_store_audit_query(raqib_store *st, const raqib_audit_filter *f, size_t offset,
			    size_t limit, raqib_arena *ar, raqib_audit_row **out, size_t *n,
			    size_t *total, raqib_err *err);

/* Bans the author of a comment (its name and IP hash) until `until`; the
 * audit event names the comment. 0 / NOTFOUND / <0. */
int raqib_store_ban_comment(raqib_store *st, int64_t comment_id, int64_t until,
			    const char *actor, const char *reason, int64_t now, raqib_err *err);

/* Statistics since a time. Editors' overturns come from the audit log: an
 * editor taking a comment from pending to public is a false positive of
 * every rule that held it ("approved"), from pending to rejected a
 * confirmation ("rejected"), from public to rejected/unpublished a miss of
 * the rule named by the editor's reason ("other" when the reason names none). */
typedef struct raqib_stat_day {
	char day[12];              /* "YYYY-MM-DD", process time zone */
	int64_t n[5];              /* comments created that day, by current status */
} raqib_stat_day;

typedef struct raqib_stat_rule {
	const char *rule;
	int64_t held, approved, rejected, missed;
} raqib_stat_rule;

typedef struct raqib_stats {
	raqib_stat_day *days;      /* oldest first, only days with comments */
	size_t ndays;
	raqib_stat_rule *rules;    /* by rule name */
	size_t nrules;
	int64_t queue;             /* pending now */
	int64_t decided;           /* editors' decisions on held comments */
	int64_t median_decision;   /* seconds from post to decision; -1 = none */
} raqib_stats;

int raqib_store_stats(raqib_store *st, int64_t since, raqib_arena *ar, raqib_stats *out,
		      raqib_err *err);

/* Every comment an editor decided (approve/reject/edit/unpublish) since a
 * time: the status screening gave it, the one it has now, and the reason of
 * the editor's last reject or unpublish. By comment id. */
typedef struct raqib_feedback_row {
	int64_t id;
	const char *name, *text, *text_public, *reasons_json;
	const char *reason;        /* "" when none */
	int first_status;          /* raqib_comment_status at screening, -1 unknown */
	raqib_comment_status status;
} raqib_feedback_row;

int raqib_store_feedback(raqib_store *st, int64_t since, raqib_arena *ar,
			 raqib_feedback_row **out, size_t *n, raqib_err *err);

/* Screening settings an admin changed on /admin/settings: overrides of the
 * config file's values, one per (rule, key). */
typedef struct raqib_setting {
	const char *rule;          /* "phone", "insult", ... */
	const char *key;           /* "action", "threshold", ... */
	const char *value;         /* in a put: NULL deletes the override */
	int64_t updated_at;        /* filled by reads */
	const char *updated_by;    /* filled by reads */
} raqib_setting;

/* Every override, by rule and key. */
int raqib_store_settings_list(raqib_store *st, raqib_arena *ar, raqib_setting **out, size_t *n,
			      raqib_err *err);
/* Writes (or deletes) n overrides and one audit event "settings" by `actor`
 * with before/after (JSON) in one transaction. */
int raqib_store_settings_put(raqib_store *st, const raqib_setting *set, size_t n,
			     const char *actor, const char *before, const char *after, int64_t now,
			     raqib_err *err);

#endif
