/* srv_routes.c: the site map and its handlers. Handlers validate their parameters, call one
 * module API, fill a template and return the status (STYLE.md section 7). */
#include "server/srv_routes.h"

#include "server/srv_metrics.h"
#include "server/srv_public.h"
#include "server/srv_ratelimit.h"

#include "server/srv_instructor.h"
#include "server/srv_quiz.h"


#include "common/fa_err.h"
#include "common/fa_mem.h"
#include "common/fa_preset.h"
#include "content/cnt_search.h"
#include "content/cnt_site.h"
#include "server/srv_json.h"
#include "server/srv_layout.h"
#include "common/fa_log.h"
#include "server/srv_limits.h"
#include "server/srv_sandbox.h"
#include "server/srv_site.h"
#include "quiz/quiz_classes.h"
#include "sandbox/sbx_options.h"
#include "server/srv_run_record.h"

#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef int srv_handler_fn(struct srv_req *req, struct srv_resp *resp);


/* Pages, static and vendor files: everything prebuilt in the site. */
static int handle_asset(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_asset *a = srv_site_find(req->site, req->path, strlen(req->path));

    if (!a) {
        resp->asset = srv_site_get_not_found(req->site);
        return 404;
    }
    resp->asset = a;
    return a->status;
}

/* Builds the result list for both the search page and the JSON API. */
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
/* The search module's cap, in the words of the page (a literal: srv_resp_error takes text). */
static const char search_too_long[] =
    "The search text is too long (at most " STRINGIFY(CNT_SEARCH_MAX_QUERY) " characters).";

static int run_search(struct srv_req *req, struct srv_resp *resp, const char *q,
                      struct cnt_hit **hits, size_t *n_hits)
{
    struct fa_diag diag = {{0}};
    int rc;

    if (req->query_too_long)
        return srv_resp_error(req, resp, 400, search_too_long);
    /* One more than is shown: then the page knows whether the list was cut. */
    rc = cnt_search_query(srv_site_get_search(req->site), q, strlen(q), SRV_SEARCH_HITS + 1,
                          hits, n_hits, &diag);
    if (rc == FA_ELIMIT)
        return srv_resp_error(req, resp, 400, search_too_long);
    if (rc == FA_EINVAL)
        return srv_resp_error(req, resp, 400, "The search text is not valid UTF-8.");
    if (rc)
        return srv_resp_error(req, resp, 500, "Search failed; please try again.");
    return 200;
}

/* The URL of a hit: the page, plus the section's anchor. FA_ELIMIT past out's cap (the
 * caller answers 500 rather than a link that goes somewhere else). */
static int hit_url(const struct srv_req *req, const struct cnt_hit *hit, struct fa_buf *out)
{
    const struct cnt_site *content = srv_site_get_content(req->site);
    int rc;

    if (hit->page == SIZE_MAX)
        rc = fa_buf_puts(out, "/");
    else
        rc = fa_buf_printf(out, "/wiki/%s", cnt_site_get_page(content, hit->page)->slug);
    if (!rc && hit->anchor[0])
        rc = fa_buf_puts(out, "#");
    if (!rc && hit->anchor[0])
        rc = fa_buf_append_urlenc(out, hit->anchor, strlen(hit->anchor));
    return rc;
}

