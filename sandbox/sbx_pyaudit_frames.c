/* sbx_pyaudit_frames.c: small helpers of the FastAudit engine (sbx_pyaudit_int.h): copies,
 * optional attributes, the engine's own code objects (known by identity, never by filename,
 * so code a guest compiles as '<fastaudit>' is not the engine's), frame names and the call
 * chains that denial messages show. */
#include "sandbox/sbx_pyaudit_int.h"

/* ------------------------------------------------------------------------------------- */
/* Small helpers                                                                          */

bool sbx_pa_is_finalizing(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return Py_IsFinalizing();
#else
    return _Py_IsFinalizing();
#endif
}

char *sbx_pa_dup_str(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = PyMem_RawMalloc(len);

    if (copy)
        memcpy(copy, s, len);
    return copy;
}

/* getattr(obj, name) with AttributeError meaning "absent": 1 found, 0 absent, -1 error.
 * (PyObject_GetOptionalAttrString exists only from 3.13.) */
int sbx_pa_optional_attr(PyObject *obj, const char *name, PyObject **out)
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
bool sbx_pa_is_engine_code(PyCodeObject *code)
{
    for (size_t i = 0; i < sbx_pa_engine.n_engine_codes; i++)
        if ((PyObject *)code == sbx_pa_engine.engine_codes[i])
            return true;
    return false;
}

/* Remembers code and the code objects nested in its constants. */
void sbx_pa_collect_engine_codes(PyObject *code)
{
    PyObject *consts = PyCode_Check(code) ? sbx_pa_code_consts((PyCodeObject *)code) : NULL;

    if (!PyCode_Check(code) || sbx_pa_engine.n_engine_codes >= MAX_ENGINE_CODES)
        return;
    sbx_pa_engine.engine_codes[sbx_pa_engine.n_engine_codes++] = Py_NewRef(code);
    for (Py_ssize_t i = 0; consts && i < PyTuple_GET_SIZE(consts); i++)
        sbx_pa_collect_engine_codes(PyTuple_GET_ITEM(consts, i));
}

/* Appends "module.qualname" of frame to out; false (and no text) when unknown. */
bool sbx_pa_frame_name(PyFrameObject *frame, char *out, size_t cap)
{
    PyCodeObject *code = PyFrame_GetCode(frame); /* new reference */
    PyObject *globals = PyFrame_GetGlobals(frame); /* new reference */
    PyObject *module = globals ? PyDict_GetItemString(globals, "__name__") : NULL; /* borrowed */
    const char *mod = module && PyUnicode_Check(module) ? PyUnicode_AsUTF8(module) : NULL;
    const char *qual = PyUnicode_Check(sbx_pa_code_qualname(code))
                           ? PyUnicode_AsUTF8(sbx_pa_code_qualname(code))
                           : NULL;
    bool ok = !sbx_pa_is_engine_code(code);

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
void sbx_pa_call_chain(char *out, size_t cap)
{
    char names[CHAIN_FRAMES][160];
    size_t n = 0, len = 0;
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */

    Py_XINCREF(frame);
    while (frame && n < CHAIN_FRAMES) {
        PyFrameObject *back = PyFrame_GetBack(frame); /* new reference */

        if (sbx_pa_frame_name(frame, names[n], sizeof names[n]))
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
PyFrameObject *sbx_pa_first_outside_frame(void)
{
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */

    while (frame) {
        PyCodeObject *code = PyFrame_GetCode(frame); /* new reference */
        bool mine = sbx_pa_is_engine_code(code);

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

