/* srv_cmd_stats.c: `fa-learn stats` (see srv_cmd_stats.h). The numbers are quiz_results';
 * this file only chooses the attempts and writes them out. */
#include "server/cli/srv_cmd_stats.h"

#include "common/fa_err.h"
#include "common/fa_buf.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_results.h"
#include "quiz/quiz_store.h"
#include "server/app/srv_export.h"

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

/* The most an export may take in memory: far above a class's (300 learners, 3,000 attempts
 * make about 1 MiB of JSON). */
#define EXPORT_MAX_BYTES (256u << 20)

/* ---------- text ---------- */

static void write_text(FILE *out, const struct quiz_results *c, const struct quiz_bank *bank)
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
        fprintf(out, "  %-28s %6zu %8.1f%%", quiz_bank_get_question(bank, q)->id, it->n_attempts,
                100 * it->facility);
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
    struct quiz_results *c = NULL;
    int status = 1;
    if (quiz_bank_load(quiz_dir, NULL, NULL, &bank, &diag) ||
        quiz_store_open(data_dir, &store, &diag) ||
        quiz_results_gather(store, bank, &filter, &c, &diag)) {
        fprintf(stderr, "fa-learn stats: %s\n", diag.msg);
        goto out;
    }
    if (format == FORMAT_TEXT) {
        write_text(stdout, c, bank);
    } else {
        struct fa_buf out;
        fa_buf_init(&out, EXPORT_MAX_BYTES);
        int rc = format == FORMAT_CSV    ? srv_export_attempts_csv(c, bank, &out)
                 : format == FORMAT_JSON ? srv_export_json(c, bank, &filter, &out)
                                         : srv_export_questions_csv(c, bank, &out);
        if (rc)
            fprintf(stderr, "fa-learn stats: the export could not be built: %s\n", fa_strerror(rc));
        else
            fwrite(out.ptr, 1, out.len, stdout);
        fa_buf_cleanup(&out);
        if (rc)
            goto out;
    }
    status = fflush(stdout) == 0 ? 0 : 1;
    if (status)
        fprintf(stderr, "fa-learn stats: writing the output failed\n");
out:
    quiz_results_free(c);
    quiz_store_close(store);
    quiz_bank_free(bank);
    return status;
}
