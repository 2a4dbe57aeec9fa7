/* quiz_store_admin.c: the instructor's rows of the store: signed-in sessions and settings
 * (see quiz_store.h, "The instructor's side"). Statements are prepared per call: these are
 * rare (a sign-in, a page of the instructor's), so nothing is kept between calls. */
#include "quiz/quiz_store.h"
#include "quiz/quiz_store_int.h"

#include "common/fa_utf8.h"

#include <string.h>

/* One statement under the store's lock (see quiz_store_exec). */
static int run(struct quiz_store *s, const char *sql, const char *const *vals, int n,
               const long long *ints, int n_ints, char *out, size_t cap, struct fa_diag *diag)
{
    pthread_mutex_lock(&s->lock);
    int rc = quiz_store_exec(s, sql, vals, n, ints, n_ints, out, cap, NULL, diag);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int quiz_store_setting_get(struct quiz_store *s, const char *name, char *out, size_t cap,
                           struct fa_diag *diag)
{
    const char *vals[] = {name};
    return run(s, "SELECT value FROM settings WHERE name = ?", vals, 1, NULL, 0, out, cap, diag);
}

int quiz_store_setting_set(struct quiz_store *s, const char *name, const char *value,
                           struct fa_diag *diag)
{
    const char *vals[] = {name, value};
    /* An upsert in the form SQLite and PostgreSQL share. */
    return run(s,
               "INSERT INTO settings (name, value) VALUES (?, ?) "
               "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
               vals, 2, NULL, 0, NULL, 0, diag);
}

int quiz_store_session_save(struct quiz_store *s, const char *token_hash, const char *csrf,
                            int64_t created_ms, int64_t expires_ms, struct fa_diag *diag)
{
    const char *vals[] = {token_hash, csrf};
    const long long ints[] = {created_ms, expires_ms};
    return run(s,
               "INSERT INTO instructor_sessions (token_hash, csrf, created_ms, expires_ms) "
               "VALUES (?, ?, ?, ?)",
               vals, 2, ints, 2, NULL, 0, diag);
}

int quiz_store_session_find(struct quiz_store *s, const char *token_hash, int64_t now_ms,
                            char csrf[QUIZ_SESSION_HEX + 1], struct fa_diag *diag)
{
    const char *vals[] = {token_hash};
    const long long ints[] = {now_ms};
    return run(s, "SELECT csrf FROM instructor_sessions WHERE token_hash = ? AND expires_ms > ?",
               vals, 1, ints, 1, csrf, QUIZ_SESSION_HEX + 1, diag);
}

int quiz_store_session_end(struct quiz_store *s, const char *token_hash, int64_t now_ms,
                           struct fa_diag *diag)
{
    if (!token_hash)
        return run(s, "DELETE FROM instructor_sessions", NULL, 0, NULL, 0, NULL, 0, diag);
    const char *vals[] = {token_hash};
    const long long ints[] = {now_ms};
    /* The expired sessions go with it: sign-outs keep the table short. */
    return run(s, "DELETE FROM instructor_sessions WHERE token_hash = ? OR expires_ms <= ?", vals,
               1, ints, 1, NULL, 0, diag);
}

int quiz_store_class_codes(struct quiz_store *s, int (*each)(void *ctx, const char *code),
                           void *ctx, struct fa_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc = FA_OK, step;

    pthread_mutex_lock(&s->read_lock);
    if (sqlite3_prepare_v2(s->reader, "SELECT DISTINCT class_code FROM attempts ORDER BY class_code",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = quiz_store_read_error(s, diag, "preparing the list of classes");
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW && !rc) {
        const char *code = (const char *)sqlite3_column_text(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        if (sqlite3_column_type(st, 0) == SQLITE_TEXT && code && len <= QUIZ_MAX_CLASS &&
            fa_utf8_bad_offset(code, len) == len)
            rc = each(ctx, code);
    }
    if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = quiz_store_read_error(s, diag, "listing the classes");
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->read_lock);
    return rc;
}

int quiz_store_exec(struct quiz_store *s, const char *sql, const char *const *vals, int n,
                    const long long *ints, int n_ints, char *out, size_t cap, long *changes,
                    struct fa_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc = FA_OK, step;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return quiz_store_db_error(s, diag, "preparing an instructor statement");
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, vals[i], -1, SQLITE_STATIC);
    for (int i = 0; i < n_ints; i++)
        sqlite3_bind_int64(st, n + i + 1, ints[i]);
    step = sqlite3_step(st);
    if (out && step == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        /* What the store hands out is checked like everything it reads back. */
        if (sqlite3_column_type(st, 0) != SQLITE_TEXT || !v || len >= cap ||
            fa_utf8_bad_offset(v, len) < len)
            rc = fa_diag_set(diag, FA_EINVAL, "store: a damaged instructor row");
        else
            memcpy(out, v, len + 1);
    } else if (out && step == SQLITE_DONE) {
        rc = FA_ENOTFOUND;
    } else if (step != SQLITE_DONE && step != SQLITE_ROW) {
        rc = quiz_store_db_error(s, diag, "an instructor statement");
    }
    if (changes)
        *changes = rc ? 0 : (long)sqlite3_changes(s->db);
    sqlite3_finalize(st);
    return rc;
}
