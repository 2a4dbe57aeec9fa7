/* fa_utf8.h: checking, cutting and repairing untrusted bytes as UTF-8. Pure; thread-safe. */
#ifndef FA_COMMON_FA_UTF8_H
#define FA_COMMON_FA_UTF8_H

#include "common/fa_buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Returns the offset of the first byte of text that does not belong to well-formed UTF-8
 * (overlong forms, surrogates and code points above U+10FFFF are refused), or len when all
 * len bytes are well-formed. */
size_t fa_utf8_bad_offset(const char *text, size_t len);

/* The longest prefix of text, at most max bytes, that does not end inside a character:
 * where a cap falls in the middle of a multi-byte sequence, the sequence is left out whole.
 * (Text that is not UTF-8 is cut at max or at most three bytes before.) */
size_t fa_utf8_cut(const char *text, size_t len, size_t max);

/* Appends len bytes of untrusted text to out as well-formed UTF-8: each broken sequence (a
 * stray byte, or a lead byte with the continuation bytes that follow it) becomes one U+FFFD,
 * and *replaced is set when there was one (it is never cleared). Stops before a character that would take out past max bytes in all and then
 * returns FA_ELIMIT (out then ends on a character boundary); FA_ENOMEM when out cannot grow;
 * otherwise FA_OK. NUL bytes are kept: they are well-formed. */
int fa_utf8_repair(struct fa_buf *out, const char *text, size_t len, size_t max, bool *replaced);

#endif
