/* sbx_options.c: the run-option checks of sbx_options.h. */
#include "sandbox/sbx_options.h"

bool sbx_options_time_ok(long long ms)
{
    return ms >= SBX_RUN_MIN_TIME_MS && ms <= SBX_RUN_MAX_TIME_MS;
}

static bool is_name_start(char c)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool sbx_options_prefix_ok(const char *s, size_t len)
{
    if (!s || len == 0 || len > SBX_RUN_SAFE_NATIVE_MAX_LEN || !is_name_start(s[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(is_name_start(s[i]) || s[i] == '.' || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}
