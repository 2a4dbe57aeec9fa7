/* main.c: the fa-learn command: subcommands, flags and their FA_LEARN_* environment mirrors,
 * and the serve loop (signals: SIGINT/SIGTERM stop, SIGHUP reloads the content). */
#include "common/fa_err.h"
#include "common/fa_log.h"
#include "sandbox/sbx_python.h"
#include "sandbox/sbx_options.h"
#include "sandbox/sbx_supervisor.h"
#include "quiz/quiz_store.h"
#include "quiz/quiz_token.h"
#include "server/cli/srv_cmd_backup.h"
#include "server/cli/srv_cmd_stats.h"
#include "server/app/srv_instructor.h"
#include "server/app/srv_instructor_auth.h"
#include "server/cli/srv_cmd_check.h"
#include "server/cli/srv_cmd_run.h"
#include "server/http/srv_background.h"
#include "server/http/srv_limits.h"
#include "server/http/srv_listen.h"
#include "server/http/srv_metrics.h"
#include "server/mhd/srv_mhd.h"
#include "server/http/srv_public.h"
#include "server/http/srv_ratelimit.h"
#include "server/app/srv_routes.h"
#include "server/app/srv_sandbox.h"
#include "server/site/srv_site.h"

#include <errno.h>
#include <time.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct serve_options {
    const char *host;
    long port;
    const char *data_dir;
    const char *content_dir;
    const char *static_dir;
    const char *vendor_dir;
    const char *quiz_dir;
    long threads;
    bool quiet; /* no access log */
    bool no_sandbox; /* serve without the sandbox: /api/run answers 503 */
    const char *public_url;      /* the origin (and path prefix) browsers use, or NULL */
    const char *trusted_proxies; /* peers whose forwarded headers are believed, or NULL */
    const char *metrics_allow;   /* clients besides loopback that may read /metrics */
    const char *admin_token_file; /* the instructor's token, or NULL: the store's */
    /* The sandbox's capacity (0 workers: the CPU count) and each run's disk quota. */
    long sandbox_workers, sandbox_queue, sandbox_per_client, sandbox_disk_mb, sandbox_wait_s;
    long quiz_rate; /* quiz submissions per client and minute */
};

/* The sandbox's numeric options: flag, environment mirror, range, and where it goes. */
static const struct count_option {
    const char *flag, *env;
    long min, max, fallback;
    size_t offset; /* of the long in struct serve_options */
} count_options[] = {
    {"--sandbox-workers", "FA_LEARN_SANDBOX_WORKERS", 1, 64, 0,
     offsetof(struct serve_options, sandbox_workers)},
    {"--sandbox-queue", "FA_LEARN_SANDBOX_QUEUE", 0, 1024, SRV_RUN_MAX_QUEUED,
     offsetof(struct serve_options, sandbox_queue)},
    {"--sandbox-per-client", "FA_LEARN_SANDBOX_PER_CLIENT", 1, 64, SRV_RUN_PER_CLIENT,
     offsetof(struct serve_options, sandbox_per_client)},
    {"--sandbox-disk", "FA_LEARN_SANDBOX_DISK", 1, 4096, SRV_RUN_DISK_MB,
     offsetof(struct serve_options, sandbox_disk_mb)},
    {"--sandbox-wait", "FA_LEARN_SANDBOX_WAIT", 1, 600, SRV_RUN_MAX_WAIT_S,
     offsetof(struct serve_options, sandbox_wait_s)},
    {"--quiz-rate", "FA_LEARN_QUIZ_RATE", 0, 100000, SRV_QUIZ_RATE_PER_MINUTE,
     offsetof(struct serve_options, quiz_rate)},
};

