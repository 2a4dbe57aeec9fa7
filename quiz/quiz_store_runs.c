/* quiz_store_runs.c: sandbox runs in the store (see quiz_runs.h). Writes go through the
 * store's writer; the summary's GROUP BY reads go through its reader. */
#include "quiz/quiz_runs.h"
#include "quiz/quiz_store_int.h"

#include "common/fa_macro.h"
#include "common/fa_utf8.h"

#include <stdlib.h>
#include <string.h>

#define DAY_MS (24LL * 3600 * 1000)

static bool fits(const char *s, size_t max)
{
    return s && strlen(s) <= max && fa_utf8_bad_offset(s, strlen(s)) == strlen(s);
}

int quiz_store_run_save(struct quiz_store *s, const struct quiz_run *run, struct fa_diag *diag)
{
    if (!fits(run->class_code, QUIZ_MAX_CLASS) || !fits(run->status, QUIZ_RUN_MAX_FIELD) ||
        !fits(run->denied_event, QUIZ_RUN_MAX_FIELD) ||
        !fits(run->denied_class, QUIZ_RUN_MAX_FIELD) || !fits(run->limit, QUIZ_RUN_MAX_FIELD) ||
        (run->snippet && !fits(run->snippet, QUIZ_RUN_MAX_SNIPPET)))
        return fa_diag_set(diag, FA_EINVAL, "store: a run's summary is malformed");
    const char *vals[] = {run->class_code,   run->status, run->denied_event,
                          run->denied_class, run->limit,  run->snippet};
    const long long ints[] = {run->at_ms, run->duration_ms, run->snippet ? run->snippet_until_ms : 0};
    pthread_mutex_lock(&s->lock);
    int rc = quiz_store_exec(s,
                             "INSERT INTO runs (class_code, status, denied_event, denied_class, "
                             "limit_kind, snippet, at_ms, duration_ms, snippet_until_ms) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             vals, 6, ints, 3, NULL, 0, NULL, diag);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Runs one grouping query on the reader: rows of (name, detail, count), most first, into
 * out (at most cap). Binds ?1 = the class code (NULL: any), ?2 = since and, where the query
 * has them, ?3 = until and ?4 = a day in milliseconds. */
static int group(struct quiz_store *s, const char *sql, const char *class_code,
                 int64_t since_ms, int64_t until_ms, struct quiz_run_count *out, size_t cap,
                 size_t *n, struct fa_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc = FA_OK, step = SQLITE_DONE;

    *n = 0;
    if (sqlite3_prepare_v2(s->reader, sql, -1, &st, NULL) != SQLITE_OK)
        return quiz_store_read_error(s, diag, "preparing the runs' summary");
    if (class_code)
        sqlite3_bind_text(st, 1, class_code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since_ms);
    if (sqlite3_bind_parameter_count(st) >= 4) {
        sqlite3_bind_int64(st, 3, until_ms);
        sqlite3_bind_int64(st, 4, DAY_MS);
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap)
            continue;
        struct quiz_run_count *c = &out[*n];
        memset(c, 0, sizeof *c);
        for (int col = 0; col < 2; col++) {
            const char *v = (const char *)sqlite3_column_text(st, col);
            char *dst = col ? c->detail : c->name;
            if (v && strlen(v) <= QUIZ_RUN_MAX_FIELD)
                memcpy(dst, v, strlen(v) + 1);
        }
        c->n = (long)sqlite3_column_int64(st, 2);
        ++*n;
    }
    if (step != SQLITE_DONE)
        rc = quiz_store_read_error(s, diag, "summarising the runs");
    sqlite3_finalize(st);
    return rc;
}

#define WHERE_CLASS "(?1 IS NULL OR class_code = ?1) AND at_ms >= ?2"

int quiz_store_run_summary(struct quiz_store *s, const char *class_code, int64_t since_ms,
                           int64_t until_ms, struct quiz_run_summary *out, struct fa_diag *diag)
{
    struct quiz_run_count days[QUIZ_RUN_DAYS];
    size_t n_days = 0;

    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->read_lock);
    /* One read transaction: the counts agree with each other. */
    int rc = sqlite3_exec(s->reader, "BEGIN", NULL, NULL, NULL) == SQLITE_OK
                 ? FA_OK
                 : quiz_store_read_error(s, diag, "starting the runs' summary");
    /* Each count, in the order the dashboard shows them. The day of a run is counted back
     * from until_ms (integer division in both SQLs); older days are not asked for. */
    const struct {
        const char *sql;
        struct quiz_run_count *counts;
        size_t cap, *n;
    } groups[] = {
        {"SELECT status, '', count(*) FROM runs WHERE " WHERE_CLASS
         " GROUP BY status ORDER BY count(*) DESC, status",
         out->statuses, sizeof out->statuses / sizeof out->statuses[0], &out->n_statuses},
        {"SELECT denied_event, min(denied_class), count(*) FROM runs WHERE " WHERE_CLASS
         " AND denied_event <> '' GROUP BY denied_event ORDER BY count(*) DESC, denied_event",
         out->denied, sizeof out->denied / sizeof out->denied[0], &out->n_denied},
        {"SELECT limit_kind, '', count(*) FROM runs WHERE " WHERE_CLASS
         " AND limit_kind <> '' GROUP BY limit_kind ORDER BY count(*) DESC, limit_kind",
         out->limits, sizeof out->limits / sizeof out->limits[0], &out->n_limits},
        {"SELECT CAST((?3 - at_ms) / ?4 AS TEXT), '', count(*) FROM runs WHERE " WHERE_CLASS
         " AND at_ms <= ?3 AND (?3 - at_ms) / ?4 < " FA_STRINGIFY(QUIZ_RUN_DAYS)
         " GROUP BY (?3 - at_ms) / ?4",
         days, sizeof days / sizeof days[0], &n_days},
    };
    for (size_t i = 0; !rc && i < sizeof groups / sizeof groups[0]; i++)
        rc = group(s, groups[i].sql, class_code, since_ms, until_ms, groups[i].counts,
                   groups[i].cap, groups[i].n, diag);
    sqlite3_exec(s->reader, "COMMIT", NULL, NULL, NULL);
    pthread_mutex_unlock(&s->read_lock);
    for (size_t i = 0; !rc && i < n_days; i++) {
        long day = strtol(days[i].name, NULL, 10);
        if (day >= 0 && day < QUIZ_RUN_DAYS)
            out->per_day[day] = days[i].n;
    }
    for (size_t i = 0; !rc && i < out->n_statuses; i++)
        out->n_runs += out->statuses[i].n;
    return rc;
}

int quiz_store_run_purge(struct quiz_store *s, int64_t before_ms, int64_t now_ms, long *n_runs,
                         struct fa_diag *diag)
{
    const long long old[] = {before_ms}, now[] = {now_ms};
    pthread_mutex_lock(&s->lock);
    int rc = quiz_store_exec(s, "DELETE FROM runs WHERE at_ms < ?", NULL, 0, old, 1, NULL, 0,
                             n_runs, diag);
    if (!rc)
        rc = quiz_store_exec(s,
                             "UPDATE runs SET snippet = NULL WHERE snippet IS NOT NULL AND "
                             "snippet_until_ms <= ?",
                             NULL, 0, now, 1, NULL, 0, NULL, diag);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
