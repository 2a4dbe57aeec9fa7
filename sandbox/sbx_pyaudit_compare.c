/* sbx_pyaudit_compare.c: each rule set evaluated on the other's events, for the trace's
 * notes (issue 12): what the hardened rules would decide under a FastAudit config, what
 * FastAudit's would decide under a hardened one, and whether either call monitor would report
 * a call the other judged. Pure functions of the event and the state: no callback, no event
 * judged meanwhile, no exception left behind. */
#include "sandbox/sbx_pyaudit_int.h"

/* Whether FastAudit's CALL callback would report a call of fn (as a pure function: no
 * event is judged meanwhile, exceptions are dropped, the pending one kept); when it would
 * not, why says why, for the note of a hardened row. */
bool sbx_pa_fastaudit_would_report(PyObject *fn, char *why, size_t cap)
{
    PyObject *pending = PyErr_GetRaisedException(), *target, *mod = NULL, *name = NULL;
    bool report = false;

    sbx_pa_in_engine++;
    target = sbx_pa_fa_unwrap(fn);
    if (sbx_pa_fa_is_python(target)) {
        snprintf(why, cap, "its call monitor counts this callable as Python code");
    } else if (!(mod = sbx_pa_fa_func_mod(target)) || !PyUnicode_Check(mod) ||
               !((name = sbx_pa_fa_truthy_attr(target, "__qualname__")) ||
          (name = sbx_pa_fa_truthy_attr(target, "__name__")))) {
        snprintf(why, cap, "its call monitor finds no module or name to report");
    } else if (sbx_pa_is_stdlib_module(mod) || sbx_pa_prefix_matches_obj(mod)) {
        const char *text = PyUnicode_AsUTF8(mod);
        snprintf(why, cap, "its call monitor takes the module from __module__, '%.100s', "
                           "which is trusted, and does not report the call",
                 text ? text : "?");
    } else {
        report = true;
    }
    sbx_pa_in_engine--;
    Py_XDECREF(name);
    Py_XDECREF(mod);
    Py_DECREF(target);
    PyErr_SetRaisedException(pending);
    return report;
}

/* Whether the hardened CALL callback would report a call of fn, as a pure function like
 * fastaudit_would_report; when it would, *callee gets its name (new reference) and why its
 * reason. */
static bool hardened_would_report(PyObject *fn, PyObject **callee, char *why, size_t cap)
{
    PyObject *pending = PyErr_GetRaisedException(), *target, *module = NULL;
    bool report = false;

    sbx_pa_in_engine++;
    target = sbx_pa_unwrap_callable(fn);
    if (!sbx_pa_is_python_callable(target)) {
        module = sbx_pa_callable_module(target);
        report = !(module && (sbx_pa_is_our_native(target) || sbx_pa_is_stdlib_module(module) ||
                              sbx_pa_prefix_matches_obj(module)));
    }
    if (report) {
        const char *text = module ? PyUnicode_AsUTF8(module) : NULL;
        *callee = sbx_pa_callable_name(target, module);
        snprintf(why, cap, "its call monitor reads the module from the C definition, "
                           "'%.100s', neither stdlib nor declared safe, and reports the call",
                 text ? text : "?");
        report = *callee != NULL;
    }
    sbx_pa_in_engine--;
    Py_XDECREF(module);
    Py_DECREF(target);
    PyErr_SetRaisedException(pending);
    return report;
}


/* The hardened rule set's answer for an event seen under a FastAudit config, without
 * callbacks or side effects: a config made on the stack from the same roots. */
bool sbx_pa_hardened_would_allow(PyObject *cfg, const char *event, PyObject *args,
                                 struct verdict *v)
{
    struct config view;
    PyObject *oks = PyTuple_Check(cfg) && PyTuple_GET_SIZE(cfg) >= 6 ? PyTuple_GET_ITEM(cfg, 0)
                                                                       : NULL;
    PyObject *encoded[MAX_ROOTS] = {NULL};
    bool ok;

    memset(&view, 0, sizeof view);
    for (Py_ssize_t i = 0; oks && PyTuple_Check(oks) && i < PyTuple_GET_SIZE(oks) &&
                           view.n_roots < MAX_ROOTS; i++) {
        PyObject *o = PyTuple_GET_ITEM(oks, i);
        if (PyUnicode_Check(o) && PyUnicode_CompareWithASCIIString(o, ".") == 0) {
            view.dot_root = true;
        } else if (PyUnicode_Check(o) && (encoded[view.n_roots] = PyUnicode_EncodeFSDefault(o))) {
            view.roots[view.n_roots] = PyBytes_AS_STRING(encoded[view.n_roots]);
            view.n_roots++;
        }
        PyErr_Clear();
    }
    ok = sbx_pa_decide(&view, event, args, v);
    if (!ok && sbx_pa_import_allowed(&view, v))
        ok = true;
    for (size_t i = 0; i < view.n_roots; i++)
        Py_XDECREF(encoded[i]);
    PyErr_Clear();
    return ok;
}

/* Fills v->note when the hardened rules disagree with FastAudit's pre-host answer. */
void sbx_pa_fa_compare(PyObject *cfg, const char *event, PyObject *args, bool fa_allowed,
                       struct verdict *v)
{
    struct verdict other;
    bool hardened;

    if (!sbx_pa_engine.tracing)
        return;
    verdict_init(&other);
    hardened = sbx_pa_hardened_would_allow(cfg, event, args, &other);
    sbx_pa_divergence_note(v, fa_allowed, v->reason, hardened, other.reason);
}