static const char usage_main[] =
    "Usage: fa-learn COMMAND [OPTIONS]\n"
    "\n"
    "A self-hosted course on Python audit hooks, FastAudit and sandboxing.\n"
    "\n"
    "Commands:\n"
    "  serve     run the course site (wiki, quiz, sandbox) over HTTP\n"
    "  run       run a Python snippet in the sandbox and show the engine's trace\n"
    "  python    run the embedded CPython like python3, with fastaudit importable\n"
    "  check     check the course content: pages, links, images, code marks\n"
    "  backup    copy the store of quiz attempts while the server runs\n"
    "  stats     a class's attempts and question statistics (text, CSV, JSON)\n"
    "  admin-token  make a new instructor token (the old one stops working)\n"
    "  help      show help for a command: fa-learn help serve\n"
    "\n"
    "Options:\n"
    "  --help     show this help\n"
    "  --version  show the version\n";

static const char usage_serve[] =
    "Usage: fa-learn serve [OPTIONS]\n"
    "\n"
    "Serves the course on HTTP until SIGINT or SIGTERM; SIGHUP reloads the content.\n"
    "Each option can also be set by the environment variable in brackets; a flag wins.\n"
    "\n"
    "  --host ADDR     address to listen on [FA_LEARN_HOST] (default 127.0.0.1)\n"
    "  --port N        port, 0 for any free port [FA_LEARN_PORT] (default 8080)\n"
    "  --data DIR      data folder, created if missing [FA_LEARN_DATA] (default ./fa-learn-data)\n"
    "  --content DIR   content folder with home.md and pages/ [FA_LEARN_CONTENT]\n"
    "  --static DIR    folder served under /static/ [FA_LEARN_STATIC]\n"
    "  --vendor DIR    CodeMirror 5 folder, served under /vendor/codemirror/ [FA_LEARN_VENDOR]\n"
    "  --quiz DIR      the question bank (topics.md, questions/) [FA_LEARN_QUIZ]\n"
    "  --threads N     HTTP worker threads, 1-64 [FA_LEARN_THREADS] (default: the CPU count)\n"
    "  --quiet         no access log [FA_LEARN_QUIET=1]\n"
    "  --public-url URL        the address browsers use, behind a reverse proxy:\n"
    "                          http(s)://HOST[:PORT][/PREFIX] [FA_LEARN_PUBLIC_URL]\n"
    "  --trusted-proxy ADDR[,ADDR...]  peers (addresses or ADDR/BITS) whose X-Forwarded-*\n"
    "                          and Forwarded headers are believed [FA_LEARN_TRUSTED_PROXY]\n"
    "  --quiz-rate N   quiz submissions per client address and minute, 0 for no limit;\n"
    "                  past it 429 [FA_LEARN_QUIZ_RATE] (default 30)\n"
    "  --metrics-allow ADDR[,ADDR...]  clients besides loopback that may read /metrics\n"
    "                          [FA_LEARN_METRICS_ALLOW]\n"
    "  --admin-token-file FILE  the instructor's token (16-256 characters) for\n"
    "                  /instructor [FA_LEARN_ADMIN_TOKEN_FILE]; without it a token is made at\n"
    "                  the first start, printed once, and kept as a hash in DATA\n"
    "  --no-sandbox    serve without the sandbox; POST /api/run answers 503\n"
    "                  [FA_LEARN_NO_SANDBOX=1]\n"
    "  --sandbox-workers N     runs at once, 1-64 [FA_LEARN_SANDBOX_WORKERS]\n"
    "                          (default: the CPU count)\n"
    "  --sandbox-queue N       runs waiting for a worker, 0-1024; past it 429\n"
    "                          [FA_LEARN_SANDBOX_QUEUE] (default 64)\n"
    "  --sandbox-per-client N  runs going or waiting per client address, 1-64; past\n"
    "                          it 429 [FA_LEARN_SANDBOX_PER_CLIENT] (default 2)\n"
    "  --sandbox-disk MIB      each run's scratch folder quota, 1-4096 MiB (when run as\n"
    "                          root) [FA_LEARN_SANDBOX_DISK] (default 64)\n"
    "  --sandbox-wait S        longest wait for a worker, 1-600 s; past it 429\n"
    "                          [FA_LEARN_SANDBOX_WAIT] (default 60)\n"
    "\n"
    "The sandbox runs snippets for POST /api/run in a supervisor process (forked at start);\n"
    "their scratch folders live in DATA/runs. Every run is answered by its deadline: the\n"
    "longest wait for a worker, plus its time limit, plus 5 s (504 past it).\n"
    "\n"
    "It prints the URL it listens on as its first line of output.\n";

