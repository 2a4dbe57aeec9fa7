/* sbx_neutral.c: the neutral paths learners see in output, exceptions and the trace (see
 * sbx_supervisor_int.h): /sandbox for the run's scratch folder, /python for the
 * interpreter's. */
#define _GNU_SOURCE
#include "sandbox/sbx_supervisor_int.h"

#include "sandbox/sbx_pyprefix.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void sbx_neutral_init(struct sbx_neutral *n, const char *scratch)
{
    const char *prefix = sbx_python_prefix();

    n->scratch_len = n->prefix_len = 0;
    /* What the run sees is the resolved path (getcwd, __file__): resolve ours alike. */
    if (scratch && scratch[0] && realpath(scratch, n->scratch))
        n->scratch_len = strlen(n->scratch) > strlen("/sandbox") ? strlen(n->scratch) : 0;
    if (prefix && realpath(prefix, n->prefix))
        n->prefix_len = strlen(n->prefix) > strlen("/python") ? strlen(n->prefix) : 0;
}

static bool path_ends(const char *p, const char *end)
{
    return p == end || !(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
                         (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'));
}

int sbx_neutral_append(const struct sbx_neutral *n, const char *s, size_t len, struct fa_buf *out)
{
    const char *p = s, *end = s + len, *run = s;
    int rc = FA_OK;

    while (!rc && p < end) {
        size_t left = (size_t)(end - p);
        const char *name = NULL;
        size_t skip = 0;

        if (*p == '/' && n->scratch_len && left >= n->scratch_len &&
            memcmp(p, n->scratch, n->scratch_len) == 0 && path_ends(p + n->scratch_len, end))
            name = "/sandbox", skip = n->scratch_len;
        else if (*p == '/' && n->prefix_len && left >= n->prefix_len &&
                 memcmp(p, n->prefix, n->prefix_len) == 0 && path_ends(p + n->prefix_len, end))
            name = "/python", skip = n->prefix_len;
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

