/* quiz_score.h: marking one answer (the rules are in quiz/README.md, "Types and their
 * answers"). Pure functions: no state, any thread. */
#ifndef FA_QUIZ_QUIZ_SCORE_H
#define FA_QUIZ_QUIZ_SCORE_H

#include "quiz/quiz_bank.h"

#include <stdbool.h>
#include <stdint.h>

enum quiz_verdict { QUIZ_UNANSWERED, QUIZ_INCORRECT, QUIZ_PARTIAL, QUIZ_CORRECT };

/* A learner's answer to one question. */
struct quiz_answer {
    unsigned chosen;  /* bit i set: option i chosen (every type with options) */
    const char *text; /* a short answer; NULL when none */
};

struct quiz_mark {
    enum quiz_verdict verdict;
    int earned_milli; /* points earned, in thousandths (partial credit of multiple) */
};

/* Marks a against q. No option chosen (or no text, or only white space) is unanswered and
 * earns nothing. single, truefalse and predict: the checked option alone is correct, more
 * than one chosen is incorrect. multiple: +1 per right option chosen, -1 per wrong one,
 * points * max(0, sum) / right options; partial between nothing and full marks. short: one of
 * the accepted answers (quiz_short_matches). */
struct quiz_mark quiz_score(const struct quiz_question *q, const struct quiz_answer *a);

/* Whether given matches accepted: equal after trimming both ends, collapsing runs of white
 * space to one space and folding ASCII case. */
bool quiz_short_matches(const char *given, const char *accepted);

/* The order q's options are shown in for an attempt with this seed: order[k] is the index
 * (in the file) of the option shown k-th. A shuffle drawn from seed and the question's id,
 * so the review of a stored attempt shows the same order; True/False keep their order. */
void quiz_option_order(const struct quiz_question *q, uint32_t seed,
                       unsigned char order[QUIZ_MAX_OPTIONS]);

/* Options chosen as shown (bit k: the k-th option on the page of an attempt with this seed)
 * as options of the bank (bit i: option i of the file), through quiz_option_order: pages and
 * the API number options as shown, so that a value says nothing about the key (issue 13);
 * marks and stored attempts use the bank's numbers. Bits past q's options are dropped. */
unsigned quiz_chosen_from_shown(const struct quiz_question *q, uint32_t seed, unsigned shown);

/* "correct", "partial", "incorrect", "unanswered". */
const char *quiz_verdict_name(enum quiz_verdict v);

#endif
