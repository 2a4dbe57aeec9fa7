/* srv_instructor.h: the instructor's pages under /instructor: sign-in and sign-out, the
 * class dashboard (scores, distribution, per-question facility and discrimination, the
 * options chosen, topics, learners) and its exports (the bytes `fa-learn stats` writes).
 *
 * Access (srv_instructor_auth.h): without a live session every page answers 303 to the
 * sign-in page, and every export 401. Sign-in and sign-out are state-changing routes (the
 * dispatcher checks Origin and the form's media type); sign-out also carries the session's
 * CSRF token. Nothing on the learners' pages links here. */
#ifndef FA_SERVER_APP_SRV_INSTRUCTOR_H
#define FA_SERVER_APP_SRV_INSTRUCTOR_H

#include "common/fa_err.h"
#include "quiz/quiz_store.h"
#include "server/http/srv_http.h"

/* GET /instructor/login: the sign-in form (303 to the dashboard when signed in already). */
int srv_instructor_handle_login_page(struct srv_req *req, struct srv_resp *resp);
/* POST /instructor/login (form field "token"): 303 to the dashboard with the session's
 * cookie; 403 and the form again for a wrong token; 429 past the per-client limit. */
int srv_instructor_handle_login(struct srv_req *req, struct srv_resp *resp);
/* POST /instructor/logout (form field "csrf"): ends the session, 303 to the sign-in page. */
int srv_instructor_handle_logout(struct srv_req *req, struct srv_resp *resp);
/* GET /instructor[?class=CODE&quiz=NAME]: the dashboard of the chosen attempts. */
int srv_instructor_handle_dashboard(struct srv_req *req, struct srv_resp *resp);
/* GET /instructor/attempts.csv, /instructor/questions.csv, /instructor/attempts.json
 * [?class=CODE&quiz=NAME]: the exports (srv_export.h), as downloads. */
int srv_instructor_handle_export(struct srv_req *req, struct srv_resp *resp);

/* GET /instructor/classes: the classes, a form to create one, the retention setting.
 * POST /instructor/classes (action=create: name, code; action=retention: days). */
int srv_instructor_handle_classes(struct srv_req *req, struct srv_resp *resp);
int srv_instructor_handle_classes_post(struct srv_req *req, struct srv_resp *resp);
/* GET /instructor/classes/<code>: its settings form and join link. POST (action=save with
 * the settings; action=delete, asked to confirm first): 303 back, or 422 with the form. */
int srv_instructor_handle_class(struct srv_req *req, struct srv_resp *resp);
int srv_instructor_handle_class_post(struct srv_req *req, struct srv_resp *resp);
/* GET /instructor/learner?class=CODE&name=NAME: the learner's attempts over time, linked to
 * their reports. POST /instructor/learner (class, name; asked to confirm first): deletes
 * them. */
int srv_instructor_handle_learner(struct srv_req *req, struct srv_resp *resp);
int srv_instructor_handle_learner_post(struct srv_req *req, struct srv_resp *resp);

/* Deletes the attempts and sandbox runs older than the retention setting (none when it is
 * 0 or unset), and the kept code of runs whose time has come; *n_attempts receives how many
 * attempts went. The server runs it at start and every hour. */
int srv_instructor_apply_retention(struct quiz_store *store, long *n_attempts,
                                   struct fa_diag *diag);

/* GET /join/<code> (a learners' page): the class's name and the settings its quizzes have,
 * and a script that keeps the code in the browser for the quiz and sandbox pages. 404 for
 * a code no class has. */
int srv_join_handle(struct srv_req *req, struct srv_resp *resp);

#endif
