/* quiz_store.h: the store of quiz attempts, one SQLite database in the data folder
 * (DATA_DIR/fa-learn.db). The only owner of SQL in the program.
 *
 * Durability: WAL with synchronous=NORMAL, the store's default setting. A save returns only
 * after its transaction committed, and a committed transaction survives the process being
 * killed (SIGKILL included): it is in the WAL file, which the next open replays. (Power loss
 * can still lose the last transactions with NORMAL; FULL would fsync every commit.)
 *
 * Every save is one transaction: an attempt is stored with all its answers, or not at all.
 * Values are always bound, never spliced into SQL. The schema's version is PRAGMA
 * user_version; opening migrates an older database forward and refuses a newer one.
 *
 * Thread-safe: one connection behind a mutex; a call holds it for one transaction, so an
 * HTTP thread never waits longer than the transactions queued before its own. Checkpoints
 * (the WAL copied back into the database) run every half second on a thread of the store's
 * own, with a second connection, not on the thread that happens to commit. */
#ifndef FA_QUIZ_QUIZ_STORE_H
#define FA_QUIZ_QUIZ_STORE_H

#include "common/fa_err.h"

#include <stddef.h>
#include <stdint.h>

#define QUIZ_REPORT_ID_LEN 32 /* hex digits: 128 random bits */
#define QUIZ_MAX_NAME 80      /* bytes of a learner's name */
#define QUIZ_MAX_CLASS 32     /* bytes of a class code */
#define QUIZ_MAX_ANSWER_TEXT 200

struct quiz_store;

/* One answered question of an attempt, as marked. */
struct quiz_stored_answer {
    char question_id[65];
    unsigned chosen;      /* options chosen (bit i: option i of the bank, not the shown order) */
    char text[QUIZ_MAX_ANSWER_TEXT + 1]; /* a short answer, "" otherwise */
    int verdict;          /* enum quiz_verdict */
    int earned_milli, max_milli;
};

/* An attempt: who, which quiz, when, the marks, and its report. */
struct quiz_attempt {
    char report_id[QUIZ_REPORT_ID_LEN + 1]; /* set by quiz_store_save */
    char learner[QUIZ_MAX_NAME + 1];
    char class_code[QUIZ_MAX_CLASS + 1]; /* "" when none */
    char quiz[65];                       /* a topic slug, or "all" */
    int64_t started_ms, submitted_ms;    /* Unix time, milliseconds */
    uint32_t seed;                       /* the option order shown (quiz_shuffle) */
    int score_milli, max_milli;
    struct quiz_stored_answer *answers;
    size_t n_answers;
    /* The performance report as the learner was shown it (plain text and Markdown), kept so
     * that the permalink shows the same report even after the bank changes; NULL for
     * attempts stored before schema version 2. Owned by the attempt after a load. */
    char *report_text, *report_markdown;
};

/* Opens (creating when missing) DATA_DIR/fa-learn.db. FA_EDB with SQLite's message in diag
 * when the database cannot be opened, is damaged, or is newer than this program. */
int quiz_store_open(const char *data_dir, struct quiz_store **out, struct fa_diag *diag);
void quiz_store_close(struct quiz_store *store);

/* Writes a new report id into out: 128 bits from getrandom, as 32 hex digits. FA_EIO when the
 * system has no random bytes to give. */
int quiz_store_new_report_id(char out[QUIZ_REPORT_ID_LEN + 1]);

/* Stores a in one transaction, with a->report_id when set (else a new one is written there:
 * quiz_store_new_report_id). Returns 0 once committed; FA_EDB (nothing stored) otherwise,
 * also when the id exists already. */
int quiz_store_save(struct quiz_store *store, struct quiz_attempt *a, struct fa_diag *diag);

/* Reads the attempt with this report id into *out (free with quiz_attempt_free; it owns its
 * report strings, not the caller's). Every field is checked as it is read (types, ranges,
 * verdicts, UTF-8), so a caller may index tables with what it gets.
 * FA_ENOTFOUND when there is none (or the id is not 32 hex digits), FA_EINVAL when its row is
 * damaged (diag names the field; other attempts are unaffected), FA_EDB on errors. */
