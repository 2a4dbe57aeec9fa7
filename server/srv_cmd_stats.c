/* srv_cmd_stats.c: `fa-learn stats` (see srv_cmd_stats.h). The numbers are quiz_class's;
 * this file only chooses the attempts and writes them out. */
#include "server/srv_cmd_stats.h"

#include "common/fa_err.h"
#include "common/fa_time.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_class.h"
#include "quiz/quiz_report.h"
#include "quiz/quiz_store.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char srv_cmd_stats_usage[] =
    "Usage: fa-learn stats [--data DIR] [--class CODE] [--quiz NAME] [--csv [--questions] | "
    "--json]\n"
    "\n"
    "A class's quiz attempts and the statistics of their questions, read from the data\n"
    "folder (safe while the server runs). Facility is the share of a question's marks the\n"
    "class obtained; discrimination is the correlation between a question's mark and the\n"
    "rest of the attempt's score (as in Moodle's quiz statistics).\n"
    "\n"
    "  --data DIR      the server's data folder [FA_LEARN_DATA] (default ./fa-learn-data)\n"
    "  --quiz-dir DIR  the question bank [FA_LEARN_QUIZ]\n"
    "  --class CODE    only this class's attempts (\"\" for attempts without a class)\n"
    "  --quiz NAME     only attempts at this quiz (a topic's slug, or \"all\")\n"
    "  --csv           one CSV row per attempt (RFC 4180, UTF-8, header row)\n"
    "  --questions     with --csv: one row per question instead\n"
    "  --json          attempts, questions and the summary as one JSON object\n"
    "\n"
    "Times are UTC (ISO 8601); scores are points; percentages are rounded as the reports\n"
    "round them. Text cells that a spreadsheet would read as a formula (starting with =, +,\n"
    "-, @, tab or carriage return) are prefixed with an apostrophe in CSV, never in JSON.\n"
    "\n"
    "Exit status: 0 done, 1 the data or the bank could not be read, 2 usage errors.\n";

enum format { FORMAT_TEXT, FORMAT_CSV, FORMAT_CSV_QUESTIONS, FORMAT_JSON };

/* ---------- CSV (RFC 4180) ---------- */

/* One text cell: quoted when it holds a comma, a quote or a line break (quotes doubled);
 * a leading formula character is disarmed (see the usage). */
static void csv_text(FILE *out, const char *s)
{
    bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;

    if (quote)
        fputc('"', out);
    if (formula)
        fputc('\'', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    if (quote)
        fputc('"', out);
}

static void csv_sep(FILE *out) { fputc(',', out); }
static void csv_end(FILE *out) { fputs("\r\n", out); }

static const char *iso(int64_t ms, char buf[FA_TIME_ISO_LEN])
{
    return fa_time_iso8601((time_t)(ms / 1000), buf);
}

static void write_rows_csv(FILE *out, const struct quiz_class *c, const struct quiz_bank *bank)
{
    char when[FA_TIME_ISO_LEN], points[32];

    fputs("report_id,learner,class,quiz,started,submitted,score,max,percent", out);
    for (size_t t = 0; t < c->n_topics; t++) {
        csv_sep(out);
        csv_text(out, quiz_bank_get_topic(bank, t)->slug);
    }
    csv_end(out);
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct quiz_class_row *r = &c->rows[i];
        fputs(r->report_id, out);
        csv_sep(out);
        csv_text(out, r->learner);
        csv_sep(out);
        csv_text(out, r->class_code);
        csv_sep(out);
        csv_text(out, r->quiz);
        fprintf(out, ",%s", iso(r->started_ms, when));
        fprintf(out, ",%s", iso(r->submitted_ms, when));
        fprintf(out, ",%s", quiz_report_points(r->score_milli, points, sizeof points));
        fprintf(out, ",%s", quiz_report_points(r->max_milli, points, sizeof points));
        fprintf(out, ",%d", quiz_stats_percent(r->score_milli, r->max_milli));
        for (size_t t = 0; t < c->n_topics; t++) {
            csv_sep(out); /* a topic the attempt was not asked about stays empty */
            if (r->topic_max_milli[t] > 0)
                fprintf(out, "%d",
                        quiz_stats_percent(r->topic_earned_milli[t], r->topic_max_milli[t]));
        }
        csv_end(out);
    }
}

