/* quiz_store_classes.c: classes and their quiz settings in the store (see quiz_classes.h). */
#include "quiz/quiz_classes.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_store_int.h"

#include "common/fa_utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define CLASS_COLUMNS                                                                              \
    "code, name, is_open, created_ms, opens_ms, closes_ms, max_attempts, reveal, "                 \
    "time_limit_s, pool_size, keep_snippets_days"

void quiz_class_defaults(struct quiz_class *c)
{
    memset(c, 0, sizeof *c);
    c->open = true;
    c->reveal = QUIZ_REVEAL_ALL;
}

bool quiz_class_code_ok(const char *code, size_t len)
{
    if (len == 0 || len > QUIZ_MAX_CLASS)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)code[i]) && !(code[i] && strchr("-_.", code[i])))
            return false;
    return true;
}

const char *quiz_class_problem(const struct quiz_class *c)
{
    size_t len = strnlen(c->code, sizeof c->code), name_len = strnlen(c->name, sizeof c->name);

    if (len == 0 || len > QUIZ_MAX_CLASS)
        return "A class code has 1 to 32 characters.";
    if (!quiz_class_code_ok(c->code, len))
        return "A class code has only letters, digits, '-', '_' and '.'.";
    if (name_len == 0 || name_len > QUIZ_MAX_CLASS_NAME)
        return "A class name has 1 to 80 bytes.";
    if (fa_utf8_bad_offset(c->name, name_len) < name_len)
        return "The class name is not valid UTF-8.";
    for (size_t i = 0; i < name_len; i++)
        if ((unsigned char)c->name[i] < 0x20 || c->name[i] == 0x7f)
            return "The class name contains a control character.";
    if (c->opens_ms < 0 || c->closes_ms < 0 ||
        (c->opens_ms && c->closes_ms && c->closes_ms <= c->opens_ms))
        return "The quiz must close after it opens.";
    if (c->max_attempts < 0 || c->max_attempts > QUIZ_MAX_ATTEMPTS)
        return "Attempts allowed: 0 (unlimited) to 100.";
    if (c->reveal < QUIZ_REVEAL_ALL || c->reveal > QUIZ_REVEAL_SCORE_ONLY)
        return "Unknown choice of what the result page shows.";
    if (c->time_limit_s < 0 || c->time_limit_s > QUIZ_MAX_TIME_LIMIT_S)
        return "The time limit is 0 (none) to 24 hours.";
    if (c->pool_size < 0 || c->pool_size > QUIZ_MAX_QUESTIONS)
        return "Questions per topic: 0 (all) or a number of questions.";
    if (c->keep_snippets_days < 0 || c->keep_snippets_days > QUIZ_MAX_KEEP_DAYS)
        return "Snippets are kept 0 (not at all) to 365 days.";
    return NULL;
}

int quiz_class_new_code(char code[QUIZ_MAX_CLASS + 1])
{
    /* No 0/O, 1/I/l: codes are read aloud and copied from a projector. */
    static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    unsigned char bytes[8];

    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes)
        return FA_EIO;
    for (size_t i = 0; i < sizeof bytes; i++)
        code[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
    code[sizeof bytes] = '\0';
    return FA_OK;
}

/* Reads the row st stands on (CLASS_COLUMNS); false when it is damaged. */
static bool read_class(sqlite3_stmt *st, struct quiz_class *c)
{
    memset(c, 0, sizeof *c);
    for (int col = 0; col < 2; col++) {
        const char *v = (const char *)sqlite3_column_text(st, col);
        size_t len = (size_t)sqlite3_column_bytes(st, col);
        char *dst = col == 0 ? c->code : c->name;
        size_t cap = col == 0 ? sizeof c->code : sizeof c->name;
        if (sqlite3_column_type(st, col) != SQLITE_TEXT || !v || len >= cap)
            return false;
        memcpy(dst, v, len + 1);
    }
    for (int col = 2; col < 11; col++)
        if (sqlite3_column_type(st, col) != SQLITE_INTEGER)
            return false;
    c->open = sqlite3_column_int64(st, 2) != 0;
    c->created_ms = sqlite3_column_int64(st, 3);
    c->opens_ms = sqlite3_column_int64(st, 4);
    c->closes_ms = sqlite3_column_int64(st, 5);
    long long attempts = sqlite3_column_int64(st, 6), reveal = sqlite3_column_int64(st, 7),
              limit = sqlite3_column_int64(st, 8), pool = sqlite3_column_int64(st, 9),
              keep = sqlite3_column_int64(st, 10);
    if (attempts < 0 || attempts > QUIZ_MAX_ATTEMPTS || reveal < 0 ||
        reveal > QUIZ_REVEAL_SCORE_ONLY || limit < 0 || limit > QUIZ_MAX_TIME_LIMIT_S || pool < 0 ||
        pool > QUIZ_MAX_QUESTIONS || keep < 0 || keep > QUIZ_MAX_KEEP_DAYS)
        return false;
    c->max_attempts = (int)attempts;
    c->reveal = (enum quiz_reveal)reveal;
    c->time_limit_s = (int)limit;
    c->pool_size = (int)pool;
    c->keep_snippets_days = (int)keep;
    return quiz_class_problem(c) == NULL;
}

