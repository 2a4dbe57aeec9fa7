/* srv_ratelimit.c: per-client budgets in fixed one-minute windows (see srv_ratelimit.h). */
#include "server/http/srv_ratelimit.h"

#include "common/fa_hash.h"
#include "common/fa_mem.h"
#include "common/fa_time.h"

#include <pthread.h>
#include <stdint.h>

#define SLOTS 4096

struct slot {
    uint64_t window; /* the minute (monotonic) this count belongs to */
    unsigned count;
};

struct srv_ratelimit {
    unsigned per_minute;
    pthread_mutex_t lock;
    struct slot slots[SLOTS];
};

struct srv_ratelimit *srv_ratelimit_new(unsigned per_minute)
{
    struct srv_ratelimit *rl = fa_xcalloc(1, sizeof *rl);

    rl->per_minute = per_minute;
    pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

void srv_ratelimit_free(struct srv_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    fa_free(rl);
}

bool srv_ratelimit_take(struct srv_ratelimit *rl, const char *client, int *retry_after_s)
{
    uint64_t now_s = fa_time_mono_us() / 1000000u, window = now_s / 60;
    struct slot *slot;
    bool allowed;

    if (!rl || rl->per_minute == 0)
        return true;
    slot = &rl->slots[fa_fnv1a64_str(client ? client : "") % SLOTS];
    pthread_mutex_lock(&rl->lock);
    if (slot->window != window) {
        slot->window = window;
        slot->count = 0;
    }
    allowed = slot->count < rl->per_minute;
    if (allowed)
        slot->count++;
    pthread_mutex_unlock(&rl->lock);
    if (!allowed)
        *retry_after_s = (int)(60 - now_s % 60);
    return allowed;
}
