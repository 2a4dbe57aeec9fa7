/* srv_quiz_rules.c: a class's quiz settings applied to attempts (see srv_quiz_rules.h). */
#include "server/model/srv_quiz_rules.h"

#include "common/fa_log.h"
#include "quiz/quiz_classes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void utc(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M UTC", &tm);
}

int srv_quiz_rules_class(struct quiz_store *store, const char *code, struct quiz_class *c)
{
    struct fa_diag diag = {{0}};
    memset(c, 0, sizeof *c);
    if (!store || !code || !quiz_class_code_ok(code, strlen(code)))
        return FA_ENOTFOUND;
    int rc = quiz_store_class_get(store, code, c, &diag);
    if (rc && rc != FA_ENOTFOUND)
        fa_log_error("event=quiz_rules error=\"%s\"", diag.msg);
    return rc;
}

const char *srv_quiz_rules_refusal(struct quiz_store *store, int class_rc,
                                   const struct quiz_class *cls, const char *learner,
                                   const char *quiz, int64_t started_ms, int64_t now_ms,
                                   char *why, size_t cap)
{
    const struct quiz_class c = *cls;
    struct fa_diag diag = {{0}};
    char when[32];
    long n = 0;
    int rc = class_rc;

    if (rc == FA_ENOTFOUND)
        return NULL;
    if (rc) {
        snprintf(why, cap, "Your class's settings could not be read just now; please submit "
                           "again.");
        return why;
    }
    if (!c.open) {
        snprintf(why, cap, "The class %s is closed: its quizzes take no submissions now.",
                 c.code);
    } else if (c.opens_ms && now_ms < c.opens_ms) {
        utc(c.opens_ms, when);
        snprintf(why, cap, "The quizzes of %s open at %s.", c.code, when);
    } else if (c.closes_ms && now_ms >= c.closes_ms) {
        utc(c.closes_ms, when);
        snprintf(why, cap, "The quizzes of %s closed at %s.", c.code, when);
    } else if (c.time_limit_s &&
               now_ms - started_ms > (int64_t)c.time_limit_s * 1000 + SRV_QUIZ_LATE_GRACE_MS) {
        snprintf(why, cap, "This attempt took longer than the %d minutes %s allows; start the "
                           "quiz again for a new attempt.",
                 c.time_limit_s / 60, c.code);
    } else if (c.max_attempts &&
               (rc = quiz_store_attempt_count(store, c.code, learner, quiz, &n, &diag)) == 0 &&
               n >= c.max_attempts) {
        snprintf(why, cap, "You have made the %d attempt%s %s allows at this quiz.",
                 c.max_attempts, c.max_attempts == 1 ? "" : "s", c.code);
    } else if (rc) {
        fa_log_error("event=quiz_rules error=\"%s\"", diag.msg);
        snprintf(why, cap, "Your attempts could not be counted just now; please submit again.");
    } else {
        return NULL;
    }
    return why;
}

bool srv_quiz_rules_reveal(struct quiz_store *store, const char *class_code, int64_t now_ms,
                           char *why, size_t cap)
{
    struct quiz_class c;
    char when[32];

    /* An unreadable class shows the score only: better to hold answers back a while than
     * to give them away early. */
    int rc = srv_quiz_rules_class(store, class_code, &c);
    if (rc == FA_ENOTFOUND || (rc == FA_OK && c.reveal == QUIZ_REVEAL_ALL))
        return true;
    if (rc == FA_OK && c.reveal == QUIZ_REVEAL_SCORE_UNTIL_CLOSE && c.closes_ms &&
        now_ms >= c.closes_ms)
        return true;
    if (rc == FA_OK && c.reveal == QUIZ_REVEAL_SCORE_UNTIL_CLOSE && c.closes_ms) {
        utc(c.closes_ms, when);
        snprintf(why, cap, "Your instructor shows the answers and explanations once the quiz "
                           "closes, at %s; this page will show them then.", when);
    } else if (rc == FA_OK && c.reveal == QUIZ_REVEAL_SCORE_UNTIL_CLOSE) {
        snprintf(why, cap, "Your instructor shows the answers and explanations once the quiz "
                           "closes; this page will show them then.");
    } else if (rc == FA_OK) {
        snprintf(why, cap, "Your instructor shows scores only for this class: ask them about "
                           "the questions you missed.");
    } else {
        snprintf(why, cap, "The answers cannot be shown just now; reload this page later.");
    }
    return false;
}

void srv_quiz_rules_describe(const struct quiz_class *c, char *out, size_t cap)
{
    static const char *const reveal[] = {
        [QUIZ_REVEAL_ALL] = "the result shows your answers and explanations at once",
        /* In parentheses: one string on two lines, not two (clang's -Wstring-concatenation). */
        [QUIZ_REVEAL_SCORE_UNTIL_CLOSE] = ("the result shows your score, and your answers once "
                                           "the quiz closes"),
        [QUIZ_REVEAL_SCORE_ONLY] = "the result shows your score only",
    };
    char opens[32], closes[32];
    size_t len;

    snprintf(out, cap, "Class %s: %s", c->code, c->open ? "open" : "closed");
    if (c->opens_ms) {
        utc(c->opens_ms, opens);
        len = strlen(out);
        snprintf(out + len, cap - len, " from %s", opens);
    }
    if (c->closes_ms) {
        utc(c->closes_ms, closes);
        len = strlen(out);
        snprintf(out + len, cap - len, " until %s", closes);
    }
    len = strlen(out);
    if (c->max_attempts)
        snprintf(out + len, cap - len, "; %d attempt%s per quiz", c->max_attempts,
                 c->max_attempts == 1 ? "" : "s");
    len = strlen(out);
    if (c->time_limit_s)
        snprintf(out + len, cap - len, "; %d minutes per attempt", c->time_limit_s / 60);
    len = strlen(out);
    if (c->pool_size)
        snprintf(out + len, cap - len, "; %d question%s per topic drawn for each attempt",
                 c->pool_size, c->pool_size == 1 ? "" : "s");
    len = strlen(out);
    snprintf(out + len, cap - len, "; %s.", reveal[c->reveal]);
}