/* Parses a whole decimal number in [min, max]; false on anything else. */
static bool parse_long(const char *text, long min, long max, long *out)
{
    char *end;
    long value;

    if (!text || !*text)
        return false;
    errno = 0;
    value = strtol(text, &end, 10);
    if (errno || *end || value < min || value > max)
        return false;
    *out = value;
    return true;
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);

    return value && *value ? value : fallback;
}

/* The default folder of part of the course ("content", "static", "quiz", "codemirror"): an
 * installed fa-learn (PREFIX/bin) has them in PREFIX/share/fa-learn (server/CMakeLists.txt
 * installs them there); one in its build folder uses the checkout's, and Debian's CodeMirror
 * (built_in). Found from the binary's own path, never the working folder, so that the
 * installed server starts from anywhere (issue 11). The result lives as long as the process. */
static const char *course_dir(const char *part, const char *built_in)
{
    static const char *const parts[] = {"content", "static", "quiz", "codemirror"};
    static char share[PATH_MAX + 16], dirs[4][PATH_MAX + 32];
    static int installed = -1;
    char exe[PATH_MAX], probe[PATH_MAX + 32];
    ssize_t len;
    char *slash;

    if (installed < 0) {
        /* /proc/self/exe is the binary's canonical path: PREFIX/bin/fa-learn once installed. */
        installed = 0;
        len = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (len > 0) {
            exe[len] = '\0';
            slash = strrchr(exe, '/');
            if (slash && slash - exe >= 4 && strncmp(slash - 4, "/bin", 4) == 0) {
                slash[-4] = '\0';
                snprintf(share, sizeof share, "%s/share/fa-learn", exe);
                snprintf(probe, sizeof probe, "%s/content/home.md", share);
                installed = access(probe, R_OK) == 0;
            }
        }
    }
    for (size_t i = 0; installed && i < sizeof parts / sizeof parts[0]; i++)
        if (strcmp(part, parts[i]) == 0) {
            snprintf(dirs[i], sizeof dirs[i], "%s/%s", share, part);
            return dirs[i];
        }
    return built_in;
}

/* Sets one of the sandbox's numeric options from text (a flag's value or its variable). */
static bool set_count_option(struct serve_options *opts, const struct count_option *o,
                               const char *text)
{
    long *out = (long *)(void *)((char *)opts + o->offset);

    if (!text) {
        fprintf(stderr, "fa-learn serve: option '%s' needs a value\n", o->flag);
        return false;
    }
    if (!parse_long(text, o->min, o->max, out)) {
        fprintf(stderr, "fa-learn serve: %s '%s' is not a number from %ld to %ld\n", o->flag,
                text, o->min, o->max);
        return false;
    }
    return true;
}

/* Fills opts from the environment, then from argv; prints one line and returns false on bad
 * input. */
