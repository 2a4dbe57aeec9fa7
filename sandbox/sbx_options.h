/* sbx_options.h: what a learner may ask of a run, checked in one place.
 *
 * The command line (`fa-learn run`), the HTTP API (`POST /api/run`) and the supervisor each
 * read the run options; before issue 16 each had its own limits (1-10000 ms and any 99
 * characters on the command line, 100-10000 ms and a module-name pattern over HTTP, and the
 * supervisor silently dropping a 100-character prefix HTTP had accepted). They all ask here
 * now. The messages stay each caller's (a flag and a JSON field are named differently);
 * the bounds in them come from these constants. Pure functions: thread-safe. */
#ifndef FA_SANDBOX_SBX_OPTIONS_H
#define FA_SANDBOX_SBX_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* A run's wall-clock limit, in ms: at least this (a run needs some time to start) ... */
#define SBX_RUN_MIN_TIME_MS 100
/* ... at most this (the supervisor's slots are shared by a class) ... */
#define SBX_RUN_MAX_TIME_MS 10000
/* ... and this when the learner names none. */
#define SBX_RUN_DEFAULT_TIME_MS 5000
/* Safe-native module prefixes per run, and characters in one. */
#define SBX_RUN_MAX_SAFE_NATIVE 8
#define SBX_RUN_SAFE_NATIVE_MAX_LEN 100

/* Whether ms is an allowed time limit. */
bool sbx_options_time_ok(long long ms);

/* Whether s (len bytes, not necessarily NUL-terminated) is a safe-native module prefix: a
 * dotted module name such as "labnative.checksum" (letters, digits, '_' and '.', not starting
 * with a digit or '.'), at most SBX_RUN_SAFE_NATIVE_MAX_LEN characters. */
bool sbx_options_prefix_ok(const char *s, size_t len);

#endif
