/* test_jail.c: the sandbox jail (sandbox/sbx_jail.h), issue #4 "The run". Each case forks a
 * child that enters the jail in a fresh temporary folder and then tries what a hostile
 * snippet would (exec, fork, sockets, writes and reads outside scratch, signals to the
 * supervisor, memory and file-size bombs); the child reports every result through a pipe
 * and the parent asserts, then checks that the sentinel files outside scratch are intact.
 * Run as root, the cases cover the switch to nobody, root keeping its ids, and a nobody
 * "supervisor" whose child enters the jail without a switch (fa-learn not started as root),
 * where only Landlock stands between the run and its same-uid parent. */
/* syscall(), setgroups(), vfork() and the SYS_ numbers are not POSIX. */
#define _DEFAULT_SOURCE
#include "harness.h"

#include "sandbox/sbx_jail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/landlock.h>
#include <linux/sched.h> /* CLONE_*: <sched.h> has them only under _GNU_SOURCE */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define NOBODY 65534
#define AS_LIMIT (256u << 20)
#define FSIZE_LIMIT (64u << 10)
#define NOFILE_LIMIT 64u
#define NPROC_LIMIT 16u
#define CPU_LIMIT 5u
#define TIMEOUT_MS 20000
#define VICTIM_TEXT "victim: must stay as it is\n"
#define SECRET_TEXT "secret: the data folder\n"
#define SHARED_TEXT "shared: readable, not writable\n"

/* One case: who starts the run, and whether the jail switches ids. */
struct jail_case {
    const char *name;
    bool need_root;    /* the case needs the test to run as root */
    bool only_nonroot; /* the stand-in for a developer running the test unprivileged */
    bool switch_ids;   /* config.switch_ids (to nobody) */
    bool supervisor;   /* a middle process (the supervisor) forks the jailed child */
    bool drop;         /* that supervisor first drops to nobody itself */
    bool new_netns;    /* config.new_netns (off: abstract sockets are then shared, and
                          only Landlock's scoping keeps the run from the parent's) */
};

/* The folders of one case: base/scratch (the run's) and base/outside (another run's
 * scratch, or the data folder), with two sentinels in it. */
struct fixture {
    char base[64];
    char scratch[96];
    char outside[96];
    char victim[128]; /* 0666 in a 0777 folder: only Landlock keeps it from the run */
    char secret[128]; /* 0644: readable for anyone but the run */
    char shared[96];  /* a read_paths folder, 0777: only Landlock makes it read-only */
    char shared_file[128];
    char single[96]; /* a single file in read_paths, 0666 */
    char tmp_escape[96];
};

/* The system calls tried raw, with arguments that are harmless if the call went through
 * and that give another answer than the filter's when it does (noted per line). */
#define N_SYSCALLS 34
struct report {
    int enter_rc;
    char diag[FA_DIAG_MAX];
    struct sbx_jail_status status;
    long uid, euid, gid, egid, ngroups;
    int own_group, nnp;
    struct rlimit rl_cpu, rl_as, rl_fsize, rl_nofile, rl_nproc, rl_core;
    char netns[64];
    /* errno of each probe, 0 when it succeeded, -1 when it did not run */
    int err_execve, err_fork, err_vfork, err_raw_fork, err_raw_clone, err_thread;
    int err_inet, err_inet6, err_udp, err_netlink, err_unix, err_unixpair, err_inet_high;
    int err_inet_pair;
    int err_scratch, err_scratch_sock;
    int err_tmp_create, err_outside_create, err_outside_write, err_outside_trunc;
    int err_outside_unlink, err_outside_rename, err_outside_link, err_symlink_write;
    int err_read_secret, err_read_passwd, err_list_root, err_read_usr;
    int err_shared_read, err_shared_list, err_shared_write, err_shared_create;
    int err_single_read, err_single_write;
    int err_kill_self, err_kill0, err_kill_term, err_kill_group, err_abstract;
    int err_fsize_fill, err_fsize_over;
    int err_syscalls[N_SYSCALLS];
    int malloc_huge_null, bomb_chunks, bomb_stopped;
};

/* What the middle process says once its child is gone. */
struct trailer {
    int child_status;
    int got_sigterm;
};

static volatile sig_atomic_t got_sigterm;

static void on_sigterm(int sig)
{
    (void)sig;
    got_sigterm = 1;
}

static int err_of(long r)
{
    return r < 0 ? errno : 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads len bytes, giving up after TIMEOUT_MS without data. */
static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int ready = poll(&pfd, 1, TIMEOUT_MS);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return -1;
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    int rc;

    if (fd < 0)
        return -1;
    rc = write_all(fd, text, strlen(text));
    close(fd);
    return rc ? rc : chmod(path, mode);
}

