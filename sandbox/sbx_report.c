/* sbx_report.c: a run's report in shared memory (see sbx_report.h). The layout is private to
 * this file: a header, then the trace records packed one after another, then the final part.
 * The child commits each record by advancing records_len after writing it, so a child
 * killed in the middle of a record leaves the records before it intact. */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include "sandbox/sbx_report.h"

#include "common/fa_buf.h"
#include "common/fa_err.h"
#include "common/fa_utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define REPORT_MAGIC 0x66617270u /* "farp" */
#define RECORDS_ROOM ((size_t)1536 * 1024)
#define FINAL_ROOM ((size_t)SBX_REPORT_MAX_FINAL)

/* Caps on what one field may carry to a learner, in bytes. */
#define MAX_EVENT 200
#define MAX_ARGS 400
#define MAX_CLASS 40
#define MAX_REASON 600
#define MAX_NOTE 720 /* the engine's note buffer (struct verdict, sbx_pyaudit_int.h) */
#define MAX_TYPE 200
#define MAX_MESSAGE 4000
#define MAX_FUNCTION 200
#define MAX_LINE_TEXT 400
#define MAX_FRAMES 50
#define MAX_CAUSES 3          /* links of an exception's chain */
#define MAX_CAUSE_MESSAGE 1000

/* One record: five lengths, the decision, then the five strings back to back. */
struct packed_record {
    uint16_t len[5]; /* event, args, class, reason, note ("" when the rule sets agree) */
    uint8_t denied;
};

struct sbx_report {
    uint32_t magic;
    uint32_t jail_set;
    struct sbx_jail_status jail;
    struct sbx_audit_counters counters;
    uint32_t counters_set;
    uint32_t n_records;
    size_t records_len; /* bytes of committed records */
    size_t final_len;   /* bytes of the final part, 0 until the child finished */
    char records[RECORDS_ROOM];
    char final[FINAL_ROOM];
};

