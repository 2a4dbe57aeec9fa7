/* srv_mhd.h: the HTTP adapter, the only user of libmicrohttpd.
 *
 * It runs an internal epoll thread pool on a listening socket it is given, turns each request
 * into a struct srv_req, asks the router it is given (a dispatch function pointer: it knows
 * no route or handler) for a struct srv_resp, and sends it with the headers every response
 * carries (security headers, content type, caching). Assets go out as ready-made responses,
 * which it keeps in its own table per site generation (the site model knows no HTTP library).
 * It enforces the caps of srv_limits.h, and writes one access-log line per request on
 * stderr.
 *
 * Keep-alive: libmicrohttpd closes the connection when a response is queued in the first call
 * of the access handler for a request, so ordinary responses are queued in a later call; only
 * refusals (413, 503) are queued early, closing on purpose. */
#ifndef FA_SERVER_MHD_SRV_MHD_H
#define FA_SERVER_MHD_SRV_MHD_H

#include "common/fa_err.h"
#include "server/http/srv_http.h"

struct srv_site;
struct srv_asset;
struct srv_mhd;

/* Starts serving on listen_fd (already bound and listening; the adapter takes ownership) with
 * threads worker threads, from site (the adapter takes a reference). services go to every
 * request's srv_req; the adapter itself uses their pub (whose forwarded headers to believe)
 * and metrics (requests and connections are counted there, when set). dispatch is the
 * router every request goes to (srv_routes_dispatch); page (may be NULL) the layout error
 * pages are put in, the adapter's own refusals and handlers' (srv_req.page). Handlers may
 * defer their answer (srv_resp.deferred, srv_req.deferred): the connection is suspended
 * meanwhile, and every deferred request must be completed before srv_mhd_stop. Fails
 * (closing listen_fd) when the ready-made responses of site cannot be made. */
int srv_mhd_start(int listen_fd, unsigned threads, struct srv_site *site,
                  const struct srv_services *services, srv_dispatch_fn *dispatch,
                  srv_page_fn *page, struct srv_mhd **out, struct fa_diag *diag);
/* Replaces the site served to new requests; requests in flight finish with the old one.
 * Takes a reference to site. FA_ENOMEM (the old site stays) when its ready-made responses
 * cannot be made. Thread-safe. */
int srv_mhd_set_site(struct srv_mhd *mhd, struct srv_site *site);
/* Stops accepting, finishes or closes connections, joins the threads, frees everything. */
void srv_mhd_stop(struct srv_mhd *mhd);

#endif
