/* srv_instructor_int.h: what the instructor's page files share (srv_instructor.c: access,
 * dashboard, exports; srv_instructor_classes.c: classes, learners, retention). */
#ifndef FA_SERVER_SRV_INSTRUCTOR_INT_H
#define FA_SERVER_SRV_INSTRUCTOR_INT_H

#include "common/fa_buf.h"
#include "server/srv_http.h"

#include <stdbool.h>

/* A page being drawn: the first failed append sticks in rc, so drawing code appends without
 * checking and the page checks once (srv_instructor_page). */
struct srv_html {
    struct fa_buf *buf;
    int rc;
};
/* Trusted markup, formatted (the arguments are numbers or other trusted markup). */
void srv_html_raw(struct srv_html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text, escaped for element content and quoted attribute values alike. */
void srv_html_text(struct srv_html *h, const char *s);
/* Text percent-encoded for a URL query value or path segment. */
void srv_html_url(struct srv_html *h, const char *s);

/* Puts the page drawn in h (its buffer is freed) in the site's layout; 500 when drawing
 * failed. Returns status. */
int srv_instructor_page(struct srv_req *req, struct srv_resp *resp, const char *title,
                        struct srv_html *h, int status);

/* The links between the instructor's pages. */
void srv_instructor_nav(struct srv_html *h);

/* The request's live session: FA_OK with its CSRF token in csrf; otherwise *status is the
 * answer already put in resp (303 to the sign-in page for pages, 401 for data, 500). */
int srv_instructor_need_session(struct srv_req *req, struct srv_resp *resp, bool page_route,
                                char csrf[65], int *status);

#endif
