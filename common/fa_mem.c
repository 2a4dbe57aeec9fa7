/* fa_mem.c: allocation that aborts on out-of-memory (see fa_mem.h). The only place outside
 * the sandbox where malloc and free are called directly. */
#include "common/fa_mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *checked(void *ptr, size_t len)
{
    if (!ptr && len) {
        fprintf(stderr, "fa-learn: out of memory (%zu bytes)\n", len);
        abort();
    }
    return ptr;
}

void *fa_xmalloc(size_t len) { return checked(malloc(len ? len : 1), len); }

void *fa_xcalloc(size_t n, size_t size)
{
    return checked(calloc(n ? n : 1, size ? size : 1), n * size);
}

void *fa_xrealloc(void *ptr, size_t len) { return checked(realloc(ptr, len ? len : 1), len); }

char *fa_xstrndup(const char *s, size_t len)
{
    char *copy = fa_xmalloc(len + 1);

    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *fa_xstrdup(const char *s) { return fa_xstrndup(s, strlen(s)); }

char *fa_xasprintf(const char *fmt, ...)
{
    va_list ap;
    int len;
    char *out;

    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) {
        fprintf(stderr, "fa-learn: bad format string\n");
        abort();
    }
    out = fa_xmalloc((size_t)len + 1);
    va_start(ap, fmt);
    vsnprintf(out, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return out;
}

void fa_free(void *ptr) { free(ptr); }
