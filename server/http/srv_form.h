/* srv_form.h: the fields of an application/x-www-form-urlencoded body (HTML forms), decoded:
 * '+' is a space, %XX a byte. A %00 (which would cut a value short), a bad escape or an
 * empty name make the whole form garbled; values are left as bytes (callers check UTF-8
 * where it matters). Not thread-safe: one owner. */
#ifndef FA_SERVER_HTTP_SRV_FORM_H
#define FA_SERVER_HTTP_SRV_FORM_H

#include "common/fa_buf.h"
#include "server/http/srv_http.h"

#include <stddef.h>

struct srv_form {
    char *text;            /* the decoded copy of the body the fields point into */
    struct srv_kv *fields; /* in the order sent */
    size_t n;
};

/* Decodes body into form. FA_EINVAL when it is garbled, FA_ELIMIT when it has more than
 * max_fields fields; either way form is left empty (srv_form_free is still fine). */
int srv_form_parse(struct fa_str body, size_t max_fields, struct srv_form *form);
/* The first value of name, or NULL. */
const char *srv_form_get(const struct srv_form *form, const char *name);
void srv_form_free(struct srv_form *form);

#endif
