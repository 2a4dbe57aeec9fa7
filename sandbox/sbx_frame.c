/* sbx_frame.c: length-prefixed frames (see sbx_frame.h). */
#include "sandbox/sbx_frame.h"

#include "common/fa_err.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
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
    int rc, result = FA_OK;

    fa_buf_reset(out);
    rc = read_all(fd, head, 4, &got);
    if (rc)
        return got == 0 ? FA_ENOTFOUND : FA_EIO;
    len = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
    if (len > max)
        result = FA_ELIMIT; /* read to its end all the same: the stream stays in step */
    for (left = len; left;) {
        size_t want = left < sizeof chunk ? left : sizeof chunk;
        rc = read_all(fd, chunk, want, &got);
        if (rc)
            return FA_EIO;
        if (out->len < SBX_FRAME_KEPT || result == FA_OK) {
            size_t keep = result == FA_OK ? want
                          : want < SBX_FRAME_KEPT - out->len ? want
                                                             : SBX_FRAME_KEPT - out->len;
            rc = fa_buf_append(out, chunk, keep);
            if (rc)
                return rc;
        }
        left -= want;
    }
    return result;
}

unsigned long long sbx_frame_id(const char *frame, size_t len)
{
    static const char prefix[] = "{\"id\":";
    unsigned long long id = 0;
    size_t i = sizeof prefix - 1;

    if (len < i || memcmp(frame, prefix, i) != 0)
        return 0;
    for (; i < len && frame[i] >= '0' && frame[i] <= '9' && id < UINT64_MAX / 10; i++)
        id = id * 10 + (unsigned long long)(frame[i] - '0');
    return id;
}
