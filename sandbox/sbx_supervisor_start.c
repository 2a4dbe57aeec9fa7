/* sbx_supervisor_start.c: the parent's side of the supervisor (see sbx_supervisor.h):
 * its default configuration, starting it (forked, or spawned as `fa-learn supervise` with
 * its configuration on the command line), and stopping it. */
#define _GNU_SOURCE
#include "sandbox/sbx_supervisor.h"
#include "sandbox/sbx_supervisor_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct sbx_supervisor {
    pid_t pid;
    int fd;
};

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
        sbx_supervisor_serve(config, pair[1]);
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
    sbx_supervisor_serve(&config, fd);
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

