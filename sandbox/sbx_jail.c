/* sbx_jail.c: the jail of one sandbox run (see sbx_jail.h): process group, network
 * namespace, unprivileged ids, no_new_privs, rlimits, Landlock, seccomp. It implements the
 * child's OS layer of issue #4 ("The run") and DESIGN.md "Platform facts": the kernel offers
 * Landlock ABI 7 while Debian 12's headers declare only ABI 1-2, so the later fields and
 * constants are declared here and the ABI is asked at run time. */
#define _GNU_SOURCE /* unshare, CLONE_*, setresuid/setresgid, getresuid/getresgid, syscall */

#include "sandbox/sbx_jail.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- Landlock declarations missing from Debian 12's <linux/landlock.h> ---- */

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13) /* ABI 2: link/rename across folders */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5: ioctl on char/block devices */
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0) /* ABI 4 */
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1) /* ABI 6 */
#endif

/* The kernel's struct landlock_ruleset_attr as of ABI 6. It only ever grows at the end, and
 * the size passed to landlock_create_ruleset says which fields the caller knows, so older
 * kernels get a prefix of it (ruleset_attr_size). */
struct ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

/* Every filesystem access right that Landlock ABI abi knows. Rights newer than this file
 * (an ABI above 7 that adds some) are not handled, hence allowed; review on new kernels. */
static uint64_t landlock_fs_rights(int abi)
{
    uint64_t rights = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0-12 */

    if (abi >= 2)
        rights |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
    if (abi >= 5)
        rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
    return rights;
}

/* The rights a rule may grant on a file that is not a folder (the kernel refuses folder
 * rights there with EINVAL). */
