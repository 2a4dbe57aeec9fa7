/* srv_export.c: CSV and JSON of a class's gathering (see srv_export.h). */
#include "server/app/srv_export.h"

#include "common/fa_err.h"
#include "common/fa_time.h"
#include "quiz/quiz_report.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

/* The first error sticks: later appends do nothing, and the caller checks once. */
struct out {
    struct fa_buf *buf;
    int rc;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->rc)
        return;
    va_start(ap, fmt);
    o->rc = fa_buf_vprintf(o->buf, fmt, ap);
    va_end(ap);
}

static void put_bytes(struct out *o, const char *s, size_t len)
{
    if (!o->rc)
        o->rc = fa_buf_append(o->buf, s, len);
}

/* One text cell (see srv_export.h for the quoting and the disarmed formulas). */
static void csv_text(struct out *o, const char *s)
{
    bool formula = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;

    if (quote)
        put_bytes(o, "\"", 1);
    if (formula)
        put_bytes(o, "'", 1);
    for (size_t run; *s; s += run) { /* runs without a quote, then a doubled quote */
        run = strcspn(s, "\"");
        put_bytes(o, s, run);
        if (s[run] == '"') {
            put_bytes(o, "\"\"", 2);
            run++;
        }
    }
    if (quote)
        put_bytes(o, "\"", 1);
}

static const char *iso(int64_t ms, char buf[FA_TIME_ISO_LEN])
{
    return fa_time_iso8601((time_t)(ms / 1000), buf);
}

int srv_export_attempts_csv(const struct quiz_results *c, const struct quiz_bank *bank,
                            struct fa_buf *buf)
{
    struct out o = {buf, FA_OK};
    char started[FA_TIME_ISO_LEN], submitted[FA_TIME_ISO_LEN], score[32], max[32];

    put(&o, "report_id,learner,class,quiz,started,submitted,score,max,percent");
    for (size_t t = 0; t < c->n_topics; t++) {
        put(&o, ",");
        csv_text(&o, quiz_bank_get_topic(bank, t)->slug);
    }
    put(&o, "\r\n");
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct quiz_results_row *r = &c->rows[i];
        put(&o, "%s,", r->report_id);
        csv_text(&o, r->learner);
        put(&o, ",");
        csv_text(&o, r->class_code);
        put(&o, ",");
        csv_text(&o, r->quiz);
        put(&o, ",%s,%s,%s,%s,%d", iso(r->started_ms, started), iso(r->submitted_ms, submitted),
            quiz_report_points(r->score_milli, score, sizeof score),
            quiz_report_points(r->max_milli, max, sizeof max),
            quiz_stats_percent(r->score_milli, r->max_milli));
        for (size_t t = 0; t < c->n_topics; t++) {
            put(&o, ",");
            if (r->topic_max_milli[t] > 0)
                put(&o, "%d", quiz_stats_percent(r->topic_earned_milli[t], r->topic_max_milli[t]));
        }
        put(&o, "\r\n");
    }
    return o.rc;
}

int srv_export_questions_csv(const struct quiz_results *c, const struct quiz_bank *bank,
                             struct fa_buf *buf)
{
    struct out o = {buf, FA_OK};

    put(&o, "question,topic,given,facility,discrimination,unanswered");
    for (unsigned k = 0; k < QUIZ_MAX_OPTIONS; k++)
        put(&o, ",option_%u", k + 1);
    put(&o, "\r\n");
    for (size_t q = 0; q < c->n_items; q++) {
        const struct quiz_item_stats *it = &c->items[q];
        const struct quiz_question *qq = quiz_bank_get_question(bank, q);
        csv_text(&o, qq->id);
        put(&o, ",");
        csv_text(&o, quiz_bank_get_topic(bank, qq->topic)->slug);
        put(&o, ",%zu,", it->n_attempts);
        if (!isnan(it->facility))
            put(&o, "%.1f", 100 * it->facility);
        put(&o, ",");
        if (!isnan(it->discrimination))
            put(&o, "%.3f", it->discrimination);
        put(&o, ",%lu", it->n_unanswered);
        for (unsigned k = 0; k < QUIZ_MAX_OPTIONS; k++) {
            put(&o, ",");
            if (k < qq->n_options)
                put(&o, "%lu", it->option_counts[k]);
        }
        put(&o, "\r\n");
    }
    return o.rc;
}

