/* srv_background.c: one thread doing the handlers' slow work (see srv_background.h). */
#include "server/http/srv_background.h"

#include "common/fa_buf.h"
#include "common/fa_mem.h"
#include "server/http/srv_limits.h"

#include <pthread.h>
#include <stdbool.h>

struct job {
    struct srv_req *req;
    srv_background_fn *fn;
    void *arg;
    void (*free_arg)(void *arg);
};

struct srv_background {
    pthread_mutex_t lock;
    pthread_cond_t more; /* a job was queued, or stop was asked */
    pthread_t thread;
    bool stopping, joined; /* stopping: under lock */
    size_t head, n, cap; /* the ring of waiting jobs, under lock */
    struct job *jobs;
};

static void finish(const struct job *job, struct srv_resp *resp)
{
    resp->status = job->fn(job->req, resp, job->arg);
    if (job->free_arg)
        job->free_arg(job->arg);
}

static void *worker(void *arg)
{
    struct srv_background *bg = arg;

    for (;;) {
        struct job job;
        struct srv_resp resp = {0};

        pthread_mutex_lock(&bg->lock);
        while (!bg->n && !bg->stopping)
            pthread_cond_wait(&bg->more, &bg->lock);
        if (!bg->n) { /* stopping, and nothing left to answer */
            pthread_mutex_unlock(&bg->lock);
            return NULL;
        }
        job = bg->jobs[bg->head];
        bg->head = (bg->head + 1) % bg->cap;
        bg->n--;
        pthread_mutex_unlock(&bg->lock);
        fa_buf_init(&resp.body, SRV_MAX_PAGE_BYTES);
        finish(&job, &resp);
        srv_deferred_complete(job.req->deferred, &resp);
        fa_buf_cleanup(&resp.body);
    }
}

int srv_background_start(size_t max_queued, struct srv_background **out, struct fa_diag *diag)
{
    struct srv_background *bg = fa_xcalloc(1, sizeof *bg);
    int err;

    bg->cap = max_queued ? max_queued : 1;
    bg->jobs = fa_xcalloc(bg->cap, sizeof *bg->jobs);
    pthread_mutex_init(&bg->lock, NULL);
    pthread_cond_init(&bg->more, NULL);
    err = pthread_create(&bg->thread, NULL, worker, bg);
    if (err) {
        pthread_cond_destroy(&bg->more);
        pthread_mutex_destroy(&bg->lock);
        fa_free(bg->jobs);
        fa_free(bg);
        return fa_diag_set(diag, FA_EIO, "starting the background thread: %s",
                           fa_strerror(-err));
    }
    *out = bg;
    return FA_OK;
}

void srv_background_stop(struct srv_background *bg)
{
    if (!bg || bg->joined)
        return;
    pthread_mutex_lock(&bg->lock);
    bg->stopping = true;
    pthread_cond_signal(&bg->more);
    pthread_mutex_unlock(&bg->lock);
    pthread_join(bg->thread, NULL);
    bg->joined = true;
}

void srv_background_free(struct srv_background *bg)
{
    if (!bg)
        return;
    srv_background_stop(bg);
    pthread_cond_destroy(&bg->more);
    pthread_mutex_destroy(&bg->lock);
    fa_free(bg->jobs);
    fa_free(bg);
}

int srv_background_run(struct srv_req *req, struct srv_resp *resp, srv_background_fn *fn,
                       void *arg, void (*free_arg)(void *arg))
{
    struct srv_background *bg = req->background;
    struct job job = {req, fn, arg, free_arg};
    bool queued = false;

    if (!bg || !req->deferred) {
        finish(&job, resp);
        return resp->status;
    }
    pthread_mutex_lock(&bg->lock);
    if (!bg->stopping && bg->n < bg->cap) {
        bg->jobs[(bg->head + bg->n) % bg->cap] = job;
        bg->n++;
        queued = true;
        pthread_cond_signal(&bg->more);
    }
    pthread_mutex_unlock(&bg->lock);
    if (!queued) {
        if (free_arg)
            free_arg(arg);
        resp->retry_after = 2;
        return srv_resp_error(req, resp, 503, "The server is busy; try again in a moment.");
    }
    resp->deferred = true;
    return 0;
}
