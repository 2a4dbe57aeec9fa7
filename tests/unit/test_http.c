/* test_http.c: the server's HTTP pieces without a socket: header parsing, and the route
 * table with its handlers run on a request built in memory (h2o: t/00unit). */
#include "harness.h"

#include "common/fa_mem.h"
#include "server/http/srv_form.h"
#include "server/http/srv_http.h"
#include "server/http/srv_json.h"
#include "server/http/srv_public.h"
#include "server/app/srv_routes.h"
#include "server/site/srv_site.h"

static void test_etag(void)
{
    static const struct {
        const char *header;
        bool match;
    } cases[] = {
        {"\"abc\"", true},        {"W/\"abc\"", true},          {"\"x\", \"abc\"", true},
        {"\"x\",W/\"abc\"", true}, {"*", true},                 {"\"abcd\"", false},
        {"\"ab\"", false},        {"abc", false},               {"", false},
        {"\"x\" \"abc\"", false}, {"\"abc", false},             {"\"x\", garbage", false},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        INT_EQ(srv_etag_matches(cases[i].header, "\"abc\""), cases[i].match);
    INT_EQ(srv_etag_matches(NULL, "\"abc\""), false);
}

static void test_gzip(void)
{
    static const struct {
        const char *header;
        bool gzip;
    } cases[] = {
        {"gzip", true},          {"gzip, deflate, br", true}, {"br;q=1.0, gzip;q=0.8", true},
        {"GZIP", true},          {"x-gzip", true},            {"*", true},
        {"gzip;q=0", false},     {"gzip; q=0.000", false},    {"deflate", false},
        {"", false},             {"gzipx", false},            {"identity, *;q=0", false},
        {"gzip;q=0.5", true},    {"br, gzip ; q=0.1", true},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = srv_accepts_gzip(cases[i].header);
        if (got != cases[i].gzip)
            fprintf(stderr, "gzip case: \"%s\"\n", cases[i].header);
        INT_EQ(got, cases[i].gzip);
    }
    INT_EQ(srv_accepts_gzip(NULL), false);
}

/* The site's public address for in-memory requests: served on 127.0.0.1:8080. */
static struct srv_public *local_public(void)
{
    static struct srv_public *pub;
    struct srv_public_config config = {.listen_host = "127.0.0.1", .port = 8080};
    struct fa_diag diag = {{0}};

    if (!pub && srv_public_new(&config, &pub, &diag))
        fprintf(stderr, "srv_public_new: %s\n", diag.msg);
    return pub;
}

/* Runs one request through the route table against site, as a browser on this machine sends
 * it (Host 127.0.0.1:8080). */
static int dispatch(struct srv_site *site, const char *method, const char *path, const char *q,
                    struct srv_resp *resp)
{
    struct srv_req req = {.method = method, .path = path, .site = site,
                          .host = "127.0.0.1:8080", .client = "127.0.0.1",
                          .pub = local_public()};

    if (q) {
        req.query[0] = (struct srv_kv){"q", q};
        req.n_query = 1;
    }
    fa_buf_cleanup(&resp->body);
    memset(resp, 0, sizeof *resp);
    fa_buf_init(&resp->body, 1 << 22);
    resp->status = srv_routes_dispatch(&req, resp);
    return resp->status;
}

static void test_routes(const char *source_dir)
{
    char content[512], static_dir[512], quiz_dir[512];
    struct srv_site_config config = {content,  static_dir, FA_CODEMIRROR_DIR, quiz_dir,
                                     NULL,     NULL,       "",                false};
    struct srv_site *site = NULL;
    struct fa_diag diag = {{0}};
    struct srv_resp resp = {0};

    snprintf(content, sizeof content, "%s/content", source_dir);
    snprintf(static_dir, sizeof static_dir, "%s/static", source_dir);
    snprintf(quiz_dir, sizeof quiz_dir, "%s/quiz", source_dir);
    INT_EQ(srv_site_build(&config, &site, &diag), FA_OK);
    if (!site) {
        fprintf(stderr, "site: %s\n", diag.msg);
        return;
    }
    INT_EQ(dispatch(site, "GET", "/", NULL, &resp), 200);
    OK(resp.asset && CONTAINS(resp.asset->body, "home-cards"));
    INT_EQ(dispatch(site, "HEAD", "/wiki/big-picture", NULL, &resp), 200);
    OK(resp.asset && resp.asset->gz && resp.asset->gz_len < resp.asset->len);
    OK(resp.asset && strcmp(resp.asset->etag, resp.asset->etag_gz) != 0);
    INT_EQ(dispatch(site, "GET", "/wiki/nope", NULL, &resp), 404);
    OK(resp.asset && CONTAINS(resp.asset->body, "Page not found"));
    INT_EQ(dispatch(site, "GET", "/nope", NULL, &resp), 404);
    INT_EQ(dispatch(site, "POST", "/wiki", NULL, &resp), 405);
    STR_EQ(resp.allow, "GET, HEAD");
    INT_EQ(dispatch(site, "DELETE", "/static/css/site.css", NULL, &resp), 405);
    INT_EQ(dispatch(site, "GET", "/static/css/site.css", NULL, &resp), 200);
    OK(resp.asset && CONTAINS(resp.asset->cache_control, "immutable"));
    INT_EQ(dispatch(site, "GET", "/search", "hook", &resp), 200);
    OK(CONTAINS(resp.body.ptr, "<mark>"));
    INT_EQ(dispatch(site, "GET", "/search", "\xff\xfe", &resp), 400);
    OK(CONTAINS(resp.body.ptr, "not valid UTF-8"));
    INT_EQ(dispatch(site, "GET", "/search", "<b>x</b>", &resp), 200);
    OK(CONTAINS(resp.body.ptr, "&lt;b&gt;x&lt;/b&gt;"));
    OK(CONTAINS(resp.body.ptr, "value=\"&lt;b&gt;x&lt;/b&gt;\"")); /* kept in the search box */
    OK(!CONTAINS(resp.body.ptr, "<b>x</b>"));
    INT_EQ(dispatch(site, "GET", "/api/search", "hook", &resp), 200);
    STR_EQ(resp.content_type, "application/json");
    OK(CONTAINS(resp.body.ptr, "\"query\":\"hook\""));
    INT_EQ(dispatch(site, "GET", "/healthz", NULL, &resp), 200);
    OK(CONTAINS(resp.body.ptr, "\"version\":\""));
    /* Every page links its assets with the site's version tag, for cache busting. */
    dispatch(site, "GET", "/wiki/big-picture", NULL, &resp);
    OK(resp.asset && CONTAINS(resp.asset->body, srv_site_get_version_tag(site)));
    fa_buf_cleanup(&resp.body);
    srv_site_release(site);
}

/* Issue 11: the public URL, accepted hosts, origins and forwarded clients. */
static void test_public(void)
{
    struct srv_public_config behind = {.public_url = "https://Course.example/fa/",
                                       .listen_host = "127.0.0.1", .port = 8080,
                                       .trusted_proxies = "10.0.0.0/8, ::1"};
    struct srv_public *pub = NULL;
    struct fa_diag diag = {{0}};
    char out[128];

    INT_EQ(srv_public_new(&behind, &pub, &diag), FA_OK);
    if (!pub)
        return;
    STR_EQ(srv_public_prefix(pub), "/fa");
    OK(srv_public_host_ok(pub, "course.example"));
    OK(srv_public_host_ok(pub, "course.example:443"));
    OK(srv_public_host_ok(pub, "localhost:8080"));
    OK(srv_public_host_ok(pub, "[::1]:8080"));
    OK(!srv_public_host_ok(pub, "course.example:80"));
    OK(!srv_public_host_ok(pub, "course.example.evil"));
    OK(!srv_public_host_ok(pub, "::1"));
    OK(!srv_public_host_ok(pub, NULL));
    OK(srv_public_origin_ok(pub, "course.example", "https://course.example", NULL));
    OK(!srv_public_origin_ok(pub, "course.example", "http://course.example", NULL));
    OK(!srv_public_origin_ok(pub, "course.example", "null", NULL));
    OK(srv_public_origin_ok(pub, "course.example", NULL, "https://course.example/fa/quiz"));
    OK(!srv_public_origin_ok(pub, "course.example", NULL, "https://course.example.evil/"));
    OK(srv_public_origin_ok(pub, "course.example", NULL, NULL));
    srv_public_base(pub, "evil.example", false, out, sizeof out);
    STR_EQ(out, "https://course.example/fa");
    snprintf(out, sizeof out, "peer");
    srv_public_forwarded_client(pub, "203.0.113.7, 10.1.2.3", NULL, out, sizeof out);
    STR_EQ(out, "203.0.113.7");
    srv_public_forwarded_client(pub, "203.0.113.7, 198.51.100.1", NULL, out, sizeof out);
    STR_EQ(out, "198.51.100.1"); /* the nearest untrusted hop, not what the client claims */
    srv_public_forwarded_client(pub, NULL, "for=\"[2001:db8::5]:4711\";proto=https", out,
                                sizeof out);
    STR_EQ(out, "2001:db8::5");
    snprintf(out, sizeof out, "peer");
    srv_public_forwarded_client(pub, "not-an-address", NULL, out, sizeof out);
    STR_EQ(out, "peer");
    OK(srv_public_metrics_ok(pub, "127.0.0.1"));
    OK(srv_public_metrics_ok(pub, "::1"));
    OK(!srv_public_metrics_ok(pub, "203.0.113.7"));
    srv_public_free(pub);
    {
        static const char *const bad[] = {"ftp://x", "https://", "https://a:99999",
                                          "https://a/b?c", "https://u@a/", "http://a b"};
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            struct srv_public_config c = {.public_url = bad[i], .listen_host = "127.0.0.1",
                                          .port = 1};
            pub = NULL;
            INT_EQ(srv_public_new(&c, &pub, &diag), FA_EINVAL);
            srv_public_free(pub);
        }
    }
}

