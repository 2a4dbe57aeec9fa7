/* sbx_pyaudit_decide.c: the hardened rule set's decision for one event, without callbacks:
 * path arguments (resolved, dir_fd honoured, sqlite3 URIs judged by their path), the
 * environment, threads, and the event classes of sbx_policy.h. sandbox/README.md lists each
 * rule beside FastAudit's. */
#include "sandbox/sbx_pyaudit_int.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------- */
/* Paths                                                                                  */

/* The file system name of a path argument, NUL characters included: returns a new
 * reference that keeps *chars (*len bytes) alive (a str whose cached UTF-8 is used, or a bytes
 * object), or NULL with no exception set when the argument is not a path (int, None, wrong
 * type). */
PyObject *sbx_pa_path_bytes(PyObject *arg, const char **chars, size_t *len)
{
    PyObject *fspath, *holder = NULL;
    Py_ssize_t n = 0;

    if (PyUnicode_CheckExact(arg)) {
        /* the common case, without os.fspath's call */
        *chars = PyUnicode_AsUTF8AndSize(arg, &n);
        if (*chars) {
            *len = (size_t)n;
            return Py_NewRef(arg);
        }
        PyErr_Clear();
    }
    if (PyLong_Check(arg) || arg == Py_None)
        return NULL;
    fspath = PyOS_FSPath(arg);
    if (!fspath) {
        PyErr_Clear();
        return NULL;
    }
    if (PyUnicode_Check(fspath)) {
        /* The UTF-8 cached in the str is the file system encoding here and costs no copy
         * after its first use; names with undecodable bytes (surrogates) are encoded. */
        *chars = PyUnicode_AsUTF8AndSize(fspath, &n);
        if (*chars) {
            holder = Py_NewRef(fspath);
        } else {
            PyErr_Clear();
            holder = PyUnicode_EncodeFSDefault(fspath);
        }
    } else if (PyBytes_Check(fspath)) {
        holder = Py_NewRef(fspath);
    }
    Py_DECREF(fspath);
    if (holder && PyBytes_Check(holder)) {
        *chars = PyBytes_AS_STRING(holder);
        n = PyBytes_GET_SIZE(holder);
    }
    PyErr_Clear();
    *len = (size_t)n;
    return holder;
}

PyObject *sbx_pa_path_chars(PyObject *arg, const char **chars)
{
    size_t len = 0;
    PyObject *holder = sbx_pa_path_bytes(arg, chars, &len);

    if (holder && strlen(*chars) != len) {
        Py_DECREF(holder);
        return NULL;
    }
    return holder;
}

/* The directory relative paths start from: cwd, or the folder of a dir_fd argument. */
static bool base_dir(PyObject *args, int dir_fd_index, char *out, size_t cap)
{
    if (dir_fd_index >= 0 && dir_fd_index < PyTuple_GET_SIZE(args)) {
        PyObject *fd = PyTuple_GET_ITEM(args, dir_fd_index);
        if (PyLong_Check(fd)) {
            long v = PyLong_AsLong(fd);
            if (v >= 0) {
                char link[64];
                ssize_t n;
                snprintf(link, sizeof link, "/proc/self/fd/%ld", v);
                n = readlink(link, out, cap - 1);
                if (n <= 0)
                    return false;
                out[n] = '\0';
                return out[0] == '/';
            }
            PyErr_Clear();
        }
    }
    return getcwd(out, cap) != NULL;
}

/* Whether a write-open names a folder rather than a file: O_TMPFILE, or tempfile's way of
 * opening a file made by its opener, where the event names the folder it is made in. Such a
 * write creates inside that folder, so the folder itself is what must lie in a root. */
