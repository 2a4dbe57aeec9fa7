/* srv_run_api.h: POST /api/run: a snippet and its options as JSON in, checked (one
 * validator with the command line and the supervisor, sbx_options.h), sent to the sandbox
 * client in srv_req (srv_req.submit_run, or srv_sandbox_submit), and answered later through
 * the request's deferral: no HTTP thread waits for a run. The outcome is counted
 * (srv_metrics.h) and recorded for the class (srv_run_record.h). */
#ifndef FA_SERVER_APP_SRV_RUN_API_H
#define FA_SERVER_APP_SRV_RUN_API_H

#include "server/http/srv_http.h"

int srv_run_api_handle(struct srv_req *req, struct srv_resp *resp);

#endif