static int render_results(struct fa_buf *b, const char *q, const struct srv_req *req,
                          const struct cnt_hit *hits, size_t n_hits)
{
    struct fa_buf url;
    int rc = fa_buf_puts(b, "<h1>Search</h1>\n");

    if (!rc && !q[0])
        return fa_buf_puts(b, "<p class=\"search-empty\">Type a few words in the search box "
                              "above to search every page of the wiki.</p>\n");
    if (!rc && n_hits > SRV_SEARCH_HITS) /* cut: say so (issue 14) */
        rc = fa_buf_printf(b, "<p class=\"search-summary\">The first %d results for “",
                           SRV_SEARCH_HITS);
    else if (!rc && n_hits == 1)
        rc = fa_buf_puts(b, "<p class=\"search-summary\">1 result for “");
    else if (!rc)
        rc = fa_buf_printf(b, "<p class=\"search-summary\">%zu results for “", n_hits);
    if (n_hits > SRV_SEARCH_HITS)
        n_hits = SRV_SEARCH_HITS;
    if (!rc)
        rc = fa_buf_append_html(b, q, strlen(q));
    if (!rc)
        rc = fa_buf_puts(b, "”</p>\n");
    if (!rc && n_hits == 0)
        return fa_buf_puts(b, "<p class=\"search-empty\">No page matches all of these words. "
                              "Try fewer or shorter words.</p>\n");
    if (!rc)
        rc = fa_buf_puts(b, "<ol class=\"search-results\">\n");
    fa_buf_init(&url, 1024);
    for (size_t i = 0; i < n_hits && !rc; i++) {
        fa_buf_reset(&url);
        rc = hit_url(req, &hits[i], &url);
        if (!rc)
            rc = fa_buf_puts(b, "<li><a href=\"");
        if (!rc)
            rc = fa_buf_append_html(b, url.ptr, url.len);
        if (!rc)
            rc = fa_buf_puts(b, "\"><span class=\"hit-page\">");
        if (!rc)
            rc = fa_buf_append_html(b, hits[i].page_title, strlen(hits[i].page_title));
        if (!rc && hits[i].anchor[0]) {
            rc = fa_buf_puts(b, "</span> › <span class=\"hit-section\">");
            if (!rc)
                rc = fa_buf_append_html(b, hits[i].section_title,
                                        strlen(hits[i].section_title));
        }
        if (!rc)
            rc = fa_buf_puts(b, "</span></a><p class=\"hit-snippet\">");
        if (!rc) /* already escaped by the search module, with <mark> around matches */
            rc = fa_buf_puts(b, hits[i].snippet_html);
        if (!rc)
            rc = fa_buf_puts(b, "</p></li>\n");
    }
    fa_buf_cleanup(&url);
    if (!rc)
        rc = fa_buf_puts(b, "</ol>\n");
    return rc;
}

static int handle_search(struct srv_req *req, struct srv_resp *resp)
{
    const char *q = srv_req_query(req, "q");
    struct cnt_hit *hits = NULL;
    size_t n_hits = 0;
    struct fa_buf body;
    int status, rc;
    struct srv_layout layout = {.title = "Search",
                                .current = -1,
                                .version_tag = srv_site_get_version_tag(req->site)};

    if (!q)
        q = "";
    layout.search_query = q;
    status = q[0] || req->query_too_long ? run_search(req, resp, q, &hits, &n_hits) : 200;
    if (status != 200)
        return status;
    fa_buf_init(&body, SRV_MAX_PAGE_BYTES);
    rc = render_results(&body, q, req, hits, n_hits);
    cnt_hits_free(hits, n_hits);
    layout.body_html = body.ptr ? body.ptr : "";
    layout.body_len = body.len;
    if (!rc)
        rc = srv_layout_render(&layout, &resp->body);
    fa_buf_cleanup(&body);
    if (rc)
        return srv_resp_error(req, resp, 500, "The results page could not be built.");
    return 200;
}

static int on_json_chunk(const char *chunk, size_t len, void *data)
{
    return fa_buf_append(data, chunk, len) ? -1 : 0;
}

