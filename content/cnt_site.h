/* cnt_site.h: the whole wiki of a content folder, loaded and rendered once, in reading order.
 *
 * Layout of a content folder (documented in content/README.md):
 *   home.md            the home page (rendered like any page, not in the reading order)
 *   pages/NN-slug.md   the wiki pages; NN (digits) gives the reading order, slug (lower-case
 *                      letters, digits and '-') the URL /wiki/<slug>
 * Anything else in the folder, and hidden or non-.md names in pages/, is ignored. Limits:
 * CNT_SITE_MAX_PAGES pages, each at most CNT_DOC_MAX_BYTES. Symbolic links (home.md, pages/
 * itself, or a page) and non-regular files are refused; problems with a whole file are
 * reported at line 1.
 *
 * A loaded site is immutable and may be read from any thread; reloading means loading a new
 * one and swapping (the server does that on SIGHUP). */
#ifndef FA_CONTENT_CNT_SITE_H
#define FA_CONTENT_CNT_SITE_H

#include "common/fa_err.h"
#include "content/cnt_markdown.h"

#include <stddef.h>

#define CNT_SITE_MAX_PAGES 200

struct cnt_site;

struct cnt_page {
    const char *slug;          /* "big-picture" */
    const char *file;          /* "pages/01-big-picture.md", for messages */
    const struct cnt_doc *doc; /* the rendered page */
};

/* Loads content_dir. Every problem found (an unreadable folder, a bad file name, a duplicate
 * slug, a page without a title, a file too big) fails the load with FA_EINVAL, FA_EIO or
 * FA_ELIMIT and one "file:line: what is wrong" message in diag. *out owns the site. */
int cnt_site_load(const char *content_dir, struct cnt_site **out, struct fa_diag *diag);
void cnt_site_free(struct cnt_site *site);

/* The home page (home.md). Borrowed, valid until cnt_site_free. */
const struct cnt_doc *cnt_site_get_home(const struct cnt_site *site);
size_t cnt_site_n_pages(const struct cnt_site *site);
/* Pages in reading order; i < cnt_site_n_pages(site). */
const struct cnt_page *cnt_site_get_page(const struct cnt_site *site, size_t i);
/* The index of the page with this slug (len bytes, untrusted), or -1. */
long cnt_site_find(const struct cnt_site *site, const char *slug, size_t len);

#endif
