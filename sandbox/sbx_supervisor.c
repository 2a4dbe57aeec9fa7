/* sbx_supervisor.c: the sandbox supervisor process (see sbx_supervisor.h). One poll loop:
 * requests from the socket, output and result pipes of the running children, their
 * deadlines. Children are reaped with waitpid(WNOHANG) on every turn of the loop. */
#define _GNU_SOURCE
#include "sandbox/sbx_supervisor.h"

#include "common/fa_buf.h"
#include "common/fa_log.h"
#include "common/fa_time.h"
#include "sandbox/sbx_frame.h"
#include "sandbox/sbx_run.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SLOTS 64

extern char **environ;

struct sbx_supervisor {
    pid_t pid;
    int fd;
};

/* A child forked and jailed ahead of time, waiting on fd 4 for its request: forking the warm
 * interpreter and building the jail take tens of milliseconds on a small VM, so they happen
 * while the supervisor is idle, not while a learner waits. */
struct child {
    pid_t pid;
    int pidfd;
    int request_fd;                /* write end of the child's fd 4 */
    int out_fd, err_fd, result_fd; /* read ends of its fds 1, 2, 3 */
    char scratch[256];
};

#define SPARES 2

/* One request, waiting or running. */
struct run {
    bool used, started, exited;
    uint64_t id;
    char *request;       /* for the child: struct sbx_run_options, then the code */
    size_t request_len;
    unsigned time_limit_ms;
    pid_t pid;
    int pidfd;                     /* readable when the child has exited (pidfd_open) */
    int out_fd, err_fd, result_fd; /* read ends, -1 once at end of file */
    struct fa_buf out, err, result;
    bool out_truncated, err_truncated;
    uint64_t started_us, deadline_us;
    const char *limit; /* set by the supervisor: "time", "output" */
    int wait_status;
    char scratch[256];
};

static const struct sbx_supervisor_config *cfg;
static struct run runs[MAX_SLOTS];
static struct child spares[SPARES];
static int n_spares;
/* The supervisor's own network namespace (root only), made once and shared by its runs:
 * empty, with a loopback that is down. Making one per run cost milliseconds in every child
 * and more in the kernel when it was torn down. Runs still cannot reach each other through
 * it: only AF_UNIX sockets exist for them (seccomp) and Landlock scopes abstract ones. */
static bool shared_netns;

/* ---- the parent's side -------------------------------------------------------------- */

/* AddressSanitizer reserves terabytes of address space for its shadow memory, so an ASan
 * build cannot limit it; the memory bomb test is reported as not run there. */
#if defined(__SANITIZE_ADDRESS__)
#define RUN_ADDRESS_SPACE SIZE_MAX
#else
#define RUN_ADDRESS_SPACE ((size_t)1 << 30)
#endif

void sbx_supervisor_default_config(struct sbx_supervisor_config *config, unsigned max_time_ms)
{
    *config = (struct sbx_supervisor_config){
        .switch_ids = geteuid() == 0,
        .uid = 65534, /* nobody */
        .gid = 65534,
        .limits = {.cpu_seconds = max_time_ms / 1000 + 1,
                   .address_space = RUN_ADDRESS_SPACE,
                   .file_size = 16u << 20,
                   .open_files = 64,
                   .processes = 64},
        .max_running = 1,
        .max_queued = 1,
        .output_cap = 64 * 1024,
        .max_time_ms = max_time_ms,
    };
}

/* The parent's handle on a supervisor just started; kills it when there is no memory. */
static int adopt(pid_t pid, int fd, struct sbx_supervisor **out)
{
    struct sbx_supervisor *sup = calloc(1, sizeof *sup);

    if (!sup) {
        close(fd);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return FA_ENOMEM;
    }
    sup->pid = pid;
    sup->fd = fd;
    *out = sup;
    return FA_OK;
}

static void supervisor_main(int fd) __attribute__((noreturn));

