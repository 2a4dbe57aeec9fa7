/* sbx_supervisor.c: the sandbox supervisor process (see sbx_supervisor.h). One poll loop:
 * requests from the socket, output and result pipes of the running children, their
 * deadlines. Children are reaped with waitpid(WNOHANG) on every turn of the loop. */
#define _GNU_SOURCE
#include "sandbox/sbx_supervisor.h"

#include "common/fa_buf.h"
#include "common/fa_dir.h"
#include "common/fa_log.h"
#include "common/fa_preset.h"
#include "common/fa_time.h"
#include "common/fa_utf8.h"
#include "sandbox/sbx_frame.h"
#include "sandbox/sbx_options.h"
#include "sandbox/sbx_pyprefix.h"
#include "sandbox/sbx_report.h"
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
#include <dirent.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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
    int request_fd;            /* write end of the child's fd 4 */
    int out_fd, err_fd;        /* read ends of its fds 1 and 2 */
    struct sbx_report *report; /* shared with it: its trace, counters and final part */
    bool quota;                /* a size-limited tmpfs is mounted on scratch */
    char scratch[PATH_MAX];
};

#define SPARES 2

/* One request, waiting or running. */
struct run {
    bool used, started, exited;
    uint64_t id;
    char *request;       /* for the child: struct sbx_run_options, stdin, then the code */
    size_t request_len;
    unsigned time_limit_ms;
    pid_t pid;
    int pidfd;           /* readable when the child has exited (pidfd_open) */
    int out_fd, err_fd;  /* read ends, -1 once at end of file */
    struct fa_buf out, err;
    bool out_truncated, err_truncated;
    uint64_t queued_us, started_us, deadline_us;
    const char *limit; /* set by the supervisor: "time", "output" */
    int wait_status;
    struct child child; /* the process, its report and its scratch folder */
};

static const struct sbx_supervisor_config *cfg;
static struct run *runs; /* max_running + max_queued slots */
static size_t n_slots;
static struct child spares[SPARES];
static int n_spares;
/* The supervisor's own network namespace (root only), made once and shared by its runs:
 * empty, with a loopback that is down. Making one per run cost milliseconds in every child
 * and more in the kernel when it was torn down. Runs still cannot reach each other through
 * it: only AF_UNIX sockets exist for them (seccomp) and Landlock scopes abstract ones. */
static bool shared_netns;
/* The supervisor's own mount namespace (root only), where each run's quota tmpfs lives. */
static bool mount_ns;

/* The exit status of a child whose jail could not be set up. */
#define JAIL_FAILED 125

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
        .max_wait_ms = SBX_DEFAULT_MAX_WAIT_MS,
        .disk_quota_mb = SBX_DEFAULT_DISK_QUOTA_MB,
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
    snprintf(slots, sizeof slots, "%u:%u:%zu:%u:%u:%u", config->max_running,
             config->max_queued, config->output_cap, config->max_time_ms, config->max_wait_ms,
             config->disk_quota_mb);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return fa_diag_set(diag, FA_EIO, "socketpair: %s", strerror(errno));
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pair[1], 3); /* dup2 clears close-on-exec */
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none); /* not the server's blocked signals */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    /* The server's environment goes along (sanitizer options and the like are read at the
     * program's start); the supervisor replaces it with the runs' fixed one itself. */
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
            parsed += sscanf(value, "%u:%u:%zu:%u:%u:%u", &config.max_running,
                             &config.max_queued, &config.output_cap, &config.max_time_ms,
                             &config.max_wait_ms, &config.disk_quota_mb) == 6;
    }
    if (parsed != 5 || fd < 0) {
        fprintf(stderr, "fa-learn supervise: for the server's own use (bad arguments)\n");
        return 2;
    }
    config.scratch_base = scratch;
    config.switch_ids = switch_ids;
    config.uid = uid;
    config.gid = gid;
    /* Started by a server thread: a parent-death signal would follow that thread, not the
     * server, so this supervisor ends when the server's end of the socket closes instead. */
    config.spawned = true;
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

/* Removes a run's scratch folder, with its quota tmpfs (whose files go with it). */
static void remove_scratch(const struct child *c)
{
    if (c->quota)
        umount2(c->scratch, MNT_DETACH);
    remove_tree(c->scratch);
}

