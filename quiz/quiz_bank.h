/* quiz_bank.h: the question bank, loaded from quiz/topics.md and quiz/questions/NAME.md (the
 * format is documented for authors in quiz/README.md).
 *
 * Loading validates everything that can be checked without the wiki and the sandbox: front
 * matter, types, options and their marks, accepted answers, the explanation, duplicate ids,
 * unknown topics, topics with fewer than three questions. Each problem is one
 * "file:line: what is wrong" line; the loader reports them all, not only the first. The
 * wiki links (question->wiki) are checked by the caller against the loaded wiki, and the
 * predict snippets by tests/quiz/check_predict.py against the real sandbox.
 *
 * Markdown (stems, options, explanations) is kept as written; the server renders it. A
 * loaded bank is immutable and may be read from any thread. */
#ifndef FA_QUIZ_QUIZ_BANK_H
#define FA_QUIZ_QUIZ_BANK_H

#include "common/fa_err.h"

#include <stddef.h>

#define QUIZ_MAX_QUESTIONS 500
#define QUIZ_MAX_OPTIONS 8
#define QUIZ_MAX_FILE_BYTES (16 * 1024)
#define QUIZ_MIN_PER_TOPIC 3

enum quiz_type { QUIZ_SINGLE, QUIZ_MULTIPLE, QUIZ_TRUEFALSE, QUIZ_SHORT, QUIZ_PREDICT };
#define QUIZ_N_TYPES 5
/* The most topics a bank may have (topics.md). */
#define QUIZ_MAX_TOPICS 64

/* A question type's name as the bank's files and the JSON API write it ("single",
 * "multiple", "truefalse", "short", "predict"): the one table of them. */
const char *quiz_type_name(enum quiz_type type);

struct quiz_topic {
    const char *slug;  /* "audit-hooks" */
    const char *title; /* "Audit events and hooks" */
};

struct quiz_option {
    const char *text; /* Markdown as written; for predict, the outcome code ("denied open") */
    int correct;      /* 1 when checked in the file */
};

struct quiz_question {
    const char *id;
    const char *file; /* "questions/hook-receives.md", for messages */
    size_t topic;     /* index into the bank's topics */
    enum quiz_type type;
    int points;          /* 1-10 */
    const char *wiki;    /* "/wiki/<slug>#<id>" */
    int wiki_line;       /* the line of the wiki key, for messages about the link */
    const char *difficulty; /* "easy", "medium", "hard" or "" */
    const char *stem;        /* Markdown */
    const char *explanation; /* Markdown, without its "## Explanation" heading */
    const struct quiz_option *options; /* n_options of them; none for short */
    size_t n_options;
    const char *const *answers; /* short: the accepted answers, as written */
    size_t n_answers;
    const char *snippet; /* predict: the code of the stem's pyrun block */
};

struct quiz_bank;

/* Reports one problem while loading (file relative to the quiz folder). */
typedef void quiz_bank_report_fn(void *cls, const char *file, int line, const char *what);

/* Loads QUIZ_DIR/topics.md and every QUIZ_DIR/questions/NAME.md (in the byte order of the file
 * names; hidden names and other extensions are ignored). Every problem goes to report (may
 * be NULL) and is counted; with any problem the load fails with FA_EINVAL (FA_EIO when a
 * file cannot be read), and diag holds the first one. On success *out owns the bank. */
int quiz_bank_load(const char *quiz_dir, quiz_bank_report_fn *report, void *cls,
                   struct quiz_bank **out, struct fa_diag *diag);
void quiz_bank_free(struct quiz_bank *bank);

/* Borrowed, valid until quiz_bank_free. Topics in the order of topics.md; questions in the
 * order of their files. */
size_t quiz_bank_n_topics(const struct quiz_bank *bank);
const struct quiz_topic *quiz_bank_get_topic(const struct quiz_bank *bank, size_t i);
size_t quiz_bank_n_questions(const struct quiz_bank *bank);
const struct quiz_question *quiz_bank_get_question(const struct quiz_bank *bank, size_t i);
/* The index of the question with this id, or -1. */
long quiz_bank_find(const struct quiz_bank *bank, const char *id);
/* The index of the topic with this slug (len bytes, untrusted), or -1. */
long quiz_bank_find_topic(const struct quiz_bank *bank, const char *slug, size_t len);

/* The words a predict option's code stands for ("denied open" -> "Denied by FastAudit at the
 * event `open`"), as Markdown; NULL when code is not an outcome code. Thread-safe; the
 * result is written into buf (len bytes). */
const char *quiz_outcome_words(const char *code, char *buf, size_t len);

#endif
