/* quiz_score.c: marking one answer (see quiz_score.h). */
#include "quiz/quiz_score.h"

#include <ctype.h>
#include <string.h>

/* The next character of s in its normal form (white space runs become one ' ', ASCII
 * letters lower-case), advancing *s; 0 at the end (trailing white space included). */
static int next_normal(const char **s)
{
    const char *p = *s;

    if (isspace((unsigned char)*p)) {
        while (isspace((unsigned char)*p))
            p++;
        *s = p;
        return *p ? ' ' : 0;
    }
    if (!*p)
        return 0;
    *s = p + 1;
    return tolower((unsigned char)*p);
}

bool quiz_short_matches(const char *given, const char *accepted)
{
    int a, b;

    while (isspace((unsigned char)*given))
        given++;
    while (isspace((unsigned char)*accepted))
        accepted++;
    do {
        a = next_normal(&given);
        b = next_normal(&accepted);
        if (a != b)
            return false;
    } while (a);
    return true;
}

struct quiz_mark quiz_score(const struct quiz_question *q, const struct quiz_answer *a)
{
    struct quiz_mark mark = {QUIZ_UNANSWERED, 0};
    int full = q->points * 1000;

    if (q->type == QUIZ_SHORT) {
        const char *t = a->text;
        while (t && isspace((unsigned char)*t))
            t++;
        if (!t || !*t)
            return mark;
        mark.verdict = QUIZ_INCORRECT;
        for (size_t i = 0; i < q->n_answers; i++) {
            if (quiz_short_matches(a->text, q->answers[i])) {
                mark = (struct quiz_mark){QUIZ_CORRECT, full};
                break;
            }
        }
        return mark;
    }
    if ((a->chosen & ((q->n_options < 32 ? 1u << q->n_options : 0u) - 1u)) == 0)
        return mark;
    if (q->type == QUIZ_MULTIPLE) {
        int right = 0, sum = 0;
        for (size_t i = 0; i < q->n_options; i++) {
            bool chosen = a->chosen >> i & 1u;
            right += q->options[i].correct;
            if (chosen)
                sum += q->options[i].correct ? 1 : -1;
        }
        mark.earned_milli = sum <= 0 || right == 0 ? 0 : full * sum / right;
    } else {
        bool only_right = true;
        for (size_t i = 0; i < q->n_options; i++)
            only_right = only_right && (a->chosen >> i & 1u) == (unsigned)q->options[i].correct;
        mark.earned_milli = only_right ? full : 0;
    }
    mark.verdict = mark.earned_milli == full ? QUIZ_CORRECT
                   : mark.earned_milli > 0   ? QUIZ_PARTIAL
                                             : QUIZ_INCORRECT;
    return mark;
}

const char *quiz_verdict_name(enum quiz_verdict v)
{
    switch (v) {
    case QUIZ_CORRECT: return "correct";
    case QUIZ_PARTIAL: return "partial";
    case QUIZ_INCORRECT: return "incorrect";
    default: return "unanswered";
    }
}

/* The bank never holds more than QUIZ_MAX_OPTIONS options; the order array is that long. */
static size_t option_count(const struct quiz_question *q)
{
    return q->n_options < QUIZ_MAX_OPTIONS ? q->n_options : QUIZ_MAX_OPTIONS;
}

void quiz_option_order(const struct quiz_question *q, uint32_t seed,
                       unsigned char order[QUIZ_MAX_OPTIONS])
{
    uint32_t x = seed ^ 2166136261u;
    size_t n = option_count(q);

    for (const char *p = q->id; *p; p++)
        x = (x ^ (unsigned char)*p) * 16777619u; /* FNV-1a over the id */
    for (size_t i = 0; i < n; i++)
        order[i] = (unsigned char)i;
    if (q->type == QUIZ_TRUEFALSE)
        return;
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates with xorshift32 */
        unsigned char t;
        size_t j;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        j = x % i;
        t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

unsigned quiz_chosen_from_shown(const struct quiz_question *q, uint32_t seed, unsigned shown)
{
    unsigned char order[QUIZ_MAX_OPTIONS];
    unsigned chosen = 0;

    quiz_option_order(q, seed, order);
    for (size_t k = 0; k < option_count(q); k++)
        if (shown >> k & 1u)
            chosen |= 1u << order[k];
    return chosen;
}
