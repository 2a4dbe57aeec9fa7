/* sbx_pyaudit_farules.c: FastAudit 0.2.7's own rules, the default mode (issue 12): its
 * path, environment, import and executor checks in its order, and the hook of one
 * FastAudit state (a C function added with sys.addaudithook, as FastAudit adds its own),
 * which asks the Python half (sandbox/pyaudit/core.py) for the message and the host's say
 * when it refuses. */
#include "sandbox/sbx_pyaudit_int.h"

#include <unistd.h>

/* ------------------------------------------------------------------------------------- */
/* FastAudit's own rules (the default mode)                                               */
/*
 * `mk_audit(...)` without hardened=True is FastAudit 0.2.7 in everything a program can see:
 * its API lives in Python (fastaudit.core, sandbox/pyaudit/core.py: namedtuple configs, a
 * contextmanager, ContextVars named fastaudit_cfg and fastaudit_origin, without a tamper
 * check), and only the hook, the CALL callback and the call chain are C. The hook runs
 * FastAudit's checks in FastAudit's order; when they refuse, the Python helper `ask` builds
 * the message and asks the entry-point hooks and before_deny, and the hook raises. */

PyTypeObject sbx_pa_fa_state_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastaudit._fa_state",
    .tp_basicsize = sizeof(struct fa_state),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "The C half of one FastAudit state (opaque; it lives as long as the process).",
};

struct fa_state *sbx_pa_fa_states[MAX_FA_STATES];
size_t sbx_pa_n_fa_states;

/* "module.qualname" the way FastAudit names a frame (str() of the globals' __name__, None
 * when absent), a new reference. */
PyObject *sbx_pa_fa_frame_name(PyFrameObject *frame)
{
    PyCodeObject *code = PyFrame_GetCode(frame);   /* new reference */
    PyObject *globals = PyFrame_GetGlobals(frame); /* new reference */
    PyObject *module = globals ? PyDict_GetItemString(globals, "__name__") : NULL;
    PyObject *name =
        PyUnicode_FromFormat("%S.%S", module ? module : Py_None, sbx_pa_code_qualname(code));

    Py_XDECREF(globals);
    Py_DECREF(code);
    return name;
}

/* FastAudit's call chain: every frame whose name does not start with "fastaudit.", outermost
 * first, joined by " -> ", with extra (or NULL) as the last step. A new reference. */
PyObject *sbx_pa_fa_call_chain(PyObject *extra)
{
    PyObject *names = PyList_New(0), *sep = NULL, *chain = NULL;
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */

    if (!names)
        return NULL;
    if (extra && PyList_Append(names, extra) < 0)
        goto out;
    Py_XINCREF(frame);
    while (frame) {
        PyFrameObject *back = PyFrame_GetBack(frame);
        PyObject *name = sbx_pa_fa_frame_name(frame);
        int skip =
            name ? PyUnicode_Tailmatch(name, sbx_pa_engine.str_fa_prefix, 0, PY_SSIZE_T_MAX, -1)
                 : -1;
        Py_DECREF(frame);
        frame = back;
        if (skip < 0 || (!skip && PyList_Append(names, name) < 0)) {
            Py_XDECREF(name);
            Py_XDECREF(frame);
            goto out;
        }
        Py_DECREF(name);
    }
    if (PyList_Reverse(names) < 0)
        goto out;
    sep = PyUnicode_FromString(" -> ");
    chain = sep ? PyUnicode_Join(sep, names) : NULL;
out:
    Py_XDECREF(sep);
    Py_DECREF(names);
    return chain;
}

/* os.path.dirname of path (len bytes, NULs included): everything up to the last '/', trailing
 * slashes dropped unless it is all slashes. Writes into out (cap bytes); false when it does
 * not fit or holds a NUL (realpath's ValueError in FastAudit: a refusal). */