static bool parse_serve(int argc, char **argv, struct serve_options *opts)
{
    const char *port_text = env_or("FA_LEARN_PORT", "8080");
    const char *threads_text = getenv("FA_LEARN_THREADS");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    opts->host = env_or("FA_LEARN_HOST", "127.0.0.1");
    opts->data_dir = env_or("FA_LEARN_DATA", "./fa-learn-data");
    opts->content_dir = env_or("FA_LEARN_CONTENT",
                               course_dir("content", FA_SOURCE_DIR "/content"));
    opts->static_dir = env_or("FA_LEARN_STATIC", course_dir("static", FA_SOURCE_DIR "/static"));
    opts->vendor_dir = env_or("FA_LEARN_VENDOR", course_dir("codemirror", FA_CODEMIRROR_DIR));
    opts->quiz_dir = env_or("FA_LEARN_QUIZ", course_dir("quiz", FA_SOURCE_DIR "/quiz"));
    opts->quiet = strcmp(env_or("FA_LEARN_QUIET", "0"), "1") == 0;
    opts->no_sandbox = strcmp(env_or("FA_LEARN_NO_SANDBOX", "0"), "1") == 0;
    opts->public_url = env_or("FA_LEARN_PUBLIC_URL", NULL);
    opts->trusted_proxies = env_or("FA_LEARN_TRUSTED_PROXY", NULL);
    opts->metrics_allow = env_or("FA_LEARN_METRICS_ALLOW", NULL);
    opts->admin_token_file = env_or("FA_LEARN_ADMIN_TOKEN_FILE", NULL);
    for (size_t k = 0; k < sizeof count_options / sizeof count_options[0]; k++) {
        const struct count_option *o = &count_options[k];
        const char *env = getenv(o->env);
        *(long *)(void *)((char *)opts + o->offset) = o->fallback;
        if (env && *env && !set_count_option(opts, o, env))
            return false;
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *value = NULL, *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        static const char *const with_value[] = {
            "--host",  "--port",    "--data",       "--content",        "--static",
            "--vendor", "--quiz",   "--threads",    "--public-url",     "--trusted-proxy",
            "--metrics-allow", "--admin-token-file"};
        bool takes_value = false;
        const struct count_option *count_option = NULL;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage_serve, stdout);
            exit(0);
        }
        if (strcmp(arg, "--quiet") == 0) {
            opts->quiet = true;
            continue;
        }
        if (strcmp(arg, "--no-sandbox") == 0) {
            opts->no_sandbox = true;
            continue;
        }
        for (size_t k = 0; k < sizeof count_options / sizeof count_options[0]; k++)
            if (strlen(count_options[k].flag) == name_len &&
                strncmp(arg, count_options[k].flag, name_len) == 0)
                count_option = &count_options[k];
        if (count_option) {
            value = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!set_count_option(opts, count_option, value))
                return false;
            continue;
        }
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            if (strlen(with_value[k]) == name_len && strncmp(arg, with_value[k], name_len) == 0)
                takes_value = true;
        if (!takes_value) {
            fprintf(stderr, "fa-learn serve: unknown option '%s' (see fa-learn help serve)\n",
                    arg);
            return false;
        }
        if (eq)
            value = eq + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        else {
            fprintf(stderr, "fa-learn serve: option '%s' needs a value\n", arg);
            return false;
        }
        if (strncmp(arg, "--host", name_len) == 0)
            opts->host = value;
        else if (strncmp(arg, "--port", name_len) == 0)
            port_text = value;
        else if (strncmp(arg, "--data", name_len) == 0)
            opts->data_dir = value;
        else if (strncmp(arg, "--content", name_len) == 0)
            opts->content_dir = value;
        else if (strncmp(arg, "--static", name_len) == 0)
            opts->static_dir = value;
        else if (strncmp(arg, "--vendor", name_len) == 0)
            opts->vendor_dir = value;
        else if (strncmp(arg, "--quiz", name_len) == 0)
            opts->quiz_dir = value;
        else if (strncmp(arg, "--public-url", name_len) == 0)
            opts->public_url = value;
        else if (strncmp(arg, "--trusted-proxy", name_len) == 0)
            opts->trusted_proxies = value;
        else if (strncmp(arg, "--metrics-allow", name_len) == 0)
            opts->metrics_allow = value;
        else if (strncmp(arg, "--admin-token-file", name_len) == 0)
            opts->admin_token_file = value;
        else
            threads_text = value;
    }
    if (!parse_long(port_text, 0, 65535, &opts->port)) {
        fprintf(stderr, "fa-learn serve: port '%s' is not a number from 0 to 65535\n",
                port_text);
        return false;
    }
    opts->threads = cpus > 0 ? (cpus < SRV_MAX_THREADS ? cpus : SRV_MAX_THREADS) : 2;
    if (threads_text && !parse_long(threads_text, 1, SRV_MAX_THREADS, &opts->threads)) {
        fprintf(stderr, "fa-learn serve: threads '%s' is not a number from 1 to %d\n",
                threads_text, SRV_MAX_THREADS);
        return false;
    }
    return true;
}

