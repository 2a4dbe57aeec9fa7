/* fa_log.h: one-line key=value logging to stderr, for server/ and the sandbox supervisor.
 *
 * The level is tested before the arguments are evaluated, so a debug line costs one branch
 * when debug is off (redis: serverLog). Debug builds prefix file:line. Lines are written with
 * one write(2) each, so lines from several threads never interleave. Never log learner
 * source, tokens or passwords. */
#ifndef FA_COMMON_FA_LOG_H
#define FA_COMMON_FA_LOG_H

enum fa_log_level { FA_LOG_DEBUG, FA_LOG_INFO, FA_LOG_WARN, FA_LOG_ERROR, FA_LOG_OFF };

/* The lowest level written; FA_LOG_INFO unless changed. Set it before starting threads. */
extern enum fa_log_level fa_log_min_level;

void fa_log_write(enum fa_log_level level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Like fa_log_write, then appends ": " and strerror of the errno saved at the call. */
void fa_log_write_errno(enum fa_log_level level, const char *file, int line, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));
/* Writes one error line and exits with status 1. Only for start-up. */
void fa_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define FA_LOG_AT(level, ...)                                                                  \
    do {                                                                                       \
        if ((level) >= fa_log_min_level)                                                       \
            fa_log_write((level), __FILE__, __LINE__, __VA_ARGS__);                            \
    } while (0)
#define fa_log_debug(...) FA_LOG_AT(FA_LOG_DEBUG, __VA_ARGS__)
#define fa_log_info(...) FA_LOG_AT(FA_LOG_INFO, __VA_ARGS__)
#define fa_log_warn(...) FA_LOG_AT(FA_LOG_WARN, __VA_ARGS__)
#define fa_log_error(...) FA_LOG_AT(FA_LOG_ERROR, __VA_ARGS__)
#define fa_log_errno(...) fa_log_write_errno(FA_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)

#endif
