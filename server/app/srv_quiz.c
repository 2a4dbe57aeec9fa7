/* srv_quiz.c: the quiz's pages (see srv_quiz.h): GET /quiz/<name>, POST /quiz/submit (the
 * form, which works without JavaScript) and GET /report/<id>. The views are
 * srv_quiz_view.c and srv_quiz_result_view.c; what a submission goes through,
 * srv_quiz_submit.c; the JSON API, srv_quiz_api.c. */
#include "server/app/srv_quiz.h"

#include "common/fa_utf8.h"
#include "server/http/srv_form.h"
#include "server/view/srv_layout.h"
#include "server/view/srv_quiz_result_view.h"
#include "server/model/srv_quiz_rules.h"
#include "server/app/srv_quiz_submit.h"
#include "server/view/srv_quiz_view.h"
#include "server/site/srv_site.h"

#include <stdio.h>
#include <string.h>

#define MAX_FORM_VALUES 1024

/* Puts the page built in h in the layout (quiz.js with it), cleans h up and returns status;
 * 500 when building failed. */
static int page(struct srv_req *req, struct srv_resp *resp, const char *title,
                struct fa_html_builder *h, int status)
{
    static const char *const js[] = {"/static/js/quiz.js", NULL};
    struct srv_layout layout = {.title = title,
                                .section = SRV_SECTION_QUIZ,
                                .article_class = "quiz",
                                .current = -1,
                                .version_tag = srv_site_get_version_tag(req->site),
                                .extra_js = js};

    if (srv_layout_render_built(&layout, h, &resp->body))
        return srv_resp_error(req, resp, 500, "The page could not be built.");
    return status;
}

/* The quiz page of topic in resp: fresh (refused NULL) or a refused form again. */
static int quiz_page(struct srv_req *req, struct srv_resp *resp, long topic, const char *token,
                     uint32_t seed, const struct refusal *refused, const char *class_code,
                     int status)
{
    const struct srv_quiz *quiz = srv_site_get_quiz(req->site);
    struct fa_html_builder h;
    struct quiz_class cls;
    bool has_class = srv_quiz_rules_class(req->store, class_code, &cls) == FA_OK;

    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    srv_quiz_view_render(&h, quiz, topic, token, seed, refused, has_class ? &cls : NULL);
    return page(req, resp, srv_quiz_title(quiz->bank, topic), &h, status);
}

int srv_quiz_handle_page(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_quiz *quiz = srv_site_get_quiz(req->site);
    const char *name = req->path + strlen("/quiz/");
    long topic = srv_quiz_find(quiz->bank, name, strlen(name));
    const char *given = srv_req_query(req, "attempt");
    char token[QUIZ_TOKEN_MAX];
    uint32_t seed = 0;
    int64_t started;

    if (topic == -2) {
        resp->asset = srv_site_get_not_found(req->site);
        return 404;
    }
    /* ?attempt=TOKEN: the same attempt again (its order and start time), as quiz.js asks
     * for after a reload; a token that does not check out gets a new attempt instead, which
     * quiz.js notices. */
    if (given && req->quiz_key &&
        quiz_token_check(req->quiz_key, srv_quiz_slug(quiz->bank, topic), given, strlen(given),
                         &seed, &started) == FA_OK)
        snprintf(token, sizeof token, "%s", given);
    else
        srv_quiz_new_attempt(req, srv_quiz_slug(quiz->bank, topic), &seed, token);
    /* ?class=CODE (quiz.js adds the one a join link kept): the class's rules and pool. */
    return quiz_page(req, resp, topic, token, seed, NULL, srv_req_query(req, "class"), 200);
}

/* A form's fields in s, in the order sent (the quiz must be named before its answers).
 * NULL, or why the form is refused as a whole; the learner's own mistakes go to the
 * *_problem of refused. */
static const char *read_form(const struct quiz_bank *bank, const struct srv_form *form,
                             struct submission *s, struct refusal *refused, bool *has_name)
{
    for (size_t f = 0; f < form->n; f++) {
        const char *key = form->fields[f].name, *value = form->fields[f].value;
        const char *problem = NULL;

        if (strcmp(key, "name") == 0) {
            refused->name = value;
            *has_name = true;
            refused->name_problem = srv_quiz_take_name(value, s->name, sizeof s->name);
        } else if (strcmp(key, "class") == 0) {
            refused->class_code = value;
            refused->class_problem =
                srv_quiz_take_class(value, s->class_code, sizeof s->class_code);
        } else if (strcmp(key, "quiz") == 0) {
            s->topic = srv_quiz_find(bank, value, strlen(value));
            if (s->topic == -2)
                return "The form names a quiz that does not exist.";
        } else if (strcmp(key, "attempt") == 0) {
            srv_quiz_keep_attempt(s, value);
        } else if (strncmp(key, "a.", 2) == 0) {
            long i;
            if (s->topic == -2)
                return "The form lists answers before naming its quiz.";
            i = quiz_bank_find(bank, key + 2);
            problem = srv_quiz_take_answer(
                bank, s, key + 2, value,
                i >= 0 && quiz_bank_get_question(bank, (size_t)i)->type == QUIZ_SHORT);
        }
        if (problem)
            return problem;
    }
    return s->topic == -2 ? "The form does not say which quiz it answers." : NULL;
}