static bool fa_dirname(const char *path, size_t path_len, char *out, size_t cap)
{
    const char *slash = memrchr(path, '/', path_len);
    size_t len = slash ? (size_t)(slash - path) + 1 : 0, all = 0;

    while (all < len && path[all] == '/')
        all++;
    if (all < len)
        while (len > 0 && path[len - 1] == '/')
            len--;
    if (len + 1 > cap || memchr(path, '\0', len))
        return false;
    memcpy(out, path, len);
    out[len] = '\0';
    return true;
}

/* FastAudit's ok_path: fsdecode the argument (an int or other type fails), dirname as
 * written when parent ('' becomes '.'), realpath, then equal to a root or below root + '/'
 * ('.' is the current folder). No dir_fd, no normalisation before dirname. */
static bool fa_ok_path(PyObject *oks, PyObject *arg, bool parent, struct verdict *v)
{
    const char *path = NULL;
    size_t len = 0;
    PyObject *holder = NULL, *seq = NULL;
    char part[PATH_MAX], cwd[PATH_MAX], resolved[PATH_MAX], cur[PATH_MAX];
    bool inside = false;

    if (PyLong_Check(arg) || arg == Py_None || !(holder = sbx_pa_path_bytes(arg, &path, &len))) {
        PyErr_Clear();
        SAY(v, "the path argument cannot be decoded as a path");
        return false;
    }
    /* A NUL where FastAudit's realpath sees it (the folder part, or the whole path for
     * os.chdir) is its ValueError: a refusal. */
    if (parent) {
        if (!fa_dirname(path, len, part, sizeof part))
            goto out;
    } else if (strlen(path) != len || snprintf(part, sizeof part, "%s", path) >= (int)sizeof part) {
        goto out;
    }
    if (!part[0])
        strcpy(part, ".");
    /* The current folder only matters for a relative path or a '.' root: getcwd on demand. */
    cwd[0] = '\0';
    if ((part[0] != '/' && !getcwd(cwd, sizeof cwd)) ||
        sbx_path_resolve(part, part[0] == '/' ? "/" : cwd, resolved, sizeof resolved))
        goto out;
    cur[0] = '\0'; /* realpath('.'), resolved only if a '.' root asks: every lstat costs */
    seq = PyTuple_CheckExact(oks) ? Py_NewRef(oks) : PySequence_Fast(oks, "oks");
    for (Py_ssize_t i = 0; seq && i < PySequence_Fast_GET_SIZE(seq) && !inside; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i), *enc = NULL;
        const char *root;
        size_t n;
        if (!PyUnicode_Check(o))
            continue;
        if (PyUnicode_GET_LENGTH(o) == 1 && PyUnicode_READ_CHAR(o, 0) == '.') {
            if (!cwd[0] && !getcwd(cwd, sizeof cwd))
                goto out;
            if (!cur[0] && sbx_path_resolve(".", cwd, cur, sizeof cur))
                goto out;
            root = cur;
        } else if (!(root = PyUnicode_AsUTF8(o))) {
            /* The str's cached UTF-8 (no allocation) is its file-system encoding unless it
             * holds surrogates (surrogateescape): then encode it as os.fsencode does. */
            PyErr_Clear();
            enc = PyUnicode_EncodeFSDefault(o);
            if (!enc) {
                PyErr_Clear();
                continue;
            }
            root = PyBytes_AS_STRING(enc);
        }
        n = strlen(root);
        /* equal, or below root + '/': a root '/' therefore matches only '/' itself */
        inside = strcmp(resolved, root) == 0 ||
                 (strncmp(resolved, root, n) == 0 && resolved[n] == '/');
        Py_XDECREF(enc);
    }
    PyErr_Clear();
    SAY(v, "%s '%.200s' resolves to '%.200s', %s the roots", parent ? "the folder" : "the path",
        part, resolved, inside ? "inside" : "outside");
out:
    Py_XDECREF(seq);
    Py_DECREF(holder);
    return inside;
}