#define FILE_RIGHTS                                                                                \
    (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |   \
     LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

static size_t ruleset_attr_size(int abi)
{
    if (abi >= 6)
        return sizeof(struct ruleset_attr);
    if (abi >= 4)
        return offsetof(struct ruleset_attr, scoped);
    return offsetof(struct ruleset_attr, handled_access_net);
}

/* The Landlock ABI the kernel offers, or 0 when Landlock is not built in (ENOSYS) or not
 * enabled at boot (EOPNOTSUPP). */
static int landlock_abi(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

    return abi > 0 ? (int)abi : 0;
}

/* Adds a rule granting rights (narrowed to file rights for a non-folder) beneath path.
 * A path that does not exist is skipped. */
static int landlock_allow(int ruleset_fd, const char *path, uint64_t rights, bool need_dir,
                          struct fa_diag *diag)
{
    struct landlock_path_beneath_attr rule;
    struct stat st;
    int fd = -1;
    int rc = 0;

    /* O_PATH: the rule needs only the inode, and root's O_PATH open cannot be refused by
     * the file's mode. Rules are made before the ids change, so a path the run's uid cannot
     * reach still gets its rule; the usual permissions keep applying on top of Landlock. */
    fd = open(path, O_PATH | O_CLOEXEC | (need_dir ? O_DIRECTORY : 0));
    if (fd < 0) {
        int err = errno;

        if (!need_dir && (err == ENOENT || err == ENOTDIR))
            goto out;
        rc = fa_diag_set(diag, FA_EIO, "jail: landlock: open %s: %s", path, strerror(err));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        rc = fa_diag_set(diag, FA_EIO, "jail: landlock: stat %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISDIR(st.st_mode))
        rights &= FILE_RIGHTS;
    memset(&rule, 0, sizeof rule);
    rule.allowed_access = rights;
    rule.parent_fd = fd;
    if (syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
        rc = fa_diag_set(diag, FA_EIO, "jail: landlock: rule for %s: %s", path, strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Makes the Landlock ruleset for config into *out_fd and its ABI into *out_abi (left -1
 * and 0 when the kernel has no Landlock). */
static int landlock_prepare(const struct sbx_jail_config *config, int *out_fd, int *out_abi,
                            struct fa_diag *diag)
{
    struct ruleset_attr attr;
    uint64_t fs, read_rights;
    int abi = landlock_abi();
    int fd = -1;
    int rc = 0;

    if (abi == 0)
        goto out;
    fs = landlock_fs_rights(abi);
    memset(&attr, 0, sizeof attr);
    attr.handled_access_fs = fs;
    /* TCP bind and connect handled with no rule allowing any port: no TCP at all. (seccomp
     * already refuses AF_INET/AF_INET6 sockets; this holds even if a socket got in.) */
    if (abi >= 4)
        attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
    /* Signals (kill, tgkill, pidfd_send_signal, F_SETOWN) and abstract unix sockets only
     * within this domain: the run cannot signal or talk to the server, the supervisor or
     * another run, even when they share its uid (fa-learn not started as root). */
    if (abi >= 6)
        attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
    fd = (int)syscall(SYS_landlock_create_ruleset, &attr, ruleset_attr_size(abi), 0);
    if (fd < 0) {
        rc = fa_diag_set(diag, FA_EIO, "jail: landlock_create_ruleset (ABI %d): %s", abi,
                         strerror(errno));
        goto out;
    }
    /* Reading needs READ_FILE and READ_DIR only. Loading a shared library is open + read +
     * mmap(PROT_EXEC), and Landlock's EXECUTE right governs execve alone, not mmap; so
     * EXECUTE is granted nowhere and exec is refused by Landlock as well as by seccomp. */
    read_rights = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    for (size_t i = 0; i < config->n_read_paths; i++) {
        rc = landlock_allow(fd, config->read_paths[i], read_rights, false, diag);
        if (rc)
            goto out;
    }
    /* Everything but EXECUTE in scratch: a binary the run writes there cannot be run even
     * if some other layer failed. */
    rc =
        landlock_allow(fd, config->scratch, fs & ~(uint64_t)LANDLOCK_ACCESS_FS_EXECUTE, true, diag);
    if (rc)
        goto out;
    *out_abi = abi;
    *out_fd = fd;
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* ---- seccomp ---- */

struct denied_syscall {
    int nr;
    const char *name;
};
/* clang-format off */
#define DENY(name) {SCMP_SYS(name), #name}

/* Answered EPERM whatever their arguments. Besides issue #4's list: the new mount API
 * (fsopen ... mount_setattr, a way around mount), pidfd_getfd (takes another process's
 * descriptors) and process_madvise (acts on another process's memory). */
static const struct denied_syscall denied_syscalls[] = {
    DENY(execve),            DENY(execveat),          DENY(fork),
    DENY(vfork),             DENY(ptrace),            DENY(process_vm_readv),
    DENY(process_vm_writev), DENY(mount),             DENY(umount2),
    DENY(pivot_root),        DENY(chroot),            DENY(fsopen),
    DENY(fsconfig),          DENY(fsmount),           DENY(fspick),
    DENY(move_mount),        DENY(open_tree),         DENY(mount_setattr),
    DENY(unshare),           DENY(setns),             DENY(kexec_load),
    DENY(kexec_file_load),   DENY(bpf),               DENY(perf_event_open),
    DENY(add_key),           DENY(request_key),       DENY(keyctl),
    DENY(init_module),       DENY(finit_module),      DENY(delete_module),
    DENY(reboot),            DENY(swapon),            DENY(swapoff),
    DENY(userfaultfd),       DENY(io_uring_setup),    DENY(io_uring_enter),
    DENY(io_uring_register), DENY(open_by_handle_at), DENY(pidfd_getfd),
    DENY(process_madvise),
};
/* clang-format on */

/* A clone flag that makes a new namespace: refused even together with CLONE_THREAD. */
static const unsigned long clone_ns_flags[] = {
    CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
    CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
};

static int seccomp_fail(struct fa_diag *diag, const char *what, int neg_errno)
{
    return fa_diag_set(diag, FA_EIO, "jail: seccomp: %s: %s", what, strerror(-neg_errno));
}

/* Builds (does not load) the filter into *out_ctx. The filter is for the native
 * architecture only: a system call made with another ABI (i386 through int 0x80, x32 on
 * x86_64) does not match it and gets the bad-architecture action, EPERM here, since the
 * default ALLOW below would otherwise let it through unfiltered. */
static int seccomp_prepare(scmp_filter_ctx *out_ctx, struct fa_diag *diag)
{
    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    scmp_filter_ctx ctx = NULL;
    int rc = 0;
    int src;

    ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        rc = fa_diag_set(diag, FA_EIO, "jail: seccomp_init failed");
        goto out;
    }
    src = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, eperm);
    if (src) {
        rc = seccomp_fail(diag, "bad-arch action", src);
        goto out;
    }
    /* seccomp_load then reports the kernel's own errno instead of a generic -ECANCELED. */
    src = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
    if (src) {
        rc = seccomp_fail(diag, "raw return codes", src);
        goto out;
    }
    for (size_t i = 0; i < sizeof denied_syscalls / sizeof denied_syscalls[0]; i++) {
        src = seccomp_rule_add(ctx, eperm, denied_syscalls[i].nr, 0);
        if (src) {
            rc = seccomp_fail(diag, denied_syscalls[i].name, src);
            goto out;
        }
    }
    /* clone: only threads. Its flags are the first argument on x86_64 and aarch64 (s390
     * swaps the first two; this file does not support it). The kernel reads only the low 32
     * bits; the masks below test single low bits, so high garbage cannot hide a flag. */
    src = seccomp_rule_add(ctx, eperm, SCMP_SYS(clone), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
    if (src) {
        rc = seccomp_fail(diag, "clone without CLONE_THREAD", src);
        goto out;
    }
    for (size_t i = 0; i < sizeof clone_ns_flags / sizeof clone_ns_flags[0]; i++) {
        src = seccomp_rule_add(ctx, eperm, SCMP_SYS(clone), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, clone_ns_flags[i], clone_ns_flags[i]));
        if (src) {
            rc = seccomp_fail(diag, "clone with CLONE_NEW*", src);
            goto out;
        }
    }
    /* clone3 passes its flags in a struct in memory, which a seccomp filter cannot read, so
     * CLONE_THREAD cannot be told apart there. ENOSYS (not EPERM) makes glibc's
     * pthread_create fall back to clone, where the rule above sees the flags; programs
     * treat ENOSYS as "old kernel", not as a failure. */
    src = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (src) {
        rc = seccomp_fail(diag, "clone3", src);
        goto out;
    }
    /* Sockets: AF_UNIX only (socketpair for Python's own plumbing, no network). The kernel
     * reads the family as an int; the filter compares all 64 bits, so garbage above them
     * makes the value differ from AF_UNIX and is refused: the safe side. */
    src = seccomp_rule_add(ctx, eperm, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX, 0));
    if (!src)
        src =
            seccomp_rule_add(ctx, eperm, SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX, 0));
    if (src) {
        rc = seccomp_fail(diag, "socket", src);
        goto out;
    }
    /* Pushing bytes into a terminal's input (TIOCSTI) or TIOCLINUX's selection paste would
     * run commands in the shell of whoever started `fa-learn run` when a descriptor of the
     * run is a terminal. The kernel reads the command as 32 bits, so the filter must
     * ignore the upper ones or garbage there slips by (CVE-2017-5226). SCMP_A1_32 does not
     * do that in libseccomp 2.5.4 (it still requires them to be 0); a mask does. */
    src = seccomp_rule_add(ctx, eperm, SCMP_SYS(ioctl), 1,
                           SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, TIOCSTI));
    if (!src)
        src = seccomp_rule_add(ctx, eperm, SCMP_SYS(ioctl), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, TIOCLINUX));
    if (src) {
        rc = seccomp_fail(diag, "ioctl", src);
        goto out;
    }
    *out_ctx = ctx;
    ctx = NULL;
out:
    seccomp_release(ctx);
    return rc;
}

/* The filter compiled by sbx_jail_prepare, inherited by forked children, which then load it
 * with one system call instead of building it with libseccomp (a few milliseconds each). */
static struct sock_fprog prepared;

int sbx_jail_prepare(struct fa_diag *diag)
{
    scmp_filter_ctx ctx = NULL;
    struct sock_filter *code = NULL;
    off_t size;
    int fd = -1, rc;

    if (prepared.filter)
        return 0;
    rc = seccomp_prepare(&ctx, diag);
    if (rc)
        return rc;
    fd = memfd_create("fa-learn-seccomp", MFD_CLOEXEC);
    rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
    size = rc ? 0 : lseek(fd, 0, SEEK_CUR);
    if (rc || size <= 0 || size % (off_t)sizeof *code ||
        size / (off_t)sizeof *code > BPF_MAXINSNS) {
        rc = seccomp_fail(diag, "export", rc ? rc : -EINVAL);
        goto out;
    }
    code = malloc((size_t)size);
    if (!code || pread(fd, code, (size_t)size, 0) != size) {
        rc = seccomp_fail(diag, "export", -EIO);
        goto out;
    }
    prepared.len = (unsigned short)(size / (off_t)sizeof *code);
    prepared.filter = code;
    code = NULL;
out:
    free(code);
    if (fd >= 0)
        close(fd);
    seccomp_release(ctx);
    return rc;
}

/* ---- ids and limits ---- */

/* Drops to uid/gid with no supplementary groups and checks that it holds. */
static int switch_ids(uid_t uid, gid_t gid, struct fa_diag *diag)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;

    /* Groups first, then gid, then uid: after setresuid the process could no longer change
     * the others. */
    if (setgroups(0, NULL) != 0)
        return fa_diag_set(diag, FA_EPOLICY, "jail: setgroups: %s", strerror(errno));
    if (setresgid(gid, gid, gid) != 0)
        return fa_diag_set(diag, FA_EPOLICY, "jail: setresgid(%u): %s", (unsigned)gid,
                           strerror(errno));
    if (setresuid(uid, uid, uid) != 0)
        return fa_diag_set(diag, FA_EPOLICY, "jail: setresuid(%u): %s", (unsigned)uid,
                           strerror(errno));
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
        return fa_diag_set(diag, FA_EPOLICY, "jail: reading ids back: %s", strerror(errno));
    if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid ||
        getgroups(0, NULL) != 0)
        return fa_diag_set(diag, FA_EPOLICY, "jail: ids did not switch to %u:%u", (unsigned)uid,
                           (unsigned)gid);
    /* The way back must be shut: with every saved id switched, setuid(0) has to fail. */
    if (setuid(0) == 0)
        return fa_diag_set(diag, FA_EPOLICY, "jail: setuid(0) still works after the switch");
    return 0;
}

