/* sbx_labnative.c: `labnative`, a small C extension compiled into the sandbox interpreter that
 * plays a third-party native library (issue 4, "The demo native module"). Its write goes
 * through C stdio, so no audit event reports it: only FastAudit's sys.monitoring call monitor
 * sees the call, and only the jail confines the file. See sbx_labnative.h. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "sandbox/sbx_labnative.h"

/* A snippet may write at most this many bytes of UTF-8 with one write_text call; the jail's
 * RLIMIT_FSIZE still bounds the scratch folder as a whole. */
#define LABNATIVE_MAX_TEXT ((Py_ssize_t)1 << 20)
/* spin() cannot be interrupted (it never returns to the eval loop), so its count is bounded:
 * 10**9 rounds take a second or two here, well inside the sandbox's time limit. */
#define LABNATIVE_MAX_SPIN 1000000000LL

#define FNV1A_32_OFFSET UINT32_C(2166136261)
#define FNV1A_32_PRIME UINT32_C(16777619)

PyDoc_STRVAR(labnative_doc,
"Demo native module of the fa-learn sandbox.\n"
"\n"
"labnative plays a third-party C library: it is deliberately neither part of the\n"
"standard library nor declared safe to FastAudit. write_text() writes a file with C\n"
"stdio instead of Python's open(), so no audit event is raised and an audit hook alone\n"
"never sees the write; FastAudit's call monitor (sys.monitoring) reports the call as\n"
"'fastaudit.call' instead, and the sandbox's jail confines the file to the scratch folder\n"
"either way. checksum() is a harmless pure function, a candidate to declare safe,\n"
"spin() burns CPU in C, out of reach of Python's signal handling, and Hasher is a\n"
"native callable type to subclass.");

PyDoc_STRVAR(write_text_doc,
"write_text($module, path, text, /)\n"
"--\n"
"\n"
"Write text (a str, encoded as UTF-8, at most 1 MiB) to the file at path (str, bytes\n"
"or os.PathLike), replacing it, with C stdio: no audit event is raised.\n"
"Return the number of bytes written. Raise OSError (with errno and filename) when the\n"
"file cannot be written, ValueError when the text is too long.");

static PyObject *labnative_write_text(PyObject *module, PyObject *args)
{
    PyObject *path = NULL;       /* borrowed from args */
    PyObject *text = NULL;       /* borrowed from args */
    PyObject *path_bytes = NULL; /* new reference from PyUnicode_FSConverter */
    PyObject *result = NULL;
    const char *utf8 = NULL; /* owned by text, which args keeps alive during the call */
    Py_ssize_t len = 0;
    int saved_errno = 0;

    (void)module;
    if (!PyArg_ParseTuple(args, "OU:write_text", &path, &text))
        goto out;
    /* A code point takes at least one UTF-8 byte: refuse a huge str before encoding it. */
    if (PyUnicode_GET_LENGTH(text) > LABNATIVE_MAX_TEXT)
        goto too_long;
    if (!PyUnicode_FSConverter(path, &path_bytes))
        goto out;
    utf8 = PyUnicode_AsUTF8AndSize(text, &len);
    if (!utf8)
        goto out;
    if (len > LABNATIVE_MAX_TEXT)
        goto too_long;

    /* Plain C stdio on purpose: this is the write no audit hook sees. */
    Py_BEGIN_ALLOW_THREADS
    FILE *f = fopen(PyBytes_AS_STRING(path_bytes), "wb");
    if (!f) {
        saved_errno = errno;
    } else {
        errno = 0;
        if (fwrite(utf8, 1, (size_t)len, f) != (size_t)len)
            saved_errno = errno ? errno : EIO;
        if (fclose(f) != 0 && !saved_errno)
            saved_errno = errno;
    }
    Py_END_ALLOW_THREADS
    if (saved_errno) {
        errno = saved_errno;
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
        goto out;
    }
    result = PyLong_FromSsize_t(len);
    goto out;

too_long:
    PyErr_Format(PyExc_ValueError, "write_text() text is longer than %zd bytes",
                 LABNATIVE_MAX_TEXT);
out:
    Py_XDECREF(path_bytes);
    return result;
}

PyDoc_STRVAR(checksum_doc,
"checksum($module, data, /)\n"
"--\n"
"\n"
"Return the 32-bit FNV-1a hash of data, a bytes-like object (its raw bytes) or a str\n"
"(its UTF-8 encoding), as an int. Pure: no I/O, no state.");

