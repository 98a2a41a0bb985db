/*
 * store_sqlite.c — the SQLite backend of store.h.
 *
 * Connections: one writer connection owned by a writer thread, plus a pool
 * of read connections (created lazily, at most POOL_MAX) so that GETs from
 * many threads run in parallel under WAL. A connection is only ever used by
 * one thread at a time, so all are opened SQLITE_OPEN_NOMUTEX.
 *
 * Group commit: every write is a request (on the caller's stack) queued to
 * the writer thread. The writer takes the whole queue, runs it as one
 * BEGIN IMMEDIATE ... COMMIT with a SAVEPOINT per request — a failing
 * request (say, a foreign key violation) is rolled back alone and the others
 * still commit — then wakes every caller. With synchronous=FULL the COMMIT
 * is the fsync, so N concurrent posts pay one fsync, and every caller
 * returns only once its write is durable.
 *
 * Every statement is prepared once per connection (SQL[] below) and values
 * are always bound, never formatted into SQL.
 */
#include "store/store.h"

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POOL_MAX 16
#define BUSY_TIMEOUT_MS 10000

/* ---------------------------------------------------------------- schema */

/* Each step runs in its own transaction and moves PRAGMA user_version to its
 * index + 1. Append new steps; never edit a shipped one. */
static const char *const MIGRATIONS[] = {
	/* 1: articles, comments, append-only audit, bans */
	"CREATE TABLE articles ("
	"  id INTEGER PRIMARY KEY,"
	"  slug TEXT NOT NULL UNIQUE,"
	"  title TEXT NOT NULL,"
	"  body TEXT NOT NULL DEFAULT '',"
	"  caption TEXT NOT NULL DEFAULT '',"
	"  image_url TEXT NOT NULL DEFAULT '',"
	"  author TEXT NOT NULL DEFAULT '',"
	"  related TEXT NOT NULL DEFAULT '[]',"      /* JSON [{title,url}] */
	"  published_at INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	/* bumped with anything public about the article: ETag / cache key */
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  comments_changed_at INTEGER NOT NULL DEFAULT 0,"
	"  ncomments_public INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX articles_published ON articles(published_at, id);"
	"CREATE TABLE comments ("
	"  id INTEGER PRIMARY KEY,"
	"  article_id INTEGER NOT NULL REFERENCES articles(id),"
	"  name TEXT NOT NULL DEFAULT '',"
	"  text TEXT NOT NULL,"
	"  text_public TEXT NOT NULL,"
	"  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),"
	"  reasons TEXT NOT NULL DEFAULT '[]',"
	"  ip_hash TEXT NOT NULL DEFAULT '',"
	"  text_hash TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL,"
	"  decided_at INTEGER NOT NULL"
	");"
	"CREATE INDEX comments_article ON comments(article_id, status, created_at);"
	"CREATE INDEX comments_status ON comments(status, created_at);"
	"CREATE INDEX comments_dup ON comments(article_id, text_hash);"
	/* the page query: public comments of one article in time order */
	"CREATE INDEX comments_public ON comments(article_id, created_at, id)"
	"  WHERE status IN (0, 1);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  comment_id INTEGER NOT NULL DEFAULT 0,"
	"  article_id INTEGER NOT NULL DEFAULT 0,"
	"  before TEXT NOT NULL DEFAULT '',"
	"  after TEXT NOT NULL DEFAULT '',"
	"  detail TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX audit_comment ON audit(comment_id, id);"
	/* The audit trail is evidence: the database itself refuses to rewrite it. */
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TABLE bans ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  ip_hash TEXT NOT NULL DEFAULT '',"
	"  until INTEGER NOT NULL,"                  /* 0 = permanent */
	"  actor TEXT NOT NULL DEFAULT '',"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE INDEX bans_name ON bans(name) WHERE name <> '';"
	"CREATE INDEX bans_ip ON bans(ip_hash) WHERE ip_hash <> '';",
	/* 2: the editors' desk: accounts, sessions (token hashes only), audit
	 * lookups by actor and time */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL CHECK (role IN ('editor', 'admin')),"
	"  pwhash TEXT NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE sessions ("
	"  token_hash TEXT PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  csrf TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL"
	");"
	"CREATE INDEX sessions_user ON sessions(user_id);"
	"CREATE INDEX audit_actor ON audit(actor, id);"
	"CREATE INDEX audit_at ON audit(at);",
	/* 3: screening settings changed on /admin/settings, applied over the
	 * config file's values: one row per (rule, key) that differs */
	"CREATE TABLE settings ("
	"  rule TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  updated_by TEXT NOT NULL,"
	"  PRIMARY KEY (rule, key)"
	");",
};
#define NMIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

/* ------------------------------------------------------------ statements */

#define COMMENT_COLS                                                        \
	"c.id, c.article_id, a.slug, c.name, c.text, c.text_public, c.status, " \
	"c.reasons, c.ip_hash, c.text_hash, c.created_at, c.decided_at "        \
	"FROM comments c JOIN articles a ON a.id = c.article_id "
#define ARTICLE_COLS                                                         \
	"id, slug, title, body, caption, image_url, author, related, "          \
	"published_at, created_at, updated_at, version, "                       \
	"max(updated_at, comments_changed_at), ncomments_public FROM articles "
#define AUDIT_COLS \
	"id, at, actor, action, comment_id, article_id, before, after, detail FROM audit "

enum {
	S_BEGIN_W, S_BEGIN_R, S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
	S_ART_FIND, S_ART_INSERT, S_ART_UPDATE, S_ART_GET, S_ART_LIST, S_ART_COUNT,
	S_ART_BUMP, S_C_INSERT, S_C_GET, S_C_PUB_NEW, S_C_PUB_OLD, S_C_PUB_COUNT,
	S_C_DUP, S_C_STATE, S_C_SET, S_C_BY_STATUS, S_C_COUNT_STATUS, S_AUDIT_ADD,
	S_AUDIT_ALL, S_AUDIT_COMMENT, S_BAN_ADD, S_BANNED, S_PURGE, S_CHECKPOINT,
	S_COUNT
};

static const char *const SQL[S_COUNT] = {
	[S_BEGIN_W] = "BEGIN IMMEDIATE",
	[S_BEGIN_R] = "BEGIN",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT req",
	[S_RELEASE] = "RELEASE req",
	[S_ROLLBACK_TO] = "ROLLBACK TO req",
	[S_ART_FIND] = "SELECT id, published_at FROM articles WHERE slug = ?1",
	[S_ART_INSERT] = "INSERT INTO articles (slug, title, body, caption, image_url, author,"
			 " related, published_at, created_at, updated_at)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
	[S_ART_UPDATE] = "UPDATE articles SET title = ?2, body = ?3, caption = ?4,"
			 " image_url = ?5, author = ?6, related = ?7, published_at = ?8,"
			 " updated_at = ?9, version = version + 1 WHERE id = ?1",
	[S_ART_GET] = "SELECT " ARTICLE_COLS "WHERE slug = ?1",
	[S_ART_LIST] = "SELECT " ARTICLE_COLS
		       "ORDER BY published_at DESC, id DESC LIMIT ?1 OFFSET ?2",
	[S_ART_COUNT] = "SELECT count(*) FROM articles",
	[S_ART_BUMP] = "UPDATE articles SET version = version + 1,"
		       " comments_changed_at = max(comments_changed_at, ?2),"
		       " ncomments_public = ncomments_public + ?3 WHERE id = ?1",
	[S_C_INSERT] = "INSERT INTO comments (article_id, name, text, text_public, status,"
		       " reasons, ip_hash, text_hash, created_at, decided_at)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
	[S_C_GET] = "SELECT " COMMENT_COLS "WHERE c.id = ?1",
	[S_C_PUB_NEW] = "SELECT " COMMENT_COLS
			"WHERE c.article_id = ?1 AND c.status IN (0, 1)"
			" ORDER BY c.created_at DESC, c.id DESC LIMIT ?2 OFFSET ?3",
	[S_C_PUB_OLD] = "SELECT " COMMENT_COLS
			"WHERE c.article_id = ?1 AND c.status IN (0, 1)"
			" ORDER BY c.created_at, c.id LIMIT ?2 OFFSET ?3",
	[S_C_PUB_COUNT] = "SELECT ncomments_public FROM articles WHERE id = ?1",
	/* CASE, not AND: only valid JSON reaches json_each */
	[S_C_DUP] = "SELECT 1 FROM comments WHERE article_id = ?1 AND text_hash = ?2"
		    " AND created_at >= ?3 AND CASE WHEN status = 3 AND json_valid(reasons)"
		    " THEN NOT EXISTS (SELECT 1 FROM json_each(reasons)"
		    "   WHERE json_extract(value, '$.rule') = 'honeypot')"
		    " ELSE 1 END LIMIT 1",
	[S_C_STATE] = "SELECT article_id, status, text_public FROM comments WHERE id = ?1",
	[S_C_SET] = "UPDATE comments SET status = ?2, text_public = ?3,"
		    " decided_at = CASE WHEN status <> ?2 THEN ?4 ELSE decided_at END"
		    " WHERE id = ?1",
	[S_C_BY_STATUS] = "SELECT " COMMENT_COLS "WHERE c.status = ?1"
			  " ORDER BY c.created_at, c.id LIMIT ?2 OFFSET ?3",
	[S_C_COUNT_STATUS] = "SELECT count(*) FROM comments WHERE status = ?1",
	[S_AUDIT_ADD] = "INSERT INTO audit (at, actor, action, comment_id, article_id,"
			" before, after, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_AUDIT_ALL] = "SELECT " AUDIT_COLS "ORDER BY id DESC LIMIT ?1 OFFSET ?2",
	[S_AUDIT_COMMENT] = "SELECT " AUDIT_COLS "WHERE comment_id = ?3"
			    " ORDER BY id DESC LIMIT ?1 OFFSET ?2",
	[S_BAN_ADD] = "INSERT INTO bans (name, ip_hash, until, actor, reason, created_at)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_BANNED] = "SELECT 1 FROM bans WHERE (until = 0 OR until > ?3) AND"
		     " ((?1 <> '' AND name = ?1) OR (?2 <> '' AND ip_hash = ?2)) LIMIT 1",
	[S_PURGE] = "UPDATE comments SET ip_hash = '' WHERE created_at < ?1 AND ip_hash <> ''",
	[S_CHECKPOINT] = "PRAGMA wal_checkpoint(TRUNCATE)",
};

