/* srv_instructor.h: the instructor's pages under /instructor: sign-in and sign-out, the
 * class dashboard (scores, distribution, per-question facility and discrimination, the
 * options chosen, topics, learners) and its exports (the bytes `fa-learn stats` writes).
 *
 * Access (srv_instructor_auth.h): without a live session every page answers 303 to the
 * sign-in page, and every export 401. Sign-in and sign-out are state-changing routes (the
 * dispatcher checks Origin and the form's media type); sign-out also carries the session's
 * CSRF token. Nothing on the learners' pages links here. */
#ifndef FA_SERVER_SRV_INSTRUCTOR_H
#define FA_SERVER_SRV_INSTRUCTOR_H

#include "server/srv_http.h"

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

#endif
