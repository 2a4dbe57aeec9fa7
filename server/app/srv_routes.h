/* srv_routes.h: the route table and its handlers. Read top to bottom, srv_routes.c is the
 * site map. */
#ifndef FA_SERVER_APP_SRV_ROUTES_H
#define FA_SERVER_APP_SRV_ROUTES_H

#include "server/http/srv_http.h"

/* Picks the handler for req->method and req->path, runs it and returns the HTTP status it
 * chose (404 when no route matches the path, 405 with resp->allow when the method is wrong).
 * HEAD is served by the GET handler. Thread-safe. */
int srv_routes_dispatch(struct srv_req *req, struct srv_resp *resp);

/* The site's layout around an error page's part (srv_page_fn, srv_http.h): the page of
 * srv_resp_error. srv_routes_dispatch puts it in a request that has none. */
int srv_routes_page(const struct srv_req *req, const char *title, struct fa_html body_html,
                    struct fa_buf *out);

/* The paths GET answers (a path ending in '/' stands for everything under it), for the link
 * checks of `fa-learn check`. Returns how many; at most max are stored in out. */
size_t srv_routes_get_paths(const char **out, size_t max);
/* Every route's path once ("/wiki/", "/api/run"...), the labels of /metrics; like
 * srv_routes_get_paths, at most max into out. */
size_t srv_routes_get_names(const char **out, size_t max);
/* The route table's row i, in order: its path (a path ending in '/' stands for everything
 * under it) with its method in *method; NULL past the last row. For the test that proves
 * every route has a handler test. */
const char *srv_routes_get_route(size_t i, const char **method);

#endif
