/* quiz_report.h: the performance report of an attempt, as plain text (fixed width, at most
 * 72 columns, for any chat or LMS comment box) and as Markdown, plus the summaries the result
 * page and the report share. Pure functions of the bank and the attempt: any thread. */
#ifndef FA_QUIZ_QUIZ_REPORT_H
#define FA_QUIZ_QUIZ_REPORT_H

#include "common/fa_buf.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_store.h"

#define QUIZ_REPORT_WIDTH 72
#define QUIZ_COURSE "fa-learn: audit hooks, FastAudit and sandboxing"

/* One topic's share of an attempt. */
struct quiz_topic_score {
    size_t topic; /* index into the bank's topics */
    int earned_milli, max_milli;
    size_t n_questions;
};

/* The topics an attempt touched, in the bank's order; returns how many (at most max). */
size_t quiz_report_topics(const struct quiz_bank *bank, const struct quiz_attempt *a,
                          struct quiz_topic_score *out, size_t max);

/* The right answer of q in a few words: the checked option(s) (outcome words for predict),
 * or the first accepted answer; at most len - 1 bytes, cut with "..." when longer. */
const char *quiz_report_right_answer(const struct quiz_question *q, char *buf, size_t len);

/* "38.5", "2", "0.33" for thousandths of a point. */
const char *quiz_report_points(int milli, char *buf, size_t len);

/* "12 min 05 s", "45 s", "1 h 02 min" for a duration in milliseconds. */
const char *quiz_report_duration(int64_t ms, char *buf, size_t len);

/* Appends the plain-text report to out; permalink is the report's full URL. titles holds one
 * title per question of the bank, in its order: the stem as one line of plain text with code
 * spans in backticks (the server makes them with cnt_markdown_plain_title; this module does
 * not parse Markdown); the report cuts them to its width. Answers whose question left the
 * bank since are listed by id. Fails only with FA_ELIMIT. */
int quiz_report_text(const struct quiz_bank *bank, const char *const *titles,
                     const struct quiz_attempt *a, const char *permalink, struct fa_buf *out);

/* The same report in Markdown (a heading, a table of topics, a list of missed questions). */
int quiz_report_markdown(const struct quiz_bank *bank, const char *const *titles,
                         const struct quiz_attempt *a, const char *permalink,
                         struct fa_buf *out);

/* Both at once (either out may be NULL): the figures computed and the answers walked once,
 * each rendering appended to its own buffer, byte for byte what the two calls above give.
 * Fails only with FA_ELIMIT. */
int quiz_report_write(const struct quiz_bank *bank, const char *const *titles,
                      const struct quiz_attempt *a, const char *permalink, struct fa_buf *text,
                      struct fa_buf *markdown);

#endif
