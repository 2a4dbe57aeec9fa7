/* srv_instructor.c: the instructor's pages (see srv_instructor.h). The numbers come from
 * quiz_results (one walk over the store per page) and are drawn by view/srv_dashboard_view.c;
 * this file checks access, reads the filter, and draws what needs the store (the filter's
 * classes, the sandbox's summary). */
#include "server/app/srv_instructor.h"

#include "common/fa_err.h"
#include "common/fa_log.h"
#include "common/fa_mem.h"
#include "quiz/quiz_results.h"
#include "quiz/quiz_runs.h"
#include "quiz/quiz_report.h"
#include "server/app/srv_export.h"
#include "server/http/srv_form.h"
#include "server/app/srv_instructor_auth.h"
#include "server/app/srv_instructor_int.h"
#include "server/http/srv_json.h"
#include "server/view/srv_dashboard_view.h"
#include "server/view/srv_layout.h"
#include "server/http/srv_public.h"
#include "server/model/srv_quiz_model.h"
#include "server/view/srv_sandbox_page.h"
#include "server/site/srv_site.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LOGIN_PATH "/instructor/login"
#define DASHBOARD_PATH "/instructor"
#define ANY "*" /* the filter's value for "every class" or "every quiz" */
#define DAY_MS (24LL * 3600 * 1000)
#define MAX_CLASSES 200 /* class codes listed in the filter; more are typed in the address */

/* ---------- drawing (common/fa_html.h builds, the first error sticks) ---------- */


int srv_instructor_page(struct srv_req *req, struct srv_resp *resp, const char *title,
                        struct fa_html_builder *h, int status)
{
    static const char *const css[] = {"/static/css/instructor.css", NULL};
    struct srv_layout layout = {.title = title,
                                .section = SRV_SECTION_NONE,
                                .article_class = "instructor",
                                .current = -1,
                                .version_tag = srv_site_get_version_tag(req->site),
                                .extra_css = css};

    if (srv_layout_render_built(&layout, h, &resp->body))
        return srv_resp_error(req, resp, 500, "The page could not be built.");
    return status;
}

/* ---------- access ---------- */

int srv_instructor_need_session(struct srv_req *req, struct srv_resp *resp, bool page_route,
                                char csrf[65], int *status)
{
    struct fa_diag diag = {{0}};
    int rc = req->instructor && req->store
                 ? srv_instructor_session(req->instructor, req->cookie, csrf, &diag)
                 : FA_ENOTFOUND;

    if (rc == FA_OK)
        return FA_OK;
    if (rc != FA_ENOTFOUND) {
        fa_log_error("req=%llu event=instructor_session error=\"%s\"", (unsigned long long)req->id,
                     diag.msg);
        *status = srv_resp_error(req, resp, 500, "The session could not be checked.");
    } else if (page_route) {
        *status = srv_resp_redirect(resp, 303, LOGIN_PATH, NULL);
    } else {
        *status = srv_resp_json_error(req, resp, 401, "sign in at /instructor/login first");
    }
    return rc;
}

/* The Set-Cookie value: the session cookie for the instructor's paths only, never sent
 * cross-site, never readable by scripts, Secure when the site is reached over https. */
static void set_cookie(struct srv_req *req, struct srv_resp *resp, const char *value, int max_age)
{
    char base[512];
    srv_public_base(req->pub, req->host ? req->host : "", req->https, base, sizeof base);
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             SRV_INSTRUCTOR_COOKIE "=%s; Path=%s" DASHBOARD_PATH
                                   "; Max-Age=%d; HttpOnly; SameSite=Strict%s",
             value, srv_public_prefix(req->pub), max_age,
             strncmp(base, "https:", 6) == 0 ? "; Secure" : "");
}

/* ---------- sign-in and sign-out ---------- */

