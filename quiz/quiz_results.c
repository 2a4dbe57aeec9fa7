/* quiz_results.c: a class's attempts gathered for the instructor (quiz_results.h). */
#include "quiz/quiz_results.h"

#include "common/fa_mem.h"

#include <string.h>

/* The walk's state: the gathering grows as the store hands over attempts. Marks are kept as
 * offsets while they grow, and pointed to once the walk is over (a realloc moves them). */
struct gatherer {
    const struct quiz_bank *bank;
    struct quiz_results *c;
    size_t cap_rows, n_marks, cap_marks;
    size_t *first_mark; /* per row: its first mark's offset in c->marks */
};

static int take_attempt(void *ctx, const struct quiz_attempt *a)
{
    struct gatherer *g = ctx;
    struct quiz_results *c = g->c;

    if (c->n_rows == g->cap_rows) {
        g->cap_rows = g->cap_rows ? 2 * g->cap_rows : 64;
        c->rows = fa_xrealloc(c->rows, g->cap_rows * sizeof *c->rows);
        c->stats_attempts = fa_xrealloc(c->stats_attempts, g->cap_rows * sizeof *c->stats_attempts);
        g->first_mark = fa_xrealloc(g->first_mark, g->cap_rows * sizeof *g->first_mark);
    }
    struct quiz_results_row *row = &c->rows[c->n_rows];
    memset(row, 0, sizeof *row);
    memcpy(row->report_id, a->report_id, sizeof row->report_id);
    memcpy(row->learner, a->learner, sizeof row->learner);
    memcpy(row->class_code, a->class_code, sizeof row->class_code);
    memcpy(row->quiz, a->quiz, sizeof row->quiz);
    row->started_ms = a->started_ms;
    row->submitted_ms = a->submitted_ms;
    row->score_milli = a->score_milli;
    row->max_milli = a->max_milli;
    row->topic_earned_milli = fa_xcalloc(c->n_topics ? c->n_topics : 1, sizeof(int));
    row->topic_max_milli = fa_xcalloc(c->n_topics ? c->n_topics : 1, sizeof(int));

    g->first_mark[c->n_rows] = g->n_marks;
    size_t n_marks = 0;
    for (size_t i = 0; i < a->n_answers; i++) {
        const struct quiz_stored_answer *an = &a->answers[i];
        long q = quiz_bank_find(g->bank, an->question_id);
        if (q < 0)
            continue; /* no longer in the bank: counted in the score, no statistics */
        size_t topic = quiz_bank_get_question(g->bank, (size_t)q)->topic;
        row->topic_earned_milli[topic] += an->earned_milli;
        row->topic_max_milli[topic] += an->max_milli;
        if (g->n_marks == g->cap_marks) {
            g->cap_marks = g->cap_marks ? 2 * g->cap_marks : 1024;
            c->marks = fa_xrealloc(c->marks, g->cap_marks * sizeof *c->marks);
        }
        c->marks[g->n_marks++] =
            (struct quiz_stats_mark){(size_t)q, an->earned_milli, an->max_milli, an->chosen};
        n_marks++;
    }
    c->stats_attempts[c->n_rows] =
        (struct quiz_stats_attempt){a->score_milli, a->max_milli, NULL, n_marks};
    c->n_rows++;
    return FA_OK;
}

int quiz_results_gather(struct quiz_store *store, const struct quiz_bank *bank,
                        const struct quiz_store_filter *f, struct quiz_results **out,
                        struct fa_diag *diag)
{
    struct quiz_results *c = fa_xcalloc(1, sizeof *c);
    struct gatherer g = {bank, c, 0, 0, 0, NULL};

    c->n_topics = quiz_bank_n_topics(bank);
    c->n_items = quiz_bank_n_questions(bank);
    int rc = quiz_store_each(store, f, take_attempt, &g, &c->n_damaged, diag);
    if (rc) {
        fa_free(g.first_mark);
        quiz_results_free(c);
        return rc;
    }
    for (size_t i = 0; i < c->n_rows; i++)
        c->stats_attempts[i].marks = c->marks + g.first_mark[i];
    fa_free(g.first_mark);

    c->items = fa_xcalloc(c->n_items ? c->n_items : 1, sizeof *c->items);
    quiz_stats_items(c->stats_attempts, c->n_rows, c->n_items, c->items);
    quiz_stats_histogram(c->stats_attempts, c->n_rows, c->histogram);
    double *scratch = fa_xcalloc(c->n_rows ? c->n_rows : 1, sizeof *scratch);
    quiz_stats_summarise(c->stats_attempts, c->n_rows, scratch, &c->summary);
    fa_free(scratch);
    *out = c;
    return FA_OK;
}

void quiz_results_free(struct quiz_results *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_rows; i++) {
        fa_free(c->rows[i].topic_earned_milli);
        fa_free(c->rows[i].topic_max_milli);
    }
    fa_free(c->rows);
    fa_free(c->items);
    fa_free(c->stats_attempts);
    fa_free(c->marks);
    fa_free(c);
}
