/* srv_quiz.c: the quiz on the web (see srv_quiz.h). */
#include "server/srv_quiz.h"
#include "quiz/quiz_classes.h"
#include "quiz/quiz_pool.h"
#include "server/srv_quiz_rules.h"

#include "server/srv_public.h"

#include "common/fa_log.h"
#include "common/fa_mem.h"
#include "common/fa_utf8.h"
#include "content/cnt_check.h"
#include "content/cnt_markdown.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_report.h"
#include "quiz/quiz_score.h"
#include "quiz/quiz_store.h"
#include "quiz/quiz_token.h"
#include "server/srv_layout.h"
#include "server/srv_site.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#define MAX_FORM_VALUES 1024
#define MAX_SUBMIT_BODY (64 * 1024)
#define QUIZ_MAX_WIKI_LINKS 32 /* "Read again" links under a result */

/* A question rendered once: HTML for the stem, each option and the explanation. */
struct rendered {
    char *stem, *explanation;
    char *options[QUIZ_MAX_OPTIONS];
};

struct srv_quiz {
    struct quiz_bank *bank;
    struct rendered *questions;
    /* One plain-text title per question, for the reports (cnt_markdown_plain_title). */
    char **titles;
    char **wiki_labels; /* per question: "Page › Section" of its wiki link (wiki_label) */
};

/* ---- building ----------------------------------------------------------------------- */

static char *render(const char *markdown, int inline_only)
{
    char *html = NULL;

    if (cnt_markdown_fragment(markdown, strlen(markdown), inline_only, &html))
        return fa_xstrdup(""); /* the bank checked the text; only a cap could refuse it */
    return html;
}

/* "Page title › Section title" of a wiki link "/wiki/SLUG#ANCHOR", from the loaded wiki (the
 * bank's links were checked against it just before); the link itself otherwise. */
static char *wiki_label(const struct cnt_site *content, const char *link)
{
    const char *slug = link + strlen("/wiki/"), *hash = strchr(slug, '#');
    long page = strncmp(link, "/wiki/", 6) == 0
                    ? cnt_site_find(content, slug, hash ? (size_t)(hash - slug) : strlen(slug))
                    : -1;
    if (page < 0)
        return fa_xstrdup(link);
    const struct cnt_doc *doc = cnt_site_get_page(content, (size_t)page)->doc;
    const char *title = cnt_doc_get_section(doc, 0)->title;
    for (size_t i = 1; hash && i < cnt_doc_n_sections(doc); i++)
        if (strcmp(cnt_doc_get_section(doc, i)->anchor, hash + 1) == 0)
            return fa_xasprintf("%s › %s", title, cnt_doc_get_section(doc, i)->title);
    return fa_xstrdup(title);
}

int srv_quiz_build(const char *quiz_dir, const struct cnt_site *content,
                   quiz_bank_report_fn *report, void *cls, struct srv_quiz **out,
                   struct fa_diag *diag)
{
    struct srv_quiz *quiz = fa_xcalloc(1, sizeof *quiz);
    struct cnt_check_env env = {0};
    struct fa_diag bank_diag = {{0}};
    char why[300];

    if (quiz_bank_load(quiz_dir, report, cls, &quiz->bank, &bank_diag)) {
        fa_free(quiz);
        return fa_diag_set(diag, FA_EINVAL, "%s/%s", quiz_dir, bank_diag.msg);
    }
    quiz->questions = fa_xcalloc(quiz_bank_n_questions(quiz->bank) + 1, sizeof *quiz->questions);
    quiz->titles = fa_xcalloc(quiz_bank_n_questions(quiz->bank) + 1, sizeof *quiz->titles);
    quiz->wiki_labels =
        fa_xcalloc(quiz_bank_n_questions(quiz->bank) + 1, sizeof *quiz->wiki_labels);
    for (size_t i = 0; i < quiz_bank_n_questions(quiz->bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(quiz->bank, i);
        struct rendered *r = &quiz->questions[i];
        char words[200];

        if (cnt_check_link(content, &env, NULL, q->wiki, why, sizeof why)) {
            if (report) {
                char what[400];
                snprintf(what, sizeof what, "wiki: %s", why);
                report(cls, q->file, q->wiki_line, what);
            }
            srv_quiz_free(quiz);
            return fa_diag_set(diag, FA_EINVAL, "%s/%s:%d: wiki: %s", quiz_dir, q->file,
                               q->wiki_line, why);
        }
        quiz->wiki_labels[i] = wiki_label(content, q->wiki);
        r->stem = render(q->stem, 0);
        if (cnt_markdown_plain_title(q->stem, strlen(q->stem), &quiz->titles[i]))
            quiz->titles[i] = fa_xstrdup(q->id); /* the bank checked the text: only a cap */
        r->explanation = render(q->explanation, 0);
        for (size_t k = 0; k < q->n_options; k++) {
            const char *text = q->options[k].text;
            if (q->type == QUIZ_PREDICT && quiz_outcome_words(text, words, sizeof words))
                text = words;
            r->options[k] = render(text, 1);
        }
    }
    *out = quiz;
    return FA_OK;
}

void srv_quiz_free(struct srv_quiz *quiz)
{
    if (!quiz)
        return;
    for (size_t i = 0; quiz->questions && i < quiz_bank_n_questions(quiz->bank); i++) {
        fa_free(quiz->questions[i].stem);
        fa_free(quiz->questions[i].explanation);
        for (size_t k = 0; k < QUIZ_MAX_OPTIONS; k++)
            fa_free(quiz->questions[i].options[k]);
    }
    for (size_t i = 0; quiz->titles && i < quiz_bank_n_questions(quiz->bank); i++)
        fa_free(quiz->titles[i]);
    for (size_t i = 0; quiz->wiki_labels && i < quiz_bank_n_questions(quiz->bank); i++)
        fa_free(quiz->wiki_labels[i]);
    fa_free(quiz->titles);
    fa_free(quiz->wiki_labels);
    fa_free(quiz->questions);
    quiz_bank_free(quiz->bank);
    fa_free(quiz);
}

const struct quiz_bank *srv_quiz_get_bank(const struct srv_quiz *quiz) { return quiz->bank; }

/* ---- small helpers ------------------------------------------------------------------ */

static int esc(struct fa_buf *b, const char *text)
{
    return fa_buf_append_html(b, text, strlen(text));
}

/* A score in percent, rounded half up: the performance report's rule (quiz_report.c), so the
 * page, its chart, the JSON and the report never disagree (issue 14: 1 of 8 showed 12% in
 * the chart and 13% in the report). */
static int percent(int earned_milli, int max_milli)
{
    return max_milli > 0 ? (int)((earned_milli * 100LL + max_milli / 2) / max_milli) : 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The questions of a quiz: topic is an index, or -1 for the full quiz. */
static bool in_quiz(const struct quiz_question *q, long topic)
{
    return topic < 0 || q->topic == (size_t)topic;
}

/* The questions an attempt is given: its quiz's, and of those the ones its class's pool
 * draws with its seed (quiz_pool.h; pool_size 0: all). */
struct draw {
    uint32_t seed;
    int pool_size;
};

static bool in_attempt(const struct quiz_bank *bank, size_t i, long topic,
                       const struct draw *d)
{
    return in_quiz(quiz_bank_get_question(bank, i), topic) &&
           (!d || quiz_pool_drawn(bank, i, d->seed, d->pool_size));
}

/* The class code names, into c: false when there is no such class (or no code). */
static bool find_class(struct quiz_store *store, const char *code, struct quiz_class *c)
{
    struct fa_diag diag = {{0}};
    memset(c, 0, sizeof *c);
    return store && code && quiz_class_code_ok(code, strlen(code)) &&
           quiz_store_class_get(store, code, c, &diag) == FA_OK;
}

static size_t quiz_size(const struct quiz_bank *bank, long topic, const struct draw *d,
                        int *points)
{
    size_t n = 0;

    *points = 0;
    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, i);
        if (in_attempt(bank, i, topic, d)) {
            n++;
            *points += q->points;
        }
    }
    return n;
}

/* "all" or a topic slug (len bytes, untrusted): -1 for all, the topic's index, or -2. */
static long find_quiz(const struct quiz_bank *bank, const char *name, size_t len)
{
    if (len == 3 && memcmp(name, "all", 3) == 0)
        return -1;
    {
        long t = quiz_bank_find_topic(bank, name, len);
        return t >= 0 ? t : -2;
    }
}

/* The name a quiz has in its tokens and forms: its topic's slug, or "all". */
static const char *quiz_slug(const struct quiz_bank *bank, long topic)
{
    return topic >= 0 ? quiz_bank_get_topic(bank, (size_t)topic)->slug : "all";
}

static const char *quiz_title(const struct quiz_bank *bank, long topic)
{
    return topic >= 0 ? quiz_bank_get_topic(bank, (size_t)topic)->title : "The full quiz";
}

static const char *const type_words[] = {"one answer", "select all that apply", "true or false",
                                         "short answer", "predict the outcome"};

static struct srv_quiz *quiz_of(const struct srv_req *req) { return srv_site_get_quiz(req->site); }

