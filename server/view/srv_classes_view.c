/* srv_classes_view.c: the instructor's class pages and the join page (see srv_classes_view.h).
 * Deletions ask first: the confirmation repeats the posted form with confirm=yes. */
#include "server/view/srv_classes_view.h"

#include "common/fa_time.h"
#include "quiz/quiz_stats.h"
#include "server/http/srv_limits.h"
#include "server/view/srv_dashboard_view.h"

#include <stdbool.h>
#include <time.h>

static const char *const reveal_words[] = {
    [QUIZ_REVEAL_ALL] = "everything at once: score, answers, right answers, explanations",
    [QUIZ_REVEAL_SCORE_UNTIL_CLOSE] = "the score only until the quiz closes, then everything",
    [QUIZ_REVEAL_SCORE_ONLY] = "the score only",
};

/* ms as <input type="datetime-local"> reads it, in UTC ("2026-12-03T09:30"); 0 is "". */
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

static void hidden(struct fa_html_builder *h, const char *name, const char *value)
{
    fa_html_raw(h, "<input type=\"hidden\" name=\"");
    fa_html_attr(h, name);
    fa_html_raw(h, "\" value=\"");
    fa_html_attr(h, value);
    fa_html_raw(h, "\">");
}

/* The session's CSRF token, which every form of the instructor's sends back. */
static void csrf_field(struct fa_html_builder *h, const char *csrf) { hidden(h, "csrf", csrf); }

static void error_note(struct fa_html_builder *h, const char *error)
{
    if (!error)
        return;
    fa_html_raw(h, "<p class=\"form-error\" role=\"alert\">");
    fa_html_text(h, error);
    fa_html_raw(h, "</p>\n");
}

/* ---------- the list of classes ---------- */

void srv_classes_view_list_begin(struct fa_html_builder *h, const char *error)
{
    fa_html_raw(h, "<h1>Classes</h1>\n");
    srv_instructor_nav(h);
    error_note(h, error);
    fa_html_raw(h, "<div class=\"table-scroll\"><table><thead><tr><th scope=\"col\">Code</th>"
                   "<th scope=\"col\">Name</th><th scope=\"col\">Status</th><th scope=\"col\">"
                   "Attempts</th><th scope=\"col\">Join link</th></tr></thead><tbody>\n");
}

void srv_classes_view_list_row(struct fa_html_builder *h, const struct quiz_class *c,
                               long n_attempts)
{
    fa_html_raw(h, "<tr><td><a href=\"" SRV_CLASSES_PATH "/");
    srv_instructor_url_attr(h, c->code);
    fa_html_raw(h, "\">");
    fa_html_text(h, c->code);
    fa_html_raw(h, "</a></td><td>");
    fa_html_text(h, c->name);
    fa_html_raw(h, c->open ? "</td><td>open" : "</td><td>closed");
    fa_html_printf(h, "</td><td>%ld</td><td><code>/join/", n_attempts);
    fa_html_text(h, c->code);
    fa_html_raw(h, "</code></td></tr>\n");
}

void srv_classes_view_list_end(struct fa_html_builder *h, size_t n_classes,
                               const char *retention_days, const char *csrf)
{
    if (!n_classes)
        fa_html_raw(h, "<tr><td colspan=\"5\">No class yet: create one below.</td></tr>\n");
    fa_html_raw(h, "</tbody></table></div>\n<h2>New class</h2>\n<form method=\"post\" "
                   "action=\"" SRV_CLASSES_PATH "\" class=\"instructor-form\">");
    csrf_field(h, csrf);
    fa_html_printf(h,
                   "<input type=\"hidden\" name=\"action\" value=\"create\">"
                   "<p><label for=\"c-name\">Name</label> <input id=\"c-name\" name=\"name\" "
                   "required maxlength=\"%d\"></p><p><label for=\"c-code\">Join code "
                   "(letters, digits, - _ .; empty: one is made)</label> <input id=\"c-code\" "
                   "name=\"code\" maxlength=\"%d\" pattern=\"[A-Za-z0-9._\\-]*\"></p>"
                   "<p><button type=\"submit\">Create</button></p></form>\n",
                   QUIZ_MAX_CLASS_NAME, QUIZ_MAX_CLASS);
    fa_html_raw(h, "<h2>Retention</h2>\n<form method=\"post\" action=\"" SRV_CLASSES_PATH
                   "\" class=\"instructor-form\">");
    csrf_field(h, csrf);
    fa_html_printf(h,
                   "<input type=\"hidden\" name=\"action\" value=\"retention\"><p><label "
                   "for=\"c-days\">Delete attempts older than this many days (0: keep "
                   "them)</label> <input id=\"c-days\" name=\"days\" type=\"number\" min=\"0\" "
                   "max=\"%d\" value=\"",
                   SRV_MAX_RETENTION_DAYS);
    fa_html_text(h, retention_days);
    fa_html_raw(h, "\"></p><p><button type=\"submit\">Save</button></p></form>\n"
                   "<p class=\"instructor-help\">The server applies it at start and every "
                   "hour.</p>\n");
}

