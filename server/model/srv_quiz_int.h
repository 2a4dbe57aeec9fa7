/* srv_quiz_int.h: what the quiz's files share (srv_quiz_model.c: the model and the questions
 * of a quiz; srv_quiz_view.c and srv_quiz_result_view.c: the pages; srv_quiz_submit.c: a
 * submission's checks, marking and storing; srv_quiz.c and srv_quiz_api.c: the handlers).
 * Private to them. */
#ifndef FA_SERVER_MODEL_SRV_QUIZ_INT_H
#define FA_SERVER_MODEL_SRV_QUIZ_INT_H

#include "quiz/quiz_bank.h"
#include "quiz/quiz_classes.h"
#include "quiz/quiz_store.h"
#include "quiz/quiz_token.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A question rendered once: HTML for the stem, each option and the explanation (trusted:
 * made by the Markdown renderer). */
struct rendered {
    char *stem, *explanation;
    char *options[QUIZ_MAX_OPTIONS];
};

struct srv_quiz {
    struct quiz_bank *bank;
    struct rendered *questions;
    /* One plain-text title per question, for the reports (cnt_markdown_plain_title). */
    char **titles;
    char **wiki_labels; /* per question: "Page › Section" of its wiki link */
};

/* The questions an attempt is given: its quiz's, and of those the ones its class's pool
 * draws with its seed (quiz_pool.h; pool_size 0: all). */
struct srv_quiz_draw {
    uint32_t seed;
    int pool_size;
};

/* Whether q is in the quiz of topic (an index, or -1 for the full quiz). */
bool srv_quiz_has(const struct quiz_question *q, long topic);
/* Whether question i of bank is in the attempt of topic drawn by d (NULL: no pool). */
bool srv_quiz_in_attempt(const struct quiz_bank *bank, size_t i, long topic,
                         const struct srv_quiz_draw *d);
/* The number of questions of that attempt, and their points in *points. */
size_t srv_quiz_size(const struct quiz_bank *bank, long topic, const struct srv_quiz_draw *d,
                     int *points);
/* "all" or a topic slug (len bytes, untrusted): -1 for all, the topic's index, or -2. */
long srv_quiz_find(const struct quiz_bank *bank, const char *name, size_t len);
/* The name a quiz has in its tokens and forms: its topic's slug, or "all". */
const char *srv_quiz_slug(const struct quiz_bank *bank, long topic);
/* Its title: the topic's, or "The full quiz". */
const char *srv_quiz_title(const struct quiz_bank *bank, long topic);

/* What a learner sent, from the form or from JSON, before marking; also what a quiz page
 * that answers a refused form fills in again. */
struct submission {
    char name[QUIZ_MAX_NAME + 1], class_code[QUIZ_MAX_CLASS + 1];
    long topic;
    /* The attempt token as sent ("" when none); seed and started_ms are the token's once it
     * checked out (srv_quiz_take_attempt). */
    char attempt[QUIZ_TOKEN_MAX];
    bool has_attempt;
    uint32_t seed;
    int64_t started_ms;
    /* The class class_code names, looked up once (srv_quiz_rules_class): its rules judge the
     * submission and its pool decides which questions are marked. */
    int class_rc;
    struct quiz_class cls;
    /* One per question of the bank (only the quiz's count): what was chosen or typed. The
     * options chosen are numbered as shown while the form is read, then as in the bank
     * (srv_quiz_take_attempt maps them through the attempt's seed). */
    unsigned *chosen;
    char **text;
    bool *seen;
};

/* What a quiz page shows around its questions when it answers a refused form: the values
 * the learner sent (as sent, escaped when shown) and what is wrong, next to its field. */
struct refusal {
    const struct submission *filled;
    const char *name, *class_code; /* raw values, "" when none */
    const char *name_problem, *class_problem;
    const char *attempt_problem; /* the attempt token's, or NULL */
};

#endif
