/* sbx_pyrun.c: the Python side of a sandbox run (see sbx_run.h): the isolated interpreter
 * made once in the supervisor, and the snippet run in a forked, jailed child. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sandbox/sbx_fastaudit.h"
#include "sandbox/sbx_labnative.h"
#include "sandbox/sbx_pyprefix.h"
#include "sandbox/sbx_run.h"

#include "common/fa_utf8.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

/* Imported once in the supervisor, so that every forked run finds them ready. */
static const char *const warm_modules[] = {
    "fastaudit", "labnative", "asyncio", "contextvars", "json", "pathlib", "shutil",
    "subprocess", "ctypes", "tempfile", "traceback", "io", "math", "functools", "threading",
    "encodings.idna", "socket", "random", "collections", "itertools", "re", "os",
};

/* Taken before any snippet runs: what the snippet later does to the fastaudit module or to
 * sys does not change what the runner calls. */
static struct {
    PyObject *mk_audit;
    PyObject *trace_start;
    PyObject *stdout_obj, *stderr_obj;
    PyObject *builtins;
} warm;

/* The path of a run taken once in the supervisor, outside any jail: the compiler's lazily
 * made state (AST types and the like), the engine's first context, monitoring's first
 * instrumentation, type and method caches and the interpreter's specialised bytecode are
 * then made before the fork, in memory every child shares, instead of in each child, where
 * each page they touch first costs a copy-on-write fault. */
static int warm_run(const char *root, const char *source)
{
    PyObject *code = Py_CompileString(source, "<warm-up>", Py_file_input);
    PyObject *perms = code ? PyObject_CallFunction(warm.mk_audit, "([s])", root) : NULL;
    PyObject *context = perms ? PyObject_CallNoArgs(perms) : NULL;
    PyObject *entered = context ? PyObject_CallMethod(context, "__enter__", NULL) : NULL;
    PyObject *globals = entered ? Py_BuildValue("{s:s, s:O}", "__name__", "__main__",
                                                "__builtins__", warm.builtins)
                                : NULL;
    PyObject *result = globals ? PyEval_EvalCode(code, globals, globals) : NULL;
    PyObject *exited = entered ? PyObject_CallMethod(context, "__exit__", "OOO", Py_None,
                                                     Py_None, Py_None)
                               : NULL;
    int rc = result && exited ? 0 : -1;

    Py_XDECREF(exited);
    Py_XDECREF(result);
    Py_XDECREF(globals);
    Py_XDECREF(entered);
    Py_XDECREF(context);
    Py_XDECREF(perms);
    Py_XDECREF(code);
    return rc;
}

