/* sbx_info.h: facts about the embedded CPython that other modules may show (e.g. /healthz).
 * The sandbox module grows the FastAudit engine and the supervisor in later issues. */
#ifndef FA_SANDBOX_SBX_INFO_H
#define FA_SANDBOX_SBX_INFO_H

/* The version of the CPython fa-learn is built against, e.g. "3.13.5". Static string. */
const char *sbx_python_version(void);

#endif
