/* srv_quiz_view.h: the quiz's pages before submission, built with common/fa_html.h: the list
 * of quizzes (/quiz) and a quiz to take, fresh or with a refused form's answers again. Every
 * text from the bank or a learner is escaped; the rendered Markdown is the only raw HTML.
 * Thread-safe (no state). */
#ifndef FA_SERVER_VIEW_SRV_QUIZ_VIEW_H
#define FA_SERVER_VIEW_SRV_QUIZ_VIEW_H

#include "common/fa_buf.h"
#include "common/fa_html.h"
#include "quiz/quiz_classes.h"

#include <stdint.h>

struct srv_quiz;
struct refusal;

/* The body of /quiz (the list of quizzes), appended to out. FA_ELIMIT only. */
int srv_quiz_render_index(const struct srv_quiz *quiz, struct fa_buf *out);

/* The quiz page of topic (-1: the full quiz): a fresh one (refused NULL), or the learner's
 * form again with their answers and the errors shown. token is the attempt's
 * (quiz_token.h), "" when the server has no key; seed is its seed, which orders the options
 * and draws the class's pool; cls (may be NULL) the learner's class, whose settings are
 * stated above the questions. Errors stay in h. */
void srv_quiz_view_render(struct fa_html_builder *h, const struct srv_quiz *quiz, long topic,
                          const char *token, uint32_t seed, const struct refusal *refused,
                          const struct quiz_class *cls);

#endif
