/* fuzz_site.c: the real site, built once, and one in-memory request through the route table
 * for the HTTP fuzz targets (see fuzz_site.h). */
#include "fuzz/fuzz_site.h"

#include "common/fa_log.h"
#include "common/fa_mem.h"
#include "quiz/quiz_token.h"
#include "server/http/srv_public.h"
#include "server/app/srv_routes.h"
#include "server/site/srv_site.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct srv_site *site;
static struct srv_public *pub;
static struct quiz_key *quiz_key; /* FUZZ_QUIZ_KEY: the corpus's forms carry its tokens */

/* A broken invariant: libFuzzer saves the input that caused it. */
static void check(int ok, const char *what, int status)
{
    if (!ok) {
        fprintf(stderr, "fuzz_site: %s (status %d)\n", what, status);
        abort();
    }
}

static void build_once(void)
{
    struct srv_public_config pub_config = {.listen_host = "127.0.0.1", .port = 8080};
    struct srv_site_config config = {.content_dir = FA_SOURCE_DIR "/content",
                                     .static_dir = FA_SOURCE_DIR "/static",
                                     .vendor_dir = FA_CODEMIRROR_DIR,
                                     .quiz_dir = FA_SOURCE_DIR "/quiz"};
    struct fa_diag diag = {{0}};

    if (site)
        return;
    /* Handlers log their refusals; a line per input would drown libFuzzer's own output and
     * slow every run down. */
    fa_log_min_level = FA_LOG_OFF;
    if (srv_public_new(&pub_config, &pub, &diag) || srv_site_build(&config, &site, &diag)) {
        fprintf(stderr, "fuzz_site: cannot build the site: %s\n", diag.msg);
        abort();
    }
    quiz_key = quiz_key_new((const unsigned char *)FUZZ_QUIZ_KEY, sizeof FUZZ_QUIZ_KEY - 1);
    /* Held until the process ends, on purpose: LeakSanitizer sees it through these globals. */
}

int fuzz_dispatch(const struct fuzz_request *r)
{
    size_t len = r->body_len < SRV_MAX_BODY_BYTES ? r->body_len : SRV_MAX_BODY_BYTES;
    /* Like the adapter's body buffer: exactly len bytes and a NUL after them, so a handler
     * reading one byte further is caught by AddressSanitizer. */
    char *body = fa_xmalloc(len + 1);
    struct srv_req req = {0};
    struct srv_resp resp = {0};
    int status;

    build_once();
    if (len)
        memcpy(body, r->body, len);
    body[len] = '\0';
    req.id = 1;
    req.method = r->method;
    req.path = r->path;
    memcpy(req.query, r->query, sizeof req.query);
    req.n_query = r->n_query;
    req.query_too_long = r->query_too_long;
    req.content_type = r->content_type;
    req.origin = r->origin;
    req.host = r->host;
    req.referer = r->referer;
    req.client = "127.0.0.1";
    req.pub = pub;
    req.body = (struct fa_str){body, len};
    req.site = site;
    req.quiz_key = quiz_key;
    fa_buf_init(&resp.body, SRV_MAX_PAGE_BYTES);

    status = srv_routes_dispatch(&req, &resp);

    check(status >= 200 && status <= 599, "not an HTTP status", status);
    check(!resp.deferred, "deferred without a sandbox", status);
    check(status != 405 || resp.allow, "405 without Allow", status);
    check(!(status == 303 || status == 308) || resp.location[0], "redirect without Location",
          status);
    if (!resp.asset && resp.content_type && strcmp(resp.content_type, "application/json") == 0) {
        /* The API's answers, errors included, are JSON a client can parse. */
        json_error_t error;
        json_t *answer = json_loadb(resp.body.ptr ? resp.body.ptr : "", resp.body.len,
                                    JSON_ALLOW_NUL, &error);
        check(answer != NULL, "a JSON answer that does not parse", status);
        json_decref(answer);
    }
    fa_buf_cleanup(&resp.body);
    fa_free(body);
    return status;
}