static bool open_names_folder(PyObject *args, long flags)
{
    PyObject *arg = PyTuple_GET_SIZE(args) ? PyTuple_GET_ITEM(args, 0) : Py_None;
    const char *path = NULL;
    PyObject *holder;
    char full[PATH_MAX];
    struct stat st;
    bool folder = false;

#ifdef O_TMPFILE
    if ((flags & O_TMPFILE) == O_TMPFILE)
        return true;
#else
    (void)flags;
#endif
    holder = sbx_pa_path_chars(arg, &path);
    if (!holder) {
        PyErr_Clear();
        return false;
    }
    if (path[0] == '/')
        folder = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    else if (base_dir(args, -1, full, sizeof full)) {
        size_t len = strlen(full);
        if ((size_t)snprintf(full + len, sizeof full - len, "/%s", path) < sizeof full - len)
            folder = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
    }
    Py_DECREF(holder);
    return folder;
}

/* Checks one path argument: its parent (or, for chdir, itself) must be inside a root. */
bool sbx_pa_check_path(const struct config *cfg, const char *event, PyObject *args, int index,
                       bool itself, struct verdict *v)
{
    PyObject *arg = index < PyTuple_GET_SIZE(args) ? PyTuple_GET_ITEM(args, index) : Py_None;
    const char *path = NULL;
    PyObject *holder = sbx_pa_path_chars(arg, &path);
    char base[PATH_MAX], resolved[PATH_MAX], cwd[PATH_MAX], uri_path[PATH_MAX];
    bool inside = false;
    int rc;

    if (!holder) {
        SAY(v,
                 "%s: argument %d is not a path the policy can check", event, index);
        return false;
    }
    if (strcmp(event, "sqlite3.connect") == 0 && strncmp(path, "file:", 5) == 0) {
        /* sqlite3.connect event: with uri=True SQLite opens the URI's path, and the event
         * does not say whether uri was set, so a "file:" name is judged as that path. */
        if (!sbx_policy_sqlite_uri_path(path, uri_path, sizeof uri_path)) {
            Py_DECREF(holder);
            SAY(v, "%s: the URI '%.200s' names no path the policy can check", event, path);
            return false;
        }
        path = uri_path;
    }
    /* The base folder only matters for relative paths: an absolute one costs no getcwd. */
    if (path[0] == '/')
        strcpy(base, "/");
    else if (!base_dir(args, sbx_policy_dir_fd_index(event, index), base, sizeof base)) {
        Py_DECREF(holder);
        SAY(v, "%s: the base folder cannot be found", event);
        return false;
    }
    rc = itself ? sbx_path_resolve(path, base, resolved, sizeof resolved)
                : sbx_path_resolve_parent_under(path, base, cfg->roots,
                                                cfg->n_roots, resolved, sizeof resolved);
    if (rc == 0) {
        for (size_t i = 0; i < cfg->n_roots && !inside; i++)
            inside = sbx_path_inside(resolved, cfg->roots[i]);
        if (!inside && itself && sbx_pa_engine.strict_reads && strcmp(event, "open") == 0)
            inside = sbx_path_inside(resolved, sbx_pa_engine.strict_reads);
        if (!inside && cfg->dot_root && getcwd(cwd, sizeof cwd)) {
            char real_cwd[PATH_MAX];
            if (sbx_path_resolve(cwd, "/", real_cwd, sizeof real_cwd) == 0)
                inside = sbx_path_inside(resolved, real_cwd);
        }
    }
    SAY(v, "%s %s '%.200s' is %s the allowed roots", event,
             itself ? "target" : "parent folder", rc == 0 ? resolved : "(unresolvable)",
             inside ? "inside" : "outside");
    Py_DECREF(holder);
    return inside;
}

/* "['/a', '/b']": the roots as a Python list repr, '.' shown resolved. */
void sbx_pa_roots_repr(const struct config *cfg, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "[");
    char cwd[PATH_MAX];

    for (size_t i = 0; i < cfg->n_roots && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s'%s'", i ? ", " : "", cfg->roots[i]);
    if (cfg->dot_root && n < cap)
        n += (size_t)snprintf(out + n, cap - n, "%s'%s'", cfg->n_roots ? ", " : "",
                              getcwd(cwd, sizeof cwd) ? cwd : ".");
    if (n < cap)
        snprintf(out + n, cap - n, "]");
}

/* ------------------------------------------------------------------------------------- */
/* Deciding one event                                                                     */