static void write_questions_csv(FILE *out, const struct quiz_class *c,
                                const struct quiz_bank *bank)
{
    fputs("question,topic,given,facility,discrimination,unanswered", out);
    for (unsigned o = 0; o < QUIZ_MAX_OPTIONS; o++)
        fprintf(out, ",option_%u", o + 1);
    csv_end(out);
    for (size_t q = 0; q < c->n_items; q++) {
        const struct quiz_item_stats *it = &c->items[q];
        const struct quiz_question *qq = quiz_bank_get_question(bank, q);
        csv_text(out, qq->id);
        csv_sep(out);
        csv_text(out, quiz_bank_get_topic(bank, qq->topic)->slug);
        fprintf(out, ",%zu,", it->n_attempts);
        if (!isnan(it->facility))
            fprintf(out, "%.1f", 100 * it->facility);
        csv_sep(out);
        if (!isnan(it->discrimination))
            fprintf(out, "%.3f", it->discrimination);
        fprintf(out, ",%lu", it->n_unanswered);
        for (unsigned o = 0; o < QUIZ_MAX_OPTIONS; o++) {
            csv_sep(out); /* options the question does not have stay empty */
            if (o < qq->n_options)
                fprintf(out, "%lu", it->option_counts[o]);
        }
        csv_end(out);
    }
}

/* ---------- JSON ---------- */

static json_t *number_or_null(double v) { return isnan(v) ? json_null() : json_real(v); }

static json_t *class_json(const struct quiz_class *c, const struct quiz_bank *bank,
                          const struct quiz_store_filter *f)
{
    char when[FA_TIME_ISO_LEN];
    json_t *rows = json_array(), *questions = json_array(), *bins = json_array();

    for (size_t i = 0; i < c->n_rows; i++) {
        const struct quiz_class_row *r = &c->rows[i];
        json_t *topics = json_object();
        for (size_t t = 0; t < c->n_topics; t++)
            if (r->topic_max_milli[t] > 0)
                json_object_set_new(
                    topics, quiz_bank_get_topic(bank, t)->slug,
                    json_pack("{s:f, s:f, s:i}", "score", r->topic_earned_milli[t] / 1000.0,
                              "max", r->topic_max_milli[t] / 1000.0, "percent",
                              quiz_stats_percent(r->topic_earned_milli[t],
                                                 r->topic_max_milli[t])));
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:i, s:o}", "report_id",
                            r->report_id, "learner", r->learner, "class", r->class_code, "quiz",
                            r->quiz, "started", iso(r->started_ms, when), "submitted",
                            iso(r->submitted_ms, (char[FA_TIME_ISO_LEN]){0}), "score",
                            r->score_milli / 1000.0, "max", r->max_milli / 1000.0, "percent",
                            quiz_stats_percent(r->score_milli, r->max_milli), "topics", topics));
    }
    for (size_t q = 0; q < c->n_items; q++) {
        const struct quiz_item_stats *it = &c->items[q];
        const struct quiz_question *qq = quiz_bank_get_question(bank, q);
        json_t *options = json_array();
        for (size_t o = 0; o < qq->n_options && o < QUIZ_MAX_OPTIONS; o++)
            json_array_append_new(options, json_integer((json_int_t)it->option_counts[o]));
        json_array_append_new(
            questions,
            json_pack("{s:s, s:s, s:I, s:o, s:o, s:I, s:o}", "question", qq->id, "topic",
                      quiz_bank_get_topic(bank, qq->topic)->slug, "given",
                      (json_int_t)it->n_attempts, "facility",
                      number_or_null(isnan(it->facility) ? NAN : 100 * it->facility),
                      "discrimination", number_or_null(it->discrimination), "unanswered",
                      (json_int_t)it->n_unanswered, "options", options));
    }
    for (int b = 0; b < QUIZ_STATS_BINS; b++)
        json_array_append_new(bins, json_integer((json_int_t)c->histogram[b]));
    return json_pack("{s:{s:s?, s:s?}, s:I, s:o, s:o, s:{s:I, s:f, s:f, s:f, s:o}}", "filter",
                     "class", f->class_code, "quiz", f->quiz, "damaged",
                     (json_int_t)c->n_damaged, "attempts", rows, "questions", questions,
                     "summary", "attempts", (json_int_t)c->summary.n, "mean", c->summary.mean,
                     "median", c->summary.median, "stddev", c->summary.stddev, "histogram",
                     bins);
}

/* ---------- text ---------- */