/* Renders a layout page around body into resp. */
static int page(struct srv_req *req, struct srv_resp *resp, const char *title,
                struct fa_buf *body, int status)
{
    static const char *const js[] = {"/static/js/quiz.js", NULL};
    struct srv_layout layout = {.title = title,
                                .section = SRV_SECTION_QUIZ,
                                .body_html = body->ptr ? body->ptr : "",
                                .body_len = body->len,
                                .article_class = "quiz",
                                .current = -1,
                                .version_tag = srv_site_get_version_tag(req->site),
                                .extra_js = js};
    int rc = srv_layout_render(&layout, &resp->body);

    fa_buf_cleanup(body);
    if (rc)
        return srv_resp_error(req, resp, 500, "The page could not be built.");
    return status;
}

/* ---- /quiz -------------------------------------------------------------------------- */

int srv_quiz_render_index(const struct srv_quiz *quiz, struct fa_buf *out)
{
    const struct quiz_bank *bank = quiz->bank;
    int points, rc;
    size_t n = quiz_size(bank, -1, NULL, &points);

    rc = fa_buf_printf(out,
                       "<h1>Quiz</h1>\n<p class=\"lead\">Answer the questions, then submit: you "
                       "get your score, an explanation for every question with a link to the "
                       "wiki section it tests, and a performance report to copy into a message "
                       "or your course's learning platform.</p>\n"
                       "<ul class=\"quiz-list\">\n<li><a href=\"/quiz/all\"><strong>The full "
                       "quiz</strong></a> <span class=\"quiz-count\">%zu questions, %d "
                       "points</span></li>\n",
                       n, points);
    for (size_t t = 0; t < quiz_bank_n_topics(bank) && !rc; t++) {
        const struct quiz_topic *topic = quiz_bank_get_topic(bank, t);
        n = quiz_size(bank, (long)t, NULL, &points);
        rc = fa_buf_puts(out, "<li><a href=\"/quiz/");
        if (!rc)
            rc = esc(out, topic->slug);
        if (!rc)
            rc = fa_buf_puts(out, "\">");
        if (!rc)
            rc = esc(out, topic->title);
        if (!rc)
            rc = fa_buf_printf(out, "</a> <span class=\"quiz-count\">%zu questions</span></li>\n",
                               n);
    }
    /* Filled by quiz.js from the report ids this browser submitted (issue 14: losing a
     * permalink lost the report); hidden until it has something to show. */
    return rc ? rc
              : fa_buf_puts(out, "</ul>\n<section class=\"quiz-mine\" id=\"quiz-mine\" hidden "
                                 "aria-labelledby=\"quiz-mine-title\">\n<h2 id=\"quiz-mine-"
                                 "title\">Your reports</h2>\n<p>The quizzes submitted from this "
                                 "browser, newest first, with their scores from the server. The "
                                 "list is kept in this browser only: there are no accounts.</p>\n"
                                 "<ol class=\"quiz-mine-list\" id=\"quiz-mine-list\"></ol>\n"
                                 "<p><button type=\"button\" id=\"quiz-mine-"
                                 "forget\">Forget this list</button></p>\n</section>\n");
}

/* ---- /quiz/<name>: a quiz to take --------------------------------------------------- */

/* What a learner sent, from the form or from JSON, before marking; also what a quiz page
 * that answers a refused form fills in again. */
struct submission {
    char name[QUIZ_MAX_NAME + 1], class_code[QUIZ_MAX_CLASS + 1];
    long topic;
    /* The attempt token as sent ("" when none); seed and started_ms are the token's once it
     * checked out (take_attempt). */
    char attempt[QUIZ_TOKEN_MAX];
    bool has_attempt;
    uint32_t seed;
    int64_t started_ms;
    /* One per question of the bank (only the quiz's count): what was chosen or typed. The
     * options chosen are numbered as shown while the form is read, then as in the bank
     * (take_attempt maps them through the attempt's seed). */
    unsigned *chosen;
    char **text;
    bool *seen;
};


/* Stem HTML for the quiz page: a runnable block must not get its "Try it" link there (it
 * would give the answer away), so its class becomes plain Python (still highlighted). */
static int stem_for_quiz(struct fa_buf *b, const char *html)
{
    static const char runnable[] = "language-pyrun";
    const char *p;
    int rc = 0;

    while (!rc && (p = strstr(html, runnable)) != NULL) {
        rc = fa_buf_append(b, html, (size_t)(p - html));
        if (!rc)
            rc = fa_buf_puts(b, "language-python");
        html = p + sizeof runnable - 1;
    }
    return rc ? rc : fa_buf_puts(b, html);
}

/* Question index as the number-th of its quiz, options in seed's order, with the answers
 * of filled (or none when NULL) chosen again. */
static int render_question(struct fa_buf *b, const struct srv_quiz *quiz, size_t index,
                           size_t number, uint32_t seed, const struct submission *filled)
{
    const struct quiz_question *q = quiz_bank_get_question(quiz->bank, index);
    const struct rendered *r = &quiz->questions[index];
    unsigned char order[QUIZ_MAX_OPTIONS];
    int rc;

    rc = fa_buf_puts(b, "<li class=\"quiz-question\" id=\"q-");
    if (!rc)
        rc = esc(b, q->id);
    if (!rc)
        rc = fa_buf_printf(b, "\">\n<fieldset>\n<legend><span class=\"quiz-number\">Question "
                              "%zu</span> <span class=\"quiz-meta\">",
                           number);
    if (!rc)
        rc = esc(b, quiz_bank_get_topic(quiz->bank, q->topic)->title);
    if (!rc)
        rc = fa_buf_printf(b, " · %d point%s · %s</span></legend>\n<div class=\"quiz-stem\">",
                           q->points, q->points == 1 ? "" : "s", type_words[q->type]);
    if (!rc)
        rc = stem_for_quiz(b, r->stem);
    if (!rc)
        rc = fa_buf_puts(b, "</div>\n");
    if (!rc && q->type == QUIZ_SHORT) {
        rc = fa_buf_puts(b, "<p class=\"quiz-short\"><label for=\"a-");
        if (!rc)
            rc = esc(b, q->id);
        if (!rc)
            rc = fa_buf_puts(b, "\">Your answer</label> <input type=\"text\" id=\"a-");
        if (!rc)
            rc = esc(b, q->id);
        if (!rc)
            rc = fa_buf_puts(b, "\" name=\"a.");
        if (!rc)
            rc = esc(b, q->id);
        if (!rc)
            rc = fa_buf_printf(b, "\" maxlength=\"%d\" autocomplete=\"off\" "
                                  "spellcheck=\"false\" value=\"",
                               QUIZ_MAX_ANSWER_TEXT);
        if (!rc && filled && filled->text[index])
            rc = esc(b, filled->text[index]);
        if (!rc)
            rc = fa_buf_puts(b, "\"></p>\n");
    } else if (!rc) {
        quiz_option_order(q, seed, order);
        rc = fa_buf_puts(b, "<ul class=\"quiz-options\">\n");
        for (size_t k = 0; k < q->n_options && !rc; k++) {
            /* An option's value and id are its place as shown, never its place in the bank:
             * the keyed option is often the bank's first, so a bank number would give it
             * away (issue 13). The server maps them back through the attempt's seed. */
            unsigned o = order[k];
            rc = fa_buf_printf(b, "<li><input type=\"%s\" name=\"a.",
                               q->type == QUIZ_MULTIPLE ? "checkbox" : "radio");
            if (!rc)
                rc = esc(b, q->id);
            if (!rc)
                rc = fa_buf_printf(b, "\" id=\"a-");
            if (!rc)
                rc = esc(b, q->id);
            if (!rc)
                rc = fa_buf_printf(b, "-%zu\" value=\"%zu\"%s> <label for=\"a-", k, k,
                                   filled && (filled->chosen[index] >> o & 1u) ? " checked" : "");
            if (!rc)
                rc = esc(b, q->id);
            if (!rc)
                rc = fa_buf_printf(b, "-%zu\">%s</label></li>\n", k, r->options[o]);
        }
        if (!rc)
            rc = fa_buf_puts(b, "</ul>\n");
    }
    return rc ? rc : fa_buf_puts(b, "</fieldset>\n</li>\n");
}

/* What a quiz page shows around its questions when it answers a refused form: the values
 * the learner sent (as sent, escaped when shown) and what is wrong, next to its field. */
struct refusal {
    const struct submission *filled;
    const char *name, *class_code;  /* raw values, "" when none */
    const char *name_problem, *class_problem;
    const char *attempt_problem; /* the attempt token's, or NULL */
};

/* Appends the error of a field (or nothing when problem is NULL), with the id its input's
 * aria-describedby names. */
static int field_error(struct fa_buf *b, const char *id, const char *problem)
{
    int rc;

    if (!problem)
        return FA_OK;
    rc = fa_buf_printf(b, " <span class=\"quiz-field-error\" id=\"%s\">", id);
    if (!rc)
        rc = esc(b, problem);
    return rc ? rc : fa_buf_puts(b, "</span>");
}

