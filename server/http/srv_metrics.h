/* srv_metrics.h: the server's counters, written as Prometheus' text exposition format (version
 * 0.0.4) by GET /metrics. Names start with fa_learn_. Every function is thread-safe (atomic
 * counters); recording allocates nothing, so it can sit on every request's path.
 *
 * What is counted: HTTP requests by route and status, their duration (histogram), open
 * connections (a gauge the adapter keeps), sandbox runs by outcome and their duration, runs
 * refused (429), the sandbox's queue and supervisor restarts (read from the sandbox client),
 * quiz attempts stored and store errors (read from the store), the WAL's size, and the
 * process's start time. */
#ifndef FA_SERVER_HTTP_SRV_METRICS_H
#define FA_SERVER_HTTP_SRV_METRICS_H

#include "common/fa_buf.h"

#include <stddef.h>
#include <stdint.h>

struct srv_metrics;
struct quiz_store;

/* The sandbox client's own figures, read by the caller (srv_sandbox.h), so that the counters
 * know no sandbox client. */
struct srv_metrics_sandbox {
    unsigned waiting;       /* runs sent and not answered yet */
    unsigned long restarts; /* dead supervisors replaced */
    long pid;               /* the supervisor's process id, 0 while it is down */
};

/* The most routes counted each on their own (the rest count as "other"). */
#define SRV_METRICS_MAX_ROUTES 31

/* A new set of counters (all zero), for a server whose data folder is data_dir (the WAL's
 * size is read from there), counting requests by the n_routes route names of routes (the
 * route table's, srv_routes_get_names: given, so that the counters know no router; the strings
 * are borrowed and must outlive the counters) and "other". */
struct srv_metrics *srv_metrics_new(const char *data_dir, const char *const *routes,
                                    size_t n_routes);
void srv_metrics_free(struct srv_metrics *m);

/* One HTTP request answered: route is the route table's path ("/wiki/", "other"), status
 * the HTTP status, us its duration. */
void srv_metrics_request(struct srv_metrics *m, const char *route, int status, uint64_t us);
/* Connections open now (+1 when one opens, -1 when it closes). */
void srv_metrics_connections(struct srv_metrics *m, int delta);
/* One sandbox run answered: outcome is the result's status ("ok", "error", "denied", "limit",
 * "crash"), ms its duration. */
void srv_metrics_run(struct srv_metrics *m, const char *outcome, double ms);
/* One run refused with 429 (queue full, the client's share used, waited too long). */
void srv_metrics_run_refused(struct srv_metrics *m);

/* Appends the exposition to out, with the sandbox's and the store's own figures (either may
 * be NULL: the sandbox is off, there is no store). Returns 0, or FA_ELIMIT when out is
 * full. */
int srv_metrics_write(struct srv_metrics *m, const struct srv_metrics_sandbox *sandbox,
                      struct quiz_store *store, struct fa_buf *out);

#endif