struct sbx_report *sbx_report_map(void)
{
    void *p = mmap(NULL, sizeof(struct sbx_report), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct sbx_report *report = p;

    if (p == MAP_FAILED)
        return NULL;
    report->magic = REPORT_MAGIC;
    return report;
}

int sbx_report_keep_from_later_forks(struct sbx_report *report)
{
    return madvise(report, sizeof *report, MADV_DONTFORK) == 0 ? FA_OK : FA_EIO;
}

void sbx_report_unmap(struct sbx_report *report)
{
    if (report)
        munmap(report, sizeof *report);
}

/* ---- the child's side ---------------------------------------------------------------- */

void sbx_report_set_jail(struct sbx_report *report, const struct sbx_jail_status *status)
{
    report->jail = *status;
    report->jail_set = 1;
}

static void on_record(const struct sbx_audit_record *r, void *data)
{
    struct sbx_report *report = data;
    const char *parts[5] = {r->event, r->args, r->cls, r->reason, r->note ? r->note : ""};
    struct packed_record head = {.denied = r->denied};
    size_t need = sizeof head, at = report->records_len;

    for (int i = 0; i < 5; i++) {
        size_t len = strlen(parts[i]);
        head.len[i] = (uint16_t)(len < UINT16_MAX ? len : UINT16_MAX);
        need += head.len[i];
    }
    if (at > RECORDS_ROOM || need > RECORDS_ROOM - at)
        return; /* no room: the record is counted (counters) but not kept */
    memcpy(report->records + at, &head, sizeof head);
    at += sizeof head;
    for (int i = 0; i < 5; i++) {
        memcpy(report->records + at, parts[i], head.len[i]);
        at += head.len[i];
    }
    /* Committed only now: a child killed above leaves the records before this one whole. */
    __atomic_store_n(&report->records_len, at, __ATOMIC_RELEASE);
    __atomic_store_n(&report->n_records, report->n_records + 1, __ATOMIC_RELEASE);
}

void sbx_report_attach(struct sbx_report *report)
{
    report->n_records = 0;
    report->records_len = 0;
    report->final_len = 0;
    report->counters_set = 1;
    sbx_audit_set_sink(&report->counters, on_record, report);
}

int sbx_report_finish(struct sbx_report *report, const char *json, size_t len)
{
    if (len == 0 || len > FINAL_ROOM)
        return FA_ELIMIT;
    memcpy(report->final, json, len);
    __atomic_store_n(&report->final_len, len, __ATOMIC_RELEASE);
    return FA_OK;
}

/* ---- the supervisor's side: everything below reads untrusted bytes ------------------ */

/* A JSON string of untrusted bytes: well-formed UTF-8 (U+FFFD for what is not), at most max
 * bytes, cut on a character boundary. */
static json_t *text_json(const char *text, size_t len, size_t max)
{
    struct fa_buf b;
    bool replaced = false;
    json_t *s;

    fa_buf_init(&b, max);
    if (fa_utf8_repair(&b, text, len, max, &replaced) == FA_ENOMEM) {
        fa_buf_cleanup(&b);
        return NULL;
    }
    s = json_stringn(b.ptr ? b.ptr : "", b.len);
    fa_buf_cleanup(&b);
    return s;
}

/* A copy of a string member of obj, bounded; NULL when it is missing or not a string. */
static json_t *string_member(json_t *obj, const char *key, size_t max)
{
    json_t *v = json_object_get(obj, key);

    return json_is_string(v) ? text_json(json_string_value(v), json_string_length(v), max) : NULL;
}

static json_t *read_trace(const struct sbx_report *report, size_t *n_out)
{
    json_t *trace = json_array();
    size_t len = report->records_len, at = 0, n = 0;

    if (len > RECORDS_ROOM)
        len = 0; /* garbled: no trace rather than a wrong one */
    while (trace && at + sizeof(struct packed_record) <= len) {
        struct packed_record head;
        const char *p;
        size_t total = 0;
        json_t *entry;

        memcpy(&head, report->records + at, sizeof head);
        for (int i = 0; i < 5; i++)
            total += head.len[i];
        at += sizeof head;
        if (total > len - at)
            break;
        p = report->records + at;
        entry = json_pack("{s:o, s:o, s:o, s:s, s:o}", "event",
                          text_json(p, head.len[0], MAX_EVENT), "args",
                          text_json(p + head.len[0], head.len[1], MAX_ARGS), "class",
                          text_json(p + head.len[0] + head.len[1], head.len[2], MAX_CLASS),
                          "decision", head.denied ? "deny" : "allow", "reason",
                          text_json(p + head.len[0] + head.len[1] + head.len[2], head.len[3],
                                    MAX_REASON));
        /* Issue 12: where the other rule set would have decided otherwise, the row says so. */
        if (entry && head.len[4] > 0) {
            size_t note_at = (size_t)head.len[0] + head.len[1] + head.len[2] + head.len[3];
            if (json_object_set_new(entry, "note", text_json(p + note_at, head.len[4],
                                                             MAX_NOTE)) != 0) {
                json_decref(entry);
                entry = NULL;
            }
        }
        if (!entry || json_array_append_new(trace, entry) != 0)
            break;
        at += total;
        n++;
    }
    *n_out = n;
    return trace;
}

static json_t *read_counters(const struct sbx_report *report)
{
    const struct sbx_audit_counters *c = &report->counters;

    if (!report->counters_set)
        return json_null();
    /* Counts are a child's claims: kept within what JSON integers carry. */
#define COUNT(x) ((json_int_t)((x) > INT64_MAX ? INT64_MAX : (x)))
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "events", COUNT(c->events),
                     "allowed", COUNT(c->allowed), "denied", COUNT(c->denied),
                     "monitor_callbacks", COUNT(c->monitor_callbacks), "sites_disabled",
                     COUNT(c->sites_disabled), "native_calls", COUNT(c->native_calls),
                     "divergences", COUNT(c->divergences));
#undef COUNT
}

static json_t *read_jail(const struct sbx_report *report)
{
    const struct sbx_jail_status *j = &report->jail;

    if (report->jail_set != 1)
        return json_null();
    return json_pack("{s:b, s:b, s:b, s:b, s:b, s:i, s:b, s:b}", "own_group", j->own_group,
                     "ids_switched", j->ids_switched, "no_new_privs", j->no_new_privs,
                     "rlimits", j->rlimits, "seccomp", j->seccomp, "landlock_abi",
                     j->landlock_abi >= 0 && j->landlock_abi < 100 ? j->landlock_abi : 0,
                     "landlock_net", j->landlock_net, "landlock_scoped", j->landlock_scoped);
}

/* {"line", "function", "text"} frames, at most MAX_FRAMES, each field checked. */
static json_t *read_traceback(json_t *frames)
{
    json_t *out = json_array(), *frame;
    size_t i;

    json_array_foreach(frames, i, frame) {
        json_t *line = json_object_get(frame, "line");
        json_t *entry;

        if (i >= MAX_FRAMES || !out)
            break;
        entry = json_pack("{s:I, s:o, s:o}", "line",
                          json_is_integer(line) ? json_integer_value(line) : (json_int_t)-1,
                          "function", string_member(frame, "function", MAX_FUNCTION), "text",
                          string_member(frame, "text", MAX_LINE_TEXT));
        if (entry)
            json_array_append_new(out, entry);
    }
    return out;
}

/* A line number or a column the child gave: a small non-negative integer, or -1. */
static json_int_t small_int(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;

    return n >= 0 && n <= 10000000 ? n : -1;
}

