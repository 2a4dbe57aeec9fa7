/* srv_run_record.h: a summary of each sandbox run kept in the store, for the instructor's view
 * of what a class ran into (quiz/quiz_runs.h): the class code the sandbox page sent, the
 * outcome, the first event the audit layer denied and its class, the limit that ended the
 * run, and the code itself only when the class keeps snippets. Recording never changes what
 * the learner is answered: a failure is logged. */
#ifndef FA_SERVER_APP_SRV_RUN_RECORD_H
#define FA_SERVER_APP_SRV_RUN_RECORD_H

#include "quiz/quiz_store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct srv_run_record;

/* What is known of a run before it runs: its class code ("" for none; checked by the
 * caller) and its code (copied, kept only if the class keeps snippets). */
struct srv_run_record *srv_run_record_new(const char *class_code, const char *code, size_t len);
/* Saves the summary of result (the supervisor's answer for the run) to store. */
void srv_run_record_save(const struct srv_run_record *rec, struct quiz_store *store,
                         json_t *result, uint64_t req_id);
void srv_run_record_free(struct srv_run_record *rec);

#endif
