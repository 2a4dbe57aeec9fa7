/* test_handlers.c: every route of the table run in memory (issue 16): requests built as
 * structs, the router called directly, statuses and bodies checked; no socket, no
 * libmicrohttpd. /api/run goes to a fake sandbox client and answers through a fake deferral.
 * The last check walks the route table: a route no test reached fails the run, so a new
 * route cannot come without its test.
 *
 * Usage: test_handlers SOURCE_DIR (the tree: content/, static/, quiz/). */
#include "harness.h"

#include "common/fa_mem.h"
#include "quiz/quiz_store.h"
#include "quiz/quiz_token.h"
#include "server/http/srv_http.h"
#include "server/app/srv_instructor_auth.h"
#include "server/http/srv_metrics.h"
#include "server/http/srv_public.h"
#include "server/http/srv_ratelimit.h"
#include "server/app/srv_routes.h"
#include "server/site/srv_site.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ROUTES 64
#define TOKEN "handlers-test-instructor-token-0123456789"
#define KEY "handlers-test-quiz-key"

/* Everything a request may carry, made once. */
static struct {
    struct srv_site *site;
    struct srv_public *pub;
    struct quiz_store *store;
    struct quiz_key *key;
    struct srv_instructor *instructor;
    struct srv_metrics *metrics;
    struct srv_ratelimit *rate;
    char data_dir[512];
    char cookie[300]; /* the instructor's session, once signed in */
    char csrf[65];
    bool covered[MAX_ROUTES];
} fx;

/* What a test changes in the request it sends. */
struct call {
    const char *method, *path;
    const char *query;        /* "name=value" pairs joined by '&' (not encoded), or NULL */
    const char *content_type; /* with a body: the form's or JSON's, unless told */
    const char *body;
    const char *cookie;
    const char *client;
    struct srv_sandbox *sandbox;
    srv_run_submit_fn *submit_run;
    struct srv_deferred *deferred;
};

/* Marks the route the dispatcher picked as covered. */
static void cover(const struct srv_req *req, const char *method)
{
    const char *m;

    if (!req->route)
        return;
    for (size_t i = 0; i < MAX_ROUTES && srv_routes_get_route(i, &m); i++)
        if (srv_routes_get_route(i, &m) == req->route && strcmp(m, method) == 0)
            fx.covered[i] = true;
}

static int run(const struct call *c, struct srv_resp *resp)
{
    char query[256] = "";
    struct srv_req req = {.id = 1,
                          .method = c->method,
                          .path = c->path,
                          .host = "127.0.0.1:8080",
                          .client = c->client ? c->client : "127.0.0.1",
                          .pub = fx.pub,
                          .metrics = fx.metrics,
                          .quiz_rate = fx.rate,
                          .instructor = fx.instructor,
                          .site = fx.site,
                          .store = fx.store,
                          .quiz_key = fx.key,
                          .cookie = c->cookie,
                          .sandbox = c->sandbox,
                          .submit_run = c->submit_run,
                          .deferred = c->deferred};

    snprintf(query, sizeof query, "%s", c->query ? c->query : "");
    for (char *pair = query, *next; *pair && req.n_query < SRV_MAX_QUERY_VALUES; pair = next) {
        char *value;
        next = pair + strcspn(pair, "&");
        if (*next)
            *next++ = '\0';
        value = pair + strcspn(pair, "=");
        if (*value)
            *value++ = '\0';
        req.query[req.n_query++] = (struct srv_kv){pair, value};
    }
    if (c->body) {
        req.body = (struct fa_str){c->body, strlen(c->body)};
        req.content_type = c->content_type     ? c->content_type
                           : c->body[0] == '{' ? "application/json"
                                               : "application/x-www-form-urlencoded";
        req.origin = "http://127.0.0.1:8080";
    }
    fa_buf_cleanup(&resp->body);
    memset(resp, 0, sizeof *resp);
    fa_buf_init(&resp->body, SRV_MAX_PAGE_BYTES);
    resp->status = srv_routes_dispatch(&req, resp);
    cover(&req, strcmp(c->method, "HEAD") == 0 ? "GET" : c->method);
    return resp->status;
}

