/* sbx_policy.h: the FastAudit policy as plain C: which class an audit event belongs to, and
 * the string and path rules the classes use. No Python here: the tables live in static C
 * memory that Python code cannot reach, and the rules are unit-tested on their own.
 *
 * The event classes, their members and the rules follow the engine issue (#3) and the study
 * wiki; each table entry is a real CPython audit event name. Thread-safe (no state). */
#ifndef FA_SANDBOX_SBX_POLICY_H
#define FA_SANDBOX_SBX_POLICY_H

#include <stdbool.h>
#include <stddef.h>

enum sbx_event_class {
    SBX_EVENT_DENY = 0,      /* everything not listed: default-deny (before_deny may allow) */
    SBX_EVENT_ALLOW,         /* harmless or read-only: allowed outright */
    SBX_EVENT_PATH_FIRST,    /* the parent of args[0] must be inside a root */
    SBX_EVENT_PATH_DEST,     /* the parent of args[1] must be inside a root */
    SBX_EVENT_PATH_BOTH,     /* the parents of args[0] and args[1] */
    SBX_EVENT_OPEN,          /* open: reads anywhere, writes need the parent inside a root */
    SBX_EVENT_CHDIR,         /* os.chdir: the destination itself must be inside a root */
    SBX_EVENT_TRUNCATE,      /* os.truncate: a file descriptor, or a parent-checked path */
    SBX_EVENT_SETATTR,       /* object.__setattr__: a few attribute names only */
    SBX_EVENT_ENV,           /* os.putenv / os.unsetenv: all but protected names */
    SBX_EVENT_THREAD,        /* _thread.start_*: only the asyncio default executor */
    SBX_EVENT_ENGINE,        /* audit_perms.*: the engine's own events */
    SBX_EVENT_NATIVE_CALL,   /* fastaudit.call: a native callable reported by the monitor */
};

/* The class of an audit event name. */
enum sbx_event_class sbx_policy_classify(const char *event);

/* For path events that carry directory file descriptors: the index in the event's args of
 * the dir_fd that applies to the path at args[path_index], or -1 when there is none. */
int sbx_policy_dir_fd_index(const char *event, int path_index);

/* open: true when the call can write. mode is the str mode or NULL (then flags decide):
 * a mode containing any of "wax+", or flags with O_WRONLY, O_RDWR, O_CREAT, O_TRUNC or
 * O_APPEND. */
bool sbx_policy_open_writes(const char *mode, long flags);

/* object.__setattr__: true for __qualname__, __bases__, __class__, __defaults__, __doc__,
 * __module__; false for every other name (e.g. __code__, __kwdefaults__, __name__). */
bool sbx_policy_setattr_allowed(const char *name);

/* sqlite3.connect under the hardened rules (issue 12): the event carries the database name,
 * not uri=True, so a name starting with "file:" is judged as the URI SQLite would open. Writes
 * the URI's path (authority dropped, query and fragment cut, %XX decoded) into out (cap bytes)
 * and returns true; false when database is no "file:" URI or its path is empty, too long, or
 * holds a NUL (the caller then judges the name as written, or refuses). */
bool sbx_policy_sqlite_uri_path(const char *database, char *out, size_t cap);

/* os.putenv / os.unsetenv under the hardened rules: true when the variable name (len bytes)
 * may not be changed: FastAudit's PATH, LD_LIBRARY_PATH, DYLD_LIBRARY_PATH,
 * DYLD_INSERT_LIBRARIES, VIRTUAL_ENV, CONDA_PREFIX, HOME, USER, LOGNAME, SHELL, TMPDIR, TEMP,
 * TMP and names starting with PYTHON, PIP_ or UV_; plus (hardened only) names starting with
 * LD_, BASH_ENV, ENV, names ending in a space or tab and names containing '='. All compared
 * without regard to ASCII case. */
bool sbx_policy_env_protected(const char *name, size_t len);

/* Resolves path like Python's os.path.realpath(path, strict=False): relative to cwd,
 * symbolic links followed (at most 40), "." and ".." applied, and a missing part kept as
 * written. Writes the result (absolute, no trailing '/') into out (cap bytes). Returns 0, or
 * -1 when the result does not fit or links loop. */
int sbx_path_resolve(const char *path, const char *cwd, char *out, size_t cap);

/* Resolves the parent directory of path: the directory part of the lexically normalised
 * absolute path (os.path.dirname(os.path.abspath(path))), then resolved as above. */
int sbx_path_resolve_parent(const char *path, const char *cwd, char *out, size_t cap);

/* Like sbx_path_resolve_parent, but when the lexical parent lies under one of the n_trusted
 * folders (already resolved, e.g. a policy's roots), resolution starts from the longest such
 * folder instead of checking each of its components again. This trusts that the folder's own
 * path has not been replaced by a symbolic link since it was resolved. */
int sbx_path_resolve_parent_under(const char *path, const char *cwd, char *const *trusted,
                                  size_t n_trusted, char *out, size_t cap);

/* True when resolved (from sbx_path_resolve) equals root or lies below it. */
bool sbx_path_inside(const char *resolved, const char *root);

#endif
