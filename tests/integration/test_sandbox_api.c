/* test_sandbox_api.c: POST /api/run over real HTTP, through the real supervisor and jail
 * (issue 4, "CLI and HTTP" and "Concurrency"). Usage: test_sandbox_api FA_LEARN SOURCE_DIR
 * TEST_NAME (ctest runs each name as integration.api_run.NAME). */
#include "server_harness.h"

#include <pthread.h>

static const char *binary, *source_dir;
static const char *const json_headers[] = {"Content-Type: application/json", NULL};

/* POSTs body to /api/run with headers (JSON content type when NULL). */
static void post_run(const struct server *s, const char *body, size_t len,
                     const char *const *headers, struct response *r)
{
    char url[128];
    CURL *h = curl_easy_init();

    snprintf(url, sizeof url, "%s/api/run", s->base);
    request_on(h, url, "POST", headers ? headers : json_headers, body, len, false, r);
    curl_easy_cleanup(h);
}

static void post_code(const struct server *s, const char *body, struct response *r)
{
    post_run(s, body, strlen(body), NULL, r);
}

/* A trivial snippet: 200, its output, status ok, no "id" leaking from the frame protocol. */
static void test_ok(struct server *s)
{
    struct response r = {0};
    char type[128];

    post_code(s, "{\"code\": \"print(6 * 7)\"}", &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "\"status\":\"ok\""));
    OK(CONTAINS(r.body, "\"stdout\":\"42\\n\""));
    OK(CONTAINS(r.body, "\"trace\":["));
    OK(CONTAINS(r.body, "\"counters\":"));
    OK(!CONTAINS(r.body, "\"id\":"));
    OK(header_value(&r, "Content-Type", type, sizeof type));
    STR_EQ(type, "application/json");
    /* Every option, valid, with a charset in the content type. */
    {
        static const char *const headers[] = {"Content-Type: application/json; charset=utf-8",
                                              NULL};
        static const char body[] =
            "{\"code\": \"print(len('h\\u00e9\xe2\x82\xac'))\", \"monitoring\": false, \"time_limit_ms\": 2000,"
            " \"disable\": false, \"safe_native\": [\"labnative.checksum\", \"_x.y\"],"
            " \"preset\": \"hook-only\"}";

        post_run(s, body, strlen(body), headers, &r);
        INT_EQ(r.status, 200);
        /* Non-ASCII code reaches Python as the characters sent (escaped or raw UTF-8). */
        OK(CONTAINS(r.body, "\"stdout\":\"3\\n\""));
    }
    /* A same-origin browser request is accepted. */
    {
        char origin[128];
        const char *headers[] = {"Content-Type: application/json", origin, NULL};

        snprintf(origin, sizeof origin, "Origin: %s", s->base);
        post_run(s, "{\"code\": \"pass\"}", 16, headers, &r);
        INT_EQ(r.status, 200);
    }
    /* GET is not a way to run anything. */
    get(s, "/api/run", NULL, &r);
    INT_EQ(r.status, 405);
    OK(header_value(&r, "Allow", type, sizeof type));
    STR_EQ(type, "POST");
    free(r.body);
}

/* subprocess is denied by the engine, and the trace says so. */
static void test_denied(struct server *s)
{
    struct response r = {0};

    post_code(s, "{\"code\": \"import subprocess\\nsubprocess.run(['true'])\"}", &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "\"status\":\"denied\""));
    OK(CONTAINS(r.body, "\"event\":\"subprocess.Popen\""));
    OK(CONTAINS(r.body, "\"decision\":\"deny\""));
    OK(CONTAINS(r.body, "PermissionError"));
    free(r.body);
}

static void expect_error(struct server *s, const char *body, size_t len,
                         const char *const *headers, long status, const char *message)
{
    struct response r = {0};

    post_run(s, body, len, headers, &r);
    if (r.status != status || !CONTAINS(r.body, message))
        fprintf(stderr, "body %.60s... answered %ld %.300s\n", body, r.status, r.body);
    INT_EQ(r.status, status);
    OK(CONTAINS(r.body, message));
    free(r.body);
}

