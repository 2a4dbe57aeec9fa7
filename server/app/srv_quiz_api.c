/* srv_quiz_api.c: the quiz's JSON API (see srv_quiz.h): GET /api/quiz, POST
 * /api/quiz/submit, GET /api/report/<id>. */
#include "server/app/srv_quiz.h"

#include "quiz/quiz_report.h"
#include "quiz/quiz_score.h"
#include "quiz/quiz_stats.h"
#include "server/http/srv_json.h"
#include "server/model/srv_quiz_rules.h"
#include "server/app/srv_quiz_submit.h"
#include "server/site/srv_site.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

int srv_quiz_handle_api_quiz(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_quiz *quiz = srv_site_get_quiz(req->site);
    const char *name = srv_req_query(req, "topic");
    long topic = name ? srv_quiz_find(quiz->bank, name, strlen(name)) : -1;
    json_t *questions = json_array(), *topics;
    char token[QUIZ_TOKEN_MAX];
    uint32_t seed = 0;
    int64_t started;
    bool whole = true; /* every item packed: otherwise the answer is a 500, not a gap */

    if (topic == -2 || req->query_too_long) {
        json_decref(questions);
        return srv_resp_json_error(req, resp, 404,
                                   "no such topic (see GET /api/quiz for all of them)");
    }
    srv_quiz_new_attempt(req, srv_quiz_slug(quiz->bank, topic), &seed, token);
    if (!req->quiz_key || quiz_token_read(req->quiz_key, srv_quiz_slug(quiz->bank, topic), token,
                                          strlen(token), &seed, &started))
        started = srv_quiz_now_ms(); /* no key: no token */
    struct quiz_class cls;
    struct srv_quiz_draw draw = {
        seed,
        srv_quiz_rules_class(req->store, srv_req_query(req, "class"), &cls) == FA_OK
            ? cls.pool_size
            : 0};
    for (size_t i = 0; i < quiz_bank_n_questions(quiz->bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(quiz->bank, i);
        unsigned char order[QUIZ_MAX_OPTIONS];
        json_t *options;

        if (!srv_quiz_in_attempt(quiz->bank, i, topic, &draw))
            continue;
        /* Made only for the questions shown: made before the test above, it leaked once per
         * question of every other topic (found by fuzz/fuzz_router, seed api-quiz.req). */
        options = json_array();
        quiz_option_order(q, seed, order);
        /* Values are places as shown, like the page's (issue 13). */
        for (size_t k = 0; k < q->n_options; k++)
            whole = !srv_json_append(req, options,
                                     json_pack("{s:i, s:s}", "value", (int)k, "html",
                                               quiz->questions[i].options[order[k]])) &&
                    whole;
        whole = !srv_json_append(req, questions,
                                 json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:o}", "id", q->id,
                                           "topic", quiz_bank_get_topic(quiz->bank, q->topic)->slug,
                                           "type", quiz_type_name(q->type), "points", q->points,
                                           "stem_markdown", q->stem, "wiki", q->wiki, "options",
                                           options)) &&
                whole;
    }
    topics = json_array();
    for (size_t t = 0; t < quiz_bank_n_topics(quiz->bank); t++)
        whole = !srv_json_append(req, topics,
                                 json_pack("{s:s, s:s}", "slug",
                                           quiz_bank_get_topic(quiz->bank, t)->slug, "title",
                                           quiz_bank_get_topic(quiz->bank, t)->title)) &&
                whole;
    if (!whole) {
        json_decref(topics);
        json_decref(questions);
        return srv_resp_json_scores(req, resp, NULL, 500);
    }
    return srv_resp_json_scores(req, resp,
                                json_pack("{s:s, s:s, s:I, s:o, s:o}", "quiz",
                                          srv_quiz_slug(quiz->bank, topic), "attempt", token,
                                          "started_ms", (json_int_t)started, "topics", topics,
                                          "questions", questions),
                                200);
}

/* The result of an attempt as JSON: the answer of submit, and with the Markdown report too
 * (with_markdown) of GET /api/report/<id>. */