int sbx_py_init(struct fa_diag *diag)
{
    PyConfig config;
    PyStatus status;
    PyObject *fastaudit = NULL, *sys = NULL;

    if (PyImport_AppendInittab("fastaudit", PyInit_fastaudit) != 0 ||
        PyImport_AppendInittab("labnative", PyInit_labnative) != 0)
        return fa_diag_set(diag, FA_ENOMEM, "cannot register the built-in modules");
    {
        /* UTF-8 for stdio and file names whatever the locale (isolated mode would otherwise
         * follow a C locale into ASCII, and print('hé') would fail). */
        PyPreConfig preconfig;
        PyPreConfig_InitIsolatedConfig(&preconfig);
        preconfig.utf8_mode = 1;
        status = Py_PreInitialize(&preconfig);
        if (PyStatus_Exception(status))
            return fa_diag_set(diag, FA_EIO, "cannot pre-initialise CPython: %s",
                               status.err_msg ? status.err_msg : "unknown error");
    }
    PyConfig_InitIsolatedConfig(&config);
    /* Unbuffered stdout and stderr: what a run printed is in the supervisor's pipes at once,
     * so a run killed at its time limit or crashing still shows its output. */
    config.buffered_stdio = 0;
    /* Installed, the stdlib is the copy beside the binary: CPython's compiled-in prefix (the
     * build's CPython) may be gone. */
    status = sbx_python_prefix_installed()
                 ? PyConfig_SetBytesString(&config, &config.home, sbx_python_prefix())
                 : PyStatus_Ok();
    if (!PyStatus_Exception(status))
        status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status))
        return fa_diag_set(diag, FA_EIO, "cannot start CPython: %s",
                           status.err_msg ? status.err_msg : "unknown error");
    for (size_t i = 0; i < sizeof warm_modules / sizeof warm_modules[0]; i++) {
        PyObject *m = PyImport_ImportModule(warm_modules[i]);
        if (!m) {
            PyErr_Print();
            return fa_diag_set(diag, FA_EIO, "cannot import %s", warm_modules[i]);
        }
        Py_DECREF(m);
    }
    fastaudit = PyImport_ImportModule("fastaudit");
    sys = PyImport_ImportModule("sys");
    if (fastaudit && sys) {
        /* The warm-up and every preset but "fastaudit" use the hardened rule set (issue 12):
         * mk_audit(..., hardened=True) unless a run's kwargs say otherwise. */
        PyObject *functools = PyImport_ImportModule("functools");
        PyObject *plain = PyObject_GetAttrString(fastaudit, "mk_audit");
        PyObject *partial = functools ? PyObject_GetAttrString(functools, "partial") : NULL;
        PyObject *kw = Py_BuildValue("{s:O}", "hardened", Py_True);
        PyObject *pargs = plain ? PyTuple_Pack(1, plain) : NULL;
        warm.mk_audit = partial && pargs && kw ? PyObject_Call(partial, pargs, kw) : NULL;
        Py_XDECREF(pargs);
        Py_XDECREF(kw);
        Py_XDECREF(partial);
        Py_XDECREF(plain);
        Py_XDECREF(functools);
        warm.trace_start = PyObject_GetAttrString(fastaudit, "trace_start");
        warm.stdout_obj = PyObject_GetAttrString(sys, "stdout");
        warm.stderr_obj = PyObject_GetAttrString(sys, "stderr");
    }
    warm.builtins = PyImport_ImportModule("builtins");
    Py_XDECREF(fastaudit);
    Py_XDECREF(sys);
    if (warm.mk_audit) {
        /* The first mk_audit reads entry points and claims the monitoring tool id: done once
         * here, so that runs (which may not read the stdlib's metadata) find it ready. */
        PyObject *first = PyObject_CallFunction(warm.mk_audit, "([s])", "/");
        if (!first)
            Py_CLEAR(warm.mk_audit);
        Py_XDECREF(first);
    }
    if (warm.mk_audit && warm_run("/", "import os\nx = sorted(str(i) for i in range(3))\n") != 0) {
        PyErr_Print();
        return fa_diag_set(diag, FA_EIO, "cannot take a warm-up run through the engine");
    }
    sbx_py_immortalize(); /* optional: a run costs more without it, nothing else changes */
    {
        /* Everything made so far moves to the collector's permanent generation: a forked
         * run never walks (and so never copies) the warm heap's pages. */
        PyObject *gc = PyImport_ImportModule("gc");
        PyObject *r = gc ? PyObject_CallMethod(gc, "freeze", NULL) : NULL;
        if (!r)
            PyErr_Clear();
        Py_XDECREF(r);
        Py_XDECREF(gc);
    }
    if (!warm.mk_audit || !warm.trace_start || !warm.stdout_obj || !warm.stderr_obj ||
        !warm.builtins) {
        PyErr_Print();
        return fa_diag_set(diag, FA_EIO, "cannot prepare the FastAudit engine");
    }
    return FA_OK;
}

/* Caps on the text of an exception, so that the report stays small whatever the snippet
 * named its functions or put in its messages. Each cut falls on a character boundary. */
#define MAX_MESSAGE 4000
#define MAX_NAME 200
#define MAX_LINE_TEXT 400

/* A JSON string of at most max bytes of text (UTF-8), cut on a character boundary. */
static json_t *bounded_string(const char *text, size_t max)
{
    return json_stringn(text, fa_utf8_cut(text, strlen(text), max));
}

