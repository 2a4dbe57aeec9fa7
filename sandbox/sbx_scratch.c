/* sbx_scratch.c: the supervisor's folders: run folders removed (one run's, or every one a
 * dead supervisor left), and the interpreter's prefix exposed to the runs (see
 * sbx_supervisor_int.h). */
#define _GNU_SOURCE
#include "sandbox/sbx_supervisor.h"
#include "sandbox/sbx_supervisor_int.h"

#include "common/fa_dir.h"
#include "common/fa_log.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

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

void sbx_scratch_remove_tree(const char *path)
{
    if (path[0])
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
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
            sbx_scratch_remove_tree(path);
    }
    fa_dir_list_cleanup(&names);
}


/* Makes the interpreter's prefix reachable for the run's unprivileged uid when it lies under
 * a folder only root may enter (the default cache is root's ~/.cache): in the supervisor's
 * private mount namespace, a small tmpfs covers that folder and the prefix is bind-mounted
 * back in place, read-only, and so is the scratch base (read-write) when it lies there too.
 * The supervisor does this once; its runs then see those two folders and nothing else of the covered one.
 * Root only; a prefix everyone can reach is left alone. */
int sbx_scratch_expose_prefix(const char *prefix, const char *scratch_base, struct fa_diag *diag)
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
