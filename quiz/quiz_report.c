/* quiz_report.c: performance reports (see quiz_report.h). */
#include "quiz/quiz_report.h"

#include "quiz/quiz_score.h"
#include "quiz/quiz_stats.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

size_t quiz_report_topics(const struct quiz_bank *bank, const struct quiz_attempt *a,
                          struct quiz_topic_score *out, size_t max)
{
    size_t n = 0;

    struct quiz_topic_score all[64] = {{0}};
    size_t n_topics = quiz_bank_n_topics(bank) < 64 ? quiz_bank_n_topics(bank) : 64;

    for (size_t i = 0; i < a->n_answers; i++) {
        long q = quiz_bank_find(bank, a->answers[i].question_id);
        size_t t = q < 0 ? SIZE_MAX : quiz_bank_get_question(bank, (size_t)q)->topic;
        if (t >= n_topics)
            continue;
        all[t].earned_milli += a->answers[i].earned_milli;
        all[t].max_milli += a->answers[i].max_milli;
        all[t].n_questions++;
    }
    for (size_t t = 0; t < n_topics && n < max; t++)
        if (all[t].n_questions) {
            all[t].topic = t;
            out[n++] = all[t];
        }
    return n;
}

/* Copies text into buf, cut at len - 1 bytes with "..." (on a UTF-8 boundary). */
static void cut_copy(char *buf, size_t len, const char *text)
{
    size_t n = strlen(text);

    if (n < len) {
        memcpy(buf, text, n + 1);
        return;
    }
    n = len - 4;
    while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
        n--;
    memcpy(buf, text, n);
    memcpy(buf + n, "...", 4);
}

const char *quiz_report_right_answer(const struct quiz_question *q, char *buf, size_t len)
{
    char joined[512] = "", words[200];

    if (q->type == QUIZ_SHORT) {
        cut_copy(buf, len, q->n_answers ? q->answers[0] : "");
        return buf;
    }
    for (size_t i = 0; i < q->n_options; i++) {
        const char *text = q->options[i].text;
        if (!q->options[i].correct)
            continue;
        if (q->type == QUIZ_PREDICT && quiz_outcome_words(text, words, sizeof words))
            text = words;
        snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s%s",
                 joined[0] ? "; " : "", text);
    }
    cut_copy(buf, len, joined);
    return buf;
}