typedef struct conn {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
	struct conn *next;
} conn;

/* ------------------------------------------------------------ the store */

typedef int (*write_fn)(conn *c, void *arg, raqib_err *err);

/* One queued write; lives on the caller's stack until `done`. */
typedef struct wreq {
	write_fn fn;
	void *arg;
	bool notx;             /* runs outside the batch transaction (checkpoint) */
	int rc;
	raqib_err *err;
	bool done;
	pthread_cond_t cv;
	struct wreq *next;
} wreq;

struct raqib_store {
	char *path;
	int version;

	conn *w;
	pthread_t writer;
	bool writer_started;
	pthread_mutex_t mu;       /* queue + done flags */
	pthread_cond_t work;
	wreq *head, *tail;
	bool stopping;

	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	conn *free_conns;
	int nconns;
};

/* ---------------------------------------------------------------- errors */

static int errcode_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
		return RAQIB_EARG;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_FORMAT:
		return RAQIB_EDATA;
	case SQLITE_NOMEM:
		return RAQIB_ENOMEM;
	default:
		return RAQIB_EIO;
	}
}

/* Call before sqlite3_reset(): the message belongs to the failed step. */
static int db_fail(sqlite3 *db, int rc, raqib_err *err, const char *what)
{
	return raqib_err_set(err, errcode_of(rc), "store: %s: %s", what, sqlite3_errmsg(db));
}

static int nomem(raqib_err *err)
{
	return raqib_err_set(err, RAQIB_ENOMEM, "store: out of memory");
}

/* ------------------------------------------------------------ statements */

static sqlite3_stmt *stmt(conn *c, int id, raqib_err *err)
{
	if (!c->st[id]) {
		int rc = sqlite3_prepare_v3(c->db, SQL[id], -1, SQLITE_PREPARE_PERSISTENT,
					    &c->st[id], NULL);
		if (rc != SQLITE_OK) {
			db_fail(c->db, rc, err, "prepare");
			c->st[id] = NULL;
			return NULL;
		}
	}
	return c->st[id];
}

/* Resets a statement so it holds no read snapshot and no borrowed strings. */
static void finish(sqlite3_stmt *s)
{
	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
}

static int64_t clamp_i64(size_t v)
{
	return v > (size_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* A value for the next parameter: values are only ever bound. */
typedef struct sqlarg {
	bool is_str;
	int64_t i;
	const char *s;
} sqlarg;

#define A_I(v) ((sqlarg){false, (v), NULL})
#define A_S(v) ((sqlarg){true, 0, (v)})
#define NARGS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* What to run: the connection's cached SQL[id], or, when `sql` is set, a
 * statement prepared for this call only. The desk's queries are few per
 * request and vary with the filters, so they do not live in the cache. */
typedef struct query {
	int id;
	const char *sql;
	const sqlarg *a; /* bound to ?1 .. ?na */
	int na;
} query;

static query cached(int id, const sqlarg *a, int na)
{
	return (query){id, NULL, a, na};
}

static query adhoc(const char *sql, const sqlarg *a, int na)
{
	return (query){-1, sql, a, na};
}

static sqlite3_stmt *q_open(conn *c, const query *q, raqib_err *err)
{
	sqlite3_stmt *s = NULL;
	if (q->sql) {
		int rc = sqlite3_prepare_v2(c->db, q->sql, -1, &s, NULL);
		if (rc != SQLITE_OK) {
			db_fail(c->db, rc, err, "prepare");
			sqlite3_finalize(s);
			return NULL;
		}
	} else if (!(s = stmt(c, q->id, err))) {
		return NULL;
	}
	for (int i = 0; i < q->na; i++) {
		if (q->a[i].is_str)
			sqlite3_bind_text(s, i + 1, q->a[i].s ? q->a[i].s : "", -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(s, i + 1, q->a[i].i);
	}
	return s;
}

static void q_close(const query *q, sqlite3_stmt *s)
{
	if (q->sql)
		sqlite3_finalize(s);
	else
		finish(s);
}

/* Reads the current row of s into `row`; arena-backed readers use `ar`. */
typedef int (*read_fn)(sqlite3_stmt *s, raqib_arena *ar, void *row, raqib_err *err);

/* Calls rd on every row of q, or with `first` on the first row only (and
 * then no row at all is RAQIB_STORE_NOTFOUND); stops at rd's first error. */
static int q_step(conn *c, const query *q, bool first, read_fn rd, raqib_arena *ar, void *ctx,
		  raqib_err *err, const char *what)
{
	sqlite3_stmt *s = q_open(c, q, err);
	int rc;
	if (!s)
		return err ? err->code : RAQIB_EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = rd(s, ar, ctx, err)) || first)
			goto out;
	if (rc == SQLITE_DONE)
		rc = first ? RAQIB_STORE_NOTFOUND : 0;
	else
		rc = db_fail(c->db, rc, err, what);
out:
	q_close(q, s);
	return rc;
}

static int q_each(conn *c, const query *q, read_fn rd, raqib_arena *ar, void *ctx,
		  raqib_err *err, const char *what)
{
	return q_step(c, q, false, rd, ar, ctx, err, what);
}

static int q_one(conn *c, const query *q, read_fn rd, raqib_arena *ar, void *row,
		 raqib_err *err, const char *what)
{
	return q_step(c, q, true, rd, ar, row, err, what);
}

static int skip_row(sqlite3_stmt *s, raqib_arena *ar, void *row, raqib_err *err)
{
	(void)s;
	(void)ar;
	(void)row;
	(void)err;
	return 0;
}

/* Runs q to its end (its rows, if any, do not matter); *changes may be NULL. */
static int q_exec(conn *c, const query *q, int64_t *changes, raqib_err *err, const char *what)
{
	int rc = q_step(c, q, false, skip_row, NULL, NULL, err, what);
	if (!rc && changes)
		*changes = sqlite3_changes64(c->db);
	return rc;
}

/* Runs a cached statement that takes no values (transactions, pragmas). */
static int run(conn *c, int id, raqib_err *err, const char *what)
{
	query q = cached(id, NULL, 0);
	return q_exec(c, &q, NULL, err, what);
}

static int read_i64(sqlite3_stmt *s, raqib_arena *ar, void *v, raqib_err *err)
{
	(void)ar;
	(void)err;
	*(int64_t *)v = sqlite3_column_int64(s, 0);
	return 0;
}

/* A single-integer query (counts, existence); no row reads as 0. */
static int q_scalar(conn *c, const query *q, int64_t *v, raqib_err *err, const char *what)
{
	int rc = q_one(c, q, read_i64, NULL, v, err, what);
	if (rc == RAQIB_STORE_NOTFOUND) {
		*v = 0;
		rc = 0;
	}
	return rc;
}

static const char *col_str(sqlite3_stmt *s, int i, raqib_arena *ar)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);
	char *p;
	if (!t)
		return "";
	p = raqib_arena_alloc(ar, n + 1);
	if (!p)
		return NULL;
	memcpy(p, t, n);
	p[n] = 0;
	return p;
}

/* Arena-backed growing array; the outgrown copies stay in the arena (at
 * most as much again), which is cheaper than counting first. */
static int vec_push(raqib_arena *ar, void **v, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *p = raqib_arena_alloc(ar, nc * size);
		if (!p)
			return -1;
		if (*n)
			memcpy(p, *v, *n * size);
		*v = p;
		*cap = nc;
	}
	memset((char *)*v + *n * size, 0, size);
	(*n)++;
	return 0;
}

/* Rows collected into an arena array: *v holds *n elements of `size`. */
typedef struct rows {
	read_fn read;
	size_t size;
	void **v;
	size_t *n, cap;
} rows;

#define ROWS(rd, out, n) ((rows){(rd), sizeof **(out), (void **)(out), (n), 0})

static int push_row(sqlite3_stmt *s, raqib_arena *ar, void *p, raqib_err *err)
{
	rows *r = p;
	if (vec_push(ar, r->v, r->n, &r->cap, r->size))
		return nomem(err);
	return r->read(s, ar, (char *)*r->v + (*r->n - 1) * r->size, err);
}

static int q_rows(conn *c, const query *q, rows *r, raqib_arena *ar, raqib_err *err,
		  const char *what)
{
	return q_each(c, q, push_row, ar, r, err, what);
}

/* ----------------------------------------------------------- connections */

static void conn_close(conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close_v2(c->db);
	free(c);
}

static int exec_sql(sqlite3 *db, const char *sql, raqib_err *err, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		raqib_err_set(err, errcode_of(rc), "store: %s: %s", what,
			      msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return err ? err->code : errcode_of(rc);
	}
	return 0;
}

/* Prepares a one-row PRAGMA and steps to its row; the caller reads it and
 * finalizes *s. */
static int pragma_row(sqlite3 *db, const char *sql, sqlite3_stmt **s, raqib_err *err,
		      const char *what)
{
	int rc = sqlite3_prepare_v2(db, sql, -1, s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(*s);
	if (rc != SQLITE_ROW) {
		rc = db_fail(db, rc, err, what);
		sqlite3_finalize(*s);
		*s = NULL;
		return rc;
	}
	return 0;
}

static int conn_open(const char *path, bool writer, conn **out, raqib_err *err)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (writer ? SQLITE_OPEN_CREATE : 0);
	conn *c = calloc(1, sizeof *c);
	int rc;

	*out = NULL;
	if (!c)
		return nomem(err);
	rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		if (c->db)
			raqib_err_set(err, errcode_of(rc), "store: cannot open %s: %s", path,
				      sqlite3_errmsg(c->db));
		else
			nomem(err);
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	/* Touch the file before anything else: a file that is not a database
	 * is reported here with its name, not as a later odd failure. */
	if (exec_sql(c->db, "SELECT count(*) FROM sqlite_schema", err, path))
		goto fail;
	if (writer) {
		sqlite3_stmt *s;
		bool wal;
		if (pragma_row(c->db, "PRAGMA journal_mode = WAL", &s, err, "journal_mode"))
			goto fail;
		wal = sqlite3_column_text(s, 0) &&
		      !strcmp((const char *)sqlite3_column_text(s, 0), "wal");
		sqlite3_finalize(s);
		if (!wal) {
			raqib_err_set(err, RAQIB_EIO, "store: %s: cannot switch to WAL mode", path);
			goto fail;
		}
	}
	/* FULL: a commit is on disk when it returns, even across power loss. */
	if (exec_sql(c->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", err,
		     "pragmas"))
		goto fail;
	if (!writer && exec_sql(c->db, "PRAGMA query_only = ON", err, "pragmas"))
		goto fail;
	*out = c;
	return 0;
fail:
	conn_close(c);
	return err ? err->code : RAQIB_EIO;
}

