/* sbx_frame.h: length-prefixed frames between the server, the sandbox supervisor and a run's
 * child: a 4-byte big-endian length, then that many bytes (JSON). Every read has a cap, so a
 * peer cannot make the reader allocate without bound. Blocking I/O; EINTR is retried. */
#ifndef FA_SANDBOX_SBX_FRAME_H
#define FA_SANDBOX_SBX_FRAME_H

#include "common/fa_buf.h"

#include <stddef.h>

/* Writes one frame. Returns 0, FA_ELIMIT when len does not fit the prefix, FA_EIO. */
int sbx_frame_write(int fd, const void *data, size_t len);

/* Reads one frame into out (reset first). Returns 0, FA_ENOTFOUND at a clean end of stream
 * before any byte, FA_ELIMIT when the announced length exceeds max (the stream is then out of
 * step: close it), FA_EIO on errors and short reads. */
int sbx_frame_read(int fd, struct fa_buf *out, size_t max);

#endif
