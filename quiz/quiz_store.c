/* quiz_store.c: attempts in SQLite (see quiz_store.h). */
#include "quiz/quiz_store.h"
#include "quiz/quiz_store_int.h"

#include "common/fa_buf.h"
#include "common/fa_mem.h"
#include "common/fa_utf8.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_score.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Bounds of what a stored attempt can hold (the bank's: QUIZ_MAX_QUESTIONS questions of at
 * most 10 points), for reading rows back. */
#define QUIZ_STORE_MAX_ANSWERS QUIZ_MAX_QUESTIONS
#define QUIZ_STORE_MAX_MILLI 10000
/* The most bytes of an attempt's answers as stored (their encoded text). */
#define QUIZ_STORE_ANSWERS_MAX (1 << 20)

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
    /* 3: the instructor's side: signed-in sessions, by the hash of their cookie, and
     * settings such as the hash of the instructor's token (quiz_store_admin.c); classes and
     * their quiz settings (quiz_store_classes.c). Times are Unix milliseconds, 0 for none. */
    "CREATE TABLE instructor_sessions ("
    "  token_hash TEXT PRIMARY KEY,"
    "  csrf TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL);"
    "CREATE TABLE settings ("
    "  name TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE classes ("
    "  code TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  is_open INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  opens_ms INTEGER NOT NULL,"
    "  closes_ms INTEGER NOT NULL,"
    "  max_attempts INTEGER NOT NULL,"
    "  reveal INTEGER NOT NULL,"
    "  time_limit_s INTEGER NOT NULL,"
    "  pool_size INTEGER NOT NULL,"
    "  keep_snippets_days INTEGER NOT NULL);"
    /* sandbox runs, one row each, for what a class ran into (quiz_store_runs.c); the code
     * only when the class keeps snippets, until snippet_until_ms */
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  class_code TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  denied_event TEXT NOT NULL,"
    "  denied_class TEXT NOT NULL,"
    "  limit_kind TEXT NOT NULL,"
    "  duration_ms INTEGER NOT NULL,"
    "  snippet TEXT,"
    "  snippet_until_ms INTEGER NOT NULL);"
    "CREATE INDEX runs_by_class ON runs(class_code, at_ms);"
    "CREATE INDEX attempts_by_learner ON attempts(class_code, learner, quiz);",
};

/* The columns every read of an attempt selects, in read_attempt's order. */
#define ATTEMPT_COLUMNS                                                                        \
    "learner, class_code, quiz, started_ms, submitted_ms, seed, score_milli, max_milli, "     \
    "answers, report_text, report_markdown, report_id"

int quiz_store_db_error(struct quiz_store *s, struct fa_diag *diag, const char *what)
{
    atomic_fetch_add(&s->n_errors, 1);
    return fa_diag_set(diag, FA_EDB, "store: %s: %s", what,
                       s->db ? sqlite3_errmsg(s->db) : "no database");
}

int quiz_store_read_error(struct quiz_store *s, struct fa_diag *diag, const char *what)
{
    atomic_fetch_add(&s->n_errors, 1);
    return fa_diag_set(diag, FA_EDB, "store: %s: %s", what, sqlite3_errmsg(s->reader));
}

static int migrate(struct quiz_store *s, struct fa_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int version = 0, n = (int)(sizeof migrations / sizeof migrations[0]);

    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return quiz_store_db_error(s, diag, "reading the schema version");
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
            rc = quiz_store_db_error(s, diag, "migrating the schema");
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
        return quiz_store_db_error(s, diag, "preparing a statement");
    return FA_OK;
}

/* The WAL's bounds, in frames (one page each, 4 KiB by default). A commit that leaves the WAL
 * at CHECKPOINT_WAKE_FRAMES or more wakes the checkpointer at once instead of at its next
 * tick. A passive checkpoint never waits, so while commits keep coming it may never catch up
 * with the last frame, and SQLite starts the WAL over from its beginning only after a
 * checkpoint that did: a commit that leaves CHECKPOINT_WAIT_FRAMES or more waits, still
 * holding the store's lock, for a checkpoint that starts after it, which then copies
 * everything, so the next commit restarts the WAL (back-pressure, only when the writers
 * outrun the checkpointer). journal_size_limit then cuts the file back to WAL_KEEP_BYTES.
 * A reader from outside (fa-learn backup) still holds the WAL back until it is done. */
