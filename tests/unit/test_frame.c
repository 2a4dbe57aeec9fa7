/* test_frame.c: length-prefixed frames between the server and the sandbox supervisor (issue
 * 10): a frame longer than the reader's cap is that frame's error, not the stream's (it is read
 * to its end, its first bytes kept so the reader can tell whose it was), and the id is read
 * from a frame's first bytes whatever follows them. */
#include "harness.h"

#include "common/fa_buf.h"
#include "common/fa_err.h"
#include "sandbox/sbx_frame.h"

#include <string.h>
#include <unistd.h>

static void test_oversized_frame_keeps_the_stream(void)
{
    static char big[70000];
    struct fa_buf frame;
    int fds[2];

    OK(pipe(fds) == 0);
    memset(big, 'x', sizeof big);
    memcpy(big, "{\"id\":42,\"stdout\":\"", 19);
    fa_buf_init(&frame, 1024);
    /* The pipe holds 64 KiB: the writer is a child, the reader this process. */
    if (fork() == 0) {
        close(fds[0]);
        _exit(sbx_frame_write(fds[1], big, sizeof big) || sbx_frame_write(fds[1], "{\"id\":7}", 8));
    }
    close(fds[1]);
    INT_EQ(sbx_frame_read(fds[0], &frame, 1024), FA_ELIMIT);
    INT_EQ(frame.len, SBX_FRAME_KEPT);
    INT_EQ(sbx_frame_id(frame.ptr, frame.len), 42);
    INT_EQ(sbx_frame_read(fds[0], &frame, 1024), FA_OK); /* the next frame, whole */
    INT_EQ(frame.len, 8);
    INT_EQ(sbx_frame_id(frame.ptr, frame.len), 7);
    INT_EQ(sbx_frame_read(fds[0], &frame, 1024), FA_ENOTFOUND);
    close(fds[0]);
    fa_buf_cleanup(&frame);
}

static void test_frame_id(void)
{
    static const struct {
        const char *frame;
        unsigned long long id;
    } cases[] = {
        {"{\"id\":1,\"status\":\"ok\"}", 1},
        {"{\"id\":1234567890123}", 1234567890123ull},
        {"{\"id\":12", 12}, /* cut: the digits there are enough */
        {"{\"status\":\"ok\",\"id\":3}", 0}, /* not first: not trusted */
        {"{\"id\": 5}", 0},
        {"", 0},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        INT_EQ(sbx_frame_id(cases[i].frame, strlen(cases[i].frame)), cases[i].id);
}

int main(void)
{
    test_oversized_frame_keeps_the_stream();
    test_frame_id();
    return harness_exit();
}
