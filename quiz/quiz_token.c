/* quiz_token.c: signed attempt tokens and the key they are signed with (see quiz_token.h). */
#include "quiz/quiz_token.h"

#include "common/fa_buf.h"
#include "common/fa_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAC_HEX 64 /* HMAC-SHA256 in hex */

struct quiz_key {
    unsigned char bytes[QUIZ_KEY_BYTES];
    size_t len;
};

struct quiz_key *quiz_key_new(const unsigned char *bytes, size_t len)
{
    struct quiz_key *key = fa_xcalloc(1, sizeof *key);

    key->len = len < QUIZ_KEY_BYTES ? len : QUIZ_KEY_BYTES;
    memcpy(key->bytes, bytes, key->len);
    return key;
}

void quiz_key_free(struct quiz_key *key)
{
    if (!key)
        return;
    OPENSSL_cleanse(key->bytes, sizeof key->bytes);
    fa_free(key);
}

/* Reads exactly QUIZ_KEY_BYTES from path into bytes. */
static int read_key(const char *path, unsigned char *bytes, struct fa_diag *diag)
{
    unsigned char extra;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc = FA_OK;

    if (fd < 0)
        return fa_diag_set(diag, errno == ENOENT ? FA_ENOTFOUND : FA_EIO, "%s: %s", path,
                           strerror(errno));
    while (got < QUIZ_KEY_BYTES) {
        ssize_t n = read(fd, bytes + got, QUIZ_KEY_BYTES - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = fa_diag_set(diag, FA_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got != QUIZ_KEY_BYTES || read(fd, &extra, 1) != 0)
        rc = fa_diag_set(diag, FA_EINVAL, "%s: not a quiz key (it must be %d bytes; remove it "
                                          "to make a new one, which voids the quizzes open now)",
                         path, QUIZ_KEY_BYTES);
out:
    close(fd);
    return rc;
}

/* Writes a fresh key to a temporary file and links it to path; EEXIST from link means another
 * process made the key first, which is then the one to read. */
static int make_key(const char *path, struct fa_diag *diag)
{
    unsigned char bytes[QUIZ_KEY_BYTES];
    char *tmp = fa_xasprintf("%s.%ld.tmp", path, (long)getpid());
    int fd = -1, rc = FA_OK;

    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) {
        rc = fa_diag_set(diag, FA_EIO, "getrandom: %s", strerror(errno));
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || write(fd, bytes, sizeof bytes) != (ssize_t)sizeof bytes || fsync(fd) != 0) {
        rc = fa_diag_set(diag, FA_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (link(tmp, path) != 0 && errno != EEXIST)
        rc = fa_diag_set(diag, FA_EIO, "%s: %s", path, strerror(errno));
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    OPENSSL_cleanse(bytes, sizeof bytes);
    fa_free(tmp);
    return rc;
}

int quiz_key_open(const char *data_dir, struct quiz_key **out, struct fa_diag *diag)
{
    unsigned char bytes[QUIZ_KEY_BYTES];
    char *path = fa_xasprintf("%s/%s", data_dir, QUIZ_KEY_FILE);
    int rc = read_key(path, bytes, diag);

    if (rc == FA_ENOTFOUND) {
        rc = make_key(path, diag);
        if (!rc)
            rc = read_key(path, bytes, diag);
    }
    if (!rc)
        *out = quiz_key_new(bytes, sizeof bytes);
    OPENSSL_cleanse(bytes, sizeof bytes);
    fa_free(path);
    return rc;
}

/* HMAC-SHA256 of len bytes of text under key into mac (32 bytes). */
static void hmac(const struct quiz_key *key, const char *text, size_t len, unsigned char *mac)
{
    unsigned int mac_len = 0;

    HMAC(EVP_sha256(), key->bytes, (int)key->len, (const unsigned char *)text, len, mac,
         &mac_len);
}

/* What a seed is XORed with in quiz's tokens: 32 bits of an HMAC of the quiz's name. The
 * seed would otherwise tell the learner the order of the bank's options behind the order
 * shown, which is what option values must not tell (issue 13); seeds are uniformly random,
 * so a masked one says nothing without the key. */
static uint32_t seed_mask(const struct quiz_key *key, const char *quiz)
{
    char text[100];
    unsigned char mac[EVP_MAX_MD_SIZE];
    int len = snprintf(text, sizeof text, "fa-learn quiz seed mask 1%c%.64s", '\0', quiz);

    hmac(key, text, (size_t)len, mac);
    return (uint32_t)mac[0] << 24 | (uint32_t)mac[1] << 16 | (uint32_t)mac[2] << 8 | mac[3];
}

/* The HMAC of (quiz, seed, started_ms) in lower-case hex. The quiz's name ends at a NUL in
 * the signed text, so no name can be made to read as another name plus numbers. */
static void mac_hex(const struct quiz_key *key, const char *quiz, uint32_t seed,
                    int64_t started_ms, char hex[MAC_HEX + 1])
{
    char text[200];
    unsigned char mac[EVP_MAX_MD_SIZE];
    int len = snprintf(text, sizeof text, "fa-learn quiz attempt 1%c%.64s%c%" PRIu32 "%c%" PRId64,
                       '\0', quiz, '\0', seed, '\0', started_ms);

    hmac(key, text, (size_t)len, mac);
    for (unsigned int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
}

void quiz_token_make(const struct quiz_key *key, const char *quiz, uint32_t seed,
                     int64_t started_ms, char out[QUIZ_TOKEN_MAX])
{
    char hex[MAC_HEX + 1];

    mac_hex(key, quiz, seed, started_ms, hex);
    snprintf(out, QUIZ_TOKEN_MAX, "%" PRIu32 ".%" PRId64 ".%s", seed ^ seed_mask(key, quiz),
             started_ms, hex);
}

/* Reads 1..max_digits decimal digits at *p (up to end) into *value; false when there are
 * none, too many, or the value passes limit. */
static bool take_number(const char **p, const char *end, int max_digits, uint64_t limit,
                        uint64_t *value)
{
    int n = 0;

    *value = 0;
    while (*p < end && **p >= '0' && **p <= '9') {
        if (++n > max_digits)
            return false;
        *value = *value * 10 + (uint64_t)(**p - '0');
        (*p)++;
    }
    return n > 0 && *value <= limit;
}

/* The token's three parts: its masked seed, its start time (its HMAC is the last MAC_HEX
 * bytes). FA_EINVAL when it is not a token's shape. */
static int token_parts(const char *token, size_t len, uint32_t *masked, int64_t *started_ms)
{
    const char *p = token, *end = token + len;
    uint64_t s, t;

    if (len >= QUIZ_TOKEN_MAX || !take_number(&p, end, 10, UINT32_MAX, &s) || p == end ||
        *p++ != '.' || !take_number(&p, end, 18, INT64_MAX, &t) || p == end || *p++ != '.' ||
        end - p != MAC_HEX)
        return FA_EINVAL;
    for (; p < end; p++)
        if (fa_hex_digit(*p) < 0 || (*p >= 'A' && *p <= 'F'))
            return FA_EINVAL;
    *masked = (uint32_t)s;
    *started_ms = (int64_t)t;
    return FA_OK;
}

int quiz_token_read(const struct quiz_key *key, const char *quiz, const char *token, size_t len,
                    uint32_t *seed, int64_t *started_ms)
{
    uint32_t masked;
    int64_t t;

    if (token_parts(token, len, &masked, &t))
        return FA_EINVAL;
    *seed = masked ^ seed_mask(key, quiz);
    *started_ms = t;
    return FA_OK;
}

int quiz_token_check(const struct quiz_key *key, const char *quiz, const char *token,
                     size_t len, uint32_t *seed, int64_t *started_ms)
{
    char hex[MAC_HEX + 1];
    uint32_t s;
    int64_t t;

    if (quiz_token_read(key, quiz, token, len, &s, &t))
        return FA_EINVAL;
    mac_hex(key, quiz, s, t, hex);
    if (CRYPTO_memcmp(hex, token + len - MAC_HEX, MAC_HEX) != 0)
        return FA_EPOLICY;
    *seed = s;
    *started_ms = t;
    return FA_OK;
}
