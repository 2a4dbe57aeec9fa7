/* srv_dashboard_view.h: the numbers of the instructor's dashboard as HTML (common/fa_html.h):
 * the summary with the score distribution drawn as bars, the most-missed questions with the
 * wrong option chosen most, the topics, and the learners; and what every instructor's page
 * shares (view/srv_classes_view.c draws the others): the links between them and URL values in
 * attributes. Pure views of quiz_results; thread-safe. */
#ifndef FA_SERVER_VIEW_SRV_DASHBOARD_VIEW_H
#define FA_SERVER_VIEW_SRV_DASHBOARD_VIEW_H

#include "common/fa_html.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_results.h"

/* A URL query value or path segment, percent-encoded, inside a quoted attribute. */
void srv_instructor_url_attr(struct fa_html_builder *h, const char *value);

/* The links between the instructor's pages (the dashboard and the classes). */
void srv_instructor_nav(struct fa_html_builder *h);

/* The attempts' count, mean and spread, and the score distribution. */
void srv_dashboard_view_summary(struct fa_html_builder *h, const struct quiz_results *c);

/* The questions missed most, the topics and the learners (for results with attempts). */
void srv_dashboard_view_results(struct fa_html_builder *h, const struct quiz_results *c,
                                const struct quiz_bank *bank);

#endif
