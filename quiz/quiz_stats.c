/* quiz_stats.c: the dashboard's numbers (quiz_stats.h). */
#include "quiz/quiz_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int quiz_stats_percent(long long score_milli, long long max_milli)
{
    if (max_milli <= 0)
        return 0;
    if (score_milli < 0)
        score_milli = 0;
    return (int)((score_milli * 100 + max_milli / 2) / max_milli);
}

/* The running sums of one question's correlation: x is the share of the question's marks,
 * y the share of the rest's. One pass over the attempts; the shares lie in [0, 1], so the
 * sums of 10^5 attempts lose nothing that matters to two decimals. */
struct item_sums {
    double n, x, y, xx, yy, xy; /* pairs counted and their sums */
    double share;               /* the sum of x over every attempt given the question */
};

/* Below this a variance is taken as zero: everyone scored the same. */
#define SAME_SCORE_EPSILON 1e-12

static double correlation(const struct item_sums *s)
{
    if (s->n < 2)
        return NAN;
    double vx = s->n * s->xx - s->x * s->x;
    double vy = s->n * s->yy - s->y * s->y;
    if (vx <= SAME_SCORE_EPSILON * s->n * s->n || vy <= SAME_SCORE_EPSILON * s->n * s->n)
        return NAN;
    double r = (s->n * s->xy - s->x * s->y) / sqrt(vx * vy);
    return r > 1 ? 1 : r < -1 ? -1 : r; /* rounding may step past the bounds */
}

void quiz_stats_items(const struct quiz_stats_attempt *attempts, size_t n, size_t n_questions,
                      struct quiz_item_stats *out)
{
    memset(out, 0, n_questions * sizeof *out);
    /* The sums of BATCH questions at a time live on the stack, so nothing is allocated: one
     * pass over the attempts per BATCH questions (the whole bank needs one or two). */
    enum { BATCH = 64 };
    struct item_sums sums[BATCH];
    for (size_t first = 0; first < n_questions; first += BATCH) {
        size_t count = n_questions - first < BATCH ? n_questions - first : BATCH;
        memset(sums, 0, sizeof sums);
        for (size_t a = 0; a < n; a++) {
            const struct quiz_stats_attempt *at = &attempts[a];
            for (size_t m = 0; m < at->n_marks; m++) {
                const struct quiz_stats_mark *mk = &at->marks[m];
                if (mk->question < first || mk->question >= first + count || mk->max_milli <= 0)
                    continue;
                struct quiz_item_stats *item = &out[mk->question];
                struct item_sums *s = &sums[mk->question - first];
                double earned = mk->earned_milli < 0 ? 0 : mk->earned_milli;
                double x = earned / mk->max_milli;
                item->n_attempts++;
                s->share += x;
                if (mk->chosen == 0)
                    item->n_unanswered++;
                for (unsigned i = 0; i < QUIZ_MAX_OPTIONS; i++)
                    if (mk->chosen & (1u << i))
                        item->option_counts[i]++;
                long long rest_max = (long long)at->max_milli - mk->max_milli;
                if (rest_max <= 0)
                    continue; /* no other question: nothing to correlate with */
                double y = ((double)at->score_milli - earned) / (double)rest_max;
                s->n += 1;
                s->x += x;
                s->y += y;
                s->xx += x * x;
                s->yy += y * y;
                s->xy += x * y;
            }
        }
        for (size_t q = 0; q < count; q++) {
            struct quiz_item_stats *item = &out[first + q];
            item->facility = item->n_attempts ? sums[q].share / (double)item->n_attempts : NAN;
            item->discrimination = correlation(&sums[q]);
        }
    }
}

void quiz_stats_histogram(const struct quiz_stats_attempt *attempts, size_t n,
                          unsigned long bins[QUIZ_STATS_BINS])
{
    memset(bins, 0, QUIZ_STATS_BINS * sizeof bins[0]);
    for (size_t a = 0; a < n; a++) {
        if (attempts[a].max_milli <= 0)
            continue;
        int pct = quiz_stats_percent(attempts[a].score_milli, attempts[a].max_milli);
        int bin = pct / (100 / QUIZ_STATS_BINS);
        bins[bin >= QUIZ_STATS_BINS ? QUIZ_STATS_BINS - 1 : bin]++;
    }
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void quiz_stats_summarise(const struct quiz_stats_attempt *attempts, size_t n, double *scratch,
                          struct quiz_stats_summary *out)
{
    memset(out, 0, sizeof *out);
    size_t k = 0;
    double sum = 0;
    for (size_t a = 0; a < n; a++) {
        if (attempts[a].max_milli <= 0)
            continue;
        double s = attempts[a].score_milli < 0 ? 0 : attempts[a].score_milli;
        scratch[k] = 100.0 * s / attempts[a].max_milli;
        sum += scratch[k++];
    }
    if (k == 0)
        return;
    out->n = k;
    out->mean = sum / (double)k;
    double squares = 0;
    for (size_t i = 0; i < k; i++)
        squares += (scratch[i] - out->mean) * (scratch[i] - out->mean);
    out->stddev = sqrt(squares / (double)k);
    qsort(scratch, k, sizeof *scratch, compare_doubles);
    out->median = k % 2 ? scratch[k / 2] : (scratch[k / 2 - 1] + scratch[k / 2]) / 2;
}
