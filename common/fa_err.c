/* fa_err.c: error texts and diagnostics (see fa_err.h). */
#include "common/fa_err.h"

#include <stdarg.h>
#include <stdio.h>

const char *fa_strerror(int rc)
{
    switch (rc) {
    case FA_OK: return "ok";
    case FA_ENOMEM: return "out of memory";
    case FA_EINVAL: return "invalid input";
    case FA_EIO: return "input/output error";
    case FA_ENOTFOUND: return "not found";
    case FA_ELIMIT: return "limit reached";
    case FA_EDB: return "database error";
    case FA_EPOLICY: return "denied by policy";
    case FA_EBUSY: return "busy";
    case FA_ETIMEDOUT: return "timed out";
    case FA_EDENIED: return "access denied";
    default: return "unknown error";
    }
}

int fa_diag_set(struct fa_diag *diag, int rc, const char *fmt, ...)
{
    va_list ap;

    if (!diag)
        return rc;
    va_start(ap, fmt);
    vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
    va_end(ap);
    return rc;
}
