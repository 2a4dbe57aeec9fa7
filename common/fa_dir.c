/* fa_dir.c: the folder listing of fa_dir.h. */
#include "common/fa_dir.h"

#include "common/fa_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fail(struct fa_diag *diag, int rc, int err, const char *path, const char *doing)
{
    char text[128];

    if (strerror_r(err, text, sizeof text) != 0)
        text[0] = '\0';
    return fa_diag_set(diag, rc, "%s: cannot %s: %s", path, doing, text);
}

int fa_dir_list_read(DIR *dir, const char *path, fa_dir_keep_fn *keep, void *cls, size_t max,
                     const char *what, struct fa_dir_list *out, struct fa_diag *diag)
{
    struct fa_dir_list list = {NULL, 0};
    int rc = FA_OK;

    for (;;) {
        struct dirent *e;

        errno = 0; /* readdir's NULL means the end only while errno stays 0 */
        e = readdir(dir);
        if (!e) {
            if (errno)
                rc = fail(diag, FA_EIO, errno, path, "read the folder");
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (keep ? !keep(e->d_name, cls) : e->d_name[0] == '.')
            continue;
        if (list.n == max) {
            rc = fa_diag_set(diag, FA_ELIMIT, "%s: more than %zu %s", path, max, what);
            break;
        }
        list.names = fa_xrealloc(list.names, (list.n + 1) * sizeof *list.names);
        list.names[list.n++] = fa_xstrdup(e->d_name);
    }
    if (rc) {
        fa_dir_list_cleanup(&list);
        out->names = NULL;
        out->n = 0;
        return rc;
    }
    if (list.n)
        qsort(list.names, list.n, sizeof *list.names, by_name);
    *out = list;
    return FA_OK;
}

int fa_dir_list_open(const char *path, fa_dir_keep_fn *keep, void *cls, size_t max,
                     const char *what, struct fa_dir_list *out, struct fa_diag *diag)
{
    DIR *dir = opendir(path);
    int rc;

    if (!dir) {
        out->names = NULL;
        out->n = 0;
        return fail(diag, errno == ENOENT ? FA_ENOTFOUND : FA_EIO, errno, path, "open the folder");
    }
    rc = fa_dir_list_read(dir, path, keep, cls, max, what, out, diag);
    closedir(dir);
    return rc;
}

void fa_dir_list_cleanup(struct fa_dir_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        fa_free(list->names[i]);
    fa_free(list->names);
    list->names = NULL;
    list->n = 0;
}

bool fa_dir_keep_suffix(const char *name, void *cls)
{
    const char *suffix = cls;
    size_t len = strlen(name), suffix_len = strlen(suffix);

    return name[0] != '.' && len > suffix_len && strcmp(name + len - suffix_len, suffix) == 0;
}
