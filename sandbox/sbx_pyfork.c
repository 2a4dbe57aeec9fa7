/* sbx_pyfork.c: what makes a forked run cheap on the interpreter's side (see sbx_run.h):
 * the supervisor's warm heap made immortal, and fork() without CPython's at-fork protocol.
 *
 * Why: on a small VM every first write to a page shared with the supervisor is a
 * copy-on-write fault of 15-20 us, and Python writes almost everywhere it reads (reference
 * counts). Measured per run before these changes: ~570 faults, most of a run's CPU time. */
#define _GNU_SOURCE /* gettid */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sandbox/sbx_run.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- the warm heap made immortal ---------------------------------------------------- */

/* Objects already seen by the walk below: an open-addressing set of pointers. */
struct seen {
    uintptr_t *slots;
    size_t cap, n;
};

static bool seen_add(struct seen *s, const PyObject *op);

static bool seen_grow(struct seen *s)
{
    struct seen bigger = {calloc(s->cap ? s->cap * 2 : 1 << 16, sizeof(uintptr_t)),
                          s->cap ? s->cap * 2 : 1 << 16, 0};

    if (!bigger.slots)
        return false;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            seen_add(&bigger, (const PyObject *)s->slots[i]);
    free(s->slots);
    *s = bigger;
    return true;
}

/* True when op was not in the set (and now is); false when it was, or there is no memory. */
static bool seen_add(struct seen *s, const PyObject *op)
{
    uintptr_t key = (uintptr_t)op;
    size_t i;

    if ((s->n + 1) * 2 > s->cap && !seen_grow(s))
        return false;
    for (i = (key >> 4) * 0x9E3779B97F4A7C15ull & (s->cap - 1); s->slots[i];
         i = (i + 1) & (s->cap - 1))
        if (s->slots[i] == key)
            return false;
    s->slots[i] = key;
    s->n++;
    return true;
}

struct walk {
    struct seen seen;
    PyObject **stack;
    size_t n, cap;
    bool failed;
};

static int push(PyObject *op, void *arg)
{
    struct walk *w = arg;

    if (!op || !seen_add(&w->seen, op))
        return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4096;
        PyObject **stack = realloc(w->stack, cap * sizeof *stack);
        if (!stack) {
            w->failed = true;
            return 0;
        }
        w->stack = stack;
        w->cap = cap;
    }
    w->stack[w->n++] = op;
    return 0;
}

int sbx_py_immortalize(void)
{
    struct walk w = {0};
    PyObject *gc = PyImport_ImportModule("gc");
    PyObject *roots = gc ? PyObject_CallMethod(gc, "get_objects", NULL) : NULL;
    size_t count = 0;

    Py_XDECREF(gc);
    if (!roots || !PyList_Check(roots)) {
        Py_XDECREF(roots);
        PyErr_Clear();
        return -1;
    }
    seen_add(&w.seen, roots); /* the list itself is garbage once this returns */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(roots); i++)
        push(PyList_GET_ITEM(roots, i), &w);
    while (w.n > 0 && !w.failed) {
        PyObject *op = w.stack[--w.n];
        PyTypeObject *type = Py_TYPE(op);

        op->ob_refcnt = _Py_IMMORTAL_REFCNT;
        count++;
        push((PyObject *)type, &w);
        if (PyObject_IS_GC(op) && type->tp_traverse) /* static types are not: skip them */
            type->tp_traverse(op, push, &w);
        if (PyCode_Check(op)) { /* code objects have no tp_traverse */
            PyCodeObject *co = (PyCodeObject *)op;
            PyObject *fields[] = {co->co_consts, co->co_names, co->co_exceptiontable,
                                  co->co_localsplusnames, co->co_localspluskinds,
                                  co->co_filename, co->co_name, co->co_qualname,
                                  co->co_linetable};
            for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
                push(fields[k], &w);
        }
    }
    Py_DECREF(roots);
    free(w.stack);
    free(w.seen.slots);
    return w.failed || count == 0 ? -1 : 0;
}

/* random's reseed in a child, as Random.seed(None) does it but in C: a new state from the
 * OS's randomness. (Random.seed also clears gauss_next; sbx_py_fork clears it once in the
 * supervisor, which never draws from random afterwards.) */
static int reseed_random(PyObject *inst, PyObject *c_seed)
{
    PyObject *r = PyObject_CallOneArg(c_seed, inst);

    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* PyOS_BeforeFork/PyOS_AfterFork_* are for processes that may have other threads: they take
 * and re-create the runtime's locks, clear its parking lot and thread states and run the
 * os.register_at_fork callbacks (threading, asyncio and logging bookkeeping). That touched
 * about 45 pages of the runtime's static data in every child, plus the callbacks' pages
 * (a quarter of a run's CPU). The supervisor never has another thread and forks from plain
 * C code between API calls, so no lock can be held at the fork and there is no other thread
 * state: what the child really needs is its own native thread id and a reseeded random. */
pid_t sbx_py_fork(void)
{
    static PyObject *inst, *c_seed; /* random._inst and _random.Random.seed, taken once */
    pid_t pid;

    if (!c_seed) {
        PyObject *random = PyImport_ImportModule("random");
        PyObject *c_random = PyImport_ImportModule("_random");
        PyObject *c_type = c_random ? PyObject_GetAttrString(c_random, "Random") : NULL;
        inst = random ? PyObject_GetAttrString(random, "_inst") : NULL;
        c_seed = c_type && inst ? PyObject_GetAttrString(c_type, "seed") : NULL;
        Py_XDECREF(c_type);
        Py_XDECREF(c_random);
        Py_XDECREF(random);
        if (!c_seed || PyObject_SetAttrString(inst, "gauss_next", Py_None) != 0) {
            Py_CLEAR(c_seed);
            PyErr_Clear();
            return -1; /* the warm interpreter always has random; refuse rather than repeat */
        }
    }
    pid = fork();
    if (pid == 0) {
        PyThreadState_Get()->native_thread_id = (unsigned long)gettid();
        if (reseed_random(inst, c_seed) != 0)
            _exit(125);
    }
    return pid;
}
