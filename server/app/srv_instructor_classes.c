/* srv_instructor_classes.c: the instructor's classes (create, settings, open and close,
 * delete), a learner's attempts (and deleting them), the retention setting, and the public
 * join link. Deletions ask first: the first POST answers a confirmation page, whose form
 * repeats the request with confirm=yes. Every form carries the session's CSRF token. The
 * handlers read the forms and the store; view/srv_classes_view.c draws the pages. */
#define _GNU_SOURCE /* strptime, timegm */
#include "server/app/srv_instructor.h"

#include "common/fa_err.h"
#include "common/fa_log.h"
#include "common/fa_macro.h"
#include "quiz/quiz_classes.h"
#include "quiz/quiz_results.h"
#include "quiz/quiz_runs.h"
#include "server/http/srv_form.h"
#include "server/app/srv_instructor_auth.h"
#include "server/app/srv_instructor_int.h"
#include "server/view/srv_classes_view.h"
#include "server/view/srv_layout.h"
#include "server/site/srv_site.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETENTION_SETTING "retention_days"
#define FORM_FIELDS 32

static int64_t now_ms(void) { return (int64_t)time(NULL) * 1000; }

/* "2026-12-03T09:30" (UTC, as <input type="datetime-local"> sends it) into ms; "" is 0.
 * false when it does not parse. */
static bool parse_utc(const char *text, int64_t *ms)
{
    struct tm tm = {0};
    const char *end;

    if (!text || !*text) {
        *ms = 0;
        return true;
    }
    end = strptime(text, "%Y-%m-%dT%H:%M", &tm);
    if (!end || (*end && strcmp(end, ":00") != 0))
        return false;
    *ms = (int64_t)timegm(&tm) * 1000;
    return *ms > 0;
}

