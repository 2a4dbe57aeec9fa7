/* test_quiz.c: the question bank's parser on golden good and bad banks (the bad one with the
 * exact diagnostics in tests/unit/quiz/bad/expected.txt), and scoring: every type, partial
 * credit, short answers. Usage: test_quiz TESTS_UNIT_QUIZ_DIR */
#include "common/fa_buf.h"
#include "common/fa_file.h"
#include "common/fa_mem.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_score.h"
#include "tests/unit/harness.h"

#include <stdio.h>
#include <string.h>

static void collect(void *cls, const char *file, int line, const char *what)
{
    fa_buf_printf(cls, "%s:%d: %s\n", file, line, what);
}

static void test_good(const char *dir)
{
    struct quiz_bank *bank = NULL;
    struct fa_diag diag = {{0}};
    const struct quiz_question *q;
    char *path = fa_xasprintf("%s/good", dir);

    INT_EQ(quiz_bank_load(path, NULL, NULL, &bank, &diag), 0);
    fa_free(path);
    if (!bank) {
        fprintf(stderr, "good bank: %s\n", diag.msg);
        return;
    }
    INT_EQ(quiz_bank_n_topics(bank), 2);
    STR_EQ(quiz_bank_get_topic(bank, 1)->title, "The sandbox");
    INT_EQ(quiz_bank_find_topic(bank, "sandbox", 7), 1);
    INT_EQ(quiz_bank_find_topic(bank, "sand", 4), -1);
    INT_EQ(quiz_bank_n_questions(bank), 6);

    q = quiz_bank_get_question(bank, 0);
    STR_EQ(q->id, "a-single");
    STR_EQ(q->file, "questions/a-single.md");
    INT_EQ(q->type, QUIZ_SINGLE);
    INT_EQ(q->points, 1);
    INT_EQ(q->topic, 0);
    STR_EQ(q->wiki, "/wiki/audit-events-and-hooks#what-a-hook-receives");
    INT_EQ(q->wiki_line, 5);
    STR_EQ(q->difficulty, "easy");
    STR_EQ(q->stem, "What does an audit hook receive?");
    INT_EQ(q->n_options, 2);
    STR_EQ(q->options[1].text, "The event name and a tuple of arguments");
    INT_EQ(q->options[0].correct, 0);
    INT_EQ(q->options[1].correct, 1);
    STR_EQ(q->explanation, "A name and a tuple.");

    q = quiz_bank_get_question(bank, 1);
    INT_EQ(q->type, QUIZ_MULTIPLE);
    INT_EQ(q->points, 3);
    STR_EQ(q->difficulty, "");
    /* The stem keeps its code block; the options follow it. */
    STR_EQ(q->stem, "Which events are default-denied? Select all that apply.\n\n"
                    "```python illustration\nimport subprocess\n```");
    INT_EQ(q->n_options, 3);
    STR_EQ(q->options[0].text, "`subprocess.Popen`");

    q = quiz_bank_get_question(bank, 3);
    INT_EQ(q->type, QUIZ_SHORT);
    INT_EQ(q->n_options, 0);
    INT_EQ(q->n_answers, 2);
    STR_EQ(q->answers[1], "Popen");
    STR_EQ(q->stem, "Which event does `subprocess.run` raise?");

    q = quiz_bank_get_question(bank, 4);
    INT_EQ(q->type, QUIZ_PREDICT);
    STR_EQ(q->snippet, "import os\nos.system(\"true\")\n");
    STR_EQ(q->options[1].text, "denied os.system");
    INT_EQ(quiz_bank_find(bank, "e-predict"), 4);
    INT_EQ(quiz_bank_find(bank, "nope"), -1);
    quiz_bank_free(bank);
}

/* Every problem of the bad bank, exactly, in order. */
static void test_bad(const char *dir)
{
    struct quiz_bank *bank = NULL;
    struct fa_diag diag = {{0}};
    struct fa_buf got;
    char *path = fa_xasprintf("%s/bad", dir), *expected_path = fa_xasprintf("%s/expected.txt", path);
    char *expected = NULL;
    size_t len;

    fa_buf_init(&got, 1 << 16);
    INT_EQ(quiz_bank_load(path, collect, &got, &bank, &diag), FA_EINVAL);
    OK(bank == NULL);
    OK(strncmp(diag.msg, "topics.md:2: ", 13) == 0); /* diag holds the first problem */
    INT_EQ(fa_file_read(expected_path, 1 << 16, 0, &expected, &len, &diag), 0);
    if (expected)
        STR_EQ(got.ptr ? got.ptr : "", expected);
    fa_free(expected);
    fa_free(expected_path);
    fa_free(path);
    fa_buf_cleanup(&got);
}

