/* srv_public.h: the site's public address (DESIGN.md "Deployment"): the Host names it answers
 * to, the origin browsers use (for the links people copy and for cross-origin checks), the
 * path prefix it is served under, and the peers whose forwarded headers are believed.
 *
 * Without a public URL the site answers to the loopback names with its port, and, when it
 * listens on every address (a classroom LAN), to the addresses of the machine's interfaces and
 * its host name too; any other Host (a DNS-rebinding name) is refused. With a public URL
 * (behind a reverse proxy) it answers to that URL's host and to the loopback names (local
 * health checks and metrics scrapes; a rebinding page cannot send those).
 *
 * Built once at start; read-only afterwards, so every function is thread-safe. */
#ifndef FA_SERVER_HTTP_SRV_PUBLIC_H
#define FA_SERVER_HTTP_SRV_PUBLIC_H

#include "common/fa_buf.h"
#include "common/fa_err.h"

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

struct srv_public_config {
    const char *public_url;      /* "https://example.edu/fa", or NULL */
    const char *listen_host;     /* the --host address */
    int port;                    /* the port actually bound */
    const char *trusted_proxies; /* "ADDR[/BITS][,...]" (IPv4 or IPv6), or NULL */
    const char *metrics_allow;   /* clients besides loopback that may read /metrics, or NULL */
};

struct srv_public;

/* Builds the policy. Returns 0, or FA_EINVAL with the reason in diag (a URL that is not
 * http(s)://host[:port][/prefix], an address that does not parse). */
int srv_public_new(const struct srv_public_config *config, struct srv_public **out,
                   struct fa_diag *diag);
void srv_public_free(struct srv_public *pub);

/* Whether a Host header value names this site (case-insensitive; a missing port means the
 * scheme's default). NULL is refused. */
bool srv_public_host_ok(const struct srv_public *pub, const char *host);

/* Whether a state-changing request comes from this site's own pages: its Origin (or, without
 * one, its Referer) must be the public origin, or without a public URL the origin of the Host
 * it reached (already checked by srv_public_host_ok). "null" and foreign origins are refused;
 * a request with neither header (not a browser's cross-site request: curl, scripts) passes. */
bool srv_public_origin_ok(const struct srv_public *pub, const char *host, const char *origin,
                          const char *referer);

/* The base of the URLs shown to people ("https://example.edu/fa", no trailing slash): the
 * public URL, else http(s)://HOST of the request (https when a trusted proxy said so). */
void srv_public_base(const struct srv_public *pub, const char *host, bool https, char *out,
                     size_t cap);

/* The path prefix the site is served under ("" or "/fa"). */
const char *srv_public_prefix(const struct srv_public *pub);

/* Appends html to out with prefix put before every site-absolute link of the site's own
 * markup: href="/...", src="/..." and action="/..." (not "//host" ones). How a site served
 * under a path prefix (behind a proxy) keeps every link, asset and form inside it. Returns 0,
 * or FA_ELIMIT when out is full. */
int srv_public_prefix_links(const char *prefix, const char *html, size_t len,
                            struct fa_buf *out);

/* Whether peer is one of the trusted proxies. */
bool srv_public_trusted_peer(const struct srv_public *pub, const struct sockaddr *peer);

/* The client a trusted proxy forwarded for: from X-Forwarded-For (the rightmost address that
 * is not itself a trusted proxy) or Forwarded (for=); out is left unchanged when neither gives
 * a valid address. */
void srv_public_forwarded_client(const struct srv_public *pub, const char *x_forwarded_for,
                                 const char *forwarded, char *out, size_t cap);

/* Whether client (an address as text: the peer, or whom a trusted proxy forwarded for) may
 * read /metrics: loopback, or one of config->metrics_allow. */
bool srv_public_metrics_ok(const struct srv_public *pub, const char *client);

/* The i-th URL people can open (for the start-up lines), or NULL past the last. */
const char *srv_public_url(const struct srv_public *pub, size_t i);

#endif
