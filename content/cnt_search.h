/* cnt_search.h: full-text search over a site's sections, with SQLite FTS5 in memory.
 *
 * Each section of each page (see struct cnt_section) is one row; results are ranked by
 * bm25 with the section title weighted above its text, and come with a snippet in which the
 * matched terms are marked. The learner's query is never handed to FTS5's query syntax:
 * it is split into words, each searched as a quoted prefix term, all required (AND).
 *
 * This is the one file of content/ that uses sqlite3 (an in-memory database, nothing on
 * disk). A struct cnt_search is safe to query from several threads at once. */
#ifndef FA_CONTENT_CNT_SEARCH_H
#define FA_CONTENT_CNT_SEARCH_H

#include "common/fa_err.h"
#include "content/cnt_site.h"

#include <stddef.h>

/* Query limits: longer queries are refused with FA_ELIMIT; extra words are ignored. */
#define CNT_SEARCH_MAX_QUERY 200
#define CNT_SEARCH_MAX_WORDS 8

struct cnt_search;

struct cnt_hit {
    size_t page;         /* index into the site's pages; SIZE_MAX for the home page */
    const char *anchor;  /* section anchor, "" for a page's intro (borrowed from the site) */
    const char *page_title;    /* borrowed from the site */
    const char *section_title; /* borrowed from the site */
    char *snippet_html;  /* owned: HTML-escaped text with the matches wrapped in <mark> */
};

/* Indexes every section of site (which must outlive the index). */
int cnt_search_new(const struct cnt_site *site, struct cnt_search **out, struct fa_diag *diag);
void cnt_search_free(struct cnt_search *search);

/* Runs the learner's query (len bytes, untrusted UTF-8). Writes up to max_hits results,
 * best first, into a new array *hits_out (free with cnt_hits_free) and their count into
 * *n_out; with zero hits *hits_out is NULL. A query with no words gives zero hits, not an error. FA_ELIMIT for a query longer
 * than CNT_SEARCH_MAX_QUERY, FA_EINVAL for bytes that are not UTF-8. */
int cnt_search_query(struct cnt_search *search, const char *query, size_t len, size_t max_hits,
                     struct cnt_hit **hits_out, size_t *n_out, struct fa_diag *diag);
void cnt_hits_free(struct cnt_hit *hits, size_t n);

#endif
