/* srv_quiz_result_view.c: the result of a quiz attempt (see srv_quiz_result_view.h). */
#include "server/view/srv_quiz_result_view.h"

#include "quiz/quiz_report.h"
#include "quiz/quiz_score.h"
#include "quiz/quiz_stats.h"
#include "server/model/srv_quiz_int.h"

#include <stdbool.h>
#include <string.h>

#define QUIZ_MAX_WIKI_LINKS 32 /* "Read again" links under a result */

/* HTML the model rendered (cmark's safe mode): trusted. */
static struct fa_html rendered(const char *html) { return (struct fa_html){html, strlen(html)}; }

/* The geometry of a chart drawing, in its own units. */
struct chart_shape {
    const char *kind;               /* "screen" or "print": its class, quiz-chart-KIND */
    int width, row;                 /* the drawing's width; the height of one topic */
    int label_y;                    /* the title's baseline, from the row's top */
    int bar_x, bar_y, bar_w, bar_h; /* the bar's track */
    int value_x, value_y;           /* the percentage's place */
};

/* A bar per topic, drawn by the server: no chart library, no script. On screen each topic
 * takes two lines, its whole title above a bar with the percentage after it, in a narrow
 * drawing: on a phone it is scaled down little, so its text stays about 13 px (issue 14: a
 * title beside the bar was clipped, and the wide drawing's text shrank to about 7 px). On
 * paper a page is wide: one line per topic, title beside its bar, so that the full quiz's
 * chart takes a third of a sheet with its text at about 9 pt (print.css shows only that
 * one; the screen's two-line drawing took half a sheet, or shrank to unreadable labels). */
static const struct chart_shape chart_screen = {"screen", 340, 46, 13, 0, 19, 290, 18, 296, 33};
static const struct chart_shape chart_print = {"print", 730, 20, 14, 300, 4, 380, 13, 686, 15};

static void render_chart(struct fa_html_builder *h, const struct quiz_bank *bank,
                         const struct quiz_topic_score *ts, size_t n, const struct chart_shape *c)
{
    fa_html_raw(h, "<svg class=\"quiz-chart quiz-chart-");
    fa_html_attr(h, c->kind);
    fa_html_printf(h, "\" viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"quiz-chart-title-",
                   c->width, (int)n * c->row + 4);
    fa_html_attr(h, c->kind);
    fa_html_raw(h, c == &chart_print ? "\" aria-hidden=\"true\">\n<title id=\"quiz-chart-title-"
                                     : "\">\n<title id=\"quiz-chart-title-");
    fa_html_attr(h, c->kind);
    fa_html_raw(h, "\">Score by topic, in percent of its points</title>\n");
    for (size_t i = 0; i < n; i++) {
        int pct = quiz_stats_percent(ts[i].earned_milli, ts[i].max_milli);
        int y = (int)i * c->row + 4;
        fa_html_printf(h, "<text x=\"0\" y=\"%d\" class=\"chart-label\">", y + c->label_y);
        fa_html_text(h, quiz_bank_get_topic(bank, ts[i].topic)->title);
        fa_html_printf(h,
                       "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                       "class=\"chart-track\"/>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" "
                       "height=\"%d\" class=\"chart-bar",
                       c->bar_x, y + c->bar_y, c->bar_w, c->bar_h, c->bar_x, y + c->bar_y,
                       c->bar_w * pct / 100, c->bar_h);
        fa_html_raw(h, pct >= 80 ? " is-good" : pct >= 50 ? " is-fair" : " is-weak");
        fa_html_printf(h, "\"/>\n<text x=\"%d\" y=\"%d\" class=\"chart-value\">%d%%</text>\n",
                       c->value_x, y + c->value_y, pct);
    }
    fa_html_raw(h, "</svg>\n");
}

static const char *const verdict_words[] = {"Not answered", "Incorrect", "Partly right", "Correct"};

/* The store refuses a row with a verdict out of range (quiz_store_load); this keeps the table
 * lookup safe even so. */
static const char *verdict_word(int verdict)
{
    return verdict >= 0 && (size_t)verdict < sizeof verdict_words / sizeof verdict_words[0]
               ? verdict_words[verdict]
               : "Not marked";
}

/* What the learner chose, and the right options, in the order they were shown. */
static void review_options(struct fa_html_builder *h, const struct quiz_question *q,
                           const struct rendered *r, const struct quiz_stored_answer *an,
                           uint32_t seed)
{
    unsigned char order[QUIZ_MAX_OPTIONS];

    quiz_option_order(q, seed, order);
    fa_html_raw(h, "<ul class=\"quiz-options is-review\">\n");
    for (size_t k = 0; k < q->n_options; k++) {
        unsigned o = order[k];
        bool chosen = an->chosen >> o & 1u, right = q->options[o].correct;
        fa_html_raw(h, right ? "<li class=\"is-right" : "<li class=\"is-wrong");
        fa_html_raw(h, chosen ? " is-chosen\"><span class=\"mark\">your answer</span> " : "\">");
        fa_html_raw(h, right ? "<span class=\"mark\">right</span> " : " ");
        fa_html_put(h, rendered(r->options[o]));
        fa_html_raw(h, "</li>\n");
    }
    fa_html_raw(h, "</ul>\n");
}

