/* test_quiz.c: the question bank's parser on golden good and bad banks (the bad one with the
 * exact diagnostics in tests/unit/quiz/bad/expected.txt), and scoring: every type, partial
 * credit, short answers. Usage: test_quiz TESTS_UNIT_QUIZ_DIR */
#include "common/fa_buf.h"
#include "common/fa_file.h"
#include "common/fa_mem.h"
#include "content/cnt_markdown.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_cues.h"
#include "quiz/quiz_report.h"
#include "quiz/quiz_score.h"
#include "quiz/quiz_store.h"
#include "quiz/quiz_token.h"
#include "tests/unit/harness.h"

#include <cmark-gfm-core-extensions.h> /* to render reports as a permissive renderer would */
#include <cmark-gfm.h>
#include <sqlite3.h> /* to write databases of older versions, and to damage rows */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* Issue 14: attempt tokens. The key file is made once (0600) and read again; a token checks
 * out for its quiz only, and any change to its seed, start time or signature is caught. */
static void test_tokens(void)
{
    char dir[] = "/tmp/fa-learn-test-token-XXXXXX", path[200], token[QUIZ_TOKEN_MAX];
    char changed[QUIZ_TOKEN_MAX];
    struct quiz_key *key = NULL, *again = NULL, *other = quiz_key_new((const unsigned char *)"k", 1);
    struct fa_diag diag = {{0}};
    struct stat st;
    uint32_t seed = 0;
    int64_t started = 0;

    OK(mkdtemp(dir) != NULL);
    INT_EQ(quiz_key_open(dir, &key, &diag), FA_OK);
    snprintf(path, sizeof path, "%s/%s", dir, QUIZ_KEY_FILE);
    OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == QUIZ_KEY_BYTES);
    INT_EQ(quiz_key_open(dir, &again, &diag), FA_OK); /* the same key: tokens still check */
    quiz_token_make(key, "all", 4242, 1700000000123, token);
    OK(strncmp(token, "4242.", 5) != 0 && strstr(token, ".1700000000123.") != NULL &&
       strlen(token) == (size_t)(strstr(token, ".1700000000123.") - token) + 15 + 64);
    INT_EQ(quiz_token_check(again, "all", token, strlen(token), &seed, &started), FA_OK);
    INT_EQ(seed, 4242);
    INT_EQ(started, 1700000000123);
    INT_EQ(quiz_token_check(key, "audit-hooks", token, strlen(token), &seed, &started),
           FA_EPOLICY);
    INT_EQ(quiz_token_check(other, "all", token, strlen(token), &seed, &started), FA_EPOLICY);
    {
        const char *rest = strstr(token, ".1700000000123.");
        int masked_len = (int)(rest - token);
        /* An earlier start. */
        snprintf(changed, sizeof changed, "%.*s.1700000000000.%s", masked_len, token, rest + 15);
        INT_EQ(quiz_token_check(key, "all", changed, strlen(changed), &seed, &started),
               FA_EPOLICY);
        /* Another order: the masked seed's last digit changed. */
        snprintf(changed, sizeof changed, "%s", token);
        changed[masked_len - 1] = changed[masked_len - 1] == '0' ? '1' : changed[masked_len - 1] - 1;
        INT_EQ(quiz_token_check(key, "all", changed, strlen(changed), &seed, &started),
               FA_EPOLICY);
        /* Read without the check (a refused form shown again): the seed comes back. */
        INT_EQ(quiz_token_read(key, "all", token, strlen(token), &seed, &started), FA_OK);
        INT_EQ(seed, 4242);
    }
    snprintf(changed, sizeof changed, "%s", token);
    /* Another hex digit at the signature's end (flipping a bit could make a non-digit, a
     * malformed token rather than a forged one, depending on the random key). */
    changed[strlen(changed) - 1] = changed[strlen(changed) - 1] == '0' ? '1' : '0';
    INT_EQ(quiz_token_check(key, "all", changed, strlen(changed), &seed, &started), FA_EPOLICY);
    for (size_t i = 0; i < 8; i++) {
        static const char *const garbled[] = {"", "1.2", "1.2.", "x.2.00", "99999999999.1.0",
                                              "1..0", "1.2.3.4", "-1.2.0"};
        INT_EQ(quiz_token_check(key, "all", garbled[i], strlen(garbled[i]), &seed, &started),
               FA_EINVAL);
    }
    snprintf(changed, sizeof changed, "%.*sABCD", (int)strlen(token) - 4, token); /* upper case */
    INT_EQ(quiz_token_check(key, "all", changed, strlen(changed), &seed, &started), FA_EINVAL);
    /* A file of the wrong size is not a key, and is not replaced. */
    OK(truncate(path, 5) == 0);
    {
        struct quiz_key *bad = NULL;
        INT_EQ(quiz_key_open(dir, &bad, &diag), FA_EINVAL);
        OK(bad == NULL && strstr(diag.msg, "not a quiz key") != NULL);
    }
    unlink(path);
    rmdir(dir);
    quiz_key_free(key);
    quiz_key_free(again);
    quiz_key_free(other);
}

