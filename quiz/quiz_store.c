/* quiz_store.c: attempts in SQLite (see quiz_store.h). */
#include "quiz/quiz_store.h"

#include "common/fa_mem.h"

#include <pthread.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* Schema versions, applied in order to reach user_version = n_migrations. */
static const char *const migrations[] = {
    /* 1: attempts and their answers */
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
    "  max_milli INTEGER NOT NULL);"
    "CREATE TABLE answers ("
    "  attempt_id INTEGER NOT NULL REFERENCES attempts(id),"
    "  position INTEGER NOT NULL,"
    "  question_id TEXT NOT NULL,"
    "  chosen INTEGER NOT NULL,"
    "  text TEXT NOT NULL,"
    "  verdict INTEGER NOT NULL,"
    "  earned_milli INTEGER NOT NULL,"
    "  max_milli INTEGER NOT NULL,"
    "  PRIMARY KEY (attempt_id, position)) WITHOUT ROWID;"
    "CREATE INDEX attempts_by_class ON attempts(class_code, submitted_ms);",
    /* 2: the report as shown, so that a permalink never changes */
    "ALTER TABLE attempts ADD COLUMN report_text TEXT;"
    "ALTER TABLE attempts ADD COLUMN report_markdown TEXT;",
};

struct quiz_store {
    sqlite3 *db;
    pthread_mutex_t lock;
    sqlite3_stmt *begin, *commit, *rollback, *insert_attempt, *insert_answer, *select_attempt,
        *select_answers, *count;
};