int srv_quiz_handle_submit(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_quiz *quiz = srv_site_get_quiz(req->site);
    const struct quiz_bank *bank = quiz->bank;
    struct submission s;
    struct quiz_attempt a = {0};
    struct refusal refused = {&s, "", "", NULL, NULL, NULL};
    struct srv_form form;
    const char *problem = NULL;
    bool has_name = false;
    char rule[240];
    int rc, status, attempt_rc = 0;

    /* The dispatcher has checked the origin and that the body is a form (srv_routes.c). */
    if (req->body.len > SRV_QUIZ_MAX_BODY)
        return srv_resp_error(req, resp, 413, "The answers are too large to be a quiz.");
    rc = srv_form_parse(req->body, MAX_FORM_VALUES, &form);
    if (rc == FA_ELIMIT)
        return srv_resp_error(req, resp, 400, "The form has too many values.");
    if (rc)
        return srv_resp_error(req, resp, 400,
                              "The form is garbled (a name or a value is not "
                              "encoded correctly).");
    srv_quiz_submission_init(&s, bank);
    problem = read_form(bank, &form, &s, &refused, &has_name);
    if (!problem && !has_name)
        refused.name_problem = "Please give your name: it goes on your report.";
    if (!problem)
        attempt_rc = srv_quiz_take_attempt(req, bank, &s);
    /* The class's settings (srv_quiz_rules.h), shown next to the class code. */
    if (!problem && !refused.name_problem && !refused.class_problem && !attempt_rc) {
        s.class_rc = srv_quiz_rules_class(req->store, s.class_code, &s.cls);
        refused.class_problem = srv_quiz_rules_refusal(req->store, s.class_rc, &s.cls, s.name,
                                                       srv_quiz_slug(bank, s.topic), s.started_ms,
                                                       srv_quiz_now_ms(), rule, sizeof rule);
    }
    if (!problem && (refused.name_problem || refused.class_problem || attempt_rc)) {
        /* The learner's own mistake, or a page whose attempt token does not check out (a
         * stale page, a forged start time): their quiz again, with everything they sent and
         * the error next to its field, so nothing is lost, with or without JavaScript. A
         * refused token is replaced by a new one. A garbled form (problem) still gets the
         * plain error page. */
        char token[QUIZ_TOKEN_MAX];
        uint32_t seed = s.seed;

        refused.attempt_problem = attempt_rc ? srv_quiz_attempt_problem(attempt_rc) : NULL;
        if (fa_utf8_bad_offset(refused.name, strlen(refused.name)) < strlen(refused.name))
            refused.name = ""; /* not text: nothing to show again */
        if (fa_utf8_bad_offset(refused.class_code, strlen(refused.class_code)) <
            strlen(refused.class_code))
            refused.class_code = "";
        if (attempt_rc)
            srv_quiz_new_attempt(req, srv_quiz_slug(bank, s.topic), &seed, token);
        else
            snprintf(token, sizeof token, "%s", s.attempt);
        resp->cache_control = "private, no-store";
        status = quiz_page(req, resp, s.topic, token, seed, &refused, s.class_code, 422);
        srv_quiz_submission_free(&s, quiz_bank_n_questions(bank) + 1);
        srv_form_free(&form);
        return status;
    }
    srv_form_free(&form);
    if (problem) {
        srv_quiz_submission_free(&s, quiz_bank_n_questions(bank) + 1);
        return srv_resp_error(req, resp, 400, problem);
    }
    rc = srv_quiz_grade_and_store(req, quiz, &s, &a);
    srv_quiz_submission_free(&s, quiz_bank_n_questions(bank) + 1);
    if (rc == FA_EIO)
        status = srv_resp_error(req, resp, 503, "Answers cannot be stored right now.");
    else if (rc)
        status = srv_resp_error(req, resp, 500,
                                "Your answers could not be stored; please "
                                "submit again.");
    else
        status = srv_resp_redirect(resp, 303, "/report", a.report_id);
    srv_quiz_attempt_cleanup(&a);
    return status;
}

int srv_quiz_handle_report(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_quiz *quiz = srv_site_get_quiz(req->site);
    struct quiz_attempt *a = NULL;
    struct fa_html_builder h;
    struct fa_buf text, md;
    char held[240];
    int status = srv_quiz_load_attempt(req, resp, "/report/", &a, false);
    bool reveal;

    if (status != 200)
        return status;
    reveal = srv_quiz_rules_reveal(req->store, a->class_code, srv_quiz_now_ms(), held, sizeof held);
    if (srv_quiz_stored_reports(req, quiz, a, &text, &md)) {
        fa_buf_cleanup(&text);
        fa_buf_cleanup(&md);
        quiz_attempt_free(a);
        return srv_resp_error(req, resp, 500, "The report page could not be built.");
    }
    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    srv_quiz_result_view_render(&h, quiz, a, reveal ? NULL : held, &text, &md);
    fa_buf_cleanup(&text);
    fa_buf_cleanup(&md);
    quiz_attempt_free(a);
    if (fa_html_errcode(&h)) {
        fa_html_cleanup(&h);
        return srv_resp_error(req, resp, 500, "The report page could not be built.");
    }
    resp->cache_control = "private, no-store";
    return page(req, resp, "Quiz result", &h, 200);
}
