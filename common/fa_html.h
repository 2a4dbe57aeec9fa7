/* fa_html.h: HTML built by appends that never fail one by one, with the error checked once
 * at the end (in the manner of SQLite's sqlite3_str: src/printf.c, sqlite3_str_errcode).
 *
 * A view reads as its markup: a series of fa_html_* calls, no `if (!rc) rc = ...` ladder.
 * The first failure (the buffer's cap) is kept and every later call does nothing, so the
 * output is never a page with a hole in the middle: fa_html_errcode says it failed, and the
 * caller answers an error instead.
 *
 * Text is safe by construction: fa_html_text escapes element content, fa_html_attr escapes
 * a quoted attribute value, fa_html_printf is for numbers (scripts/check-html-format.py
 * refuses a %s in an HTML format string). Markup that is not a literal of the view travels
 * as struct fa_html, a type distinct from char *, made only by the builder and the Markdown
 * renderer, so a string cannot be inserted raw by mistake. Not thread-safe: one owner. */
#ifndef FA_COMMON_FA_HTML_H
#define FA_COMMON_FA_HTML_H

#include "common/fa_buf.h"

#include <stddef.h>

/* Trusted HTML: borrowed bytes that are markup, not text. Whoever returns one says how long
 * it stays valid. */
struct fa_html {
    const char *ptr;
    size_t len;
};

struct fa_html_builder {
    struct fa_buf own; /* the bytes, unless the builder appends to a caller's buffer */
    struct fa_buf *out;
    int rc; /* the first error, sticky; FA_OK while all is well */
};

/* A builder with its own buffer of at most max bytes. */
void fa_html_init(struct fa_html_builder *hb, size_t max);
/* A builder that appends to out (which the caller owns, with its cap), from out's end. */
void fa_html_init_into(struct fa_html_builder *hb, struct fa_buf *out);
/* Frees the builder's own bytes (not a caller's buffer). */
void fa_html_cleanup(struct fa_html_builder *hb);

/* Markup written in the view itself: a string literal (the format check holds views to it). */
void fa_html_raw(struct fa_html_builder *hb, const char *markup);
/* Trusted HTML from the Markdown renderer or another builder. */
void fa_html_put(struct fa_html_builder *hb, struct fa_html html);
/* Text for element content, escaped (& < > " '). NULL appends nothing. */
void fa_html_text(struct fa_html_builder *hb, const char *text);
void fa_html_text_n(struct fa_html_builder *hb, const char *text, size_t len);
/* A value inside a quoted attribute (the view writes the quotes), escaped the same way.
 * NULL appends nothing. */
void fa_html_attr(struct fa_html_builder *hb, const char *value);
/* Markup with numbers: a printf format of the view's; no %s (use the calls above). */
void fa_html_printf(struct fa_html_builder *hb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* FA_OK, or the first error any call met (FA_ELIMIT: the cap). */
int fa_html_errcode(const struct fa_html_builder *hb);
/* What was built so far, as trusted HTML, borrowed until the next call on hb; empty (not
 * NULL) when nothing was. For a builder appending to a caller's buffer: that buffer's whole
 * content. */
struct fa_html fa_html_get(const struct fa_html_builder *hb);

#endif
