/* srv_mhd.c: the HTTP adapter over libmicrohttpd (see srv_mhd.h). The only file that includes
 * microhttpd.h. Request flow: first call makes the request state (and refuses early when a
 * cap is passed), upload calls collect the body up to its cap, the last call dispatches. */
#include "server/mhd/srv_mhd.h"

#include "common/fa_buf.h"
#include "common/fa_hash.h"
#include "common/fa_log.h"
#include "common/fa_mem.h"
#include "common/fa_time.h"
#include "server/http/srv_http.h"
#include "server/http/srv_limits.h"
#include "server/http/srv_metrics.h"
#include "server/http/srv_public.h"
#include "server/site/srv_site.h"

#include <assert.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define CSP                                                                                    \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* Per-client connection counts live in a fixed table indexed by a hash of the address.
 * Two clients that collide share one budget: conservative, and no allocation per client. */
#define CLIENT_SLOTS 4096

struct srv_mhd {
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock; /* guards gen, n_connections, clients and conns */
    struct conn_state *conns; /* open connections, for the watchdog */
    pthread_t watchdog;
    bool watchdog_started, stopping; /* stopping: under lock */
    pthread_cond_t stop_cond;
    struct generation *gen; /* the site served to new requests */
    srv_dispatch_fn *dispatch; /* the router */
    srv_page_fn *page;         /* the layout of error pages, for handlers and refusals */
    unsigned n_connections;
    unsigned short clients[CLIENT_SLOTS];
    atomic_uint_fast64_t next_request_id;
    struct srv_services services; /* handed to every request */
    pthread_mutex_t defer_lock;  /* orders suspend and completion of deferred requests */
};

/* A request whose handler answers later (srv_resp.deferred): the connection is suspended
 * until srv_deferred_complete (on_deferred_complete) stores the answer and resumes it. Lives
 * in request_state, which cannot be freed while the connection is suspended. */
struct mhd_deferred {
    struct srv_deferred base; /* first: what handlers see */
    struct srv_mhd *mhd;
    struct MHD_Connection *conn;
    bool suspended; /* under defer_lock: MHD_suspend_connection was called */
    bool completed; /* under defer_lock: resp holds the answer */
    struct srv_resp resp;
};

/* Ready-made responses of one asset: MHD counts references, so they outlive a reload. */
struct prepared {
    struct MHD_Response *plain;
    struct MHD_Response *gz;
    struct MHD_Response *not_modified;
};

/* A site and the ready-made responses of its assets (numbered as srv_site_get_asset does),
 * so that serving an asset allocates nothing and the site model knows no HTTP library.
 * Reference-counted: a request holds the generation it started with across a reload. */
struct generation {
    atomic_int refs;
    struct srv_site *site; /* one reference */
    struct prepared *prepared;
    size_t n;
};

/* What a connection remembers: its client slot and whether it was over a limit at accept. */
/* Where a connection is in its current request, for the deadlines (watchdog). */
enum conn_phase {
    PHASE_HEADERS, /* waiting for the request line and headers (or the next request) */
    PHASE_BODY,    /* headers in, the body still arriving */
    PHASE_HANDLED, /* handed to a handler: answered, or parked for a deferred answer */
};

struct conn_state {
    struct conn_state *prev, *next; /* in srv_mhd.conns, under srv_mhd.lock */
    int fd;                         /* the socket, for the watchdog's shutdown */
    enum conn_phase phase;          /* under srv_mhd.lock */
    uint64_t phase_started_us;      /* under srv_mhd.lock */
    unsigned slot;
    bool over_limit;
    bool trusted; /* a trusted proxy: not counted per client, its forwarded headers believed */
    char client[SRV_CLIENT_TEXT_MAX]; /* the peer's address as text */
};

struct request_state {
    struct srv_req req;
    uint64_t started_us;
    struct fa_buf body;
    bool body_too_big;  /* past SRV_MAX_BODY_BYTES: the rest is dropped, the answer is 413 */
    size_t discarded;   /* bytes dropped past the cap */
    bool answered;      /* a response was queued early (refusal) */
    bool waiting;       /* a deferred answer is due */
    struct generation *gen; /* the site this request is served from, held */
    struct mhd_deferred deferred;
    int status;
    size_t bytes;
    char log_method[12];
    char log_path[128]; /* printable copy for the access log */
    char client[SRV_CLIENT_TEXT_MAX]; /* req.client: the peer, or whom a proxy forwarded for */
};

