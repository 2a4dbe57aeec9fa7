/* srv_ratelimit.h: how often one client may do something (a quiz submission), per minute, so
 * that one client cannot fill the disk. Clients are told apart by their address as text (the
 * peer, or whom a trusted proxy forwarded for). Fixed one-minute windows in a table of hashed
 * slots: two clients that share a slot share a budget, which errs on the strict side. Every
 * function is thread-safe. */
#ifndef FA_SERVER_HTTP_SRV_RATELIMIT_H
#define FA_SERVER_HTTP_SRV_RATELIMIT_H

#include <stdbool.h>

struct srv_ratelimit;

/* A limiter allowing per_minute actions per client (0: no limit). */
struct srv_ratelimit *srv_ratelimit_new(unsigned per_minute);
void srv_ratelimit_free(struct srv_ratelimit *rl);

/* Takes one action from client's budget: true when allowed; false when the budget of this
 * minute is spent, with *retry_after_s set to the seconds until the next window. */
bool srv_ratelimit_take(struct srv_ratelimit *rl, const char *client, int *retry_after_s);

#endif
