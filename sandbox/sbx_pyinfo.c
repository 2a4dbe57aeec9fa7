/* sbx_info.c: facts about the embedded CPython (see sbx_info.h). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sandbox/sbx_info.h"

const char *sbx_python_version(void) { return PY_VERSION; }
