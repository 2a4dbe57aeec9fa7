/* sbx_pyaudit_types.c: the hardened engine's objects: the active entry and the tamper check
 * (the engine's ContextVar holds only its own entries), the sandbox's lock, and the opaque
 * types behind mk_audit(..., hardened=True): the config (audit_perms), the entry and the
 * context manager. */
#include "sandbox/sbx_pyaudit_int.h"

PyObject *sbx_pa_fa_sandbox_cfg;

/* ------------------------------------------------------------------------------------- */
/* The active entry and the tamper check                                                  */

static PyObject *current_ctx(void)
{
    /* The identity of the running contextvars.Context: set by ContextVar.set, so it exists
     * whenever an entry was made in this context. */
    return sbx_pa_thread_context();
}

/* The record made when an entry was entered in ctx (the innermost), or NULL. */
static struct entry *recorded_entry(PyObject *ctx)
{
    for (size_t i = sbx_pa_engine.n_records; i-- > 0;)
        if (sbx_pa_engine.records[i].ctx == ctx)
            return sbx_pa_engine.records[i].entry;
    return NULL;
}


/* The innermost entry entered on this thread and not yet exited (borrowed), or NULL. */
static struct entry *thread_entry(void)
{
    unsigned long me = PyThread_get_thread_ident();

    for (size_t i = sbx_pa_engine.n_records; i-- > 0;)
        if (sbx_pa_engine.records[i].entry->thread == me)
            return sbx_pa_engine.records[i].entry;
    return NULL;
}

/* The active entry here (new reference), NULL when none; *inherited is set when it is not
 * the variable's value but the block's (or the sandbox's locked) entry an unset variable
 * falls back to, where FastAudit, whose variable would be unset too, sees no config.
 *
 * The engine only ever stores entries in its ContextVar, and leaves it unset outside them
 * (exit resets to the unset state). So *tampered is set when the variable holds anything
 * else (None included), or, in the context where an entry was made, another entry.
 * An unset variable while a `with` block is running on this thread means code runs in a
 * context made to escape it (contextvars.Context().run, a copy with the variable never set):
 * it is judged under that block's entry, when it runs in the task that entered the block.
 * Threads have no such fallback, and may not start. */
struct entry *sbx_pa_active_entry_from(bool *tampered, bool *inherited)
{
    PyObject *value = NULL;
    struct entry *recorded, *fallback;

    *tampered = false;
    *inherited = false;
    if (!sbx_pa_engine.var || PyContextVar_Get(sbx_pa_engine.var, NULL, &value) < 0) {
        PyErr_Clear();
        return NULL;
    }
    recorded = sbx_pa_engine.n_records ? recorded_entry(current_ctx()) : NULL;
    if (value && Py_TYPE(value) == &sbx_pa_entry_type) {
        if (recorded && (struct entry *)value != recorded) {
            *tampered = true;
            Py_DECREF(value);
            return NULL;
        }
        return (struct entry *)value;
    }
    if (value || recorded) {
        *tampered = true;
        Py_XDECREF(value);
        return NULL;
    }
    /* Only the task (or plain stack) that entered the block: other asyncio tasks on this
     * thread legitimately run without the policy. */
    if (sbx_pa_engine.locked) { /* the sandbox: one policy for the whole process */
        Py_INCREF(sbx_pa_engine.locked);
        *inherited = true;
        return sbx_pa_engine.locked;
    }
    fallback = sbx_pa_engine.n_records ? thread_entry() : NULL;
    if (fallback && fallback->task != sbx_pa_running_task())
        fallback = NULL;
    Py_XINCREF(fallback);
    *inherited = fallback != NULL;
    return fallback;
}

/* active_entry_from, for callers that need not know where the entry came from. */
struct entry *sbx_pa_active_entry(bool *tampered)
{
    bool inherited;

    return sbx_pa_active_entry_from(tampered, &inherited);
}


int sbx_audit_lock(void)
{
    bool tampered;
    struct entry *e = sbx_pa_active_entry(&tampered);

    if (!e) {
        /* FastAudit's rules: nothing is locked (its weaknesses are what the preset shows);
         * the config is kept to say what the hardened engine would have done. */
        Py_XSETREF(sbx_pa_fa_sandbox_cfg, sbx_pa_fa_active_cfg());
        return sbx_pa_fa_sandbox_cfg ? 0 : -1;
    }
    Py_XSETREF(sbx_pa_engine.locked, e); /* keeps the reference */
    return 0;
}

/* ------------------------------------------------------------------------------------- */
/* Config (audit_perms)                                                                   */

static void free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        PyMem_RawFree(list[i]);
}

