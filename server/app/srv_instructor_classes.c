/* srv_instructor_classes.c: the instructor's classes (create, settings, open and close,
 * delete), a learner's attempts (and deleting them), the retention setting, and the public
 * join link. Deletions ask first: the first POST answers a confirmation page, whose form
 * repeats the request with confirm=yes. Every form carries the session's CSRF token. */
#define _GNU_SOURCE /* strptime, timegm */
#include "server/app/srv_instructor.h"

#include "common/fa_err.h"
#include "common/fa_log.h"
#include "common/fa_macro.h"
#include "common/fa_time.h"
#include "quiz/quiz_classes.h"
#include "quiz/quiz_results.h"
#include "quiz/quiz_runs.h"
#include "server/http/srv_form.h"
#include "server/app/srv_instructor_auth.h"
#include "server/app/srv_instructor_int.h"
#include "server/view/srv_layout.h"
#include "server/site/srv_site.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLASSES_PATH "/instructor/classes"
#define RETENTION_SETTING "retention_days"
#define MAX_RETENTION_DAYS 3650
#define FORM_FIELDS 32

static const char *const reveal_words[] = {
    [QUIZ_REVEAL_ALL] = "everything at once: score, answers, right answers, explanations",
    [QUIZ_REVEAL_SCORE_UNTIL_CLOSE] = "the score only until the quiz closes, then everything",
    [QUIZ_REVEAL_SCORE_ONLY] = "the score only",
};

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

