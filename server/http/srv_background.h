/* srv_background.h: work a handler should not do on an HTTP pool thread (a walk over the
 * store for the instructor's dashboard or an export: tens of milliseconds that grow with the
 * class), done on a thread of its own.
 *
 * A handler first answers what it must answer at once (a missing session's redirect, a
 * cookie), then hands the rest to srv_background_run: the request is parked
 * (srv_resp.deferred) and answered from the background thread when the work is done, so no
 * pool thread waits on it. Jobs wait their turn in a bounded queue; a full queue is answered
 * at once with 503 and Retry-After. The work may set only what a deferred answer carries
 * (status, body, content type, cache control, Retry-After: srv_deferred_complete). */
#ifndef FA_SERVER_HTTP_SRV_BACKGROUND_H
#define FA_SERVER_HTTP_SRV_BACKGROUND_H

#include "common/fa_err.h"
#include "server/http/srv_http.h"

#include <stddef.h>

struct srv_background;

/* The work: fills resp (its body is empty, capped at SRV_MAX_PAGE_BYTES) and returns the
 * status, as a handler does. arg is the handler's, freed with free_arg afterwards. */
typedef int srv_background_fn(struct srv_req *req, struct srv_resp *resp, void *arg);

/* Starts the thread, with room for max_queued jobs waiting. */
int srv_background_start(size_t max_queued, struct srv_background **out, struct fa_diag *diag);
/* Does the jobs still queued (each request is answered) and joins the thread; jobs handed
 * over later are refused with 503. Call before the HTTP adapter stops (it needs every
 * deferred request answered), and srv_background_free after it. NULL is a no-op. */
void srv_background_stop(struct srv_background *bg);
/* Frees a stopped bg. NULL is a no-op. */
void srv_background_free(struct srv_background *bg);

/* Runs fn(req, resp, arg) on req->background's thread and answers req from there; returns
 * what the handler returns (resp->deferred is then set). Runs it here, on the calling
 * thread, when the request has no background thread or cannot be deferred (srv_req: the
 * in-memory handler tests). free_arg (may be NULL) is called on arg once fn has run, or
 * when the job is refused. */
int srv_background_run(struct srv_req *req, struct srv_resp *resp, srv_background_fn *fn,
                       void *arg, void (*free_arg)(void *arg));

#endif
