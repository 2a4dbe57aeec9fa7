/* sbx_pyaudit_facall.c: FastAudit's sys.monitoring CALL callback (its unwrap, its notion of
 * Python code and of a callable's module, both weaknesses included) and the C functions
 * fastaudit.core is given (_install, _addhook, _callback, _chain, _realroot). */
#include "sandbox/sbx_pyaudit_int.h"

/* FastAudit's unwrap_call: partials to their func, and __wrapped__ found in the object's own
 * __dict__ (read with object.__getattribute__, so no __getattr__ runs). New reference. */
PyObject *sbx_pa_fa_unwrap(PyObject *fn)
{
    PyObject *target = Py_NewRef(fn);

    for (int depth = 0; depth < 64; depth++) {
        PyObject *inner = NULL, *d;
        if (sbx_pa_engine.partial_type &&
            PyObject_TypeCheck(target, (PyTypeObject *)sbx_pa_engine.partial_type)) {
            if (sbx_pa_optional_attr(target, "func", &inner) <= 0) {
                PyErr_Clear();
                break;
            }
        } else {
            d = PyObject_GenericGetAttr(target, sbx_pa_engine.str_dict);
            inner = d && PyMapping_Check(d) ? PyObject_GetItem(d, sbx_pa_engine.str_wrapped) : NULL;
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
bool sbx_pa_fa_is_python(PyObject *fn)
{
    PyObject *call = NULL, *code = NULL;
    bool python;

    if (PyFunction_Check(fn) || PyMethod_Check(fn))
        return true;
    if (PyType_Check(fn)) {
        /* a heap type that defines __module__ counts as Python (FastAudit's rule) */
        PyObject *d = PyType_GetDict((PyTypeObject *)fn);
        python = d && PyDict_GetItemWithError(d, sbx_pa_engine.str_module) != NULL;
        Py_XDECREF(d);
        PyErr_Clear();
        return python;
    }
    python = sbx_pa_optional_attr((PyObject *)Py_TYPE(fn), "__call__", &call) > 0 &&
             sbx_pa_optional_attr(call, "__code__", &code) > 0;
    Py_XDECREF(code);
    Py_XDECREF(call);
    PyErr_Clear();
    return python;
}

/* getattr(o, name, None) truthiness helper: a new reference to a true value, or NULL. */
PyObject *sbx_pa_fa_truthy_attr(PyObject *o, const char *name)
{
    PyObject *v = NULL;

    if (sbx_pa_optional_attr(o, name, &v) <= 0 || PyObject_IsTrue(v) != 1) {
        PyErr_Clear();
        Py_XDECREF(v);
        return NULL;
    }
    return v;
}

/* FastAudit's func_mod (on an unwrapped callable): __module__, else __objclass__'s, else
 * for a bound method the class in type(self)'s MRO whose __dict__ has the name, else
 * type(self)'s. New reference or NULL. */
PyObject *sbx_pa_fa_func_mod(PyObject *fn)
{
    PyObject *mod = sbx_pa_fa_truthy_attr(fn, "__module__"), *cls = NULL, *self = NULL,
             *name = NULL;

    if (!mod && sbx_pa_optional_attr(fn, "__objclass__", &cls) > 0 && cls != Py_None)
        mod = sbx_pa_fa_truthy_attr(cls, "__module__");
    PyErr_Clear();
    if (!mod && sbx_pa_optional_attr(fn, "__self__", &self) > 0 && self != Py_None) {
        PyObject *mro = Py_TYPE(self)->tp_mro;
        name = sbx_pa_fa_truthy_attr(fn, "__name__");
        for (Py_ssize_t i = 0; name && mro && i < PyTuple_GET_SIZE(mro) && !mod; i++) {
            PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
            PyObject *d = PyType_GetDict(t);
            if (d && PySequence_Contains(d, name) == 1) {
                sbx_pa_optional_attr((PyObject *)t, "__module__", &mod);
                Py_XDECREF(d);
                break;
            }
            Py_XDECREF(d);
        }
        if (mod && PyObject_IsTrue(mod) != 1)
            Py_CLEAR(mod);
        if (!mod)
            sbx_pa_optional_attr((PyObject *)Py_TYPE(self), "__module__", &mod);
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


/* disable_site for FastAudit's callback: its CALL events are on only while one of its
 * contexts is entered, so every DISABLE it answers is counted. */
static PyObject *fa_disable_site(void)
{
    if (sbx_pa_engine.no_disable)
        Py_RETURN_NONE;
    sbx_pa_engine.counters->sites_disabled++;
    return Py_NewRef(sbx_pa_engine.disable);
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

    if (nargs < 3 || sbx_pa_is_finalizing())
        Py_RETURN_NONE;
    fn = args[2];
    sbx_pa_engine.counters->monitor_callbacks++;
    if (PyCode_Check(args[0]) && sbx_pa_is_engine_code((PyCodeObject *)args[0]))
        return fa_disable_site();
    target = sbx_pa_fa_unwrap(fn);
    /* fa-learn's own extension functions (trace, counters) are not FastAudit's to judge */
    ours = sbx_pa_is_our_native(target);
    if (ours || sbx_pa_fa_is_python(target)) {
        if (!ours)
            sbx_pa_note_unreported(st, fn, NULL);
        Py_DECREF(target);
        return fa_disable_site();
    }
    mod = sbx_pa_fa_func_mod(target);
    if (mod && PyUnicode_Check(mod) &&
        (sbx_pa_is_stdlib_module(mod) || fa_prefix_match(mod, st->safe_native) ||
         sbx_pa_prefix_matches_obj(mod))) {
        sbx_pa_note_unreported(st, fn, mod);
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
    caller = frame ? sbx_pa_fa_frame_name(frame) : PyUnicode_FromString("None.<module>");
    if (sbx_pa_optional_attr(target, "__qualname__", &nm) == 0)
        sbx_pa_optional_attr(target, "__name__", &nm);
    PyErr_Clear();
    if (!mod || PyObject_IsTrue(mod) != 1 || !nm || PyObject_IsTrue(nm) != 1) {
        PyErr_Clear();
        result = Py_NewRef(Py_None); /* FastAudit cannot name it: not reported */
        goto out;
    }
    callee = PyUnicode_FromFormat("%S.%S", mod, nm);
    if (!caller || !callee)
        goto out;
    sbx_pa_engine.counters->native_calls++;
    data = PyObject_GetAttrString(cfg, "data");
    on_call = PyObject_GetAttrString(cfg, "on_call");
    if (!data || !on_call)
        goto out;
    if (PyTuple_GET_SIZE(st->monitor_hooks) || on_call != Py_None) {
        PyObject *hooks = st->monitor_hooks;
        calls = PyObject_CallNoArgs(sbx_pa_engine.active_calls);
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
            if (r == sbx_pa_engine.disable || r == Py_False) {
                struct verdict v = {.cls = "native-allowed"};
                PyObject *pair = PyTuple_Pack(2, caller, callee);
                SAY(&v, "a monitor hook or on_call let the call through");
                if (pair)
                    sbx_pa_note("fastaudit.call", pair, &v);
                Py_XDECREF(pair);
                PyErr_Clear();
                result = r == Py_False ? Py_NewRef(Py_None) : fa_disable_site();
                Py_DECREF(r);
                goto out;
            }
            Py_DECREF(r);
        }
    }
    chain = sbx_pa_fa_call_chain(callee);
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

/* The state's audit hook, called by CPython as hook(event, args). */
static PyObject *fa_hook_call(PyObject *state, PyObject *const *args, Py_ssize_t nargs)
{
    const char *event;

    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "hook(event, args) takes a str and a tuple");
        return NULL;
    }
    event = PyUnicode_AsUTF8(args[0]);
    if (!event || sbx_pa_fa_hook(event, args[1], state) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef fa_hook_def = {"hook", (PyCFunction)(void (*)(void))fa_hook_call,
                                  METH_FASTCALL, "FastAudit's audit hook."};

/* True for a state made by _install; else false with TypeError set. */
static bool is_fa_state(PyObject *obj)
{
    if (PyObject_TypeCheck(obj, &sbx_pa_fa_state_type))
        return true;
    PyErr_SetString(PyExc_TypeError, "a FastAudit state is needed");
    return false;
}

/* The state's hook added as a C hook (see _addhook). CPython runs Python hooks with tracing
 * off, so before_deny and the monitor hooks are neither traced nor monitored there: so here. */
static int fa_c_hook(const char *event, PyObject *args, void *state)
{
    PyThreadState *ts = PyThreadState_Get();
    int rc;

    PyThreadState_EnterTracing(ts);
    rc = sbx_pa_fa_hook(event, args, state);
    PyThreadState_LeaveTracing(ts);
    return rc;
}

/* sys.addaudithook, unless a program replaced it: a builtin of that name bound to the module
 * named sys (the main interpreter's own; no other can be made). */
static bool addaudithook_is_builtin(void)
{
    PyObject *fn = PySys_GetObject("addaudithook"), *self; /* borrowed */
    const char *name;

    if (!fn || !PyCFunction_Check(fn) || strcmp(sbx_pa_cfunction_name(fn), "addaudithook") != 0)
        return false;
    self = PyCFunction_GET_SELF(fn);
    name = self && PyModule_Check(self) ? PyModule_GetName(self) : NULL;
    if (!name)
        PyErr_Clear();
    return name && strcmp(name, "sys") == 0;
}

/* _addhook(state) -> bool: adds the state's hook as a C hook when nothing a program can
 * observe tells it from sys.addaudithook(hook), FastAudit's way, and says whether it did
 * (False: the caller calls sys.addaudithook). CPython calls a C hook without making an event
 * name string, an iterator and a call, the cost of a Python hook per event. The two are
 * indistinguishable when this is the main interpreter (C hooks run in every interpreter; the
 * state's hook returns at once outside the main one), no Python hook was added here yet
 * (Python hooks run after C hooks: a later one runs after this hook either way), and
 * sys.addaudithook is CPython's own. Earlier C hooks hear sys.addaudithook from
 * PySys_AddAuditHook as from sys.addaudithook; a refusal is handled as sys.addaudithook
 * handles it (an Exception leaves the hook out, silently; anything else propagates: CPython
 * already drops a RuntimeError in the same way). What can still tell them apart: a C hook
 * added later (C code only: an extension, ctypes, the hardened mode) runs after this hook,
 * where it would run before FastAudit's. */
PyObject *sbx_pa_fa_add_hook(PyObject *module, PyObject *state)
{
    (void)module;
    if (!is_fa_state(state))
        return NULL;
    if (PyInterpreterState_Get() != PyInterpreterState_Main() ||
        sbx_pa_interp_has_python_hooks() || !addaudithook_is_builtin())
        Py_RETURN_FALSE;
    if (PySys_AddAuditHook(fa_c_hook, state) < 0) {
        if (!PyErr_ExceptionMatches(PyExc_Exception))
            return NULL;
        PyErr_Clear();
    }
    Py_RETURN_TRUE;
}

/* _install(var, ask, monitor_hooks, safe_native) -> (state, hook). The caller adds the hook
 * when it creates its state, as FastAudit does: _addhook, else sys.addaudithook(hook). */
PyObject *sbx_pa_fa_install(PyObject *module, PyObject *args)
{
    struct fa_state *st;
    PyObject *var, *ask, *hooks, *safe, *hook;

    (void)module;
    if (!PyArg_ParseTuple(args, "OOO!O!:_install", &var, &ask, &PyTuple_Type, &hooks,
                          &PyTuple_Type, &safe))
        return NULL;
    if (sbx_pa_n_fa_states >= MAX_FA_STATES) {
        PyErr_SetString(PyExc_RuntimeError, "too many FastAudit states in one process");
        return NULL;
    }
    st = PyObject_New(struct fa_state, &sbx_pa_fa_state_type);
    if (!st)
        return NULL;
    st->var = Py_NewRef(var);
    st->ask = Py_NewRef(ask);
    st->monitor_hooks = Py_NewRef(hooks);
    st->safe_native = Py_NewRef(safe);
    hook = PyCFunction_New(&fa_hook_def, (PyObject *)st);
    if (!hook) {
        Py_DECREF(st);
        return NULL;
    }
    /* Kept for the life of the process, like the hook once added (hooks cannot be removed). */
    sbx_pa_fa_states[sbx_pa_n_fa_states++] = (struct fa_state *)Py_NewRef(st);
    return Py_BuildValue("(NN)", (PyObject *)st, hook);
}

PyObject *sbx_pa_fa_make_callback(PyObject *module, PyObject *state)
{
    (void)module;
    if (!is_fa_state(state))
        return NULL;
    return PyCFunction_New(&fa_callback_def, state);
}

PyObject *sbx_pa_fa_chain(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    return sbx_pa_fa_call_chain(nargs > 0 && args[0] != Py_None ? args[0] : NULL);
}

/* _realroot(root) -> str or None: realpath(3) of an existing str root without '~' (no
 * Python code runs, which keeps a sandbox child's pages shared); None means "ask
 * os.path.realpath". */
PyObject *sbx_pa_fa_realroot(PyObject *module, PyObject *root)
{
    PyObject *bytes;

    (void)module;
    bytes = sbx_pa_resolve_existing_root(root);
    if (!bytes) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    Py_SETREF(bytes, PyUnicode_DecodeFSDefaultAndSize(PyBytes_AS_STRING(bytes),
                                                      PyBytes_GET_SIZE(bytes)));
    return bytes;
}

/* The FastAudit config active here in any state (new reference), or NULL. */
PyObject *sbx_pa_fa_active_cfg(void)
{
    for (size_t i = 0; i < sbx_pa_n_fa_states; i++) {
        PyObject *cfg = NULL;
        if (PyContextVar_Get(sbx_pa_fa_states[i]->var, NULL, &cfg) < 0) {
            PyErr_Clear();
            continue;
        }
        if (cfg && cfg != Py_None)
            return cfg;
        Py_XDECREF(cfg);
    }
    return NULL;
}

