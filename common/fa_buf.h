/* fa_buf.h: growable byte buffers with a hard maximum, and the escaping that every page needs.
 *
 * A buffer never grows past the max given to fa_buf_init: an append that would is refused
 * whole with FA_ELIMIT and leaves the buffer as it was (curl's dynbuf "toobig"). The bytes
 * are always NUL-terminated, so ptr can be used as a C string when the content has no NUL.
 * Allocation goes through fa_xrealloc (aborts on out-of-memory). Not thread-safe: one owner. */
#ifndef FA_COMMON_FA_BUF_H
#define FA_COMMON_FA_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct fa_buf {
    char *ptr;  /* NULL until the first append; NUL-terminated afterwards */
    size_t len; /* bytes used, not counting the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* the most bytes len may ever reach */
};

/* Untrusted or borrowed bytes travel as (ptr, len). */
struct fa_str {
    const char *ptr;
    size_t len;
};

void fa_buf_init(struct fa_buf *b, size_t max);
/* Frees the bytes; the buffer may be used again after fa_buf_init. */
void fa_buf_cleanup(struct fa_buf *b);
/* Empties the buffer and keeps its memory. */
void fa_buf_reset(struct fa_buf *b);
/* Hands the bytes (NUL-terminated, never NULL) to the caller, who frees them with fa_free;
 * *len_out (may be NULL) receives the length. The buffer is left empty. */
char *fa_buf_detach(struct fa_buf *b, size_t *len_out);

int fa_buf_append(struct fa_buf *b, const void *data, size_t len);
int fa_buf_puts(struct fa_buf *b, const char *s);
int fa_buf_printf(struct fa_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fa_buf_vprintf(struct fa_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Appends text escaped for HTML element content and quoted attribute values: & < > " '
 * become entities. Invalid UTF-8 is passed through byte for byte; browsers show U+FFFD. */
int fa_buf_append_html(struct fa_buf *b, const char *text, size_t len);
/* Appends bytes percent-encoded for a URL query value (unreserved characters stay). */
int fa_buf_append_urlenc(struct fa_buf *b, const char *text, size_t len);
/* The value of one hexadecimal digit (either case), or -1: for percent-decoding. */
int fa_hex_digit(char c);

#endif