const char *sbx_pa_str_arg(PyObject *args, Py_ssize_t i)
{
    PyObject *o = i < PyTuple_GET_SIZE(args) ? PyTuple_GET_ITEM(args, i) : NULL;
    const char *s = o && PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;

    if (!s)
        PyErr_Clear();
    return s;
}

/* os.putenv / os.unsetenv: the name must decode and must not be protected. */
static bool env_allowed(PyObject *args, struct verdict *v)
{
    PyObject *key = PyTuple_GET_SIZE(args) ? PyTuple_GET_ITEM(args, 0) : Py_None;
    PyObject *utf8 = NULL;
    bool ok;

    if (PyUnicode_Check(key)) {
        utf8 = PyUnicode_AsUTF8String(key); /* fails on lone surrogates */
    } else if (PyBytes_Check(key)) {
        PyObject *decoded =
            PyUnicode_DecodeUTF8(PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key), "strict");
        utf8 = decoded ? Py_NewRef(key) : NULL;
        Py_XDECREF(decoded);
    }
    if (!utf8) {
        PyErr_Clear();
        SAY(v, "the variable name cannot be decoded");
        return false;
    }
    ok = !sbx_policy_env_protected(PyBytes_AS_STRING(utf8), (size_t)PyBytes_GET_SIZE(utf8));
    SAY(v, "environment variable %.100s %s",
             PyBytes_AS_STRING(utf8), ok ? "may be changed" : "is protected");
    Py_DECREF(utf8);
    return ok;
}

/* _thread.start_*: only the asyncio default executor's worker threads, named asyncio_N and
 * started from BaseEventLoop.run_in_executor. */
static bool thread_allowed(PyObject *args, struct verdict *v)
{
    PyObject *fn = PyTuple_GET_SIZE(args) ? PyTuple_GET_ITEM(args, 0) : Py_None;
    PyObject *self = PyMethod_Check(fn) ? PyMethod_GET_SELF(fn) : NULL; /* borrowed */
    PyObject *dict = NULL, *name = NULL;
    bool named = false, from_executor = false;

    if (self && sbx_pa_optional_attr(self, "__dict__", &dict) > 0 && PyDict_Check(dict))
        name = PyDict_GetItemString(dict, "_name"); /* borrowed; no attribute hooks run */
    PyErr_Clear();
    {
        const char *text = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
        named = text && strncmp(text, "asyncio_", 8) == 0;
    }
    PyErr_Clear();
    Py_XDECREF(dict);
    if (named) {
        PyFrameObject *frame = PyEval_GetFrame();
        Py_XINCREF(frame);
        while (frame && !from_executor && sbx_pa_engine.executor_code) {
            PyFrameObject *back = PyFrame_GetBack(frame);
            PyCodeObject *code = PyFrame_GetCode(frame);
            /* The real method's code object, captured by mk_audit: a look-alike made with
             * exec and forged globals does not pass. */
            from_executor = (PyObject *)code == sbx_pa_engine.executor_code;
            Py_DECREF(code);
            Py_DECREF(frame);
            frame = back;
        }
        Py_XDECREF(frame);
    }
    SAY(v, "%s",
             from_executor ? "the asyncio default executor may start its worker thread"
                           : "new threads would not inherit the audit context");
    return from_executor;
}

/* Decides without callbacks. Returns true to allow; v says why either way. */
bool sbx_pa_decide(const struct config *cfg, const char *event, PyObject *args,
                   struct verdict *v)
{
    enum sbx_event_class cls = sbx_policy_classify(event);
    bool ok = false;

