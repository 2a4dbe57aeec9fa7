/* test_classes.c: classes and their settings in the store (quiz/quiz_classes.h): validation,
 * create/update/get/list, the attempt counts, and the deletions an instructor confirms
 * (a class with its attempts, a learner's attempts, attempts past the retention). */
#include "quiz/quiz_classes.h"
#include "quiz/quiz_runs.h"

#include "common/fa_mem.h"

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct quiz_class good(const char *code)
{
    struct quiz_class c;
    quiz_class_defaults(&c);
    snprintf(c.code, sizeof c.code, "%s", code);
    snprintf(c.name, sizeof c.name, "Security, Tuesday");
    return c;
}

static void test_problems(void)
{
    struct quiz_class c = good("CS-101.a_b");
    OK(c.open && c.reveal == QUIZ_REVEAL_ALL && c.max_attempts == 0 && c.pool_size == 0);
    OK(quiz_class_problem(&c) == NULL);

    c = good("");
    OK(CONTAINS(quiz_class_problem(&c), "1 to 32"));
    c = good("a b");
    OK(CONTAINS(quiz_class_problem(&c), "only letters"));
    c = good("x");
    c.name[0] = '\0';
    OK(CONTAINS(quiz_class_problem(&c), "name has 1 to 80"));
    c = good("x");
    snprintf(c.name, sizeof c.name, "tab\there");
    OK(CONTAINS(quiz_class_problem(&c), "control"));
    c = good("x");
    snprintf(c.name, sizeof c.name, "bad \xff byte");
    OK(CONTAINS(quiz_class_problem(&c), "UTF-8"));
    c = good("x");
    c.opens_ms = 2000, c.closes_ms = 1000;
    OK(CONTAINS(quiz_class_problem(&c), "close after"));
    c = good("x");
    c.max_attempts = QUIZ_MAX_ATTEMPTS + 1;
    OK(CONTAINS(quiz_class_problem(&c), "Attempts"));
    c = good("x");
    c.reveal = (enum quiz_reveal)7;
    OK(quiz_class_problem(&c) != NULL);
    c = good("x");
    c.time_limit_s = -1;
    OK(CONTAINS(quiz_class_problem(&c), "time limit"));
    c = good("x");
    c.keep_snippets_days = QUIZ_MAX_KEEP_DAYS + 1;
    OK(CONTAINS(quiz_class_problem(&c), "Snippets"));

    char code[QUIZ_MAX_CLASS + 1], other[QUIZ_MAX_CLASS + 1];
    INT_EQ(quiz_class_new_code(code), FA_OK);
    INT_EQ(quiz_class_new_code(other), FA_OK);
    INT_EQ(strlen(code), 8);
    OK(strcmp(code, other) != 0);
    OK(strpbrk(code, "01OIl") == NULL);
    c = good(code);
    OK(quiz_class_problem(&c) == NULL);
}

static void test_runs(struct quiz_store *store)
{
    struct fa_diag diag = {{0}};
    const int64_t day = 24LL * 3600 * 1000, now = 100 * day;
    const struct quiz_run runs[] = {
        {"LAB-1", now - 10, "denied", "subprocess.Popen", "default-deny", "", 12, NULL, 0},
        {"LAB-1", now - 20, "denied", "subprocess.Popen", "default-deny", "", 12, "import os", now + day},
        {"LAB-1", now - day - 5, "denied", "open", "path-denied", "", 3, NULL, 0},
        {"LAB-1", now - 2 * day - 5, "limit", "", "", "time", 5000, NULL, 0},
        {"LAB-1", now - 30 * day, "ok", "", "", "", 1, NULL, 0},
        {"LAB-2", now - 10, "crash", "", "", "", 4, NULL, 0},
        {"", now - 10, "ok", "", "", "", 1, NULL, 0},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++)
        INT_EQ(quiz_store_run_save(store, &runs[i], &diag), FA_OK);
    struct quiz_run bad = runs[0];
    bad.status = "x' OR 1=1 -- and then a status far longer than sixty-four bytes can ever be";
    INT_EQ(quiz_store_run_save(store, &bad, &diag), FA_EINVAL);

    struct quiz_run_summary s;
    INT_EQ(quiz_store_run_summary(store, "LAB-1", now - 14 * day, now, &s, &diag), FA_OK);
    INT_EQ(s.n_runs, 4); /* the run 30 days ago is before since */
    INT_EQ(s.n_statuses, 2);
    STR_EQ(s.statuses[0].name, "denied");
    INT_EQ(s.statuses[0].n, 3);
    INT_EQ(s.n_denied, 2);
    STR_EQ(s.denied[0].name, "subprocess.Popen");
    STR_EQ(s.denied[0].detail, "default-deny");
    INT_EQ(s.denied[0].n, 2);
    INT_EQ(s.n_limits, 1);
    STR_EQ(s.limits[0].name, "time");
    INT_EQ(s.per_day[0], 2);
    INT_EQ(s.per_day[1], 1);
    INT_EQ(s.per_day[2], 1);
    INT_EQ(quiz_store_run_summary(store, NULL, 0, now, &s, &diag), FA_OK);
    INT_EQ(s.n_runs, 7);
    INT_EQ(quiz_store_run_summary(store, "", 0, now, &s, &diag), FA_OK);
    INT_EQ(s.n_runs, 1);

    long n = -1;
    INT_EQ(quiz_store_run_purge(store, now - 20 * day, now + 2 * day, &n, &diag), FA_OK);
    INT_EQ(n, 1);
    INT_EQ(quiz_store_run_summary(store, NULL, 0, now, &s, &diag), FA_OK);
    INT_EQ(s.n_runs, 6);
}

