/* test_server.c: integration tests of `fa-learn serve` over real HTTP on a loopback port.
 * Usage: test_server FA_LEARN_BINARY SOURCE_DIR TEST_NAME (ctest runs each name). */
#include "server_harness.h"

#include <dirent.h>
#include <pthread.h>

static const char *binary, *source_dir;

/* The first "# " line of a Markdown file, in title. */
static bool md_title(const char *path, char *title, size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    bool found = false;

    while (f && !found && fgets(line, sizeof line, f)) {
        if (strncmp(line, "# ", 2) == 0) {
            line[strcspn(line, "\r\n")] = '\0';
            snprintf(title, cap, "%.*s", (int)(cap - 1), line + 2);
            found = true;
        }
    }
    if (f)
        fclose(f);
    return found;
}

/* Every wiki page answers 200 with its title; the home page, the contents and /healthz too. */
static void test_pages(struct server *s)
{
    char pages_dir[300], path[600], url[400], title[512];
    struct response r = {0};
    DIR *dir;
    struct dirent *e;
    int n_pages = 0;

    snprintf(pages_dir, sizeof pages_dir, "%s/content/pages", s->dir);
    dir = opendir(pages_dir);
    OK(dir != NULL);
    while (dir && (e = readdir(dir)) != NULL) {
        const char *dash = strchr(e->d_name, '-');
        size_t len = strlen(e->d_name);

        if (!dash || len < 4 || strcmp(e->d_name + len - 3, ".md") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", pages_dir, e->d_name);
        OK(md_title(path, title, sizeof title));
        snprintf(url, sizeof url, "/wiki/%.*s", (int)(len - 3 - (size_t)(dash + 1 - e->d_name)),
                 dash + 1);
        get(s, url, NULL, &r);
        INT_EQ(r.status, 200);
        OK(CONTAINS(r.body, "<title>"));
        OK(CONTAINS(r.body, "class=\"toc\""));
        OK(CONTAINS(r.body, "class=\"sidebar\""));
        /* The title appears escaped in <title>; titles here have no special characters. */
        OK(CONTAINS(r.body, title));
        n_pages++;
    }
    if (dir)
        closedir(dir);
    OK(n_pages >= 2);

    get(s, "/", NULL, &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "home-cards"));
    OK(CONTAINS(r.body, "href=\"/wiki\""));
    get(s, "/wiki", NULL, &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "Course contents"));
    /* /healthz is public: status and version, nothing an operator would keep to itself. */
    get(s, "/healthz", NULL, &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "\"status\":\"ok\""));
    OK(CONTAINS(r.body, "\"version\":"));
    OK(!CONTAINS(r.body, "sandbox") && !CONTAINS(r.body, "attempts"));
    /* The details are on /metrics, for loopback. */
    get(s, "/metrics", NULL, &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "fa_learn_build_info{version=\""));
    OK(CONTAINS(r.body, "python=\"3."));
    OK(CONTAINS(r.body, "\nfa_learn_process_start_time_seconds "));
    free(r.body);
}

static void test_caching(struct server *s)
{
    struct response r = {0};
    char etag[64] = "", header[128], cache[128] = "", type[128] = "";
    const char *headers[2] = {header, NULL};
    char *plain;
    size_t plain_len;
    CURL *h = curl_easy_init();
    char url[256];

    get(s, "/wiki/big-picture", NULL, &r);
    INT_EQ(r.status, 200);
    OK(header_value(&r, "ETag", etag, sizeof etag));
    OK(etag[0] == '"');
    OK(header_value(&r, "Content-Type", type, sizeof type));
    STR_EQ(type, "text/html; charset=utf-8");
    OK(header_value(&r, "Cache-Control", cache, sizeof cache));
    STR_EQ(cache, "no-cache");
    plain = r.body;
    plain_len = r.len;
    r.body = NULL;

    snprintf(header, sizeof header, "If-None-Match: %s", etag);
    get(s, "/wiki/big-picture", headers, &r);
    INT_EQ(r.status, 304);
    INT_EQ(r.len, 0);
    snprintf(header, sizeof header, "If-None-Match: \"other\", W/%s", etag);
    get(s, "/wiki/big-picture", headers, &r);
    INT_EQ(r.status, 304);
    snprintf(header, sizeof header, "If-None-Match: \"not-this-one\"");
    get(s, "/wiki/big-picture", headers, &r);
    INT_EQ(r.status, 200);

    /* gzip: the encoded variant decodes to exactly the plain page, with its own ETag. */
    snprintf(url, sizeof url, "%s/wiki/big-picture", s->base);
    request_on(h, url, NULL, NULL, NULL, 0, true, &r);
    INT_EQ(r.status, 200);
    OK(header_value(&r, "Content-Encoding", header, sizeof header));
    STR_EQ(header, "gzip");
    OK(header_value(&r, "Vary", header, sizeof header));
    INT_EQ(r.len, plain_len);
    OK(r.len == plain_len && memcmp(r.body, plain, plain_len) == 0);
    OK(header_value(&r, "ETag", header, sizeof header));
    OK(strcmp(header, etag) != 0);
    snprintf(header, sizeof header, "Accept-Encoding: gzip;q=0");
    get(s, "/wiki/big-picture", headers, &r);
    OK(!header_value(&r, "Content-Encoding", cache, sizeof cache));

    /* Static files: long-lived, immutable (their URLs carry ?v=). */
    get(s, "/static/css/site.css", NULL, &r);
    INT_EQ(r.status, 200);
    OK(header_value(&r, "Cache-Control", cache, sizeof cache));
    OK(CONTAINS(cache, "max-age=31536000"));
    OK(header_value(&r, "Content-Type", type, sizeof type));
    STR_EQ(type, "text/css; charset=utf-8");
    get(s, "/vendor/codemirror/mode/python/python.js", NULL, &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "defineMode"));
    curl_easy_cleanup(h);
    free(plain);
    free(r.body);
}