static int login_form(struct srv_req *req, struct srv_resp *resp, const char *error, int status)
{
    struct fa_html_builder h;

    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    fa_html_printf(&h,
                   "<h1>Instructor sign-in</h1>\n<form class=\"instructor-login\" "
                   "method=\"post\" action=\"" LOGIN_PATH "\">\n<p><label for=\"token\">"
                   "Instructor token</label> <input type=\"password\" id=\"token\" "
                   "name=\"token\" required autocomplete=\"current-password\" "
                   "maxlength=\"%d\"",
                   SRV_INSTRUCTOR_TOKEN_MAX);
    fa_html_raw(&h, error ? " aria-describedby=\"token-error\" aria-invalid=\"true\"" : "");
    fa_html_raw(&h, "></p>\n");
    if (error) {
        fa_html_raw(&h, "<p class=\"form-error\" id=\"token-error\" role=\"alert\">");
        fa_html_text(&h, error);
        fa_html_raw(&h, "</p>\n");
    }
    fa_html_raw(&h,
                "<p><button type=\"submit\">Sign in</button></p>\n</form>\n"
                "<p class=\"instructor-help\">The token was printed when the server first started; "
                "<code>fa-learn admin-token</code> makes a new one.</p>\n");
    return srv_instructor_page(req, resp, "Instructor sign-in", &h, status);
}

int srv_instructor_handle_login_page(struct srv_req *req, struct srv_resp *resp)
{
    char csrf[65];
    struct fa_diag diag = {{0}};

    if (req->instructor &&
        srv_instructor_session(req->instructor, req->cookie, csrf, &diag) == FA_OK) {
        return srv_resp_redirect(resp, 303, DASHBOARD_PATH, NULL);
    }
    return login_form(req, resp, NULL, 200);
}

int srv_instructor_handle_login(struct srv_req *req, struct srv_resp *resp)
{
    struct srv_form form;
    struct fa_diag diag = {{0}};
    char cookie[65], csrf[65];
    int retry_after = 0, rc;

    if (!req->instructor || !req->store)
        return srv_resp_error(req, resp, 503, "The instructor area is not available.");
    if (!srv_instructor_may_try(req->instructor, req->client, &retry_after)) {
        resp->retry_after = retry_after;
        return login_form(req, resp,
                          "Too many sign-in attempts from this address. Please "
                          "wait a minute.",
                          429);
    }
    if (srv_form_parse(req->body, 8, &form))
        return login_form(req, resp, "The form was garbled; please try again.", 400);
    const char *token = srv_form_get(&form, "token");
    rc = token ? srv_instructor_sign_in(req->instructor, token, strlen(token), cookie, csrf, &diag)
               : FA_EDENIED;
    srv_form_free(&form);
    if (rc == FA_EDENIED) {
        fa_log_warn("req=%llu event=instructor_login ok=0 client=%s", (unsigned long long)req->id,
                    req->client);
        return login_form(req, resp, "That is not the instructor token.", 403);
    }
    if (rc) {
        fa_log_error("req=%llu event=instructor_login error=\"%s\"", (unsigned long long)req->id,
                     diag.msg);
        return srv_resp_error(req, resp, 500, "The session could not be started.");
    }
    fa_log_info("req=%llu event=instructor_login ok=1 client=%s", (unsigned long long)req->id,
                req->client);
    set_cookie(req, resp, cookie, SRV_INSTRUCTOR_SESSION_S);
    return srv_resp_redirect(resp, 303, DASHBOARD_PATH, NULL);
}

int srv_instructor_handle_logout(struct srv_req *req, struct srv_resp *resp)
{
    struct srv_form form;
    struct fa_diag diag = {{0}};
    char csrf[65];
    int status = 0;

    if (srv_instructor_need_session(req, resp, true, csrf, &status))
        return status;
    bool garbled = srv_form_parse(req->body, 8, &form) != FA_OK;
    bool csrf_ok = !garbled && srv_instructor_csrf_ok(csrf, srv_form_get(&form, "csrf"));
    srv_form_free(&form);
    if (!csrf_ok)
        return srv_resp_error(req, resp, 403,
                              "This sign-out did not come from your session's "
                              "own page. Sign out from the dashboard.");
    if (srv_instructor_sign_out(req->instructor, req->cookie, &diag))
        return srv_resp_error(req, resp, 500, "The session could not be ended.");
    set_cookie(req, resp, "", 0);
    return srv_resp_redirect(resp, 303, LOGIN_PATH, NULL);
}

