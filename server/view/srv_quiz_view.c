/* srv_quiz_view.c: the quiz's pages before submission (see srv_quiz_view.h). */
#include "server/view/srv_quiz_view.h"

#include "quiz/quiz_score.h"
#include "server/model/srv_quiz_int.h"
#include "server/model/srv_quiz_rules.h"

#include <string.h>

/* How each type is named above its question. */
static const char *const type_words[QUIZ_N_TYPES] = {
    "one answer", "select all that apply", "true or false", "short answer", "predict the outcome"};

/* HTML the model rendered (cmark's safe mode): trusted. */
static struct fa_html rendered(const char *html) { return (struct fa_html){html, strlen(html)}; }

int srv_quiz_render_index(const struct srv_quiz *quiz, struct fa_buf *out)
{
    const struct quiz_bank *bank = quiz->bank;
    struct fa_html_builder h;
    int points;
    size_t n = srv_quiz_size(bank, -1, NULL, &points);

    fa_html_init_into(&h, out);
    fa_html_printf(&h,
                   "<h1>Quiz</h1>\n<p class=\"lead\">Answer the questions, then submit: you get "
                   "your score, an explanation for every question with a link to the wiki "
                   "section it tests, and a performance report to copy into a message or your "
                   "course's learning platform.</p>\n"
                   "<ul class=\"quiz-list\">\n<li><a href=\"/quiz/all\"><strong>The full "
                   "quiz</strong></a> <span class=\"quiz-count\">%zu questions, %d "
                   "points</span></li>\n",
                   n, points);
    for (size_t t = 0; t < quiz_bank_n_topics(bank); t++) {
        const struct quiz_topic *topic = quiz_bank_get_topic(bank, t);
        n = srv_quiz_size(bank, (long)t, NULL, &points);
        fa_html_raw(&h, "<li><a href=\"/quiz/");
        fa_html_attr(&h, topic->slug);
        fa_html_raw(&h, "\">");
        fa_html_text(&h, topic->title);
        fa_html_printf(&h, "</a> <span class=\"quiz-count\">%zu questions</span></li>\n", n);
    }
    /* Filled by quiz.js from the report ids this browser submitted (issue 14: losing a
     * permalink lost the report); hidden until it has something to show. */
    fa_html_raw(&h, "</ul>\n<section class=\"quiz-mine\" id=\"quiz-mine\" hidden "
                    "aria-labelledby=\"quiz-mine-title\">\n<h2 id=\"quiz-mine-title\">Your "
                    "reports</h2>\n<p>The quizzes submitted from this browser, newest first, "
                    "with their scores from the server. The list is kept in this browser only: "
                    "there are no accounts.</p>\n<ol class=\"quiz-mine-list\" "
                    "id=\"quiz-mine-list\"></ol>\n<p><button type=\"button\" "
                    "id=\"quiz-mine-forget\">Forget this list</button></p>\n</section>\n");
    return fa_html_errcode(&h);
}

/* Stem HTML for the quiz page: a runnable block must not get its "Try it" link there (it
 * would give the answer away), so its class becomes plain Python (still highlighted). */
static void stem_for_quiz(struct fa_html_builder *h, const char *html)
{
    static const char runnable[] = "language-pyrun";
    const char *p;

    while ((p = strstr(html, runnable)) != NULL) {
        fa_html_put(h, (struct fa_html){html, (size_t)(p - html)});
        fa_html_raw(h, "language-python");
        html = p + sizeof runnable - 1;
    }
    fa_html_put(h, rendered(html));
}

/* A short answer's text field, with the text sent before (filled, may be NULL). */
static void short_answer(struct fa_html_builder *h, const struct quiz_question *q,
                         const char *filled)
{
    fa_html_raw(h, "<p class=\"quiz-short\"><label for=\"a-");
    fa_html_attr(h, q->id);
    fa_html_raw(h, "\">Your answer</label> <input type=\"text\" id=\"a-");
    fa_html_attr(h, q->id);
    fa_html_raw(h, "\" name=\"a.");
    fa_html_attr(h, q->id);
    fa_html_printf(h, "\" maxlength=\"%d\" autocomplete=\"off\" spellcheck=\"false\" value=\"",
                   QUIZ_MAX_ANSWER_TEXT);
    fa_html_attr(h, filled);
    fa_html_raw(h, "\"></p>\n");
}

/* Question index as the number-th of its quiz, options in seed's order, with the answers
 * of filled (or none when NULL) chosen again. */
