/* srv_search_view.c: the search results (see srv_search_view.h). */
#include "server/view/srv_search_view.h"

#include "common/fa_err.h"
#include "content/cnt_site.h"

#include <stdint.h>
#include <string.h>

int srv_search_view_hit_url(const struct cnt_site *content, const struct cnt_hit *hit,
                            struct fa_buf *out)
{
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

/* FA_OK, or the hit's URL did not fit (then nothing is appended). */
static int render_hit(struct fa_html_builder *h, const struct cnt_site *content,
                      const struct cnt_hit *hit, struct fa_buf *url)
{
    int rc;

    fa_buf_reset(url);
    rc = srv_search_view_hit_url(content, hit, url);
    if (rc)
        return rc;
    fa_html_raw(h, "<li><a href=\"");
    fa_html_attr(h, url->ptr);
    fa_html_raw(h, "\"><span class=\"hit-page\">");
    fa_html_text(h, hit->page_title);
    if (hit->anchor[0]) {
        fa_html_raw(h, "</span> › <span class=\"hit-section\">");
        fa_html_text(h, hit->section_title);
    }
    fa_html_raw(h, "</span></a><p class=\"hit-snippet\">");
    /* Already escaped by the search module, with <mark> around matches. */
    fa_html_put(h, (struct fa_html){hit->snippet_html, strlen(hit->snippet_html)});
    fa_html_raw(h, "</p></li>\n");
    return FA_OK;
}

int srv_search_view_render(struct fa_html_builder *h, const char *q, const struct cnt_site *content,
                           const struct cnt_hit *hits, size_t n_hits, size_t max_shown)
{
    struct fa_buf url;
    int rc = FA_OK;

    fa_html_raw(h, "<h1>Search</h1>\n");
    if (!q[0]) {
        fa_html_raw(h, "<p class=\"search-empty\">Type a few words in the search box above to "
                       "search every page of the wiki.</p>\n");
        return fa_html_errcode(h);
    }
    if (n_hits > max_shown) /* cut: say so (issue 14) */
        fa_html_printf(h, "<p class=\"search-summary\">The first %zu results for “", max_shown);
    else if (n_hits == 1)
        fa_html_raw(h, "<p class=\"search-summary\">1 result for “");
    else
        fa_html_printf(h, "<p class=\"search-summary\">%zu results for “", n_hits);
    if (n_hits > max_shown)
        n_hits = max_shown;
    fa_html_text(h, q);
    fa_html_raw(h, "”</p>\n");
    if (n_hits == 0) {
        fa_html_raw(h, "<p class=\"search-empty\">No page matches all of these words. Try "
                       "fewer or shorter words.</p>\n");
        return fa_html_errcode(h);
    }
    fa_html_raw(h, "<ol class=\"search-results\">\n");
    fa_buf_init(&url, SRV_SEARCH_URL_MAX);
    for (size_t i = 0; i < n_hits && !rc; i++)
        rc = render_hit(h, content, &hits[i], &url);
    fa_buf_cleanup(&url);
    fa_html_raw(h, "</ol>\n");
    return rc ? rc : fa_html_errcode(h);
}