int sbx_supervisor_start(const struct sbx_supervisor_config *config,
                         struct sbx_supervisor **out, struct fa_diag *diag)
{
    int pair[2];
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return fa_diag_set(diag, FA_EIO, "socketpair: %s", strerror(errno));
    if (mkdir(config->scratch_base, 0711) != 0 && errno != EEXIST) {
        close(pair[0]);
        close(pair[1]);
        return fa_diag_set(diag, FA_EIO, "cannot create %s: %s", config->scratch_base,
                           strerror(errno));
    }
    pid = fork();
    if (pid < 0) {
        close(pair[0]);
        close(pair[1]);
        return fa_diag_set(diag, FA_EIO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(pair[0]);
        cfg = config;
        supervisor_main(pair[1]);
    }
    close(pair[1]);
    return adopt(pid, pair[0], out);
}

int sbx_supervisor_spawn(const struct sbx_supervisor_config *config, const char *exe,
                         struct sbx_supervisor **out, struct fa_diag *diag)
{
    char ids[64], limits[128], slots[128], program[PATH_MAX], scratch[PATH_MAX];
    char *argv[] = {program, "supervise", "--fd", "3", "--scratch", scratch, "--ids", ids,
                    "--limits", limits, "--slots", slots, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t none;
    int pair[2], rc;
    pid_t pid;

    snprintf(program, sizeof program, "%s", exe);
    snprintf(scratch, sizeof scratch, "%s", config->scratch_base);
    snprintf(ids, sizeof ids, "%d:%u:%u", config->switch_ids, (unsigned)config->uid,
             (unsigned)config->gid);
    snprintf(limits, sizeof limits, "%u:%zu:%zu:%u:%u", config->limits.cpu_seconds,
             config->limits.address_space, config->limits.file_size, config->limits.open_files,
             config->limits.processes);
    snprintf(slots, sizeof slots, "%u:%u:%zu:%u", config->max_running, config->max_queued,
             config->output_cap, config->max_time_ms);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return fa_diag_set(diag, FA_EIO, "socketpair: %s", strerror(errno));
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pair[1], 3); /* dup2 clears close-on-exec */
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none); /* not the server's blocked signals */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    rc = posix_spawn(&pid, exe, &actions, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    close(pair[1]);
    if (rc != 0) {
        close(pair[0]);
        return fa_diag_set(diag, FA_EIO, "cannot start %s supervise: %s", exe, strerror(rc));
    }
    return adopt(pid, pair[0], out);
}

int sbx_supervisor_main_args(int argc, char **argv)
{
    static struct sbx_supervisor_config config;
    static char scratch[PATH_MAX];
    int fd = -1, switch_ids = 0, parsed = 0;
    unsigned uid = 0, gid = 0;

    for (int i = 0; i + 1 < argc; i += 2) {
        const char *flag = argv[i], *value = argv[i + 1];
        if (strcmp(flag, "--fd") == 0)
            parsed += sscanf(value, "%d", &fd) == 1;
        else if (strcmp(flag, "--scratch") == 0)
            parsed += snprintf(scratch, sizeof scratch, "%s", value) > 0;
        else if (strcmp(flag, "--ids") == 0)
            parsed += sscanf(value, "%d:%u:%u", &switch_ids, &uid, &gid) == 3;
        else if (strcmp(flag, "--limits") == 0)
            parsed += sscanf(value, "%u:%zu:%zu:%u:%u", &config.limits.cpu_seconds,
                             &config.limits.address_space, &config.limits.file_size,
                             &config.limits.open_files, &config.limits.processes) == 5;
        else if (strcmp(flag, "--slots") == 0)
            parsed += sscanf(value, "%u:%u:%zu:%u", &config.max_running, &config.max_queued,
                             &config.output_cap, &config.max_time_ms) == 4;
    }
    if (parsed != 5 || fd < 0) {
        fprintf(stderr, "fa-learn supervise: for the server's own use (bad arguments)\n");
        return 2;
    }
    config.scratch_base = scratch;
    config.switch_ids = switch_ids;
    config.uid = uid;
    config.gid = gid;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    cfg = &config;
    supervisor_main(fd);
}

int sbx_supervisor_fd(const struct sbx_supervisor *sup) { return sup->fd; }

pid_t sbx_supervisor_pid(const struct sbx_supervisor *sup) { return sup->pid; }

void sbx_supervisor_stop(struct sbx_supervisor *sup)
{
    if (!sup)
        return;
    close(sup->fd);
    waitpid(sup->pid, NULL, 0);
    free(sup);
}

/* ---- the supervisor's side ---------------------------------------------------------- */

/* Memory for the supervisor's JSON work (requests in, results out), not inherited by the
 * children (MADV_DONTFORK). Every fork write-protects all of the supervisor's other pages,
 * so each page it writes afterwards costs a copy-on-write fault (15-20 us on a small VM, on
 * every run's path); pages of this arena are never shared, so they never fault again.
 * A bump allocator: JSON values live only while one request or result is handled, and the
 * arena is emptied at each turn of the loop. What does not fit goes to malloc. */
#define JSON_ARENA_SIZE ((size_t)8 << 20)
static char *json_arena;
static size_t json_arena_used;

static void *json_arena_alloc(size_t size)
{
    size_t need = (size + 15) & ~(size_t)15;

    if (json_arena && need >= size && need <= JSON_ARENA_SIZE - json_arena_used) {
        void *p = json_arena + json_arena_used;
        json_arena_used += need;
        return p;
    }
    return malloc(size);
}

static void json_arena_free(void *p)
{
    if (!json_arena || (char *)p < json_arena || (char *)p >= json_arena + JSON_ARENA_SIZE)
        free(p);
}

static void json_arena_init(void)
{
    void *p = mmap(NULL, JSON_ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);

    if (p == MAP_FAILED)
        return; /* plain malloc then: slower, the same results */
    if (madvise(p, JSON_ARENA_SIZE, MADV_DONTFORK) != 0) {
        munmap(p, JSON_ARENA_SIZE);
        return;
    }
    json_arena = p;
    json_set_alloc_funcs(json_arena_alloc, json_arena_free);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void remove_tree(const char *path)
{
    if (path[0])
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGSYS: return "SIGSYS";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
    }
}

/* Makes the interpreter's prefix reachable for the run's unprivileged uid when it lies under
 * a folder only root may enter (the default cache is root's ~/.cache): in a private mount
 * namespace, a small tmpfs covers that folder and the prefix is bind-mounted back in place,
 * read-only, and so is the scratch base (read-write) when it lies there too. The supervisor
 * does this once; its runs then see those two folders and nothing else of the covered one.
 * Root only; a prefix everyone can reach is left alone. */
static int expose_prefix(const char *prefix, const char *scratch_base, struct fa_diag *diag)
{
    const char *exposed[2] = {prefix, scratch_base};
    int fds[2] = {-1, -1}, rc = FA_OK;
    char cover[PATH_MAX], path[PATH_MAX], source[64];
    size_t len = strlen(prefix), cover_len;
    struct stat st;

    cover[0] = '\0';
    for (size_t i = 1; i <= len && !cover[0]; i++) {
        if (prefix[i] != '/' && prefix[i] != '\0')
            continue;
        memcpy(cover, prefix, i);
        cover[i] = '\0';
        if (stat(cover, &st) == 0 && (st.st_mode & S_IXOTH))
            cover[0] = '\0'; /* this one is open to everyone: look further down */
    }
    if (!cover[0])
        return FA_OK;
    cover_len = strlen(cover);
    /* Opened inside the new namespace (a bind source must belong to it) and before the
     * tmpfs hides them. */
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return fa_diag_set(diag, FA_EIO, "cannot make a mount namespace: %s", strerror(errno));
    for (int k = 0; k < 2; k++)
        if (k == 0 || (strncmp(exposed[k], cover, cover_len) == 0 && exposed[k][cover_len] == '/'))
            fds[k] = open(exposed[k], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fds[0] < 0 ||
        mount("tmpfs", cover, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") != 0) {
        rc = fa_diag_set(diag, FA_EIO, "cannot expose %s to the runs: %s", prefix,
                         strerror(errno));
        goto out;
    }
    for (int k = 0; k < 2 && !rc; k++) {
        if (fds[k] < 0)
            continue;
        for (size_t i = cover_len + 1; exposed[k][i - 1]; i++) {
            if (exposed[k][i] != '/' && exposed[k][i] != '\0')
                continue;
            memcpy(path, exposed[k], i);
            path[i] = '\0';
            mkdir(path, 0755);
        }
        snprintf(source, sizeof source, "/proc/self/fd/%d", fds[k]);
        if (mount(source, exposed[k], NULL, MS_BIND | MS_REC, NULL) != 0 ||
            (k == 0 &&
             mount(NULL, exposed[k], NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0))
            rc = fa_diag_set(diag, FA_EIO, "cannot bind %s for the runs: %s", exposed[k],
                             strerror(errno));
    }
out:
    for (int k = 0; k < 2; k++)
        if (fds[k] >= 0)
            close(fds[k]);
    return rc;
}

/* Presets are chosen by name; an unknown name gets the default. */
static const char *preset_name(const char *name)
{
    return name && (strcmp(name, "hook-only") == 0 || strcmp(name, "strict") == 0) ? name
                                                                                   : "default";
}

/* The learner's options from a request, bounded. */
static void parse_options(json_t *req, struct sbx_run_options *o)
{
    json_t *prefixes = json_object_get(req, "safe_native"), *item;
    size_t i;

    o->monitoring = !json_is_false(json_object_get(req, "monitoring"));
    o->disable = !json_is_false(json_object_get(req, "disable"));
    snprintf(o->preset, sizeof o->preset, "%s",
             preset_name(json_string_value(json_object_get(req, "preset"))));
    json_array_foreach(prefixes, i, item) {
        const char *prefix = json_string_value(item);
        if (prefix && o->n_safe_native < SBX_RUN_MAX_SAFE_NATIVE &&
            strlen(prefix) < sizeof o->safe_native[0])
            strcpy(o->safe_native[o->n_safe_native++], prefix);
    }
}

/* Writes the run's result on fd 3 with what the jail applied, so the learner sees both
 * layers: sbx_py_run's JSON object gets a "jail" member spliced in before its closing brace
 * (made from booleans and a number only, so no escaping is involved). */
static void write_result(struct fa_buf *result, const struct sbx_jail_status *st)
{
    char jail[320];
    int n = snprintf(jail, sizeof jail,
                     ",\"jail\":{\"own_group\":%s,\"ids_switched\":%s,\"no_new_privs\":%s,"
                     "\"rlimits\":%s,\"netns\":%s,\"seccomp\":%s,\"landlock_abi\":%d,"
                     "\"landlock_net\":%s,\"landlock_scoped\":%s}}",
                     st->own_group ? "true" : "false", st->ids_switched ? "true" : "false",
                     st->no_new_privs ? "true" : "false", st->rlimits ? "true" : "false",
                     st->netns ? "true" : "false", st->seccomp ? "true" : "false",
                     st->landlock_abi, st->landlock_net ? "true" : "false",
                     st->landlock_scoped ? "true" : "false");

    if (result->len > 1 && result->ptr[result->len - 1] == '}' && n > 0 &&
        (size_t)n < sizeof jail) {
        result->len--;
        if (fa_buf_append(result, jail, (size_t)n) == 0) {
            sbx_frame_write(3, result->ptr, result->len);
            return;
        }
        result->len++; /* no room: the result without the jail's part */
    }
    sbx_frame_write(3, result->ptr, result->len);
}

/* The child: jail, wait for the request on fd 4, run, write the result on fd 3, _exit. */
static void child_main(const char *scratch) __attribute__((noreturn));
static void child_main(const char *scratch)
{
    static const char *const read_paths[] = {
        FA_PYTHON_PREFIX "/lib", "/usr/lib", "/usr/share/zoneinfo",
        "/etc/localtime", "/etc/ld.so.cache", "/dev/null", "/dev/zero",
    };
    struct sbx_jail_config jail = {
        .scratch = scratch,
        .read_paths = read_paths,
        .n_read_paths = sizeof read_paths / sizeof read_paths[0],
        .switch_ids = cfg->switch_ids,
        .uid = cfg->uid,
        .gid = cfg->gid,
        .limits = cfg->limits,
        .new_netns = false, /* the supervisor's, shared: see shared_netns */
    };
    struct sbx_jail_status status;
    struct sbx_run_options options;
    struct fa_diag diag = {{0}};
    struct fa_buf request, result;

    prctl(PR_SET_PDEATHSIG, SIGKILL); /* no run outlives its supervisor */
    fa_buf_init(&request, SBX_MAX_REQUEST);
    fa_buf_init(&result, SBX_MAX_RESULT - 65536);
    if (sbx_jail_enter(&jail, &status, &diag)) {
        dprintf(2, "fa-learn sandbox: the jail could not be set up: %s\n", diag.msg);
        _exit(125);
    }
    status.netns = shared_netns;
    sbx_py_prepare(scratch);
    /* Waiting costs no CPU time. No request: the supervisor went away, or did not need
     * this spare. The request is the options (bounded by the supervisor), then the code. */
    if (sbx_frame_read(4, &request, SBX_MAX_REQUEST) || request.len < sizeof options)
        _exit(0);
    close(4);
    memcpy(&options, request.ptr, sizeof options);
    if (sbx_py_run(request.ptr + sizeof options, request.len - sizeof options, scratch,
                   &options, &result) == 0)
        write_result(&result, &status);
    /* End of file on every pipe now, not after the address space is torn down: the
     * supervisor answers as soon as it has the whole result (see result_complete). */
    close(1);
    close(2);
    close(3);
    _exit(0);
}

/* Forks a child that jails itself in a fresh scratch folder and waits for its request. */
static int spawn_child(struct child *c)
{
    int out[2] = {-1, -1}, err[2] = {-1, -1}, res[2] = {-1, -1}, req[2] = {-1, -1};
    char path[256];

    snprintf(path, sizeof path, "%s/run-XXXXXX", cfg->scratch_base);
    if (!mkdtemp(path))
        return FA_EIO;
    snprintf(c->scratch, sizeof c->scratch, "%s", path);
    if (cfg->switch_ids && geteuid() == 0 && chown(path, cfg->uid, cfg->gid) != 0)
        goto fail;
    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(res, O_CLOEXEC) ||
        pipe2(req, O_CLOEXEC))
        goto fail;
    fflush(NULL);
    c->pid = sbx_py_fork();
    if (c->pid < 0)
        goto fail;
    if (c->pid == 0) {
        /* sbx_py_fork gave jansson the child's own heap: the arena is not mapped here. */
        /* fds 0-4 for the run; everything else is closed. */
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        dup2(res[1], 3);
        dup2(req[0], 4);
        close_range(5, ~0U, 0);
        child_main(c->scratch);
    }
    close(out[1]);
    close(err[1]);
    close(res[1]);
    close(req[0]);
    /* Polled with the pipes, so an exit wakes the loop at once (no SIGCHLD handler). */
    c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    c->out_fd = out[0];
    c->err_fd = err[0];
    c->result_fd = res[0];
    c->request_fd = req[1];
    return FA_OK;
fail:
    for (int i = 0; i < 2; i++) {
        int fds[] = {out[i], err[i], res[i], req[i]};
        for (size_t k = 0; k < 4; k++)
            if (fds[k] >= 0)
                close(fds[k]);
    }
    remove_tree(c->scratch);
    return FA_EIO;
}

/* Kills (if still alive) and forgets a spare child: its fds and scratch folder. */
static void discard_spare(struct child *c)
{
    int fds[] = {c->pidfd, c->request_fd, c->out_fd, c->err_fd, c->result_fd};

    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    remove_tree(c->scratch);
}

/* Gives the request to a spare child (or a new one) and starts the clock. */
static int start_run(struct run *r)
{
    struct child c;

    if (n_spares > 0)
        c = spares[--n_spares];
    else if (spawn_child(&c) != 0)
        return FA_EIO;
    r->pid = c.pid;
    r->pidfd = c.pidfd;
    r->out_fd = c.out_fd;
    r->err_fd = c.err_fd;
    r->result_fd = c.result_fd;
    snprintf(r->scratch, sizeof r->scratch, "%s", c.scratch);
    r->started = true;
    r->started_us = fa_time_mono_us();
    r->deadline_us = r->started_us + (uint64_t)r->time_limit_ms * 1000u;
    /* A child that died while waiting fails this write; its result says so (a crash). */
    sbx_frame_write(c.request_fd, r->request, r->request_len);
    close(c.request_fd);
    return FA_OK;
}

static void free_run(struct run *r)
{
    if (r->pidfd > 0)
        close(r->pidfd);
    remove_tree(r->scratch);
    fa_buf_cleanup(&r->out);
    fa_buf_cleanup(&r->err);
    fa_buf_cleanup(&r->result);
    free(r->request);
    memset(r, 0, sizeof *r);
}

static void send_json(int fd, json_t *value)
{
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;

    if (text)
        sbx_frame_write(fd, text, strlen(text));
    json_arena_free(text); /* jansson's allocator made it */
    json_decref(value);
}

/* Whether the child wrote one whole result frame: it then only has to exit, and the run can
 * be answered without waiting for that (the group is killed, the child reaped later). */
static bool result_complete(const struct run *r)
{
    const unsigned char *p = (const unsigned char *)r->result.ptr;

    return r->result.len > 4 &&
           ((size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]) ==
               r->result.len - 4;
}

/* Builds and sends the result of a finished run. */
static void finish_run(int fd, struct run *r)
{
    json_t *report = NULL, *inner = NULL;
    const char *status = "ok", *limit = r->limit, *signal = NULL;
    double ms = (double)(fa_time_mono_us() - r->started_us) / 1000.0;

    /* The child wrote one frame; a cut or garbled one counts as no result (a crash). */
    if (result_complete(r))
        inner = json_loadb(r->result.ptr + 4, r->result.len - 4, 0, NULL);
    if (WIFSIGNALED(r->wait_status)) {
        int sig = WTERMSIG(r->wait_status);
        if (!limit && sig == SIGXCPU)
            limit = "cpu";
        else if (!limit && sig == SIGXFSZ)
            limit = "file size";
        else if (!limit)
            signal = signal_name(sig);
    }
    if (inner) {
        json_t *exc = json_object_get(inner, "exception");
        const char *type = json_string_value(json_object_get(exc, "type"));
        if (type && strcmp(type, "MemoryError") == 0 && !limit)
            limit = "memory";
        /* Denied: the engine's own refusal, or one of the OS layer, ended the run. */
        if (json_string_value(json_object_get(inner, "denied_by")))
            status = "denied";
        else if (type && strcmp(type, "SystemExit") != 0)
            status = "error";
    }
    if (limit)
        status = "limit";
    else if (signal || !inner)
        status = "crash";
    report = json_pack("{s:I, s:s, s:s%, s:s%, s:b, s:b, s:f, s:s?, s:s?}", "id",
                       (json_int_t)r->id, "status", status, "stdout", r->out.ptr ? r->out.ptr : "",
                       r->out.len, "stderr", r->err.ptr ? r->err.ptr : "", r->err.len,
                       "stdout_truncated", r->out_truncated, "stderr_truncated",
                       r->err_truncated, "duration_ms", ms, "limit", limit, "signal", signal);
    if (report && inner)
        json_object_update(report, inner);
    if (report && !inner) {
        json_object_set_new(report, "exception", json_null());
        json_object_set_new(report, "trace", json_array());
    }
    json_decref(inner);
    send_json(fd, report);
    free_run(r);
}

/* Reads what a pipe has; returns false at end of file. */
static bool drain(int *fd, struct fa_buf *buf, size_t cap, bool *truncated, struct run *r)
{
    char chunk[16384];
    ssize_t n = read(*fd, chunk, sizeof chunk);

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0) {
        close(*fd);
        *fd = -1;
        return false;
    }
    if (buf->len + (size_t)n > cap) {
        size_t room = cap > buf->len ? cap - buf->len : 0;
        fa_buf_append(buf, chunk, room);
        if (truncated) {
            *truncated = true;
            if (!r->limit) {
                r->limit = "output";
                kill(-r->pid, SIGKILL);
                kill(r->pid, SIGKILL);
            }
        }
        return true;
    }
    fa_buf_append(buf, chunk, (size_t)n);
    return true;
}

static void take_request(int fd, const char *text, size_t len)
{
    json_error_t error;
    json_t *req = json_loadb(text, len, 0, &error);
    json_int_t id = json_integer_value(json_object_get(req, "id"));
    const char *code = json_string_value(json_object_get(req, "code"));
    size_t code_len = json_string_length(json_object_get(req, "code"));
    json_t *limit = json_object_get(req, "time_limit_ms");
    unsigned queued = 0;
    struct run *slot = NULL;

    for (int i = 0; i < MAX_SLOTS; i++) {
        if (runs[i].used && !runs[i].started)
            queued++;
        if (!runs[i].used && !slot)
            slot = &runs[i];
    }
    if (!req || !code || code_len > SBX_RUN_MAX_CODE) {
        send_json(fd, json_pack("{s:I, s:s}", "id", id, "error",
                                !req ? "bad request: not JSON" : "bad request: code"));
        json_decref(req);
        return;
    }
    if (!slot || queued >= cfg->max_queued) {
        send_json(fd, json_pack("{s:I, s:s}", "id", id, "error", "busy"));
        json_decref(req);
        return;
    }
    slot->used = true;
    slot->id = (uint64_t)id;
    /* Parsed here, once: the child gets plain bytes and needs no JSON parser. */
    {
        struct sbx_run_options options = {0};
        parse_options(req, &options);
        slot->request = malloc(sizeof options + code_len);
        if (slot->request) {
            memcpy(slot->request, &options, sizeof options);
            memcpy(slot->request + sizeof options, code, code_len);
        }
        slot->request_len = slot->request ? sizeof options + code_len : 0;
    }
    slot->time_limit_ms = json_is_integer(limit) && json_integer_value(limit) > 0 &&
                                  json_integer_value(limit) <= cfg->max_time_ms
                              ? (unsigned)json_integer_value(limit)
                              : cfg->max_time_ms;
    slot->out_fd = slot->err_fd = slot->result_fd = -1;
    fa_buf_init(&slot->out, cfg->output_cap + 16384);
    fa_buf_init(&slot->err, cfg->output_cap + 16384);
    fa_buf_init(&slot->result, SBX_MAX_RESULT);
    json_decref(req);
}

static void supervisor_main(int fd)
{
    struct fa_diag diag = {{0}};
    struct fa_buf frame;
    bool open_socket = true;

    /* A fresh process group: the server's terminal signals are the server's business. If
     * the server dies, so does the supervisor (and, below, each run with it). */
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);
    /* Once for all runs: the interpreter, the seccomp filter, and the namespaces. */
    if (sbx_py_init(&diag) || sbx_jail_prepare(&diag) ||
        (cfg->switch_ids && geteuid() == 0 &&
         expose_prefix(FA_PYTHON_PREFIX, cfg->scratch_base, &diag))) {
        fa_log_error("event=supervisor_init error=\"%s\"", diag.msg);
        _exit(1);
    }
    shared_netns = geteuid() == 0 && unshare(CLONE_NEWNET) == 0;
    json_arena_init();
    fa_buf_init(&frame, SBX_MAX_REQUEST);
    for (;;) {
        struct pollfd fds[1 + 3 * MAX_SLOTS];
        struct run *owners[1 + 3 * MAX_SLOTS];
        int n = 0, running = 0, timeout = 100;
        uint64_t now = fa_time_mono_us();
        bool any = false;

        json_arena_used = 0; /* no JSON value outlives a turn of the loop */
        /* Start what waits, while there is room. */
        for (int i = 0; i < MAX_SLOTS; i++)
            running += runs[i].used && runs[i].started;
        for (int i = 0; i < MAX_SLOTS && running < (int)cfg->max_running; i++) {
            if (runs[i].used && !runs[i].started) {
                if (start_run(&runs[i]) == 0) {
                    running++;
                } else {
                    runs[i].limit = NULL;
                    runs[i].started_us = fa_time_mono_us();
                    finish_run(fd, &runs[i]);
                }
            }
        }
        /* Keep children ready for the next requests, made while no run is going (so that
         * preparing one does not take a core from a learner's run) or when none is left. */
        while (open_socket && (running == 0 || n_spares == 0) &&
               n_spares < (int)(cfg->max_running < SPARES ? cfg->max_running : SPARES) &&
               spawn_child(&spares[n_spares]) == 0)
            n_spares++;
        if (open_socket) {
            fds[n] = (struct pollfd){.fd = fd, .events = POLLIN};
            owners[n++] = NULL;
        }
        for (int i = 0; i < MAX_SLOTS; i++) {
            struct run *r = &runs[i];
            if (!r->used || !r->started)
                continue;
            any = true;
            if (now >= r->deadline_us && !r->exited && !r->limit) {
                r->limit = "time";
                kill(-r->pid, SIGKILL);
                kill(r->pid, SIGKILL);
            }
            if (!r->exited && r->deadline_us > now && (r->deadline_us - now) / 1000 < (uint64_t)timeout)
                timeout = (int)((r->deadline_us - now) / 1000) + 1;
            if (r->out_fd >= 0)
                fds[n] = (struct pollfd){.fd = r->out_fd, .events = POLLIN}, owners[n++] = r;
            if (r->err_fd >= 0)
                fds[n] = (struct pollfd){.fd = r->err_fd, .events = POLLIN}, owners[n++] = r;
            if (r->result_fd >= 0)
                fds[n] = (struct pollfd){.fd = r->result_fd, .events = POLLIN}, owners[n++] = r;
            if (!r->exited && r->pidfd > 0)
                fds[n] = (struct pollfd){.fd = r->pidfd, .events = POLLIN}, owners[n++] = r;
        }
        if (!open_socket && !any) {
            for (int i = 0; i < n_spares; i++)
                discard_spare(&spares[i]);
            _exit(0);
        }
        /* Without a pidfd (old kernels) exits are noticed at the next 20 ms tick. */
        if (poll(fds, (nfds_t)n, timeout < 20 || !any ? timeout : 20) < 0 && errno != EINTR)
            _exit(1);
        for (int k = 0; k < n; k++) {
            struct run *r = owners[k];
            if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (!r) {
                int rc = sbx_frame_read(fd, &frame, SBX_MAX_REQUEST);
                if (rc == 0)
                    take_request(fd, frame.ptr, frame.len);
                else
                    open_socket = false; /* the server is gone or out of step */
            } else if (fds[k].fd == r->out_fd) {
                drain(&r->out_fd, &r->out, cfg->output_cap, &r->out_truncated, r);
            } else if (fds[k].fd == r->err_fd) {
                drain(&r->err_fd, &r->err, cfg->output_cap, &r->err_truncated, r);
            } else if (fds[k].fd == r->result_fd) {
                drain(&r->result_fd, &r->result, SBX_MAX_RESULT, NULL, r);
            }
        }
        /* Reap, and finish runs whose process is gone and whose pipes are drained. */
        for (;;) {
            int status;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0)
                break;
            for (int i = 0; i < n_spares; i++) {
                if (spares[i].pid == pid) { /* a spare died before its request */
                    struct child dead = spares[i];
                    spares[i] = spares[--n_spares];
                    dead.pid = 0;
                    discard_spare(&dead);
                    break;
                }
            }
            for (int i = 0; i < MAX_SLOTS; i++) {
                if (runs[i].used && runs[i].started && runs[i].pid == pid) {
                    runs[i].exited = true;
                    runs[i].wait_status = status;
                    kill(-pid, SIGKILL); /* anything left in its group */
                }
            }
        }
        for (int i = 0; i < MAX_SLOTS; i++) {
            struct run *r = &runs[i];
            if (r->used && r->started && r->out_fd < 0 && r->err_fd < 0 && r->result_fd < 0 &&
                (r->exited || result_complete(r))) {
                kill(-r->pid, SIGKILL); /* a child that closed its pipes early is done too */
                finish_run(fd, r);
            }
        }
        if (!open_socket) {
            for (int i = 0; i < MAX_SLOTS; i++)
                if (runs[i].used && runs[i].started && !runs[i].exited)
                    kill(-runs[i].pid, SIGKILL);
        }
    }
}
