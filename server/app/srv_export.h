/* srv_export.h: a class's gathering (quiz/quiz_results.h) written out for instructors, the same
 * bytes from `fa-learn stats` and from the instructor's download links: CSV (RFC 4180: UTF-8,
 * a header row, CRLF line ends, fields quoted when they hold a comma, quote or line break)
 * and JSON.
 *
 * In CSV, a text cell that a spreadsheet would run as a formula (starting with = + - @, tab
 * or carriage return) gets a leading apostrophe; JSON carries every text as it is. Times
 * are UTC in ISO 8601, scores in points, percentages rounded as the reports round them. */
#ifndef FA_SERVER_APP_SRV_EXPORT_H
#define FA_SERVER_APP_SRV_EXPORT_H

#include "common/fa_buf.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_results.h"
#include "quiz/quiz_store.h"

/* One row per attempt: report_id, learner, class, quiz, started, submitted, score, max,
 * percent, then one column per topic of the bank (the attempt's percent there, empty when
 * the attempt had none of its questions). */
int srv_export_attempts_csv(const struct quiz_results *c, const struct quiz_bank *bank,
                            struct fa_buf *out);
/* One row per question of the bank: question, topic, given, facility (percent, one
 * decimal), discrimination (three decimals; empty where undefined), unanswered, and
 * option_1..option_8 (how often each was chosen; empty past the question's options). */
int srv_export_questions_csv(const struct quiz_results *c, const struct quiz_bank *bank,
                             struct fa_buf *out);
/* {"filter", "damaged", "attempts": [...], "questions": [...], "summary"}: the same values,
 * unrounded, with per-topic scores as objects and null where a statistic is undefined. */
int srv_export_json(const struct quiz_results *c, const struct quiz_bank *bank,
                    const struct quiz_store_filter *f, struct fa_buf *out);

#endif
