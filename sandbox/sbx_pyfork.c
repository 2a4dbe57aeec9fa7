/* sbx_pyfork.c: fork() of the warm supervisor interpreter (see sbx_run.h, sbx_py_fork).
 *
 * The one file that reaches into CPython's internals (Py_BUILD_CORE): the interpreter's
 * lists of os.register_at_fork callbacks. The stdlib registers Python callbacks there
 * (threading, asyncio, logging, random) that reset state of threads, event loops and
 * handlers the single-threaded supervisor never has. Running them in every child cost
 * about a quarter of a run's CPU time on a small VM: each of their reference count
 * changes lands on another page shared with the supervisor, and every first write to such
 * a page is a copy-on-write fault (about 15 us each there). The C part of the protocol
 * (locks, thread states, signals, import lock) still runs; of the callbacks, only the one
 * that matters for a run is made here: random's reseed, so runs do not share a sequence. */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_interp.h>

#include "sandbox/sbx_run.h"

#include <unistd.h>

pid_t sbx_py_fork(void)
{
    static PyObject *reseed; /* random._inst.seed, taken once in the supervisor */
    PyInterpreterState *interp = PyInterpreterState_Get();
    PyObject *before = interp->before_forkers, *parent = interp->after_forkers_parent,
             *child = interp->after_forkers_child;
    pid_t pid;

    if (!reseed) {
        PyObject *random = PyImport_ImportModule("random");
        PyObject *inst = random ? PyObject_GetAttrString(random, "_inst") : NULL;
        reseed = inst ? PyObject_GetAttrString(inst, "seed") : NULL;
        Py_XDECREF(inst);
        Py_XDECREF(random);
        if (!reseed) {
            PyErr_Clear();
            return -1; /* the warm interpreter always has random; refuse rather than repeat */
        }
    }
    interp->before_forkers = interp->after_forkers_parent = interp->after_forkers_child = NULL;
    PyOS_BeforeFork();
    pid = fork();
    if (pid == 0) {
        PyOS_AfterFork_Child();
        PyObject *r = PyObject_CallNoArgs(reseed);
        if (!r)
            _exit(125);
        Py_DECREF(r);
    } else {
        PyOS_AfterFork_Parent();
    }
    interp->before_forkers = before;
    interp->after_forkers_parent = parent;
    interp->after_forkers_child = child;
    return pid;
}
