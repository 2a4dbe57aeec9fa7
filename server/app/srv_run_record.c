/* srv_run_record.c: the summary of a sandbox run, for the instructor (see srv_run_record.h). */
#include "server/app/srv_run_record.h"

#include "common/fa_log.h"
#include "common/fa_mem.h"
#include "quiz/quiz_classes.h"
#include "quiz/quiz_runs.h"

#include <string.h>
#include <time.h>

struct srv_run_record {
    char class_code[QUIZ_MAX_CLASS + 1];
    char *code;
};

struct srv_run_record *srv_run_record_new(const char *class_code, const char *code, size_t len)
{
    struct srv_run_record *rec = fa_xcalloc(1, sizeof *rec);
    snprintf(rec->class_code, sizeof rec->class_code, "%s", class_code ? class_code : "");
    if (len <= QUIZ_RUN_MAX_SNIPPET) {
        rec->code = fa_xmalloc(len + 1);
        memcpy(rec->code, code, len);
        rec->code[len] = '\0';
    }
    return rec;
}

void srv_run_record_free(struct srv_run_record *rec)
{
    if (!rec)
        return;
    fa_free(rec->code);
    fa_free(rec);
}

/* A string member of the result, cut to what the store keeps ("" when absent). */
static const char *field(json_t *obj, const char *name, char out[QUIZ_RUN_MAX_FIELD + 1])
{
    const char *v = json_string_value(json_object_get(obj, name));
    size_t len = v ? strlen(v) : 0;
    if (len > QUIZ_RUN_MAX_FIELD)
        len = 0; /* no name of ours is this long: not one to keep */
    memcpy(out, v ? v : "", len);
    out[len] = '\0';
    return out;
}

void srv_run_record_save(const struct srv_run_record *rec, struct quiz_store *store,
                         json_t *result, uint64_t req_id)
{
    char status[QUIZ_RUN_MAX_FIELD + 1], event[QUIZ_RUN_MAX_FIELD + 1] = "",
         cls[QUIZ_RUN_MAX_FIELD + 1] = "", limit[QUIZ_RUN_MAX_FIELD + 1];
    struct fa_diag diag = {{0}};
    struct quiz_class c;
    json_t *entry;
    size_t i;

    if (!rec || !store)
        return;
    json_array_foreach(json_object_get(result, "trace"), i, entry) {
        const char *decision = json_string_value(json_object_get(entry, "decision"));
        if (decision && strcmp(decision, "deny") == 0) {
            field(entry, "event", event);
            field(entry, "class", cls);
            break;
        }
    }
    int64_t now = (int64_t)time(NULL) * 1000;
    bool keep = rec->code && rec->class_code[0] &&
                quiz_store_class_get(store, rec->class_code, &c, &diag) == FA_OK &&
                c.keep_snippets_days > 0;
    struct quiz_run run = {
        .class_code = rec->class_code,
        .at_ms = now,
        .status = field(result, "status", status),
        .denied_event = event,
        .denied_class = cls,
        .limit = field(result, "limit", limit),
        .duration_ms = (int)json_number_value(json_object_get(result, "duration_ms")),
        .snippet = keep ? rec->code : NULL,
        .snippet_until_ms = keep ? now + (int64_t)c.keep_snippets_days * 24 * 3600 * 1000 : 0,
    };
    if (quiz_store_run_save(store, &run, &diag))
        fa_log_error("req=%llu event=run_record error=\"%s\"", (unsigned long long)req_id,
                     diag.msg);
}
