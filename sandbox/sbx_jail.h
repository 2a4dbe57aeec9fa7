/* sbx_jail.h: the jail, the operating-system layer around one sandbox run: its own process
 * group, unprivileged ids, no_new_privs, rlimits, a private network namespace, Landlock and a
 * seccomp filter. This is the real security boundary; the FastAudit engine above it is policy
 * and teaching (DESIGN.md "Two layers of defence"; issue #4, "The run"). Pure C: libc and
 * libseccomp, no Python. */
#ifndef FA_SANDBOX_SBX_JAIL_H
#define FA_SANDBOX_SBX_JAIL_H

#include "common/fa_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The resource limits of a run, each set as both the soft and the hard limit (so the run
 * cannot raise it again). A field holding its type's largest value (UINT_MAX, SIZE_MAX)
 * asks for no limit (RLIM_INFINITY), which only an unlimited inherited hard limit or root
 * allows, and which RLIMIT_NOFILE never allows. Every other value is applied as given,
 * zero included: a config left zeroed by mistake gets a run that cannot do anything, never
 * one without limits. RLIMIT_CORE is always 0. */
struct sbx_jail_limits {
    unsigned cpu_seconds; /* RLIMIT_CPU: SIGXCPU at the limit, SIGKILL a second later */
    size_t address_space; /* RLIMIT_AS, bytes: mmap/brk (so malloc) fail beyond it */
    size_t file_size;     /* RLIMIT_FSIZE, bytes: a write beyond it gets SIGXFSZ, or EFBIG
                             when SIGXFSZ is ignored */
    unsigned open_files;  /* RLIMIT_NOFILE: descriptors already open are kept */
    unsigned processes;   /* RLIMIT_NPROC: counts every task (threads too) of the run's real
                             uid, in all processes, and is not enforced for root */
};

struct sbx_jail_config {
    /* Absolute path of an existing, empty folder: becomes the working folder and the only
     * place the run may write. When ids are switched it must be writable by uid (issue #4:
     * mode 0700, owned by the run's uid). */
    const char *scratch;
    /* Folders or single files the run may read (and so mmap, e.g. shared libraries): open,
     * read and list them, nothing else. Typically the interpreter prefix, /usr/lib, /lib,
     * /lib64, /etc/localtime, /dev/null, /dev/urandom, /proc/self; the caller decides. A
     * path that does not exist is skipped. Symbolic links are followed (a rule for /lib
     * covers what /lib points to). */
    const char *const *read_paths;
    size_t n_read_paths;
    /* When the process is root (euid 0) and switch_ids is set: drop to uid/gid with no
     * supplementary groups (real, effective and saved ids all). uid must not be 0. Ignored,
     * and reported as not done, when the process is not root. */
    bool switch_ids;
    uid_t uid;
    gid_t gid;
    struct sbx_jail_limits limits;
    /* unshare(CLONE_NEWNET): a network namespace with only a loopback that is down. The
     * kernel allows it to root only (no user namespace is made for it); failure is not
     * fatal, status->netns says whether it happened. */
    bool new_netns;
};

/* What sbx_jail_enter actually applied, for the learner's trace and the supervisor's log. */
struct sbx_jail_status {
    bool own_group;       /* the process leads its own process group */
    bool ids_switched;    /* uid/gid/groups were switched as asked */
    bool no_new_privs;    /* PR_SET_NO_NEW_PRIVS */
    bool rlimits;         /* every limit of config->limits plus CORE=0 */
    bool netns;           /* a fresh network namespace */
    bool seccomp;         /* the seccomp filter is loaded */
    int landlock_abi;     /* the Landlock ABI the kernel offers and that was applied; 0 when
                             Landlock is unavailable (not built in, or disabled at boot) */
    bool landlock_net;    /* TCP bind and connect denied by Landlock (ABI >= 4) */
    bool landlock_scoped; /* signals and abstract unix sockets scoped to the run (ABI >= 6) */
};

/* Locks the calling process into the jail. Call in a freshly forked, single-threaded child,
 * before running anything untrusted; nothing of it can be undone by the process afterwards.
 *
 * Steps, in this order:
 *   1. Prepares, while nothing has changed yet, the Landlock ruleset and the seccomp filter
 *      (so that a bad config or a missing path fails before any step is taken).
 *   2. setpgid(0, 0): the run gets its own process group (the supervisor kills the group).
 *   3. unshare(CLONE_NEWNET) when config->new_netns (not fatal).
 *   4. chdir(scratch).
 *   5. When root and config->switch_ids: setgroups(0, NULL), setresgid, setresuid, then
 *      checked (all uids, all gids, no groups, and setuid(0) refused).
 *   6. prctl(PR_SET_NO_NEW_PRIVS).
 *   7. setrlimit for CPU, AS, FSIZE, NOFILE, NPROC, and CORE = 0.
 *   8. Landlock, when the kernel has it: reading only under read_paths, everything but
 *      executing under scratch, executing nowhere; with ABI >= 4 no TCP bind or connect;
 *      with ABI >= 6 no signals to, and no abstract unix sockets of, processes outside the
 *      run (the server, the supervisor, other runs).
 *   9. A seccomp filter for the native architecture that answers EPERM (never kills) to:
 *      execve, execveat, fork, vfork, clone without CLONE_THREAD or with a CLONE_NEW* flag,
 *      ptrace, process_vm_readv/writev, mount, umount2, pivot_root, chroot, the new mount
 *      API, unshare, setns, kexec_load, kexec_file_load, bpf, perf_event_open, add_key,
 *      request_key, keyctl, init_module, finit_module, delete_module, reboot, swapon,
 *      swapoff, userfaultfd, io_uring_setup/enter/register, open_by_handle_at, ioctl
 *      TIOCSTI/TIOCLINUX, and socket/socketpair of any family but AF_UNIX; clone3 gets
 *      ENOSYS (so that glibc falls back to clone, whose flags the filter can see).
 *      System calls of another architecture (e.g. i386 through int 0x80) get EPERM.
 *
 * status (may be NULL) is filled as far as the steps got, also on failure; it is all false
 * and 0 before step 1. Landlock missing from the kernel is only reported (status
 * ->landlock_abi == 0): the caller decides whether to run without it.
 *
 * Returns 0, or a negative fa_err with a one-line explanation in diag (may be NULL):
 * FA_EINVAL for a bad config (scratch missing or not absolute, a NULL or empty read path, a
 * switch to uid or gid 0), FA_EPOLICY when the ids could not be switched or did not read
 * back as asked, FA_EIO (with the errno's text) when any other mandatory step failed: a
 * scratch that is not an existing folder, process group, chdir, no_new_privs, rlimits,
 * Landlock (when available), seccomp. After a failure the process is half-jailed and must
 * _exit, not run anything.
 *
 * Allocates a little memory (the seccomp filter, unless sbx_jail_prepare made it) and closes every descriptor it opened,
 * also on failure. Not thread-safe: it changes process-wide state, and Landlock and seccomp
 * apply to the calling thread only, which is why the process must be single-threaded. */
int sbx_jail_enter(const struct sbx_jail_config *config, struct sbx_jail_status *status,
                   struct fa_diag *diag);

/* Compiles the seccomp filter of step 9 once and keeps it in this process's memory, so
 * that sbx_jail_enter in every child forked afterwards only loads it (one prctl) instead of
 * building it with libseccomp. Optional; for a process that forks many jailed children
 * (the supervisor). Returns 0 (also when already prepared), or FA_EIO with diag set. */
int sbx_jail_prepare(struct fa_diag *diag);

#endif