static int handle_api_search(struct srv_req *req, struct srv_resp *resp)
{
    const char *q = srv_req_query(req, "q");
    struct cnt_hit *hits = NULL;
    size_t n_hits = 0;
    struct fa_buf url;
    json_t *results, *root;
    int status;

    if (!q)
        q = "";
    status = run_search(req, resp, q, &hits, &n_hits);
    if (status != 200)
        return srv_resp_json_error(req, resp, status, "bad search text");
    results = json_array();
    fa_buf_init(&url, 1024);
    for (size_t i = 0; i < n_hits && i < SRV_SEARCH_HITS; i++) {
        fa_buf_reset(&url);
        if (hit_url(req, &hits[i], &url) ||
            srv_json_append(req, results,
                            json_pack("{s:s, s:s, s:s, s:s}", "url", url.ptr, "page",
                                      hits[i].page_title, "section", hits[i].section_title,
                                      "snippet_html", hits[i].snippet_html))) {
            json_decref(results);
            results = NULL; /* the answer is a 500, not a list with a hit left out */
            break;
        }
    }
    fa_buf_cleanup(&url);
    cnt_hits_free(hits, n_hits);
    root = results ? json_pack("{s:s, s:o}", "query", q, "results", results) : NULL;
    return srv_resp_json(req, resp, root, 200);
}

/* Public: status and version only. The details (the sandbox's state, the store's figures)
 * are for operators, on /metrics. */
static int handle_healthz(struct srv_req *req, struct srv_resp *resp)
{
    return srv_resp_json(req, resp, json_pack("{s:s, s:s}", "status", "ok", "version", FA_VERSION),
                         200);
}

/* Prometheus' text format, for loopback and the --metrics-allow clients; everyone else gets
 * the same 404 as for any unknown page, so its existence is not advertised. */
static int handle_metrics(struct srv_req *req, struct srv_resp *resp)
{
    struct srv_metrics_sandbox sandbox;

    if (!req->metrics || !srv_public_metrics_ok(req->pub, req->client)) {
        resp->asset = srv_site_get_not_found(req->site);
        return 404;
    }
    if (req->sandbox) {
        struct srv_sandbox_stats st;
        srv_sandbox_get_stats(req->sandbox, &st);
        sandbox = (struct srv_metrics_sandbox){st.waiting, st.restarts,
                                               (long)srv_sandbox_pid(req->sandbox)};
    }
    fa_buf_reset(&resp->body);
    if (srv_metrics_write(req->metrics, req->sandbox ? &sandbox : NULL, req->store,
                          &resp->body) != 0) {
        fa_log_error("req=%llu event=metrics error=\"the exposition is larger than a page\"",
                     (unsigned long long)req->id);
        return srv_resp_error(req, resp, 500, "The metrics could not be written.");
    }
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return 200;
}

/* ---- POST /api/run ------------------------------------------------------------------ */

/* Whether a Content-Type value is exactly media_type (case-insensitive), alone or followed by
 * parameters: "application/json; charset=utf-8" is JSON, "application/jsonfoo" is not. */
static bool is_media_type(const char *content_type, const char *media_type)
{
    size_t len = strlen(media_type);

    if (!content_type || strncasecmp(content_type, media_type, len) != 0)
        return false;
    content_type += len;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    return *content_type == '\0' || *content_type == ';';
}

/* A module prefix: [A-Za-z_][A-Za-z0-9_.]{0,99}. */
/* Checks the learner's options in root and builds the supervisor request (without "id")
 * with every option filled in. Returns NULL with a sentence for the learner in why. */
