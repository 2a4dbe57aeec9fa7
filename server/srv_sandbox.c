/* srv_sandbox.c: the server's client of the sandbox supervisor (see srv_sandbox.h). Submits
 * write request frames under a mutex; one reader thread matches result frames to the
 * waiting requests by id; end of stream on the socket means the supervisor is gone. */
/* realpath() is an XSI function. */
#define _XOPEN_SOURCE 700
#include "server/srv_sandbox.h"

#include "common/fa_buf.h"
#include "common/fa_log.h"
#include "common/fa_mem.h"
#include "sandbox/sbx_frame.h"
#include "sandbox/sbx_supervisor.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>


/* A write to the supervisor that cannot finish in this time means it is stuck: the stream
 * is then out of step, and the sandbox is declared down. */
#define WRITE_TIMEOUT_S 5

struct pending {
    uint64_t id;
    srv_sandbox_done_fn *done;
    void *cls;
    struct pending *next;
};

struct srv_sandbox {
    struct sbx_supervisor_config config; /* the supervisor keeps a pointer to it */
    char scratch_base[PATH_MAX];
    struct sbx_supervisor *sup;
    int fd;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t lock; /* guards what follows, and orders the writes on fd */
    bool down;            /* the supervisor died or was stopped: submits fail */
    bool stopping;        /* srv_sandbox_stop was called (the end is not news) */
    pid_t pid;
    char exe[PATH_MAX];   /* this program, to start a replacement supervisor */
    uint64_t next_id;
    struct pending *pending; /* requests sent and not yet answered */
};

/* Marks the sandbox down and takes the waiting list; the caller answers it unlocked. */
static struct pending *take_all_locked(struct srv_sandbox *sb)
{
    struct pending *all = sb->pending;

    sb->pending = NULL;
    sb->down = true;
    sb->pid = 0;
    return all;
}

static void fail_all(struct pending *p)
{
    while (p) {
        struct pending *next = p->next;

        p->done(p->cls, FA_EIO, NULL, 0);
        fa_free(p);
        p = next;
    }
}

static struct pending *take_pending(struct srv_sandbox *sb, uint64_t id)
{
    struct pending *p = NULL;

    pthread_mutex_lock(&sb->lock);
    for (struct pending **link = &sb->pending; *link; link = &(*link)->next) {
        if ((*link)->id == id) {
            p = *link;
            *link = p->next;
            break;
        }
    }
    pthread_mutex_unlock(&sb->lock);
    return p;
}

/* Reads answers until the supervisor's socket ends. */
static int read_answers(struct srv_sandbox *sb, struct fa_buf *frame)
{
    for (;;) {
        json_t *result;
        json_int_t id;
        struct pending *p;
        int rc = sbx_frame_read(sb->fd, frame, SBX_MAX_RESULT);

        if (rc)
            return rc;
        result = json_loadb(frame->ptr, frame->len, 0, NULL);
        id = json_integer_value(json_object_get(result, "id"));
        json_decref(result);
        p = take_pending(sb, (uint64_t)id);
        if (!p) {
            fa_log_warn("event=sandbox_answer unknown_id=%lld", (long long)id);
            continue;
        }
        p->done(p->cls, FA_OK, frame->ptr, frame->len);
        fa_free(p);
    }
}

/* Starts a replacement supervisor, once a second until one starts or the server stops. */
static bool replace_supervisor(struct srv_sandbox *sb)
{
    for (;;) {
        struct sbx_supervisor *fresh = NULL, *old;
        struct fa_diag diag = {{0}};
        struct timeval timeout = {.tv_sec = WRITE_TIMEOUT_S};
        bool stopping;

        sleep(1);
        pthread_mutex_lock(&sb->lock);
        stopping = sb->stopping;
        pthread_mutex_unlock(&sb->lock);
        if (stopping)
            return false;
        if (sbx_supervisor_spawn(&sb->config, sb->exe, &fresh, &diag)) {
            fa_log_error("event=sandbox_restart ok=0 error=\"%s\"", diag.msg);
            continue;
        }
        setsockopt(sbx_supervisor_fd(fresh), SOL_SOCKET, SO_SNDTIMEO, &timeout,
                   sizeof timeout);
        pthread_mutex_lock(&sb->lock);
        old = sb->sup;
        sb->sup = fresh;
        sb->fd = sbx_supervisor_fd(fresh);
        sb->pid = sbx_supervisor_pid(fresh);
        sb->down = sb->stopping;
        if (sb->stopping) /* stop() came in meanwhile: wake the reader again */
            shutdown(sb->fd, SHUT_RDWR);
        pthread_mutex_unlock(&sb->lock);
        sbx_supervisor_stop(old); /* closes its socket and reaps it */
        fa_log_info("event=sandbox_restart ok=1 pid=%d", (int)sb->pid);
        return true;
    }
}

