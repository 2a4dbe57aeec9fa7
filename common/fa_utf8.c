/* fa_utf8.c: UTF-8 validation (see fa_utf8.h). */
#include "common/fa_utf8.h"

size_t fa_utf8_bad_offset(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n_cont;
        unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the first continuation */

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n_cont = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n_cont = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n_cont = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return i;
        }
        if (n_cont >= len - i)
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k <= n_cont; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        }
        i += n_cont + 1;
    }
    return len;
}