static void test_missing_folder(void)
{
    struct quiz_bank *bank = NULL;
    struct fa_diag diag = {{0}};

    INT_EQ(quiz_bank_load("/nonexistent-quiz", NULL, NULL, &bank, &diag), FA_EINVAL);
    OK(strncmp(diag.msg, "topics.md:1: cannot read", 24) == 0);
}

static struct quiz_mark mark(const struct quiz_question *q, unsigned chosen, const char *text)
{
    struct quiz_answer a = {chosen, text};
    return quiz_score(q, &a);
}

static void test_score(void)
{
    static const struct quiz_option two[] = {{"A", 0}, {"B", 1}};
    static const struct quiz_option four[] = {{"A", 1}, {"B", 1}, {"C", 0}, {"D", 1}};
    static const char *const accepted[] = {"subprocess.Popen", "os . system"};
    struct quiz_question single = {.type = QUIZ_SINGLE, .points = 2, .options = two, .n_options = 2};
    struct quiz_question multiple = {.type = QUIZ_MULTIPLE, .points = 3, .options = four,
                                     .n_options = 4};
    struct quiz_question shortq = {.type = QUIZ_SHORT, .points = 1, .answers = accepted,
                                   .n_answers = 2};

    INT_EQ(mark(&single, 0, NULL).verdict, QUIZ_UNANSWERED);
    INT_EQ(mark(&single, 2, NULL).verdict, QUIZ_CORRECT);
    INT_EQ(mark(&single, 2, NULL).earned_milli, 2000);
    INT_EQ(mark(&single, 1, NULL).verdict, QUIZ_INCORRECT);
    INT_EQ(mark(&single, 3, NULL).verdict, QUIZ_INCORRECT); /* both chosen */
    INT_EQ(mark(&single, 1u << 5, NULL).verdict, QUIZ_UNANSWERED); /* no such option */

    /* Multiple: 3 right options (A, B, D), one wrong (C), 3 points. */
    INT_EQ(mark(&multiple, 0xb, NULL).verdict, QUIZ_CORRECT);
    INT_EQ(mark(&multiple, 0xb, NULL).earned_milli, 3000);
    INT_EQ(mark(&multiple, 0x3, NULL).verdict, QUIZ_PARTIAL); /* A, B: 2/3 */
    INT_EQ(mark(&multiple, 0x3, NULL).earned_milli, 2000);
    INT_EQ(mark(&multiple, 0xf, NULL).earned_milli, 2000); /* all four: 3 - 1 = 2 */
    INT_EQ(mark(&multiple, 0xf, NULL).verdict, QUIZ_PARTIAL);
    INT_EQ(mark(&multiple, 0x5, NULL).earned_milli, 0); /* A and C: 1 - 1 */
    INT_EQ(mark(&multiple, 0x5, NULL).verdict, QUIZ_INCORRECT);
    INT_EQ(mark(&multiple, 0x4, NULL).verdict, QUIZ_INCORRECT); /* C only: no negative score */
    INT_EQ(mark(&multiple, 0x4, NULL).earned_milli, 0);

    INT_EQ(mark(&shortq, 0, "  Subprocess.POPEN \n").verdict, QUIZ_CORRECT);
    INT_EQ(mark(&shortq, 0, "os  .\tsystem").verdict, QUIZ_CORRECT);
    INT_EQ(mark(&shortq, 0, "os.system").verdict, QUIZ_INCORRECT); /* spaces are not ignored */
    INT_EQ(mark(&shortq, 0, "subprocess.Popen2").verdict, QUIZ_INCORRECT);
    INT_EQ(mark(&shortq, 0, "   ").verdict, QUIZ_UNANSWERED);
    INT_EQ(mark(&shortq, 0, NULL).verdict, QUIZ_UNANSWERED);
    OK(quiz_short_matches("", ""));
    OK(!quiz_short_matches("a", ""));
    STR_EQ(quiz_verdict_name(QUIZ_PARTIAL), "partial");
}

static void test_outcomes(void)
{
    char buf[200];

    STR_EQ(quiz_outcome_words("denied subprocess.Popen", buf, sizeof buf),
           "Denied by FastAudit at the event `subprocess.Popen`");
    STR_EQ(quiz_outcome_words("runs", buf, sizeof buf), "Runs to the end: nothing is denied");
    STR_EQ(quiz_outcome_words("error ValueError", buf, sizeof buf),
           "Raises `ValueError`, not because of the policy");
    OK(quiz_outcome_words("os-layer", buf, sizeof buf) != NULL);
    OK(quiz_outcome_words("denied ", buf, sizeof buf) == NULL);
    OK(quiz_outcome_words("denied `x`", buf, sizeof buf) == NULL);
    OK(quiz_outcome_words("crashes", buf, sizeof buf) == NULL);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/unit/quiz";

    test_good(dir);
    test_bad(dir);
    test_missing_folder();
    test_score();
    test_outcomes();
    return harness_exit();
}