/* How often the server deletes attempts past the instructor's retention setting. */
#define RETENTION_EVERY_S 3600
/* Instructor pages and exports waiting for the background thread at most (then 503). */
#define BACKGROUND_QUEUE 32

static void apply_retention(struct quiz_store *store)
{
    struct fa_diag diag = {{0}};
    long n = 0;

    if (srv_instructor_apply_retention(store, &n, &diag))
        fa_log_error("event=retention error=\"%s\"", diag.msg);
    else if (n)
        fa_log_info("event=retention deleted=%ld", n);
}

/* Creates dir and its missing parents (mode 0700) and checks that it is a writable folder. */
static bool ensure_data_dir(const char *dir)
{
    char path[PATH_MAX];
    size_t len = strlen(dir);
    struct stat st;

    if (len == 0 || len >= sizeof path) {
        fprintf(stderr, "fa-learn serve: data folder path is empty or too long\n");
        return false;
    }
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "fa-learn serve: cannot create data folder %s: %s\n", dir,
                    strerror(errno));
            return false;
        }
        path[i] = i == len ? '\0' : '/';
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "fa-learn serve: data folder %s is not a writable folder\n", dir);
        return false;
    }
    return true;
}

/* Every problem of an invalid question bank, not only the first (cls: the quiz folder). */
static void print_bank_problem(void *cls, const char *file, int line, const char *what)
{
    fa_log_error("event=quiz_bank problem=\"%s/%s:%d: %s\"", (const char *)cls, file, line,
                 what);
}