const char *quiz_report_duration(int64_t ms, char *buf, size_t len)
{
    long long s = ms < 0 ? 0 : (long long)(ms / 1000);

    if (s >= 3600)
        snprintf(buf, len, "%lld h %02lld min", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(buf, len, "%lld min %02lld s", s / 60, s % 60);
    else
        snprintf(buf, len, "%lld s", s);
    return buf;
}

static void utc_iso(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *quiz_report_points(int milli, char *buf, size_t len)
{
    if (milli % 1000 == 0)
        snprintf(buf, len, "%d", milli / 1000);
    else if (milli % 100 == 0)
        snprintf(buf, len, "%d.%d", milli / 1000, milli % 1000 / 100);
    else
        snprintf(buf, len, "%d.%02d", milli / 1000, milli % 1000 / 10);
    return buf;
}

static const char *quiz_name(const struct quiz_bank *bank, const struct quiz_attempt *a)
{
    long t = quiz_bank_find_topic(bank, a->quiz, strlen(a->quiz));
    return t >= 0 ? quiz_bank_get_topic(bank, (size_t)t)->title : "Full quiz";
}

/* Question q's title (titles[q], from the caller's Markdown renderer: see quiz_report.h), cut
 * to fit len (at a space, with "..."). */
static void stem_title(const char *const *titles, long q, char *buf, size_t len)
{
    char line[400];
    size_t k;

    cut_copy(line, sizeof line, titles[q] ? titles[q] : "");
    k = strlen(line);
    if (k >= len) {
        size_t cut = len - 4;
        while (cut > len / 2 && line[cut] != ' ')
            cut--;
        memcpy(line + cut, "...", 4);
    }
    cut_copy(buf, len, line);
}

/* The report's figures, computed once for both renderings. */
struct summary {
    struct quiz_topic_score topics[QUIZ_MAX_TOPICS];
    size_t n_topics;
    char when[32], took[32], earned[16], max[16];
    const char *quiz;
    int percent;
};

static void summarize(const struct quiz_bank *bank, const struct quiz_attempt *a,
                      struct summary *s)
{
    s->n_topics = quiz_report_topics(bank, a, s->topics, QUIZ_MAX_TOPICS);
    utc_iso(a->submitted_ms, s->when, sizeof s->when);
    quiz_report_duration(a->submitted_ms - a->started_ms, s->took, sizeof s->took);
    quiz_report_points(a->score_milli, s->earned, sizeof s->earned);
    quiz_report_points(a->max_milli, s->max, sizeof s->max);
    s->quiz = quiz_name(bank, a);
    s->percent = quiz_stats_percent(a->score_milli, a->max_milli);
}

static int text_head(const struct summary *s, const struct quiz_bank *bank,
                     const struct quiz_attempt *a, struct fa_buf *out)
{
    int rc = fa_buf_printf(out,
                           "PERFORMANCE REPORT\n"
                           "Course:     %s\n"
                           "Learner:    %s\n"
                           "Class:      %s\n"
                           "Quiz:       %s (%zu questions)\n"
                           "Submitted:  %s\n"
                           "Time taken: %s\n"
                           "Score:      %s / %s points (%d%%)\n"
                           "\n"
                           "BY TOPIC\n",
                           QUIZ_COURSE, a->learner, a->class_code[0] ? a->class_code : "-",
                           s->quiz, a->n_answers, s->when, s->took, s->earned, s->max,
                           s->percent);

    for (size_t i = 0; i < s->n_topics && !rc; i++) {
        const struct quiz_topic_score *t = &s->topics[i];
        char e[16], m[16], name[41];
        cut_copy(name, sizeof name, quiz_bank_get_topic(bank, t->topic)->title);
        rc = fa_buf_printf(out, "  %-40s %5s/%-3s %4d%%\n", name,
                           quiz_report_points(t->earned_milli, e, sizeof e),
                           quiz_report_points(t->max_milli, m, sizeof m),
                           quiz_stats_percent(t->earned_milli, t->max_milli));
    }
    return rc;
}

/* One missed question (number: its place in the attempt, from 1; q < 0: gone from the bank),
 * one line each, so that a long quiz stays short: "  12. " is 6 columns, the answer's line
 * is indented to match. */
static int text_missed(const struct quiz_bank *bank, const char *const *titles,
                       const struct quiz_stored_answer *an, size_t number, long q,
                       bool first, struct fa_buf *out)
{
    const char *verdict = quiz_verdict_name((enum quiz_verdict)an->verdict);
    char right[120], title[90];
    int rc = first ? fa_buf_puts(out, "\nTO REVIEW (the right answer in brief)\n") : 0;

    if (rc)
        return rc;
    if (q < 0)
        return fa_buf_printf(out, "  %2zu. %s (no longer in the bank)\n", number,
                             an->question_id);
    stem_title(titles, q, title, QUIZ_REPORT_WIDTH - 6 + 1);
    quiz_report_right_answer(quiz_bank_get_question(bank, (size_t)q), right,
                             QUIZ_REPORT_WIDTH - 6 - strlen(verdict) - 2 + 1);
    return fa_buf_printf(out, "  %2zu. %s\n      %s: %s\n", number, title, verdict, right);
}

static int text_end(bool missed, const char *permalink, struct fa_buf *out)
{
    int rc = missed ? 0 : fa_buf_puts(out, "\nEvery question answered correctly.\n");

    return rc ? rc : fa_buf_printf(out, "\nReport: %s\n", permalink);
}

/* Text for a Markdown table cell or list item: '|' and line breaks would break the layout. */
static int md_text(struct fa_buf *out, const char *text)
{
    int rc = 0;

    while (*text && !rc) {
        size_t run = strcspn(text, "|\n");
        rc = fa_buf_append(out, text, run);
        text += run;
        if (!rc && *text)
            rc = fa_buf_puts(out, *text++ == '|' ? "\\|" : " ");
    }
    return rc;
}

/* A question's title (plain text with code spans in backticks, as quiz_report.h asks) as
 * Markdown: code spans go as they are, everything else is escaped where it could start
 * markup, so an identifier reads as written (`_` pairs are not emphasis) once rendered. */
static int md_title(struct fa_buf *out, const char *title)
{
    int rc = 0;

    while (*title && !rc) {
        size_t run = strspn(title, "`");
        if (run) {
            /* A code span: up to the next run of exactly as many backticks. */
            const char *p = title + run, *close = NULL;
            while (*p && !close) {
                size_t r = strspn(p, "`");
                if (r == run)
                    close = p;
                p += r ? r : 1;
            }
            if (close) {
                rc = fa_buf_append(out, title, (size_t)(close - title) + run);
                title = close + run;
                continue;
            }
        }
        if (strchr("\\`*_[]<>&|~#!", *title))
            rc = fa_buf_printf(out, "\\%c", *title);
        else
            rc = fa_buf_append(out, title, 1);
        title++;
    }
    return rc;
}

/* What a learner typed (name, class code) as Markdown text: every ASCII punctuation character
 * that could start markup is backslash-escaped, so no emphasis, code, link, image, autolink
 * (":" of a scheme, "." of www., "@" of an address), raw HTML ("<") or entity ("&") comes out
 * of it in whatever renders the pasted report (issue 11). Apostrophes, commas, hyphens and
 * quotes stay as typed: inside a line they are plain text. GFM still links a bare e-mail
 * address (its extension looks after escapes are undone); the link's text is the address as
 * typed. */
static int md_untrusted(struct fa_buf *out, const char *text)
{
    int rc = 0;

    for (; *text && !rc; text++) {
        unsigned char c = (unsigned char)*text;
        if (c == '\n' || c == '\r')
            rc = fa_buf_puts(out, " ");
        else if (c < 0x80 && ispunct(c) && !strchr("',-\"", c))
            rc = fa_buf_printf(out, "\\%c", c);
        else
            rc = fa_buf_append(out, text, 1);
    }
    return rc;
}

static int md_head(const struct summary *s, const struct quiz_bank *bank,
                   const struct quiz_attempt *a, struct fa_buf *out)
{
    int rc = fa_buf_printf(out, "### Performance report: %s\n\n- **Learner:** ", QUIZ_COURSE);

    if (!rc)
        rc = md_untrusted(out, a->learner);
    if (!rc)
        rc = fa_buf_puts(out, "\n- **Class:** ");
    if (!rc)
        rc = a->class_code[0] ? md_untrusted(out, a->class_code) : fa_buf_puts(out, "-");
    if (!rc)
        rc = fa_buf_printf(out,
                           "\n- **Quiz:** %s (%zu questions)\n- **Submitted:** %s\n"
                           "- **Time taken:** %s\n- **Score:** %s / %s points (%d%%)\n\n"
                           "| Topic | Score | %% |\n|---|---:|---:|\n",
                           s->quiz, a->n_answers, s->when, s->took, s->earned, s->max,
                           s->percent);
    for (size_t i = 0; i < s->n_topics && !rc; i++) {
        const struct quiz_topic_score *t = &s->topics[i];
        char e[16], m[16];
        rc = fa_buf_printf(out, "| %s | %s/%s | %d%% |\n",
                           quiz_bank_get_topic(bank, t->topic)->title,
                           quiz_report_points(t->earned_milli, e, sizeof e),
                           quiz_report_points(t->max_milli, m, sizeof m),
                           quiz_stats_percent(t->earned_milli, t->max_milli));
    }
    return rc;
}

static int md_missed(const struct quiz_bank *bank, const char *const *titles,
                     const struct quiz_stored_answer *an, size_t number, long q, bool first,
                     struct fa_buf *out)
{
    char right[120], title[90];
    int rc = first ? fa_buf_puts(out, "\n**To review:**\n\n") : 0;

    if (rc)
        return rc;
    if (q < 0)
        return fa_buf_printf(out, "%zu. %s (no longer in the bank)\n", number, an->question_id);
    stem_title(titles, q, title, sizeof title);
    quiz_report_right_answer(quiz_bank_get_question(bank, (size_t)q), right, sizeof right);
    rc = fa_buf_printf(out, "%zu. ", number);
    if (!rc)
        rc = md_title(out, title);
    if (!rc)
        rc = fa_buf_printf(out, " (%s) — right answer: ",
                           quiz_verdict_name((enum quiz_verdict)an->verdict));
    if (!rc)
        rc = md_text(out, right);
    return rc ? rc : fa_buf_puts(out, "\n");
}

int quiz_report_write(const struct quiz_bank *bank, const char *const *titles,
                      const struct quiz_attempt *a, const char *permalink, struct fa_buf *text,
                      struct fa_buf *markdown)
{
    struct summary s;
    size_t missed = 0;
    int rc = 0;

    summarize(bank, a, &s);
    if (text)
        rc = text_head(&s, bank, a, text);
    if (!rc && markdown)
        rc = md_head(&s, bank, a, markdown);
    for (size_t i = 0; i < a->n_answers && !rc; i++) {
        const struct quiz_stored_answer *an = &a->answers[i];
        long q;
        if (an->verdict == QUIZ_CORRECT)
            continue;
        q = quiz_bank_find(bank, an->question_id);
        if (text)
            rc = text_missed(bank, titles, an, i + 1, q, missed == 0, text);
        if (!rc && markdown)
            rc = md_missed(bank, titles, an, i + 1, q, missed == 0, markdown);
        missed++;
    }
    if (!rc && text)
        rc = text_end(missed > 0, permalink, text);
    if (!rc && markdown)
        rc = fa_buf_printf(markdown, "\n[Full report](%s)\n", permalink);
    return rc;
}

int quiz_report_text(const struct quiz_bank *bank, const char *const *titles,
                     const struct quiz_attempt *a, const char *permalink, struct fa_buf *out)
{
    return quiz_report_write(bank, titles, a, permalink, out, NULL);
}

int quiz_report_markdown(const struct quiz_bank *bank, const char *const *titles,
                         const struct quiz_attempt *a, const char *permalink,
                         struct fa_buf *out)
{
    return quiz_report_write(bank, titles, a, permalink, NULL, out);
}