/* Issue 13: options are numbered as shown and mapped back through the attempt's seed. */
static void test_shown_values(void)
{
    static const struct quiz_option four[] = {{"A", 1}, {"B", 0}, {"C", 0}, {"D", 0}};
    struct quiz_question q = {.id = "q", .type = QUIZ_SINGLE, .points = 1, .options = four,
                              .n_options = 4};
    unsigned char order[QUIZ_MAX_OPTIONS];
    int first_is_key = 0;

    for (uint32_t seed = 1; seed <= 64; seed++) {
        quiz_option_order(&q, seed, order);
        for (unsigned k = 0; k < 4; k++)
            INT_EQ(quiz_chosen_from_shown(&q, seed, 1u << k), 1u << order[k]);
        first_is_key += order[0] == 0;
    }
    INT_EQ(quiz_chosen_from_shown(&q, 7, 1u << 6), 0); /* no such place */
    /* The key (the bank's first) is shown first about a quarter of the time, not always. */
    OK(first_is_key > 4 && first_is_key < 32);
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

/* Save, load back field by field, survive a reopen; unknown and malformed ids. */
static void test_store(void)
{
    char dir[] = "/tmp/fa-learn-test-store-XXXXXX";
    struct quiz_stored_answer answers[2] = {
        {.question_id = "a-single", .chosen = 2, .verdict = QUIZ_CORRECT, .earned_milli = 1000,
         .max_milli = 1000},
        {.question_id = "d-short", .text = "it's 'quoted'; DROP TABLE attempts; --\t100%\n",
         .verdict = QUIZ_INCORRECT, .max_milli = 1000},
    };
    struct quiz_attempt a = {.learner = "Zoë <b>", .class_code = "CS-101", .quiz = "all",
                             .started_ms = 1700000000000, .submitted_ms = 1700000060000,
                             .seed = 4242, .score_milli = 1000, .max_milli = 2000,
                             .answers = answers, .n_answers = 2};
    struct quiz_store *store = NULL;
    struct quiz_attempt *back = NULL;
    struct fa_diag diag = {{0}};
    char first_id[QUIZ_REPORT_ID_LEN + 1];
    char *cleanup;

    if (!mkdtemp(dir)) {
        OK(0);
        return;
    }
    INT_EQ(quiz_store_open(dir, &store, &diag), 0);
    if (!store)
        return;
    INT_EQ(quiz_store_count(store), 0);
    INT_EQ(quiz_store_save(store, &a, &diag), 0);
    INT_EQ(strlen(a.report_id), QUIZ_REPORT_ID_LEN);
    snprintf(first_id, sizeof first_id, "%s", a.report_id);
    a.report_id[0] = '\0'; /* a new attempt: the store picks a new id */
    INT_EQ(quiz_store_save(store, &a, &diag), 0);
    OK(strcmp(first_id, a.report_id) != 0); /* every save gets its own id */
    INT_EQ(quiz_store_count(store), 2);
    quiz_store_close(store);

    store = NULL;
    INT_EQ(quiz_store_open(dir, &store, &diag), 0); /* reopened: migrations are not redone */
    if (!store)
        return;
    INT_EQ(quiz_store_count(store), 2);
    INT_EQ(quiz_store_load(store, first_id, &back, &diag), 0);
    if (back) {
        STR_EQ(back->learner, "Zoë <b>");
        STR_EQ(back->class_code, "CS-101");
        STR_EQ(back->quiz, "all");
        INT_EQ(back->started_ms, 1700000000000);
        INT_EQ(back->submitted_ms, 1700000060000);
        INT_EQ(back->seed, 4242);
        INT_EQ(back->score_milli, 1000);
        INT_EQ(back->max_milli, 2000);
        INT_EQ(back->n_answers, 2);
        STR_EQ(back->answers[0].question_id, "a-single");
        INT_EQ(back->answers[0].chosen, 2);
        INT_EQ(back->answers[0].verdict, QUIZ_CORRECT);
        STR_EQ(back->answers[1].text, "it's 'quoted'; DROP TABLE attempts; --\t100%\n");
        INT_EQ(back->answers[1].earned_milli, 0);
        quiz_attempt_free(back);
    }
    back = NULL;
    INT_EQ(quiz_store_load(store, "0123456789abcdef0123456789abcdef", &back, &diag),
           FA_ENOTFOUND);
    INT_EQ(quiz_store_load(store, "' OR 1=1 --", &back, &diag), FA_ENOTFOUND);
    INT_EQ(quiz_store_load(store, "0123456789ABCDEF0123456789ABCDEF", &back, &diag),
           FA_ENOTFOUND);
    OK(back == NULL);
    INT_EQ(quiz_store_count(store), 2); /* the hostile text and ids changed nothing */
    quiz_store_close(store);
    INT_EQ(quiz_store_open("/proc/no-such-dir", &store, &diag), FA_EDB);
    OK(strstr(diag.msg, "cannot open") != NULL);
    cleanup = fa_xasprintf("rm -rf '%s'", dir);
    OK(system(cleanup) == 0);
    fa_free(cleanup);
}

/* Compares got with the file DIR/name, byte for byte. */
static void golden(const char *dir, const char *name, const char *got)
{
    char *path = fa_xasprintf("%s/%s", dir, name), *want = NULL;
    struct fa_diag diag = {{0}};
    size_t len;

    INT_EQ(fa_file_read(path, 1 << 16, 0, &want, &len, &diag), 0);
    if (want)
        STR_EQ(got, want);
    fa_free(want);
    fa_free(path);
}

/* The reports' titles of a bank's questions, as the server makes them (free_titles). */
static char **make_titles(const struct quiz_bank *bank)
{
    size_t n = quiz_bank_n_questions(bank);
    char **titles = fa_xcalloc(n + 1, sizeof *titles);

    for (size_t i = 0; i < n; i++) {
        const char *stem = quiz_bank_get_question(bank, i)->stem;
        INT_EQ(cnt_markdown_plain_title(stem, strlen(stem), &titles[i]), 0);
    }
    return titles;
}

static void free_titles(const struct quiz_bank *bank, char **titles)
{
    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++)
        fa_free(titles[i]);
    fa_free(titles);
}

