/* fa_mem.h: checked allocation for server/, content/ and quiz/.
 *
 * The fa_x* functions never return NULL: on out-of-memory they print one line and abort,
 * because a half-built page or response is worse than a restart (cmark and h2o do the same).
 * Sandbox code running under rlimits must not use them; it checks malloc and returns
 * FA_ENOMEM instead. fa_free(NULL) is a no-op. */
#ifndef FA_COMMON_FA_MEM_H
#define FA_COMMON_FA_MEM_H

#include <stddef.h>

void *fa_xmalloc(size_t len);
void *fa_xcalloc(size_t n, size_t size);
void *fa_xrealloc(void *ptr, size_t len);
/* Copies of a NUL-terminated string, or of len bytes plus a terminating NUL. */
char *fa_xstrdup(const char *s);
char *fa_xstrndup(const char *s, size_t len);
/* A new string formatted like printf. */
char *fa_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fa_free(void *ptr);

#endif