/* ---------- the filter ---------- */

/* class and quiz from the query: absent or "*" is every one; class "" is "no class". */
static struct quiz_store_filter read_filter(const struct srv_req *req)
{
    const char *class_code = srv_req_query(req, "class"), *quiz = srv_req_query(req, "quiz");
    struct quiz_store_filter f = {class_code, quiz};
    if (f.class_code && (strcmp(f.class_code, ANY) == 0 || strlen(f.class_code) > QUIZ_MAX_CLASS))
        f.class_code = NULL;
    if (f.quiz && (strcmp(f.quiz, ANY) == 0 || strlen(f.quiz) > 64 || !f.quiz[0]))
        f.quiz = NULL;
    return f;
}

/* The gathering for the request's filter, or the answer to give. */
static int gather(struct srv_req *req, struct srv_resp *resp, const struct quiz_store_filter *f,
                  struct quiz_results **c, int *status)
{
    struct fa_diag diag = {{0}};
    const struct srv_quiz *quiz = srv_site_get_quiz(req->site);

    if (!quiz) {
        *status = srv_resp_error(req, resp, 503, "This site has no quiz.");
        return FA_ENOTFOUND;
    }
    int rc = quiz_results_gather(req->store, srv_quiz_get_bank(quiz), f, c, &diag);
    if (rc) {
        fa_log_error("req=%llu event=instructor_gather error=\"%s\"", (unsigned long long)req->id,
                     diag.msg);
        *status = srv_resp_error(req, resp, 500, "The attempts could not be read.");
    }
    return rc;
}

/* ---------- the dashboard ---------- */

struct classes {
    struct fa_html_builder *h;
    const char *chosen; /* NULL: every class */
    size_t n;
};

static int class_option(void *ctx, const char *code)
{
    struct classes *cl = ctx;
    if (!code[0] || cl->n++ >= MAX_CLASSES)
        return FA_OK; /* "no class" has its own option */
    fa_html_raw(cl->h, "<option value=\"");
    fa_html_attr(cl->h, code);
    fa_html_raw(cl->h, cl->chosen && strcmp(cl->chosen, code) == 0 ? "\" selected>" : "\">");
    fa_html_text(cl->h, code);
    fa_html_raw(cl->h, "</option>");
    return FA_OK;
}

static void draw_filter(struct srv_req *req, struct fa_html_builder *h,
                        const struct quiz_store_filter *f, const struct quiz_bank *bank)
{
    struct classes cl = {h, f->class_code, 0};
    struct fa_diag diag = {{0}};

    fa_html_raw(h, "<form class=\"instructor-filter\" method=\"get\" action=\"" DASHBOARD_PATH
                   "\">\n<label for=\"f-class\">Class</label> <select id=\"f-class\" "
                   "name=\"class\"><option value=\"" ANY "\"");
    fa_html_raw(h, f->class_code ? ">" : " selected>");
    fa_html_raw(h, "Every class</option><option value=\"\"");
    fa_html_raw(h, f->class_code && !f->class_code[0] ? " selected>" : ">");
    fa_html_raw(h, "No class</option>");
    if (quiz_store_class_codes(req->store, class_option, &cl, &diag))
        fa_log_warn("req=%llu event=instructor_classes error=\"%s\"", (unsigned long long)req->id,
                    diag.msg);
    fa_html_raw(h, "</select>\n<label for=\"f-quiz\">Quiz</label> <select id=\"f-quiz\" "
                   "name=\"quiz\"><option value=\"" ANY "\"");
    fa_html_raw(h, f->quiz ? ">" : " selected>");
    fa_html_raw(h, "Every quiz</option><option value=\"all\"");
    fa_html_raw(h, f->quiz && strcmp(f->quiz, "all") == 0 ? " selected>" : ">");
    fa_html_raw(h, "The full quiz</option>");
    for (size_t t = 0; t < quiz_bank_n_topics(bank); t++) {
        const struct quiz_topic *topic = quiz_bank_get_topic(bank, t);
        fa_html_raw(h, "<option value=\"");
        fa_html_attr(h, topic->slug);
        fa_html_raw(h, f->quiz && strcmp(f->quiz, topic->slug) == 0 ? "\" selected>" : "\">");
        fa_html_text(h, topic->title);
        fa_html_raw(h, "</option>");
    }
    fa_html_raw(h, "</select>\n<button type=\"submit\">Show</button>\n</form>\n");
}

