/* sbx_policy.c: event tables and path rules of the FastAudit policy (see sbx_policy.h).
 * The tables are sorted so that lookups are a binary search; a unit test checks the order. */
#include "sandbox/sbx_policy.h"

#include "common/fa_buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct event_rule {
    const char *name;
    enum sbx_event_class cls;
};

/* Exact event names, sorted by strcmp. */
static const struct event_rule rules[] = {
    {"_thread.start_joinable_thread", SBX_EVENT_THREAD},
    {"_thread.start_new_thread", SBX_EVENT_THREAD},
    {"array.__new__", SBX_EVENT_ALLOW},
    {"builtins.breakpoint", SBX_EVENT_ALLOW},
    {"builtins.id", SBX_EVENT_ALLOW},
    {"builtins.input", SBX_EVENT_ALLOW},
    {"builtins.input/result", SBX_EVENT_ALLOW},
    {"code.__new__", SBX_EVENT_ALLOW},
    {"compile", SBX_EVENT_ALLOW},
    {"cpython.run_interactivehook", SBX_EVENT_ALLOW},
    {"exec", SBX_EVENT_ALLOW},
    {"fastaudit.call", SBX_EVENT_NATIVE_CALL},
    {"function.__new__", SBX_EVENT_ALLOW},
    {"glob.glob", SBX_EVENT_ALLOW},
    {"glob.glob/2", SBX_EVENT_ALLOW},
    {"import", SBX_EVENT_ALLOW},
    {"mmap.__new__", SBX_EVENT_ALLOW},
    {"object.__delattr__", SBX_EVENT_ALLOW},
    {"object.__getattr__", SBX_EVENT_ALLOW},
    {"object.__setattr__", SBX_EVENT_SETATTR},
    {"open", SBX_EVENT_OPEN},
    {"os.chdir", SBX_EVENT_CHDIR},
    {"os.chflags", SBX_EVENT_PATH_FIRST},
    {"os.chmod", SBX_EVENT_PATH_FIRST},
    {"os.chown", SBX_EVENT_PATH_FIRST},
    {"os.fork", SBX_EVENT_ALLOW},
    {"os.forkpty", SBX_EVENT_ALLOW},
    {"os.fwalk", SBX_EVENT_ALLOW},
    {"os.getxattr", SBX_EVENT_ALLOW},
    {"os.link", SBX_EVENT_PATH_BOTH},
    {"os.listdir", SBX_EVENT_ALLOW},
    {"os.listdrives", SBX_EVENT_ALLOW},
    {"os.listmounts", SBX_EVENT_ALLOW},
    {"os.listvolumes", SBX_EVENT_ALLOW},
    {"os.listxattr", SBX_EVENT_ALLOW},
    {"os.lockf", SBX_EVENT_ALLOW},
    {"os.mkdir", SBX_EVENT_PATH_FIRST},
    {"os.putenv", SBX_EVENT_ENV},
    {"os.remove", SBX_EVENT_PATH_FIRST},
    {"os.removexattr", SBX_EVENT_PATH_FIRST},
    {"os.rename", SBX_EVENT_PATH_BOTH},
    {"os.rmdir", SBX_EVENT_PATH_FIRST},
    {"os.scandir", SBX_EVENT_ALLOW},
    {"os.setxattr", SBX_EVENT_PATH_FIRST},
    {"os.symlink", SBX_EVENT_PATH_BOTH},
    {"os.truncate", SBX_EVENT_TRUNCATE},
    {"os.unsetenv", SBX_EVENT_ENV},
    {"os.utime", SBX_EVENT_ALLOW},
    {"os.walk", SBX_EVENT_ALLOW},
    {"pathlib.Path.glob", SBX_EVENT_ALLOW},
    {"pathlib.Path.rglob", SBX_EVENT_ALLOW},
    {"pathlib.Path.walk", SBX_EVENT_ALLOW},
    {"pdb.Pdb", SBX_EVENT_ALLOW},
    {"pickle.find_class", SBX_EVENT_ALLOW},
    {"resource.prlimit", SBX_EVENT_ALLOW},
    {"resource.setrlimit", SBX_EVENT_ALLOW},
    {"setopencodehook", SBX_EVENT_ALLOW},
    {"shutil.chown", SBX_EVENT_PATH_FIRST},
    {"shutil.copyfile", SBX_EVENT_PATH_DEST},
    {"shutil.copymode", SBX_EVENT_PATH_DEST},
    {"shutil.copystat", SBX_EVENT_PATH_DEST},
    {"shutil.copytree", SBX_EVENT_PATH_DEST},
    {"shutil.make_archive", SBX_EVENT_PATH_FIRST},
    {"shutil.move", SBX_EVENT_PATH_BOTH},
    {"shutil.rmtree", SBX_EVENT_PATH_FIRST},
    {"shutil.unpack_archive", SBX_EVENT_PATH_BOTH},
    {"socket.__new__", SBX_EVENT_ALLOW},
    {"socket.getaddrinfo", SBX_EVENT_ALLOW},
    {"socket.gethostbyaddr", SBX_EVENT_ALLOW},
    {"socket.gethostbyname", SBX_EVENT_ALLOW},
    {"socket.gethostname", SBX_EVENT_ALLOW},
    {"socket.getnameinfo", SBX_EVENT_ALLOW},
    {"socket.getservbyname", SBX_EVENT_ALLOW},
    {"socket.getservbyport", SBX_EVENT_ALLOW},
    {"sqlite3.connect", SBX_EVENT_PATH_FIRST},
    {"sqlite3.connect/handle", SBX_EVENT_ALLOW},
    {"sqlite3.enable_load_extension", SBX_EVENT_ALLOW},
    {"sqlite3.load_extension", SBX_EVENT_PATH_DEST},
    {"sys._current_exceptions", SBX_EVENT_ALLOW},
    {"sys._current_frames", SBX_EVENT_ALLOW},
    {"sys._getframe", SBX_EVENT_ALLOW},
    {"sys._getframemodulename", SBX_EVENT_ALLOW},
    /* CPython raises the singular names; the plural ones are kept as FastAudit lists them. */
    {"sys.set_asyncgen_hook_finalizer", SBX_EVENT_ALLOW},
    {"sys.set_asyncgen_hook_firstiter", SBX_EVENT_ALLOW},
    {"sys.set_asyncgen_hooks_finalizer", SBX_EVENT_ALLOW},
    {"sys.set_asyncgen_hooks_firstiter", SBX_EVENT_ALLOW},
    {"sys.setprofile", SBX_EVENT_ALLOW},
    {"sys.settrace", SBX_EVENT_ALLOW},
    {"syslog.closelog", SBX_EVENT_ALLOW},
    {"syslog.openlog", SBX_EVENT_ALLOW},
    {"syslog.setlogmask", SBX_EVENT_ALLOW},
    {"syslog.syslog", SBX_EVENT_ALLOW},
    {"tempfile.mkdtemp", SBX_EVENT_PATH_FIRST},
    {"tempfile.mkstemp", SBX_EVENT_PATH_FIRST},
    {"time.sleep", SBX_EVENT_ALLOW},
    {"urllib.Request", SBX_EVENT_ALLOW},
    {"webbrowser.open", SBX_EVENT_ALLOW},
    /* winreg: only the events that read the registry. */
    {"winreg.ConnectRegistry", SBX_EVENT_ALLOW},
    {"winreg.EnumKey", SBX_EVENT_ALLOW},
    {"winreg.EnumValue", SBX_EVENT_ALLOW},
    {"winreg.ExpandEnvironmentStrings", SBX_EVENT_ALLOW},
    {"winreg.OpenKey", SBX_EVENT_ALLOW},
    {"winreg.OpenKey/result", SBX_EVENT_ALLOW},
    {"winreg.PyHKEY.Detach", SBX_EVENT_ALLOW},
    {"winreg.QueryInfoKey", SBX_EVENT_ALLOW},
    {"winreg.QueryReflectionKey", SBX_EVENT_ALLOW},
    {"winreg.QueryValue", SBX_EVENT_ALLOW},
};

