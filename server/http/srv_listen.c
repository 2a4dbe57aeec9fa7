/* srv_listen.c: opening the listening socket (see srv_listen.h). */
#include "server/http/srv_listen.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int srv_listen_open(const char *host, int port, int *fd_out, int *port_out,
                    struct fa_diag *diag)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof bound;
    char service[8];
    int fd = -1, one = 1, rc = FA_OK, gai;

    snprintf(service, sizeof service, "%d", port);
    gai = getaddrinfo(host, service, &hints, &ai);
    if (gai != 0)
        return fa_diag_set(diag, FA_EINVAL, "cannot use host '%s': %s", host, gai_strerror(gai));
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        rc = fa_diag_set(diag, FA_EIO, "cannot open a socket: %s", strerror(errno));
        goto out;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        rc = fa_diag_set(diag, FA_EIO, "cannot listen on %s port %d: %s", host, port,
                         errno == EADDRINUSE ? "the port is already in use" : strerror(errno));
        goto out;
    }
    if (listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&bound, &bound_len) != 0) {
        rc = fa_diag_set(diag, FA_EIO, "cannot listen on %s port %d: %s", host, port,
                         strerror(errno));
        goto out;
    }
    *port_out = ntohs(bound.ss_family == AF_INET6
                          ? ((struct sockaddr_in6 *)(void *)&bound)->sin6_port
                          : ((struct sockaddr_in *)(void *)&bound)->sin_port);
    *fd_out = fd;
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return rc;
}
