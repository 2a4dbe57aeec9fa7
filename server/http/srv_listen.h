/* srv_listen.h: the listening socket, opened by fa-learn itself so that a port in use or a
 * bad address gets a precise message, and --port 0 can report the port the kernel chose. */
#ifndef FA_SERVER_HTTP_SRV_LISTEN_H
#define FA_SERVER_HTTP_SRV_LISTEN_H

#include "common/fa_err.h"

/* Binds host (an IPv4/IPv6 literal or a name such as "localhost") and port (0 = any free
 * port) and listens. On success *fd_out is the socket and *port_out the bound port; on failure
 * diag says why in one line ("127.0.0.1:8080 is already in use"). */
int srv_listen_open(const char *host, int port, int *fd_out, int *port_out,
                    struct fa_diag *diag);

#endif
