/* fa_file.c: whole-file reads with a cap (see fa_file.h). */
#include "common/fa_file.h"

#include "common/fa_mem.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int fa_file_read(const char *path, size_t max, int nofollow, char **out, size_t *len_out,
                 struct fa_diag *diag)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0)), rc = FA_OK;
    struct stat st;
    size_t got = 0;
    char *buf = NULL;

    /* fstat on the open file: what is checked is what is read. */
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = fa_diag_set(diag, FA_EIO, "%s: not a readable regular file", path);
        goto out;
    }
    if ((size_t)st.st_size > max) {
        rc = fa_diag_set(diag, FA_ELIMIT, "%s: larger than %zu bytes", path, max);
        goto out;
    }
    buf = fa_xmalloc((size_t)st.st_size + 1);
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0) {
            rc = fa_diag_set(diag, FA_EIO, "%s: read failed", path);
            goto out;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    *out = buf;
    *len_out = got;
    buf = NULL;
out:
    if (fd >= 0)
        close(fd);
    fa_free(buf);
    return rc;
}
