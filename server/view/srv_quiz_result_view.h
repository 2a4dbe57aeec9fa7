/* srv_quiz_result_view.h: the result of a quiz attempt (/report/<id>), built with
 * common/fa_html.h: the score, what to do next, the chart by topic (one drawing for the
 * screen, one for paper), the performance report as text and Markdown, and every question
 * with its verdict and explanation. Thread-safe (no state). */
#ifndef FA_SERVER_VIEW_SRV_QUIZ_RESULT_VIEW_H
#define FA_SERVER_VIEW_SRV_QUIZ_RESULT_VIEW_H

#include "common/fa_buf.h"
#include "common/fa_html.h"
#include "quiz/quiz_store.h"

struct srv_quiz;

/* The result page's own part for attempt a. held: NULL when the class lets the result show
 * everything, else the sentence why it shows the score only (srv_quiz_rules_reveal), and
 * then text and md are not read. text and md: the reports (srv_quiz_stored_reports).
 * Errors stay in h. */
void srv_quiz_result_view_render(struct fa_html_builder *h, const struct srv_quiz *quiz,
                                 const struct quiz_attempt *a, const char *held,
                                 const struct fa_buf *text, const struct fa_buf *md);

#endif