static int get(const char *path, const char *query, struct srv_resp *resp)
{
    return run(&(struct call){.method = "GET", .path = path, .query = query}, resp);
}

/* The body as text (an asset's or the dynamic one). */
static const char *body_of(const struct srv_resp *resp)
{
    return resp->asset ? resp->asset->body : resp->body.ptr ? resp->body.ptr : "";
}

static bool setup(const char *source_dir)
{
    char content[512], static_dir[512], quiz_dir[512], token_file[600];
    struct srv_site_config config = {content, static_dir, FA_CODEMIRROR_DIR, quiz_dir, NULL, NULL,
                                     "",      false};
    struct srv_public_config pub = {.listen_host = "127.0.0.1", .port = 8080};
    struct fa_diag diag = {{0}};
    const char *routes[SRV_METRICS_MAX_ROUTES];
    FILE *f;

    snprintf(content, sizeof content, "%s/content", source_dir);
    snprintf(static_dir, sizeof static_dir, "%s/static", source_dir);
    snprintf(quiz_dir, sizeof quiz_dir, "%s/quiz", source_dir);
    snprintf(fx.data_dir, sizeof fx.data_dir, "%s/fa-handlers-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(fx.data_dir))
        return false;
    snprintf(token_file, sizeof token_file, "%s/token", fx.data_dir);
    f = fopen(token_file, "w");
    if (!f)
        return false;
    fputs(TOKEN "\n", f);
    fclose(f);
    if (srv_site_build(&config, &fx.site, &diag) || srv_public_new(&pub, &fx.pub, &diag) ||
        quiz_store_open(fx.data_dir, &fx.store, &diag) ||
        srv_instructor_open(fx.store, token_file, NULL, &fx.instructor, &diag)) {
        fprintf(stderr, "set-up: %s\n", diag.msg);
        return false;
    }
    fx.key = quiz_key_new((const unsigned char *)KEY, sizeof KEY - 1);
    fx.metrics =
        srv_metrics_new(fx.data_dir, routes, srv_routes_get_names(routes, SRV_METRICS_MAX_ROUTES));
    fx.rate = srv_ratelimit_new(1000);
    return true;
}

static void teardown(void)
{
    char cmd[600];

    srv_ratelimit_free(fx.rate);
    srv_metrics_free(fx.metrics);
    quiz_key_free(fx.key);
    srv_instructor_free(fx.instructor);
    quiz_store_close(fx.store);
    srv_public_free(fx.pub);
    srv_site_release(fx.site);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.data_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", fx.data_dir);
}

/* ---- the site's own pages ---- */

static void test_pages(void)
{
    struct srv_resp resp = {0};

    INT_EQ(get("/", NULL, &resp), 200);
    INT_EQ(get("/wiki", NULL, &resp), 200);
    INT_EQ(get("/wiki/big-picture", NULL, &resp), 200);
    INT_EQ(get("/wiki/big-picture/", NULL, &resp), 308);
    STR_EQ(resp.location, "/wiki/big-picture");
    INT_EQ(get("/quiz", NULL, &resp), 200);
    OK(CONTAINS(body_of(&resp), "/quiz/all"));
    INT_EQ(get("/sandbox", NULL, &resp), 200);
    INT_EQ(get("/static/css/site.css", NULL, &resp), 200);
    INT_EQ(get("/vendor/codemirror/lib/codemirror.js", NULL, &resp), 200);
    INT_EQ(get("/vendor/nope.js", NULL, &resp), 404);
    INT_EQ(get("/search", "q=audit hook", &resp), 200);
    OK(CONTAINS(body_of(&resp), "<mark>"));
    INT_EQ(get("/api/search", "q=hook", &resp), 200);
    OK(CONTAINS(body_of(&resp), "\"results\""));
    INT_EQ(get("/healthz", NULL, &resp), 200);
    OK(CONTAINS(body_of(&resp), "\"status\":\"ok\""));
    /* The counters, for loopback only; others get the not-found page. */
    INT_EQ(get("/metrics", NULL, &resp), 200);
    OK(CONTAINS(body_of(&resp), "fa_learn_http_requests_total"));
    INT_EQ(run(&(struct call){.method = "GET", .path = "/metrics", .client = "203.0.113.9"}, &resp),
           404);
    /* Error pages come in the site's layout (srv_routes_page through srv_req.page). */
    INT_EQ(run(&(struct call){.method = "POST", .path = "/wiki"}, &resp), 405);
    OK(CONTAINS(body_of(&resp), "<h1>Method not allowed</h1>"));
    OK(CONTAINS(body_of(&resp), srv_site_get_version_tag(fx.site)));
    fa_buf_cleanup(&resp.body);
}

/* ---- the quiz ---- */

/* The token of a fresh attempt at quiz (as the quiz page would give it). */
static void token_for(const char *quiz, char out[QUIZ_TOKEN_MAX])
{
    quiz_token_make(fx.key, quiz, 7, 1700000000000LL, out);
}

static void test_quiz(void)
{
    struct srv_resp resp = {0};
    char token[QUIZ_TOKEN_MAX], body[1024], report[600];
    const char *id;
    json_t *answer;

    INT_EQ(get("/quiz/audit-hooks", NULL, &resp), 200);
    OK(CONTAINS(body_of(&resp), "name=\"attempt\""));
    INT_EQ(get("/quiz/all", NULL, &resp), 200);
    INT_EQ(get("/quiz/nope", NULL, &resp), 404);
    INT_EQ(get("/api/quiz", "topic=audit-hooks", &resp), 200);
    OK(CONTAINS(body_of(&resp), "\"attempt\""));
    OK(!CONTAINS(body_of(&resp), "\"correct\""));

    /* The form: decoded ('+' a space, %XX a byte), marked, stored, then 303 to its report. */
    token_for("audit-hooks", token);
    snprintf(body, sizeof body,
             "quiz=audit-hooks&attempt=%s&name=Ada+Lovelace%%21&class=&a.audit-hooks-refusal=1",
             token);
    INT_EQ(run(&(struct call){.method = "POST", .path = "/quiz/submit", .body = body}, &resp), 303);
    OK(strncmp(resp.location, "/report/", 8) == 0);
    snprintf(report, sizeof report, "%s", resp.location);
    INT_EQ(get(report, NULL, &resp), 200);
    OK(CONTAINS(body_of(&resp), "Ada Lovelace!"));
    INT_EQ(get("/report/nope", NULL, &resp), 404);
    /* The form decoder's refusals: a bad escape, a %00 (which would cut a value short). */
    snprintf(body, sizeof body, "quiz=audit-hooks&attempt=%s&name=A%%zz", token);
    INT_EQ(run(&(struct call){.method = "POST", .path = "/quiz/submit", .body = body}, &resp), 400);
    OK(CONTAINS(body_of(&resp), "garbled"));
    snprintf(body, sizeof body, "quiz=audit-hooks&attempt=%s&name=A%%00B", token);
    INT_EQ(run(&(struct call){.method = "POST", .path = "/quiz/submit", .body = body}, &resp), 400);
    /* A name missing: the quiz again with the answers kept (422), a form, not an error. */
    snprintf(body, sizeof body, "quiz=audit-hooks&attempt=%s&a.audit-hooks-refusal=1", token);
    INT_EQ(run(&(struct call){.method = "POST", .path = "/quiz/submit", .body = body}, &resp), 422);
    OK(CONTAINS(body_of(&resp), "Please give your name"));
    /* Not a form: refused before the handler (one origin/content-type check). */
    INT_EQ(run(&(struct call){.method = "POST",
                              .path = "/quiz/submit",
                              .body = "x=1",
                              .content_type = "text/plain"},
               &resp),
           415);

    /* JSON: 201 with the score and a report id, then that report as JSON. */
    snprintf(body, sizeof body,
             "{\"quiz\":\"audit-hooks\",\"attempt\":\"%s\",\"name\":\"Grace\","
             "\"answers\":{\"audit-hooks-refusal\":1}}",
             token);
    INT_EQ(run(&(struct call){.method = "POST", .path = "/api/quiz/submit", .body = body}, &resp),
           201);
    answer = json_loads(body_of(&resp), 0, NULL);
    id = json_string_value(json_object_get(answer, "report_id"));
    OK(id != NULL);
    snprintf(report, sizeof report, "/api/report/%s", id ? id : "none");
    json_decref(answer);
    INT_EQ(get(report, NULL, &resp), 200);
    OK(CONTAINS(body_of(&resp), "\"learner\":\"Grace\""));
    INT_EQ(get("/api/report/nope", NULL, &resp), 404);
    INT_EQ(run(&(struct call){.method = "POST",
                              .path = "/api/quiz/submit",
                              .body = "{\"quiz\":\"audit-hooks\",\"name\":\"G\",\"answers\":{}}"},
               &resp),
           400);
    OK(CONTAINS(body_of(&resp), "attempt is required"));
    fa_buf_cleanup(&resp.body);
}

/* ---- /api/run, with a fake sandbox client and a fake deferral ---- */

struct fake_deferral {
    struct srv_deferred base; /* first */
    int calls;
    int status;
    char body[4096];
};

static void on_fake_complete(struct srv_deferred *d, struct srv_resp *resp)
{
    struct fake_deferral *f = (struct fake_deferral *)(void *)d;

    f->calls++;
    f->status = resp->status;
    snprintf(f->body, sizeof f->body, "%.*s", (int)resp->body.len,
             resp->body.ptr ? resp->body.ptr : "");
    fa_buf_reset(&resp->body);
}

/* What the fake sandbox does with a run: answer at once with result, or refuse with rc. */
static struct {
    int rc;
    const char *result;
    char sent[2048];
} fake_sandbox;

static int fake_submit(struct srv_sandbox *sb, const char *client, const char *request_json,
                       size_t len, srv_run_done_fn *done, void *cls)
{
    (void)sb;
    (void)client;
    snprintf(fake_sandbox.sent, sizeof fake_sandbox.sent, "%.*s", (int)len, request_json);
    if (fake_sandbox.rc)
        return fake_sandbox.rc;
    if (fake_sandbox.result)
        done(cls, FA_OK, fake_sandbox.result, strlen(fake_sandbox.result));
    else
        done(cls, FA_ETIMEDOUT, NULL, 0);
    return FA_OK;
}

static void test_api_run(void)
{
    struct srv_resp resp = {0};
    struct fake_deferral d = {.base = {on_fake_complete}};
    /* Any non-NULL pointer: the fake never reads it. */
    struct srv_sandbox *sandbox = (struct srv_sandbox *)(void *)&d;
    struct call c = {.method = "POST",
                     .path = "/api/run",
                     .body = "{\"code\":\"print(1)\",\"time_limit_ms\":2000}",
                     .sandbox = sandbox,
                     .submit_run = fake_submit,
                     .deferred = &d.base};

    fake_sandbox.result = "{\"id\":5,\"status\":\"ok\",\"stdout\":\"1\\n\",\"duration_ms\":3.5}";
    run(&c, &resp);
    OK(resp.deferred);
    INT_EQ(d.calls, 1);
    INT_EQ(d.status, 200);
    OK(CONTAINS(d.body, "\"stdout\":\"1\\n\""));
    OK(!CONTAINS(d.body, "\"id\"")); /* the sandbox's own id is not the client's business */
    OK(CONTAINS(fake_sandbox.sent, "\"code\":\"print(1)\""));
    OK(CONTAINS(fake_sandbox.sent, "\"time_limit_ms\":2000"));

    fake_sandbox.result = "{\"id\":6,\"error\":\"busy\"}";
    run(&c, &resp);
    INT_EQ(d.calls, 2);
    INT_EQ(d.status, 429);
    fake_sandbox.result = NULL; /* no answer by the deadline */
    run(&c, &resp);
    INT_EQ(d.calls, 3);
    INT_EQ(d.status, 504);

    /* Refused at submit: answered at once, not deferred. */
    fake_sandbox.rc = FA_EBUSY;
    INT_EQ(run(&c, &resp), 429);
    OK(!resp.deferred);
    fake_sandbox.rc = FA_EIO;
    INT_EQ(run(&c, &resp), 503);
    fake_sandbox.rc = FA_OK;
    INT_EQ(d.calls, 3);

    /* The body is checked before the sandbox is asked; without a sandbox, 503. */
    c.body = "{\"code\":1}";
    INT_EQ(run(&c, &resp), 400);
    c.body = "{\"code\":\"print(1)\"}";
    c.deferred = NULL; /* no way to answer later: not sent */
    INT_EQ(run(&c, &resp), 503);
    INT_EQ(d.calls, 3);
    c.deferred = &d.base;
    c.sandbox = NULL;
    INT_EQ(run(&c, &resp), 503);
    OK(CONTAINS(body_of(&resp), "the sandbox is off"));
    fa_buf_cleanup(&resp.body);
}

/* ---- the instructor's pages and the join link ---- */

static void sign_in(void)
{
    struct srv_resp resp = {0};
    char *end;

    INT_EQ(run(&(struct call){.method = "POST",
                              .path = "/instructor/login",
                              .body = "token=wrong-token-wrong-token"},
               &resp),
           403);
    INT_EQ(
        run(&(struct call){.method = "POST", .path = "/instructor/login", .body = "token=" TOKEN},
            &resp),
        303);
    STR_EQ(resp.location, "/instructor");
    /* "fa_instructor=VALUE; Path=...": the Cookie header a browser sends back. */
    snprintf(fx.cookie, sizeof fx.cookie, "%s", resp.set_cookie);
    end = strchr(fx.cookie, ';');
    if (end)
        *end = '\0';
    OK(strncmp(fx.cookie, SRV_INSTRUCTOR_COOKIE "=", sizeof SRV_INSTRUCTOR_COOKIE) == 0);
    OK(srv_instructor_session(fx.instructor, fx.cookie, fx.csrf, &(struct fa_diag){{0}}) == FA_OK);
    fa_buf_cleanup(&resp.body);
}

static void test_instructor(void)
{
    struct srv_resp resp = {0};
    char body[512];

    INT_EQ(get("/instructor/login", NULL, &resp), 200);
    OK(CONTAINS(body_of(&resp), "name=\"token\""));
    INT_EQ(get("/instructor", NULL, &resp), 303); /* not signed in */
    INT_EQ(get("/instructor/attempts.csv", NULL, &resp), 401);
    sign_in();
    INT_EQ(run(&(struct call){.method = "GET", .path = "/instructor", .cookie = fx.cookie}, &resp),
           200);
    OK(CONTAINS(body_of(&resp), "Ada Lovelace"));
    INT_EQ(run(&(struct call){.method = "GET",
                              .path = "/instructor/attempts.csv",
                              .cookie = fx.cookie},
               &resp),
           200);
    OK(CONTAINS(body_of(&resp), "Grace"));
    INT_EQ(run(&(struct call){.method = "GET",
                              .path = "/instructor/questions.csv",
                              .cookie = fx.cookie},
               &resp),
           200);
    OK(CONTAINS(body_of(&resp), "audit-hooks-refusal"));
    INT_EQ(run(&(struct call){.method = "GET",
                              .path = "/instructor/attempts.json",
                              .cookie = fx.cookie},
               &resp),
           200);
    OK(CONTAINS(body_of(&resp), "\"Grace\""));

    /* Classes: made, shown, changed, its join link; forms need the session's CSRF token. */
    INT_EQ(run(&(struct call){.method = "GET", .path = "/instructor/classes", .cookie = fx.cookie},
               &resp),
           200);
    snprintf(body, sizeof body, "csrf=%s&action=create&name=Evening+class&code=eve-1", fx.csrf);
    INT_EQ(run(&(struct call){.method = "POST",
                              .path = "/instructor/classes",
                              .body = body,
                              .cookie = fx.cookie},
               &resp),
           303);
    INT_EQ(run(&(struct call){.method = "POST",
                              .path = "/instructor/classes",
                              .body = "csrf=forged&action=create&name=X",
                              .cookie = fx.cookie},
               &resp),
           403);
    INT_EQ(run(&(struct call){.method = "GET",
                              .path = "/instructor/classes/eve-1",
                              .cookie = fx.cookie},
               &resp),
           200);
    OK(CONTAINS(body_of(&resp), "Evening class"));
    snprintf(body, sizeof body, "csrf=%s&action=delete", fx.csrf);
    INT_EQ(run(&(struct call){.method = "POST",
                              .path = "/instructor/classes/eve-1",
                              .body = body,
                              .cookie = fx.cookie},
               &resp),
           200); /* asks first */
    OK(CONTAINS(body_of(&resp), "Delete the class eve-1"));
    INT_EQ(get("/join/eve-1", NULL, &resp), 200);
    OK(CONTAINS(body_of(&resp), "data-class=\"eve-1\""));
    INT_EQ(get("/join/nope-0", NULL, &resp), 404);

    /* A learner's attempts: shown, then deleted after a confirmation. */
    INT_EQ(run(&(struct call){.method = "GET",
                              .path = "/instructor/learner",
                              .query = "class=&name=Grace",
                              .cookie = fx.cookie},
               &resp),
           200);
    snprintf(body, sizeof body, "csrf=%s&class=&name=Grace", fx.csrf);
    INT_EQ(run(&(struct call){.method = "POST",
                              .path = "/instructor/learner",
                              .body = body,
                              .cookie = fx.cookie},
               &resp),
           200); /* asks first */
    snprintf(body, sizeof body, "csrf=%s&class=&name=Grace&confirm=yes", fx.csrf);
    INT_EQ(run(&(struct call){.method = "POST",
                              .path = "/instructor/learner",
                              .body = body,
                              .cookie = fx.cookie},
               &resp),
           303);

    snprintf(body, sizeof body, "csrf=%s", fx.csrf);
    INT_EQ(run(&(struct call){.method = "POST",
                              .path = "/instructor/logout",
                              .body = body,
                              .cookie = fx.cookie},
               &resp),
           303);
    INT_EQ(run(&(struct call){.method = "GET", .path = "/instructor", .cookie = fx.cookie}, &resp),
           303); /* the session ended */
    fa_buf_cleanup(&resp.body);
}

/* Every row of the route table was reached by a test above. */
static void test_every_route_tested(void)
{
    const char *method, *path;
    size_t n = 0;

    for (size_t i = 0; (path = srv_routes_get_route(i, &method)) != NULL; i++, n++) {
        OK(i < MAX_ROUTES);
        if (i < MAX_ROUTES && !fx.covered[i])
            fprintf(stderr, "no in-memory test reaches %s %s\n", method, path);
        OK(i < MAX_ROUTES && fx.covered[i]);
    }
    OK(n > 20);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        OK(!"usage: test_handlers SOURCE_DIR");
        return harness_exit();
    }
    if (!setup(argv[1])) {
        OK(!"set-up failed");
        return harness_exit();
    }
    test_pages();
    test_quiz();
    test_api_run();
    test_instructor();
    test_every_route_tested();
    teardown();
    return harness_exit();
}
