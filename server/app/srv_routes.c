/* srv_routes.c: the site map (one table, read top to bottom), the checks every
 * state-changing route shares, and the dispatcher. The handlers live one file per route
 * group (STYLE.md section 7): srv_pages, srv_search, srv_quiz, srv_run_api, srv_instructor. */
#include "server/app/srv_routes.h"

#include "quiz/quiz_bank.h"
#include "server/app/srv_instructor.h"
#include "server/http/srv_json.h"
#include "server/view/srv_layout.h"
#include "server/app/srv_pages.h"
#include "server/http/srv_public.h"
#include "server/app/srv_quiz.h"
#include "server/model/srv_quiz_model.h"
#include "server/http/srv_ratelimit.h"
#include "server/app/srv_run_api.h"
#include "server/app/srv_search.h"
#include "server/site/srv_site.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef int srv_handler_fn(struct srv_req *req, struct srv_resp *resp);

/* Whether a Content-Type value is exactly media_type (case-insensitive), alone or followed by
 * parameters: "application/json; charset=utf-8" is JSON, "application/jsonfoo" is not. */
static bool is_media_type(const char *content_type, const char *media_type)
{
    size_t len = strlen(media_type);

    if (!content_type || strncasecmp(content_type, media_type, len) != 0)
        return false;
    content_type += len;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    return *content_type == '\0' || *content_type == ';';
}



#define FORM "application/x-www-form-urlencoded"
#define JSON "application/json"

static const struct route {
    const char *method;
    const char *path;
    bool prefix; /* path is a prefix ("/static/") rather than the whole path */
    srv_handler_fn *handler;
    /* State-changing routes: the body's media type. The dispatcher checks it, and that the
     * request comes from the site's own pages (Origin, else Referer), before the handler. */
    const char *body_type;
    bool quiz_rate; /* counts against the client's quiz submissions per minute */
} routes[] = {
    {"GET", "/", false, srv_pages_handle_asset, NULL, false},
    {"GET", "/wiki", false, srv_pages_handle_asset, NULL, false},
    {"GET", "/wiki/", true, srv_pages_handle_asset, NULL, false},
    {"GET", "/search", false, srv_search_handle_page, NULL, false},
    {"GET", "/api/search", false, srv_search_handle_api, NULL, false},
    {"GET", "/quiz", false, srv_pages_handle_asset, NULL, false},
    {"GET", "/quiz/", true, srv_quiz_handle_page, NULL, false},
    {"POST", "/quiz/submit", false, srv_quiz_handle_submit, FORM, true},
    {"GET", "/report/", true, srv_quiz_handle_report, NULL, false},
    {"GET", "/api/quiz", false, srv_quiz_handle_api_quiz, NULL, false},
    {"POST", "/api/quiz/submit", false, srv_quiz_handle_api_submit, JSON, true},
    {"GET", "/api/report/", true, srv_quiz_handle_api_report, NULL, false},
    {"GET", "/sandbox", false, srv_pages_handle_asset, NULL, false},
    {"GET", "/static/", true, srv_pages_handle_asset, NULL, false},
    {"GET", "/vendor/", true, srv_pages_handle_asset, NULL, false},
    {"GET", "/healthz", false, srv_pages_handle_healthz, NULL, false},
    {"GET", "/metrics", false, srv_pages_handle_metrics, NULL, false},
    {"POST", "/api/run", false, srv_run_api_handle, JSON, false},
    /* The instructor's side: no learner page links here (srv_instructor.h). */
    {"GET", "/instructor", false, srv_instructor_handle_dashboard, NULL, false},
    {"GET", "/instructor/login", false, srv_instructor_handle_login_page, NULL, false},
    {"POST", "/instructor/login", false, srv_instructor_handle_login, FORM, false},
    {"POST", "/instructor/logout", false, srv_instructor_handle_logout, FORM, false},
    {"GET", "/instructor/attempts.csv", false, srv_instructor_handle_export, NULL, false},
    {"GET", "/instructor/questions.csv", false, srv_instructor_handle_export, NULL, false},
    {"GET", "/instructor/attempts.json", false, srv_instructor_handle_export, NULL, false},
    {"GET", "/instructor/classes", false, srv_instructor_handle_classes, NULL, false},
    {"POST", "/instructor/classes", false, srv_instructor_handle_classes_post, FORM, false},
    {"GET", "/instructor/classes/", true, srv_instructor_handle_class, NULL, false},
    {"POST", "/instructor/classes/", true, srv_instructor_handle_class_post, FORM, false},
    {"GET", "/instructor/learner", false, srv_instructor_handle_learner, NULL, false},
    {"POST", "/instructor/learner", false, srv_instructor_handle_learner_post, FORM, false},
    {"GET", "/join/", true, srv_join_handle, NULL, false},
    {NULL, NULL, false, NULL, NULL, false},
};

size_t srv_routes_get_names(const char **out, size_t max)
{
    size_t n = 0;

    for (const struct route *r = routes; r->method; r++) {
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen = seen || strcmp(out[i], r->path) == 0;
        if (!seen && n < max)
            out[n++] = r->path;
    }
    return n;
}

const char *srv_routes_get_route(size_t i, const char **method)
{
    static const size_t n_routes = sizeof routes / sizeof routes[0] - 1; /* the sentinel */

    if (i >= n_routes)
        return NULL;
    *method = routes[i].method;
    return routes[i].path;
}

