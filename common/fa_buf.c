/* fa_buf.c: bounded buffers and HTML/URL escaping (see fa_buf.h). */
#include "common/fa_buf.h"

#include "common/fa_err.h"
#include "common/fa_mem.h"

#include <stdio.h>
#include <string.h>

void fa_buf_init(struct fa_buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void fa_buf_cleanup(struct fa_buf *b)
{
    fa_free(b->ptr);
    fa_buf_init(b, b->max);
}

void fa_buf_reset(struct fa_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

char *fa_buf_detach(struct fa_buf *b, size_t *len_out)
{
    char *out = b->ptr ? b->ptr : fa_xstrdup("");

    if (len_out)
        *len_out = b->len;
    fa_buf_init(b, b->max);
    return out;
}

/* Makes room for extra more bytes plus the NUL, or refuses with FA_ELIMIT. */
static int reserve(struct fa_buf *b, size_t extra)
{
    size_t need, cap;

    if (extra > b->max - b->len)
        return FA_ELIMIT;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return FA_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    b->ptr = fa_xrealloc(b->ptr, cap);
    b->cap = cap;
    return FA_OK;
}

int fa_buf_append(struct fa_buf *b, const void *data, size_t len)
{
    int rc = reserve(b, len);

    if (rc)
        return rc;
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    return FA_OK;
}

int fa_buf_puts(struct fa_buf *b, const char *s) { return fa_buf_append(b, s, strlen(s)); }

int fa_buf_vprintf(struct fa_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    int n, rc;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return FA_EINVAL;
    rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return FA_OK;
}

int fa_buf_printf(struct fa_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fa_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int fa_buf_append_html(struct fa_buf *b, const char *text, size_t len)
{
    size_t start = 0, old_len = b->len;
    int rc = FA_OK;

    for (size_t i = 0; i < len && !rc; i++) {
        const char *entity;

        switch (text[i]) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&#39;"; break;
        default: continue;
        }
        rc = fa_buf_append(b, text + start, i - start);
        if (!rc)
            rc = fa_buf_puts(b, entity);
        start = i + 1;
    }
    if (!rc)
        rc = fa_buf_append(b, text + start, len - start);
    if (rc) { /* all or nothing, like every other append */
        b->len = old_len;
        if (b->ptr)
            b->ptr[old_len] = '\0';
    }
    return rc;
}

int fa_buf_append_urlenc(struct fa_buf *b, const char *text, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t old_len = b->len;
    int rc = FA_OK;

    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char c = (unsigned char)text[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            rc = fa_buf_append(b, &text[i], 1);
        } else {
            char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = fa_buf_append(b, enc, 3);
        }
    }
    if (rc) {
        b->len = old_len;
        if (b->ptr)
            b->ptr[old_len] = '\0';
    }
    return rc;
}

int fa_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
