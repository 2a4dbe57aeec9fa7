/* srv_instructor_auth.h: who may see the instructor's pages. One instructor token (in a file
 * the operator names, or generated at first start and kept only as its SHA-256 in the
 * store), exchanged at sign-in for a session: a random cookie, of which the store keeps only
 * the hash, with a CSRF token for the forms the session sends. Sessions survive restarts
 * and expire after SRV_INSTRUCTOR_SESSION_S. Sign-in attempts are limited per client.
 *
 * Thread-safe after srv_instructor_open. Secrets are compared in constant time. */
#ifndef FA_SERVER_APP_SRV_INSTRUCTOR_AUTH_H
#define FA_SERVER_APP_SRV_INSTRUCTOR_AUTH_H

#include "common/fa_err.h"
#include "quiz/quiz_store.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SRV_INSTRUCTOR_COOKIE "fa_instructor"
#define SRV_INSTRUCTOR_SESSION_S (8 * 3600) /* a working day */
#define SRV_INSTRUCTOR_LOGINS_PER_MINUTE 10 /* sign-in attempts per client */
#define SRV_INSTRUCTOR_TOKEN_MIN 16         /* characters of a token from a file */
#define SRV_INSTRUCTOR_TOKEN_MAX 256

struct srv_instructor;

/* Sets up the instructor's access for a server whose store is store (borrowed). With
 * token_file, the token is that file's content (white space around it ignored; 16 to 256
 * printable ASCII characters, else FA_EINVAL). Without, the store's token hash is used; at
 * the first start a token is generated, its hash stored, and the token written once to
 * announce (with how to make a new one). */
int srv_instructor_open(struct quiz_store *store, const char *token_file, FILE *announce,
                        struct srv_instructor **out, struct fa_diag *diag);
void srv_instructor_free(struct srv_instructor *in);

/* Makes a new token for the store of data_dir (fa-learn admin-token): its hash replaces the
 * old one, every session ends, and the token is written into token (64 hex digits). */
int srv_instructor_new_token(struct quiz_store *store, char token[65], struct fa_diag *diag);

/* Whether client may try to sign in now (SRV_INSTRUCTOR_LOGINS_PER_MINUTE); when not,
 * *retry_after_s says when it may. */
bool srv_instructor_may_try(struct srv_instructor *in, const char *client, int *retry_after_s);

/* Checks token (len bytes, untrusted) and on success starts a session: its cookie value
 * and CSRF token are written out. FA_EDENIED for a wrong token, FA_EDB from the store. */
int srv_instructor_sign_in(struct srv_instructor *in, const char *token, size_t len,
                           char cookie[65], char csrf[65], struct fa_diag *diag);

/* The session a Cookie header carries (NULL: none): FA_OK with its CSRF token, FA_ENOTFOUND
 * when there is no live session (no cookie, unknown, expired), FA_EDB from the store. */
int srv_instructor_session(struct srv_instructor *in, const char *cookie_header, char csrf[65],
                           struct fa_diag *diag);

/* Whether given (untrusted, may be NULL) equals the session's CSRF token. */
bool srv_instructor_csrf_ok(const char *csrf, const char *given);

/* Ends the session of the Cookie header (and every expired one). */
int srv_instructor_sign_out(struct srv_instructor *in, const char *cookie_header,
                            struct fa_diag *diag);

#endif