static void config_dealloc(PyObject *self)
{
    struct config *cfg = (struct config *)self;

    free_strings(cfg->roots, cfg->n_roots);
    free_strings(cfg->imports, cfg->n_imports);
    Py_XDECREF(cfg->before_deny);
    Py_XDECREF(cfg->on_call);
    Py_XDECREF(cfg->data);
    Py_XDECREF(cfg->fa_oks);
    Py_XDECREF(cfg->fa_imports);
    Py_TYPE(self)->tp_free(self);
}

/* Appends the str items of an iterable to a C list of prefixes. */
int sbx_pa_add_prefixes(PyObject *iterable, char **list, size_t *n, const char *what)
{
    PyObject *it = PyObject_GetIter(iterable), *item;

    if (!it)
        return -1;
    while ((item = PyIter_Next(it)) != NULL) {
        const char *s = PyUnicode_Check(item) ? PyUnicode_AsUTF8(item) : NULL;
        if (!s) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "%s must be strings, not %.100s", what,
                             Py_TYPE(item)->tp_name);
            Py_DECREF(item);
            Py_DECREF(it);
            return -1;
        }
        if (*n >= MAX_PREFIXES || !(list[*n] = sbx_pa_dup_str(s))) {
            PyErr_Format(PyExc_ValueError, "too many %s (at most %d)", what, MAX_PREFIXES);
            Py_DECREF(item);
            Py_DECREF(it);
            return -1;
        }
        (*n)++;
        Py_DECREF(item);
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *config_call(PyObject *self, PyObject *args, PyObject *kwargs)
{
    struct context *ctx;

    if (PyTuple_GET_SIZE(args) || (kwargs && PyDict_GET_SIZE(kwargs))) {
        PyErr_SetString(PyExc_TypeError, "audit_perms() takes no arguments");
        return NULL;
    }
    ctx = PyObject_New(struct context, &sbx_pa_context_type);
    if (!ctx)
        return NULL;
    ctx->config = (struct config *)Py_NewRef(self);
    ctx->entry = NULL;
    ctx->token = NULL;
    ctx->ctx = NULL;
    return (PyObject *)ctx;
}

static PyObject *config_set_data(PyObject *self, PyObject *data)
{
    struct config *cfg = (struct config *)self;

    if (PySys_Audit("audit_perms.set_data", "O", data) < 0)
        return NULL;
    Py_SETREF(cfg->data, Py_NewRef(data));
    return Py_NewRef(data);
}


static PyObject *config_imports_tuple(const struct config *cfg)
{
    return sbx_pa_strings_tuple(cfg->imports, cfg->n_imports, NULL);
}

static PyObject *config_add_imports(PyObject *self, PyObject *mods)
{
    struct config *cfg = (struct config *)self;

    if (PySys_Audit("audit_perms.add_imports", "O", mods) < 0)
        return NULL;
    Py_CLEAR(cfg->fa_imports);
    if (sbx_pa_add_prefixes(mods, cfg->imports, &cfg->n_imports, "import prefixes") < 0)
        return NULL;
    return config_imports_tuple(cfg);
}

static PyMethodDef config_methods[] = {
    {"set_data", config_set_data, METH_O, "set_data(d): replace the callback data; returns d."},
    {"add_imports", config_add_imports, METH_VARARGS,
     "add_imports(*mods): allow events during the import of these modules; returns them all."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject sbx_pa_config_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastaudit.audit_perms",
    .tp_basicsize = sizeof(struct config),
    .tp_dealloc = config_dealloc,
    .tp_call = config_call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "A FastAudit policy: call it to get a context manager that turns it on.",
    .tp_methods = config_methods,
};

/* ------------------------------------------------------------------------------------- */
/* Entry and context                                                                      */

static void entry_dealloc(PyObject *self)
{
    struct entry *e = (struct entry *)self;

    sbx_pa_engine.n_live--;
    Py_XDECREF(e->config);
    PyMem_RawFree(e->thread_name);
    PyMem_RawFree(e->chain);
    Py_TYPE(self)->tp_free(self);
}

PyTypeObject sbx_pa_entry_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastaudit._entry",
    .tp_basicsize = sizeof(struct entry),
    .tp_dealloc = entry_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "An active FastAudit context (opaque).",
};

static char *current_thread_name(void)
{
    PyObject *threading = PyDict_GetItemString(PyImport_GetModuleDict(), "threading");
    PyObject *thread = NULL, *name = NULL;
    char *out = NULL;

    if (threading) {
        sbx_pa_in_engine++;
        thread = PyObject_CallMethod(threading, "current_thread", NULL);
        if (thread)
            name = PyObject_GetAttrString(thread, "name");
        sbx_pa_in_engine--;
    }
    if (name && PyUnicode_Check(name)) {
        const char *text = PyUnicode_AsUTF8(name); /* NULL for lone surrogates */
        out = text ? sbx_pa_dup_str(text) : NULL;
    }
    PyErr_Clear();
    Py_XDECREF(name);
    Py_XDECREF(thread);
    return out ? out : sbx_pa_dup_str("MainThread");
}