/* The query string of the filter, for the export links ("?class=...&quiz=..."). */
static void filter_query(struct fa_html_builder *h, const struct quiz_store_filter *f)
{
    fa_html_raw(h, "?class=");
    srv_instructor_url_attr(h, f->class_code ? f->class_code : ANY);
    fa_html_raw(h, "&amp;quiz=");
    srv_instructor_url_attr(h, f->quiz ? f->quiz : ANY);
}

/* What the class ran into in the sandbox over the last QUIZ_RUN_DAYS days. */
static void draw_sandbox(struct srv_req *req, struct fa_html_builder *h,
                         const struct quiz_store_filter *f)
{
    struct quiz_run_summary s;
    struct fa_diag diag = {{0}};
    int64_t now = (int64_t)time(NULL) * 1000;

    fa_html_raw(h, "<section aria-labelledby=\"h-sandbox\"><h2 id=\"h-sandbox\">In the "
                   "sandbox</h2>\n");
    if (quiz_store_run_summary(req->store, f->class_code, now - QUIZ_RUN_DAYS * DAY_MS, now, &s,
                               &diag)) {
        fa_log_error("req=%llu event=run_summary error=\"%s\"", (unsigned long long)req->id,
                     diag.msg);
        fa_html_raw(h, "<p>The runs could not be read.</p></section>\n");
        return;
    }
    if (!s.n_runs) {
        fa_html_raw(h, "<p>No sandbox runs in the last two weeks.</p></section>\n");
        return;
    }
    fa_html_printf(h, "<p>Runs in the last %d days: %ld. By outcome: ", QUIZ_RUN_DAYS, s.n_runs);
    for (size_t i = 0; i < s.n_statuses; i++) {
        fa_html_raw(h, i ? ", " : "");
        fa_html_text(h, s.statuses[i].name);
        fa_html_printf(h, " %ld", s.statuses[i].n);
    }
    for (size_t i = 0; i < s.n_limits; i++) {
        fa_html_raw(h, i ? ", " : ". Ended by a limit: ");
        fa_html_text(h, s.limits[i].name);
        fa_html_printf(h, " %ld", s.limits[i].n);
    }
    fa_html_raw(h, ".</p>\n<p>Runs per day, newest first: ");
    for (int d = 0; d < QUIZ_RUN_DAYS; d++)
        fa_html_printf(h, d ? ", %ld" : "%ld", s.per_day[d]);
    fa_html_raw(h, ".</p>\n");
    if (s.n_denied) {
        fa_html_raw(h, "<div class=\"table-scroll\"><table><thead><tr><th scope=\"col\">Event "
                       "denied most</th><th scope=\"col\">Why (the wiki)</th><th scope=\"col\">"
                       "Runs</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < s.n_denied; i++) {
            const char *wiki = srv_sandbox_class_wiki_of(s.denied[i].detail);
            fa_html_raw(h, "<tr><td><code>");
            fa_html_text(h, s.denied[i].name);
            fa_html_raw(h, "</code></td><td>");
            if (wiki) {
                fa_html_raw(h, "<a href=\"");
                fa_html_attr(h, wiki);
                fa_html_raw(h, "\">");
            }
            fa_html_text(h, s.denied[i].detail);
            fa_html_raw(h, wiki ? "</a>" : "");
            fa_html_printf(h, "</td><td>%ld</td></tr>\n", s.denied[i].n);
        }
        fa_html_raw(h, "</tbody></table></div>\n");
    }
    fa_html_raw(h, "</section>\n");
}