static void *on_thread(void *arg)
{
    struct srv_sandbox *sb = arg;
    struct fa_buf frame;
    struct pending *left;
    bool stopping;
    int rc;

    fa_buf_init(&frame, SBX_MAX_RESULT);
    do {
        rc = read_answers(sb, &frame);
        pthread_mutex_lock(&sb->lock);
        stopping = sb->stopping;
        left = take_all_locked(sb);
        pthread_mutex_unlock(&sb->lock);
        if (!stopping)
            fa_log_error("event=sandbox_down pid=%d reason=\"%s\" (runs answer 503 until a new "
                         "supervisor is up)",
                         (int)sbx_supervisor_pid(sb->sup),
                         rc == FA_ENOTFOUND ? "the supervisor closed its socket"
                                            : fa_strerror(rc));
        fail_all(left);
    } while (!stopping && replace_supervisor(sb));
    fa_buf_cleanup(&frame);
    return NULL;
}

/* Runs reach their scratch folder by absolute path as an unprivileged uid: each folder above
 * it must let others through (o+x), or absolute paths into the scratch folder fail. */
static void warn_untraversable(const char *base)
{
    char path[PATH_MAX];
    struct stat st;

    if (!realpath(base, path))
        return;
    for (char *slash = strrchr(path, '/'); slash && slash != path; slash = strrchr(path, '/')) {
        *slash = '\0';
        if (stat(path, &st) == 0 && !(st.st_mode & S_IXOTH))
            fa_log_warn("event=sandbox_start folder=\"%s\" warning=\"others cannot pass "
                        "through it, so runs cannot use absolute paths to their scratch "
                        "folder\"", path);
    }
}

int srv_sandbox_start(const struct srv_sandbox_config *config, struct srv_sandbox **out,
                      struct fa_diag *diag)
{
    struct srv_sandbox *sb = fa_xcalloc(1, sizeof *sb);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    struct timeval timeout = {.tv_sec = WRITE_TIMEOUT_S};
    sigset_t none, old;
    int rc;

    snprintf(sb->scratch_base, sizeof sb->scratch_base, "%s", config->scratch_base);
    sbx_supervisor_default_config(&sb->config, config->max_time_ms);
    sb->config.scratch_base = sb->scratch_base;
    sb->config.max_running = config->max_running ? config->max_running
                                                 : (cpus > 0 ? (unsigned)cpus : 1);
    sb->config.max_queued = config->max_queued;
    pthread_mutex_init(&sb->lock, NULL);
    {
        /* Read now: a replacement supervisor is this same program. */
        ssize_t n = readlink("/proc/self/exe", sb->exe, sizeof sb->exe - 1);
        sb->exe[n > 0 ? n : 0] = '\0';
    }
    /* The data folder may be 0700: the base only needs to be traversable by the runs' uid,
     * and each run folder belongs to that uid (the supervisor does that). */
    if (mkdir(sb->scratch_base, 0711) != 0 && errno != EEXIST) {
        rc = fa_diag_set(diag, FA_EIO, "cannot create %s: %s", sb->scratch_base,
                         strerror(errno));
        goto fail;
    }
    if (chmod(sb->scratch_base, 0711) != 0) {
        rc = fa_diag_set(diag, FA_EIO, "cannot chmod %s: %s", sb->scratch_base,
                         strerror(errno));
        goto fail;
    }
    {
        /* Runs get their folder by absolute path (the data folder may be given relative,
         * e.g. the default ./fa-learn-data). */
        char resolved[PATH_MAX];
        if (!realpath(sb->scratch_base, resolved)) {
            rc = fa_diag_set(diag, FA_EIO, "cannot resolve %s: %s", sb->scratch_base,
                             strerror(errno));
            goto fail;
        }
        snprintf(sb->scratch_base, sizeof sb->scratch_base, "%s", resolved);
    }
    if (sb->config.switch_ids)
        warn_untraversable(sb->scratch_base);
    /* The supervisor and its runs should not inherit the signals the serve loop blocks for
     * sigwait. No thread exists yet, so changing this thread's mask for the fork is safe. */
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, &old);
    rc = sbx_supervisor_start(&sb->config, &sb->sup, diag);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc)
        goto fail;
    sb->fd = sbx_supervisor_fd(sb->sup);
    sb->pid = sbx_supervisor_pid(sb->sup);
    if (setsockopt(sb->fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0)
        fa_log_errno("event=sandbox_start setsockopt=SO_SNDTIMEO");
    rc = pthread_create(&sb->thread, NULL, on_thread, sb);
    if (rc) {
        rc = fa_diag_set(diag, FA_EIO, "cannot start the sandbox thread: %s", strerror(rc));
        goto fail;
    }
    sb->thread_started = true;
    fa_log_info("event=sandbox_start pid=%d max_running=%u max_queued=%u scratch=\"%s\"",
                (int)sb->pid, sb->config.max_running, sb->config.max_queued, sb->scratch_base);
    *out = sb;
    return FA_OK;
fail:
    sbx_supervisor_stop(sb->sup);
    pthread_mutex_destroy(&sb->lock);
    fa_free(sb);
    return rc;
}

