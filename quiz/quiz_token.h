/* quiz_token.h: the attempt token a quiz page is issued with. It carries the attempt's option
 * order (its seed) and the time the page was issued, signed with HMAC-SHA256 under a key of
 * the server's, so that neither can be forged by the learner's browser (issue 14: the start
 * time and the seed were plain form fields; the seed decides how shown option positions map
 * back to the bank's options, issue 13).
 *
 * A token is text: "MASKED_SEED.STARTED_MS.HMAC", the HMAC (64 hex digits) over the quiz's
 * name, the seed and the start time. The seed is XORed with a mask made from the key and the
 * quiz's name, so a token does not tell the learner the bank's order behind the order shown.
 * A token may be used more than once; it is not bound to a learner. The key is 32 random bytes in DATA_DIR/quiz-key (mode 0600), made at the
 * first start. OpenSSL's libcrypto is used only here. */
#ifndef FA_QUIZ_QUIZ_TOKEN_H
#define FA_QUIZ_QUIZ_TOKEN_H

#include "common/fa_err.h"

#include <stddef.h>
#include <stdint.h>

#define QUIZ_TOKEN_MAX 128 /* bytes of a token, its NUL included */
#define QUIZ_KEY_BYTES 32
#define QUIZ_KEY_FILE "quiz-key"

struct quiz_key;

/* Reads DATA_DIR/quiz-key, or makes it when there is none: 32 bytes from getrandom, written
 * to a temporary file (mode 0600) and linked to its name, so that no reader ever sees a part
 * of a key and two servers starting together agree on one. FA_EIO (with the path and the
 * system's reason in diag) when it cannot be read or made; FA_EINVAL when the file is not a
 * key (a wrong size). *out owns the key. */
int quiz_key_open(const char *data_dir, struct quiz_key **out, struct fa_diag *diag);

/* A key from the given bytes (tests and fuzzers); len is at most QUIZ_KEY_BYTES. */
struct quiz_key *quiz_key_new(const unsigned char *bytes, size_t len);
void quiz_key_free(struct quiz_key *key);

/* Writes the token of (quiz, seed, started_ms) into out. quiz is a topic slug or "all".
 * Thread-safe. */
void quiz_token_make(const struct quiz_key *key, const char *quiz, uint32_t seed,
                     int64_t started_ms, char out[QUIZ_TOKEN_MAX]);

/* Reads the seed and start time out of token (len bytes, untrusted; made by key for quiz)
 * without checking its signature: for showing a refused form again, or the start time of a
 * token just made, never for marking. FA_EINVAL when it is not a token's shape. */
int quiz_token_read(const struct quiz_key *key, const char *quiz, const char *token, size_t len,
                    uint32_t *seed, int64_t *started_ms);

/* Checks that token (len bytes, untrusted) was made by key for quiz, and writes its seed and
 * start time. FA_EINVAL when it is not a token's shape, FA_EPOLICY when its signature is not
 * the key's for this quiz (forged, changed, made for another quiz, or by another key). */
int quiz_token_check(const struct quiz_key *key, const char *quiz, const char *token,
                     size_t len, uint32_t *seed, int64_t *started_ms);

#endif