#define CHECKPOINT_EVERY_MS 500
#define CHECKPOINT_WAKE_FRAMES 1000
#define CHECKPOINT_WAIT_FRAMES 4000
#define WAL_KEEP_BYTES "4194304"

static void *on_checkpoint_thread(void *arg)
{
    struct quiz_store *s = arg;

    pthread_mutex_lock(&s->stop_lock);
    while (!s->stopping) {
        struct timespec until;
        unsigned long serving;

        if (!s->wal_full) {
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += CHECKPOINT_EVERY_MS * 1000000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &until);
        }
        s->wal_full = false;
        if (s->stopping)
            break;
        serving = s->n_wanted;
        pthread_mutex_unlock(&s->stop_lock);
        /* PASSIVE: copies what no reader still needs, never waits for writers. */
        sqlite3_wal_checkpoint_v2(s->checkpoint_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&s->stop_lock);
        s->n_done = serving;
        pthread_cond_broadcast(&s->done_cond);
    }
    pthread_cond_broadcast(&s->done_cond);
    pthread_mutex_unlock(&s->stop_lock);
    return NULL;
}

/* After every commit on the store's connection (under the store's lock, with SQLite's locks
 * already released), with the WAL's length in frames. */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int n_frames)
{
    struct quiz_store *s = arg;
    unsigned long ticket;

    (void)db;
    (void)name;
    if (n_frames < CHECKPOINT_WAKE_FRAMES)
        return SQLITE_OK;
    pthread_mutex_lock(&s->stop_lock);
    s->wal_full = true;
    ticket = ++s->n_wanted;
    pthread_cond_signal(&s->stop_cond);
    while (n_frames >= CHECKPOINT_WAIT_FRAMES && !s->stopping && s->n_done < ticket)
        pthread_cond_wait(&s->done_cond, &s->stop_lock);
    pthread_mutex_unlock(&s->stop_lock);
    return SQLITE_OK;
}

/* The checkpointer's connection and thread; without them SQLite's own automatic checkpoints
 * stay on (slower, not less safe). */