static int write_class(struct quiz_store *s, const struct quiz_class *c, bool create,
                       struct fa_diag *diag)
{
    const char *problem = quiz_class_problem(c);
    if (problem)
        return fa_diag_set(diag, FA_EINVAL, "%s", problem);
    const char *vals[] = {c->code, c->name};
    const long long ints[] = {c->open,         c->created_ms, c->opens_ms,     c->closes_ms,
                              c->max_attempts, c->reveal,     c->time_limit_s, c->pool_size,
                              c->keep_snippets_days};
    char found[8];
    long changes = 0;
    int rc;

    pthread_mutex_lock(&s->lock);
    rc = quiz_store_exec(s, "SELECT 'x' FROM classes WHERE code = ?", vals, 1, NULL, 0, found,
                         sizeof found, NULL, diag);
    if (create && rc == FA_OK)
        rc = fa_diag_set(diag, FA_EBUSY, "A class with the code %s exists already.", c->code);
    else if (!create && rc == FA_ENOTFOUND)
        rc = fa_diag_set(diag, FA_ENOTFOUND, "There is no class %s.", c->code);
    else if (rc == FA_OK || rc == FA_ENOTFOUND)
        rc = quiz_store_exec(s,
                             create ? "INSERT INTO classes (" CLASS_COLUMNS
                                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                                    : "UPDATE classes SET name = ?2, is_open = ?3, "
                                      "created_ms = ?4, opens_ms = ?5, closes_ms = ?6, "
                                      "max_attempts = ?7, reveal = ?8, time_limit_s = ?9, "
                                      "pool_size = ?10, keep_snippets_days = ?11 "
                                      "WHERE code = ?1",
                             vals, 2, ints, 9, NULL, 0, &changes, diag);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int quiz_store_class_create(struct quiz_store *s, const struct quiz_class *c, struct fa_diag *diag)
{
    return write_class(s, c, true, diag);
}

int quiz_store_class_update(struct quiz_store *s, const struct quiz_class *c, struct fa_diag *diag)
{
    return write_class(s, c, false, diag);
}

/* Walks the rows of sql (CLASS_COLUMNS, then a count) on the reader, so that a class is
 * looked up (every quiz submission does) without waiting for the writer. *cached, when
 * given, keeps the statement prepared for the next call. */
static int walk(struct quiz_store *s, const char *sql, sqlite3_stmt **cached, const char *code,
                int (*each)(void *ctx, const struct quiz_class *c, long n), void *ctx,
                struct fa_diag *diag)
{
    sqlite3_stmt *st = cached ? *cached : NULL;
    int rc = FA_OK, step = SQLITE_DONE;
    struct quiz_class c;

    pthread_mutex_lock(&s->read_lock);
    if (!st && sqlite3_prepare_v3(s->reader, sql, -1, cached ? SQLITE_PREPARE_PERSISTENT : 0,
                                  &st, NULL) != SQLITE_OK) {
        rc = quiz_store_read_error(s, diag, "preparing a read of classes");
        goto out;
    }
    if (cached)
        *cached = st;
    if (code)
        sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (!read_class(st, &c)) {
            rc = fa_diag_set(diag, FA_EINVAL, "store: a class's row is damaged");
            break;
        }
        rc = each(ctx, &c, (long)sqlite3_column_int64(st, 11));
    }
    if (!rc && step != SQLITE_DONE)
        rc = quiz_store_read_error(s, diag, "reading classes");
out:
    if (cached) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->read_lock);
    return rc;
}