static json_t *run_request(json_t *root, char *why, size_t cap)
{
    static const char *const known[] = {"code",   "monitoring", "time_limit_ms", "disable",
                                        "safe_native", "preset", "stdin", "class"};
    json_t *code = json_object_get(root, "code"), *value, *item;
    json_t *monitoring = json_object_get(root, "monitoring");
    json_t *time_limit = json_object_get(root, "time_limit_ms");
    json_t *disable = json_object_get(root, "disable");
    json_t *safe_native = json_object_get(root, "safe_native");
    json_t *preset = json_object_get(root, "preset");
    json_t *input = json_object_get(root, "stdin");
    const char *key, *preset_name = "fastaudit";
    json_int_t limit_ms = SBX_RUN_DEFAULT_TIME_MS;
    size_t i;

    if (!json_is_object(root)) {
        snprintf(why, cap, "the body must be a JSON object");
        return NULL;
    }
    json_object_foreach(root, key, value) {
        bool found = false;

        for (i = 0; i < sizeof known / sizeof known[0]; i++)
            found = found || strcmp(key, known[i]) == 0;
        if (!found) {
            snprintf(why, cap, "unknown option: %.100s", key);
            return NULL;
        }
    }
    if (!code) {
        snprintf(why, cap, "code is required");
        return NULL;
    }
    if (!json_is_string(code)) {
        snprintf(why, cap, "code must be a string");
        return NULL;
    }
    /* jansson has checked the UTF-8 of every string, and refuses \u0000 without
     * JSON_ALLOW_NUL, so code is valid UTF-8 without NUL here. */
    if (json_string_length(code) > SRV_MAX_RUN_CODE) {
        snprintf(why, cap, "code is longer than %d bytes", SRV_MAX_RUN_CODE);
        return NULL;
    }
    /* What input() reads: text, size-capped (issue 14). */
    if (input && (!json_is_string(input) || json_string_length(input) > SRV_MAX_RUN_STDIN)) {
        snprintf(why, cap, "stdin must be a string of at most %d bytes", SRV_MAX_RUN_STDIN);
        return NULL;
    }
    if (monitoring && !json_is_boolean(monitoring)) {
        snprintf(why, cap, "monitoring must be true or false");
        return NULL;
    }
    if (disable && !json_is_boolean(disable)) {
        snprintf(why, cap, "disable must be true or false");
        return NULL;
    }
    if (time_limit) {
        limit_ms = json_integer_value(time_limit);
        if (!json_is_integer(time_limit) || !sbx_options_time_ok(limit_ms)) {
            snprintf(why, cap, "time_limit_ms must be a whole number from %d to %d",
                     SBX_RUN_MIN_TIME_MS, SBX_RUN_MAX_TIME_MS);
            return NULL;
        }
    }
    if (safe_native) {
        if (!json_is_array(safe_native) || json_array_size(safe_native) > SBX_RUN_MAX_SAFE_NATIVE) {
            snprintf(why, cap, "safe_native must be an array of at most %d module names",
                     SBX_RUN_MAX_SAFE_NATIVE);
            return NULL;
        }
        json_array_foreach(safe_native, i, item) {
            if (!json_is_string(item) ||
                !sbx_options_prefix_ok(json_string_value(item), json_string_length(item))) {
                snprintf(why, cap,
                         "safe_native[%zu] must be a module name like "
                         "\"labnative.checksum\" (letters, digits, _ and ., at most "
                         "%d characters)",
                         i, SBX_RUN_SAFE_NATIVE_MAX_LEN);
                return NULL;
            }
        }
    }
    /* The class the learner joined: the run's summary is kept for its instructor
     * (srv_run_record.h); the supervisor never sees it. */
    json_t *klass = json_object_get(root, "class");
    if (klass && (!json_is_string(klass) ||
                  (json_string_length(klass) &&
                   !quiz_class_code_ok(json_string_value(klass), json_string_length(klass))))) {
        snprintf(why, cap, "class must be a class code (1-32 of A-Z a-z 0-9 - _ .)");
        return NULL;
    }
    if (preset) {
        preset_name = fa_preset_find(json_string_value(preset), json_string_length(preset));
        if (!preset_name) {
            snprintf(why, cap, "preset must be one of " FA_PRESET_NAMES_TEXT);
            return NULL;
        }
    }
    return json_pack("{s:O, s:b, s:I, s:b, s:o, s:s, s:s%}", "code", code, "monitoring",
                     !json_is_false(monitoring), "time_limit_ms", limit_ms, "disable",
                     !json_is_false(disable), "safe_native",
                     safe_native ? json_deep_copy(safe_native) : json_array(), "preset",
                     preset_name, "stdin", input ? json_string_value(input) : "",
                     input ? json_string_length(input) : (size_t)0);
}

