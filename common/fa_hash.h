/* fa_hash.h: the one non-cryptographic hash of the tree, 64-bit FNV-1a (Fowler, Noll, Vo;
 * draft-eastlake-fnv). For hash-table slots and ETags only: it is fast and spreads short keys
 * well, and anyone can compute collisions, so never use it where an adversary chooses keys
 * to hurt (or to guess) something. Pure functions: thread-safe. */
#ifndef FA_COMMON_FA_HASH_H
#define FA_COMMON_FA_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a's 64-bit offset basis: the h to start from. */
#define FA_FNV1A64_BASIS UINT64_C(14695981039346656037)

/* Folds len bytes of data into h (FA_FNV1A64_BASIS to start; a previous result to hash
 * several pieces as one) and returns the new hash. */
uint64_t fa_fnv1a64(const void *data, size_t len, uint64_t h);

/* fa_fnv1a64 of a NUL-terminated string, from FA_FNV1A64_BASIS. */
uint64_t fa_fnv1a64_str(const char *s);

#endif