/* The quiz page of topic: a fresh one (no refusal), or the learner's form again with their
 * answers and the errors shown (issue 14: a refused submission used to be a dead end and
 * lost the answers). token is the attempt's (quiz_token.h), "" when the server has no key;
 * seed is its seed, which orders the options. */
static int render_quiz(struct fa_buf *body, const struct srv_quiz *quiz, long topic,
                       const char *token, uint32_t seed, const struct refusal *refused,
                       const struct quiz_class *cls)
{
    const char *slug = quiz_slug(quiz->bank, topic);
    const char *name_problem = refused ? refused->name_problem : NULL;
    const char *class_problem = refused ? refused->class_problem : NULL;
    struct draw draw = {seed, cls ? cls->pool_size : 0};
    size_t number = 0;
    int points, rc;
    size_t n = quiz_size(quiz->bank, topic, &draw, &points);

    rc = fa_buf_puts(body, "<h1>");
    if (!rc)
        rc = esc(body, quiz_title(quiz->bank, topic));
    if (!rc)
        rc = fa_buf_printf(body,
                           "</h1>\n<p class=\"lead\">%zu questions, %d points. Answer what you "
                           "can, then submit: every question comes back with its explanation. "
                           "Your answers are kept in this browser until you submit.</p>\n",
                           n, points);
    if (!rc && cls) {
        /* What the learner's class allows, before they start (issue 15). */
        char rules[600];
        srv_quiz_rules_describe(cls, rules, sizeof rules);
        rc = fa_buf_puts(body, "<p class=\"quiz-class-rules\" id=\"quiz-class-rules\">");
        if (!rc)
            rc = esc(body, rules);
        if (!rc)
            rc = fa_buf_puts(body, "</p>\n");
    }
    if (!rc && refused && (name_problem || class_problem))
        rc = fa_buf_printf(body, "<div class=\"quiz-refused\" id=\"quiz-refused\" role=\"alert\" "
                                 "tabindex=\"-1\"><p><strong>Your answers were not sent.</strong> "
                                 "They are all still here: correct the field%s marked below, "
                                 "then submit again.</p>",
                           name_problem && class_problem ? "s" : "");
    else if (!rc && refused)
        rc = fa_buf_puts(body, "<div class=\"quiz-refused\" id=\"quiz-refused\" role=\"alert\" "
                               "tabindex=\"-1\"><p><strong>Your answers were not sent.</strong> "
                               "They are all still here: submit again.</p>");
    if (!rc && refused && refused->attempt_problem) {
        rc = fa_buf_puts(body, "<p id=\"quiz-attempt-error\">");
        if (!rc)
            rc = esc(body, refused->attempt_problem);
        if (!rc)
            rc = fa_buf_puts(body, "</p>");
    }
    if (!rc && refused)
        rc = fa_buf_puts(body, "</div>\n");
    if (!rc)
        rc = fa_buf_printf(body,
                           "<form class=\"quiz-form\" id=\"quiz-form\" method=\"post\" "
                           "action=\"/quiz/submit\" data-quiz=\"%s\" data-total=\"%zu\"%s>\n"
                           "<input type=\"hidden\" name=\"quiz\" value=\"%s\">\n"
                           "<input type=\"hidden\" name=\"attempt\" value=\"%s\">\n"
                           "<div class=\"quiz-learner\">\n"
                           "<p><label for=\"quiz-name\">Your name</label> <input type=\"text\" "
                           "id=\"quiz-name\" name=\"name\" required pattern=\".*\\S.*\" "
                           "maxlength=\"%d\" autocomplete=\"name\"%s value=\"",
                           slug, n, refused ? " data-refused=\"\"" : "", slug, token,
                           QUIZ_MAX_NAME,
                           name_problem ? " aria-invalid=\"true\" aria-describedby=\"quiz-name-error\""
                                        : "");
    if (!rc && refused)
        rc = esc(body, refused->name);
    if (!rc)
        rc = fa_buf_puts(body, "\">");
    if (!rc)
        rc = field_error(body, "quiz-name-error", name_problem);
    if (!rc)
        rc = fa_buf_printf(body,
                           "</p>\n<p><label for=\"quiz-class\">Class code <span "
                           "class=\"optional\">(optional)</span></label> <input type=\"text\" "
                           "id=\"quiz-class\" name=\"class\" maxlength=\"%d\" "
                           "pattern=\"[A-Za-z0-9_.\\-]*\" autocomplete=\"off\" "
                           "aria-describedby=\"%squiz-class-help\"%s value=\"",
                           QUIZ_MAX_CLASS, class_problem ? "quiz-class-error " : "",
                           class_problem ? " aria-invalid=\"true\"" : "");
    if (!rc && (refused || cls))
        rc = esc(body, refused ? refused->class_code : cls->code);
    if (!rc)
        rc = fa_buf_puts(body, "\"> <span id=\"quiz-class-help\" class=\"quiz-help\">letters, "
                               "digits, '-', '_' and '.', as your instructor gave it</span>");
    if (!rc)
        rc = field_error(body, "quiz-class-error", class_problem);
    if (!rc)
        rc = fa_buf_printf(body, "</p>\n</div>\n"
                                 "<p class=\"quiz-progress\" id=\"quiz-progress\" role=\"status\" "
                                 "aria-live=\"polite\">%zu questions to answer</p>\n"
                                 "<ol class=\"quiz-questions\">\n",
                           n);
    for (size_t i = 0; i < quiz_bank_n_questions(quiz->bank) && !rc; i++)
        if (in_attempt(quiz->bank, i, topic, &draw))
            rc = render_question(body, quiz, i, ++number, seed, refused ? refused->filled : NULL);
    if (!rc)
        rc = fa_buf_puts(body, "</ol>\n<p class=\"quiz-submit\"><button type=\"submit\" "
                               "class=\"button-primary\">Submit answers</button></p>\n"
                               "</form>\n");
    return rc;
}

/* A new attempt of the quiz: a random seed, started now, and its token (empty without a
 * key: the page still shows, but no submission will be accepted). */
static void new_attempt(const struct srv_req *req, const char *slug, uint32_t *seed,
                        char token[QUIZ_TOKEN_MAX])
{
    if (getrandom(seed, sizeof *seed, 0) != (ssize_t)sizeof *seed)
        *seed = (uint32_t)now_ms();
    token[0] = '\0';
    if (req->quiz_key)
        quiz_token_make(req->quiz_key, slug, *seed, now_ms(), token);
}

int srv_quiz_handle_page(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_quiz *quiz = quiz_of(req);
    const char *name = req->path + strlen("/quiz/");
    long topic = find_quiz(quiz->bank, name, strlen(name));
    const char *given = srv_req_query(req, "attempt");
    char token[QUIZ_TOKEN_MAX];
    struct fa_buf body;
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
        quiz_token_check(req->quiz_key, quiz_slug(quiz->bank, topic), given, strlen(given),
                         &seed, &started) == FA_OK)
        snprintf(token, sizeof token, "%s", given);
    else
        new_attempt(req, quiz_slug(quiz->bank, topic), &seed, token);
    /* ?class=CODE (quiz.js adds the one a join link kept): the class's rules and pool. */
    struct quiz_class cls;
    const char *code = srv_req_query(req, "class");
    bool has_class = find_class(req->store, code, &cls);
    fa_buf_init(&body, SRV_MAX_PAGE_BYTES);
    if (render_quiz(&body, quiz, topic, token, seed, NULL, has_class ? &cls : NULL)) {
        fa_buf_cleanup(&body);
        return srv_resp_error(req, resp, 500, "The quiz page could not be built.");
    }
    return page(req, resp, quiz_title(quiz->bank, topic), &body, 200);
}

/* ---- submissions -------------------------------------------------------------------- */

static void submission_free(struct submission *s, size_t n)
{
    for (size_t i = 0; s->text && i < n; i++)
        fa_free(s->text[i]);
    fa_free(s->text);
    fa_free(s->chosen);
    fa_free(s->seen);
}

/* Whether UTF-8 text holds a bidirectional embedding, override or isolate (U+202A..U+202E,
 * U+2066..U+2069), a line or paragraph separator (U+2028, U+2029) or a C1 control (U+0080..
 * U+009F, NEL among them): in a name or class code pasted into a report they reorder or
 * break the lines around them (issue 11). */
static bool has_bidi_or_separator(const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text;

    for (size_t i = 0; i + 1 < len; i++) {
        if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
            return true;
        if (i + 2 < len && p[i] == 0xe2 &&
            ((p[i + 1] == 0x80 && p[i + 2] >= 0xa8 && p[i + 2] <= 0xae) ||
             (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))
            return true;
    }
    return false;
}

/* A learner's name: 1-80 bytes of UTF-8 without control characters, trimmed. */
static const char *take_name(const char *in, char *out, size_t cap)
{
    size_t len;

    while (isspace((unsigned char)*in))
        in++;
    len = strlen(in);
    while (len && isspace((unsigned char)in[len - 1]))
        len--;
    if (len == 0)
        return "Please give your name: it goes on your report.";
    if (len >= cap)
        return "Your name is too long (at most 80 bytes).";
    if (fa_utf8_bad_offset(in, len) < len)
        return "Your name is not valid UTF-8 text.";
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)in[i] < 0x20 || in[i] == 0x7f)
            return "Your name contains a control character.";
    if (has_bidi_or_separator(in, len))
        return "Your name contains a text-direction control or line separator character.";
    memcpy(out, in, len);
    out[len] = '\0';
    return NULL;
}

