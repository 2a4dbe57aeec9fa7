/* quiz_results.h: a class's attempts gathered for the instructor: one row per attempt (who,
 * which quiz, when, the score and the score per topic) and the statistics of the questions
 * they were given (quiz_stats.h), from one walk over the store. The `fa-learn stats`
 * command renders it; the instructor's dashboard and exports render the same gathering.
 *
 * Questions are matched to the bank by id: a stored answer to a question the bank no longer
 * has still counts in its attempt's score but has no statistics row. */
#ifndef FA_QUIZ_QUIZ_RESULTS_H
#define FA_QUIZ_QUIZ_RESULTS_H

#include "common/fa_err.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_stats.h"
#include "quiz/quiz_store.h"

#include <stddef.h>
#include <stdint.h>

/* One attempt, as a row of the export. */
struct quiz_results_row {
    char report_id[QUIZ_REPORT_ID_LEN + 1];
    char learner[QUIZ_MAX_NAME + 1];
    char class_code[QUIZ_MAX_CLASS + 1];
    char quiz[65];
    int64_t started_ms, submitted_ms;
    int score_milli, max_milli;
    /* Per topic of the bank (quiz_bank_n_topics entries): marks earned and available; a
     * topic the attempt was not asked about has max 0. */
    int *topic_earned_milli, *topic_max_milli;
};

struct quiz_results {
    struct quiz_results_row *rows; /* in the order of submission */
    size_t n_rows;
    size_t n_damaged; /* rows of the store skipped as damaged */
    size_t n_topics;
    /* Per question of the bank (quiz_bank_n_questions entries, in its order). */
    struct quiz_item_stats *items;
    size_t n_items;
    unsigned long histogram[QUIZ_STATS_BINS];
    struct quiz_stats_summary summary;
    /* What the statistics were computed from; kept for the lifetime of the gathering. */
    struct quiz_stats_attempt *stats_attempts;
    struct quiz_stats_mark *marks;
};

/* Gathers the attempts f lets through (NULL: all) against bank. FA_EDB from the store (with
 * diag); on success *out owns everything (quiz_results_free). */
int quiz_results_gather(struct quiz_store *store, const struct quiz_bank *bank,
                        const struct quiz_store_filter *f, struct quiz_results **out,
                        struct fa_diag *diag);
void quiz_results_free(struct quiz_results *c);

#endif
