/* srv_layout.c: the HTML layout around every page (see srv_layout.h). The structure here is
 * what static/css/site.css and static/js/site.js are written against. Built with the
 * sticky-error builder of common/fa_html.h (issue 16): the model for the other views. */
#include "server/view/srv_layout.h"

#include "common/fa_err.h"
#include "common/fa_html.h"
#include "content/cnt_markdown.h"
#include "content/cnt_search.h"
#include "content/cnt_site.h"

#include <string.h>

/* One tag per URL of a NULL-terminated list (or none): before, the URL, ?v=TAG, after. */
static void render_extra(struct fa_html_builder *hb, const char *const *urls, const char *before,
                         const char *after, const char *v)
{
    for (size_t i = 0; urls && urls[i]; i++) {
        fa_html_raw(hb, before);
        fa_html_attr(hb, urls[i]);
        fa_html_raw(hb, "?v=");
        fa_html_attr(hb, v);
        fa_html_raw(hb, after);
    }
}

/* A site asset's URL with the cache-busting tag, as a quoted attribute's value. */
static void asset_url(struct fa_html_builder *hb, const char *path, const char *v)
{
    fa_html_attr(hb, path);
    fa_html_raw(hb, "?v=");
    fa_html_attr(hb, v);
}

static void render_head(const struct srv_layout *p, struct fa_html_builder *hb)
{
    const char *v = p->version_tag ? p->version_tag : "0";

    fa_html_raw(hb, "<!doctype html>\n<html lang=\"en\">\n<head>\n"
                    "<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, "
                    "initial-scale=1\">\n"
                    "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
    fa_html_text(hb, p->title);
    fa_html_raw(hb, " · fa-learn</title>\n<link rel=\"icon\" href=\"");
    asset_url(hb, "/static/favicon.svg", v);
    fa_html_raw(hb, "\" type=\"image/svg+xml\">\n");
    render_extra(hb, p->extra_css, "<link rel=\"stylesheet\" href=\"", "\">\n", v);
    fa_html_raw(hb, "<link rel=\"stylesheet\" href=\"");
    asset_url(hb, "/static/css/site.css", v);
    fa_html_raw(hb, "\">\n<link rel=\"stylesheet\" href=\"");
    asset_url(hb, "/static/css/print.css", v);
    fa_html_raw(hb, "\" media=\"print\">\n<script src=\"");
    asset_url(hb, "/vendor/codemirror/addon/runmode/runmode-standalone.js", v);
    fa_html_raw(hb, "\" defer></script>\n<script src=\"");
    asset_url(hb, "/vendor/codemirror/mode/python/python.js", v);
    fa_html_raw(hb, "\" defer></script>\n<script src=\"");
    asset_url(hb, "/static/js/site.js", v);
    fa_html_raw(hb, "\" defer></script>\n");
    render_extra(hb, p->extra_js, "<script src=\"", "\" defer></script>\n", v);
    fa_html_raw(hb, "</head>\n");
}

static void current_if(struct fa_html_builder *hb, bool yes)
{
    if (yes)
        fa_html_raw(hb, " aria-current=\"page\"");
}

static void render_header(const struct srv_layout *p, struct fa_html_builder *hb)
{
    fa_html_raw(hb, p->sandbox_off ? "<body data-sandbox=\"off\">\n" : "<body>\n");
    fa_html_raw(hb, "<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n"
                    "<header class=\"site-header\">\n"
                    "<a class=\"brand\" href=\"/\">fa-learn</a>\n"
                    "<nav class=\"site-nav\" aria-label=\"Site\"><ul>\n"
                    "<li><a href=\"/wiki\"");
    current_if(hb, p->section == SRV_SECTION_WIKI);
    fa_html_raw(hb, ">Wiki</a></li>\n<li><a href=\"/quiz\"");
    current_if(hb, p->section == SRV_SECTION_QUIZ);
    fa_html_raw(hb, ">Quiz</a></li>\n<li><a href=\"/sandbox\"");
    current_if(hb, p->section == SRV_SECTION_SANDBOX);
    fa_html_raw(hb, ">Sandbox</a></li>\n"
                    "</ul></nav>\n"
                    "<form class=\"search-form\" role=\"search\" action=\"/search\" "
                    "method=\"get\">\n"
                    "<label for=\"search-q\" class=\"visually-hidden\">Search the wiki</label>\n"
                    "<input id=\"search-q\" name=\"q\" type=\"search\" "
                    "placeholder=\"Search the wiki\" ");
    fa_html_printf(hb, "maxlength=\"%d\" autocomplete=\"off\" value=\"", CNT_SEARCH_MAX_QUERY);
    fa_html_attr(hb, p->search_query);
    fa_html_raw(hb, "\">\n<button type=\"submit\">Search</button>\n</form>\n</header>\n");
}

static void render_page_link(struct fa_html_builder *hb, const char *cls, const char *rel,
                             const char *label, const struct cnt_page *page)
{
    fa_html_raw(hb, "<a class=\"");
    fa_html_attr(hb, cls);
    fa_html_raw(hb, "\" rel=\"");
    fa_html_attr(hb, rel);
    fa_html_raw(hb, "\" href=\"/wiki/");
    fa_html_attr(hb, page->slug);
    fa_html_raw(hb, "\"><span>");
    fa_html_text(hb, label);
    fa_html_raw(hb, "</span> ");
    fa_html_text(hb, cnt_doc_get_title(page->doc));
    fa_html_raw(hb, "</a>\n");
}

static void render_sidebar(const struct srv_layout *p, struct fa_html_builder *hb)
{
    size_t n = cnt_site_n_pages(p->nav);

    fa_html_raw(hb, "<nav class=\"sidebar\" aria-label=\"Wiki pages\">"
                    "<h2 class=\"sidebar-title\">Course</h2><ol>\n");
    for (size_t i = 0; i < n; i++) {
        const struct cnt_page *page = cnt_site_get_page(p->nav, i);

        fa_html_raw(hb, "<li><a href=\"/wiki/");
        fa_html_attr(hb, page->slug);
        fa_html_raw(hb, "\"");
        current_if(hb, (long)i == p->current);
        fa_html_raw(hb, ">");
        fa_html_text(hb, cnt_doc_get_title(page->doc));
        fa_html_raw(hb, "</a></li>\n");
    }
    fa_html_raw(hb, "</ol></nav>\n");
}

static void render_pager(const struct srv_layout *p, struct fa_html_builder *hb)
{
    size_t n = cnt_site_n_pages(p->nav);

    fa_html_raw(hb, "<nav class=\"pager\" aria-label=\"Previous and next page\">\n");
    if (p->current > 0)
        render_page_link(hb, "pager-prev", "prev", "Previous",
                         cnt_site_get_page(p->nav, (size_t)p->current - 1));
    if (p->current >= 0 && (size_t)p->current + 1 < n)
        render_page_link(hb, "pager-next", "next", "Next",
                         cnt_site_get_page(p->nav, (size_t)p->current + 1));
    fa_html_raw(hb, "</nav>\n");
}

static void render_toc(const struct srv_layout *p, struct fa_html_builder *hb)
{
    size_t n = cnt_doc_n_sections(p->toc);

    if (n < 2) /* only the intro: nothing to jump to */
        return;
    fa_html_raw(hb, "<aside class=\"toc\" aria-labelledby=\"toc-title\">"
                    "<h2 id=\"toc-title\">On this page</h2><ol>\n");
    for (size_t i = 1; i < n; i++) {
        const struct cnt_section *s = cnt_doc_get_section(p->toc, i);

        fa_html_printf(hb, "<li class=\"toc-%d\"><a href=\"#", s->level);
        fa_html_attr(hb, s->anchor);
        fa_html_raw(hb, "\">");
        fa_html_text(hb, s->title);
        fa_html_raw(hb, "</a></li>\n");
    }
    fa_html_raw(hb, "</ol></aside>\n");
}

int srv_layout_render(const struct srv_layout *p, struct fa_buf *out)
{
    struct fa_html_builder hb;
    /* The caller's trusted body (cmark output, or a view that escaped its text). */
    struct fa_html body = {p->body_html, p->body_len};

    fa_html_init_into(&hb, out);
    render_head(p, &hb);
    render_header(p, &hb);
    fa_html_raw(&hb, p->nav ? "<div class=\"layout\">\n" : "<div class=\"layout layout-wide\">\n");
    if (p->nav)
        render_sidebar(p, &hb);
    fa_html_raw(&hb, "<main id=\"main\" tabindex=\"-1\">\n<article class=\"");
    fa_html_attr(&hb, p->article_class ? p->article_class : "page");
    fa_html_raw(&hb, "\">\n");
    fa_html_put(&hb, body);
    fa_html_raw(&hb, "</article>\n");
    if (p->nav && p->current >= 0)
        render_pager(p, &hb);
    fa_html_raw(&hb, "</main>\n");
    if (p->toc)
        render_toc(p, &hb);
    fa_html_raw(&hb, "</div>\n<footer class=\"site-footer\"><p>fa-learn " FA_VERSION
                     " · a course on Python audit hooks, FastAudit and sandboxing"
                     "</p></footer>\n</body>\n</html>\n");
    return fa_html_errcode(&hb);
}

int srv_layout_render_built(struct srv_layout *page, struct fa_html_builder *h,
                            struct fa_buf *out)
{
    struct fa_html body = fa_html_get(h);
    int rc = fa_html_errcode(h);

    page->body_html = body.ptr;
    page->body_len = body.len;
    if (!rc)
        rc = srv_layout_render(page, out);
    fa_html_cleanup(h);
    return rc;
}
