/* fa_preset.h: the names of the sandbox's rule sets (issue 12), the one list of them.
 *
 * It lives in common/ because the wiki's checker (content/, which may not depend on
 * sandbox/) checks the preset= of runnable blocks against the same names that the command
 * line, the HTTP API and the supervisor accept (issue 16: one list of preset names). */
#ifndef FA_COMMON_FA_PRESET_H
#define FA_COMMON_FA_PRESET_H

#include <stddef.h>

/* "fastaudit" (FastAudit 0.2.7's own rules, the default), "hardened", "hook-only",
 * "strict", in that order. */
extern const char *const fa_preset_names[];
#define FA_N_PRESETS 4
/* The same names for messages, in the order above. */
#define FA_PRESET_NAMES_TEXT "fastaudit, hardened, hook-only, strict"
#define FA_PRESET_DEFAULT "fastaudit"

/* The preset's canonical name (a static string) when name is one of them or "default" (the
 * default's name before issue 12, still accepted); NULL otherwise. len bytes of name are
 * read: name need not be NUL-terminated. */
const char *fa_preset_find(const char *name, size_t len);

#endif
