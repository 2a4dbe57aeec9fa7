/* fa_file.h: reading a whole small file into memory, with a size cap. Thread-safe. */
#ifndef FA_COMMON_FA_FILE_H
#define FA_COMMON_FA_FILE_H

#include "common/fa_err.h"

#include <stddef.h>

/* Reads path when it is a regular file of at most max bytes. With nofollow, a symbolic link
 * at path itself is refused (O_NOFOLLOW). On success *out is a new NUL-terminated buffer
 * (free with fa_free) and *len_out its length. Fails with FA_EIO (not a readable regular
 * file, read error) or FA_ELIMIT, with "path: what is wrong" in diag. */
int fa_file_read(const char *path, size_t max, int nofollow, char **out, size_t *len_out,
                 struct fa_diag *diag);

#endif