/* Malformed requests: each gets its own status and a sentence that names the problem. */
static void test_bad_requests(struct server *s)
{
    static const char *const text_type[] = {"Content-Type: text/plain", NULL};
    static const char *const form_type[] = {"Content-Type: application/x-www-form-urlencoded",
                                            NULL};
    static const char *const foreign[] = {"Content-Type: application/json",
                                          "Origin: http://evil.example", NULL};
    static const char *const null_origin[] = {"Content-Type: application/json", "Origin: null",
                                              NULL};
    static const struct {
        const char *body;
        const char *message;
    } bad[] = {
        {"{\"code\": ", "{\"error\":\"the body is not valid JSON: "},
        {"not json", "the body is not valid JSON: "},
        {"[1, 2]", "the body must be a JSON object"},
        {"{\"code\": \"x\", \"code\": \"y\"}", "the body is not valid JSON: duplicate"},
        {"{\"code\": \"print(1)\", \"colour\": 1}", "{\"error\":\"unknown option: colour\"}"},
        {"{}", "code is required"},
        {"{\"code\": 12}", "code must be a string"},
        {"{\"code\": \"x\", \"monitoring\": \"yes\"}", "monitoring must be true or false"},
        {"{\"code\": \"x\", \"disable\": 1}", "disable must be true or false"},
        {"{\"code\": \"x\", \"time_limit_ms\": \"300\"}", "time_limit_ms must be a whole number"},
        {"{\"code\": \"x\", \"time_limit_ms\": 99}", "from 100 to 10000"},
        {"{\"code\": \"x\", \"time_limit_ms\": 10001}", "from 100 to 10000"},
        {"{\"code\": \"x\", \"time_limit_ms\": 500.5}", "time_limit_ms must be a whole number"},
        {"{\"code\": \"x\", \"safe_native\": \"labnative\"}", "safe_native must be an array"},
        {"{\"code\": \"x\", \"safe_native\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\","
         "\"i\"]}", "at most 8"},
        {"{\"code\": \"x\", \"safe_native\": [\"ok\", \"os; rm\"]}", "safe_native[1] must be"},
        {"{\"code\": \"x\", \"safe_native\": [\"9lives\"]}", "safe_native[0] must be"},
        {"{\"code\": \"x\", \"safe_native\": [3]}", "safe_native[0] must be"},
        {"{\"code\": \"x\", \"preset\": \"lax\"}", "preset must be one of"},
        {"{\"code\": \"x\", \"preset\": true}", "preset must be one of"},
        {"{\"code\": \"\\u0000\"}", "the body is not valid JSON"},
        {"{\"code\": \"\xff\"}", "the body is not valid JSON"},
    };
    char *big = malloc(100 * 1024);
    size_t len;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(s, bad[i].body, strlen(bad[i].body), NULL, 400, bad[i].message);
    /* Code over 64 KiB in a body under the 80 KiB cap: 400, not 413. */
    len = (size_t)sprintf(big, "{\"code\": \"");
    memset(big + len, '#', 64 * 1024 + 1);
    len += 64 * 1024 + 1;
    len += (size_t)sprintf(big + len, "\"}");
    expect_error(s, big, len, NULL, 400, "code is longer than 65536 bytes");
    /* Exactly 64 KiB of code is fine (a comment). */
    len = (size_t)sprintf(big, "{\"code\": \"");
    memset(big + len, '#', 64 * 1024);
    len += 64 * 1024;
    len += (size_t)sprintf(big + len, "\"}");
    {
        struct response r = {0};

        post_run(s, big, len, NULL, &r);
        INT_EQ(r.status, 200);
        OK(CONTAINS(r.body, "\"status\":\"ok\""));
        free(r.body);
    }
    /* A body past 80 KiB: 413 from the adapter. */
    len = (size_t)sprintf(big, "{\"code\": \"");
    memset(big + len, '#', 81 * 1024);
    len += 81 * 1024;
    len += (size_t)sprintf(big + len, "\"}");
    {
        struct response r = {0};

        post_run(s, big, len, NULL, &r);
        INT_EQ(r.status, 413);
        free(r.body);
    }
    expect_error(s, "{\"code\": \"print(1)\"}", 20, text_type, 415, "Content-Type");
    expect_error(s, "{\"code\": \"print(1)\"}", 20, form_type, 415, "Content-Type");
    expect_error(s, "{\"code\": \"print(1)\"}", 20, foreign, 403, "cross-origin");
    expect_error(s, "{\"code\": \"print(1)\"}", 20, null_origin, 403, "cross-origin");
    free(big);
}