/* A class code: empty, or 1-32 of A-Z a-z 0-9 - _ . */
static const char *take_class(const char *in, char *out, size_t cap)
{
    size_t len = strlen(in);

    if (len >= cap)
        return "The class code is too long (at most 32 characters).";
    if (has_bidi_or_separator(in, len))
        return "The class code contains a text-direction control or line separator character.";
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)in[i]) && in[i] != '-' && in[i] != '_' && in[i] != '.')
            return "A class code has only letters, digits, '-', '_' and '.'.";
    memcpy(out, in, len + 1);
    return NULL;
}

/* Records the answer value for question id: an option index (choice types, repeated for
 * multiple) or a text (short). NULL, or what is wrong. */
static const char *take_answer(const struct quiz_bank *bank, struct submission *s, const char *id,
                               const char *value, bool is_text)
{
    long i = quiz_bank_find(bank, id);
    const struct quiz_question *q;
    char *end;
    long option;

    if (i < 0 || !in_quiz(quiz_bank_get_question(bank, (size_t)i), s->topic))
        return "an answer names a question that is not in this quiz";
    q = quiz_bank_get_question(bank, (size_t)i);
    if (q->type == QUIZ_SHORT) {
        if (!is_text && value)
            return "a short-answer question takes text";
        if (s->seen[i])
            return "a question is answered twice";
        if (value && strlen(value) > QUIZ_MAX_ANSWER_TEXT)
            return "an answer is longer than 200 bytes";
        if (value && fa_utf8_bad_offset(value, strlen(value)) < strlen(value))
            return "an answer is not valid UTF-8 text";
        s->text[i] = fa_xstrdup(value ? value : "");
        s->seen[i] = true;
        return NULL;
    }
    if (is_text)
        return "a multiple-choice question takes option numbers";
    option = strtol(value, &end, 10);
    if (!value[0] || *end || option < 0 || (size_t)option >= q->n_options)
        return "an answer names an option that does not exist";
    if (s->seen[i] && q->type != QUIZ_MULTIPLE)
        return "a one-answer question has more than one answer";
    s->chosen[i] |= 1u << option;
    s->seen[i] = true;
    return NULL;
}

/* The report's full URL, as people will paste it: under the site's public address (the
 * public URL behind a proxy; else the Host the request reached, which the dispatcher has
 * checked). */
static void permalink(const struct srv_req *req, const char *report_id, char *out, size_t len)
{
    char base[512];

    srv_public_base(req->pub, req->host, req->https, base, sizeof base);
    snprintf(out, len, "%s/report/%s", base, report_id);
}

/* Marks s, makes its report and stores both; fills a (release with attempt_cleanup). */
static int grade_and_store(struct srv_req *req, const struct srv_quiz *quiz,
                           const struct submission *s, struct quiz_attempt *a)
{
    const struct quiz_bank *bank = quiz->bank;
    const char *const *titles = (const char *const *)quiz->titles;
    struct fa_diag diag = {{0}};
    size_t n = 0;

    memset(a, 0, sizeof *a);
    snprintf(a->learner, sizeof a->learner, "%s", s->name);
    snprintf(a->class_code, sizeof a->class_code, "%s", s->class_code);
    snprintf(a->quiz, sizeof a->quiz, "%s", quiz_slug(bank, s->topic));
    a->submitted_ms = now_ms();
    /* The start time is the token's, signed by this server (take_attempt): believed however
     * long ago, unless the clock has gone back since. */
    a->started_ms = s->started_ms > 0 && s->started_ms <= a->submitted_ms ? s->started_ms
                                                                          : a->submitted_ms;
    a->seed = s->seed;
    a->answers = fa_xcalloc(quiz_bank_n_questions(bank) + 1, sizeof *a->answers);
    /* Only the questions the class's pool drew for this seed count (the page showed no
     * others). */
    struct quiz_class cls;
    struct draw draw = {s->seed, find_class(req->store, s->class_code, &cls) ? cls.pool_size : 0};
    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, i);
        struct quiz_answer answer = {s->chosen[i], s->text[i]};
        struct quiz_mark mark;
        struct quiz_stored_answer *an;

        if (!in_attempt(bank, i, s->topic, &draw))
            continue;
        mark = quiz_score(q, &answer);
        an = &a->answers[n++];
        snprintf(an->question_id, sizeof an->question_id, "%s", q->id);
        an->chosen = s->chosen[i];
        snprintf(an->text, sizeof an->text, "%s", s->text[i] ? s->text[i] : "");
        an->verdict = (int)mark.verdict;
        an->earned_milli = mark.earned_milli;
        an->max_milli = q->points * 1000;
        a->score_milli += mark.earned_milli;
        a->max_milli += an->max_milli;
    }
    a->n_answers = n;
    if (!req->store)
        return FA_EIO;
    /* The report is made now, with its permalink, and stored with the attempt: the
     * permalink shows it unchanged whatever later happens to the bank. */
    if (quiz_store_new_report_id(a->report_id))
        return FA_EDB;
    {
        struct fa_buf text, md;
        char link[300];
        permalink(req, a->report_id, link, sizeof link);
        fa_buf_init(&text, 1 << 20);
        fa_buf_init(&md, 1 << 20);
        if (quiz_report_text(bank, titles, a, link, &text) ||
            quiz_report_markdown(bank, titles, a, link, &md)) {
            fa_buf_cleanup(&text);
            fa_buf_cleanup(&md);
            return FA_EDB;
        }
        a->report_text = fa_xstrdup(text.ptr ? text.ptr : "");
        a->report_markdown = fa_xstrdup(md.ptr ? md.ptr : "");
        fa_buf_cleanup(&text);
        fa_buf_cleanup(&md);
    }
    if (quiz_store_save(req->store, a, &diag)) {
        fa_log_error("req=%llu event=quiz_save error=\"%s\"", (unsigned long long)req->id,
                     diag.msg);
        return FA_EDB;
    }
    fa_log_info("req=%llu event=quiz_saved quiz=%s score_milli=%d max_milli=%d",
                (unsigned long long)req->id, a->quiz, a->score_milli, a->max_milli);
    return FA_OK;
}

static void attempt_cleanup(struct quiz_attempt *a)
{
    fa_free(a->answers);
    fa_free(a->report_text);
    fa_free(a->report_markdown);
}

static void submission_init(struct submission *s, const struct quiz_bank *bank)
{
    size_t n = quiz_bank_n_questions(bank) + 1;

    memset(s, 0, sizeof *s);
    s->topic = -2;
    s->chosen = fa_xcalloc(n, sizeof *s->chosen);
    s->text = fa_xcalloc(n, sizeof *s->text);
    s->seen = fa_xcalloc(n, sizeof *s->seen);
}

/* Decodes application/x-www-form-urlencoded in place: '+' is a space, %XX a byte. */
static bool form_unescape(char *s)
{
    char *out = s;

    for (; *s; s++) {
        if (*s == '+') {
            *out++ = ' ';
        } else if (*s == '%') {
            int hi, lo;
            if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
                return false;
            hi = isdigit((unsigned char)s[1]) ? s[1] - '0' : (tolower((unsigned char)s[1]) - 'a' + 10);
            lo = isdigit((unsigned char)s[2]) ? s[2] - '0' : (tolower((unsigned char)s[2]) - 'a' + 10);
            if (hi == 0 && lo == 0)
                return false; /* a NUL would cut the value short */
            *out++ = (char)(hi << 4 | lo);
            s += 2;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
    return true;
}

/* Checks s's attempt token against the quiz s answers and maps the options chosen from their
 * places as shown to the bank's, through the token's seed. 0; FA_ENOTFOUND when there is no
 * token, FA_EINVAL when it is garbled, FA_EPOLICY when it does not check out (see
 * quiz_token_check). On a refusal the answers are mapped all the same, through the seed the
 * token claims, so that the page sent back shows each answer where the learner chose it;
 * they are never marked. Without a token they are taken as the bank's numbers: what pages
 * sent before tokens. */
static int take_attempt(const struct srv_req *req, const struct quiz_bank *bank,
                        struct submission *s)
{
    size_t len = strlen(s->attempt);
    int rc;

    if (!s->has_attempt || len == 0)
        rc = FA_ENOTFOUND;
    else if (!req->quiz_key)
        rc = FA_EPOLICY;
    else
        rc = quiz_token_check(req->quiz_key, quiz_slug(bank, s->topic), s->attempt, len,
                              &s->seed, &s->started_ms);
    if (rc == FA_ENOTFOUND ||
        (rc && (!req->quiz_key || quiz_token_read(req->quiz_key, quiz_slug(bank, s->topic),
                                                  s->attempt, len, &s->seed, &s->started_ms))))
        return rc;
    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, i);
        if (in_quiz(q, s->topic) && q->type != QUIZ_SHORT)
            s->chosen[i] = quiz_chosen_from_shown(q, s->seed, s->chosen[i]);
    }
    return rc;
}