static void utc_value(struct fa_html_builder *h, int64_t ms)
{
    char buf[32] = "";
    if (ms > 0) {
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
    }
    fa_html_text(h, buf);
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

static void hidden(struct fa_html_builder *h, const char *name, const char *value)
{
    fa_html_raw(h, "<input type=\"hidden\" name=\"");
    fa_html_attr(h, name);
    fa_html_raw(h, "\" value=\"");
    fa_html_attr(h, value);
    fa_html_raw(h, "\">");
}

/* The session's CSRF token, which every form of the instructor's sends back. */
static void csrf_field(struct fa_html_builder *h, const char *csrf)
{
    hidden(h, "csrf", csrf);
}

static void error_note(struct fa_html_builder *h, const char *error)
{
    if (!error)
        return;
    fa_html_raw(h, "<p class=\"form-error\" role=\"alert\">");
    fa_html_text(h, error);
    fa_html_raw(h, "</p>\n");
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
    fa_html_raw(l->h, "<tr><td><a href=\"" CLASSES_PATH "/");
    srv_instructor_url_attr(l->h, c->code);
    fa_html_raw(l->h, "\">");
    fa_html_text(l->h, c->code);
    fa_html_raw(l->h, "</a></td><td>");
    fa_html_text(l->h, c->name);
    fa_html_raw(l->h, c->open ? "</td><td>open" : "</td><td>closed");
    fa_html_printf(l->h, "</td><td>%ld</td><td><code>/join/", n_attempts);
    fa_html_text(l->h, c->code);
    fa_html_raw(l->h, "</code></td></tr>\n");
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
    fa_html_raw(&h, "<h1>Classes</h1>\n");
    srv_instructor_nav(&h);
    error_note(&h, error);
    fa_html_raw(&h, "<div class=\"table-scroll\"><table><thead><tr><th scope=\"col\">Code</th>"
                    "<th scope=\"col\">Name</th><th scope=\"col\">Status</th><th scope=\"col\">"
                    "Attempts</th><th scope=\"col\">Join link</th></tr></thead><tbody>\n");
    if (quiz_store_class_list(req->store, class_row, &l, &diag))
        return srv_resp_error(req, resp, 500, "The classes could not be read.");
    if (!l.n)
        fa_html_raw(&h, "<tr><td colspan=\"5\">No class yet: create one below.</td></tr>\n");
    fa_html_raw(&h, "</tbody></table></div>\n<h2>New class</h2>\n<form method=\"post\" "
                    "action=\"" CLASSES_PATH "\" class=\"instructor-form\">");
    csrf_field(&h, csrf);
    fa_html_printf(&h,
                   "<input type=\"hidden\" name=\"action\" value=\"create\">"
                   "<p><label for=\"c-name\">Name</label> <input id=\"c-name\" name=\"name\" "
                   "required maxlength=\"%d\"></p><p><label for=\"c-code\">Join code "
                   "(letters, digits, - _ .; empty: one is made)</label> <input id=\"c-code\" "
                   "name=\"code\" maxlength=\"%d\" pattern=\"[A-Za-z0-9._\\-]*\"></p>"
                   "<p><button type=\"submit\">Create</button></p></form>\n",
                   QUIZ_MAX_CLASS_NAME, QUIZ_MAX_CLASS);
    (void)quiz_store_setting_get(req->store, RETENTION_SETTING, days, sizeof days, &diag);
    fa_html_raw(&h, "<h2>Retention</h2>\n<form method=\"post\" action=\"" CLASSES_PATH
                    "\" class=\"instructor-form\">");
    csrf_field(&h, csrf);
    fa_html_printf(&h,
                   "<input type=\"hidden\" name=\"action\" value=\"retention\"><p><label "
                   "for=\"c-days\">Delete attempts older than this many days (0: keep "
                   "them)</label> <input id=\"c-days\" name=\"days\" type=\"number\" min=\"0\" "
                   "max=\"%d\" value=\"",
                   MAX_RETENTION_DAYS);
    fa_html_text(&h, days);
    fa_html_raw(&h, "\"></p><p><button type=\"submit\">Save</button></p></form>\n"
                    "<p class=\"instructor-help\">The server applies it at start and every "
                    "hour.</p>\n");
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
        if (!parse_count(srv_form_get(&form, "days"), 0, MAX_RETENTION_DAYS, &days)) {
            srv_form_free(&form);
            return classes_page(req, resp, csrf, "Retention: a number of days from 0 to 3650.", 422);
        }
        srv_form_free(&form);
        snprintf(text, sizeof text, "%d", days);
        if (quiz_store_setting_set(req->store, RETENTION_SETTING, text, &diag))
            return srv_resp_error(req, resp, 500, "The setting could not be saved.");
        long n = 0;
        (void)srv_instructor_apply_retention(req->store, &n, &diag);
        return srv_resp_redirect(resp, 303, CLASSES_PATH, NULL);
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
    return srv_resp_redirect(resp, 303, CLASSES_PATH, c.code);
}

/* ---------- one class ---------- */

/* The code in /instructor/classes/<code>, checked; NULL when the path names none. */
static const char *class_code_of(const struct srv_req *req)
{
    const char *code = req->path + strlen(CLASSES_PATH "/");
    struct quiz_class probe;
    quiz_class_defaults(&probe);
    snprintf(probe.name, sizeof probe.name, "x");
    if (strlen(code) > QUIZ_MAX_CLASS)
        return NULL;
    snprintf(probe.code, sizeof probe.code, "%s", code);
    return quiz_class_problem(&probe) ? NULL : code;
}

static int class_page(struct srv_req *req, struct srv_resp *resp, const char *csrf,
                      const struct quiz_class *c,
                      const char *error, int status)
{
    struct fa_html_builder h;

    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    fa_html_raw(&h, "<h1>Class ");
    fa_html_text(&h, c->code);
    fa_html_raw(&h, "</h1>\n");
    srv_instructor_nav(&h);
    error_note(&h, error);
    fa_html_raw(&h, "<p>Join link for learners: <code>/join/");
    fa_html_text(&h, c->code);
    fa_html_raw(&h, "</code> (it fills in the class code on the quiz and sandbox pages). "
                    "<a href=\"/instructor?class=");
    srv_instructor_url_attr(&h, c->code);
    fa_html_raw(&h, "\">The class's results</a>.</p>\n<form method=\"post\" action=\"" CLASSES_PATH
                    "/");
    srv_instructor_url_attr(&h, c->code);
    fa_html_raw(&h, "\" class=\"instructor-form\">");
    csrf_field(&h, csrf);
    fa_html_printf(&h,
                   "<input type=\"hidden\" name=\"action\" value=\"save\"><p><label "
                   "for=\"s-name\">Name</label> <input id=\"s-name\" name=\"name\" required "
                   "maxlength=\"%d\" value=\"",
                   QUIZ_MAX_CLASS_NAME);
    fa_html_text(&h, c->name);
    fa_html_raw(&h, "\"></p><p><input type=\"checkbox\" id=\"s-open\" name=\"open\" "
                    "value=\"1\"");
    fa_html_raw(&h, c->open ? " checked>" : ">");
    fa_html_raw(&h, " <label for=\"s-open\">Open: learners can submit</label></p><p><label "
                    "for=\"s-opens\">Opens (UTC)</label> <input type=\"datetime-local\" "
                    "id=\"s-opens\" name=\"opens\" value=\"");
    utc_value(&h, c->opens_ms);
    fa_html_raw(&h, "\"></p><p><label for=\"s-closes\">Closes (UTC)</label> <input "
                    "type=\"datetime-local\" id=\"s-closes\" name=\"closes\" value=\"");
    utc_value(&h, c->closes_ms);
    fa_html_printf(&h,
                   "\"></p><p><label for=\"s-attempts\">Attempts allowed per learner and "
                   "quiz (0: unlimited)</label> <input type=\"number\" id=\"s-attempts\" "
                   "name=\"max_attempts\" min=\"0\" max=\"%d\" value=\"%d\"></p>"
                   "<p><label for=\"s-reveal\">The result page shows</label> <select "
                   "id=\"s-reveal\" name=\"reveal\">",
                   QUIZ_MAX_ATTEMPTS, c->max_attempts);
    for (int r = QUIZ_REVEAL_ALL; r <= QUIZ_REVEAL_SCORE_ONLY; r++) {
        fa_html_printf(&h, "<option value=\"%d\"", r);
        fa_html_raw(&h, (int)c->reveal == r ? " selected>" : ">");
        fa_html_text(&h, reveal_words[r]);
        fa_html_raw(&h, "</option>");
    }
    fa_html_printf(&h,
                   "</select></p><p><label for=\"s-limit\">Time limit per attempt in "
                   "minutes (0: none)</label> <input type=\"number\" id=\"s-limit\" "
                   "name=\"time_limit_min\" min=\"0\" max=\"%d\" value=\"%d\"></p>"
                   "<p><label for=\"s-pool\">Questions drawn per topic for each attempt "
                   "(0: all)</label> <input type=\"number\" id=\"s-pool\" name=\"pool_size\" "
                   "min=\"0\" max=\"%d\" value=\"%d\"></p><p><label for=\"s-keep\">Keep the "
                   "code of the class's sandbox runs for this many days (0: keep only what "
                   "happened, not the code)</label> <input type=\"number\" id=\"s-keep\" "
                   "name=\"keep_snippets_days\" min=\"0\" max=\"%d\" value=\"%d\"></p><p>"
                   "<button type=\"submit\">Save</button></p></form>\n",
                   QUIZ_MAX_TIME_LIMIT_S / 60, c->time_limit_s / 60, QUIZ_MAX_QUESTIONS,
                   c->pool_size, QUIZ_MAX_KEEP_DAYS, c->keep_snippets_days);
    fa_html_raw(&h, "<h2>Delete</h2>\n<form method=\"post\" action=\"" CLASSES_PATH "/");
    srv_instructor_url_attr(&h, c->code);
    fa_html_raw(&h, "\">");
    csrf_field(&h, csrf);
    fa_html_raw(&h, "<input type=\"hidden\" name=\"action\" value=\"delete\"><p><button "
                    "type=\"submit\" class=\"danger\">Delete this class and its attempts…"
                    "</button></p></form>\n");
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
    fa_html_raw(&h, "<h1>Are you sure?</h1>\n<p>");
    fa_html_text(&h, question);
    fa_html_raw(&h, " This cannot be undone.</p>\n<form method=\"post\" action=\"");
    fa_html_attr(&h, action_path);
    fa_html_raw(&h, "\">");
    for (size_t i = 0; i < form->n; i++) {
        fa_html_raw(&h, "<input type=\"hidden\" name=\"");
        fa_html_attr(&h, form->fields[i].name);
        fa_html_raw(&h, "\" value=\"");
        fa_html_attr(&h, form->fields[i].value);
        fa_html_raw(&h, "\">");
    }
    fa_html_raw(&h, "<input type=\"hidden\" name=\"confirm\" value=\"yes\"><p><button "
                    "type=\"submit\" class=\"danger\">Yes, delete</button> <a href=\"" CLASSES_PATH
                    "\">No, keep it</a></p></form>\n");
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
        return srv_resp_redirect(resp, 303, CLASSES_PATH, NULL);
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
    return srv_resp_redirect(resp, 303, CLASSES_PATH, c.code);
}

/* ---------- a learner ---------- */

static int learner_row(void *ctx, const struct quiz_attempt *a)
{
    struct fa_html_builder *h = ctx;
    char when[FA_TIME_ISO_LEN];
    fa_html_raw(h, "<tr><td>");
    fa_html_text(h, fa_time_iso8601((time_t)(a->submitted_ms / 1000), when));
    fa_html_raw(h, "</td><td>");
    fa_html_text(h, a->quiz);
    fa_html_raw(h, "</td><td><a href=\"/report/");
    fa_html_attr(h, a->report_id);
    fa_html_printf(h, "\">%d%%</a></td></tr>\n", quiz_stats_percent(a->score_milli, a->max_milli));
    return FA_OK;
}

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
    return learner_row(w->h, a);
}