/* An endless loop ends at its own time limit, as a "limit" result (the answer names the
 * time limit: nothing else could have ended the loop). */
static void test_time_limit(struct server *s)
{
    struct response r = {0};

    post_code(s, "{\"code\": \"while True:\\n    pass\", \"time_limit_ms\": 300}", &r);
    INT_EQ(r.status, 200);
    OK(CONTAINS(r.body, "\"status\":\"limit\""));
    OK(CONTAINS(r.body, "\"limit\":\"time\""));
    free(r.body);
}

struct run_client {
    const struct server *s;
    const char *body;
    struct response r;
};

static void *run_client_main(void *arg)
{
    struct run_client *c = arg;

    post_code(c->s, c->body, &c->r);
    return NULL;
}

/* A gauge or counter without labels from /metrics (loopback may read it); 0 when absent. */
static long metric(const struct server *s, const char *name)
{
    struct response r = {0};
    char line[128];
    const char *p;
    long value = 0;

    snprintf(line, sizeof line, "\n%s ", name);
    get(s, "/metrics", NULL, &r);
    p = r.body ? strstr(r.body, line) : NULL;
    if (p)
        value = strtol(p + strlen(line), NULL, 10);
    free(r.body);
    return value;
}

/* Nine sleeping runs at once on a server with 2 HTTP threads: they all finish (at most
 * max_running + max_queued wait), and the wiki answers while they are still waiting, which it
 * could not if a pool thread waited on a run. The runs' own count in /metrics says when all
 * nine are in and whether any is still waiting after the wiki's answers. */
static void test_concurrency(struct server *s)
{
    enum { N_RUNS = 9, N_WIKI = 20 };
    struct run_client runs[N_RUNS];
    pthread_t threads[N_RUNS];
    struct response r = {0};
    int n_ok = 0, wiki_ok = 0;
    long waiting = 0;

    for (int i = 0; i < N_RUNS; i++) {
        runs[i] = (struct run_client){.s = s,
                                      .body = "{\"code\": \"import time\\ntime.sleep(1)\\n"
                                              "print('woke')\"}"};
        pthread_create(&threads[i], NULL, run_client_main, &runs[i]);
    }
    for (double deadline = now_s() + WAIT_S;
         (waiting = metric(s, "fa_learn_sandbox_queue_depth")) < N_RUNS && now_s() < deadline;)
        usleep(POLL_US);
    INT_EQ(waiting, N_RUNS);
    for (int i = 0; i < N_WIKI; i++) {
        get(s, "/wiki/big-picture", NULL, &r);
        wiki_ok += r.status == 200;
    }
    /* Still waiting: the wiki was answered while every pool thread could have been taken. */
    waiting = metric(s, "fa_learn_sandbox_queue_depth");
    INT_EQ(wiki_ok, N_WIKI);
    OK(waiting > 0);
    for (int i = 0; i < N_RUNS; i++) {
        pthread_join(threads[i], NULL);
        if (runs[i].r.status == 200 && CONTAINS(runs[i].r.body, "\"status\":\"ok\"") &&
            CONTAINS(runs[i].r.body, "woke"))
            n_ok++;
        else
            fprintf(stderr, "run %d: %ld %.200s\n", i, runs[i].r.status, runs[i].r.body);
    }
    /* 9 <= max_running (CPU count) + 16 queued: none should be refused. */
    INT_EQ(n_ok, N_RUNS);
    for (int i = 0; i < N_RUNS; i++)
        free(runs[i].r.body);
    free(r.body);
}

/* The supervisor's pid from /metrics (loopback may read it), 0 while it is down or absent. */
static long sandbox_pid(const struct server *s)
{
    return metric(s, "fa_learn_sandbox_supervisor_pid");
}

/* The supervisor dies: the run waiting on it gets 503 at once, later runs get 503 with
 * Retry-After, /metrics says so, and the rest of the site carries on. */
