/* fa_utf8.h: checking that untrusted bytes are well-formed UTF-8. Pure; thread-safe. */
#ifndef FA_COMMON_FA_UTF8_H
#define FA_COMMON_FA_UTF8_H

#include <stddef.h>

/* Returns the offset of the first byte of text that does not belong to well-formed UTF-8
 * (overlong forms, surrogates and code points above U+10FFFF are refused), or len when all
 * len bytes are well-formed. */
size_t fa_utf8_bad_offset(const char *text, size_t len);

#endif
