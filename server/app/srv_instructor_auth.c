/* srv_instructor_auth.c: the instructor's token and sessions (see srv_instructor_auth.h).
 * SHA-256 and the constant-time comparison are OpenSSL's libcrypto. */
#include "server/app/srv_instructor_auth.h"

#include "common/fa_buf.h"
#include "common/fa_file.h"
#include "common/fa_mem.h"
#include "server/http/srv_ratelimit.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* The store's setting holding the generated token's hash. */
#define TOKEN_SETTING "admin_token_sha256"

struct srv_instructor {
    struct quiz_store *store;
    unsigned char token_hash[32]; /* SHA-256 of the token */
    struct srv_ratelimit *tries;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void to_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 32;
    /* SHA-256 of a small buffer cannot fail short of memory exhaustion; a zero hash then
     * matches nothing a token could hash to. */
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1)
        memset(out, 0, 32);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[32];
    sha256(data, len, h);
    to_hex(h, 32, out);
}

/* 32 random bytes as 64 hex digits: tokens, cookies and CSRF tokens. */
static int random_hex(char out[65], struct fa_diag *diag)
{
    unsigned char bytes[32];
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes)
        return fa_diag_set(diag, FA_EIO, "instructor: the system gave no random bytes");
    to_hex(bytes, sizeof bytes, out);
    return FA_OK;
}

static bool hex_to_bytes(const char *hex, unsigned char *out, size_t n)
{
    if (strlen(hex) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = fa_hex_digit(hex[2 * i]), lo = fa_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

static int token_from_file(struct srv_instructor *in, const char *path, struct fa_diag *diag)
{
    char *text = NULL;
    size_t len = 0;
    int rc = fa_file_read(path, 4096, 0, &text, &len, diag);
    if (rc)
        return rc;
    const char *start = text, *end = text + len;
    while (start < end && (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r'))
        start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    size_t n = (size_t)(end - start);
    bool printable = true;
    for (const char *p = start; p < end; p++)
        printable = printable && *p > 0x20 && *p < 0x7f;
    if (n < SRV_INSTRUCTOR_TOKEN_MIN || n > SRV_INSTRUCTOR_TOKEN_MAX || !printable)
        rc = fa_diag_set(diag, FA_EINVAL,
                         "%s: the instructor token must be %d to %d printable ASCII characters "
                         "without spaces",
                         path, SRV_INSTRUCTOR_TOKEN_MIN, SRV_INSTRUCTOR_TOKEN_MAX);
    else
        sha256(start, n, in->token_hash);
    OPENSSL_cleanse(text, len);
    fa_free(text);
    return rc;
}

int srv_instructor_new_token(struct quiz_store *store, char token[65], struct fa_diag *diag)
{
    char hash[65];
    int rc = random_hex(token, diag);
    if (rc)
        return rc;
    sha256_hex(token, 64, hash);
    rc = quiz_store_setting_set(store, TOKEN_SETTING, hash, diag);
    if (!rc)
        rc = quiz_store_session_end(store, NULL, now_ms(), diag);
    return rc;
}

int srv_instructor_open(struct quiz_store *store, const char *token_file, FILE *announce,
                        struct srv_instructor **out, struct fa_diag *diag)
{
    struct srv_instructor *in = fa_xcalloc(1, sizeof *in);
    char hash[65];
    int rc;

    in->store = store;
    if (token_file && token_file[0]) {
        rc = token_from_file(in, token_file, diag);
    } else {
        rc = quiz_store_setting_get(store, TOKEN_SETTING, hash, sizeof hash, diag);
        if (rc == FA_ENOTFOUND) {
            char token[65];
            rc = srv_instructor_new_token(store, token, diag);
            if (!rc && announce)
                fprintf(announce,
                        "fa-learn: the instructor's token (shown once; sign in at "
                        "/instructor/login; `fa-learn admin-token` makes a new one):\n  %s\n",
                        token);
            if (!rc)
                sha256_hex(token, 64, hash);
            OPENSSL_cleanse(token, sizeof token);
        }
        if (!rc && !hex_to_bytes(hash, in->token_hash, sizeof in->token_hash))
            rc = fa_diag_set(diag, FA_EINVAL,
                             "instructor: the stored token hash is damaged; "
                             "make a new token with fa-learn admin-token");
    }
    if (rc) {
        fa_free(in);
        return rc;
    }
    in->tries = srv_ratelimit_new(SRV_INSTRUCTOR_LOGINS_PER_MINUTE);
    *out = in;
    return FA_OK;
}

void srv_instructor_free(struct srv_instructor *in)
{
    if (!in)
        return;
    srv_ratelimit_free(in->tries);
    OPENSSL_cleanse(in->token_hash, sizeof in->token_hash);
    fa_free(in);
}

bool srv_instructor_may_try(struct srv_instructor *in, const char *client, int *retry_after_s)
{
    return srv_ratelimit_take(in->tries, client, retry_after_s);
}

int srv_instructor_sign_in(struct srv_instructor *in, const char *token, size_t len,
                           char cookie[65], char csrf[65], struct fa_diag *diag)
{
    unsigned char given[32];
    char cookie_hash[65];
    int64_t now = now_ms();

    /* Hashing first makes the comparison's length fixed: nothing about the token's length
     * or its first differing byte leaks through the time taken. */
    sha256(token, len, given);
    if (len > SRV_INSTRUCTOR_TOKEN_MAX || CRYPTO_memcmp(given, in->token_hash, sizeof given) != 0)
        return fa_diag_set(diag, FA_EDENIED, "instructor: wrong token");
    int rc = random_hex(cookie, diag);
    if (!rc)
        rc = random_hex(csrf, diag);
    if (rc)
        return rc;
    sha256_hex(cookie, 64, cookie_hash);
    return quiz_store_session_save(in->store, cookie_hash, csrf, now,
                                   now + SRV_INSTRUCTOR_SESSION_S * 1000LL, diag);
}

/* The value of our cookie in a Cookie header ("a=1; fa_instructor=<64 hex>"), into out;
 * false when it is missing or not 64 hex digits. */
static bool find_cookie(const char *header, char out[65])
{
    static const char name[] = SRV_INSTRUCTOR_COOKIE "=";
    for (const char *p = header; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t len = strcspn(p, ";");
        if (len == 64 + sizeof name - 1 && strncmp(p, name, sizeof name - 1) == 0) {
            memcpy(out, p + sizeof name - 1, 64);
            out[64] = '\0';
            unsigned char bytes[32];
            return hex_to_bytes(out, bytes, sizeof bytes);
        }
        p += len;
    }
    return false;
}

int srv_instructor_session(struct srv_instructor *in, const char *cookie_header, char csrf[65],
                           struct fa_diag *diag)
{
    char cookie[65], hash[65];
    if (!find_cookie(cookie_header, cookie))
        return FA_ENOTFOUND;
    sha256_hex(cookie, 64, hash);
    return quiz_store_session_find(in->store, hash, now_ms(), csrf, diag);
}

bool srv_instructor_csrf_ok(const char *csrf, const char *given)
{
    return given && strlen(given) == 64 && strlen(csrf) == 64 &&
           CRYPTO_memcmp(csrf, given, 64) == 0;
}

int srv_instructor_sign_out(struct srv_instructor *in, const char *cookie_header,
                            struct fa_diag *diag)
{
    char cookie[65], hash[65];
    if (!find_cookie(cookie_header, cookie))
        return FA_OK;
    sha256_hex(cookie, 64, hash);
    return quiz_store_session_end(in->store, hash, now_ms(), diag);
}
