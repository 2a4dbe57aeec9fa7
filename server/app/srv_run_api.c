/* srv_run_api.c: POST /api/run (see srv_run_api.h). */
#include "server/app/srv_run_api.h"

#include "common/fa_err.h"
#include "common/fa_log.h"
#include "common/fa_macro.h"
#include "common/fa_mem.h"
#include "common/fa_preset.h"
#include "quiz/quiz_classes.h"
#include "sandbox/sbx_options.h"
#include "server/http/srv_json.h"
#include "server/http/srv_limits.h"
#include "server/http/srv_metrics.h"
#include "server/app/srv_run_record.h"
#include "server/app/srv_sandbox.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int on_json_chunk(const char *chunk, size_t len, void *data)
{
    return fa_buf_append(data, chunk, len) ? -1 : 0;
}


/* A module prefix: [A-Za-z_][A-Za-z0-9_.]{0,99}. */
/* Checks the learner's options in root and builds the supervisor request (without "id")
 * with every option filled in. Returns NULL with a sentence for the learner in why. */
static json_t *run_request(json_t *root, char *why, size_t cap)
{
    static const char *const known[] = {"code",   "monitoring", "time_limit_ms", "disable",
                                        "safe_native", "preset", "stdin", "class"};
    json_t *code = json_object_get(root, "code"), *value, *item;
    json_t *monitoring = json_object_get(root, "monitoring");
    json_t *time_limit = json_object_get(root, "time_limit_ms");
    json_t *disable = json_object_get(root, "disable");
    json_t *safe_native = json_object_get(root, "safe_native");
    json_t *preset = json_object_get(root, "preset");
    json_t *input = json_object_get(root, "stdin");
    const char *key, *preset_name = "fastaudit";
    json_int_t limit_ms = SBX_RUN_DEFAULT_TIME_MS;
    size_t i;

    if (!json_is_object(root)) {
        snprintf(why, cap, "the body must be a JSON object");
        return NULL;
    }
    json_object_foreach(root, key, value) {
        bool found = false;

        for (i = 0; i < sizeof known / sizeof known[0]; i++)
            found = found || strcmp(key, known[i]) == 0;
        if (!found) {
            snprintf(why, cap, "unknown option: %.100s", key);
            return NULL;
        }
    }
    if (!code) {
        snprintf(why, cap, "code is required");
        return NULL;
    }
    if (!json_is_string(code)) {
        snprintf(why, cap, "code must be a string");
        return NULL;
    }
    /* jansson has checked the UTF-8 of every string, and refuses \u0000 without
     * JSON_ALLOW_NUL, so code is valid UTF-8 without NUL here. */
    if (json_string_length(code) > SRV_MAX_RUN_CODE) {
        snprintf(why, cap, "code is longer than %d bytes", SRV_MAX_RUN_CODE);
        return NULL;
    }
    /* What input() reads: text, size-capped (issue 14). */
    if (input && (!json_is_string(input) || json_string_length(input) > SRV_MAX_RUN_STDIN)) {
        snprintf(why, cap, "stdin must be a string of at most %d bytes", SRV_MAX_RUN_STDIN);
        return NULL;
    }
    if (monitoring && !json_is_boolean(monitoring)) {
        snprintf(why, cap, "monitoring must be true or false");
        return NULL;
    }
    if (disable && !json_is_boolean(disable)) {
        snprintf(why, cap, "disable must be true or false");
        return NULL;
    }
    if (time_limit) {
        limit_ms = json_integer_value(time_limit);
        if (!json_is_integer(time_limit) || !sbx_options_time_ok(limit_ms)) {
            snprintf(why, cap, "time_limit_ms must be a whole number from %d to %d",
                     SBX_RUN_MIN_TIME_MS, SBX_RUN_MAX_TIME_MS);
            return NULL;
        }
    }
    if (safe_native) {
        if (!json_is_array(safe_native) || json_array_size(safe_native) > SBX_RUN_MAX_SAFE_NATIVE) {
            snprintf(why, cap, "safe_native must be an array of at most %d module names",
                     SBX_RUN_MAX_SAFE_NATIVE);
            return NULL;
        }
        json_array_foreach(safe_native, i, item) {
            if (!json_is_string(item) ||
                !sbx_options_prefix_ok(json_string_value(item), json_string_length(item))) {
                snprintf(why, cap,
                         "safe_native[%zu] must be a module name like "
                         "\"labnative.checksum\" (letters, digits, _ and ., at most "
                         "%d characters)",
                         i, SBX_RUN_SAFE_NATIVE_MAX_LEN);
                return NULL;
            }
        }
    }
    /* The class the learner joined: the run's summary is kept for its instructor
     * (srv_run_record.h); the supervisor never sees it. */
    json_t *klass = json_object_get(root, "class");
    if (klass && (!json_is_string(klass) ||
                  (json_string_length(klass) &&
                   !quiz_class_code_ok(json_string_value(klass), json_string_length(klass))))) {
        snprintf(why, cap, "class must be a class code (1-" FA_STRINGIFY(
                               QUIZ_MAX_CLASS) " of A-Z a-z 0-9 - _ .)");
        return NULL;
    }
    if (preset) {
        preset_name = fa_preset_find(json_string_value(preset), json_string_length(preset));
        if (!preset_name) {
            snprintf(why, cap, "preset must be one of " FA_PRESET_NAMES_TEXT);
            return NULL;
        }
    }
    return json_pack("{s:O, s:b, s:I, s:b, s:o, s:s, s:s%}", "code", code, "monitoring",
                     !json_is_false(monitoring), "time_limit_ms", limit_ms, "disable",
                     !json_is_false(disable), "safe_native",
                     safe_native ? json_deep_copy(safe_native) : json_array(), "preset",
                     preset_name, "stdin", input ? json_string_value(input) : "",
                     input ? json_string_length(input) : (size_t)0);
}

