/* fa_utf8.c: UTF-8 validation (see fa_utf8.h). */
#include "common/fa_utf8.h"

#include "common/fa_err.h"

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

size_t fa_utf8_cut(const char *text, size_t len, size_t max)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t end = len < max ? len : max;

    if (end == len)
        return len;
    /* text[end] starts the part left out: back off while it continues a character. */
    for (size_t k = 0; k < 3 && end > 0 && (s[end] & 0xC0) == 0x80; k++)
        end--;
    return end;
}

/* Bytes of the broken sequence at text: a lead byte with the continuation bytes that follow
 * it (at most as many as it announces), or one stray byte. */
static size_t ill_formed_len(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n_cont = s[0] >= 0xF0 && s[0] <= 0xF4 ? 3
                    : s[0] >= 0xE0 && s[0] <= 0xEF ? 2
                    : s[0] >= 0xC2 && s[0] <= 0xDF ? 1
                                                   : 0;
    size_t n = 1;

    while (n <= n_cont && n < len && (s[n] & 0xC0) == 0x80)
        n++;
    return n;
}

int fa_utf8_repair(struct fa_buf *out, const char *text, size_t len, size_t max, bool *replaced)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    size_t i = 0;
    int rc;

    while (i < len) {
        size_t good = fa_utf8_bad_offset(text + i, len - i);
        size_t room = max > out->len ? max - out->len : 0;
        size_t take = fa_utf8_cut(text + i, good, room);

        rc = fa_buf_append(out, text + i, take);
        if (rc)
            return rc;
        if (take < good)
            return FA_ELIMIT;
        i += good;
        if (i == len)
            break;
        *replaced = true;
        if (max - out->len < sizeof replacement - 1)
            return FA_ELIMIT;
        rc = fa_buf_append(out, replacement, sizeof replacement - 1);
        if (rc)
            return rc;
        i += ill_formed_len(text + i, len - i); /* one U+FFFD per broken sequence */
    }
    return FA_OK;
}
