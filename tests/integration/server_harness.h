/* server_harness.h: starts the real fa-learn serve on 127.0.0.1 port 0 in a temporary folder
 * and speaks HTTP to it with libcurl (and raw sockets for malformed requests). Shared by the
 * integration tests; each test executable includes it once. */
#ifndef FA_TESTS_INTEGRATION_SERVER_HARNESS_H
#define FA_TESTS_INTEGRATION_SERVER_HARNESS_H

#define _GNU_SOURCE
#include "../unit/harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct server {
    pid_t pid;
    int port;
    char dir[256];     /* the temporary folder: content/, static/, data/, stderr.log */
    char base[64];     /* "http://127.0.0.1:PORT" */
};

struct response {
    long status;
    char *body;
    size_t len;
    char headers[16384];
    size_t headers_len;
    long connects; /* new connections curl opened for this request */
};

static void run_or_die(const char *cmd)
{
    if (system(cmd) != 0) {
        fprintf(stderr, "setup command failed: %s\n", cmd);
        exit(1);
    }
}

/* Copies source_dir's content/ and static/ into a new temporary folder and starts
 * `fa-learn serve --port 0` there; extra_args (may be NULL) go after the standard ones. */
static void server_start(struct server *s, const char *binary, const char *source_dir)
{
    char cmd[1024];
    int out_pipe[2];
    char line[256];
    FILE *out;

    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/fa-learn-it-XXXXXX");
    if (!mkdtemp(s->dir))
        exit(1);
    snprintf(cmd, sizeof cmd, "cp -r '%s/content' '%s/static' '%s/'", source_dir, source_dir,
             s->dir);
    run_or_die(cmd);
    if (pipe(out_pipe) != 0)
        exit(1);
    s->pid = fork();
    if (s->pid == 0) {
        char content[300], stat_dir[300], data[300], log[300];

        snprintf(content, sizeof content, "%s/content", s->dir);
        snprintf(stat_dir, sizeof stat_dir, "%s/static", s->dir);
        snprintf(data, sizeof data, "%s/data", s->dir);
        snprintf(log, sizeof log, "%s/stderr.log", s->dir);
        dup2(out_pipe[1], 1);
        if (!freopen(log, "w", stderr))
            _exit(127);
        close(out_pipe[0]);
        execl(binary, binary, "serve", "--port", "0", "--threads", "2", "--content", content,
              "--static", stat_dir, "--data", data, (char *)NULL);
        _exit(127);
    }
    close(out_pipe[1]);
    out = fdopen(out_pipe[0], "r");
    if (!out || !fgets(line, sizeof line, out) ||
        sscanf(line, "fa-learn: serving http://127.0.0.1:%d/", &s->port) != 1) {
        fprintf(stderr, "server did not start; its log is in %s/stderr.log\n", s->dir);
        exit(1);
    }
    fclose(out);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
}

/* Waiting for an event, never for a time (issue 16): conditions are polled every POLL_US for
 * at most WAIT_S seconds, a bound far past what a loaded machine needs. */
#define POLL_US (20 * 1000)
#define WAIT_S 20.0