/* A run on its way: the request it answers, and its summary for the instructor. */
struct run_ctx {
    struct srv_req *req;
    struct srv_run_record *record;
};

/* The supervisor's answer, on the sandbox thread: the request is parked until this
 * completes it. The run's summary is stored after the learner is answered, so the answer
 * never waits for the store. */
static void on_run_done(void *cls, int rc, const char *result, size_t len)
{
    struct run_ctx *ctx = cls;
    struct srv_req *req = ctx->req;
    struct quiz_store *store = req->store; /* req is not ours once it is completed */
    uint64_t req_id = req->id;
    struct srv_resp resp = {0};
    json_t *root = NULL;
    const char *refusal;
    bool ran = false;

    fa_buf_init(&resp.body, SRV_MAX_RUN_RESULT);
    if (rc == FA_ETIMEDOUT) {
        resp.status = srv_resp_json_error(req, &resp, 504,
                                          "the sandbox gave no result in time; the run "
                                          "was given up (try again)");
        goto out;
    }
    if (rc == FA_ELIMIT) {
        resp.status =
            srv_resp_json_error(req, &resp, 502, "the run's result was too large to send");
        goto out;
    }
    if (rc) {
        resp.status =
            srv_resp_json_error(req, &resp, 503, "the sandbox is down; try again in a moment");
        resp.retry_after = 2;
        goto out;
    }
    /* Output may hold NUL characters, which JSON carries as \u0000. */
    root = json_loadb(result, len, JSON_ALLOW_NUL, NULL);
    refusal = json_string_value(json_object_get(root, "error"));
    if (!json_is_object(root)) {
        fa_log_error("req=%llu event=run error=\"the supervisor's answer is not JSON\"",
                     (unsigned long long)req->id);
        resp.status =
            srv_resp_json_error(req, &resp, 500, "the sandbox answered something unreadable");
    } else if (refusal && strcmp(refusal, "busy") == 0) {
        resp.status = srv_resp_json_error(req, &resp, 429,
                                          "the sandbox is busy (every run slot and "
                                          "queue place is taken); try again in a second");
        resp.retry_after = 1;
    } else if (refusal && strcmp(refusal, "waited too long") == 0) {
        resp.status = srv_resp_json_error(req, &resp, 429,
                                          "the sandbox is busy: the run waited too long "
                                          "for a free slot; try again in a moment");
        resp.retry_after = 5;
    } else if (refusal) {
        fa_log_error("req=%llu event=run refusal=\"%.200s\"", (unsigned long long)req->id,
                     refusal);
        resp.status = srv_resp_json_error(req, &resp, 500, "the sandbox refused the run");
    } else {
        json_object_del(root, "id");
        ran = true;
        if (req->metrics)
            srv_metrics_run(req->metrics, json_string_value(json_object_get(root, "status")),
                            json_real_value(json_object_get(root, "duration_ms")));
        resp.status = srv_resp_json(req, &resp, json_incref(root), 200);
    }
out:
    if (resp.status == 429 && req->metrics)
        srv_metrics_run_refused(req->metrics);
    srv_deferred_complete(req->deferred, &resp);
    fa_buf_cleanup(&resp.body);
    if (ran)
        srv_run_record_save(ctx->record, store, root, req_id);
    json_decref(root);
    srv_run_record_free(ctx->record);
    fa_free(ctx);
}

