/* srv_dashboard_view.c: the instructor's dashboard numbers (see srv_dashboard_view.h). */
#include "server/view/srv_dashboard_view.h"

#include "common/fa_err.h"
#include "common/fa_mem.h"
#include "quiz/quiz_stats.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define MOST_MISSED 5 /* questions in the most-missed table */

void srv_instructor_url_attr(struct fa_html_builder *h, const char *value)
{
    struct fa_buf encoded;
    fa_buf_init(&encoded, 4 * strlen(value) + 16);
    /* The cap fits the worst case (three bytes for each), so the append cannot fail. */
    if (fa_buf_append_urlenc(&encoded, value, strlen(value)) == FA_OK)
        fa_html_attr(h, encoded.ptr ? encoded.ptr : "");
    fa_buf_cleanup(&encoded);
}

void srv_instructor_nav(struct fa_html_builder *h)
{
    fa_html_raw(h, "<nav class=\"instructor-nav\" aria-label=\"Instructor\"><a "
                   "href=\"/instructor\">Dashboard</a> · <a href=\"/instructor/classes\">"
                   "Classes</a></nav>\n");
}

/* The score distribution as a bar chart drawn here (no script), with the counts in its
 * description for screen readers. */
static void draw_histogram(struct fa_html_builder *h, const struct quiz_results *c)
{
    unsigned long most = 1;
    for (int b = 0; b < QUIZ_STATS_BINS; b++)
        most = c->histogram[b] > most ? c->histogram[b] : most;
    fa_html_raw(h, "<figure class=\"histogram\"><svg viewBox=\"0 0 420 170\" role=\"img\" "
                   "aria-labelledby=\"hist-title hist-desc\"><title id=\"hist-title\">Score "
                   "distribution</title><desc id=\"hist-desc\">");
    for (int b = 0; b < QUIZ_STATS_BINS; b++)
        fa_html_printf(h, "%d to %d%%: %lu; ", b * 10, b == QUIZ_STATS_BINS - 1 ? 100 : b * 10 + 9,
                       c->histogram[b]);
    fa_html_raw(h, "</desc>\n");
    for (int b = 0; b < QUIZ_STATS_BINS; b++) {
        int height = (int)(120 * c->histogram[b] / most);
        fa_html_printf(h,
                       "<rect x=\"%d\" y=\"%d\" width=\"34\" height=\"%d\" class=\"bar\"/>"
                       "<text x=\"%d\" y=\"%d\" class=\"count\">%lu</text>"
                       "<text x=\"%d\" y=\"165\" class=\"axis\">%d</text>\n",
                       10 + 40 * b, 140 - height, height, 27 + 40 * b, 135 - height,
                       c->histogram[b], 27 + 40 * b, b * 10);
    }
    fa_html_raw(h,
                "</svg><figcaption>Attempts by score, in tens of percent.</figcaption></figure>\n");
}

void srv_dashboard_view_summary(struct fa_html_builder *h, const struct quiz_results *c)
{
    fa_html_raw(h, "<section aria-labelledby=\"h-summary\"><h2 id=\"h-summary\">Scores</h2>\n");
    if (!c->n_rows) {
        fa_html_raw(h, "<p>No attempts match this filter yet.</p></section>\n");
        return;
    }
    fa_html_printf(h, "<p class=\"instructor-summary\">%zu attempt", c->n_rows);
    fa_html_raw(h, c->n_rows == 1 ? "" : "s");
    fa_html_printf(h, "; mean %.1f%%, median %.1f%%, standard deviation %.1f%%.", c->summary.mean,
                   c->summary.median, c->summary.stddev);
    if (c->n_damaged)
        fa_html_printf(h, " Damaged rows in the store left out: %zu (the server log names them).",
                       c->n_damaged);
    fa_html_raw(h, "</p>\n");
    draw_histogram(h, c);
    fa_html_raw(h, "</section>\n");
}

/* A link to an attempt's report, showing its score. */
static void report_link(struct fa_html_builder *h, const struct quiz_results_row *r)
{
    fa_html_raw(h, "<a href=\"/report/");
    fa_html_attr(h, r->report_id);
    fa_html_printf(h, "\">%d%%</a>", quiz_stats_percent(r->score_milli, r->max_milli));
}