/* Whole families of events allowed outright, by prefix. */
static const char *const allowed_prefixes[] = {
    "fcntl.", "ftplib.", "gc.", "imaplib.", "marshal.", "poplib.", "smtplib.",
};

static int compare_rule(const void *key, const void *elem)
{
    return strcmp(key, ((const struct event_rule *)elem)->name);
}

enum sbx_event_class sbx_policy_classify(const char *event)
{
    const struct event_rule *rule;

    /* open is by far the commonest event a policy judges (every import reads files too):
     * answered before the table's binary search, which costs some ten string compares. */
    if (event[0] == 'o' && strcmp(event, "open") == 0)
        return SBX_EVENT_OPEN;
    rule = bsearch(event, rules, sizeof rules / sizeof rules[0], sizeof rules[0], compare_rule);
    if (rule)
        return rule->cls;
    if (strncmp(event, "audit_perms.", 12) == 0)
        return SBX_EVENT_ENGINE;
    for (size_t i = 0; i < sizeof allowed_prefixes / sizeof allowed_prefixes[0]; i++)
        if (strncmp(event, allowed_prefixes[i], strlen(allowed_prefixes[i])) == 0)
            return SBX_EVENT_ALLOW;
    return SBX_EVENT_DENY;
}

/* Exposed for the unit test that keeps the table sorted. */
const char *sbx_policy_rule_name(size_t i);
const char *sbx_policy_rule_name(size_t i)
{
    return i < sizeof rules / sizeof rules[0] ? rules[i].name : NULL;
}

