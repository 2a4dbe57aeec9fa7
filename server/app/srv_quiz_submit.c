/* srv_quiz_submit.c: a submission's checks, its marking and storing, and the attempt
 * tokens' side of it (see srv_quiz_submit.h). */
#include "server/app/srv_quiz_submit.h"

#include "common/fa_log.h"
#include "common/fa_macro.h"
#include "common/fa_mem.h"
#include "common/fa_utf8.h"
#include "quiz/quiz_report.h"
#include "quiz/quiz_score.h"
#include "server/http/srv_public.h"
#include "server/site/srv_site.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int64_t srv_quiz_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A new attempt of the quiz: a random seed, started now, and its token (empty without a
 * key: the page still shows, but no submission will be accepted). */
void srv_quiz_new_attempt(const struct srv_req *req, const char *slug, uint32_t *seed,
                          char token[QUIZ_TOKEN_MAX])
{
    if (getrandom(seed, sizeof *seed, 0) != (ssize_t)sizeof *seed)
        *seed = (uint32_t)srv_quiz_now_ms();
    token[0] = '\0';
    if (req->quiz_key)
        quiz_token_make(req->quiz_key, slug, *seed, srv_quiz_now_ms(), token);
}

void srv_quiz_submission_free(struct submission *s, size_t n)
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
const char *srv_quiz_take_name(const char *in, char *out, size_t cap)
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
        return "Your name is too long (at most " FA_STRINGIFY(QUIZ_MAX_NAME) " bytes).";
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
const char *srv_quiz_take_class(const char *in, char *out, size_t cap)
{
    size_t len = strlen(in);

    if (len >= cap)
        return "The class code is too long (at most " FA_STRINGIFY(QUIZ_MAX_CLASS) " characters).";
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
const char *srv_quiz_take_answer(const struct quiz_bank *bank, struct submission *s, const char *id,
                                 const char *value, bool is_text)
{
    long i = quiz_bank_find(bank, id);
    const struct quiz_question *q;
    char *end;
    long option;

    if (i < 0 || !srv_quiz_has(quiz_bank_get_question(bank, (size_t)i), s->topic))
        return "an answer names a question that is not in this quiz";
    q = quiz_bank_get_question(bank, (size_t)i);
    if (q->type == QUIZ_SHORT) {
        if (!is_text && value)
            return "a short-answer question takes text";
        if (s->seen[i])
            return "a question is answered twice";
        if (value && strlen(value) > QUIZ_MAX_ANSWER_TEXT)
            return "an answer is longer than " FA_STRINGIFY(QUIZ_MAX_ANSWER_TEXT) " bytes";
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
void srv_quiz_permalink(const struct srv_req *req, const char *report_id, char *out, size_t len)
{
    char base[SRV_QUIZ_BASE_MAX];

    srv_public_base(req->pub, req->host, req->https, base, sizeof base);
    snprintf(out, len, "%s/report/%s", base, report_id);
}

/* Marks s, makes its report and stores both; fills a (release with attempt_cleanup). */
int srv_quiz_grade_and_store(struct srv_req *req, const struct srv_quiz *quiz,
                             const struct submission *s, struct quiz_attempt *a)
{
    const struct quiz_bank *bank = quiz->bank;
    const char *const *titles = (const char *const *)quiz->titles;
    struct fa_diag diag = {{0}};
    size_t n = 0;

    memset(a, 0, sizeof *a);
    snprintf(a->learner, sizeof a->learner, "%s", s->name);
    snprintf(a->class_code, sizeof a->class_code, "%s", s->class_code);
    snprintf(a->quiz, sizeof a->quiz, "%s", srv_quiz_slug(bank, s->topic));
    a->submitted_ms = srv_quiz_now_ms();
    /* The start time is the token's, signed by this server (take_attempt): believed however
     * long ago, unless the clock has gone back since. */
    a->started_ms =
        s->started_ms > 0 && s->started_ms <= a->submitted_ms ? s->started_ms : a->submitted_ms;
    a->seed = s->seed;
    a->answers = fa_xcalloc(quiz_bank_n_questions(bank) + 1, sizeof *a->answers);
    /* Only the questions the class's pool drew for this seed count (the page showed no
     * others). */
    struct srv_quiz_draw draw = {s->seed, s->class_rc == FA_OK ? s->cls.pool_size : 0};
    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, i);
        struct quiz_answer answer = {s->chosen[i], s->text[i]};
        struct quiz_mark mark;
        struct quiz_stored_answer *an;

        if (!srv_quiz_in_attempt(bank, i, s->topic, &draw))
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
        char link[SRV_QUIZ_PERMALINK_MAX];
        srv_quiz_permalink(req, a->report_id, link, sizeof link);
        fa_buf_init(&text, SRV_QUIZ_REPORT_MAX);
        fa_buf_init(&md, SRV_QUIZ_REPORT_MAX);
        if (quiz_report_write(bank, titles, a, link, &text, &md)) {
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

void srv_quiz_attempt_cleanup(struct quiz_attempt *a)
{
    fa_free(a->answers);
    fa_free(a->report_text);
    fa_free(a->report_markdown);
}

void srv_quiz_submission_init(struct submission *s, const struct quiz_bank *bank)
{
    size_t n = quiz_bank_n_questions(bank) + 1;

    memset(s, 0, sizeof *s);
    s->topic = -2;
    s->class_rc = FA_ENOTFOUND;
    s->chosen = fa_xcalloc(n, sizeof *s->chosen);
    s->text = fa_xcalloc(n, sizeof *s->text);
    s->seen = fa_xcalloc(n, sizeof *s->seen);
}

/* Checks s's attempt token against the quiz s answers and maps the options chosen from their
 * places as shown to the bank's, through the token's seed. 0; FA_ENOTFOUND when there is no
 * token, FA_EINVAL when it is garbled, FA_EPOLICY when it does not check out (see
 * quiz_token_check). On a refusal the answers are mapped all the same, through the seed the
 * token claims, so that the page sent back shows each answer where the learner chose it;
 * they are never marked. Without a token they are taken as the bank's numbers: what pages
 * sent before tokens. */
int srv_quiz_take_attempt(const struct srv_req *req, const struct quiz_bank *bank,
                          struct submission *s)
{
    size_t len = strlen(s->attempt);
    int rc;

    if (!s->has_attempt || len == 0)
        rc = FA_ENOTFOUND;
    else if (!req->quiz_key)
        rc = FA_EPOLICY;
    else
        rc = quiz_token_check(req->quiz_key, srv_quiz_slug(bank, s->topic), s->attempt, len,
                              &s->seed, &s->started_ms);
    if (rc == FA_ENOTFOUND ||
        (rc && (!req->quiz_key || quiz_token_read(req->quiz_key, srv_quiz_slug(bank, s->topic),
                                                  s->attempt, len, &s->seed, &s->started_ms))))
        return rc;
    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, i);
        if (srv_quiz_has(q, s->topic) && q->type != QUIZ_SHORT)
            s->chosen[i] = quiz_chosen_from_shown(q, s->seed, s->chosen[i]);
    }
    return rc;
}

/* Copies an attempt token as sent into s; one too long to be a token is kept as a garbled
 * one. */
void srv_quiz_keep_attempt(struct submission *s, const char *token)
{
    s->has_attempt = true;
    if (strlen(token) < sizeof s->attempt)
        memcpy(s->attempt, token, strlen(token) + 1);
    else
        snprintf(s->attempt, sizeof s->attempt, "-");
}

/* What the learner reads when the form's attempt token is refused (take_attempt's rc). */
const char *srv_quiz_attempt_problem(int rc)
{
    if (rc == FA_ENOTFOUND)
        return "This page had no attempt token (it may come from an older version of the "
               "site), so the time you started could not be checked. The page has one now.";
    return "This page's attempt token did not check out (it was changed, or it was issued by "
           "another server or for another quiz), so the time you started could not be "
           "checked. The page has a new one now; the time taken counts from now.";
}

/* The attempt's reports: as stored with it, or (attempts from before schema version 2) made
 * again from the bank; md may be NULL when only the text is wanted. text and md are
 * initialised here; the caller cleans them up. */
int srv_quiz_stored_reports(const struct srv_req *req, const struct srv_quiz *quiz,
                            const struct quiz_attempt *a, struct fa_buf *text, struct fa_buf *md)
{
    char link[SRV_QUIZ_PERMALINK_MAX];
    int rc;

    fa_buf_init(text, SRV_QUIZ_REPORT_MAX);
    if (md)
        fa_buf_init(md, SRV_QUIZ_REPORT_MAX);
    if (a->report_text && a->report_markdown) {
        rc = fa_buf_puts(text, a->report_text);
        return rc || !md ? rc : fa_buf_puts(md, a->report_markdown);
    }
    srv_quiz_permalink(req, a->report_id, link, sizeof link);
    return quiz_report_write(quiz->bank, (const char *const *)quiz->titles, a, link, text, md);
}

/* The attempt named by the path after prefix, or an error response. */
int srv_quiz_load_attempt(struct srv_req *req, struct srv_resp *resp, const char *prefix,
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
            return srv_resp_error(req, resp, 500,
                                  "This report is damaged in the store and "
                                  "cannot be shown; other reports are fine.");
        return json ? 500 : srv_resp_error(req, resp, 500, "The report could not be read.");
    }
    return 200;
}