static int cmd_serve(int argc, char **argv)
{
    struct serve_options opts = {0};
    struct srv_site_config site_config;
    struct srv_site *site = NULL;
    struct srv_mhd *mhd = NULL;
    struct srv_sandbox *sandbox = NULL;
    struct quiz_store *store = NULL;
    struct quiz_key *quiz_key = NULL;
    struct srv_public *pub = NULL;
    struct srv_metrics *metrics = NULL;
    struct srv_ratelimit *quiz_rate = NULL;
    struct srv_instructor *instructor = NULL;
    struct srv_background *background = NULL;
    struct fa_diag diag = {{0}};
    sigset_t signals;
    int fd = -1, port = 0, sig = 0, rc;
    char runs_dir[PATH_MAX];

    if (!parse_serve(argc, argv, &opts))
        return 2;
    if (opts.quiet)
        fa_log_min_level = FA_LOG_WARN;
    if (access(opts.content_dir, R_OK | X_OK) != 0) {
        fprintf(stderr, "fa-learn serve: cannot read content folder %s: %s\n", opts.content_dir,
                strerror(errno));
        return 1;
    }
    if (!ensure_data_dir(opts.data_dir))
        return 1;
    /* Signals are taken synchronously by this thread; every thread started later inherits
     * the mask, so none of them is interrupted. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (srv_listen_open(opts.host, (int)opts.port, &fd, &port, &diag)) {
        fprintf(stderr, "fa-learn serve: %s\n", diag.msg);
        return 1;
    }
    {
        struct srv_public_config public_config = {opts.public_url, opts.host, port,
                                                  opts.trusted_proxies, opts.metrics_allow};
        if (srv_public_new(&public_config, &pub, &diag)) {
            fprintf(stderr, "fa-learn serve: %s\n", diag.msg);
            close(fd);
            return 2;
        }
    }
    /* After the public address: pages are built with its path prefix in their links. */
    site_config = (struct srv_site_config){opts.content_dir, opts.static_dir, opts.vendor_dir,
                                           opts.quiz_dir, print_bank_problem,
                                           (void *)(uintptr_t)opts.quiz_dir,
                                           srv_public_prefix(pub), opts.no_sandbox};
    if (srv_site_build(&site_config, &site, &diag)) {
        fprintf(stderr, "fa-learn serve: %s\n", diag.msg);
        close(fd);
        srv_public_free(pub);
        return 1;
    }
    if (!opts.no_sandbox) {
        struct srv_sandbox_config sandbox_config = {
            .scratch_base = runs_dir,
            .max_running = (unsigned)opts.sandbox_workers, /* 0: the CPU count */
            .max_queued = (unsigned)opts.sandbox_queue,
            .per_client = (unsigned)opts.sandbox_per_client,
            .max_time_ms = SBX_RUN_MAX_TIME_MS,
            .disk_quota_mb = (unsigned)opts.sandbox_disk_mb,
            .max_wait_ms = (unsigned)opts.sandbox_wait_s * 1000u};

        /* Before srv_mhd_start: the supervisor must be forked while no thread exists. */
        snprintf(runs_dir, sizeof runs_dir, "%s/runs", opts.data_dir);
        /* Runs switch to an unprivileged uid that must pass through the data folder to
         * reach its scratch folder by absolute path (cwd works regardless): the folder
         * becomes traverse-only for others (0711, no listing), and what the server creates
         * is private (umask 077), so nothing in it can be read by name. Landlock keeps runs
         * out of it anyway. */
        umask(077);
        if (geteuid() == 0 && chmod(opts.data_dir, 0711) != 0)
            fa_log_warn("event=sandbox_start chmod=\"%s\" error=\"%s\"", opts.data_dir,
                        strerror(errno));
        if (srv_sandbox_start(&sandbox_config, &sandbox, &diag)) {
            fprintf(stderr, "fa-learn serve: cannot start the sandbox: %s\n", diag.msg);
            close(fd);
            srv_public_free(pub);
            srv_site_release(site);
            return 1;
        }
    }
    /* After the sandbox's fork: the supervisor and its runs never hold the database. */
    if (quiz_store_open(opts.data_dir, &store, &diag)) {
        fprintf(stderr, "fa-learn serve: %s\n", diag.msg);
        close(fd);
        srv_sandbox_free(sandbox);
        srv_public_free(pub);
        srv_site_release(site);
        return 1;
    }
    /* The key quiz pages' attempt tokens are signed with (made at the first start), and the
     * instructor's token. */
    if (quiz_key_open(opts.data_dir, &quiz_key, &diag) ||
        srv_instructor_open(store, opts.admin_token_file, stderr, &instructor, &diag)) {
        fprintf(stderr, "fa-learn serve: %s\n", diag.msg);
        quiz_key_free(quiz_key);
        close(fd);
        quiz_store_close(store);
        srv_sandbox_free(sandbox);
        srv_public_free(pub);
        srv_site_release(site);
        return 1;
    }
    {
        const char *routes[SRV_METRICS_MAX_ROUTES];
        metrics = srv_metrics_new(opts.data_dir, routes,
                                  srv_routes_get_names(routes, SRV_METRICS_MAX_ROUTES));
    }
    quiz_rate = srv_ratelimit_new((unsigned)opts.quiz_rate);
    /* The instructor's store walks, off the HTTP threads (after the sandbox's fork). */
    if (srv_background_start(BACKGROUND_QUEUE, &background, &diag) ||
        srv_mhd_start(fd, (unsigned)opts.threads, site,
                      &(struct srv_services){sandbox, store, quiz_key, pub, metrics, quiz_rate,
                                             instructor, background},
                      srv_routes_dispatch, srv_routes_page, &mhd, &diag)) {
        fprintf(stderr, "fa-learn serve: %s\n", diag.msg);
        if (!background)
            close(fd); /* srv_mhd_start closes it itself */
        srv_background_free(background);
        srv_instructor_free(instructor);
        quiz_key_free(quiz_key);
        quiz_store_close(store);
        srv_sandbox_free(sandbox);
        srv_public_free(pub);
        srv_metrics_free(metrics);
        srv_ratelimit_free(quiz_rate);
        srv_site_release(site);
        return 1;
    }
    srv_site_release(site); /* the adapter holds it now */
    printf(strchr(opts.host, ':') ? "fa-learn: serving http://[%s]:%d/\n"
                                  : "fa-learn: serving http://%s:%d/\n",
           opts.host, port);
    /* Where people can reach it: the public URL, or the machine's own addresses on a LAN. */
    for (size_t i = 0; srv_public_url(pub, i); i++)
        printf("fa-learn: open %s\n", srv_public_url(pub, i));
    fflush(stdout);
    fa_log_info("event=start port=%d threads=%ld content=\"%s\"", port, opts.threads,
                opts.content_dir);

    apply_retention(store);
    for (;;) {
        struct srv_site *fresh = NULL;
        /* Waking every hour for the retention setting (srv_instructor_apply_retention). */
        struct timespec every = {RETENTION_EVERY_S, 0};

        sig = sigtimedwait(&signals, NULL, &every);
        if (sig < 0) {
            if (errno == EAGAIN)
                apply_retention(store);
            continue;
        }
        if (sig != SIGHUP)
            break;

        if (srv_site_build(&site_config, &fresh, &diag)) {
            fa_log_error("event=reload ok=0 error=\"%s\" (still serving the previous content)",
                         diag.msg);
            continue;
        }
        rc = srv_mhd_set_site(mhd, fresh);
        srv_site_release(fresh);
        if (rc) {
            fa_log_error("event=reload ok=0 error=\"preparing responses: %s\" (still serving "
                         "the previous content)", fa_strerror(rc));
            continue;
        }
        fa_log_info("event=reload ok=1");
    }
    fa_log_info("event=stop signal=%d", sig);
    /* The sandbox and the background thread first: they answer every parked request, so
     * that no connection is suspended when the adapter stops; what is handed to them after
     * this is refused at once. */
    srv_sandbox_stop(sandbox);
    srv_background_stop(background);
    srv_mhd_stop(mhd);
    srv_background_free(background);
    srv_sandbox_free(sandbox);
    srv_instructor_free(instructor);
    quiz_store_close(store);
    quiz_key_free(quiz_key);
    srv_public_free(pub);
    srv_metrics_free(metrics);
    srv_ratelimit_free(quiz_rate);
    return 0;
}