static int user_version(sqlite3 *db, int *v, raqib_err *err)
{
	sqlite3_stmt *s;
	int rc = pragma_row(db, "PRAGMA user_version", &s, err, "user_version");
	if (rc)
		return rc;
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

static int migrate(sqlite3 *db, const char *path, int *version, raqib_err *err)
{
	int v = 0, rc = user_version(db, &v, err);
	if (rc)
		return rc;
	if (v > NMIGRATIONS)
		return raqib_err_set(err, RAQIB_EDATA,
				     "store: %s has schema version %d, this raqib knows only up "
				     "to %d: upgrade raqib",
				     path, v, NMIGRATIONS);
	if (v < 0)
		return raqib_err_set(err, RAQIB_EDATA, "store: %s: bad schema version %d", path, v);
	for (; v < NMIGRATIONS; v++) {
		/* PRAGMA takes no parameters; the value is our own integer. */
		char setv[64];
		snprintf(setv, sizeof setv, "PRAGMA user_version = %d", v + 1);
		if (exec_sql(db, "BEGIN IMMEDIATE", err, "migration"))
			return err ? err->code : RAQIB_EIO;
		if (exec_sql(db, MIGRATIONS[v], err, "migration") ||
		    exec_sql(db, setv, err, "migration") ||
		    exec_sql(db, "COMMIT", err, "migration")) {
			int e = err ? err->code : RAQIB_EIO;
			if (!sqlite3_get_autocommit(db))
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			if (err) {
				char m[sizeof err->msg];
				snprintf(m, sizeof m, "%s", err->msg);
				raqib_err_set(err, e, "%s (step %d)", m, v + 1);
			}
			return e;
		}
	}
	*version = v;
	return 0;
}

/* Read connections: a free list, grown on demand up to POOL_MAX. */
static int pool_get(raqib_store *st, conn **out, raqib_err *err)
{
	pthread_mutex_lock(&st->pool_mu);
	for (;;) {
		if (st->free_conns) {
			*out = st->free_conns;
			st->free_conns = (*out)->next;
			pthread_mutex_unlock(&st->pool_mu);
			return 0;
		}
		if (st->nconns < POOL_MAX)
			break;
		pthread_cond_wait(&st->pool_cv, &st->pool_mu);
	}
	st->nconns++;
	pthread_mutex_unlock(&st->pool_mu);

	if (conn_open(st->path, false, out, err)) {
		pthread_mutex_lock(&st->pool_mu);
		st->nconns--;
		pthread_cond_signal(&st->pool_cv);
		pthread_mutex_unlock(&st->pool_mu);
		return err ? err->code : RAQIB_EIO;
	}
	return 0;
}

static void pool_put(raqib_store *st, conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_lock(&st->pool_mu);
	c->next = st->free_conns;
	st->free_conns = c;
	pthread_cond_signal(&st->pool_cv);
	pthread_mutex_unlock(&st->pool_mu);
}

/* ----------------------------------------------------------------- reads */

/* Every read borrows a pool connection for the length of one call. */

static int get_one(raqib_store *st, const query *q, read_fn rd, raqib_arena *ar, void *row,
		   raqib_err *err, const char *what)
{
	conn *c;
	int rc;

	if (pool_get(st, &c, err))
		return err ? err->code : RAQIB_EIO;
	rc = q_one(c, q, rd, ar, row, err, what);
	pool_put(st, c);
	return rc;
}

static int get_scalar(raqib_store *st, const query *q, int64_t *v, raqib_err *err,
		      const char *what)
{
	conn *c;
	int rc;

	if (pool_get(st, &c, err))
		return err ? err->code : RAQIB_EIO;
	rc = q_scalar(c, q, v, err, what);
	pool_put(st, c);
	return rc;
}

static int get_list(raqib_store *st, const query *q, rows *r, raqib_arena *ar, raqib_err *err,
		    const char *what)
{
	conn *c;
	int rc;

	*r->v = NULL;
	*r->n = 0;
	if (pool_get(st, &c, err))
		return err ? err->code : RAQIB_EIO;
	rc = q_rows(c, q, r, ar, err, what);
	pool_put(st, c);
	if (rc)
		*r->n = 0;
	return rc;
}

/* A page of rows and the count of all of them, from one read snapshot. */
static int get_page(raqib_store *st, const query *count, const query *list, rows *r,
		    raqib_arena *ar, size_t *total, raqib_err *err, const char *what_count,
		    const char *what)
{
	conn *c;
	int64_t cnt = 0;
	int rc;

	*r->v = NULL;
	*r->n = 0;
	if (total)
		*total = 0;
	if (pool_get(st, &c, err))
		return err ? err->code : RAQIB_EIO;
	if ((rc = run(c, S_BEGIN_R, err, "begin")) ||
	    (rc = q_scalar(c, count, &cnt, err, what_count)))
		goto out;
	rc = q_rows(c, list, r, ar, err, what);
	if (!rc)
		rc = run(c, S_COMMIT, err, "commit");
	if (total)
		*total = cnt < 0 ? 0 : (size_t)cnt;
out:
	pool_put(st, c);
	if (rc)
		*r->n = 0;
	return rc;
}

/* Appends " WHERE 1 AND ..." for a filter to `sql`, its values to a[*na..]. */
typedef int (*where_fn)(raqib_buf *sql, const void *filter, sqlarg *a, int *na);

/* Appends " AND <pre>?N<post>" to a where clause and binds v as ?N, the
 * next parameter. */
static int and_param(raqib_buf *sql, sqlarg *a, int *na, sqlarg v, const char *pre,
		     const char *post)
{
	a[*na] = v;
	return raqib_buf_addf(sql, " AND %s%d%s", pre, ++*na, post);
}

#define WHERE_MAX_ARGS 6 /* conditions a where_fn may add */

/* A desk listing whose conditions depend on the filter. */
typedef struct filtered {
	const char *count;  /* "SELECT count(*) FROM ..." */
	const char *select; /* "SELECT <cols> FROM ..." */
	where_fn where;
	const char *order;  /* " ORDER BY ..." */
	read_fn read;       /* into rows of `size` */
	size_t size;
	const char *what_count, *what;
} filtered;

static int filtered_page(raqib_store *st, const filtered *fp, const void *filter, size_t offset,
			 size_t limit, raqib_arena *ar, void **out, size_t *n, size_t *total,
			 raqib_err *err)
{
	raqib_buf q, cq;
	sqlarg a[WHERE_MAX_ARGS + 2];
	int na = 0, rc;
	query count, list;
	rows r = {fp->read, fp->size, out, n, 0};

	*out = NULL;
	*n = 0;
	if (total)
		*total = 0;
	raqib_buf_init(&q, 1 << 16);
	raqib_buf_init(&cq, 1 << 16);
	if (raqib_buf_adds(&cq, fp->count) || fp->where(&cq, filter, a, &na) ||
	    raqib_buf_adds(&q, fp->select)) {
		rc = nomem(err);
		goto done;
	}
	na = 0;
	if (fp->where(&q, filter, a, &na) || raqib_buf_adds(&q, fp->order) ||
	    raqib_buf_addf(&q, " LIMIT ?%d OFFSET ?%d", na + 1, na + 2)) {
		rc = nomem(err);
		goto done;
	}
	a[na] = A_I(clamp_i64(limit));
	a[na + 1] = A_I(clamp_i64(offset));
	count = adhoc(cq.data, a, na);
	list = adhoc(q.data, a, na + 2);
	rc = get_page(st, &count, &list, &r, ar, total, err, fp->what_count, fp->what);
done:
	raqib_buf_free(&q);
	raqib_buf_free(&cq);
	return rc;
}

/* ---------------------------------------------------------------- writer */

static void wake(raqib_store *st, wreq *batch)
{
	pthread_mutex_lock(&st->mu);
	while (batch) {
		wreq *next = batch->next; /* the caller may return once done is set */
		batch->done = true;
		pthread_cond_signal(&batch->cv);
		batch = next;
	}
	pthread_mutex_unlock(&st->mu);
}

static void fail_batch(wreq *batch, int code, const char *why)
{
	for (wreq *r = batch; r; r = r->next)
		if (r->rc >= 0 && !r->notx)
			r->rc = raqib_err_set(r->err, code, "store: batch failed: %s", why);
}

static void run_batch(conn *w, wreq *batch)
{
	raqib_err e = {0};
	bool any = false;
	char why[sizeof e.msg];

	for (wreq *r = batch; r; r = r->next)
		if (!r->notx)
			any = true;
	if (any) {
		if (run(w, S_BEGIN_W, &e, "begin")) {
			fail_batch(batch, e.code, e.msg);
			goto notx;
		}
		for (wreq *r = batch; r; r = r->next) {
			if (r->notx)
				continue;
			if (run(w, S_SAVEPOINT, &e, "savepoint")) {
				r->rc = raqib_err_set(r->err, e.code, "%s", e.msg);
				continue;
			}
			r->rc = r->fn(w, r->arg, r->err);
			if (r->rc < 0 && run(w, S_ROLLBACK_TO, &e, "rollback to savepoint"))
				break;
			if (run(w, S_RELEASE, &e, "release savepoint"))
				break;
		}
		if (e.code) {
			snprintf(why, sizeof why, "%s", e.msg);
			if (!sqlite3_get_autocommit(w->db))
				run(w, S_ROLLBACK, NULL, "rollback");
			fail_batch(batch, e.code, why);
		} else if (run(w, S_COMMIT, &e, "commit")) {
			snprintf(why, sizeof why, "%s", e.msg);
			if (!sqlite3_get_autocommit(w->db))
				run(w, S_ROLLBACK, NULL, "rollback");
			fail_batch(batch, e.code, why);
		}
	}
notx:
	for (wreq *r = batch; r; r = r->next)
		if (r->notx)
			r->rc = r->fn(w, r->arg, r->err);
}

static void *writer_main(void *p)
{
	raqib_store *st = p;
	for (;;) {
		wreq *batch;
		pthread_mutex_lock(&st->mu);
		while (!st->head && !st->stopping)
			pthread_cond_wait(&st->work, &st->mu);
		batch = st->head;
		st->head = st->tail = NULL;
		pthread_mutex_unlock(&st->mu);
		if (!batch)
			return NULL; /* stopping and drained */
		run_batch(st->w, batch);
		wake(st, batch);
	}
}

/* Queues a write and waits until it is committed (or failed). */
static int submit(raqib_store *st, write_fn fn, void *arg, bool notx, raqib_err *err)
{
	wreq r = {.fn = fn, .arg = arg, .notx = notx, .err = err};
	int rc;

	pthread_cond_init(&r.cv, NULL);
	pthread_mutex_lock(&st->mu);
	if (st->stopping) {
		pthread_mutex_unlock(&st->mu);
		pthread_cond_destroy(&r.cv);
		return raqib_err_set(err, RAQIB_EIO, "store: closing");
	}
	if (st->tail)
		st->tail->next = &r;
	else
		st->head = &r;
	st->tail = &r;
	pthread_cond_signal(&st->work);
	while (!r.done)
		pthread_cond_wait(&r.cv, &st->mu);
	rc = r.rc;
	pthread_mutex_unlock(&st->mu);
	pthread_cond_destroy(&r.cv);
	return rc;
}

/* ---------------------------------------------------------- open / close */

const char *raqib_status_name(raqib_comment_status s)
{
	switch (s) {
	case RAQIB_CS_PUBLISHED: return "published";
	case RAQIB_CS_SHORTENED: return "shortened";
	case RAQIB_CS_PENDING: return "pending";
	case RAQIB_CS_REJECTED: return "rejected";
	case RAQIB_CS_UNPUBLISHED: return "unpublished";
	}
	return "unknown";
}

int raqib_status_from_name(const char *name)
{
	for (int s = RAQIB_CS_PUBLISHED; s <= RAQIB_CS_UNPUBLISHED; s++)
		if (name && !strcmp(name, raqib_status_name((raqib_comment_status)s)))
			return s;
	return -1;
}

static bool status_ok(int s)
{
	return s >= RAQIB_CS_PUBLISHED && s <= RAQIB_CS_UNPUBLISHED;
}

int raqib_store_open(const char *path, raqib_store **out, raqib_err *err)
{
	raqib_store *st;

	*out = NULL;
	if (!path || !*path)
		return raqib_err_set(err, RAQIB_EARG, "store: empty database path");
	st = calloc(1, sizeof *st);
	if (!st)
		return nomem(err);
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->work, NULL);
	pthread_mutex_init(&st->pool_mu, NULL);
	pthread_cond_init(&st->pool_cv, NULL);
	st->path = strdup(path);
	if (!st->path) {
		nomem(err);
		goto fail;
	}
	if (conn_open(path, true, &st->w, err))
		goto fail;
	if (migrate(st->w->db, path, &st->version, err))
		goto fail;
	if (pthread_create(&st->writer, NULL, writer_main, st)) {
		raqib_err_set(err, RAQIB_EIO, "store: cannot start the writer thread");
		goto fail;
	}
	st->writer_started = true;
	*out = st;
	return 0;
fail:
	raqib_store_close(st);
	return err ? err->code : RAQIB_EIO;
}

