/* quiz_store.c: attempts in SQLite (see quiz_store.h). */
#include "quiz/quiz_store.h"

#include "common/fa_buf.h"
#include "common/fa_mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Schema versions, applied in order to reach user_version = n_migrations. */
static const char *const migrations[] = {
    /* 1: attempts, each with its answers in one column (see encode_answers): one row per
     * submission keeps a submission one small write. */
    "CREATE TABLE attempts ("
    "  id INTEGER PRIMARY KEY,"
    "  report_id TEXT NOT NULL UNIQUE,"
    "  learner TEXT NOT NULL,"
    "  class_code TEXT NOT NULL,"
    "  quiz TEXT NOT NULL,"
    "  started_ms INTEGER NOT NULL,"
    "  submitted_ms INTEGER NOT NULL,"
    "  seed INTEGER NOT NULL,"
    "  score_milli INTEGER NOT NULL,"
    "  max_milli INTEGER NOT NULL,"
    "  answers TEXT NOT NULL);"
    "CREATE INDEX attempts_by_class ON attempts(class_code, submitted_ms);",
    /* 2: the report as shown, so that a permalink never changes */
    "ALTER TABLE attempts ADD COLUMN report_text TEXT;"
    "ALTER TABLE attempts ADD COLUMN report_markdown TEXT;",
};

struct quiz_store {
    sqlite3 *db;
    pthread_mutex_t lock;
    /* Checkpoints (copying the WAL back into the database) run on a thread of the store's
     * own with its own connection, not in whichever HTTP thread commits the 1000th page. */
    sqlite3 *checkpoint_db;
    pthread_t checkpointer;
    bool checkpointing, stopping;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    sqlite3_stmt *insert_attempt, *select_attempt, *count;
    atomic_ulong n_errors; /* failed statements, for /metrics */
};

static int db_error(struct quiz_store *s, struct fa_diag *diag, const char *what)
{
    atomic_fetch_add(&s->n_errors, 1);
    return fa_diag_set(diag, FA_EDB, "store: %s: %s", what,
                       s->db ? sqlite3_errmsg(s->db) : "no database");
}

static int migrate(struct quiz_store *s, struct fa_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int version = 0, n = (int)(sizeof migrations / sizeof migrations[0]);

    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return db_error(s, diag, "reading the schema version");
    }
    version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > n)
        return fa_diag_set(diag, FA_EDB, "store: the database has schema version %d, newer than "
                                         "this program's %d", version, n);
    for (; version < n; version++) {
        char *set = fa_xasprintf("BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
                                 migrations[version], version + 1);
        int rc = sqlite3_exec(s->db, set, NULL, NULL, NULL);
        fa_free(set);
        if (rc != SQLITE_OK) {
            rc = db_error(s, diag, "migrating the schema");
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    return FA_OK;
}

static int prepare(struct quiz_store *s, sqlite3_stmt **st, const char *sql,
                   struct fa_diag *diag)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return db_error(s, diag, "preparing a statement");
    return FA_OK;
}

#define CHECKPOINT_EVERY_MS 500

static void *on_checkpoint_thread(void *arg)
{
    struct quiz_store *s = arg;

    pthread_mutex_lock(&s->stop_lock);
    while (!s->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += CHECKPOINT_EVERY_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &until);
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->stop_lock);
        /* PASSIVE: copies what no reader still needs, never waits for writers. */
        sqlite3_wal_checkpoint_v2(s->checkpoint_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&s->stop_lock);
    }
    pthread_mutex_unlock(&s->stop_lock);
    return NULL;
}

/* The checkpointer's connection and thread; without them SQLite's own automatic checkpoints
 * stay on (slower, not less safe). */
