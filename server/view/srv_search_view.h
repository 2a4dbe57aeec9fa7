/* srv_search_view.h: the search results page's own part (the layout comes around it), and
 * the address of a hit, which the page and the JSON API share. Thread-safe (no state). */
#ifndef FA_SERVER_VIEW_SRV_SEARCH_VIEW_H
#define FA_SERVER_VIEW_SRV_SEARCH_VIEW_H

#include "common/fa_buf.h"
#include "common/fa_html.h"
#include "content/cnt_search.h"

#include <stddef.h>

struct cnt_site;

/* A hit's URL is at most a slug and an anchor: the cap of the buffer it is built in. */
#define SRV_SEARCH_URL_MAX 1024

/* The URL of a hit in content: the page, plus the section's anchor, appended to out.
 * FA_ELIMIT past out's cap (the caller answers 500 rather than a link that goes somewhere
 * else). */
int srv_search_view_hit_url(const struct cnt_site *content, const struct cnt_hit *hit,
                            struct fa_buf *out);

/* The heading, the summary ("N results for “q”", or that the list was cut when there are
 * more than max_shown hits) and the list of hits, each with its snippet (HTML the search
 * module escaped, with <mark> around matches); an invitation to type when q is "". FA_OK,
 * or the error that cut the page short (h's own, or a hit's URL that did not fit). */
int srv_search_view_render(struct fa_html_builder *h, const char *q, const struct cnt_site *content,
                           const struct cnt_hit *hits, size_t n_hits, size_t max_shown);

#endif