/* Runs a snippet: JSON in (code and options, see run_request), the supervisor's result out.
 * The answer comes later from the sandbox thread; no HTTP thread waits for it. */
int srv_run_api_handle(struct srv_req *req, struct srv_resp *resp)
{
    json_error_t error;
    json_t *root = NULL, *request = NULL;
    char why[300];
    struct fa_buf text;
    int rc, status;

    if (req->body.len > SRV_MAX_RUN_BODY)
        return srv_resp_json_error(req, resp, 413, "the body is larger than this server accepts");
    root = json_loadb(req->body.ptr, req->body.len, JSON_REJECT_DUPLICATES, &error);
    if (!root) {
        snprintf(why, sizeof why, "the body is not valid JSON: %s", error.text);
        return srv_resp_json_error(req, resp, 400, why);
    }
    request = run_request(root, why, sizeof why);
    if (!request) {
        json_decref(root);
        return srv_resp_json_error(req, resp, 400, why);
    }
    json_t *klass = json_object_get(root, "class"), *code = json_object_get(root, "code");
    struct run_ctx *ctx = fa_xcalloc(1, sizeof *ctx);
    ctx->req = req;
    ctx->record = srv_run_record_new(json_string_value(klass), json_string_value(code),
                                     json_string_length(code));
    json_decref(root);
    /* Checked after the body, so that the validation runs (and is fuzzed, fuzz/) without a
     * sandbox; a bad body is the client's error whether the sandbox is on or not. */
    /* A request that cannot be deferred (srv_req.deferred NULL) has no way to be answered
     * later: refused as if the sandbox were off, rather than answered on no connection. */
    if (!req->sandbox || !req->deferred) {
        json_decref(request);
        srv_run_record_free(ctx->record);
        fa_free(ctx);
        return srv_resp_json_error(req, resp, 503, "the sandbox is off");
    }
    fa_buf_init(&text, SRV_MAX_RUN_BODY + 4096);
    rc = json_dump_callback(request, on_json_chunk, &text, JSON_COMPACT) ? FA_ELIMIT : FA_OK;
    json_decref(request);
    if (!rc)
        rc = (req->submit_run ? req->submit_run : srv_sandbox_submit)(
            req->sandbox, req->client, text.ptr, text.len, on_run_done, ctx);
    fa_buf_cleanup(&text);
    if (rc == FA_OK) {
        resp->deferred = true;
        return 0;
    }
    srv_run_record_free(ctx->record);
    fa_free(ctx);
    if (rc == FA_EIO) {
        status = srv_resp_json_error(req, resp, 503, "the sandbox is down; try again in a moment");
        resp->retry_after = 2;
        return status;
    }
    if (rc == FA_EBUSY) {
        status = srv_resp_json_error(req, resp, 429,
                                     "you already have runs going or waiting; wait for "
                                     "them to finish");
        if (req->metrics)
            srv_metrics_run_refused(req->metrics);
        resp->retry_after = 1;
        return status;
    }
    if (rc == FA_ELIMIT)
        return srv_resp_json_error(req, resp, 400, "the request is too large for the sandbox");
    fa_log_error("req=%llu event=run error=\"%s\"", (unsigned long long)req->id,
                 fa_strerror(rc));
    return srv_resp_json_error(req, resp, 500, "the run could not be sent to the sandbox");
}