/* A SyntaxError's position ({"line", "offset", "end_offset", "text"}), or NULL. */
static json_t *read_syntax(json_t *syntax)
{
    json_t *text;

    if (!json_is_object(syntax) || small_int(syntax, "line") < 1)
        return NULL;
    text = string_member(syntax, "text", MAX_LINE_TEXT);
    return json_pack("{s:I, s:I, s:I, s:o}", "line", small_int(syntax, "line"), "offset",
                     small_int(syntax, "offset"), "end_offset", small_int(syntax, "end_offset"),
                     "text", text ? text : json_string(""));
}

/* The exception's chain ({"type", "message", "kind", "line", "cause"?}), at most depth
 * links deep, or NULL. */
static json_t *read_cause(json_t *cause, int depth)
{
    const char *kind = json_string_value(json_object_get(cause, "kind"));
    json_t *type, *message, *out, *further;

    if (depth <= 0 || !json_is_object(cause) || !kind ||
        (strcmp(kind, "cause") != 0 && strcmp(kind, "context") != 0))
        return NULL;
    type = string_member(cause, "type", MAX_TYPE);
    if (!type)
        return NULL;
    message = string_member(cause, "message", MAX_CAUSE_MESSAGE);
    out = json_pack("{s:o, s:o, s:s, s:I}", "type", type, "message",
                    message ? message : json_string(""), "kind", kind, "line",
                    small_int(cause, "line"));
    further = out ? read_cause(json_object_get(cause, "cause"), depth - 1) : NULL;
    if (further)
        json_object_set_new(out, "cause", further);
    return out;
}

static json_t *read_exception(json_t *exc)
{
    json_t *type, *message, *out, *syntax, *cause;

    if (!json_is_object(exc))
        return json_null();
    type = string_member(exc, "type", MAX_TYPE);
    if (!type)
        return json_null();
    message = string_member(exc, "message", MAX_MESSAGE);
    out = json_pack("{s:o, s:o, s:o}", "type", type, "message",
                    message ? message : json_string(""), "traceback",
                    read_traceback(json_object_get(exc, "traceback")));
    syntax = out ? read_syntax(json_object_get(exc, "syntax")) : NULL;
    if (syntax)
        json_object_set_new(out, "syntax", syntax);
    cause = out ? read_cause(json_object_get(exc, "cause"), MAX_CAUSES) : NULL;
    if (cause)
        json_object_set_new(out, "cause", cause);
    return out;
}

bool sbx_report_finished(const struct sbx_report *report)
{
    return __atomic_load_n(&report->final_len, __ATOMIC_ACQUIRE) > 0;
}

int sbx_report_read(const struct sbx_report *report, struct sbx_report_view *view)
{
    size_t final_len, n_records = 0;
    json_t *final = NULL;

    memset(view, 0, sizeof *view);
    if (!report || report->magic != REPORT_MAGIC) {
        view->trace = json_array();
        view->counters = json_null();
        view->jail = json_null();
        view->exception = json_null();
        return view->trace ? FA_OK : FA_ENOMEM;
    }
    final_len = report->final_len;
    view->trace = read_trace(report, &n_records);
    view->counters = read_counters(report);
    view->jail = read_jail(report);
    if (final_len > 0 && final_len <= FINAL_ROOM)
        final = json_loadb(report->final, final_len, JSON_ALLOW_NUL, NULL);
    view->finished = json_is_object(final);
    view->exception = read_exception(json_object_get(final, "exception"));
    {
        const char *by = json_string_value(json_object_get(final, "denied_by"));
        json_t *err = json_object_get(final, "os_errno");
        view->denied_by = !by                            ? NULL
                          : strcmp(by, "fastaudit") == 0 ? "fastaudit"
                          : strcmp(by, "os-layer") == 0  ? "os-layer"
                                                         : NULL;
        view->os_errno = json_is_integer(err) && json_integer_value(err) > 0 &&
                                 json_integer_value(err) < 4096
                             ? (int)json_integer_value(err)
                             : 0;
    }
    if (json_is_object(view->counters)) {
        json_int_t events = json_integer_value(json_object_get(view->counters, "events"));
        view->trace_dropped = events > (json_int_t)n_records ? (size_t)events - n_records : 0;
    }
    json_decref(final);
    if (!view->trace || !view->counters || !view->jail || !view->exception) {
        sbx_report_view_clear(view);
        return FA_ENOMEM;
    }
    return FA_OK;
}

void sbx_report_view_clear(struct sbx_report_view *view)
{
    json_decref(view->exception);
    json_decref(view->trace);
    json_decref(view->counters);
    json_decref(view->jail);
    memset(view, 0, sizeof *view);
}
