/* sbx_frame.h: length-prefixed frames between the server, the sandbox supervisor and a run's
 * child: a 4-byte big-endian length, then that many bytes (JSON). Every read has a cap, so a
 * peer cannot make the reader allocate without bound. Blocking I/O; EINTR is retried. */
#ifndef FA_SANDBOX_SBX_FRAME_H
#define FA_SANDBOX_SBX_FRAME_H

#include "common/fa_buf.h"

#include <stddef.h>
#include <stdint.h>

/* Writes one frame. Returns 0, FA_ELIMIT when len does not fit the prefix, FA_EIO. */
int sbx_frame_write(int fd, const void *data, size_t len);

/* Reads one frame into out (reset first). Returns 0, FA_ENOTFOUND at a clean end of stream
 * before any byte, FA_EIO on errors and short reads (the stream is then out of step: close
 * it). A frame longer than max is read to its end, so the stream stays in step, and gives
 * FA_ELIMIT with only its first SBX_FRAME_KEPT bytes in out (enough to tell whose it was). */
#define SBX_FRAME_KEPT 256
int sbx_frame_read(int fd, struct fa_buf *out, size_t max);

/* The "id" of a JSON frame that starts {"id":N (results and refusals do), read from its
 * first bytes only, so that a frame too large or too broken to parse can still be answered
 * for. 0 when there is none. */
unsigned long long sbx_frame_id(const char *frame, size_t len);

#endif
