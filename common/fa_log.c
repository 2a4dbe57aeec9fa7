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

/* Appends to a fixed line buffer, keeping room for the final newline; overlong text is cut. */
static void append(char *text, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void vappend(char *text, size_t cap, size_t *len, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static void vappend(char *text, size_t cap, size_t *len, const char *fmt, va_list ap)
{
    int n;

    if (*len + 2 >= cap)
        return;
    n = vsnprintf(text + *len, cap - 1 - *len, fmt, ap);
    if (n > 0)
        *len += (size_t)n < cap - 1 - *len ? (size_t)n : cap - 2 - *len;
}

static void append(char *text, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vappend(text, cap, len, fmt, ap);
    va_end(ap);
}

static void emit(enum fa_log_level level, const char *file, int line, int saved_errno,
                 const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void emit(enum fa_log_level level, const char *file, int line, int saved_errno,
                 const char *fmt, va_list ap)
{
    char text[2048];
    size_t len = 0;

#ifndef NDEBUG
    append(text, sizeof text, &len, "level=%s src=%s:%d ", level_names[level], file, line);
#else
    (void)file;
    (void)line;
    append(text, sizeof text, &len, "level=%s ", level_names[level]);
#endif
    vappend(text, sizeof text, &len, fmt, ap);
    if (saved_errno)
        append(text, sizeof text, &len, " error=\"%s\"", strerror(saved_errno));
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
