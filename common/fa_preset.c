/* fa_preset.c: the names of fa_preset.h. */
#include "common/fa_preset.h"

#include <string.h>

const char *const fa_preset_names[FA_N_PRESETS] = {"fastaudit", "hardened", "hook-only", "strict"};

const char *fa_preset_find(const char *name, size_t len)
{
    if (!name)
        return NULL;
    if (len == strlen("default") && memcmp(name, "default", len) == 0)
        return FA_PRESET_DEFAULT;
    for (size_t i = 0; i < FA_N_PRESETS; i++)
        if (strlen(fa_preset_names[i]) == len && memcmp(fa_preset_names[i], name, len) == 0)
            return fa_preset_names[i];
    return NULL;
}