static void add_common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "same-origin");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
}

static struct MHD_Response *make_asset_response(const struct srv_asset *a, const char *body,
                                                size_t len, const char *etag, bool gzip)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);

    if (!r)
        return NULL;
    add_common_headers(r);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, a->cache_control);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    if (a->gz)
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (gzip)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    return r;
}

static void unprepare(struct prepared *p)
{
    if (p->plain)
        MHD_destroy_response(p->plain);
    if (p->gz)
        MHD_destroy_response(p->gz);
    if (p->not_modified)
        MHD_destroy_response(p->not_modified);
}

static int prepare(const struct srv_asset *asset, struct prepared *p)
{
    p->plain = make_asset_response(asset, asset->body, asset->len, asset->etag, false);
    if (asset->gz)
        p->gz = make_asset_response(asset, asset->gz, asset->gz_len, asset->etag_gz, true);
    p->not_modified = make_asset_response(asset, "", 0, asset->etag, false);
    if (!p->plain || (asset->gz && !p->gz) || !p->not_modified)
        return FA_ENOMEM;
    return FA_OK;
}

static void generation_release(struct generation *gen)
{
    if (!gen || atomic_fetch_sub(&gen->refs, 1) != 1)
        return;
    for (size_t i = 0; i < gen->n; i++)
        unprepare(&gen->prepared[i]);
    fa_free(gen->prepared);
    srv_site_release(gen->site);
    fa_free(gen);
}

/* Builds the ready-made responses of every asset of site (which gets a reference). */
static int generation_new(struct srv_site *site, struct generation **out)
{
    struct generation *gen = fa_xcalloc(1, sizeof *gen);
    int rc = FA_OK;

    atomic_init(&gen->refs, 1);
    srv_site_retain(site);
    gen->site = site;
    gen->n = srv_site_n_assets(site);
    gen->prepared = fa_xcalloc(gen->n ? gen->n : 1, sizeof *gen->prepared);
    for (size_t i = 0; i < gen->n && !rc; i++)
        rc = prepare(srv_site_get_asset(site, i), &gen->prepared[i]);
    if (rc) {
        generation_release(gen);
        return rc;
    }
    *out = gen;
    return FA_OK;
}

/* The current generation with a reference the caller releases. */
static struct generation *generation_get(struct srv_mhd *mhd)
{
    struct generation *gen;

    pthread_mutex_lock(&mhd->lock);
    gen = mhd->gen;
    atomic_fetch_add(&gen->refs, 1);
    pthread_mutex_unlock(&mhd->lock);
    return gen;
}

int srv_mhd_set_site(struct srv_mhd *mhd, struct srv_site *site)
{
    struct generation *gen = NULL, *old;
    int rc = generation_new(site, &gen);

    if (rc)
        return rc;
    pthread_mutex_lock(&mhd->lock);
    old = mhd->gen;
    mhd->gen = gen;
    pthread_mutex_unlock(&mhd->lock);
    generation_release(old);
    return FA_OK;
}

/* Copies s for the log: printable ASCII only, so a path cannot forge log lines. */
static void copy_printable(char *dst, size_t cap, const char *s)
{
    size_t n = 0;

    for (; s && *s && n + 1 < cap; s++)
        dst[n++] = (*s > 0x20 && *s < 0x7f && *s != '"') ? *s : '?';
    dst[n] = '\0';
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct request_state *st, int status,
                             struct MHD_Response *r, size_t bytes)
{
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)status, r);

    st->status = status;
    st->bytes = bytes;
    return ok;
}

static enum MHD_Result send_asset(struct MHD_Connection *conn, struct request_state *st,
                                  const struct srv_asset *a)
{
    size_t i = srv_site_asset_index(st->gen->site, a);
    const struct prepared *p;

    assert(i < st->gen->n && srv_site_get_asset(st->gen->site, i) == a);
    p = &st->gen->prepared[i];

    if (a->status == 200 && st->req.if_none_match &&
        (srv_etag_matches(st->req.if_none_match, a->etag) ||
         (a->gz && srv_etag_matches(st->req.if_none_match, a->etag_gz))))
        return queue(conn, st, 304, p->not_modified, 0);
    if (p->gz && st->req.accepts_gzip)
        return queue(conn, st, a->status, p->gz, a->gz_len);
    return queue(conn, st, a->status, p->plain, a->len);
}