/* Copies an attempt token as sent into s; one too long to be a token is kept as a garbled
 * one. */
static void keep_attempt(struct submission *s, const char *token)
{
    s->has_attempt = true;
    if (strlen(token) < sizeof s->attempt)
        memcpy(s->attempt, token, strlen(token) + 1);
    else
        snprintf(s->attempt, sizeof s->attempt, "-");
}

/* What the learner reads when the form's attempt token is refused (take_attempt's rc). */
static const char *attempt_problem(int rc)
{
    if (rc == FA_ENOTFOUND)
        return "This page had no attempt token (it may come from an older version of the "
               "site), so the time you started could not be checked. The page has one now.";
    return "This page's attempt token did not check out (it was changed, or it was issued by "
           "another server or for another quiz), so the time you started could not be "
           "checked. The page has a new one now; the time taken counts from now.";
}

static bool is_form_type(const char *content_type)
{
    static const char form[] = "application/x-www-form-urlencoded";

    return content_type && strncasecmp(content_type, form, sizeof form - 1) == 0;
}

static int redirect_to_report(struct srv_resp *resp, const char *report_id)
{
    snprintf(resp->location, sizeof resp->location, "/report/%s", report_id);
    fa_buf_reset(&resp->body);
    return 303;
}

int srv_quiz_handle_submit(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_quiz *quiz = quiz_of(req);
    const struct quiz_bank *bank = quiz->bank;
    struct submission s;
    struct quiz_attempt a = {0};
    const char *problem = NULL, *name_problem = NULL, *class_problem = NULL;
    const char *raw_name = "", *raw_class = "";
    bool has_name = false;
    char *copy;
    size_t n_values = 0;
    int rc, status, attempt_rc = 0;

    if (!is_form_type(req->content_type))
        return srv_resp_error(req, resp, 415, "Send the quiz as a form "
                                              "(application/x-www-form-urlencoded).");
    if (req->body.len > MAX_SUBMIT_BODY)
        return srv_resp_error(req, resp, 413, "The answers are too large to be a quiz.");
    submission_init(&s, bank);
    copy = fa_xstrndup(req->body.ptr ? req->body.ptr : "", req->body.len);
    for (char *pair = copy, *next; pair && *pair && !problem; pair = next) {
        char *eq;
        next = strchr(pair, '&');
        if (next)
            *next++ = '\0';
        eq = strchr(pair, '=');
        if (++n_values > MAX_FORM_VALUES) {
            problem = "The form has too many values.";
            break;
        }
        if (!eq || !form_unescape(eq + 1)) {
            problem = "The form is garbled (a value is not encoded correctly).";
            break;
        }
        *eq = '\0';
        if (!form_unescape(pair)) {
            problem = "The form is garbled (a name is not encoded correctly).";
        } else if (strcmp(pair, "name") == 0) {
            raw_name = eq + 1;
            has_name = true;
            name_problem = take_name(raw_name, s.name, sizeof s.name);
        } else if (strcmp(pair, "class") == 0) {
            raw_class = eq + 1;
            class_problem = take_class(raw_class, s.class_code, sizeof s.class_code);
        } else if (strcmp(pair, "quiz") == 0) {
            s.topic = find_quiz(bank, eq + 1, strlen(eq + 1));
            if (s.topic == -2)
                problem = "The form names a quiz that does not exist.";
        } else if (strcmp(pair, "attempt") == 0) {
            keep_attempt(&s, eq + 1);
        } else if (strncmp(pair, "a.", 2) == 0) {
            long i;
            if (s.topic == -2) {
                problem = "The form lists answers before naming its quiz.";
                break;
            }
            i = quiz_bank_find(bank, pair + 2);
            problem = take_answer(bank, &s, pair + 2, eq + 1,
                                  i >= 0 && quiz_bank_get_question(bank, (size_t)i)->type ==
                                                QUIZ_SHORT);
        }
    }
    if (!problem && s.topic == -2)
        problem = "The form does not say which quiz it answers.";
    if (!problem && !has_name)
        name_problem = "Please give your name: it goes on your report.";
    if (!problem)
        attempt_rc = take_attempt(req, bank, &s);
    /* The class's settings (srv_quiz_rules.h), shown next to the class code. */
    char rule[240];
    if (!problem && !name_problem && !class_problem && !attempt_rc)
        class_problem = srv_quiz_rules_refusal(req->store, s.class_code, s.name,
                                               quiz_slug(bank, s.topic), s.started_ms,
                                               now_ms(), rule, sizeof rule);
    if (!problem && (name_problem || class_problem || attempt_rc)) {
        /* The learner's own mistake, or a page whose attempt token does not check out (a
         * stale page, a forged start time): their quiz again, with everything they sent and
         * the error next to its field, so nothing is lost, with or without JavaScript. A
         * refused token is replaced by a new one. A garbled form (problem) still gets the
         * plain error page. */
        struct refusal refused = {&s, raw_name, raw_class, name_problem, class_problem,
                                  attempt_rc ? attempt_problem(attempt_rc) : NULL};
        char token[QUIZ_TOKEN_MAX];
        uint32_t seed = s.seed;

        if (fa_utf8_bad_offset(raw_name, strlen(raw_name)) < strlen(raw_name))
            refused.name = ""; /* not text: nothing to show again */
        if (fa_utf8_bad_offset(raw_class, strlen(raw_class)) < strlen(raw_class))
            refused.class_code = "";
        struct fa_buf body;
        long topic = s.topic;

        if (attempt_rc)
            new_attempt(req, quiz_slug(bank, topic), &seed, token);
        else
            snprintf(token, sizeof token, "%s", s.attempt);
        fa_buf_init(&body, SRV_MAX_PAGE_BYTES);
        struct quiz_class cls;
        bool has_class = find_class(req->store, s.class_code, &cls);
        rc = render_quiz(&body, quiz, topic, token, seed, &refused, has_class ? &cls : NULL);
        fa_free(copy);
        submission_free(&s, quiz_bank_n_questions(bank) + 1);
        if (rc) {
            fa_buf_cleanup(&body);
            return srv_resp_error(req, resp, 500, "The quiz page could not be built.");
        }
        resp->cache_control = "private, no-store";
        return page(req, resp, quiz_title(bank, topic), &body, 422);
    }
    fa_free(copy);
    if (problem) {
        submission_free(&s, quiz_bank_n_questions(bank) + 1);
        return srv_resp_error(req, resp, 400, problem);
    }
    rc = grade_and_store(req, quiz, &s, &a);
    submission_free(&s, quiz_bank_n_questions(bank) + 1);
    if (rc == FA_EIO)
        status = srv_resp_error(req, resp, 503, "Answers cannot be stored right now.");
    else if (rc)
        status = srv_resp_error(req, resp, 500, "Your answers could not be stored; please "
                                                "submit again.");
    else
        status = redirect_to_report(resp, a.report_id);
    attempt_cleanup(&a);
    return status;
}

/* ---- the result and report ---------------------------------------------------------- */

/* The geometry of a chart drawing, in its own units. */
struct chart_shape {
    const char *kind;                  /* "screen" or "print": its class, quiz-chart-KIND */
    int width, row;                    /* the drawing's width; the height of one topic */
    int label_y;                       /* the title's baseline, from the row's top */
    int bar_x, bar_y, bar_w, bar_h;    /* the bar's track */
    int value_x, value_y;              /* the percentage's place */
};

/* A bar per topic, drawn by the server: no chart library, no script. On screen each topic
 * takes two lines, its whole title above a bar with the percentage after it, in a narrow
 * drawing: on a phone it is scaled down little, so its text stays about 13 px (issue 14: a
 * title beside the bar was clipped, and the wide drawing's text shrank to about 7 px). On
 * paper a page is wide: one line per topic, title beside its bar, so that the full quiz's
 * chart takes a third of a sheet with its text at about 9 pt (print.css shows only that
 * one; the screen's two-line drawing took half a sheet, or shrank to unreadable labels). */
static const struct chart_shape chart_screen = {"screen", 340, 46, 13, 0, 19, 290, 18, 296, 33};
static const struct chart_shape chart_print = {"print", 730, 20, 14, 300, 4, 380, 13, 686, 15};

