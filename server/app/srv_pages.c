/* srv_pages.c: the prebuilt pages and files, the health check and the counters (see
 * srv_pages.h). */
#include "server/app/srv_pages.h"

#include "common/fa_log.h"
#include "server/http/srv_json.h"
#include "server/http/srv_metrics.h"
#include "server/http/srv_public.h"
#include "server/app/srv_sandbox.h"
#include "server/site/srv_site.h"

#include <jansson.h>
#include <string.h>

/* Pages, static and vendor files: everything prebuilt in the site. */
int srv_pages_handle_asset(struct srv_req *req, struct srv_resp *resp)
{
    const struct srv_asset *a = srv_site_find(req->site, req->path, strlen(req->path));

    if (!a) {
        resp->asset = srv_site_get_not_found(req->site);
        return 404;
    }
    resp->asset = a;
    return a->status;
}

/* Public: status and version only. The details (the sandbox's state, the store's figures)
 * are for operators, on /metrics. */
int srv_pages_handle_healthz(struct srv_req *req, struct srv_resp *resp)
{
    return srv_resp_json(req, resp, json_pack("{s:s, s:s}", "status", "ok", "version", FA_VERSION),
                         200);
}

/* Prometheus' text format, for loopback and the --metrics-allow clients; everyone else gets
 * the same 404 as for any unknown page, so its existence is not advertised. */
int srv_pages_handle_metrics(struct srv_req *req, struct srv_resp *resp)
{
    struct srv_metrics_sandbox sandbox;

    if (!req->metrics || !srv_public_metrics_ok(req->pub, req->client)) {
        resp->asset = srv_site_get_not_found(req->site);
        return 404;
    }
    if (req->sandbox) {
        struct srv_sandbox_stats st;
        srv_sandbox_get_stats(req->sandbox, &st);
        sandbox = (struct srv_metrics_sandbox){st.waiting, st.restarts,
                                               (long)srv_sandbox_pid(req->sandbox)};
    }
    fa_buf_reset(&resp->body);
    if (srv_metrics_write(req->metrics, req->sandbox ? &sandbox : NULL, req->store, &resp->body) !=
        0) {
        fa_log_error("req=%llu event=metrics error=\"the exposition is larger than a page\"",
                     (unsigned long long)req->id);
        return srv_resp_error(req, resp, 500, "The metrics could not be written.");
    }
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return 200;
}
