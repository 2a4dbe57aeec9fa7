/* srv_quiz.h: the quiz's handlers: the quiz pages, the form and JSON submissions, the result
 * and report page, and the JSON API (the model the site holds: srv_quiz_model.h).
 *
 *   GET  /quiz                 the quizzes: the full one and one per topic (an asset)
 *   GET  /quiz/<topic>|all     a quiz to take: options shuffled with a fresh seed, or the
 *                              attempt of ?attempt=TOKEN again (quiz_token.h)
 *   POST /quiz/submit          the form (works without JavaScript) -> 303 to /report/<id>
 *   GET  /report/<id>          the result and the performance report (permalink)
 *   GET  /api/quiz[?topic=]    the questions without their answers, as JSON
 *   POST /api/quiz/submit      answers as JSON -> score, results, report text, report id
 *   GET  /api/report/<id>      a stored attempt's result as JSON
 *
 * Options are numbered as shown (value k: the k-th option on the page), mapped back to the
 * bank's through the seed of the attempt's signed token; a submission without a token that
 * checks out is refused (the form: the quiz again, answers kept, a new token).
 *
 * Every text from the bank or from a learner is HTML-escaped (Markdown goes through cmark's
 * safe mode). Handlers are thread-safe; a submission is one store transaction on the HTTP
 * thread that received it. */
#ifndef FA_SERVER_APP_SRV_QUIZ_H
#define FA_SERVER_APP_SRV_QUIZ_H

#include "server/http/srv_http.h"

/* The handlers (see the table above). They find the quiz in req->site and the store in
 * req->store; without a store, submissions answer 503. */
int srv_quiz_handle_page(struct srv_req *req, struct srv_resp *resp);
int srv_quiz_handle_submit(struct srv_req *req, struct srv_resp *resp);
int srv_quiz_handle_report(struct srv_req *req, struct srv_resp *resp);
int srv_quiz_handle_api_quiz(struct srv_req *req, struct srv_resp *resp);
int srv_quiz_handle_api_submit(struct srv_req *req, struct srv_resp *resp);
int srv_quiz_handle_api_report(struct srv_req *req, struct srv_resp *resp);

#endif