/* The supervisor's answer, on the sandbox thread: the request is parked until this
 * completes it. */
/* A run on its way: the request it answers, and its summary for the instructor. */
struct run_ctx {
    struct srv_req *req;
    struct srv_run_record *record;
};

static void on_run_done(void *cls, int rc, const char *result, size_t len)
{
    struct run_ctx *ctx = cls;
    struct srv_req *req = ctx->req;
    struct srv_resp resp = {0};
    json_t *root = NULL;
    const char *refusal;

    fa_buf_init(&resp.body, SRV_MAX_RUN_RESULT);
    if (rc == FA_ETIMEDOUT) {
        resp.status = srv_resp_json_error(req, &resp, 504,
                                          "the sandbox gave no result in time; the run "
                                          "was given up (try again)");
        goto out;
    }
    if (rc == FA_ELIMIT) {
        resp.status =
            srv_resp_json_error(req, &resp, 502, "the run's result was too large to send");
        goto out;
    }
    if (rc) {
        resp.status =
            srv_resp_json_error(req, &resp, 503, "the sandbox is down; try again in a moment");
        resp.retry_after = 2;
        goto out;
    }
    /* Output may hold NUL characters, which JSON carries as \u0000. */
    root = json_loadb(result, len, JSON_ALLOW_NUL, NULL);
    refusal = json_string_value(json_object_get(root, "error"));
    if (!json_is_object(root)) {
        fa_log_error("req=%llu event=run error=\"the supervisor's answer is not JSON\"",
                     (unsigned long long)req->id);
        resp.status =
            srv_resp_json_error(req, &resp, 500, "the sandbox answered something unreadable");
    } else if (refusal && strcmp(refusal, "busy") == 0) {
        resp.status = srv_resp_json_error(req, &resp, 429,
                                          "the sandbox is busy (every run slot and "
                                          "queue place is taken); try again in a second");
        resp.retry_after = 1;
    } else if (refusal && strcmp(refusal, "waited too long") == 0) {
        resp.status = srv_resp_json_error(req, &resp, 429,
                                          "the sandbox is busy: the run waited too long "
                                          "for a free slot; try again in a moment");
        resp.retry_after = 5;
    } else if (refusal) {
        fa_log_error("req=%llu event=run refusal=\"%.200s\"", (unsigned long long)req->id,
                     refusal);
        resp.status = srv_resp_json_error(req, &resp, 500, "the sandbox refused the run");
    } else {
        json_object_del(root, "id");
        srv_run_record_save(ctx->record, req->store, root, req->id);
        if (req->metrics)
            srv_metrics_run(req->metrics, json_string_value(json_object_get(root, "status")),
                            json_real_value(json_object_get(root, "duration_ms")));
        resp.status = srv_resp_json(req, &resp, json_incref(root), 200);
    }
out:
    if (resp.status == 429 && req->metrics)
        srv_metrics_run_refused(req->metrics);
    json_decref(root);
    srv_run_record_free(ctx->record);
    fa_free(ctx);
    srv_deferred_complete(req->deferred, &resp);
    fa_buf_cleanup(&resp.body);
}

/* Runs a snippet: JSON in (code and options, see run_request), the supervisor's result out.
 * The answer comes later from the sandbox thread; no HTTP thread waits for it. */
