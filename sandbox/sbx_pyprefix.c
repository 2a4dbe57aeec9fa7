/* sbx_pyprefix.c: the embedded CPython's prefix at run time (see sbx_pyprefix.h). Python.h
 * only for the version, which names the stdlib folder. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sandbox/sbx_pyprefix.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STR_(x) #x
#define STR(x) STR_(x)
/* The stdlib's landmark, as CPython's getpath looks for it. */
#define LANDMARK "/lib/python" STR(PY_MAJOR_VERSION) "." STR(PY_MINOR_VERSION) "/os.py"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char prefix[PATH_MAX], lib_dir[PATH_MAX + 8];
static bool installed;

static void on_first_use(void)
{
    char exe[PATH_MAX], candidate[PATH_MAX + 32], real[PATH_MAX], landmark[PATH_MAX + 64];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;

    snprintf(prefix, sizeof prefix, "%s", FA_PYTHON_PREFIX);
    if (len > 0) {
        exe[len] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            /* exe is PREFIX/bin once installed: PREFIX/lib/fa-learn. */
            snprintf(candidate, sizeof candidate, "%s/../lib/fa-learn", exe);
            if (realpath(candidate, real)) {
                snprintf(landmark, sizeof landmark, "%s" LANDMARK, real);
                if (access(landmark, R_OK) == 0) {
                    snprintf(prefix, sizeof prefix, "%s", real);
                    installed = true;
                }
            }
        }
    }
    snprintf(lib_dir, sizeof lib_dir, "%s/lib", prefix);
}

const char *sbx_python_prefix(void)
{
    pthread_once(&once, on_first_use);
    return prefix;
}

const char *sbx_python_lib_dir(void)
{
    pthread_once(&once, on_first_use);
    return lib_dir;
}

bool sbx_python_prefix_installed(void)
{
    pthread_once(&once, on_first_use);
    return installed;
}
