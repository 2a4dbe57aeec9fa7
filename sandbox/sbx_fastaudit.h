/* sbx_fastaudit.h: the FastAudit engine, a CPython extension module named `fastaudit`
 * written in C (issue #3). Python sees:
 *
 *   mk_audit(oks, before_deny=None, on_call=None, data=None, tool_id=3, monitor_calls=True,
 *            allow_imports=())  -> audit_perms
 *       `with audit_perms(): ...` turns the policy on for the current execution context
 *       (a contextvars.ContextVar owned by the engine) and restores the previous state on
 *       exit. audit_perms.set_data(d) and audit_perms.add_imports(*mods) return the new value.
 *   audit_state() -> dict        the engine's state as seen from here
 *   track_call(fn), active_calls()   records of tracked coroutine calls still running
 *   trace_start(limit=1000), trace_stop(), trace_clear(), trace(), counters()
 *       the teaching trace: each event seen in an active context, its class, the decision
 *       and the reason; counters of events, decisions and monitoring work.
 *
 * The policy's tables, roots and configs live in C memory (sbx_policy.h and opaque objects
 * without attributes); one process-wide hook is installed with PySys_AddAuditHook by the
 * first mk_audit, and a sys.monitoring CALL callback written in C reports calls into native
 * code that is neither stdlib nor declared safe as the audit event `fastaudit.call`.
 * The exact rules are in sandbox/README.md. All functions need the GIL. */
#ifndef FA_SANDBOX_SBX_FASTAUDIT_H
#define FA_SANDBOX_SBX_FASTAUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _object PyObject;

/* Module init, to register before the interpreter starts:
 *     PyImport_AppendInittab("fastaudit", PyInit_fastaudit);  */
PyObject *PyInit_fastaudit(void);

/* The C view of the teaching trace, for the sandbox. */
struct sbx_audit_counters {
    uint64_t events;            /* events seen while a context was active */
    uint64_t allowed;
    uint64_t denied;
    uint64_t monitor_callbacks; /* CALL callbacks run */
    uint64_t sites_disabled;    /* times a call site was answered with DISABLE */
    uint64_t native_calls;      /* native calls reported (on_call or fastaudit.call) */
    uint64_t divergences;       /* decisions the other rule set would have taken otherwise */
};

struct sbx_audit_record {
    const char *event;
    const char *args;   /* bounded, made without calling Python code */
    const char *cls;    /* "allowed", "read", "path-ok", "path-denied", "default-deny", ... */
    bool denied;
    const char *reason; /* one sentence */
    const char *note;   /* where the other rule set (FastAudit's or the hardened one) would
                         * have decided differently, one sentence; NULL when it agrees */
};

/* Sandbox options, set in a run's child before the snippet. no_disable: the CALL callback
 * never answers DISABLE (every call site keeps paying, to show what DISABLE saves).
 * strict_reads (a resolved folder, or NULL): reads are path-checked too, the file itself
 * inside a root or inside this folder (the interpreter's own files). (Importing the
 * subinterpreter modules is a hardened rule of its own, "subinterpreter", in or out of the
 * sandbox: code in a subinterpreter runs without the audit context.) */
void sbx_audit_sandbox_options(bool no_disable, const char *strict_reads);
/* Gives back every sys.monitoring tool id the hardened engine claimed (none may be on), and
 * puts the original sys.monitoring functions back in place of its guard: a sandbox child
 * whose warm-up ran the hardened engine calls this before a run under FastAudit's own rules,
 * which claim the tool id themselves, unguarded, as FastAudit does. Returns 0, or -1 with a
 * Python exception set. */
int sbx_audit_release_monitoring(void);
/* Adds a safe-native module prefix (like a fastaudit_safe_native entry point). -1 when full. */
int sbx_audit_add_safe_native(const char *prefix);
/* Makes the entry active here the policy of every context and thread of the process, for
 * the rest of its life (the sandbox's child: nothing may run outside the policy, whatever
 * it does to contextvars). -1 when no entry is active. */
int sbx_audit_lock(void);

/* Where the engine counts and records, for a sandbox run whose report must survive its
 * death (sbx_report.h): from now on the counters live at *counters (zeroed here), and each
 * trace record is also given to on_record(record, data) as it is made (the record is
 * borrowed for the call). Called from the engine's hook, under the GIL: on_record must not
 * call Python code. */
typedef void sbx_audit_record_fn(const struct sbx_audit_record *record, void *data);
void sbx_audit_set_sink(struct sbx_audit_counters *counters, sbx_audit_record_fn *on_record,
                        void *data);

/* Whether exc is the PermissionError by which the engine refused something last (the same
 * object, however far it travelled: re-raised, or out of an asyncio task), as opposed to an
 * exception of the code's own. */
bool sbx_audit_is_denial(PyObject *exc);

/* Zeroes the counters, so that a run counts only its own work (a sandbox child has
 * already taken the run's path once, while waiting for its request). */
void sbx_audit_reset_counters(void);
/* Recorded entries (at most the trace limit); pointers stay valid until the next
 * trace_clear/trace_start or the next recorded event. */
size_t sbx_audit_trace_len(void);
const struct sbx_audit_record *sbx_audit_trace_get(size_t i);

#endif
