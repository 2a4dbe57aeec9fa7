/* sbx_pyaudit.c: the FastAudit engine as the CPython extension module `fastaudit` (see
 * sbx_fastaudit.h; the rules are in sandbox/README.md and issue #3).
 *
 * Layout: engine state in C memory; the process-wide audit hook; the decision for one event;
 * denial (before_deny, messages); the sys.monitoring CALL callback; the opaque config, entry
 * and context types; the module functions. Hook contract (cpython _testembed.c
 * _audit_hook_run): return 0 to allow, set an exception and return -1 to deny. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sandbox/sbx_fastaudit.h"
#include "sandbox/sbx_policy.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ROOTS 64
#define MAX_PREFIXES 256
#define MAX_RECORDS 256      /* entries active at once, across all contexts */
#define CHAIN_FRAMES 24      /* frames shown in a call chain */
#define REPR_MAX 200         /* bytes of an argument summary in the trace */
#define MSG_REPR_MAX 1000    /* bytes of the args repr in a denial message */
#define TRACE_LIMIT_MAX 100000
#define ENGINE_FILE "<fastaudit>" /* co_filename of the engine's few Python helpers */

/* ------------------------------------------------------------------------------------- */
/* Types                                                                                  */

/* A policy made by mk_audit. Opaque to Python: no attributes, no __dict__, and not tracked
 * by the garbage collector, so gc.get_objects() does not list it. */
struct config {
    PyObject_HEAD
    char *roots[MAX_ROOTS]; /* realpath(expanduser(root)) at creation */
    size_t n_roots;
    bool dot_root;          /* '.' was given: the current directory at each check */
    PyObject *before_deny;  /* or NULL */
    PyObject *on_call;      /* or NULL */
    PyObject *data;         /* never NULL (None) */
    int tool_id;
    bool monitor_calls;
    char *imports[MAX_PREFIXES];
    size_t n_imports;
};

/* What the engine's ContextVar holds while a context is active: one `with` entry. */
struct entry {
    PyObject_HEAD
    struct config *config;  /* strong */
    unsigned long thread;   /* PyThread_get_thread_ident() at entry */
    char *thread_name;
    uintptr_t task;         /* the running asyncio task at entry (identity only), or 0 */
    char *chain;            /* call chain at entry */
};

/* The context manager that audit_perms() returns. */
struct context {
    PyObject_HEAD
    struct config *config;  /* strong */
    struct entry *entry;    /* strong while entered */
    PyObject *token;        /* ContextVar token while entered */
    PyObject *ctx;          /* the contextvars.Context entered in (strong, identity only) */
};

static PyTypeObject config_type, entry_type, context_type;

/* Reasons are for the trace only: formatting them costs nothing when it is off. */
#define SAY(v, ...)                                                                            \
    do {                                                                                       \
        if (engine.tracing)                                                                    \
            snprintf((v)->reason, sizeof (v)->reason, __VA_ARGS__);                            \
    } while (0)

/* One decision, as the trace shows it. */
struct verdict {
    const char *cls;
    bool denied;
    char reason[320];
};

struct record_store {
    struct sbx_audit_record pub;
    char *event, *args, *reason;
};

/* The engine. One per process: the hook is process-wide and the embedding has one main
 * interpreter. Guarded by the GIL. */
static struct {
    bool hook_installed;
    bool hook_probe, hook_seen; /* checking that PySys_AddAuditHook really added the hook */
    PyObject *last_denial;      /* the PermissionError the engine raised last */
    PyObject *var;           /* the ContextVar */
    long n_active;           /* entries entered and not yet exited */
    long n_live;             /* entry objects alive (a leaked context copy keeps one) */
    struct {                 /* entries by the context they were entered in (tamper check) */
        PyObject *ctx;       /* borrowed: the struct context holds it */
        struct entry *entry; /* borrowed */
    } records[MAX_RECORDS];
    size_t n_records;
    long monitor_on[6];      /* active monitoring entries per tool id */
    bool tool_registered[6];
    PyObject *call_callback; /* the C CALL callback as a builtin function */
    PyObject *disable;       /* sys.monitoring.DISABLE */
    PyObject *stdlib_names;  /* sys.stdlib_module_names */
    PyObject *partial_type;  /* functools.partial */
    PyObject *str_call;      /* interned "__call__" */
    PyObject *executor_code; /* code of asyncio.base_events.BaseEventLoop.run_in_executor */
    bool no_disable;         /* sandbox option: never answer DISABLE (to show its worth) */
    char *strict_reads;      /* sandbox preset "strict": reads only inside the roots or this */
    bool sandbox;            /* sandbox mode: subinterpreter modules cannot be imported */
    struct entry *locked;    /* sandbox mode: the entry every context falls back to */
    destructor python_class_dealloc; /* tp_dealloc of every class made by a class statement */
    char *safe_native[MAX_PREFIXES];
    size_t n_safe_native;
    char *ep_imports[MAX_PREFIXES];
    size_t n_ep_imports;
    PyObject *ep_audit_hooks;   /* list of callables (fastaudit_audit_hook) */
    PyObject *ep_monitor_hooks; /* list of callables (fastaudit_monitor_hook) */
    bool entry_points_loaded;
    PyObject *helpers;       /* namespace of the Python helpers (track_call...) */
    struct sbx_audit_counters own_counters;
    struct sbx_audit_counters *counters; /* own_counters, or a sandbox run's report */
    sbx_audit_record_fn *on_record;      /* a sandbox run's report, or NULL */
    void *on_record_data;
    bool tracing;
    size_t trace_limit;
    struct record_store *trace;
    size_t n_trace;
} engine = {.counters = &engine.own_counters};

/* Depth of the engine's own calls into Python on this thread: events they raise (imports,
 * reading entry points, host callbacks) are not judged again. */
static _Thread_local int in_engine;

/* ------------------------------------------------------------------------------------- */
/* Small helpers                                                                          */

static bool is_finalizing(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return Py_IsFinalizing();
#else
    return _Py_IsFinalizing();
#endif
}

static char *dup_str(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = PyMem_RawMalloc(len);

    if (copy)
        memcpy(copy, s, len);
    return copy;
}

/* getattr(obj, name) with AttributeError meaning "absent": 1 found, 0 absent, -1 error.
 * (PyObject_GetOptionalAttrString exists only from 3.13.) */
static int optional_attr(PyObject *obj, const char *name, PyObject **out)
{
    *out = PyObject_GetAttrString(obj, name);
    if (*out)
        return 1;
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        return 0;
    }
    return -1;
}

static bool is_engine_code(PyCodeObject *code)
{
    const char *name = PyUnicode_Check(code->co_filename) ? PyUnicode_AsUTF8(code->co_filename)
                                                           : NULL;

    if (!name)
        PyErr_Clear();
    return name && strcmp(name, ENGINE_FILE) == 0;
}

/* Appends "module.qualname" of frame to out; false (and no text) when unknown. */
static bool frame_name(PyFrameObject *frame, char *out, size_t cap)
{
    PyCodeObject *code = PyFrame_GetCode(frame); /* new reference */
    PyObject *globals = PyFrame_GetGlobals(frame); /* new reference */
    PyObject *module = globals ? PyDict_GetItemString(globals, "__name__") : NULL; /* borrowed */
    const char *mod = module && PyUnicode_Check(module) ? PyUnicode_AsUTF8(module) : NULL;
    const char *qual = PyUnicode_Check(code->co_qualname) ? PyUnicode_AsUTF8(code->co_qualname)
                                                           : NULL;
    bool ok = !is_engine_code(code);

    if (!mod || !qual)
        PyErr_Clear();
    if (ok)
        snprintf(out, cap, "%s.%s", mod ? mod : "?", qual ? qual : "?");
    Py_XDECREF(globals);
    Py_DECREF(code);
    return ok;
}

/* The call chain of the current thread, outermost first: "a.f -> b.g". Never fails: an
 * unknown part shows as "?", an empty stack as "<no Python frames>". */
static void call_chain(char *out, size_t cap)
{
    char names[CHAIN_FRAMES][160];
    size_t n = 0, len = 0;
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */

    Py_XINCREF(frame);
    while (frame && n < CHAIN_FRAMES) {
        PyFrameObject *back = PyFrame_GetBack(frame); /* new reference */

        if (frame_name(frame, names[n], sizeof names[n]))
            n++;
        Py_DECREF(frame);
        frame = back;
    }
    Py_XDECREF(frame);
    out[0] = '\0';
    if (n == 0)
        snprintf(out, cap, "<no Python frames>");
    for (size_t i = n; i-- > 0;) {
        int w = snprintf(out + len, cap - len, "%s%s", names[i], i + 1 < n ? "" : "");
        if (w < 0 || (size_t)w >= cap - len)
            break;
        len += (size_t)w;
        if (i > 0 && len + 4 < cap) {
            memcpy(out + len, " -> ", 5);
            len += 4;
        }
    }
}

