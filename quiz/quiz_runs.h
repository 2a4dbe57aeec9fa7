/* quiz_runs.h: what a class ran into in the sandbox: one summary per run (class code, time,
 * outcome, the first event the audit layer denied, the limit that ended it) kept in the
 * store for the instructor's dashboard, and the code itself only when the class keeps
 * snippets (quiz_class.keep_snippets_days), until then. The SQL is in quiz_store_runs.c.
 * Thread-safe (the store's locks). */
#ifndef FA_QUIZ_QUIZ_RUNS_H
#define FA_QUIZ_QUIZ_RUNS_H

#include "common/fa_err.h"
#include "quiz/quiz_store.h"

#include <stddef.h>
#include <stdint.h>

#define QUIZ_RUN_MAX_FIELD 64  /* bytes of a status, event, class or limit name */
#define QUIZ_RUN_MAX_SNIPPET (64 * 1024)
#define QUIZ_RUN_TOP 10        /* the most denied events listed */
#define QUIZ_RUN_DAYS 14       /* runs per day, for the last this many days */

struct quiz_run {
    const char *class_code;   /* "" for none */
    int64_t at_ms;
    const char *status;       /* "ok", "error", "denied", "limit", "crash", ... */
    const char *denied_event; /* "" when nothing was denied */
    const char *denied_class; /* the denial's class ("default-deny"), "" when none */
    const char *limit;        /* "time", "memory", ... "" when no limit ended it */
    int duration_ms;
    const char *snippet;      /* NULL: not kept */
    int64_t snippet_until_ms; /* when the kept snippet goes */
};

/* Stores run (fields longer than QUIZ_RUN_MAX_FIELD, or a snippet longer than
 * QUIZ_RUN_MAX_SNIPPET, are refused with FA_EINVAL). */
int quiz_store_run_save(struct quiz_store *store, const struct quiz_run *run,
                        struct fa_diag *diag);

struct quiz_run_count {
    char name[QUIZ_RUN_MAX_FIELD + 1];
    char detail[QUIZ_RUN_MAX_FIELD + 1]; /* for a denied event: its class */
    long n;
};

struct quiz_run_summary {
    long n_runs;
    struct quiz_run_count statuses[8]; /* by how many, most first */
    size_t n_statuses;
    struct quiz_run_count denied[QUIZ_RUN_TOP]; /* events denied most often */
    size_t n_denied;
    struct quiz_run_count limits[8]; /* the limits that ended runs */
    size_t n_limits;
    long per_day[QUIZ_RUN_DAYS]; /* [0]: the day ending at until_ms, [1]: the one before... */
};

/* The runs of class_code (NULL: every class; "": none) since since_ms, with per_day counted
 * back from until_ms. */
int quiz_store_run_summary(struct quiz_store *store, const char *class_code, int64_t since_ms,
                           int64_t until_ms, struct quiz_run_summary *out, struct fa_diag *diag);

/* Deletes runs before before_ms, and the code of every run whose time to keep it has come
 * (now_ms); *n_runs receives how many runs went. */
int quiz_store_run_purge(struct quiz_store *store, int64_t before_ms, int64_t now_ms,
                         long *n_runs, struct fa_diag *diag);

#endif