static void check_security_headers(const struct response *r)
{
    char v[512];

    OK(header_value(r, "Content-Security-Policy", v, sizeof v));
    OK(CONTAINS(v, "script-src 'self'"));
    OK(!CONTAINS(v, "unsafe-inline"));
    OK(header_value(r, "X-Content-Type-Options", v, sizeof v) && strcmp(v, "nosniff") == 0);
    OK(header_value(r, "Referrer-Policy", v, sizeof v));
    OK(header_value(r, "X-Frame-Options", v, sizeof v) && strcmp(v, "DENY") == 0);
}

static void test_security_headers(struct server *s)
{
    static const char *const paths[] = {"/", "/wiki/big-picture", "/static/css/site.css",
                                        "/no-such-page", "/healthz", "/search?q=hook"};
    struct response r = {0};

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        get(s, paths[i], NULL, &r);
        OK(r.status == 200 || r.status == 404);
        check_security_headers(&r);
    }
    /* The pages themselves carry no inline script or style for the CSP to block. */
    get(s, "/wiki/big-picture", NULL, &r);
    OK(!CONTAINS(r.body, "<script>"));
    OK(!CONTAINS(r.body, "style=\""));
    OK(!CONTAINS(r.body, " onclick="));
    free(r.body);
}

static void test_not_found_and_traversal(struct server *s)
{
    static const char *const paths[] = {
        "/no-such-page", "/wiki/no-such-page", "/wiki/../server/cli/main.c",
        "/static/../CMakeLists.txt", "/static/%2e%2e/CMakeLists.txt",
        "/static/%2e%2e%2fCMakeLists.txt", "/static/..%2f..%2f..%2fetc%2fpasswd",
        "/static//etc/passwd", "/static/css/../../content/home.md",
        "/vendor/codemirror/../../../../../etc/passwd", "/vendor/codemirror/lib/../../../../../../etc/passwd",
        "/static/%252e%252e/CMakeLists.txt", "/static/.hidden", "/static/link-out.css",
        "/static/css/site.css%00.txt", "/etc/passwd", "/static/css\\..\\..\\CMakeLists.txt",
    };
    struct response r = {0};
    char link[400];

    /* A symlink inside the static folder that points out of it must not be served. */
    snprintf(link, sizeof link, "%s/static/link-out.css", s->dir);
    OK(symlink("/etc/passwd", link) == 0);
    reload(s, "event=reload ok=1");
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        get(s, paths[i], NULL, &r);
        if (r.status != 404)
            fprintf(stderr, "path %s answered %ld\n", paths[i], r.status);
        INT_EQ(r.status, 404);
        OK(!CONTAINS(r.body, "root:"));
        OK(!CONTAINS(r.body, "cmake_minimum_required"));
    }
    get(s, "/no-such-page", NULL, &r);
    OK(CONTAINS(r.body, "Page not found"));
    OK(CONTAINS(r.body, "class=\"site-header\"")); /* in the site's layout */
    free(r.body);
}