static PyObject *labnative_checksum(PyObject *module, PyObject *data)
{
    Py_buffer view = {0};
    const unsigned char *bytes = NULL; /* borrowed from data or from view */
    Py_ssize_t len = 0;
    uint32_t hash = FNV1A_32_OFFSET;
    PyObject *result = NULL;

    (void)module;
    if (PyUnicode_Check(data)) {
        const char *utf8 = PyUnicode_AsUTF8AndSize(data, &len);
        if (!utf8)
            goto out;
        bytes = (const unsigned char *)utf8;
    } else if (PyObject_CheckBuffer(data)) {
        if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
            goto out;
        bytes = view.buf;
        len = view.len;
    } else {
        PyErr_Format(PyExc_TypeError,
                     "checksum() argument must be str or a bytes-like object, not '%.200s'",
                     Py_TYPE(data)->tp_name);
        goto out;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        hash ^= bytes[i];
        hash *= FNV1A_32_PRIME;
    }
    result = PyLong_FromUnsignedLong((unsigned long)hash);
out:
    PyBuffer_Release(&view); /* a no-op when no buffer was taken (view.obj is NULL) */
    return result;
}

PyDoc_STRVAR(spin_doc,
"spin($module, n, /)\n"
"--\n"
"\n"
"Count to n (an int, 0 <= n <= 10**9) in a C loop the compiler cannot remove, and\n"
"return the final count. The loop holds the GIL and checks no signals: only the\n"
"sandbox's time and CPU limits stop it early.");

static PyObject *labnative_spin(PyObject *module, PyObject *arg)
{
    int overflow = 0;
    long long n;
    /* volatile keeps every increment: the loop is the point, not its result. */
    volatile unsigned long long counter = 0;

    (void)module;
    n = PyLong_AsLongLongAndOverflow(arg, &overflow);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (overflow || n < 0 || n > LABNATIVE_MAX_SPIN) {
        PyErr_Format(PyExc_ValueError, "spin() count must be between 0 and %lld",
                     LABNATIVE_MAX_SPIN);
        return NULL;
    }
    for (long long i = 0; i < n; i++)
        counter = counter + 1;
    return PyLong_FromUnsignedLongLong(counter);
}

PyDoc_STRVAR(hasher_doc,
"Hasher()\n"
"--\n"
"\n"
"A callable object: Hasher()(data) is checksum(data). A native type that Python\n"
"classes may subclass, for the call monitor's lessons on classes and __module__ (a\n"
"subclass's instances still run this type's C __call__).");

static PyObject *hasher_call(PyObject *self, PyObject *args, PyObject *kwargs)
{
    PyObject *data;

    (void)self;
    if (kwargs && PyDict_GET_SIZE(kwargs)) {
        PyErr_SetString(PyExc_TypeError, "a Hasher takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "Hasher", 1, 1, &data))
        return NULL;
    return labnative_checksum(NULL, data);
}

/* A heap type's instances hold a reference to their type (a subclass's too: its dealloc
 * leaves that to the base's). */
static void hasher_dealloc(PyObject *self)
{
    PyTypeObject *type = Py_TYPE(self);

    type->tp_free(self);
    Py_DECREF(type);
}

static PyType_Slot hasher_slots[] = {
    {Py_tp_call, (void *)(uintptr_t)hasher_call},
    {Py_tp_dealloc, (void *)(uintptr_t)hasher_dealloc},
    {Py_tp_new, (void *)(uintptr_t)PyType_GenericNew},
    {Py_tp_doc, (void *)(uintptr_t)hasher_doc},
    {0, NULL},
};

static PyType_Spec hasher_spec = {
    .name = "labnative.Hasher",
    .basicsize = sizeof(PyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = hasher_slots,
};

/* The type is made per module object (a heap type), so each interpreter has its own. */
static int labnative_exec(PyObject *module)
{
    PyObject *hasher = PyType_FromModuleAndSpec(module, &hasher_spec, NULL);
    int rc;

    if (!hasher)
        return -1;
    rc = PyModule_AddObjectRef(module, "Hasher", hasher);
    Py_DECREF(hasher);
    return rc;
}

static PyMethodDef labnative_methods[] = {
    {"write_text", labnative_write_text, METH_VARARGS, write_text_doc},
    {"checksum", labnative_checksum, METH_O, checksum_doc},
    {"spin", labnative_spin, METH_O, spin_doc},
    {NULL, NULL, 0, NULL},
};

/* No module state and no global Python objects, so every interpreter may import it, with or
 * without its own GIL. */
static PyModuleDef_Slot labnative_slots[] = {
    /* Through an integer: ISO C has no conversion from function to object pointer. */
    {Py_mod_exec, (void *)(uintptr_t)labnative_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#ifdef Py_mod_gil
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef labnative_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "labnative",
    .m_doc = labnative_doc,
    .m_size = 0,
    .m_methods = labnative_methods,
    .m_slots = labnative_slots,
};

PyMODINIT_FUNC PyInit_labnative(void) { return PyModuleDef_Init(&labnative_module); }