static json_t *attempt_json(struct srv_req *req, const struct srv_quiz *quiz,
                            const struct quiz_attempt *a, bool with_markdown)
{
    json_t *results = json_array();
    struct fa_buf text, md;
    char link[SRV_QUIZ_PERMALINK_MAX], right[120];
    json_t *out;
    bool whole = true; /* every item packed, the reports made: otherwise NULL (a 500) */

    srv_quiz_permalink(req, a->report_id, link, sizeof link);
    char held[240];
    if (!srv_quiz_rules_reveal(req->store, a->class_code, srv_quiz_now_ms(), held, sizeof held)) {
        /* Scores only (srv_quiz_rules.h): no verdicts, right answers or report. */
        json_decref(results);
        return json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:f, s:i, s:i, s:I, s:I, s:s}", "report_id", a->report_id,
            "report_url", link, "learner", a->learner, "class", a->class_code, "quiz", a->quiz,
            "score", a->score_milli / 1000.0, "max", a->max_milli / 1000, "percent",
            quiz_stats_percent(a->score_milli, a->max_milli), "started_ms",
            (json_int_t)a->started_ms, "submitted_ms", (json_int_t)a->submitted_ms, "held", held);
    }
    for (size_t i = 0; i < a->n_answers; i++) {
        const struct quiz_stored_answer *an = &a->answers[i];
        long qi = quiz_bank_find(quiz->bank, an->question_id);
        const struct quiz_question *q =
            qi >= 0 ? quiz_bank_get_question(quiz->bank, (size_t)qi) : NULL;
        whole =
            !srv_json_append(req, results,
                             json_pack("{s:s, s:s, s:f, s:i, s:s?, s:s?}", "id", an->question_id,
                                       "verdict", quiz_verdict_name((enum quiz_verdict)an->verdict),
                                       "earned", an->earned_milli / 1000.0, "max",
                                       an->max_milli / 1000, "right_answer",
                                       q ? quiz_report_right_answer(q, right, sizeof right) : NULL,
                                       "wiki", q ? q->wiki : NULL)) &&
            whole;
    }
    whole = !srv_quiz_stored_reports(req, quiz, a, &text, with_markdown ? &md : NULL) && whole;
    if (!whole) {
        json_decref(results);
        out = NULL;
    } else {
        out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:i, s:i, s:I, s:I, s:o, s:s, s:s?}",
                        "report_id", a->report_id, "report_url", link, "learner", a->learner,
                        "class", a->class_code, "quiz", a->quiz, "score", a->score_milli / 1000.0,
                        "max", a->max_milli / 1000, "percent",
                        quiz_stats_percent(a->score_milli, a->max_milli), "started_ms",
                        (json_int_t)a->started_ms, "submitted_ms", (json_int_t)a->submitted_ms,
                        "results", results, "report_text", text.ptr ? text.ptr : "",
                        "report_markdown", with_markdown ? md.ptr ? md.ptr : "" : NULL);
    }
    fa_buf_cleanup(&text);
    if (with_markdown)
        fa_buf_cleanup(&md);
    return out;
}

