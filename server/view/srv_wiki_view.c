/* srv_wiki_view.c: the home page's cards and the course contents (see srv_wiki_view.h). */
#include "server/view/srv_wiki_view.h"

#include "content/cnt_markdown.h"
#include "content/cnt_site.h"

void srv_wiki_view_cards(struct fa_html_builder *h)
{
    fa_html_raw(h, "<ul class=\"home-cards\">\n"
                   "<li><a href=\"/wiki\"><strong>Study wiki</strong> Audit events and hooks, "
                   "FastAudit's policy, sys.monitoring, and how the sandbox contains code.</a>"
                   "</li>\n"
                   "<li><a href=\"/quiz\"><strong>Quiz</strong> Check what you know, with "
                   "explanations and a report to share.</a></li>\n"
                   "<li><a href=\"/sandbox\"><strong>Sandbox</strong> Run snippets under "
                   "FastAudit and watch every decision.</a></li>\n"
                   "</ul>\n");
}

/* The second-level sections of a page, as links under its own. */
static void page_sections(struct fa_html_builder *h, const struct cnt_page *page)
{
    size_t n_sections = cnt_doc_n_sections(page->doc);

    if (n_sections <= 1)
        return;
    fa_html_raw(h, "<ul>");
    for (size_t s = 1; s < n_sections; s++) {
        const struct cnt_section *sec = cnt_doc_get_section(page->doc, s);

        if (sec->level != 2)
            continue;
        fa_html_raw(h, "<li><a href=\"/wiki/");
        fa_html_attr(h, page->slug);
        fa_html_raw(h, "#");
        fa_html_attr(h, sec->anchor);
        fa_html_raw(h, "\">");
        fa_html_text(h, sec->title);
        fa_html_raw(h, "</a></li>");
    }
    fa_html_raw(h, "</ul>");
}

void srv_wiki_view_contents(struct fa_html_builder *h, const struct cnt_site *content)
{
    size_t n = cnt_site_n_pages(content);

    fa_html_raw(h, "<h1>Course contents</h1>\n<p>Read the pages in order: each builds on the "
                   "ones before it.</p>\n<ol class=\"contents\">\n");
    for (size_t i = 0; i < n; i++) {
        const struct cnt_page *page = cnt_site_get_page(content, i);

        fa_html_raw(h, "<li><a href=\"/wiki/");
        fa_html_attr(h, page->slug);
        fa_html_raw(h, "\">");
        fa_html_text(h, cnt_doc_get_title(page->doc));
        fa_html_raw(h, "</a>");
        page_sections(h, page);
        fa_html_raw(h, "</li>\n");
    }
    fa_html_raw(h, "</ol>\n");
}
