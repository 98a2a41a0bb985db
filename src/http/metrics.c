/*
 * metrics.c — the counters behind /metrics and their text exposition.
 */
#include "http/metrics.h"

#include <string.h>

static const char *route_names[] = {
#define RAQIB_X_RNAME(e, n) n,
	RAQIB_ROUTES(RAQIB_X_RNAME)
#undef RAQIB_X_RNAME
};

static const unsigned statuses[RAQIB_METRIC_STATUSES] = {
	200, 201, 204, 301, 303, 304, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 501, 503
};

/* Seconds; a cached page answers in tens of microseconds, a post waits for
 * an fsync (milliseconds). */
static const double buckets[RAQIB_METRIC_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5
};

void raqib_metrics_init(raqib_metrics *m)
{
	memset(m, 0, sizeof *m);
}

const char *raqib_route_name(raqib_route r)
{
	return (unsigned)r < RAQIB_ROUTE_COUNT ? route_names[r] : "other";
}

void raqib_metrics_request(raqib_metrics *m, raqib_route r, unsigned status, uint64_t micros)
{
	size_t i, si = RAQIB_METRIC_STATUSES;
	double sec = (double)micros / 1e6;

	if ((unsigned)r >= RAQIB_ROUTE_COUNT)
		r = RAQIB_ROUTE_OTHER;
	for (i = 0; i < RAQIB_METRIC_STATUSES; i++)
		if (statuses[i] == status) {
			si = i;
			break;
		}
	atomic_fetch_add_explicit(&m->requests[r][si], 1, memory_order_relaxed);
	for (i = 0; i < RAQIB_METRIC_BUCKETS && sec > buckets[i]; i++)
		;
	atomic_fetch_add_explicit(&m->latency[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_sum_us, micros, memory_order_relaxed);
}

void raqib_metrics_decision(raqib_metrics *m, raqib_comment_status st, const raqib_verdict *v)
{
	uint32_t i;

	if ((unsigned)st <= RAQIB_CS_UNPUBLISHED)
		atomic_fetch_add_explicit(&m->decisions[st], 1, memory_order_relaxed);
	for (i = 0; v && i < v->nfindings; i++)
		if ((unsigned)v->findings[i].rule < RAQIB_RULE_COUNT)
			atomic_fetch_add_explicit(&m->findings[v->findings[i].rule], 1,
						  memory_order_relaxed);
}

#define LOAD(x) ((unsigned long long)atomic_load_explicit(&(x), memory_order_relaxed))

int raqib_metrics_write(const raqib_metrics *m, raqib_buf *out, int64_t queue_pending)
{
	raqib_metrics *mm = (raqib_metrics *)m;  /* atomic loads need non-const */
	unsigned long long cum = 0, count = 0;
	int rc = 0;
	size_t r, i;

	rc |= raqib_buf_adds(out, "# HELP raqib_http_requests_total HTTP requests by route and status.\n"
			     "# TYPE raqib_http_requests_total counter\n");
	for (r = 0; r < RAQIB_ROUTE_COUNT; r++)
		for (i = 0; i <= RAQIB_METRIC_STATUSES; i++) {
			unsigned long long n = LOAD(mm->requests[r][i]);
			if (!n)
				continue;
			if (i < RAQIB_METRIC_STATUSES)
				rc |= raqib_buf_addf(out, "raqib_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
						     route_names[r], statuses[i], n);
			else
				rc |= raqib_buf_addf(out, "raqib_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
						     route_names[r], n);
		}
	rc |= raqib_buf_adds(out, "# HELP raqib_http_request_duration_seconds Time from the request line to the end of the response.\n"
			     "# TYPE raqib_http_request_duration_seconds histogram\n");
	for (i = 0; i <= RAQIB_METRIC_BUCKETS; i++)
		count += LOAD(mm->latency[i]);
	for (i = 0; i < RAQIB_METRIC_BUCKETS; i++) {
		cum += LOAD(mm->latency[i]);
		rc |= raqib_buf_addf(out, "raqib_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
				     buckets[i], cum);
	}
	cum += LOAD(mm->latency[RAQIB_METRIC_BUCKETS]);
	if (cum < count)
		cum = count;
	rc |= raqib_buf_addf(out, "raqib_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
			     "raqib_http_request_duration_seconds_sum %.6f\n"
			     "raqib_http_request_duration_seconds_count %llu\n",
			     cum, (double)LOAD(mm->latency_sum_us) / 1e6, cum);
	rc |= raqib_buf_adds(out, "# HELP raqib_decisions_total Screened comments by decision.\n"
			     "# TYPE raqib_decisions_total counter\n");
	for (i = 0; i < RAQIB_CS_UNPUBLISHED; i++)
		rc |= raqib_buf_addf(out, "raqib_decisions_total{decision=\"%s\"} %llu\n",
				     raqib_status_name((raqib_comment_status)i), LOAD(mm->decisions[i]));
	rc |= raqib_buf_adds(out, "# HELP raqib_findings_total Screening findings by rule.\n"
			     "# TYPE raqib_findings_total counter\n");
	for (i = 0; i < RAQIB_RULE_COUNT; i++)
		rc |= raqib_buf_addf(out, "raqib_findings_total{rule=\"%s\"} %llu\n",
				     raqib_rule_name((raqib_rule)i), LOAD(mm->findings[i]));
	if (queue_pending >= 0)
		rc |= raqib_buf_addf(out, "# HELP raqib_queue_pending Comments waiting for the editors.\n"
				     "# TYPE raqib_queue_pending gauge\n"
				     "raqib_queue_pending %lld\n", (long long)queue_pending);
	return rc ? RAQIB_ETOO_LONG : 0;
}
