/* srv_quiz_rules.h: the quiz settings of a learner's class (quiz/quiz_classes.h), applied to
 * quiz attempts: when a submission is taken (open or closed, the open and close times, the
 * attempts allowed, the time limit counted from the attempt token's signed start), and what
 * a result shows (everything, or the score only until the quiz closes, or always). An
 * attempt whose class code no class has, or none, is "no class": everything allowed and
 * shown. */
#ifndef FA_SERVER_MODEL_SRV_QUIZ_RULES_H
#define FA_SERVER_MODEL_SRV_QUIZ_RULES_H

#include "quiz/quiz_classes.h"
#include "quiz/quiz_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How late a submission may come past the time limit: the network and a slow press. */
#define SRV_QUIZ_LATE_GRACE_MS (60 * 1000)

/* The class code names (may be NULL or ""), into c: FA_OK, FA_ENOTFOUND (no such class, or
 * none: "no class", no rules), or a store error (logged). One lookup per submission: its
 * result goes to srv_quiz_rules_refusal and to the marking (the pool). */
int srv_quiz_rules_class(struct quiz_store *store, const char *code, struct quiz_class *c);

/* Why the class's settings refuse this submission, as a sentence for the learner written
 * into why (cap bytes), or NULL when they allow it. class_rc and c are what
 * srv_quiz_rules_class gave; started_ms is the signed start of the attempt. A store that
 * cannot be read refuses (the attempt could not be saved either). */
const char *srv_quiz_rules_refusal(struct quiz_store *store, int class_rc,
                                   const struct quiz_class *c, const char *learner,
                                   const char *quiz, int64_t started_ms, int64_t now_ms,
                                   char *why, size_t cap);

/* The settings of c in one sentence for the learner ("Class LAB-1: ..."), into out. */
void srv_quiz_rules_describe(const struct quiz_class *c, char *out, size_t cap);

/* Whether a result of class_code may show its answers, right answers and explanations now;
 * when not, a sentence saying when (or that it never will) is written into why. */
bool srv_quiz_rules_reveal(struct quiz_store *store, const char *class_code, int64_t now_ms,
                           char *why, size_t cap);

#endif
