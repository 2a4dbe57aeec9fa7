/* srv_instructor_int.h: what the instructor's page files share (srv_instructor.c: access,
 * dashboard, exports; srv_instructor_classes.c: classes, learners, retention). */
#ifndef FA_SERVER_APP_SRV_INSTRUCTOR_INT_H
#define FA_SERVER_APP_SRV_INSTRUCTOR_INT_H

#include "common/fa_html.h"
#include "server/view/srv_dashboard_view.h"
#include "server/http/srv_background.h"
#include "server/http/srv_http.h"

#include <stdbool.h>

/* srv_instructor_url_attr and srv_instructor_nav: view/srv_dashboard_view.h. */

/* Puts the page built in h in the site's layout and cleans h up; 500 when building
 * failed. Returns status. */
int srv_instructor_page(struct srv_req *req, struct srv_resp *resp, const char *title,
                        struct fa_html_builder *h, int status);

/* The request's live session: FA_OK with its CSRF token in csrf; otherwise *status is the
 * answer already put in resp (303 to the sign-in page for pages, 401 for data, 500). */
int srv_instructor_need_session(struct srv_req *req, struct srv_resp *resp, bool page_route,
                                char csrf[65], int *status);

/* A page that walks the store: checks the session (srv_instructor_need_session), then builds
 * it with build on the background thread (srv_background.h), whose arg is the session's CSRF
 * token as a string. Returns what a handler returns. */
int srv_instructor_page_in_background(struct srv_req *req, struct srv_resp *resp,
                                      srv_background_fn *build);

#endif
