/* sbx_pyaudit_int.h: what the files of the FastAudit engine share (the `fastaudit` extension
 * module, sbx_fastaudit.h), in SQLite's *Int.h manner: the C types of configs, entries and
 * contexts, the engine's one state, the verdict of one event, and the functions one file
 * offers another, grouped by the file that defines them. Not for use outside sbx_pyaudit*.c.
 * Everything here needs the GIL. Hook contract (cpython _testembed.c _audit_hook_run): return
 * 0 to allow, set an exception and return -1 to deny. */
#ifndef FA_SANDBOX_SBX_PYAUDIT_INT_H
#define FA_SANDBOX_SBX_PYAUDIT_INT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sandbox/sbx_fastaudit.h"
#include "sandbox/sbx_policy.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CPython internals the engine reads (outside the limited API: private fields of code objects
 * and thread states, _PyType_Lookup), all through the accessors below. They were written for
 * CPython 3.12 and 3.13 and are checked at start-up by sbx_pa_internals_self_test(); a newer
 * CPython must be checked against them before this guard is widened. */
#if PY_VERSION_HEX < 0x030C0000 || PY_VERSION_HEX >= 0x030E0000
#error "sbx_pyaudit reads CPython 3.12/3.13 internals: check them (sbx_pyaudit_int.h) first"
#endif

/* co_consts of a code object (borrowed). */
static inline PyObject *sbx_pa_code_consts(PyCodeObject *code) { return code->co_consts; }
/* co_qualname of a code object (borrowed). */
static inline PyObject *sbx_pa_code_qualname(PyCodeObject *code) { return code->co_qualname; }
/* The running contextvars.Context (borrowed; NULL before any ContextVar was set here). */
static inline PyObject *sbx_pa_thread_context(void) { return PyThreadState_Get()->context; }
/* The C name of a builtin function or method. */
static inline const char *sbx_pa_cfunction_name(PyObject *fn)
{
    return ((PyCFunctionObject *)fn)->m_ml->ml_name;
}
/* The type a method descriptor belongs to. */
static inline PyTypeObject *sbx_pa_descr_owner(PyObject *descr)
{
    return ((PyDescrObject *)descr)->d_type;
}
/* name looked up in type's MRO without descriptors or errors (borrowed, or NULL). */
static inline PyObject *sbx_pa_type_lookup(PyTypeObject *type, PyObject *name)
{
    return _PyType_Lookup(type, name);
}

#define MAX_ROOTS 64
#define MAX_PREFIXES 256
#define MAX_RECORDS 256      /* entries active at once, across all contexts */
#define CHAIN_FRAMES 24      /* frames shown in a call chain */
#define REPR_MAX 200         /* bytes of an argument summary in the trace */
#define MSG_REPR_MAX 1000    /* bytes of the args repr in a denial message */
#define TRACE_LIMIT_MAX 100000
#define MAX_ENGINE_CODES 256
#define ENGINE_FILE "<fastaudit>" /* co_filename of the engine's few Python helpers */
#define MAX_FA_STATES 8      /* FastAudit states (sys._fastaudit_state) in one process */

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


/* Reasons are for the trace only: formatting them costs nothing when it is off. */
/* A reason is cut at its size on purpose (the trace is bounded): the result is looked at only
 * for an encoding error, which leaves the reason empty. */