/* A whole number in [min, max] from a form field ("" is 0). */
static bool parse_count(const char *text, long min, long max, int *out)
{
    char *end;
    long v;

    if (!text || !*text) {
        *out = 0;
        return min <= 0;
    }
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

/* The session and the form of a POST, with its CSRF token checked. FA_OK, or the answer
 * (*status) is in resp. */
static int posted_form(struct srv_req *req, struct srv_resp *resp, struct srv_form *form,
                       char csrf[65], int *status)
{
    if (srv_instructor_need_session(req, resp, true, csrf, status))
        return FA_EDENIED;
    if (srv_form_parse(req->body, FORM_FIELDS, form)) {
        *status = srv_resp_error(req, resp, 400, "The form was garbled; please try again.");
        return FA_EINVAL;
    }
    if (!srv_instructor_csrf_ok(csrf, srv_form_get(form, "csrf"))) {
        srv_form_free(form);
        *status = srv_resp_error(req, resp, 403,
                                 "This form did not come from your session's "
                                 "own page. Open the page again and resend.");
        return FA_EDENIED;
    }
    return FA_OK;
}

/* ---------- the list of classes ---------- */

struct listing {
    struct fa_html_builder *h;
    size_t n;
};

static int class_row(void *ctx, const struct quiz_class *c, long n_attempts)
{
    struct listing *l = ctx;
    l->n++;
    srv_classes_view_list_row(l->h, c, n_attempts);
    return FA_OK;
}

static int classes_page(struct srv_req *req, struct srv_resp *resp, const char *csrf,
                        const char *error, int status)
{
    struct fa_html_builder h;
    struct listing l = {&h, 0};
    struct fa_diag diag = {{0}};
    char days[16] = "0";

    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    srv_classes_view_list_begin(&h, error);
    if (quiz_store_class_list(req->store, class_row, &l, &diag)) {
        fa_html_cleanup(&h);
        return srv_resp_error(req, resp, 500, "The classes could not be read.");
    }
    /* Without a retention set, the form shows 0: keep everything, which is what none means. */
    (void)quiz_store_setting_get(req->store, RETENTION_SETTING, days, sizeof days, &diag);
    srv_classes_view_list_end(&h, l.n, days, csrf);
    return srv_instructor_page(req, resp, "Classes", &h, status);
}

int srv_instructor_handle_classes(struct srv_req *req, struct srv_resp *resp)
{
    char csrf[65];
    int status = 0;

    if (srv_instructor_need_session(req, resp, true, csrf, &status))
        return status;
    return classes_page(req, resp, csrf, NULL, 200);
}

int srv_instructor_handle_classes_post(struct srv_req *req, struct srv_resp *resp)
{
    struct srv_form form;
    struct fa_diag diag = {{0}};
    char csrf[65];
    int status = 0, rc;

    if (posted_form(req, resp, &form, csrf, &status))
        return status;
    const char *action = srv_form_get(&form, "action");
    if (action && strcmp(action, "retention") == 0) {
        int days = 0;
        char text[16];
        if (!parse_count(srv_form_get(&form, "days"), 0, SRV_MAX_RETENTION_DAYS, &days)) {
            srv_form_free(&form);
            return classes_page(req, resp, csrf, "Retention: a number of days from 0 to 3650.", 422);
        }
        srv_form_free(&form);
        snprintf(text, sizeof text, "%d", days);
        if (quiz_store_setting_set(req->store, RETENTION_SETTING, text, &diag))
            return srv_resp_error(req, resp, 500, "The setting could not be saved.");
        long n = 0;
        (void)srv_instructor_apply_retention(req->store, &n, &diag);
        return srv_resp_redirect(resp, 303, SRV_CLASSES_PATH, NULL);
    }
    if (!action || strcmp(action, "create") != 0) {
        srv_form_free(&form);
        return srv_resp_error(req, resp, 400, "Unknown action.");
    }
    struct quiz_class c;
    quiz_class_defaults(&c);
    const char *name = srv_form_get(&form, "name"), *code = srv_form_get(&form, "code");
    c.created_ms = now_ms();
    bool fits =
        name && strlen(name) <= QUIZ_MAX_CLASS_NAME && (!code || strlen(code) <= QUIZ_MAX_CLASS);
    if (fits) {
        snprintf(c.name, sizeof c.name, "%s", name);
        if (code && *code)
            snprintf(c.code, sizeof c.code, "%s", code);
        else if (quiz_class_new_code(c.code))
            fits = false;
    }
    srv_form_free(&form);
    rc = fits ? quiz_store_class_create(req->store, &c, &diag)
              : fa_diag_set(&diag, FA_EINVAL,
                            "A name of 1 to " FA_STRINGIFY(QUIZ_MAX_CLASS_NAME) " bytes and a code "
                            "of at most " FA_STRINGIFY(QUIZ_MAX_CLASS) " characters, please.");
    if (rc == FA_EINVAL || rc == FA_EBUSY)
        return classes_page(req, resp, csrf, diag.msg, 422);
    if (rc)
        return srv_resp_error(req, resp, 500, "The class could not be created.");
    fa_log_info("req=%llu event=class_created code=%s", (unsigned long long)req->id, c.code);
    return srv_resp_redirect(resp, 303, SRV_CLASSES_PATH, c.code);
}

/* ---------- one class ---------- */

/* The code in /instructor/classes/<code>, checked; NULL when the path names none. */
static const char *class_code_of(const struct srv_req *req)
{
    const char *code = req->path + strlen(SRV_CLASSES_PATH "/");
    struct quiz_class probe;
    quiz_class_defaults(&probe);
    snprintf(probe.name, sizeof probe.name, "x");
    if (strlen(code) > QUIZ_MAX_CLASS)
        return NULL;
    snprintf(probe.code, sizeof probe.code, "%s", code);
    return quiz_class_problem(&probe) ? NULL : code;
}

static int class_page(struct srv_req *req, struct srv_resp *resp, const char *csrf,
                      const struct quiz_class *c, const char *error, int status)
{
    struct fa_html_builder h;

    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    srv_classes_view_class(&h, c, csrf, error);
    return srv_instructor_page(req, resp, "Class", &h, status);
}

int srv_instructor_handle_class(struct srv_req *req, struct srv_resp *resp)
{
    char csrf[65];
    int status = 0, rc;
    struct quiz_class c;
    struct fa_diag diag = {{0}};
    const char *code = class_code_of(req);

    if (srv_instructor_need_session(req, resp, true, csrf, &status))
        return status;
    rc = code ? quiz_store_class_get(req->store, code, &c, &diag) : FA_ENOTFOUND;
    if (rc == FA_ENOTFOUND)
        return srv_resp_error(req, resp, 404, "There is no such class.");
    if (rc)
        return srv_resp_error(req, resp, 500, "The class could not be read.");
    return class_page(req, resp, csrf, &c, NULL, 200);
}

/* The settings form into c (which holds the stored class); the problem, or NULL. */
static const char *read_settings(const struct srv_form *form, struct quiz_class *c)
{
    const char *name = srv_form_get(form, "name");
    int reveal = 0, limit_min = 0;

    if (!name || strlen(name) > QUIZ_MAX_CLASS_NAME)
        return "A class name has 1 to " FA_STRINGIFY(QUIZ_MAX_CLASS_NAME) " bytes.";
    snprintf(c->name, sizeof c->name, "%s", name);
    c->open = srv_form_get(form, "open") != NULL;
    if (!parse_utc(srv_form_get(form, "opens"), &c->opens_ms) ||
        !parse_utc(srv_form_get(form, "closes"), &c->closes_ms))
        return "Times are written 2026-12-03T09:30 (UTC).";
    if (!parse_count(srv_form_get(form, "max_attempts"), 0, QUIZ_MAX_ATTEMPTS, &c->max_attempts))
        return "Attempts allowed: 0 (unlimited) to 100.";
    if (!parse_count(srv_form_get(form, "reveal"), QUIZ_REVEAL_ALL, QUIZ_REVEAL_SCORE_ONLY,
                     &reveal))
        return "Unknown choice of what the result page shows.";
    c->reveal = (enum quiz_reveal)reveal;
    if (!parse_count(srv_form_get(form, "time_limit_min"), 0, QUIZ_MAX_TIME_LIMIT_S / 60,
                     &limit_min))
        return "The time limit is 0 (none) to 1440 minutes.";
    c->time_limit_s = limit_min * 60;
    if (!parse_count(srv_form_get(form, "pool_size"), 0, QUIZ_MAX_QUESTIONS, &c->pool_size))
        return "Questions per topic: 0 (all) or a number of questions.";
    if (!parse_count(srv_form_get(form, "keep_snippets_days"), 0, QUIZ_MAX_KEEP_DAYS,
                     &c->keep_snippets_days))
        return "Snippets are kept 0 (not at all) to 365 days.";
    return quiz_class_problem(c);
}

/* A page asking to confirm a deletion: the same form again, with confirm=yes. */
static int confirm_page(struct srv_req *req, struct srv_resp *resp, const char *action_path,
                        const char *question, const struct srv_form *form)
{
    struct fa_html_builder h;

    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    srv_classes_view_confirm(&h, question, action_path, form->fields, form->n);
    return srv_instructor_page(req, resp, "Confirm", &h, 200);
}

int srv_instructor_handle_class_post(struct srv_req *req, struct srv_resp *resp)
{
    struct srv_form form;
    struct fa_diag diag = {{0}};
    char csrf[65];
    struct quiz_class c;
    int status = 0, rc;
    const char *code = class_code_of(req);

    if (posted_form(req, resp, &form, csrf, &status))
        return status;
    rc = code ? quiz_store_class_get(req->store, code, &c, &diag) : FA_ENOTFOUND;
    const char *action = srv_form_get(&form, "action");
    if (rc || !action) {
        srv_form_free(&form);
        return rc == FA_ENOTFOUND ? srv_resp_error(req, resp, 404, "There is no such class.")
               : rc               ? srv_resp_error(req, resp, 500, "The class could not be read.")
                                  : srv_resp_error(req, resp, 400, "Unknown action.");
    }
    if (strcmp(action, "delete") == 0) {
        bool confirmed =
            srv_form_get(&form, "confirm") && strcmp(srv_form_get(&form, "confirm"), "yes") == 0;
        if (!confirmed) {
            char question[160];
            snprintf(question, sizeof question,
                     "Delete the class %s and every attempt made "
                     "with its code?",
                     c.code);
            status = confirm_page(req, resp, req->path, question, &form);
            srv_form_free(&form);
            return status;
        }
        srv_form_free(&form);
        long n = 0;
        if (quiz_store_class_delete(req->store, c.code, &n, &diag))
            return srv_resp_error(req, resp, 500, "The class could not be deleted.");
        fa_log_info("req=%llu event=class_deleted code=%s attempts=%ld",
                    (unsigned long long)req->id, c.code, n);
        return srv_resp_redirect(resp, 303, SRV_CLASSES_PATH, NULL);
    }
    if (strcmp(action, "save") != 0) {
        srv_form_free(&form);
        return srv_resp_error(req, resp, 400, "Unknown action.");
    }
    const char *problem = read_settings(&form, &c);
    srv_form_free(&form);
    if (problem) /* the page again with what was typed, and why it was not saved */
        return class_page(req, resp, csrf, &c, problem, 422);
    if (quiz_store_class_update(req->store, &c, &diag))
        return srv_resp_error(req, resp, 500, "The settings could not be saved.");
    return srv_resp_redirect(resp, 303, SRV_CLASSES_PATH, c.code);
}

/* ---------- a learner ---------- */

/* The learner's attempts, filtered from the walk (a store function per learner would be
 * the same walk with one more condition). */
struct learner_walk {
    struct fa_html_builder *h;
    const char *name;
    size_t n;
};

static int learner_attempt(void *ctx, const struct quiz_attempt *a)
{
    struct learner_walk *w = ctx;
    if (strcmp(a->learner, w->name) != 0)
        return FA_OK;
    w->n++;
    srv_classes_view_learner_row(w->h, a);
    return FA_OK;
}

/* A learner's page, on the background thread (it walks the class's attempts). */
static int learner_page(struct srv_req *req, struct srv_resp *resp, void *csrf_arg)
{
    const char *csrf = csrf_arg;
    const char *code = srv_req_query(req, "class"), *name = srv_req_query(req, "name");
    struct fa_diag diag = {{0}};
    size_t n_damaged = 0;

    if (!code || !name || !*name)
        return srv_resp_error(req, resp, 400, "Name a class and a learner.");
    struct fa_html_builder h;
    struct learner_walk w = {&h, name, 0};
    struct quiz_store_filter f = {code, NULL};
    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    srv_classes_view_learner_begin(&h, code, name);
    if (quiz_store_each(req->store, &f, learner_attempt, &w, &n_damaged, &diag)) {
        fa_html_cleanup(&h);
        return srv_resp_error(req, resp, 500, "The attempts could not be read.");
    }
    srv_classes_view_learner_end(&h, w.n, code, name, csrf);
    return srv_instructor_page(req, resp, "Learner", &h, 200);
}

int srv_instructor_handle_learner(struct srv_req *req, struct srv_resp *resp)
{
    return srv_instructor_page_in_background(req, resp, learner_page);
}

int srv_instructor_handle_learner_post(struct srv_req *req, struct srv_resp *resp)
{
    struct srv_form form;
    struct fa_diag diag = {{0}};
    char csrf[65];
    int status = 0;
    long n = 0;

    if (posted_form(req, resp, &form, csrf, &status))
        return status;
    const char *code = srv_form_get(&form, "class"), *name = srv_form_get(&form, "name"),
               *confirm = srv_form_get(&form, "confirm");
    if (!code || !name || !*name) {
        srv_form_free(&form);
        return srv_resp_error(req, resp, 400, "Name a class and a learner.");
    }
    if (!confirm || strcmp(confirm, "yes") != 0) {
        char question[200];
        snprintf(question, sizeof question, "Delete every attempt of %.80s in %.32s?", name,
                 code[0] ? code : "no class");
        status = confirm_page(req, resp, "/instructor/learner", question, &form);
        srv_form_free(&form);
        return status;
    }
    int rc = quiz_store_learner_delete(req->store, code, name, &n, &diag);
    srv_form_free(&form);
    if (rc)
        return srv_resp_error(req, resp, 500, "The attempts could not be deleted.");
    fa_log_info("req=%llu event=learner_deleted attempts=%ld", (unsigned long long)req->id, n);
    return srv_resp_redirect(resp, 303, "/instructor", NULL);
}

/* ---------- retention ---------- */

int srv_instructor_apply_retention(struct quiz_store *store, long *n_attempts, struct fa_diag *diag)
{
    char text[16];
    int days = 0;

    long n_runs = 0;

    *n_attempts = 0;
    int rc = quiz_store_setting_get(store, RETENTION_SETTING, text, sizeof text, diag);
    if (rc && rc != FA_ENOTFOUND)
        return rc;
    if (rc == FA_ENOTFOUND || !parse_count(text, 0, SRV_MAX_RETENTION_DAYS, &days))
        days = 0;
    int64_t cutoff = days ? now_ms() - (int64_t)days * 24 * 3600 * 1000 : 0;
    /* Kept snippets go when their time comes, whatever the retention. */
    rc = quiz_store_run_purge(store, cutoff, now_ms(), &n_runs, diag);
    if (!rc && days)
        rc = quiz_store_purge(store, cutoff, n_attempts, diag);
    return rc;
}

/* ---------- the join link (a learners' page) ---------- */

int srv_join_handle(struct srv_req *req, struct srv_resp *resp)
{
    static const char *const js[] = {"/static/js/join.js", NULL};
    const char *code = req->path + strlen("/join/");
    struct quiz_class c;
    struct fa_diag diag = {{0}};
    struct quiz_class probe;

    quiz_class_defaults(&probe);
    snprintf(probe.name, sizeof probe.name, "x");
    snprintf(probe.code, sizeof probe.code, "%.*s", QUIZ_MAX_CLASS, code);
    int rc = strlen(code) > QUIZ_MAX_CLASS || quiz_class_problem(&probe) || !req->store
                 ? FA_ENOTFOUND
                 : quiz_store_class_get(req->store, code, &c, &diag);
    if (rc == FA_ENOTFOUND)
        return srv_resp_error(req, resp, 404,
                              "There is no class with this code. Check the "
                              "link with your instructor.");
    if (rc)
        return srv_resp_error(req, resp, 500, "The class could not be read.");
    struct fa_html_builder h;
    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    srv_classes_view_join(&h, &c);
    struct fa_html body = fa_html_get(&h);
    struct srv_layout layout = {.title = c.name,
                                .section = SRV_SECTION_QUIZ,
                                .body_html = body.ptr,
                                .body_len = body.len,
                                .article_class = "join",
                                .current = -1,
                                .version_tag = srv_site_get_version_tag(req->site),
                                .extra_js = js};
    rc = fa_html_errcode(&h) ? fa_html_errcode(&h) : srv_layout_render(&layout, &resp->body);
    fa_html_cleanup(&h);
    return rc ? srv_resp_error(req, resp, 500, "The page could not be built.") : 200;
}