void raqib_store_close(raqib_store *st)
{
	if (!st)
		return;
	if (st->writer_started) {
		pthread_mutex_lock(&st->mu);
		st->stopping = true;
		pthread_cond_signal(&st->work);
		pthread_mutex_unlock(&st->mu);
		pthread_join(st->writer, NULL);
	}
	/* Callers must not be reading any more: every read connection is idle. */
	while (st->free_conns) {
		conn *c = st->free_conns;
		st->free_conns = c->next;
		conn_close(c);
	}
	if (st->w) {
		sqlite3_exec(st->w->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
		conn_close(st->w);
	}
	pthread_cond_destroy(&st->pool_cv);
	pthread_mutex_destroy(&st->pool_mu);
	pthread_cond_destroy(&st->work);
	pthread_mutex_destroy(&st->mu);
	free(st->path);
	free(st);
}

int raqib_store_schema_version(raqib_store *st)
{
	return st->version;
}

/* ------------------------------------------------------------ JSON bits */

static char *json_take(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	return s;
}

static char *related_json(const raqib_article *a)
{
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	for (size_t i = 0; i < a->nrelated; i++) {
		const raqib_related *r = &a->related[i];
		json_t *o = json_pack("{s:s,s:s}", "title", r->title ? r->title : "", "url",
				      r->url ? r->url : "");
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return json_take(arr);
}

static int related_parse(const char *txt, raqib_arena *ar, raqib_article *a, raqib_err *err)
{
	json_error_t je;
	json_t *arr = json_loads(txt, 0, &je);
	raqib_related *r;
	size_t n;

	a->nrelated = 0;
	a->related = NULL;
	if (!arr || !json_is_array(arr)) {
		json_decref(arr);
		return raqib_err_set(err, RAQIB_EDATA, "store: article %s: bad related links JSON",
				     a->slug);
	}
	n = json_array_size(arr);
	r = raqib_arena_calloc(ar, n ? n : 1, sizeof *r);
	if (!r) {
		json_decref(arr);
		return nomem(err);
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		const char *t = json_string_value(json_object_get(o, "title"));
		const char *u = json_string_value(json_object_get(o, "url"));
		size_t tl = t ? strlen(t) : 0, ul = u ? strlen(u) : 0;
		char *tc = raqib_arena_alloc(ar, tl + 1), *uc = raqib_arena_alloc(ar, ul + 1);
		if (!tc || !uc) {
			json_decref(arr);
			return nomem(err);
		}
		memcpy(tc, t ? t : "", tl + 1);
		memcpy(uc, u ? u : "", ul + 1);
		r[i].title = tc;
		r[i].url = uc;
	}
	json_decref(arr);
	a->related = r;
	a->nrelated = n;
	return 0;
}

static int audit_add(conn *w, int64_t at, const char *actor, const char *action,
		     int64_t comment_id, int64_t article_id, const char *before,
		     const char *after, const char *detail, raqib_err *err)
{
	sqlarg a[] = {A_I(at),         A_S(actor),  A_S(action), A_I(comment_id),
		      A_I(article_id), A_S(before), A_S(after),  A_S(detail)};
	query q = cached(S_AUDIT_ADD, a, NARGS(a));
	return q_exec(w, &q, NULL, err, "audit");
}

/* An audit event whose detail is `detail` (taken, may be NULL: no memory). */
static int audit_json(conn *w, int64_t at, const char *actor, const char *action,
		      int64_t comment_id, int64_t article_id, json_t *detail, raqib_err *err)
{
	char *d = json_take(detail);
	int rc;
	if (!d)
		return nomem(err);
	rc = audit_add(w, at, actor, action, comment_id, article_id, "", "", d, err);
	free(d);
	return rc;
}

/* Something public about the article changed: new version (ETag), new
 * last-modified, and the public count moves by `delta`. */
static int article_bump(conn *w, int64_t article_id, int64_t now, int delta, raqib_err *err)
{
	sqlarg a[] = {A_I(article_id), A_I(now), A_I(delta)};
	query q = cached(S_ART_BUMP, a, NARGS(a));
	return q_exec(w, &q, NULL, err, "article version");
}

/* -------------------------------------------------------------- articles */

static bool slug_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

struct put_arg {
	const raqib_article *a;
	int64_t now;
	int64_t id;
	bool created;
};

/* id and published_at of a stored article */
static int read_found(sqlite3_stmt *s, raqib_arena *ar, void *p, raqib_err *err)
{
	int64_t *v = p;
	(void)ar;
	(void)err;
	v[0] = sqlite3_column_int64(s, 0);
	v[1] = sqlite3_column_int64(s, 1);
	return 0;
}

static int w_article_put(conn *w, void *p, raqib_err *err)
{
	struct put_arg *pa = p;
	const raqib_article *a = pa->a;
	sqlarg slug[] = {A_S(a->slug)};
	query q = cached(S_ART_FIND, slug, 1);
	char *related = NULL;
	int64_t found[2] = {0, 0}, id, published = a->published_at;
	int rc;

	rc = q_one(w, &q, read_found, NULL, found, err, "article lookup");
	if (rc && rc != RAQIB_STORE_NOTFOUND)
		return rc;
	id = found[0];
	if (!published)
		published = found[1];
	if (!published)
		published = pa->now;
	related = related_json(a);
	if (!related)
		return nomem(err);
	{
		sqlarg v[] = {id ? A_I(id) : A_S(a->slug), A_S(a->title),     A_S(a->body),
			      A_S(a->caption),            A_S(a->image_url), A_S(a->author),
			      A_S(related),               A_I(published),    A_I(pa->now)};
		q = cached(id ? S_ART_UPDATE : S_ART_INSERT, v, NARGS(v));
		rc = q_exec(w, &q, NULL, err, "article put");
	}
	free(related);
	if (rc)
		return rc;
	pa->created = !id;
	pa->id = id ? id : sqlite3_last_insert_rowid(w->db);
	return 0;
}

int raqib_store_article_put(raqib_store *st, const raqib_article *a, int64_t now,
			    int64_t *id_out, bool *created, raqib_err *err)
{
	struct put_arg pa = {.a = a, .now = now};
	int rc;

	if (!a || !slug_ok(a->slug))
		return raqib_err_set(err, RAQIB_EARG,
				     "store: article slug must be 1..128 of [a-z0-9-_]");
	if (a->nrelated && !a->related)
		return raqib_err_set(err, RAQIB_EARG, "store: related links missing");
	rc = submit(st, w_article_put, &pa, false, err);
	if (rc)
		return rc;
	if (id_out)
		*id_out = pa.id;
	if (created)
		*created = pa.created;
	return 0;
}

static int read_article(sqlite3_stmt *s, raqib_arena *ar, void *row, raqib_err *err)
{
	raqib_article *a = row;
	const char *related;
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, 0);
	if (!(a->slug = col_str(s, 1, ar)) || !(a->title = col_str(s, 2, ar)) ||
	    !(a->body = col_str(s, 3, ar)) || !(a->caption = col_str(s, 4, ar)) ||
	    !(a->image_url = col_str(s, 5, ar)) || !(a->author = col_str(s, 6, ar)))
		return nomem(err);
	related = (const char *)sqlite3_column_text(s, 7);
	if (related_parse(related ? related : "[]", ar, a, err))
		return err ? err->code : RAQIB_EDATA;
	a->published_at = sqlite3_column_int64(s, 8);
	a->created_at = sqlite3_column_int64(s, 9);
	a->updated_at = sqlite3_column_int64(s, 10);
	a->version = sqlite3_column_int64(s, 11);
	a->last_modified = sqlite3_column_int64(s, 12);
	a->ncomments_public = sqlite3_column_int64(s, 13);
	return 0;
}

int raqib_store_article_get(raqib_store *st, const char *slug, raqib_arena *ar,
			    raqib_article *out, raqib_err *err)
{
	sqlarg a[] = {A_S(slug)};
	query q = cached(S_ART_GET, a, 1);
	return get_one(st, &q, read_article, ar, out, err, "article get");
}

int raqib_store_article_list(raqib_store *st, size_t offset, size_t limit, raqib_arena *ar,
			     raqib_article **out, size_t *n, size_t *total, raqib_err *err)
{
	sqlarg a[] = {A_I(clamp_i64(limit)), A_I(clamp_i64(offset))};
	query count = cached(S_ART_COUNT, NULL, 0), list = cached(S_ART_LIST, a, NARGS(a));
	rows r = ROWS(read_article, out, n);
	return get_page(st, &count, &list, &r, ar, total, err, "article count", "article list");
}

/* -------------------------------------------------------------- comments */

static int status_json(raqib_comment_status status, const char *text, char **out)
{
	json_t *o = text ? json_pack("{s:s,s:s}", "status", raqib_status_name(status), "text", text)
			 : json_pack("{s:s}", "status", raqib_status_name(status));
	*out = json_take(o);
	return *out ? 0 : -1;
}

struct add_arg {
	raqib_comment_row *c;
	int64_t now;
};

static int w_comment_add(conn *w, void *p, raqib_err *err)
{
	struct add_arg *aa = p;
	raqib_comment_row *c = aa->c;
	const char *pub = c->text_public && *c->text_public ? c->text_public : c->text;
	sqlarg a[] = {A_I(c->article_id),
		      A_S(c->name),
		      A_S(c->text),
		      A_S(pub),
		      A_I(c->status),
		      A_S(c->reasons_json && *c->reasons_json ? c->reasons_json : "[]"),
		      A_S(c->ip_hash),
		      A_S(c->text_hash),
		      A_I(aa->now)};
	query q = cached(S_C_INSERT, a, NARGS(a));
	sqlite3_stmt *s = q_open(w, &q, err);
	char *after = NULL;
	int64_t id;
	int rc;

	if (!s)
		return err ? err->code : RAQIB_EIO;
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			rc = raqib_err_set(err, RAQIB_EARG, "store: comment add: no article %lld",
					   (long long)c->article_id);
		else
			rc = db_fail(w->db, rc, err, "comment add");
		q_close(&q, s);
		return rc;
	}
	q_close(&q, s);
	id = sqlite3_last_insert_rowid(w->db);
	if (raqib_status_public(c->status) && (rc = article_bump(w, c->article_id, aa->now, 1, err)))
		return rc;
	if (status_json(c->status, strcmp(pub, c->text ? c->text : "") ? pub : NULL, &after))
		return nomem(err);
	rc = audit_add(w, aa->now, "raqib", "screen", id, c->article_id, "", after,
		       c->reasons_json, err);
	free(after);
	if (rc)
		return rc;
	c->id = id;
	return 0;
}

