/* quiz_stats.h: the numbers of an instructor's dashboard, computed from marked attempts: the
 * score distribution, and per question its facility, its discrimination and how often each
 * option was chosen. The definitions follow Moodle's quiz statistics report, so instructors
 * read them as they already know them.
 *
 * Pure functions over arrays the caller fills (from the store): no SQL, no allocation, no
 * state; any thread. Marks are in thousandths of a point, as everywhere in quiz/. */
#ifndef FA_QUIZ_QUIZ_STATS_H
#define FA_QUIZ_QUIZ_STATS_H

#include "quiz/quiz_bank.h"

#include <stddef.h>

/* One question of one attempt, as marked. */
struct quiz_stats_mark {
    size_t question;             /* index into the caller's list of questions */
    int earned_milli, max_milli; /* what it earned out of what it could */
    unsigned chosen;             /* options chosen (bit i: option i in the bank's order) */
};

/* One attempt: its total and its marks (the questions it was given, answered or not). */
struct quiz_stats_attempt {
    int score_milli, max_milli;
    const struct quiz_stats_mark *marks;
    size_t n_marks;
};

struct quiz_item_stats {
    size_t n_attempts; /* attempts that were given the question */
    /* Facility: the mean share of the question's marks obtained, from 0 to 1. NAN when no
     * attempt was given the question. */
    double facility;
    /* Discrimination: Pearson's correlation, over the attempts given the question, between
     * the share of its marks obtained and the share of the marks obtained on the rest of the
     * attempt (its total without this question), from -1 to 1. Near 1: those who did well
     * elsewhere got it right; near 0 or below: the question does not tell strong from weak.
     * NAN when it is undefined: fewer than two attempts, everyone scored the same on the
     * question or on the rest, or the attempt has no other question. */
    double discrimination;
    unsigned long option_counts[QUIZ_MAX_OPTIONS]; /* attempts that chose option i */
    unsigned long n_unanswered;                    /* attempts that chose nothing */
};

/* Fills out[0 .. n_questions-1] from n attempts. Marks naming a question index at or past
 * n_questions, or with a max_milli not above zero, are ignored (a bank that changed under
 * stored attempts must not break the dashboard). */
void quiz_stats_items(const struct quiz_stats_attempt *attempts, size_t n, size_t n_questions,
                      struct quiz_item_stats *out);

/* The score distribution in QUIZ_STATS_BINS bins of ten percentage points: bin i counts the
 * attempts whose score, as a whole percentage rounded as the reports round it
 * (quiz_stats_percent), is in [10i, 10i + 10); 100% goes into the last bin. Attempts with a
 * max_milli not above zero are left out. */
#define QUIZ_STATS_BINS 10
void quiz_stats_histogram(const struct quiz_stats_attempt *attempts, size_t n,
                          unsigned long bins[QUIZ_STATS_BINS]);

/* Mean, median and standard deviation (population) of the attempts' scores, in percent, and
 * how many attempts they cover. All zero when there is none. */
struct quiz_stats_summary {
    size_t n;
    double mean, median, stddev;
};
/* scratch holds n doubles (the median sorts a copy of the scores). */
void quiz_stats_summarise(const struct quiz_stats_attempt *attempts, size_t n, double *scratch,
                          struct quiz_stats_summary *out);

/* A score as a whole percentage, rounded half up: the one rounding rule of every report and
 * chart. 0 when max_milli is not above zero. */
int quiz_stats_percent(long long score_milli, long long max_milli);

#endif
