/* srv_form.c: form bodies (see srv_form.h). */
#include "server/http/srv_form.h"

#include "common/fa_err.h"
#include "common/fa_mem.h"

#include <stdbool.h>
#include <string.h>

/* Decodes s in place; false for a bad escape or %00. */
static bool unescape(char *s)
{
    char *out = s;

    for (; *s; s++) {
        if (*s == '+') {
            *out++ = ' ';
        } else if (*s == '%') {
            int hi = fa_hex_digit(s[1]), lo = hi >= 0 ? fa_hex_digit(s[2]) : -1;
            if (lo < 0 || (hi | lo) == 0)
                return false;
            *out++ = (char)(hi << 4 | lo);
            s += 2;
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
    return true;
}

int srv_form_parse(struct fa_str body, size_t max_fields, struct srv_form *form)
{
    memset(form, 0, sizeof *form);
    if (memchr(body.ptr, '\0', body.len))
        return FA_EINVAL;
    form->text = fa_xmalloc(body.len + 1);
    memcpy(form->text, body.ptr, body.len);
    form->text[body.len] = '\0';
    size_t cap = 0;
    for (char *pair = form->text, *next; pair && *pair; pair = next) {
        next = strchr(pair, '&');
        if (next)
            *next++ = '\0';
        if (!*pair)
            continue; /* "a=1&&b=2" */
        if (form->n == max_fields) {
            srv_form_free(form);
            return FA_ELIMIT;
        }
        char *eq = strchr(pair, '=');
        if (eq)
            *eq = '\0';
        if (!*pair || !unescape(pair) || (eq && !unescape(eq + 1))) {
            srv_form_free(form);
            return FA_EINVAL;
        }
        if (form->n == cap) {
            cap = cap ? 2 * cap : 8;
            form->fields = fa_xrealloc(form->fields, cap * sizeof *form->fields);
        }
        form->fields[form->n++] = (struct srv_kv){pair, eq ? eq + 1 : ""};
    }
    return FA_OK;
}

const char *srv_form_get(const struct srv_form *form, const char *name)
{
    for (size_t i = 0; i < form->n; i++)
        if (strcmp(form->fields[i].name, name) == 0)
            return form->fields[i].value;
    return NULL;
}

void srv_form_free(struct srv_form *form)
{
    fa_free(form->text);
    fa_free(form->fields);
    memset(form, 0, sizeof *form);
}
