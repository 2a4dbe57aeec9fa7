/* fa_html.c: the sticky-error HTML builder of fa_html.h. */
#include "common/fa_html.h"

#include "common/fa_err.h"

#include <stdarg.h>
#include <string.h>

void fa_html_init(struct fa_html_builder *hb, size_t max)
{
    fa_buf_init(&hb->own, max);
    hb->out = &hb->own;
    hb->rc = FA_OK;
}

void fa_html_init_into(struct fa_html_builder *hb, struct fa_buf *out)
{
    fa_buf_init(&hb->own, 0);
    hb->out = out;
    hb->rc = FA_OK;
}

void fa_html_cleanup(struct fa_html_builder *hb)
{
    fa_buf_cleanup(&hb->own);
    hb->out = &hb->own;
}

void fa_html_raw(struct fa_html_builder *hb, const char *markup)
{
    if (!hb->rc)
        hb->rc = fa_buf_puts(hb->out, markup);
}

void fa_html_put(struct fa_html_builder *hb, struct fa_html html)
{
    if (!hb->rc && html.len)
        hb->rc = fa_buf_append(hb->out, html.ptr, html.len);
}

void fa_html_text_n(struct fa_html_builder *hb, const char *text, size_t len)
{
    if (!hb->rc && text)
        hb->rc = fa_buf_append_html(hb->out, text, len);
}

void fa_html_text(struct fa_html_builder *hb, const char *text)
{
    if (text)
        fa_html_text_n(hb, text, strlen(text));
}

void fa_html_attr(struct fa_html_builder *hb, const char *value)
{
    /* fa_buf_append_html escapes the quotes too, so one escaping serves both places; a call
     * of its own keeps the view saying which place it writes to. */
    fa_html_text(hb, value);
}

void fa_html_printf(struct fa_html_builder *hb, const char *fmt, ...)
{
    va_list ap;

    if (hb->rc)
        return;
    va_start(ap, fmt);
    hb->rc = fa_buf_vprintf(hb->out, fmt, ap);
    va_end(ap);
}

int fa_html_errcode(const struct fa_html_builder *hb) { return hb->rc; }

struct fa_html fa_html_get(const struct fa_html_builder *hb)
{
    struct fa_html html = {hb->out->ptr ? hb->out->ptr : "", hb->out->len};

    return html;
}
