/* fuzz_quiz_form.c: the quiz's form decoder (application/x-www-form-urlencoded, srv_quiz.c)
 * and everything a decoded form reaches: names, class codes, quiz and answer fields, the
 * marking, and the page that shows a refused form again. The input is the body of a POST
 * /quiz/submit sent from the site's own page; seeds are forms a browser sends
 * (fuzz/corpus/quiz_form/). There is no store, so a valid form ends in a 503. */
#include "fuzz/fuzz_site.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_request r = {.method = "POST",
                             .path = "/quiz/submit",
                             .host = FUZZ_HOST,
                             .content_type = "application/x-www-form-urlencoded",
                             .origin = FUZZ_ORIGIN,
                             .body = (const char *)data,
                             .body_len = size};

    (void)fuzz_dispatch(&r);
    return 0;
}