    v->cls = "path-ok";
    /* Hardened rule (issue 12): a subinterpreter runs without the audit context, so its
     * modules cannot be imported under a hardened policy, in the sandbox or not. */
    if (cls == SBX_EVENT_ALLOW && strcmp(event, "import") == 0 &&
        PyTuple_GET_SIZE(args) > 0 && PyUnicode_Check(PyTuple_GET_ITEM(args, 0))) {
        static const char *const subinterpreters[] = {"_interpreters", "_interpchannels",
                                                       "_interpqueues", "_xxsubinterpreters",
                                                       "concurrent.interpreters"};
        const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 0));
        for (size_t i = 0; name && i < sizeof subinterpreters / sizeof subinterpreters[0]; i++) {
            if (strcmp(name, subinterpreters[i]) == 0) {
                v->cls = "subinterpreter";
                SAY(v, "subinterpreters run without the audit context: refused by the "
                       "hardened rules");
                return false;
            }
        }
        PyErr_Clear();
    }
    switch (cls) {
    case SBX_EVENT_ALLOW:
        v->cls = "allowed";
        SAY(v, "%s is on FastAudit's allow-list: not judged by the audit layer; "
                 "the OS layer decides",
                 event);
        return true;
    case SBX_EVENT_OPEN: {
        const char *mode = sbx_pa_str_arg(args, 1);
        PyObject *flags = PyTuple_GET_SIZE(args) > 2 ? PyTuple_GET_ITEM(args, 2) : NULL;
        long f = flags && PyLong_Check(flags) ? PyLong_AsLong(flags) : 0;
        PyObject *path = PyTuple_GET_SIZE(args) ? PyTuple_GET_ITEM(args, 0) : Py_None;

        PyErr_Clear();
        if (sbx_pa_engine.strict_reads && !PyLong_Check(path) && !sbx_policy_open_writes(mode, f)) {
            ok = sbx_pa_check_path(cfg, event, args, 0, true, v);
            break;
        }
        if (PyLong_Check(path)) {
            v->cls = sbx_policy_open_writes(mode, f) ? "allowed" : "read";
            SAY(v, "open of a file descriptor that is already open: no new path is reached");
            return true;
        }
        if (!sbx_policy_open_writes(mode, f)) {
            v->cls = "read";
            SAY(v, "reading is allowed anywhere");
            return true;
        }
        ok = sbx_pa_check_path(cfg, event, args, 0, open_names_folder(args, f), v);
        break;
    }
    case SBX_EVENT_PATH_FIRST:
        ok = sbx_pa_check_path(cfg, event, args, 0, false, v);
        break;
    case SBX_EVENT_PATH_DEST:
        ok = sbx_pa_check_path(cfg, event, args, 1, false, v);
        break;
    case SBX_EVENT_PATH_BOTH:
        ok = sbx_pa_check_path(cfg, event, args, 0, false, v) &&
             sbx_pa_check_path(cfg, event, args, 1, false, v);
        break;
    case SBX_EVENT_CHDIR:
        ok = sbx_pa_check_path(cfg, event, args, 0, true, v);
        break;
    case SBX_EVENT_TRUNCATE:
        if (PyTuple_GET_SIZE(args) && PyLong_Check(PyTuple_GET_ITEM(args, 0))) {
            SAY(v, "truncating an open file descriptor");
            return true;
        }
        ok = sbx_pa_check_path(cfg, event, args, 0, false, v);
        break;
    case SBX_EVENT_SETATTR: {
        const char *name = sbx_pa_str_arg(args, 1);
        ok = name && sbx_policy_setattr_allowed(name);
        v->cls = ok ? "allowed" : "default-deny";
        SAY(v, "setting %.80s %s", name ? name : "(a non-str name)",
                 ok ? "is harmless" : "can change what code runs");
        return ok;
    }
    case SBX_EVENT_ENV:
        ok = env_allowed(args, v);
        v->cls = ok ? "allowed" : "default-deny";
        return ok;
    case SBX_EVENT_THREAD:
        ok = thread_allowed(args, v);
        v->cls = ok ? "allowed" : "default-deny";
        return ok;
    case SBX_EVENT_ENGINE:
        v->cls = "default-deny";
        SAY(v,
                 "the policy cannot be changed from inside an active context");
        return false;
    case SBX_EVENT_NATIVE_CALL:
        v->cls = "native-call";
        SAY(v,
                 "a call into native code that is neither stdlib nor declared safe");
        return false;
    case SBX_EVENT_DENY:
        v->cls = "default-deny";
        SAY(v,
                 "%s is default-deny: this kind of operation is refused unless the host "
                 "allows it", event);
        return false;
    }
    if (!ok)
        v->cls = "path-denied";
    return ok;
}