static int db_error(struct quiz_store *s, struct fa_diag *diag, const char *what)
{
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

int quiz_store_open(const char *data_dir, struct quiz_store **out, struct fa_diag *diag)
{
    struct quiz_store *s = fa_xcalloc(1, sizeof *s);
    char *path = fa_xasprintf("%s/fa-learn.db", data_dir);
    int rc;

    pthread_mutex_init(&s->lock, NULL);
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
        rc = prepare(s, &s->begin, "BEGIN IMMEDIATE", diag);
    if (!rc)
        rc = prepare(s, &s->commit, "COMMIT", diag);
    if (!rc)
        rc = prepare(s, &s->rollback, "ROLLBACK", diag);
    if (!rc)
        rc = prepare(s, &s->insert_attempt,
                     "INSERT INTO attempts (report_id, learner, class_code, quiz, started_ms, "
                     "submitted_ms, seed, score_milli, max_milli, report_text, report_markdown) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     diag);
    if (!rc)
        rc = prepare(s, &s->insert_answer,
                     "INSERT INTO answers (attempt_id, position, question_id, chosen, text, "
                     "verdict, earned_milli, max_milli) VALUES (?,?,?,?,?,?,?,?)",
                     diag);
    if (!rc)
        rc = prepare(s, &s->select_attempt,
                     "SELECT id, learner, class_code, quiz, started_ms, submitted_ms, seed, "
                     "score_milli, max_milli, report_text, report_markdown FROM attempts "
                     "WHERE report_id = ?",
                     diag);
    if (!rc)
        rc = prepare(s, &s->select_answers,
                     "SELECT question_id, chosen, text, verdict, earned_milli, max_milli "
                     "FROM answers WHERE attempt_id = ? ORDER BY position",
                     diag);
    if (!rc)
        rc = prepare(s, &s->count, "SELECT count(*) FROM attempts", diag);
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
    sqlite3_stmt *all[] = {s->begin,         s->commit,         s->rollback,
                           s->insert_attempt, s->insert_answer,  s->select_attempt,
                           s->select_answers, s->count};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sqlite3_finalize(all[i]);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    fa_free(s);
}

/* Runs a statement that returns no rows, and resets it. */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
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

static int save_locked(struct quiz_store *s, struct quiz_attempt *a, struct fa_diag *diag)
{
    sqlite3_stmt *st = s->insert_attempt;
    sqlite3_int64 attempt_id;

    if (!a->report_id[0] && quiz_store_new_report_id(a->report_id))
        return fa_diag_set(diag, FA_EDB, "store: no random bytes for a report id");
    if (run(s->begin) != SQLITE_OK)
        return db_error(s, diag, "starting a transaction");
    sqlite3_bind_text(st, 1, a->report_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->learner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->class_code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->quiz, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, a->started_ms);
    sqlite3_bind_int64(st, 6, a->submitted_ms);
    sqlite3_bind_int64(st, 7, a->seed);
    sqlite3_bind_int(st, 8, a->score_milli);
    sqlite3_bind_int(st, 9, a->max_milli);
    if (a->report_text)
        sqlite3_bind_text(st, 10, a->report_text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 10);
    if (a->report_markdown)
        sqlite3_bind_text(st, 11, a->report_markdown, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 11);
    if (run(st) != SQLITE_OK)
        goto fail;
    sqlite3_clear_bindings(st);
    attempt_id = sqlite3_last_insert_rowid(s->db);
    st = s->insert_answer;
    for (size_t i = 0; i < a->n_answers; i++) {
        const struct quiz_stored_answer *an = &a->answers[i];
        sqlite3_bind_int64(st, 1, attempt_id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        sqlite3_bind_text(st, 3, an->question_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, an->chosen);
        sqlite3_bind_text(st, 5, an->text, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 6, an->verdict);
        sqlite3_bind_int(st, 7, an->earned_milli);
        sqlite3_bind_int(st, 8, an->max_milli);
        if (run(st) != SQLITE_OK)
            goto fail;
    }
    sqlite3_clear_bindings(st);
    if (run(s->commit) == SQLITE_OK)
        return FA_OK;
fail:
    {
        int rc = db_error(s, diag, "saving an attempt");
        sqlite3_clear_bindings(st);
        run(s->rollback);
        return rc;
    }
}

int quiz_store_save(struct quiz_store *s, struct quiz_attempt *a, struct fa_diag *diag)
{
    int rc;

    pthread_mutex_lock(&s->lock);
    rc = save_locked(s, a, diag);
    pthread_mutex_unlock(&s->lock);
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
    sqlite3_int64 attempt_id;
    size_t cap = 0;
    int step, rc = FA_OK;

    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? FA_ENOTFOUND : db_error(s, diag, "reading an attempt");
        goto out;
    }
    a = fa_xcalloc(1, sizeof *a);
    attempt_id = sqlite3_column_int64(st, 0);
    snprintf(a->report_id, sizeof a->report_id, "%s", report_id);
    copy_text(a->learner, sizeof a->learner, sqlite3_column_text(st, 1));
    copy_text(a->class_code, sizeof a->class_code, sqlite3_column_text(st, 2));
    copy_text(a->quiz, sizeof a->quiz, sqlite3_column_text(st, 3));
    a->started_ms = sqlite3_column_int64(st, 4);
    a->submitted_ms = sqlite3_column_int64(st, 5);
    a->seed = (uint32_t)sqlite3_column_int64(st, 6);
    a->score_milli = sqlite3_column_int(st, 7);
    a->max_milli = sqlite3_column_int(st, 8);
    if (sqlite3_column_type(st, 9) == SQLITE_TEXT)
        a->report_text = fa_xstrdup((const char *)sqlite3_column_text(st, 9));
    if (sqlite3_column_type(st, 10) == SQLITE_TEXT)
        a->report_markdown = fa_xstrdup((const char *)sqlite3_column_text(st, 10));
    sqlite3_reset(st);
    st = s->select_answers;
    sqlite3_bind_int64(st, 1, attempt_id);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct quiz_stored_answer *an;
        if (a->n_answers == cap)
            a->answers = fa_xrealloc(a->answers, (cap = cap ? 2 * cap : 64) * sizeof *an);
        an = &a->answers[a->n_answers++];
        copy_text(an->question_id, sizeof an->question_id, sqlite3_column_text(st, 0));
        an->chosen = (unsigned)sqlite3_column_int64(st, 1);
        copy_text(an->text, sizeof an->text, sqlite3_column_text(st, 2));
        an->verdict = sqlite3_column_int(st, 3);
        an->earned_milli = sqlite3_column_int(st, 4);
        an->max_milli = sqlite3_column_int(st, 5);
    }
    if (step != SQLITE_DONE)
        rc = db_error(s, diag, "reading answers");
out:
    sqlite3_reset(st);
    sqlite3_clear_bindings(s->select_attempt);
    sqlite3_clear_bindings(s->select_answers);
    sqlite3_reset(s->select_attempt);
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