/* Issue 16: the error page and the JSON replies do not drop a failure. An error page that
 * cannot be built (here: a body capped too small for the layout) still says its status, as
 * text, where it used to be an empty HTML body; a json_pack that failed (NULL) is a 500,
 * not an empty answer. */
static void test_replies(void)
{
    struct srv_resp resp = {0};

    fa_buf_init(&resp.body, 64);
    INT_EQ(srv_resp_error(NULL, &resp, 404, "No such page."), 404);
    STR_EQ(resp.content_type, "text/plain; charset=utf-8");
    STR_EQ(resp.body.ptr, "404 Page not found\n");
    fa_buf_cleanup(&resp.body);

    fa_buf_init(&resp.body, 64 * 1024);
    INT_EQ(srv_resp_error(NULL, &resp, 400, "Bad <input>."), 400);
    STR_EQ(resp.content_type, "text/html; charset=utf-8");
    OK(CONTAINS(resp.body.ptr, "<p>Bad &lt;input&gt;.</p>"));
    fa_buf_reset(&resp.body);
    INT_EQ(srv_resp_json(NULL, &resp, json_pack("{s:s}", "ok", "\xff"), 200), 500);
    fa_buf_reset(&resp.body);
    INT_EQ(srv_resp_json_error(NULL, &resp, 429, "busy"), 429);
    STR_EQ(resp.content_type, "application/json");
    STR_EQ(resp.body.ptr, "{\"error\":\"busy\"}");
    fa_buf_cleanup(&resp.body);
}

