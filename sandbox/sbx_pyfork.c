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

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* ---- a child's own heap --------------------------------------------------------------- */

/* The child's Python allocations (objects and the interpreter's own buffers) come from a
 * region it maps itself, the first part populated in one system call, instead of from the
 * supervisor's pymalloc pools and malloc chunks, where each first write to a page is a
 * copy-on-write fault. A bump allocator: a block freed out of order is not reused (the last
 * one is), which a short run does not miss; when the region is full, or for big blocks,
 * the supervisor's allocators take over as before. Blocks made before the fork always go
 * back to those. */
#define FRESH_SIZE ((size_t)16 << 20)     /* address space; only what is used costs memory */
#define FRESH_POPULATED ((size_t)2 << 20) /* made present at once: about 0.4 ms here */
#define FRESH_MAX_BLOCK ((size_t)64 << 10)
#define FRESH_HEADER 16 /* the block's size, keeping Python's 16-byte alignment */

static struct {
    char *base, *next, *end, *last;
    PyMemAllocatorEx before[2]; /* PYMEM_DOMAIN_MEM and PYMEM_DOMAIN_OBJ */
} fresh;

static bool in_fresh(const void *p)
{
    return (const char *)p >= fresh.base && (const char *)p < fresh.end;
}

static size_t fresh_size(const void *p)
{
    return *(const size_t *)((const char *)p - FRESH_HEADER);
}

static void *fresh_malloc(void *ctx, size_t size)
{
    size_t need = FRESH_HEADER + ((size + 15) & ~(size_t)15);
    char *block = fresh.next;

    if (size > FRESH_MAX_BLOCK || need > (size_t)(fresh.end - fresh.next)) {
        PyMemAllocatorEx *before = ctx;
        return before->malloc(before->ctx, size);
    }
    *(size_t *)block = size ? size : 1;
    fresh.next += need;
    fresh.last = block + FRESH_HEADER;
    return fresh.last;
}

static void *fresh_calloc(void *ctx, size_t n, size_t size)
{
    void *p;

    if (size && n > SIZE_MAX / size)
        return NULL;
    p = fresh_malloc(ctx, n * size);
    if (p && in_fresh(p))
        memset(p, 0, n * size); /* a reused last block may hold old bytes */
    return p;
}

static void fresh_free(void *ctx, void *p)
{
    PyMemAllocatorEx *before = ctx;

    if (!p)
        return;
    if (!in_fresh(p)) {
        before->free(before->ctx, p);
    } else if (p == fresh.last) { /* the newest block: give its room back */
        fresh.next = (char *)p - FRESH_HEADER;
        fresh.last = NULL;
    }
}

static void *fresh_realloc(void *ctx, void *p, size_t size)
{
    PyMemAllocatorEx *before = ctx;
    void *moved;

    if (!p)
        return fresh_malloc(ctx, size);
    if (!in_fresh(p))
        return before->realloc(before->ctx, p, size);
    if (p == fresh.last && size <= FRESH_MAX_BLOCK &&
        ((size + 15) & ~(size_t)15) <= (size_t)(fresh.end - (char *)p)) {
        *(size_t *)((char *)p - FRESH_HEADER) = size ? size : 1; /* grow or shrink in place */
        fresh.next = (char *)p + ((size + 15) & ~(size_t)15);
        return p;
    }
    moved = fresh_malloc(ctx, size);
    if (moved)
        memcpy(moved, p, fresh_size(p) < size ? fresh_size(p) : size);
    return moved;
}

/* jansson's allocator in the child (the run's result is built with it). The child never
 * releases the GIL, which PyMem_Malloc's domain needs. */
static void *json_malloc(size_t size) { return PyMem_Malloc(size); }
static void json_free(void *p) { PyMem_Free(p); }

/* In the child, right after the fork: nothing else runs yet, and the GIL is held. */
static void use_fresh_heap(void)
{
    static const PyMemAllocatorDomain domains[2] = {PYMEM_DOMAIN_MEM, PYMEM_DOMAIN_OBJ};
    char *base = mmap(NULL, FRESH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);

    json_set_alloc_funcs(malloc, free); /* whatever the supervisor used is not for the child */
    if (base == MAP_FAILED)
        return; /* the supervisor's allocators then, as before: slower, the same results */
    madvise(base, FRESH_POPULATED, MADV_POPULATE_WRITE); /* best effort (Linux >= 5.14) */
    fresh.base = fresh.next = base;
    fresh.end = base + FRESH_SIZE;
    for (int i = 0; i < 2; i++) {
        PyMemAllocatorEx mine = {&fresh.before[i], fresh_malloc, fresh_calloc, fresh_realloc,
                                 fresh_free};
        PyMem_GetAllocator(domains[i], &fresh.before[i]);
        PyMem_SetAllocator(domains[i], &mine);
    }
    json_set_alloc_funcs(json_malloc, json_free);
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
        use_fresh_heap();
        PyThreadState_Get()->native_thread_id = (unsigned long)gettid();
        if (reseed_random(inst, c_seed) != 0)
            _exit(125);
    }
    return pid;
}
