/* fa_hash.c: FNV-1a, as fa_hash.h describes it. */
#include "common/fa_hash.h"

#include <string.h>

/* FNV-1a's 64-bit prime. */
#define FNV1A64_PRIME UINT64_C(1099511628211)

uint64_t fa_fnv1a64(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV1A64_PRIME;
    return h;
}

uint64_t fa_fnv1a64_str(const char *s) { return fa_fnv1a64(s, strlen(s), FA_FNV1A64_BASIS); }
