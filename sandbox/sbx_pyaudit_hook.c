/* sbx_pyaudit_hook.c: the hardened rule set's audit hook and its deny path: import
 * allowances, the PermissionError message, the host's say (entry-point hooks, before_deny)
 * and the record of the engine's last denial. */
#include "sandbox/sbx_pyaudit_int.h"

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
bool sbx_pa_is_our_native(PyObject *c)
{
    PyObject *self;

    if (Py_IS_TYPE(c, &sbx_pa_config_type) || Py_IS_TYPE(c, &sbx_pa_context_type))
        return true;
    if (Py_IS_TYPE(c, &PyMethodDescr_Type)) { /* ctx.__enter__() calls the descriptor */
        PyTypeObject *owner = sbx_pa_descr_owner(c);
        return owner == &sbx_pa_config_type || owner == &sbx_pa_context_type;
    }
    if (!PyCFunction_Check(c))
        return false;
    self = PyCFunction_GET_SELF(c);
    return self &&
           (self == sbx_pa_engine.module || Py_IS_TYPE(self, &sbx_pa_config_type) ||
            Py_IS_TYPE(self, &sbx_pa_context_type) || Py_IS_TYPE(self, &sbx_pa_fa_state_type));
}

/* prefix_matches on a str module name against the engine's safe-native prefixes (from the
 * sandbox and the hardened mode's entry points); false for names that cannot be encoded. */
bool sbx_pa_prefix_matches_obj(PyObject *module)
{
    const char *text = PyUnicode_Check(module) ? PyUnicode_AsUTF8(module) : NULL;

    if (!text) {
        PyErr_Clear();
        return false;
    }
    return prefix_matches(text, sbx_pa_engine.safe_native, sbx_pa_engine.n_safe_native);
}

/* True while a module whose name matches an allowed import prefix is initialising on this
 * stack (its __spec__._initializing is true). Writes the module name into v->reason. */
