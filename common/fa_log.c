/* fa_log.c: the logger behind fa_log.h. */
#include "common/fa_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum fa_log_level fa_log_min_level = FA_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static void emit(enum fa_log_level level, const char *file, int line, int saved_errno,
                 const char *fmt, va_list ap)
{
    char text[2048];
    size_t len = 0;
    int n;

#ifndef NDEBUG
    n = snprintf(text, sizeof text, "level=%s src=%s:%d ", level_names[level], file, line);
#else
    (void)file;
    (void)line;
    n = snprintf(text, sizeof text, "level=%s ", level_names[level]);
#endif
    if (n > 0)
        len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
    n = vsnprintf(text + len, sizeof text - len, fmt, ap);
    if (n > 0)
        len += (size_t)n < sizeof text - len ? (size_t)n : sizeof text - len - 1;
    if (saved_errno) {
        n = snprintf(text + len, sizeof text - len, " error=\"%s\"", strerror(saved_errno));
        if (n > 0)
            len += (size_t)n < sizeof text - len ? (size_t)n : sizeof text - len - 1;
    }
    if (len >= sizeof text - 1)
        len = sizeof text - 2;
    text[len++] = '\n';
    /* One write per line keeps lines whole across threads; a short write only loses log text. */
    if (write(STDERR_FILENO, text, len) < 0)
        return;
}

void fa_log_write(enum fa_log_level level, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    emit(level, file, line, 0, fmt, ap);
    va_end(ap);
}

void fa_log_write_errno(enum fa_log_level level, const char *file, int line, const char *fmt,
                        ...)
{
    int saved_errno = errno;
    va_list ap;

    if (level < fa_log_min_level)
        return;
    va_start(ap, fmt);
    emit(level, file, line, saved_errno, fmt, ap);
    va_end(ap);
}

void fa_die(const char *fmt, ...)
{
    va_list ap;

    fputs("fa-learn: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}