int raqib_store_comment_add(raqib_store *st, raqib_comment_row *c, int64_t now,
			    raqib_err *err)
{
	struct add_arg aa = {.c = c, .now = now};
	int rc;

	if (!c || !status_ok(c->status))
		return raqib_err_set(err, RAQIB_EARG, "store: bad comment status");
	c->id = 0;
	rc = submit(st, w_comment_add, &aa, false, err);
	if (rc) {
		c->id = 0; /* the batch may have failed after the insert */
		return rc;
	}
	c->created_at = now;
	c->decided_at = now;
	return 0;
}

static int read_comment(sqlite3_stmt *s, raqib_arena *ar, void *row, raqib_err *err)
{
	raqib_comment_row *c = row;
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(s, 0);
	c->article_id = sqlite3_column_int64(s, 1);
	c->status = (raqib_comment_status)sqlite3_column_int(s, 6);
	c->created_at = sqlite3_column_int64(s, 10);
	c->decided_at = sqlite3_column_int64(s, 11);
	if (!(c->article_slug = col_str(s, 2, ar)) || !(c->name = col_str(s, 3, ar)) ||
	    !(c->text = col_str(s, 4, ar)) || !(c->text_public = col_str(s, 5, ar)) ||
	    !(c->reasons_json = col_str(s, 7, ar)) || !(c->ip_hash = col_str(s, 8, ar)) ||
	    !(c->text_hash = col_str(s, 9, ar)))
		return nomem(err);
	return 0;
}

int raqib_store_comment_get(raqib_store *st, int64_t id, raqib_arena *ar,
			    raqib_comment_row *out, raqib_err *err)
{
	sqlarg a[] = {A_I(id)};
	query q = cached(S_C_GET, a, 1);
	return get_one(st, &q, read_comment, ar, out, err, "comment get");
}

/* Shared by the public page and the editors' queue: a count taking `arg`,
 * then a page of comment rows taking `arg`, limit and offset. */
static int comment_page(raqib_store *st, int count_id, int list_id, int64_t arg, size_t offset,
			size_t limit, raqib_arena *ar, raqib_comment_row **out, size_t *n,
			size_t *total, raqib_err *err)
{
	sqlarg a[] = {A_I(arg), A_I(clamp_i64(limit)), A_I(clamp_i64(offset))};
	query count = cached(count_id, a, 1), list = cached(list_id, a, NARGS(a));
	rows r = ROWS(read_comment, out, n);
	return get_page(st, &count, &list, &r, ar, total, err, "comment count", "comment list");
}

int raqib_store_comments_public(raqib_store *st, int64_t article_id, bool newest_first,
				size_t page, size_t per_page, raqib_arena *ar,
				raqib_comment_row **out, size_t *n, size_t *total,
				raqib_err *err)
{
	size_t offset;
	if (page == 0)
		page = 1;
	/* a page past any possible row: empty, but still the right total */
	if (per_page && page - 1 > SIZE_MAX / per_page)
		offset = SIZE_MAX;
	else
		offset = (page - 1) * per_page;
	return comment_page(st, S_C_PUB_COUNT, newest_first ? S_C_PUB_NEW : S_C_PUB_OLD,
			    article_id, offset, per_page, ar, out, n, total, err);
}

int raqib_store_comments_by_status(raqib_store *st, raqib_comment_status status,
				   size_t offset, size_t limit, raqib_arena *ar,
				   raqib_comment_row **out, size_t *n, size_t *total,
				   raqib_err *err)
{
	return comment_page(st, S_C_COUNT_STATUS, S_C_BY_STATUS, status, offset, limit, ar, out,
			    n, total, err);
}

int raqib_store_count_status(raqib_store *st, raqib_comment_status status, int64_t *n,
			     raqib_err *err)
{
	sqlarg a[] = {A_I(status)};
	query q = cached(S_C_COUNT_STATUS, a, 1);
	return get_scalar(st, &q, n, err, "count");
}

int raqib_store_comment_duplicate(raqib_store *st, int64_t article_id, const char *text_hash,
				  int64_t since, bool *dup, raqib_err *err)
{
	sqlarg a[] = {A_I(article_id), A_S(text_hash), A_I(since)};
	query q = cached(S_C_DUP, a, NARGS(a));
	int64_t v = 0;
	int rc;

	*dup = false;
	if (!text_hash || !*text_hash)
		return 0;
	rc = get_scalar(st, &q, &v, err, "duplicate");
	*dup = !rc && v;
	return rc;
}

struct set_arg {
	int64_t id;
	raqib_comment_status status;
	const char *new_text, *actor, *action, *detail;
	int64_t now;
};

/* A comment's state before a change; text is malloc'ed. */
struct comment_state {
	int64_t article_id;
	raqib_comment_status status;
	char *text;
};

static int read_state(sqlite3_stmt *s, raqib_arena *ar, void *p, raqib_err *err)
{
	struct comment_state *cs = p;
	const char *t = (const char *)sqlite3_column_text(s, 2);
	(void)ar;
	cs->article_id = sqlite3_column_int64(s, 0);
	cs->status = (raqib_comment_status)sqlite3_column_int(s, 1);
	cs->text = strdup(t ? t : "");
	return cs->text ? 0 : nomem(err);
}

static int w_comment_set(conn *w, void *p, raqib_err *err)
{
	struct set_arg *sa = p;
	sqlarg id[] = {A_I(sa->id)};
	query q = cached(S_C_STATE, id, 1);
	struct comment_state old = {0, RAQIB_CS_PUBLISHED, NULL};
	char *before = NULL, *after = NULL;
	const char *new_text;
	bool text_changed, old_pub, new_pub;
	int rc;

	if ((rc = q_one(w, &q, read_state, NULL, &old, err, "comment state")))
		return rc;
	new_text = sa->new_text ? sa->new_text : old.text;
	text_changed = strcmp(new_text, old.text) != 0;
	{
		sqlarg a[] = {A_I(sa->id), A_I(sa->status), A_S(new_text), A_I(sa->now)};
		q = cached(S_C_SET, a, NARGS(a));
		if ((rc = q_exec(w, &q, NULL, err, "comment set")))
			goto out;
	}

	old_pub = raqib_status_public(old.status);
	new_pub = raqib_status_public(sa->status);
	if ((old_pub || new_pub) && (old.status != sa->status || text_changed) &&
	    (rc = article_bump(w, old.article_id, sa->now, (int)new_pub - (int)old_pub, err)))
		goto out;

	if (status_json(old.status, text_changed ? old.text : NULL, &before) ||
	    status_json(sa->status, text_changed ? new_text : NULL, &after)) {
		rc = nomem(err);
		goto out;
	}
	rc = audit_add(w, sa->now, sa->actor, sa->action, sa->id, old.article_id, before, after,
		       sa->detail, err);
out:
	free(old.text);
	free(before);
	free(after);
	return rc;
}

