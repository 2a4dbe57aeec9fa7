/* srv_http.c: small pieces of HTTP that handlers and the adapter share (see srv_http.h). */
#include "server/http/srv_http.h"

#include "common/fa_html.h"
#include "common/fa_log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *srv_req_query(const struct srv_req *req, const char *name)
{
    for (size_t i = 0; i < req->n_query; i++)
        if (strcmp(req->query[i].name, name) == 0)
            return req->query[i].value;
    return NULL;
}

/* An error page's own part (the layout comes around it): a heading and one sentence. */
#define ERROR_BODY_MAX (16 * 1024)

static const char *status_title(int status)
{
    switch (status) {
    case 400: return "Bad request";
    case 404: return "Page not found";
    case 405: return "Method not allowed";
    case 413: return "Request too large";
    case 414: return "Address too long";
    case 421: return "Misdirected request";
    case 429: return "Too many requests";
    case 431: return "Request headers too large";
    case 503: return "Service unavailable";
    default: return status >= 500 ? "Server error" : "Request refused";
    }
}

void srv_deferred_complete(struct srv_deferred *d, struct srv_resp *resp)
{
    d->complete(d, resp);
}

int srv_resp_error(const struct srv_req *req, struct srv_resp *resp, int status,
                   const char *message)
{
    const char *title = status_title(status);
    struct fa_html_builder hb;
    struct fa_html body;
    int rc;

    fa_html_init(&hb, ERROR_BODY_MAX);
    fa_html_raw(&hb, "<h1>");
    fa_html_text(&hb, title);
    fa_html_raw(&hb, "</h1>\n<p>");
    fa_html_text(&hb, message);
    fa_html_raw(&hb, "</p>\n<p><a href=\"/\">Home page</a></p>\n");
    body = fa_html_get(&hb);
    fa_buf_reset(&resp->body);
    rc = fa_html_errcode(&hb);
    if (!rc && req && req->page)
        rc = req->page(req, title, body, &resp->body);
    else if (!rc)
        rc = fa_buf_append(&resp->body, body.ptr, body.len);
    /* Neither can fail for the messages of this program (literals, far under the caps), so
     * a failure is a bug: said in the log, and the page still says what happened, as text. */
    if (rc) {
        fa_log_error("req=%llu event=error_page status=%d error=\"the page could not be "
                     "built\"",
                     req ? (unsigned long long)req->id : 0ULL, status);
        fa_buf_reset(&resp->body);
        fa_html_cleanup(&hb);
        resp->status = status;
        resp->asset = NULL;
        resp->content_type = "text/plain; charset=utf-8";
        /* Only a body capped under a line fails here; the status line then says it all. */
        if (fa_buf_printf(&resp->body, "%d %s\n", status, title))
            fa_buf_reset(&resp->body);
        return status;
    }
    fa_html_cleanup(&hb);
    resp->status = status;
    resp->asset = NULL;
    resp->content_type = "text/html; charset=utf-8";
    return status;
}

int srv_resp_redirect(struct srv_resp *resp, int status, const char *path, const char *segment)
{
    snprintf(resp->location, sizeof resp->location, "%s%s%s", path, segment ? "/" : "",
             segment ? segment : "");
    fa_buf_reset(&resp->body);
    return status;
}

/* Skips optional whitespace. */
static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

bool srv_etag_matches(const char *if_none_match, const char *etag)
{
    size_t etag_len = strlen(etag);
    const char *s = if_none_match;

    if (!s)
        return false;
    for (;;) {
        const char *end;

        s = skip_ows(s);
        if (*s == '*')
            return true;
        if (strncmp(s, "W/", 2) == 0)
            s += 2;
        if (*s != '"')
            return false;
        end = strchr(s + 1, '"');
        if (!end)
            return false;
        if ((size_t)(end + 1 - s) == etag_len && memcmp(s, etag, etag_len) == 0)
            return true;
        s = skip_ows(end + 1);
        if (*s != ',')
            return false;
        s++;
    }
}

bool srv_accepts_gzip(const char *accept_encoding)
{
    const char *s = accept_encoding;

    while (s && *s) {
        const char *token, *end;
        size_t len;
        bool zero_q = false;

        s = skip_ows(s);
        token = s;
        while (*s && *s != ',' && *s != ';' && *s != ' ' && *s != '\t')
            s++;
        len = (size_t)(s - token);
        end = strchr(s, ',');
        /* Parameters: only q matters, and only whether it is zero ("q=0", "q=0.0", "q=0.000"). */
        for (const char *p = s; *p && (!end || p < end); p++) {
            if (*p == ';') {
                const char *q = skip_ows(p + 1);
                if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
                    q += 2;
                    zero_q = q[0] == '0';
                    for (q++; zero_q && *q && *q != ',' && *q != ';' && *q != ' '; q++)
                        zero_q = *q == '.' || *q == '0';
                }
            }
        }
        if (!zero_q && ((len == 4 && strncasecmp(token, "gzip", 4) == 0) ||
                        (len == 6 && strncasecmp(token, "x-gzip", 6) == 0) ||
                        (len == 1 && token[0] == '*')))
            return true;
        if (!end)
            break;
        s = end + 1;
    }
    return false;
}
