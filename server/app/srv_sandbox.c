/* srv_sandbox.c: the server's client of the sandbox supervisor (see srv_sandbox.h). Submits
 * write request frames under a mutex; one reader thread matches result frames to the
 * waiting requests by id, answers those past their deadline, and replaces a supervisor
 * that died; end of stream on the socket means the supervisor is gone. */
/* realpath() is an XSI function. */
#define _XOPEN_SOURCE 700
#include "server/app/srv_sandbox.h"

#include "common/fa_buf.h"
#include "common/fa_log.h"
#include "common/fa_mem.h"
#include "common/fa_time.h"
#include "sandbox/sbx_frame.h"
#include "sandbox/sbx_supervisor.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
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


/* A write to the supervisor, or the rest of a frame from it, that cannot finish in this time
 * means it is stuck: the stream is then out of step, and the sandbox is declared down. */
#define IO_TIMEOUT_S 5
/* Past the longest wait for a slot plus the run's time limit, how long an answer may take
 * before the watchdog gives one itself: the child's teardown, reaping, the frame. */
#define ANSWER_MARGIN_MS 5000

struct pending {
    uint64_t id;
    uint64_t deadline_us; /* the watchdog answers FA_ETIMEDOUT at this time */
    char client[SRV_SANDBOX_CLIENT_MAX];
    srv_sandbox_done_fn *done;
    void *cls;
    struct pending *next;
};

struct srv_sandbox {
    struct sbx_supervisor_config config; /* the supervisor keeps a pointer to it */
    unsigned per_client;                 /* runs going or waiting per client; 0: no cap */
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
    unsigned long restarts;  /* replacements started */
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

/* Answers each request of a list taken from the waiting list with rc, and frees them. */
static void answer_all(struct pending *p, int rc)
{
    while (p) {
        struct pending *next = p->next;

        p->done(p->cls, rc, NULL, 0);
        fa_free(p);
        p = next;
    }
}

/* Takes the requests past their deadline off the waiting list (the caller answers them,
 * unlocked) and sets *wait_ms to the time until the next deadline (at most a second). */
static struct pending *take_overdue(struct srv_sandbox *sb, int *wait_ms)
{
    struct pending *overdue = NULL;
    uint64_t now = fa_time_mono_us(), next = now + 1000000u;