static void test_limits(struct server *s)
{
    struct response r = {0};
    char *big_header = malloc(40000), *big_body = malloc(200000), *req;
    const char *headers[2] = {big_header, NULL};
    CURL *h = curl_easy_init();
    char url[256];
    size_t len;
    int status;

    /* Headers past the cap: 431. */
    memcpy(big_header, "X-Filler: ", 10);
    memset(big_header + 10, 'a', 30000);
    big_header[30010] = '\0';
    get(s, "/", headers, &r);
    OK(r.status == 431);
    /* A body past the cap: 413, announced by Content-Length... */
    memset(big_body, 'b', 200000);
    snprintf(url, sizeof url, "%s/", s->base);
    request_on(h, url, "POST", NULL, big_body, 200000, false, &r);
    INT_EQ(r.status, 413);
    /* ...or sent chunked with no length. */
    len = 0;
    req = malloc(300000);
    len += (size_t)sprintf(req, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 20; i++) {
        len += (size_t)sprintf(req + len, "2710\r\n");
        memset(req + len, 'c', 10000);
        len += 10000;
        len += (size_t)sprintf(req + len, "\r\n");
    }
    len += (size_t)sprintf(req + len, "0\r\n\r\n");
    INT_EQ(raw_request(s, req, len), 413);
    /* A small body to a page that takes none: 405, with Allow. */
    request_on(h, url, "POST", NULL, "x=1", 3, false, &r);
    INT_EQ(r.status, 405);
    OK(header_value(&r, "Allow", url, sizeof url));
    /* A huge URL. */
    len = (size_t)sprintf(req, "GET /");
    memset(req + len, 'u', 40000);
    len += 40000;
    len += (size_t)sprintf(req + len, " HTTP/1.1\r\nHost: x\r\n\r\n");
    /* One request, one answer (issue 16: the || used to send it a second time when the first
     * answer was not 414). libmicrohttpd says 414 or 431 depending on where the line ends up
     * cut. */
    status = raw_request(s, req, len);
    if (status != 414 && status != 431)
        fprintf(stderr, "a 40000-byte URL answered %d\n", status);
    OK(status == 414 || status == 431);
    /* Malformed requests get 400 (505 for an unknown version), and the server carries on. */
    {
        static const struct {
            const char *bytes;
            int status;
        } bad[] = {
            {"GET / HTTP/1.1\r\n\r\n", 400}, /* no Host */
            {"FOO BAR BAZ\r\n\r\n", 400},
            {"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400},
            {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
            {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", 400},
            {"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505},
            /* A request line of one word is HTTP/0.9-like: libmicrohttpd just closes. */
            {"GARBAGE\r\n\r\n", 0},
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            INT_EQ(raw_request(s, bad[i].bytes, strlen(bad[i].bytes)), bad[i].status);
    }
    OK(server_alive(s));
    get(s, "/", NULL, &r);
    INT_EQ(r.status, 200);
    free(req);
    free(big_header);
    free(big_body);
    curl_easy_cleanup(h);
    free(r.body);
}

/* Past the per-client connection cap, a new connection's request gets 503. */
static void test_connection_limit(struct server *s)
{
    enum { N = 70 };
    int fds[N];
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct response r = {0};
    int status;
    double deadline;

    for (int i = 0; i < N; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        OK(connect(fds[i], (struct sockaddr *)&addr, sizeof addr) == 0);
    }
    /* The server accepts the N connections in its own time: the refusal is the event waited
     * for (a deadline, not a guess at how long accepting takes). */
    for (deadline = now_s() + WAIT_S;;) {
        status = raw_request(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
        if (status == 503 || now_s() > deadline)
            break;
        usleep(POLL_US);
    }
    INT_EQ(status, 503);
    for (int i = 0; i < N; i++)
        close(fds[i]);
    /* And once they are closed, the server sees it and serves this client again. */
    for (deadline = now_s() + WAIT_S;;) {
        get(s, "/", NULL, &r);
        if (r.status == 200 || now_s() > deadline)
            break;
        usleep(POLL_US);
    }
    INT_EQ(r.status, 200);
    free(r.body);
}

struct burst {
    const struct server *s;
    int ok;
    long connects;
};

static void *burst_client(void *arg)
{
    struct burst *b = arg;
    CURL *h = curl_easy_init();
    struct response r = {0};
    char url[256];

    for (int i = 0; i < 50; i++) {
        snprintf(url, sizeof url, "%s%s", b->s->base, i % 2 ? "/wiki/big-picture" : "/");
        request_on(h, url, NULL, NULL, NULL, 0, false, &r);
        b->ok += r.status == 200 && CONTAINS(r.body, "</html>");
        b->connects += r.connects;
    }
    curl_easy_cleanup(h);
    free(r.body);
    return NULL;
}

/* 16 clients, 50 requests each on one connection: all answered, connections reused. */
static void test_keepalive_burst(struct server *s)
{
    enum { CLIENTS = 16 };
    pthread_t threads[CLIENTS];
    struct burst bursts[CLIENTS];

    for (int i = 0; i < CLIENTS; i++) {
        bursts[i] = (struct burst){.s = s};
        pthread_create(&threads[i], NULL, burst_client, &bursts[i]);
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        INT_EQ(bursts[i].ok, 50);
        INT_EQ(bursts[i].connects, 1); /* one connection for all 50: keep-alive works */
    }
}

static void test_reload(struct server *s)
{
    char path[400];
    struct response r = {0};
    FILE *f;
    bool seen = false;
    CURL *h = curl_easy_init();
    char url[256];

    snprintf(url, sizeof url, "%s/wiki/big-picture", s->base);
    request_on(h, url, NULL, NULL, NULL, 0, false, &r); /* a connection open across the reload */
    INT_EQ(r.status, 200);
    OK(!CONTAINS(r.body, "Reloaded heading"));
    snprintf(path, sizeof path, "%s/content/pages/01-big-picture.md", s->dir);
    f = fopen(path, "a");
    OK(f != NULL);
    if (f) {
        fputs("\n## Reloaded heading\n\nThis section was added while the server ran.\n", f);
        fclose(f);
    }
    /* The server's log line is the proof that this reload happened and succeeded. */
    reload(s, "event=reload ok=1");
    request_on(h, url, NULL, NULL, NULL, 0, false, &r);
    seen = r.status == 200 && CONTAINS(r.body, "id=\"reloaded-heading\"");
    OK(seen);
    INT_EQ(r.connects, 0); /* the same connection served before and after the reload */
    /* A broken edit keeps the old content. */
    f = fopen(path, "w");
    if (f) {
        fputs("no title here\n", f);
        fclose(f);
    }
    /* Refused, and said so: without waiting for that line, the check below would pass just
     * as well had the reload not been tried yet. */
    reload(s, "event=reload ok=0");
    request_on(h, url, NULL, NULL, NULL, 0, false, &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "Reloaded heading"));
    OK(server_alive(s));
    curl_easy_cleanup(h);
    free(r.body);
}

static void test_search(struct server *s)
{
    struct response r = {0};
    char q[400];

    get(s, "/search?q=audit+hook", NULL, &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "<mark>"));
    OK(CONTAINS(r.body, "class=\"search-results\""));
    OK(CONTAINS(r.body, "href=\"/wiki/"));
    get(s, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", NULL, &r);
    INT_EQ(r.status, 200);
    OK(!CONTAINS(r.body, "<script>alert"));
    OK(CONTAINS(r.body, "&lt;script&gt;"));
    get(s, "/search?q=zzzqqqxxx", NULL, &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "0 results"));
    memset(q, 'a', 300);
    memcpy(q, "/search?q=", 10);
    q[300] = '\0';
    get(s, q, NULL, &r);
    INT_EQ(r.status, 400);
    get(s, "/api/search?q=hook", NULL, &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "\"results\":[{"));
    OK(CONTAINS(r.body, "\"url\":\"/wiki/"));
    free(r.body);
}

static void test_access_log_and_stop(struct server *s)
{
    struct response r = {0};
    char log_path[400], text[65536] = {0};
    FILE *f;
    int status;

    get(s, "/wiki/big-picture?x=1", NULL, &r);
    snprintf(log_path, sizeof log_path, "%s/stderr.log", s->dir);
    /* The access-log line is written once the answer has gone: wait for it. */
    OK(wait_log(s, "path=\"/wiki/big-picture\" status=200", 1));
    f = fopen(log_path, "r");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    OK(CONTAINS(text, "method=GET path=\"/wiki/big-picture\" status=200 bytes="));
    OK(CONTAINS(text, " us="));
    status = server_stop(s);
    INT_EQ(status, 0); /* SIGTERM is a clean stop */
    free(r.body);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(struct server *s);
    } tests[] = {
        {"pages", test_pages},       {"caching", test_caching},
        {"security", test_security_headers},
        {"notfound", test_not_found_and_traversal},
        {"limits", test_limits},     {"connlimit", test_connection_limit},
        {"keepalive", test_keepalive_burst},
        {"reload", test_reload},     {"search", test_search},
        {"log", test_access_log_and_stop},
    };
    struct server s;
    bool found = false;

    if (argc != 4) {
        fprintf(stderr, "usage: test_server FA_LEARN SOURCE_DIR TEST\n");
        return 2;
    }
    binary = argv[1];
    source_dir = argv[2];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (strcmp(tests[i].name, argv[3]) != 0)
            continue;
        found = true;
        server_start(&s, binary, source_dir);
        tests[i].run(&s);
        if (tests[i].run != test_access_log_and_stop) {
            OK(server_alive(&s));
            server_stop(&s);
        }
    }
    curl_global_cleanup();
    if (!found)
        fprintf(stderr, "no test named %s\n", argv[3]);
    return found ? harness_exit() : 2;
}