static rlim_t limit_of_uint(unsigned value)
{
    return value == UINT_MAX ? RLIM_INFINITY : (rlim_t)value;
}

static rlim_t limit_of_size(size_t value)
{
    return value == SIZE_MAX ? RLIM_INFINITY : (rlim_t)value;
}

static int set_limits(const struct sbx_jail_limits *limits, struct fa_diag *diag)
{
    const struct {
        int resource;
        const char *name;
        rlim_t value;
    } table[] = {
        {RLIMIT_CORE, "RLIMIT_CORE", 0},
        {RLIMIT_CPU, "RLIMIT_CPU", limit_of_uint(limits->cpu_seconds)},
        {RLIMIT_AS, "RLIMIT_AS", limit_of_size(limits->address_space)},
        {RLIMIT_FSIZE, "RLIMIT_FSIZE", limit_of_size(limits->file_size)},
        {RLIMIT_NOFILE, "RLIMIT_NOFILE", limit_of_uint(limits->open_files)},
        {RLIMIT_NPROC, "RLIMIT_NPROC", limit_of_uint(limits->processes)},
    };

    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct rlimit rl = {table[i].value, table[i].value};

        if (setrlimit(table[i].resource, &rl) != 0)
            return fa_diag_set(diag, FA_EIO, "jail: setrlimit(%s): %s", table[i].name,
                               strerror(errno));
    }
    return 0;
}

