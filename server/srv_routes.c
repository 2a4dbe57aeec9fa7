/* srv_routes.c: the site map and its handlers. Handlers validate their parameters, call one
 * module API, fill a template and return the status (STYLE.md section 7). */
#include "server/srv_routes.h"

#include "common/fa_err.h"
#include "common/fa_mem.h"
#include "common/fa_time.h"
#include "content/cnt_search.h"
#include "content/cnt_site.h"
#include "sandbox/sbx_info.h"
#include "server/srv_layout.h"
#include "server/srv_limits.h"
#include "server/srv_site.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef int srv_handler_fn(struct srv_req *req, struct srv_resp *resp);

static uint64_t started_us; /* set once by srv_routes_start, before any thread */

void srv_routes_start(void) { started_us = fa_time_mono_us(); }

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
static int run_search(struct srv_req *req, struct srv_resp *resp, const char *q,
                      struct cnt_hit **hits, size_t *n_hits)
{
    struct fa_diag diag = {{0}};
    int rc;

    if (req->query_too_long)
        return srv_resp_error(req, resp, 400, "The search text is too long (at most 200 "
                                              "characters).");
    rc = cnt_search_query(srv_site_get_search(req->site), q, strlen(q), SRV_SEARCH_HITS, hits,
                          n_hits, &diag);
    if (rc == FA_ELIMIT)
        return srv_resp_error(req, resp, 400, "The search text is too long (at most 200 "
                                              "characters).");
    if (rc == FA_EINVAL)
        return srv_resp_error(req, resp, 400, "The search text is not valid UTF-8.");
    if (rc)
        return srv_resp_error(req, resp, 500, "Search failed; please try again.");
    return 200;
}

/* The URL of a hit: the page, plus the section's anchor. */
static void hit_url(const struct srv_req *req, const struct cnt_hit *hit, struct fa_buf *out)
{
    const struct cnt_site *content = srv_site_get_content(req->site);

    if (hit->page == SIZE_MAX)
        (void)fa_buf_puts(out, "/");
    else
        (void)fa_buf_printf(out, "/wiki/%s", cnt_site_get_page(content, hit->page)->slug);
    if (hit->anchor[0])
        (void)(fa_buf_puts(out, "#") || fa_buf_append_urlenc(out, hit->anchor,
                                                            strlen(hit->anchor)));
}

static int render_results(struct fa_buf *b, const char *q, const struct srv_req *req,
                          const struct cnt_hit *hits, size_t n_hits)
{
    struct fa_buf url;
    int rc = fa_buf_puts(b, "<h1>Search</h1>\n");

    if (!rc && !q[0])
        return fa_buf_puts(b, "<p class=\"search-empty\">Type a few words in the search box "
                              "above to search every page of the wiki.</p>\n");
    if (!rc)
        rc = fa_buf_printf(b, "<p class=\"search-summary\">%zu result%s for “", n_hits,
                           n_hits == 1 ? "" : "s");
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
        hit_url(req, &hits[i], &url);
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

/* Serialises a jansson value (taking its reference) into the response body as JSON. */
static int send_json(struct srv_req *req, struct srv_resp *resp, json_t *value, int status)
{
    int rc = value && json_dump_callback(value, on_json_chunk, &resp->body, JSON_COMPACT) == 0
                 ? FA_OK
                 : FA_ENOMEM;

    json_decref(value);
    if (rc)
        return srv_resp_error(req, resp, 500, "The answer could not be built.");
    resp->content_type = "application/json";
    return status;
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
    if (status != 200) {
        fa_buf_reset(&resp->body);
        return send_json(req, resp, json_pack("{s:s}", "error", "bad search text"), status);
    }
    results = json_array();
    fa_buf_init(&url, 1024);
    for (size_t i = 0; i < n_hits; i++) {
        fa_buf_reset(&url);
        hit_url(req, &hits[i], &url);
        json_array_append_new(results, json_pack("{s:s, s:s, s:s, s:s}", "url", url.ptr,
                                                 "page", hits[i].page_title, "section",
                                                 hits[i].section_title, "snippet_html",
                                                 hits[i].snippet_html));
    }
    fa_buf_cleanup(&url);
    cnt_hits_free(hits, n_hits);
    root = json_pack("{s:s, s:o}", "query", q, "results", results);
    return send_json(req, resp, root, 200);
}

static int handle_healthz(struct srv_req *req, struct srv_resp *resp)
{
    json_t *root = json_pack("{s:s, s:s, s:s, s:I, s:I}", "status", "ok", "version", FA_VERSION,
                             "python", sbx_python_version(), "uptime_s",
                             (json_int_t)((fa_time_mono_us() - started_us) / 1000000u),
                             "pages", (json_int_t)cnt_site_n_pages(
                                          srv_site_get_content(req->site)));
    return send_json(req, resp, root, 200);
}

static const struct route {
    const char *method;
    const char *path;
    bool prefix; /* path is a prefix ("/static/") rather than the whole path */
    srv_handler_fn *handler;
} routes[] = {
    {"GET", "/", false, handle_asset},
    {"GET", "/wiki", false, handle_asset},
    {"GET", "/wiki/", true, handle_asset},
    {"GET", "/search", false, handle_search},
    {"GET", "/api/search", false, handle_api_search},
    {"GET", "/quiz", false, handle_asset},
    {"GET", "/sandbox", false, handle_asset},
    {"GET", "/static/", true, handle_asset},
    {"GET", "/vendor/", true, handle_asset},
    {"GET", "/healthz", false, handle_healthz},
    {NULL, NULL, false, NULL},
};

static bool path_matches(const struct route *r, const char *path)
{
    return r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0 : strcmp(path, r->path) == 0;
}

int srv_routes_dispatch(struct srv_req *req, struct srv_resp *resp)
{
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    bool path_known = false;

    for (const struct route *r = routes; r->method; r++) {
        if (!path_matches(r, req->path))
            continue;
        if (strcmp(r->method, method) == 0)
            return r->handler(req, resp);
        path_known = true;
    }
    if (path_known) {
        resp->allow = "GET, HEAD";
        return srv_resp_error(req, resp, 405, "This address only answers GET and HEAD.");
    }
    resp->asset = srv_site_get_not_found(req->site);
    return 404;
}