/* The dashboard itself, on the background thread (the store's walks take tens of ms). */
static int dashboard(struct srv_req *req, struct srv_resp *resp, void *csrf_arg)
{
    const char *csrf = csrf_arg;
    int status = 0;
    struct quiz_results *c = NULL;
    struct quiz_store_filter f = read_filter(req);

    if (gather(req, resp, &f, &c, &status))
        return status;
    const struct quiz_bank *bank = srv_quiz_get_bank(srv_site_get_quiz(req->site));
    struct fa_html_builder h;
    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    fa_html_raw(&h, "<h1>Instructor</h1>\n<form class=\"instructor-logout\" method=\"post\" "
                    "action=\"/instructor/logout\"><input type=\"hidden\" name=\"csrf\" "
                    "value=\"");
    fa_html_attr(&h, csrf);
    fa_html_raw(&h, "\"><button type=\"submit\">Sign out</button></form>\n");
    srv_instructor_nav(&h);
    draw_filter(req, &h, &f, bank);
    fa_html_raw(&h, "<p class=\"instructor-exports\">Download: <a href=\"/instructor/attempts.csv");
    filter_query(&h, &f);
    fa_html_raw(&h, "\">attempts (CSV)</a> · <a href=\"/instructor/questions.csv");
    filter_query(&h, &f);
    fa_html_raw(&h, "\">questions (CSV)</a> · <a href=\"/instructor/attempts.json");
    filter_query(&h, &f);
    fa_html_raw(&h, "\">everything (JSON)</a></p>\n");
    srv_dashboard_view_summary(&h, c);
    draw_sandbox(req, &h, &f);
    if (c->n_rows) {
        srv_dashboard_view_results(&h, c, bank);
    }
    quiz_results_free(c);
    return srv_instructor_page(req, resp, "Instructor", &h, 200);
}

int srv_instructor_page_in_background(struct srv_req *req, struct srv_resp *resp,
                                      srv_background_fn *build)
{
    char *csrf = fa_xcalloc(1, 65);
    int status = 0;

    if (srv_instructor_need_session(req, resp, true, csrf, &status)) {
        fa_free(csrf);
        return status;
    }
    return srv_background_run(req, resp, build, csrf, fa_free);
}

int srv_instructor_handle_dashboard(struct srv_req *req, struct srv_resp *resp)
{
    return srv_instructor_page_in_background(req, resp, dashboard);
}

/* ---------- exports ---------- */

static const struct {
    const char *path, *content_type;
} export_kinds[] = {{"/instructor/attempts.csv", "text/csv; charset=utf-8; header=present"},
                    {"/instructor/questions.csv", "text/csv; charset=utf-8; header=present"},
                    {"/instructor/attempts.json", "application/json"}};

/* One export, on the background thread: arg is its place in export_kinds. */
static int build_export(struct srv_req *req, struct srv_resp *resp, void *arg)
{
    size_t kind = (size_t)(uintptr_t)arg;
    int status = 0, rc;
    struct quiz_results *c = NULL;
    struct quiz_store_filter f = read_filter(req);

    if (gather(req, resp, &f, &c, &status))
        return status;
    const struct quiz_bank *bank = srv_quiz_get_bank(srv_site_get_quiz(req->site));
    fa_buf_reset(&resp->body);
    rc = kind == 0   ? srv_export_attempts_csv(c, bank, &resp->body)
         : kind == 1 ? srv_export_questions_csv(c, bank, &resp->body)
                     : srv_export_json(c, bank, &f, &resp->body);
    quiz_results_free(c);
    if (rc) {
        fa_buf_reset(&resp->body);
        return srv_resp_error(req, resp, 500, "The export could not be built (too large?).");
    }
    resp->content_type = export_kinds[kind].content_type;
    return 200;
}

int srv_instructor_handle_export(struct srv_req *req, struct srv_resp *resp)
{
    char csrf[65];
    int status = 0;
    size_t kind = 0;

    while (kind < 2 && strcmp(req->path, export_kinds[kind].path) != 0)
        kind++;
    if (srv_instructor_need_session(req, resp, false, csrf, &status))
        return status;
    return srv_background_run(req, resp, build_export, (void *)(uintptr_t)kind, NULL);
}
