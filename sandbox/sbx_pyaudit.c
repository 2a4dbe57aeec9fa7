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
#define MAX_ENGINE_CODES 256
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
    PyObject *fa_oks;       /* the roots as FastAudit's config holds them (trace notes), or NULL */
    PyObject *fa_imports;   /* its import_allow, likewise; cleared when imports change */
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

static PyTypeObject config_type, entry_type, context_type, fa_state_type;
static PyObject *fa_sandbox_cfg; /* sandbox: the run's FastAudit config, for divergence notes */

/* Reasons are for the trace only: formatting them costs nothing when it is off. */
/* A reason is cut at its size on purpose (the trace is bounded): the result is looked at only
 * for an encoding error, which leaves the reason empty. */
#define SAY(v, ...)                                                                            \
    do {                                                                                       \
        if (engine.tracing && snprintf((v)->reason, sizeof (v)->reason, __VA_ARGS__) < 0)      \
            (v)->reason[0] = '\0';                                                             \
    } while (0)

/* One decision, as the trace shows it. */
struct verdict {
    const char *cls;
    bool denied;
    char reason[320];
    char note[720]; /* the other rule set's different answer (trace only), or "" */
};

/* Empties a verdict without zeroing its buffers (a kilobyte on every event's path). */
static inline void verdict_init(struct verdict *v)
{
    v->cls = NULL;
    v->denied = false;
    v->reason[0] = '\0';
    v->note[0] = '\0';
}

struct record_store {
    struct sbx_audit_record pub;
    char *event, *args, *reason, *note;
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
    struct entry *locked;    /* sandbox mode: the entry every context falls back to */
    destructor python_class_dealloc; /* tp_dealloc of every class made by a class statement */
    char *safe_native[MAX_PREFIXES];
    size_t n_safe_native;
    char *ep_imports[MAX_PREFIXES];
    size_t n_ep_imports;
    PyObject *ep_audit_hooks;   /* list of callables (fastaudit_audit_hook) */
    PyObject *ep_monitor_hooks; /* list of callables (fastaudit_monitor_hook) */
    bool entry_points_loaded;
    PyObject *helpers;       /* namespace of the Python helpers (entry points, roots) */
    PyObject *module;        /* the fastaudit module (its C functions are the engine's own) */
    PyObject *active_calls;  /* fastaudit.core.active_calls */
    PyObject *str_unknown, *str_fa_prefix, *str_asyncio_, *str_dict, *str_wrapped, *str_module;
    PyObject *engine_codes[MAX_ENGINE_CODES]; /* code objects of the engine's Python parts */
    size_t n_engine_codes;
    PyObject *mon_originals[5];  /* sys.monitoring functions the guard wraps (hardened) */
    bool guard_installed;
    bool last_made_hardened; /* the latest mk_audit was hardened: audit_state() shows it */
    const char *call_note;   /* while the hardened CALL callback raises fastaudit.call: why
                              * FastAudit's monitor would not have reported the call, or NULL */
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

/* The engine's own Python code, known by identity: code compiled elsewhere with the same
 * filename (a guest's compile(..., '<fastaudit>', ...)) is not the engine's. */
static bool is_engine_code(PyCodeObject *code)
{
    for (size_t i = 0; i < engine.n_engine_codes; i++)
        if ((PyObject *)code == engine.engine_codes[i])
            return true;
    return false;
}

/* Remembers code and the code objects nested in its constants. */
static void collect_engine_codes(PyObject *code)
{
    PyObject *consts = PyCode_Check(code) ? ((PyCodeObject *)code)->co_consts : NULL;

    if (!PyCode_Check(code) || engine.n_engine_codes >= MAX_ENGINE_CODES)
        return;
    engine.engine_codes[engine.n_engine_codes++] = Py_NewRef(code);
    for (Py_ssize_t i = 0; consts && i < PyTuple_GET_SIZE(consts); i++)
        collect_engine_codes(PyTuple_GET_ITEM(consts, i));
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
        PyMem_RawFree(engine.trace[i].note);
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
    if (v->note[0])
        engine.counters->divergences++;
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
    r->note = v->note[0] ? dup_str(v->note) : NULL;
    if (!r->event || !r->args || !r->reason || (v->note[0] && !r->note)) {
        PyMem_RawFree(r->event);
        PyMem_RawFree(r->args);
        PyMem_RawFree(r->reason);
        PyMem_RawFree(r->note);
        return;
    }
    r->pub = (struct sbx_audit_record){r->event, r->args, v->cls, v->denied, r->reason, r->note};
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

/* The active entry here (new reference), NULL when none; *inherited is set when it is not
 * the variable's value but the block's (or the sandbox's locked) entry an unset variable
 * falls back to, where FastAudit, whose variable would be unset too, sees no config.
 *
 * The engine only ever stores entries in its ContextVar, and leaves it unset outside them
 * (exit resets to the unset state). So *tampered is set when the variable holds anything
 * else (None included), or, in the context where an entry was made, another entry.
 * An unset variable while a `with` block is running on this thread means code runs in a
 * context made to escape it (contextvars.Context().run, a copy with the variable never set):
 * it is judged under that block's entry, when it runs in the task that entered the block.
 * Threads have no such fallback, and may not start. */
static struct entry *active_entry_from(bool *tampered, bool *inherited)
{
    PyObject *value = NULL;
    struct entry *recorded, *fallback;

    *tampered = false;
    *inherited = false;
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
        *inherited = true;
        return engine.locked;
    }
    fallback = engine.n_records ? thread_entry() : NULL;
    if (fallback && fallback->task != running_task())
        fallback = NULL;
    Py_XINCREF(fallback);
    *inherited = fallback != NULL;
    return fallback;
}

/* active_entry_from, for callers that need not know where the entry came from. */
static struct entry *active_entry(bool *tampered)
{
    bool inherited;

