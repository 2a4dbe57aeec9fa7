/* srv_sandbox.h: the server's client of the sandbox supervisor (sbx_supervisor.h).
 *
 * srv_sandbox_start forks the supervisor (so it must run before any thread exists) and then
 * starts one dedicated thread that reads result frames from the supervisor's socket and hands
 * each to the request that waits for it, by id. HTTP pool threads never wait on a run: they
 * submit and return, and the callback answers later (DESIGN.md "Processes").
 *
 * When the supervisor dies (end of stream on its socket), every waiting request gets
 * FA_EIO and submits fail at once with FA_EIO ("down") until the sandbox thread has started
 * a replacement (`fa-learn supervise`, with posix_spawn: forking a process that has threads
 * is not safe for a supervisor that initialises CPython), about a second later. Run folders
 * left by a dead supervisor are removed before its replacement starts, and at start.
 *
 * Every submitted request is answered by a deadline, whatever the run or the supervisor
 * does: the supervisor's longest wait for a slot, plus the run's time limit, plus a margin.
 * A watchdog on the sandbox thread answers FA_ETIMEDOUT past it. A result frame too large
 * or too broken to read is that run's error (FA_ELIMIT), not the sandbox's. */
#ifndef FA_SERVER_APP_SRV_SANDBOX_H
#define FA_SERVER_APP_SRV_SANDBOX_H

#include "common/fa_err.h"
#include "server/http/srv_http.h"
#include "server/http/srv_limits.h"

#include <stddef.h>
#include <sys/types.h>

struct srv_sandbox;

struct srv_sandbox_config {
    const char *scratch_base; /* folder for per-run scratch folders (created 0711) */
    unsigned max_running;     /* runs at once; 0 means the CPU count */
    unsigned max_queued;      /* requests waiting behind them; past it the answer is "busy" */
    unsigned per_client;      /* runs going or waiting per client address; 0: no cap */
    unsigned max_time_ms;     /* the longest wall-clock limit a request may ask for */
    unsigned disk_quota_mb;   /* each run's scratch quota (see sbx_supervisor.h); 0: none */
    unsigned max_wait_ms;     /* longest wait for a worker; 0: the supervisor's default */
};

#define SRV_SANDBOX_CLIENT_MAX SRV_CLIENT_TEXT_MAX

/* Called once per successful submit, usually on the sandbox thread, but not always: when a
 * submit's write to the supervisor fails, the submitting thread (an HTTP pool thread)
 * answers every request still waiting with FA_EIO itself, and srv_sandbox_stop's caller
 * waits for the sandbox thread to answer the rest. So done must be safe on any thread and
 * must not call srv_sandbox_submit or srv_sandbox_stop. rc is FA_OK with the
 * supervisor's answer in (result, len) (a result or a refusal such as {"error": "busy"},
 * still with its "id"; borrowed for the call only; JSON that may hold \u0000). Otherwise
 * result is NULL and rc says why: FA_EIO, the supervisor died or the sandbox was stopped
 * before it answered; FA_ETIMEDOUT, no answer came by the request's deadline; FA_ELIMIT,
 * the answer was larger than SBX_MAX_RESULT. */
typedef srv_run_done_fn srv_sandbox_done_fn;

/* Forks the supervisor with config (copied) and starts the reader thread. Call before any
 * other thread exists. On failure the diag says why and nothing is left running. */
int srv_sandbox_start(const struct srv_sandbox_config *config, struct srv_sandbox **out,
                      struct fa_diag *diag);

/* Sends one run request for client (its address as text, at most SRV_SANDBOX_CLIENT_MAX - 1
 * bytes; the per-client share counts by it). request_json is a JSON object without "id" (the
 * sandbox adds a fresh one) with the run's "time_limit_ms". On FA_OK, done is called exactly
 * once, later or already before this returns (see srv_sandbox_done_fn for the thread).
 * Returns FA_EIO at once
 * when the supervisor is down (done is then never called), FA_EBUSY when client already has
 * its share of runs going or waiting, FA_EINVAL when request_json is not a JSON object,
 * FA_ELIMIT when the frame would pass SBX_MAX_REQUEST. Thread-safe. */
int srv_sandbox_submit(struct srv_sandbox *sb, const char *client, const char *request_json,
                       size_t len, srv_sandbox_done_fn *done, void *cls);

/* The supervisor's process id, or 0 once it is down. Thread-safe. */
pid_t srv_sandbox_pid(struct srv_sandbox *sb);

/* Figures for /metrics: requests sent and not yet answered (running or waiting), and how many
 * times a dead supervisor was replaced. Thread-safe. */
struct srv_sandbox_stats {
    unsigned waiting;
    unsigned long restarts;
};
void srv_sandbox_get_stats(struct srv_sandbox *sb, struct srv_sandbox_stats *out);

/* Stops the supervisor (it kills its runs), answers every waiting request with FA_EIO and
 * joins the thread. Afterwards submits fail with FA_EIO; sb stays valid until
 * srv_sandbox_free, so that threads still serving requests may call it. */
void srv_sandbox_stop(struct srv_sandbox *sb);
/* Frees sb (stopping it first if needed). srv_sandbox_free(NULL) is a no-op. */
void srv_sandbox_free(struct srv_sandbox *sb);

#endif
