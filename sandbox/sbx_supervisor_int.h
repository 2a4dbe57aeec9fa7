/* sbx_supervisor_int.h: what the supervisor's files share (sbx_supervisor.c: the process
 * and its poll loop; sbx_supervisor_start.c: the parent's side; sbx_scratch.c: run folders
 * and mounts; sbx_neutral.c: the neutral paths learners see). Private to sandbox/. */
#ifndef FA_SANDBOX_SBX_SUPERVISOR_INT_H
#define FA_SANDBOX_SBX_SUPERVISOR_INT_H

#include "common/fa_buf.h"
#include "common/fa_err.h"

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

struct sbx_supervisor_config;

/* The supervisor process: serves requests on fd with config (kept for the process's life)
 * until the server's end of the socket closes. Never returns. */
void sbx_supervisor_serve(const struct sbx_supervisor_config *config, int fd)
    __attribute__((noreturn));

/* Removes a folder and everything under it, without following links; "" is left alone. */
void sbx_scratch_remove_tree(const char *path);

/* Makes the interpreter's prefix reachable for the run's unprivileged uid when it lies under
 * a folder only root may enter, inside the supervisor's own mount namespace (see
 * sbx_scratch.c). FA_OK, or FA_EIO with diag. Root only. */
int sbx_scratch_expose_prefix(const char *prefix, const char *scratch_base, struct fa_diag *diag);

/* Learners see neutral paths (issue 14): the run's scratch folder as /sandbox and the
 * interpreter's folder as /python, alike in output, exceptions and the trace, rather than
 * the server's own layout. The folder that holds the scratch folders (the server's runs
 * folder) is then the parent of /sandbox, so it reads as / ("/runs/run-other" as
 * "/run-other"): the rules resolve paths such as "../x" or "." out of the scratch folder,
 * and name that parent in their reasons. A path is replaced only where it ends (a '/', a
 * quote, a space), and only by a shorter name, so no text outgrows the cap it was cut to. */
struct sbx_neutral {
    char scratch[PATH_MAX], prefix[PATH_MAX], runs[PATH_MAX];
    size_t scratch_len, prefix_len, runs_len; /* 0: not replaced */
};

/* Resolves the run's scratch folder (may be NULL: none) and the interpreter's prefix. */
void sbx_neutral_init(struct sbx_neutral *n, const char *scratch);
/* Appends s (len bytes) to out with the neutral names in place of the real paths. FA_OK or
 * FA_ELIMIT (out's cap). */
int sbx_neutral_append(const struct sbx_neutral *n, const char *s, size_t len, struct fa_buf *out);
/* Every string in v (the trace, the exception) given the neutral names, in place. */
void sbx_neutral_json(const struct sbx_neutral *n, json_t *v);

#endif
