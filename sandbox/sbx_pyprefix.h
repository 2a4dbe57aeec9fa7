/* sbx_pyprefix.h: where the embedded CPython lives, found at run time (issue 11). An installed
 * fa-learn (bin/fa-learn) uses the copy installed beside it, PREFIX/lib/fa-learn (its
 * lib/python3.X and libpython; server/CMakeLists.txt installs them); a fa-learn in its build
 * folder uses the CPython it was built against (FA_PYTHON_PREFIX, scripts/setup.sh's cache).
 * The prefix is what the jail lets runs read, what the strict preset allows, what the
 * supervisor exposes to unprivileged runs, and, installed, the interpreter's home. */
#ifndef FA_SANDBOX_SBX_PYPREFIX_H
#define FA_SANDBOX_SBX_PYPREFIX_H

#include <stdbool.h>

/* The prefix, an absolute path without a trailing slash; never NULL. Computed on the first
 * call (which should come before threads or forks, as the supervisor's and main's do) and
 * the same for the life of the process. */
const char *sbx_python_prefix(void);

/* Its lib folder (prefix + "/lib"): libpython and lib/python3.X. */
const char *sbx_python_lib_dir(void);

/* True when the prefix is an installed copy beside the binary, not the one CPython was built
 * for: then CPython must be told its home, since its compiled-in prefix may not exist. */
bool sbx_python_prefix_installed(void);

#endif
