/* srv_layout.h: the site's HTML layout (header, navigation, search box, sidebar, table of
 * contents, pager, footer) around a page body. Every text it inserts is HTML-escaped; the
 * only raw HTML is the body, which is either cmark output (safe mode) or built by a caller
 * that escapes. Thread-safe (no state). */
#ifndef FA_SERVER_VIEW_SRV_LAYOUT_H
#define FA_SERVER_VIEW_SRV_LAYOUT_H

#include "common/fa_buf.h"
#include "common/fa_html.h"

#include <stdbool.h>
#include <stddef.h>

struct cnt_site;
struct cnt_doc;

/* The top-level sections, for the navigation's aria-current. */
enum srv_section { SRV_SECTION_NONE, SRV_SECTION_WIKI, SRV_SECTION_QUIZ, SRV_SECTION_SANDBOX };

struct srv_layout {
    const char *title;          /* plain text; " · fa-learn" is appended in <title> */
    enum srv_section section;
    const char *body_html;      /* trusted HTML, placed in <main> */
    size_t body_len;
    const char *article_class;  /* class of the <article> wrapping the body, e.g. "page" */
    const struct cnt_site *nav; /* when set: the sidebar of wiki pages, and the pager */
    long current;               /* index of this page in nav, or -1 */
    const struct cnt_doc *toc;  /* when set: "On this page" from its sections */
    const char *version_tag;    /* appended to asset URLs as ?v= (cache busting) */
    const char *search_query;   /* shown in the search box (untrusted, escaped), or NULL */
    /* Optional per-page assets: NULL-terminated arrays of URL paths (trusted, escaped anyway),
     * or NULL. extra_css is linked before site.css (so site.css can adjust it), extra_js is
     * loaded with defer after site.js; both get the ?v= tag. */
    const char *const *extra_css;
    const char *const *extra_js;
    /* The site runs without the sandbox (--no-sandbox): <body data-sandbox="off">, so that
     * the scripts and styles hide Run and "Try it" and the sandbox page says why. */
    bool sandbox_off;
};

/* Appends the whole page to out. Fails only with FA_ELIMIT when out's cap is reached. */
int srv_layout_render(const struct srv_layout *page, struct fa_buf *out);

/* The same with the body a view built in h (page->body_html and body_len are set from it),
 * and h cleaned up: FA_OK, or h's own error (nothing appended), or srv_layout_render's. */
int srv_layout_render_built(struct srv_layout *page, struct fa_html_builder *h,
                            struct fa_buf *out);

#endif