bool sbx_pa_import_allowed(const struct config *cfg, struct verdict *v)
{
    PyFrameObject *frame = PyEval_GetFrame();
    bool found = false;

    if (!cfg->n_imports && !sbx_pa_engine.n_ep_imports)
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
             prefix_matches(mod, sbx_pa_engine.ep_imports, sbx_pa_engine.n_ep_imports))) {
            PyObject *init = NULL;
            if (sbx_pa_optional_attr(spec, "_initializing", &init) > 0)
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

PyObject *sbx_pa_active_calls_list(void)
{
    return sbx_pa_engine.active_calls ? PyObject_CallNoArgs(sbx_pa_engine.active_calls)
                                      : PyTuple_New(0);
}

/* The running asyncio task's identity, or 0 (no Python code runs when asyncio is absent). */
uintptr_t sbx_pa_running_task(void)
{
    PyObject *modules = PyImport_GetModuleDict(); /* borrowed */
    PyObject *asyncio = PyDict_GetItemString(modules, "asyncio"); /* borrowed */
    PyObject *loop = NULL, *task = NULL;
    uintptr_t id = 0;

    if (!asyncio)
        return 0;
    sbx_pa_in_engine++;
    loop = PyObject_CallMethod(asyncio, "_get_running_loop", NULL);
    if (loop && loop != Py_None)
        task = PyObject_CallMethod(asyncio, "current_task", "O", loop);
    sbx_pa_in_engine--;
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

    sbx_pa_call_chain(chain, sizeof chain);
    if (path_rule) {
        int index = sbx_policy_classify(event) == SBX_EVENT_PATH_DEST ? 1 : 0;
        PyObject *path = PyTuple_GET_SIZE(args) > index ? PyTuple_GET_ITEM(args, index) : Py_None;
        /* For both-path events, name the argument that failed: the second if the first passed. */
        if (sbx_policy_classify(event) == SBX_EVENT_PATH_BOTH && PyTuple_GET_SIZE(args) > 1) {
            struct verdict first_check;
            if (sbx_pa_check_path(e->config, event, args, 0, false, &first_check))
                path = PyTuple_GET_ITEM(args, 1);
        }
        sbx_pa_roots_repr(e->config, roots, sizeof roots);
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
    if (e->thread != PyThread_get_thread_ident() || e->task != sbx_pa_running_task()) {
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
    PyFrameObject *frame = sbx_pa_first_outside_frame(); /* borrowed */
    PyObject *result;
    int truthy;

    sbx_pa_in_engine++;
    result = PyObject_CallFunction(callback, "sOOOOO", event, args,
                                   frame ? (PyObject *)frame : Py_None, msg, data, calls);
    sbx_pa_in_engine--;
    if (!result)
        return -1;
    truthy = PyObject_IsTrue(result);
    Py_DECREF(result);
    return truthy;
}

/* Keeps the PermissionError just raised, so that a runner can tell the engine's denials
 * from the snippet's own exceptions (sbx_audit_is_denial). */
void sbx_pa_remember_denial(void)
{
    PyObject *exc = PyErr_GetRaisedException();

    Py_XSETREF(sbx_pa_engine.last_denial, Py_XNewRef(exc));
    PyErr_SetRaisedException(exc);
}

/* Gives the host a say, then raises. Returns 0 when allowed after all, -1 with the
 * PermissionError (or the callback's exception) set. */
static int deny(struct entry *e, const char *event, PyObject *args, struct verdict *v)
{
    PyObject *msg = NULL, *calls = NULL;
    int rc = -1, said = 0;

    if (sbx_pa_import_allowed(e->config, v)) {
        v->cls = "import-allowed";
        v->denied = false;
        sbx_pa_note(event, args, v);
        return 0;
    }
    msg = denial_message(e, event, args, v);
    sbx_pa_in_engine++;
    calls = msg ? sbx_pa_active_calls_list() : NULL;
    sbx_pa_in_engine--;
    if (!msg || !calls)
        goto out;
    for (Py_ssize_t i = 0; sbx_pa_engine.ep_audit_hooks &&
                           i < PyList_GET_SIZE(sbx_pa_engine.ep_audit_hooks) && said == 0;
         i++)
        said = ask(PyList_GET_ITEM(sbx_pa_engine.ep_audit_hooks, i), event, args, msg,
                   e->config->data, calls);
    if (said == 0 && e->config->before_deny)
        said = ask(e->config->before_deny, event, args, msg, e->config->data, calls);
    if (said < 0) {
        v->denied = true;
        sbx_pa_note(event, args, v);
        goto out;
    }
    if (said > 0) {
        SAY(v, "the host's before_deny allowed %s", event);
        v->cls = "host-allowed";
        v->denied = false;
        sbx_pa_note(event, args, v);
        rc = 0;
        goto out;
    }
    v->denied = true;
    sbx_pa_note(event, args, v);
    PyErr_SetObject(PyExc_PermissionError, msg);
    sbx_pa_remember_denial();
out:
    Py_XDECREF(calls);
    Py_XDECREF(msg);
    return rc;
}

/* ------------------------------------------------------------------------------------- */
/* The hook                                                                               */


int sbx_pa_audit_hook(const char *event, PyObject *args, void *user_data)
{
    struct entry *e;
    struct verdict v;
    bool tampered, inherited, allowed;
    int rc;

    (void)user_data;
    verdict_init(&v);
    if (sbx_pa_engine.n_live == 0 ||
        sbx_pa_in_engine) /* no policy anywhere: the common fast path */
        return 0;
    if (PyInterpreterState_Get() != PyInterpreterState_Main()) {
        /* Code in a subinterpreter has no audit context: while any policy is active,
         * nothing it does is allowed. */
        PyErr_Format(PyExc_PermissionError,
                     "Audit: %s blocked: events from a subinterpreter are denied while a "
                     "policy is active", event);
        return -1; /* not remembered: the object belongs to the other interpreter */
    }
    if (sbx_pa_is_finalizing()) {
        /* No Python code may run now (the module dict may be gone): decide from the C
         * tables under the innermost entry still recorded, and deny without callbacks. */
        e = sbx_pa_engine.n_records ? sbx_pa_engine.records[sbx_pa_engine.n_records - 1].entry
                                    : NULL;
        if (!e || sbx_pa_decide(e->config, event, args, &v))
            return 0;
        PyErr_Format(PyExc_PermissionError, "Audit: %s blocked during interpreter shutdown",
                     event);
        return -1;
    }
    e = sbx_pa_active_entry_from(&tampered, &inherited);
    if (tampered) {
        v = (struct verdict){.cls = "tampered", .denied = true};
        SAY(&v,
                 "the engine's context variable was changed from outside: everything is denied");
        if (sbx_pa_engine.tracing)
            sbx_pa_divergence_note(&v, true,
                                   "it has no tamper check: a context variable set to None "
                                   "from outside leaves it without a config",
                                   false, v.reason);
        sbx_pa_note(event, args, &v);
        PyErr_Format(PyExc_PermissionError,
                     "Audit: %s blocked: the audit context was tampered with (its context "
                     "variable was changed from outside the engine)", event);
        sbx_pa_remember_denial();
        return -1;
    }
    if (!e)
        return 0;
    allowed = sbx_pa_decide(e->config, event, args, &v);
    if (sbx_pa_engine.tracing)
        sbx_pa_hardened_compare(e->config, event, args, inherited, allowed, &v);
    if (allowed) {
        sbx_pa_note(event, args, &v);
        Py_DECREF(e);
        return 0;
    }
    rc = deny(e, event, args, &v);
    Py_DECREF(e);
    return rc;
}