/* Learners: one row per name and class, with their latest and best attempts. Rows are in
 * submission order, so the latest is the last one seen. */
static void draw_learners(struct fa_html_builder *h, const struct quiz_results *c)
{
    size_t *first = fa_xcalloc(c->n_rows ? c->n_rows : 1, sizeof *first), n = 0;

    fa_html_raw(
        h, "<section aria-labelledby=\"h-learners\"><h2 id=\"h-learners\">Learners</h2>\n"
           "<div class=\"table-scroll\"><table><thead><tr><th scope=\"col\">Learner</th>"
           "<th scope=\"col\">Class</th><th scope=\"col\">Attempts</th><th scope=\"col\">Latest"
           "</th><th scope=\"col\">Best</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < c->n_rows; i++) {
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(c->rows[first[k]].learner, c->rows[i].learner) == 0 &&
                   strcmp(c->rows[first[k]].class_code, c->rows[i].class_code) == 0;
        if (!seen)
            first[n++] = i;
    }
    for (size_t k = 0; k < n; k++) {
        const struct quiz_results_row *who = &c->rows[first[k]], *latest = who, *best = who;
        size_t attempts = 0;
        for (size_t i = first[k]; i < c->n_rows; i++) {
            const struct quiz_results_row *r = &c->rows[i];
            if (strcmp(r->learner, who->learner) || strcmp(r->class_code, who->class_code))
                continue;
            attempts++;
            latest = r;
            if (quiz_stats_percent(r->score_milli, r->max_milli) >
                quiz_stats_percent(best->score_milli, best->max_milli))
                best = r;
        }
        fa_html_raw(h, "<tr><td><a href=\"/instructor/learner?class=");
        srv_instructor_url_attr(h, who->class_code);
        fa_html_raw(h, "&amp;name=");
        srv_instructor_url_attr(h, who->learner);
        fa_html_raw(h, "\">");
        fa_html_text(h, who->learner);
        fa_html_raw(h, "</a></td><td>");
        fa_html_text(h, who->class_code[0] ? who->class_code : "—");
        fa_html_printf(h, "</td><td>%zu</td><td>", attempts);
        report_link(h, latest);
        fa_html_raw(h, " (");
        fa_html_text(h, latest->quiz);
        fa_html_raw(h, ")</td><td>");
        report_link(h, best);
        fa_html_raw(h, "</td></tr>\n");
    }
    fa_html_raw(h, "</tbody></table></div></section>\n");
    fa_free(first);
}

/* The wrong option chosen most often (bank order), or -1 when none was chosen. */
static long most_chosen_wrong(const struct quiz_question *q, const struct quiz_item_stats *it)
{
    long best = -1;
    for (size_t k = 0; k < q->n_options && k < QUIZ_MAX_OPTIONS; k++)
        if (!q->options[k].correct && it->option_counts[k] > 0 &&
            (best < 0 || it->option_counts[k] > it->option_counts[best]))
            best = (long)k;
    return best;
}

static void question_link(struct fa_html_builder *h, const struct quiz_question *q)
{
    fa_html_raw(h, "<a href=\"");
    fa_html_attr(h, q->wiki);
    fa_html_raw(h, "\">");
    fa_html_text(h, q->id);
    fa_html_raw(h, "</a>");
}