/* True when path holds exactly text. */
static bool file_is(const char *path, const char *text)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    ssize_t n;

    if (fd < 0)
        return false;
    n = read(fd, buf, sizeof buf);
    close(fd);
    return n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

static int count_entries(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *e;
    int n = 0;

    if (!dir)
        return -1;
    for (e = readdir(dir); e; e = readdir(dir))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dir);
    return n;
}

static int fixture_init(struct fixture *fx, bool for_nobody)
{
    strcpy(fx->base, "/tmp/fa-jail-test-XXXXXX");
    if (!mkdtemp(fx->base) || chmod(fx->base, 0755) != 0)
        return -1;
    snprintf(fx->scratch, sizeof fx->scratch, "%s/scratch", fx->base);
    snprintf(fx->outside, sizeof fx->outside, "%s/outside", fx->base);
    snprintf(fx->victim, sizeof fx->victim, "%s/victim", fx->outside);
    snprintf(fx->secret, sizeof fx->secret, "%s/secret", fx->outside);
    snprintf(fx->shared, sizeof fx->shared, "%s/shared", fx->base);
    snprintf(fx->shared_file, sizeof fx->shared_file, "%s/lib.txt", fx->shared);
    snprintf(fx->single, sizeof fx->single, "%s/single.txt", fx->base);
    snprintf(fx->tmp_escape, sizeof fx->tmp_escape, "/tmp/fa-jail-escape-%ld", (long)getpid());
    if (mkdir(fx->scratch, 0700) != 0 || mkdir(fx->outside, 0777) != 0 ||
        chmod(fx->outside, 0777) != 0 || mkdir(fx->shared, 0777) != 0 ||
        chmod(fx->shared, 0777) != 0)
        return -1;
    /* issue #4: the scratch folder is 0700 and owned by the run's uid. */
    if (for_nobody && chown(fx->scratch, NOBODY, NOBODY) != 0)
        return -1;
    if (write_file(fx->victim, VICTIM_TEXT, 0666) || write_file(fx->secret, SECRET_TEXT, 0644) ||
        write_file(fx->shared_file, SHARED_TEXT, 0666) || write_file(fx->single, SHARED_TEXT, 0666))
        return -1;
    unlink(fx->tmp_escape);
    return 0;
}

static void fixture_cleanup(const struct fixture *fx)
{
    char cmd[160];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->base);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", fx->base);
    unlink(fx->tmp_escape);
}

static void *thread_main(void *arg)
{
    return arg;
}

/* ---- probes, run inside the jail ---- */

static void probe_processes(struct report *r)
{
    char *const argv[] = {(char *)"/bin/true", NULL};
    char *const envp[] = {NULL};
    pthread_t thread;
    void *ret = NULL;
    pid_t pid;

    execve("/bin/true", argv, envp);
    r->err_execve = errno;
    pid = fork();
    if (pid == 0)
        _exit(0);
    r->err_fork = err_of(pid);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    pid = vfork();
    if (pid == 0)
        _exit(0);
    r->err_vfork = err_of(pid);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    /* glibc's fork() is clone(); the fork system call itself, and a bare clone: */
    pid = (pid_t)syscall(SYS_fork);
    if (pid == 0)
        _exit(0);
    r->err_raw_fork = err_of(pid);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    r->err_raw_clone = err_of(pid);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    /* glibc tries clone3 first, gets ENOSYS, and falls back to clone with CLONE_THREAD. */
    r->err_thread = pthread_create(&thread, NULL, thread_main, r);
    if (r->err_thread == 0 && (pthread_join(thread, &ret) != 0 || ret != r))
        r->err_thread = -2;
}

static int try_socket(int domain, int type)
{
    int fd = socket(domain, type, 0);
    int err = err_of(fd);

    if (fd >= 0)
        close(fd);
    return err;
}

static void probe_sockets(struct report *r, const char *abstract_name)
{
    struct sockaddr_un addr;
    int sv[2];
    int fd;

    r->err_inet = try_socket(AF_INET, SOCK_STREAM);
    r->err_inet6 = try_socket(AF_INET6, SOCK_STREAM);
    r->err_udp = try_socket(AF_INET, SOCK_DGRAM);
    r->err_netlink = try_socket(AF_NETLINK, SOCK_RAW);
    r->err_unix = try_socket(AF_UNIX, SOCK_STREAM);
    /* The kernel reads the family as an int: garbage above it must not pass the filter. */
    fd = (int)syscall(SYS_socket, (1L << 32) | AF_INET, SOCK_STREAM, 0);
    r->err_inet_high = err_of(fd);
    if (fd >= 0)
        close(fd);
    r->err_inet_pair = err_of(socketpair(AF_INET, SOCK_STREAM, 0, sv)); /* else EOPNOTSUPP */
    if (!r->err_inet_pair) {
        close(sv[0]);
        close(sv[1]);
    }
    r->err_unixpair = err_of(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    if (!r->err_unixpair) {
        close(sv[0]);
        close(sv[1]);
    }
    /* A named socket inside scratch is fine. */
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, "sock");
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    r->err_scratch_sock = fd < 0 ? errno : err_of(bind(fd, (struct sockaddr *)&addr, sizeof addr));
    if (fd >= 0)
        close(fd);
    /* The parent's abstract socket is outside the run's Landlock domain. */
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path + 1, abstract_name, strlen(abstract_name));
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    r->err_abstract = fd < 0 ? errno
                             : err_of(connect(fd, (struct sockaddr *)&addr,
                                              (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                                                          1 + strlen(abstract_name))));
    if (fd >= 0)
        close(fd);
}

