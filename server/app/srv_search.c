/* srv_search.c: the search page and its JSON API (see srv_search.h). */
#include "server/app/srv_search.h"

#include "common/fa_err.h"
#include "common/fa_macro.h"
#include "content/cnt_search.h"
#include "server/http/srv_json.h"
#include "server/view/srv_layout.h"
#include "server/http/srv_limits.h"
#include "server/view/srv_search_view.h"
#include "server/site/srv_site.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Builds the result list for both the search page and the JSON API. */
/* The search module's cap, in the words of the page (a literal: srv_resp_error takes text). */
static const char search_too_long[] =
    "The search text is too long (at most " FA_STRINGIFY(CNT_SEARCH_MAX_QUERY) " characters).";

static int run_search(struct srv_req *req, struct srv_resp *resp, const char *q,
                      struct cnt_hit **hits, size_t *n_hits)
{
    struct fa_diag diag = {{0}};
    int rc;

    if (req->query_too_long)
        return srv_resp_error(req, resp, 400, search_too_long);
    /* One more than is shown: then the page knows whether the list was cut. */
    rc = cnt_search_query(srv_site_get_search(req->site), q, strlen(q), SRV_SEARCH_HITS + 1, hits,
                          n_hits, &diag);
    if (rc == FA_ELIMIT)
        return srv_resp_error(req, resp, 400, search_too_long);
    if (rc == FA_EINVAL)
        return srv_resp_error(req, resp, 400, "The search text is not valid UTF-8.");
    if (rc)
        return srv_resp_error(req, resp, 500, "Search failed; please try again.");
    return 200;
}

/* The search text of ?q=, "" when there is none. */
static const char *query_text(const struct srv_req *req)
{
    const char *q = srv_req_query(req, "q");

    return q ? q : "";
}

int srv_search_handle_page(struct srv_req *req, struct srv_resp *resp)
{
    const char *q = query_text(req);
    struct cnt_hit *hits = NULL;
    size_t n_hits = 0;
    struct fa_html_builder h;
    int status, rc;
    struct srv_layout layout = {
        .title = "Search", .current = -1, .version_tag = srv_site_get_version_tag(req->site)};

    layout.search_query = q;
    status = q[0] || req->query_too_long ? run_search(req, resp, q, &hits, &n_hits) : 200;
    if (status != 200)
        return status;
    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    rc = srv_search_view_render(&h, q, srv_site_get_content(req->site), hits, n_hits,
                                SRV_SEARCH_HITS);
    cnt_hits_free(hits, n_hits);
    if (rc)
        fa_html_cleanup(&h);
    else
        rc = srv_layout_render_built(&layout, &h, &resp->body);
    if (rc)
        return srv_resp_error(req, resp, 500, "The results page could not be built.");
    return 200;
}

int srv_search_handle_api(struct srv_req *req, struct srv_resp *resp)
{
    const char *q = query_text(req);
    struct cnt_hit *hits = NULL;
    size_t n_hits = 0;
    struct fa_buf url;
    json_t *results, *root;
    int status;

    status = run_search(req, resp, q, &hits, &n_hits);
    if (status != 200)
        return srv_resp_json_error(req, resp, status, "bad search text");
    results = json_array();
    fa_buf_init(&url, SRV_SEARCH_URL_MAX);
    for (size_t i = 0; i < n_hits && i < SRV_SEARCH_HITS; i++) {
        fa_buf_reset(&url);
        if (srv_search_view_hit_url(srv_site_get_content(req->site), &hits[i], &url) ||
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
