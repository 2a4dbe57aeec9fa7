/* sbx_pyaudit_internals.c: the start-up self-test of the CPython internals the FastAudit
 * engine reads through sbx_pyaudit_int.h's accessors (private fields of code objects, thread
 * states, builtin functions and method descriptors; _PyType_Lookup), and the two accessors
 * that need CPython's internal headers: the interpreter's Python audit hooks and the
 * runtime's C ones. The build refuses other CPython versions than those the accessors were
 * written for; this checks, on the running interpreter, that each accessor gives what the
 * public API gives, so a mismatch is an ImportError at `import fastaudit`, never a wrong
 * decision later. */

/* The interpreter's state is opaque outside CPython's core: only this file sees its layout,
 * and compiles CPython's internal headers without this project's warnings. */
#define Py_BUILD_CORE 1
#include "sandbox/sbx_pyaudit_int.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wshadow"
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"
#pragma GCC diagnostic pop

bool sbx_pa_interp_has_python_hooks(void)
{
    PyObject *hooks = PyInterpreterState_Get()->audit_hooks;
    return hooks && PyList_GET_SIZE(hooks) > 0;
}

bool sbx_pa_c_hook_added(Py_AuditHookFunction fn, void *data)
{
    for (const _Py_AuditHookEntry *e = _PyRuntime.audit_hooks.head; e; e = e->next)
        if (e->hookCFunction == fn && e->userData == data)
            return true;
    return false;
}

/* Sets ImportError naming what disagreed; returns -1. */
static int mismatch(const char *what)
{
    PyErr_Format(PyExc_ImportError,
                 "fastaudit: this CPython (%s) does not match the internals the engine was "
                 "built for: %s",
                 Py_GetVersion(), what);
    return -1;
}

/* A code object's co_consts and co_qualname, read directly and through getattr. */
static int check_code(void)
{
    PyObject *ns = PyDict_New(), *r = NULL, *fn, *code = NULL, *consts = NULL, *qual = NULL;
    int rc = -1;

    if (!ns)
        return -1;
    r = PyRun_String("def probe():\n    return 'fastaudit'\n", Py_file_input, ns, ns);
    fn = r ? PyDict_GetItemString(ns, "probe") : NULL; /* borrowed */
    code = fn ? PyObject_GetAttrString(fn, "__code__") : NULL;
    consts = code ? PyObject_GetAttrString(code, "co_consts") : NULL;
    qual = consts ? PyObject_GetAttrString(code, "co_qualname") : NULL;
    if (!qual)
        goto out;
    if (!PyCode_Check(code) || sbx_pa_code_consts((PyCodeObject *)code) != consts)
        rc = mismatch("PyCodeObject.co_consts");
    else if (sbx_pa_code_qualname((PyCodeObject *)code) != qual)
        rc = mismatch("PyCodeObject.co_qualname");
    else
        rc = 0;
out:
    Py_XDECREF(qual);
    Py_XDECREF(consts);
    Py_XDECREF(code);
    Py_XDECREF(r);
    Py_DECREF(ns);
    return rc;
}

/* The thread state's context is the Context entered last. */
static int check_context(void)
{
    PyObject *ctx = PyContext_New();
    int rc;

    if (!ctx || PyContext_Enter(ctx) < 0) {
        Py_XDECREF(ctx);
        return -1;
    }
    rc = sbx_pa_thread_context() == ctx ? 0 : mismatch("PyThreadState.context");
    if (PyContext_Exit(ctx) < 0)
        rc = -1;
    Py_DECREF(ctx);
    return rc;
}

/* A builtin function's C name, a method descriptor's type, and _PyType_Lookup. */
static int check_functions(void)
{
    PyObject *len = PyDict_GetItemString(PyEval_GetBuiltins(), "len"); /* borrowed */
    PyObject *name = PyUnicode_InternFromString("upper"), *dict = NULL, *upper;
    int rc = -1;

    dict = name ? PyType_GetDict(&PyUnicode_Type) : NULL;
    upper = dict ? PyDict_GetItemWithError(dict, name) : NULL; /* borrowed */
    if (!len || !upper) {
        if (!PyErr_Occurred())
            rc = mismatch("builtins.len or str.upper is missing");
    } else if (!PyCFunction_Check(len) || strcmp(sbx_pa_cfunction_name(len), "len") != 0) {
        rc = mismatch("PyCFunctionObject.m_ml");
    } else if (!Py_IS_TYPE(upper, &PyMethodDescr_Type) ||
               sbx_pa_descr_owner(upper) != &PyUnicode_Type) {
        rc = mismatch("PyDescrObject.d_type");
    } else if (sbx_pa_type_lookup(&PyUnicode_Type, name) != upper) {
        rc = mismatch("_PyType_Lookup");
    } else {
        rc = 0;
    }
    Py_XDECREF(dict);
    Py_XDECREF(name);
    return rc;
}

/* The runtime's and the interpreter state's layouts: their sizes and the offset of sysdict as
 * the running interpreter describes them (3.13's debug offsets), sysdict read through it, and
 * audit_hooks either unset or a list (sys.addaudithook makes it one). */
static int check_interpreter(void)
{
    PyInterpreterState *interp = PyInterpreterState_Get();

#if PY_VERSION_HEX >= 0x030D0000
    if (_PyRuntime.debug_offsets.runtime_state.size != sizeof(_PyRuntimeState))
        return mismatch("_PyRuntimeState's layout");
    if (_PyRuntime.debug_offsets.interpreter_state.size != sizeof(PyInterpreterState) ||
        _PyRuntime.debug_offsets.interpreter_state.sysdict !=
            offsetof(PyInterpreterState, sysdict))
        return mismatch("PyInterpreterState's layout");
#endif
    if (!interp->sysdict || !PyDict_Check(interp->sysdict) ||
        PyDict_GetItemString(interp->sysdict, "modules") != PySys_GetObject("modules"))
        return mismatch("PyInterpreterState.sysdict");
    if (interp->audit_hooks && !PyList_CheckExact(interp->audit_hooks))
        return mismatch("PyInterpreterState.audit_hooks");
    return 0;
}

int sbx_pa_internals_self_test(void)
{
    if (check_code() < 0 || check_context() < 0 || check_functions() < 0 ||
        check_interpreter() < 0)
        return -1;
    return 0;
}