int sbx_policy_dir_fd_index(const char *event, int path_index)
{
    /* Argument tuples from CPython's Modules/posixmodule.c audit calls. */
    static const struct {
        const char *event;
        int first, second; /* dir_fd index for args[0] and for args[1] */
    } fds[] = {
        {"os.chmod", 2, -1},  {"os.chown", 3, -1},  {"os.link", 2, 3},   {"os.mkdir", 2, -1},
        {"os.remove", 1, -1}, {"os.rename", 2, 3},  {"os.rmdir", 1, -1}, {"os.symlink", -1, 2},
    };

    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (strcmp(event, fds[i].event) == 0)
            return path_index == 0 ? fds[i].first : fds[i].second;
    return -1;
}

bool sbx_policy_open_writes(const char *mode, long flags)
{
    if (mode)
        return strpbrk(mode, "wax+") != NULL;
    return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)) != 0;
}

bool sbx_policy_setattr_allowed(const char *name)
{
    static const char *const allowed[] = {"__qualname__", "__bases__", "__class__",
                                          "__defaults__", "__doc__",   "__module__"};

    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strcmp(name, allowed[i]) == 0)
            return true;
    return false;
}

bool sbx_policy_env_protected(const char *name, size_t len)
{
    static const char *const exact[] = {
        "PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES", "VIRTUAL_ENV",
        "CONDA_PREFIX", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TEMP", "TMP",
    };
    /* FastAudit's names, then the hardened additions (issue 12): every dynamic-loader name
     * (LD_PRELOAD, LD_AUDIT, ...), the start-up files of sh and bash, and names that are not
     * what they look like: a trailing blank ("PATH ") or an '=' ("PATH=x"). */
    static const char *const prefixes[] = {"PYTHON", "PIP_", "UV_", "LD_"};
    static const char *const shells[] = {"BASH_ENV", "ENV"};

    if (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
        return true;
    if (memchr(name, '=', len))
        return true;
    for (size_t i = 0; i < sizeof shells / sizeof shells[0]; i++)
        if (strlen(shells[i]) == len && strncasecmp(name, shells[i], len) == 0)
            return true;
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strlen(exact[i]) == len && strncasecmp(name, exact[i], len) == 0)
            return true;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t plen = strlen(prefixes[i]);
        if (len >= plen && strncasecmp(name, prefixes[i], plen) == 0)
            return true;
    }
    return false;
}

bool sbx_policy_sqlite_uri_path(const char *database, char *out, size_t cap)
{
    const char *p, *end;
    size_t n = 0;

    if (strncmp(database, "file:", 5) != 0 || cap == 0)
        return false;
    p = database + 5;
    if (p[0] == '/' && p[1] == '/') { /* file://authority/path: SQLite takes the path */
        p += 2;
        p += strcspn(p, "/?#");
    }
    end = p + strcspn(p, "?#");
    while (p < end) {
        int hi, lo;
        char c = *p++;
        if (c == '%' && end - p >= 2 && (hi = fa_hex_digit(p[0])) >= 0 &&
            (lo = fa_hex_digit(p[1])) >= 0) {
            c = (char)(hi * 16 + lo);
            p += 2;
        }
        if (c == '\0' || n + 1 >= cap)
            return false; /* a NUL cuts a C path short: not a path to judge */
        out[n++] = c;
    }
    if (n == 0)
        return false;
    out[n] = '\0';
    return true;
}

/* Appends "/" + the len bytes of part to out (length *n); false when it does not fit. */
static bool push(char *out, size_t cap, size_t *n, const char *part, size_t len)
{
    if (*n + 1 + len + 1 > cap)
        return false;
    out[(*n)++] = '/';
    memcpy(out + *n, part, len);
    *n += len;
    out[*n] = '\0';
    return true;
}

/* Drops the last component of out ("/a/b" -> "/a", "/a" -> ""). */
static void pop(char *out, size_t *n)
{
    while (*n > 0 && out[*n - 1] != '/')
        (*n)--;
    if (*n > 0)
        (*n)--;
    out[*n] = '\0';
}

/* Resolves path (absolute or relative) on top of out, which already holds a resolved
 * folder (n bytes, "" for the file system root). */