#define TITLES(t) ((const char *const *)(t))

/* The report of an attempt on the good bank, against snapshots of both forms. */
static void test_report(const char *dir)
{
    struct quiz_bank *bank = NULL;
    struct fa_diag diag = {{0}};
    char *path = fa_xasprintf("%s/good", dir);
    struct quiz_stored_answer answers[] = {
        {.question_id = "a-single", .chosen = 2, .verdict = QUIZ_CORRECT, .earned_milli = 1000, .max_milli = 1000},
        {.question_id = "b-multiple", .chosen = 1, .verdict = QUIZ_PARTIAL, .earned_milli = 1500, .max_milli = 3000},
        {.question_id = "c-truefalse", .chosen = 1, .verdict = QUIZ_INCORRECT, .max_milli = 1000},
        {.question_id = "d-short", .text = "Popen", .verdict = QUIZ_CORRECT, .earned_milli = 1000, .max_milli = 1000},
        {.question_id = "e-predict", .verdict = QUIZ_UNANSWERED, .max_milli = 2000},
        {.question_id = "gone-now", .verdict = QUIZ_INCORRECT, .max_milli = 1000},
    };
    struct quiz_attempt a = {.learner = "Ada | Lovelace", .class_code = "", .quiz = "all",
                             .started_ms = 1795000000000, .submitted_ms = 1795000754321,
                             .score_milli = 3500, .max_milli = 9000, .answers = answers,
                             .n_answers = 6};
    struct fa_buf text, md;
    char buf[64], **titles;

    INT_EQ(quiz_bank_load(path, NULL, NULL, &bank, &diag), 0);
    fa_free(path);
    if (!bank)
        return;
    titles = make_titles(bank);
    fa_buf_init(&text, 1 << 16);
    fa_buf_init(&md, 1 << 16);
    INT_EQ(quiz_report_text(bank, TITLES(titles), &a, "https://course.example/report/0123",
                            &text), 0);
    INT_EQ(quiz_report_markdown(bank, TITLES(titles), &a, "https://course.example/report/0123",
                                &md), 0);
    golden(dir, "report.txt", text.ptr ? text.ptr : "");
    golden(dir, "report.md", md.ptr ? md.ptr : "");
    /* Fixed width: no line of the text report is longer than QUIZ_REPORT_WIDTH. */
    for (const char *p = text.ptr; p && *p;) {
        size_t n = strcspn(p, "\n");
        OK(n <= QUIZ_REPORT_WIDTH);
        p += n + (p[n] != '\0');
    }
    STR_EQ(quiz_report_duration(754321, buf, sizeof buf), "12 min 34 s");
    STR_EQ(quiz_report_duration(3723000, buf, sizeof buf), "1 h 02 min");
    STR_EQ(quiz_report_duration(-5, buf, sizeof buf), "0 s");
    STR_EQ(quiz_report_right_answer(quiz_bank_get_question(bank, 1), buf, sizeof buf),
           "`subprocess.Popen`; `ctypes.dlopen`");
    STR_EQ(quiz_report_right_answer(quiz_bank_get_question(bank, 1), buf, 12), "`subproc...");
    fa_buf_cleanup(&text);
    fa_buf_cleanup(&md);
    free_titles(bank, titles);
    quiz_bank_free(bank);
}

