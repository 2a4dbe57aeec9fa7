/* sbx_labnative.h: `labnative`, the sandbox's demo native module (issue 4, "The demo native
 * module"). It plays a third-party C library that is neither stdlib nor declared safe, so the
 * learner can watch native code bypass audited paths and FastAudit's call monitor catch it. */
#ifndef FA_SANDBOX_SBX_LABNATIVE_H
#define FA_SANDBOX_SBX_LABNATIVE_H

/* The same typedef as CPython's pytypedefs.h; C11 allows repeating it, so this header
 * compiles alone and before or after <Python.h>. */
typedef struct _object PyObject;

/* Module init for `labnative`, to register before Py_Initialize* with
 *     PyImport_AppendInittab("labnative", PyInit_labnative);
 * Multi-phase initialisation: returns the module's PyModuleDef (as a PyObject *, see
 * PyModuleDef_Init), never NULL; the import system creates the module from it. The module
 * keeps no state, so it may be imported in several interpreters. Call with the GIL held. */
PyObject *PyInit_labnative(void);

#endif
