/* srv_json.c: JSON answers (srv_json.h). */
#include "server/http/srv_json.h"

#include "common/fa_log.h"
#include "common/fa_mem.h"

/* The first guess at an answer's size: most fit, and a larger one is dumped again once. */
#define FIRST_DUMP_BYTES (64 * 1024)

/* The digits of a score, for srv_resp_json_scores. */
#define SCORE_DIGITS 6

static int reply(struct srv_req *req, struct srv_resp *resp, json_t *value, int status,
                 size_t flags)
{
    /* Dumped into one buffer, appended once: jansson's callback form hands over every token
     * separately, which costs more than the dump itself for a report of a few KiB. */
    size_t cap = FIRST_DUMP_BYTES, len = 0;
    char *text = NULL;
    int rc = -1;

    if (!value) {
        fa_log_error("req=%llu event=json_reply error=\"the answer could not be packed\"",
                     req ? (unsigned long long)req->id : 0ULL);
        return srv_resp_error(req, resp, 500, "The answer could not be built.");
    }
    text = fa_xmalloc(cap);
    len = json_dumpb(value, text, cap, flags);
    if (len > cap) { /* too big for the first guess: once more, the right size */
        fa_free(text);
        text = fa_xmalloc(cap = len);
        len = json_dumpb(value, text, cap, flags);
    }
    rc = len > 0 && len <= cap ? fa_buf_append(&resp->body, text, len) : -1;
    fa_free(text);
    json_decref(value);
    if (rc) {
        fa_log_error("req=%llu event=json_reply error=\"the answer does not fit (%zu bytes)\"",
                     req ? (unsigned long long)req->id : 0ULL, len);
        return srv_resp_error(req, resp, 500, "The answer could not be built.");
    }
    resp->content_type = "application/json";
    return status;
}

int srv_resp_json(struct srv_req *req, struct srv_resp *resp, json_t *value, int status)
{
    return reply(req, resp, value, status, JSON_COMPACT);
}

int srv_resp_json_scores(struct srv_req *req, struct srv_resp *resp, json_t *value,
                         int status)
{
    return reply(req, resp, value, status, JSON_COMPACT | JSON_REAL_PRECISION(SCORE_DIGITS));
}

int srv_resp_json_error(struct srv_req *req, struct srv_resp *resp, int status, const char *message)
{
    fa_buf_reset(&resp->body);
    return srv_resp_json(req, resp, json_pack("{s:s}", "error", message), status);
}

int srv_json_append(const struct srv_req *req, json_t *array, json_t *item)
{
    if (!item || json_array_append_new(array, item) != 0) {
        fa_log_error("req=%llu event=json_reply error=\"an item could not be packed\"",
                     req ? (unsigned long long)req->id : 0ULL);
        return -1;
    }
    return 0;
}