/* Line number `line` (1-based) of the snippet's source, without its newline. */
static json_t *source_line(const char *code, size_t len, long line)
{
    const char *p = code, *end = code + len;

    for (long i = 1; i < line && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    if (p >= end)
        return json_string("");
    {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        return json_stringn(p, fa_utf8_cut(p, n, MAX_LINE_TEXT));
    }
}

/* The learner's own frames of a traceback: those of code compiled as "<snippet>". */
static json_t *learner_traceback(PyObject *exc, const char *code, size_t len)
{
    json_t *frames = json_array();
    PyObject *tb = PyException_GetTraceback(exc); /* new reference */
    PyObject *item = tb;

    while (item && item != Py_None && json_array_size(frames) < 50) {
        PyTracebackObject *t = (PyTracebackObject *)item;
        PyCodeObject *co = PyFrame_GetCode(t->tb_frame); /* new reference */
        const char *file = PyUnicode_AsUTF8(co->co_filename);
        const char *name = PyUnicode_AsUTF8(co->co_name);

        PyErr_Clear();
        if (file && strcmp(file, "<snippet>") == 0) {
            /* tb_lineno is computed on demand (the struct field may still say -1). */
            PyObject *lineno = PyObject_GetAttrString(item, "tb_lineno");
            long line = lineno ? PyLong_AsLong(lineno) : -1;
            Py_XDECREF(lineno);
            PyErr_Clear();
            json_array_append_new(frames,
                                  json_pack("{s:i, s:o, s:o}", "line", (int)line, "function",
                                            bounded_string(name ? name : "?", MAX_NAME),
                                            "text", source_line(code, len, line)));
        }
        Py_DECREF(co);
        item = (PyObject *)t->tb_next;
    }
    Py_XDECREF(tb);
    return frames;
}

#define MAX_CAUSES 3          /* links of a chain shown (issue 14) */
#define MAX_CAUSE_MESSAGE 1000 /* bytes of each linked exception's message */

/* An integer attribute of exc, or -1. */
static long long_attr(PyObject *exc, const char *name)
{
    PyObject *v = PyObject_GetAttrString(exc, name); /* new reference */
    long n = v && PyLong_Check(v) ? PyLong_AsLong(v) : -1;

    Py_XDECREF(v);
    PyErr_Clear();
    return n;
}

/* For a SyntaxError of the snippet: {"line", "offset", "end_offset", "text"}, so that the
 * page can point a caret at the error (offsets are 1-based characters, -1 when unknown).
 * NULL for any other exception or a file other than the snippet. */
static json_t *describe_syntax(PyObject *exc, const char *code, size_t len)
{
    PyObject *file = NULL;
    bool snippet;
    long line;

    if (!PyObject_TypeCheck(exc, (PyTypeObject *)PyExc_SyntaxError))
        return NULL;
    file = PyObject_GetAttrString(exc, "filename"); /* new reference */
    snippet = file && PyUnicode_Check(file) &&
              PyUnicode_CompareWithASCIIString(file, "<snippet>") == 0;
    Py_XDECREF(file);
    PyErr_Clear();
    line = long_attr(exc, "lineno");
    if (!snippet || line < 1)
        return NULL;
    return json_pack("{s:i, s:i, s:i, s:o}", "line", (int)line, "offset",
                     (int)long_attr(exc, "offset"), "end_offset",
                     (int)long_attr(exc, "end_offset"), "text", source_line(code, len, line));
}

/* {"type", "message", "kind", "line", "cause"?} of the exception exc was raised from
 * ("cause": raise ... from) or during the handling of ("context"), at most `depth` links, so
 * that the page shows the chain Python's own traceback would (issue 14). NULL when none. */
static json_t *describe_cause(PyObject *exc, int depth)
{
    PyObject *next = PyException_GetCause(exc); /* new reference */
    const char *kind = "cause";
    PyObject *text = NULL, *tb = NULL;
    const char *message;
    json_t *out = NULL, *further;
    long line = -1;

    if (!next && !((PyBaseExceptionObject *)exc)->suppress_context) {
        next = PyException_GetContext(exc); /* new reference */
        kind = "context";
    }
    if (!next || depth <= 0 || !PyExceptionInstance_Check(next))
        goto out;
    text = PyObject_Str(next); /* the policy is still on, as for the main message */
    message = text ? PyUnicode_AsUTF8(text) : NULL;
    if (!message)
        PyErr_Clear();
    tb = PyException_GetTraceback(next); /* new reference: its innermost line is the learner's */
    while (tb && tb != Py_None && ((PyTracebackObject *)tb)->tb_next)
        Py_SETREF(tb, Py_NewRef((PyObject *)((PyTracebackObject *)tb)->tb_next));
    if (tb && tb != Py_None)
        line = long_attr(tb, "tb_lineno");
    out = json_pack("{s:o, s:o, s:s, s:i}", "type",
                    bounded_string(Py_TYPE(next)->tp_name, MAX_NAME), "message",
                    bounded_string(message ? message : "<the exception cannot be shown>",
                                   MAX_CAUSE_MESSAGE),
                    "kind", kind, "line", (int)line);
    further = out ? describe_cause(next, depth - 1) : NULL;
    if (further)
        json_object_set_new(out, "cause", further);
out:
    Py_XDECREF(tb);
    Py_XDECREF(text);
    Py_XDECREF(next);
    return out;
}

/* {"type", "message", "traceback", "syntax"?, "cause"?} of the exception the snippet ended
 * with. The message comes from str(exc), which may run the snippet's code: it is called
 * while the policy is still on. Text that cannot be encoded (lone surrogates) is shown as
 * such. */
static json_t *describe_exception(PyObject *exc, const char *code, size_t len)
{
    PyObject *text = PyObject_Str(exc);
    const char *message = text ? PyUnicode_AsUTF8(text) : NULL;
    json_t *out, *syntax, *cause;

    if (!message)
        PyErr_Clear();
    out = json_pack("{s:o, s:o, s:o}", "type", bounded_string(Py_TYPE(exc)->tp_name, MAX_NAME),
                    "message",
                    bounded_string(message ? message : "<the exception cannot be shown>",
                                   MAX_MESSAGE),
                    "traceback", learner_traceback(exc, code, len));
    syntax = out ? describe_syntax(exc, code, len) : NULL;
    if (syntax)
        json_object_set_new(out, "syntax", syntax);
    cause = out ? describe_cause(exc, MAX_CAUSES) : NULL;
    if (cause)
        json_object_set_new(out, "cause", cause);
    Py_XDECREF(text);
    return out;
}

/* When the snippet ended with a refusal the engine did not make (EPERM, EACCES: seccomp,
 * Landlock, file permissions; ENOSPC, EDQUOT: the run's disk quota), the OS layer stopped
 * it: returns that errno, or 0. */
static int os_layer_errno(PyObject *exc)
{
    size_t n = sbx_audit_trace_len();
    const struct sbx_audit_record *last = n ? sbx_audit_trace_get(n - 1) : NULL;
    PyObject *err = NULL;
    long code;

    if (!exc || !PyObject_TypeCheck(exc, (PyTypeObject *)PyExc_OSError) ||
        (last && last->denied) || sbx_audit_is_denial(exc))
        return 0;
    err = PyObject_GetAttrString(exc, "errno");
    code = err && PyLong_Check(err) ? PyLong_AsLong(err) : 0;
    Py_XDECREF(err);
    PyErr_Clear();
    return code == EPERM || code == EACCES || code == ENOSPC || code == EDQUOT ? (int)code : 0;
}

static void flush(PyObject *stream)
{
    PyObject *r = PyObject_CallMethod(stream, "flush", NULL);

    if (!r)
        PyErr_Clear();
    Py_XDECREF(r);
}

static int on_json_chunk(const char *chunk, size_t len, void *data)
{
    return fa_buf_append(data, chunk, len) ? -1 : 0;
}

/* os.environ["HOME"] = the run's scratch folder: the only per-run variable of the fixed
 * environment the supervisor gives its runs (sbx_supervisor.c). */
static void set_home(const char *scratch)
{
    PyObject *os = PyImport_ImportModule("os");
    /* Not named environ: that is libc's global (unistd.h), and clang's -Wshadow says so. */
    PyObject *os_environ = os ? PyObject_GetAttrString(os, "environ") : NULL;
    PyObject *home = PyUnicode_DecodeFSDefault(scratch);

    if (!os_environ || !home || PyMapping_SetItemString(os_environ, "HOME", home) != 0)
        PyErr_Clear();
    Py_XDECREF(home);
    Py_XDECREF(os_environ);
    Py_XDECREF(os);
}

int sbx_py_prepare(const char *scratch)
{
    int rc = warm_run(scratch, "pass\n");

    PyErr_Clear();
    return rc;
}

int sbx_py_run(const char *code, size_t len, const char *scratch,
               const struct sbx_run_options *options, struct fa_buf *out)
{
    PyObject *source = NULL, *compiled = NULL, *perms = NULL, *context = NULL, *entered = NULL;
    PyObject *globals = NULL, *result = NULL, *exc = NULL, *args = NULL, *kwargs = NULL;
    json_t *report = NULL, *exception = json_null();
    int rc = FA_EIO;

    set_home(scratch); /* first: it clears any error it meets, so none may be pending */
    /* Compile first: a syntax error is the learner's, reported like any exception. */
    source = PyUnicode_DecodeUTF8(code, (Py_ssize_t)len, "replace");
    compiled = source ? Py_CompileStringObject(PyUnicode_AsUTF8(source),
                                               PyUnicode_FromString("<snippet>"),
                                               Py_file_input, NULL, -1)
                      : NULL;
    bool strict = strcmp(options->preset, "strict") == 0;
    bool monitoring = strict || (options->monitoring && strcmp(options->preset, "hook-only") != 0);

    sbx_audit_reset_counters();
    sbx_audit_sandbox_options(strict || !options->disable, strict ? sbx_python_prefix() : NULL);
    for (size_t i = 0; i < options->n_safe_native; i++)
        sbx_audit_add_safe_native(options->safe_native[i]);
    args = Py_BuildValue("([s])", scratch);
    /* Issue 12: the preset "fastaudit" runs FastAudit's own rules; every other preset runs
     * fa-learn's hardened rule set, as the sandbox did before. */
    kwargs = Py_BuildValue("{s:O, s:O}", "monitor_calls", monitoring ? Py_True : Py_False,
                           "hardened", strcmp(options->preset, "fastaudit") ? Py_True : Py_False);
    if (!args || !kwargs)
        goto out;
    /* The child's warm-up ran the hardened engine, which holds the monitoring tool id and
     * guards it; FastAudit's rules claim it their own way. */
    if (strcmp(options->preset, "fastaudit") == 0 && sbx_audit_release_monitoring() != 0)
        goto out;
    if (compiled) {
        PyObject *r = PyObject_Call(warm.trace_start, PyTuple_New(0),
                                    Py_BuildValue("{s:i}", "limit", SBX_RUN_MAX_TRACE));
        Py_XDECREF(r);
        perms = PyObject_Call(warm.mk_audit, args, kwargs);
        context = perms ? PyObject_CallNoArgs(perms) : NULL;
        entered = context ? PyObject_CallMethod(context, "__enter__", NULL) : NULL;
        if (!entered || sbx_audit_lock() != 0)
            goto out; /* the engine itself failed: a server error, not the learner's */
        globals = Py_BuildValue("{s:s, s:O}", "__name__", "__main__", "__builtins__",
                                warm.builtins);
        if (!globals)
            goto out;
        result = PyEval_EvalCode(compiled, globals, globals);
    }
    if (!result) {
        exc = PyErr_GetRaisedException();
        if (exc)
            exception = describe_exception(exc, code, len);
        PyErr_Clear();
        if (!exception) /* not even a bounded description could be made */
            exception = json_pack("{s:s, s:s, s:[]}", "type", "Exception", "message",
                                  "<the exception cannot be shown>", "traceback");
    }
    /* The policy stays on to the end: the child _exits after this, nothing is exited. */
    flush(warm.stdout_obj);
    flush(warm.stderr_obj);
    {
        /* Who refused what ended the run: the engine (its own PermissionError, however far
         * it travelled), the OS layer, or nobody. */
        int os_errno = os_layer_errno(exc);
        const char *denied_by = sbx_audit_is_denial(exc) ? "fastaudit"
                                : os_errno               ? "os-layer"
                                                         : NULL;
        report = json_pack("{s:o, s:s?, s:i}", "exception", exception, "denied_by", denied_by,
                           "os_errno", os_errno);
    }
    exception = NULL;
    if (report && json_dump_callback(report, on_json_chunk, out, JSON_COMPACT) == 0)
        rc = FA_OK;
out:
    if (rc && PyErr_Occurred())
        PyErr_Print();
    json_decref(report);
    json_decref(exception);
    Py_XDECREF(exc);
    Py_XDECREF(result);
    Py_XDECREF(globals);
    Py_XDECREF(entered);
    Py_XDECREF(context);
    Py_XDECREF(perms);
    Py_XDECREF(kwargs);
    Py_XDECREF(args);
    Py_XDECREF(compiled);
    Py_XDECREF(source);
    return rc;
}
