/* fuzz_quiz_bank.c: the question bank's parser and checks (quiz/quiz_bank.h). The bank only
 * loads from a folder, so each input is written to a private temporary one and loaded from
 * there, through the same file reading the server uses.
 *
 * An input is up to four files separated by lines "%%": questions/a.md, b.md and c.md, then
 * topics.md; without a fourth part topics.md is the real one of quiz/. Seeds are real
 * question files, and a whole small bank that loads (fuzz/corpus/quiz_bank/). A bank that
 * loads is walked through its public accessors, with the invariants the server relies on. */
#include "quiz/quiz_bank.h"

#include "common/fa_file.h"
#include "common/fa_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_PARTS 4

static const char *const part_names[N_PARTS] = {"questions/a.md", "questions/b.md",
                                                "questions/c.md", "topics.md"};
static char *dir;           /* the temporary quiz folder */
static char *real_topics;   /* quiz/topics.md of the checkout */
static size_t real_topics_len;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_quiz_bank: %s: %s\n", what, strerror(errno));
    abort();
}

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_quiz_bank: %s\n", what);
        abort();
    }
}

static void remove_dir(void)
{
    for (size_t i = 0; i < N_PARTS; i++) {
        char *path = fa_xasprintf("%s/%s", dir, part_names[i]);
        (void)unlink(path);
        fa_free(path);
    }
    {
        char *questions = fa_xasprintf("%s/questions", dir);
        (void)rmdir(questions);
        fa_free(questions);
    }
    (void)rmdir(dir);
}

static void setup_once(void)
{
    struct fa_diag diag = {{0}};
    const char *tmp = getenv("TMPDIR");
    char *questions;

    if (dir)
        return;
    if (fa_file_read(FA_SOURCE_DIR "/quiz/topics.md", 1 << 20, 0, &real_topics,
                     &real_topics_len, &diag)) {
        fprintf(stderr, "fuzz_quiz_bank: %s\n", diag.msg);
        abort();
    }
    dir = fa_xasprintf("%s/fuzz-quiz-bank-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir))
        die("mkdtemp");
    questions = fa_xasprintf("%s/questions", dir);
    if (mkdir(questions, 0700))
        die("mkdir");
    fa_free(questions);
    /* libFuzzer ends a bounded run with exit(), so the folder goes; a crash leaves it, in
     * TMPDIR (`make fuzz` points that into the build folder). */
    atexit(remove_dir);
}

/* What each part's file holds now (NULL: no file), so that an unchanged file (most often
 * the real topics.md) is not written again. */
static char *written[N_PARTS];
static size_t written_len[N_PARTS];

/* Writes len bytes as dir/name, or removes it when text is NULL. */
static void put_file(size_t part, const char *text, size_t len)
{
    char *path;
    int fd;

    if (text ? written[part] && written_len[part] == len && memcmp(written[part], text, len) == 0
             : !written[part])
        return;
    fa_free(written[part]);
    written[part] = text ? fa_xmalloc(len ? len : 1) : NULL; /* bytes, NULs included */
    if (text && len)
        memcpy(written[part], text, len);
    written_len[part] = len;
    path = fa_xasprintf("%s/%s", dir, part_names[part]);

    /* Removed and made anew, never truncated: ext4 flushes a file truncated and rewritten
     * to disk on close (auto_da_alloc), which made each run 20 times slower. */
    if (unlink(path) && errno != ENOENT)
        die("unlink");
    if (!text) {
        fa_free(path);
        return;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        die("open");
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0)
            die("write");
        done += (size_t)n;
    }
    close(fd);
    fa_free(path);
}

static void walk(const struct quiz_bank *bank)
{
    size_t n_topics = quiz_bank_n_topics(bank);
    char words[256];

    check(n_topics >= 1, "a bank without topics");
    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, i);

        check(q->topic < n_topics, "a question's topic out of range");
        check(q->points >= 1 && q->points <= 10, "points out of range");
        check(q->n_options <= QUIZ_MAX_OPTIONS, "too many options");
        check(quiz_bank_find(bank, q->id) == (long)i, "the index does not find a question");
        check((q->type == QUIZ_SHORT) == (q->n_options == 0), "options and type disagree");
        check(q->type != QUIZ_PREDICT || q->snippet, "a predict question without a snippet");
        for (size_t k = 0; k < q->n_options; k++)
            if (q->type == QUIZ_PREDICT)
                (void)quiz_outcome_words(q->options[k].text, words, sizeof words);
        for (size_t k = 0; k < q->n_answers; k++)
            check(q->answers[k] != NULL, "a NULL accepted answer");
    }
    check(quiz_bank_find(bank, "no-such-question-id") == -1, "a made-up id is found");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    const char *start[N_PARTS] = {0};
    size_t len[N_PARTS] = {0};
    struct quiz_bank *bank = NULL;
    struct fa_diag diag = {{0}};

    setup_once();
    for (size_t i = 0; i < N_PARTS && p; i++) {
        const char *cut = NULL;

        for (const char *s = p; end - s >= 3; s++)
            if ((s == p || s[-1] == '\n') && memcmp(s, "%%\n", 3) == 0) {
                cut = s;
                break;
            }
        start[i] = p;
        len[i] = (size_t)((cut ? cut : end) - p);
        p = cut ? cut + 3 : NULL; /* NULL: this was the last part */
    }
    if (!start[3]) {
        start[3] = real_topics;
        len[3] = real_topics_len;
    }
    for (size_t i = 0; i < N_PARTS; i++)
        put_file(i, start[i], len[i]);
    if (quiz_bank_load(dir, NULL, NULL, &bank, &diag) == FA_OK) {
        walk(bank);
        quiz_bank_free(bank);
    } else {
        check(diag.msg[0] != '\0', "a failed load without a diagnostic");
    }
    return 0;
}