static int render_chart(struct fa_buf *b, const struct quiz_bank *bank,
                        const struct quiz_topic_score *ts, size_t n,
                        const struct chart_shape *c)
{
    bool print = c == &chart_print;
    int rc = fa_buf_printf(b,
                           "<svg class=\"quiz-chart quiz-chart-%s\" viewBox=\"0 0 %d %d\" "
                           "role=\"img\" aria-labelledby=\"quiz-chart-title-%s\"%s>\n<title "
                           "id=\"quiz-chart-title-%s\">Score by topic, in percent of its "
                           "points</title>\n",
                           c->kind, c->width, (int)n * c->row + 4, c->kind,
                           print ? " aria-hidden=\"true\"" : "", c->kind);

    for (size_t i = 0; i < n && !rc; i++) {
        int pct = percent(ts[i].earned_milli, ts[i].max_milli);
        int y = (int)i * c->row + 4;
        rc = fa_buf_printf(b, "<text x=\"0\" y=\"%d\" class=\"chart-label\">", y + c->label_y);
        if (!rc)
            rc = esc(b, quiz_bank_get_topic(bank, ts[i].topic)->title);
        if (!rc)
            rc = fa_buf_printf(b,
                               "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                               "class=\"chart-track\"/>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" "
                               "height=\"%d\" class=\"chart-bar%s\"/>\n<text x=\"%d\" y=\"%d\" "
                               "class=\"chart-value\">%d%%</text>\n",
                               c->bar_x, y + c->bar_y, c->bar_w, c->bar_h, c->bar_x,
                               y + c->bar_y, c->bar_w * pct / 100, c->bar_h,
                               pct >= 80 ? " is-good" : pct >= 50 ? " is-fair" : " is-weak",
                               c->value_x, y + c->value_y, pct);
    }
    return rc ? rc : fa_buf_puts(b, "</svg>\n");
}

static const char *const verdict_words[] = {"Not answered", "Incorrect", "Partly right",
                                            "Correct"};

/* The store refuses a row with a verdict out of range (quiz_store_load); this keeps the table
 * lookup safe even so. */
static const char *verdict_word(int verdict)
{
    return verdict >= 0 && (size_t)verdict < sizeof verdict_words / sizeof verdict_words[0]
               ? verdict_words[verdict]
               : "Not marked";
}

static int render_review(struct fa_buf *b, const struct srv_quiz *quiz,
                         const struct quiz_attempt *a)
{
    int rc = fa_buf_puts(b, "<h2 id=\"questions\">Question by question</h2>\n"
                            "<ol class=\"quiz-review\">\n");

    for (size_t i = 0; i < a->n_answers && !rc; i++) {
        const struct quiz_stored_answer *an = &a->answers[i];
        long qi = quiz_bank_find(quiz->bank, an->question_id);
        const struct quiz_question *q;
        const struct rendered *r;
        unsigned char order[QUIZ_MAX_OPTIONS];
        char earned[16], max[16];

        if (qi < 0) {
            rc = fa_buf_puts(b, "<li class=\"quiz-question\"><p>This question has left the "
                                "bank since.</p></li>\n");
            continue;
        }
        q = quiz_bank_get_question(quiz->bank, (size_t)qi);
        r = &quiz->questions[qi];
        rc = fa_buf_printf(b, "<li class=\"quiz-question is-%s\">\n<p class=\"quiz-verdict\">"
                              "<span class=\"verdict\">%s</span> <span class=\"quiz-meta\">%s "
                              "of %s point%s</span></p>\n<div class=\"quiz-stem\">%s</div>\n",
                           quiz_verdict_name((enum quiz_verdict)an->verdict),
                           verdict_word(an->verdict),
                           quiz_report_points(an->earned_milli, earned, sizeof earned),
                           quiz_report_points(an->max_milli, max, sizeof max),
                           an->max_milli == 1000 ? "" : "s", r->stem);
        if (!rc && q->type == QUIZ_SHORT) {
            char right[120];
            rc = fa_buf_puts(b, "<p class=\"quiz-given\">Your answer: <code>");
            if (!rc)
                rc = esc(b, an->text[0] ? an->text : "(none)");
            if (!rc)
                rc = fa_buf_puts(b, "</code>. Accepted: <code>");
            if (!rc)
                rc = esc(b, quiz_report_right_answer(q, right, sizeof right));
            if (!rc)
                rc = fa_buf_puts(b, "</code></p>\n");
        } else if (!rc) {
            quiz_option_order(q, a->seed, order);
            rc = fa_buf_puts(b, "<ul class=\"quiz-options is-review\">\n");
            for (size_t k = 0; k < q->n_options && !rc; k++) {
                unsigned o = order[k];
                bool chosen = an->chosen >> o & 1u, right = q->options[o].correct;
                rc = fa_buf_printf(b, "<li class=\"%s%s\">%s%s %s</li>\n",
                                   right ? "is-right" : "is-wrong", chosen ? " is-chosen" : "",
                                   chosen ? "<span class=\"mark\">your answer</span> " : "",
                                   right ? "<span class=\"mark\">right</span>" : "",
                                   r->options[o]);
            }
            if (!rc)
                rc = fa_buf_puts(b, "</ul>\n");
        }
        if (!rc)
            rc = fa_buf_printf(b, "<div class=\"quiz-explanation\">%s</div>\n<p class=\""
                                  "quiz-wiki\"><a href=\"",
                               r->explanation);
        if (!rc)
            rc = esc(b, q->wiki);
        if (!rc)
            rc = fa_buf_printf(b, "\">%s</a></p>\n</li>\n",
                               an->verdict == 3 ? "Read more in the wiki"
                                                : "Reread this section of the wiki");
    }
    return rc ? rc : fa_buf_puts(b, "</ol>\n");
}

/* The attempt's reports: as stored with it, or (attempts from before schema version 2) made
 * again from the bank; md may be NULL when only the text is wanted. text and md are
 * initialised here; the caller cleans them up. */
static int stored_reports(const struct srv_req *req, const struct srv_quiz *quiz,
                          const struct quiz_attempt *a, struct fa_buf *text, struct fa_buf *md)
{
    char link[300];
    int rc;

    fa_buf_init(text, 1 << 20);
    if (md)
        fa_buf_init(md, 1 << 20);
    if (a->report_text && a->report_markdown) {
        rc = fa_buf_puts(text, a->report_text);
        return rc || !md ? rc : fa_buf_puts(md, a->report_markdown);
    }
    permalink(req, a->report_id, link, sizeof link);
    rc = quiz_report_text(quiz->bank, (const char *const *)quiz->titles, a, link, text);
    return rc || !md ? rc
                     : quiz_report_markdown(quiz->bank, (const char *const *)quiz->titles, a,
                                            link, md);
}

/* What to do next, under the score: retake this quiz, the next topic's quiz, and the wiki
 * sections of the questions missed (each once). Also the marker quiz.js reads to forget the
 * answers it kept for this quiz: the server has stored them. */
static int render_next_steps(struct fa_buf *b, const struct srv_quiz *quiz,
                             const struct quiz_attempt *a, long topic)
{
    const char *seen[QUIZ_MAX_WIKI_LINKS];
    size_t n_seen = 0;
    int rc = fa_buf_puts(b, "<div id=\"quiz-done\" hidden data-quiz=\"");

    if (!rc)
        rc = esc(b, a->quiz);
    if (!rc)
        rc = fa_buf_printf(b, "\" data-report=\"%s\"></div>\n<nav class=\"quiz-next\" "
                              "aria-label=\"What next\"><ul>\n", a->report_id);
    if (!rc && topic >= -1) {
        rc = fa_buf_puts(b, "<li><a href=\"/quiz/");
        if (!rc)
            rc = esc(b, a->quiz);
        if (!rc)
            rc = fa_buf_puts(b, "\">Retake this quiz</a></li>\n");
    }
    if (!rc && topic >= 0 && (size_t)topic + 1 < quiz_bank_n_topics(quiz->bank)) {
        const struct quiz_topic *next = quiz_bank_get_topic(quiz->bank, (size_t)topic + 1);
        rc = fa_buf_puts(b, "<li><a href=\"/quiz/");
        if (!rc)
            rc = esc(b, next->slug);
        if (!rc)
            rc = fa_buf_puts(b, "\">Next topic: ");
        if (!rc)
            rc = esc(b, next->title);
        if (!rc)
            rc = fa_buf_puts(b, "</a></li>\n");
    }
    if (!rc)
        rc = fa_buf_puts(b, "<li><a href=\"/quiz\">All quizzes</a></li>\n</ul>\n");
    for (size_t i = 0; i < a->n_answers && !rc; i++) {
        long qi = quiz_bank_find(quiz->bank, a->answers[i].question_id);
        const struct quiz_question *q;
        bool dup = false;

        if (qi < 0 || a->answers[i].verdict == QUIZ_CORRECT)
            continue;
        q = quiz_bank_get_question(quiz->bank, (size_t)qi);
        for (size_t k = 0; k < n_seen && !dup; k++)
            dup = strcmp(seen[k], q->wiki) == 0;
        if (dup || n_seen == QUIZ_MAX_WIKI_LINKS)
            continue;
        rc = fa_buf_puts(b, n_seen ? "" : "<p class=\"quiz-reread\">Read again:</p>\n<ul "
                                          "class=\"quiz-reread-list\">\n");
        seen[n_seen++] = q->wiki;
        if (!rc)
            rc = fa_buf_puts(b, "<li><a href=\"");
        if (!rc)
            rc = esc(b, q->wiki);
        if (!rc)
            rc = fa_buf_puts(b, "\">");
        if (!rc) /* the page and the section, as the wiki titles them */
            rc = esc(b, quiz->wiki_labels[qi]);
        if (!rc)
            rc = fa_buf_puts(b, "</a></li>\n");
    }
    if (!rc && n_seen)
        rc = fa_buf_puts(b, "</ul>\n");
    return rc ? rc : fa_buf_puts(b, "</nav>\n");
}