/* The first frame outside the engine (borrowed from the thread state), or NULL. */
static PyFrameObject *first_outside_frame(void)
{
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */

    while (frame) {
        PyCodeObject *code = PyFrame_GetCode(frame); /* new reference */
        bool mine = is_engine_code(code);

        Py_DECREF(code);
        if (!mine)
            return frame;
        /* PyFrame_GetBack returns a new reference; the frame stays alive through the
         * thread's own stack, so dropping it at once keeps the borrowed contract. */
        {
            PyFrameObject *back = PyFrame_GetBack(frame);
            Py_XDECREF(back);
            frame = back;
        }
    }
    return NULL;
}

/* A bounded summary of an object made without running Python code: str, bytes, numbers,
 * None, bools and tuples show their value; anything else its type. */
static void summarize(PyObject *o, char *out, size_t cap, int depth)
{
    if (cap < 8) {
        out[0] = '\0';
        return;
    }
    if (PyUnicode_Check(o)) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(o, &len);
        if (!s) {
            PyErr_Clear();
            snprintf(out, cap, "<str>");
        } else {
            snprintf(out, cap, "'%.*s%s'", (int)(len > (Py_ssize_t)cap - 8 ? (Py_ssize_t)cap - 8
                                                                             : len),
                     s, len > (Py_ssize_t)cap - 8 ? "…" : "");
        }
    } else if (PyBytes_Check(o)) {
        Py_ssize_t len = PyBytes_GET_SIZE(o);
        int show = (int)(len > (Py_ssize_t)cap - 9 ? (Py_ssize_t)cap - 9 : len);
        size_t n = (size_t)snprintf(out, cap, "b'");
        for (int i = 0; i < show && n + 6 < cap; i++) {
            unsigned char c = (unsigned char)PyBytes_AS_STRING(o)[i];
            n += (size_t)snprintf(out + n, cap - n, c >= 32 && c < 127 && c != '\\' && c != '\''
                                                         ? "%c" : "\\x%02x", c);
        }
        snprintf(out + n, cap - n, "'");
    } else if (o == Py_None || PyBool_Check(o)) {
        snprintf(out, cap, "%s", o == Py_None ? "None" : o == Py_True ? "True" : "False");
    } else if (PyLong_Check(o)) {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow || (v == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            snprintf(out, cap, "<big int>");
        } else {
            snprintf(out, cap, "%lld", v);
        }
    } else if (PyFloat_Check(o)) {
        snprintf(out, cap, "%g", PyFloat_AS_DOUBLE(o));
    } else if (PyTuple_Check(o) && depth < 2) {
        size_t n = (size_t)snprintf(out, cap, "(");
        Py_ssize_t size = PyTuple_GET_SIZE(o);
        for (Py_ssize_t i = 0; i < size && n + 8 < cap; i++) {
            summarize(PyTuple_GET_ITEM(o, i), out + n, cap - n - 4, depth + 1);
            n += strlen(out + n);
            if (i + 1 < size && n + 3 < cap)
                n += (size_t)snprintf(out + n, cap - n, ", ");
        }
        snprintf(out + n, cap - n, size == 1 ? ",)" : ")");
    } else {
        snprintf(out, cap, "<%s>", Py_TYPE(o)->tp_name);
    }
}

/* ------------------------------------------------------------------------------------- */
/* Trace                                                                                  */

static void trace_free_records(void)
{
    for (size_t i = 0; i < engine.n_trace; i++) {
        PyMem_RawFree(engine.trace[i].event);
        PyMem_RawFree(engine.trace[i].args);
        PyMem_RawFree(engine.trace[i].reason);
    }
    engine.n_trace = 0;
}

/* Counts the decision and, when tracing and below the limit, records it. Allocation failure
 * only loses the record. */
static void note(const char *event, PyObject *args, const struct verdict *v)
{
    char summary[REPR_MAX + 16];
    struct record_store *r;

    engine.counters->events++;
    if (v->denied)
        engine.counters->denied++;
    else
        engine.counters->allowed++;
    if (!engine.tracing || engine.n_trace >= engine.trace_limit)
        return;
    if (!engine.trace) {
        engine.trace = PyMem_RawCalloc(engine.trace_limit, sizeof *engine.trace);
        if (!engine.trace)
            return;
    }
    summarize(args, summary, REPR_MAX, 0);
    r = &engine.trace[engine.n_trace];
    r->event = dup_str(event);
    r->args = dup_str(summary);
    r->reason = dup_str(v->reason);
    if (!r->event || !r->args || !r->reason) {
        PyMem_RawFree(r->event);
        PyMem_RawFree(r->args);
        PyMem_RawFree(r->reason);
        return;
    }
    r->pub = (struct sbx_audit_record){r->event, r->args, v->cls, v->denied, r->reason};
    engine.n_trace++;
    if (engine.on_record)
        engine.on_record(&r->pub, engine.on_record_data);
}

struct sbx_audit_counters sbx_audit_get_counters(void) { return *engine.counters; }

void sbx_audit_set_sink(struct sbx_audit_counters *counters, sbx_audit_record_fn *on_record,
                        void *data)
{
    engine.counters = counters ? counters : &engine.own_counters;
    memset(engine.counters, 0, sizeof *engine.counters);
    engine.on_record = on_record;
    engine.on_record_data = data;
}

bool sbx_audit_is_denial(PyObject *exc) { return exc && exc == engine.last_denial; }

void sbx_audit_reset_counters(void) { memset(engine.counters, 0, sizeof *engine.counters); }

void sbx_audit_sandbox_options(bool no_disable, const char *strict_reads)
{
    engine.sandbox = true;
    engine.no_disable = no_disable;
    PyMem_RawFree(engine.strict_reads);
    engine.strict_reads = strict_reads ? dup_str(strict_reads) : NULL;
}

int sbx_audit_add_safe_native(const char *prefix)
{
    char *copy;

    if (engine.n_safe_native >= MAX_PREFIXES)
        return -1;
    copy = dup_str(prefix);
    if (!copy)
        return -1;
    engine.safe_native[engine.n_safe_native++] = copy;
    return 0;
}


size_t sbx_audit_trace_len(void) { return engine.n_trace; }

const struct sbx_audit_record *sbx_audit_trace_get(size_t i)
{
    return i < engine.n_trace ? &engine.trace[i].pub : NULL;
}

/* ------------------------------------------------------------------------------------- */
/* The active entry and the tamper check                                                  */

static PyObject *current_ctx(void)
{
    /* The identity of the running contextvars.Context: set by ContextVar.set, so it exists
     * whenever an entry was made in this context. */
    return PyThreadState_Get()->context;
}

/* The record made when an entry was entered in ctx (the innermost), or NULL. */
static struct entry *recorded_entry(PyObject *ctx)
{
    for (size_t i = engine.n_records; i-- > 0;)
        if (engine.records[i].ctx == ctx)
            return engine.records[i].entry;
    return NULL;
}

static uintptr_t running_task(void);

/* The innermost entry entered on this thread and not yet exited (borrowed), or NULL. */
static struct entry *thread_entry(void)
{
    unsigned long me = PyThread_get_thread_ident();

    for (size_t i = engine.n_records; i-- > 0;)
        if (engine.records[i].entry->thread == me)
            return engine.records[i].entry;
    return NULL;
}

/* The active entry here (new reference), NULL when none.
 *
 * The engine only ever stores entries in its ContextVar, and leaves it unset outside them
 * (exit resets to the unset state). So *tampered is set when the variable holds anything
 * else (None included), or, in the context where an entry was made, another entry.
 * An unset variable while a `with` block is running on this thread means code runs in a
 * context made to escape it (contextvars.Context().run, a copy with the variable never set):
 * it is judged under that block's entry, when it runs in the task that entered the block.
 * Threads have no such fallback, and may not start. */
static struct entry *active_entry(bool *tampered)
{
    PyObject *value = NULL;
    struct entry *recorded, *fallback;

    *tampered = false;
    if (!engine.var || PyContextVar_Get(engine.var, NULL, &value) < 0) {
        PyErr_Clear();
        return NULL;
    }
    recorded = engine.n_records ? recorded_entry(current_ctx()) : NULL;
    if (value && Py_TYPE(value) == &entry_type) {
        if (recorded && (struct entry *)value != recorded) {
            *tampered = true;
            Py_DECREF(value);
            return NULL;
        }
        return (struct entry *)value;
    }
    if (value || recorded) {
        *tampered = true;
        Py_XDECREF(value);
        return NULL;
    }
    /* Only the task (or plain stack) that entered the block: other asyncio tasks on this
     * thread legitimately run without the policy. */
    if (engine.locked) { /* the sandbox: one policy for the whole process */
        Py_INCREF(engine.locked);
        return engine.locked;
    }
    fallback = engine.n_records ? thread_entry() : NULL;
    if (fallback && fallback->task != running_task())
        fallback = NULL;
    Py_XINCREF(fallback);
    return fallback;
}

int sbx_audit_lock(void)
{
    bool tampered;
    struct entry *e = active_entry(&tampered);

    if (!e)
        return -1;
    Py_XSETREF(engine.locked, e); /* keeps the reference */
    return 0;
}

/* ------------------------------------------------------------------------------------- */
/* Paths                                                                                  */

