/* fa_err.h: error codes and diagnostics shared by every fa-learn module.
 *
 * Fallible functions return int: FA_OK (0) on success or a negative enum fa_err.
 * Detail meant for a person (a parse error with file:line, an SQL message) goes into a
 * caller-supplied struct fa_diag; library code never prints. See STYLE.md section 4. */
#ifndef FA_COMMON_FA_ERR_H
#define FA_COMMON_FA_ERR_H

#include <stddef.h>

enum fa_err {
    FA_OK = 0,
    FA_ENOMEM = -1,    /* an allocation failed (only expected in rlimited sandbox code) */
    FA_EINVAL = -2,    /* malformed input or argument */
    FA_EIO = -3,       /* an operating-system call failed; errno was logged or put in the diag */
    FA_ENOTFOUND = -4, /* the thing asked for does not exist */
    FA_ELIMIT = -5,    /* a size, count or time limit was reached */
    FA_EDB = -6,       /* the store failed */
    FA_EPOLICY = -7,   /* the sandbox policy refused */
    FA_EBUSY = -8,     /* a share of a shared resource is used up: try again later */
    FA_ETIMEDOUT = -9, /* no answer came by the deadline */
    FA_EDENIED = -10,  /* a credential was wrong (the instructor's token) */
};

/* Returns a short static English text for rc (any int; unknown codes get a generic text). */
const char *fa_strerror(int rc);

/* Where a function explains a failure to a person. msg is always NUL-terminated; an empty
 * msg means nothing was said. */
#define FA_DIAG_MAX 512
struct fa_diag {
    char msg[FA_DIAG_MAX];
};

/* Formats into diag->msg (truncating to fit) and returns rc, so that error paths read
 * `return fa_diag_set(diag, FA_EINVAL, "%s:%d: missing title", path, line);`.
 * diag may be NULL, then only rc is returned. */
int fa_diag_set(struct fa_diag *diag, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