#define SAY(v, ...)                                                                            \
    do {                                                                                       \
        if (sbx_pa_engine.tracing &&                                                           \
            snprintf((v)->reason, sizeof (v)->reason, __VA_ARGS__) < 0)                        \
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
struct sbx_pa_state {
    bool hook_installed;
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
};



/* One FastAudit state (what sys._fastaudit_state holds): its variables and helpers. */
struct fa_state {
    PyObject_HEAD
    PyObject *var;           /* ContextVar fastaudit_cfg */
    PyObject *ask;           /* ask(cfg, event, args, path, has_path) -> msg or None */
    PyObject *monitor_hooks; /* tuple of fastaudit_monitor_hook callables */
    PyObject *safe_native;   /* tuple of str prefixes */
};

/* FastAudit's answer for one event before any host callback (sbx_pa_fa_rules). */
enum fa_outcome { FA_ALLOW, FA_DENY, FA_DENY_PATHS };

/* The engine's state (sbx_pyaudit.c). */
extern struct sbx_pa_state sbx_pa_engine;
/* Depth of the engine's own calls into Python on this thread: events they raise (imports,
 * reading entry points, host callbacks) are not judged again. */
extern _Thread_local int sbx_pa_in_engine;
/* The sandbox's FastAudit config, kept to say what the hardened engine would do where
 * FastAudit sees none (sbx_pyaudit_types.c). */
extern PyObject *sbx_pa_fa_sandbox_cfg;
/* The types (sbx_pyaudit_types.c, sbx_pyaudit_farules.c) and FastAudit's states. */
extern PyTypeObject sbx_pa_config_type, sbx_pa_entry_type, sbx_pa_context_type,
    sbx_pa_fa_state_type;
extern struct fa_state *sbx_pa_fa_states[MAX_FA_STATES];
extern size_t sbx_pa_n_fa_states;
/* The hardened CALL callback's definition (sbx_pyaudit_monitor.c). */
extern PyMethodDef sbx_pa_call_callback_def;

/* Checks the CPython internals above on the running interpreter: 0, or -1 with ImportError
 * (sbx_pyaudit_internals.c). */
int sbx_pa_internals_self_test(void);
/* True when this interpreter has Python audit hooks (sys.addaudithook was used here). */
bool sbx_pa_interp_has_python_hooks(void);
/* True when the runtime's C audit hooks include fn with data (PySys_AddAuditHook added it). */
bool sbx_pa_c_hook_added(Py_AuditHookFunction fn, void *data);

/* Small helpers, the engine's own code, frames and call chains (sbx_pyaudit_frames.c) */
void sbx_pa_call_chain(char *out, size_t cap);
void sbx_pa_collect_engine_codes(PyObject *code);
char *sbx_pa_dup_str(const char *s);
PyFrameObject *sbx_pa_first_outside_frame(void);
bool sbx_pa_frame_name(PyFrameObject *frame, char *out, size_t cap);
bool sbx_pa_is_engine_code(PyCodeObject *code);
bool sbx_pa_is_finalizing(void);
int sbx_pa_optional_attr(PyObject *obj, const char *name, PyObject **out);

/* The teaching trace and the counters (sbx_pyaudit_trace.c) */
void sbx_pa_note(const char *event, PyObject *args, const struct verdict *v);
void sbx_pa_trace_free_records(void);

/* The active entry and the tamper check; the config, entry and context types (sbx_pyaudit_types.c)
 */
struct entry *sbx_pa_active_entry(bool *tampered);
struct entry *sbx_pa_active_entry_from(bool *tampered, bool *inherited);
int sbx_pa_add_prefixes(PyObject *iterable, char **list, size_t *n, const char *what);

/* Paths and the hardened rules' decision for one event (sbx_pyaudit_decide.c) */
bool sbx_pa_check_path(const struct config *cfg, const char *event, PyObject *args, int index,
                       bool itself, struct verdict *v);
bool sbx_pa_decide(const struct config *cfg, const char *event, PyObject *args,
                   struct verdict *v);
PyObject *sbx_pa_path_bytes(PyObject *arg, const char **chars, size_t *len);
/* The same as a C string: NULL also when the name holds a NUL character. */
PyObject *sbx_pa_path_chars(PyObject *arg, const char **chars);
void sbx_pa_roots_repr(const struct config *cfg, char *out, size_t cap);
const char *sbx_pa_str_arg(PyObject *args, Py_ssize_t i);

/* The hardened hook and its deny path (before_deny, messages) (sbx_pyaudit_hook.c) */
PyObject *sbx_pa_active_calls_list(void);
int sbx_pa_audit_hook(const char *event, PyObject *args, void *user_data);
bool sbx_pa_import_allowed(const struct config *cfg, struct verdict *v);
bool sbx_pa_is_our_native(PyObject *c);
bool sbx_pa_prefix_matches_obj(PyObject *module);
void sbx_pa_remember_denial(void);
uintptr_t sbx_pa_running_task(void);

/* The hardened sys.monitoring CALL callback, its tool id and guard (sbx_pyaudit_monitor.c) */
PyObject *sbx_pa_callable_module(PyObject *c);
PyObject *sbx_pa_callable_name(PyObject *c, PyObject *module);
bool sbx_pa_is_python_callable(PyObject *c);
bool sbx_pa_is_stdlib_module(PyObject *module);
int sbx_pa_monitor_count(int tool_id, int delta);
PyObject *sbx_pa_monitoring_call(const char *name, const char *format, ...);
int sbx_pa_register_tool(int tool_id);
PyObject *sbx_pa_unwrap_callable(PyObject *c);

/* Each rule set evaluated on the other's events (trace notes) (sbx_pyaudit_compare.c) */
void sbx_pa_divergence_note(struct verdict *v, bool fa_allowed, const char *fa_reason,
                            bool hardened_allowed, const char *hardened_reason);
void sbx_pa_fa_compare(PyObject *cfg, const char *event, PyObject *args, bool fa_allowed,
                       struct verdict *v);
bool sbx_pa_fastaudit_would_report(PyObject *fn, char *why, size_t cap);
void sbx_pa_hardened_compare(struct config *cfg, const char *event, PyObject *args,
                             bool inherited, bool allowed, struct verdict *v);
bool sbx_pa_hardened_would_allow(PyObject *cfg, const char *event, PyObject *args,
                                 struct verdict *v);
void sbx_pa_note_unreported(struct fa_state *st, PyObject *fn, PyObject *mod);

/* FastAudit's own rules (the default mode): its checks and its hook (sbx_pyaudit_farules.c) */
PyObject *sbx_pa_fa_call_chain(PyObject *extra);
PyObject *sbx_pa_fa_frame_name(PyFrameObject *frame);
int sbx_pa_fa_hook(const char *event, PyObject *args, void *user_data);
enum fa_outcome sbx_pa_fa_rules(PyObject *oks, PyObject *import_allow, const char *event,
                                PyObject *args, struct verdict *v, unsigned *bad);

/* FastAudit's CALL callback and the C half of fastaudit.core (sbx_pyaudit_facall.c) */
PyObject *sbx_pa_fa_active_cfg(void);
PyObject *sbx_pa_fa_chain(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
PyObject *sbx_pa_fa_func_mod(PyObject *fn);
PyObject *sbx_pa_fa_install(PyObject *module, PyObject *args);
PyObject *sbx_pa_fa_add_hook(PyObject *module, PyObject *state);
bool sbx_pa_fa_is_python(PyObject *fn);
PyObject *sbx_pa_fa_make_callback(PyObject *module, PyObject *state);
PyObject *sbx_pa_fa_realroot(PyObject *module, PyObject *root);
PyObject *sbx_pa_fa_truthy_attr(PyObject *o, const char *name);
PyObject *sbx_pa_fa_unwrap(PyObject *fn);

/* The module: mk_audit(hardened=True), trace functions, start-up (sbx_pyaudit.c) */
PyObject *sbx_pa_resolve_existing_root(PyObject *root);
PyObject *sbx_pa_strings_tuple(char *const *list, size_t n, const struct config *extra);

#endif
