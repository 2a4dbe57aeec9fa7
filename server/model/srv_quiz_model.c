/* srv_quiz_model.c: the quiz the site holds (see srv_quiz_model.h), and which questions a
 * quiz and an attempt have (srv_quiz_int.h). */
#include "server/model/srv_quiz_model.h"

#include "common/fa_mem.h"
#include "content/cnt_check.h"
#include "content/cnt_markdown.h"
#include "content/cnt_site.h"
#include "quiz/quiz_pool.h"
#include "server/model/srv_quiz_int.h"

#include <stdio.h>
#include <string.h>

/* Renders markdown into *html (cmark's safe mode). The bank checked the text, so only a cap
 * can refuse it: then the build fails, rather than a question showing nothing. */
static int render(const char *markdown, int inline_only, char **html)
{
    *html = NULL;
    return cnt_markdown_fragment(markdown, strlen(markdown), inline_only, html);
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
        int rc = render(q->stem, 0, &r->stem);
        if (!rc)
            rc = cnt_markdown_plain_title(q->stem, strlen(q->stem), &quiz->titles[i]);
        if (!rc)
            rc = render(q->explanation, 0, &r->explanation);
        for (size_t k = 0; k < q->n_options && !rc; k++) {
            const char *text = q->options[k].text;
            if (q->type == QUIZ_PREDICT && quiz_outcome_words(text, words, sizeof words))
                text = words;
            rc = render(text, 1, &r->options[k]);
        }
        if (rc) {
            srv_quiz_free(quiz);
            return fa_diag_set(diag, rc, "%s/%s: the question could not be rendered: %s", quiz_dir,
                               q->file, fa_strerror(rc));
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

bool srv_quiz_has(const struct quiz_question *q, long topic)
{
    return topic < 0 || q->topic == (size_t)topic;
}

bool srv_quiz_in_attempt(const struct quiz_bank *bank, size_t i, long topic,
                         const struct srv_quiz_draw *d)
{
    return srv_quiz_has(quiz_bank_get_question(bank, i), topic) &&
           (!d || quiz_pool_drawn(bank, i, d->seed, d->pool_size));
}

size_t srv_quiz_size(const struct quiz_bank *bank, long topic, const struct srv_quiz_draw *d,
                     int *points)
{
    size_t n = 0;

    *points = 0;
    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, i);
        if (srv_quiz_in_attempt(bank, i, topic, d)) {
            n++;
            *points += q->points;
        }
    }
    return n;
}

long srv_quiz_find(const struct quiz_bank *bank, const char *name, size_t len)
{
    long t;

    if (len == 3 && memcmp(name, "all", 3) == 0)
        return -1;
    t = quiz_bank_find_topic(bank, name, len);
    return t >= 0 ? t : -2;
}

const char *srv_quiz_slug(const struct quiz_bank *bank, long topic)
{
    return topic >= 0 ? quiz_bank_get_topic(bank, (size_t)topic)->slug : "all";
}

const char *srv_quiz_title(const struct quiz_bank *bank, long topic)
{
    return topic >= 0 ? quiz_bank_get_topic(bank, (size_t)topic)->title : "The full quiz";
}