/* The file system name of a path argument: returns a new reference that keeps *chars
 * alive (a str whose cached UTF-8 is used, or a bytes object), or NULL with no exception set
 * when the argument is not a path (int, None, wrong type, NUL inside). */
static PyObject *path_chars(PyObject *arg, const char **chars)
{
    PyObject *fspath, *holder = NULL;
    Py_ssize_t len = 0;

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
        *chars = PyUnicode_AsUTF8AndSize(fspath, &len);
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
        len = PyBytes_GET_SIZE(holder);
    }
    if (!holder || strlen(*chars) != (size_t)len) {
        PyErr_Clear();
        Py_XDECREF(holder);
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
    holder = path_chars(arg, &path);
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
static bool check_path(const struct config *cfg, const char *event, PyObject *args, int index,
                       bool itself, struct verdict *v)
{
    PyObject *arg = index < PyTuple_GET_SIZE(args) ? PyTuple_GET_ITEM(args, index) : Py_None;
    const char *path = NULL;
    PyObject *holder = path_chars(arg, &path);
    char base[PATH_MAX], resolved[PATH_MAX], cwd[PATH_MAX];
    bool inside = false;
    int rc;

    if (!holder) {
        SAY(v,
                 "%s: argument %d is not a path the policy can check", event, index);
        return false;
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
        if (!inside && itself && engine.strict_reads && strcmp(event, "open") == 0)
            inside = sbx_path_inside(resolved, engine.strict_reads);
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
static void roots_repr(const struct config *cfg, char *out, size_t cap)
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

static const char *str_arg(PyObject *args, Py_ssize_t i)
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

    if (self && optional_attr(self, "__dict__", &dict) > 0 && PyDict_Check(dict))
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
        while (frame && !from_executor && engine.executor_code) {
            PyFrameObject *back = PyFrame_GetBack(frame);
            PyCodeObject *code = PyFrame_GetCode(frame);
            /* The real method's code object, captured by mk_audit: a look-alike made with
             * exec and forged globals does not pass. */
            from_executor = (PyObject *)code == engine.executor_code;
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
static bool decide(const struct config *cfg, const char *event, PyObject *args,
                   struct verdict *v)
{
    enum sbx_event_class cls = sbx_policy_classify(event);
    bool ok = false;

    v->cls = "path-ok";
    if (engine.sandbox && cls == SBX_EVENT_ALLOW && strcmp(event, "import") == 0 &&
        PyTuple_GET_SIZE(args) > 0 && PyUnicode_Check(PyTuple_GET_ITEM(args, 0))) {
        static const char *const subinterpreters[] = {"_interpreters", "_interpchannels",
                                                       "_interpqueues", "_xxsubinterpreters",
                                                       "concurrent.interpreters"};
        const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 0));
        for (size_t i = 0; name && i < sizeof subinterpreters / sizeof subinterpreters[0]; i++) {
            if (strcmp(name, subinterpreters[i]) == 0) {
                v->cls = "subinterpreter";
                SAY(v, "subinterpreters run without the audit context: not in the sandbox");
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
        const char *mode = str_arg(args, 1);
        PyObject *flags = PyTuple_GET_SIZE(args) > 2 ? PyTuple_GET_ITEM(args, 2) : NULL;
        long f = flags && PyLong_Check(flags) ? PyLong_AsLong(flags) : 0;
        PyObject *path = PyTuple_GET_SIZE(args) ? PyTuple_GET_ITEM(args, 0) : Py_None;

        PyErr_Clear();
        if (engine.strict_reads && !PyLong_Check(path) && !sbx_policy_open_writes(mode, f)) {
            ok = check_path(cfg, event, args, 0, true, v);
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
        ok = check_path(cfg, event, args, 0, open_names_folder(args, f), v);
        break;
    }
    case SBX_EVENT_PATH_FIRST:
        ok = check_path(cfg, event, args, 0, false, v);
        break;
    case SBX_EVENT_PATH_DEST:
        ok = check_path(cfg, event, args, 1, false, v);
        break;
    case SBX_EVENT_PATH_BOTH:
        ok = check_path(cfg, event, args, 0, false, v) && check_path(cfg, event, args, 1, false, v);
        break;
    case SBX_EVENT_CHDIR:
        ok = check_path(cfg, event, args, 0, true, v);
        break;
    case SBX_EVENT_TRUNCATE:
        if (PyTuple_GET_SIZE(args) && PyLong_Check(PyTuple_GET_ITEM(args, 0))) {
            SAY(v, "truncating an open file descriptor");
            return true;
        }
        ok = check_path(cfg, event, args, 0, false, v);
        break;
    case SBX_EVENT_SETATTR: {
        const char *name = str_arg(args, 1);
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

/* ------------------------------------------------------------------------------------- */
/* Denial                                                                                 */

static bool prefix_matches(const char *name, char *const *prefixes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(prefixes[i]);
        if (strncmp(name, prefixes[i], len) == 0 && (name[len] == '\0' || name[len] == '.'))
            return true;
    }
    return false;
}

/* True while a module whose name matches an allowed import prefix is initialising on this
 * stack (its __spec__._initializing is true). Writes the module name into v->reason. */
static bool import_allowed(const struct config *cfg, struct verdict *v)
{
    PyFrameObject *frame = PyEval_GetFrame();
    bool found = false;

    if (!cfg->n_imports && !engine.n_ep_imports)
        return false;
    Py_XINCREF(frame);
    while (frame && !found) {
        PyFrameObject *back = PyFrame_GetBack(frame);
        PyObject *globals = PyFrame_GetGlobals(frame);
        PyObject *name = globals ? PyDict_GetItemString(globals, "__name__") : NULL;
        PyObject *spec = globals ? PyDict_GetItemString(globals, "__spec__") : NULL;
        const char *mod = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;

        PyErr_Clear();
        if (mod && spec && spec != Py_None &&
            (prefix_matches(mod, cfg->imports, cfg->n_imports) ||
             prefix_matches(mod, engine.ep_imports, engine.n_ep_imports))) {
            PyObject *init = NULL;
            if (optional_attr(spec, "_initializing", &init) > 0)
                found = PyObject_IsTrue(init) == 1;
            Py_XDECREF(init);
            PyErr_Clear();
            if (found)
                SAY(v, "during the import of allowed module %.100s",
                         mod);
        }
        Py_XDECREF(globals);
        Py_DECREF(frame);
        frame = back;
    }
    Py_XDECREF(frame);
    return found;
}

static PyObject *active_calls_list(void)
{
    PyObject *fn = engine.helpers ? PyDict_GetItemString(engine.helpers, "active_calls") : NULL;

    return fn ? PyObject_CallNoArgs(fn) : PyList_New(0);
}

/* The running asyncio task's identity, or 0 (no Python code runs when asyncio is absent). */
static uintptr_t running_task(void)
{
    PyObject *modules = PyImport_GetModuleDict(); /* borrowed */
    PyObject *asyncio = PyDict_GetItemString(modules, "asyncio"); /* borrowed */
    PyObject *loop = NULL, *task = NULL;
    uintptr_t id = 0;

    if (!asyncio)
        return 0;
    in_engine++;
    loop = PyObject_CallMethod(asyncio, "_get_running_loop", NULL);
    if (loop && loop != Py_None)
        task = PyObject_CallMethod(asyncio, "current_task", "O", loop);
    in_engine--;
    if (task && task != Py_None)
        id = (uintptr_t)task;
    Py_XDECREF(task);
    Py_XDECREF(loop);
    PyErr_Clear();
    return id;
}

/* Builds the PermissionError message. */
static PyObject *denial_message(const struct entry *e, const char *event, PyObject *args,
                                const struct verdict *v)
{
    char chain[4096], roots[2048];
    PyObject *first = NULL, *msg = NULL;
    bool path_rule = strcmp(v->cls, "path-denied") == 0;

    call_chain(chain, sizeof chain);
    if (path_rule) {
        int index = sbx_policy_classify(event) == SBX_EVENT_PATH_DEST ? 1 : 0;
        PyObject *path = PyTuple_GET_SIZE(args) > index ? PyTuple_GET_ITEM(args, index) : Py_None;
        /* For both-path events, name the argument that failed: the second if the first passed. */
        if (sbx_policy_classify(event) == SBX_EVENT_PATH_BOTH && PyTuple_GET_SIZE(args) > 1) {
            struct verdict first_check;
            if (check_path(e->config, event, args, 0, false, &first_check))
                path = PyTuple_GET_ITEM(args, 1);
        }
        roots_repr(e->config, roots, sizeof roots);
        first = PyUnicode_FromFormat("%s %R not in %s", event, path, roots);
    } else {
        PyObject *r = PyObject_Repr(args);
        if (!r) {
            PyErr_Clear();
            r = PyUnicode_FromString("(...)");
        }
        if (r && PyUnicode_GetLength(r) > MSG_REPR_MAX) {
            PyObject *cut = PyUnicode_Substring(r, 0, MSG_REPR_MAX);
            Py_SETREF(r, cut ? PyUnicode_FromFormat("%U...", cut) : NULL);
            Py_XDECREF(cut);
        }
        if (r)
            first = PyUnicode_FromFormat("Audit: %s blocked in sandbox with args: %U", event, r);
        Py_XDECREF(r);
    }
    if (!first)
        return NULL;
    if (e->thread != PyThread_get_thread_ident() || e->task != running_task()) {
        PyObject *thread = PyUnicode_FromString(e->thread_name ? e->thread_name : "?");
        msg = thread ? PyUnicode_FromFormat("%U\nCall chain: %s\nAudit context entered in "
                                            "thread %R by: %s",
                                            first, chain, thread, e->chain ? e->chain : "?")
                     : NULL;
        Py_XDECREF(thread);
    } else
        msg = PyUnicode_FromFormat("%U\nCall chain: %s", first, chain);
    Py_DECREF(first);
    return msg;
}

/* Calls one before_deny-style callback; 1 allows, 0 does not, -1 raised. */
static int ask(PyObject *callback, const char *event, PyObject *args, PyObject *msg,
               PyObject *data, PyObject *calls)
{
    PyFrameObject *frame = first_outside_frame(); /* borrowed */
    PyObject *result;
    int truthy;

    in_engine++;
    result = PyObject_CallFunction(callback, "sOOOOO", event, args,
                                   frame ? (PyObject *)frame : Py_None, msg, data, calls);
    in_engine--;
    if (!result)
        return -1;
    truthy = PyObject_IsTrue(result);
    Py_DECREF(result);
    return truthy;
}

/* Keeps the PermissionError just raised, so that a runner can tell the engine's denials
 * from the snippet's own exceptions (sbx_audit_is_denial). */
static void remember_denial(void)
{
    PyObject *exc = PyErr_GetRaisedException();

    Py_XSETREF(engine.last_denial, Py_XNewRef(exc));
    PyErr_SetRaisedException(exc);
}

/* Gives the host a say, then raises. Returns 0 when allowed after all, -1 with the
 * PermissionError (or the callback's exception) set. */
static int deny(struct entry *e, const char *event, PyObject *args, struct verdict *v)
{
    PyObject *msg = NULL, *calls = NULL;
    int rc = -1, said = 0;

    if (import_allowed(e->config, v)) {
        v->cls = "import-allowed";
        v->denied = false;
        note(event, args, v);
        return 0;
    }
    msg = denial_message(e, event, args, v);
    in_engine++;
    calls = msg ? active_calls_list() : NULL;
    in_engine--;
    if (!msg || !calls)
        goto out;
    for (Py_ssize_t i = 0; engine.ep_audit_hooks && i < PyList_GET_SIZE(engine.ep_audit_hooks) &&
                           said == 0; i++)
        said = ask(PyList_GET_ITEM(engine.ep_audit_hooks, i), event, args, msg, e->config->data,
                   calls);
    if (said == 0 && e->config->before_deny)
        said = ask(e->config->before_deny, event, args, msg, e->config->data, calls);
    if (said < 0) {
        v->denied = true;
        note(event, args, v);
        goto out;
    }
    if (said > 0) {
        SAY(v, "the host's before_deny allowed %s", event);
        v->cls = "host-allowed";
        v->denied = false;
        note(event, args, v);
        rc = 0;
        goto out;
    }
    v->denied = true;
    note(event, args, v);
    PyErr_SetObject(PyExc_PermissionError, msg);
    remember_denial();
out:
    Py_XDECREF(calls);
    Py_XDECREF(msg);
    return rc;
}

/* ------------------------------------------------------------------------------------- */
/* The hook                                                                               */

static int audit_hook(const char *event, PyObject *args, void *user_data)
{
    struct entry *e;
    struct verdict v = {0};
    bool tampered;
    int rc;

    (void)user_data;
    if (engine.hook_probe && strcmp(event, "fastaudit.hook_check") == 0) {
        engine.hook_seen = true;
        return 0;
    }
    if (engine.n_live == 0 || in_engine) /* no policy anywhere: the common fast path */
        return 0;
    if (PyInterpreterState_Get() != PyInterpreterState_Main()) {
        /* Code in a subinterpreter has no audit context: while any policy is active,
         * nothing it does is allowed. */
        PyErr_Format(PyExc_PermissionError,
                     "Audit: %s blocked: events from a subinterpreter are denied while a "
                     "policy is active", event);
        return -1; /* not remembered: the object belongs to the other interpreter */
    }
    if (is_finalizing()) {
        /* No Python code may run now (the module dict may be gone): decide from the C
         * tables under the innermost entry still recorded, and deny without callbacks. */
        e = engine.n_records ? engine.records[engine.n_records - 1].entry : NULL;
        if (!e || decide(e->config, event, args, &v))
            return 0;
        PyErr_Format(PyExc_PermissionError, "Audit: %s blocked during interpreter shutdown",
                     event);
        return -1;
    }
    e = active_entry(&tampered);
    if (tampered) {
        v = (struct verdict){.cls = "tampered", .denied = true};
        SAY(&v,
                 "the engine's context variable was changed from outside: everything is denied");
        note(event, args, &v);
        PyErr_Format(PyExc_PermissionError,
                     "Audit: %s blocked: the audit context was tampered with (its context "
                     "variable was changed from outside the engine)", event);
        remember_denial();
        return -1;
    }
    if (!e)
        return 0;
    if (decide(e->config, event, args, &v)) {
        note(event, args, &v);
        Py_DECREF(e);
        return 0;
    }
    rc = deny(e, event, args, &v);
    Py_DECREF(e);
    return rc;
}

/* ------------------------------------------------------------------------------------- */
/* sys.monitoring: the CALL callback                                                      */

/* What a callable really calls (new reference): methods to their function, partials to
 * their func, objects with __wrapped__ in their instance dict (read directly, so no
 * __getattr__ runs) to what they wrap. At most 8 steps. */
static PyObject *unwrap_callable(PyObject *c)
{
    PyObject *target = Py_NewRef(c);

    for (int depth = 0; depth < 8; depth++) {
        PyObject *inner = NULL;

        if (PyMethod_Check(target)) {
            inner = Py_NewRef(PyMethod_GET_FUNCTION(target));
        } else if (engine.partial_type &&
                   PyObject_TypeCheck(target, (PyTypeObject *)engine.partial_type)) {
            if (optional_attr(target, "func", &inner) < 0)
                PyErr_Clear();
        } else if (!PyFunction_Check(target) && !PyType_Check(target) &&
                   Py_TYPE(target)->tp_dictoffset) {
            PyObject *dict = PyObject_GenericGetDict(target, NULL);
            inner = dict ? PyDict_GetItemString(dict, "__wrapped__") : NULL; /* borrowed */
            Py_XINCREF(inner);
            Py_XDECREF(dict);
            PyErr_Clear();
        }
        if (!inner)
            break;
        Py_SETREF(target, inner);
    }
    return target;
}

/* True for callables that run Python code: functions, classes made by class statements,
 * and instances whose class defines __call__ in Python. (Unwrap first.) */
static bool is_python_callable(PyObject *c)
{
    if (PyFunction_Check(c))
        return true;
    if (PyType_Check(c))
        return ((PyTypeObject *)c)->tp_dealloc == engine.python_class_dealloc;
    if (Py_TYPE(c)->tp_dealloc == engine.python_class_dealloc) {
        PyObject *call = _PyType_Lookup(Py_TYPE(c), engine.str_call); /* borrowed */
        return call && PyFunction_Check(call);
    }
    return false;
}

/* The module a native callable belongs to (new reference to a str), or NULL. */
static PyObject *callable_module(PyObject *c)
{
    PyObject *owner = NULL, *module = NULL;

    if (PyCFunction_Check(c)) {
        PyObject *self = PyCFunction_GET_SELF(c); /* borrowed */
        PyModuleDef *def = self && PyModule_Check(self) ? PyModule_GetDef(self) : NULL;
        if (def && def->m_name) {
            /* A function of a C module: the name in its C definition, which Python code
             * cannot change (its __module__ and the module's __name__ are writable). */
            return PyUnicode_FromString(def->m_name);
        }
        PyErr_Clear();
        if (self && !PyModule_Check(self)) {
            /* A bound C method: the class in the MRO that defines the method's name. */
            PyObject *mro = Py_TYPE(self)->tp_mro;
            const char *meth = ((PyCFunctionObject *)c)->m_ml->ml_name;
            for (Py_ssize_t i = 0; mro && i < PyTuple_GET_SIZE(mro) && !owner; i++) {
                PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
                PyObject *d = PyType_GetDict(t); /* new reference */
                if (d && PyDict_GetItemString(d, meth))
                    owner = Py_NewRef((PyObject *)t);
                Py_XDECREF(d);
            }
            if (!owner)
                owner = Py_NewRef((PyObject *)Py_TYPE(self));
        }
    } else if (optional_attr(c, "__objclass__", &owner) < 0) {
        PyErr_Clear();
    }
    if (!owner && !PyCFunction_Check(c) && !PyType_Check(c))
        owner = Py_NewRef((PyObject *)Py_TYPE(c)); /* an instance with a native __call__ */
    if (optional_attr(owner ? owner : c, "__module__", &module) < 0)
        PyErr_Clear();
    Py_XDECREF(owner);
    if (module && PyUnicode_Check(module))
        return module;
    Py_XDECREF(module);
    return NULL;
}

static bool is_stdlib_module(PyObject *module)
{
    PyObject *top = NULL;
    Py_ssize_t dot = PyUnicode_FindChar(module, '.', 0, PyUnicode_GET_LENGTH(module), 1);
    int found;

    top = dot >= 0 ? PyUnicode_Substring(module, 0, dot) : Py_NewRef(module);
    found = top ? PySet_Contains(engine.stdlib_names, top) : 0;
    Py_XDECREF(top);
    if (found < 0)
        PyErr_Clear();
    return found == 1;
}

/* "module.qualname" of a callable, best effort (new reference). */
static PyObject *callable_name(PyObject *c, PyObject *module)
{
    PyObject *qual = NULL, *name;

    if (optional_attr(c, "__qualname__", &qual) <= 0 || !PyUnicode_Check(qual)) {
        PyErr_Clear();
        Py_XDECREF(qual);
        qual = PyUnicode_FromString(Py_TYPE(c)->tp_name);
    }
    name = qual ? PyUnicode_FromFormat("%s.%U", module ? PyUnicode_AsUTF8(module) : "?", qual)
                : NULL;
    Py_XDECREF(qual);
    return name;
}

/* Answers DISABLE; counted, like the callback itself, only while a policy is active. */
static PyObject *disable_site(void)
{
    if (engine.no_disable)
        Py_RETURN_NONE; /* the site stays on: every call pays the callback */
    if (engine.n_active)
        engine.counters->sites_disabled++;
    return Py_NewRef(engine.disable);
}

/* Calls one monitor hook; *answer gets its result unless it is None. -1 when it raised. */
static int ask_monitor(PyObject *hook, PyObject *caller, PyObject *callee, PyObject *callable,
                       PyObject *code, PyObject *offset, PyObject *data, PyObject *calls,
                       PyObject **answer)
{
    PyObject *result;

    in_engine++;
    result = PyObject_CallFunction(hook, "OOOOOOO", caller, callee, callable, code, offset, data,
                                   calls);
    in_engine--;
    if (!result)
        return -1;
    if (result == Py_None)
        Py_DECREF(result);
    else
        *answer = result;
    return 0;
}

/* sys.monitoring CALL callback: (code, instruction_offset, callable, arg0). */
static PyObject *on_call_event(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *code, *callable, *target = NULL, *module = NULL, *result = NULL;
    PyObject *caller = NULL, *callee = NULL;
    PyObject *calls = NULL, *answer = NULL;
    struct entry *e = NULL;
    bool tampered;
    char where[200], chain[4096];
    PyFrameObject *frame;

    (void)self;
    if (nargs < 3 || is_finalizing())
        Py_RETURN_NONE;
    code = args[0];
    callable = args[2];
    if (engine.n_active)
        engine.counters->monitor_callbacks++;
    if (!PyCode_Check(code) || is_engine_code((PyCodeObject *)code))
        return disable_site();
    target = unwrap_callable(callable);
    if (is_python_callable(target)) {
        Py_DECREF(target);
        return disable_site();
    }
    module = callable_module(target);
    if (module && (PyUnicode_CompareWithASCIIString(module, "fastaudit") == 0 || /* our own */
                   is_stdlib_module(module) ||
                   prefix_matches(PyUnicode_AsUTF8(module), engine.safe_native,
                                  engine.n_safe_native))) {
        Py_DECREF(module);
        Py_DECREF(target);
        return disable_site();
    }
    PyErr_Clear();
    e = active_entry(&tampered);
    if (!e || !e->config->monitor_calls || in_engine) {
        /* Outside an active monitoring context the site is checked again next time. */
        result = Py_NewRef(Py_None);
        goto out;
    }
    engine.counters->native_calls++;
    frame = first_outside_frame();
    if (!frame || !frame_name(frame, where, sizeof where))
        snprintf(where, sizeof where, "?");
    caller = PyUnicode_FromString(where);
    callee = callable_name(target, module);
    in_engine++;
    calls = active_calls_list();
    in_engine--;
    if (!caller || !callee || !calls)
        goto out;
    /* Entry-point hooks first, then the config's on_call; the first answer that is not
     * None decides. */
    for (Py_ssize_t i = 0; engine.ep_monitor_hooks && i < PyList_GET_SIZE(engine.ep_monitor_hooks)
                           && !answer; i++) {
        if (ask_monitor(PyList_GET_ITEM(engine.ep_monitor_hooks, i), caller, callee, callable,
                        code, args[1], e->config->data, calls, &answer) < 0)
            goto out;
    }
    if (!answer && e->config->on_call &&
        ask_monitor(e->config->on_call, caller, callee, callable, code, args[1], e->config->data,
                    calls, &answer) < 0)
        goto out;
    if (answer == Py_False || answer == engine.disable) {
        struct verdict v = {.cls = "native-allowed", .denied = false};
        PyObject *summary = PyTuple_Pack(2, caller, callee);
        SAY(&v, "the host's on_call let %s through%s",
                 PyUnicode_AsUTF8(callee), answer == Py_False ? "" : " and disabled the site");
        if (summary)
            note("fastaudit.call", summary, &v);
        Py_XDECREF(summary);
        PyErr_Clear();
        result = answer == Py_False ? Py_NewRef(Py_None) : disable_site();
        goto out;
    }
    call_chain(chain, sizeof chain);
    if (PySys_Audit("fastaudit.call", "OOs", caller, callee, chain) < 0)
        goto out;
    result = Py_NewRef(Py_None);
out:
    Py_XDECREF(answer);
    Py_XDECREF(calls);
    Py_XDECREF(callee);
    Py_XDECREF(caller);
    Py_XDECREF(e);
    Py_XDECREF(module);
    Py_XDECREF(target);
    return result;
}

static PyMethodDef call_callback_def = {"_on_call", (PyCFunction)(void (*)(void))on_call_event,
                                        METH_FASTCALL, "FastAudit's sys.monitoring CALL callback."};

/* Calls sys.monitoring.<name>(*args); returns a new reference or NULL. */
static PyObject *monitoring_call(const char *name, const char *format, ...)
{
    PyObject *sys_monitoring = PySys_GetObject("monitoring"); /* borrowed */
    PyObject *fn, *result;
    va_list ap;

    if (!sys_monitoring) {
        PyErr_SetString(PyExc_RuntimeError, "sys.monitoring is missing");
        return NULL;
    }
    fn = PyObject_GetAttrString(sys_monitoring, name);
    if (!fn)
        return NULL;
    if (format) {
        PyObject *tuple;
        va_start(ap, format);
        tuple = Py_VaBuildValue(format, ap);
        va_end(ap);
        if (tuple && !PyTuple_Check(tuple))
            Py_SETREF(tuple, PyTuple_Pack(1, tuple));
        result = tuple ? PyObject_Call(fn, tuple, NULL) : NULL;
        Py_XDECREF(tuple);
    } else {
        result = PyObject_CallNoArgs(fn);
    }
    Py_DECREF(fn);
    return result;
}

static long call_event_bit(void)
{
    PyObject *sys_monitoring = PySys_GetObject("monitoring");
    PyObject *events = sys_monitoring ? PyObject_GetAttrString(sys_monitoring, "events") : NULL;
    PyObject *call = events ? PyObject_GetAttrString(events, "CALL") : NULL;
    long bit = call ? PyLong_AsLong(call) : -1;

    Py_XDECREF(call);
    Py_XDECREF(events);
    return bit;
}

/* Claims tool_id for FastAudit and registers the callback, once per id. */
static int register_tool(int tool_id)
{
    PyObject *current, *r;
    long bit;

    if (engine.tool_registered[tool_id])
        return 0;
    current = monitoring_call("get_tool", "(i)", tool_id);
    if (!current)
        return -1;
    if (current != Py_None) {
        PyErr_Format(PyExc_RuntimeError,
                     "sys.monitoring tool id %d is already used by %R; pass another tool_id",
                     tool_id, current);
        Py_DECREF(current);
        return -1;
    }
    Py_DECREF(current);
    bit = call_event_bit();
    if (bit < 0)
        return -1;
    r = monitoring_call("use_tool_id", "(is)", tool_id, "fastaudit");
    if (!r)
        return -1;
    Py_DECREF(r);
    r = monitoring_call("register_callback", "(ilO)", tool_id, bit, engine.call_callback);
    if (!r)
        return -1;
    Py_DECREF(r);
    engine.tool_registered[tool_id] = true;
    return 0;
}

/* Counts a monitoring entry in or out; CALL events are on while the count is positive. */
static int monitor_count(int tool_id, int delta)
{
    long before = engine.monitor_on[tool_id];
    PyObject *r = NULL;

    engine.monitor_on[tool_id] += delta;
    if (before == 0 && delta > 0)
        r = monitoring_call("set_events", "(il)", tool_id, call_event_bit());
    else if (engine.monitor_on[tool_id] == 0 && delta < 0)
        r = monitoring_call("set_events", "(ii)", tool_id, 0);
    else
        return 0;
    if (!r) {
        engine.monitor_on[tool_id] = before;
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* ------------------------------------------------------------------------------------- */
/* Config (audit_perms)                                                                   */

static void free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        PyMem_RawFree(list[i]);
}

static void config_dealloc(PyObject *self)
{
    struct config *cfg = (struct config *)self;

    free_strings(cfg->roots, cfg->n_roots);
    free_strings(cfg->imports, cfg->n_imports);
    Py_XDECREF(cfg->before_deny);
    Py_XDECREF(cfg->on_call);
    Py_XDECREF(cfg->data);
    Py_TYPE(self)->tp_free(self);
}

/* Appends the str items of an iterable to a C list of prefixes. */
static int add_prefixes(PyObject *iterable, char **list, size_t *n, const char *what)
{
    PyObject *it = PyObject_GetIter(iterable), *item;

    if (!it)
        return -1;
    while ((item = PyIter_Next(it)) != NULL) {
        const char *s = PyUnicode_Check(item) ? PyUnicode_AsUTF8(item) : NULL;
        if (!s) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "%s must be strings, not %.100s", what,
                             Py_TYPE(item)->tp_name);
            Py_DECREF(item);
            Py_DECREF(it);
            return -1;
        }
        if (*n >= MAX_PREFIXES || !(list[*n] = dup_str(s))) {
            PyErr_Format(PyExc_ValueError, "too many %s (at most %d)", what, MAX_PREFIXES);
            Py_DECREF(item);
            Py_DECREF(it);
            return -1;
        }
        (*n)++;
        Py_DECREF(item);
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *config_call(PyObject *self, PyObject *args, PyObject *kwargs)
{
    struct context *ctx;

    if (PyTuple_GET_SIZE(args) || (kwargs && PyDict_GET_SIZE(kwargs))) {
        PyErr_SetString(PyExc_TypeError, "audit_perms() takes no arguments");
        return NULL;
    }
    ctx = PyObject_New(struct context, &context_type);
    if (!ctx)
        return NULL;
    ctx->config = (struct config *)Py_NewRef(self);
    ctx->entry = NULL;
    ctx->token = NULL;
    ctx->ctx = NULL;
    return (PyObject *)ctx;
}

static PyObject *config_set_data(PyObject *self, PyObject *data)
{
    struct config *cfg = (struct config *)self;

    if (PySys_Audit("audit_perms.set_data", "O", data) < 0)
        return NULL;
    Py_SETREF(cfg->data, Py_NewRef(data));
    return Py_NewRef(data);
}

static PyObject *strings_tuple(char *const *list, size_t n, const struct config *extra);

static PyObject *config_imports_tuple(const struct config *cfg)
{
    return strings_tuple(cfg->imports, cfg->n_imports, NULL);
}

static PyObject *config_add_imports(PyObject *self, PyObject *mods)
{
    struct config *cfg = (struct config *)self;

    if (PySys_Audit("audit_perms.add_imports", "O", mods) < 0)
        return NULL;
    if (add_prefixes(mods, cfg->imports, &cfg->n_imports, "import prefixes") < 0)
        return NULL;
    return config_imports_tuple(cfg);
}

static PyMethodDef config_methods[] = {
    {"set_data", config_set_data, METH_O, "set_data(d): replace the callback data; returns d."},
    {"add_imports", config_add_imports, METH_VARARGS,
     "add_imports(*mods): allow events during the import of these modules; returns them all."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject config_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastaudit.audit_perms",
    .tp_basicsize = sizeof(struct config),
    .tp_dealloc = config_dealloc,
    .tp_call = config_call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "A FastAudit policy: call it to get a context manager that turns it on.",
    .tp_methods = config_methods,
};

/* ------------------------------------------------------------------------------------- */
/* Entry and context                                                                      */

static void entry_dealloc(PyObject *self)
{
    struct entry *e = (struct entry *)self;

    engine.n_live--;
    Py_XDECREF(e->config);
    PyMem_RawFree(e->thread_name);
    PyMem_RawFree(e->chain);
    Py_TYPE(self)->tp_free(self);
}

static PyTypeObject entry_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastaudit._entry",
    .tp_basicsize = sizeof(struct entry),
    .tp_dealloc = entry_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "An active FastAudit context (opaque).",
};

static char *current_thread_name(void)
{
    PyObject *threading = PyDict_GetItemString(PyImport_GetModuleDict(), "threading");
    PyObject *thread = NULL, *name = NULL;
    char *out = NULL;

    if (threading) {
        in_engine++;
        thread = PyObject_CallMethod(threading, "current_thread", NULL);
        if (thread)
            name = PyObject_GetAttrString(thread, "name");
        in_engine--;
    }
    if (name && PyUnicode_Check(name))
        out = dup_str(PyUnicode_AsUTF8(name));
    PyErr_Clear();
    Py_XDECREF(name);
    Py_XDECREF(thread);
    return out ? out : dup_str("MainThread");
}

static PyObject *context_enter(PyObject *self, PyObject *unused)
{
    struct context *ctx = (struct context *)self;
    struct config *cfg = ctx->config;
    struct entry *e;
    bool tampered;
    struct entry *outer;
    char chain[4096];

    (void)unused;
    if (ctx->entry) {
        PyErr_SetString(PyExc_RuntimeError, "this audit context is already entered");
        return NULL;
    }
    outer = active_entry(&tampered);
    if (outer && outer->config != cfg) {
        Py_DECREF(outer);
        if (PySys_Audit("audit_perms.enter", "O", Py_None) < 0)
            return NULL;
    } else {
        Py_XDECREF(outer);
    }
    if (engine.n_records >= MAX_RECORDS) {
        PyErr_SetString(PyExc_RuntimeError, "too many nested audit contexts");
        return NULL;
    }
    if (cfg->monitor_calls && monitor_count(cfg->tool_id, +1) < 0)
        return NULL;
    e = PyObject_New(struct entry, &entry_type);
    if (!e)
        goto fail_monitor;
    engine.n_live++;
    e->config = (struct config *)Py_NewRef(cfg);
    e->thread = PyThread_get_thread_ident();
    e->task = running_task();
    call_chain(chain, sizeof chain);
    e->chain = dup_str(chain);
    e->thread_name = current_thread_name();
    ctx->token = PyContextVar_Set(engine.var, (PyObject *)e);
    if (!ctx->token) {
        Py_DECREF(e);
        goto fail_monitor;
    }
    ctx->entry = e;
    ctx->ctx = Py_NewRef(current_ctx());
    engine.records[engine.n_records].ctx = ctx->ctx;
    engine.records[engine.n_records].entry = e;
    engine.n_records++;
    engine.n_active++;
    if (cfg->monitor_calls) {
        /* Sites disabled earlier (outside any policy) must be judged again now. */
        PyObject *r = monitoring_call("restart_events", NULL);
        if (!r)
            return NULL; /* __exit__ will not run; the entry stays until the context dies */
        Py_DECREF(r);
    }
    Py_RETURN_NONE;
fail_monitor:
    if (cfg->monitor_calls)
        monitor_count(cfg->tool_id, -1);
    return NULL;
}

static PyObject *context_exit(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    struct context *ctx = (struct context *)self;
    int rc;

    (void)args;
    (void)nargs;
    if (!ctx->entry) {
        PyErr_SetString(PyExc_RuntimeError, "this audit context is not entered");
        return NULL;
    }
    rc = PyContextVar_Reset(engine.var, ctx->token);
    for (size_t i = engine.n_records; i-- > 0;) {
        if (engine.records[i].entry == ctx->entry) {
            memmove(&engine.records[i], &engine.records[i + 1],
                    (engine.n_records - i - 1) * sizeof engine.records[0]);
            engine.n_records--;
            break;
        }
    }
    engine.n_active--;
    if (ctx->config->monitor_calls && monitor_count(ctx->config->tool_id, -1) < 0)
        rc = -1;
    Py_CLEAR(ctx->token);
    Py_CLEAR(ctx->entry);
    Py_CLEAR(ctx->ctx);
    if (rc < 0)
        return NULL;
    Py_RETURN_FALSE;
}

static void context_dealloc(PyObject *self)
{
    struct context *ctx = (struct context *)self;

    if (ctx->entry) {
        /* Never exited (e.g. an exception before __exit__ could run): forget its record so
         * a later context reusing the address is not mistaken for it. */
        for (size_t i = engine.n_records; i-- > 0;) {
            if (engine.records[i].entry == ctx->entry) {
                memmove(&engine.records[i], &engine.records[i + 1],
                        (engine.n_records - i - 1) * sizeof engine.records[0]);
                engine.n_records--;
                break;
            }
        }
    }
    Py_XDECREF(ctx->token);
    Py_XDECREF(ctx->entry);
    Py_XDECREF(ctx->ctx);
    Py_XDECREF(ctx->config);
    Py_TYPE(self)->tp_free(self);
}

static PyMethodDef context_methods[] = {
    {"__enter__", context_enter, METH_NOARGS, "Turn the policy on in this context."},
    {"__exit__", (PyCFunction)(void (*)(void))context_exit, METH_FASTCALL,
     "Restore the previous state."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject context_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastaudit._context",
    .tp_basicsize = sizeof(struct context),
    .tp_dealloc = context_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "A FastAudit context manager (use it in a with statement).",
    .tp_methods = context_methods,
};

/* ------------------------------------------------------------------------------------- */
/* Module functions                                                                       */

/* The Python helpers: call tracking (informational, not policy) and entry points. Their
 * code objects carry ENGINE_FILE, so the CALL callback disables their sites and denial
 * frames skip them. */
static const char helpers_source[] =
    "import contextvars as _cv, functools as _ft, inspect as _inspect\n"
    "_calls = _cv.ContextVar('fastaudit_calls', default=())\n"
    "def track_call(fn):\n"
    "    if not _inspect.iscoroutinefunction(fn):\n"
    "        return fn\n"
    "    @_ft.wraps(fn)\n"
    "    async def tracked(*args, **kwargs):\n"
    "        module = getattr(fn, '__module__', None)\n"
    "        qualname = getattr(fn, '__qualname__', getattr(fn, '__name__', '?'))\n"
    "        record = {'fn': fn, 'args': args, 'kwargs': kwargs, 'module': module,\n"
    "                  'qualname': qualname, 'name': f'{module}.{qualname}'}\n"
    "        live = [record, True]\n"
    "        token = _calls.set(_calls.get() + (live,))\n"
    "        try:\n"
    "            return await fn(*args, **kwargs)\n"
    "        finally:\n"
    "            live[1] = False\n"
    "            _calls.reset(token)\n"
    "    return tracked\n"
    "def active_calls():\n"
    "    return [dict(live[0]) for live in _calls.get() if live[1]]\n"
    "def load_entry_points():\n"
    "    from importlib.metadata import entry_points\n"
    "    def group(name):\n"
    "        return list(entry_points(group=name))\n"
    "    return ([ep.load() for ep in group('fastaudit_audit_hook')],\n"
    "            [ep.load() for ep in group('fastaudit_monitor_hook')],\n"
    "            [ep.value for ep in group('fastaudit_safe_native')],\n"
    "            [ep.value for ep in group('fastaudit_import_allow')])\n"
    "def executor_code():\n"
    "    from asyncio.base_events import BaseEventLoop\n"
    "    return BaseEventLoop.run_in_executor.__code__\n"
    "def expand_root(root):\n"
    "    import os\n"
    "    return os.path.realpath(os.path.expanduser(root))\n";

static int load_entry_points(void)
{
    PyObject *fn = PyDict_GetItemString(engine.helpers, "load_entry_points"); /* borrowed */
    PyObject *result;
    int rc = -1;

    if (engine.entry_points_loaded)
        return 0;
    in_engine++;
    result = fn ? PyObject_CallNoArgs(fn) : NULL;
    in_engine--;
    if (!result)
        return -1;
    if (PyTuple_Check(result) && PyTuple_GET_SIZE(result) == 4) {
        engine.ep_audit_hooks = Py_NewRef(PyTuple_GET_ITEM(result, 0));
        engine.ep_monitor_hooks = Py_NewRef(PyTuple_GET_ITEM(result, 1));
        if (add_prefixes(PyTuple_GET_ITEM(result, 2), engine.safe_native, &engine.n_safe_native,
                         "safe-native prefixes") == 0 &&
            add_prefixes(PyTuple_GET_ITEM(result, 3), engine.ep_imports, &engine.n_ep_imports,
                         "import prefixes") == 0)
            rc = 0;
    }
    Py_DECREF(result);
    engine.entry_points_loaded = rc == 0;
    return rc;
}

/* Remembers the one code object allowed to start the asyncio executor's threads. */
static int capture_executor_code(void)
{
    PyObject *fn = PyDict_GetItemString(engine.helpers, "executor_code"); /* borrowed */

    if (engine.executor_code)
        return 0;
    in_engine++;
    engine.executor_code = fn ? PyObject_CallNoArgs(fn) : NULL;
    in_engine--;
    return engine.executor_code ? 0 : -1;
}

/* A root that is a str naming an existing path, without "~": resolved with realpath(3),
 * which gives what os.path.realpath gives for an existing path, without running Python code
 * (a sandbox run makes its context with the scratch folder, and Python code there would
 * copy the supervisor's pages). NULL without an exception for every other root (the Python
 * helper handles those); NULL with one when the str cannot be encoded. */
static PyObject *resolve_existing_root(PyObject *root)
{
    PyObject *encoded = NULL, *out = NULL;
    char *path;

    if (!PyUnicode_Check(root) || !PyUnicode_FSConverter(root, &encoded))
        return NULL;
    if (PyBytes_GET_SIZE(encoded) > 0 && PyBytes_AS_STRING(encoded)[0] != '~' &&
        (path = realpath(PyBytes_AS_STRING(encoded), NULL)) != NULL) {
        out = PyBytes_FromString(path);
        free(path);
    }
    Py_DECREF(encoded);
    return out;
}

static PyObject *mk_audit(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"oks", "before_deny", "on_call", "data", "tool_id",
                               "monitor_calls", "allow_imports", NULL};
    PyObject *oks, *before_deny = Py_None, *on_call = Py_None, *data = Py_None;
    PyObject *allow_imports = NULL, *it = NULL, *root;
    int tool_id = 3, monitor_calls = 1;
    struct config *cfg = NULL;
    PyObject *expand = PyDict_GetItemString(engine.helpers, "expand_root"); /* borrowed */

    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|OOOipO:mk_audit", keywords, &oks,
                                     &before_deny, &on_call, &data, &tool_id, &monitor_calls,
                                     &allow_imports))
        return NULL;
    if (PySys_Audit("audit_perms.new", "O", oks) < 0)
        return NULL;
    if (tool_id < 0 || tool_id > 5) {
        PyErr_SetString(PyExc_ValueError, "tool_id must be a sys.monitoring tool id (0-5)");
        return NULL;
    }
    if (on_call != Py_None && !monitor_calls) {
        PyErr_SetString(PyExc_RuntimeError, "on_call needs monitor_calls=True");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (monitor_calls) {
        PyErr_SetString(PyExc_RuntimeError, "monitor_calls=True needs sys.monitoring (Python "
                                            "3.12+); pass monitor_calls=False");
        return NULL;
    }
#endif
    if ((before_deny != Py_None && !PyCallable_Check(before_deny)) ||
        (on_call != Py_None && !PyCallable_Check(on_call))) {
        PyErr_SetString(PyExc_TypeError, "before_deny and on_call must be callable or None");
        return NULL;
    }
    if (!engine.hook_installed) {
        /* PySys_AddAuditHook adds nothing, and still returns 0, when a hook already installed
         * refuses sys.addaudithook with a RuntimeError: an event sent right after tells. */
        int rc;
        engine.hook_probe = true;
        engine.hook_seen = false;
        rc = PySys_AddAuditHook(audit_hook, NULL);
        if (rc == 0)
            rc = PySys_Audit("fastaudit.hook_check", NULL);
        engine.hook_probe = false;
        if (rc < 0)
            return NULL;
        if (!engine.hook_seen) {
            PyErr_SetString(PyExc_RuntimeError,
                            "FastAudit's audit hook could not be installed: a hook already "
                            "installed refused sys.addaudithook, so no policy could be enforced");
            return NULL;
        }
        engine.hook_installed = true;
    }
    if (load_entry_points() < 0 || capture_executor_code() < 0)
        return NULL;
    if (monitor_calls && register_tool(tool_id) < 0)
        return NULL;
    cfg = PyObject_New(struct config, &config_type);
    if (!cfg)
        return NULL;
    memset((char *)cfg + sizeof(PyObject), 0, sizeof *cfg - sizeof(PyObject));
    cfg->before_deny = before_deny == Py_None ? NULL : Py_NewRef(before_deny);
    cfg->on_call = on_call == Py_None ? NULL : Py_NewRef(on_call);
    cfg->data = Py_NewRef(data);
    cfg->tool_id = tool_id;
    cfg->monitor_calls = monitor_calls;
    if (PyUnicode_Check(oks) || PyBytes_Check(oks)) {
        PyErr_SetString(PyExc_TypeError, "oks must be a list of folders, not a single string");
        goto fail;
    }
    it = PyObject_GetIter(oks);
    if (!it)
        goto fail;
    while ((root = PyIter_Next(it)) != NULL) {
        PyObject *resolved = NULL, *bytes = NULL;
        int is_dot = PyUnicode_Check(root) && PyUnicode_CompareWithASCIIString(root, ".") == 0;

        if (is_dot) {
            cfg->dot_root = true;
            Py_DECREF(root);
            continue;
        }
        bytes = resolve_existing_root(root);
        if (!bytes && !PyErr_Occurred()) {
            in_engine++;
            resolved = PyObject_CallOneArg(expand, root);
            in_engine--;
            if (resolved && !PyUnicode_FSConverter(resolved, &bytes))
                Py_CLEAR(resolved);
            Py_XDECREF(resolved);
        }
        Py_DECREF(root);
        if (!bytes)
            goto fail;
        if (cfg->n_roots >= MAX_ROOTS ||
            !(cfg->roots[cfg->n_roots] = dup_str(PyBytes_AS_STRING(bytes)))) {
            Py_DECREF(bytes);
            PyErr_Format(PyExc_ValueError, "too many roots (at most %d)", MAX_ROOTS);
            goto fail;
        }
        cfg->n_roots++;
        Py_DECREF(bytes);
    }
    if (PyErr_Occurred())
        goto fail;
    if (allow_imports &&
        add_prefixes(allow_imports, cfg->imports, &cfg->n_imports, "import prefixes") < 0)
        goto fail;
    Py_DECREF(it);
    return (PyObject *)cfg;
fail:
    Py_XDECREF(it);
    Py_XDECREF(cfg);
    return NULL;
}

static PyObject *strings_tuple(char *const *list, size_t n, const struct config *extra)
{
    size_t total = n + (extra ? extra->n_imports : 0);
    PyObject *t = PyTuple_New((Py_ssize_t)total);

    for (size_t i = 0; t && i < total; i++) {
        PyObject *s = PyUnicode_FromString(i < n ? list[i] : extra->imports[i - n]);
        if (!s) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
    }
    return t;
}

static PyObject *audit_state(PyObject *module, PyObject *unused)
{
    bool tampered;
    struct entry *e = active_entry(&tampered);
    long monitor_on = 0;
    PyObject *result;

    (void)module;
    (void)unused;
    for (int i = 0; i < 6; i++)
        monitor_on += engine.monitor_on[i];
    result = Py_BuildValue(
        "{s:N, s:N, s:O, s:i, s:O, s:l, s:O}", "safe_native",
        strings_tuple(engine.safe_native, engine.n_safe_native, NULL), "import_allow",
        strings_tuple(engine.ep_imports, engine.n_ep_imports, e ? e->config : NULL),
        "monitoring", PySys_GetObject("monitoring") ? Py_True : Py_False, "tool_id",
        e ? e->config->tool_id : 3, "active", e ? Py_True : Py_False, "monitor_on", monitor_on,
        "monitor_calls", e ? (e->config->monitor_calls ? Py_True : Py_False) : Py_None);
    Py_XDECREF(e);
    return result;
}

static PyObject *trace_start(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"limit", NULL};
    Py_ssize_t limit = 1000;

    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|n:trace_start", keywords, &limit))
        return NULL;
    if (limit < 1 || limit > TRACE_LIMIT_MAX) {
        PyErr_Format(PyExc_ValueError, "limit must be from 1 to %d", TRACE_LIMIT_MAX);
        return NULL;
    }
    if (PySys_Audit("audit_perms.trace", "s", "start") < 0)
        return NULL;
    trace_free_records();
    PyMem_RawFree(engine.trace);
    engine.trace = NULL;
    engine.trace_limit = (size_t)limit;
    engine.tracing = true;
    Py_RETURN_NONE;
}

static PyObject *trace_stop(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    if (PySys_Audit("audit_perms.trace", "s", "stop") < 0)
        return NULL;
    engine.tracing = false;
    Py_RETURN_NONE;
}

static PyObject *trace_clear(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    if (PySys_Audit("audit_perms.trace", "s", "clear") < 0)
        return NULL;
    trace_free_records();
    memset(engine.counters, 0, sizeof *engine.counters);
    Py_RETURN_NONE;
}

static PyObject *trace_list(PyObject *module, PyObject *unused)
{
    PyObject *list = PyList_New((Py_ssize_t)engine.n_trace);

    (void)module;
    (void)unused;
    for (size_t i = 0; list && i < engine.n_trace; i++) {
        const struct sbx_audit_record *r = &engine.trace[i].pub;
        PyObject *d = Py_BuildValue("{s:s, s:s, s:s, s:s, s:s}", "event", r->event, "args",
                                    r->args, "class", r->cls, "decision",
                                    r->denied ? "deny" : "allow", "reason", r->reason);
        if (!d) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, d);
    }
    return list;
}

static PyObject *counters(PyObject *module, PyObject *unused)
{
    const struct sbx_audit_counters *c = engine.counters;

    (void)module;
    (void)unused;
    return Py_BuildValue("{s:K, s:K, s:K, s:K, s:K, s:K}", "events", c->events, "allowed",
                         c->allowed, "denied", c->denied, "monitor_callbacks",
                         c->monitor_callbacks, "sites_disabled", c->sites_disabled,
                         "native_calls", c->native_calls);
}

static PyMethodDef module_methods[] = {
    {"mk_audit", (PyCFunction)(void (*)(void))mk_audit, METH_VARARGS | METH_KEYWORDS,
     "mk_audit(oks, before_deny=None, on_call=None, data=None, tool_id=3, "
     "monitor_calls=True, allow_imports=()) -> audit_perms"},
    {"audit_state", audit_state, METH_NOARGS, "audit_state() -> dict of the engine's state here"},
    {"trace_start", (PyCFunction)(void (*)(void))trace_start, METH_VARARGS | METH_KEYWORDS,
     "trace_start(limit=1000): record each decision (at most limit of them)"},
    {"trace_stop", trace_stop, METH_NOARGS, "trace_stop(): stop recording"},
    {"trace_clear", trace_clear, METH_NOARGS, "trace_clear(): empty the trace, zero counters"},
    {"trace", trace_list, METH_NOARGS, "trace() -> list of recorded decisions"},
    {"counters", counters, METH_NOARGS, "counters() -> dict of counts"},
    {NULL, NULL, 0, NULL},
};

/* Records tp_dealloc of a class made by a class statement (CPython's subtype_dealloc), which
 * is how the CALL callback recognises Python classes and their instances. */
static int find_python_class_dealloc(void)
{
    PyObject *ns = PyDict_New(), *probe, *r;

    if (!ns)
        return -1;
    r = PyRun_String("class _Probe: pass\n", Py_file_input, ns, ns);
    Py_XDECREF(r);
    probe = r ? PyDict_GetItemString(ns, "_Probe") : NULL;
    if (probe)
        engine.python_class_dealloc = ((PyTypeObject *)probe)->tp_dealloc;
    Py_DECREF(ns);
    return probe ? 0 : -1;
}

static int module_exec(PyObject *module)
{
    PyObject *code = NULL, *r = NULL, *functools = NULL;

    if (engine.var) {
        PyErr_SetString(PyExc_ImportError, "fastaudit can be loaded once per process");
        return -1;
    }
    if (PyType_Ready(&config_type) < 0 || PyType_Ready(&entry_type) < 0 ||
        PyType_Ready(&context_type) < 0)
        return -1;
    engine.var = PyContextVar_New("fastaudit_state", NULL);
    engine.helpers = PyDict_New();
    if (!engine.var || !engine.helpers)
        return -1;
    if (PyDict_SetItemString(engine.helpers, "__builtins__", PyEval_GetBuiltins()) < 0 ||
        PyDict_SetItemString(engine.helpers, "__name__",
                             PyModule_GetNameObject(module)) < 0)
        return -1;
    code = Py_CompileString(helpers_source, ENGINE_FILE, Py_file_input);
    if (!code)
        return -1;
    r = PyEval_EvalCode(code, engine.helpers, engine.helpers);
    Py_DECREF(code);
    if (!r)
        return -1;
    Py_DECREF(r);
    if (PyModule_AddObjectRef(module, "track_call",
                              PyDict_GetItemString(engine.helpers, "track_call")) < 0 ||
        PyModule_AddObjectRef(module, "active_calls",
                              PyDict_GetItemString(engine.helpers, "active_calls")) < 0)
        return -1;
    engine.stdlib_names = PySys_GetObject("stdlib_module_names"); /* borrowed */
    Py_XINCREF(engine.stdlib_names);
    functools = PyImport_ImportModule("functools");
    if (!engine.stdlib_names || !functools)
        return -1;
    engine.partial_type = PyObject_GetAttrString(functools, "partial");
    Py_DECREF(functools);
    if (!engine.partial_type || find_python_class_dealloc() < 0)
        return -1;
    engine.str_call = PyUnicode_InternFromString("__call__");
    if (!engine.str_call)
        return -1;
    engine.call_callback = PyCFunction_New(&call_callback_def, NULL);
    if (!engine.call_callback)
        return -1;
    if (PySys_GetObject("monitoring")) {
        PyObject *mon = PySys_GetObject("monitoring");
        engine.disable = PyObject_GetAttrString(mon, "DISABLE");
        if (!engine.disable)
            return -1;
    }
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    /* Through an integer: ISO C has no conversion from function to object pointer. */
    {Py_mod_exec, (void *)(uintptr_t)module_exec},
    {0, NULL},
};

static struct PyModuleDef fastaudit_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "fastaudit",
    .m_doc = "FastAudit: a policy layer over Python's audit hooks and sys.monitoring, in C.",
    .m_size = 0,
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC PyInit_fastaudit(void) { return PyModuleDef_Init(&fastaudit_module); }