static int check_config(const struct sbx_jail_config *config, struct fa_diag *diag)
{
    if (!config || !config->scratch || config->scratch[0] != '/')
        return fa_diag_set(diag, FA_EINVAL, "jail: scratch must be an absolute path");
    if (config->n_read_paths && !config->read_paths)
        return fa_diag_set(diag, FA_EINVAL, "jail: read_paths is NULL");
    for (size_t i = 0; i < config->n_read_paths; i++) {
        if (!config->read_paths[i] || !config->read_paths[i][0])
            return fa_diag_set(diag, FA_EINVAL, "jail: read_paths[%zu] is empty", i);
    }
    if (config->switch_ids && (config->uid == 0 || config->gid == 0))
        return fa_diag_set(diag, FA_EINVAL, "jail: refusing to switch to uid or gid 0");
    return 0;
}

int sbx_jail_enter(const struct sbx_jail_config *config, struct sbx_jail_status *status,
                   struct fa_diag *diag)
{
    struct sbx_jail_status st;
    scmp_filter_ctx filter = NULL;
    int ruleset_fd = -1;
    int abi = 0;
    int rc;

    memset(&st, 0, sizeof st);
    rc = check_config(config, diag);
    if (rc)
        goto out;

    /* 1. Everything that can fail for a bad config, while nothing has changed yet. */
    rc = landlock_prepare(config, &ruleset_fd, &abi, diag);
    if (rc)
        goto out;
    if (!prepared.filter) {
        rc = seccomp_prepare(&filter, diag);
        if (rc)
            goto out;
    }