int srv_quiz_handle_api_submit(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_quiz *quiz = srv_site_get_quiz(req->site);
    const struct quiz_bank *bank = quiz->bank;
    const char *problem = NULL, *key;
    json_t *root, *answers, *value;
    json_error_t error;
    struct submission s;
    struct quiz_attempt a = {0};
    int rc, status;

    /* The dispatcher has checked the origin and that the body is JSON (srv_routes.c). */
    if (req->body.len > SRV_QUIZ_MAX_BODY)
        return srv_resp_json_error(req, resp, 413, "the answers are too large to be a quiz");
    root = json_loadb(req->body.ptr ? req->body.ptr : "", req->body.len, JSON_REJECT_DUPLICATES,
                      &error);
    if (!json_is_object(root)) {
        json_decref(root);
        return srv_resp_json_error(
            req, resp, 400, root ? "the body must be a JSON object" : "the body is not valid JSON");
    }
    srv_quiz_submission_init(&s, bank);
    json_object_foreach (root, key, value) {
        if (strcmp(key, "name") && strcmp(key, "class") && strcmp(key, "quiz") &&
            strcmp(key, "attempt") && strcmp(key, "answers")) {
            problem = "unknown field (name, class, quiz, attempt, answers)";
            break;
        }
    }
    if (!problem) {
        const char *quiz_name = json_string_value(json_object_get(root, "quiz"));
        s.topic = quiz_name ? srv_quiz_find(bank, quiz_name, strlen(quiz_name)) : -1;
        if (s.topic == -2)
            problem = "quiz names no topic (a topic slug, or \"all\")";
    }
    if (!problem) {
        json_t *name = json_object_get(root, "name"), *cls = json_object_get(root, "class");
        if (!json_is_string(name))
            problem = "name is required, as a string";
        else
            problem = srv_quiz_take_name(json_string_value(name), s.name, sizeof s.name);
        if (!problem && cls && !json_is_string(cls))
            problem = "class must be a string";
        else if (!problem && cls)
            problem =
                srv_quiz_take_class(json_string_value(cls), s.class_code, sizeof s.class_code);
    }
    if (!problem) {
        json_t *attempt = json_object_get(root, "attempt");
        if (attempt && !json_is_string(attempt))
            problem = "attempt is a string: the token GET /api/quiz gave with the questions";
        else if (attempt)
            srv_quiz_keep_attempt(&s, json_string_value(attempt));
    }
    answers = json_object_get(root, "answers");
    if (!problem && !json_is_object(answers))
        problem = "answers is required: an object of question id to option numbers or text";
    if (!problem) {
        json_object_foreach (answers, key, value) {
            if (json_is_string(value)) {
                problem = srv_quiz_take_answer(bank, &s, key, json_string_value(value), true);
            } else if (json_is_integer(value) || json_is_array(value)) {
                size_t i;
                json_t *item;
                json_t *list = json_is_array(value) ? json_incref(value) : json_pack("[O]", value);
                if (json_array_size(list) > QUIZ_MAX_OPTIONS)
                    problem = "an answer lists too many options";
                json_array_foreach (list, i, item) {
                    char number[24];
                    if (problem)
                        break;
                    if (!json_is_integer(item)) {
                        problem = "option numbers are integers";
                        break;
                    }
                    snprintf(number, sizeof number, "%lld", (long long)json_integer_value(item));
                    problem = srv_quiz_take_answer(bank, &s, key, number, false);
                }
                json_decref(list);
            } else {
                problem = "an answer is a string (short answer) or option numbers";
            }
            if (problem)
                break;
        }
    }
    json_decref(root);
    if (!problem) {
        int attempt_rc = srv_quiz_take_attempt(req, bank, &s);
        if (attempt_rc == FA_ENOTFOUND)
            problem = "attempt is required: the token GET /api/quiz gave with the questions "
                      "(it signs their option order and the start time)";
        else if (attempt_rc)
            problem = "attempt does not check out: it was changed, or issued by another "
                      "server or for another quiz (GET /api/quiz gives a new one)";
    }
    if (problem) {
        srv_quiz_submission_free(&s, quiz_bank_n_questions(bank) + 1);
        return srv_resp_json_error(req, resp, 400, problem);
    }
    char rule[240];
    s.class_rc = srv_quiz_rules_class(req->store, s.class_code, &s.cls);
    if (srv_quiz_rules_refusal(req->store, s.class_rc, &s.cls, s.name,
                               srv_quiz_slug(bank, s.topic), s.started_ms, srv_quiz_now_ms(),
                               rule, sizeof rule)) {
        srv_quiz_submission_free(&s, quiz_bank_n_questions(bank) + 1);
        return srv_resp_json_error(req, resp, 403, rule);
    }
    rc = srv_quiz_grade_and_store(req, quiz, &s, &a);
    srv_quiz_submission_free(&s, quiz_bank_n_questions(bank) + 1);
    if (rc == FA_EIO)
        status = srv_resp_json_error(req, resp, 503, "answers cannot be stored right now");
    else if (rc)
        status =
            srv_resp_json_error(req, resp, 500, "the answers could not be stored; send them again");
    else
        status = srv_resp_json_scores(req, resp, attempt_json(req, quiz, &a, false), 201);
    srv_quiz_attempt_cleanup(&a);
    return status;
}

int srv_quiz_handle_api_report(struct srv_req *req, struct srv_resp *resp)
{
    struct quiz_attempt *a = NULL;
    int status = srv_quiz_load_attempt(req, resp, "/api/report/", &a, true);

    if (status == 404)
        return srv_resp_json_error(req, resp, 404, "no report with this id");
    if (status != 200)
        return srv_resp_json_error(req, resp, status, "the report cannot be read right now");
    status = srv_resp_json_scores(req, resp,
                                  attempt_json(req, srv_site_get_quiz(req->site), a, true), 200);
    quiz_attempt_free(a);
    return status;
}
