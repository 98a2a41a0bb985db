/* The SQLite store against a real database in a fresh temp dir per test:
 * schema, articles, comments, the public page, audit, bans, privacy purge,
 * group commit under concurrent writers, and refusing bad files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

typedef struct {
	char dir[64];
	char path[96];
	raqib_store *st;
	raqib_arena *ar;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	raqib_err err = {0};
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/raqib-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/raqib.db", f->dir);
	if (raqib_store_open(f->path, &f->st, &err)) {
		fprintf(stderr, "open: %s\n", err.msg);
		return -1;
	}
	f->ar = raqib_arena_new(0);
	*state = f;
	return 0;
}

static void rm_db(const char *dir)
{
	static const char *const sfx[] = {"raqib.db", "raqib.db-wal", "raqib.db-shm",
					  "raqib.db-journal", "garbage.db", "garbage.db-wal",
					  "garbage.db-shm"};
	char p[160];
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int teardown(void **state)
{
	fixture *f = *state;
	raqib_store_close(f->st);
	raqib_arena_free(f->ar);
	rm_db(f->dir);
	free(f);
	return 0;
}

static void reopen(fixture *f)
{
	raqib_err err = {0};
	raqib_store_close(f->st);
	f->st = NULL;
	if (raqib_store_open(f->path, &f->st, &err))
		fail_msg("reopen: %s", err.msg);
}

static int64_t put_article(fixture *f, const char *slug, int64_t published, int64_t now)
{
	raqib_article a = {.slug = slug, .title = "عنوان", .body = "فقرة أولى\nفقرة ثانية",
			   .published_at = published};
	raqib_err err = {0};
	int64_t id = 0;
	bool created;
	if (raqib_store_article_put(f->st, &a, now, &id, &created, &err))
		fail_msg("put %s: %s", slug, err.msg);
	assert_true(id > 0);
	return id;
}

static int64_t add_comment(fixture *f, int64_t article_id, raqib_comment_status status,
			   const char *text, const char *text_hash, int64_t now)
{
	raqib_comment_row c = {.article_id = article_id, .name = "سامي الخطيب", .text = text,
			       .status = status, .reasons_json = "[]", .ip_hash = "abcd",
			       .text_hash = text_hash};
	raqib_err err = {0};
	if (raqib_store_comment_add(f->st, &c, now, &err))
		fail_msg("comment add: %s", err.msg);
	assert_true(c.id > 0);
	assert_int_equal(c.created_at, now);
	return c.id;
}

static raqib_article get_article(fixture *f, const char *slug)
{
	raqib_article a;
	raqib_err err = {0};
	int rc = raqib_store_article_get(f->st, slug, f->ar, &a, &err);
	if (rc)
		fail_msg("get %s: %d %s", slug, rc, err.msg);
	return a;
}

/* ---------------------------------------------------------------- tests */

static void test_open_migrates_and_persists(void **state)
{
	fixture *f = *state;
	raqib_article a;
	struct stat sb;

	assert_true(raqib_store_schema_version(f->st) > 0);
	assert_int_equal(stat(f->path, &sb), 0);
	put_article(f, "kept", 0, 100);
	reopen(f);
	assert_true(raqib_store_schema_version(f->st) > 0);
	a = get_article(f, "kept");
	assert_string_equal(a.slug, "kept");
	assert_string_equal(a.title, "عنوان");
	/* the WAL was checkpointed and truncated at close */
	raqib_store_close(f->st);
	f->st = NULL;
	{
		char wal[128];
		snprintf(wal, sizeof wal, "%s-wal", f->path);
		assert_true(stat(wal, &sb) != 0 || sb.st_size == 0);
	}
	reopen(f);
}

static void test_article_put_get_update(void **state)
{
	fixture *f = *state;
	raqib_related rel[2] = {{"الخبر الأول", "https://example.org/a"},
				{"\"quoted\" \\ title", "https://example.org/b?x=1&y=2"}};
	raqib_article a = {.slug = "gaza-talks_2", .title = "محادثات", .body = "فقرة",
			   .caption = "صورة", .image_url = "/img/1.jpg", .author = "مراسلنا",
			   .nrelated = 2, .related = rel, .published_at = 50};
	raqib_article g;
	raqib_err err = {0};
	int64_t id = 0, id2 = 0, v1;
	bool created = false;

	assert_int_equal(raqib_store_article_put(f->st, &a, 100, &id, &created, &err), 0);
	assert_true(created);
	g = get_article(f, "gaza-talks_2");
	assert_int_equal(g.id, id);
	assert_string_equal(g.title, "محادثات");
	assert_string_equal(g.caption, "صورة");
	assert_string_equal(g.image_url, "/img/1.jpg");
	assert_string_equal(g.author, "مراسلنا");
	assert_int_equal(g.published_at, 50);
	assert_int_equal(g.created_at, 100);
	assert_int_equal(g.updated_at, 100);
	assert_int_equal(g.last_modified, 100);
	assert_int_equal(g.ncomments_public, 0);
	assert_int_equal(g.nrelated, 2);
	assert_string_equal(g.related[0].title, "الخبر الأول");
	assert_string_equal(g.related[1].title, "\"quoted\" \\ title");
	assert_string_equal(g.related[1].url, "https://example.org/b?x=1&y=2");
	v1 = g.version;

	a.title = "محادثات جديدة";
	a.nrelated = 0;
	a.related = NULL;
	a.published_at = 0; /* keeps the stored date */
	assert_int_equal(raqib_store_article_put(f->st, &a, 200, &id2, &created, &err), 0);
	assert_false(created);
	assert_int_equal(id2, id);
	g = get_article(f, "gaza-talks_2");
	assert_string_equal(g.title, "محادثات جديدة");
	assert_int_equal(g.nrelated, 0);
	assert_int_equal(g.published_at, 50);
	assert_int_equal(g.created_at, 100);
	assert_int_equal(g.updated_at, 200);
	assert_int_equal(g.last_modified, 200);
	assert_true(g.version > v1);

	/* published_at 0 on a new article = created_at */
	put_article(f, "undated", 0, 300);
	assert_int_equal(get_article(f, "undated").published_at, 300);

	/* slugs are checked */
	a.slug = "Bad Slug";
	assert_int_equal(raqib_store_article_put(f->st, &a, 1, NULL, NULL, &err), RAQIB_EARG);
	a.slug = "";
	assert_int_equal(raqib_store_article_put(f->st, &a, 1, NULL, NULL, &err), RAQIB_EARG);
}