static void start_checkpointer(struct quiz_store *s, const char *path)
{
    if (sqlite3_open_v2(path, &s->checkpoint_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close(s->checkpoint_db);
        s->checkpoint_db = NULL;
        return;
    }
    sqlite3_busy_timeout(s->checkpoint_db, 5000);
    if (pthread_create(&s->checkpointer, NULL, on_checkpoint_thread, s) != 0) {
        sqlite3_close(s->checkpoint_db);
        s->checkpoint_db = NULL;
        return;
    }
    s->checkpointing = true;
    sqlite3_wal_autocheckpoint(s->db, 0);
}

int quiz_store_open(const char *data_dir, struct quiz_store **out, struct fa_diag *diag)
{
    struct quiz_store *s = fa_xcalloc(1, sizeof *s);
    char *path = fa_xasprintf("%s/fa-learn.db", data_dir);
    int rc;

    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->stop_lock, NULL);
    pthread_cond_init(&s->stop_cond, NULL);
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                            SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK) {
        rc = fa_diag_set(diag, FA_EDB, "store: cannot open %s: %s", path,
                         s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                            "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_error(s, diag, "setting up");
        goto out;
    }
    rc = migrate(s, diag);
    if (!rc)
        rc = prepare(s, &s->insert_attempt,
                     "INSERT INTO attempts (report_id, learner, class_code, quiz, started_ms, "
                     "submitted_ms, seed, score_milli, max_milli, answers, report_text, "
                     "report_markdown) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     diag);
    if (!rc)
        rc = prepare(s, &s->select_attempt,
                     "SELECT learner, class_code, quiz, started_ms, submitted_ms, seed, "
                     "score_milli, max_milli, answers, report_text, report_markdown FROM "
                     "attempts WHERE report_id = ?",
                     diag);
    if (!rc)
        rc = prepare(s, &s->count, "SELECT count(*) FROM attempts", diag);
    if (!rc)
        start_checkpointer(s, path);
out:
    fa_free(path);
    if (rc) {
        quiz_store_close(s);
        return rc;
    }
    *out = s;
    return FA_OK;
}

void quiz_store_close(struct quiz_store *s)
{
    if (!s)
        return;
    if (s->checkpointing) {
        pthread_mutex_lock(&s->stop_lock);
        s->stopping = true;
        pthread_cond_signal(&s->stop_cond);
        pthread_mutex_unlock(&s->stop_lock);
        pthread_join(s->checkpointer, NULL);
    }
    sqlite3_close(s->checkpoint_db);
    sqlite3_stmt *all[] = {s->insert_attempt, s->select_attempt, s->count};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(s->db);
    pthread_cond_destroy(&s->stop_cond);
    pthread_mutex_destroy(&s->stop_lock);
    pthread_mutex_destroy(&s->lock);
    fa_free(s);
}

int quiz_store_new_report_id(char out[QUIZ_REPORT_ID_LEN + 1])
{
    unsigned char bytes[QUIZ_REPORT_ID_LEN / 2];

    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes)
        return FA_EIO;
    for (size_t i = 0; i < sizeof bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    return FA_OK;
}

/* The answers column: one line per answer, "question_id TAB chosen TAB verdict TAB
 * earned_milli TAB max_milli TAB text", the text with '%', TAB and newlines as %25, %09,
 * %0A, %0D. A fixed, documented form that SQLite's string functions can still take apart. */
static int encode_answers(const struct quiz_attempt *a, struct fa_buf *out)
{
    int rc = 0;

    for (size_t i = 0; i < a->n_answers && !rc; i++) {
        const struct quiz_stored_answer *an = &a->answers[i];
        rc = fa_buf_printf(out, "%s\t%u\t%d\t%d\t%d\t", an->question_id, an->chosen,
                           an->verdict, an->earned_milli, an->max_milli);
        for (const char *p = an->text; *p && !rc; p++) {
            size_t run = strcspn(p, "%\t\n\r");
            rc = fa_buf_append(out, p, run);
            p += run;
            if (!rc && *p)
                rc = fa_buf_printf(out, "%%%02X", (unsigned char)*p);
            else if (!*p)
                break;
        }
        if (!rc)
            rc = fa_buf_puts(out, "\n");
    }
    return rc;
}

static int hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The reverse of encode_answers; false for a column it did not write. */
static bool decode_answers(const char *text, struct quiz_attempt *a)
{
    size_t cap = 0;

    while (*text) {
        const char *nl = strchr(text, '\n');
        struct quiz_stored_answer *an;
        int used = 0;
        size_t k = 0;

        if (!nl)
            return false;
        if (a->n_answers == cap)
            a->answers = fa_xrealloc(a->answers, (cap = cap ? 2 * cap : 64) * sizeof *an);
        an = &a->answers[a->n_answers++];
        memset(an, 0, sizeof *an);
        if (sscanf(text, "%64[^\t]\t%u\t%d\t%d\t%d\t%n", an->question_id, &an->chosen,
                   &an->verdict, &an->earned_milli, &an->max_milli, &used) != 5 || !used)
            return false;
        for (const char *p = text + used; p < nl && k < sizeof an->text - 1; p++) {
            if (*p == '%' && nl - p > 2 && hex(p[1]) >= 0 && hex(p[2]) >= 0) {
                an->text[k++] = (char)(hex(p[1]) << 4 | hex(p[2]));
                p += 2;
            } else {
                an->text[k++] = *p;
            }
        }
        an->text[k] = '\0';
        text = nl + 1;
    }
    return true;
}

static int save_locked(struct quiz_store *s, struct quiz_attempt *a, const char *answers,
                       struct fa_diag *diag)
{
    sqlite3_stmt *st = s->insert_attempt;
    int rc;

    if (!a->report_id[0] && quiz_store_new_report_id(a->report_id))
        return fa_diag_set(diag, FA_EDB, "store: no random bytes for a report id");
    /* One statement: SQLite makes it one transaction, committed when the step returns. */
    sqlite3_bind_text(st, 1, a->report_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->learner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->class_code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->quiz, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, a->started_ms);
    sqlite3_bind_int64(st, 6, a->submitted_ms);
    sqlite3_bind_int64(st, 7, a->seed);
    sqlite3_bind_int(st, 8, a->score_milli);
    sqlite3_bind_int(st, 9, a->max_milli);
    sqlite3_bind_text(st, 10, answers, -1, SQLITE_STATIC);
    if (a->report_text)
        sqlite3_bind_text(st, 11, a->report_text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 11);
    if (a->report_markdown)
        sqlite3_bind_text(st, 12, a->report_markdown, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 12);
    rc = sqlite3_step(st) == SQLITE_DONE ? FA_OK : db_error(s, diag, "saving an attempt");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int quiz_store_save(struct quiz_store *s, struct quiz_attempt *a, struct fa_diag *diag)
{
    struct fa_buf answers;
    int rc;

    fa_buf_init(&answers, 1 << 20);
    if (encode_answers(a, &answers) || fa_buf_puts(&answers, "")) { /* "": NUL-terminated */
        fa_buf_cleanup(&answers);
        return fa_diag_set(diag, FA_EDB, "store: an attempt's answers are too large");
    }
    pthread_mutex_lock(&s->lock);
    rc = save_locked(s, a, answers.ptr ? answers.ptr : "", diag);
    pthread_mutex_unlock(&s->lock);
    fa_buf_cleanup(&answers);
    return rc;
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

static bool is_report_id(const char *id)
{
    if (strlen(id) != QUIZ_REPORT_ID_LEN)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

static int load_locked(struct quiz_store *s, const char *report_id, struct quiz_attempt **out,
                       struct fa_diag *diag)
{
    sqlite3_stmt *st = s->select_attempt;
    struct quiz_attempt *a = NULL;
    int step, rc = FA_OK;

    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? FA_ENOTFOUND : db_error(s, diag, "reading an attempt");
        goto out;
    }
    a = fa_xcalloc(1, sizeof *a);
    snprintf(a->report_id, sizeof a->report_id, "%s", report_id);
    copy_text(a->learner, sizeof a->learner, sqlite3_column_text(st, 0));
    copy_text(a->class_code, sizeof a->class_code, sqlite3_column_text(st, 1));
    copy_text(a->quiz, sizeof a->quiz, sqlite3_column_text(st, 2));
    a->started_ms = sqlite3_column_int64(st, 3);
    a->submitted_ms = sqlite3_column_int64(st, 4);
    a->seed = (uint32_t)sqlite3_column_int64(st, 5);
    a->score_milli = sqlite3_column_int(st, 6);
    a->max_milli = sqlite3_column_int(st, 7);
    if (!decode_answers((const char *)sqlite3_column_text(st, 8), a))
        rc = fa_diag_set(diag, FA_EDB, "store: the answers of attempt %s are damaged", report_id);
    if (sqlite3_column_type(st, 9) == SQLITE_TEXT)
        a->report_text = fa_xstrdup((const char *)sqlite3_column_text(st, 9));
    if (sqlite3_column_type(st, 10) == SQLITE_TEXT)
        a->report_markdown = fa_xstrdup((const char *)sqlite3_column_text(st, 10));
out:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc) {
        quiz_attempt_free(a);
        return rc;
    }
    *out = a;
    return FA_OK;
}

int quiz_store_load(struct quiz_store *s, const char *report_id, struct quiz_attempt **out,
                    struct fa_diag *diag)
{
    int rc;

    if (!is_report_id(report_id))
        return FA_ENOTFOUND;
    pthread_mutex_lock(&s->lock);
    rc = load_locked(s, report_id, out, diag);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void quiz_attempt_free(struct quiz_attempt *a)
{
    if (!a)
        return;
    fa_free(a->answers);
    fa_free(a->report_text);
    fa_free(a->report_markdown);
    fa_free(a);
}

unsigned long quiz_store_n_errors(struct quiz_store *s) { return atomic_load(&s->n_errors); }

long quiz_store_count(struct quiz_store *s)
{
    long n = -1;

    pthread_mutex_lock(&s->lock);
    if (sqlite3_step(s->count) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(s->count, 0);
    sqlite3_reset(s->count);
    pthread_mutex_unlock(&s->lock);
    return n;
}
