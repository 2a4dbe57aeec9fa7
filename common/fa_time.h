/* fa_time.h: clocks and timestamps. Thread-safe. */
#ifndef FA_COMMON_FA_TIME_H
#define FA_COMMON_FA_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Microseconds on the monotonic clock (for durations, never for dates). */
uint64_t fa_time_mono_us(void);

/* Writes t as UTC ISO 8601 ("2026-11-26T23:10:55Z") into out, which must hold at least
 * FA_TIME_ISO_LEN bytes. Returns out. */
#define FA_TIME_ISO_LEN 21
char *fa_time_iso8601(time_t t, char *out);

#endif