static int render_result(struct srv_req *req, const struct srv_quiz *quiz,
                         const struct quiz_attempt *a, struct fa_buf *b)
{
    struct quiz_topic_score ts[64];
    size_t n_topics = quiz_report_topics(quiz->bank, a, ts, 64);
    struct fa_buf text, md;
    char took[32];
    int rc;
    long topic = find_quiz(quiz->bank, a->quiz, strlen(a->quiz));

    rc = stored_reports(req, quiz, a, &text, &md);
    if (!rc)
        rc = fa_buf_puts(b, "<h1>Result: ");
    if (!rc)
        rc = esc(b, a->learner);
    if (!rc) {
        char earned[16], max[16];
        rc = fa_buf_printf(b, "</h1>\n<p class=\"quiz-score\"><strong>%s / %s</strong> "
                              "points, <strong>%d%%</strong>. ",
                           quiz_report_points(a->score_milli, earned, sizeof earned),
                           quiz_report_points(a->max_milli, max, sizeof max),
                           percent(a->score_milli, a->max_milli));
    }
    if (!rc)
        rc = esc(b, topic >= -1 ? quiz_title(quiz->bank, topic) : a->quiz);
    if (!rc)
        rc = fa_buf_printf(b, ", %zu questions, time taken %s.</p>\n",
                           a->n_answers,
                           quiz_report_duration(a->submitted_ms - a->started_ms, took,
                                                sizeof took));
    char held[240];
    if (!srv_quiz_rules_reveal(req->store, a->class_code, now_ms(), held, sizeof held)) {
        /* The class shows scores only, for now or for good (srv_quiz_rules.h). */
        if (!rc)
            rc = fa_buf_puts(b, "<p class=\"quiz-held\" role=\"note\">");
        if (!rc)
            rc = esc(b, held);
        if (!rc)
            rc = fa_buf_printf(b, "</p>\n<p class=\"report-permalink\">Permalink: <a "
                                  "href=\"/report/%s\">/report/%s</a></p>\n",
                               a->report_id, a->report_id);
        fa_buf_cleanup(&text);
        fa_buf_cleanup(&md);
        return rc;
    }
    if (!rc)
        rc = render_next_steps(b, quiz, a, topic);
    if (!rc)
        rc = fa_buf_puts(b, "<h2 id=\"by-topic\">By topic</h2>\n");
    if (!rc)
        rc = render_chart(b, quiz->bank, ts, n_topics, &chart_screen);
    if (!rc)
        rc = render_chart(b, quiz->bank, ts, n_topics, &chart_print);
    if (!rc)
        rc = fa_buf_puts(b, "<h2 id=\"report\">Performance report</h2>\n<p class=\"report-advice\">Copy it into a "
                            "message or your course's learning platform: it reads the same "
                            "in any text box.</p>\n<pre id=\"report-text\" class=\"report-text\" "
                            "data-copy-label=\"Copy report\" tabindex=\"0\">");
    if (!rc)
        rc = fa_buf_append_html(b, text.ptr, text.len);
    if (!rc)
        rc = fa_buf_puts(b, "</pre>\n<details class=\"report-markdown\">\n<summary>The "
                            "same report in Markdown</summary>\n<pre id=\"report-md\" "
                            "class=\"report-text\" data-copy-label=\"Copy Markdown\" "
                            "tabindex=\"0\">");
    if (!rc)
        rc = fa_buf_append_html(b, md.ptr, md.len);
    if (!rc)
        rc = fa_buf_printf(b, "</pre>\n</details>\n<p class=\"report-permalink\">"
                              "Permalink: <a href=\"/report/%s\">/report/%s</a></p>\n",
                           a->report_id, a->report_id);
    if (!rc)
        rc = render_review(b, quiz, a);
    fa_buf_cleanup(&text);
    fa_buf_cleanup(&md);
    return rc;
}

/* The attempt named by the path after prefix, or an error response. */
static int load_attempt(struct srv_req *req, struct srv_resp *resp, const char *prefix,
                        struct quiz_attempt **out, bool json)
{
    struct fa_diag diag = {{0}};
    int rc;

    if (!req->store)
        return json ? 503 : srv_resp_error(req, resp, 503, "Reports cannot be read right now.");
    rc = quiz_store_load(req->store, req->path + strlen(prefix), out, &diag);
    if (rc == FA_ENOTFOUND) {
        if (json)
            return 404;
        resp->asset = srv_site_get_not_found(req->site);
        return 404;
    }
    if (rc) {
        fa_log_error("req=%llu event=quiz_load error=\"%s\"", (unsigned long long)req->id,
                     diag.msg);
        /* A damaged row (quiz_store_load checks every field) spoils this report only. */
        if (rc == FA_EINVAL && !json)
            return srv_resp_error(req, resp, 500, "This report is damaged in the store and "
                                                  "cannot be shown; other reports are fine.");
        return json ? 500 : srv_resp_error(req, resp, 500, "The report could not be read.");
    }
    return 200;
}

int srv_quiz_handle_report(struct srv_req *req, struct srv_resp *resp)
{
    struct quiz_attempt *a = NULL;
    struct fa_buf body;
    int status = load_attempt(req, resp, "/report/", &a, false), rc;

    if (status != 200)
        return status;
    fa_buf_init(&body, SRV_MAX_PAGE_BYTES);
    rc = render_result(req, quiz_of(req), a, &body);
    quiz_attempt_free(a);
    if (rc) {
        fa_buf_cleanup(&body);
        return srv_resp_error(req, resp, 500, "The report page could not be built.");
    }
    resp->cache_control = "private, no-store";
    return page(req, resp, "Quiz result", &body, 200);
}

/* ---- the JSON API ------------------------------------------------------------------- */

static int json_reply(struct srv_req *req, struct srv_resp *resp, json_t *value, int status)
{
    /* Dumped into one buffer, appended once: jansson's callback form hands over every token
     * separately, which costs more than the dump itself for a report of a few KiB. */
    size_t cap = 64 * 1024, len = 0;
    char *text = fa_xmalloc(cap);
    int rc = -1;

    if (value) {
        len = json_dumpb(value, text, cap, JSON_COMPACT | JSON_REAL_PRECISION(6));
        if (len > cap) { /* too big for the first guess: once more, the right size */
            fa_free(text);
            text = fa_xmalloc(cap = len);
            len = json_dumpb(value, text, cap, JSON_COMPACT | JSON_REAL_PRECISION(6));
        }
        rc = len > 0 && len <= cap ? fa_buf_append(&resp->body, text, len) : -1;
    }
    fa_free(text);
    json_decref(value);
    if (rc)
        return srv_resp_error(req, resp, 500, "The answer could not be built.");
    resp->content_type = "application/json";
    return status;
}

static int json_error(struct srv_req *req, struct srv_resp *resp, int status, const char *msg)
{
    fa_buf_reset(&resp->body);
    return json_reply(req, resp, json_pack("{s:s}", "error", msg), status);
}

int srv_quiz_handle_api_quiz(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_quiz *quiz = quiz_of(req);
    const char *name = srv_req_query(req, "topic");
    long topic = name ? find_quiz(quiz->bank, name, strlen(name)) : -1;
    json_t *questions = json_array();
    char token[QUIZ_TOKEN_MAX];
    uint32_t seed = 0;
    int64_t started;

    if (topic == -2 || req->query_too_long) {
        json_decref(questions);
        return json_error(req, resp, 404, "no such topic (see GET /api/quiz for all of them)");
    }
    new_attempt(req, quiz_slug(quiz->bank, topic), &seed, token);
    if (!req->quiz_key || quiz_token_read(req->quiz_key, quiz_slug(quiz->bank, topic), token,
                                          strlen(token), &seed, &started))
        started = now_ms(); /* no key: no token */
    struct quiz_class cls;
    struct draw draw = {seed, find_class(req->store, srv_req_query(req, "class"), &cls)
                                  ? cls.pool_size
                                  : 0};
    for (size_t i = 0; i < quiz_bank_n_questions(quiz->bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(quiz->bank, i);
        unsigned char order[QUIZ_MAX_OPTIONS];
        json_t *options;

        if (!in_attempt(quiz->bank, i, topic, &draw))
            continue;
        /* Made only for the questions shown: made before the test above, it leaked once per
         * question of every other topic (found by fuzz/fuzz_router, seed api-quiz.req). */
        options = json_array();
        quiz_option_order(q, seed, order);
        /* Values are places as shown, like the page's (issue 13). */
        for (size_t k = 0; k < q->n_options; k++)
            json_array_append_new(options, json_pack("{s:i, s:s}", "value", (int)k, "html",
                                                     quiz->questions[i].options[order[k]]));
        json_array_append_new(questions,
                              json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:o}", "id", q->id,
                                        "topic", quiz_bank_get_topic(quiz->bank, q->topic)->slug,
                                        "type", (const char *[]){"single", "multiple",
                                                                 "truefalse", "short",
                                                                 "predict"}[q->type],
                                        "points", q->points, "stem_markdown", q->stem,
                                        "wiki", q->wiki, "options", options));
    }
    {
        json_t *topics = json_array();
        for (size_t t = 0; t < quiz_bank_n_topics(quiz->bank); t++)
            json_array_append_new(topics, json_pack("{s:s, s:s}", "slug",
                                                    quiz_bank_get_topic(quiz->bank, t)->slug,
                                                    "title",
                                                    quiz_bank_get_topic(quiz->bank, t)->title));
        return json_reply(req, resp,
                          json_pack("{s:s, s:s, s:I, s:o, s:o}", "quiz",
                                    quiz_slug(quiz->bank, topic), "attempt", token,
                                    "started_ms", (json_int_t)started, "topics", topics,
                                    "questions", questions),
                          200);
    }
}

