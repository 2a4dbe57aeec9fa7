/* fa_path.h: deciding whether a path from outside (a URL, a file name in a folder) is one
 * fa-learn will ever look up. Pure string functions; thread-safe. */
#ifndef FA_COMMON_FA_PATH_H
#define FA_COMMON_FA_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* True when path (len bytes, already percent-decoded) is a plain relative path made of
 * segments of [A-Za-z0-9._-] that do not start with '.', separated by single '/', with no
 * leading or trailing '/', at most 255 bytes. Anything else (.., ., //, backslashes, NUL,
 * absolute paths, hidden files, non-ASCII) is refused: fa-learn's own file names never need it. */
bool fa_path_is_plain(const char *path, size_t len);

/* Turns a heading's text into a URL fragment: lower-case ASCII letters and digits, with runs
 * of anything else collapsed into one '-', no '-' at either end; "section" when nothing is
 * left. Writes at most cap-1 bytes plus NUL into out (cap >= 8). Returns the length. */
size_t fa_path_slug(const char *text, size_t len, char *out, size_t cap);

#endif
