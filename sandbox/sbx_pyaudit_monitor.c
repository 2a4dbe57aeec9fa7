/* sbx_pyaudit_monitor.c: the hardened rule set's sys.monitoring CALL callback (calls into
 * native code that is neither stdlib nor declared safe become the audit event
 * fastaudit.call), the tool id it claims, and the guard that keeps guest code from switching
 * that tool off. */
#include "sandbox/sbx_pyaudit_int.h"

#include <stdarg.h>

/* ------------------------------------------------------------------------------------- */
/* sys.monitoring: the CALL callback                                                      */

/* What a callable really calls (new reference): methods to their function, partials to
 * their func, objects with __wrapped__ in their instance dict (read directly, so no
 * __getattr__ runs) to what they wrap. At most 8 steps. */
PyObject *sbx_pa_unwrap_callable(PyObject *c)
{
    PyObject *target = Py_NewRef(c);

    for (int depth = 0; depth < 8; depth++) {
        PyObject *inner = NULL;

        if (PyMethod_Check(target)) {
            inner = Py_NewRef(PyMethod_GET_FUNCTION(target));
        } else if (PyObject_TypeCheck(target, &PyStaticMethod_Type) ||
                   PyObject_TypeCheck(target, &PyClassMethod_Type)) {
            /* hardened: what a staticmethod or classmethod holds is what gets called */
            if (sbx_pa_optional_attr(target, "__func__", &inner) < 0)
                PyErr_Clear();
        } else if (sbx_pa_engine.partial_type &&
                   PyObject_TypeCheck(target, (PyTypeObject *)sbx_pa_engine.partial_type)) {
            if (sbx_pa_optional_attr(target, "func", &inner) < 0)
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
bool sbx_pa_is_python_callable(PyObject *c)
{
    if (PyFunction_Check(c))
        return true;
    if (PyType_Check(c))
        return ((PyTypeObject *)c)->tp_dealloc == sbx_pa_engine.python_class_dealloc;
    if (Py_TYPE(c)->tp_dealloc == sbx_pa_engine.python_class_dealloc) {
        PyObject *call = sbx_pa_type_lookup(Py_TYPE(c), sbx_pa_engine.str_call); /* borrowed */
        return call && PyFunction_Check(call);
    }
    return false;
}

/* The module a native callable belongs to (new reference to a str), or NULL. */
PyObject *sbx_pa_callable_module(PyObject *c)
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
            const char *meth = sbx_pa_cfunction_name(c);
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
    } else if (sbx_pa_optional_attr(c, "__objclass__", &owner) < 0) {
        PyErr_Clear();
    }
    if (!owner && !PyCFunction_Check(c) && !PyType_Check(c)) {
        /* An instance with a native __call__: the class that defines __call__, not type(c),
         * whose __module__ a Python subclass may set to anything ('json'). */
        PyObject *mro = Py_TYPE(c)->tp_mro;
        for (Py_ssize_t i = 0; mro && i < PyTuple_GET_SIZE(mro) && !owner; i++) {
            PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
            PyObject *d = PyType_GetDict(t);
            if (d && PyDict_GetItemWithError(d, sbx_pa_engine.str_call) &&
                t->tp_dealloc != sbx_pa_engine.python_class_dealloc)
                owner = Py_NewRef((PyObject *)t);
            Py_XDECREF(d);
        }
        PyErr_Clear();
        if (!owner)
            owner = Py_NewRef((PyObject *)Py_TYPE(c));
    }
    if (sbx_pa_optional_attr(owner ? owner : c, "__module__", &module) < 0)
        PyErr_Clear();
    Py_XDECREF(owner);
    if (module && PyUnicode_Check(module))
        return module;
    Py_XDECREF(module);
    return NULL;
}

bool sbx_pa_is_stdlib_module(PyObject *module)
{
    PyObject *top = NULL;
    Py_ssize_t dot = PyUnicode_FindChar(module, '.', 0, PyUnicode_GET_LENGTH(module), 1);
    int found;

    top = dot >= 0 ? PyUnicode_Substring(module, 0, dot) : Py_NewRef(module);
    found = top ? PySet_Contains(sbx_pa_engine.stdlib_names, top) : 0;
    Py_XDECREF(top);
    if (found < 0)
        PyErr_Clear();
    return found == 1;
}

/* "module.qualname" of a callable, best effort (new reference). */
PyObject *sbx_pa_callable_name(PyObject *c, PyObject *module)
{
    PyObject *qual = NULL, *name;

    if (sbx_pa_optional_attr(c, "__qualname__", &qual) <= 0 || !PyUnicode_Check(qual)) {
        PyErr_Clear();
        Py_XDECREF(qual);
        qual = PyUnicode_FromString(Py_TYPE(c)->tp_name);
    }
    name = qual ? PyUnicode_FromFormat("%S.%U", module ? module : sbx_pa_engine.str_unknown, qual)
                : NULL;
    Py_XDECREF(qual);
    return name;
}

/* Answers DISABLE; counted, like the callback itself, only while a policy is active. */
static PyObject *disable_site(void)
{
    if (sbx_pa_engine.no_disable)
        Py_RETURN_NONE; /* the site stays on: every call pays the callback */
    if (sbx_pa_engine.n_active)
        sbx_pa_engine.counters->sites_disabled++;
    return Py_NewRef(sbx_pa_engine.disable);
}

/* Calls one monitor hook; *answer gets its result unless it is None. -1 when it raised. */
static int ask_monitor(PyObject *hook, PyObject *caller, PyObject *callee, PyObject *callable,
                       PyObject *code, PyObject *offset, PyObject *data, PyObject *calls,
                       PyObject **answer)
{
    PyObject *result;

    sbx_pa_in_engine++;
    result = PyObject_CallFunction(hook, "OOOOOOO", caller, callee, callable, code, offset, data,
                                   calls);
    sbx_pa_in_engine--;
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
    char where[200], chain[4096], fa_said[320];
    const char *outer_note;
    PyFrameObject *frame;
    int said;

    (void)self;
    if (nargs < 3 || sbx_pa_is_finalizing())
        Py_RETURN_NONE;
    code = args[0];
    callable = args[2];
    if (sbx_pa_engine.n_active)
        sbx_pa_engine.counters->monitor_callbacks++;
    if (!PyCode_Check(code) || sbx_pa_is_engine_code((PyCodeObject *)code))
        return disable_site();
    target = sbx_pa_unwrap_callable(callable);
    if (sbx_pa_is_python_callable(target)) {
        Py_DECREF(target);
        return disable_site();
    }
    module = sbx_pa_callable_module(target);
    if (module && (sbx_pa_is_our_native(target) || sbx_pa_is_stdlib_module(module) ||
                   sbx_pa_prefix_matches_obj(module))) {
        Py_DECREF(module);
        Py_DECREF(target);
        return disable_site();
    }
    PyErr_Clear();
    e = sbx_pa_active_entry(&tampered);
    if (!e || !e->config->monitor_calls || sbx_pa_in_engine) {
        /* Outside an active monitoring context the site is checked again next time. */
        result = Py_NewRef(Py_None);
        goto out;
    }
    sbx_pa_engine.counters->native_calls++;
    frame = sbx_pa_first_outside_frame();
    if (!frame || !sbx_pa_frame_name(frame, where, sizeof where))
        snprintf(where, sizeof where, "?");
    caller = PyUnicode_FromString(where);
    callee = sbx_pa_callable_name(target, module);
    sbx_pa_in_engine++;
    calls = sbx_pa_active_calls_list();
    sbx_pa_in_engine--;
    if (!caller || !callee || !calls)
        goto out;
    /* Entry-point hooks first, then the config's on_call; the first answer that is not
     * None decides. */
    for (Py_ssize_t i = 0; sbx_pa_engine.ep_monitor_hooks &&
                           i < PyList_GET_SIZE(sbx_pa_engine.ep_monitor_hooks) && !answer;
         i++) {
        if (ask_monitor(PyList_GET_ITEM(sbx_pa_engine.ep_monitor_hooks, i), caller, callee,
                        callable, code, args[1], e->config->data, calls, &answer) < 0)
            goto out;
    }
    if (!answer && e->config->on_call &&
        ask_monitor(e->config->on_call, caller, callee, callable, code, args[1], e->config->data,
                    calls, &answer) < 0)
        goto out;
    if (answer == Py_False || answer == sbx_pa_engine.disable) {
        struct verdict v = {.cls = "native-allowed", .denied = false};
        PyObject *summary = PyTuple_Pack(2, caller, callee);
            {
            const char *text = PyUnicode_AsUTF8(callee);
            PyErr_Clear();
            SAY(&v, "the host's on_call let %s through%s", text ? text : "a native callable",
                answer == Py_False ? "" : " and disabled the site");
        }
        if (summary)
            sbx_pa_note("fastaudit.call", summary, &v);
        Py_XDECREF(summary);
        PyErr_Clear();
        result = answer == Py_False ? Py_NewRef(Py_None) : disable_site();
        goto out;
    }
    sbx_pa_call_chain(chain, sizeof chain);
    outer_note = sbx_pa_engine.call_note;
    if (sbx_pa_engine.tracing && !sbx_pa_fastaudit_would_report(callable, fa_said, sizeof fa_said))
        sbx_pa_engine.call_note = fa_said; /* for the note of the event's row */
    said = PySys_Audit("fastaudit.call", "OOs", caller, callee, chain);
    sbx_pa_engine.call_note = outer_note;
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

PyMethodDef sbx_pa_call_callback_def = {"_on_call", (PyCFunction)(void (*)(void))on_call_event,
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
        else if (id >= 0 && id < 6 && sbx_pa_engine.tool_registered[id]) {
            PyErr_Format(PyExc_PermissionError,
                         "sys.monitoring.%s(%ld, ...): tool id %ld belongs to fa-learn's "
                         "hardened engine", guarded_names[which], id, id);
            return NULL;
        }
    }
    return PyObject_Vectorcall(sbx_pa_engine.mon_originals[which], args, nargsf, kwnames);
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

    if (sbx_pa_engine.guard_installed || !mon)
        return 0;
    for (long i = 0; i < 5; i++) {
        PyObject *index = PyLong_FromLong(i), *wrapper;
        sbx_pa_engine.mon_originals[i] = PyObject_GetAttrString(mon, guarded_names[i]);
        wrapper =
            index && sbx_pa_engine.mon_originals[i] ? PyCFunction_New(&guard_defs[i], index) : NULL;
        Py_XDECREF(index);
        if (!wrapper || PyObject_SetAttrString(mon, guarded_names[i], wrapper) < 0) {
            Py_XDECREF(wrapper);
            return -1;
        }
        Py_DECREF(wrapper);
    }
    sbx_pa_engine.guard_installed = true;
    return 0;
}

/* Calls sys.monitoring.<name>(*args) (the original, under the guard); returns a new
 * reference or NULL. */
PyObject *sbx_pa_monitoring_call(const char *name, const char *format, ...)
{
    PyObject *sys_monitoring = PySys_GetObject("monitoring"); /* borrowed */
    PyObject *fn = NULL, *result;
    va_list ap;

    if (!sys_monitoring) {
        PyErr_SetString(PyExc_RuntimeError, "sys.monitoring is missing");
        return NULL;
    }
    for (size_t i = 0; sbx_pa_engine.guard_installed && i < 5; i++)
        if (strcmp(name, guarded_names[i]) == 0)
            fn = Py_NewRef(sbx_pa_engine.mon_originals[i]);
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
int sbx_pa_register_tool(int tool_id)
{
    PyObject *current, *r;
    long bit;

    if (sbx_pa_engine.tool_registered[tool_id])
        return 0;
    current = sbx_pa_monitoring_call("get_tool", "(i)", tool_id);
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
    r = sbx_pa_monitoring_call("use_tool_id", "(is)", tool_id, "fastaudit");
    if (!r)
        return -1;
    Py_DECREF(r);
    r = sbx_pa_monitoring_call("register_callback", "(ilO)", tool_id, bit,
                               sbx_pa_engine.call_callback);
    if (!r)
        return -1;
    Py_DECREF(r);
    sbx_pa_engine.tool_registered[tool_id] = true;
    return install_monitoring_guard();
}

int sbx_audit_release_monitoring(void)
{
    long bit = -1;

    for (int id = 0; id < 6; id++) {
        PyObject *r;
        if (!sbx_pa_engine.tool_registered[id])
            continue;
        if (sbx_pa_engine.monitor_on[id] > 0) {
            PyErr_Format(PyExc_RuntimeError, "sys.monitoring tool id %d is in use", id);
            return -1;
        }
        if (bit < 0 && (bit = call_event_bit()) < 0)
            return -1;
        r = sbx_pa_monitoring_call("register_callback", "(ilO)", id, bit, Py_None);
        Py_XSETREF(r, r ? sbx_pa_monitoring_call("free_tool_id", "(i)", id) : NULL);
        if (!r)
            return -1;
        Py_DECREF(r);
        sbx_pa_engine.tool_registered[id] = false;
    }
    if (sbx_pa_engine.guard_installed) {
        PyObject *mon = PySys_GetObject("monitoring"); /* borrowed */
        for (size_t i = 0; i < 5; i++) {
            if (!mon ||
                PyObject_SetAttrString(mon, guarded_names[i], sbx_pa_engine.mon_originals[i]) < 0)
                return -1;
        }
        for (size_t i = 0; i < 5; i++)
            Py_CLEAR(sbx_pa_engine.mon_originals[i]);
        sbx_pa_engine.guard_installed = false;
    }
    return 0;
}

/* Counts a monitoring entry in or out; CALL events are on while the count is positive. */
int sbx_pa_monitor_count(int tool_id, int delta)
{
    long before = sbx_pa_engine.monitor_on[tool_id];
    PyObject *r = NULL;

    sbx_pa_engine.monitor_on[tool_id] += delta;
    if (before == 0 && delta > 0)
        r = sbx_pa_monitoring_call("set_events", "(il)", tool_id, call_event_bit());
    else if (sbx_pa_engine.monitor_on[tool_id] == 0 && delta < 0)
        r = sbx_pa_monitoring_call("set_events", "(ii)", tool_id, 0);
    else
        return 0;
    if (!r) {
        sbx_pa_engine.monitor_on[tool_id] = before;
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