static PyObject *context_enter(PyObject *self, PyObject *unused)
{
    struct context *ctx = (struct context *)self;
    struct config *cfg = ctx->config;
    struct entry *e;
    bool tampered;
    struct entry *outer;
    char chain[4096];

    (void)unused;
    if (ctx->entry) {
        PyErr_SetString(PyExc_RuntimeError, "this audit context is already entered");
        return NULL;
    }
    outer = sbx_pa_active_entry(&tampered);
    if (outer && outer->config != cfg) {
        Py_DECREF(outer);
        if (PySys_Audit("audit_perms.enter", "O", Py_None) < 0)
            return NULL;
    } else {
        Py_XDECREF(outer);
    }
    if (sbx_pa_engine.n_records >= MAX_RECORDS) {
        PyErr_SetString(PyExc_RuntimeError, "too many nested audit contexts");
        return NULL;
    }
    if (cfg->monitor_calls && sbx_pa_monitor_count(cfg->tool_id, +1) < 0)
        return NULL;
    e = PyObject_New(struct entry, &sbx_pa_entry_type);
    if (!e)
        goto fail_monitor;
    sbx_pa_engine.n_live++;
    e->config = (struct config *)Py_NewRef(cfg);
    e->thread = PyThread_get_thread_ident();
    e->task = sbx_pa_running_task();
    sbx_pa_call_chain(chain, sizeof chain);
    e->chain = sbx_pa_dup_str(chain);
    e->thread_name = current_thread_name();
    ctx->token = PyContextVar_Set(sbx_pa_engine.var, (PyObject *)e);
    if (!ctx->token) {
        Py_DECREF(e);
        goto fail_monitor;
    }
    ctx->entry = e;
    ctx->ctx = Py_NewRef(current_ctx());
    sbx_pa_engine.records[sbx_pa_engine.n_records].ctx = ctx->ctx;
    sbx_pa_engine.records[sbx_pa_engine.n_records].entry = e;
    sbx_pa_engine.n_records++;
    sbx_pa_engine.n_active++;
    if (cfg->monitor_calls) {
        /* Sites disabled earlier (outside any policy) must be judged again now. */
        PyObject *r = sbx_pa_monitoring_call("restart_events", NULL);
        if (!r)
            return NULL; /* __exit__ will not run; the entry stays until the context dies */
        Py_DECREF(r);
    }
    Py_RETURN_NONE;
fail_monitor:
    if (cfg->monitor_calls)
        sbx_pa_monitor_count(cfg->tool_id, -1);
    return NULL;
}

/* Drops the record of an entry (the innermost one if it was entered twice). */
static void forget_record(const struct entry *e)
{
    for (size_t i = sbx_pa_engine.n_records; i-- > 0;) {
        if (sbx_pa_engine.records[i].entry == e) {
            memmove(&sbx_pa_engine.records[i], &sbx_pa_engine.records[i + 1],
                    (sbx_pa_engine.n_records - i - 1) * sizeof sbx_pa_engine.records[0]);
            sbx_pa_engine.n_records--;
            return;
        }
    }
}

static PyObject *context_exit(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    struct context *ctx = (struct context *)self;
    int rc;

    (void)args;
    (void)nargs;
    if (!ctx->entry) {
        PyErr_SetString(PyExc_RuntimeError, "this audit context is not entered");
        return NULL;
    }
    rc = PyContextVar_Reset(sbx_pa_engine.var, ctx->token);
    forget_record(ctx->entry);
    sbx_pa_engine.n_active--;
    if (ctx->config->monitor_calls && sbx_pa_monitor_count(ctx->config->tool_id, -1) < 0)
        rc = -1;
    Py_CLEAR(ctx->token);
    Py_CLEAR(ctx->entry);
    Py_CLEAR(ctx->ctx);
    if (rc < 0)
        return NULL;
    Py_RETURN_FALSE;
}

static void context_dealloc(PyObject *self)
{
    struct context *ctx = (struct context *)self;

    if (ctx->entry) {
        /* Never exited (e.g. an exception before __exit__ could run): forget its record so
         * a later context reusing the address is not mistaken for it. */
        forget_record(ctx->entry);
    }
    Py_XDECREF(ctx->token);
    Py_XDECREF(ctx->entry);
    Py_XDECREF(ctx->ctx);
    Py_XDECREF(ctx->config);
    Py_TYPE(self)->tp_free(self);
}

static PyMethodDef context_methods[] = {
    {"__enter__", context_enter, METH_NOARGS, "Turn the policy on in this context."},
    {"__exit__", (PyCFunction)(void (*)(void))context_exit, METH_FASTCALL,
     "Restore the previous state."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject sbx_pa_context_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "fastaudit._context",
    .tp_basicsize = sizeof(struct context),
    .tp_dealloc = context_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "A FastAudit context manager (use it in a with statement).",
    .tp_methods = context_methods,
};