static int resolve_onto(const char *path, char *out, size_t n, size_t cap)
{
    char rest[8192], link[4096];
    size_t pos = 0;
    int links = 0;
    bool missing = false;

    if (strlen(path) + 1 > sizeof rest)
        return -1;
    strcpy(rest, path);
    while (rest[pos]) {
        size_t start, len;

        while (rest[pos] == '/')
            pos++;
        start = pos;
        pos += strcspn(rest + pos, "/"); /* libc's scan: every event's path runs this loop */
        len = pos - start;
        if (len == 0 || (len == 1 && rest[start] == '.'))
            continue;
        if (len == 2 && rest[start] == '.' && rest[start + 1] == '.') {
            pop(out, &n);
            continue;
        }
        if (!push(out, cap, &n, rest + start, len))
            return -1;
        if (!missing) {
            struct stat st;

            if (lstat(out, &st) != 0) {
                missing = true; /* like realpath(strict=False): keep the rest as written */
            } else if (S_ISLNK(st.st_mode)) {
                ssize_t link_len = readlink(out, link, sizeof link - 1);
                size_t tail = strlen(rest + pos);

                if (link_len < 0 || ++links > 40 || (size_t)link_len + tail + 2 > sizeof rest)
                    return -1;
                pop(out, &n);
                if (link[0] == '/')
                    n = 0, out[0] = '\0';
                /* The rest becomes the link's target followed by what was left. */
                memmove(rest + link_len, rest + pos, tail + 1);
                memcpy(rest, link, (size_t)link_len);
                pos = 0;
            }
        }
    }
    if (n == 0) {
        out[0] = '/';
        out[1] = '\0';
    }
    return 0;
}

int sbx_path_resolve(const char *path, const char *cwd, char *out, size_t cap)
{
    size_t n = 0;

    if (cap < 2)
        return -1;
    out[0] = '\0';
    if (path[0] != '/') { /* relative: start from cwd (already absolute and resolved) */
        size_t len = strlen(cwd);
        if (len + 1 > cap || cwd[0] != '/')
            return -1;
        memcpy(out, cwd, len + 1);
        n = len;
        while (n > 0 && out[n - 1] == '/')
            out[--n] = '\0';
    }
    return resolve_onto(path, out, n, cap);
}

int sbx_path_resolve_parent(const char *path, const char *cwd, char *out, size_t cap)
{
    return sbx_path_resolve_parent_under(path, cwd, NULL, 0, out, cap);
}

int sbx_path_resolve_parent_under(const char *path, const char *cwd, char *const *trusted,
                                  size_t n_trusted, char *out, size_t cap)
{
    char normal[8192], lexical[8192];
    size_t n = 0, pos = 0, len = strlen(path), best = 0;
    const char *from = NULL;

    /* os.path.abspath: join with cwd, then drop ".", "" and "name/.." lexically. */
    if (path[0] != '/') {
        size_t cwd_len = strlen(cwd);
        if (cwd_len + len + 2 > sizeof normal)
            return -1;
        memcpy(normal, cwd, cwd_len);
        normal[cwd_len] = '/';
        memcpy(normal + cwd_len + 1, path, len + 1);
    } else {
        if (len + 1 > sizeof normal)
            return -1;
        memcpy(normal, path, len + 1);
    }
    lexical[0] = '\0';
    while (normal[pos]) {
        size_t start;

        while (normal[pos] == '/')
            pos++;
        start = pos;
        while (normal[pos] && normal[pos] != '/')
            pos++;
        if (pos == start || (pos - start == 1 && normal[start] == '.'))
            continue;
        if (pos - start == 2 && normal[start] == '.' && normal[start + 1] == '.')
            pop(lexical, &n);
        else if (!push(lexical, sizeof lexical, &n, normal + start, pos - start))
            return -1;
    }
    pop(lexical, &n); /* the parent */
    /* Under a trusted folder, only the components below it need resolving. */
    for (size_t i = 0; i < n_trusted; i++) {
        size_t t = strlen(trusted[i]);
        if (t > best && t + 1 < cap && sbx_path_inside(n ? lexical : "/", trusted[i])) {
            best = t;
            from = trusted[i];
        }
    }
    if (from && strcmp(from, "/") != 0) {
        memcpy(out, from, best + 1);
        return resolve_onto(lexical + best, out, best, cap);
    }
    return sbx_path_resolve(n ? lexical : "/", cwd, out, cap);
}

bool sbx_path_inside(const char *resolved, const char *root)
{
    size_t len = strlen(root);

    if (len == 1 && root[0] == '/')
        return resolved[0] == '/';
    return strncmp(resolved, root, len) == 0 && (resolved[len] == '\0' || resolved[len] == '/');
}
