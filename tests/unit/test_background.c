/* test_background.c: srv_background (server/http/srv_background.h), in memory: the work runs
 * on a thread other than the handler's and answers through the request's deferral; without a
 * thread or a deferral it runs in place; a full queue is answered 503 with Retry-After at
 * once; stopping answers every job still queued and refuses later ones. Jobs are held and
 * released through a condition variable, and every wait is for an event, with a deadline. */
#include "harness.h"

#include "server/http/srv_background.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#define DEADLINE_S 30

/* A request and its deferral, which counts its answers (from any thread). The request
 * stays alive until answered, as the adapter keeps a parked connection's. */
struct answers {
    struct srv_deferred base; /* first */
    int n, last_status;
    struct srv_req req;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static bool held = false;            /* jobs wait while true */
static int started = 0, freed = 0;   /* jobs begun, arguments freed */
static pthread_t worker_seen;

static void on_answer(struct srv_deferred *d, struct srv_resp *resp)
{
    struct answers *a = (struct answers *)(void *)d;

    pthread_mutex_lock(&lock);
    a->n++;
    a->last_status = resp->status;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    fa_buf_reset(&resp->body);
}

/* The work: says it began, waits while held, answers 200 "done". */
static int work(struct srv_req *req, struct srv_resp *resp, void *arg)
{
    (void)req;
    (void)arg;
    pthread_mutex_lock(&lock);
    worker_seen = pthread_self();
    started++;
    pthread_cond_broadcast(&changed);
    while (held)
        pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    fa_buf_puts(&resp->body, "done");
    return 200;
}

static void free_arg(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    freed++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

/* Waits until *counter reaches want (under lock); false at the deadline. */
static bool wait_for(const int *counter, int want)
{
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += DEADLINE_S;
    pthread_mutex_lock(&lock);
    while (*counter < want && rc == 0)
        rc = pthread_cond_timedwait(&changed, &lock, &until);
    bool reached = *counter >= want;
    pthread_mutex_unlock(&lock);
    return reached;
}

static void set_held(bool value)
{
    pthread_mutex_lock(&lock);
    held = value;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static int submit(struct srv_background *bg, struct answers *a, struct srv_resp *resp)
{
    a->req = (struct srv_req){.id = 1, .method = "GET", .path = "/x", .client = "127.0.0.1",
                              .deferred = &a->base, .background = bg};
    *resp = (struct srv_resp){0};
    fa_buf_init(&resp->body, 1 << 16);
    return srv_background_run(&a->req, resp, work, NULL, free_arg);
}

int main(void)
{
    struct srv_background *bg = NULL;
    struct fa_diag diag = {{0}};
    struct answers a1 = {.base = {on_answer}}, a2 = {.base = {on_answer}},
                   a3 = {.base = {on_answer}};
    struct srv_resp resp;
    int status;

    /* No thread: the work runs here, and its answer is the handler's. */
    status = submit(NULL, &a1, &resp);
    INT_EQ(status, 200);
    OK(!resp.deferred);
    STR_EQ(resp.body.ptr, "done");
    OK(pthread_equal(worker_seen, pthread_self()));
    INT_EQ(freed, 1);
    fa_buf_cleanup(&resp.body);

    /* A thread with room for one waiting job. */
    OK(srv_background_start(1, &bg, &diag) == FA_OK);
    set_held(true);
    submit(bg, &a1, &resp); /* runs, and is held */
    OK(resp.deferred);
    fa_buf_cleanup(&resp.body);
    OK(wait_for(&started, 2));
    OK(!pthread_equal(worker_seen, pthread_self()));
    submit(bg, &a2, &resp); /* waits in the queue */
    OK(resp.deferred);
    fa_buf_cleanup(&resp.body);
    status = submit(bg, &a3, &resp); /* no room: refused at once */
    INT_EQ(status, 503);
    OK(!resp.deferred);
    INT_EQ(resp.retry_after, 2);
    INT_EQ(freed, 2); /* the refused job's argument */
    INT_EQ(a3.n, 0);
    fa_buf_cleanup(&resp.body);

    /* Released: both answers come, 200 each, once each. */
    set_held(false);
    OK(wait_for(&a1.n, 1));
    OK(wait_for(&a2.n, 1));
    INT_EQ(a1.last_status, 200);
    INT_EQ(a2.last_status, 200);
    OK(wait_for(&freed, 4));

    /* Stopping answers what is queued, then refuses. */
    set_held(true);
    a1.n = a2.n = 0;
    submit(bg, &a1, &resp);
    fa_buf_cleanup(&resp.body);
    OK(wait_for(&started, 4));
    submit(bg, &a2, &resp);
    fa_buf_cleanup(&resp.body);
    set_held(false);
    srv_background_stop(bg);
    INT_EQ(a1.n, 1);
    INT_EQ(a2.n, 1);
    status = submit(bg, &a3, &resp);
    INT_EQ(status, 503);
    fa_buf_cleanup(&resp.body);
    srv_background_free(bg);
    return harness_exit();
}