/* The result of an attempt as JSON: the answer of submit, and with the Markdown report too
 * (with_markdown) of GET /api/report/<id>. */
static json_t *attempt_json(struct srv_req *req, const struct srv_quiz *quiz,
                            const struct quiz_attempt *a, bool with_markdown)
{
    json_t *results = json_array();
    struct fa_buf text, md;
    char link[300], right[120];
    json_t *out;

    permalink(req, a->report_id, link, sizeof link);
    char held[240];
    if (!srv_quiz_rules_reveal(req->store, a->class_code, now_ms(), held, sizeof held)) {
        /* Scores only (srv_quiz_rules.h): no verdicts, right answers or report. */
        json_decref(results);
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:i, s:i, s:I, s:I, s:s}",
                         "report_id", a->report_id, "report_url", link, "learner", a->learner,
                         "class", a->class_code, "quiz", a->quiz, "score",
                         a->score_milli / 1000.0, "max", a->max_milli / 1000, "percent",
                         percent(a->score_milli, a->max_milli), "started_ms",
                         (json_int_t)a->started_ms, "submitted_ms", (json_int_t)a->submitted_ms,
                         "held", held);
    }
    for (size_t i = 0; i < a->n_answers; i++) {
        const struct quiz_stored_answer *an = &a->answers[i];
        long qi = quiz_bank_find(quiz->bank, an->question_id);
        const struct quiz_question *q = qi >= 0 ? quiz_bank_get_question(quiz->bank, (size_t)qi)
                                                : NULL;
        json_array_append_new(results,
                              json_pack("{s:s, s:s, s:f, s:i, s:s?, s:s?}", "id",
                                        an->question_id, "verdict",
                                        quiz_verdict_name((enum quiz_verdict)an->verdict),
                                        "earned", an->earned_milli / 1000.0, "max",
                                        an->max_milli / 1000, "right_answer",
                                        q ? quiz_report_right_answer(q, right, sizeof right)
                                          : NULL,
                                        "wiki", q ? q->wiki : NULL));
    }
    stored_reports(req, quiz, a, &text, with_markdown ? &md : NULL);
    out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:i, s:i, s:I, s:I, s:o, s:s, s:s?}",
                    "report_id", a->report_id, "report_url", link, "learner", a->learner,
                    "class", a->class_code, "quiz", a->quiz, "score", a->score_milli / 1000.0,
                    "max", a->max_milli / 1000,
                    "percent", percent(a->score_milli, a->max_milli),
                    "started_ms", (json_int_t)a->started_ms, "submitted_ms",
                    (json_int_t)a->submitted_ms, "results", results, "report_text",
                    text.ptr ? text.ptr : "", "report_markdown",
                    with_markdown ? md.ptr ? md.ptr : "" : NULL);
    fa_buf_cleanup(&text);
    if (with_markdown)
        fa_buf_cleanup(&md);
    return out;
}

int srv_quiz_handle_api_submit(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_quiz *quiz = quiz_of(req);
    const struct quiz_bank *bank = quiz->bank;
    const char *problem = NULL, *key;
    json_t *root, *answers, *value;
    json_error_t error;
    struct submission s;
    struct quiz_attempt a = {0};
    int rc, status;

    if (!req->content_type || strncasecmp(req->content_type, "application/json", 16) != 0)
        return json_error(req, resp, 415, "send JSON (Content-Type: application/json)");
    if (req->body.len > MAX_SUBMIT_BODY)
        return json_error(req, resp, 413, "the answers are too large to be a quiz");
    root = json_loadb(req->body.ptr ? req->body.ptr : "", req->body.len,
                      JSON_REJECT_DUPLICATES, &error);
    if (!json_is_object(root)) {
        json_decref(root);
        return json_error(req, resp, 400, root ? "the body must be a JSON object"
                                               : "the body is not valid JSON");
    }
    submission_init(&s, bank);
    json_object_foreach(root, key, value) {
        if (strcmp(key, "name") && strcmp(key, "class") && strcmp(key, "quiz") &&
            strcmp(key, "attempt") && strcmp(key, "answers")) {
            problem = "unknown field (name, class, quiz, attempt, answers)";
            break;
        }
    }
    if (!problem) {
        const char *quiz_name = json_string_value(json_object_get(root, "quiz"));
        s.topic = quiz_name ? find_quiz(bank, quiz_name, strlen(quiz_name)) : -1;
        if (s.topic == -2)
            problem = "quiz names no topic (a topic slug, or \"all\")";
    }
    if (!problem) {
        json_t *name = json_object_get(root, "name"), *cls = json_object_get(root, "class");
        if (!json_is_string(name))
            problem = "name is required, as a string";
        else
            problem = take_name(json_string_value(name), s.name, sizeof s.name);
        if (!problem && cls && !json_is_string(cls))
            problem = "class must be a string";
        else if (!problem && cls)
            problem = take_class(json_string_value(cls), s.class_code, sizeof s.class_code);
    }
    if (!problem) {
        json_t *attempt = json_object_get(root, "attempt");
        if (attempt && !json_is_string(attempt))
            problem = "attempt is a string: the token GET /api/quiz gave with the questions";
        else if (attempt)
            keep_attempt(&s, json_string_value(attempt));
    }
    answers = json_object_get(root, "answers");
    if (!problem && !json_is_object(answers))
        problem = "answers is required: an object of question id to option numbers or text";
    if (!problem) {
        json_object_foreach(answers, key, value) {
            if (json_is_string(value)) {
                problem = take_answer(bank, &s, key, json_string_value(value), true);
            } else if (json_is_integer(value) || json_is_array(value)) {
                size_t i;
                json_t *item;
                json_t *list = json_is_array(value) ? json_incref(value) : json_pack("[O]", value);
                if (json_array_size(list) > QUIZ_MAX_OPTIONS)
                    problem = "an answer lists too many options";
                json_array_foreach(list, i, item) {
                    char number[24];
                    if (problem)
                        break;
                    if (!json_is_integer(item)) {
                        problem = "option numbers are integers";
                        break;
                    }
                    snprintf(number, sizeof number, "%lld", (long long)json_integer_value(item));
                    problem = take_answer(bank, &s, key, number, false);
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
        int attempt_rc = take_attempt(req, bank, &s);
        if (attempt_rc == FA_ENOTFOUND)
            problem = "attempt is required: the token GET /api/quiz gave with the questions "
                      "(it signs their option order and the start time)";
        else if (attempt_rc)
            problem = "attempt does not check out: it was changed, or issued by another "
                      "server or for another quiz (GET /api/quiz gives a new one)";
    }
    if (problem) {
        submission_free(&s, quiz_bank_n_questions(bank) + 1);
        return json_error(req, resp, 400, problem);
    }
    char rule[240];
    if (srv_quiz_rules_refusal(req->store, s.class_code, s.name, quiz_slug(bank, s.topic),
                               s.started_ms, now_ms(), rule, sizeof rule)) {
        submission_free(&s, quiz_bank_n_questions(bank) + 1);
        return json_error(req, resp, 403, rule);
    }
    rc = grade_and_store(req, quiz, &s, &a);
    submission_free(&s, quiz_bank_n_questions(bank) + 1);
    if (rc == FA_EIO)
        status = json_error(req, resp, 503, "answers cannot be stored right now");
    else if (rc)
        status = json_error(req, resp, 500, "the answers could not be stored; send them again");
    else
        status = json_reply(req, resp, attempt_json(req, quiz, &a, false), 201);
    attempt_cleanup(&a);
    return status;
}

int srv_quiz_handle_api_report(struct srv_req *req, struct srv_resp *resp)
{
    struct quiz_attempt *a = NULL;
    int status = load_attempt(req, resp, "/api/report/", &a, true);

    if (status == 404)
        return json_error(req, resp, 404, "no report with this id");
    if (status != 200)
        return json_error(req, resp, status, "the report cannot be read right now");
    status = json_reply(req, resp, attempt_json(req, quiz_of(req), a, true), 200);
    quiz_attempt_free(a);
    return status;
}