int raqib_store_comment_set(raqib_store *st, int64_t id, raqib_comment_status status,
			    const char *new_text, const char *actor, const char *action,
			    const char *detail, int64_t now, raqib_err *err)
{
	struct set_arg sa = {id, status, new_text, actor, action, detail, now};
	if (!status_ok(status))
		return raqib_err_set(err, RAQIB_EARG, "store: bad comment status %d", (int)status);
	if (!actor || !*actor || !action || !*action)
		return raqib_err_set(err, RAQIB_EARG, "store: comment set needs an actor and an action");
	return submit(st, w_comment_set, &sa, false, err);
}

/* ------------------------------------------------------------------ bans */

struct ban_arg {
	const char *name, *ip_hash, *actor, *reason;
	int64_t until, now;
};

/* Stores a ban and its audit event (naming the comment it came from, if any). */
static int ban_insert(conn *w, const struct ban_arg *ba, int64_t comment_id, int64_t article_id,
		      raqib_err *err)
{
	sqlarg a[] = {A_S(ba->name),  A_S(ba->ip_hash), A_I(ba->until),
		      A_S(ba->actor), A_S(ba->reason),  A_I(ba->now)};
	query q = cached(S_BAN_ADD, a, NARGS(a));
	int rc;

	if ((rc = q_exec(w, &q, NULL, err, "ban add")))
		return rc;
	return audit_json(w, ba->now, ba->actor, "ban", comment_id, article_id,
			  json_pack("{s:s,s:s,s:I,s:s}", "name", ba->name ? ba->name : "",
				    "ip_hash", ba->ip_hash ? ba->ip_hash : "", "until",
				    (json_int_t)ba->until, "reason", ba->reason ? ba->reason : ""),
			  err);
}

static int w_ban_add(conn *w, void *p, raqib_err *err)
{
	return ban_insert(w, p, 0, 0, err);
}

int raqib_store_ban_add(raqib_store *st, const char *name, const char *ip_hash, int64_t until,
			const char *actor, const char *reason, int64_t now, raqib_err *err)
{
	struct ban_arg ba = {name, ip_hash, actor, reason, until, now};
	if ((!name || !*name) && (!ip_hash || !*ip_hash))
		return raqib_err_set(err, RAQIB_EARG, "store: a ban needs a name or an IP hash");
	return submit(st, w_ban_add, &ba, false, err);
}

int raqib_store_banned(raqib_store *st, const char *name, const char *ip_hash, int64_t now,
		       bool *banned, raqib_err *err)
{
	sqlarg a[] = {A_S(name), A_S(ip_hash), A_I(now)};
	query q = cached(S_BANNED, a, NARGS(a));
	int64_t v = 0;
	int rc;

	*banned = false;
	rc = get_scalar(st, &q, &v, err, "banned");
	*banned = !rc && v;
	return rc;
}

/* ----------------------------------------------------------------- audit */

static int read_audit(sqlite3_stmt *s, raqib_arena *ar, void *row, raqib_err *err)
{
	raqib_audit_row *a = row;
	a->id = sqlite3_column_int64(s, 0);
	a->at = sqlite3_column_int64(s, 1);
	a->comment_id = sqlite3_column_int64(s, 4);
	a->article_id = sqlite3_column_int64(s, 5);
	if (!(a->actor = col_str(s, 2, ar)) || !(a->action = col_str(s, 3, ar)) ||
	    !(a->before = col_str(s, 6, ar)) || !(a->after = col_str(s, 7, ar)) ||
	    !(a->detail = col_str(s, 8, ar)))
		return nomem(err);
	return 0;
}

int raqib_store_audit_list(raqib_store *st, int64_t comment_id, size_t offset, size_t limit,
			   raqib_arena *ar, raqib_audit_row **out, size_t *n, raqib_err *err)
{
	sqlarg a[] = {A_I(clamp_i64(limit)), A_I(clamp_i64(offset)), A_I(comment_id)};
	query q = cached(comment_id ? S_AUDIT_COMMENT : S_AUDIT_ALL, a, comment_id ? 3 : 2);
	rows r = ROWS(read_audit, out, n);
	return get_list(st, &q, &r, ar, err, "audit list");
}

/* ------------------------------------------------------ purge, checkpoint */

struct purge_arg {
	int64_t before, purged;
};

static int w_purge(conn *w, void *p, raqib_err *err)
{
	struct purge_arg *pa = p;
	sqlarg a[] = {A_I(pa->before)};
	query q = cached(S_PURGE, a, 1);
	int rc;

	if ((rc = q_exec(w, &q, &pa->purged, err, "purge")))
		return rc;
	return audit_json(w, (int64_t)time(NULL), "raqib", "purge_ips", 0, 0,
			  json_pack("{s:I,s:I}", "before", (json_int_t)pa->before, "purged",
				    (json_int_t)pa->purged),
			  err);
}

int raqib_store_purge_ips(raqib_store *st, int64_t before, int64_t *purged, raqib_err *err)
{
	struct purge_arg pa = {before, 0};
	int rc = submit(st, w_purge, &pa, false, err);
	if (!rc && purged)
		*purged = pa.purged;
	return rc;
}

static int w_checkpoint(conn *w, void *p, raqib_err *err)
{
	(void)p;
	return run(w, S_CHECKPOINT, err, "checkpoint");
}

int raqib_store_checkpoint(raqib_store *st, raqib_err *err)
{
	return submit(st, w_checkpoint, NULL, true, err);
}

/* ------------------------------------------------------ the editors' desk */

/* Runs SQL prepared for this call; *changes may be NULL. */
static int adhoc_exec(conn *w, const char *sql, const sqlarg *a, int na, int64_t *changes,
		      raqib_err *err)
{
	query q = adhoc(sql, a, na);
	return q_exec(w, &q, changes, err, "write");
}

/* ---- accounts */

struct user_arg {
	const char *name, *role, *pwhash, *actor;
	int64_t now;
};

static int w_user_add(conn *w, void *p, raqib_err *err)
{
	struct user_arg *ua = p;
	sqlarg a[] = {A_S(ua->name), A_S(ua->role), A_S(ua->pwhash), A_I(ua->now)};
	query q = adhoc("INSERT INTO users (name, role, pwhash, created_at)"
			" VALUES (?1, ?2, ?3, ?4)", a, NARGS(a));
	sqlite3_stmt *s = q_open(w, &q, err);
	int rc;

	if (!s)
		return err ? err->code : RAQIB_EIO;
	rc = sqlite3_step(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		q_close(&q, s);
		return RAQIB_STORE_EXISTS;
	}
	if (rc != SQLITE_DONE) {
		rc = db_fail(w->db, rc, err, "user add");
		q_close(&q, s);
		return rc;
	}
	q_close(&q, s);
	return audit_json(w, ua->now, ua->actor, "user_add", 0, 0,
			  json_pack("{s:s,s:s}", "user", ua->name, "role", ua->role), err);
}

static bool role_ok(const char *r)
{
	return r && (!strcmp(r, "editor") || !strcmp(r, "admin"));
}

int raqib_store_user_add(raqib_store *st, const char *name, const char *role,
			 const char *pwhash, const char *actor, int64_t now, raqib_err *err)
{
	struct user_arg ua = {name, role, pwhash, actor && *actor ? actor : "raqib", now};
	if (!name || !*name || strlen(name) > 64 || !role_ok(role) || !pwhash || !*pwhash)
		return raqib_err_set(err, RAQIB_EARG, "store: a user needs a name (1..64 bytes), "
						      "a role (editor/admin) and a password hash");
	return submit(st, w_user_add, &ua, false, err);
}

static int read_user(sqlite3_stmt *s, raqib_arena *ar, void *row, raqib_err *err)
{
	raqib_user *u = row;
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(s, 0);
	u->disabled = sqlite3_column_int(s, 4) != 0;
	u->created_at = sqlite3_column_int64(s, 5);
	if (!(u->name = col_str(s, 1, ar)) || !(u->role = col_str(s, 2, ar)) ||
	    !(u->pwhash = col_str(s, 3, ar)))
		return nomem(err);
	return 0;
}

#define USER_COLS "id, name, role, pwhash, disabled, created_at FROM users "

int raqib_store_user_get(raqib_store *st, const char *name, raqib_arena *ar,
			 raqib_user *out, raqib_err *err)
{
	sqlarg a[] = {A_S(name)};
	query q = adhoc("SELECT " USER_COLS "WHERE name = ?1", a, 1);
	return get_one(st, &q, read_user, ar, out, err, "user get");
}

int raqib_store_user_list(raqib_store *st, raqib_arena *ar, raqib_user **out, size_t *n,
			  raqib_err *err)
{
	query q = adhoc("SELECT " USER_COLS "ORDER BY name", NULL, 0);
	rows r = ROWS(read_user, out, n);
	return get_list(st, &q, &r, ar, err, "user list");
}

static int w_user_disable(conn *w, void *p, raqib_err *err)
{
	struct user_arg *ua = p;
	sqlarg a[] = {A_S(ua->name)};
	int64_t ch = 0;
	int rc;

	if ((rc = adhoc_exec(w, "UPDATE users SET disabled = 1 WHERE name = ?1", a, 1, &ch, err)))
		return rc;
	if (!ch)
		return RAQIB_STORE_NOTFOUND;
	if ((rc = adhoc_exec(w, "DELETE FROM sessions WHERE user_id ="
				" (SELECT id FROM users WHERE name = ?1)", a, 1, NULL, err)))
		return rc;
	return audit_json(w, ua->now, ua->actor, "user_disable", 0, 0,
			  json_pack("{s:s}", "user", ua->name), err);
}

