/* sbx_frame.c: length-prefixed frames (see sbx_frame.h). */
#include "sandbox/sbx_frame.h"

#include "common/fa_err.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FA_EIO;
        p += n;
        len -= (size_t)n;
    }
    return FA_OK;
}

/* Reads exactly len bytes; *got says how many arrived before an end of stream. */
static int read_all(int fd, unsigned char *p, size_t len, size_t *got)
{
    *got = 0;
    while (*got < len) {
        ssize_t n = read(fd, p + *got, len - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FA_EIO;
        *got += (size_t)n;
    }
    return FA_OK;
}

int sbx_frame_write(int fd, const void *data, size_t len)
{
    unsigned char head[4];
    int rc;

    if (len > UINT32_MAX)
        return FA_ELIMIT;
    head[0] = (unsigned char)(len >> 24);
    head[1] = (unsigned char)(len >> 16);
    head[2] = (unsigned char)(len >> 8);
    head[3] = (unsigned char)len;
    rc = write_all(fd, head, 4);
    if (!rc)
        rc = write_all(fd, data, len);
    return rc;
}

int sbx_frame_read(int fd, struct fa_buf *out, size_t max)
{
    unsigned char head[4], chunk[16384];
    size_t got, len, left;
    int rc;

    fa_buf_reset(out);
    rc = read_all(fd, head, 4, &got);
    if (rc)
        return got == 0 ? FA_ENOTFOUND : FA_EIO;
    len = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
    if (len > max)
        return FA_ELIMIT;
    for (left = len; left;) {
        size_t want = left < sizeof chunk ? left : sizeof chunk;
        rc = read_all(fd, chunk, want, &got);
        if (rc)
            return FA_EIO;
        rc = fa_buf_append(out, chunk, want);
        if (rc)
            return rc;
        left -= want;
    }
    return FA_OK;
}
