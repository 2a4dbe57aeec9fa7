/* srv_metrics.c: counters and their Prometheus text exposition (see srv_metrics.h; the format:
 * https://prometheus.io/docs/instrumenting/exposition_formats/). */
#include "server/http/srv_metrics.h"

#include "common/fa_err.h"
#include "common/fa_mem.h"
#include "quiz/quiz_store.h"
#include "sandbox/sbx_info.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_ROUTES (SRV_METRICS_MAX_ROUTES + 1) /* and "other" */
/* Statuses counted each on their own; the rest as "other". */
static const int statuses[] = {200, 201, 303, 304, 308, 400, 403, 404, 405, 413,
                               414, 415, 421, 429, 431, 500, 502, 503, 504};
#define N_STATUSES (sizeof statuses / sizeof statuses[0] + 1)
/* Histogram bounds, in seconds (the last bucket, +Inf, is implied). */
static const double request_bounds[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};
static const double run_bounds[] = {0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30};
#define N_REQUEST_BOUNDS (sizeof request_bounds / sizeof request_bounds[0])
#define N_RUN_BOUNDS (sizeof run_bounds / sizeof run_bounds[0])
static const char *const outcomes[] = {"ok", "error", "denied", "limit", "crash", "other"};
#define N_OUTCOMES (sizeof outcomes / sizeof outcomes[0])

struct histogram {
    atomic_ulong buckets[16]; /* counts per bound (not cumulative), then +Inf */
    atomic_ulong sum_us;
    atomic_ulong count;
};

struct srv_metrics {
    char wal_path[PATH_MAX];
    time_t started;
    const char *routes[MAX_ROUTES]; /* the route table's paths, then "other" */
    size_t n_routes;
    atomic_ulong requests[MAX_ROUTES][N_STATUSES];
    struct histogram request_seconds;
    atomic_long connections;
    atomic_ulong runs[N_OUTCOMES];
    struct histogram run_seconds;
    atomic_ulong runs_refused;
};

struct srv_metrics *srv_metrics_new(const char *data_dir, const char *const *routes,
                                    size_t n_routes)
{
    struct srv_metrics *m = fa_xcalloc(1, sizeof *m);

    snprintf(m->wal_path, sizeof m->wal_path, "%s/fa-learn.db-wal", data_dir);
    m->started = time(NULL);
    for (size_t i = 0; i < n_routes && i < SRV_METRICS_MAX_ROUTES; i++)
        m->routes[m->n_routes++] = routes[i];
    m->routes[m->n_routes++] = "other";
    return m;
}

void srv_metrics_free(struct srv_metrics *m) { fa_free(m); }

static void observe(struct histogram *h, const double *bounds, size_t n_bounds, uint64_t us)
{
    size_t i = 0;

    while (i < n_bounds && (double)us / 1e6 > bounds[i])
        i++;
    atomic_fetch_add(&h->buckets[i], 1);
    atomic_fetch_add(&h->sum_us, us);
    atomic_fetch_add(&h->count, 1);
}

void srv_metrics_request(struct srv_metrics *m, const char *route, int status, uint64_t us)
{
    size_t r = m->n_routes - 1, s = N_STATUSES - 1;

    for (size_t i = 0; route && i + 1 < m->n_routes; i++)
        if (strcmp(m->routes[i], route) == 0)
            r = i;
    for (size_t i = 0; i + 1 < N_STATUSES; i++)
        if (statuses[i] == status)
            s = i;
    atomic_fetch_add(&m->requests[r][s], 1);
    observe(&m->request_seconds, request_bounds, N_REQUEST_BOUNDS, us);
}

void srv_metrics_connections(struct srv_metrics *m, int delta)
{
    atomic_fetch_add(&m->connections, delta);
}

void srv_metrics_run(struct srv_metrics *m, const char *outcome, double ms)
{
    size_t o = N_OUTCOMES - 1;

    for (size_t i = 0; outcome && i + 1 < N_OUTCOMES; i++)
        if (strcmp(outcomes[i], outcome) == 0)
            o = i;
    atomic_fetch_add(&m->runs[o], 1);
    observe(&m->run_seconds, run_bounds, N_RUN_BOUNDS, ms > 0 ? (uint64_t)(ms * 1000.0) : 0);
}

void srv_metrics_run_refused(struct srv_metrics *m) { atomic_fetch_add(&m->runs_refused, 1); }

static int write_histogram(struct fa_buf *out, const char *name, const char *help,
                           struct histogram *h, const double *bounds, size_t n_bounds)
{
    unsigned long cumulative = 0;
    int rc = fa_buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);

    for (size_t i = 0; !rc && i <= n_bounds; i++) {
        cumulative += atomic_load(&h->buckets[i]);
        if (i < n_bounds)
            rc = fa_buf_printf(out, "%s_bucket{le=\"%g\"} %lu\n", name, bounds[i], cumulative);
        else
            rc = fa_buf_printf(out, "%s_bucket{le=\"+Inf\"} %lu\n", name, cumulative);
    }
    if (!rc)
        rc = fa_buf_printf(out, "%s_sum %.6f\n%s_count %lu\n", name,
                           (double)atomic_load(&h->sum_us) / 1e6, name,
                           atomic_load(&h->count));
    return rc;
}