size_t srv_routes_get_paths(const char **out, size_t max)
{
    size_t n = 0;

    for (const struct route *r = routes; r->method; r++)
        if (strcmp(r->method, "GET") == 0 && n < max)
            out[n++] = r->path;
    return n;
}

static bool path_matches(const struct route *r, const char *path)
{
    return r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0 : strcmp(path, r->path) == 0;
}

/* A GET of a page's address with a trailing slash ("/wiki/", "/quiz/all/"): the same
 * address without it, when that is a page, as 308 (issue 14); else false. Only plain paths
 * ([A-Za-z0-9/_.-]) are redirected, so the Location header needs no encoding. */
static bool redirect_trailing_slash(struct srv_req *req, struct srv_resp *resp)
{
    size_t len = strlen(req->path);
    const struct srv_quiz *quiz = srv_site_get_quiz(req->site);
    char path[256];

    if (len < 2 || len >= sizeof path || req->path[len - 1] != '/')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)req->path[i]) && !strchr("/_.-", req->path[i]))
            return false;
    while (len > 1 && req->path[len - 1] == '/')
        len--;
    memcpy(path, req->path, len);
    path[len] = '\0';
    if (!srv_site_find(req->site, path, len) &&
        !(quiz && strncmp(path, "/quiz/", 6) == 0 &&
          (strcmp(path + 6, "all") == 0 ||
           quiz_bank_find_topic(srv_quiz_get_bank(quiz), path + 6, len - 6) >= 0)))
        return false;
    srv_resp_redirect(resp, 308, path, NULL);
    return true;
}

/* A refusal in the route's own kind of answer: JSON for the API, a page for a form. */
static int refuse(struct srv_req *req, struct srv_resp *resp, bool json, int status,
                  const char *api_message, const char *page_message)
{
    return json ? srv_resp_json_error(req, resp, status, api_message)
                : srv_resp_error(req, resp, status, page_message);
}

/* One check for every state-changing route: the request comes from the site's own pages,
 * and its body is of the route's media type. Returns 0 to go on, or the error's status. */
static int check_state_change(struct srv_req *req, struct srv_resp *resp, const char *body_type,
                              bool rate_limited)
{
    bool json = strcmp(body_type, JSON) == 0;
    int retry_after = 0;

    if (!srv_public_origin_ok(req->pub, req->host, req->origin, req->referer))
        return refuse(req, resp, json, 403, "cross-origin requests are not accepted",
                      "This form can only be sent from this site's own pages.");
    if (!is_media_type(req->content_type, body_type))
        return refuse(req, resp, json, 415,
                      "the body must be JSON (Content-Type: application/json)",
                      "Send the quiz as a form (application/x-www-form-urlencoded).");
    if (rate_limited && !srv_ratelimit_take(req->quiz_rate, req->client, &retry_after)) {
        resp->retry_after = retry_after;
        return refuse(req, resp, json, 429,
                      "too many quiz submissions from this address; try again in a minute",
                      "Too many quiz submissions from this address. Please try again in a "
                      "minute.");
    }
    return 0;
}

int srv_routes_page(const struct srv_req *req, const char *title, struct fa_html body_html,
                    struct fa_buf *out)
{
    struct srv_layout layout = {.title = title, .current = -1, .body_html = body_html.ptr,
                                .body_len = body_html.len};

    if (req && req->site)
        layout.version_tag = srv_site_get_version_tag(req->site);
    return srv_layout_render(&layout, out);
}

int srv_routes_dispatch(struct srv_req *req, struct srv_resp *resp)
{
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    bool get_known = false, post_known = false;

    if (!req->page)
        req->page = srv_routes_page;

    /* Before anything else: a malformed request, then a Host the site does not answer to (a
     * DNS-rebinding page or a misdirected request), whatever the route. */
    if (!req->host)
        return srv_resp_error(req, resp, 400, "A Host header is required.");
    if (req->path[strcspn(req->path, " \t\r\n")] != '\0')
        return srv_resp_error(req, resp, 400, "The request line is malformed (a space in the "
                                              "address?).");
    if (!srv_public_host_ok(req->pub, req->host))
        return srv_resp_error(req, resp, 421, "This server does not answer to that host name.");

    if (strcmp(method, "GET") == 0 && redirect_trailing_slash(req, resp))
        return 308;
    for (const struct route *r = routes; r->method; r++) {
        if (!path_matches(r, req->path))
            continue;
        if (strcmp(r->method, method) == 0) {
            int status =
                r->body_type ? check_state_change(req, resp, r->body_type, r->quiz_rate) : 0;
            req->route = r->path;
            return status ? status : r->handler(req, resp);
        }
        get_known = get_known || strcmp(r->method, "GET") == 0;
        post_known = post_known || strcmp(r->method, "POST") == 0;
    }
    if (post_known && !get_known) {
        resp->allow = "POST";
        return srv_resp_error(req, resp, 405, "This address only answers POST.");
    }
    if (get_known) {
        resp->allow = post_known ? "GET, HEAD, POST" : "GET, HEAD";
        return srv_resp_error(req, resp, 405, post_known
                                                  ? "This address only answers GET, HEAD and "
                                                    "POST."
                                                  : "This address only answers GET and HEAD.");
    }
    resp->asset = srv_site_get_not_found(req->site);
    return 404;
}
