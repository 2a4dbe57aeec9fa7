/* fa_time.c: clocks and timestamps (see fa_time.h). */
#include "common/fa_time.h"

#include <stdio.h>

uint64_t fa_time_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

char *fa_time_iso8601(time_t t, char *out)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, FA_TIME_ISO_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}
