/*
 * metrics.h — counters for /metrics (Prometheus text format 0.0.4). Updated
 * with relaxed atomics from every worker thread; a scrape reads them without
 * stopping anyone, so a scrape may see one counter a request ahead of
 * another, which Prometheus tolerates.
 */
#ifndef RAQIB_METRICS_H
#define RAQIB_METRICS_H

#include "base/base.h"
#include "store/store.h"
#include <stdatomic.h>
#include <stdint.h>

/* Routes as labelled in raqib_http_requests_total{route=...}. */
#define RAQIB_ROUTES(X)                     \
	X(INDEX, "index")                   \
	X(ARTICLE, "article")               \
	X(POST_FORM, "post_form")           \
	X(FRAGMENT, "fragment")             \
	X(SITEMAP, "sitemap")               \
	X(WIDGET, "widget")                 \
	X(STATIC, "static")                 \
	X(HEALTHZ, "healthz")               \
	X(METRICS, "metrics")               \
	X(API_COMMENTS, "api_comments")     \
	X(API_ARTICLE, "api_article")       \
	X(OTHER, "other")

typedef enum {
#define RAQIB_X_ROUTE(e, n) RAQIB_ROUTE_##e,
	RAQIB_ROUTES(RAQIB_X_ROUTE)
#undef RAQIB_X_ROUTE
	RAQIB_ROUTE_COUNT
} raqib_route;

/* The statuses the server answers with; anything else counts as "other". */
#define RAQIB_METRIC_STATUSES 18
#define RAQIB_METRIC_BUCKETS 12

typedef struct raqib_metrics {
	atomic_uint_fast64_t requests[RAQIB_ROUTE_COUNT][RAQIB_METRIC_STATUSES + 1];
	atomic_uint_fast64_t latency[RAQIB_METRIC_BUCKETS + 1];  /* last = +Inf */
	atomic_uint_fast64_t latency_sum_us;
	atomic_uint_fast64_t decisions[RAQIB_CS_UNPUBLISHED + 1];
	atomic_uint_fast64_t findings[RAQIB_RULE_COUNT];
} raqib_metrics;

void raqib_metrics_init(raqib_metrics *m);
const char *raqib_route_name(raqib_route r);
void raqib_metrics_request(raqib_metrics *m, raqib_route r, unsigned status, uint64_t micros);
void raqib_metrics_decision(raqib_metrics *m, raqib_comment_status st, const raqib_verdict *v);
/* The whole exposition; queue_pending < 0 = unknown (store error). */
RAQIB_WARN_UNUSED int raqib_metrics_write(const raqib_metrics *m, raqib_buf *out,
					  int64_t queue_pending);

#endif