/* FastAudit's env_denied: fsdecode, str.upper(), then the protected names and prefixes. */
static bool fa_env_denied(PyObject *key, struct verdict *v)
{
    static const char *const exact[] = {"PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH",
                                        "DYLD_INSERT_LIBRARIES", "VIRTUAL_ENV", "CONDA_PREFIX",
                                        "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TEMP",
                                        "TMP"};
    static const char *const prefixes[] = {"PYTHON", "PIP_", "UV_"};
    PyObject *name = PyOS_FSPath(key), *upper = NULL;
    bool denied = true;

    if (name && PyBytes_Check(name))
        Py_SETREF(name, PyUnicode_DecodeFSDefaultAndSize(PyBytes_AS_STRING(name),
                                                         PyBytes_GET_SIZE(name)));
    upper = name && PyUnicode_Check(name) ? PyObject_CallMethod(name, "upper", NULL) : NULL;
    if (upper && PyUnicode_Check(upper)) {
        denied = false;
        for (size_t i = 0; i < sizeof exact / sizeof exact[0] && !denied; i++)
            denied = PyUnicode_CompareWithASCIIString(upper, exact[i]) == 0;
        for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0] && !denied; i++) {
            PyObject *p = PyUnicode_FromString(prefixes[i]);
            denied = p && PyUnicode_Tailmatch(upper, p, 0, PY_SSIZE_T_MAX, -1) == 1;
            Py_XDECREF(p);
        }
        SAY(v, "the variable %s protected", denied ? "is" : "is not");
    } else {
        SAY(v, "the variable name cannot be decoded");
    }
    PyErr_Clear();
    Py_XDECREF(upper);
    Py_XDECREF(name);
    return denied;
}

/* FastAudit's import allowance: a frame whose module __spec__ has _initializing true in its
 * own __dict__ and whose __name__ matches a prefix. */
static bool fa_importing_allowed(PyObject *allowed, struct verdict *v)
{
    PyFrameObject *frame;
    bool found = false;

    if (!allowed || !PyTuple_Check(allowed) || PyTuple_GET_SIZE(allowed) == 0)
        return false;
    frame = PyEval_GetFrame();
    Py_XINCREF(frame);
    while (frame && !found) {
        PyFrameObject *back = PyFrame_GetBack(frame);
        PyObject *globals = PyFrame_GetGlobals(frame);
        PyObject *spec = globals ? PyDict_GetItemString(globals, "__spec__") : NULL;
        PyObject *name = globals ? PyDict_GetItemString(globals, "__name__") : NULL;
        PyObject *d = NULL, *init = NULL;

        if (spec && name && PyUnicode_Check(name) && Py_TYPE(spec)->tp_dictoffset &&
            (d = PyObject_GenericGetDict(spec, NULL)) != NULL &&
            (init = PyDict_GetItemString(d, "_initializing")) != NULL &&
            PyObject_IsTrue(init) == 1) {
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(allowed) && !found; i++) {
                PyObject *p = PyTuple_GET_ITEM(allowed, i);
                Py_ssize_t n = PyUnicode_Check(p) ? PyUnicode_GET_LENGTH(p) : -1;
                if (n < 0)
                    continue;
                found = PyUnicode_Compare(name, p) == 0 ||
                        (PyUnicode_Tailmatch(name, p, 0, PY_SSIZE_T_MAX, -1) == 1 &&
                         PyUnicode_GET_LENGTH(name) > n && PyUnicode_READ_CHAR(name, n) == '.');
            }
            if (found)
                SAY(v, "during the import of an allowed module");
        }
        PyErr_Clear();
        Py_XDECREF(d);
        Py_XDECREF(globals);
        Py_DECREF(frame);
        frame = back;
    }
    Py_XDECREF(frame);
    return found;
}