static void test_supervisor_death(struct server *s)
{
    struct run_client waiting = {.s = s, .body = "{\"code\": \"import time\\ntime.sleep(5)\"}"};
    struct response r = {0};
    pthread_t thread;
    char retry[32];
    long pid = sandbox_pid(s);
    char stat_path[64];
    FILE *f;
    long ppid = 0;

    OK(pid > 0);
    /* It is the server's child. */
    snprintf(stat_path, sizeof stat_path, "/proc/%ld/stat", pid);
    f = fopen(stat_path, "r");
    OK(f && fscanf(f, "%*d (%*[^)]) %*c %ld", &ppid) == 1);
    if (f)
        fclose(f);
    INT_EQ(ppid, s->pid);
    if (pid <= 0 || ppid != s->pid)
        return;
    post_code(s, "{\"code\": \"print('alive')\"}", &r);
    INT_EQ(r.status, 200);

    pthread_create(&thread, NULL, run_client_main, &waiting);
    /* The run is under way once the server has sent it and waits for the answer (issue 16:
     * waited for, not guessed at with a sleep). */
    for (double deadline = now_s() + WAIT_S;
         metric(s, "fa_learn_sandbox_queue_depth") < 1 && now_s() < deadline;)
        usleep(POLL_US);
    INT_EQ(metric(s, "fa_learn_sandbox_queue_depth"), 1);
    OK(kill((pid_t)pid, SIGKILL) == 0);
    pthread_join(thread, NULL);
    /* 503, not the run's own answer (it would have slept 5 s, then 200). */
    INT_EQ(waiting.r.status, 503);
    OK(CONTAINS(waiting.r.body, "the sandbox is down"));

    post_code(s, "{\"code\": \"print(1)\"}", &r);
    INT_EQ(r.status, 503);
    OK(CONTAINS(r.body, "{\"error\":\"the sandbox is down"));
    OK(header_value(&r, "Retry-After", retry, sizeof retry));
    STR_EQ(retry, "2");
    INT_EQ(sandbox_pid(s), 0);
    get(s, "/wiki/big-picture", NULL, &r);
    INT_EQ(r.status, 200);
    /* Validation still answers before the sandbox is asked. */
    post_code(s, "{\"colour\": 1}", &r);
    INT_EQ(r.status, 400);
    /* A new supervisor comes up (about a second later), and runs work again. */
    {
        long fresh = 0;
        for (double deadline = now_s() + WAIT_S; fresh <= 0 && now_s() < deadline;) {
            usleep(POLL_US);
            fresh = sandbox_pid(s);
        }
        OK(fresh > 0 && fresh != pid);
        post_code(s, "{\"code\": \"print('back')\"}", &r);
        INT_EQ(r.status, 200);
        OK(CONTAINS(r.body, "back"));
    }
    free(r.body);
    free(waiting.r.body);
}

/* --no-sandbox (here FA_LEARN_NO_SANDBOX=1): 503 "the sandbox is off", the site works. */
static void test_off(struct server *s)
{
    struct response r = {0};

    post_code(s, "{\"code\": \"print(1)\"}", &r);
    INT_EQ(r.status, 503);
    STR_EQ(r.body, "{\"error\":\"the sandbox is off\"}");
    INT_EQ(sandbox_pid(s), 0);
    get(s, "/wiki/big-picture", NULL, &r);
    INT_EQ(r.status, 200);
    free(r.body);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(struct server *s);
    } tests[] = {
        {"ok", test_ok},
        {"denied", test_denied},
        {"bad_requests", test_bad_requests},
        {"time_limit", test_time_limit},
        {"concurrency", test_concurrency},
        {"supervisor_death", test_supervisor_death},
        {"off", test_off},
    };
    struct server s;
    bool found = false;

    if (argc != 4) {
        fprintf(stderr, "usage: test_sandbox_api FA_LEARN SOURCE_DIR TEST\n");
        return 2;
    }
    (void)raw_request;
    binary = argv[1];
    source_dir = argv[2];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (strcmp(tests[i].name, argv[3]) != 0)
            continue;
        found = true;
        if (tests[i].run == test_off)
            setenv("FA_LEARN_NO_SANDBOX", "1", 1);
        server_start(&s, binary, source_dir);
        tests[i].run(&s);
        OK(server_alive(&s));
        INT_EQ(server_stop(&s), 0);
    }
    curl_global_cleanup();
    if (!found)
        fprintf(stderr, "no test named %s\n", argv[3]);
    return found ? harness_exit() : 2;
}
