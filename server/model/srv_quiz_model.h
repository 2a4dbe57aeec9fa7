/* srv_quiz_model.h: the quiz as the site holds it: the question bank with every stem, option
 * and explanation rendered once (cmark's safe mode), each question's plain-text title for
 * the reports and the wiki label of its section. Built with the site (srv_site.h), read-only
 * afterwards, so any thread may read it while the site is held. */
#ifndef FA_SERVER_MODEL_SRV_QUIZ_MODEL_H
#define FA_SERVER_MODEL_SRV_QUIZ_MODEL_H

#include "common/fa_err.h"
#include "quiz/quiz_bank.h"

struct cnt_site;
struct srv_quiz;

/* Loads the bank from quiz_dir, checks each question's wiki section against content and
 * renders every stem, option and explanation. Every problem goes to report (may be NULL);
 * the first (or a broken wiki link) also to diag, as "quiz/questions/x.md:5: ...". *out
 * owns the result. */
int srv_quiz_build(const char *quiz_dir, const struct cnt_site *content,
                   quiz_bank_report_fn *report, void *cls, struct srv_quiz **out,
                   struct fa_diag *diag);
void srv_quiz_free(struct srv_quiz *quiz);

const struct quiz_bank *srv_quiz_get_bank(const struct srv_quiz *quiz);

#endif