static void render_question(struct fa_html_builder *h, const struct srv_quiz *quiz, size_t index,
                            size_t number, uint32_t seed, const struct submission *filled)
{
    const struct quiz_question *q = quiz_bank_get_question(quiz->bank, index);
    const struct rendered *r = &quiz->questions[index];
    unsigned char order[QUIZ_MAX_OPTIONS];

    fa_html_raw(h, "<li class=\"quiz-question\" id=\"q-");
    fa_html_attr(h, q->id);
    fa_html_printf(h,
                   "\">\n<fieldset>\n<legend><span class=\"quiz-number\">Question "
                   "%zu</span> <span class=\"quiz-meta\">",
                   number);
    fa_html_text(h, quiz_bank_get_topic(quiz->bank, q->topic)->title);
    fa_html_printf(h, " · %d point", q->points);
    fa_html_raw(h, q->points == 1 ? " · " : "s · ");
    fa_html_text(h, type_words[q->type]);
    fa_html_raw(h, "</span></legend>\n<div class=\"quiz-stem\">");
    stem_for_quiz(h, r->stem);
    fa_html_raw(h, "</div>\n");
    if (q->type == QUIZ_SHORT) {
        short_answer(h, q, filled ? filled->text[index] : NULL);
        fa_html_raw(h, "</fieldset>\n</li>\n");
        return;
    }
    quiz_option_order(q, seed, order);
    fa_html_raw(h, "<ul class=\"quiz-options\">\n");
    for (size_t k = 0; k < q->n_options; k++) {
        /* An option's value and id are its place as shown, never its place in the bank: the
         * keyed option is often the bank's first, so a bank number would give it away
         * (issue 13). The server maps them back through the attempt's seed. */
        unsigned o = order[k];
        fa_html_raw(h, q->type == QUIZ_MULTIPLE ? "<li><input type=\"checkbox\" name=\"a."
                                                : "<li><input type=\"radio\" name=\"a.");
        fa_html_attr(h, q->id);
        fa_html_raw(h, "\" id=\"a-");
        fa_html_attr(h, q->id);
        fa_html_printf(h, "-%zu\" value=\"%zu\"", k, k);
        fa_html_raw(h, filled && (filled->chosen[index] >> o & 1u) ? " checked" : "");
        fa_html_raw(h, "> <label for=\"a-");
        fa_html_attr(h, q->id);
        fa_html_printf(h, "-%zu\">", k);
        fa_html_put(h, rendered(r->options[o]));
        fa_html_raw(h, "</label></li>\n");
    }
    fa_html_raw(h, "</ul>\n</fieldset>\n</li>\n");
}

/* The error of a field (or nothing when problem is NULL), with the id its input's
 * aria-describedby names. */
static void field_error(struct fa_html_builder *h, const char *id, const char *problem)
{
    if (!problem)
        return;
    fa_html_raw(h, " <span class=\"quiz-field-error\" id=\"");
    fa_html_attr(h, id);
    fa_html_raw(h, "\">");
    fa_html_text(h, problem);
    fa_html_raw(h, "</span>");
}

/* Above a refused form's questions: that nothing was sent, and why. */
static void refused_notice(struct fa_html_builder *h, const struct refusal *refused)
{
    if (refused->name_problem || refused->class_problem) {
        fa_html_raw(h, "<div class=\"quiz-refused\" id=\"quiz-refused\" role=\"alert\" "
                       "tabindex=\"-1\"><p><strong>Your answers were not sent.</strong> They "
                       "are all still here: correct the field");
        fa_html_raw(h, refused->name_problem && refused->class_problem ? "s" : "");
        fa_html_raw(h, " marked below, then submit again.</p>");
    } else {
        fa_html_raw(h, "<div class=\"quiz-refused\" id=\"quiz-refused\" role=\"alert\" "
                       "tabindex=\"-1\"><p><strong>Your answers were not sent.</strong> They "
                       "are all still here: submit again.</p>");
    }
    if (refused->attempt_problem) {
        fa_html_raw(h, "<p id=\"quiz-attempt-error\">");
        fa_html_text(h, refused->attempt_problem);
        fa_html_raw(h, "</p>");
    }
    fa_html_raw(h, "</div>\n");
}