/* ---------- one class ---------- */

void srv_classes_view_class(struct fa_html_builder *h, const struct quiz_class *c, const char *csrf,
                            const char *error)
{
    fa_html_raw(h, "<h1>Class ");
    fa_html_text(h, c->code);
    fa_html_raw(h, "</h1>\n");
    srv_instructor_nav(h);
    error_note(h, error);
    fa_html_raw(h, "<p>Join link for learners: <code>/join/");
    fa_html_text(h, c->code);
    fa_html_raw(h, "</code> (it fills in the class code on the quiz and sandbox pages). "
                   "<a href=\"/instructor?class=");
    srv_instructor_url_attr(h, c->code);
    fa_html_raw(h, "\">The class's results</a>.</p>\n"
                   "<form method=\"post\" action=\"" SRV_CLASSES_PATH "/");
    srv_instructor_url_attr(h, c->code);
    fa_html_raw(h, "\" class=\"instructor-form\">");
    csrf_field(h, csrf);
    fa_html_printf(h,
                   "<input type=\"hidden\" name=\"action\" value=\"save\"><p><label "
                   "for=\"s-name\">Name</label> <input id=\"s-name\" name=\"name\" required "
                   "maxlength=\"%d\" value=\"",
                   QUIZ_MAX_CLASS_NAME);
    fa_html_text(h, c->name);
    fa_html_raw(h, "\"></p><p><input type=\"checkbox\" id=\"s-open\" name=\"open\" "
                   "value=\"1\"");
    fa_html_raw(h, c->open ? " checked>" : ">");
    fa_html_raw(h, " <label for=\"s-open\">Open: learners can submit</label></p><p><label "
                   "for=\"s-opens\">Opens (UTC)</label> <input type=\"datetime-local\" "
                   "id=\"s-opens\" name=\"opens\" value=\"");
    utc_value(h, c->opens_ms);
    fa_html_raw(h, "\"></p><p><label for=\"s-closes\">Closes (UTC)</label> <input "
                   "type=\"datetime-local\" id=\"s-closes\" name=\"closes\" value=\"");
    utc_value(h, c->closes_ms);
    fa_html_printf(h,
                   "\"></p><p><label for=\"s-attempts\">Attempts allowed per learner and "
                   "quiz (0: unlimited)</label> <input type=\"number\" id=\"s-attempts\" "
                   "name=\"max_attempts\" min=\"0\" max=\"%d\" value=\"%d\"></p>"
                   "<p><label for=\"s-reveal\">The result page shows</label> <select "
                   "id=\"s-reveal\" name=\"reveal\">",
                   QUIZ_MAX_ATTEMPTS, c->max_attempts);
    for (int r = QUIZ_REVEAL_ALL; r <= QUIZ_REVEAL_SCORE_ONLY; r++) {
        fa_html_printf(h, "<option value=\"%d\"", r);
        fa_html_raw(h, (int)c->reveal == r ? " selected>" : ">");
        fa_html_text(h, reveal_words[r]);
        fa_html_raw(h, "</option>");
    }
    fa_html_printf(h,
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
    fa_html_raw(h, "<h2>Delete</h2>\n<form method=\"post\" action=\"" SRV_CLASSES_PATH "/");
    srv_instructor_url_attr(h, c->code);
    fa_html_raw(h, "\">");
    csrf_field(h, csrf);
    fa_html_raw(h, "<input type=\"hidden\" name=\"action\" value=\"delete\"><p><button "
                   "type=\"submit\" class=\"danger\">Delete this class and its attempts…"
                   "</button></p></form>\n");
}

void srv_classes_view_confirm(struct fa_html_builder *h, const char *question,
                              const char *action_path, const struct srv_kv *fields, size_t n_fields)
{
    fa_html_raw(h, "<h1>Are you sure?</h1>\n<p>");
    fa_html_text(h, question);
    fa_html_raw(h, " This cannot be undone.</p>\n<form method=\"post\" action=\"");
    fa_html_attr(h, action_path);
    fa_html_raw(h, "\">");
    for (size_t i = 0; i < n_fields; i++)
        hidden(h, fields[i].name, fields[i].value);
    fa_html_raw(h,
                "<input type=\"hidden\" name=\"confirm\" value=\"yes\"><p><button "
                "type=\"submit\" class=\"danger\">Yes, delete</button> <a href=\"" SRV_CLASSES_PATH
                "\">No, keep it</a></p></form>\n");
}

/* ---------- a learner ---------- */

void srv_classes_view_learner_begin(struct fa_html_builder *h, const char *class_code,
                                    const char *name)
{
    fa_html_raw(h, "<h1>");
    fa_html_text(h, name);
    fa_html_raw(h, "</h1>\n");
    srv_instructor_nav(h);
    fa_html_raw(h, "<p>Class: ");
    fa_html_text(h, class_code[0] ? class_code : "no class");
    fa_html_raw(h, "</p>\n<div class=\"table-scroll\"><table><thead><tr><th scope=\"col\">"
                   "Submitted (UTC)</th><th scope=\"col\">Quiz</th><th scope=\"col\">Score"
                   "</th></tr></thead><tbody>\n");
}

void srv_classes_view_learner_row(struct fa_html_builder *h, const struct quiz_attempt *a)
{
    char when[FA_TIME_ISO_LEN];
    fa_html_raw(h, "<tr><td>");
    fa_html_text(h, fa_time_iso8601((time_t)(a->submitted_ms / 1000), when));
    fa_html_raw(h, "</td><td>");
    fa_html_text(h, a->quiz);
    fa_html_raw(h, "</td><td><a href=\"/report/");
    fa_html_attr(h, a->report_id);
    fa_html_printf(h, "\">%d%%</a></td></tr>\n", quiz_stats_percent(a->score_milli, a->max_milli));
}

void srv_classes_view_learner_end(struct fa_html_builder *h, size_t n_attempts,
                                  const char *class_code, const char *name, const char *csrf)
{
    if (!n_attempts)
        fa_html_raw(h, "<tr><td colspan=\"3\">No attempts.</td></tr>\n");
    fa_html_raw(h, "</tbody></table></div>\n<form method=\"post\" action=\"/instructor/"
                   "learner\">");
    csrf_field(h, csrf);
    hidden(h, "class", class_code);
    hidden(h, "name", name);
    fa_html_raw(h, "<p><button type=\"submit\" class=\"danger\">Delete this learner's "
                   "attempts…</button></p></form>\n");
}

/* ---------- the join page (a learners' page) ---------- */

void srv_classes_view_join(struct fa_html_builder *h, const struct quiz_class *c)
{
    fa_html_raw(h, "<h1>");
    fa_html_text(h, c->name);
    fa_html_raw(h, "</h1>\n<p id=\"join\" data-class=\"");
    fa_html_attr(h, c->code);
    fa_html_raw(h, "\">Your class code is <strong><code>");
    fa_html_text(h, c->code);
    fa_html_raw(h, "</code></strong>. This browser now fills it in on the quiz and in the "
                   "sandbox; without scripts, type it in the quiz's class field.</p>\n");
    if (!c->open)
        fa_html_raw(h, "<p><strong>This class is closed:</strong> its quizzes take no "
                       "submissions now.</p>\n");
    fa_html_raw(h, "<h2>How this class's quizzes work</h2>\n<ul>");
    if (c->opens_ms || c->closes_ms) {
        fa_html_raw(h, "<li>Open from ");
        utc_value(h, c->opens_ms);
        fa_html_raw(h, c->opens_ms ? " UTC to " : "the start to ");
        utc_value(h, c->closes_ms);
        fa_html_raw(h, c->closes_ms ? " UTC.</li>" : "no end.</li>");
    }
    if (c->max_attempts) {
        fa_html_printf(h, "<li>%d attempt", c->max_attempts);
        fa_html_raw(h, c->max_attempts == 1 ? " per quiz.</li>" : "s per quiz.</li>");
    } else
        fa_html_raw(h, "<li>As many attempts as you like.</li>");
    if (c->time_limit_s)
        fa_html_printf(h, "<li>%d minutes per attempt.</li>", c->time_limit_s / 60);
    if (c->pool_size) {
        fa_html_printf(h, "<li>Each attempt draws %d question", c->pool_size);
        fa_html_raw(h, c->pool_size == 1 ? " per topic.</li>" : "s per topic.</li>");
    }
    if (c->keep_snippets_days) {
        fa_html_printf(h,
                       "<li>The code you run in the sandbox is kept for your instructor "
                       "for %d day",
                       c->keep_snippets_days);
        fa_html_raw(h, c->keep_snippets_days == 1 ? ".</li>" : "s.</li>");
    } else {
        fa_html_raw(h, "<li>Your instructor sees what your sandbox runs ran into (allowed, "
                       "denied, limits), not your code.</li>");
    }
    fa_html_raw(h, "<li>The result page shows ");
    fa_html_text(h, reveal_words[c->reveal]);
    fa_html_raw(h, ".</li></ul>\n<p><a href=\"/quiz\">Go to the quizzes</a> · <a "
                   "href=\"/sandbox\">Open the sandbox</a></p>\n");
}
