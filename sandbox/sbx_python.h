/* sbx_python.h: the embedded CPython run exactly like `python3`, either as `fa-learn python
 * ARGS` or through the fa-learn-python3 link to the fa-learn binary (issue #17). */
#ifndef FA_SANDBOX_SBX_PYTHON_H
#define FA_SANDBOX_SBX_PYTHON_H

#include <stdbool.h>

/* The link's name, next to fa-learn in the build folder and in the installed bin folder
 * (server/CMakeLists.txt makes both; it is a hard link, see there). */
#define SBX_PYTHON_LINK_NAME "fa-learn-python3"

/* True when this process is meant to be the interpreter with no subcommand: the file that was
 * executed, or else argv0, is named like a Python (its last component starts with `python`
 * or `fa-learn-python`: the link, a `python3` link to it, a venv's `python`/`python3.13`).
 * The executed file is asked first because callers may set argv[0] to anything
 * (subprocess's executable= argument) yet still started the link. */
bool sbx_python_started_as_python(const char *argv0);

/* Runs CPython's own command line (script, -c, -m, stdin, -X/-W/-I/-S/-B/-u..., sys.argv,
 * exit status) with the modules `fastaudit` and `labnative` built in. argv[0] is the program
 * name. When it is not a Python name (`fa-learn python`), sys.executable is set to the
 * fa-learn-python3 link next to this binary, if that link is this binary, so that child
 * interpreters started from sys.executable work; otherwise CPython computes sys.executable
 * from argv[0] as python3 does (which also finds a venv's pyvenv.cfg). Returns the exit
 * status Python would. Call once per process, before any thread exists. */
int sbx_python_main(int argc, char **argv);

#endif