static int handle_api_run(struct srv_req *req, struct srv_resp *resp)
{
    json_error_t error;
    json_t *root = NULL, *request = NULL;
    char why[300];
    struct fa_buf text;
    int rc, status;

    if (req->body.len > SRV_MAX_RUN_BODY)
        return srv_resp_json_error(req, resp, 413, "the body is larger than this server accepts");
    root = json_loadb(req->body.ptr, req->body.len, JSON_REJECT_DUPLICATES, &error);
    if (!root) {
        snprintf(why, sizeof why, "the body is not valid JSON: %s", error.text);
        return srv_resp_json_error(req, resp, 400, why);
    }
    request = run_request(root, why, sizeof why);
    if (!request) {
        json_decref(root);
        return srv_resp_json_error(req, resp, 400, why);
    }
    json_t *klass = json_object_get(root, "class"), *code = json_object_get(root, "code");
    struct run_ctx *ctx = fa_xcalloc(1, sizeof *ctx);
    ctx->req = req;
    ctx->record = srv_run_record_new(json_string_value(klass), json_string_value(code),
                                     json_string_length(code));
    json_decref(root);
    /* Checked after the body, so that the validation runs (and is fuzzed, fuzz/) without a
     * sandbox; a bad body is the client's error whether the sandbox is on or not. */
    if (!req->sandbox) {
        json_decref(request);
        srv_run_record_free(ctx->record);
        fa_free(ctx);
        return srv_resp_json_error(req, resp, 503, "the sandbox is off");
    }
    fa_buf_init(&text, SRV_MAX_RUN_BODY + 4096);
    rc = json_dump_callback(request, on_json_chunk, &text, JSON_COMPACT) ? FA_ELIMIT : FA_OK;
    json_decref(request);
    if (!rc)
        rc = (req->submit_run ? req->submit_run : srv_sandbox_submit)(
            req->sandbox, req->client, text.ptr, text.len, on_run_done, ctx);
    fa_buf_cleanup(&text);
    if (rc == FA_OK) {
        resp->deferred = true;
        return 0;
    }
    srv_run_record_free(ctx->record);
    fa_free(ctx);
    if (rc == FA_EIO) {
        status = srv_resp_json_error(req, resp, 503, "the sandbox is down; try again in a moment");
        resp->retry_after = 2;
        return status;
    }
    if (rc == FA_EBUSY) {
        status = srv_resp_json_error(req, resp, 429,
                                     "you already have runs going or waiting; wait for "
                                     "them to finish");
        if (req->metrics)
            srv_metrics_run_refused(req->metrics);
        resp->retry_after = 1;
        return status;
    }
    if (rc == FA_ELIMIT)
        return srv_resp_json_error(req, resp, 400, "the request is too large for the sandbox");
    fa_log_error("req=%llu event=run error=\"%s\"", (unsigned long long)req->id,
                 fa_strerror(rc));
    return srv_resp_json_error(req, resp, 500, "the run could not be sent to the sandbox");
}

#define FORM "application/x-www-form-urlencoded"
#define JSON "application/json"