static int count_classes(void *ctx, const struct quiz_class *c, long n_attempts)
{
    long *seen = ctx;
    if (strcmp(c->code, "LAB-1") == 0)
        seen[0] = n_attempts;
    seen[1]++;
    return 0;
}

static void save(struct quiz_store *store, const char *learner, const char *code, const char *quiz,
                 int64_t submitted_ms)
{
    struct quiz_stored_answer answer = {
        .question_id = "q", .verdict = 3, .earned_milli = 1000, .max_milli = 1000};
    struct quiz_attempt a = {.started_ms = submitted_ms - 1000,
                             .submitted_ms = submitted_ms,
                             .score_milli = 1000,
                             .max_milli = 1000,
                             .answers = &answer,
                             .n_answers = 1};
    struct fa_diag diag = {{0}};
    snprintf(a.learner, sizeof a.learner, "%s", learner);
    snprintf(a.class_code, sizeof a.class_code, "%s", code);
    snprintf(a.quiz, sizeof a.quiz, "%s", quiz);
    INT_EQ(quiz_store_save(store, &a, &diag), FA_OK);
}

static void test_store(void)
{
    char dir[] = "/tmp/fa-learn-test-classes-XXXXXX";
    struct quiz_store *store = NULL;
    struct fa_diag diag = {{0}};
    struct quiz_class c = good("LAB-1"), back;
    long n = -1, seen[2] = {-1, 0};

    if (!mkdtemp(dir) || quiz_store_open(dir, &store, &diag)) {
        OK(0);
        return;
    }
    c.max_attempts = 2;
    c.reveal = QUIZ_REVEAL_SCORE_UNTIL_CLOSE;
    c.opens_ms = 1000;
    c.closes_ms = 5000;
    c.time_limit_s = 600;
    c.pool_size = 3;
    c.keep_snippets_days = 7;
    INT_EQ(quiz_store_class_create(store, &c, &diag), FA_OK);
    INT_EQ(quiz_store_class_create(store, &c, &diag), FA_EBUSY);
    OK(CONTAINS(diag.msg, "exists already"));
    INT_EQ(quiz_store_class_get(store, "LAB-1", &back, &diag), FA_OK);
    OK(memcmp(&back, &c, sizeof c) == 0);
    INT_EQ(quiz_store_class_get(store, "LAB-2", &back, &diag), FA_ENOTFOUND);
    c.open = false;
    snprintf(c.name, sizeof c.name, "Renamed 'x'; DROP TABLE classes; --");
    INT_EQ(quiz_store_class_update(store, &c, &diag), FA_OK);
    INT_EQ(quiz_store_class_get(store, "LAB-1", &back, &diag), FA_OK);
    OK(!back.open && strcmp(back.name, c.name) == 0);
    struct quiz_class missing = good("NOPE");
    INT_EQ(quiz_store_class_update(store, &missing, &diag), FA_ENOTFOUND);
    struct quiz_class bad = good("bad code");
    INT_EQ(quiz_store_class_create(store, &bad, &diag), FA_EINVAL);

    save(store, "Ada", "LAB-1", "all", 10000);
    save(store, "Ada", "LAB-1", "all", 20000);
    save(store, "Ada", "LAB-1", "ctypes", 30000);
    save(store, "Bob", "LAB-1", "all", 40000);
    save(store, "Ada", "", "all", 50000);
    INT_EQ(quiz_store_attempt_count(store, "LAB-1", "Ada", "all", &n, &diag), FA_OK);
    INT_EQ(n, 2);
    INT_EQ(quiz_store_attempt_count(store, "", "Ada", "all", &n, &diag), FA_OK);
    INT_EQ(n, 1);
    INT_EQ(quiz_store_class_list(store, count_classes, seen, &diag), FA_OK);
    INT_EQ(seen[0], 4);
    INT_EQ(seen[1], 1);

    INT_EQ(quiz_store_learner_delete(store, "LAB-1", "Ada", &n, &diag), FA_OK);
    INT_EQ(n, 3);
    INT_EQ(quiz_store_count(store), 2);
    INT_EQ(quiz_store_purge(store, 45000, &n, &diag), FA_OK);
    INT_EQ(n, 1); /* Bob's, at 40000; the one at 50000 stays */
    save(store, "Cy", "LAB-1", "all", 60000);
    INT_EQ(quiz_store_class_delete(store, "LAB-1", &n, &diag), FA_OK);
    INT_EQ(n, 1);
    INT_EQ(quiz_store_class_get(store, "LAB-1", &back, &diag), FA_ENOTFOUND);
    INT_EQ(quiz_store_count(store), 1); /* the attempt without a class stays */
    INT_EQ(quiz_store_class_delete(store, "LAB-1", &n, &diag), FA_ENOTFOUND);
    test_runs(store);

    quiz_store_close(store);
    char *cleanup = fa_xasprintf("rm -rf '%s'", dir);
    OK(system(cleanup) == 0);
    fa_free(cleanup);
}

int main(void)
{
    test_problems();
    test_store();
    return harness_exit();
}