/* FastAudit's asyncio executor exception: args[0].__self__.name starts with "asyncio_" and
 * a frame named asyncio.base_events.BaseEventLoop.run_in_executor is on the stack (by name:
 * a look-alike with forged globals passes, as it does in FastAudit). */
static bool fa_executor_thread(PyObject *args)
{
    PyObject *fn = PyTuple_GET_SIZE(args) ? PyTuple_GET_ITEM(args, 0) : Py_None;
    PyObject *self = NULL, *name = NULL;
    PyFrameObject *frame;
    bool named, found = false;

    if (sbx_pa_optional_attr(fn, "__self__", &self) <= 0 ||
        sbx_pa_optional_attr(self, "name", &name) <= 0) {
        PyErr_Clear();
        Py_XDECREF(self);
        return false;
    }
    named = PyUnicode_Check(name) &&
            PyUnicode_Tailmatch(name, sbx_pa_engine.str_asyncio_, 0, PY_SSIZE_T_MAX, -1) == 1;
    Py_DECREF(name);
    Py_DECREF(self);
    PyErr_Clear();
    frame = named ? PyEval_GetFrame() : NULL;
    Py_XINCREF(frame);
    while (frame && !found) {
        PyFrameObject *back = PyFrame_GetBack(frame);
        PyObject *fname = sbx_pa_fa_frame_name(frame);
        found = fname && PyUnicode_CompareWithASCIIString(
                             fname, "asyncio.base_events.BaseEventLoop.run_in_executor") == 0;
        Py_XDECREF(fname);
        PyErr_Clear();
        Py_DECREF(frame);
        frame = back;
    }
    Py_XDECREF(frame);
    return found;
}

/* Whether an open event's arguments (path, mode, flags) read: the mode names no write, or,
 * without a mode, the flags do not. The flags are converted only then: reads are the
 * commonest events of all. */
static bool open_reads(PyObject *args)
{
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    PyObject *mode = nargs > 1 ? PyTuple_GET_ITEM(args, 1) : Py_None;
    PyObject *flags;
    const char *m;
    long f;

    if (PyUnicode_Check(mode)) {
        m = PyUnicode_AsUTF8(mode);
        if (!m)
            PyErr_Clear();
        return m && !strpbrk(m, "wax+");
    }
    flags = nargs > 2 ? PyTuple_GET_ITEM(args, 2) : Py_None;
    f = PyLong_Check(flags) ? PyLong_AsLong(flags) : 0;
    if (f == -1 && PyErr_Occurred())
        PyErr_Clear();
    return mode == Py_None && !sbx_policy_open_writes(NULL, f);
}

/* FastAudit's checks for one event under cfg, without asking anyone: FA_ALLOW, FA_DENY (the
 * generic message), or FA_DENY_PATHS with *bad bit i set for each refused path argument i
 * (0 or 1; bit 0 alone for chdir and the first-path events). Never raises. */