static const char usage_python[] =
    "Usage: fa-learn python [ARGS...]\n"
    "\n"
    "Runs fa-learn's embedded CPython exactly as `python3 ARGS...` would (a script, -c CODE,\n"
    "-m MODULE, or standard input; sys.argv and the exit status as usual), with the FastAudit\n"
    "engine (`import fastaudit`) and the demo native module (`import labnative`) built in.\n"
    "Everything after `python` goes to Python, so `fa-learn python --help` is Python's help.\n"
    "\n"
    "The same interpreter with no subcommand: the fa-learn-python3 link next to fa-learn\n"
    "(and python3 in the build folder). sys.executable names that link, so subprocess,\n"
    "multiprocessing and venv start fa-learn's interpreter again.\n";

/* argv[0] is the program, argv[1] "python": Python gets the program name and the rest. */
static int cmd_python(int argc, char **argv)
{
    argv[1] = argv[0];
    return sbx_python_main(argc - 1, argv + 1);
}

static int cmd_check(int argc, char **argv)
{
    const char *content = course_dir("content", FA_SOURCE_DIR "/content");
    const char *static_dir = course_dir("static", FA_SOURCE_DIR "/static");
    const char *quiz = course_dir("quiz", FA_SOURCE_DIR "/quiz");

    return srv_cmd_check(argc, argv, env_or("FA_LEARN_CONTENT", content),
                         env_or("FA_LEARN_STATIC", static_dir), env_or("FA_LEARN_QUIZ", quiz));
}

