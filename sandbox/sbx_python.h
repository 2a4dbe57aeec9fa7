/* sbx_python.h: `fa-learn python`, the embedded CPython run exactly like `python3`. */
#ifndef FA_SANDBOX_SBX_PYTHON_H
#define FA_SANDBOX_SBX_PYTHON_H

/* Runs CPython's own command line (script, -c, -m, stdin, sys.argv, exit status) with the
 * modules `fastaudit` and `labnative` built in. argv[0] is the program name. Returns the exit
 * status Python would. Call once per process, before any thread exists. */
int sbx_python_main(int argc, char **argv);

#endif