enum fa_outcome sbx_pa_fa_rules(PyObject *oks, PyObject *import_allow, const char *event,
                                PyObject *args, struct verdict *v, unsigned *bad)
{
    enum sbx_event_class cls = sbx_policy_classify(event);
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    int first = 0, count = 1;

    *bad = 0;
    /* fa-learn's table adds two singular asyncgen names FastAudit does not list. */
    if (cls == SBX_EVENT_ALLOW && strncmp(event, "sys.set_asyncgen_hook_", 22) == 0)
        cls = SBX_EVENT_DENY;
    if (cls == SBX_EVENT_ALLOW) {
        v->cls = "allowed";
        SAY(v, "%s is on FastAudit's allow-list: not judged by the audit layer; the OS layer "
               "decides", event);
        return FA_ALLOW;
    }
    if (cls == SBX_EVENT_THREAD && fa_executor_thread(args)) {
        v->cls = "allowed";
        SAY(v, "a thread named asyncio_N started under run_in_executor");
        return FA_ALLOW;
    }
    v->cls = "default-deny";
    if (cls == SBX_EVENT_ENGINE) {
        SAY(v, "the policy cannot be changed inside an active context");
        return FA_DENY;
    }
    if (fa_importing_allowed(import_allow, v)) {
        v->cls = "import-allowed";
        return FA_ALLOW;
    }
    switch (cls) {
    case SBX_EVENT_ENV:
        if (nargs < 1 || fa_env_denied(PyTuple_GET_ITEM(args, 0), v))
            return FA_DENY;
        v->cls = "allowed";
        return FA_ALLOW;
    case SBX_EVENT_SETATTR: {
        const char *name = sbx_pa_str_arg(args, 1);
        if (name && sbx_policy_setattr_allowed(name)) {
            v->cls = "allowed";
            SAY(v, "setting %.80s is harmless", name);
            return FA_ALLOW;
        }
        SAY(v, "setting this attribute can change what code runs");
        return FA_DENY;
    }
    case SBX_EVENT_OPEN: {
        if (open_reads(args)) {
            v->cls = "read";
            SAY(v, "reading is allowed anywhere");
            return FA_ALLOW;
        }
        break;
    }
    case SBX_EVENT_CHDIR:
        v->cls = "path-ok";
        if (nargs > 0 && fa_ok_path(oks, PyTuple_GET_ITEM(args, 0), false, v))
            return FA_ALLOW;
        v->cls = "path-denied";
        *bad = 1;
        return FA_DENY_PATHS;
    case SBX_EVENT_TRUNCATE:
        if (nargs > 0 && PyLong_Check(PyTuple_GET_ITEM(args, 0))) {
            v->cls = "allowed";
            SAY(v, "truncating an open file descriptor");
            return FA_ALLOW;
        }
        break;
    case SBX_EVENT_PATH_FIRST:
        break;
    case SBX_EVENT_PATH_DEST:
        first = 1;
        break;
    case SBX_EVENT_PATH_BOTH:
        count = 2;
        break;
    default:
        if (strcmp(event, "fastaudit.call") == 0) {
            /* the trace's class, fa-learn's: the same name as under the hardened rules */
            v->cls = "native-call";
            SAY(v, "the call monitor reported a native callable of a module outside the "
                   "standard library and the safe-native prefixes");
            return FA_DENY;
        }
        SAY(v, "%s is not on FastAudit's lists: denied unless the host allows it", event);
        return FA_DENY;
    }
    v->cls = "path-ok";
    for (int i = first; i < first + count; i++)
        if (i >= nargs || !fa_ok_path(oks, PyTuple_GET_ITEM(args, i), true, v))
            *bad |= 1u << i;
    if (!*bad)
        return FA_ALLOW;
    v->cls = "path-denied";
    return FA_DENY_PATHS;
}

/* Asks the state's Python helper; returns 1 allowed by a host callback, 0 refused with *msg
 * (new reference) the message, -1 when a callback raised. */
static int fa_ask(struct fa_state *st, PyObject *cfg, const char *event, PyObject *args,
                  PyObject *path, PyObject **msg)
{
    PyObject *r = PyObject_CallFunction(st->ask, "OsOOO", cfg, event, args,
                                        path ? path : Py_None, path ? Py_True : Py_False);

    if (!r)
        return -1;
    if (r == Py_None) {
        Py_DECREF(r);
        return 1;
    }
    *msg = r;
    return 0;
}