static int on_json_chunk(const char *chunk, size_t len, void *data)
{
    return fa_buf_append(data, chunk, len) ? -1 : 0;
}

int srv_sandbox_submit(struct srv_sandbox *sb, const char *request_json, size_t len,
                       srv_sandbox_done_fn *done, void *cls)
{
    json_t *request = json_loadb(request_json, len, 0, NULL);
    struct pending *p = NULL, *left = NULL;
    struct fa_buf text;
    int rc = FA_OK;

    fa_buf_init(&text, SBX_MAX_REQUEST);

    if (!json_is_object(request)) {
        rc = FA_EINVAL;
        goto out;
    }
    p = fa_xcalloc(1, sizeof *p);
    p->done = done;
    p->cls = cls;
    pthread_mutex_lock(&sb->lock);
    if (sb->down) {
        pthread_mutex_unlock(&sb->lock);
        rc = FA_EIO;
        goto out;
    }
    p->id = ++sb->next_id;
    json_object_set_new(request, "id", json_integer((json_int_t)p->id));
    /* The buffer's cap is the supervisor's: it would take a longer frame as a broken
     * stream. */
    if (json_dump_callback(request, on_json_chunk, &text, JSON_COMPACT) != 0) {
        pthread_mutex_unlock(&sb->lock);
        rc = FA_ELIMIT;
        goto out;
    }
    rc = sbx_frame_write(sb->fd, text.ptr, text.len);
    if (rc) {
        /* A partial frame leaves the stream out of step: the sandbox is down from here. The
         * shutdown wakes the reader, which finds the list already empty. */
        fa_log_error("event=sandbox_write error=\"%s\"", fa_strerror(rc));
        left = take_all_locked(sb);
        shutdown(sb->fd, SHUT_RDWR);
        pthread_mutex_unlock(&sb->lock);
        rc = FA_EIO;
        goto out;
    }
    p->next = sb->pending;
    sb->pending = p;
    p = NULL;
    pthread_mutex_unlock(&sb->lock);
out:
    fail_all(left);
    fa_buf_cleanup(&text);
    fa_free(p);
    json_decref(request);
    return rc;
}

pid_t srv_sandbox_pid(struct srv_sandbox *sb)
{
    pid_t pid;

    pthread_mutex_lock(&sb->lock);
    pid = sb->pid;
    pthread_mutex_unlock(&sb->lock);
    return pid;
}

void srv_sandbox_stop(struct srv_sandbox *sb)
{
    bool first;

    if (!sb)
        return;
    pthread_mutex_lock(&sb->lock);
    first = !sb->stopping;
    sb->stopping = true;
    sb->down = true;
    /* Wakes the reader with an end of stream and tells the supervisor to end its runs; the
     * reader then answers whatever still waits. (Under the lock: a restart swaps fd.) */
    if (first)
        shutdown(sb->fd, SHUT_RDWR);
    pthread_mutex_unlock(&sb->lock);
    if (!first)
        return;
    if (sb->thread_started)
        pthread_join(sb->thread, NULL);
    sbx_supervisor_stop(sb->sup);
    sb->sup = NULL;
    fa_log_info("event=sandbox_stop");
}

void srv_sandbox_free(struct srv_sandbox *sb)
{
    if (!sb)
        return;
    srv_sandbox_stop(sb);
    pthread_mutex_destroy(&sb->lock);
    fa_free(sb);
}
