/* srv_pages.h: the handlers of what the site model holds ready (pages, static and vendor
 * files: GET /, /wiki..., /quiz, /sandbox, /static/..., /vendor/...), of GET /healthz and of
 * GET /metrics (loopback and allowed clients only; others get the not-found page). */
#ifndef FA_SERVER_APP_SRV_PAGES_H
#define FA_SERVER_APP_SRV_PAGES_H

#include "server/http/srv_http.h"

int srv_pages_handle_asset(struct srv_req *req, struct srv_resp *resp);
int srv_pages_handle_healthz(struct srv_req *req, struct srv_resp *resp);
int srv_pages_handle_metrics(struct srv_req *req, struct srv_resp *resp);

#endif