static void write_text(FILE *out, const struct quiz_class *c, const struct quiz_bank *bank)
{
    fprintf(out, "%zu attempt%s", c->n_rows, c->n_rows == 1 ? "" : "s");
    if (c->n_damaged)
        fprintf(out, " (%zu damaged row%s skipped)", c->n_damaged, c->n_damaged == 1 ? "" : "s");
    fputs("\n", out);
    if (!c->n_rows)
        return;
    fprintf(out, "Scores: mean %.1f%%, median %.1f%%, standard deviation %.1f%%\n\n",
            c->summary.mean, c->summary.median, c->summary.stddev);
    fputs("Distribution:\n", out);
    for (int b = 0; b < QUIZ_STATS_BINS; b++)
        fprintf(out, "  %3d-%3d%%  %5lu\n", b * 10, b == QUIZ_STATS_BINS - 1 ? 100 : b * 10 + 9,
                c->histogram[b]);
    fputs("\nQuestions (facility: share of the marks obtained; discrimination: correlation\n"
          "with the rest of the attempt; - where it is not defined):\n",
          out);
    fprintf(out, "  %-28s %6s %9s %15s\n", "question", "given", "facility", "discrimination");
    for (size_t q = 0; q < c->n_items; q++) {
        const struct quiz_item_stats *it = &c->items[q];
        if (!it->n_attempts)
            continue;
        fprintf(out, "  %-28s %6zu %8.1f%%", quiz_bank_get_question(bank, q)->id,
                it->n_attempts, 100 * it->facility);
        if (isnan(it->discrimination))
            fprintf(out, " %15s\n", "-");
        else
            fprintf(out, " %15.3f\n", it->discrimination);
    }
}

/* ---------- the command ---------- */

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "fa-learn stats: %s%s%s (see fa-learn help stats)\n", what, arg ? " " : "",
            arg ? arg : "");
    return 2;
}

int srv_cmd_stats(int argc, char **argv, const char *data_dir, const char *quiz_dir)
{
    struct quiz_store_filter filter = {NULL, NULL};
    enum format format = FORMAT_TEXT;
    bool questions = false;
    struct fa_diag diag = {{0}};

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **value = strcmp(a, "--data") == 0       ? &data_dir
                             : strcmp(a, "--quiz-dir") == 0 ? &quiz_dir
                             : strcmp(a, "--class") == 0    ? &filter.class_code
                             : strcmp(a, "--quiz") == 0     ? &filter.quiz
                                                            : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(srv_cmd_stats_usage, stdout);
            return 0;
        } else if (value) {
            if (i + 1 == argc)
                return usage_error("this option needs a value:", a);
            *value = argv[++i];
        } else if (strcmp(a, "--csv") == 0 || strcmp(a, "--json") == 0) {
            if (format != FORMAT_TEXT)
                return usage_error("choose one of --csv and --json", NULL);
            format = a[2] == 'c' ? FORMAT_CSV : FORMAT_JSON;
        } else if (strcmp(a, "--questions") == 0) {
            questions = true;
        } else {
            return usage_error("unknown argument", a);
        }
    }
    if (questions && format != FORMAT_CSV)
        return usage_error("--questions goes with --csv", NULL);
    if (questions)
        format = FORMAT_CSV_QUESTIONS;
    if (filter.class_code && strlen(filter.class_code) > QUIZ_MAX_CLASS)
        return usage_error("a class code has at most 32 bytes:", filter.class_code);

    /* Opening would create an empty store in a mistyped folder: look first. */
    char store_path[4096];
    snprintf(store_path, sizeof store_path, "%s/fa-learn.db", data_dir);
    if (access(store_path, F_OK) != 0) {
        fprintf(stderr, "fa-learn stats: no store in %s (no fa-learn.db)\n", data_dir);
        return 1;
    }
    struct quiz_bank *bank = NULL;
    struct quiz_store *store = NULL;
    struct quiz_class *c = NULL;
    int status = 1;
    if (quiz_bank_load(quiz_dir, NULL, NULL, &bank, &diag) ||
        quiz_store_open(data_dir, &store, &diag) ||
        quiz_class_gather(store, bank, &filter, &c, &diag)) {
        fprintf(stderr, "fa-learn stats: %s\n", diag.msg);
        goto out;
    }
    switch (format) {
    case FORMAT_TEXT:
        write_text(stdout, c, bank);
        break;
    case FORMAT_CSV:
        write_rows_csv(stdout, c, bank);
        break;
    case FORMAT_CSV_QUESTIONS:
        write_questions_csv(stdout, c, bank);
        break;
    case FORMAT_JSON: {
        json_t *doc = class_json(c, bank, &filter);
        if (!doc || json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_ENSURE_ASCII) != 0) {
            fprintf(stderr, "fa-learn stats: the JSON could not be written\n");
            json_decref(doc);
            goto out;
        }
        json_decref(doc);
        fputs("\n", stdout);
        break;
    }
    }
    status = fflush(stdout) == 0 ? 0 : 1;
    if (status)
        fprintf(stderr, "fa-learn stats: writing the output failed\n");
out:
    quiz_class_free(c);
    quiz_store_close(store);
    quiz_bank_free(bank);
    return status;
}