/* The note of a row where the rule sets disagree (left empty when they agree), the same
 * words whichever rule set ran: FastAudit's answer first, then the hardened engine's. */
void sbx_pa_divergence_note(struct verdict *v, bool fa_allowed, const char *fa_reason,
                            bool hardened_allowed, const char *hardened_reason)
{
    if (fa_allowed == hardened_allowed)
        return;
    snprintf(v->note, sizeof v->note, "FastAudit %s this (%s); the hardened engine %s it (%s)",
             fa_allowed ? "allows" : "denies", fa_reason, hardened_allowed ? "allows" : "denies",
             hardened_reason);
}

/* The roots of a hardened config as FastAudit's config holds them (str, '.' kept), made once
 * per config; a borrowed reference, or NULL. */
static PyObject *fa_view_oks(struct config *cfg)
{
    size_t n = cfg->n_roots + (cfg->dot_root ? 1 : 0);

    if (cfg->fa_oks)
        return cfg->fa_oks;
    cfg->fa_oks = PyTuple_New((Py_ssize_t)n);
    for (size_t i = 0; cfg->fa_oks && i < n; i++) {
        PyObject *root = i < cfg->n_roots ? PyUnicode_DecodeFSDefault(cfg->roots[i])
                                          : PyUnicode_FromString(".");
        if (!root) {
            Py_CLEAR(cfg->fa_oks);
            break;
        }
        PyTuple_SET_ITEM(cfg->fa_oks, (Py_ssize_t)i, root);
    }
    return cfg->fa_oks;
}

/* FastAudit's answer for an event the hardened rules judged under cfg, before any host
 * callback, as a pure function of the event and the state: no callback runs, no event is
 * judged meanwhile, any exception is dropped and the pending one kept. inherited: the entry
 * is the one an unset variable falls back to, where FastAudit sees no config. */
static bool fastaudit_would_allow(struct config *cfg, const char *event, PyObject *args,
                                  bool inherited, struct verdict *other)
{
    PyObject *pending = PyErr_GetRaisedException(), *oks, *imports;
    unsigned bad;
    bool ok = true;

    if (inherited) {
        SAY(other, "its context variable holds no config in this context");
    } else if (sbx_pa_engine.call_note && strcmp(event, "fastaudit.call") == 0) {
        /* the CALL callback's finding: FastAudit's monitor would not report this call */
        SAY(other, "%s", sbx_pa_engine.call_note);
    } else {
        sbx_pa_in_engine++;
        oks = fa_view_oks(cfg);
        if (!cfg->fa_imports)
            cfg->fa_imports =
                sbx_pa_strings_tuple(sbx_pa_engine.ep_imports, sbx_pa_engine.n_ep_imports, cfg);
        imports = cfg->fa_imports;
        ok =
            !oks || !imports || sbx_pa_fa_rules(oks, imports, event, args, other, &bad) == FA_ALLOW;
        if (!oks || !imports)
            SAY(other, "(its answer could not be worked out)");
        sbx_pa_in_engine--;
    }
    PyErr_SetRaisedException(pending);
    return ok;
}

/* Fills v->note when FastAudit's rules disagree with the hardened pre-host answer (allowed,
 * or an allowed import under way). */
void sbx_pa_hardened_compare(struct config *cfg, const char *event, PyObject *args,
                             bool inherited, bool allowed, struct verdict *v)
{
    struct verdict fa, import;
    const char *why = v->reason;
    bool fa_allowed;

    verdict_init(&fa);
    verdict_init(&import);
    if (!allowed && sbx_pa_import_allowed(cfg, &import)) {
        allowed = true;
        why = import.reason;
    }
    fa_allowed = fastaudit_would_allow(cfg, event, args, inherited, &fa);
    sbx_pa_divergence_note(v, fa_allowed, fa.reason, allowed, why);
}

/* A trace row for a call FastAudit's monitor lets through unreported, as Python code (mod
 * NULL) or as a call into the trusted module mod (its __module__), while a FastAudit config
 * is active here, when the hardened monitor would report it: FastAudit's weakness made
 * visible (trace only). */
void sbx_pa_note_unreported(struct fa_state *st, PyObject *fn, PyObject *mod)
{
    PyObject *cfg = NULL, *callee = NULL, *caller = NULL, *pair = NULL;
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */
    struct verdict v;
    char hardened_why[320], fa_why[320];
    const char *text;

    if (!sbx_pa_engine.tracing)
        return;
    verdict_init(&v);
    v.cls = "unreported";
    if (PyContextVar_Get(st->var, NULL, &cfg) < 0 || !cfg || cfg == Py_None ||
        !hardened_would_report(fn, &callee, hardened_why, sizeof hardened_why))
        goto out;
    caller = frame ? sbx_pa_fa_frame_name(frame) : PyUnicode_FromString("None.<module>");
    pair = caller ? PyTuple_Pack(2, caller, callee) : NULL;
    if (!pair)
        goto out;
    text = mod ? PyUnicode_AsUTF8(mod) : NULL;
    if (mod)
        snprintf(fa_why, sizeof fa_why, "its call monitor takes the module from __module__, "
                 "'%.100s', which is trusted, and does not report the call", text ? text : "?");
    else
        snprintf(fa_why, sizeof fa_why, "its call monitor counts this callable as Python code");
    SAY(&v, "FastAudit's call monitor does not report this call");
    sbx_pa_divergence_note(&v, true, fa_why, false, hardened_why);
    sbx_pa_note("fastaudit.call", pair, &v);
out:
    PyErr_Clear();
    Py_XDECREF(pair);
    Py_XDECREF(caller);
    Py_XDECREF(callee);
    Py_XDECREF(cfg);
}