static void test_notfound(void **state)
{
	fixture *f = *state;
	raqib_article a;
	raqib_comment_row c;
	raqib_err err = {0};

	assert_int_equal(raqib_store_article_get(f->st, "nope", f->ar, &a, &err),
			 RAQIB_STORE_NOTFOUND);
	assert_int_equal(raqib_store_comment_get(f->st, 42, f->ar, &c, &err),
			 RAQIB_STORE_NOTFOUND);
	assert_int_equal(raqib_store_comment_set(f->st, 42, RAQIB_CS_REJECTED, NULL, "editor",
						 "reject", "", 1, &err),
			 RAQIB_STORE_NOTFOUND);
}

static void test_article_list(void **state)
{
	fixture *f = *state;
	raqib_article *list;
	raqib_err err = {0};
	size_t n, total;
	/* published dates out of insertion order; two share a date */
	put_article(f, "b", 20, 1);
	put_article(f, "a", 10, 2);
	put_article(f, "d", 40, 3);
	put_article(f, "c", 20, 4);
	put_article(f, "e", 30, 5);

	assert_int_equal(raqib_store_article_list(f->st, 0, 10, f->ar, &list, &n, &total, &err), 0);
	assert_int_equal(n, 5);
	assert_int_equal(total, 5);
	/* newest first; the same date: the later id first */
	const char *want[] = {"d", "e", "c", "b", "a"};
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(list[i].slug, want[i]);

	assert_int_equal(raqib_store_article_list(f->st, 2, 2, f->ar, &list, &n, &total, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(total, 5);
	assert_string_equal(list[0].slug, "c");
	assert_string_equal(list[1].slug, "b");

	assert_int_equal(raqib_store_article_list(f->st, 10, 2, f->ar, &list, &n, &total, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(total, 5);
}

static void test_comment_add_get(void **state)
{
	fixture *f = *state;
	int64_t art = put_article(f, "art", 0, 1);
	raqib_comment_row c = {.article_id = art, .name = "ليلى", .text = "رقمي 0123456789",
			       .text_public = "رقمي [رقم محذوف]", .status = RAQIB_CS_SHORTENED,
			       .reasons_json = "[{\"rule\":\"phone\",\"spans\":[[5,15]]}]",
			       .ip_hash = "ff00", .text_hash = "h1"};
	raqib_comment_row g;
	raqib_err err = {0};

	assert_int_equal(raqib_store_comment_add(f->st, &c, 500, &err), 0);
	assert_true(c.id > 0);
	assert_int_equal(c.decided_at, 500);
	assert_int_equal(raqib_store_comment_get(f->st, c.id, f->ar, &g, &err), 0);
	assert_int_equal(g.id, c.id);
	assert_int_equal(g.article_id, art);
	assert_string_equal(g.article_slug, "art");
	assert_string_equal(g.name, "ليلى");
	assert_string_equal(g.text, "رقمي 0123456789");
	assert_string_equal(g.text_public, "رقمي [رقم محذوف]");
	assert_int_equal(g.status, RAQIB_CS_SHORTENED);
	assert_string_equal(g.reasons_json, c.reasons_json);
	assert_string_equal(g.ip_hash, "ff00");
	assert_string_equal(g.text_hash, "h1");
	assert_int_equal(g.created_at, 500);
	assert_int_equal(g.decided_at, 500);

	/* text_public absent = the text itself */
	c.text_public = NULL;
	c.status = RAQIB_CS_PUBLISHED;
	assert_int_equal(raqib_store_comment_add(f->st, &c, 501, &err), 0);
	assert_int_equal(raqib_store_comment_get(f->st, c.id, f->ar, &g, &err), 0);
	assert_string_equal(g.text_public, "رقمي 0123456789");

	/* the screening decision is in the audit log */
	raqib_audit_row *au;
	size_t n;
	assert_int_equal(raqib_store_audit_list(f->st, c.id, 0, 10, f->ar, &au, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(au[0].actor, "raqib");
	assert_string_equal(au[0].action, "screen");
	assert_int_equal(au[0].article_id, art);
	assert_non_null(strstr(au[0].after, "\"published\""));
	assert_string_equal(au[0].detail, c.reasons_json);

	/* no such article: a foreign key error, nothing stored */
	c.article_id = art + 1000;
	assert_int_equal(raqib_store_comment_add(f->st, &c, 502, &err), RAQIB_EARG);
	assert_int_equal(c.id, 0);
	int64_t cnt;
	assert_int_equal(raqib_store_count_status(f->st, RAQIB_CS_PUBLISHED, &cnt, &err), 0);
	assert_int_equal(cnt, 1);
	c.status = (raqib_comment_status)9;
	assert_int_equal(raqib_store_comment_add(f->st, &c, 502, &err), RAQIB_EARG);
}

static void test_comments_public(void **state)
{
	fixture *f = *state;
	int64_t art = put_article(f, "page", 0, 1), other = put_article(f, "other", 0, 1);
	raqib_comment_row *rows;
	raqib_err err = {0};
	size_t n, total;
	int64_t ids[10];
	int k = 0;

	int64_t v0 = get_article(f, "page").version;
	/* pending/rejected/unpublished never show; neither do other articles' */
	add_comment(f, art, RAQIB_CS_PENDING, "p", "", 5);
	assert_int_equal(get_article(f, "page").version, v0);
	add_comment(f, art, RAQIB_CS_REJECTED, "r", "", 6);
	add_comment(f, art, RAQIB_CS_UNPUBLISHED, "u", "", 7);
	add_comment(f, other, RAQIB_CS_PUBLISHED, "o", "", 8);
	for (int i = 0; i < 7; i++)
		ids[k++] = add_comment(f, art, i % 3 ? RAQIB_CS_PUBLISHED : RAQIB_CS_SHORTENED,
				       "نص", "", 10 + i / 2); /* pairs share a second */

	raqib_article a = get_article(f, "page");
	assert_int_equal(a.ncomments_public, 7);
	assert_true(a.version > v0);
	assert_int_equal(a.last_modified, 13);

	assert_int_equal(raqib_store_comments_public(f->st, art, true, 1, 3, f->ar, &rows, &n,
						     &total, &err), 0);
	assert_int_equal(total, 7);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].id, ids[6]);
	assert_int_equal(rows[1].id, ids[5]);
	assert_int_equal(rows[2].id, ids[4]);
	assert_int_equal(raqib_store_comments_public(f->st, art, true, 3, 3, f->ar, &rows, &n,
						     &total, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, ids[0]);
	assert_string_equal(rows[0].article_slug, "page");

	assert_int_equal(raqib_store_comments_public(f->st, art, false, 1, 100, f->ar, &rows, &n,
						     &total, &err), 0);
	assert_int_equal(n, 7);
	for (int i = 0; i < 7; i++) {
		assert_int_equal(rows[i].id, ids[i]);
		assert_true(raqib_status_public(rows[i].status));
	}
	/* a page past the end, an absurd page */
	assert_int_equal(raqib_store_comments_public(f->st, art, false, 9, 100, f->ar, &rows, &n,
						     &total, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(total, 7);
	assert_int_equal(raqib_store_comments_public(f->st, art, false, SIZE_MAX, SIZE_MAX, f->ar,
						     &rows, &n, &total, &err), 0);
	assert_int_equal(n, 0);
	/* no such article: empty */
	assert_int_equal(raqib_store_comments_public(f->st, 9999, true, 1, 10, f->ar, &rows, &n,
						     &total, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(total, 0);

	/* editors' queue */
	assert_int_equal(raqib_store_comments_by_status(f->st, RAQIB_CS_PENDING, 0, 10, f->ar, &rows,
							&n, &total, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	assert_string_equal(rows[0].text, "p");
}

static void test_duplicate(void **state)
{
	fixture *f = *state;
	int64_t art = put_article(f, "dup", 0, 1), other = put_article(f, "dup2", 0, 1);
	raqib_comment_row c = {.article_id = art, .text = "bot", .status = RAQIB_CS_REJECTED,
			       .reasons_json = "[{\"rule\":\"honeypot\",\"score\":1}]",
			       .text_hash = "hbot"};
	raqib_err err = {0};
	bool dup;

	add_comment(f, art, RAQIB_CS_PUBLISHED, "x", "h1", 100);
	assert_int_equal(raqib_store_comment_duplicate(f->st, art, "h1", 50, &dup, &err), 0);
	assert_true(dup);
	assert_int_equal(raqib_store_comment_duplicate(f->st, art, "h1", 100, &dup, &err), 0);
	assert_true(dup);
	assert_int_equal(raqib_store_comment_duplicate(f->st, art, "h1", 101, &dup, &err), 0);
	assert_false(dup); /* outside the window */
	assert_int_equal(raqib_store_comment_duplicate(f->st, other, "h1", 0, &dup, &err), 0);
	assert_false(dup);
	assert_int_equal(raqib_store_comment_duplicate(f->st, art, "h2", 0, &dup, &err), 0);
	assert_false(dup);

	/* a rejected comment counts, except one rejected as a honeypot bot */
	add_comment(f, art, RAQIB_CS_REJECTED, "y", "h3", 100);
	assert_int_equal(raqib_store_comment_duplicate(f->st, art, "h3", 0, &dup, &err), 0);
	assert_true(dup);
	assert_int_equal(raqib_store_comment_add(f->st, &c, 100, &err), 0);
	assert_int_equal(raqib_store_comment_duplicate(f->st, art, "hbot", 0, &dup, &err), 0);
	assert_false(dup);
	/* malformed reasons do not break the query */
	c.reasons_json = "not json";
	c.text_hash = "hbad";
	assert_int_equal(raqib_store_comment_add(f->st, &c, 100, &err), 0);
	assert_int_equal(raqib_store_comment_duplicate(f->st, art, "hbad", 0, &dup, &err), 0);
	assert_true(dup);
}

static void test_comment_set_audit(void **state)
{
	fixture *f = *state;
	int64_t art = put_article(f, "mod", 0, 1);
	int64_t id = add_comment(f, art, RAQIB_CS_PENDING, "نص أصلي", "", 10);
	raqib_comment_row g;
	raqib_audit_row *au;
	raqib_err err = {0};
	size_t n;
	raqib_article a0 = get_article(f, "mod"), a;

	/* approve: becomes public, the article changes */
	assert_int_equal(raqib_store_comment_set(f->st, id, RAQIB_CS_PUBLISHED, NULL, "huda",
						 "approve", "ok", 20, &err), 0);
	assert_int_equal(raqib_store_comment_get(f->st, id, f->ar, &g, &err), 0);
	assert_int_equal(g.status, RAQIB_CS_PUBLISHED);
	assert_int_equal(g.decided_at, 20);
	a = get_article(f, "mod");
	assert_true(a.version > a0.version);
	assert_int_equal(a.ncomments_public, 1);
	assert_int_equal(a.last_modified, 20);

	/* edit the public text: status unchanged, decided_at unchanged */
	assert_int_equal(raqib_store_comment_set(f->st, id, RAQIB_CS_SHORTENED, "نص مختصر", "huda",
						 "edit", "", 30, &err), 0);
	assert_int_equal(raqib_store_comment_get(f->st, id, f->ar, &g, &err), 0);
	assert_string_equal(g.text, "نص أصلي");
	assert_string_equal(g.text_public, "نص مختصر");
	assert_int_equal(g.status, RAQIB_CS_SHORTENED);
	assert_int_equal(get_article(f, "mod").ncomments_public, 1);
	assert_true(get_article(f, "mod").version > a.version);

	/* unpublish: leaves the public count */
	assert_int_equal(raqib_store_comment_set(f->st, id, RAQIB_CS_UNPUBLISHED, NULL, "omar",
						 "unpublish", "complaint", 40, &err), 0);
	assert_int_equal(get_article(f, "mod").ncomments_public, 0);
	size_t total;
	raqib_comment_row *rows;
	assert_int_equal(raqib_store_comments_public(f->st, art, true, 1, 10, f->ar, &rows, &n,
						     &total, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(total, 0);

	/* audit: newest first, before/after as JSON */
	assert_int_equal(raqib_store_audit_list(f->st, id, 0, 10, f->ar, &au, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(au[0].action, "unpublish");
	assert_string_equal(au[0].actor, "omar");
	assert_string_equal(au[0].detail, "complaint");
	assert_int_equal(au[0].at, 40);
	assert_non_null(strstr(au[0].before, "\"shortened\""));
	assert_non_null(strstr(au[0].after, "\"unpublished\""));
	assert_string_equal(au[1].action, "edit");
	assert_non_null(strstr(au[1].before, "نص أصلي"));
	assert_non_null(strstr(au[1].after, "نص مختصر"));
	assert_string_equal(au[2].action, "approve");
	assert_non_null(strstr(au[2].before, "\"pending\""));
	assert_non_null(strstr(au[2].after, "\"published\""));
	assert_string_equal(au[3].action, "screen");
	assert_true(au[0].id > au[1].id && au[1].id > au[2].id);
	/* paging */
	assert_int_equal(raqib_store_audit_list(f->st, id, 1, 1, f->ar, &au, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(au[0].action, "edit");
	assert_int_equal(raqib_store_audit_list(f->st, 0, 0, 100, f->ar, &au, &n, &err), 0);
	assert_int_equal(n, 4);

	assert_int_equal(raqib_store_comment_set(f->st, id, RAQIB_CS_PUBLISHED, NULL, "", "x", "", 1,
						 &err), RAQIB_EARG);

	/* the database itself refuses to rewrite the audit trail */
	sqlite3 *db;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'mallory'", NULL, NULL, &msg),
			 SQLITE_CONSTRAINT);
	assert_non_null(strstr(msg, "append-only"));
	sqlite3_free(msg);
	msg = NULL;
	assert_int_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, &msg), SQLITE_CONSTRAINT);
	sqlite3_free(msg);
	sqlite3_close(db);
	assert_int_equal(raqib_store_audit_list(f->st, 0, 0, 100, f->ar, &au, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(au[0].actor, "omar");
}

static void test_bans(void **state)
{
	fixture *f = *state;
	raqib_err err = {0};
	bool b;

	assert_int_equal(raqib_store_ban_add(f->st, "troll", "", 200, "huda", "insults", 100, &err), 0);
	assert_int_equal(raqib_store_ban_add(f->st, "", "ip1", 0, "huda", "spam bot", 100, &err), 0);
	assert_int_equal(raqib_store_ban_add(f->st, "", "", 500, "huda", "", 100, &err), RAQIB_EARG);

	assert_int_equal(raqib_store_banned(f->st, "troll", "ip9", 150, &b, &err), 0);
	assert_true(b);
	assert_int_equal(raqib_store_banned(f->st, "troll", "ip9", 200, &b, &err), 0);
	assert_false(b); /* expired */
	assert_int_equal(raqib_store_banned(f->st, "someone", "ip1", 1000000, &b, &err), 0);
	assert_true(b); /* until 0 = permanent */
	assert_int_equal(raqib_store_banned(f->st, "someone", "ip2", 150, &b, &err), 0);
	assert_false(b);
	/* empty fields never match empty ban fields */
	assert_int_equal(raqib_store_banned(f->st, "", "", 150, &b, &err), 0);
	assert_false(b);

	raqib_audit_row *au;
	size_t n;
	assert_int_equal(raqib_store_audit_list(f->st, 0, 0, 10, f->ar, &au, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(au[0].action, "ban");
	assert_non_null(strstr(au[1].detail, "troll"));
}

static void test_purge_and_checkpoint(void **state)
{
	fixture *f = *state;
	int64_t art = put_article(f, "p", 0, 1);
	int64_t old = add_comment(f, art, RAQIB_CS_PUBLISHED, "old", "", 100);
	int64_t young = add_comment(f, art, RAQIB_CS_PUBLISHED, "young", "", 300);
	raqib_comment_row g;
	raqib_err err = {0};
	int64_t purged = -1;

	assert_int_equal(raqib_store_purge_ips(f->st, 200, &purged, &err), 0);
	assert_int_equal(purged, 1);
	assert_int_equal(raqib_store_comment_get(f->st, old, f->ar, &g, &err), 0);
	assert_string_equal(g.ip_hash, "");
	assert_int_equal(raqib_store_comment_get(f->st, young, f->ar, &g, &err), 0);
	assert_string_equal(g.ip_hash, "abcd");
	assert_int_equal(raqib_store_purge_ips(f->st, 200, &purged, &err), 0);
	assert_int_equal(purged, 0);

	char wal[128];
	struct stat sb;
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 0);
	assert_int_equal(raqib_store_checkpoint(f->st, &err), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	/* still readable and writable after */
	add_comment(f, art, RAQIB_CS_PUBLISHED, "after", "", 400);
	assert_int_equal(get_article(f, "p").ncomments_public, 3);
}

/* -------------------------------------------------------- group commit */

#define NTHREADS 8
#define PER_THREAD 200

typedef struct {
	fixture *f;
	int64_t art, bad_art;
	int64_t ids[PER_THREAD];
	int failures, bad_accepted;
} worker;

static void *writer_thread(void *p)
{
	worker *w = p;
	raqib_arena *ar = raqib_arena_new(0);
	for (int i = 0; i < PER_THREAD; i++) {
		char text[64];
		raqib_err err = {0};
		raqib_comment_row c = {.article_id = w->art, .name = "n", .text = text,
				       .status = i % 4 ? RAQIB_CS_PUBLISHED : RAQIB_CS_PENDING,
				       .text_hash = "h"};
		snprintf(text, sizeof text, "comment %p %d", (void *)w, i);
		if (raqib_store_comment_add(w->f->st, &c, 1000 + i, &err))
			w->failures++;
		w->ids[i] = c.id;
		/* a bad request in the same batches must fail alone */
		if (i % 10 == 0) {
			raqib_comment_row bad = c;
			bad.article_id = w->bad_art;
			if (raqib_store_comment_add(w->f->st, &bad, 1000 + i, &err) != RAQIB_EARG)
				w->bad_accepted++;
		}
		/* and reads run alongside */
		if (i % 20 == 0) {
			raqib_comment_row *rows;
			size_t n, total;
			if (raqib_store_comments_public(w->f->st, w->art, true, 1, 20, ar, &rows,
							&n, &total, &err))
				w->failures++;
			raqib_arena_reset(ar);
		}
	}
	raqib_arena_free(ar);
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void test_group_commit_concurrent(void **state)
{
	fixture *f = *state;
	static worker w[NTHREADS];
	pthread_t th[NTHREADS];
	static int64_t all[NTHREADS * PER_THREAD];
	int64_t art = put_article(f, "busy", 0, 1);
	raqib_err err = {0};

	for (int t = 0; t < NTHREADS; t++) {
		w[t] = (worker){.f = f, .art = art, .bad_art = art + 777};
		assert_int_equal(pthread_create(&th[t], NULL, writer_thread, &w[t]), 0);
	}
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < NTHREADS; t++) {
		assert_int_equal(w[t].failures, 0);
		assert_int_equal(w[t].bad_accepted, 0);
		memcpy(all + t * PER_THREAD, w[t].ids, sizeof w[t].ids);
	}
	qsort(all, NTHREADS * PER_THREAD, sizeof all[0], cmp_i64);
	assert_true(all[0] > 0);
	for (int i = 1; i < NTHREADS * PER_THREAD; i++)
		assert_true(all[i] > all[i - 1]);

	reopen(f);
	for (int t = 0; t < NTHREADS; t++)
		for (int i = 0; i < PER_THREAD; i++) {
			raqib_comment_row g;
			char text[64];
			snprintf(text, sizeof text, "comment %p %d", (void *)&w[t], i);
			if (raqib_store_comment_get(f->st, w[t].ids[i], f->ar, &g, &err))
				fail_msg("comment %lld lost: %s", (long long)w[t].ids[i], err.msg);
			assert_string_equal(g.text, text);
			raqib_arena_reset(f->ar);
		}
	int64_t pub, pend;
	assert_int_equal(raqib_store_count_status(f->st, RAQIB_CS_PUBLISHED, &pub, &err), 0);
	assert_int_equal(raqib_store_count_status(f->st, RAQIB_CS_PENDING, &pend, &err), 0);
	assert_int_equal(pub, NTHREADS * PER_THREAD * 3 / 4);
	assert_int_equal(pend, NTHREADS * PER_THREAD / 4);
	/* the maintained public count agrees with the rows */
	raqib_article a = get_article(f, "busy");
	assert_int_equal(a.ncomments_public, pub);
	/* one audit row per accepted comment, none for the refused ones */
	raqib_audit_row *au;
	size_t n;
	assert_int_equal(raqib_store_audit_list(f->st, 0, 0, 100000, f->ar, &au, &n, &err), 0);
	assert_int_equal(n, NTHREADS * PER_THREAD);
}

/* ------------------------------------------------------------ bad files */

static void test_garbage_file(void **state)
{
	fixture *f = *state;
	char path[128];
	unsigned char junk[8192];
	raqib_store *st = NULL;
	raqib_err err = {0};
	FILE *fp;

	snprintf(path, sizeof path, "%s/garbage.db", f->dir);
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(junk, 1, sizeof junk, fp), sizeof junk);
	fclose(fp);
	assert_int_equal(raqib_store_open(path, &st, &err), RAQIB_EDATA);
	assert_null(st);
	assert_non_null(strstr(err.msg, "not a database"));
	assert_non_null(strstr(err.msg, "garbage.db"));

	assert_int_equal(raqib_store_open("/nonexistent-dir/x/raqib.db", &st, &err), RAQIB_EIO);
	assert_null(st);
	assert_true(strlen(err.msg) > 0);
}

static void test_newer_schema_refused(void **state)
{
	fixture *f = *state;
	raqib_store *st = NULL;
	raqib_err err = {0};
	sqlite3 *db;
	int known = raqib_store_schema_version(f->st);

	raqib_store_close(f->st);
	f->st = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(raqib_store_open(f->path, &st, &err), RAQIB_EDATA);
	assert_null(st);
	assert_non_null(strstr(err.msg, "999"));
	/* restore so teardown closes a normal store */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", known);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	reopen(f);
}

static void test_status_names(void **state)
{
	(void)state;
	for (int s = RAQIB_CS_PUBLISHED; s <= RAQIB_CS_UNPUBLISHED; s++)
		assert_int_equal(raqib_status_from_name(raqib_status_name((raqib_comment_status)s)), s);
	assert_string_equal(raqib_status_name(RAQIB_CS_SHORTENED), "shortened");
	assert_int_equal(raqib_status_from_name("deleted"), -1);
	assert_int_equal(raqib_status_from_name(NULL), -1);
	assert_true(raqib_status_public(RAQIB_CS_SHORTENED));
	assert_false(raqib_status_public(RAQIB_CS_PENDING));
}

/* ------------------------------------------------------ the editors' desk */

static void test_users_sessions(void **state)
{
	fixture *f = *state;
	raqib_err err = {0};
	raqib_user u, *us;
	raqib_session ses;
	raqib_audit_row *au;
	size_t n, total;

	assert_int_equal(raqib_store_user_add(f->st, "hanan", "editor", "$argon2id$x", "cli", 10, &err), 0);
	assert_int_equal(raqib_store_user_add(f->st, "hanan", "admin", "$argon2id$y", "cli", 11, &err),
			 RAQIB_STORE_EXISTS);
	assert_true(raqib_store_user_add(f->st, "bad", "root", "$h", "cli", 11, &err) < 0);
	assert_int_equal(raqib_store_user_add(f->st, "amal", "admin", "$argon2id$z", "cli", 12, &err), 0);
	assert_int_equal(raqib_store_user_get(f->st, "hanan", f->ar, &u, &err), 0);
	assert_string_equal(u.role, "editor");
	assert_string_equal(u.pwhash, "$argon2id$x");
	assert_false(u.disabled);
	assert_int_equal(raqib_store_user_get(f->st, "nobody", f->ar, &u, &err), RAQIB_STORE_NOTFOUND);
	assert_int_equal(raqib_store_user_list(f->st, f->ar, &us, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(us[0].name, "amal");

	/* a session works until its account is disabled */
	assert_int_equal(raqib_store_session_add(f->st, "th1", u.id, "csrf1", 100, &err), 0);
	assert_int_equal(raqib_store_session_get(f->st, "th1", f->ar, &ses, &err), 0);
	assert_string_equal(ses.user, "hanan");
	assert_string_equal(ses.csrf, "csrf1");
	assert_int_equal(ses.last_seen, 100);
	assert_int_equal(raqib_store_session_touch(f->st, "th1", 150, &err), 0);
	assert_int_equal(raqib_store_session_get(f->st, "th1", f->ar, &ses, &err), 0);
	assert_int_equal(ses.last_seen, 150);
	assert_int_equal(raqib_store_session_get(f->st, "other", f->ar, &ses, &err),
			 RAQIB_STORE_NOTFOUND);
	assert_int_equal(raqib_store_user_disable(f->st, "hanan", "amal", 200, &err), 0);
	assert_int_equal(raqib_store_session_get(f->st, "th1", f->ar, &ses, &err),
			 RAQIB_STORE_NOTFOUND);
	assert_int_equal(raqib_store_user_disable(f->st, "nobody", "amal", 200, &err),
			 RAQIB_STORE_NOTFOUND);

	/* purge by idle time and by age; delete */
	assert_int_equal(raqib_store_user_get(f->st, "amal", f->ar, &u, &err), 0);
	assert_int_equal(raqib_store_session_add(f->st, "old", u.id, "c", 100, &err), 0);
	assert_int_equal(raqib_store_session_add(f->st, "new", u.id, "c", 1000, &err), 0);
	assert_int_equal(raqib_store_session_add(f->st, "gone", u.id, "c", 1000, &err), 0);
	assert_int_equal(raqib_store_session_purge(f->st, 500, 0, &err), 0);
	assert_int_equal(raqib_store_session_get(f->st, "old", f->ar, &ses, &err), RAQIB_STORE_NOTFOUND);
	assert_int_equal(raqib_store_session_get(f->st, "new", f->ar, &ses, &err), 0);
	assert_int_equal(raqib_store_session_delete(f->st, "gone", &err), 0);
	assert_int_equal(raqib_store_session_get(f->st, "gone", f->ar, &ses, &err), RAQIB_STORE_NOTFOUND);

	/* accounts changes are audited */
	raqib_audit_filter af = {0, "amal", "user_disable", 0};
	assert_int_equal(raqib_store_audit_query(f->st, &af, 0, 10, f->ar, &au, &n, &total, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	assert_non_null(strstr(au[0].detail, "hanan"));
}

static int64_t add_reasoned(fixture *f, int64_t art, raqib_comment_status st, const char *text,
			    const char *reasons, int64_t now)
{
	raqib_comment_row c = {.article_id = art, .name = "سامي", .text = text, .status = st,
			       .reasons_json = reasons, .ip_hash = "ip1", .text_hash = text};
	raqib_err err = {0};
	if (raqib_store_comment_add(f->st, &c, now, &err))
		fail_msg("comment add: %s", err.msg);
	return c.id;
}

#define R_INSULT "[{\"rule\":\"insult\",\"field\":\"text\",\"action\":\"hold\",\"score\":0.9,\"spans\":[[0,3]]}]"
#define R_DIALECT "[{\"rule\":\"dialect\",\"field\":\"text\",\"action\":\"hold\",\"score\":0.8,\"spans\":[]}]"

static void test_queue_filters(void **state)
{
	fixture *f = *state;
	raqib_err err = {0};
	int64_t a1 = put_article(f, "one", 0, 100), a2 = put_article(f, "two", 0, 100);
	raqib_comment_row *rows;
	size_t n, total;
	raqib_queue_filter q = {RAQIB_CS_PENDING, NULL, NULL};

	int64_t i1 = add_reasoned(f, a1, RAQIB_CS_PENDING, "غبي جدا", R_INSULT, 300);
	int64_t i2 = add_reasoned(f, a2, RAQIB_CS_PENDING, "ده مش كده", R_DIALECT, 200);
	add_reasoned(f, a1, RAQIB_CS_PUBLISHED, "تعليق", "[]", 250);
	add_reasoned(f, a1, RAQIB_CS_PENDING, "broken", "not json", 260);

	assert_int_equal(raqib_store_queue(f->st, &q, 0, 10, f->ar, &rows, &n, &total, &err), 0);
	assert_int_equal(total, 3);
	assert_int_equal(rows[0].id, i2); /* oldest first */
	q.rule = "insult";
	assert_int_equal(raqib_store_queue(f->st, &q, 0, 10, f->ar, &rows, &n, &total, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, i1);
	q.rule = NULL;
	q.article = "two";
	assert_int_equal(raqib_store_queue(f->st, &q, 0, 10, f->ar, &rows, &n, &total, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, i2);
	/* an injection attempt is only a value */
	q.article = "two' OR 1=1 --";
	assert_int_equal(raqib_store_queue(f->st, &q, 0, 10, f->ar, &rows, &n, &total, &err), 0);
	assert_int_equal(n, 0);
	q = (raqib_queue_filter){-1, NULL, NULL};
	assert_int_equal(raqib_store_queue(f->st, &q, 1, 2, f->ar, &rows, &n, &total, &err), 0);
	assert_int_equal(total, 4);
	assert_int_equal(n, 2);
}

static void test_stats_feedback(void **state)
{
	fixture *f = *state;
	raqib_err err = {0};
	int64_t art = put_article(f, "one", 0, 100);
	raqib_stats s;
	raqib_feedback_row *fb;
	size_t n;

	int64_t fp = add_reasoned(f, art, RAQIB_CS_PENDING, "نص سليم", R_INSULT, 1000);
	int64_t tp = add_reasoned(f, art, RAQIB_CS_PENDING, "غبي", R_INSULT, 1000);
	int64_t miss = add_reasoned(f, art, RAQIB_CS_PUBLISHED, "فاتت", "[]", 1000);
	add_reasoned(f, art, RAQIB_CS_PENDING, "ينتظر", R_DIALECT, 1000);
	assert_int_equal(raqib_store_comment_set(f->st, fp, RAQIB_CS_PUBLISHED, NULL, "hanan",
						 "approve", "", 1060, &err), 0);
	assert_int_equal(raqib_store_comment_set(f->st, tp, RAQIB_CS_REJECTED, NULL, "hanan",
						 "reject", "insult", 1300, &err), 0);
	assert_int_equal(raqib_store_comment_set(f->st, miss, RAQIB_CS_UNPUBLISHED, NULL, "hanan",
						 "unpublish", "hate", 1400, &err), 0);

	assert_int_equal(raqib_store_stats(f->st, 0, f->ar, &s, &err), 0);
	assert_int_equal(s.queue, 1);
	assert_int_equal(s.decided, 2);
	assert_int_equal(s.median_decision, (60 + 300) / 2);
	assert_int_equal(s.ndays, 1);
	assert_int_equal(s.days[0].n[RAQIB_CS_PENDING], 1);
	assert_int_equal(s.days[0].n[RAQIB_CS_PUBLISHED], 1);
	bool saw_insult = false, saw_hate = false;
	for (size_t i = 0; i < s.nrules; i++) {
		if (!strcmp(s.rules[i].rule, "insult")) {
			saw_insult = true;
			assert_int_equal(s.rules[i].held, 2);
			assert_int_equal(s.rules[i].approved, 1);
			assert_int_equal(s.rules[i].rejected, 1);
		}
		if (!strcmp(s.rules[i].rule, "hate")) {
			saw_hate = true;
			assert_int_equal(s.rules[i].missed, 1);
		}
	}
	assert_true(saw_insult && saw_hate);
	/* nothing decided after 2000 */
	assert_int_equal(raqib_store_stats(f->st, 2000, f->ar, &s, &err), 0);
	assert_int_equal(s.decided, 0);
	assert_int_equal(s.median_decision, -1);

	assert_int_equal(raqib_store_feedback(f->st, 0, f->ar, &fb, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(fb[0].id, fp);
	assert_int_equal(fb[0].first_status, RAQIB_CS_PENDING);
	assert_int_equal(fb[0].status, RAQIB_CS_PUBLISHED);
	assert_string_equal(fb[1].reason, "insult");
	assert_int_equal(fb[2].first_status, RAQIB_CS_PUBLISHED);
	assert_string_equal(fb[2].reason, "hate");
	assert_int_equal(raqib_store_feedback(f->st, 1350, f->ar, &fb, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fb[0].id, miss);
}

static void test_ban_comment(void **state)
{
	fixture *f = *state;
	raqib_err err = {0};
	int64_t art = put_article(f, "one", 0, 100);
	int64_t id = add_reasoned(f, art, RAQIB_CS_PENDING, "نص", "[]", 100);
	raqib_audit_row *au;
	size_t n, total;
	bool banned;
	raqib_audit_filter af = {id, NULL, "ban", 0};

	assert_int_equal(raqib_store_ban_comment(f->st, id, 500, "hanan", "spam", 200, &err), 0);
	assert_int_equal(raqib_store_banned(f->st, "سامي", "", 300, &banned, &err), 0);
	assert_true(banned);
	assert_int_equal(raqib_store_banned(f->st, "", "ip1", 300, &banned, &err), 0);
	assert_true(banned);
	assert_int_equal(raqib_store_banned(f->st, "سامي", "", 600, &banned, &err), 0);
	assert_false(banned);
	assert_int_equal(raqib_store_audit_query(f->st, &af, 0, 10, f->ar, &au, &n, &total, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(au[0].actor, "hanan");
	assert_int_equal(raqib_store_ban_comment(f->st, 9999, 500, "hanan", "", 200, &err),
			 RAQIB_STORE_NOTFOUND);
}

static void test_settings(void **state)
{
	fixture *f = *state;
	raqib_err err = {0};
	raqib_setting *got;
	size_t n, total;
	raqib_audit_row *au;
	raqib_audit_filter af = {0, NULL, "settings", 0};
	raqib_setting put1[] = {{"phone", "action", "hold", 0, NULL},
				{"insult", "enabled", "false", 0, NULL}};
	raqib_setting put2[] = {{"phone", "action", "reject", 0, NULL},
				{"insult", "enabled", NULL, 0, NULL},
				{"spam", "threshold", NULL, 0, NULL}};

	assert_int_equal(raqib_store_settings_list(f->st, f->ar, &got, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(raqib_store_settings_put(f->st, put1, 2, "root", "{\"phone.action\":\"shorten\"}",
						  "{\"phone.action\":\"hold\"}", 100, &err), 0);
	assert_int_equal(raqib_store_settings_list(f->st, f->ar, &got, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(got[0].rule, "insult");
	assert_string_equal(got[0].value, "false");
	assert_string_equal(got[1].rule, "phone");
	assert_string_equal(got[1].value, "hold");
	assert_string_equal(got[1].updated_by, "root");
	assert_int_equal(got[1].updated_at, 100);

	/* an update replaces, NULL deletes (also one that is not there), and
	 * everything survives a reopen */
	assert_int_equal(raqib_store_settings_put(f->st, put2, 3, "root2", "{}", "{}", 200, &err), 0);
	reopen(f);
	assert_int_equal(raqib_store_settings_list(f->st, f->ar, &got, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].key, "action");
	assert_string_equal(got[0].value, "reject");
	assert_string_equal(got[0].updated_by, "root2");
	assert_int_equal(got[0].updated_at, 200);

	assert_int_equal(raqib_store_audit_query(f->st, &af, 0, 10, f->ar, &au, &n, &total, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(au[0].actor, "root2");
	assert_string_equal(au[1].actor, "root");
	assert_string_equal(au[1].before, "{\"phone.action\":\"shorten\"}");
	assert_string_equal(au[1].after, "{\"phone.action\":\"hold\"}");

	/* no actor, no key: refused, nothing written */
	assert_int_equal(raqib_store_settings_put(f->st, put1, 1, "", "", "", 300, &err), RAQIB_EARG);
	put1[0].key = "";
	assert_int_equal(raqib_store_settings_put(f->st, put1, 1, "root", "", "", 300, &err),
			 RAQIB_EARG);
	assert_int_equal(raqib_store_settings_list(f->st, f->ar, &got, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].value, "reject");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_migrates_and_persists),
		T(test_article_put_get_update),
		T(test_notfound),
		T(test_article_list),
		T(test_comment_add_get),
		T(test_comments_public),
		T(test_duplicate),
		T(test_comment_set_audit),
		T(test_bans),
		T(test_purge_and_checkpoint),
		T(test_group_commit_concurrent),
		T(test_garbage_file),
		T(test_newer_schema_refused),
		T(test_users_sessions),
		T(test_queue_filters),
		T(test_stats_feedback),
		T(test_ban_comment),
		T(test_settings),
		cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