static int copy_one(void *ctx, const struct quiz_class *c, long n)
{
    (void)n;
    *(struct quiz_class *)ctx = *c;
    return 1; /* found: stop */
}

int quiz_store_class_get(struct quiz_store *s, const char *code, struct quiz_class *out,
                         struct fa_diag *diag)
{
    int rc = walk(s, "SELECT " CLASS_COLUMNS ", 0 FROM classes WHERE code = ?", &s->select_class,
                  code, copy_one, out, diag);
    return rc == 1 ? FA_OK : rc ? rc : FA_ENOTFOUND;
}

int quiz_store_class_list(struct quiz_store *s,
                          int (*each)(void *ctx, const struct quiz_class *c, long n_attempts),
                          void *ctx, struct fa_diag *diag)
{
    return walk(s,
                "SELECT " CLASS_COLUMNS ", (SELECT count(*) FROM attempts "
                "WHERE attempts.class_code = classes.code) FROM classes ORDER BY code",
                NULL, NULL, each, ctx, diag);
}

/* Runs the deletions of one change in one transaction (with the lock held). */
static int in_transaction(struct quiz_store *s, const char *const *sqls, size_t n_sqls,
                          const char *const *vals, int n_vals, const long long *ints, int n_ints,
                          long *first_changes, struct fa_diag *diag)
{
    int rc = quiz_store_exec(s, "BEGIN IMMEDIATE", NULL, 0, NULL, 0, NULL, 0, NULL, diag);
    for (size_t i = 0; !rc && i < n_sqls; i++)
        rc = quiz_store_exec(s, sqls[i], vals, n_vals, ints, n_ints, NULL, 0,
                             i == 0 ? first_changes : NULL, diag);
    if (!rc)
        return quiz_store_exec(s, "COMMIT", NULL, 0, NULL, 0, NULL, 0, NULL, diag);
    quiz_store_exec(s, "ROLLBACK", NULL, 0, NULL, 0, NULL, 0, NULL, NULL);
    return rc;
}

int quiz_store_class_delete(struct quiz_store *s, const char *code, long *n_attempts,
                            struct fa_diag *diag)
{
    static const char *const sqls[] = {"DELETE FROM attempts WHERE class_code = ?",
                                       "DELETE FROM classes WHERE code = ?"};
    const char *vals[] = {code};
    char found[8];

    pthread_mutex_lock(&s->lock);
    int rc = quiz_store_exec(s, "SELECT 'x' FROM classes WHERE code = ?", vals, 1, NULL, 0, found,
                             sizeof found, NULL, diag);
    if (!rc)
        rc = in_transaction(s, sqls, 2, vals, 1, NULL, 0, n_attempts, diag);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int quiz_store_learner_delete(struct quiz_store *s, const char *class_code, const char *learner,
                              long *n_attempts, struct fa_diag *diag)
{
    const char *vals[] = {class_code, learner};
    pthread_mutex_lock(&s->lock);
    int rc = quiz_store_exec(s, "DELETE FROM attempts WHERE class_code = ? AND learner = ?", vals,
                             2, NULL, 0, NULL, 0, n_attempts, diag);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int quiz_store_attempt_count(struct quiz_store *s, const char *class_code, const char *learner,
                             const char *quiz, long *n, struct fa_diag *diag)
{
    const char *vals[] = {class_code, learner, quiz};
    char count[24];
    pthread_mutex_lock(&s->lock);
    /* The count comes back as text: quiz_store_exec copies text (a CAST keeps it portable). */
    int rc = quiz_store_exec(s,
                             "SELECT CAST(count(*) AS TEXT) FROM attempts WHERE class_code = ? "
                             "AND learner = ? AND quiz = ?",
                             vals, 3, NULL, 0, count, sizeof count, NULL, diag);
    pthread_mutex_unlock(&s->lock);
    if (!rc)
        *n = strtol(count, NULL, 10);
    return rc;
}

int quiz_store_purge(struct quiz_store *s, int64_t before_ms, long *n_attempts,
                     struct fa_diag *diag)
{
    const long long ints[] = {before_ms};
    pthread_mutex_lock(&s->lock);
    int rc = quiz_store_exec(s, "DELETE FROM attempts WHERE submitted_ms < ?", NULL, 0, ints, 1,
                             NULL, 0, n_attempts, diag);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