/* The learner's fields: their name and class code, with their errors. */
static void learner_fields(struct fa_html_builder *h, const struct refusal *refused,
                           const struct quiz_class *cls)
{
    const char *name_problem = refused ? refused->name_problem : NULL;
    const char *class_problem = refused ? refused->class_problem : NULL;

    fa_html_printf(h,
                   "<div class=\"quiz-learner\">\n<p><label for=\"quiz-name\">Your "
                   "name</label> <input type=\"text\" id=\"quiz-name\" name=\"name\" "
                   "required pattern=\".*\\S.*\" maxlength=\"%d\" autocomplete=\"name\"",
                   QUIZ_MAX_NAME);
    fa_html_raw(h,
                name_problem ? " aria-invalid=\"true\" aria-describedby=\"quiz-name-error\"" : "");
    fa_html_raw(h, " value=\"");
    if (refused)
        fa_html_attr(h, refused->name);
    fa_html_raw(h, "\">");
    field_error(h, "quiz-name-error", name_problem);
    fa_html_printf(h,
                   "</p>\n<p><label for=\"quiz-class\">Class code <span "
                   "class=\"optional\">(optional)</span></label> <input type=\"text\" "
                   "id=\"quiz-class\" name=\"class\" maxlength=\"%d\" "
                   "pattern=\"[A-Za-z0-9_.\\-]*\" autocomplete=\"off\" aria-describedby=\"",
                   QUIZ_MAX_CLASS);
    fa_html_raw(h, class_problem ? "quiz-class-error quiz-class-help\" aria-invalid=\"true\""
                                 : "quiz-class-help\"");
    fa_html_raw(h, " value=\"");
    if (refused || cls)
        fa_html_attr(h, refused ? refused->class_code : cls->code);
    fa_html_raw(h, "\"> <span id=\"quiz-class-help\" class=\"quiz-help\">letters, digits, "
                   "'-', '_' and '.', as your instructor gave it</span>");
    field_error(h, "quiz-class-error", class_problem);
    fa_html_raw(h, "</p>\n</div>\n");
}

void srv_quiz_view_render(struct fa_html_builder *h, const struct srv_quiz *quiz, long topic,
                          const char *token, uint32_t seed, const struct refusal *refused,
                          const struct quiz_class *cls)
{
    const char *slug = srv_quiz_slug(quiz->bank, topic);
    struct srv_quiz_draw draw = {seed, cls ? cls->pool_size : 0};
    size_t number = 0;
    int points;
    size_t n = srv_quiz_size(quiz->bank, topic, &draw, &points);

    fa_html_raw(h, "<h1>");
    fa_html_text(h, srv_quiz_title(quiz->bank, topic));
    fa_html_printf(h,
                   "</h1>\n<p class=\"lead\">%zu questions, %d points. Answer what you can, "
                   "then submit: every question comes back with its explanation. Your answers "
                   "are kept in this browser until you submit.</p>\n",
                   n, points);
    if (cls) {
        /* What the learner's class allows, before they start (issue 15). */
        char rules[600];
        srv_quiz_rules_describe(cls, rules, sizeof rules);
        fa_html_raw(h, "<p class=\"quiz-class-rules\" id=\"quiz-class-rules\">");
        fa_html_text(h, rules);
        fa_html_raw(h, "</p>\n");
    }
    if (refused)
        refused_notice(h, refused);
    fa_html_raw(h, "<form class=\"quiz-form\" id=\"quiz-form\" method=\"post\" "
                   "action=\"/quiz/submit\" data-quiz=\"");
    fa_html_attr(h, slug);
    fa_html_printf(h, "\" data-total=\"%zu\"", n);
    fa_html_raw(h, refused ? " data-refused=\"\"" : "");
    fa_html_raw(h, ">\n<input type=\"hidden\" name=\"quiz\" value=\"");
    fa_html_attr(h, slug);
    fa_html_raw(h, "\">\n<input type=\"hidden\" name=\"attempt\" value=\"");
    fa_html_attr(h, token);
    fa_html_raw(h, "\">\n");
    learner_fields(h, refused, cls);
    fa_html_printf(h,
                   "<p class=\"quiz-progress\" id=\"quiz-progress\" role=\"status\" "
                   "aria-live=\"polite\">%zu questions to answer</p>\n"
                   "<ol class=\"quiz-questions\">\n",
                   n);
    for (size_t i = 0; i < quiz_bank_n_questions(quiz->bank); i++)
        if (srv_quiz_in_attempt(quiz->bank, i, topic, &draw))
            render_question(h, quiz, i, ++number, seed, refused ? refused->filled : NULL);
    fa_html_raw(h, "</ol>\n<p class=\"quiz-submit\"><button type=\"submit\" "
                   "class=\"button-primary\">Submit answers</button></p>\n</form>\n");
}
