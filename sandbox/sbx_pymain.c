/* sbx_pymain.c: `fa-learn python` (see sbx_python.h). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sandbox/sbx_fastaudit.h"
#include "sandbox/sbx_labnative.h"
#include "sandbox/sbx_python.h"

int sbx_python_main(int argc, char **argv)
{
    /* Built-in modules must be registered before the interpreter starts. */
    if (PyImport_AppendInittab("fastaudit", PyInit_fastaudit) != 0 ||
        PyImport_AppendInittab("labnative", PyInit_labnative) != 0)
        return 1;
    return Py_BytesMain(argc, argv);
}