static void start_checkpointer(struct quiz_store *s, const char *path)
{
    if (sqlite3_open_v2(path, &s->checkpoint_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(s->checkpoint_db, 5000);
    /* A connection learns that the database is in WAL mode only when it first reads it;
     * until then sqlite3_wal_checkpoint_v2 returns SQLITE_OK and copies nothing (issue 11:
     * 1,000 submissions left a 4 KiB database beside a 52 MB WAL). */
    if (sqlite3_exec(s->checkpoint_db, "SELECT count(*) FROM sqlite_schema", NULL, NULL,
                     NULL) != SQLITE_OK)
        goto fail;
    if (pthread_create(&s->checkpointer, NULL, on_checkpoint_thread, s) != 0)
        goto fail;
    s->checkpointing = true;
    /* Replaces SQLite's automatic checkpoints, which run in the committing thread. */
    sqlite3_wal_hook(s->db, on_wal_commit, s);
    return;
fail:
    sqlite3_close(s->checkpoint_db);
    s->checkpoint_db = NULL;
}

/* Refuses a database this process cannot write (a read-only file, a read-only mount), before
 * any migration: otherwise the server would start and then fail every submission. SQLite
 * opens such a file read-only without a word; BEGIN IMMEDIATE asks for the write lock. */
static int check_writable(struct quiz_store *s, const char *path, struct fa_diag *diag)
{
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE; ROLLBACK;", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = fa_diag_set(diag, FA_EDB, "store: %s cannot be written: %s", path,
                             sqlite3_errmsg(s->db));
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return FA_OK;
}

/* The connection for long reads (struct quiz_store's reader): it may only read. */
static int open_reader(struct quiz_store *s, const char *path, struct fa_diag *diag)
{
    if (sqlite3_open_v2(path, &s->reader,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK ||
        sqlite3_exec(s->reader, "PRAGMA query_only = ON; PRAGMA trusted_schema = OFF;", NULL,
                     NULL, NULL) != SQLITE_OK)
        return fa_diag_set(diag, FA_EDB, "store: cannot open a reader on %s: %s", path,
                           s->reader ? sqlite3_errmsg(s->reader) : "out of memory");
    sqlite3_busy_timeout(s->reader, 5000);
    return FA_OK;
}

int quiz_store_open(const char *data_dir, struct quiz_store **out, struct fa_diag *diag)
{
    struct quiz_store *s = fa_xcalloc(1, sizeof *s);
    char *path = fa_xasprintf("%s/fa-learn.db", data_dir);
    int rc;

    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->read_lock, NULL);
    pthread_mutex_init(&s->stop_lock, NULL);
    pthread_cond_init(&s->stop_cond, NULL);
    pthread_cond_init(&s->done_cond, NULL);
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                            SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK) {
        rc = fa_diag_set(diag, FA_EDB, "store: cannot open %s: %s", path,
                         s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto out;
    }
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        rc = fa_diag_set(diag, FA_EDB, "store: %s is read-only (check the owner and "
                         "permissions of the file and its folder)", path);
        goto out;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                            "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF; "
                            "PRAGMA journal_size_limit = " WAL_KEEP_BYTES ";",
                     NULL, NULL, NULL) != SQLITE_OK) {
        rc = quiz_store_db_error(s, diag, "setting up");
        goto out;
    }
    rc = check_writable(s, path, diag);
    if (!rc)
        rc = migrate(s, diag);
    if (!rc)
        rc = prepare(s, &s->insert_attempt,
                     "INSERT INTO attempts (report_id, learner, class_code, quiz, started_ms, "
                     "submitted_ms, seed, score_milli, max_milli, answers, report_text, "
                     "report_markdown) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     diag);
    if (!rc)
        rc = prepare(s, &s->select_attempt,
                     "SELECT " ATTEMPT_COLUMNS " FROM attempts WHERE report_id = ?",
                     diag);
    if (!rc)
        rc = prepare(s, &s->count, "SELECT count(*) FROM attempts", diag);
    if (!rc)
        rc = open_reader(s, path, diag);
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
    sqlite3_finalize(s->select_class);
    sqlite3_close(s->reader);
    pthread_mutex_destroy(&s->read_lock);
    pthread_cond_destroy(&s->done_cond);
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

/* Reads a decimal integer in [min, max] that ends at a TAB, and steps past the TAB. */
static bool take_field(const char **p, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    if (!((**p >= '0' && **p <= '9') || **p == '-'))
        return false;
    errno = 0;
    v = strtoll(*p, &end, 10);
    if (errno || end == *p || *end != '\t' || v < min || v > max)
        return false;
    *out = v;
    *p = end + 1;
    return true;
}

/* The reverse of encode_answers, trusting nothing: a damaged row (a bad number, a verdict
 * that is no verdict, points out of range, options the bank cannot have, bytes that are not
 * UTF-8) is refused with the field's name in diag, so that no caller ever indexes a table
 * with what the file says. */
static bool decode_answers(const char *text, struct quiz_attempt *a, const char **what)
{
    size_t cap = 0;

    *what = "the answers";
    if (!text)
        return false;
    *what = NULL; /* written again on every refusal below */
    while (*text) {
        const char *nl = strchr(text, '\n'), *p = text, *tab = strchr(text, '\t');
        struct quiz_stored_answer *an;
        long long chosen, verdict, earned, max;
        size_t k = 0, id_len;

        if (!nl || !tab || tab > nl)
            return (*what = "the answers"), false;
        if (a->n_answers == QUIZ_STORE_MAX_ANSWERS)
            return (*what = "the number of answers"), false;
        if (a->n_answers == cap)
            a->answers = fa_xrealloc(a->answers, (cap = cap ? 2 * cap : 64) * sizeof *an);
        an = &a->answers[a->n_answers++];
        memset(an, 0, sizeof *an);
        id_len = (size_t)(tab - text);
        if (id_len == 0 || id_len >= sizeof an->question_id ||
            fa_utf8_bad_offset(text, id_len) < id_len)
            return (*what = "a question id"), false;
        memcpy(an->question_id, text, id_len);
        p = tab + 1;
        if (!take_field(&p, 0, (1LL << QUIZ_MAX_OPTIONS) - 1, &chosen))
            return (*what = "an answer's options"), false;
        if (!take_field(&p, QUIZ_UNANSWERED, QUIZ_CORRECT, &verdict))
            return (*what = "an answer's verdict"), false;
        if (!take_field(&p, 0, QUIZ_STORE_MAX_MILLI, &earned) ||
            !take_field(&p, 0, QUIZ_STORE_MAX_MILLI, &max) || earned > max)
            return (*what = "an answer's points"), false;
        an->chosen = (unsigned)chosen;
        an->verdict = (int)verdict;
        an->earned_milli = (int)earned;
        an->max_milli = (int)max;
        for (; p < nl; p++) {
            if (k == sizeof an->text - 1)
                return (*what = "an answer's text"), false;
            if (*p == '%' && nl - p > 2 && hex(p[1]) >= 0 && hex(p[2]) >= 0) {
                an->text[k++] = (char)(hex(p[1]) << 4 | hex(p[2]));
                p += 2;
            } else {
                an->text[k++] = *p;
            }
        }
        an->text[k] = '\0';
        if (fa_utf8_bad_offset(an->text, k) < k || memchr(an->text, '\0', k))
            return (*what = "an answer's text"), false;
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
    rc = sqlite3_step(st) == SQLITE_DONE ? FA_OK : quiz_store_db_error(s, diag, "saving an attempt");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int quiz_store_save(struct quiz_store *s, struct quiz_attempt *a, struct fa_diag *diag)
{
    struct fa_buf answers;
    int rc;

    fa_buf_init(&answers, QUIZ_STORE_ANSWERS_MAX);
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

/* Copies a TEXT column of at most cap - 1 bytes of UTF-8 with no control character; false
 * for anything else (NULL, a number, a blob, too long), which only damage can have put there:
 * the store writes names and classes it was given checked. */
static bool copy_text(sqlite3_stmt *st, int col, char *dst, size_t cap, bool may_be_empty)
{
    /* The type first: reading a blob as text converts it, and the type after that is
     * undefined. */
    int type = sqlite3_column_type(st, col);
    const char *src = (const char *)sqlite3_column_text(st, col);
    size_t len = (size_t)sqlite3_column_bytes(st, col);

    if (type != SQLITE_TEXT || !src || len >= cap ||
        (!may_be_empty && len == 0) || fa_utf8_bad_offset(src, len) < len)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)src[i] < 0x20 || src[i] == 0x7f)
            return false;
    memcpy(dst, src, len + 1);
    return true;
}

/* An INTEGER column in [min, max]; false for anything else. */
static bool copy_int(sqlite3_stmt *st, int col, long long min, long long max, long long *out)
{
    long long v;

    if (sqlite3_column_type(st, col) != SQLITE_INTEGER)
        return false;
    v = sqlite3_column_int64(st, col);
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* A report column: NULL (stored before schema version 2) or UTF-8 text. */
static bool copy_report(sqlite3_stmt *st, int col, char **out)
{
    int type = sqlite3_column_type(st, col); /* before the text: see copy_text */
    const char *src;
    size_t len;

    if (type == SQLITE_NULL)
        return true;
    src = (const char *)sqlite3_column_text(st, col);
    len = (size_t)sqlite3_column_bytes(st, col);
    if (type != SQLITE_TEXT || !src ||
        fa_utf8_bad_offset(src, len) < len || strlen(src) != len)
        return false;
    *out = fa_xstrdup(src);
    return true;
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

/* Reads the row st stands on into a (zeroed by the caller). Every field is checked as it is
 * read: a damaged row is that attempt's error, never a crash or a wrong page for anyone
 * else. NULL when the row is whole, else what is damaged. */
static const char *read_attempt(sqlite3_stmt *st, struct quiz_attempt *a)
{
    const char *what = NULL;
    long long v1 = 0, v2 = 0, seed = 0, score = 0, max = 0;

    if (!copy_text(st, 0, a->learner, sizeof a->learner, false))
        what = "the learner's name";
    else if (!copy_text(st, 1, a->class_code, sizeof a->class_code, true))
        what = "the class code";
    else if (!copy_text(st, 2, a->quiz, sizeof a->quiz, false))
        what = "the quiz";
    else if (!copy_int(st, 3, 0, INT64_MAX, &v1) || !copy_int(st, 4, v1, INT64_MAX, &v2))
        what = "the times";
    else if (!copy_int(st, 5, 0, UINT32_MAX, &seed))
        what = "the seed";
    else if (!copy_int(st, 7, 0, QUIZ_STORE_MAX_MILLI * (long long)QUIZ_STORE_MAX_ANSWERS,
                       &max) ||
             !copy_int(st, 6, 0, max, &score))
        what = "the score";
    else if (sqlite3_column_type(st, 8) != SQLITE_TEXT ||
             !decode_answers((const char *)sqlite3_column_text(st, 8), a, &what))
        what = what ? what : "the answers";
    else if (!copy_report(st, 9, &a->report_text) || !copy_report(st, 10, &a->report_markdown))
        what = "the stored report";
    else if (!copy_text(st, 11, a->report_id, sizeof a->report_id, false) ||
             !is_report_id(a->report_id))
        what = "the report id";
    if (what)
        return what;
    a->started_ms = v1;
    a->submitted_ms = v2;
    a->seed = (uint32_t)seed;
    a->score_milli = (int)score;
    a->max_milli = (int)max;
    return NULL;
}

/* Frees what a owns without freeing a: a walk reuses one attempt for every row. */
static void clear_attempt(struct quiz_attempt *a)
{
    fa_free(a->answers);
    fa_free(a->report_text);
    fa_free(a->report_markdown);
    memset(a, 0, sizeof *a);
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
        rc = step == SQLITE_DONE ? FA_ENOTFOUND : quiz_store_db_error(s, diag, "reading an attempt");
        goto out;
    }
    a = fa_xcalloc(1, sizeof *a);
    const char *what = read_attempt(st, a);
    if (what)
        rc = fa_diag_set(diag, FA_EINVAL, "store: attempt %s is damaged: %s", report_id, what);
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
    clear_attempt(a);
    fa_free(a);
}

int quiz_store_each(struct quiz_store *s, const struct quiz_store_filter *f,
                    int (*each)(void *ctx, const struct quiz_attempt *a), void *ctx,
                    size_t *n_damaged, struct fa_diag *diag)
{
    sqlite3_stmt *st = NULL;
    struct quiz_attempt a;
    int rc = FA_OK, step;

    memset(&a, 0, sizeof a);
    *n_damaged = 0;
    pthread_mutex_lock(&s->read_lock);
    /* One statement is one read transaction: a consistent snapshot of the attempts, on the
     * reader, so that submissions go on meanwhile. The report texts are not read. */
    if (sqlite3_prepare_v2(s->reader,
                           "SELECT learner, class_code, quiz, started_ms, submitted_ms, seed, "
                           "score_milli, max_milli, answers, NULL, NULL, report_id "
                           "FROM attempts WHERE (?1 IS NULL OR class_code = ?1) "
                           "AND (?2 IS NULL OR quiz = ?2) ORDER BY submitted_ms, id",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = quiz_store_read_error(s, diag, "preparing the walk over attempts");
        goto out;
    }
    if (f && f->class_code)
        sqlite3_bind_text(st, 1, f->class_code, -1, SQLITE_STATIC);
    if (f && f->quiz)
        sqlite3_bind_text(st, 2, f->quiz, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        clear_attempt(&a);
        if (read_attempt(st, &a)) {
            ++*n_damaged;
            continue;
        }
        rc = each(ctx, &a);
        if (rc)
            goto out;
    }
    if (step != SQLITE_DONE)
        rc = quiz_store_read_error(s, diag, "walking the attempts");
out:
    clear_attempt(&a);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->read_lock);
    return rc;
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

/* The online backup (see quiz_store.h). The source is opened read-write without creating: a
 * read-only connection could not take part in the WAL's shared memory when no server holds
 * it, and creating would leave an empty database behind a mistyped folder. */
int quiz_store_backup(const char *data_dir, const char *out_path, long *n_attempts,
                      struct fa_diag *diag)
{
    char *path = fa_xasprintf("%s/fa-learn.db", data_dir);
    char *tmp = fa_xasprintf("%s.tmp-%ld", out_path, (long)getpid());
    sqlite3 *src = NULL, *dst = NULL;
    sqlite3_backup *backup = NULL;
    sqlite3_stmt *st = NULL;
    long n = -1;
    int rc = FA_OK, step;

    if (access(path, F_OK) != 0) {
        rc = fa_diag_set(diag, FA_ENOTFOUND, "backup: no store in %s (no fa-learn.db)",
                         data_dir);
        goto out;
    }
    if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
        SQLITE_OK) {
        rc = fa_diag_set(diag, FA_EDB, "backup: cannot open %s: %s", path,
                         src ? sqlite3_errmsg(src) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(src, 10000);
    unlink(tmp);
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = fa_diag_set(diag, FA_EIO, "backup: cannot create %s: %s", tmp,
                         dst ? sqlite3_errmsg(dst) : "out of memory");
        goto out;
    }
    backup = sqlite3_backup_init(dst, "main", src, "main");
    if (!backup) {
        rc = fa_diag_set(diag, FA_EDB, "backup: %s", sqlite3_errmsg(dst));
        goto out;
    }
    /* All pages in one step: one read transaction, so one snapshot. In WAL mode it does not
     * hold the server's writers back (stepping in pieces would start over whenever the
     * server commits). */
    step = sqlite3_backup_step(backup, -1);
    if (step != SQLITE_DONE) {
        rc = fa_diag_set(diag, FA_EDB, "backup: copying %s: %s", path, sqlite3_errstr(step));
        goto out;
    }
    if (sqlite3_backup_finish(backup) != SQLITE_OK) {
        backup = NULL;
        rc = fa_diag_set(diag, FA_EDB, "backup: %s", sqlite3_errmsg(dst));
        goto out;
    }
    backup = NULL;
    /* A single file to keep: the copy leaves WAL mode, so nothing lives beside it. */
    if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW ||
        strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
        rc = fa_diag_set(diag, FA_EDB, "backup: the copy does not check out: %s",
                         sqlite3_errmsg(dst));
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(dst, "SELECT count(*) FROM attempts", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = fa_diag_set(diag, FA_EDB, "backup: counting the copy's attempts: %s",
                         sqlite3_errmsg(dst));
        goto out;
    }
    n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_close(dst) != SQLITE_OK) {
        rc = fa_diag_set(diag, FA_EIO, "backup: closing %s: %s", tmp, sqlite3_errmsg(dst));
        goto out;
    }
    dst = NULL;
    if (rename(tmp, out_path) != 0) {
        rc = fa_diag_set(diag, FA_EIO, "backup: cannot write %s: %s", out_path, strerror(errno));
        goto out;
    }
    *n_attempts = n;
out:
    sqlite3_finalize(st);
    sqlite3_backup_finish(backup);
    sqlite3_close(dst);
    sqlite3_close(src);
    if (rc)
        unlink(tmp);
    fa_free(tmp);
    fa_free(path);
    return rc;
}