static inline double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How many times needle occurs in the server's log (its stderr). */
static inline int log_count(const struct server *s, const char *needle)
{
    char path[400];
    FILE *f;
    char *text = NULL;
    size_t cap = 0, len = 0, n;
    int count = 0;

    snprintf(path, sizeof path, "%s/stderr.log", s->dir);
    f = fopen(path, "r");
    if (!f)
        return 0;
    do {
        if (len + 65536 + 1 > cap)
            text = realloc(text, cap = 2 * cap + 65536 + 1);
        n = fread(text + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0);
    fclose(f);
    text[len] = '\0';
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        count++;
    free(text);
    return count;
}

/* Waits until the server's log holds at least n lines with needle; false past WAIT_S. */
static inline bool wait_log(const struct server *s, const char *needle, int n)
{
    for (double deadline = now_s() + WAIT_S; log_count(s, needle) < n;) {
        if (now_s() > deadline) {
            fprintf(stderr, "no %d lines with '%s' in %s/stderr.log\n", n, needle, s->dir);
            return false;
        }
        usleep(POLL_US);
    }
    return true;
}

/* Sends SIGHUP and waits for the server to log the reload's outcome (needle: "event=reload
 * ok=1" or "ok=0"), one more time than before: the proof that this reload happened. */
static inline void reload(const struct server *s, const char *needle)
{
    int before = log_count(s, "event=reload ok="), before_needle = log_count(s, needle);

    kill(s->pid, SIGHUP);
    OK(wait_log(s, "event=reload ok=", before + 1));
    INT_EQ(log_count(s, needle), before_needle + 1);
}

static bool server_alive(const struct server *s)
{
    return kill(s->pid, 0) == 0 && waitpid(s->pid, NULL, WNOHANG) == 0;
}

/* Stops the server with SIGTERM and returns its exit status (-1 when it had to be killed). */
static int server_stop(struct server *s)
{
    int status = 0;
    char cmd[300];

    kill(s->pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(s->pid, &status, WNOHANG) == s->pid)
            break;
        usleep(50 * 1000);
        if (i == 99) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
            return -1;
        }
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    run_or_die(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static size_t on_body(char *data, size_t size, size_t n, void *cls)
{
    struct response *r = cls;

    r->body = realloc(r->body, r->len + size * n + 1);
    memcpy(r->body + r->len, data, size * n);
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *cls)
{
    struct response *r = cls;
    size_t len = size * n;

    if (r->headers_len + len < sizeof r->headers) {
        memcpy(r->headers + r->headers_len, data, len);
        r->headers_len += len;
        r->headers[r->headers_len] = '\0';
    }
    return len;
}

/* Performs one request on handle (reused, so keep-alive applies). method NULL means GET;
 * headers is a NULL-terminated list or NULL; body may be NULL. */
static void request_on(CURL *h, const char *url, const char *method, const char *const *headers,
                       const char *body, size_t body_len, bool decode_gzip, struct response *r)
{
    struct curl_slist *list = NULL;

    free(r->body);
    memset(r, 0, sizeof *r);
    for (; headers && *headers; headers++)
        list = curl_slist_append(list, *headers);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L); /* send ../ as written */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, decode_gzip ? "gzip" : NULL);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_NOBODY, method && strcmp(method, "HEAD") == 0 ? 1L : 0L);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    if (curl_easy_perform(h) == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r->connects);
    }
    if (!r->body)
        r->body = calloc(1, 1);
    curl_slist_free_all(list);
}

static void get(const struct server *s, const char *path, const char *const *headers,
                struct response *r)
{
    char url[2048];
    CURL *h = curl_easy_init();

    snprintf(url, sizeof url, "%s%s", s->base, path);
    request_on(h, url, NULL, headers, NULL, 0, false, r);
    curl_easy_cleanup(h);
}

/* The value of header name in r (case-insensitive), copied into out; false when absent. */
static bool header_value(const struct response *r, const char *name, char *out, size_t cap)
{
    size_t name_len = strlen(name);

    for (const char *line = r->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        if (!end)
            break;
        if (strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
            const char *v = line + name_len + 1;
            size_t len;
            while (*v == ' ')
                v++;
            len = (size_t)(end - v) < cap - 1 ? (size_t)(end - v) : cap - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return true;
        }
        line = end + 2;
    }
    return false;
}

/* Sends raw bytes on a fresh connection and returns the status of the answer (0 if none). */
static int raw_request(const struct server *s, const char *bytes, size_t len)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;
    char answer[512] = {0};
    struct timeval tv = {.tv_sec = 10};
    size_t sent = 0;

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return 0;
    }
    while (sent < len) {
        ssize_t n = send(fd, bytes + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    if (recv(fd, answer, sizeof answer - 1, 0) > 0)
        sscanf(answer, "HTTP/1.%*d %d", &status);
    close(fd);
    return status;
}

#endif