static void render_review(struct fa_html_builder *h, const struct srv_quiz *quiz,
                          const struct quiz_attempt *a)
{
    fa_html_raw(h, "<h2 id=\"questions\">Question by question</h2>\n<ol class=\"quiz-review\">\n");
    for (size_t i = 0; i < a->n_answers; i++) {
        const struct quiz_stored_answer *an = &a->answers[i];
        long qi = quiz_bank_find(quiz->bank, an->question_id);
        const struct quiz_question *q;
        const struct rendered *r;
        char earned[16], max[16];

        if (qi < 0) {
            fa_html_raw(h, "<li class=\"quiz-question\"><p>This question has left the bank "
                           "since.</p></li>\n");
            continue;
        }
        q = quiz_bank_get_question(quiz->bank, (size_t)qi);
        r = &quiz->questions[qi];
        fa_html_raw(h, "<li class=\"quiz-question is-");
        fa_html_attr(h, quiz_verdict_name((enum quiz_verdict)an->verdict));
        fa_html_raw(h, "\">\n<p class=\"quiz-verdict\"><span class=\"verdict\">");
        fa_html_text(h, verdict_word(an->verdict));
        fa_html_raw(h, "</span> <span class=\"quiz-meta\">");
        fa_html_text(h, quiz_report_points(an->earned_milli, earned, sizeof earned));
        fa_html_raw(h, " of ");
        fa_html_text(h, quiz_report_points(an->max_milli, max, sizeof max));
        fa_html_raw(h, an->max_milli == 1000 ? " point" : " points");
        fa_html_raw(h, "</span></p>\n<div class=\"quiz-stem\">");
        fa_html_put(h, rendered(r->stem));
        fa_html_raw(h, "</div>\n");
        if (q->type == QUIZ_SHORT) {
            char right[120];
            fa_html_raw(h, "<p class=\"quiz-given\">Your answer: <code>");
            fa_html_text(h, an->text[0] ? an->text : "(none)");
            fa_html_raw(h, "</code>. Accepted: <code>");
            fa_html_text(h, quiz_report_right_answer(q, right, sizeof right));
            fa_html_raw(h, "</code></p>\n");
        } else {
            review_options(h, q, r, an, a->seed);
        }
        fa_html_raw(h, "<div class=\"quiz-explanation\">");
        fa_html_put(h, rendered(r->explanation));
        fa_html_raw(h, "</div>\n<p class=\"quiz-wiki\"><a href=\"");
        fa_html_attr(h, q->wiki);
        fa_html_raw(h, an->verdict == QUIZ_CORRECT ? "\">Read more in the wiki</a></p>\n</li>\n"
                                                   : "\">Reread this section of the "
                                                     "wiki</a></p>\n</li>\n");
    }
    fa_html_raw(h, "</ol>\n");
}

/* The wiki sections of the questions missed, each once, as the wiki titles them. */
static void reread_list(struct fa_html_builder *h, const struct srv_quiz *quiz,
                        const struct quiz_attempt *a)
{
    const char *seen[QUIZ_MAX_WIKI_LINKS];
    size_t n_seen = 0;

    for (size_t i = 0; i < a->n_answers; i++) {
        long qi = quiz_bank_find(quiz->bank, a->answers[i].question_id);
        const struct quiz_question *q;
        bool dup = false;

        if (qi < 0 || a->answers[i].verdict == QUIZ_CORRECT)
            continue;
        q = quiz_bank_get_question(quiz->bank, (size_t)qi);
        for (size_t k = 0; k < n_seen && !dup; k++)
            dup = strcmp(seen[k], q->wiki) == 0;
        if (dup || n_seen == QUIZ_MAX_WIKI_LINKS)
            continue;
        if (!n_seen)
            fa_html_raw(h, "<p class=\"quiz-reread\">Read again:</p>\n<ul "
                           "class=\"quiz-reread-list\">\n");
        seen[n_seen++] = q->wiki;
        fa_html_raw(h, "<li><a href=\"");
        fa_html_attr(h, q->wiki);
        fa_html_raw(h, "\">");
        fa_html_text(h, quiz->wiki_labels[qi]);
        fa_html_raw(h, "</a></li>\n");
    }
    if (n_seen)
        fa_html_raw(h, "</ul>\n");
}

/* What to do next, under the score: retake this quiz, the next topic's quiz, and the wiki
 * sections of the questions missed (each once). Also the marker quiz.js reads to forget the
 * answers it kept for this quiz: the server has stored them. */