int raqib_store_user_disable(raqib_store *st, const char *name, const char *actor,
			     int64_t now, raqib_err *err)
{
	struct user_arg ua = {name, NULL, NULL, actor && *actor ? actor : "raqib", now};
	if (!name || !*name)
		return RAQIB_STORE_NOTFOUND;
	return submit(st, w_user_disable, &ua, false, err);
}

/* ---- sessions */

struct sql_arg {
	const char *sql;
	sqlarg a[4];
	int na;
};

static int w_sql(conn *w, void *p, raqib_err *err)
{
	struct sql_arg *sa = p;
	return adhoc_exec(w, sa->sql, sa->a, sa->na, NULL, err);
}

int raqib_store_session_add(raqib_store *st, const char *token_hash, int64_t user_id,
			    const char *csrf, int64_t now, raqib_err *err)
{
	struct sql_arg sa = {"INSERT INTO sessions (token_hash, user_id, csrf, created_at,"
			     " last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
			     {A_S(token_hash), A_I(user_id), A_S(csrf), A_I(now)}, 4};
	return submit(st, w_sql, &sa, false, err);
}

static int read_session(sqlite3_stmt *s, raqib_arena *ar, void *row, raqib_err *err)
{
	raqib_session *out = row;
	out->user_id = sqlite3_column_int64(s, 0);
	out->created_at = sqlite3_column_int64(s, 4);
	out->last_seen = sqlite3_column_int64(s, 5);
	if (!(out->user = col_str(s, 1, ar)) || !(out->role = col_str(s, 2, ar)) ||
	    !(out->csrf = col_str(s, 3, ar)))
		return nomem(err);
	return 0;
}

int raqib_store_session_get(raqib_store *st, const char *token_hash, raqib_arena *ar,
			    raqib_session *out, raqib_err *err)
{
	sqlarg a[] = {A_S(token_hash)};
	query q = adhoc("SELECT s.user_id, u.name, u.role, s.csrf, s.created_at,"
			" s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id"
			" WHERE s.token_hash = ?1 AND u.disabled = 0", a, 1);

	memset(out, 0, sizeof *out);
	return get_one(st, &q, read_session, ar, out, err, "session get");
}

int raqib_store_session_touch(raqib_store *st, const char *token_hash, int64_t now,
			      raqib_err *err)
{
	struct sql_arg sa = {"UPDATE sessions SET last_seen = max(last_seen, ?2)"
			     " WHERE token_hash = ?1", {A_S(token_hash), A_I(now)}, 2};
	return submit(st, w_sql, &sa, false, err);
}

int raqib_store_session_delete(raqib_store *st, const char *token_hash, raqib_err *err)
{
	struct sql_arg sa = {"DELETE FROM sessions WHERE token_hash = ?1", {A_S(token_hash)}, 1};
	return submit(st, w_sql, &sa, false, err);
}

int raqib_store_session_purge(raqib_store *st, int64_t idle_before, int64_t created_before,
			      raqib_err *err)
{
	struct sql_arg sa = {"DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2",
			     {A_I(idle_before), A_I(created_before)}, 2};
	return submit(st, w_sql, &sa, false, err);
}

/* ---- the queue */

static int queue_where(raqib_buf *sql, const void *filter, sqlarg *a, int *na)
{
	const raqib_queue_filter *f = filter;
	int rc = raqib_buf_adds(sql, " WHERE 1");
	if (f && f->status >= 0)
		rc |= and_param(sql, a, na, A_I(f->status), "c.status = ?", "");
	if (f && f->rule && *f->rule)
		rc |= and_param(sql, a, na, A_S(f->rule),
				"json_valid(c.reasons) AND EXISTS (SELECT 1 FROM"
				" json_each(CASE WHEN json_valid(c.reasons) THEN c.reasons"
				" ELSE '[]' END) j WHERE json_extract(j.value, '$.rule') = ?",
				")");
	if (f && f->article && *f->article)
		rc |= and_param(sql, a, na, A_S(f->article), "a.slug = ?", "");
	return rc;
}

static const filtered QUEUE = {
	"SELECT count(*) FROM comments c JOIN articles a ON a.id = c.article_id",
	"SELECT " COMMENT_COLS, queue_where, " ORDER BY c.created_at, c.id",
	read_comment, sizeof(raqib_comment_row), "queue count", "queue"};

int raqib_store_queue(raqib_store *st, const raqib_queue_filter *f, size_t offset,
		      size_t limit, raqib_arena *ar, raqib_comment_row **out, size_t *n,
		      size_t *total, raqib_err *err)
{
	return filtered_page(st, &QUEUE, f, offset, limit, ar, (void **)out, n, total, err);
}

/* ---- audit */

static int audit_where(raqib_buf *sql, const void *filter, sqlarg *a, int *na)
{
	const raqib_audit_filter *f = filter;
	int rc = raqib_buf_adds(sql, " WHERE 1");
	if (f && f->comment_id)
		rc |= and_param(sql, a, na, A_I(f->comment_id), "comment_id = ?", "");
	if (f && f->actor && *f->actor)
		rc |= and_param(sql, a, na, A_S(f->actor), "actor = ?", "");
	if (f && f->action && *f->action)
		rc |= and_param(sql, a, na, A_S(f->action), "action = ?", "");
	if (f && f->since)
		rc |= and_param(sql, a, na, A_I(f->since), "at >= ?", "");
	return rc;
}

static const filtered AUDIT = {
	"SELECT count(*) FROM audit", "SELECT " AUDIT_COLS, audit_where, " ORDER BY id DESC",
	read_audit, sizeof(raqib_audit_row), "audit count", "audit query"};

int raqib_store_audit_query(raqib_store *st, const raqib_audit_filter *f, size_t offset,
			    size_t limit, raqib_arena *ar, raqib_audit_row **out, size_t *n,
			    size_t *total, raqib_err *err)
{
	return filtered_page(st, &AUDIT, f, offset, limit, ar, (void **)out, n, total, err);
}

/* ---- statistics */

/* An editor's decision on a comment: its status before and after, from the
 * audit JSON (only editors' rows: screening's "before" is ""). */
#define EDITOR_EVENTS                                                             \
	"SELECT a.comment_id AS cid, a.detail AS detail,"                          \
	" json_extract(a.before, '$.status') AS b, json_extract(a.after, '$.status') AS f" \
	" FROM audit a WHERE a.actor <> 'raqib' AND a.comment_id > 0 AND a.at >= ?1"  \
	" AND json_valid(a.before) AND json_valid(a.after)"

static const char *const STATS_RULES_SQL =
	"WITH e AS (" EDITOR_EVENTS "),"
	" held AS (SELECT json_extract(j.value, '$.rule') AS rule, count(DISTINCT c.id) AS n"
	"   FROM comments c, json_each(CASE WHEN json_valid(c.reasons) THEN c.reasons"
	"   ELSE '[]' END) j WHERE c.created_at >= ?1 AND"
	"   json_extract(j.value, '$.action') = 'hold' GROUP BY 1),"
	" fp AS (SELECT r.rule AS rule, count(DISTINCT e.cid) AS n FROM e,"
	"   (SELECT c2.id AS cid, json_extract(j.value, '$.rule') AS rule FROM comments c2,"
	"   json_each(CASE WHEN json_valid(c2.reasons) THEN c2.reasons ELSE '[]' END) j"
	"   WHERE json_extract(j.value, '$.action') = 'hold') r"
	"   WHERE r.cid = e.cid AND e.b = 'pending' AND e.f IN ('published', 'shortened')"
	"   GROUP BY 1),"
	" tp AS (SELECT r.rule AS rule, count(DISTINCT e.cid) AS n FROM e,"
	"   (SELECT c2.id AS cid, json_extract(j.value, '$.rule') AS rule FROM comments c2,"
	"   json_each(CASE WHEN json_valid(c2.reasons) THEN c2.reasons ELSE '[]' END) j"
	"   WHERE json_extract(j.value, '$.action') = 'hold') r"
	"   WHERE r.cid = e.cid AND e.b = 'pending' AND e.f = 'rejected' GROUP BY 1),"
	" miss AS (SELECT CASE WHEN e.detail IN ('honeypot', 'spam', 'insult', 'hate',"
	"   'off_topic', 'dialect', 'foreign', 'pseudonym', 'phone') THEN e.detail"
	"   ELSE 'other' END AS rule, count(DISTINCT e.cid) AS n FROM e"
	"   WHERE e.b IN ('published', 'shortened') AND e.f IN ('rejected', 'unpublished')"
	"   GROUP BY 1),"
	" rules AS (SELECT rule FROM held UNION SELECT rule FROM fp UNION SELECT rule FROM tp"
	"   UNION SELECT rule FROM miss)"
	" SELECT rules.rule, coalesce(held.n, 0), coalesce(fp.n, 0), coalesce(tp.n, 0),"
	" coalesce(miss.n, 0) FROM rules LEFT JOIN held USING (rule) LEFT JOIN fp USING (rule)"
	" LEFT JOIN tp USING (rule) LEFT JOIN miss USING (rule)"
	" WHERE rules.rule IS NOT NULL ORDER BY rules.rule";

/* The first decision an editor took on each held comment. */
static const char *const STATS_DELAY_SQL =
	"SELECT min(a.at) - c.created_at FROM audit a JOIN comments c ON c.id = a.comment_id"
	" WHERE a.actor <> 'raqib' AND a.at >= ?1 AND json_valid(a.before)"
	" AND json_valid(a.after) AND json_extract(a.before, '$.status') = 'pending'"
	" AND json_extract(a.after, '$.status') <> 'pending' GROUP BY a.comment_id ORDER BY 1";


/* The per-day table: one entry per day, counts by status. */
struct day_table {
	raqib_stats *out;
	size_t cap;
};