static const struct route {
    const char *method;
    const char *path;
    bool prefix; /* path is a prefix ("/static/") rather than the whole path */
    srv_handler_fn *handler;
    /* State-changing routes: the body's media type. The dispatcher checks it, and that the
     * request comes from the site's own pages (Origin, else Referer), before the handler. */
    const char *body_type;
    bool quiz_rate; /* counts against the client's quiz submissions per minute */
} routes[] = {
    {"GET", "/", false, handle_asset, NULL, false},
    {"GET", "/wiki", false, handle_asset, NULL, false},
    {"GET", "/wiki/", true, handle_asset, NULL, false},
    {"GET", "/search", false, handle_search, NULL, false},
    {"GET", "/api/search", false, handle_api_search, NULL, false},
    {"GET", "/quiz", false, handle_asset, NULL, false},
    {"GET", "/quiz/", true, srv_quiz_handle_page, NULL, false},
    {"POST", "/quiz/submit", false, srv_quiz_handle_submit, FORM, true},
    {"GET", "/report/", true, srv_quiz_handle_report, NULL, false},
    {"GET", "/api/quiz", false, srv_quiz_handle_api_quiz, NULL, false},
    {"POST", "/api/quiz/submit", false, srv_quiz_handle_api_submit, JSON, true},
    {"GET", "/api/report/", true, srv_quiz_handle_api_report, NULL, false},
    {"GET", "/sandbox", false, handle_asset, NULL, false},
    {"GET", "/static/", true, handle_asset, NULL, false},
    {"GET", "/vendor/", true, handle_asset, NULL, false},
    {"GET", "/healthz", false, handle_healthz, NULL, false},
    {"GET", "/metrics", false, handle_metrics, NULL, false},
    {"POST", "/api/run", false, handle_api_run, JSON, false},
    /* The instructor's side: no learner page links here (srv_instructor.h). */
    {"GET", "/instructor", false, srv_instructor_handle_dashboard, NULL, false},
    {"GET", "/instructor/login", false, srv_instructor_handle_login_page, NULL, false},
    {"POST", "/instructor/login", false, srv_instructor_handle_login, FORM, false},
    {"POST", "/instructor/logout", false, srv_instructor_handle_logout, FORM, false},
    {"GET", "/instructor/attempts.csv", false, srv_instructor_handle_export, NULL, false},
    {"GET", "/instructor/questions.csv", false, srv_instructor_handle_export, NULL, false},
    {"GET", "/instructor/attempts.json", false, srv_instructor_handle_export, NULL, false},
    {"GET", "/instructor/classes", false, srv_instructor_handle_classes, NULL, false},
    {"POST", "/instructor/classes", false, srv_instructor_handle_classes_post, FORM, false},
    {"GET", "/instructor/classes/", true, srv_instructor_handle_class, NULL, false},
    {"POST", "/instructor/classes/", true, srv_instructor_handle_class_post, FORM, false},
    {"GET", "/instructor/learner", false, srv_instructor_handle_learner, NULL, false},
    {"POST", "/instructor/learner", false, srv_instructor_handle_learner_post, FORM, false},
    {"GET", "/join/", true, srv_join_handle, NULL, false},
    {NULL, NULL, false, NULL, NULL, false},
};

size_t srv_routes_get_names(const char **out, size_t max)
{
    size_t n = 0;

    for (const struct route *r = routes; r->method; r++) {
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen = seen || strcmp(out[i], r->path) == 0;
        if (!seen && n < max)
            out[n++] = r->path;
    }
    return n;
}

const char *srv_routes_get_route(size_t i, const char **method)
{
    static const size_t n_routes = sizeof routes / sizeof routes[0] - 1; /* the sentinel */

    if (i >= n_routes)
        return NULL;
    *method = routes[i].method;
    return routes[i].path;
}

size_t srv_routes_get_paths(const char **out, size_t max)
{
    size_t n = 0;

    for (const struct route *r = routes; r->method; r++)
        if (strcmp(r->method, "GET") == 0 && n < max)
            out[n++] = r->path;
    return n;
}

static bool path_matches(const struct route *r, const char *path)
{
    return r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0 : strcmp(path, r->path) == 0;
}

/* A GET of a page's address with a trailing slash ("/wiki/", "/quiz/all/"): the same
 * address without it, when that is a page, as 308 (issue 14); else false. Only plain paths
 * ([A-Za-z0-9/_.-]) are redirected, so the Location header needs no encoding. */
static bool redirect_trailing_slash(struct srv_req *req, struct srv_resp *resp)
{
    size_t len = strlen(req->path);
    const struct srv_quiz *quiz = srv_site_get_quiz(req->site);
    char path[256];

    if (len < 2 || len >= sizeof path || req->path[len - 1] != '/')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)req->path[i]) && !strchr("/_.-", req->path[i]))
            return false;
    while (len > 1 && req->path[len - 1] == '/')
        len--;
    memcpy(path, req->path, len);
    path[len] = '\0';
    if (!srv_site_find(req->site, path, len) &&
        !(quiz && strncmp(path, "/quiz/", 6) == 0 &&
          (strcmp(path + 6, "all") == 0 ||
           quiz_bank_find_topic(srv_quiz_get_bank(quiz), path + 6, len - 6) >= 0)))
        return false;
    snprintf(resp->location, sizeof resp->location, "%s", path);
    return true;
}