static int scratch_work(void)
{
    int fd = open("probe.txt", O_WRONLY | O_CREAT | O_EXCL, 0600);

    if (fd < 0 || write_all(fd, "hello", 5) != 0 || ftruncate(fd, 2) != 0 || close(fd) != 0)
        return errno ? errno : -2;
    if (mkdir("d", 0700) != 0 || rename("probe.txt", "d/p.txt") != 0 ||
        truncate("d/p.txt", 0) != 0 || unlink("d/p.txt") != 0 || rmdir("d") != 0)
        return errno;
    return 0;
}

static void probe_files(struct report *r, const struct fixture *fx)
{
    char path[160];
    char buf[64];
    int fd;

    r->err_scratch = scratch_work();
    fd = open(fx->tmp_escape, O_WRONLY | O_CREAT | O_EXCL, 0666);
    r->err_tmp_create = err_of(fd);
    if (fd >= 0)
        close(fd);
    snprintf(path, sizeof path, "%s/new", fx->outside);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    r->err_outside_create = err_of(fd);
    if (fd >= 0)
        close(fd);
    fd = open(fx->victim, O_WRONLY | O_APPEND);
    r->err_outside_write = err_of(fd);
    if (fd >= 0) {
        if (write_all(fd, "pwned\n", 6) != 0)
            r->err_outside_write = -3;
        close(fd);
    }
    r->err_outside_trunc = err_of(truncate(fx->victim, 0));
    r->err_outside_unlink = err_of(unlink(fx->victim));
    r->err_outside_rename = err_of(rename(fx->victim, "stolen"));
    r->err_outside_link = err_of(link(fx->victim, "hardlink"));
    /* A symlink in scratch is made, but a write through it is judged where it lands. */
    if (symlink(fx->victim, "link") != 0) {
        r->err_symlink_write = -4;
    } else {
        fd = open("link", O_WRONLY | O_APPEND);
        r->err_symlink_write = err_of(fd);
        if (fd >= 0) {
            if (write_all(fd, "pwned\n", 6) != 0)
                r->err_symlink_write = -3;
            close(fd);
        }
    }
    fd = open(fx->secret, O_RDONLY);
    r->err_read_secret = err_of(fd);
    if (fd >= 0)
        close(fd);
    fd = open("/etc/passwd", O_RDONLY);
    r->err_read_passwd = err_of(fd);
    if (fd >= 0)
        close(fd);
    fd = open("/", O_RDONLY | O_DIRECTORY);
    r->err_list_root = err_of(fd);
    if (fd >= 0)
        close(fd);
    fd = open("/usr/lib/os-release", O_RDONLY);
    r->err_read_usr = err_of(fd);
    if (fd >= 0) {
        if (read(fd, buf, sizeof buf) <= 0)
            r->err_read_usr = -5;
        close(fd);
    }
}

static int try_read(const char *path)
{
    char buf[16];
    int fd = open(path, O_RDONLY);
    int err = err_of(fd);

    if (fd >= 0) {
        if (read(fd, buf, sizeof buf) <= 0)
            err = -5;
        close(fd);
    }
    return err;
}

static int try_write(const char *path, int flags)
{
    int fd = open(path, O_WRONLY | flags, 0666);
    int err = err_of(fd);

    if (fd >= 0) {
        if (write_all(fd, "pwned\n", 6) != 0)
            err = -3;
        close(fd);
    }
    return err;
}

/* read_paths: readable and listable, never writable, even where the mode allows it. */
static void probe_read_paths(struct report *r, const struct fixture *fx)
{
    char path[160];
    DIR *dir;

    r->err_shared_read = try_read(fx->shared_file);
    dir = opendir(fx->shared);
    r->err_shared_list = dir ? 0 : errno;
    if (dir)
        closedir(dir);
    r->err_shared_write = try_write(fx->shared_file, O_APPEND);
    snprintf(path, sizeof path, "%s/new", fx->shared);
    r->err_shared_create = try_write(path, O_CREAT | O_EXCL);
    r->err_single_read = try_read(fx->single);
    r->err_single_write = try_write(fx->single, O_APPEND);
}