static void draw_questions(struct fa_html_builder *h, const struct quiz_results *c,
                           const struct quiz_bank *bank)
{
    size_t missed[MOST_MISSED], n_missed = 0;

    /* The most-missed questions: lowest facility first, among those given. */
    for (size_t q = 0; q < c->n_items; q++) {
        if (!c->items[q].n_attempts)
            continue;
        size_t at = n_missed < MOST_MISSED ? n_missed++ : MOST_MISSED;
        while (at > 0 && c->items[missed[at - 1]].facility > c->items[q].facility) {
            if (at < MOST_MISSED)
                missed[at] = missed[at - 1];
            at--;
        }
        if (at < MOST_MISSED)
            missed[at] = q;
    }
    fa_html_raw(h, "<section aria-labelledby=\"h-missed\"><h2 id=\"h-missed\">Most missed</h2>\n");
    if (!n_missed)
        fa_html_raw(h, "<p>No question has been answered yet.</p>\n");
    else
        fa_html_raw(h, "<ol class=\"most-missed\">\n");
    for (size_t i = 0; i < n_missed; i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, missed[i]);
        fa_html_raw(h, "<li>");
        question_link(h, q);
        fa_html_printf(h, ": %.0f%% of its marks obtained (attempts: %zu)</li>\n",
                       100 * c->items[missed[i]].facility, c->items[missed[i]].n_attempts);
    }
    if (n_missed)
        fa_html_raw(h, "</ol>\n");
    fa_html_raw(h, "</section>\n");

    fa_html_raw(h,
                "<section aria-labelledby=\"h-questions\"><h2 id=\"h-questions\">Questions</h2>\n"
                "<p class=\"instructor-help\"><strong>Facility</strong>: the share of the "
                "question's marks the class obtained. <strong>Discrimination</strong>: how well a "
                "learner's mark on it agrees with their score on the rest of the attempt (near 1: "
                "it tells strong from weak; near 0 or below: look at it again; — with fewer than "
                "two attempts, or when everyone scored the same).</p>\n"
                "<div class=\"table-scroll\"><table><thead><tr><th scope=\"col\">Question</th>"
                "<th scope=\"col\">Topic</th><th scope=\"col\">Given</th><th scope=\"col\">Facility"
                "</th><th scope=\"col\">Discrimination</th><th scope=\"col\">Wrong option chosen "
                "most</th></tr></thead><tbody>\n");
    for (size_t q = 0; q < c->n_items; q++) {
        const struct quiz_item_stats *it = &c->items[q];
        const struct quiz_question *qq = quiz_bank_get_question(bank, q);
        if (!it->n_attempts)
            continue;
        fa_html_raw(h, "<tr><td>");
        question_link(h, qq);
        fa_html_raw(h, "</td><td>");
        fa_html_text(h, quiz_bank_get_topic(bank, qq->topic)->title);
        fa_html_printf(h, "</td><td>%zu</td><td>%.0f%%</td><td>", it->n_attempts,
                       100 * it->facility);
        if (isnan(it->discrimination))
            fa_html_raw(h, "—");
        else
            fa_html_printf(h, "%.2f", it->discrimination);
        fa_html_raw(h, "</td><td>");
        long wrong = most_chosen_wrong(qq, it);
        if (wrong < 0) {
            fa_html_raw(h, "—");
        } else {
            fa_html_printf(h, "%lu× ", it->option_counts[wrong]);
            fa_html_text(h, qq->options[wrong].text);
        }
        fa_html_raw(h, "</td></tr>\n");
    }
    fa_html_raw(h, "</tbody></table></div></section>\n");
}

static void draw_topics(struct fa_html_builder *h, const struct quiz_results *c,
                        const struct quiz_bank *bank)
{
    fa_html_raw(
        h, "<section aria-labelledby=\"h-topics\"><h2 id=\"h-topics\">Topics</h2>\n"
           "<div class=\"table-scroll\"><table><thead><tr><th scope=\"col\">Topic</th>"
           "<th scope=\"col\">Attempts</th><th scope=\"col\">Score</th></tr></thead><tbody>\n");
    for (size_t t = 0; t < c->n_topics; t++) {
        long long earned = 0, max = 0;
        size_t n = 0;
        for (size_t i = 0; i < c->n_rows; i++) {
            if (c->rows[i].topic_max_milli[t] <= 0)
                continue;
            n++;
            earned += c->rows[i].topic_earned_milli[t];
            max += c->rows[i].topic_max_milli[t];
        }
        if (!n)
            continue;
        fa_html_raw(h, "<tr><td>");
        fa_html_text(h, quiz_bank_get_topic(bank, t)->title);
        fa_html_printf(h, "</td><td>%zu</td><td>%d%%</td></tr>\n", n,
                       quiz_stats_percent(earned, max));
    }
    fa_html_raw(h, "</tbody></table></div></section>\n");
}

void srv_dashboard_view_results(struct fa_html_builder *h, const struct quiz_results *c,
                                const struct quiz_bank *bank)
{
    draw_questions(h, c, bank);
    draw_topics(h, c, bank);
    draw_learners(h, c);
}
