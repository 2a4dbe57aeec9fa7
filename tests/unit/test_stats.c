/* test_stats.c: the dashboard's numbers (quiz/quiz_stats.h) on a small class whose facility,
 * discrimination, distribution and summary were worked out by hand (the sums are in the
 * comments), plus the edges: undefined correlations, damaged marks, rounding. */
#include "quiz/quiz_stats.h"

#include "harness.h"

#include <math.h>

#define NEAR(got, want) OK(fabs((got) - (want)) < 1e-6)

/* Four learners, three one-point questions, every question given to everyone:
 *          q0 q1 q2  total
 *   A       1  1  0   2/3
 *   B       1  0  0   1/3
 *   C       0  1  1   2/3
 *   D       0  0  0   0/3 */
static const struct quiz_stats_mark A[] = {{0, 1000, 1000, 1}, {1, 1000, 1000, 2}, {2, 0, 1000, 1}};
static const struct quiz_stats_mark B[] = {{0, 1000, 1000, 1}, {1, 0, 1000, 1}, {2, 0, 1000, 0}};
static const struct quiz_stats_mark C[] = {{0, 0, 1000, 2}, {1, 1000, 1000, 2}, {2, 1000, 1000, 4}};
static const struct quiz_stats_mark D[] = {{0, 0, 1000, 4}, {1, 0, 1000, 0}, {2, 0, 1000, 2}};
static const struct quiz_stats_attempt CLASS[] = {
    {2000, 3000, A, 3}, {1000, 3000, B, 3}, {2000, 3000, C, 3}, {0, 3000, D, 3}};

static void test_items(void)
{
    struct quiz_item_stats s[3];
    quiz_stats_items(CLASS, 4, 3, s);
    INT_EQ(s[0].n_attempts, 4);
    NEAR(s[0].facility, 0.5);
    NEAR(s[1].facility, 0.5);
    NEAR(s[2].facility, 0.25);
    /* q0: x = (1,1,0,0), rest y = (1/2, 0, 1, 0). Deviations from the means (1/2, 3/8):
     * sum dx*dy = -1/4, sum dx^2 = 1, sum dy^2 = 11/16, r = -1/4 / sqrt(11/16). */
    NEAR(s[0].discrimination, -0.25 / sqrt(11.0 / 16));
    /* q1: x = (1,0,1,0), y = (1/2, 1/2, 1/2, 0): sum dx*dy = 1/4, sum dy^2 = 3/16. */
    NEAR(s[1].discrimination, 0.25 / sqrt(3.0 / 16));
    /* q2: x = (0,0,1,0), y = (1, 1/2, 1/2, 0): the deviations cancel, r = 0. */
    NEAR(s[2].discrimination, 0.0);
    /* Options: q0 had option 0 chosen twice, option 1 twice, option 2 once... per the marks. */
    INT_EQ(s[0].option_counts[0], 2);
    INT_EQ(s[0].option_counts[1], 1);
    INT_EQ(s[0].option_counts[2], 1);
    INT_EQ(s[0].n_unanswered, 0);
    INT_EQ(s[1].option_counts[0], 1);
    INT_EQ(s[1].option_counts[1], 2);
    INT_EQ(s[1].n_unanswered, 1);
    INT_EQ(s[2].option_counts[0], 1);
    INT_EQ(s[2].option_counts[1], 1);
    INT_EQ(s[2].option_counts[2], 1);
    INT_EQ(s[2].n_unanswered, 1);
}