static void render_next_steps(struct fa_html_builder *h, const struct srv_quiz *quiz,
                              const struct quiz_attempt *a, long topic)
{
    fa_html_raw(h, "<div id=\"quiz-done\" hidden data-quiz=\"");
    fa_html_attr(h, a->quiz);
    fa_html_raw(h, "\" data-report=\"");
    fa_html_attr(h, a->report_id);
    fa_html_raw(h, "\"></div>\n<nav class=\"quiz-next\" aria-label=\"What next\"><ul>\n");
    if (topic >= -1) {
        fa_html_raw(h, "<li><a href=\"/quiz/");
        fa_html_attr(h, a->quiz);
        fa_html_raw(h, "\">Retake this quiz</a></li>\n");
    }
    if (topic >= 0 && (size_t)topic + 1 < quiz_bank_n_topics(quiz->bank)) {
        const struct quiz_topic *next = quiz_bank_get_topic(quiz->bank, (size_t)topic + 1);
        fa_html_raw(h, "<li><a href=\"/quiz/");
        fa_html_attr(h, next->slug);
        fa_html_raw(h, "\">Next topic: ");
        fa_html_text(h, next->title);
        fa_html_raw(h, "</a></li>\n");
    }
    fa_html_raw(h, "<li><a href=\"/quiz\">All quizzes</a></li>\n</ul>\n");
    reread_list(h, quiz, a);
    fa_html_raw(h, "</nav>\n");
}

static void permalink(struct fa_html_builder *h, const char *report_id)
{
    fa_html_raw(h, "<p class=\"report-permalink\">Permalink: <a href=\"/report/");
    fa_html_attr(h, report_id);
    fa_html_raw(h, "\">/report/");
    fa_html_text(h, report_id);
    fa_html_raw(h, "</a></p>\n");
}

/* The report as text and as Markdown, each in a block with its copy button. */
static void render_reports(struct fa_html_builder *h, const struct fa_buf *text,
                           const struct fa_buf *md)
{
    fa_html_raw(h, "<h2 id=\"report\">Performance report</h2>\n<p class=\"report-advice\">Copy "
                   "it into a message or your course's learning platform: it reads the same in "
                   "any text box.</p>\n<pre id=\"report-text\" class=\"report-text\" "
                   "data-copy-label=\"Copy report\" tabindex=\"0\">");
    fa_html_text_n(h, text->ptr ? text->ptr : "", text->len);
    fa_html_raw(h, "</pre>\n<details class=\"report-markdown\">\n<summary>The same report in "
                   "Markdown</summary>\n<pre id=\"report-md\" class=\"report-text\" "
                   "data-copy-label=\"Copy Markdown\" tabindex=\"0\">");
    fa_html_text_n(h, md->ptr ? md->ptr : "", md->len);
    fa_html_raw(h, "</pre>\n</details>\n");
}

void srv_quiz_result_view_render(struct fa_html_builder *h, const struct srv_quiz *quiz,
                                 const struct quiz_attempt *a, const char *held,
                                 const struct fa_buf *text, const struct fa_buf *md)
{
    struct quiz_topic_score ts[QUIZ_MAX_TOPICS];
    size_t n_topics = quiz_report_topics(quiz->bank, a, ts, QUIZ_MAX_TOPICS);
    long topic = srv_quiz_find(quiz->bank, a->quiz, strlen(a->quiz));
    char took[32], earned[16], max[16];

    fa_html_raw(h, "<h1>Result: ");
    fa_html_text(h, a->learner);
    fa_html_raw(h, "</h1>\n<p class=\"quiz-score\"><strong>");
    fa_html_text(h, quiz_report_points(a->score_milli, earned, sizeof earned));
    fa_html_raw(h, " / ");
    fa_html_text(h, quiz_report_points(a->max_milli, max, sizeof max));
    fa_html_printf(h, "</strong> points, <strong>%d%%</strong>. ",
                   quiz_stats_percent(a->score_milli, a->max_milli));
    fa_html_text(h, topic >= -1 ? srv_quiz_title(quiz->bank, topic) : a->quiz);
    fa_html_printf(h, ", %zu questions, time taken ", a->n_answers);
    fa_html_text(h, quiz_report_duration(a->submitted_ms - a->started_ms, took, sizeof took));
    fa_html_raw(h, ".</p>\n");
    if (held) {
        /* The class shows scores only, for now or for good (srv_quiz_rules.h). */
        fa_html_raw(h, "<p class=\"quiz-held\" role=\"note\">");
        fa_html_text(h, held);
        fa_html_raw(h, "</p>\n");
        permalink(h, a->report_id);
        return;
    }
    render_next_steps(h, quiz, a, topic);
    fa_html_raw(h, "<h2 id=\"by-topic\">By topic</h2>\n");
    render_chart(h, quiz->bank, ts, n_topics, &chart_screen);
    render_chart(h, quiz->bank, ts, n_topics, &chart_print);
    render_reports(h, text, md);
    permalink(h, a->report_id);
    render_review(h, quiz, a);
}