static int cmd_backup(int argc, char **argv)
{
    return srv_cmd_backup(argc, argv, env_or("FA_LEARN_DATA", "./fa-learn-data"));
}

static const char usage_admin_token[] =
    "Usage: fa-learn admin-token [--data DIR]\n"
    "\n"
    "Makes a new instructor token for the server whose data folder is DIR and prints it once.\n"
    "The store keeps only its hash; the old token stops working and every instructor session\n"
    "ends. (A server started with --admin-token-file uses that file instead.) Safe while the\n"
    "server runs.\n"
    "\n"
    "  --data DIR   the server's data folder [FA_LEARN_DATA] (default ./fa-learn-data)\n"
    "\n"
    "Exit status: 0 done, 1 the store could not be written, 2 usage errors.\n";

static int cmd_admin_token(int argc, char **argv)
{
    const char *data_dir = env_or("FA_LEARN_DATA", "./fa-learn-data");
    struct quiz_store *store = NULL;
    struct fa_diag diag = {{0}};
    char token[65];

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data_dir = argv[++i];
        } else {
            fprintf(stderr, "fa-learn admin-token: unknown argument '%s' (see fa-learn help "
                            "admin-token)\n", argv[i]);
            return 2;
        }
    }
    if (!ensure_data_dir(data_dir))
        return 1;
    if (quiz_store_open(data_dir, &store, &diag) ||
        srv_instructor_new_token(store, token, &diag)) {
        fprintf(stderr, "fa-learn admin-token: %s\n", diag.msg);
        quiz_store_close(store);
        return 1;
    }
    quiz_store_close(store);
    printf("%s\n", token);
    return 0;
}

static int cmd_stats(int argc, char **argv)
{
    return srv_cmd_stats(argc, argv, env_or("FA_LEARN_DATA", "./fa-learn-data"),
                         env_or("FA_LEARN_QUIZ", course_dir("quiz", FA_SOURCE_DIR "/quiz")));
}

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} commands[] = {
    {"serve", cmd_serve, usage_serve},
    {"run", srv_cmd_run, srv_cmd_run_usage},
    {"python", cmd_python, usage_python},
    {"check", cmd_check, srv_cmd_check_usage},
    {"backup", cmd_backup, srv_cmd_backup_usage},
    {"stats", cmd_stats, srv_cmd_stats_usage},
    {"admin-token", cmd_admin_token, usage_admin_token},
    /* The server's own: a replacement sandbox supervisor (sbx_supervisor_spawn). */
    {"supervise", sbx_supervisor_main_args, "Usage: fa-learn supervise (for the server's own use)\n"},
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const struct command *cmd;

    /* Started as fa-learn-python3 (or a python3 link, a venv's python): the interpreter
     * itself, no subcommand, so that sys.executable works as python3's does (issue #17). */
    if (sbx_python_started_as_python(argv[0]))
        return sbx_python_main(argc, argv);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("fa-learn %s\n", FA_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            fputs(usage_main, stdout);
            return 0;
        }
        cmd = find_command(argv[2]);
        if (!cmd) {
            fprintf(stderr, "fa-learn: unknown command '%s' (see fa-learn --help)\n", argv[2]);
            return 2;
        }
        fputs(cmd->usage, stdout);
        return 0;
    }
    cmd = find_command(argv[1]);
    if (!cmd) {
        fprintf(stderr, "fa-learn: unknown command '%s' (see fa-learn --help)\n", argv[1]);
        return 2;
    }
    /* serve takes its options; python wants the whole command line. */
    return cmd->run == cmd_python ? cmd_python(argc, argv) : cmd->run(argc - 2, argv + 2);
}