    /* 2. Own process group, so the supervisor's kill(-pgid) reaches the run and only it.
     * A session leader cannot move but already leads its group. */
    if (setpgid(0, 0) != 0 && getpgrp() != getpid()) {
        rc = fa_diag_set(diag, FA_EIO, "jail: setpgid: %s", strerror(errno));
        goto out;
    }
    st.own_group = true;

    /* 3. Needs CAP_SYS_ADMIN, so only root gets it; a user namespace would allow it to
     * anyone, but would also hand the run every capability inside that namespace, which is
     * more kernel surface than an empty network namespace is worth next to seccomp and
     * Landlock's TCP rules. */
    if (config->new_netns)
        st.netns = unshare(CLONE_NEWNET) == 0;

    /* 4. Before the switch: root can enter a 0700 scratch folder of another uid. */
    if (chdir(config->scratch) != 0) {
        rc = fa_diag_set(diag, FA_EIO, "jail: chdir %s: %s", config->scratch, strerror(errno));
        goto out;
    }

    /* 5. */
    if (config->switch_ids && geteuid() == 0) {
        rc = switch_ids(config->uid, config->gid, diag);
        if (rc)
            goto out;
        st.ids_switched = true;
    }

    /* 6. Required by Landlock and seccomp for an unprivileged process, and it means no
     * setuid binary or file capability can give anything back (execve is refused anyway). */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        rc = fa_diag_set(diag, FA_EIO, "jail: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
        goto out;
    }
    st.no_new_privs = true;

    /* 7. */
    rc = set_limits(&config->limits, diag);
    if (rc)
        goto out;
    st.rlimits = true;

    /* 8. */
    if (ruleset_fd >= 0) {
        if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) != 0) {
            rc = fa_diag_set(diag, FA_EIO, "jail: landlock_restrict_self: %s", strerror(errno));
            goto out;
        }
        st.landlock_abi = abi;
        st.landlock_net = abi >= 4;
        st.landlock_scoped = abi >= 6;
    }

    /* 9. Last, so that nothing above needs a system call the filter refuses. */
    if (prepared.filter)
        rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prepared) ? -errno : 0;
    else
        rc = seccomp_load(filter);
    if (rc) {
        rc = seccomp_fail(diag, "load", rc);
        goto out;
    }
    st.seccomp = true;
out:
    seccomp_release(filter);
    if (ruleset_fd >= 0)
        close(ruleset_fd);
    if (status)
        *status = st;
    return rc;
}
