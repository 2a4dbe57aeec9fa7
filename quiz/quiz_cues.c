/* quiz_cues.c: cues that give answers away (see quiz_cues.h). */
#include "quiz/quiz_cues.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Characters of an option as shown: UTF-8 lead bytes, without backticks and '*', and without
 * '_' next to a space or an end (emphasis marks; '_' inside a word is part of a name). */
static size_t shown_length(const char *text)
{
    size_t n = 0, len = strlen(text);

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        bool edge = i == 0 || i + 1 == len || text[i - 1] == ' ' || text[i + 1] == ' ';
        if ((c & 0xc0) == 0x80 || c == '`' || c == '*' || (c == '_' && edge))
            continue;
        n++;
    }
    return n;
}

static size_t long_key(const struct quiz_question *q, quiz_bank_report_fn *report, void *cls)
{
    size_t key = 0, other = 0;
    char what[300];

    for (size_t k = 0; k < q->n_options; k++) {
        size_t n = shown_length(q->options[k].text);
        if (q->options[k].correct)
            key = n > key ? n : key;
        else
            other = n > other ? n : other;
    }
    if (other == 0 || (double)key <= QUIZ_CUE_LONGER * (double)other)
        return 0;
    snprintf(what, sizeof what,
             "warning: %s: the keyed option is %.1fx as long as the longest other one (%zu "
             "characters against %zu): its length gives it away",
             q->id, (double)key / (double)other, key, other);
    report(cls, q->file, 1, what);
    return 1;
}

static size_t right_first(const struct quiz_question *q, quiz_bank_report_fn *report, void *cls)
{
    size_t n_right = 0;
    char what[300];

    for (size_t k = 0; k < q->n_options; k++)
        n_right += q->options[k].correct ? 1 : 0;
    if (n_right == 0 || n_right == q->n_options)
        return 0;
    for (size_t k = 0; k < n_right; k++)
        if (!q->options[k].correct)
            return 0;
    snprintf(what, sizeof what,
             "warning: %s: the %zu right option%s listed first, before every wrong one: mix "
             "them",
             q->id, n_right, n_right == 1 ? " is" : "s are");
    report(cls, q->file, 1, what);
    return 1;
}

/* Whether q (true/false) is keyed True: its checked option reads "True". */
static bool keyed_true(const struct quiz_question *q)
{
    for (size_t k = 0; k < q->n_options; k++)
        if (q->options[k].correct)
            return strcmp(q->options[k].text, "True") == 0;
    return false;
}

static size_t one_way(const struct quiz_bank *bank, size_t topic, quiz_bank_report_fn *report,
                      void *cls)
{
    const struct quiz_question *first = NULL;
    size_t n = 0, n_true = 0;
    char what[300];

    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, i);
        if (q->topic != topic || q->type != QUIZ_TRUEFALSE)
            continue;
        first = first ? first : q;
        n++;
        n_true += keyed_true(q) ? 1 : 0;
    }
    if (n < 2 || (n_true != 0 && n_true != n))
        return 0;
    snprintf(what, sizeof what,
             "warning: %s: the %zu true/false questions of topic '%s' are all keyed %s",
             first->id, n, quiz_bank_get_topic(bank, topic)->slug, n_true ? "True" : "False");
    report(cls, first->file, 1, what);
    return 1;
}

size_t quiz_bank_cues(const struct quiz_bank *bank, quiz_bank_report_fn *report, void *cls)
{
    size_t n = 0;

    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, i);
        if (q->type == QUIZ_SINGLE)
            n += long_key(q, report, cls);
        else if (q->type == QUIZ_MULTIPLE)
            n += right_first(q, report, cls);
    }
    for (size_t t = 0; t < quiz_bank_n_topics(bank); t++)
        n += one_way(bank, t, report, cls);
    return n;
}
