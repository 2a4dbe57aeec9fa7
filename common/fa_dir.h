/* fa_dir.h: the names in a folder, read once, filtered, capped and sorted.
 *
 * The one folder-listing helper of the tree (issue 16): the wiki's pages, the sandbox
 * gallery, the static tree and the supervisor's left-over run folders all list a folder the
 * same way, and a read error (readdir's errno) is reported, never taken for the end of the
 * folder. Allocation aborts on out-of-memory (fa_mem.h), so not for rlimited sandbox runs. */
#ifndef FA_COMMON_FA_DIR_H
#define FA_COMMON_FA_DIR_H

#include "common/fa_err.h"

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

/* Whether a name is kept; cls is the caller's. "." and ".." never reach it. */
typedef bool fa_dir_keep_fn(const char *name, void *cls);

/* The kept names, sorted by byte value (strcmp). */
struct fa_dir_list {
    char **names;
    size_t n;
};

/* Reads every entry of the open folder dir (the caller still closes it) and keeps the names
 * keep accepts (NULL keeps every name not starting with '.'). More than max kept names is
 * FA_ELIMIT with "path: more than MAX what" in diag; a read error is FA_EIO with "path:
 * cannot read the folder: reason". path and what only word the messages. On success *out
 * holds the names (free with fa_dir_list_cleanup); on failure *out is left empty. */
int fa_dir_list_read(DIR *dir, const char *path, fa_dir_keep_fn *keep, void *cls, size_t max,
                     const char *what, struct fa_dir_list *out, struct fa_diag *diag);

/* Opens path, then fa_dir_list_read. A folder that does not exist is FA_ENOTFOUND, another
 * open failure FA_EIO, both with "path: cannot open the folder: reason" in diag. */
int fa_dir_list_open(const char *path, fa_dir_keep_fn *keep, void *cls, size_t max,
                     const char *what, struct fa_dir_list *out, struct fa_diag *diag);

/* Frees the names and empties list; a zeroed or emptied list is fine. */
void fa_dir_list_cleanup(struct fa_dir_list *list);

/* A keep function: names ending in the suffix cls points to, not starting with '.'. */
bool fa_dir_keep_suffix(const char *name, void *cls);

#endif