    pthread_mutex_lock(&sb->lock);
    for (struct pending **link = &sb->pending; *link;) {
        struct pending *p = *link;
        if (p->deadline_us <= now) {
            *link = p->next;
            p->next = overdue;
            overdue = p;
            continue;
        }
        if (p->deadline_us < next)
            next = p->deadline_us;
        link = &p->next;
    }
    pthread_mutex_unlock(&sb->lock);
    *wait_ms = (int)((next - now) / 1000u) + 1;
    return overdue;
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

/* Reads answers until the supervisor's socket ends, and answers requests past their
 * deadline meanwhile (the watchdog). */
static int read_answers(struct srv_sandbox *sb, struct fa_buf *frame)
{
    for (;;) {
        struct pollfd ready = {.fd = sb->fd, .events = POLLIN};
        struct pending *p, *overdue;
        unsigned long long id;
        int wait_ms, rc;

        overdue = take_overdue(sb, &wait_ms);
        for (p = overdue; p; p = p->next)
            fa_log_error("event=run_deadline id=%llu client=%s (answered 504: no result came "
                         "in time)", (unsigned long long)p->id, p->client);
        answer_all(overdue, FA_ETIMEDOUT);
        if (poll(&ready, 1, wait_ms) <= 0)
            continue; /* a deadline to check, or EINTR */
        rc = sbx_frame_read(sb->fd, frame, SBX_MAX_RESULT);
        if (rc && rc != FA_ELIMIT)
            return rc;
        /* The id leads every frame: even one too large or too broken to parse is answered. */
        id = sbx_frame_id(frame->ptr, frame->len);
        p = take_pending(sb, id);
        if (!p) {
            fa_log_warn("event=sandbox_answer late_or_unknown_id=%llu", id);
            continue;
        }
        if (rc)
            fa_log_error("event=sandbox_answer id=%llu error=\"the result is larger than %d "
                         "bytes\"", id, SBX_MAX_RESULT);
        p->done(p->cls, rc, rc ? NULL : frame->ptr, rc ? 0 : frame->len);
        fa_free(p);
    }
}

/* Starts a replacement supervisor, once a second until one starts or the server stops. */
/* Bounds both directions of the supervisor's socket in time (IO_TIMEOUT_S). */
static void set_io_timeouts(int fd)
{
    struct timeval timeout = {.tv_sec = IO_TIMEOUT_S};

    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0)
        fa_log_errno("event=sandbox_start setsockopt");
}

static bool replace_supervisor(struct srv_sandbox *sb)
{
    struct sbx_supervisor *old;

    /* The dead one first: once it is reaped (its runs die with it), what it left in the
     * scratch folder is nobody's and can go. */
    pthread_mutex_lock(&sb->lock);
    old = sb->sup;
    sb->sup = NULL;
    pthread_mutex_unlock(&sb->lock);
    sbx_supervisor_stop(old); /* closes its socket and reaps it */
    sbx_supervisor_clear_scratch(sb->scratch_base);
    for (;;) {
        struct sbx_supervisor *fresh = NULL;
        struct fa_diag diag = {{0}};
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
        set_io_timeouts(sbx_supervisor_fd(fresh));
        pthread_mutex_lock(&sb->lock);
        sb->sup = fresh;
        sb->fd = sbx_supervisor_fd(fresh);
        sb->pid = sbx_supervisor_pid(fresh);
        sb->down = sb->stopping;
        sb->restarts++;
        if (sb->stopping) /* stop() came in meanwhile: wake the reader again */
            shutdown(sb->fd, SHUT_RDWR);
        pthread_mutex_unlock(&sb->lock);
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
        answer_all(left, FA_EIO);
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
    struct srv_sandbox *sb;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    sigset_t none, old;
    int rc;

    if (strlen(config->scratch_base) > PATH_MAX - 64) /* room for "/run-XXXXXX" and files */
        return fa_diag_set(diag, FA_EINVAL, "the data folder's path is too long for the "
                           "sandbox's run folders (at most %d bytes)", PATH_MAX - 64 - 5);
    sb = fa_xcalloc(1, sizeof *sb);
    snprintf(sb->scratch_base, sizeof sb->scratch_base, "%s", config->scratch_base);
    sbx_supervisor_default_config(&sb->config, config->max_time_ms);
    sb->config.scratch_base = sb->scratch_base;
    sb->config.max_running = config->max_running ? config->max_running
                                                 : (cpus > 0 ? (unsigned)cpus : 1);
    sb->config.max_queued = config->max_queued;
    sb->config.disk_quota_mb = config->disk_quota_mb;
    if (config->max_wait_ms)
        sb->config.max_wait_ms = config->max_wait_ms;
    sb->per_client = config->per_client;
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
    sbx_supervisor_clear_scratch(sb->scratch_base); /* what a killed server left */
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
    set_io_timeouts(sb->fd);
    rc = pthread_create(&sb->thread, NULL, on_thread, sb);
    if (rc) {
        rc = fa_diag_set(diag, FA_EIO, "cannot start the sandbox thread: %s", strerror(rc));
        goto fail;
    }
    sb->thread_started = true;
    fa_log_info("event=sandbox_start pid=%d max_running=%u max_queued=%u per_client=%u "
                "disk_quota_mb=%u scratch=\"%s\"",
                (int)sb->pid, sb->config.max_running, sb->config.max_queued, sb->per_client,
                sb->config.disk_quota_mb, sb->scratch_base);
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

/* Requests of client going or waiting; under the lock. */
static unsigned count_of_client_locked(const struct srv_sandbox *sb, const char *client)
{
    unsigned n = 0;

    for (const struct pending *p = sb->pending; p; p = p->next)
        n += strcmp(p->client, client) == 0;
    return n;
}

int srv_sandbox_submit(struct srv_sandbox *sb, const char *client, const char *request_json,
                       size_t len, srv_sandbox_done_fn *done, void *cls)
{
    json_t *request = json_loadb(request_json, len, 0, NULL);
    json_t *limit = json_object_get(request, "time_limit_ms");
    struct pending *p = NULL, *left = NULL;
    uint64_t limit_ms = json_is_integer(limit) && json_integer_value(limit) > 0 &&
                                json_integer_value(limit) <= sb->config.max_time_ms
                            ? (uint64_t)json_integer_value(limit)
                            : sb->config.max_time_ms;
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
    snprintf(p->client, sizeof p->client, "%s", client ? client : "");
    /* The supervisor answers within its longest wait for a slot plus the time limit; the
     * margin covers the rest. Past it the watchdog answers instead. */
    p->deadline_us = fa_time_mono_us() +
                     ((uint64_t)sb->config.max_wait_ms + limit_ms + ANSWER_MARGIN_MS) * 1000u;
    pthread_mutex_lock(&sb->lock);
    if (sb->down) {
        pthread_mutex_unlock(&sb->lock);
        rc = FA_EIO;
        goto out;
    }
    if (sb->per_client && count_of_client_locked(sb, p->client) >= sb->per_client) {
        pthread_mutex_unlock(&sb->lock);
        rc = FA_EBUSY;
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
    answer_all(left, FA_EIO);
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

void srv_sandbox_get_stats(struct srv_sandbox *sb, struct srv_sandbox_stats *out)
{
    unsigned waiting = 0;

    pthread_mutex_lock(&sb->lock);
    for (const struct pending *p = sb->pending; p; p = p->next)
        waiting++;
    out->waiting = waiting;
    out->restarts = sb->restarts;
    pthread_mutex_unlock(&sb->lock);
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
    sbx_supervisor_stop(sb->sup); /* it kills its runs and removes their folders */
    sb->sup = NULL;
    sbx_supervisor_clear_scratch(sb->scratch_base);
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