int sbx_pa_fa_hook(const char *event, PyObject *args, void *user_data)
{
    struct fa_state *st = user_data;
    struct verdict v;
    PyObject *cfg = NULL, *oks = NULL, *imports = NULL, *msg = NULL;
    enum fa_outcome outcome;
    unsigned bad = 0;
    int rc = 0, said;

    /* FastAudit's hook is a Python hook of one interpreter: a subinterpreter runs
     * unpoliced. At shutdown its ContextVar may be gone with the modules. */
    if (PyInterpreterState_Get() != PyInterpreterState_Main() || sbx_pa_is_finalizing())
        return 0;
    verdict_init(&v);
    if (PyContextVar_Get(st->var, NULL, &cfg) < 0) {
        PyErr_Clear();
        return 0;
    }
    if (cfg == Py_None || !cfg) {
        Py_XDECREF(cfg);
        if (sbx_pa_fa_sandbox_cfg && sbx_pa_engine.tracing) {
            /* Only in the sandbox: FastAudit sees no policy here (its variable was set to
             * None, or the code runs in an empty Context); say what hardened would do. */
            struct verdict other;
            verdict_init(&other);
            if (!sbx_pa_hardened_would_allow(sbx_pa_fa_sandbox_cfg, event, args, &other)) {
                v.cls = "unpoliced";
                v.denied = false;
                SAY(&v, "no FastAudit config is active in this context");
                sbx_pa_divergence_note(&v, true, "its ContextVar holds no config here", false,
                                other.reason);
                sbx_pa_note(event, args, &v);
            }
        }
        return 0;
    }
    if (PyTuple_Check(cfg) && PyTuple_GET_SIZE(cfg) >= 6) {
        /* FastAudit's own AuditCfg, a namedtuple: its fields are read without attribute
         * lookups, and stay alive with cfg (the references are taken all the same, for one
         * release at out:, but without a call each: this is every event's path) */
        oks = PyTuple_GET_ITEM(cfg, 0);
        imports = PyTuple_GET_ITEM(cfg, 5);
        Py_INCREF(oks);
        Py_INCREF(imports);
    } else if (!(oks = PyObject_GetAttrString(cfg, "oks")) ||
               !(imports = PyObject_GetAttrString(cfg, "import_allow"))) {
        rc = -1; /* as in FastAudit: whatever is in the variable must look like a config */
        goto out;
    }
    if (!sbx_pa_engine.tracing && event[0] == 'o' && strcmp(event, "open") == 0 &&
        open_reads(args)) {
        /* The commonest event: a read is allowed whatever else sbx_pa_fa_rules would look
         * at (an import allowance changes only the trace's class, and the trace is off). */
        v.cls = "read";
        sbx_pa_note(event, args, &v);
        goto out;
    }
    outcome = sbx_pa_fa_rules(oks, imports, event, args, &v, &bad);
    if (sbx_pa_engine.tracing) /* the hardened rules' answer, for the trace's note */
        sbx_pa_fa_compare(cfg, event, args, outcome == FA_ALLOW, &v);
    if (outcome == FA_ALLOW) {
        sbx_pa_note(event, args, &v);
        goto out;
    }
    for (int i = 0; i < 2 && rc == 0; i++) {
        PyObject *path = NULL;
        if (outcome == FA_DENY_PATHS) {
            if (!(bad & (1u << i)))
                continue;
            path = i < PyTuple_GET_SIZE(args) ? PyTuple_GET_ITEM(args, i) : Py_None;
        } else if (i > 0) {
            break;
        }
        said = fa_ask(st, cfg, event, args, path, &msg);
        if (said < 0) {
            v.denied = true;
            sbx_pa_note(event, args, &v);
            rc = -1;
        } else if (said == 0) {
            v.denied = true;
            sbx_pa_note(event, args, &v);
            PyErr_SetObject(PyExc_PermissionError, msg);
            sbx_pa_remember_denial();
            Py_CLEAR(msg);
            rc = -1;
        } else {
            v.cls = "host-allowed";
            SAY(&v, "a host callback (before_deny or an entry point) allowed %s", event);
            if (outcome != FA_DENY_PATHS || i == 1 || !(bad & 2u))
                sbx_pa_note(event, args, &v);
        }
    }
out:
    Py_XDECREF(imports);
    Py_XDECREF(oks);
    Py_DECREF(cfg);
    return rc;
}

