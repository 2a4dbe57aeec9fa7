/* srv_http.h: the request and response that route handlers see, free of any HTTP library.
 *
 * The adapter (srv_mhd.c) fills a struct srv_req from the connection, calls the handler the
 * route table picks, and turns the struct srv_resp into a real response. Handlers validate
 * their parameters, call one module API, fill a template and return the status; they never
 * see libmicrohttpd, SQL or Python. Tests build these structs in memory. */
#ifndef FA_SERVER_HTTP_SRV_HTTP_H
#define FA_SERVER_HTTP_SRV_HTTP_H

#include "common/fa_buf.h"
#include "common/fa_html.h"
#include "server/http/srv_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srv_site;
struct srv_asset;
struct srv_sandbox;
struct srv_req;
struct srv_resp;
struct srv_public;
struct srv_metrics;
struct srv_ratelimit;
struct srv_instructor;
struct srv_background;
struct quiz_store;
struct quiz_key;

/* A request whose handler answers later (srv_resp.deferred). The adapter (or a test) makes
 * one per request and sets complete: it takes the answer, once, from any thread. */
struct srv_deferred {
    void (*complete)(struct srv_deferred *d, struct srv_resp *resp);
};

/* The router the adapter calls for every request it does not refuse itself
 * (srv_routes_dispatch, or a test's): returns the HTTP status and fills resp. */
typedef int srv_dispatch_fn(struct srv_req *req, struct srv_resp *resp);

/* Puts body_html (trusted HTML: a page's own part) in the site's layout under title (plain
 * text), appending the page to out. FA_OK, or an error when the page could not be built.
 * The error helper (srv_resp_error) renders through it, so that these HTTP types know no
 * site and no view. */
typedef int srv_page_fn(const struct srv_req *req, const char *title, struct fa_html body_html,
                        struct fa_buf *out);

/* A run's answer: srv_sandbox_done_fn's contract (srv_sandbox.h). */
typedef void srv_run_done_fn(void *cls, int rc, const char *result, size_t len);
/* Sends a run to the sandbox: srv_sandbox_submit's contract (srv_sandbox.h), so that a test
 * can put a fake sandbox client in the request. */
typedef int srv_run_submit_fn(struct srv_sandbox *sb, const char *client,
                              const char *request_json, size_t len, srv_run_done_fn *done,
                              void *cls);

/* One query-string value, percent-decoded by the adapter. Borrowed from the connection. */
struct srv_kv {
    const char *name;
    const char *value;
};

/* What the server hands every request, copied into its srv_req (all borrowed; they must
 * outlive the HTTP adapter). Only pub is required; the rest may be NULL. */
struct srv_services {
    struct srv_sandbox *sandbox;       /* NULL when the sandbox is off */
    struct quiz_store *store;
    const struct quiz_key *quiz_key;
    const struct srv_public *pub;      /* accepted hosts, public origin, trusted proxies */
    struct srv_metrics *metrics;
    struct srv_ratelimit *quiz_rate;   /* quiz submissions per client and minute */
    struct srv_instructor *instructor; /* the instructor's sign-in */
    struct srv_background *background; /* the thread for slow work */
};

