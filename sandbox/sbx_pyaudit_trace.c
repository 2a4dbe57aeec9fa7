/* sbx_pyaudit_trace.c: the teaching trace and the counters (fa-learn's extension, in both
 * rule sets): each decision is counted, and recorded with a bounded summary of its arguments
 * made without running Python code; a sandbox run's sink gets each record as it is made
 * (sbx_fastaudit.h). */
#include "sandbox/sbx_pyaudit_int.h"

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

void sbx_pa_trace_free_records(void)
{
    for (size_t i = 0; i < sbx_pa_engine.n_trace; i++) {
        PyMem_RawFree(sbx_pa_engine.trace[i].event);
        PyMem_RawFree(sbx_pa_engine.trace[i].args);
        PyMem_RawFree(sbx_pa_engine.trace[i].reason);
        PyMem_RawFree(sbx_pa_engine.trace[i].note);
    }
    sbx_pa_engine.n_trace = 0;
}

/* Counts the decision and, when tracing and below the limit, records it. Allocation failure
 * only loses the record. */
void sbx_pa_note(const char *event, PyObject *args, const struct verdict *v)
{
    char summary[REPR_MAX + 16];
    struct record_store *r;

    sbx_pa_engine.counters->events++;
    if (v->note[0])
        sbx_pa_engine.counters->divergences++;
    if (v->denied)
        sbx_pa_engine.counters->denied++;
    else
        sbx_pa_engine.counters->allowed++;
    if (!sbx_pa_engine.tracing || sbx_pa_engine.n_trace >= sbx_pa_engine.trace_limit)
        return;
    if (!sbx_pa_engine.trace) {
        sbx_pa_engine.trace =
            PyMem_RawCalloc(sbx_pa_engine.trace_limit, sizeof *sbx_pa_engine.trace);
        if (!sbx_pa_engine.trace)
            return;
    }
    summarize(args, summary, REPR_MAX, 0);
    r = &sbx_pa_engine.trace[sbx_pa_engine.n_trace];
    r->event = sbx_pa_dup_str(event);
    r->args = sbx_pa_dup_str(summary);
    r->reason = sbx_pa_dup_str(v->reason);
    r->note = v->note[0] ? sbx_pa_dup_str(v->note) : NULL;
    if (!r->event || !r->args || !r->reason || (v->note[0] && !r->note)) {
        PyMem_RawFree(r->event);
        PyMem_RawFree(r->args);
        PyMem_RawFree(r->reason);
        PyMem_RawFree(r->note);
        return;
    }
    r->pub = (struct sbx_audit_record){r->event, r->args, v->cls, v->denied, r->reason, r->note};
    sbx_pa_engine.n_trace++;
    if (sbx_pa_engine.on_record)
        sbx_pa_engine.on_record(&r->pub, sbx_pa_engine.on_record_data);
}

void sbx_audit_set_sink(struct sbx_audit_counters *counters, sbx_audit_record_fn *on_record,
                        void *data)
{
    sbx_pa_engine.counters = counters ? counters : &sbx_pa_engine.own_counters;
    memset(sbx_pa_engine.counters, 0, sizeof *sbx_pa_engine.counters);
    sbx_pa_engine.on_record = on_record;
    sbx_pa_engine.on_record_data = data;
}

bool sbx_audit_is_denial(PyObject *exc) { return exc && exc == sbx_pa_engine.last_denial; }

void sbx_audit_reset_counters(void)
{
    memset(sbx_pa_engine.counters, 0, sizeof *sbx_pa_engine.counters);
}

void sbx_audit_sandbox_options(bool no_disable, const char *strict_reads)
{
    sbx_pa_engine.no_disable = no_disable;
    PyMem_RawFree(sbx_pa_engine.strict_reads);
    sbx_pa_engine.strict_reads = strict_reads ? sbx_pa_dup_str(strict_reads) : NULL;
}

int sbx_audit_add_safe_native(const char *prefix)
{
    char *copy;

    if (sbx_pa_engine.n_safe_native >= MAX_PREFIXES)
        return -1;
    copy = sbx_pa_dup_str(prefix);
    if (!copy)
        return -1;
    sbx_pa_engine.safe_native[sbx_pa_engine.n_safe_native++] = copy;
    return 0;
}


size_t sbx_audit_trace_len(void) { return sbx_pa_engine.n_trace; }

const struct sbx_audit_record *sbx_audit_trace_get(size_t i)
{
    return i < sbx_pa_engine.n_trace ? &sbx_pa_engine.trace[i].pub : NULL;
}

