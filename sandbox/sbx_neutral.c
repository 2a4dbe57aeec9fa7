/* sbx_neutral.c: the neutral paths learners see in output, exceptions and the trace (see
 * sbx_supervisor_int.h): /sandbox for the run's scratch folder, /python for the
 * interpreter's, / for the folder of the scratch folders. */
#define _GNU_SOURCE
#include "sandbox/sbx_supervisor_int.h"

#include "sandbox/sbx_pyprefix.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void sbx_neutral_init(struct sbx_neutral *n, const char *scratch)
{
    const char *prefix = sbx_python_prefix();
    char *slash;

    n->scratch_len = n->prefix_len = n->runs_len = 0;
    /* What the run sees is the resolved path (getcwd, __file__): resolve ours alike. */
    if (scratch && scratch[0] && realpath(scratch, n->scratch))
        n->scratch_len = strlen(n->scratch) > strlen("/sandbox") ? strlen(n->scratch) : 0;
    if (prefix && realpath(prefix, n->prefix))
        n->prefix_len = strlen(n->prefix) > strlen("/python") ? strlen(n->prefix) : 0;
    if (n->scratch_len) {
        memcpy(n->runs, n->scratch, n->scratch_len + 1);
        slash = strrchr(n->runs, '/');
        n->runs_len = slash && slash > n->runs ? (size_t)(slash - n->runs) : 0;
        n->runs[n->runs_len] = '\0';
    }
}

static bool path_ends(const char *p, const char *end)
{
    return p == end || !(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
                         (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'));
}

/* Whether the real path (len bytes) starts at p and ends there (path_ends). */
static bool path_at(const char *p, const char *end, const char *path, size_t len)
{
    return len && *p == '/' && (size_t)(end - p) >= len && memcmp(p, path, len) == 0 &&
           path_ends(p + len, end);
}

int sbx_neutral_append(const struct sbx_neutral *n, const char *s, size_t len, struct fa_buf *out)
{
    const char *p = s, *end = s + len, *run = s;
    int rc = FA_OK;

    while (!rc && p < end) {
        const char *name = NULL;
        size_t skip = 0;

        /* The scratch folder lies in the runs folder: the longer path is tried first. */
        if (path_at(p, end, n->scratch, n->scratch_len))
            name = "/sandbox", skip = n->scratch_len;
        else if (path_at(p, end, n->prefix, n->prefix_len))
            name = "/python", skip = n->prefix_len;
        else if (path_at(p, end, n->runs, n->runs_len)) /* "runs/x" is "/x", "runs" is "/" */
            name = "/", skip = n->runs_len + (p + n->runs_len < end && p[n->runs_len] == '/');
        if (!name) {
            p++;
            continue;
        }
        rc = fa_buf_append(out, run, (size_t)(p - run));
        if (!rc)
            rc = fa_buf_puts(out, name);
        p += skip;
        run = p;
    }
    if (!rc)
        rc = fa_buf_append(out, run, (size_t)(end - run));
    return rc;
}

void sbx_neutral_json(const struct sbx_neutral *n, json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;

    if (json_is_string(v)) {
        struct fa_buf text;
        fa_buf_init(&text, json_string_length(v) + 1);
        if (sbx_neutral_append(n, json_string_value(v), json_string_length(v), &text) == 0 &&
            text.len != json_string_length(v))
            json_string_setn(v, text.ptr, text.len);
        fa_buf_cleanup(&text);
    } else if (json_is_object(v)) {
        json_object_foreach(v, key, item)
            sbx_neutral_json(n, item);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item)
            sbx_neutral_json(n, item);
    }
}

