/* cnt_check.h: the checks `fa-learn check` makes on a loaded wiki, beyond what loading
 * already refuses (content/README.md documents both for authors):
 *
 * - Links: `/wiki/<slug>` must name a page and `#<id>` a heading of it (a bare `#<id>` one of
 *   the same page); `/static/<file>` must be a file of the static folder; other site paths
 *   must be among the paths the site answers; relative links are refused (they break when a
 *   page moves). Links with a scheme (https:, mailto:) are not followed.
 * - Images: alt text is required, and the picture must be a file under /static/ (the site's
 *   Content-Security-Policy loads no image from elsewhere).
 * - Code blocks: every fenced block names its language. A Python block is marked either
 *   runnable (`pyrun` followed by the expectations of its run, `status=` at least) or
 *   `python illustration`; nothing else after `python`.
 *
 * Pure functions of the site and the static folder: no state, any thread. */
#ifndef FA_CONTENT_CNT_CHECK_H
#define FA_CONTENT_CNT_CHECK_H

#include "content/cnt_site.h"

#include <stddef.h>

struct cnt_check_env {
    const char *static_dir; /* the folder served under /static/ */
    /* Other paths the site answers ("/", "/wiki", "/sandbox"...). An entry ending in '/'
     * stands for every path under it ("/quiz/"). */
    const char *const *site_paths;
    size_t n_site_paths;
};

/* Receives one problem: file is "pages/03-x.md" or "home.md", what a one-line message. */
typedef void cnt_check_report_fn(void *cls, const char *file, int line, const char *what);

/* Checks the home page and every page; reports each problem. Returns how many there were. */
size_t cnt_check_site(const struct cnt_site *site, const struct cnt_check_env *env,
                      cnt_check_report_fn *report, void *cls);

/* Whether url, written in doc (NULL: outside any page), leads somewhere on the site. Returns
 * NULL when it does, else a reason, written into why (len bytes). */
const char *cnt_check_link(const struct cnt_site *site, const struct cnt_check_env *env,
                           const struct cnt_doc *doc, const char *url, char *why, size_t len);

#endif
