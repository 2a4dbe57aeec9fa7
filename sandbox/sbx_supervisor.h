/* sbx_supervisor.h: the sandbox supervisor, a single-threaded process forked before any
 * thread exists (DESIGN.md "Processes"). It initialises CPython once, then serves run
 * requests over a socketpair: for each it forks a child from the warm interpreter, jails it
 * (sbx_jail.h), runs the snippet (sbx_run.h), enforces the wall-clock and output limits,
 * reaps it, removes its scratch folder and answers with one result frame.
 *
 * Frames (sbx_frame.h) carry JSON.
 *   request:  {"id": N, "code": "...", "monitoring": true, "time_limit_ms": 2000}
 *   result:   {"id": N, "status": "ok"|"error"|"denied"|"limit"|"crash", "stdout": "...",
 *              "stderr": "...", "stdout_truncated": false, "stderr_truncated": false,
 *              "stdout_invalid_utf8": false, "stderr_invalid_utf8": false,
 *              "exception": null|{...}, "trace": [...], "trace_dropped": 0,
 *              "trace_truncated": false, "counters": {...}|null, "denied_by": ...,
 *              "duration_ms": 12.3, "limit": null|"time"|"cpu"|"memory"|"output"|
 *              "file size"|"disk quota", "signal": null|"SIGSEGV", "jail": {...}|null,
 *              "note": null|"what ended the run, in a sentence"}
 *   refusal:  {"id": N, "error": "busy"|"waited too long"|"bad request: ..."}
 * "id" is always the first member, so a reader can find it in a frame it cannot parse.
 * Results come back in completion order, not request order.
 *
 * Every field of a result is the supervisor's: what the run's child reports (its trace,
 * counters, exception) comes through shared memory as untrusted data and is validated and
 * bounded first (sbx_report.h); output is made well-formed UTF-8 (U+FFFD for bytes that are
 * not, flagged) and cut on character boundaries; the whole frame stays under SBX_MAX_RESULT
 * (the trace is cut, and says so, when it would not). */
#ifndef FA_SANDBOX_SBX_SUPERVISOR_H
#define FA_SANDBOX_SBX_SUPERVISOR_H

#include "common/fa_err.h"
#include "sandbox/sbx_jail.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SBX_MAX_REQUEST (128 * 1024)     /* bytes of a request frame */
#define SBX_MAX_RESULT (4 * 1024 * 1024) /* bytes of a result frame */
#define SBX_DEFAULT_MAX_WAIT_MS 60000    /* longest a request waits for a run slot */
#define SBX_DEFAULT_DISK_QUOTA_MB 64     /* bytes a run may store in its scratch folder */

struct sbx_supervisor_config {
    const char *scratch_base;    /* folder that holds the per-run scratch folders */
    bool switch_ids;             /* when root: runs use uid/gid below */
    uid_t uid;
    gid_t gid;
    struct sbx_jail_limits limits;
    unsigned max_running;        /* runs at once (default: the CPU count) */
    unsigned max_queued;         /* requests waiting behind them; past it: "busy" */
    size_t output_cap;           /* bytes kept of stdout, and of stderr */
    unsigned max_time_ms;        /* the longest wall-clock limit a request may ask for */
    unsigned max_wait_ms;        /* a request still waiting after this is answered "waited
                                    too long", so the server can promise an answer by then */
    unsigned disk_quota_mb;      /* each run's scratch folder is a tmpfs of this size (when
                                    started as root; 0: no quota, only the file-size limit) */
    bool spawned;                /* set by `fa-learn supervise`: see sbx_supervisor_main_args */
};

struct sbx_supervisor;

/* Fills config with the limits every fa-learn sandbox uses (the server's and `fa-learn
 * run`'s alike): uid/gid 65534 when started as root, CPU max_time_ms + 1 s, 1 GiB of address
 * space (no limit in ASan builds, whose shadow memory needs terabytes), 16 MiB files, 64
 * files and tasks, a 64 MiB scratch folder, 64 KiB of each output stream, one run at a time
 * and one waiting, at most 60 s of waiting. The caller
 * then sets scratch_base and, where it wants more, max_running and max_queued. */
void sbx_supervisor_default_config(struct sbx_supervisor_config *config, unsigned max_time_ms);

/* Removes what runs of an earlier supervisor left in scratch_base (their run-* folders: a
 * supervisor killed with SIGKILL cannot clean up). Call while no supervisor uses that folder:
 * before starting the first one, or after the last one ended. */
void sbx_supervisor_clear_scratch(const char *scratch_base);

/* Forks the supervisor. Call before any thread exists. On success *out holds the parent's
 * end; sbx_supervisor_fd() is the socket to write requests to and read results from. */
int sbx_supervisor_start(const struct sbx_supervisor_config *config,
                         struct sbx_supervisor **out, struct fa_diag *diag);
/* Starts a supervisor as a new program, `exe supervise ...` (exe: the fa-learn binary), with
 * posix_spawn, which a threaded process may do, unlike fork: how a server replaces a
 * supervisor that died. The config travels on the command line. */
int sbx_supervisor_spawn(const struct sbx_supervisor_config *config, const char *exe,
                         struct sbx_supervisor **out, struct fa_diag *diag);
/* `fa-learn supervise` (argv: the arguments after "supervise"): becomes the supervisor made
 * by sbx_supervisor_spawn. Returns only on bad arguments (2). Unlike a forked supervisor,
 * which dies with its parent (PR_SET_PDEATHSIG), it ends when the server's end of the socket
 * closes: a parent-death signal would follow the server thread that spawned it. */
int sbx_supervisor_main_args(int argc, char **argv);
int sbx_supervisor_fd(const struct sbx_supervisor *sup);
pid_t sbx_supervisor_pid(const struct sbx_supervisor *sup);
/* Closes the socket (the supervisor then kills its runs and exits) and reaps it. */
void sbx_supervisor_stop(struct sbx_supervisor *sup);

#endif
