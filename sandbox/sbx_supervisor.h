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
 *              "exception": null|{...}, "trace": [...], "counters": {...},
 *              "duration_ms": 12.3, "limit": null|"time"|"cpu"|"memory"|"output"|"file size",
 *              "signal": null|"SIGSEGV", "jail": {...}}
 *   refusal:  {"id": N, "error": "busy"|"bad request: ..."}
 * Results come back in completion order, not request order. */
#ifndef FA_SANDBOX_SBX_SUPERVISOR_H
#define FA_SANDBOX_SBX_SUPERVISOR_H

#include "common/fa_err.h"
#include "sandbox/sbx_jail.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SBX_MAX_REQUEST (128 * 1024)     /* bytes of a request frame */
#define SBX_MAX_RESULT (4 * 1024 * 1024) /* bytes of a result frame */

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
};

struct sbx_supervisor;

/* Fills config with the limits every fa-learn sandbox uses (the server's and `fa-learn
 * run`'s alike): uid/gid 65534 when started as root, CPU max_time_ms + 1 s, 1 GiB of address
 * space (no limit in ASan builds, whose shadow memory needs terabytes), 16 MiB files, 64
 * files and tasks, 64 KiB of each output stream, one run at a time and one waiting. The caller
 * then sets scratch_base and, where it wants more, max_running and max_queued. */
void sbx_supervisor_default_config(struct sbx_supervisor_config *config, unsigned max_time_ms);

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
 * by sbx_supervisor_spawn. Returns only on bad arguments (2). */
int sbx_supervisor_main_args(int argc, char **argv);
int sbx_supervisor_fd(const struct sbx_supervisor *sup);
pid_t sbx_supervisor_pid(const struct sbx_supervisor *sup);
/* Closes the socket (the supervisor then kills its runs and exits) and reaps it. */
void sbx_supervisor_stop(struct sbx_supervisor *sup);

#endif