int srv_instructor_handle_learner(struct srv_req *req, struct srv_resp *resp)
{
    char csrf[65];
    int status = 0;
    const char *code = srv_req_query(req, "class"), *name = srv_req_query(req, "name");
    struct fa_diag diag = {{0}};
    size_t n_damaged = 0;

    if (srv_instructor_need_session(req, resp, true, csrf, &status))
        return status;
    if (!code || !name || !*name)
        return srv_resp_error(req, resp, 400, "Name a class and a learner.");
    struct fa_html_builder h;
    struct learner_walk w = {&h, name, 0};
    struct quiz_store_filter f = {code, NULL};
    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    fa_html_raw(&h, "<h1>");
    fa_html_text(&h, name);
    fa_html_raw(&h, "</h1>\n");
    srv_instructor_nav(&h);
    fa_html_raw(&h, "<p>Class: ");
    fa_html_text(&h, code[0] ? code : "no class");
    fa_html_raw(&h, "</p>\n<div class=\"table-scroll\"><table><thead><tr><th scope=\"col\">"
                    "Submitted (UTC)</th><th scope=\"col\">Quiz</th><th scope=\"col\">Score"
                    "</th></tr></thead><tbody>\n");
    if (quiz_store_each(req->store, &f, learner_attempt, &w, &n_damaged, &diag)) {
        fa_html_cleanup(&h);
        return srv_resp_error(req, resp, 500, "The attempts could not be read.");
    }
    if (!w.n)
        fa_html_raw(&h, "<tr><td colspan=\"3\">No attempts.</td></tr>\n");
    fa_html_raw(&h, "</tbody></table></div>\n<form method=\"post\" action=\"/instructor/"
                    "learner\">");
    hidden(&h, "csrf", csrf);
    hidden(&h, "class", code);
    hidden(&h, "name", name);
    fa_html_raw(&h, "<p><button type=\"submit\" class=\"danger\">Delete this learner's "
                    "attempts…</button></p></form>\n");
    return srv_instructor_page(req, resp, "Learner", &h, 200);
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
    if (rc == FA_ENOTFOUND || !parse_count(text, 0, MAX_RETENTION_DAYS, &days))
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
    fa_html_raw(&h, "<h1>");
    fa_html_text(&h, c.name);
    fa_html_raw(&h, "</h1>\n<p id=\"join\" data-class=\"");
    fa_html_attr(&h, c.code);
    fa_html_raw(&h, "\">Your class code is <strong><code>");
    fa_html_text(&h, c.code);
    fa_html_raw(&h, "</code></strong>. This browser now fills it in on the quiz and in the "
                    "sandbox; without scripts, type it in the quiz's class field.</p>\n");
    if (!c.open)
        fa_html_raw(&h, "<p><strong>This class is closed:</strong> its quizzes take no "
                        "submissions now.</p>\n");
    fa_html_raw(&h, "<h2>How this class's quizzes work</h2>\n<ul>");
    if (c.opens_ms || c.closes_ms) {
        fa_html_raw(&h, "<li>Open from ");
        utc_value(&h, c.opens_ms);
        fa_html_raw(&h, c.opens_ms ? " UTC to " : "the start to ");
        utc_value(&h, c.closes_ms);
        fa_html_raw(&h, c.closes_ms ? " UTC.</li>" : "no end.</li>");
    }
    if (c.max_attempts) {
        fa_html_printf(&h, "<li>%d attempt", c.max_attempts);
        fa_html_raw(&h, c.max_attempts == 1 ? " per quiz.</li>" : "s per quiz.</li>");
    } else
        fa_html_raw(&h, "<li>As many attempts as you like.</li>");
    if (c.time_limit_s)
        fa_html_printf(&h, "<li>%d minutes per attempt.</li>", c.time_limit_s / 60);
    if (c.pool_size) {
        fa_html_printf(&h, "<li>Each attempt draws %d question", c.pool_size);
        fa_html_raw(&h, c.pool_size == 1 ? " per topic.</li>" : "s per topic.</li>");
    }
    if (c.keep_snippets_days) {
        fa_html_printf(&h, "<li>The code you run in the sandbox is kept for your instructor "
                           "for %d day", c.keep_snippets_days);
        fa_html_raw(&h, c.keep_snippets_days == 1 ? ".</li>" : "s.</li>");
    } else {
        fa_html_raw(&h, "<li>Your instructor sees what your sandbox runs ran into (allowed, "
                        "denied, limits), not your code.</li>");
    }
    fa_html_raw(&h, "<li>The result page shows ");
    fa_html_text(&h, reveal_words[c.reveal]);
    fa_html_raw(&h, ".</li></ul>\n<p><a href=\"/quiz\">Go to the quizzes</a> · <a "
                    "href=\"/sandbox\">Open the sandbox</a></p>\n");
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