static void test_undefined(void)
{
    struct quiz_item_stats s[2];
    /* No attempt: no facility, no discrimination. */
    quiz_stats_items(CLASS, 0, 2, s);
    INT_EQ(s[0].n_attempts, 0);
    OK(isnan(s[0].facility) && isnan(s[0].discrimination));

    /* Everyone right on q0: its marks do not vary, so nothing correlates with them. */
    static const struct quiz_stats_mark e1[] = {{0, 1000, 1000, 1}, {1, 0, 1000, 1}};
    static const struct quiz_stats_mark e2[] = {{0, 1000, 1000, 1}, {1, 1000, 1000, 2}};
    static const struct quiz_stats_attempt same[] = {{1000, 2000, e1, 2}, {2000, 2000, e2, 2}};
    quiz_stats_items(same, 2, 2, s);
    NEAR(s[0].facility, 1.0);
    OK(isnan(s[0].discrimination));

    /* A one-question quiz has no rest to correlate with; one attempt is not a correlation. */
    static const struct quiz_stats_mark only[] = {{0, 1000, 1000, 1}};
    static const struct quiz_stats_mark other[] = {{0, 0, 1000, 2}};
    static const struct quiz_stats_attempt single[] = {{1000, 1000, only, 1}, {0, 1000, other, 1}};
    quiz_stats_items(single, 2, 1, s);
    NEAR(s[0].facility, 0.5);
    OK(isnan(s[0].discrimination));
    quiz_stats_items(CLASS, 1, 2, s);
    OK(isnan(s[0].discrimination));
}

static void test_damaged_marks(void)
{
    /* A question index past the list and a mark worth nothing are skipped, not trusted;
     * a negative earned mark counts as zero. */
    static const struct quiz_stats_mark m[] = {
        {7, 1000, 1000, 1}, {0, 500, 0, 1}, {0, -300, 1000, 1}, {1, 2000, 2000, 8}};
    static const struct quiz_stats_attempt a[] = {{2000, 3000, m, 4}};
    struct quiz_item_stats s[2];
    quiz_stats_items(a, 1, 2, s);
    INT_EQ(s[0].n_attempts, 1);
    NEAR(s[0].facility, 0.0);
    NEAR(s[1].facility, 1.0);
    INT_EQ(s[1].option_counts[3], 1);
}

static void test_distribution(void)
{
    INT_EQ(quiz_stats_percent(1000, 8000), 13); /* 12.5 rounds half up, as the report does */
    INT_EQ(quiz_stats_percent(2000, 3000), 67);
    INT_EQ(quiz_stats_percent(-5, 3000), 0);
    INT_EQ(quiz_stats_percent(5, 0), 0);

    unsigned long bins[QUIZ_STATS_BINS];
    quiz_stats_histogram(CLASS, 4, bins);
    INT_EQ(bins[0], 1); /* D: 0% */
    INT_EQ(bins[3], 1); /* B: 33% */
    INT_EQ(bins[6], 2); /* A and C: 67% */
    static const struct quiz_stats_attempt edges[] = {
        {3000, 3000, NULL, 0}, {995, 1000, NULL, 0}, {94, 1000, NULL, 0}, {1, 0, NULL, 0}};
    quiz_stats_histogram(edges, 4, bins);
    INT_EQ(bins[9], 2); /* 100%, and 99.5% which the reports show as 100% */
    INT_EQ(bins[0], 1); /* 9.4% shows as 9% */
    unsigned long total = 0;
    for (int i = 0; i < QUIZ_STATS_BINS; i++)
        total += bins[i];
    INT_EQ(total, 3); /* the attempt worth nothing is left out */
}

static void test_summary(void)
{
    double scratch[4];
    struct quiz_stats_summary s;
    quiz_stats_summarise(CLASS, 4, scratch, &s);
    INT_EQ(s.n, 4);
    /* Scores 200/3, 100/3, 200/3, 0: mean 125/3, median (100/3 + 200/3) / 2 = 50, population
     * variance (75^2 + 25^2 + 75^2 + 125^2) / 9 / 4 = 27500 / 36. */
    NEAR(s.mean, 125.0 / 3);
    NEAR(s.median, 50.0);
    NEAR(s.stddev, sqrt(27500.0 / 36));
    quiz_stats_summarise(CLASS, 3, scratch, &s);
    NEAR(s.median, 100.0 / 3 * 2);
    quiz_stats_summarise(CLASS, 0, scratch, &s);
    INT_EQ(s.n, 0);
    NEAR(s.mean, 0.0);
}

int main(void)
{
    test_items();
    test_undefined();
    test_damaged_marks();
    test_distribution();
    test_summary();
    return harness_exit();
}
