/* fuzz_api_json.c: the JSON request validators of POST /api/run (srv_routes.c, run_request)
 * and POST /api/quiz/submit (srv_quiz.c). Every input is sent as the body of both, from the
 * site's own origin, so each validator sees the other's seeds too (fuzz/corpus/api_json/).
 * Without a sandbox or a store a valid body ends in a 503; anything else must be refused
 * with a JSON error that fuzz_site.c parses back. */
#include "fuzz/fuzz_site.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"/api/run", "/api/quiz/submit"};

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct fuzz_request r = {.method = "POST",
                                 .path = paths[i],
                                 .host = FUZZ_HOST,
                                 .content_type = "application/json",
                                 .origin = FUZZ_ORIGIN,
                                 .body = (const char *)data,
                                 .body_len = size};
        (void)fuzz_dispatch(&r);
    }
    return 0;
}