static int add_day(sqlite3_stmt *s, raqib_arena *ar, void *p, raqib_err *err)
{
	struct day_table *t = p;
	raqib_stats *out = t->out;
	const char *d = (const char *)sqlite3_column_text(s, 0);
	int stt = sqlite3_column_int(s, 1);
	if (!d)
		return 0;
	if (!out->ndays || strcmp(out->days[out->ndays - 1].day, d)) {
		if (vec_push(ar, (void **)&out->days, &out->ndays, &t->cap, sizeof *out->days))
			return nomem(err);
		snprintf(out->days[out->ndays - 1].day, sizeof out->days[0].day, "%s", d);
	}
	if (status_ok(stt))
		out->days[out->ndays - 1].n[stt] += sqlite3_column_int64(s, 2);
	return 0;
}

static int read_stat_rule(sqlite3_stmt *s, raqib_arena *ar, void *row, raqib_err *err)
{
	raqib_stat_rule *r = row;
	if (!(r->rule = col_str(s, 0, ar)))
		return nomem(err);
	r->held = sqlite3_column_int64(s, 1);
	r->approved = sqlite3_column_int64(s, 2);
	r->rejected = sqlite3_column_int64(s, 3);
	r->missed = sqlite3_column_int64(s, 4);
	return 0;
}

int raqib_store_stats(raqib_store *st, int64_t since, raqib_arena *ar, raqib_stats *out,
		      raqib_err *err)
{
	sqlarg a[] = {A_I(since)}, pending[] = {A_I(RAQIB_CS_PENDING)};
	query per_day = adhoc("SELECT date(created_at, 'unixepoch', 'localtime'), status,"
			      " count(*) FROM comments WHERE created_at >= ?1 GROUP BY 1, 2"
			      " ORDER BY 1", a, 1),
	      per_rule = adhoc(STATS_RULES_SQL, a, 1), delay = adhoc(STATS_DELAY_SQL, a, 1),
	      queue = cached(S_C_COUNT_STATUS, pending, 1);
	int64_t *delays = NULL;
	size_t ndelay = 0;
	struct day_table days = {out, 0};
	rows rules = ROWS(read_stat_rule, &out->rules, &out->nrules),
	     delayr = ROWS(read_i64, &delays, &ndelay);
	conn *c;
	int rc;

	memset(out, 0, sizeof *out);
	out->median_decision = -1;
	if (pool_get(st, &c, err))
		return err ? err->code : RAQIB_EIO;
	if ((rc = run(c, S_BEGIN_R, err, "begin")) ||
	    (rc = q_each(c, &per_day, add_day, ar, &days, err, "stats per day")) ||
	    (rc = q_rows(c, &per_rule, &rules, ar, err, "stats per rule")) ||
	    (rc = q_rows(c, &delay, &delayr, ar, err, "stats delay")))
		goto done;
	out->decided = (int64_t)ndelay;
	if (ndelay)
		out->median_decision = ndelay % 2 ? delays[ndelay / 2]
						  : (delays[ndelay / 2 - 1] + delays[ndelay / 2]) / 2;
	rc = q_scalar(c, &queue, &out->queue, err, "queue size");
	if (!rc)
		rc = run(c, S_COMMIT, err, "commit");
done:
	pool_put(st, c);
	return rc;
}

/* ---- feedback */

static const char *const FEEDBACK_SQL =
	"SELECT c.id, c.name, c.text, c.text_public, c.reasons, c.status,"
	" (SELECT json_extract(s.after, '$.status') FROM audit s WHERE s.comment_id = c.id"
	"   AND s.action = 'screen' AND json_valid(s.after) ORDER BY s.id LIMIT 1),"
	" coalesce((SELECT r.detail FROM audit r WHERE r.comment_id = c.id AND r.actor <> 'raqib'"
	"   AND r.action IN ('reject', 'unpublish') ORDER BY r.id DESC LIMIT 1), '')"
	" FROM comments c WHERE c.id IN (SELECT comment_id FROM audit WHERE at >= ?1"
	"   AND actor <> 'raqib' AND comment_id > 0"
	"   AND action IN ('approve', 'reject', 'edit', 'unpublish'))"
	" ORDER BY c.id";


static int read_feedback(sqlite3_stmt *s, raqib_arena *ar, void *row, raqib_err *err)
{
	raqib_feedback_row *r = row;
	const char *first = (const char *)sqlite3_column_text(s, 6);
	r->id = sqlite3_column_int64(s, 0);
	r->status = (raqib_comment_status)sqlite3_column_int(s, 5);
	r->first_status = first ? raqib_status_from_name(first) : -1;
	if (!(r->name = col_str(s, 1, ar)) || !(r->text = col_str(s, 2, ar)) ||
	    !(r->text_public = col_str(s, 3, ar)) || !(r->reasons_json = col_str(s, 4, ar)) ||
	    !(r->reason = col_str(s, 7, ar)))
		return nomem(err);
	return 0;
}

int raqib_store_feedback(raqib_store *st, int64_t since, raqib_arena *ar,
			 raqib_feedback_row **out, size_t *n, raqib_err *err)
{
	sqlarg a[] = {A_I(since)};
	query q = adhoc(FEEDBACK_SQL, a, 1);
	rows r = ROWS(read_feedback, out, n);
	return get_list(st, &q, &r, ar, err, "feedback");
}

/* ---- bans from a comment */

struct ban_comment_arg {
	int64_t id, until, now;
	const char *actor, *reason;
};

/* Who wrote a comment, to ban them; name and ip_hash are malloc'ed. */
struct author {
	char *name, *ip_hash;
	int64_t article_id;
};

static int read_author(sqlite3_stmt *s, raqib_arena *ar, void *p, raqib_err *err)
{
	struct author *au = p;
	const char *name = (const char *)sqlite3_column_text(s, 0);
	const char *ip = (const char *)sqlite3_column_text(s, 1);
	(void)ar;
	(void)err;
	au->name = strdup(name ? name : "");
	au->ip_hash = strdup(ip ? ip : "");
	au->article_id = sqlite3_column_int64(s, 2);
	return 0; /* a failed copy is told apart by the caller */
}

static int w_ban_comment(conn *w, void *p, raqib_err *err)
{
	struct ban_comment_arg *ba = p;
	sqlarg a[] = {A_I(ba->id)};
	query q = adhoc("SELECT name, ip_hash, article_id FROM comments WHERE id = ?1", a, 1);
	struct author au = {NULL, NULL, 0};
	int rc;

	if ((rc = q_one(w, &q, read_author, NULL, &au, err, "ban comment")))
		return rc;
	if (!au.name || !au.ip_hash) {
		rc = nomem(err);
		goto out;
	}
	if (!*au.name && !*au.ip_hash) {
		rc = raqib_err_set(err, RAQIB_EARG, "store: comment %lld has no name or IP hash to ban",
				   (long long)ba->id);
		goto out;
	}
	{
		struct ban_arg ban = {au.name, au.ip_hash, ba->actor, ba->reason, ba->until, ba->now};
		rc = ban_insert(w, &ban, ba->id, au.article_id, err);
	}
out:
	free(au.name);
	free(au.ip_hash);
	return rc;
}

int raqib_store_ban_comment(raqib_store *st, int64_t comment_id, int64_t until,
			    const char *actor, const char *reason, int64_t now, raqib_err *err)
{
	struct ban_comment_arg ba = {comment_id, until, now, actor, reason};
	if (!actor || !*actor)
		return raqib_err_set(err, RAQIB_EARG, "store: a ban needs an actor");
	return submit(st, w_ban_comment, &ba, false, err);
}

/* ---- settings */

struct settings_arg {
	const raqib_setting *set;
	size_t n;
	const char *actor, *before, *after;
	int64_t now;
};

static int w_settings_put(conn *w, void *p, raqib_err *err)
{
	struct settings_arg *sa = p;
	int rc;

	for (size_t i = 0; i < sa->n; i++) {
		const raqib_setting *e = &sa->set[i];
		if (e->value) {
			sqlarg a[] = {A_S(e->rule), A_S(e->key), A_S(e->value), A_I(sa->now),
				      A_S(sa->actor)};
			rc = adhoc_exec(w, "INSERT INTO settings (rule, key, value, updated_at,"
					       " updated_by) VALUES (?1, ?2, ?3, ?4, ?5)"
					       " ON CONFLICT (rule, key) DO UPDATE SET value = ?3,"
					       " updated_at = ?4, updated_by = ?5", a, 5, NULL, err);
		} else {
			sqlarg a[] = {A_S(e->rule), A_S(e->key)};
			rc = adhoc_exec(w, "DELETE FROM settings WHERE rule = ?1 AND key = ?2", a, 2,
					NULL, err);
		}
		if (rc)
			return rc;
	}
	return audit_add(w, sa->now, sa->actor, "settings", 0, 0, sa->before ? sa->before : "",
			 sa->after ? sa->after : "", "", err);
}

int raqib_store_settings_put(raqib_store *st, const raqib_setting *set, size_t n,
			     const char *actor, const char *before, const char *after, int64_t now,
			     raqib_err *err)
{
	struct settings_arg sa = {set, n, actor, before, after, now};

	if (!actor || !*actor)
		return raqib_err_set(err, RAQIB_EARG, "store: a settings change needs an actor");
	for (size_t i = 0; i < n; i++)
		if (!set[i].rule || !*set[i].rule || !set[i].key || !*set[i].key)
			return raqib_err_set(err, RAQIB_EARG, "store: a setting needs a rule and a key");
	return submit(st, w_settings_put, &sa, false, err);
}

static int read_setting(sqlite3_stmt *s, raqib_arena *ar, void *row, raqib_err *err)
{
	raqib_setting *e = row;
	e->updated_at = sqlite3_column_int64(s, 3);
	if (!(e->rule = col_str(s, 0, ar)) || !(e->key = col_str(s, 1, ar)) ||
	    !(e->value = col_str(s, 2, ar)) || !(e->updated_by = col_str(s, 4, ar)))
		return nomem(err);
	return 0;
}

int raqib_store_settings_list(raqib_store *st, raqib_arena *ar, raqib_setting **out, size_t *n,
			      raqib_err *err)
{
	query q = adhoc("SELECT rule, key, value, updated_at, updated_by FROM settings"
			" ORDER BY rule, key", NULL, 0);
	rows r = ROWS(read_setting, out, n);
	return get_list(st, &q, &r, ar, err, "settings list");
}
