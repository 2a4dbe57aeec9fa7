/* srv_layout.c: the HTML layout around every page (see srv_layout.h). The structure here is
 * what static/css/site.css and static/js/site.js are written against. */
#include "server/srv_layout.h"

#include "common/fa_err.h"
#include "content/cnt_markdown.h"
#include "content/cnt_site.h"

#include <string.h>

/* Appends text escaped; a small helper so templates read as a sequence of parts. */
static int esc(struct fa_buf *out, const char *text)
{
    return fa_buf_append_html(out, text, strlen(text));
}

/* One tag per URL of a NULL-terminated list (or none): before, the URL, ?v=TAG, after. */
static int render_extra(struct fa_buf *out, const char *const *urls, const char *before,
                        const char *after, const char *v)
{
    int rc = FA_OK;

    for (size_t i = 0; urls && urls[i] && !rc; i++) {
        rc = fa_buf_puts(out, before);
        if (!rc)
            rc = esc(out, urls[i]);
        if (!rc)
            rc = fa_buf_puts(out, "?v=");
        if (!rc)
            rc = esc(out, v);
        if (!rc)
            rc = fa_buf_puts(out, after);
    }
    return rc;
}

static int render_head(const struct srv_layout *p, struct fa_buf *out)
{
    const char *v = p->version_tag ? p->version_tag : "0";
    int rc = fa_buf_puts(out, "<!doctype html>\n<html lang=\"en\">\n<head>\n"
                              "<meta charset=\"utf-8\">\n"
                              "<meta name=\"viewport\" content=\"width=device-width, "
                              "initial-scale=1\">\n"
                              "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
    if (!rc)
        rc = esc(out, p->title);
    if (!rc)
        rc = fa_buf_printf(
            out,
            " · fa-learn</title>\n"
            "<link rel=\"icon\" href=\"/static/favicon.svg?v=%s\" type=\"image/svg+xml\">\n",
            v);
    if (!rc)
        rc = render_extra(out, p->extra_css, "<link rel=\"stylesheet\" href=\"", "\">\n", v);
    if (!rc)
        rc = fa_buf_printf(
            out,
            "<link rel=\"stylesheet\" href=\"/static/css/site.css?v=%s\">\n"
            "<link rel=\"stylesheet\" href=\"/static/css/print.css?v=%s\" media=\"print\">\n"
            "<script src=\"/vendor/codemirror/addon/runmode/runmode-standalone.js?v=%s\" "
            "defer></script>\n"
            "<script src=\"/vendor/codemirror/mode/python/python.js?v=%s\" defer></script>\n"
            "<script src=\"/static/js/site.js?v=%s\" defer></script>\n",
            v, v, v, v, v);
    if (!rc)
        rc = render_extra(out, p->extra_js, "<script src=\"", "\" defer></script>\n", v);
    if (!rc)
        rc = fa_buf_puts(out, "</head>\n");
    return rc;
}

static const char *current_if(bool yes)
{
    return yes ? " aria-current=\"page\"" : "";
}

static int render_header(const struct srv_layout *p, struct fa_buf *out)
{
    int rc = fa_buf_printf(
        out,
        "<body%s>\n<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n"
        "<header class=\"site-header\">\n"
        "<a class=\"brand\" href=\"/\">fa-learn</a>\n"
        "<nav class=\"site-nav\" aria-label=\"Site\"><ul>\n"
        "<li><a href=\"/wiki\"%s>Wiki</a></li>\n"
        "<li><a href=\"/quiz\"%s>Quiz</a></li>\n"
        "<li><a href=\"/sandbox\"%s>Sandbox</a></li>\n"
        "</ul></nav>\n"
        "<form class=\"search-form\" role=\"search\" action=\"/search\" method=\"get\">\n"
        "<label for=\"search-q\" class=\"visually-hidden\">Search the wiki</label>\n"
        "<input id=\"search-q\" name=\"q\" type=\"search\" placeholder=\"Search the wiki\" "
        "maxlength=\"200\" autocomplete=\"off\" value=\"",
        p->sandbox_off ? " data-sandbox=\"off\"" : "",
        current_if(p->section == SRV_SECTION_WIKI), current_if(p->section == SRV_SECTION_QUIZ),
        current_if(p->section == SRV_SECTION_SANDBOX));

    if (!rc && p->search_query)
        rc = esc(out, p->search_query);
    if (!rc)
        rc = fa_buf_puts(out, "\">\n<button type=\"submit\">Search</button>\n</form>\n</header>\n");
    return rc;
}

static int render_page_link(struct fa_buf *out, const char *cls, const char *rel,
                            const char *label, const struct cnt_page *page)
{
    int rc = fa_buf_printf(out, "<a class=\"%s\" rel=\"%s\" href=\"/wiki/%s\"><span>%s</span> ",
                           cls, rel, page->slug, label);
    if (!rc)
        rc = esc(out, cnt_doc_get_title(page->doc));
    if (!rc)
        rc = fa_buf_puts(out, "</a>\n");
    return rc;
}

static int render_sidebar(const struct srv_layout *p, struct fa_buf *out)
{
    size_t n = cnt_site_n_pages(p->nav);
    int rc = fa_buf_puts(out, "<nav class=\"sidebar\" aria-label=\"Wiki pages\">"
                              "<h2 class=\"sidebar-title\">Course</h2><ol>\n");

    for (size_t i = 0; i < n && !rc; i++) {
        const struct cnt_page *page = cnt_site_get_page(p->nav, i);

        rc = fa_buf_printf(out, "<li><a href=\"/wiki/%s\"%s>", page->slug,
                           current_if((long)i == p->current));
        if (!rc)
            rc = esc(out, cnt_doc_get_title(page->doc));
        if (!rc)
            rc = fa_buf_puts(out, "</a></li>\n");
    }
    if (!rc)
        rc = fa_buf_puts(out, "</ol></nav>\n");
    return rc;
}

static int render_pager(const struct srv_layout *p, struct fa_buf *out)
{
    size_t n = cnt_site_n_pages(p->nav);
    int rc = fa_buf_puts(out, "<nav class=\"pager\" aria-label=\"Previous and next page\">\n");

    if (!rc && p->current > 0)
        rc = render_page_link(out, "pager-prev", "prev", "Previous",
                              cnt_site_get_page(p->nav, (size_t)p->current - 1));
    if (!rc && p->current >= 0 && (size_t)p->current + 1 < n)
        rc = render_page_link(out, "pager-next", "next", "Next",
                              cnt_site_get_page(p->nav, (size_t)p->current + 1));
    if (!rc)
        rc = fa_buf_puts(out, "</nav>\n");
    return rc;
}

static int render_toc(const struct srv_layout *p, struct fa_buf *out)
{
    size_t n = cnt_doc_n_sections(p->toc);
    int rc;

    if (n < 2) /* only the intro: nothing to jump to */
        return FA_OK;
    rc = fa_buf_puts(out, "<aside class=\"toc\" aria-labelledby=\"toc-title\">"
                          "<h2 id=\"toc-title\">On this page</h2><ol>\n");
    for (size_t i = 1; i < n && !rc; i++) {
        const struct cnt_section *s = cnt_doc_get_section(p->toc, i);

        rc = fa_buf_printf(out, "<li class=\"toc-%d\"><a href=\"#", s->level);
        if (!rc)
            rc = esc(out, s->anchor);
        if (!rc)
            rc = fa_buf_puts(out, "\">");
        if (!rc)
            rc = esc(out, s->title);
        if (!rc)
            rc = fa_buf_puts(out, "</a></li>\n");
    }
    if (!rc)
        rc = fa_buf_puts(out, "</ol></aside>\n");
    return rc;
}

int srv_layout_render(const struct srv_layout *p, struct fa_buf *out)
{
    bool wide = !p->nav;
    int rc = render_head(p, out);

    if (!rc)
        rc = render_header(p, out);
    if (!rc)
        rc = fa_buf_printf(out, "<div class=\"layout%s\">\n", wide ? " layout-wide" : "");
    if (!rc && p->nav)
        rc = render_sidebar(p, out);
    if (!rc)
        rc = fa_buf_printf(out, "<main id=\"main\" tabindex=\"-1\">\n<article class=\"%s\">\n",
                           p->article_class ? p->article_class : "page");
    if (!rc)
        rc = fa_buf_append(out, p->body_html, p->body_len);
    if (!rc)
        rc = fa_buf_puts(out, "</article>\n");
    if (!rc && p->nav && p->current >= 0)
        rc = render_pager(p, out);
    if (!rc)
        rc = fa_buf_puts(out, "</main>\n");
    if (!rc && p->toc)
        rc = render_toc(p, out);
    if (!rc)
        rc = fa_buf_puts(out, "</div>\n<footer class=\"site-footer\"><p>fa-learn " FA_VERSION
                              " · a course on Python audit hooks, FastAudit and sandboxing"
                              "</p></footer>\n</body>\n</html>\n");
    return rc;
}
