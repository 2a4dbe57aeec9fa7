/* fuzz_site.h: what the HTTP fuzz targets share: the real site of this checkout (wiki, static
 * files, question bank), built once per process, and one request run through the route table
 * in memory, as tests/unit/test_http.c does, with no sandbox and no store.
 *
 * The checks after each request are the oracles every target gets for free: the status is a
 * real HTTP status, a JSON answer parses as JSON, and nothing is deferred (there is no sandbox
 * to answer later). A failed check aborts, which libFuzzer reports as a crash. */
#ifndef FA_FUZZ_FUZZ_SITE_H
#define FA_FUZZ_FUZZ_SITE_H

#include "server/http/srv_http.h"

#include <stdbool.h>
#include <stddef.h>

/* The origin and Host of a browser on this machine, as the site built here answers them. */
#define FUZZ_HOST "127.0.0.1:8080"
#define FUZZ_ORIGIN "http://127.0.0.1:8080"
/* The key quiz attempt tokens are signed with, so that seeds can carry valid ones and reach
 * the marking (tests/quiz_tokens.py signs them: sign(None, quiz, seed, started, secret=...)). */
#define FUZZ_QUIZ_KEY "fa-learn fuzz quiz key"

/* One request as the adapter would hand it over; NULL strings are absent headers. */
struct fuzz_request {
    const char *method;
    const char *path;
    const char *host;
    const char *content_type;
    const char *origin;
    const char *referer;
    struct srv_kv query[SRV_MAX_QUERY_VALUES];
    size_t n_query;
    bool query_too_long;
    const char *body; /* body_len bytes; copied, so it need not be NUL-terminated */
    size_t body_len;
};

/* Runs r through srv_routes_dispatch against the site (built on the first call; a site that
 * does not build aborts: the checkout itself is broken). Returns the status. */
int fuzz_dispatch(const struct fuzz_request *r);

#endif