/* One metric with a single value: HELP, TYPE and the sample. */
static int write_one(struct fa_buf *out, const char *name, const char *type, const char *help,
                     double value)
{
    return fa_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type,
                         name, value);
}

int srv_metrics_write(struct srv_metrics *m, const struct srv_metrics_sandbox *sandbox,
                      struct quiz_store *store, struct fa_buf *out)
{
    struct stat wal;
    int rc = fa_buf_puts(out, "# HELP fa_learn_http_requests_total HTTP requests answered, by "
                              "route and status.\n# TYPE fa_learn_http_requests_total counter\n");

    for (size_t r = 0; !rc && r < m->n_routes; r++) {
        for (size_t s = 0; !rc && s < N_STATUSES; s++) {
            unsigned long n = atomic_load(&m->requests[r][s]);
            char status[8];
            if (!n)
                continue;
            if (s + 1 < N_STATUSES)
                snprintf(status, sizeof status, "%d", statuses[s]);
            else
                snprintf(status, sizeof status, "other");
            /* Route names are the route table's literals: no escaping needed. */
            rc = fa_buf_printf(out, "fa_learn_http_requests_total{route=\"%s\",status=\"%s\"} "
                                    "%lu\n", m->routes[r], status, n);
        }
    }
    if (!rc)
        rc = write_histogram(out, "fa_learn_http_request_duration_seconds",
                             "Time from a request's start to its answer.", &m->request_seconds,
                             request_bounds, N_REQUEST_BOUNDS);
    if (!rc)
        rc = write_one(out, "fa_learn_http_open_connections", "gauge",
                       "Connections open now.", (double)atomic_load(&m->connections));
    if (!rc)
        rc = fa_buf_puts(out, "# HELP fa_learn_sandbox_runs_total Sandbox runs answered, by "
                              "outcome.\n# TYPE fa_learn_sandbox_runs_total counter\n");
    for (size_t o = 0; !rc && o < N_OUTCOMES; o++)
        rc = fa_buf_printf(out, "fa_learn_sandbox_runs_total{outcome=\"%s\"} %lu\n",
                           outcomes[o], atomic_load(&m->runs[o]));
    if (!rc)
        rc = write_histogram(out, "fa_learn_sandbox_run_duration_seconds",
                             "A run's duration, as the supervisor measured it.", &m->run_seconds,
                             run_bounds, N_RUN_BOUNDS);
    if (!rc)
        rc = write_one(out, "fa_learn_sandbox_runs_refused_total", "counter",
                       "Runs refused with 429 (queue full, the client's share used, waited too "
                       "long).", (double)atomic_load(&m->runs_refused));
    if (!rc && sandbox) {
        rc = write_one(out, "fa_learn_sandbox_queue_depth", "gauge",
                       "Runs sent to the sandbox and not answered yet (running or waiting).",
                       sandbox->waiting);
        if (!rc)
            rc = write_one(out, "fa_learn_sandbox_supervisor_restarts_total", "counter",
                           "Times a dead sandbox supervisor was replaced.",
                           (double)sandbox->restarts);
        if (!rc)
            rc = write_one(out, "fa_learn_sandbox_supervisor_pid", "gauge",
                           "The sandbox supervisor's process id (0 while it is down).",
                           (double)sandbox->pid);
    }
    if (!rc && store) {
        rc = write_one(out, "fa_learn_quiz_attempts_stored", "gauge",
                       "Quiz attempts in the store.", (double)quiz_store_count(store));
        if (!rc)
            rc = write_one(out, "fa_learn_store_errors_total", "counter",
                           "Store operations that failed.", (double)quiz_store_n_errors(store));
        if (!rc)
            rc = write_one(out, "fa_learn_store_wal_bytes", "gauge",
                           "Size of the store's write-ahead log.",
                           stat(m->wal_path, &wal) == 0 ? (double)wal.st_size : 0.0);
    }
    if (!rc)
        rc = fa_buf_printf(out, "# HELP fa_learn_build_info The server's version and its "
                                "embedded Python (always 1).\n# TYPE fa_learn_build_info gauge\n"
                                "fa_learn_build_info{version=\"%s\",python=\"%s\"} 1\n",
                           FA_VERSION, sbx_python_version());
    if (!rc)
        rc = write_one(out, "fa_learn_process_start_time_seconds", "gauge",
                       "When the server started, in seconds since the Unix epoch.",
                       (double)m->started);
    return rc;
}
