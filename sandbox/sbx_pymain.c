/* sbx_pymain.c: the embedded CPython as python3: `fa-learn python ARGS` and the
 * fa-learn-python3 link (see sbx_python.h; issue #17). The start-up is Py_BytesMain's
 * (Modules/main.c pymain_init) with one addition: sys.executable names the link. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sandbox/sbx_fastaudit.h"
#include "sandbox/sbx_labnative.h"
#include "sandbox/sbx_pyprefix.h"
#include "sandbox/sbx_python.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_python_name(const char *path)
{
    const char *slash, *name;

    if (!path)
        return false;
    slash = strrchr(path, '/');
    name = slash ? slash + 1 : path;
    return strncmp(name, "python", strlen("python")) == 0 ||
           strncmp(name, "fa-learn-python", strlen("fa-learn-python")) == 0;
}

bool sbx_python_started_as_python(const char *argv0)
{
    /* AT_EXECFN is the path given to execve: the link's name even when argv[0] is not
     * (test_subprocess starts sys.executable with argv[0] "doesnotexist"). */
    const char *executed = (const char *)(uintptr_t)getauxval(AT_EXECFN);

    return is_python_name(executed) || is_python_name(argv0);
}

/* Writes to `link` the path of the fa-learn-python3 link in this binary's folder and returns
 * true when that link is this very binary, so sys.executable starts the same interpreter (a
 * stale or foreign file of that name is not used). */
static bool find_python_link(char *link, size_t size)
{
    char exe[PATH_MAX];
    struct stat self, found;
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;
    int n;

    if (len <= 0)
        return false;
    exe[len] = '\0';
    slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = '\0';
    n = snprintf(link, size, "%s/%s", exe, SBX_PYTHON_LINK_NAME);
    if (n < 0 || (size_t)n >= size)
        return false;
    if (stat("/proc/self/exe", &self) != 0 || stat(link, &found) != 0)
        return false;
    return self.st_dev == found.st_dev && self.st_ino == found.st_ino;
}

/* True when the executed file sits in a venv (pyvenv.cfg beside it or one folder up, where
 * CPython's getpath looks): CPython must find the venv itself, which a home would prevent. */
static bool in_venv(void)
{
    const char *executed = (const char *)(uintptr_t)getauxval(AT_EXECFN);
    char dir[PATH_MAX], cfg[PATH_MAX + 16];
    char *slash;

    if (!executed || snprintf(dir, sizeof dir, "%s", executed) >= (int)sizeof dir)
        return false;
    slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        *slash = '\0';
    snprintf(cfg, sizeof cfg, "%s/pyvenv.cfg", dir);
    if (access(cfg, F_OK) == 0)
        return true;
    snprintf(cfg, sizeof cfg, "%s/../pyvenv.cfg", dir);
    return access(cfg, F_OK) == 0;
}

int sbx_python_main(int argc, char **argv)
{
    char link[PATH_MAX + sizeof SBX_PYTHON_LINK_NAME + 1];
    PyConfig config;
    PyStatus status;

    /* Built-in modules must be registered before the interpreter starts. */
    if (PyImport_AppendInittab("fastaudit", PyInit_fastaudit) != 0 ||
        PyImport_AppendInittab("labnative", PyInit_labnative) != 0)
        return 1;

    /* The Python configuration with parse_argv: setting argv pre-initialises from it, so
     * -X utf8, -E and -I take effect as in python3 (Doc/c-api/init_config.rst). */
    PyConfig_InitPythonConfig(&config);
    status = PyConfig_SetBytesArgv(&config, argc, argv);
    if (PyStatus_Exception(status))
        goto out;
    /* `fa-learn python`: argv[0] is fa-learn, which needs a subcommand, so a child started
     * from sys.executable (subprocess, multiprocessing spawn and forkserver, venv,
     * test.support, regrtest's workers) would fail; the link needs none. Started through the
     * link, argv[0] already leads CPython to it, and to a venv's pyvenv.cfg. */
    if (!sbx_python_started_as_python(argv[0]) && find_python_link(link, sizeof link)) {
        status = PyConfig_SetBytesString(&config, &config.executable, link);
        if (PyStatus_Exception(status))
            goto out;
    }
    /* Installed (issue 11), the stdlib is the copy beside the binary, not the build's CPython
     * compiled into libpython, unless PYTHONHOME says otherwise. A venv made from the
     * installed interpreter is left to CPython, which looks for the stdlib from the venv's
     * home (bin/) and does not find lib/fa-learn: such venvs are not supported. */
    if (sbx_python_prefix_installed() && !getenv("PYTHONHOME") && !in_venv()) {
        status = PyConfig_SetBytesString(&config, &config.home, sbx_python_prefix());
        if (PyStatus_Exception(status))
            goto out;
    }
    status = Py_InitializeFromConfig(&config);
out:
    PyConfig_Clear(&config);
    /* As Py_BytesMain (Modules/main.c pymain_main): --help, --version and a bad option end
     * here with their exit status; a failed start prints its error and exits 1. */
    if (PyStatus_IsExit(status))
        return status.exitcode;
    if (PyStatus_Exception(status))
        Py_ExitStatusException(status);
    return Py_RunMain();
}
