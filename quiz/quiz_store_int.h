/* quiz_store_int.h: what the files of the store share (SQLite's *Int.h convention): the
 * store's structure and its error helper. Only quiz_store*.c include it; everyone else uses
 * quiz_store.h. */
#ifndef FA_QUIZ_QUIZ_STORE_INT_H
#define FA_QUIZ_QUIZ_STORE_INT_H

#include "common/fa_err.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>

struct quiz_store {
    sqlite3 *db;
    pthread_mutex_t lock;
    /* Checkpoints (copying the WAL back into the database) run on a thread of the store's
     * own with its own connection, not in whichever HTTP thread commits the 1000th page. */
    sqlite3 *checkpoint_db;
    pthread_t checkpointer;
    bool checkpointing, stopping, wal_full; /* wal_full: a commit left the WAL long */
    pthread_mutex_t stop_lock;              /* guards the fields of the checkpointer */
    pthread_cond_t stop_cond, done_cond;
    unsigned long n_wanted, n_done; /* checkpoints asked for by commits; the last one served */
    sqlite3_stmt *insert_attempt, *select_attempt, *count;
    /* Long reads (the instructor's walks over every attempt) go through a connection of
     * their own, under a lock of their own: in WAL mode a reader sees one snapshot and never
     * holds a submission back. */
    sqlite3 *reader;
    pthread_mutex_t read_lock;
    sqlite3_stmt *select_class; /* on the reader, prepared at its first use */
    atomic_ulong n_errors; /* failed statements, for /metrics */
};

/* Counts a failed statement and describes it in diag with SQLite's message; FA_EDB. */
int quiz_store_db_error(struct quiz_store *s, struct fa_diag *diag, const char *what);

/* The same for a failure on the reader connection. */
int quiz_store_read_error(struct quiz_store *s, struct fa_diag *diag, const char *what);

/* Runs one statement of the instructor's tables with the caller holding s->lock: the text
 * values vals (n of them, NULL binds NULL), then the integers ints. For a SELECT with out,
 * the first column of the first row is copied there (cap bytes; FA_ENOTFOUND when there is
 * no row); changes (may be NULL) receives the rows a write changed. */
int quiz_store_exec(struct quiz_store *s, const char *sql, const char *const *vals, int n,
                    const long long *ints, int n_ints, char *out, size_t cap, long *changes,
                    struct fa_diag *diag);

#endif