/* Issue 13, section 2: cues that give answers away, on a small bank made to have each (and
 * questions that must not be flagged), against tests/unit/quiz/cues/expected.txt. */
static void test_cues(const char *dir)
{
    struct quiz_bank *bank = NULL;
    struct fa_diag diag = {{0}};
    char *path = fa_xasprintf("%s/cues", dir), *want = NULL, *expected;
    struct fa_buf got;
    size_t len;

    fa_buf_init(&got, 1 << 16);
    INT_EQ(quiz_bank_load(path, NULL, NULL, &bank, &diag), 0);
    if (bank) {
        INT_EQ(quiz_bank_cues(bank, collect, &got), 3);
        expected = fa_xasprintf("%s/expected.txt", path);
        INT_EQ(fa_file_read(expected, 1 << 16, 0, &want, &len, &diag), 0);
        STR_EQ(got.ptr ? got.ptr : "", want ? want : "");
        fa_free(want);
        fa_free(expected);
    }
    quiz_bank_free(bank);
    fa_buf_cleanup(&got);
    fa_free(path);
}

/* Issue 13, section 3: titles are made from cmark's tree, not by hand (which dropped every
 * '_' and '*' and showed code fences), and the Markdown report keeps them as written. */
static void test_titles(const char *dir)
{
    static const struct {
        const char *stem, *title;
    } cases[] = {
        {"Which function adds a C hook, `PySys_AddAuditHook` or *sys.addaudithook*?\n\nMore.",
         "Which function adds a C hook, `PySys_AddAuditHook` or sys.addaudithook?"},
        {"What does fastaudit.audit_perms_x do with\n**two** lines?",
         "What does fastaudit.audit_perms_x do with two lines?"},
        {"```python illustration\n\ndef outer(data):\n    return data\n```\n\nWhat does "
         "`outer` keep?", "What does `outer` keep? (code: def outer(data):)"},
        {"```\n```\n", "(code)"},
        {"Code with a backtick: ``a`b``, and a [link](/wiki/x).", "Code with a backtick: ``a`b``, "
                                                                 "and a link."},
    };
    struct quiz_bank *bank = NULL;
    struct fa_diag diag = {{0}};
    char *path = fa_xasprintf("%s/good", dir), **titles;
    struct quiz_stored_answer answers[] = {
        {.question_id = "a-single", .verdict = QUIZ_INCORRECT, .max_milli = 1000}};
    struct quiz_attempt a = {.learner = "T", .quiz = "all", .answers = answers, .n_answers = 1,
                             .max_milli = 1000};
    struct fa_buf text, md;
    char *html, *saved;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *title = NULL;
        INT_EQ(cnt_markdown_plain_title(cases[i].stem, strlen(cases[i].stem), &title), 0);
        STR_EQ(title, cases[i].title);
        fa_free(title);
    }
    INT_EQ(quiz_bank_load(path, NULL, NULL, &bank, &diag), 0);
    fa_free(path);
    if (!bank)
        return;
    titles = make_titles(bank);
    saved = titles[0];
    titles[0] = (char *)"Is `PySys_AddAuditHook` like a_b_c or *x* | y?";
    fa_buf_init(&text, 1 << 16);
    fa_buf_init(&md, 1 << 16);
    INT_EQ(quiz_report_text(bank, TITLES(titles), &a, "https://course.example/report/1", &text),
           0);
    INT_EQ(quiz_report_markdown(bank, TITLES(titles), &a, "https://course.example/report/1", &md),
           0);
    OK(CONTAINS(text.ptr, "   1. Is `PySys_AddAuditHook` like a_b_c or *x* | y?\n"));
    html = cmark_markdown_to_html(md.ptr, md.len, CMARK_OPT_DEFAULT);
    OK(CONTAINS(html, "Is <code>PySys_AddAuditHook</code> like a_b_c or *x* | y?"));
    free(html); /* cmark's default allocator */
    titles[0] = saved;
    fa_buf_cleanup(&text);
    fa_buf_cleanup(&md);
    free_titles(bank, titles);
    quiz_bank_free(bank);
}