struct srv_req {
    uint64_t id;                 /* for log lines */
    const char *method;          /* "GET", "HEAD", "POST"... */
    const char *path;            /* percent-decoded path, without the query */
    struct srv_kv query[SRV_MAX_QUERY_VALUES]; /* the first query values, in order */
    size_t n_query;
    bool query_too_long;         /* a value was longer than SRV_MAX_QUERY_VALUE */
    const char *if_none_match;   /* header value or NULL */
    const char *content_type;    /* Content-Type header value or NULL */
    const char *origin;          /* Origin header value or NULL */
    const char *host;            /* Host header value or NULL */
    const char *client;          /* the client's address as text ("127.0.0.1"): the peer, or
                                    whom a trusted proxy forwarded for; never NULL */
    bool https;                  /* a trusted proxy said the client used https */
    const char *referer;         /* Referer header value or NULL */
    const char *cookie;          /* Cookie header value or NULL */
    const struct srv_public *pub; /* the site's public address (srv_public.h) */
    struct srv_metrics *metrics; /* the server's counters (srv_metrics.h) */
    struct srv_ratelimit *quiz_rate; /* quiz submissions per client and minute, or NULL */
    struct srv_instructor *instructor; /* the instructor's sign-in (srv_instructor_auth.h) */
    const char *route;           /* set by the dispatcher: the route table's path, or NULL */
    bool accepts_gzip;           /* Accept-Encoding allows gzip */
    struct fa_str body;          /* the request body (at most SRV_MAX_BODY_BYTES) */
    struct srv_site *site;       /* the site this request is served from (held by the adapter) */
    struct srv_sandbox *sandbox; /* the sandbox client, NULL when the sandbox is off */
    srv_run_submit_fn *submit_run; /* how runs reach it; NULL: srv_sandbox_submit */
    struct quiz_store *store;    /* the store of quiz attempts, NULL when there is none */
    const struct quiz_key *quiz_key; /* signs quiz attempt tokens (quiz_token.h); NULL: none
                                        issued, every submission refused */
    struct srv_deferred *deferred; /* for handlers that answer later (see srv_resp.deferred);
                                      NULL: this request cannot be deferred */
    struct srv_background *background; /* the thread for slow work (srv_background.h), or
                                          NULL: such work runs on the calling thread */
    srv_page_fn *page;           /* the layout of error pages; NULL: the error's part alone */
};

/* What a handler answers: either a ready asset from the site (sent as is, with its ETag,
 * gzip variant and cache headers) or a dynamic body. */
struct srv_resp {
    int status;
    const struct srv_asset *asset; /* when set, everything below is ignored */
    struct fa_buf body;            /* the dynamic body (the adapter owns and frees it) */
    const char *content_type;      /* static string; default text/html; charset=utf-8 */
    const char *cache_control;     /* static string; default "no-store" */
    const char *allow;             /* for 405: the Allow header */
    char location[512];            /* for redirects: the Location header, "" if none */
    int retry_after;               /* seconds, 0 for none */
    char set_cookie[256];          /* a Set-Cookie header value, "" for none */
    /* Set by a handler that has handed req->deferred to something that will call
     * srv_deferred_complete exactly once, from any thread; everything else in this response
     * is then ignored. The adapter parks the connection meanwhile, so no HTTP thread waits,
     * and the request (req and its strings) stays valid until the completion. */
    bool deferred;
};

/* Answers a deferred request with resp: takes resp->body (leaving it empty) and copies status,
 * content_type, cache_control and retry_after (asset, location and allow are not supported
 * here). Call once per deferred request, from any thread; the response is sent by an HTTP
 * thread afterwards. Calls d->complete (the adapter's, or a test's fake). */
void srv_deferred_complete(struct srv_deferred *d, struct srv_resp *resp);

/* The value of query parameter name, or NULL. Borrowed for the request's lifetime. */
const char *srv_req_query(const struct srv_req *req, const char *name);

/* Fills resp with an error page (status, a title and a sentence) in the layout of req->page
 * (when req is not NULL and it is set) and returns status, so that handlers can
 * `return srv_resp_error(req, resp, 400, "...")`. */
int srv_resp_error(const struct srv_req *req, struct srv_resp *resp, int status,
                   const char *message);

/* Answers a redirect: status (303 after a form, 308 for a moved address) to path, or to
 * path + "/" + segment when segment is not NULL (a path from the site, and a segment such
 * as an id or a code the caller has checked: neither is encoded here), with an empty body.
 * Returns status, so that handlers can `return srv_resp_redirect(...)`. */
int srv_resp_redirect(struct srv_resp *resp, int status, const char *path, const char *segment);

/* Parses an If-None-Match value against an entity tag ("\"...\"", quotes included): true when
 * it lists that tag (weak comparison, W/ ignored) or is "*". */
bool srv_etag_matches(const char *if_none_match, const char *etag);
/* True when an Accept-Encoding value accepts gzip (gzip, x-gzip or *, with q > 0). */
bool srv_accepts_gzip(const char *accept_encoding);

#endif