static void probe_signals(struct report *r)
{
    pid_t parent = getppid();

    r->err_kill_self = err_of(kill(getpid(), 0));
    r->err_kill0 = err_of(kill(parent, 0));
    r->err_kill_term = err_of(kill(parent, SIGTERM));
    /* Signal 0 only: if the jail failed, a real signal would hit the test runner. */
    r->err_kill_group = err_of(kill(-getpgid(parent), 0));
}

/* Raw system calls the filter refuses. Each argument set is harmless if the call went
 * through (invalid pointers, descriptors or flags, or a no-op), and each would answer
 * something other than the expected errno without the filter, as root or nobody. */
static void probe_syscalls(struct report *r)
{
    static const char nowhere[] = "/nonexistent-fa-jail";
    char *const argv[] = {NULL};
    int pipefd[2] = {-1, -1};
    const char ch = 'x';
    const struct {
        long nr;
        long a[6];
    } calls[N_SYSCALLS] = {
        {SYS_ptrace, {PTRACE_TRACEME}},                                    /* 0 */
        {SYS_process_vm_readv, {1}},                                       /* 0: nothing to copy */
        {SYS_process_vm_writev, {1}},                                      /* 0 */
        {SYS_mount, {0}},                                                  /* EFAULT */
        {SYS_umount2, {(long)nowhere}},                                    /* ENOENT */
        {SYS_pivot_root, {0}},                                             /* EFAULT */
        {SYS_chroot, {(long)nowhere}},                                     /* ENOENT */
        {SYS_unshare, {CLONE_NEWUSER}},                                    /* 0 */
        {SYS_setns, {-1}},                                                 /* EBADF */
        {SYS_kexec_load, {0, 0, 0, 0x7fff0000}},                           /* EINVAL: bad flags */
        {SYS_kexec_file_load, {-1, -1, 0, 0, 0}},                          /* EBADF */
        {SYS_bpf, {-1}},                                                   /* EINVAL */
        {SYS_perf_event_open, {0, 0, -1, -1, 0}},                          /* EFAULT */
        {SYS_add_key, {0}},                                                /* EFAULT */
        {SYS_request_key, {0}},                                            /* EFAULT */
        {SYS_keyctl, {0 /* GET_KEYRING_ID */, -3 /* session */}},          /* a key id */
        {SYS_init_module, {0}},                                            /* EFAULT */
        {SYS_finit_module, {-1}},                                          /* EBADF */
        {SYS_delete_module, {0}},                                          /* EFAULT */
        {SYS_reboot, {0}},                                                 /* EINVAL: bad magic */
        {SYS_swapon, {0}},                                                 /* EFAULT */
        {SYS_swapoff, {0}},                                                /* EFAULT */
        {SYS_userfaultfd, {1 /* UFFD_USER_MODE_ONLY */}},                  /* a descriptor */
        {SYS_io_uring_setup, {1, 0}},                                      /* EFAULT */
        {SYS_io_uring_enter, {-1}},                                        /* EBADF */
        {SYS_io_uring_register, {-1}},                                     /* EBADF */
        {SYS_open_by_handle_at, {-1}},                                     /* EFAULT/EBADF */
        {SYS_execveat, {AT_FDCWD, (long)nowhere, (long)argv, (long)argv}}, /* ENOENT */
        {SYS_fsopen, {0}},                                                 /* EFAULT */
        {SYS_open_tree, {-1, 0}},                                          /* EBADF/EFAULT */
        {SYS_pidfd_getfd, {-1}},                                           /* EBADF */
        /* clone3 gets ENOSYS (EINVAL without the filter) */
        {SYS_clone3, {0}},
        /* a thread that would make a namespace: EPERM (EINVAL without: no CLONE_SIGHAND) */
        {SYS_clone, {CLONE_THREAD | CLONE_NEWNET}},
        /* TIOCSTI with garbage above the 32 bits the kernel reads (ENOTTY on a pipe) */
        {SYS_ioctl, {-1, (long)((1UL << 32) | TIOCSTI), (long)&ch}},
    };

    if (pipe(pipefd) != 0)
        return;
    for (int i = 0; i < N_SYSCALLS; i++) {
        long a[6];

        memcpy(a, calls[i].a, sizeof a);
        if (calls[i].nr == SYS_ioctl)
            a[0] = pipefd[0];
        if (calls[i].nr == SYS_process_vm_readv || calls[i].nr == SYS_process_vm_writev)
            a[0] = getppid();
        long ret = syscall(calls[i].nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        r->err_syscalls[i] = err_of(ret);
        if (ret > 2 && (calls[i].nr == SYS_userfaultfd))
            close((int)ret);
    }
    close(pipefd[0]);
    close(pipefd[1]);
}

static void probe_limits(struct report *r)
{
    char buf[4096];
    int fd;
    size_t total = 0;

    getrlimit(RLIMIT_CPU, &r->rl_cpu);
    getrlimit(RLIMIT_AS, &r->rl_as);
    getrlimit(RLIMIT_FSIZE, &r->rl_fsize);
    getrlimit(RLIMIT_NOFILE, &r->rl_nofile);
    getrlimit(RLIMIT_NPROC, &r->rl_nproc);
    getrlimit(RLIMIT_CORE, &r->rl_core);

    /* File size: up to the limit works, one byte more is EFBIG with SIGXFSZ ignored. */
    signal(SIGXFSZ, SIG_IGN);
    memset(buf, 'z', sizeof buf);
    fd = open("big", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    r->err_fsize_fill = err_of(fd);
    while (fd >= 0 && total < FSIZE_LIMIT) {
        if (write_all(fd, buf, sizeof buf) != 0) {
            r->err_fsize_fill = errno;
            break;
        }
        total += sizeof buf;
    }
    if (fd >= 0) {
        r->err_fsize_over = err_of(write(fd, buf, 1));
        close(fd);
    }

    /* Memory: one allocation past the limit, then a bomb of 8 MiB pieces. */
    if (UNDER_ASAN)
        return;
    void *huge = malloc((size_t)AS_LIMIT * 2);
    r->malloc_huge_null = huge == NULL;
    free(huge);
    void *chunks[64];
    int n = 0;
    for (; n < 64; n++) {
        chunks[n] = malloc(8u << 20);
        if (!chunks[n]) {
            r->bomb_stopped = 1;
            break;
        }
    }
    r->bomb_chunks = n;
    for (int i = 0; i < n; i++)
        free(chunks[i]);
}

/* The jailed child: enter, probe, report, _exit. */
static void run_child(const struct jail_case *jc, const struct fixture *fx, int report_fd,
                      const char *abstract_name)
{
    static struct report r; /* static: the memory bomb must not find it on a small stack */
    const char *const read_paths[] = {"/usr",      "/lib",     "/lib64",   "/etc/ld.so.cache",
                                      "/dev/null", fx->shared, fx->single, "/nonexistent-fa-jail"};
    struct sbx_jail_config config = {
        .scratch = fx->scratch,
        .read_paths = read_paths,
        .n_read_paths = sizeof read_paths / sizeof read_paths[0],
        .switch_ids = jc->switch_ids,
        .uid = NOBODY,
        .gid = NOBODY,
        .limits = {.cpu_seconds = CPU_LIMIT,
                   /* ASan reserves terabytes of shadow at start: no room under a limit */
                   .address_space = UNDER_ASAN ? SIZE_MAX : AS_LIMIT,
                   .file_size = FSIZE_LIMIT,
                   .open_files = NOFILE_LIMIT,
                   .processes = NPROC_LIMIT},
        .new_netns = jc->new_netns,
    };
    struct fa_diag diag = {""};
    ssize_t n;

    /* A supplementary group the switch must drop (root may have none to begin with). */
    if (jc->switch_ids && geteuid() == 0) {
        const gid_t extra[] = {4};
        if (setgroups(1, extra) != 0)
            _exit(7);
    }
    memset(&r, 0xff, sizeof r); /* every errno field -1: not run */
    r.diag[0] = '\0';
    r.malloc_huge_null = r.bomb_chunks = r.bomb_stopped = 0;
    r.enter_rc = sbx_jail_enter(&config, &r.status, &diag);
    memcpy(r.diag, diag.msg, sizeof r.diag);
    if (r.enter_rc == 0) {
        r.uid = (long)getuid();
        r.euid = (long)geteuid();
        r.gid = (long)getgid();
        r.egid = (long)getegid();
        r.ngroups = getgroups(0, NULL);
        r.own_group = getpgrp() == getpid();
        r.nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        n = readlink("/proc/self/ns/net", r.netns, sizeof r.netns - 1);
        r.netns[n > 0 ? n : 0] = '\0';
        probe_processes(&r);
        probe_sockets(&r, abstract_name);
        probe_files(&r, fx);
        probe_read_paths(&r, fx);
        probe_signals(&r);
        probe_syscalls(&r);
        probe_limits(&r);
    }
    _exit(write_all(report_fd, &r, sizeof r) == 0 ? 0 : 3);
}

/* The middle process of a supervisor case: optionally drops to nobody, forks the jailed
 * child, waits for it, and reports whether the child could signal it. */
static void run_supervisor(const struct jail_case *jc, const struct fixture *fx, int report_fd,
                           const char *abstract_name)
{
    struct trailer t = {-1, 0};
    pid_t pid;

    if (jc->drop && (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
        _exit(4);
    got_sigterm = 0;
    signal(SIGTERM, on_sigterm);
    pid = fork();
    if (pid < 0)
        _exit(5);
    if (pid == 0)
        run_child(jc, fx, report_fd, abstract_name);
    while (waitpid(pid, &t.child_status, 0) < 0 && errno == EINTR)
        ;
    t.got_sigterm = got_sigterm;
    _exit(write_all(report_fd, &t, sizeof t) == 0 ? 0 : 6);
}

static int kernel_landlock_abi(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

    return abi > 0 ? (int)abi : 0;
}

static int listen_abstract(char *name, size_t cap)
{
    struct sockaddr_un addr;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(name, cap, "fa-jail-test-%ld", (long)getpid());
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path + 1, name, strlen(name));
    if (fd < 0 ||
        bind(fd, (struct sockaddr *)&addr,
             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))) != 0 ||
        listen(fd, 4) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void check_rlimit(const char *name, const struct rlimit *rl, rlim_t want)
{
    if (rl->rlim_cur != want || rl->rlim_max != want)
        fprintf(stderr, "  %s: %llu/%llu\n", name, (unsigned long long)rl->rlim_cur,
                (unsigned long long)rl->rlim_max);
    OK(rl->rlim_cur == want && rl->rlim_max == want);
}

static void check_report(const struct jail_case *jc, const struct report *r)
{
    static const char *const syscall_names[N_SYSCALLS] = {"ptrace",
                                                          "process_vm_readv",
                                                          "process_vm_writev",
                                                          "mount",
                                                          "umount2",
                                                          "pivot_root",
                                                          "chroot",
                                                          "unshare",
                                                          "setns",
                                                          "kexec_load",
                                                          "kexec_file_load",
                                                          "bpf",
                                                          "perf_event_open",
                                                          "add_key",
                                                          "request_key",
                                                          "keyctl",
                                                          "init_module",
                                                          "finit_module",
                                                          "delete_module",
                                                          "reboot",
                                                          "swapon",
                                                          "swapoff",
                                                          "userfaultfd",
                                                          "io_uring_setup",
                                                          "io_uring_enter",
                                                          "io_uring_register",
                                                          "open_by_handle_at",
                                                          "execveat",
                                                          "fsopen",
                                                          "open_tree",
                                                          "pidfd_getfd",
                                                          "clone3",
                                                          "clone(THREAD|NEWNET)",
                                                          "ioctl(TIOCSTI)"};
    bool nobody = jc->switch_ids || jc->drop;
    char own_netns[64] = "";
    int abi = kernel_landlock_abi();
    ssize_t n;

    if (r->enter_rc)
        fprintf(stderr, "  sbx_jail_enter: %d %s\n", r->enter_rc, r->diag);
    INT_EQ(r->enter_rc, 0);
    if (r->enter_rc)
        return;

    /* status: what was applied */
    OK(r->status.own_group);
    OK(r->status.no_new_privs);
    OK(r->status.rlimits);
    OK(r->status.seccomp);
    INT_EQ(r->status.ids_switched, jc->switch_ids);
    /* The kernel here offers ABI 7; one without signal scoping (< 6) fails this test. */
    if (abi < 6)
        fprintf(stderr, "  this kernel's Landlock ABI is %d: signal scoping needs 6\n", abi);
    OK(abi >= 6);
    INT_EQ(r->status.landlock_abi, abi);
    OK(r->status.landlock_net);
    OK(r->status.landlock_scoped);

    /* ids, group, no_new_privs, netns */
    INT_EQ(r->uid, nobody ? NOBODY : (long)getuid());
    INT_EQ(r->euid, nobody ? NOBODY : (long)geteuid());
    INT_EQ(r->gid, nobody ? NOBODY : (long)getgid());
    INT_EQ(r->egid, nobody ? NOBODY : (long)getegid());
    if (jc->switch_ids || jc->drop)
        INT_EQ(r->ngroups, 0);
    OK(r->own_group);
    INT_EQ(r->nnp, 1);
    n = readlink("/proc/self/ns/net", own_netns, sizeof own_netns - 1);
    own_netns[n > 0 ? n : 0] = '\0';
    OK(r->netns[0] != '\0');
    if (jc->new_netns && geteuid() == 0 && !jc->drop) {
        OK(r->status.netns);
        OK(strcmp(r->netns, own_netns) != 0);
    } else {
        OK(!r->status.netns);
        STR_EQ(r->netns, own_netns);
    }

    /* processes: no exec, no fork, threads yes */
    INT_EQ(r->err_execve, EPERM);
    INT_EQ(r->err_fork, EPERM);
    INT_EQ(r->err_vfork, EPERM);
    INT_EQ(r->err_raw_fork, EPERM);
    INT_EQ(r->err_raw_clone, EPERM);
    INT_EQ(r->err_thread, 0);

    /* sockets: AF_UNIX only, and not to the parent's abstract socket */
    INT_EQ(r->err_inet, EPERM);
    INT_EQ(r->err_inet6, EPERM);
    INT_EQ(r->err_udp, EPERM);
    INT_EQ(r->err_netlink, EPERM);
    INT_EQ(r->err_inet_high, EPERM);
    INT_EQ(r->err_inet_pair, EPERM);
    INT_EQ(r->err_unix, 0);
    INT_EQ(r->err_unixpair, 0);
    INT_EQ(r->err_scratch_sock, 0);
    /* In a new network namespace the name is not even found. */
    INT_EQ(r->err_abstract, r->status.netns ? ECONNREFUSED : EPERM);

    /* files: everything in scratch, nothing written outside, reads only in read_paths */
    INT_EQ(r->err_scratch, 0);
    INT_EQ(r->err_tmp_create, EACCES);
    INT_EQ(r->err_outside_create, EACCES);
    INT_EQ(r->err_outside_write, EACCES);
    INT_EQ(r->err_outside_trunc, EACCES);
    INT_EQ(r->err_outside_unlink, EACCES);
    OK(r->err_outside_rename == EACCES || r->err_outside_rename == EXDEV);
    OK(r->err_outside_link == EACCES || r->err_outside_link == EXDEV ||
       r->err_outside_link == EPERM);
    INT_EQ(r->err_symlink_write, EACCES);
    INT_EQ(r->err_read_secret, EACCES);
    INT_EQ(r->err_read_passwd, EACCES);
    INT_EQ(r->err_list_root, EACCES);
    INT_EQ(r->err_read_usr, 0);
    INT_EQ(r->err_shared_read, 0);
    INT_EQ(r->err_shared_list, 0);
    INT_EQ(r->err_shared_write, EACCES);
    INT_EQ(r->err_shared_create, EACCES);
    INT_EQ(r->err_single_read, 0);
    INT_EQ(r->err_single_write, EACCES);

    /* signals: itself yes, its parent (the supervisor or the server) and its group no */
    INT_EQ(r->err_kill_self, 0);
    INT_EQ(r->err_kill0, EPERM);
    INT_EQ(r->err_kill_term, EPERM);
    INT_EQ(r->err_kill_group, EPERM);

    for (int i = 0; i < N_SYSCALLS; i++) {
        int want = strcmp(syscall_names[i], "clone3") == 0 ? ENOSYS : EPERM;
        if (r->err_syscalls[i] != want)
            fprintf(stderr, "  syscall %s: errno %d, want %d\n", syscall_names[i],
                    r->err_syscalls[i], want);
        INT_EQ(r->err_syscalls[i], want);
    }

    /* limits */
    check_rlimit("RLIMIT_CPU", &r->rl_cpu, CPU_LIMIT);
    check_rlimit("RLIMIT_AS", &r->rl_as, UNDER_ASAN ? RLIM_INFINITY : AS_LIMIT);
    check_rlimit("RLIMIT_FSIZE", &r->rl_fsize, FSIZE_LIMIT);
    check_rlimit("RLIMIT_NOFILE", &r->rl_nofile, NOFILE_LIMIT);
    check_rlimit("RLIMIT_NPROC", &r->rl_nproc, NPROC_LIMIT);
    check_rlimit("RLIMIT_CORE", &r->rl_core, 0);
    INT_EQ(r->err_fsize_fill, 0);
    INT_EQ(r->err_fsize_over, EFBIG);
    if (!UNDER_ASAN) {
        OK(r->malloc_huge_null);
        OK(r->bomb_stopped);
        OK(r->bomb_chunks > 0 && r->bomb_chunks < (int)(AS_LIMIT / (8u << 20)));
    }
}

static void run_case(const struct jail_case *jc)
{
    static struct report r;
    struct trailer t = {-1, 0};
    struct fixture fx;
    char abstract_name[64];
    int pipefd[2] = {-1, -1};
    int listen_fd = -1;
    int status = -1;
    pid_t pid;
    int got;

    printf("case: %s\n", jc->name);
    fflush(stdout);
    memset(&r, 0, sizeof r);
    OK(fixture_init(&fx, jc->switch_ids || jc->drop) == 0);
    listen_fd = listen_abstract(abstract_name, sizeof abstract_name);
    OK(listen_fd >= 0);
    OK(pipe(pipefd) == 0);
    got_sigterm = 0;
    signal(SIGTERM, on_sigterm);
    pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        if (jc->supervisor)
            run_supervisor(jc, &fx, pipefd[1], abstract_name);
        run_child(jc, &fx, pipefd[1], abstract_name);
    }
    close(pipefd[1]);
    OK(pid > 0);
    got = read_all(pipefd[0], &r, sizeof r);
    OK(got == 0);
    if (got == 0 && jc->supervisor)
        OK(read_all(pipefd[0], &t, sizeof t) == 0);
    if (got != 0 && pid > 0)
        kill(pid, SIGKILL);
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    close(pipefd[0]);
    signal(SIGTERM, SIG_DFL);
    OK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (got == 0)
        check_report(jc, &r);
    if (jc->supervisor) {
        OK(WIFEXITED(t.child_status) && WEXITSTATUS(t.child_status) == 0);
        INT_EQ(t.got_sigterm, 0);
    }
    INT_EQ(got_sigterm, 0);

    /* Nothing outside scratch changed. */
    OK(file_is(fx.victim, VICTIM_TEXT));
    OK(file_is(fx.secret, SECRET_TEXT));
    INT_EQ(count_entries(fx.outside), 2);
    OK(file_is(fx.shared_file, SHARED_TEXT));
    OK(file_is(fx.single, SHARED_TEXT));
    INT_EQ(count_entries(fx.shared), 1);
    OK(access(fx.tmp_escape, F_OK) != 0);
    if (listen_fd >= 0)
        close(listen_fd);
    fixture_cleanup(&fx);
}

/* A bad config is refused before anything changes (checked in a child all the same). */
static void test_bad_config(void)
{
    const char *const ok_paths[] = {"/usr"};
    const char *const bad_paths[] = {"/usr", ""};
    struct fixture fx;
    const struct {
        const char *scratch;
        const char *const *read_paths;
        size_t n_read_paths;
        bool switch_ids;
        uid_t uid;
        int want;
    } cases[] = {
        {"relative/scratch", ok_paths, 1, false, NOBODY, FA_EINVAL},
        {NULL, ok_paths, 1, false, NOBODY, FA_EINVAL},
        {fx.scratch, NULL, 1, false, NOBODY, FA_EINVAL},
        {fx.scratch, bad_paths, 2, false, NOBODY, FA_EINVAL},
        {fx.scratch, ok_paths, 1, true, 0, FA_EINVAL},
        {"/nonexistent-fa-jail/scratch", ok_paths, 1, false, NOBODY, FA_EIO},
    };

    OK(fixture_init(&fx, false) == 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sbx_jail_config config = {
            .scratch = cases[i].scratch,
            .read_paths = cases[i].read_paths,
            .n_read_paths = cases[i].n_read_paths,
            .switch_ids = cases[i].switch_ids,
            .uid = cases[i].uid,
            .gid = NOBODY,
            .limits = {CPU_LIMIT, AS_LIMIT, FSIZE_LIMIT, NOFILE_LIMIT, NPROC_LIMIT},
        };
        int res[3] = {-1, -1, -1};
        int pipefd[2];
        int status = -1;
        pid_t pid;

        OK(pipe(pipefd) == 0);
        pid = fork();
        if (pid == 0) {
            struct sbx_jail_status st;
            struct fa_diag diag = {""};

            memset(&st, 0xff, sizeof st);
            res[0] = sbx_jail_enter(&config, &st, &diag);
            res[1] = !st.own_group && !st.no_new_privs && !st.seccomp && !st.rlimits &&
                     st.landlock_abi == 0;
            res[2] = diag.msg[0] != '\0' && strchr(diag.msg, '\n') == NULL;
            _exit(write_all(pipefd[1], res, sizeof res) == 0 ? 0 : 3);
        }
        close(pipefd[1]);
        OK(read_all(pipefd[0], res, sizeof res) == 0);
        close(pipefd[0]);
        waitpid(pid, &status, 0);
        if (res[0] != cases[i].want)
            fprintf(stderr, "  bad config %zu\n", i);
        INT_EQ(res[0], cases[i].want);
        INT_EQ(res[1], 1);
        INT_EQ(res[2], 1);
    }
    fixture_cleanup(&fx);
}

int main(void)
{
    static const struct jail_case cases[] = {
        {"root, switch to nobody, new network namespace", true, false, true, false, false, true},
        {"root keeps its ids, no network namespace (Landlock and seccomp hold for root)", true,
         false, false, false, false, false},
        {"not started as root: a nobody supervisor, its child jailed without a switch", true, false,
         false, true, true, true},
        {"as the current user: a supervisor of the same uid", false, true, false, true, false,
         true},
    };
    bool root = geteuid() == 0;

    setvbuf(stdout, NULL, _IONBF, 0);
    test_bad_config();
    /* Every case twice: the filter built in the child, then the one the supervisor uses,
     * compiled once in this process by sbx_jail_prepare and only loaded by the children. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            struct fa_diag diag = {{0}};
            INT_EQ(sbx_jail_prepare(&diag), 0);
            INT_EQ(sbx_jail_prepare(&diag), 0); /* a second call keeps the first filter */
            printf("-- again, with the seccomp filter prepared once in the parent --\n");
        }
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            if ((cases[i].need_root && !root) || (cases[i].only_nonroot && root))
                continue;
            run_case(&cases[i]);
        }
    }
    if (!root)
        printf("not root: the cases with an id switch did not run\n");
    return harness_exit();
}
