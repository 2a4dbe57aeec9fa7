/* cnt_heading_ids.h: the ids of a page's headings, the anchors of its sections: a heading's
 * words lowered and joined by '-' (non-ASCII letters kept), made unique on the page with
 * -2, -3... Pure text functions (no Markdown), thread-safe. */
#ifndef FA_CONTENT_CNT_HEADING_IDS_H
#define FA_CONTENT_CNT_HEADING_IDS_H

#include <stddef.h>

#define CNT_SLUG_CAP 65                /* bytes of a slug, its NUL included */
#define CNT_ID_CAP (CNT_SLUG_CAP + 24) /* and of an id: a slug and its "-N" */

/* The slug of a heading's text (UTF-8 as cmark gives it) into out: at most cap - 1 bytes,
 * cut between characters; "section" when nothing is left. */
void cnt_heading_slug(const char *text, char *out, size_t cap);

/* The ids of n headings of one page, in order: ids[i] is texts[i]'s slug, or slug-2,
 * slug-3... when taken (new strings: fa_free each). */
void cnt_heading_ids(const char *const *texts, char **ids, size_t n);

#endif
