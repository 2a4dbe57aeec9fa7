/* sbx_run.h: one learner run in the sandbox: its options, and the Python side of it (the
 * interpreter set up once in the supervisor, the snippet run in a forked, jailed child).
 * The supervisor (sbx_supervisor.h) drives the processes; this file is what runs inside. */
#ifndef FA_SANDBOX_SBX_RUN_H
#define FA_SANDBOX_SBX_RUN_H

#include "common/fa_buf.h"
#include "common/fa_err.h"
#include "sandbox/sbx_options.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SBX_RUN_MAX_CODE (64 * 1024)    /* bytes of snippet source */
/* Bytes of the run's standard input (issue 14: the page's Input box). Well under a pipe's
 * 64 KiB, so that the child writes it whole into its own pipe without blocking. */
#define SBX_RUN_MAX_STDIN (8 * 1024)
#define SBX_RUN_MAX_TRACE 2000          /* trace entries kept per run */

/* The learner's options, each bounded by the supervisor before a run starts. */
struct sbx_run_options {
    bool monitoring;           /* native call monitoring (sys.monitoring) on */
    bool disable;              /* the DISABLE trick on: safe call sites stop paying */
    unsigned time_limit_ms;    /* wall clock, enforced by the supervisor */
    /* "default"; "hook-only": audit hooks alone (monitoring off); "strict": monitoring on,
     * no DISABLE, and reads limited to the scratch folder and the interpreter's files. */
    char preset[16];
    /* extra safe-native module prefixes (sbx_options_prefix_ok) */
    char safe_native[SBX_RUN_MAX_SAFE_NATIVE][SBX_RUN_SAFE_NATIVE_MAX_LEN + 1];
    size_t n_safe_native;
    /* Bytes of standard input that follow these options in the child's request, before
     * the code (at most SBX_RUN_MAX_STDIN); 0: stdin is /dev/null. */
    size_t stdin_len;
};

/* Starts CPython in this process with an isolated configuration (no user site, no
 * environment variables, no current-folder import path), `fastaudit` and `labnative` built
 * in, and imports the engine and the warm-up modules, so that each forked run starts warm.
 * Call once, in the single-threaded supervisor. */
int sbx_py_init(struct fa_diag *diag);

/* In the forked, jailed child, before its request: takes the run's path once with an empty
 * snippet, so that the pages a run writes are copied from the supervisor's now, while the
 * child waits, instead of while a learner does. Returns 0, or -1 (nothing is lost: the run
 * then pays for it). */
int sbx_py_prepare(const char *scratch);

/* In the forked, jailed child: runs len bytes of code as __main__ under
 * fastaudit.mk_audit([scratch]) with the trace on (the records and counters go wherever
 * sbx_audit_set_sink points them), with HOME set to scratch, and appends the run's final
 * part as a JSON object to out: {"exception": null | {"type", "message", "traceback":
 * [{"line", "function", "text"}]}, "denied_by": "fastaudit" | "os-layer" (absent when
 * nobody refused), "os_errno": the errno of an OS-layer refusal or 0}. Texts are cut on
 * character boundaries (messages 4000 bytes, names 200, source lines 400). The snippet's
 * stdout and stderr are the process's fds 1 and 2, unbuffered (the supervisor captures
 * them). Built in C from C memory after the snippet, so the snippet cannot forge it through
 * Python objects. */
int sbx_py_run(const char *code, size_t len, const char *scratch,
               const struct sbx_run_options *options, struct fa_buf *out);

/* Makes every object reachable from the collector's objects immortal (PEP 683): their
 * reference counts are never written again, so a forked run that uses them copies no page
 * for it. For the supervisor, once its warm heap is complete; these objects are then never
 * freed (they live as long as the supervisor anyway). Returns 0, or -1 (nothing changed
 * for the worse: objects not reached stay as they were). */
int sbx_py_immortalize(void);

/* fork() for the single-threaded supervisor, which holds an initialised interpreter and
 * never starts a thread: without CPython's at-fork protocol (locks, thread states, the
 * stdlib's Python at-fork callbacks), which that case does not need and which costs hundreds
 * of copy-on-write faults per run. The child gets its native thread id, a reseeded
 * `random`, and a heap of its own for Python's and jansson's allocations (so that building
 * objects does not copy the supervisor's pages). Call from C, outside any Python code.
 * Returns -1 on failure. */
pid_t sbx_py_fork(void);

#endif