static json_t *number_or_null(double v) { return isnan(v) ? json_null() : json_real(v); }

static json_t *attempt_json(const struct quiz_results *c, const struct quiz_bank *bank,
                            const struct quiz_results_row *r)
{
    char started[FA_TIME_ISO_LEN], submitted[FA_TIME_ISO_LEN];
    json_t *topics = json_object();

    for (size_t t = 0; t < c->n_topics; t++)
        if (r->topic_max_milli[t] > 0)
            json_object_set_new(
                topics, quiz_bank_get_topic(bank, t)->slug,
                json_pack("{s:f, s:f, s:i}", "score", r->topic_earned_milli[t] / 1000.0, "max",
                          r->topic_max_milli[t] / 1000.0, "percent",
                          quiz_stats_percent(r->topic_earned_milli[t], r->topic_max_milli[t])));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:i, s:o}", "report_id",
                     r->report_id, "learner", r->learner, "class", r->class_code, "quiz", r->quiz,
                     "started", iso(r->started_ms, started), "submitted",
                     iso(r->submitted_ms, submitted), "score", r->score_milli / 1000.0, "max",
                     r->max_milli / 1000.0, "percent",
                     quiz_stats_percent(r->score_milli, r->max_milli), "topics", topics);
}

static json_t *question_json(const struct quiz_bank *bank, size_t q,
                             const struct quiz_item_stats *it)
{
    const struct quiz_question *qq = quiz_bank_get_question(bank, q);
    json_t *options = json_array();

    for (size_t k = 0; k < qq->n_options && k < QUIZ_MAX_OPTIONS; k++)
        json_array_append_new(options, json_integer((json_int_t)it->option_counts[k]));
    return json_pack("{s:s, s:s, s:I, s:o, s:o, s:I, s:o}", "question", qq->id, "topic",
                     quiz_bank_get_topic(bank, qq->topic)->slug, "given",
                     (json_int_t)it->n_attempts, "facility",
                     number_or_null(isnan(it->facility) ? NAN : 100 * it->facility),
                     "discrimination", number_or_null(it->discrimination), "unanswered",
                     (json_int_t)it->n_unanswered, "options", options);
}

static int append_chunk(const char *chunk, size_t len, void *buf)
{
    return fa_buf_append(buf, chunk, len) ? -1 : 0;
}

int srv_export_json(const struct quiz_results *c, const struct quiz_bank *bank,
                    const struct quiz_store_filter *f, struct fa_buf *out)
{
    json_t *rows = json_array(), *questions = json_array(), *bins = json_array();
    bool whole = true; /* appending NULL (a member that could not be built) fails */

    for (size_t i = 0; i < c->n_rows; i++)
        whole = !json_array_append_new(rows, attempt_json(c, bank, &c->rows[i])) && whole;
    for (size_t q = 0; q < c->n_items; q++)
        whole = !json_array_append_new(questions, question_json(bank, q, &c->items[q])) && whole;
    for (int b = 0; b < QUIZ_STATS_BINS; b++)
        whole = !json_array_append_new(bins, json_integer((json_int_t)c->histogram[b])) && whole;
    /* json_pack takes the references it is given ("o") even when it fails. */
    json_t *doc =
        json_pack("{s:{s:s?, s:s?}, s:I, s:o, s:o, s:{s:I, s:f, s:f, s:f, s:o}}", "filter", "class",
                  f ? f->class_code : NULL, "quiz", f ? f->quiz : NULL, "damaged",
                  (json_int_t)c->n_damaged, "attempts", rows, "questions", questions, "summary",
                  "attempts", (json_int_t)c->summary.n, "mean", c->summary.mean, "median",
                  c->summary.median, "stddev", c->summary.stddev, "histogram", bins);
    if (!doc || !whole) {
        json_decref(doc);
        return FA_ENOMEM;
    }
    int rc = json_dump_callback(doc, append_chunk, out, JSON_INDENT(1) | JSON_ENSURE_ASCII)
                 ? FA_ELIMIT
                 : fa_buf_puts(out, "\n");
    json_decref(doc);
    return rc;
}
