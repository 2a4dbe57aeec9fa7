/* quiz_cues.h: surface cues in a question bank, the patterns that let a learner pass without
 * understanding (issue 13, section 2), as warnings for authors (`fa-learn check`):
 *
 * - a one-answer question whose keyed option is more than QUIZ_CUE_LONGER times as long as
 *   the longest other one (length gives it away);
 * - a topic with two or more true/false questions, all keyed the same way;
 * - a select-all question whose right options are all listed before every wrong one.
 *
 * Lengths are counted in characters of the option as shown: Markdown's code and emphasis
 * marks (` and *, and _ at a word's edge) are not counted. Pure functions of a loaded bank. */
#ifndef FA_QUIZ_QUIZ_CUES_H
#define FA_QUIZ_QUIZ_CUES_H

#include "quiz/quiz_bank.h"

#define QUIZ_CUE_LONGER 1.3

/* Reports each cue as (question's file, 1, "warning: ID: what"); returns how many. */
size_t quiz_bank_cues(const struct quiz_bank *bank, quiz_bank_report_fn *report, void *cls);

#endif
