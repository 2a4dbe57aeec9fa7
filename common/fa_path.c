/* fa_path.c: path and slug checks (see fa_path.h). */
#include "common/fa_path.h"

#include <string.h>

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

bool fa_path_is_plain(const char *path, size_t len)
{
    bool segment_start = true;

    if (len == 0 || len > 255)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = path[i];

        if (c == '/') {
            if (segment_start) /* leading '/' or '//' */
                return false;
            segment_start = true;
            continue;
        }
        if (!is_name_char(c) || (segment_start && c == '.'))
            return false;
        segment_start = false;
    }
    return !segment_start; /* no trailing '/' */
}

size_t fa_path_slug(const char *text, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    bool pending_dash = false;

    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        char c = text[i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (pending_dash && n > 0 && n + 2 < cap)
                out[n++] = '-';
            pending_dash = false;
            out[n++] = c;
        } else {
            pending_dash = true;
        }
    }
    if (n == 0) {
        strcpy(out, "section");
        return 7;
    }
    out[n] = '\0';
    return n;
}