/* A refusal in the route's own kind of answer: JSON for the API, a page for a form. */
static int refuse(struct srv_req *req, struct srv_resp *resp, bool json, int status,
                  const char *api_message, const char *page_message)
{
    return json ? srv_resp_json_error(req, resp, status, api_message)
                : srv_resp_error(req, resp, status, page_message);
}

/* One check for every state-changing route: the request comes from the site's own pages,
 * and its body is of the route's media type. Returns 0 to go on, or the error's status. */
static int check_state_change(struct srv_req *req, struct srv_resp *resp, const char *body_type,
                              bool rate_limited)
{
    bool json = strcmp(body_type, JSON) == 0;
    int retry_after = 0;

    if (!srv_public_origin_ok(req->pub, req->host, req->origin, req->referer))
        return refuse(req, resp, json, 403, "cross-origin requests are not accepted",
                      "This form can only be sent from this site's own pages.");
    if (!is_media_type(req->content_type, body_type))
        return refuse(req, resp, json, 415,
                      "the body must be JSON (Content-Type: application/json)",
                      "Send the quiz as a form (application/x-www-form-urlencoded).");
    if (rate_limited && !srv_ratelimit_take(req->quiz_rate, req->client, &retry_after)) {
        resp->retry_after = retry_after;
        return refuse(req, resp, json, 429,
                      "too many quiz submissions from this address; try again in a minute",
                      "Too many quiz submissions from this address. Please try again in a "
                      "minute.");
    }
    return 0;
}

int srv_routes_page(const struct srv_req *req, const char *title, struct fa_html body_html,
                    struct fa_buf *out)
{
    struct srv_layout layout = {.title = title, .current = -1, .body_html = body_html.ptr,
                                .body_len = body_html.len};

    if (req && req->site)
        layout.version_tag = srv_site_get_version_tag(req->site);
    return srv_layout_render(&layout, out);
}

int srv_routes_dispatch(struct srv_req *req, struct srv_resp *resp)
{
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    bool get_known = false, post_known = false;

    if (!req->page)
        req->page = srv_routes_page;

    /* Before anything else: a malformed request, then a Host the site does not answer to (a
     * DNS-rebinding page or a misdirected request), whatever the route. */
    if (!req->host)
        return srv_resp_error(req, resp, 400, "A Host header is required.");
    if (req->path[strcspn(req->path, " \t\r\n")] != '\0')
        return srv_resp_error(req, resp, 400, "The request line is malformed (a space in the "
                                              "address?).");
    if (!srv_public_host_ok(req->pub, req->host))
        return srv_resp_error(req, resp, 421, "This server does not answer to that host name.");

    if (strcmp(method, "GET") == 0 && redirect_trailing_slash(req, resp)) {
        fa_buf_reset(&resp->body);
        return 308;
    }
    for (const struct route *r = routes; r->method; r++) {
        if (!path_matches(r, req->path))
            continue;
        if (strcmp(r->method, method) == 0) {
            int status =
                r->body_type ? check_state_change(req, resp, r->body_type, r->quiz_rate) : 0;
            req->route = r->path;
            return status ? status : r->handler(req, resp);
        }
        get_known = get_known || strcmp(r->method, "GET") == 0;
        post_known = post_known || strcmp(r->method, "POST") == 0;
    }
    if (post_known && !get_known) {
        resp->allow = "POST";
        return srv_resp_error(req, resp, 405, "This address only answers POST.");
    }
    if (get_known) {
        resp->allow = post_known ? "GET, HEAD, POST" : "GET, HEAD";
        return srv_resp_error(req, resp, 405, post_known
                                                  ? "This address only answers GET, HEAD and "
                                                    "POST."
                                                  : "This address only answers GET and HEAD.");
    }
    resp->asset = srv_site_get_not_found(req->site);
    return 404;
}