    return active_entry_from(tampered, &inherited);
}

static PyObject *fa_active_cfg(void);

int sbx_audit_lock(void)
{
    bool tampered;
    struct entry *e = active_entry(&tampered);

    if (!e) {
        /* FastAudit's rules: nothing is locked (its weaknesses are what the preset shows);
         * the config is kept to say what the hardened engine would have done. */
        Py_XSETREF(fa_sandbox_cfg, fa_active_cfg());
        return fa_sandbox_cfg ? 0 : -1;
    }
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

    if (PyUnicode_CheckExact(arg)) {
        /* the common case, without os.fspath's call */
        *chars = PyUnicode_AsUTF8AndSize(arg, &len);
        if (*chars && strlen(*chars) == (size_t)len)
            return Py_NewRef(arg);
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

/* The engine's own C functions and methods (by identity of what they are bound to), which
 * the CALL callbacks never report: module functions, and methods of the engine's types. */
static bool is_our_native(PyObject *c)
{
    PyObject *self;

    if (Py_IS_TYPE(c, &config_type) || Py_IS_TYPE(c, &context_type))
        return true;
    if (Py_IS_TYPE(c, &PyMethodDescr_Type)) { /* ctx.__enter__() calls the descriptor */
        PyTypeObject *owner = ((PyDescrObject *)c)->d_type;
        return owner == &config_type || owner == &context_type;
    }
    if (!PyCFunction_Check(c))
        return false;
    self = PyCFunction_GET_SELF(c);
    return self && (self == engine.module || Py_IS_TYPE(self, &config_type) ||
                    Py_IS_TYPE(self, &context_type) || Py_IS_TYPE(self, &fa_state_type));
}

/* prefix_matches on a str module name against the engine's safe-native prefixes (from the
 * sandbox and the hardened mode's entry points); false for names that cannot be encoded. */
static bool prefix_matches_obj(PyObject *module)
{
    const char *text = PyUnicode_Check(module) ? PyUnicode_AsUTF8(module) : NULL;

    if (!text) {
        PyErr_Clear();
        return false;
    }
    return prefix_matches(text, engine.safe_native, engine.n_safe_native);
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
    return engine.active_calls ? PyObject_CallNoArgs(engine.active_calls) : PyTuple_New(0);
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

static void divergence_note(struct verdict *v, bool fa_allowed, const char *fa_reason,
                            bool hardened_allowed, const char *hardened_reason);
static void hardened_compare(struct config *cfg, const char *event, PyObject *args,
                             bool inherited, bool allowed, struct verdict *v);

static int audit_hook(const char *event, PyObject *args, void *user_data)
{
    struct entry *e;
    struct verdict v;
    bool tampered, inherited, allowed;
    int rc;

    (void)user_data;
    verdict_init(&v);
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
    e = active_entry_from(&tampered, &inherited);
    if (tampered) {
        v = (struct verdict){.cls = "tampered", .denied = true};
        SAY(&v,
                 "the engine's context variable was changed from outside: everything is denied");
        if (engine.tracing)
            divergence_note(&v, true, "it has no tamper check: a context variable set to None "
                                      "from outside leaves it without a config",
                            false, v.reason);
        note(event, args, &v);
        PyErr_Format(PyExc_PermissionError,
                     "Audit: %s blocked: the audit context was tampered with (its context "
                     "variable was changed from outside the engine)", event);
        remember_denial();
        return -1;
    }
    if (!e)
        return 0;
    allowed = decide(e->config, event, args, &v);
    if (engine.tracing)
        hardened_compare(e->config, event, args, inherited, allowed, &v);
    if (allowed) {
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
        } else if (PyObject_TypeCheck(target, &PyStaticMethod_Type) ||
                   PyObject_TypeCheck(target, &PyClassMethod_Type)) {
            /* hardened: what a staticmethod or classmethod holds is what gets called */
            if (optional_attr(target, "__func__", &inner) < 0)
                PyErr_Clear();
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
    if (!owner && !PyCFunction_Check(c) && !PyType_Check(c)) {
        /* An instance with a native __call__: the class that defines __call__, not type(c),
         * whose __module__ a Python subclass may set to anything ('json'). */
        PyObject *mro = Py_TYPE(c)->tp_mro;
        for (Py_ssize_t i = 0; mro && i < PyTuple_GET_SIZE(mro) && !owner; i++) {
            PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
            PyObject *d = PyType_GetDict(t);
            if (d && PyDict_GetItemWithError(d, engine.str_call) &&
                t->tp_dealloc != engine.python_class_dealloc)
                owner = Py_NewRef((PyObject *)t);
            Py_XDECREF(d);
        }
        PyErr_Clear();
        if (!owner)
            owner = Py_NewRef((PyObject *)Py_TYPE(c));
    }
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
    name = qual ? PyUnicode_FromFormat("%S.%U", module ? module : engine.str_unknown, qual)
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

static bool fastaudit_would_report(PyObject *fn, char *why, size_t cap);

/* sys.monitoring CALL callback: (code, instruction_offset, callable, arg0). */
static PyObject *on_call_event(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *code, *callable, *target = NULL, *module = NULL, *result = NULL;
    PyObject *caller = NULL, *callee = NULL;
    PyObject *calls = NULL, *answer = NULL;
    struct entry *e = NULL;
    bool tampered;
    char where[200], chain[4096], fa_said[320];
    const char *outer_note;
    PyFrameObject *frame;
    int said;

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
    if (module && (is_our_native(target) || is_stdlib_module(module) ||
                   prefix_matches_obj(module))) {
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
            {
            const char *text = PyUnicode_AsUTF8(callee);
            PyErr_Clear();
            SAY(&v, "the host's on_call let %s through%s", text ? text : "a native callable",
                answer == Py_False ? "" : " and disabled the site");
        }
        if (summary)
            note("fastaudit.call", summary, &v);
        Py_XDECREF(summary);
        PyErr_Clear();
        result = answer == Py_False ? Py_NewRef(Py_None) : disable_site();
        goto out;
    }
    call_chain(chain, sizeof chain);
    outer_note = engine.call_note;
    if (engine.tracing && !fastaudit_would_report(callable, fa_said, sizeof fa_said))
        engine.call_note = fa_said; /* for the note of the event's row */
    said = PySys_Audit("fastaudit.call", "OOs", caller, callee, chain);
    engine.call_note = outer_note;
    if (said < 0)
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

static PyObject *fa_unwrap(PyObject *fn);
static bool fa_is_python(PyObject *fn);
static PyObject *fa_truthy_attr(PyObject *o, const char *name);
static PyObject *fa_func_mod(PyObject *fn);

/* Whether FastAudit's CALL callback would report a call of fn (as a pure function: no
 * event is judged meanwhile, exceptions are dropped, the pending one kept); when it would
 * not, why says why, for the note of a hardened row. */
static bool fastaudit_would_report(PyObject *fn, char *why, size_t cap)
{
    PyObject *pending = PyErr_GetRaisedException(), *target, *mod = NULL, *name = NULL;
    bool report = false;

    in_engine++;
    target = fa_unwrap(fn);
    if (fa_is_python(target)) {
        snprintf(why, cap, "its call monitor counts this callable as Python code");
    } else if (!(mod = fa_func_mod(target)) || !PyUnicode_Check(mod) ||
               !((name = fa_truthy_attr(target, "__qualname__")) ||
          (name = fa_truthy_attr(target, "__name__")))) {
        snprintf(why, cap, "its call monitor finds no module or name to report");
    } else if (is_stdlib_module(mod) || prefix_matches_obj(mod)) {
        const char *text = PyUnicode_AsUTF8(mod);
        snprintf(why, cap, "its call monitor takes the module from __module__, '%.100s', "
                           "which is trusted, and does not report the call",
                 text ? text : "?");
    } else {
        report = true;
    }
    in_engine--;
    Py_XDECREF(name);
    Py_XDECREF(mod);
    Py_DECREF(target);
    PyErr_SetRaisedException(pending);
    return report;
}

/* Whether the hardened CALL callback would report a call of fn, as a pure function like
 * fastaudit_would_report; when it would, *callee gets its name (new reference) and why its
 * reason. */
static bool hardened_would_report(PyObject *fn, PyObject **callee, char *why, size_t cap)
{
    PyObject *pending = PyErr_GetRaisedException(), *target, *module = NULL;
    bool report = false;

    in_engine++;
    target = unwrap_callable(fn);
    if (!is_python_callable(target)) {
        module = callable_module(target);
        report = !(module && (is_our_native(target) || is_stdlib_module(module) ||
                              prefix_matches_obj(module)));
    }
    if (report) {
        const char *text = module ? PyUnicode_AsUTF8(module) : NULL;
        *callee = callable_name(target, module);
        snprintf(why, cap, "its call monitor reads the module from the C definition, "
                           "'%.100s', neither stdlib nor declared safe, and reports the call",
                 text ? text : "?");
        report = *callee != NULL;
    }
    in_engine--;
    Py_XDECREF(module);
    Py_DECREF(target);
    PyErr_SetRaisedException(pending);
    return report;
}

static PyMethodDef call_callback_def = {"_on_call", (PyCFunction)(void (*)(void))on_call_event,
                                        METH_FASTCALL, "FastAudit's sys.monitoring CALL callback."};

/* ------------------------------------------------------------------------------------- */
/* Hardened: the engine's sys.monitoring tool cannot be switched off from Python           */
/*
 * No audit event exists for sys.monitoring.set_events & co., so once the hardened engine
 * claims a tool id, these five functions in the sys.monitoring namespace are replaced by
 * wrappers that refuse that id; the engine itself keeps calling the originals. */
static const char *const guarded_names[] = {"set_events", "set_local_events", "free_tool_id",
                                            "register_callback", "use_tool_id"};

static PyObject *guard_call(PyObject *self, PyObject *const *args, size_t nargsf,
                            PyObject *kwnames)
{
    long which = PyLong_AsLong(self);
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);

    if (which < 0 || which >= 5)
        return NULL;
    if (nargs > 0 && PyLong_Check(args[0])) {
        long id = PyLong_AsLong(args[0]);
        if (id == -1 && PyErr_Occurred())
            PyErr_Clear();
        else if (id >= 0 && id < 6 && engine.tool_registered[id]) {
            PyErr_Format(PyExc_PermissionError,
                         "sys.monitoring.%s(%ld, ...): tool id %ld belongs to fa-learn's "
                         "hardened engine", guarded_names[which], id, id);
            return NULL;
        }
    }
    return PyObject_Vectorcall(engine.mon_originals[which], args, nargsf, kwnames);
}

static PyMethodDef guard_defs[] = {
    {"set_events", (PyCFunction)(void (*)(void))guard_call, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"set_local_events", (PyCFunction)(void (*)(void))guard_call, METH_FASTCALL | METH_KEYWORDS,
     NULL},
    {"free_tool_id", (PyCFunction)(void (*)(void))guard_call, METH_FASTCALL | METH_KEYWORDS,
     NULL},
    {"register_callback", (PyCFunction)(void (*)(void))guard_call, METH_FASTCALL | METH_KEYWORDS,
     NULL},
    {"use_tool_id", (PyCFunction)(void (*)(void))guard_call, METH_FASTCALL | METH_KEYWORDS,
     NULL},
};

static int install_monitoring_guard(void)
{
    PyObject *mon = PySys_GetObject("monitoring"); /* borrowed */

    if (engine.guard_installed || !mon)
        return 0;
    for (long i = 0; i < 5; i++) {
        PyObject *index = PyLong_FromLong(i), *wrapper;
        engine.mon_originals[i] = PyObject_GetAttrString(mon, guarded_names[i]);
        wrapper = index && engine.mon_originals[i] ? PyCFunction_New(&guard_defs[i], index) : NULL;
        Py_XDECREF(index);
        if (!wrapper || PyObject_SetAttrString(mon, guarded_names[i], wrapper) < 0) {
            Py_XDECREF(wrapper);
            return -1;
        }
        Py_DECREF(wrapper);
    }
    engine.guard_installed = true;
    return 0;
}

/* Calls sys.monitoring.<name>(*args) (the original, under the guard); returns a new
 * reference or NULL. */
static PyObject *monitoring_call(const char *name, const char *format, ...)
{
    PyObject *sys_monitoring = PySys_GetObject("monitoring"); /* borrowed */
    PyObject *fn = NULL, *result;
    va_list ap;

    if (!sys_monitoring) {
        PyErr_SetString(PyExc_RuntimeError, "sys.monitoring is missing");
        return NULL;
    }
    for (size_t i = 0; engine.guard_installed && i < 5; i++)
        if (strcmp(name, guarded_names[i]) == 0)
            fn = Py_NewRef(engine.mon_originals[i]);
    if (!fn)
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
    return install_monitoring_guard();
}

int sbx_audit_release_monitoring(void)
{
    long bit = -1;

    for (int id = 0; id < 6; id++) {
        PyObject *r;
        if (!engine.tool_registered[id])
            continue;
        if (engine.monitor_on[id] > 0) {
            PyErr_Format(PyExc_RuntimeError, "sys.monitoring tool id %d is in use", id);
            return -1;
        }
        if (bit < 0 && (bit = call_event_bit()) < 0)
            return -1;
        r = monitoring_call("register_callback", "(ilO)", id, bit, Py_None);
        Py_XSETREF(r, r ? monitoring_call("free_tool_id", "(i)", id) : NULL);
        if (!r)
            return -1;
        Py_DECREF(r);
        engine.tool_registered[id] = false;
    }
    if (engine.guard_installed) {
        PyObject *mon = PySys_GetObject("monitoring"); /* borrowed */
        for (size_t i = 0; i < 5; i++) {
            if (!mon || PyObject_SetAttrString(mon, guarded_names[i], engine.mon_originals[i]) < 0)
                return -1;
        }
        for (size_t i = 0; i < 5; i++)
            Py_CLEAR(engine.mon_originals[i]);
        engine.guard_installed = false;
    }
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
    Py_XDECREF(cfg->fa_oks);
    Py_XDECREF(cfg->fa_imports);
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
    Py_CLEAR(cfg->fa_imports);
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
    if (name && PyUnicode_Check(name)) {
        const char *text = PyUnicode_AsUTF8(name); /* NULL for lone surrogates */
        out = text ? dup_str(text) : NULL;
    }
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

/* The hardened mode's Python helpers: entry points, the executor's code, roots. Their code
 * objects are remembered by identity, so the CALL callback disables their sites and denial
 * frames skip them. */
static const char helpers_source[] =
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

/* ------------------------------------------------------------------------------------- */
/* FastAudit's own rules (the default mode)                                               */
/*
 * `mk_audit(...)` without hardened=True is FastAudit 0.2.7 in everything a program can see:
 * its API lives in Python (fastaudit.core, core_source below: namedtuple configs, a
 * contextmanager, ContextVars named fastaudit_cfg and fastaudit_origin, without a tamper
 * check), and only the hook, the CALL callback and the call chain are C. The C hook runs
 * FastAudit's checks in FastAudit's order; when they refuse, the Python helper `ask` builds
 * the message and asks the entry-point hooks and before_deny, and the C hook raises. */

/* One FastAudit state (what sys._fastaudit_state holds): its variables and helpers. */
struct fa_state {
    PyObject_HEAD
    PyObject *var;           /* ContextVar fastaudit_cfg */
    PyObject *ask;           /* ask(cfg, event, args, path, has_path) -> msg or None */
    PyObject *monitor_hooks; /* tuple of fastaudit_monitor_hook callables */
    PyObject *safe_native;   /* tuple of str prefixes */
};

static PyTypeObject fa_state_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastaudit._fa_state",
    .tp_basicsize = sizeof(struct fa_state),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "The C half of one FastAudit state (opaque; it lives as long as the process).",
};

#define MAX_FA_STATES 8
static struct fa_state *fa_states[MAX_FA_STATES];
static size_t n_fa_states;

/* "module.qualname" the way FastAudit names a frame (str() of the globals' __name__, None
 * when absent), a new reference. */
static PyObject *fa_frame_name(PyFrameObject *frame)
{
    PyCodeObject *code = PyFrame_GetCode(frame);   /* new reference */
    PyObject *globals = PyFrame_GetGlobals(frame); /* new reference */
    PyObject *module = globals ? PyDict_GetItemString(globals, "__name__") : NULL;
    PyObject *name = PyUnicode_FromFormat("%S.%S", module ? module : Py_None, code->co_qualname);

    Py_XDECREF(globals);
    Py_DECREF(code);
    return name;
}

/* FastAudit's call chain: every frame whose name does not start with "fastaudit.", outermost
 * first, joined by " -> ", with extra (or NULL) as the last step. A new reference. */
static PyObject *fa_call_chain(PyObject *extra)
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
        PyObject *name = fa_frame_name(frame);
        int skip = name ? PyUnicode_Tailmatch(name, engine.str_fa_prefix, 0, PY_SSIZE_T_MAX, -1)
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

/* os.path.dirname: everything up to the last '/', trailing slashes dropped unless it is all
 * slashes. Writes into out (cap bytes); false when it does not fit. */
static bool fa_dirname(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) + 1 : 0, all = 0;

    while (all < len && path[all] == '/')
        all++;
    if (all < len)
        while (len > 0 && path[len - 1] == '/')
            len--;
    if (len + 1 > cap)
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
    PyObject *holder = NULL, *seq = NULL;
    char part[PATH_MAX], cwd[PATH_MAX], resolved[PATH_MAX], cur[PATH_MAX];
    bool inside = false;

    if (PyLong_Check(arg) || arg == Py_None || !(holder = path_chars(arg, &path))) {
        PyErr_Clear();
        SAY(v, "the path argument cannot be decoded as a path");
        return false;
    }
    if (parent) {
        if (!fa_dirname(path, part, sizeof part))
            goto out;
    } else if (snprintf(part, sizeof part, "%s", path) >= (int)sizeof part) {
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

    if (optional_attr(fn, "__self__", &self) <= 0 || optional_attr(self, "name", &name) <= 0) {
        PyErr_Clear();
        Py_XDECREF(self);
        return false;
    }
    named = PyUnicode_Check(name) &&
            PyUnicode_Tailmatch(name, engine.str_asyncio_, 0, PY_SSIZE_T_MAX, -1) == 1;
    Py_DECREF(name);
    Py_DECREF(self);
    PyErr_Clear();
    frame = named ? PyEval_GetFrame() : NULL;
    Py_XINCREF(frame);
    while (frame && !found) {
        PyFrameObject *back = PyFrame_GetBack(frame);
        PyObject *fname = fa_frame_name(frame);
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

enum fa_outcome { FA_ALLOW, FA_DENY, FA_DENY_PATHS };

/* FastAudit's checks for one event under cfg, without asking anyone: FA_ALLOW, FA_DENY (the
 * generic message), or FA_DENY_PATHS with *bad bit i set for each refused path argument i
 * (0 or 1; bit 0 alone for chdir and the first-path events). Never raises. */
static enum fa_outcome fa_rules(PyObject *oks, PyObject *import_allow, const char *event,
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
        const char *name = str_arg(args, 1);
        if (name && sbx_policy_setattr_allowed(name)) {
            v->cls = "allowed";
            SAY(v, "setting %.80s is harmless", name);
            return FA_ALLOW;
        }
        SAY(v, "setting this attribute can change what code runs");
        return FA_DENY;
    }
    case SBX_EVENT_OPEN: {
        PyObject *mode = nargs > 1 ? PyTuple_GET_ITEM(args, 1) : Py_None;
        PyObject *flags = nargs > 2 ? PyTuple_GET_ITEM(args, 2) : Py_None;
        const char *m = PyUnicode_Check(mode) ? PyUnicode_AsUTF8(mode) : NULL;
        long f = PyLong_Check(flags) ? PyLong_AsLong(flags) : 0;
        PyErr_Clear();
        if ((m && !strpbrk(m, "wax+")) ||
            (mode == Py_None && !sbx_policy_open_writes(NULL, f))) {
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

static bool decide(const struct config *cfg, const char *event, PyObject *args,
                   struct verdict *v);
static bool import_allowed(const struct config *cfg, struct verdict *v);

/* The hardened rule set's answer for an event seen under a FastAudit config, without
 * callbacks or side effects: a config made on the stack from the same roots. */
static bool hardened_would_allow(PyObject *cfg, const char *event, PyObject *args,
                                 struct verdict *v)
{
    struct config view;
    PyObject *oks = PyTuple_Check(cfg) && PyTuple_GET_SIZE(cfg) >= 6 ? PyTuple_GET_ITEM(cfg, 0)
                                                                       : NULL;
    PyObject *encoded[MAX_ROOTS] = {NULL};
    bool ok;

    memset(&view, 0, sizeof view);
    for (Py_ssize_t i = 0; oks && PyTuple_Check(oks) && i < PyTuple_GET_SIZE(oks) &&
                           view.n_roots < MAX_ROOTS; i++) {
        PyObject *o = PyTuple_GET_ITEM(oks, i);
        if (PyUnicode_Check(o) && PyUnicode_CompareWithASCIIString(o, ".") == 0) {
            view.dot_root = true;
        } else if (PyUnicode_Check(o) && (encoded[view.n_roots] = PyUnicode_EncodeFSDefault(o))) {
            view.roots[view.n_roots] = PyBytes_AS_STRING(encoded[view.n_roots]);
            view.n_roots++;
        }
        PyErr_Clear();
    }
    ok = decide(&view, event, args, v);
    if (!ok && import_allowed(&view, v))
        ok = true;
    for (size_t i = 0; i < view.n_roots; i++)
        Py_XDECREF(encoded[i]);
    PyErr_Clear();
    return ok;
}

/* Fills v->note when the hardened rules disagree with FastAudit's pre-host answer. */
static void fa_compare(PyObject *cfg, const char *event, PyObject *args, bool fa_allowed,
                       struct verdict *v)
{
    struct verdict other;
    bool hardened;

    if (!engine.tracing)
        return;
    verdict_init(&other);
    hardened = hardened_would_allow(cfg, event, args, &other);
    divergence_note(v, fa_allowed, v->reason, hardened, other.reason);
}

/* The note of a row where the rule sets disagree (left empty when they agree), the same
 * words whichever rule set ran: FastAudit's answer first, then the hardened engine's. */
static void divergence_note(struct verdict *v, bool fa_allowed, const char *fa_reason,
                            bool hardened_allowed, const char *hardened_reason)
{
    if (fa_allowed == hardened_allowed)
        return;
    snprintf(v->note, sizeof v->note, "FastAudit %s this (%s); the hardened engine %s it (%s)",
             fa_allowed ? "allows" : "denies", fa_reason, hardened_allowed ? "allows" : "denies",
             hardened_reason);
}

/* The roots of a hardened config as FastAudit's config holds them (str, '.' kept), made once
 * per config; a borrowed reference, or NULL. */
static PyObject *fa_view_oks(struct config *cfg)
{
    size_t n = cfg->n_roots + (cfg->dot_root ? 1 : 0);

    if (cfg->fa_oks)
        return cfg->fa_oks;
    cfg->fa_oks = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; cfg->fa_oks && i < n; i++) {
        PyObject *root = i < cfg->n_roots ? PyUnicode_DecodeFSDefault(cfg->roots[i])
                                          : PyUnicode_FromString(".");
        if (!root) {
            Py_CLEAR(cfg->fa_oks);
            break;
        }
        PyTuple_SET_ITEM(cfg->fa_oks, (Py_ssize_t)i, root);
    }
    return cfg->fa_oks;
}

/* FastAudit's answer for an event the hardened rules judged under cfg, before any host
 * callback, as a pure function of the event and the state: no callback runs, no event is
 * judged meanwhile, any exception is dropped and the pending one kept. inherited: the entry
 * is the one an unset variable falls back to, where FastAudit sees no config. */
static bool fastaudit_would_allow(struct config *cfg, const char *event, PyObject *args,
                                  bool inherited, struct verdict *other)
{
    PyObject *pending = PyErr_GetRaisedException(), *oks, *imports;
    unsigned bad;
    bool ok = true;

    if (inherited) {
        SAY(other, "its context variable holds no config in this context");
    } else if (engine.call_note && strcmp(event, "fastaudit.call") == 0) {
        /* the CALL callback's finding: FastAudit's monitor would not report this call */
        SAY(other, "%s", engine.call_note);
    } else {
        in_engine++;
        oks = fa_view_oks(cfg);
        if (!cfg->fa_imports)
            cfg->fa_imports = strings_tuple(engine.ep_imports, engine.n_ep_imports, cfg);
        imports = cfg->fa_imports;
        ok = !oks || !imports || fa_rules(oks, imports, event, args, other, &bad) == FA_ALLOW;
        if (!oks || !imports)
            SAY(other, "(its answer could not be worked out)");
        in_engine--;
    }
    PyErr_SetRaisedException(pending);
    return ok;
}

/* Fills v->note when FastAudit's rules disagree with the hardened pre-host answer (allowed,
 * or an allowed import under way). */
static void hardened_compare(struct config *cfg, const char *event, PyObject *args,
                             bool inherited, bool allowed, struct verdict *v)
{
    struct verdict fa, import;
    const char *why = v->reason;
    bool fa_allowed;

    verdict_init(&fa);
    verdict_init(&import);
    if (!allowed && import_allowed(cfg, &import)) {
        allowed = true;
        why = import.reason;
    }
    fa_allowed = fastaudit_would_allow(cfg, event, args, inherited, &fa);
    divergence_note(v, fa_allowed, fa.reason, allowed, why);
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

static int fa_hook(const char *event, PyObject *args, void *user_data)
{
    struct fa_state *st = user_data;
    struct verdict v;
    PyObject *cfg = NULL, *oks = NULL, *imports = NULL, *msg = NULL;
    enum fa_outcome outcome;
    unsigned bad = 0;
    int rc = 0, said;

    /* FastAudit's hook is a Python hook of one interpreter: a subinterpreter runs
     * unpoliced. At shutdown its ContextVar may be gone with the modules. */
    if (PyInterpreterState_Get() != PyInterpreterState_Main() || is_finalizing())
        return 0;
    verdict_init(&v);
    if (PyContextVar_Get(st->var, NULL, &cfg) < 0) {
        PyErr_Clear();
        return 0;
    }
    if (cfg == Py_None || !cfg) {
        Py_XDECREF(cfg);
        if (fa_sandbox_cfg && engine.tracing) {
            /* Only in the sandbox: FastAudit sees no policy here (its variable was set to
             * None, or the code runs in an empty Context); say what hardened would do. */
            struct verdict other;
            verdict_init(&other);
            if (!hardened_would_allow(fa_sandbox_cfg, event, args, &other)) {
                v.cls = "unpoliced";
                v.denied = false;
                SAY(&v, "no FastAudit config is active in this context");
                divergence_note(&v, true, "its ContextVar holds no config here", false,
                                other.reason);
                note(event, args, &v);
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
    outcome = fa_rules(oks, imports, event, args, &v, &bad);
    fa_compare(cfg, event, args, outcome == FA_ALLOW, &v);
    if (outcome == FA_ALLOW) {
        note(event, args, &v);
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
            note(event, args, &v);
            rc = -1;
        } else if (said == 0) {
            v.denied = true;
            note(event, args, &v);
            PyErr_SetObject(PyExc_PermissionError, msg);
            remember_denial();
            Py_CLEAR(msg);
            rc = -1;
        } else {
            v.cls = "host-allowed";
            SAY(&v, "a host callback (before_deny or an entry point) allowed %s", event);
            if (outcome != FA_DENY_PATHS || i == 1 || !(bad & 2u))
                note(event, args, &v);
        }
    }
out:
    Py_XDECREF(imports);
    Py_XDECREF(oks);
    Py_DECREF(cfg);
    return rc;
}

/* FastAudit's unwrap_call: partials to their func, and __wrapped__ found in the object's own
 * __dict__ (read with object.__getattribute__, so no __getattr__ runs). New reference. */
static PyObject *fa_unwrap(PyObject *fn)
{
    PyObject *target = Py_NewRef(fn);

    for (int depth = 0; depth < 64; depth++) {
        PyObject *inner = NULL, *d;
        if (engine.partial_type && PyObject_TypeCheck(target, (PyTypeObject *)engine.partial_type)) {
            if (optional_attr(target, "func", &inner) <= 0) {
                PyErr_Clear();
                break;
            }
        } else {
            d = PyObject_GenericGetAttr(target, engine.str_dict);
            inner = d && PyMapping_Check(d) ? PyObject_GetItem(d, engine.str_wrapped) : NULL;
            Py_XDECREF(d);
            PyErr_Clear();
            if (!inner)
                break;
        }
        Py_SETREF(target, inner);
    }
    return target;
}

/* FastAudit's callee_is_python (on an unwrapped callable). */
static bool fa_is_python(PyObject *fn)
{
    PyObject *call = NULL, *code = NULL;
    bool python;

    if (PyFunction_Check(fn) || PyMethod_Check(fn))
        return true;
    if (PyType_Check(fn)) {
        /* a heap type that defines __module__ counts as Python (FastAudit's rule) */
        PyObject *d = PyType_GetDict((PyTypeObject *)fn);
        python = d && PyDict_GetItemWithError(d, engine.str_module) != NULL;
        Py_XDECREF(d);
        PyErr_Clear();
        return python;
    }
    python = optional_attr((PyObject *)Py_TYPE(fn), "__call__", &call) > 0 &&
             optional_attr(call, "__code__", &code) > 0;
    Py_XDECREF(code);
    Py_XDECREF(call);
    PyErr_Clear();
    return python;
}

/* getattr(o, name, None) truthiness helper: a new reference to a true value, or NULL. */
static PyObject *fa_truthy_attr(PyObject *o, const char *name)
{
    PyObject *v = NULL;

    if (optional_attr(o, name, &v) <= 0 || PyObject_IsTrue(v) != 1) {
        PyErr_Clear();
        Py_XDECREF(v);
        return NULL;
    }
    return v;
}

/* FastAudit's func_mod (on an unwrapped callable): __module__, else __objclass__'s, else
 * for a bound method the class in type(self)'s MRO whose __dict__ has the name, else
 * type(self)'s. New reference or NULL. */
static PyObject *fa_func_mod(PyObject *fn)
{
    PyObject *mod = fa_truthy_attr(fn, "__module__"), *cls = NULL, *self = NULL, *name = NULL;

    if (!mod && optional_attr(fn, "__objclass__", &cls) > 0 && cls != Py_None)
        mod = fa_truthy_attr(cls, "__module__");
    PyErr_Clear();
    if (!mod && optional_attr(fn, "__self__", &self) > 0 && self != Py_None) {
        PyObject *mro = Py_TYPE(self)->tp_mro;
        name = fa_truthy_attr(fn, "__name__");
        for (Py_ssize_t i = 0; name && mro && i < PyTuple_GET_SIZE(mro) && !mod; i++) {
            PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
            PyObject *d = PyType_GetDict(t);
            if (d && PySequence_Contains(d, name) == 1) {
                optional_attr((PyObject *)t, "__module__", &mod);
                Py_XDECREF(d);
                break;
            }
            Py_XDECREF(d);
        }
        if (mod && PyObject_IsTrue(mod) != 1)
            Py_CLEAR(mod);
        if (!mod)
            optional_attr((PyObject *)Py_TYPE(self), "__module__", &mod);
    }
    PyErr_Clear();
    Py_XDECREF(name);
    Py_XDECREF(self);
    Py_XDECREF(cls);
    return mod;
}

static bool fa_prefix_match(PyObject *mod, PyObject *prefixes)
{
    for (Py_ssize_t i = 0; prefixes && i < PyTuple_GET_SIZE(prefixes); i++) {
        PyObject *p = PyTuple_GET_ITEM(prefixes, i);
        Py_ssize_t n = PyUnicode_Check(p) ? PyUnicode_GET_LENGTH(p) : -1;
        if (n >= 0 && (PyUnicode_Compare(mod, p) == 0 ||
                       (PyUnicode_Tailmatch(mod, p, 0, PY_SSIZE_T_MAX, -1) == 1 &&
                        PyUnicode_GET_LENGTH(mod) > n && PyUnicode_READ_CHAR(mod, n) == '.')))
            return true;
    }
    PyErr_Clear();
    return false;
}

static bool is_engine_code(PyCodeObject *code);
static bool is_stdlib_module(PyObject *module);

/* disable_site for FastAudit's callback: its CALL events are on only while one of its
 * contexts is entered, so every DISABLE it answers is counted. */
static PyObject *fa_disable_site(void)
{
    if (engine.no_disable)
        Py_RETURN_NONE;
    engine.counters->sites_disabled++;
    return Py_NewRef(engine.disable);
}

/* A trace row for a call FastAudit's monitor lets through unreported, as Python code (mod
 * NULL) or as a call into the trusted module mod (its __module__), while a FastAudit config
 * is active here, when the hardened monitor would report it: FastAudit's weakness made
 * visible (trace only). */
static void note_unreported(struct fa_state *st, PyObject *fn, PyObject *mod)
{
    PyObject *cfg = NULL, *callee = NULL, *caller = NULL, *pair = NULL;
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */
    struct verdict v;
    char hardened_why[320], fa_why[320];
    const char *text;

    if (!engine.tracing)
        return;
    verdict_init(&v);
    v.cls = "unreported";
    if (PyContextVar_Get(st->var, NULL, &cfg) < 0 || !cfg || cfg == Py_None ||
        !hardened_would_report(fn, &callee, hardened_why, sizeof hardened_why))
        goto out;
    caller = frame ? fa_frame_name(frame) : PyUnicode_FromString("None.<module>");
    pair = caller ? PyTuple_Pack(2, caller, callee) : NULL;
    if (!pair)
        goto out;
    text = mod ? PyUnicode_AsUTF8(mod) : NULL;
    if (mod)
        snprintf(fa_why, sizeof fa_why, "its call monitor takes the module from __module__, "
                 "'%.100s', which is trusted, and does not report the call", text ? text : "?");
    else
        snprintf(fa_why, sizeof fa_why, "its call monitor counts this callable as Python code");
    SAY(&v, "FastAudit's call monitor does not report this call");
    divergence_note(&v, true, fa_why, false, hardened_why);
    note("fastaudit.call", pair, &v);
out:
    PyErr_Clear();
    Py_XDECREF(pair);
    Py_XDECREF(caller);
    Py_XDECREF(callee);
    Py_XDECREF(cfg);
}

/* The CALL callback of one FastAudit state: (code, offset, callable, arg0). */
static PyObject *fa_on_call(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    struct fa_state *st = (struct fa_state *)self;
    PyObject *fn, *target = NULL, *mod = NULL, *cfg = NULL, *data = NULL, *calls = NULL;
    PyObject *caller = NULL, *callee = NULL, *nm = NULL, *chain = NULL, *result = NULL;
    PyObject *on_call = NULL, *mc = NULL;
    PyFrameObject *frame;
    bool ours;

    if (nargs < 3 || is_finalizing())
        Py_RETURN_NONE;
    fn = args[2];
    engine.counters->monitor_callbacks++;
    if (PyCode_Check(args[0]) && is_engine_code((PyCodeObject *)args[0]))
        return fa_disable_site();
    target = fa_unwrap(fn);
    /* fa-learn's own extension functions (trace, counters) are not FastAudit's to judge */
    ours = is_our_native(target);
    if (ours || fa_is_python(target)) {
        if (!ours)
            note_unreported(st, fn, NULL);
        Py_DECREF(target);
        return fa_disable_site();
    }
    mod = fa_func_mod(target);
    if (mod && PyUnicode_Check(mod) &&
        (is_stdlib_module(mod) || fa_prefix_match(mod, st->safe_native) ||
         prefix_matches_obj(mod))) {
        note_unreported(st, fn, mod);
        result = fa_disable_site();
        goto out;
    }
    if (PyContextVar_Get(st->var, NULL, &cfg) < 0)
        goto out;
    if (!cfg || cfg == Py_None || !(mc = PyObject_GetAttrString(cfg, "monitor_calls")) ||
        PyObject_IsTrue(mc) != 1) {
        PyErr_Clear();
        result = Py_NewRef(Py_None);
        goto out;
    }
    frame = PyEval_GetFrame();
    caller = frame ? fa_frame_name(frame) : PyUnicode_FromString("None.<module>");
    if (optional_attr(target, "__qualname__", &nm) == 0)
        optional_attr(target, "__name__", &nm);
    PyErr_Clear();
    if (!mod || PyObject_IsTrue(mod) != 1 || !nm || PyObject_IsTrue(nm) != 1) {
        PyErr_Clear();
        result = Py_NewRef(Py_None); /* FastAudit cannot name it: not reported */
        goto out;
    }
    callee = PyUnicode_FromFormat("%S.%S", mod, nm);
    if (!caller || !callee)
        goto out;
    engine.counters->native_calls++;
    data = PyObject_GetAttrString(cfg, "data");
    on_call = PyObject_GetAttrString(cfg, "on_call");
    if (!data || !on_call)
        goto out;
    if (PyTuple_GET_SIZE(st->monitor_hooks) || on_call != Py_None) {
        PyObject *hooks = st->monitor_hooks;
        calls = PyObject_CallNoArgs(engine.active_calls);
        if (!calls)
            goto out;
        for (Py_ssize_t i = 0; i <= PyTuple_GET_SIZE(hooks); i++) {
            PyObject *h = i < PyTuple_GET_SIZE(hooks) ? PyTuple_GET_ITEM(hooks, i) : on_call;
            PyObject *r;
            if (h == Py_None)
                break;
            r = PyObject_CallFunction(h, "OOOOOOO", caller, callee, fn, args[0], args[1], data,
                                      calls);
            if (!r)
                goto out;
            if (r == engine.disable || r == Py_False) {
                struct verdict v = {.cls = "native-allowed"};
                PyObject *pair = PyTuple_Pack(2, caller, callee);
                SAY(&v, "a monitor hook or on_call let the call through");
                if (pair)
                    note("fastaudit.call", pair, &v);
                Py_XDECREF(pair);
                PyErr_Clear();
                result = r == Py_False ? Py_NewRef(Py_None) : fa_disable_site();
                Py_DECREF(r);
                goto out;
            }
            Py_DECREF(r);
        }
    }
    chain = fa_call_chain(callee);
    if (!chain || PySys_Audit("fastaudit.call", "OOO", caller, callee, chain) < 0)
        goto out;
    result = Py_NewRef(Py_None);
out:
    Py_XDECREF(chain);
    Py_XDECREF(on_call);
    Py_XDECREF(data);
    Py_XDECREF(calls);
    Py_XDECREF(callee);
    Py_XDECREF(caller);
    Py_XDECREF(nm);
    Py_XDECREF(mc);
    Py_XDECREF(cfg);
    Py_XDECREF(mod);
    Py_XDECREF(target);
    return result;
}

static PyMethodDef fa_callback_def = {"call_cb", (PyCFunction)(void (*)(void))fa_on_call,
                                      METH_FASTCALL, "FastAudit's sys.monitoring CALL callback."};

/* _install(var, ask, monitor_hooks, safe_native) -> state: adds the state's audit hook. */
static PyObject *fa_install(PyObject *module, PyObject *args)
{
    struct fa_state *st;
    PyObject *var, *ask, *hooks, *safe;

    (void)module;
    if (!PyArg_ParseTuple(args, "OOO!O!:_install", &var, &ask, &PyTuple_Type, &hooks,
                          &PyTuple_Type, &safe))
        return NULL;
    if (n_fa_states >= MAX_FA_STATES) {
        PyErr_SetString(PyExc_RuntimeError, "too many FastAudit states in one process");
        return NULL;
    }
    st = PyObject_New(struct fa_state, &fa_state_type);
    if (!st)
        return NULL;
    st->var = Py_NewRef(var);
    st->ask = Py_NewRef(ask);
    st->monitor_hooks = Py_NewRef(hooks);
    st->safe_native = Py_NewRef(safe);
    /* The hook keeps the state for the life of the process (hooks cannot be removed). */
    if (PySys_AddAuditHook(fa_hook, st) < 0) {
        Py_DECREF(st);
        return NULL;
    }
    fa_states[n_fa_states++] = (struct fa_state *)Py_NewRef(st);
    return (PyObject *)st;
}

static PyObject *fa_make_callback(PyObject *module, PyObject *state)
{
    (void)module;
    if (!PyObject_TypeCheck(state, &fa_state_type)) {
        PyErr_SetString(PyExc_TypeError, "a FastAudit state is needed");
        return NULL;
    }
    return PyCFunction_New(&fa_callback_def, state);
}

static PyObject *fa_chain(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    return fa_call_chain(nargs > 0 && args[0] != Py_None ? args[0] : NULL);
}

/* _realroot(root) -> str or None: realpath(3) of an existing str root without '~' (no
 * Python code runs, which keeps a sandbox child's pages shared); None means "ask
 * os.path.realpath". */
static PyObject *fa_realroot(PyObject *module, PyObject *root)
{
    PyObject *bytes;

    (void)module;
    bytes = resolve_existing_root(root);
    if (!bytes) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    Py_SETREF(bytes, PyUnicode_DecodeFSDefaultAndSize(PyBytes_AS_STRING(bytes),
                                                      PyBytes_GET_SIZE(bytes)));
    return bytes;
}

/* The FastAudit config active here in any state (new reference), or NULL. */
static PyObject *fa_active_cfg(void)
{
    for (size_t i = 0; i < n_fa_states; i++) {
        PyObject *cfg = NULL;
        if (PyContextVar_Get(fa_states[i]->var, NULL, &cfg) < 0) {
            PyErr_Clear();
            continue;
        }
        if (cfg && cfg != Py_None)
            return cfg;
        Py_XDECREF(cfg);
    }
    return NULL;
}

/* The Python half of the default mode, one line per string (ISO C caps one literal). */
static const char *const core_lines[] = {
    "\"\"\"FastAudit 0.2.7's public API, as fa-learn's engine provides it by default.\n",
    "\n",
    "Written for fa-learn from FastAudit's documented behaviour: the names, events, messages and\n",
    "record types are FastAudit's; the hook and the CALL callback are C (_install, _callback).\n",
    "mk_audit(..., hardened=True) is fa-learn's own rule set (sandbox/README.md).\"\"\"\n",
    "import asyncio, functools, inspect, os, sys, threading, types\n",
    "from collections import namedtuple\n",
    "from contextlib import contextmanager\n",
    "from contextvars import ContextVar\n",
    "from functools import wraps\n",
    "from importlib.metadata import entry_points\n",
    "\n",
    "_AuditCfg = namedtuple('AuditCfg', 'oks before_deny on_call data monitor_calls import_allow')\n",
    "TrackedCall = namedtuple('TrackedCall', 'fn args kwargs module qualname name')\n",
    "_state_attr = '_fastaudit_state'\n",
    "\n",
    "\n",
    "class _ActiveCall:\n",
    "    def __init__(self, call):\n",
    "        self.call = call\n",
    "        self.active = True\n",
    "\n",
    "\n",
    "class CallTracker:\n",
    "    def __init__(self, name='fastaudit_active_calls'):\n",
    "        self.ctx = ContextVar(name, default=())\n",
    "\n",
    "    def _call(self, fn, args=(), kwargs=None):\n",
    "        args = () if args is None else args\n",
    "        kwargs = {} if kwargs is None else kwargs\n",
    "        module = getattr(fn, '__module__', None)\n",
    "        qualname = getattr(fn, '__qualname__', getattr(fn, '__name__', None))\n",
    "        full = f'{module}.{qualname}' if module and qualname else qualname\n",
    "        return TrackedCall(fn, tuple(args), dict(kwargs), module, qualname, full)\n",
    "\n",
    "    @contextmanager\n",
    "    def track(self, fn, args=(), kwargs=None):\n",
    "        live = _ActiveCall(self._call(fn, args, kwargs))\n",
    "        token = self.ctx.set(self.ctx.get() + (live,))\n",
    "        try:\n",
    "            yield live.call\n",
    "        finally:\n",
    "            live.active = False\n",
    "            self.ctx.reset(token)\n",
    "\n",
    "    def active(self):\n",
    "        return tuple(live.call for live in self.ctx.get() if live.active)\n",
    "\n",
    "    def wrap(self, fn):\n",
    "        if getattr(fn, '_fastaudit_orig', None) is not None or not inspect.iscoroutinefunction(fn):\n",
    "            return fn\n",
    "        @wraps(fn)\n",
    "        async def _fn(*args, **kwargs):\n",
    "            with self.track(fn, args, kwargs):\n",
    "                return await fn(*args, **kwargs)\n",
    "        _fn._fastaudit_orig = fn\n",
    "        return _fn\n",
    "\n",
    "\n",
    "_default_call_tracker = CallTracker()\n",
    "track_call = _default_call_tracker.wrap\n",
    "active_calls = _default_call_tracker.active\n",
    "\n",
    "\n",
    "def _new_state():\n",
    "    cfg_var = ContextVar('fastaudit_cfg', default=None)\n",
    "    origin_var = ContextVar('fastaudit_origin', default=None)\n",
    "    mon = getattr(sys, 'monitoring', None)\n",
    "    audit = sys.audit\n",
    "\n",
    "    def clean(mods):\n",
    "        if isinstance(mods, str):\n",
    "            mods = (mods,)\n",
    "        return tuple(m.strip() for m in mods if m and m.strip())\n",
    "\n",
    "    def merge(old, new):\n",
    "        return tuple(sorted(set(old) | set(clean(new))))\n",
    "\n",
    "    def group(name):\n",
    "        return entry_points(group=name)\n",
    "\n",
    "    safe_native = tuple(sorted(set(clean(ep.value for ep in group('fastaudit_safe_native')))))\n",
    "    import_allow = tuple(sorted(set(clean(ep.value for ep in group('fastaudit_import_allow')))))\n",
    "    monitor_hooks = tuple(ep.load() for ep in group('fastaudit_monitor_hook')) if mon else ()\n",
    "    audit_hooks = tuple(ep.load() for ep in group('fastaudit_audit_hook'))\n",
    "    calls_now = active_calls\n",
    "    tool = {'tool_id': None, 'on': 0}\n",
    "    lock = threading.Lock()\n",
    "\n",
    "    def task_id():\n",
    "        try:\n",
    "            return id(asyncio.current_task())\n",
    "        except RuntimeError:\n",
    "            return None\n",
    "\n",
    "    def origin_note():\n",
    "        origin = origin_var.get()\n",
    "        if origin is None:\n",
    "            return ''\n",
    "        tid, tname, task, chain = origin\n",
    "        if tid == threading.get_ident() and task == task_id():\n",
    "            return ''\n",
    "        return f\"\\nAudit context entered in thread {tname!r} by: {chain}\"\n",
    "\n",
    "    def outside_frame():\n",
    "        f = sys._getframe()\n",
    "        while f:\n",
    "            if not f\"{f.f_globals.get('__name__')}.{f.f_code.co_qualname}\".startswith('fastaudit.'):\n",
    "                return f\n",
    "            f = f.f_back\n",
    "\n",
    "    def ask(cfg, event, args, path, has_path):\n",
    "        if has_path:\n",
    "            msg = f\"{event} {path!r} not in {cfg.oks}\"\n",
    "        else:\n",
    "            native = event == 'fastaudit.call' and len(args) > 2\n",
    "            shown = args[:2] if native else args\n",
    "            chain = args[2] if native else _chain()\n",
    "            msg = f\"Audit: {event} blocked in sandbox with args: {shown}\\nCall chain: {chain}\"\n",
    "        msg += origin_note()\n",
    "        if audit_hooks or cfg.before_deny:\n",
    "            frame, calls = outside_frame(), calls_now()\n",
    "            for h in audit_hooks:\n",
    "                if h(event, args, frame, msg, cfg.data, calls):\n",
    "                    return None\n",
    "            if cfg.before_deny and cfg.before_deny(event, args, frame, msg, cfg.data, calls):\n",
    "                return None\n",
    "        return msg\n",
    "\n",
    "    def install_call_monitor(tool_id):\n",
    "        if not mon:\n",
    "            raise RuntimeError('monitor_calls=True requires Python 3.12+ sys.monitoring')\n",
    "        old = tool['tool_id']\n",
    "        if old is not None:\n",
    "            if old != tool_id:\n",
    "                raise RuntimeError(f'fastaudit already uses sys.monitoring tool id {old}')\n",
    "            return\n",
    "        owner = mon.get_tool(tool_id)\n",
    "        if owner == 'fastaudit':\n",
    "            mon.set_events(tool_id, 0)\n",
    "            mon.register_callback(tool_id, mon.events.CALL, None)\n",
    "            mon.free_tool_id(tool_id)\n",
    "        elif owner:\n",
    "            raise RuntimeError(f'sys.monitoring tool id {tool_id} is already used by {owner!r}')\n",
    "        mon.use_tool_id(tool_id, 'fastaudit')\n",
    "        mon.register_callback(tool_id, mon.events.CALL, callback)\n",
    "        tool['tool_id'] = tool_id\n",
    "\n",
    "    def monitor_on():\n",
    "        with lock:\n",
    "            tool['on'] += 1\n",
    "            if tool['on'] == 1:\n",
    "                mon.set_events(tool['tool_id'], mon.events.CALL)\n",
    "        mon.restart_events()\n",
    "\n",
    "    def monitor_off():\n",
    "        with lock:\n",
    "            tool['on'] -= 1\n",
    "            if not tool['on']:\n",
    "                mon.set_events(tool['tool_id'], 0)\n",
    "\n",
    "    def audit_state_():\n",
    "        cfg = cfg_var.get()\n",
    "        return dict(safe_native=safe_native, monitoring=mon is not None, tool_id=tool['tool_id'],\n",
    "                    active=cfg is not None, monitor_on=tool['on'],\n",
    "                    monitor_calls=None if cfg is None else cfg.monitor_calls,\n",
    "                    import_allow=import_allow if cfg is None else cfg.import_allow)\n",
    "\n",
    "    def root(o):\n",
    "        if o == '.':\n",
    "            return '.'\n",
    "        return _realroot(o) or os.path.realpath(os.path.expanduser(os.fsdecode(o)))\n",
    "\n",
    "    def mk_audit_(oks, before_deny=None, on_call=None, data=None, tool_id=3, monitor_calls=True,\n",
    "                  allow_imports=()):\n",
    "        audit('audit_perms.set_config', oks)\n",
    "        if on_call and not monitor_calls:\n",
    "            raise RuntimeError('on_call requires monitor_calls=True')\n",
    "        if monitor_calls:\n",
    "            install_call_monitor(tool_id)\n",
    "        cfg = _AuditCfg(tuple(root(o) for o in oks), before_deny, on_call, data, monitor_calls,\n",
    "                        merge(import_allow, allow_imports))\n",
    "\n",
    "        @contextmanager\n",
    "        def cm():\n",
    "            nonlocal cfg\n",
    "            if cfg_var.get() is not cfg:\n",
    "                audit('audit_perms.set_config', cfg)\n",
    "            token = cfg_var.set(cfg)\n",
    "            otoken = origin_var.set((threading.get_ident(), threading.current_thread().name,\n",
    "                                     task_id(), _chain()))\n",
    "            watching = cfg.monitor_calls\n",
    "            if watching:\n",
    "                monitor_on()\n",
    "            try:\n",
    "                yield\n",
    "            finally:\n",
    "                origin_var.reset(otoken)\n",
    "                cfg_var.reset(token)\n",
    "                if watching:\n",
    "                    monitor_off()\n",
    "\n",
    "        def set_data(d):\n",
    "            nonlocal cfg\n",
    "            audit('audit_perms.set_data', d)\n",
    "            cfg = cfg._replace(data=d)\n",
    "            return cfg.data\n",
    "\n",
    "        def add_imports(*mods):\n",
    "            nonlocal cfg\n",
    "            audit('audit_perms.add_imports', mods)\n",
    "            cfg = cfg._replace(import_allow=merge(cfg.import_allow, mods))\n",
    "            return cfg.import_allow\n",
    "\n",
    "        cm.set_data = set_data\n",
    "        cm.add_imports = add_imports\n",
    "        return cm\n",
    "\n",
    "    mk_audit_.audit_state = audit_state_\n",
    "    state = _install(cfg_var, ask, monitor_hooks, safe_native)\n",
    "    callback = _callback(state)\n",
    "    return mk_audit_\n",
    "\n",
    "\n",
    "def _get_mk_audit():\n",
    "    made = getattr(sys, _state_attr, None)\n",
    "    if made is None:\n",
    "        made = _new_state()\n",
    "        setattr(sys, _state_attr, made)\n",
    "    return made\n",
    "\n",
    "\n",
    "def mk_audit(oks, before_deny=None, on_call=None, data=None, tool_id=3, monitor_calls=True,\n",
    "             allow_imports=(), *, hardened=False):\n",
    "    if hardened:  # fa-learn's rule set, not FastAudit's\n",
    "        return _hardened_mk_audit(oks, before_deny, on_call, data, tool_id, monitor_calls,\n",
    "                                  allow_imports)\n",
    "    made = _get_mk_audit()(oks, before_deny, on_call, data, tool_id, monitor_calls, allow_imports)\n",
    "    _made_default()\n",
    "    return made\n",
    "\n",
    "\n",
    "def audit_state():\n",
    "    hardened = _hardened_state()\n",
    "    if hardened is not None:\n",
    "        return hardened\n",
    "    return _get_mk_audit().audit_state()\n",
    "\n",
    NULL,
};

static const char *const hooks_lines[] = {
    "import sys\n",
    "\n",
    "_LXML_WRITERS = {'lxml.etree._ElementTree.write', 'lxml.etree._ElementTree.write_c14n',\n",
    "                 'lxml.etree._XSLTResultTree.write_output', 'lxml.etree.xmlfile',\n",
    "                 'lxml.etree.xmlfile.__enter__'}\n",
    "\n",
    "\n",
    "def lxml_monitor(caller, callee, fn, code, off, data, calls):\n",
    "    # lxml's native writers write files without an open audit event; the rest is harmless.\n",
    "    if callee.startswith('lxml.') and callee not in _LXML_WRITERS:\n",
    "        return sys.monitoring.DISABLE\n",
    "\n",
    NULL,
};

static PyObject *hardened_mk_audit(PyObject *module, PyObject *args, PyObject *kwargs)
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
    engine.last_made_hardened = true;
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

/* _hardened_state() -> the hardened engine's state dict while one of its entries is active
 * here (or when only the hardened mode was ever used), else None: fastaudit.audit_state()
 * then answers with FastAudit's own state. */
static PyObject *hardened_state(PyObject *module, PyObject *unused)
{
    bool tampered;
    struct entry *e = active_entry(&tampered);
    long monitor_on = 0;
    PyObject *result;

    (void)module;
    (void)unused;
    if (!e && (!engine.hook_installed || !engine.last_made_hardened))
        Py_RETURN_NONE;
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
        PyObject *d = Py_BuildValue("{s:s, s:s, s:s, s:s, s:s, s:z}", "event", r->event, "args",
                                    r->args, "class", r->cls, "decision",
                                    r->denied ? "deny" : "allow", "reason", r->reason, "note",
                                    r->note);
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
    return Py_BuildValue("{s:K, s:K, s:K, s:K, s:K, s:K, s:K}", "events", c->events, "allowed",
                         c->allowed, "denied", c->denied, "monitor_callbacks",
                         c->monitor_callbacks, "sites_disabled", c->sites_disabled,
                         "native_calls", c->native_calls, "divergences", c->divergences);
}

static PyObject *made_default(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    engine.last_made_hardened = false;
    Py_RETURN_NONE;
}

/* Given to fastaudit.core under private names (its `import *` skips them). */
static PyMethodDef core_methods[] = {
    {"_hardened_mk_audit", (PyCFunction)(void (*)(void))hardened_mk_audit,
     METH_VARARGS | METH_KEYWORDS, "fa-learn's hardened mk_audit (mk_audit(..., hardened=True))"},
    {"_hardened_state", hardened_state, METH_NOARGS, "the hardened engine's state, or None"},
    {"_made_default", made_default, METH_NOARGS, "a FastAudit mk_audit was made"},
    {"_install", fa_install, METH_VARARGS, "the C hook of one FastAudit state"},
    {"_callback", fa_make_callback, METH_O, "the C CALL callback of one FastAudit state"},
    {"_chain", (PyCFunction)(void (*)(void))fa_chain, METH_FASTCALL, "FastAudit's call chain"},
    {"_realroot", fa_realroot, METH_O, "realpath(3) of an existing root, or None"},
    {NULL, NULL, 0, NULL},
};

/* fa-learn's extensions (the teaching trace and counters); FastAudit's API is in core. */
static PyMethodDef module_methods[] = {
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

/* Makes the submodule fastaudit.<name> from source lines (engine code, by identity). */
static PyObject *make_submodule(PyObject *package, const char *name,
                                const char *const *lines, bool with_core_methods)
{
    PyObject *mod = NULL, *dict, *source = NULL, *code = NULL, *r = NULL, *piece;
    char full[64], file[80];

    snprintf(full, sizeof full, "fastaudit.%s", name);
    snprintf(file, sizeof file, "<fastaudit.%s>", name);
    source = PyUnicode_FromString("");
    for (size_t i = 0; source && lines[i]; i++) {
        piece = PyUnicode_FromString(lines[i]);
        Py_SETREF(source, piece ? PyUnicode_Concat(source, piece) : NULL);
        Py_XDECREF(piece);
    }
    mod = source ? PyModule_New(full) : NULL;
    dict = mod ? PyModule_GetDict(mod) : NULL; /* borrowed */
    if (!dict || PyDict_SetItemString(dict, "__builtins__", PyEval_GetBuiltins()) < 0)
        goto fail;
    for (PyMethodDef *m = core_methods; with_core_methods && m->ml_name; m++) {
        PyObject *fn = PyCFunction_New(m, package); /* self: the package, so "ours" */
        if (!fn || PyDict_SetItemString(dict, m->ml_name, fn) < 0) {
            Py_XDECREF(fn);
            goto fail;
        }
        Py_DECREF(fn);
    }
    code = Py_CompileStringExFlags(PyUnicode_AsUTF8(source), file, Py_file_input, NULL, -1);
    if (!code)
        goto fail;
    collect_engine_codes(code);
    r = PyEval_EvalCode(code, dict, dict);
    if (!r || PyDict_SetItemString(PyImport_GetModuleDict(), full, mod) < 0 ||
        PyModule_AddObjectRef(package, name, mod) < 0)
        goto fail;
    Py_DECREF(r);
    Py_DECREF(code);
    Py_DECREF(source);
    return mod;
fail:
    Py_XDECREF(r);
    Py_XDECREF(code);
    Py_XDECREF(source);
    Py_XDECREF(mod);
    return NULL;
}

/* fastaudit as a package, like FastAudit's: fastaudit.core (the API, whose public names the
 * package re-exports as `from .core import *` does), fastaudit.hooks, __version__. */
static int make_package(PyObject *module)
{
    PyObject *core = NULL, *hooks = NULL, *path = PyList_New(0), *key, *value;
    Py_ssize_t pos = 0;
    int rc = -1;

    if (!path || PyModule_AddObjectRef(module, "__path__", path) < 0 ||
        PyModule_AddStringConstant(module, "__version__", "0.2.7") < 0)
        goto out;
    core = make_submodule(module, "core", core_lines, true);
    hooks = core ? make_submodule(module, "hooks", hooks_lines, false) : NULL;
    if (!hooks)
        goto out;
    while (PyDict_Next(PyModule_GetDict(core), &pos, &key, &value)) {
        if (PyUnicode_Check(key) && PyUnicode_READ_CHAR(key, 0) != '_' &&
            PyObject_SetAttr(module, key, value) < 0)
            goto out;
    }
    engine.active_calls = PyDict_GetItemString(PyModule_GetDict(core), "active_calls");
    Py_XINCREF(engine.active_calls);
    rc = engine.active_calls ? 0 : -1;
out:
    Py_XDECREF(hooks);
    Py_XDECREF(core);
    Py_XDECREF(path);
    return rc;
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
    collect_engine_codes(code);
    r = PyEval_EvalCode(code, engine.helpers, engine.helpers);
    Py_DECREF(code);
    if (!r)
        return -1;
    Py_DECREF(r);
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
    engine.str_unknown = PyUnicode_InternFromString("?");
    engine.str_fa_prefix = PyUnicode_InternFromString("fastaudit.");
    engine.str_asyncio_ = PyUnicode_InternFromString("asyncio_");
    engine.str_dict = PyUnicode_InternFromString("__dict__");
    engine.str_wrapped = PyUnicode_InternFromString("__wrapped__");
    engine.str_module = PyUnicode_InternFromString("__module__");
    engine.module = Py_NewRef(module);
    if (!engine.str_call || !engine.str_unknown || !engine.str_fa_prefix ||
        !engine.str_asyncio_ || !engine.str_dict || !engine.str_wrapped || !engine.str_module ||
        PyType_Ready(&fa_state_type) < 0)
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
    return make_package(module);
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