static enum MHD_Result send_dynamic(struct MHD_Connection *conn, struct request_state *st,
                                    struct srv_resp *resp)
{
    const char *prefix = srv_public_prefix(st->req.pub);
    size_t len;
    char *body;
    struct MHD_Response *r;
    enum MHD_Result ok;
    char seconds[24], location[sizeof resp->location + 256];

    /* Under a path prefix (behind a proxy), the page's own links and the redirect go inside
     * it; pages from the site model were prefixed when they were built. */
    if (prefix[0] && (!resp->content_type || strncmp(resp->content_type, "text/html", 9) == 0)) {
        struct fa_buf prefixed;
        fa_buf_init(&prefixed, SRV_MAX_PAGE_BYTES);
        if (srv_public_prefix_links(prefix, resp->body.ptr ? resp->body.ptr : "", resp->body.len,
                                    &prefixed) == 0) {
            fa_buf_cleanup(&resp->body);
            resp->body = prefixed;
        } else {
            fa_buf_cleanup(&prefixed);
        }
    }
    snprintf(location, sizeof location, "%s%s", resp->location[0] == '/' ? prefix : "",
             resp->location);
    body = fa_buf_detach(&resp->body, &len);

    r = MHD_create_response_from_buffer_with_free_callback(len, body, fa_free);
    if (!r) {
        fa_free(body);
        return MHD_NO;
    }
    add_common_headers(r);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp->content_type ? resp->content_type
                                               : "text/html; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                            resp->cache_control ? resp->cache_control : "no-store");
    if (resp->location[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
    if (resp->allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
    if (resp->set_cookie[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp->set_cookie);
    if (resp->retry_after > 0) {
        snprintf(seconds, sizeof seconds, "%d", resp->retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    ok = queue(conn, st, resp->status, r, len);
    MHD_destroy_response(r);
    return ok;
}

/* Answers a refusal in the layout of the current site; used before any route runs. */
static enum MHD_Result refuse(struct MHD_Connection *conn, struct request_state *st,
                              int status, const char *message, int retry_after)
{
    struct srv_resp resp = {0};
    enum MHD_Result ok;

    fa_buf_init(&resp.body, SRV_MAX_PAGE_BYTES);
    resp.retry_after = retry_after;
    srv_resp_error(&st->req, &resp, status, message);
    ok = send_dynamic(conn, st, &resp);
    fa_buf_cleanup(&resp.body);
    st->answered = true;
    return ok;
}

static enum MHD_Result on_query_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    struct srv_req *req = cls;

    (void)kind;
    if (value && strlen(value) > SRV_MAX_QUERY_VALUE) {
        req->query_too_long = true;
        return MHD_YES;
    }
    if (req->n_query < SRV_MAX_QUERY_VALUES) {
        req->query[req->n_query].name = key;
        req->query[req->n_query].value = value ? value : "";
        req->n_query++;
    }
    return MHD_YES;
}

/* Sends the stored answer of a deferred request, if it has come. */
static enum MHD_Result send_deferred(struct MHD_Connection *conn, struct request_state *st)
{
    struct mhd_deferred *d = &st->deferred;
    bool completed;
    enum MHD_Result ok;

    pthread_mutex_lock(&d->mhd->defer_lock);
    completed = d->completed;
    pthread_mutex_unlock(&d->mhd->defer_lock);
    if (!completed)
        return MHD_YES; /* not resumed by us: nothing to do yet */
    st->waiting = false;
    ok = send_dynamic(conn, st, &d->resp);
    fa_buf_cleanup(&d->resp.body);
    return ok;
}

/* The handler deferred its answer: park the connection, unless the answer already came
 * while the handler was returning. The lock makes "suspended" and "completed" agree, so a
 * completion never resumes a connection that is not suspended yet. */
static enum MHD_Result defer(struct MHD_Connection *conn, struct request_state *st)
{
    struct mhd_deferred *d = &st->deferred;

    st->waiting = true;
    pthread_mutex_lock(&d->mhd->defer_lock);
    if (!d->completed) {
        MHD_suspend_connection(conn);
        d->suspended = true;
    }
    pthread_mutex_unlock(&d->mhd->defer_lock);
    return d->suspended ? MHD_YES : send_deferred(conn, st);
}

static void on_deferred_complete(struct srv_deferred *base, struct srv_resp *resp)
{
    struct mhd_deferred *d = (struct mhd_deferred *)(void *)base; /* base is its first member */
    bool suspended;

    pthread_mutex_lock(&d->mhd->defer_lock);
    assert(!d->completed);
    d->resp.status = resp->status;
    d->resp.body = resp->body;
    fa_buf_init(&resp->body, resp->body.max);
    d->resp.content_type = resp->content_type;
    d->resp.cache_control = resp->cache_control;
    d->resp.retry_after = resp->retry_after;
    d->completed = true;
    suspended = d->suspended;
    pthread_mutex_unlock(&d->mhd->defer_lock);
    /* Outside the lock: a suspended connection is not processed, so d stays valid until
     * this call, and the HTTP thread that picks it up sends d->resp. */
    if (suspended)
        MHD_resume_connection(d->conn);
}

static enum MHD_Result handle(struct MHD_Connection *conn, struct request_state *st)
{
    struct srv_req *req = &st->req;
    struct srv_resp resp = {0};
    enum MHD_Result ok;
    int status;

    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_query_value, req);
    req->if_none_match =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    req->accepts_gzip = srv_accepts_gzip(
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
    req->content_type =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    req->origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    req->host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    req->referer = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_REFERER);
    req->cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
    req->body.ptr = st->body.ptr ? st->body.ptr : "";
    req->body.len = st->body.len;

    fa_buf_init(&resp.body, SRV_MAX_PAGE_BYTES);
    status = st->deferred.mhd->dispatch(req, &resp);
    resp.status = status;
    if (resp.deferred) {
        fa_buf_cleanup(&resp.body);
        return defer(conn, st);
    }
    if (resp.asset)
        ok = send_asset(conn, st, resp.asset);
    else
        ok = send_dynamic(conn, st, &resp);
    fa_buf_cleanup(&resp.body);
    return ok;
}

/* Bytes of a request's header lines and query values, and the number of query values. */
struct header_size {
    size_t bytes;
    size_t n_args;
};

static enum MHD_Result on_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    size_t *bytes = cls;

    (void)kind;
    *bytes += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    return MHD_YES;
}

/* Moves a connection to the next phase of its request and restarts that phase's clock. */
static void set_phase(struct srv_mhd *mhd, struct conn_state *cs, enum conn_phase phase)
{
    pthread_mutex_lock(&mhd->lock);
    cs->phase = phase;
    cs->phase_started_us = fa_time_mono_us();
    pthread_mutex_unlock(&mhd->lock);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **req_cls)
{
    struct srv_mhd *mhd = cls;
    struct request_state *st = *req_cls;

    (void)version;
    if (!st) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        struct conn_state *cs = ci ? ci->socket_context : NULL;
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        struct header_size size = {0, 0};

        st = fa_xcalloc(1, sizeof *st);
        *req_cls = st;
        st->started_us = fa_time_mono_us();
        st->req.id = atomic_fetch_add(&mhd->next_request_id, 1) + 1;
        st->req.method = method;
        st->req.path = url;
        st->gen = generation_get(mhd);
        st->req.site = st->gen->site;
        st->req.page = mhd->page;
        st->req.sandbox = mhd->services.sandbox;
        st->req.store = mhd->services.store;
        st->req.quiz_key = mhd->services.quiz_key;
        snprintf(st->client, sizeof st->client, "%s", cs ? cs->client : "unknown");
        st->req.pub = mhd->services.pub;
        st->req.metrics = mhd->services.metrics;
        st->req.quiz_rate = mhd->services.quiz_rate;
        st->req.instructor = mhd->services.instructor;
        st->req.background = mhd->services.background;
        if (cs && cs->trusted) {
            const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                            "X-Forwarded-Proto");
            srv_public_forwarded_client(
                mhd->services.pub, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For"),
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Forwarded"), st->client,
                sizeof st->client);
            st->req.https = proto && strcasecmp(proto, "https") == 0;
        }
        st->req.client = st->client;
        st->req.deferred = &st->deferred.base;
        st->deferred.base.complete = on_deferred_complete;
        st->deferred.mhd = mhd;
        st->deferred.conn = conn;
        fa_buf_init(&st->body, SRV_MAX_BODY_BYTES);
        copy_printable(st->log_method, sizeof st->log_method, method);
        copy_printable(st->log_path, sizeof st->log_path, url);
        if (cs)
            set_phase(mhd, cs, PHASE_BODY);
        MHD_get_connection_values(conn, MHD_HEADER_KIND, on_header_size, &size.bytes);
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, on_header_size, &size.bytes);
        size.n_args = (size_t)MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
        /* Refusals are queued now on purpose: answering in the first call closes the
         * connection, which is what a client over its limits should get. */
        if (cs && cs->over_limit)
            return refuse(conn, st, 503, "The server is busy. Please try again in a moment.", 5);
        if (strlen(url) > SRV_MAX_HEADER_BYTES)
            return refuse(conn, st, 414, "The address is longer than this server accepts.", 0);
        if (size.bytes + strlen(url) > SRV_MAX_HEADER_BYTES)
            return refuse(conn, st, 431, "The request's headers are larger than this server "
                                         "accepts.", 0);
        if (size.n_args > SRV_MAX_QUERY_PARAMS)
            return refuse(conn, st, 414, "The address has more query parameters than this "
                                         "server accepts.", 0);
        if (length && strtoull(length, NULL, 10) > SRV_MAX_BODY_BYTES)
            return refuse(conn, st, 413, "The request body is larger than this server accepts.",
                          0);
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* A body without a length (chunked) can only be refused once it ends: libmicrohttpd
         * 0.9.75 takes no answer in the middle of an upload. So past the cap the rest is
         * dropped unread into memory, and a client that goes on for more than
         * SRV_MAX_DISCARDED_BODY past it is cut off instead of answered. */
        if (st->body_too_big || fa_buf_append(&st->body, upload_data, *upload_data_size)) {
            st->body_too_big = true;
            st->discarded += *upload_data_size;
            if (st->discarded > SRV_MAX_DISCARDED_BODY) {
                fa_log_info("req=%llu event=body_cut client=%s (past the body cap by more than "
                            "%d bytes)", (unsigned long long)st->req.id, st->client,
                            SRV_MAX_DISCARDED_BODY);
                return MHD_NO;
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (ci && ci->socket_context)
            set_phase(mhd, ci->socket_context, PHASE_HANDLED);
    }
    if (st->answered)
        return MHD_YES;
    if (st->waiting)
        return send_deferred(conn, st);
    if (st->body_too_big)
        return refuse(conn, st, 413, "The request body is larger than this server accepts.", 0);
    return handle(conn, st);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode why)
{
    struct request_state *st = *req_cls;

    if (!st)
        return;
    {
        /* On a kept-alive connection the next request's headers are due from now. */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (ci && ci->socket_context)
            set_phase(cls, ci->socket_context, PHASE_HEADERS);
    }
    if (st->req.metrics)
        srv_metrics_request(st->req.metrics, st->req.route, st->status,
                            fa_time_mono_us() - st->started_us);
    fa_log_info("req=%llu client=%s method=%s path=\"%s\" status=%d bytes=%zu us=%llu%s",
                (unsigned long long)st->req.id, st->client, st->log_method, st->log_path,
                st->status,
                st->bytes, (unsigned long long)(fa_time_mono_us() - st->started_us),
                why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
    generation_release(st->gen);
    fa_buf_cleanup(&st->deferred.resp.body);
    fa_buf_cleanup(&st->body);
    fa_free(st);
    *req_cls = NULL;
}

static unsigned client_slot(const struct sockaddr *sa)
{
    const unsigned char *bytes = NULL;
    size_t len = 0;

    if (sa && sa->sa_family == AF_INET) {
        bytes = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        len = 4;
    } else if (sa && sa->sa_family == AF_INET6) {
        bytes =
            (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        len = 16;
    }
    return (unsigned)(fa_fnv1a64(bytes, len, FA_FNV1A64_BASIS) % CLIENT_SLOTS);
}

static void client_text(const struct sockaddr *sa, char *out, size_t cap)
{
    const void *addr = NULL;

    if (sa && sa->sa_family == AF_INET)
        addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa && sa->sa_family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (!addr || !inet_ntop(sa->sa_family, addr, out, (socklen_t)cap))
        snprintf(out, cap, "unknown");
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct srv_mhd *mhd = cls;
    struct conn_state *cs = *socket_context;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

        const union MHD_ConnectionInfo *fd_info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

        cs = fa_xcalloc(1, sizeof *cs);
        cs->fd = fd_info ? fd_info->connect_fd : -1;
        cs->phase = PHASE_HEADERS;
        cs->phase_started_us = fa_time_mono_us();
        cs->slot = client_slot(ci ? ci->client_addr : NULL);
        client_text(ci ? ci->client_addr : NULL, cs->client, sizeof cs->client);
        /* A proxy carries every client's connections: only the total cap applies to it. */
        cs->trusted = srv_public_trusted_peer(mhd->services.pub, ci ? ci->client_addr : NULL);
        pthread_mutex_lock(&mhd->lock);
        mhd->n_connections++;
        mhd->clients[cs->slot] += !cs->trusted;
        if (mhd->services.metrics)
            srv_metrics_connections(mhd->services.metrics, 1);
        /* The last SRV_RESERVED_CONNECTIONS are kept for clients with only a few open, so
         * that a handful of addresses at their cap cannot take every connection. */
        cs->over_limit =
            mhd->n_connections > SRV_MAX_CONNECTIONS ||
            mhd->clients[cs->slot] > SRV_MAX_CONNECTIONS_PER_CLIENT ||
            (mhd->n_connections > SRV_MAX_CONNECTIONS - SRV_RESERVED_CONNECTIONS &&
             mhd->clients[cs->slot] > SRV_RESERVED_SHARE);
        cs->next = mhd->conns;
        if (mhd->conns)
            mhd->conns->prev = cs;
        mhd->conns = cs;
        pthread_mutex_unlock(&mhd->lock);
        *socket_context = cs;
        return;
    }
    if (!cs)
        return;
    /* MHD notifies before it closes the socket, so the watchdog, which shuts sockets down
     * under this lock, never touches a descriptor that was closed and reused. */
    pthread_mutex_lock(&mhd->lock);
    if (cs->prev)
        cs->prev->next = cs->next;
    else
        mhd->conns = cs->next;
    if (cs->next)
        cs->next->prev = cs->prev;
    mhd->n_connections--;
    mhd->clients[cs->slot] -= !cs->trusted;
    if (mhd->services.metrics)
        srv_metrics_connections(mhd->services.metrics, -1);
    pthread_mutex_unlock(&mhd->lock);
    fa_free(cs);
    *socket_context = NULL;
}

/* Percent-decodes the path and query values in place, like libmicrohttpd's own decoder,
 * except that "%00" stays as written: a decoded NUL would cut the C string short and make
 * "/static/site.css%00.txt" look like "/static/site.css". */
static size_t on_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    char *out = s;

    (void)cls;
    (void)conn;
    for (const char *in = s; *in; in++) {
        int hi = *in == '%' ? fa_hex_digit(in[1]) : -1;
        int lo = hi >= 0 ? fa_hex_digit(in[2]) : -1;

        if (lo >= 0 && (hi || lo)) {
            *out++ = (char)(hi * 16 + lo);
            in += 2;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
    return (size_t)(out - s);
}

/* libmicrohttpd's messages: its own format strings, checked as such. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char text[512];
    size_t len;

    (void)cls;
    vsnprintf(text, sizeof text, fmt, ap);
    len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    fa_log_debug("mhd=\"%s\"", text);
}

/* The deadlines MHD does not keep: its idle timer restarts with every byte, so a client that
 * sends a header line every few seconds (slowloris), or a body at a trickle, would hold its
 * connection for ever. Twice a second, a connection past its phase's deadline is shut down:
 * MHD then sees the end of the stream and closes it. */
static void *on_watchdog(void *arg)
{
    struct srv_mhd *mhd = arg;

    pthread_mutex_lock(&mhd->lock);
    while (!mhd->stopping) {
        struct timespec until;
        uint64_t now = fa_time_mono_us();

        for (struct conn_state *cs = mhd->conns; cs; cs = cs->next) {
            /* A connection over the limits gets a moment to send the request its 503
             * answers, then its place goes to someone else. */
            uint64_t limit_s = cs->phase == PHASE_HEADERS && cs->over_limit ? 1
                               : cs->phase == PHASE_HEADERS               ? SRV_HEADER_DEADLINE_S
                               : cs->phase == PHASE_BODY                  ? SRV_BODY_DEADLINE_S
                                                                          : 0;
            if (limit_s && cs->fd >= 0 && now - cs->phase_started_us > limit_s * 1000000u) {
                shutdown(cs->fd, SHUT_RDWR);
                cs->fd = -1; /* once is enough */
                fa_log_info("event=deadline client=%s phase=%s", cs->client,
                            cs->phase == PHASE_HEADERS ? "headers" : "body");
            }
        }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 500000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&mhd->stop_cond, &mhd->lock, &until);
    }
    pthread_mutex_unlock(&mhd->lock);
    return NULL;
}

int srv_mhd_start(int listen_fd, unsigned threads, struct srv_site *site,
                  const struct srv_services *services, srv_dispatch_fn *dispatch,
                  srv_page_fn *page, struct srv_mhd **out, struct fa_diag *diag)
{
    struct srv_mhd *mhd;
    struct generation *gen = NULL;
    int rc = generation_new(site, &gen);

    if (rc) {
        close(listen_fd);
        return fa_diag_set(diag, rc, "preparing responses: %s", fa_strerror(rc));
    }
    mhd = fa_xcalloc(1, sizeof *mhd);

    pthread_mutex_init(&mhd->lock, NULL);
    pthread_mutex_init(&mhd->defer_lock, NULL);
    pthread_cond_init(&mhd->stop_cond, NULL);
    mhd->services = *services;
    mhd->gen = gen;
    mhd->dispatch = dispatch;
    mhd->page = page;
    mhd->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_TURBO |
            MHD_ALLOW_SUSPEND_RESUME,
        0,
        NULL, NULL, on_access, mhd,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, SRV_MAX_CONNECTIONS + SRV_HARD_CONNECTION_MARGIN,
        /* No MHD_OPTION_PER_IP_CONNECTION_LIMIT: past it MHD drops the connection without a
         * word, where our own count (on_connection) answers 503 + Retry-After, and exempts
         * trusted proxies, which carry every client's connections. */
        MHD_OPTION_CONNECTION_TIMEOUT, SRV_CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SRV_CONNECTION_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, mhd,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, mhd,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, mhd,
        MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, mhd,
        /* Not strict: in strict mode a request line with a space in the path is closed
         * without a word; here it reaches the dispatcher, which answers 400 (and 400 for
         * HTTP/1.1 without Host). */
        MHD_OPTION_STRICT_FOR_CLIENT, 0,
        MHD_OPTION_END);
    if (!mhd->daemon) {
        close(listen_fd);
        generation_release(mhd->gen);
        pthread_mutex_destroy(&mhd->defer_lock);
        pthread_cond_destroy(&mhd->stop_cond);
        pthread_mutex_destroy(&mhd->lock);
        fa_free(mhd);
        return fa_diag_set(diag, FA_EIO, "cannot start the HTTP server (libmicrohttpd refused "
                                         "the options; see the debug log)");
    }
    if (pthread_create(&mhd->watchdog, NULL, on_watchdog, mhd) != 0) {
        srv_mhd_stop(mhd);
        return fa_diag_set(diag, FA_EIO, "cannot start the connection watchdog");
    }
    mhd->watchdog_started = true;
    *out = mhd;
    return FA_OK;
}

void srv_mhd_stop(struct srv_mhd *mhd)
{
    if (!mhd)
        return;
    if (mhd->watchdog_started) {
        pthread_mutex_lock(&mhd->lock);
        mhd->stopping = true;
        pthread_cond_signal(&mhd->stop_cond);
        pthread_mutex_unlock(&mhd->lock);
        pthread_join(mhd->watchdog, NULL);
    }
    MHD_stop_daemon(mhd->daemon); /* also closes the listening socket */
    generation_release(mhd->gen);
    pthread_mutex_destroy(&mhd->defer_lock);
    pthread_cond_destroy(&mhd->stop_cond);
    pthread_mutex_destroy(&mhd->lock);
    fa_free(mhd);
}