int quiz_store_load(struct quiz_store *store, const char *report_id, struct quiz_attempt **out,
                    struct fa_diag *diag);
void quiz_attempt_free(struct quiz_attempt *a);

/* Which attempts quiz_store_each visits. A NULL field matches every attempt; class_code ""
 * matches the attempts made without a class. */
struct quiz_store_filter {
    const char *class_code;
    const char *quiz; /* a topic slug, or "all" */
};

/* Calls each(ctx, a) for every stored attempt that f (NULL: all) lets through, in the order
 * they were submitted, from one consistent snapshot. a is borrowed for the call, without its
 * report texts (NULL). A damaged row is skipped and counted in *n_damaged; the walk goes on.
 * A non-zero return from each stops the walk and is returned; FA_EDB on errors. The store's
 * lock is held for the whole walk, so submissions wait for it: meant for the command line
 * and exports, which read a data folder a few thousand attempts long. */
int quiz_store_each(struct quiz_store *store, const struct quiz_store_filter *f,
                    int (*each)(void *ctx, const struct quiz_attempt *a), void *ctx,
                    size_t *n_damaged, struct fa_diag *diag);

/* Copies the store of data_dir (DATA_DIR/fa-learn.db) into a new database file at out_path
 * with SQLite's online backup API, while a server may go on writing: the copy is one
 * consistent snapshot holding every attempt committed before it began. Written beside
 * out_path under a temporary name, checked (PRAGMA quick_check) and renamed over out_path
 * only when whole, so a failed backup leaves any earlier file of that name as it was. The
 * copy is a self-contained database (no WAL beside it) that quiz_store_open can open as a
 * data folder's fa-learn.db. Writes the number of attempts copied to *n_attempts.
 * FA_ENOTFOUND when data_dir has no store, FA_EDB with SQLite's message, FA_EIO when the
 * copy cannot be written. Opens its own connections: any thread, any process. */
int quiz_store_backup(const char *data_dir, const char *out_path, long *n_attempts,
                      struct fa_diag *diag);

/* ---------- The instructor's side (quiz_store_admin.c) ---------- */

/* A session's secrets are kept as hex: the SHA-256 of its cookie (never the cookie itself)
 * and its CSRF token. */
#define QUIZ_SESSION_HEX 64

/* Settings by name ("admin_token_sha256"): value into out (cap bytes). FA_ENOTFOUND when
 * none is set; FA_EINVAL for a damaged or too long value; FA_EDB on errors. */
int quiz_store_setting_get(struct quiz_store *store, const char *name, char *out, size_t cap,
                           struct fa_diag *diag);
int quiz_store_setting_set(struct quiz_store *store, const char *name, const char *value,
                           struct fa_diag *diag);

/* Instructor sessions, by the hash of their cookie. find gives the session's CSRF token when
 * it exists and has not expired at now_ms (else FA_ENOTFOUND). end removes the session and
 * every expired one; with token_hash NULL it removes every session (a new token signs
 * everyone out). */
int quiz_store_session_save(struct quiz_store *store, const char *token_hash, const char *csrf,
                            int64_t created_ms, int64_t expires_ms, struct fa_diag *diag);
int quiz_store_session_find(struct quiz_store *store, const char *token_hash, int64_t now_ms,
                            char csrf[QUIZ_SESSION_HEX + 1], struct fa_diag *diag);
int quiz_store_session_end(struct quiz_store *store, const char *token_hash, int64_t now_ms,
                           struct fa_diag *diag);

/* Calls each(ctx, code) for every class code attempts were made with ("" for none), in
 * byte order; a damaged code is skipped. A non-zero return from each stops and is returned. */
int quiz_store_class_codes(struct quiz_store *store, int (*each)(void *ctx, const char *code),
                           void *ctx, struct fa_diag *diag);

/* How many attempts are stored (for tests and /metrics). -1 on errors. */
long quiz_store_count(struct quiz_store *store);
/* How many store operations have failed since it was opened (for /metrics). Thread-safe. */
unsigned long quiz_store_n_errors(struct quiz_store *store);

#endif
