/*
 * server.h — raqib's comment server: the [server] and [site] settings, and
 * the HTTP daemon (libmicrohttpd, thread pool + epoll) that serves the
 * routes of docs/http.md.
 *
 * Ownership: raqib_server_start() borrows the engine and the store for the
 * server's whole life; raqib_server_stop() waits for in-flight requests and
 * returns them untouched (the caller closes the store afterwards, which
 * checkpoints the WAL).
 */
#ifndef RAQIB_SERVER_H
#define RAQIB_SERVER_H

#include "base/base.h"
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

/* Every field's default and meaning is documented in raqib.conf.example. */
typedef struct raqib_server_conf {
	/* [server] */
	char listen[256];            /* "HOST:PORT", "[v6]:PORT"; port 0 = any free */
	char db[1024];               /* SQLite file */
	unsigned threads;            /* MHD thread pool; 0 = four per CPU */
	unsigned max_connections;
	unsigned per_ip_connections; /* 0 = no per-address limit */
	unsigned connection_timeout; /* seconds of inactivity */
	size_t max_body_bytes;
	double post_rate, post_burst; /* comments per minute per address, bucket */
	double get_rate, get_burst;   /* page views per minute per address */
	bool trust_proxy;             /* client = last X-Forwarded-For hop */
	char embed_origins[2048];     /* space or comma separated origins */
	char admin_token[256];
	char secret_file[1024];       /* "" = <db>.key */
	unsigned ip_retention_days;   /* 0 = keep */
	int64_t min_form_age, max_form_age, dup_window; /* seconds */
	bool access_log;
	bool secure_cookies;          /* session cookie marked Secure (behind TLS) */
	/* [admin] */
	int64_t session_idle;         /* seconds without a request before a session ends */
	int64_t session_max;          /* seconds after sign-in a session ends regardless */
	unsigned max_failures;        /* failed sign-ins per account or address ... */
	int64_t lockout;              /* ... lock it for this many seconds */
	char webhook_url[1024];       /* "" = no webhook */
	/* [site] */
	char site_name[256];
	char base_url[512];           /* "" = http://<listen address> */
	char timezone[128];
	char terms[4096];
	bool newest_first;
	unsigned per_page;
} raqib_server_conf;

void raqib_server_conf_defaults(raqib_server_conf *c);
/* Reads the [server] and [site] sections of an INI file (the other sections
 * belong to raqib_config_load). Relative paths (db, secret_file,
 * terms_file) are taken from the file's directory. */
int raqib_server_conf_load(raqib_server_conf *c, const char *path, raqib_err *err);
/* Parses "host:port" / "[v6]:port" (port 0..65535). host_cap >= 64. */
int raqib_listen_parse(const char *listen, char *host, size_t host_cap, unsigned *port);

typedef struct raqib_server raqib_server;

/* Opens the secrets, binds the socket and starts the worker threads. After
 * it returns 0, raqib_server_url() is the address actually bound. */
int raqib_server_start(const raqib_server_conf *conf, const raqib_engine *eng,
		       raqib_store *st, raqib_server **out, raqib_err *err);
const char *raqib_server_url(const raqib_server *s);   /* "http://h:p/" */
/* Stops accepting, lets in-flight requests finish, frees the server. */
void raqib_server_stop(raqib_server *s);
/* The hourly housekeeping: forgets IP hashes older than the retention. */
void raqib_server_tick(raqib_server *s);

/* Screens one comment and stores it, exactly as a POST does but without the
 * reader checks (rate limit, token, duplicate): the demo loader. created_at
 * 0 = now. */
int raqib_server_add_comment(raqib_server *s, const char *slug, const char *name,
			     const char *text, const char *honeypot, int64_t created_at,
			     int64_t *id_out, raqib_comment_status *status_out,
			     raqib_err *err);
/* ISO 8601 "YYYY-MM-DD[THH:MM[:SS][.fff]][Z|±HH[:]MM]" (no zone = UTC)
 * to Unix seconds; -1 when malformed. */
int raqib_parse_iso(const char *s, int64_t *out);
/* Tells the page cache an article changed behind the server's back. */
void raqib_server_invalidate(raqib_server *s);

#endif