static bool is_run_folder(const char *name, void *cls)
{
    (void)cls;
    return strncmp(name, "run-", 4) == 0;
}

void sbx_supervisor_clear_scratch(const char *scratch_base)
{
    struct fa_dir_list names = {NULL, 0};
    struct fa_diag diag = {""};
    char path[PATH_MAX];
    int rc;

    rc =
        fa_dir_list_open(scratch_base, is_run_folder, NULL, SIZE_MAX, "run folders", &names, &diag);
    /* A missing folder has nothing to clear; another failure leaves folders a later start
     * clears, so it is said, not fatal. */
    if (rc && rc != FA_ENOTFOUND)
        fa_log_warn("event=scratch_clear_failed detail=\"%s\"", diag.msg);
    for (size_t i = 0; i < names.n; i++) {
        int n = snprintf(path, sizeof path, "%s/%s", scratch_base, names.names[i]);
        if (n > 0 && (size_t)n < sizeof path)
            remove_tree(path);
    }
    fa_dir_list_cleanup(&names);
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
 * a folder only root may enter (the default cache is root's ~/.cache): in the supervisor's
 * private mount namespace, a small tmpfs covers that folder and the prefix is bind-mounted
 * back in place, read-only, and so is the scratch base (read-write) when it lies there too.
 * The supervisor does this once; its runs then see those two folders and nothing else of the covered one.
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
    /* Opened inside the namespace (a bind source must belong to it) and before the
     * tmpfs hides them. */
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
/* Presets are chosen by name (fa_preset.h); an unknown name gets the default, FastAudit's
 * own rules: the server and the command line have refused it already. */
static const char *preset_name(json_t *name)
{
    const char *found = fa_preset_find(json_string_value(name), json_string_length(name));

    return found ? found : FA_PRESET_DEFAULT;
}

/* The learner's options from a request, bounded. */
static void parse_options(json_t *req, struct sbx_run_options *o)
{
    json_t *prefixes = json_object_get(req, "safe_native"), *item;
    size_t i;

    o->monitoring = !json_is_false(json_object_get(req, "monitoring"));
    o->disable = !json_is_false(json_object_get(req, "disable"));
    snprintf(o->preset, sizeof o->preset, "%s", preset_name(json_object_get(req, "preset")));
    json_array_foreach(prefixes, i, item) {
        const char *prefix = json_string_value(item);
        if (prefix && o->n_safe_native < SBX_RUN_MAX_SAFE_NATIVE &&
            sbx_options_prefix_ok(prefix, json_string_length(item)))
            strcpy(o->safe_native[o->n_safe_native++], prefix);
    }
}

/* The child: jail, wait for the request on fd 4, run, leave the report in c->report, _exit. */
static void child_main(const struct child *c) __attribute__((noreturn));
static void child_main(const struct child *c)
{
    /* The interpreter's lib folder is found at run time (installed or built: sbx_pyprefix.h). */
    const char *const read_paths[] = {
        sbx_python_lib_dir(), "/usr/lib", "/usr/share/zoneinfo",
        "/etc/localtime", "/etc/ld.so.cache", "/dev/null", "/dev/zero",
    };
    struct sbx_jail_config jail = {
        .scratch = c->scratch,
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
    struct fa_buf request, final;

    prctl(PR_SET_PDEATHSIG, SIGKILL); /* no run outlives its supervisor */
    fa_buf_init(&request, SBX_MAX_REQUEST);
    fa_buf_init(&final, SBX_REPORT_MAX_FINAL);
    if (sbx_jail_enter(&jail, &status, &diag)) {
        dprintf(2, "fa-learn sandbox: the jail could not be set up: %s\n", diag.msg);
        _exit(JAIL_FAILED);
    }
    sbx_report_set_jail(c->report, &status);
    sbx_py_prepare(c->scratch);
    /* Waiting costs no CPU time. No request: the supervisor went away, or did not need
     * this spare. The request is the options (bounded by the supervisor), then the code. */
    if (sbx_frame_read(4, &request, SBX_MAX_REQUEST) || request.len < sizeof options)
        _exit(0);
    close(4);
    memcpy(&options, request.ptr, sizeof options);
    if (options.stdin_len > SBX_RUN_MAX_STDIN ||
        options.stdin_len > request.len - sizeof options)
        _exit(JAIL_FAILED);
    if (options.stdin_len) {
        /* The run's input, fed on fd 0 through a pipe of its own: it fits in the pipe, so
         * one write, then end of file once it is read. */
        int in[2];
        if (pipe2(in, 0) != 0 ||
            write(in[1], request.ptr + sizeof options, options.stdin_len) !=
                (ssize_t)options.stdin_len ||
            dup2(in[0], 0) != 0)
            _exit(JAIL_FAILED);
        close(in[0]);
        close(in[1]);
    }
    sbx_report_attach(c->report);
    if (sbx_py_run(request.ptr + sizeof options + options.stdin_len,
                   request.len - sizeof options - options.stdin_len, c->scratch, &options,
                   &final) == 0)
        sbx_report_finish(c->report, final.ptr, final.len);
    /* End of file on both pipes now, not after the address space is torn down: the
     * supervisor answers as soon as the report is finished and the output drained. */
    close(1);
    close(2);
    _exit(0);
}

/* Forks a child that jails itself in a fresh scratch folder and waits for its request. */
static int spawn_child(struct child *c)
{
    int out[2] = {-1, -1}, err[2] = {-1, -1}, req[2] = {-1, -1};
    int n = snprintf(c->scratch, sizeof c->scratch, "%s/run-XXXXXX", cfg->scratch_base);
    uid_t uid = cfg->switch_ids ? cfg->uid : geteuid();
    gid_t gid = cfg->switch_ids ? cfg->gid : getegid();

    c->pid = 0;
    c->pidfd = c->request_fd = c->out_fd = c->err_fd = -1;
    c->quota = false;
    c->report = NULL;
    if (n < 0 || (size_t)n >= sizeof c->scratch || !mkdtemp(c->scratch)) {
        c->scratch[0] = '\0';
        return FA_EIO;
    }
    if (mount_ns && cfg->disk_quota_mb) {
        /* The quota: a tmpfs of its own, in the supervisor's mount namespace only. */
        char options[96];
        snprintf(options, sizeof options, "size=%um,mode=0700,uid=%u,gid=%u",
                 cfg->disk_quota_mb, (unsigned)uid, (unsigned)gid);
        c->quota = mount("tmpfs", c->scratch, "tmpfs", MS_NOSUID | MS_NODEV, options) == 0;
        if (!c->quota)
            goto fail;
    } else if (cfg->switch_ids && geteuid() == 0 && chown(c->scratch, uid, gid) != 0) {
        goto fail;
    }
    c->report = sbx_report_map();
    if (!c->report || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(req, O_CLOEXEC))
        goto fail;
    fflush(NULL);
    c->pid = sbx_py_fork();
    if (c->pid < 0)
        goto fail;
    if (c->pid == 0) {
        /* sbx_py_fork gave jansson the child's own heap: the arena is not mapped here.
         * fds 0, 1, 2 and 4 for the run; everything else is closed, so no descriptor of the
         * supervisor's is left for the snippet to write on. */
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        dup2(req[0], 4);
        close(3);
        close_range(5, ~0U, 0);
        child_main(c);
    }
    close(out[1]);
    close(err[1]);
    close(req[0]);
    out[1] = err[1] = req[0] = -1;
    if (sbx_report_keep_from_later_forks(c->report) != 0) { /* this run's, no neighbour's */
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        goto fail;
    }
    /* Polled with the pipes, so an exit wakes the loop at once (no SIGCHLD handler). */
    c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    c->out_fd = out[0];
    c->err_fd = err[0];
    c->request_fd = req[1];
    return FA_OK;
fail:
    for (int i = 0; i < 2; i++) {
        int fds[] = {out[i], err[i], req[i]};
        for (size_t k = 0; k < 3; k++)
            if (fds[k] >= 0)
                close(fds[k]);
    }
    c->pid = 0;
    sbx_report_unmap(c->report);
    c->report = NULL;
    remove_scratch(c);
    return FA_EIO;
}

/* Kills (if still alive) and forgets a spare child: its fds, report and scratch folder. */
static void discard_spare(struct child *c)
{
    int fds[] = {c->pidfd, c->request_fd, c->out_fd, c->err_fd};

    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    sbx_report_unmap(c->report);
    remove_scratch(c);
}

/* Gives the request to a spare child (or a new one) and starts the clock. */
static int start_run(struct run *r)
{
    if (n_spares > 0)
        r->child = spares[--n_spares];
    else if (spawn_child(&r->child) != 0)
        return FA_EIO;
    r->pid = r->child.pid;
    r->pidfd = r->child.pidfd;
    r->out_fd = r->child.out_fd;
    r->err_fd = r->child.err_fd;
    r->started = true;
    r->started_us = fa_time_mono_us();
    r->deadline_us = r->started_us + (uint64_t)r->time_limit_ms * 1000u;
    /* A child that died while waiting fails this write; its result says so (a crash). */
    sbx_frame_write(r->child.request_fd, r->request, r->request_len);
    close(r->child.request_fd);
    r->child.request_fd = -1;
    return FA_OK;
}

static void free_run(struct run *r)
{
    if (r->pidfd > 0)
        close(r->pidfd);
    if (r->started) {
        sbx_report_unmap(r->child.report);
        remove_scratch(&r->child);
    }
    fa_buf_cleanup(&r->out);
    fa_buf_cleanup(&r->err);
    free(r->request);
    memset(r, 0, sizeof *r);
}

/* Sends value (taking it) as one frame. */
static void send_json(int fd, json_t *value)
{
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;

    /* Not silent: the server's watchdog answers the request at its deadline, and this line
     * says why it had to. */
    if (!text)
        fa_log_error("event=supervisor_answer error=\"the answer could not be %s\"",
                     value ? "encoded" : "packed");
    if (text)
        sbx_frame_write(fd, text, strlen(text));
    json_arena_free(text); /* jansson's allocator made it */
    json_decref(value);
}

/* Learners see neutral paths (issue 14): the run's scratch folder as /sandbox and the
 * interpreter's folder as /python, alike in output, exceptions and the trace, rather than
 * the server's own layout. The folder that holds the scratch folders (the server's runs
 * folder) is then the parent of /sandbox, so it reads as / ("/runs/run-other" as
 * "/run-other"): the rules resolve paths such as "../x" or "." out of the scratch folder,
 * and name that parent in their reasons. A path is replaced only where it ends (a '/', a
 * quote, a space), and only by a shorter name, so no text outgrows the cap it was cut to. */
struct neutral {
    char scratch[PATH_MAX], prefix[PATH_MAX], runs[PATH_MAX];
    size_t scratch_len, prefix_len, runs_len; /* 0: not replaced */
};

static void neutral_init(struct neutral *n, const char *scratch)
{
    const char *prefix = sbx_python_prefix();
    char *slash;

    n->scratch_len = n->prefix_len = n->runs_len = 0;
    /* What the run sees is the resolved path (getcwd, __file__): resolve ours alike. */
    if (scratch && scratch[0] && realpath(scratch, n->scratch))
        n->scratch_len = strlen(n->scratch) > strlen("/sandbox") ? strlen(n->scratch) : 0;
    if (prefix && realpath(prefix, n->prefix))
        n->prefix_len = strlen(n->prefix) > strlen("/python") ? strlen(n->prefix) : 0;
    if (n->scratch_len) {
        memcpy(n->runs, n->scratch, n->scratch_len + 1);
        slash = strrchr(n->runs, '/');
        n->runs_len = slash && slash > n->runs ? (size_t)(slash - n->runs) : 0;
        n->runs[n->runs_len] = '\0';
    }
}

static bool path_ends(const char *p, const char *end)
{
    return p == end || !(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
                         (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'));
}

/* Whether the real path (len bytes) starts at p and ends there (path_ends). */
static bool path_at(const char *p, const char *end, const char *path, size_t len)
{
    return len && *p == '/' && (size_t)(end - p) >= len && memcmp(p, path, len) == 0 &&
           path_ends(p + len, end);
}

/* Appends s (len bytes) to out with the neutral names in place of the real paths. */
static int neutral_append(const struct neutral *n, const char *s, size_t len, struct fa_buf *out)
{
    const char *p = s, *end = s + len, *run = s;
    int rc = FA_OK;

    while (!rc && p < end) {
        const char *name = NULL;
        size_t skip = 0;

        /* The scratch folder lies in the runs folder: the longer path is tried first. */
        if (path_at(p, end, n->scratch, n->scratch_len))
            name = "/sandbox", skip = n->scratch_len;
        else if (path_at(p, end, n->prefix, n->prefix_len))
            name = "/python", skip = n->prefix_len;
        else if (path_at(p, end, n->runs, n->runs_len)) /* "runs/x" is "/x", "runs" is "/" */
            name = "/", skip = n->runs_len + (p + n->runs_len < end && p[n->runs_len] == '/');
        if (!name) {
            p++;
            continue;
        }
        rc = fa_buf_append(out, run, (size_t)(p - run));
        if (!rc)
            rc = fa_buf_puts(out, name);
        p += skip;
        run = p;
    }
    if (!rc)
        rc = fa_buf_append(out, run, (size_t)(end - run));
    return rc;
}

/* Every string in v (the trace, the exception) given the neutral names, in place. */
static void neutral_json(const struct neutral *n, json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;

    if (json_is_string(v)) {
        struct fa_buf text;
        fa_buf_init(&text, json_string_length(v) + 1);
        if (neutral_append(n, json_string_value(v), json_string_length(v), &text) == 0 &&
            text.len != json_string_length(v))
            json_string_setn(v, text.ptr, text.len);
        fa_buf_cleanup(&text);
    } else if (json_is_object(v)) {
        json_object_foreach(v, key, item)
            neutral_json(n, item);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item)
            neutral_json(n, item);
    }
}

/* A captured stream as JSON text: well-formed UTF-8 (U+FFFD for what is not: *invalid),
 * at most the output cap, cut on a character boundary (*cut when it was cut), with the
 * neutral paths. */
static json_t *stream_json(const struct fa_buf *buf, const struct neutral *n, bool *cut,
                           bool *invalid)
{
    struct fa_buf text, shown;
    size_t len = buf->len;
    json_t *s;

    if (len > cfg->output_cap) {
        /* drain keeps a few bytes past the cap, so that a character across it is seen whole
         * or left out whole, rather than taken for a broken one. */
        len = fa_utf8_cut(buf->ptr, len, cfg->output_cap);
        *cut = true;
    }
    fa_buf_init(&text, cfg->output_cap);
    if (fa_utf8_repair(&text, buf->ptr, len, cfg->output_cap, invalid) == FA_ELIMIT)
        *cut = true;
    fa_buf_init(&shown, cfg->output_cap + 1);
    if (text.len && neutral_append(n, text.ptr, text.len, &shown) == 0)
        s = json_stringn(shown.ptr, shown.len);
    else
        s = json_stringn(text.ptr ? text.ptr : "", text.len);
    fa_buf_cleanup(&shown);
    fa_buf_cleanup(&text);
    return s;
}

/* The trace's entry for a refusal of the OS layer that ended the run. */
static json_t *os_layer_entry(int code)
{
    /* "The audit layer": the run's preset decides whether that was FastAudit's rules or the
     * hardened ones, and this entry is the OS layer's either way. */
    const char *reason =
        code == EPERM ? "the jail refused the system call (seccomp, or the run's unprivileged "
                        "ids): the audit layer allowed it"
        : code == EACCES ? "the jail refused the file access (Landlock or file permissions): "
                           "the audit layer allowed it or never saw it"
                         : "the run's scratch folder is full (its disk quota): the audit layer "
                           "allowed the write";

    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "event", "(operating system)", "args",
                     strerror(code), "class", "os-layer", "decision", "deny", "reason", reason);
}

/* One sentence on what ended a run that did not end by itself, or "" for one that did. */
static void explain_end(const struct run *r, const char *limit, const char *signal,
                        json_int_t decisions, char *note, size_t cap)
{
    const char *after = "; its output and trace up to then are shown";

    note[0] = '\0';
    if (limit && strcmp(limit, "time") == 0)
        snprintf(note, cap, "killed at its %u ms time limit after %lld decisions%s",
                 r->time_limit_ms, (long long)decisions, after);
    else if (limit && strcmp(limit, "output") == 0)
        snprintf(note, cap, "stopped when its output passed %zu bytes%s", cfg->output_cap,
                 after);
    else if (limit && strcmp(limit, "disk quota") == 0)
        snprintf(note, cap, "stopped: its scratch folder's %u MiB disk quota is full",
                 cfg->disk_quota_mb);
    else if (limit)
        snprintf(note, cap, "stopped at its %s limit after %lld decisions%s", limit,
                 (long long)decisions, after);
    else if (signal)
        snprintf(note, cap, "crashed (%s) after %lld decisions%s", signal,
                 (long long)decisions, after);
}

/* Builds and sends the result of a finished run: every field is the supervisor's, made from
 * what it measured and from the child's report, validated (sbx_report_read). */
static void finish_run(int fd, struct run *r)
{
    struct sbx_report_view view;
    const char *status = "ok", *limit = r->limit, *signal = NULL, *type;
    double ms = (double)(fa_time_mono_us() - r->started_us) / 1000.0;
    bool out_cut = r->out_truncated, err_cut = r->err_truncated;
    bool out_invalid = false, err_invalid = false;
    json_int_t decisions;
    json_t *result = NULL, *trace, *stdout_text, *stderr_text;
    char note[256];
    struct neutral neutral;
    bool answered = false; /* a frame went out (a failed write means the server is gone) */

    if (sbx_report_read(r->started ? r->child.report : NULL, &view) != 0)
        goto out;
    if (WIFSIGNALED(r->wait_status) && r->exited) {
        int sig = WTERMSIG(r->wait_status);
        if (!limit && sig == SIGXCPU)
            limit = "cpu";
        else if (!limit && sig == SIGXFSZ)
            limit = "file size";
        else if (!limit)
            signal = signal_name(sig);
    }
    type = json_string_value(json_object_get(view.exception, "type"));
    if (view.finished) {
        if (!limit && type && strcmp(type, "MemoryError") == 0)
            limit = "memory";
        if (!limit && (view.os_errno == ENOSPC || view.os_errno == EDQUOT))
            limit = "disk quota";
        /* Denied: the engine's own refusal, or one of the OS layer, ended the run. */
        if (view.denied_by)
            status = "denied";
        else if (type && strcmp(type, "SystemExit") != 0)
            status = "error";
    }
    if (view.os_errno)
        json_array_append_new(view.trace, os_layer_entry(view.os_errno));
    decisions = json_integer_value(json_object_get(view.counters, "events"));
    explain_end(r, limit, signal, decisions, note, sizeof note);
    if (limit) {
        status = "limit";
    } else if (signal) {
        status = "crash";
    } else if (!view.finished) {
        /* Ended without its report: by itself (os._exit), or the jail or the start failed. */
        int code = r->exited && WIFEXITED(r->wait_status) ? WEXITSTATUS(r->wait_status) : -1;
        bool by_itself = code >= 0 && code != JAIL_FAILED;
        status = !by_itself ? "crash" : code == 0 ? "ok" : "error";
        if (by_itself)
            snprintf(note, sizeof note, "the run ended itself (exit status %d) before the "
                     "engine could report; its output and trace up to then are shown", code);
        else
            snprintf(note, sizeof note, "the run could not start or report (see stderr)");
    }
    if (json_is_object(view.jail)) {
        json_object_set_new(view.jail, "netns", json_boolean(shared_netns));
        json_object_set_new(view.jail, "disk_quota_mb",
                            json_integer(r->child.quota ? cfg->disk_quota_mb : 0));
    }
    trace = view.trace;
    neutral_init(&neutral, r->started ? r->child.scratch : NULL);
    neutral_json(&neutral, view.exception);
    neutral_json(&neutral, trace);
    stdout_text = stream_json(&r->out, &neutral, &out_cut, &out_invalid);
    stderr_text = stream_json(&r->err, &neutral, &err_cut, &err_invalid);
    /* "id" first: a reader that cannot parse a frame can still tell whose it is. */
    result = json_pack("{s:I, s:s, s:o, s:o, s:b, s:b, s:b, s:b, s:f, s:s?, s:s?, s:O, s:O, "
                       "s:I, s:b, s:O, s:s?, s:O, s:s?}",
                       "id", (json_int_t)r->id, "status", status, "stdout", stdout_text,
                       "stderr", stderr_text, "stdout_truncated",
                       out_cut, "stderr_truncated", err_cut, "stdout_invalid_utf8",
                       out_invalid, "stderr_invalid_utf8", err_invalid, "duration_ms", ms,
                       "limit", limit, "signal", signal, "exception", view.exception, "trace",
                       trace, "trace_dropped", (json_int_t)view.trace_dropped,
                       "trace_truncated", false, "counters", view.counters, "denied_by",
                       view.denied_by, "jail", view.jail, "note", note[0] ? note : NULL);
    /* The frame must stay under the server's limit: the trace gives way, and says so. */
    while (result) {
        char *text = json_dumps(result, JSON_COMPACT);
        size_t len = text ? strlen(text) : 0, n = json_array_size(trace);

        if (text && len <= SBX_MAX_RESULT - 4096) {
            sbx_frame_write(fd, text, len);
            answered = true;
            json_arena_free(text);
            break;
        }
        json_arena_free(text);
        if (!text || n == 0)
            break;
        while (json_array_size(trace) > n / 2)
            json_array_remove(trace, json_array_size(trace) - 1);
        json_object_set_new(result, "trace_truncated", json_true());
    }
    json_decref(result);
out:
    sbx_report_view_clear(&view);
    if (!answered) /* never silence: an answer even when the result cannot be made */
        send_json(fd, json_pack("{s:I, s:s, s:s, s:s, s:n, s:[], s:s}", "id", (json_int_t)r->id,
                                "status", "error", "stdout", "", "stderr", "", "exception",
                                "trace", "note", "the run's result could not be encoded"));
    free_run(r);
}

/* Reads what a pipe has; returns false at end of file. Keeps a few bytes past the cap (see
 * stream_json); past the cap the run is stopped. */
static bool drain(int *fd, struct fa_buf *buf, size_t cap, bool *truncated, struct run *r)
{
    char chunk[16384];
    ssize_t n = read(*fd, chunk, sizeof chunk);
    size_t keep = cap + 4;

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0) {
        close(*fd);
        *fd = -1;
        return false;
    }
    fa_buf_append(buf, chunk, buf->len + (size_t)n <= keep ? (size_t)n
                              : keep > buf->len           ? keep - buf->len
                                                          : 0);
    if (buf->len > cap && !*truncated) {
        *truncated = true;
        if (!r->limit) {
            r->limit = "output";
            kill(-r->pid, SIGKILL);
            kill(r->pid, SIGKILL);
        }
    }
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

    for (size_t i = 0; i < n_slots; i++) {
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
    slot->queued_us = fa_time_mono_us();
    /* Parsed here, once: the child gets plain bytes and needs no JSON parser. */
    {
        struct sbx_run_options options = {0};
        json_t *input = json_object_get(req, "stdin");
        const char *in = json_string_value(input);

        parse_options(req, &options);
        /* Longer input than the cap is the server's bug: cut, never overflow the pipe. */
        options.stdin_len = in ? json_string_length(input) : 0;
        if (options.stdin_len > SBX_RUN_MAX_STDIN)
            options.stdin_len = SBX_RUN_MAX_STDIN;
        slot->request = malloc(sizeof options + options.stdin_len + code_len);
        if (slot->request) {
            memcpy(slot->request, &options, sizeof options);
            if (options.stdin_len)
                memcpy(slot->request + sizeof options, in, options.stdin_len);
            memcpy(slot->request + sizeof options + options.stdin_len, code, code_len);
        }
        slot->request_len =
            slot->request ? sizeof options + options.stdin_len + code_len : 0;
    }
    slot->time_limit_ms = json_is_integer(limit) &&
                                  sbx_options_time_ok(json_integer_value(limit)) &&
                                  json_integer_value(limit) <= cfg->max_time_ms
                              ? (unsigned)json_integer_value(limit)
                              : cfg->max_time_ms;
    slot->pidfd = slot->out_fd = slot->err_fd = -1;
    fa_buf_init(&slot->out, cfg->output_cap + 4);
    fa_buf_init(&slot->err, cfg->output_cap + 4);
    json_decref(req);
}

/* Makes the supervisor's mount namespace (root only): each run's quota tmpfs is mounted in
 * it, and the interpreter's prefix exposed, without touching the host's mounts. */
static int prepare_mounts(struct fa_diag *diag)
{
    mount_ns = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
               mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
    if (!cfg->switch_ids || geteuid() != 0)
        return FA_OK;
    if (!mount_ns)
        return fa_diag_set(diag, FA_EIO, "cannot make a mount namespace: %s", strerror(errno));
    return expose_prefix(sbx_python_prefix(), cfg->scratch_base, diag);
}

/* Answers and forgets requests that waited longer than cfg->max_wait_ms for a slot, so that
 * the server can promise every request an answer by a deadline. */
static void expire_waiting(int fd, uint64_t now)
{
    for (size_t i = 0; i < n_slots; i++) {
        struct run *r = &runs[i];
        if (r->used && !r->started && now - r->queued_us > (uint64_t)cfg->max_wait_ms * 1000u) {
            send_json(fd, json_pack("{s:I, s:s}", "id", (json_int_t)r->id, "error",
                                    "waited too long"));
            free_run(r);
        }
    }
}

static void supervisor_main(int fd)
{
    struct fa_diag diag = {{0}};
    struct fa_buf frame;
    bool open_socket = true;
    struct pollfd *fds;
    struct run **owners;

    /* A fresh process group: the server's terminal signals are the server's business. If
     * the server dies, so does the supervisor (and, below, each run with it): by the
     * parent-death signal when forked, by the end of the socket when spawned. */
    setpgid(0, 0);
    if (!cfg->spawned)
        prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);
    /* The runs' environment is fixed, nothing of the operator's (HOME is set per run to the
     * run's scratch folder): set before CPython reads it into os.environ. */
    clearenv();
    setenv("PATH", "/usr/bin:/bin", 1);
    setenv("LANG", "C.UTF-8", 1);
    n_slots = (size_t)cfg->max_running + cfg->max_queued;
    runs = calloc(n_slots, sizeof *runs);
    fds = calloc(1 + 3 * n_slots, sizeof *fds);
    owners = calloc(1 + 3 * n_slots, sizeof *owners);
    if (!runs || !fds || !owners) {
        fa_log_error("event=supervisor_init error=\"out of memory\"");
        _exit(1);
    }
    /* Once for all runs: the interpreter, the seccomp filter, and the namespaces. */
    if (prepare_mounts(&diag) || sbx_py_init(&diag) || sbx_jail_prepare(&diag)) {
        fa_log_error("event=supervisor_init error=\"%s\"", diag.msg);
        _exit(1);
    }
    shared_netns = geteuid() == 0 && unshare(CLONE_NEWNET) == 0;
    json_arena_init();
    fa_buf_init(&frame, SBX_MAX_REQUEST);
    for (;;) {
        int n = 0, running = 0, timeout = 100;
        uint64_t now = fa_time_mono_us();
        bool any = false;

        json_arena_used = 0; /* no JSON value outlives a turn of the loop */
        expire_waiting(fd, now);
        /* Start what waits, while there is room. */
        for (size_t i = 0; i < n_slots; i++)
            running += runs[i].used && runs[i].started;
        for (size_t i = 0; i < n_slots && running < (int)cfg->max_running; i++) {
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
        for (size_t i = 0; i < n_slots; i++) {
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
                else if (rc == FA_ELIMIT)
                    send_json(fd, json_pack("{s:I, s:s}", "id",
                                            (json_int_t)sbx_frame_id(frame.ptr, frame.len),
                                            "error", "bad request: too large"));
                else
                    open_socket = false; /* the server is gone or out of step */
            } else if (fds[k].fd == r->out_fd) {
                drain(&r->out_fd, &r->out, cfg->output_cap, &r->out_truncated, r);
            } else if (fds[k].fd == r->err_fd) {
                drain(&r->err_fd, &r->err, cfg->output_cap, &r->err_truncated, r);
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
            for (size_t i = 0; i < n_slots; i++) {
                if (runs[i].used && runs[i].started && runs[i].pid == pid) {
                    runs[i].exited = true;
                    runs[i].wait_status = status;
                    kill(-pid, SIGKILL); /* anything left in its group */
                }
            }
        }
        for (size_t i = 0; i < n_slots; i++) {
            struct run *r = &runs[i];
            if (r->used && r->started && r->out_fd < 0 && r->err_fd < 0 &&
                (r->exited || sbx_report_finished(r->child.report))) {
                /* A child that finished its report and closed its pipes is done too; killed
                 * before its report is read, so that it cannot change it any more. */
                if (!r->exited)
                    kill(r->pid, SIGKILL);
                kill(-r->pid, SIGKILL);
                finish_run(fd, r);
            }
        }
        if (!open_socket) {
            for (size_t i = 0; i < n_slots; i++)
                if (runs[i].used && runs[i].started && !runs[i].exited)
                    kill(-runs[i].pid, SIGKILL);
        }
    }
}