/* A database written by schema version 1 (no stored reports) opens, migrates to the current
 * version and keeps its attempts; one from a newer program is refused. */
static void test_migration(void)
{
    char dir[] = "/tmp/fa-learn-test-migrate-XXXXXX";
    static const char v1[] =
        "CREATE TABLE attempts (id INTEGER PRIMARY KEY, report_id TEXT NOT NULL UNIQUE, learner "
        "TEXT NOT NULL, class_code TEXT NOT NULL, quiz TEXT NOT NULL, started_ms INTEGER NOT "
        "NULL, submitted_ms INTEGER NOT NULL, seed INTEGER NOT NULL, score_milli INTEGER NOT "
        "NULL, max_milli INTEGER NOT NULL, answers TEXT NOT NULL);"
        "INSERT INTO attempts VALUES (1, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'Old', '', 'all', 1, "
        "2, 3, 1000, 2000, 'a-single\t2\t3\t1000\t1000\t\n');"
        "PRAGMA user_version = 1;";
    struct quiz_store *store = NULL;
    struct quiz_attempt *back = NULL, a = {.learner = "New", .quiz = "all"};
    struct fa_diag diag = {{0}};
    sqlite3 *db = NULL;
    char *path, *cleanup;

    if (!mkdtemp(dir)) {
        OK(0);
        return;
    }
    path = fa_xasprintf("%s/fa-learn.db", dir);
    INT_EQ(sqlite3_open(path, &db), SQLITE_OK);
    INT_EQ(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    INT_EQ(quiz_store_open(dir, &store, &diag), 0);
    if (store) {
        INT_EQ(quiz_store_load(store, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &back, &diag), 0);
        if (back) {
            STR_EQ(back->learner, "Old");
            INT_EQ(back->n_answers, 1);
            OK(back->report_text == NULL); /* made again from the bank when shown */
            quiz_attempt_free(back);
            back = NULL;
        }
        a.report_text = "the report";
        a.report_markdown = "the *report*";
        INT_EQ(quiz_store_save(store, &a, &diag), 0);
        INT_EQ(quiz_store_load(store, a.report_id, &back, &diag), 0);
        if (back) {
            STR_EQ(back->report_text, "the report");
            STR_EQ(back->report_markdown, "the *report*");
            quiz_attempt_free(back);
        }
        INT_EQ(quiz_store_save(store, &a, &diag), FA_EDB); /* the same id twice */
        INT_EQ(quiz_store_count(store), 2);
        quiz_store_close(store);
    }
    store = NULL;
    INT_EQ(sqlite3_open(path, &db), SQLITE_OK);
    INT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    INT_EQ(quiz_store_open(dir, &store, &diag), FA_EDB);
    OK(strstr(diag.msg, "newer than this program") != NULL);
    cleanup = fa_xasprintf("rm -rf '%s'", dir);
    OK(system(cleanup) == 0);
    fa_free(cleanup);
    fa_free(path);
}

/* Issue 11: the WAL is checkpointed while the store is open. A few thousand full-size attempts
 * (about 87 answers and both reports each, as the full quiz stores) must leave the WAL
 * bounded, and the database file itself must come to hold every attempt: a copy of it alone,
 * without its WAL, opens with all of them. */
static long file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_wal_bounded(void)
{
    enum { N_ATTEMPTS = 3000, N_ANSWERS = 87 };
    char dir[] = "/tmp/fa-learn-test-wal-XXXXXX", copy[] = "/tmp/fa-learn-test-walcopy-XXXXXX";
    struct quiz_stored_answer *answers = fa_xcalloc(N_ANSWERS, sizeof *answers);
    char *report = fa_xcalloc(3001, 1), *wal, *db, *cmd, *cleanup;
    struct quiz_attempt a = {.learner = "Load Test", .class_code = "WAL-1", .quiz = "all",
                             .started_ms = 1700000000000, .submitted_ms = 1700000600000,
                             .score_milli = 40000, .max_milli = 90000, .answers = answers,
                             .n_answers = N_ANSWERS};
    struct quiz_store *store = NULL, *copied = NULL;
    struct fa_diag diag = {{0}};
    long wal_max = 0, in_copy = -1;
    struct timespec deadline, now;

    if (!mkdtemp(dir) || !mkdtemp(copy)) {
        OK(0);
        return;
    }
    for (int i = 0; i < N_ANSWERS; i++) {
        snprintf(answers[i].question_id, sizeof answers[i].question_id, "question-%02d", i);
        answers[i].verdict = i % 4;
        answers[i].max_milli = 1000;
        answers[i].earned_milli = i % 4 == QUIZ_CORRECT ? 1000 : 0;
        answers[i].chosen = (unsigned)(i % 16);
    }
    memset(report, 'r', 3000);
    a.report_text = a.report_markdown = report;
    wal = fa_xasprintf("%s/fa-learn.db-wal", dir);
    db = fa_xasprintf("%s/fa-learn.db", dir);
    INT_EQ(quiz_store_open(dir, &store, &diag), 0);
    for (int i = 0; store && i < N_ATTEMPTS; i++) {
        long size;
        a.report_id[0] = '\0';
        a.seed = (uint32_t)i;
        if (quiz_store_save(store, &a, &diag) != 0) {
            OK(0);
            break;
        }
        size = file_size(wal);
        wal_max = size > wal_max ? size : wal_max;
    }
    fprintf(stderr, "wal: at most %ld bytes over %d attempts; database file %ld bytes\n",
            wal_max, N_ATTEMPTS, file_size(db));
    /* Unchecked, the WAL holds every page written: about 60 MB here. */
    OK(wal_max > 0 && wal_max < 20L * 1024 * 1024);
    /* The checkpointer runs every half second: within a few seconds the file alone holds
     * all of them. The copy is checked again until then (a copy taken while a checkpoint
     * writes may be torn: it is simply taken again). */
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 20;
    cmd = fa_xasprintf("cp '%s' '%s/fa-learn.db'", db, copy);
    for (;;) {
        if (system(cmd) == 0 && quiz_store_open(copy, &copied, &diag) == 0) {
            in_copy = quiz_store_count(copied);
            quiz_store_close(copied);
            copied = NULL;
            if (in_copy == N_ATTEMPTS)
                break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > deadline.tv_sec)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
    }
    fprintf(stderr, "wal: the database file alone holds %ld attempts\n", in_copy);
    INT_EQ(in_copy, N_ATTEMPTS);
    OK(file_size(db) > 3000L * N_ATTEMPTS); /* two 3 KB reports each, at the least */
    if (store)
        INT_EQ(quiz_store_count(store), N_ATTEMPTS);
    quiz_store_close(store);
    cleanup = fa_xasprintf("rm -rf '%s' '%s'", dir, copy);
    OK(system(cleanup) == 0);
    fa_free(cleanup);
    fa_free(cmd);
    fa_free(db);
    fa_free(wal);
    fa_free(report);
    fa_free(answers);
}

/* Issue 11: a damaged row is that attempt's error (FA_EINVAL naming the field), never a crash
 * or a wrong value for a caller to index with; the other attempts still load. */
static void test_damaged_rows(void)
{
    static const struct {
        const char *set; /* an UPDATE's SET clause, as the sqlite3 CLI would damage a row */
        const char *field;
    } damages[] = {
        {"answers = 'a-single' || char(9) || '2' || char(9) || '7' || char(9) || '1000' || "
         "char(9) || '1000' || char(9) || char(10)", "verdict"},
        {"answers = 'a-single' || char(9) || '2' || char(9) || '-1' || char(9) || '1000' || "
         "char(9) || '1000' || char(9) || char(10)", "verdict"},
        {"answers = 'a-single' || char(9) || '99999999999999999999' || char(9) || '3' || "
         "char(9) || '1000' || char(9) || '1000' || char(9) || char(10)", "options"},
        {"answers = 'a-single' || char(9) || '2' || char(9) || '3' || char(9) || '5000' || "
         "char(9) || '1000' || char(9) || char(10)", "points"},
        {"answers = 'a-single' || char(9) || 'x' || char(9) || char(10)", "options"},
        {"answers = 'no line end'", "answers"},
        {"answers = CAST(answers AS BLOB)", "answers"},
        {"answers = 42", "answers"},
        {"learner = X'4142'", "name"},
        {"learner = ''", "name"},
        {"learner = 'a' || char(10) || 'b'", "name"},
        {"learner = CAST(X'FF' AS TEXT)", "name"},
        {"class_code = X'00'", "class"},
        {"seed = -1", "seed"},
        {"seed = 'x'", "seed"},
        {"score_milli = max_milli + 1", "score"},
        {"started_ms = submitted_ms + 1", "times"},
        {"report_text = X'00'", "report"},
        {"report_markdown = X'4142'", "report"},
    };
    char dir[] = "/tmp/fa-learn-test-damage-XXXXXX";
    struct quiz_stored_answer answers[1] = {
        {.question_id = "a-single", .chosen = 2, .verdict = QUIZ_CORRECT, .earned_milli = 1000,
         .max_milli = 1000}};
    struct quiz_attempt a = {.learner = "Good", .quiz = "all", .started_ms = 1, .submitted_ms = 2,
                             .score_milli = 1000, .max_milli = 1000, .answers = answers,
                             .n_answers = 1, .report_text = "t", .report_markdown = "m"};
    struct quiz_store *store = NULL;
    struct quiz_attempt *back = NULL;
    struct fa_diag diag = {{0}};
    char good_id[QUIZ_REPORT_ID_LEN + 1], *path, *cleanup;
    sqlite3 *db = NULL;

    if (!mkdtemp(dir)) {
        OK(0);
        return;
    }
    path = fa_xasprintf("%s/fa-learn.db", dir);
    INT_EQ(quiz_store_open(dir, &store, &diag), 0);
    if (store)
        INT_EQ(quiz_store_save(store, &a, &diag), 0);
    snprintf(good_id, sizeof good_id, "%s", a.report_id);
    INT_EQ(sqlite3_open(path, &db), SQLITE_OK);
    for (size_t i = 0; store && i < sizeof damages / sizeof damages[0]; i++) {
        char *sql;
        a.report_id[0] = '\0';
        INT_EQ(quiz_store_save(store, &a, &diag), 0);
        INT_EQ(quiz_store_load(store, a.report_id, &back, &diag), 0); /* sound before */
        quiz_attempt_free(back);
        back = NULL;
        sql = fa_xasprintf("UPDATE attempts SET %s WHERE report_id = '%s'", damages[i].set,
                           a.report_id);
        INT_EQ(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        fa_free(sql);
        diag.msg[0] = '\0';
        INT_EQ(quiz_store_load(store, a.report_id, &back, &diag), FA_EINVAL);
        OK(back == NULL);
        if (!CONTAINS(diag.msg, "damaged") || !CONTAINS(diag.msg, damages[i].field))
            fprintf(stderr, "damage %zu (%s): diag \"%s\"\n", i, damages[i].set, diag.msg);
        OK(CONTAINS(diag.msg, "damaged") && CONTAINS(diag.msg, damages[i].field));
        INT_EQ(quiz_store_load(store, good_id, &back, &diag), 0); /* the others: unaffected */
        quiz_attempt_free(back);
        back = NULL;
    }
    sqlite3_close(db);
    quiz_store_close(store);
    cleanup = fa_xasprintf("rm -rf '%s'", dir);
    OK(system(cleanup) == 0);
    fa_free(cleanup);
    fa_free(path);
}

/* Issue 11: the Markdown report carries the learner's name and class code as text. Rendered by
 * cmark-gfm with raw HTML allowed and the autolink extension (what a chat or LMS may do with
 * a pasted report), no markup made from them may appear, and the name still reads as typed.
 * (A bare e-mail address still becomes a mailto link in GFM, whose extension finds it after
 * escapes are undone; its text is the address as typed, so nothing is hidden.) */
static void test_markdown_escaping(const char *dir)
{
    static const char *const hostile[] = {
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "[click](https://evil.example/)",
        "![pic](https://evil.example/x.png)",
        "**bold** _it_ `code` ~~gone~~",
        "https://evil.example/ www.evil.example http://x.example",
        "&lt;b&gt; &amp; \\<b>",
        "<https://evil.example>",
        "| a | b |",
    };
    struct quiz_bank *bank = NULL;
    struct fa_diag diag = {{0}};
    char *path = fa_xasprintf("%s/good", dir), **titles;
    struct quiz_stored_answer answers[1] = {
        {.question_id = "a-single", .chosen = 2, .verdict = QUIZ_CORRECT, .earned_milli = 1000,
         .max_milli = 1000}};

    INT_EQ(quiz_bank_load(path, NULL, NULL, &bank, &diag), 0);
    fa_free(path);
    if (!bank)
        return;
    titles = make_titles(bank);
    cmark_gfm_core_extensions_ensure_registered();
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        struct quiz_attempt a = {.quiz = "all", .answers = answers, .n_answers = 1,
                                 .score_milli = 1000, .max_milli = 1000};
        cmark_parser *parser = cmark_parser_new(CMARK_OPT_UNSAFE);
        const char *exts[] = {"autolink", "strikethrough", "table"};
        cmark_node *doc;
        char *html;
        struct fa_buf md;

        snprintf(a.learner, sizeof a.learner, "%s", hostile[i]);
        snprintf(a.class_code, sizeof a.class_code, "%s", hostile[i]);
        fa_buf_init(&md, 1 << 16);
        INT_EQ(quiz_report_markdown(bank, TITLES(titles), &a, "https://course.example/report/1",
                                    &md), 0);
        for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++)
            cmark_parser_attach_syntax_extension(parser, cmark_find_syntax_extension(exts[k]));
        cmark_parser_feed(parser, md.ptr, md.len);
        doc = cmark_parser_finish(parser);
        html = cmark_render_html(doc, CMARK_OPT_UNSAFE, cmark_parser_get_syntax_extensions(parser));
        /* The only link is the report's own; nothing else becomes markup. */
        {
            const char *first = strstr(html, "<a "), *last = first;
            while (last && strstr(last + 1, "<a "))
                last = strstr(last + 1, "<a ");
            OK(first && first == last && CONTAINS(first, "https://course.example/report/1"));
        }
        if (CONTAINS(html, "<img") || CONTAINS(html, "<script") || CONTAINS(html, "<em>") ||
            CONTAINS(html, "<strong>Learner") == 0 || CONTAINS(html, "<code>") ||
            CONTAINS(html, "<del>") || CONTAINS(html, "<b>") || CONTAINS(html, "evil.example\">"))
            fprintf(stderr, "name %s made markup:\n%s\n", hostile[i], html);
        OK(!CONTAINS(html, "<img") && !CONTAINS(html, "<script") && !CONTAINS(html, "<em>") &&
           !CONTAINS(html, "<code>") && !CONTAINS(html, "<del>") && !CONTAINS(html, "<b>") &&
           !CONTAINS(html, "evil.example\">"));
        /* Two table rows of the report's own (the header, and the one topic), no more. */
        OK(!CONTAINS(html, "<td>b</td>"));
        cmark_node_free(doc);
        cmark_parser_free(parser);
        free(html); /* cmark's default allocator */
        fa_buf_cleanup(&md);
    }
    {
        /* Names with punctuation still read as typed once rendered. */
        struct quiz_attempt a = {.learner = "Zoë O'Neil-Smith, Jr. (2nd) <3", .quiz = "all",
                                 .answers = answers, .n_answers = 1, .max_milli = 1000};
        struct fa_buf md;
        char *html;
        fa_buf_init(&md, 1 << 16);
        INT_EQ(quiz_report_markdown(bank, TITLES(titles), &a, "https://course.example/report/1",
                                    &md), 0);
        html = cmark_markdown_to_html(md.ptr, md.len, CMARK_OPT_UNSAFE);
        OK(CONTAINS(html, "Zoë O'Neil-Smith, Jr. (2nd) &lt;3"));
        free(html);
        fa_buf_cleanup(&md);
    }
    free_titles(bank, titles);
    quiz_bank_free(bank);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/unit/quiz";

    test_good(dir);
    test_bad(dir);
    test_missing_folder();
    test_score();
    test_outcomes();
    test_tokens();
    test_shown_values();
    test_store();
    test_report(dir);
    test_titles(dir);
    test_cues(dir);
    test_migration();
    test_damaged_rows();
    test_markdown_escaping(dir);
    test_wal_bounded();
    return harness_exit();
}