/* The form decoder the quiz and the instructor's pages read forms with (issue 16: the quiz
 * had a decoder of its own, a static function no test could reach). */
static void test_form(void)
{
    static const char body[] = "name=Ada+L%C3%B6w%21&&a.q1=2&a.q1=3&flag&x=";
    struct srv_form form;

    INT_EQ(srv_form_parse((struct fa_str){body, sizeof body - 1}, 8, &form), FA_OK);
    INT_EQ(form.n, 5);
    STR_EQ(srv_form_get(&form, "name"), "Ada L\xc3\xb6w!");
    STR_EQ(srv_form_get(&form, "a.q1"), "2"); /* the first of two, both kept in order */
    if (form.n == 5) {
        STR_EQ(form.fields[2].name, "a.q1");
        STR_EQ(form.fields[2].value, "3");
    }
    STR_EQ(srv_form_get(&form, "flag"), "");
    STR_EQ(srv_form_get(&form, "x"), "");
    OK(srv_form_get(&form, "nope") == NULL);
    srv_form_free(&form);
    /* Garbled: a bad escape, a %00 that would cut a value short, a NUL byte, an empty name. */
    static const char *const garbled[] = {"a=%zz", "a=%4", "a=x%00y", "%00=1", "=1"};
    for (size_t i = 0; i < sizeof garbled / sizeof garbled[0]; i++) {
        INT_EQ(srv_form_parse((struct fa_str){garbled[i], strlen(garbled[i])}, 8, &form),
               FA_EINVAL);
        INT_EQ(form.n, 0);
        srv_form_free(&form);
    }
    INT_EQ(srv_form_parse((struct fa_str){"a=1\0b=2", 7}, 8, &form), FA_EINVAL);
    srv_form_free(&form);
    INT_EQ(srv_form_parse((struct fa_str){"a=1&b=2&c=3", 11}, 2, &form), FA_ELIMIT);
    INT_EQ(form.n, 0);
    srv_form_free(&form);
}

int main(int argc, char **argv)
{
    test_form();
    test_replies();
    test_public();
    test_etag();
    test_gzip();
    if (argc > 1)
        test_routes(argv[1]);
    else
        OK(!"usage: test_http SOURCE_DIR");
    return harness_exit();
}
