/* fuzz_router.c: the route table and every handler behind it, with everything a client
 * controls: method, path, query values, Host, Content-Type, Origin, Referer and the body.
 *
 * An input is text, one field a line, so seeds read like requests (fuzz/corpus/router/):
 *   METHOD / PATH / QUERY / HOST / CONTENT-TYPE / ORIGIN / REFERER, then the body
 * A header line "-" means the header is absent. QUERY is "name=value&name=value", values as
 * the adapter hands them over (already percent-decoded). Missing lines are absent headers. */
#include "fuzz/fuzz_site.h"

#include "common/fa_mem.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_METHOD, F_PATH, F_QUERY, F_HOST, F_TYPE, F_ORIGIN, F_REFERER, N_FIELDS };

/* Splits "name=value&..." (owned by the caller, cut in place) into r->query the way the
 * adapter fills it: at most SRV_MAX_QUERY_VALUES, a long value flags query_too_long. */
static void split_query(char *query, struct fuzz_request *r)
{
    for (char *pair = query, *next; pair && *pair; pair = next) {
        char *eq;

        next = strchr(pair, '&');
        if (next)
            *next++ = '\0';
        eq = strchr(pair, '=');
        if (eq)
            *eq++ = '\0';
        if (eq && strlen(eq) > SRV_MAX_QUERY_VALUE) {
            r->query_too_long = true;
            continue;
        }
        if (r->n_query < SRV_MAX_QUERY_VALUES)
            r->query[r->n_query++] = (struct srv_kv){pair, eq ? eq : ""};
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char *field[N_FIELDS] = {0};
    struct fuzz_request r = {0};

    /* Each field its own exact-size string, so an overread shows up in AddressSanitizer. */
    for (int i = 0; i < N_FIELDS && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;

        field[i] = fa_xstrndup(p, (size_t)(stop - p));
        p = nl ? nl + 1 : end;
    }
    r.method = field[F_METHOD] ? field[F_METHOD] : "GET";
    r.path = field[F_PATH] ? field[F_PATH] : "/";
    if (field[F_QUERY])
        split_query(field[F_QUERY], &r);
    r.host = field[F_HOST] && strcmp(field[F_HOST], "-") ? field[F_HOST] : NULL;
    r.content_type = field[F_TYPE] && strcmp(field[F_TYPE], "-") ? field[F_TYPE] : NULL;
    r.origin = field[F_ORIGIN] && strcmp(field[F_ORIGIN], "-") ? field[F_ORIGIN] : NULL;
    r.referer = field[F_REFERER] && strcmp(field[F_REFERER], "-") ? field[F_REFERER] : NULL;
    r.body = p;
    r.body_len = (size_t)(end - p);
    (void)fuzz_dispatch(&r);
    for (int i = 0; i < N_FIELDS; i++)
        fa_free(field[i]);
    return 0;
}
