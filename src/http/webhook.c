/*
 * webhook.c — POSTs a JSON event to [admin] webhook_url when a comment
 * enters the queue (libcurl). A reader's post never waits for it: the
 * event goes into a bounded queue (dropped and logged when full) and one
 * background thread sends it with a 5 s timeout; failures are logged to
 * stderr with the access log and not retried.
 */
#include "http/admin.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEBHOOK_QUEUE 64

struct http_webhook {
	char *url;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *q[WEBHOOK_QUEUE];
	size_t head, n;
	bool stop;
};

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
	(void)p;
	(void)u;
	return sz * n;
}

static void send_one(const char *url, const char *body)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	long code = 0;
	CURLcode rc;

	if (!c) {
		fprintf(stderr, "raqib serve: webhook: cannot start curl\n");
		return;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "raqib-webhook/1");
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		fprintf(stderr, "raqib serve: webhook: %s\n", curl_easy_strerror(rc));
	else if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK &&
		 (code < 200 || code > 299))
		fprintf(stderr, "raqib serve: webhook: the receiver answered %ld\n", code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static void *sender(void *p)
{
	http_webhook *h = p;
	for (;;) {
		char *body;
		pthread_mutex_lock(&h->mu);
		while (!h->n && !h->stop)
			pthread_cond_wait(&h->cv, &h->mu);
		/* At shutdown only the delivery in progress finishes: the
		 * comments themselves are in the queue (/admin), a notice
		 * about them is not worth minutes of a stopping server. */
		if (h->stop) {
			if (h->n)
				fprintf(stderr, "raqib serve: webhook: %zu notifications not sent "
						"(shutting down)\n", (size_t)h->n);
			while (h->n) {
				free(h->q[h->head]);
				h->head = (h->head + 1) % WEBHOOK_QUEUE;
				h->n--;
			}
			pthread_mutex_unlock(&h->mu);
			return NULL;
		}
		body = h->q[h->head];
		h->head = (h->head + 1) % WEBHOOK_QUEUE;
		h->n--;
		pthread_mutex_unlock(&h->mu);
		send_one(h->url, body);
		free(body);
	}
}

http_webhook *http_webhook_new(const char *url)
{
	http_webhook *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	/* not thread-safe: called once at server start, on the main thread */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h->url = strdup(url);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (!h->url || pthread_create(&h->th, NULL, sender, h)) {
		free(h->url);
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cv);
		free(h);
		return NULL;
	}
	return h;
}

void http_webhook_free(http_webhook *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->th, NULL);
	free(h->url);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h);
}

void http_webhook_push(http_webhook *h, const char *json)
{
	char *copy;
	if (!h || !(copy = strdup(json)))
		return;
	pthread_mutex_lock(&h->mu);
	if (h->n == WEBHOOK_QUEUE || h->stop) {
		pthread_mutex_unlock(&h->mu);
		fprintf(stderr, "raqib serve: webhook: queue full, event dropped\n");
		free(copy);
		return;
	}
	h->q[(h->head + h->n) % WEBHOOK_QUEUE] = copy;
	h->n++;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}
