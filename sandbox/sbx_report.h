/* sbx_report.h: what a run's child reports to the supervisor, through memory the supervisor
 * maps before the fork (MAP_SHARED) and reads after the child has ended, however it ended
 * (DESIGN.md "A run's result").
 *
 * The child writes, as the run goes: the jail's layers, the engine's counters (the engine
 * counts straight into this memory), each trace record as the engine makes it, and at the
 * end one JSON object with the exception, who refused what ended the run, and an OS-layer
 * refusal. A run killed at its time limit or crashing keeps everything written up to then.
 *
 * The snippet shares the child's address space and can write here too, but only into its own
 * run's report: the supervisor treats everything in it as untrusted data, reads a copy, and
 * validates each field (types, counts, sizes, UTF-8) before anything reaches a learner. No
 * descriptor carries results, so there is nothing for a snippet to forge another run with. */
#ifndef FA_SANDBOX_SBX_REPORT_H
#define FA_SANDBOX_SBX_REPORT_H

#include "sandbox/sbx_fastaudit.h"
#include "sandbox/sbx_jail.h"

#include <jansson.h>
#include <stddef.h>

struct sbx_report;

/* ---- the supervisor's side ---- */

/* Maps a new, empty report (shared, so a child forked afterwards writes into the same
 * pages). NULL when the memory cannot be mapped. Pages cost only once written. */
struct sbx_report *sbx_report_map(void);
/* Keeps report out of every child forked from now on: call right after forking the child it
 * belongs to, so that no later run (a neighbour) inherits it. Returns 0, or FA_EIO. */
int sbx_report_keep_from_later_forks(struct sbx_report *report);
/* Unmaps it. NULL is a no-op. */
void sbx_report_unmap(struct sbx_report *report);

/* What the supervisor makes of a report, each field checked and bounded. */
struct sbx_report_view {
    json_t *exception;     /* null or {"type", "message", "traceback": [...], "syntax"?:
                            * {"line", "offset", "end_offset", "text"}, "cause"?: {"type",
                            * "message", "kind": "cause"|"context", "line", "cause"?}} */
    json_t *trace;         /* [{"event", "args", "class", "decision", "reason"}], plus "note"
                            * on a row where the other rule set would have decided otherwise */
    json_t *counters;      /* {"events", "allowed", ...}, or null when none were written */
    json_t *jail;          /* the layers the child reported, or null */
    const char *denied_by; /* "fastaudit", "os-layer" or NULL (a static string) */
    int os_errno;          /* the errno of an OS-layer refusal that ended the run, or 0 */
    bool finished;         /* the child wrote its final part: the snippet ran to its end */
    size_t trace_dropped;  /* decisions counted but not recorded (past the trace's room) */
};

/* Whether the child stored its final part (the snippet ran to its end). */
bool sbx_report_finished(const struct sbx_report *report);

/* Reads a copy of report (the child has ended or been killed) into view, validating every
 * field; what fails validation is left out, never passed on. A NULL report (the run never
 * got a child) reads as an empty one. Every json_t in view is new (the caller owns them:
 * sbx_report_view_clear). Returns 0, or FA_ENOMEM. */
int sbx_report_read(const struct sbx_report *report, struct sbx_report_view *view);
/* Releases the json_t values of view. */
void sbx_report_view_clear(struct sbx_report_view *view);

/* ---- the child's side ---- */

/* Records the jail's layers (before the request arrives). */
void sbx_report_set_jail(struct sbx_report *report, const struct sbx_jail_status *status);
/* Points the engine's counters and trace at report (sbx_audit_set_sink), from now on. */
void sbx_report_attach(struct sbx_report *report);
#define SBX_REPORT_MAX_FINAL (192 * 1024) /* bytes of the final part */

/* Stores the run's final part: a JSON object {"exception", "denied_by", "os_errno"} of len
 * bytes. Returns 0, or FA_ELIMIT when it does not fit (nothing is stored then). */
int sbx_report_finish(struct sbx_report *report, const char *json, size_t len);

#endif
