/* srv_json.h: the one way handlers answer JSON (issue 16: one JSON reply helper).
 *
 * A value built with json_pack is NULL when packing failed (bad UTF-8 in a string, no
 * memory); that used to vanish into a hit left out or an empty answer. Here it is logged
 * with the request id and answered 500, once, for every handler. */
#ifndef FA_SERVER_HTTP_SRV_JSON_H
#define FA_SERVER_HTTP_SRV_JSON_H

#include "server/http/srv_http.h"

#include <jansson.h>

/* Answers status with value as compact JSON (Content-Type application/json), appended to
 * resp->body. Takes ownership of value (NULL allowed: see above). Returns the status sent:
 * status, or 500 when value is NULL or does not fit the body's cap. */
int srv_resp_json(struct srv_req *req, struct srv_resp *resp, json_t *value, int status);

/* Like srv_resp_json, with reals written to 6 significant digits (scores: 0.333, not
 * 0.33300000000000002), as the quiz's answers have always been. */
int srv_resp_json_scores(struct srv_req *req, struct srv_resp *resp, json_t *value,
                         int status);

/* Answers status with {"error": message}, replacing whatever resp->body held. */
int srv_resp_json_error(struct srv_req *req, struct srv_resp *resp, int status,
                        const char *message);

/* Appends item to array, taking ownership of both outcomes: a NULL item (json_pack failed)
 * is logged for req and returns -1, so that a caller cannot drop a failure unseen. */
int srv_json_append(const struct srv_req *req, json_t *array, json_t *item);

#endif
