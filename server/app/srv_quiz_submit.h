/* srv_quiz_submit.h: what the form and the JSON submissions share: a submission's fields
 * checked one by one (each check returns NULL, or the sentence that says what is wrong),
 * its attempt token checked and its options mapped back to the bank's, the marking and the
 * storing with its reports; and the attempt tokens of new quiz pages. Thread-safe. */
#ifndef FA_SERVER_APP_SRV_QUIZ_SUBMIT_H
#define FA_SERVER_APP_SRV_QUIZ_SUBMIT_H

#include "common/fa_buf.h"
#include "server/http/srv_http.h"
#include "server/model/srv_quiz_int.h"

/* The most bytes of a submission's body (form or JSON). */
#define SRV_QUIZ_MAX_BODY (64 * 1024)

/* The most bytes a report (text or Markdown) may take. */
#define SRV_QUIZ_REPORT_MAX (1 << 20)

/* Wall-clock milliseconds since the epoch. */
int64_t srv_quiz_now_ms(void);

/* A new attempt of the quiz slug: a random seed, started now, and its token (empty without
 * a key: the page still shows, but no submission will be accepted). */
void srv_quiz_new_attempt(const struct srv_req *req, const char *slug, uint32_t *seed,
                          char token[QUIZ_TOKEN_MAX]);

/* An empty submission for bank (topic -2: not named yet); srv_quiz_submission_free frees
 * it (n: the bank's questions + 1). */
void srv_quiz_submission_init(struct submission *s, const struct quiz_bank *bank);
void srv_quiz_submission_free(struct submission *s, size_t n);

/* A learner's name (1-80 bytes of UTF-8 without control characters, trimmed) and a class
 * code (empty, or 1-32 of A-Z a-z 0-9 - _ .), copied into out when they are fine. */
const char *srv_quiz_take_name(const char *in, char *out, size_t cap);
const char *srv_quiz_take_class(const char *in, char *out, size_t cap);
/* Records the answer value for question id: an option's place as shown (choice types,
 * repeated for multiple) or a text (short; value NULL: none). */
const char *srv_quiz_take_answer(const struct quiz_bank *bank, struct submission *s, const char *id,
                                 const char *value, bool is_text);

/* Copies an attempt token as sent into s; one too long to be a token is kept as a garbled
 * one. */
void srv_quiz_keep_attempt(struct submission *s, const char *token);
/* Checks s's token and maps the options chosen to the bank's through its seed. 0;
 * FA_ENOTFOUND without a token, FA_EINVAL when it is garbled, FA_EPOLICY when it does not
 * check out (then the answers are mapped through the seed it claims, to be shown again,
 * never marked). */
int srv_quiz_take_attempt(const struct srv_req *req, const struct quiz_bank *bank,
                          struct submission *s);
/* What the learner reads when the form's attempt token is refused (take_attempt's rc). */
const char *srv_quiz_attempt_problem(int rc);

/* The site's public address as srv_quiz_permalink writes it, and the whole link: out must
 * have room for SRV_QUIZ_PERMALINK_MAX bytes, or the link is cut short. */
#define SRV_QUIZ_BASE_MAX 512
#define SRV_QUIZ_PERMALINK_MAX (SRV_QUIZ_BASE_MAX + sizeof "/report/" + QUIZ_REPORT_ID_LEN)
/* The report's full URL under the site's public address, into out. */
void srv_quiz_permalink(const struct srv_req *req, const char *report_id, char *out, size_t len);
/* Marks s, makes its reports and stores them with it; fills a (release with
 * srv_quiz_attempt_cleanup). FA_EIO without a store, FA_EDB when it could not be stored. */
int srv_quiz_grade_and_store(struct srv_req *req, const struct srv_quiz *quiz,
                             const struct submission *s, struct quiz_attempt *a);
void srv_quiz_attempt_cleanup(struct quiz_attempt *a);

/* The attempt's reports: as stored with it, or (attempts from before schema version 2) made
 * again from the bank; md may be NULL when only the text is wanted. text and md are
 * initialised here; the caller cleans them up. FA_ELIMIT only. */
int srv_quiz_stored_reports(const struct srv_req *req, const struct srv_quiz *quiz,
                            const struct quiz_attempt *a, struct fa_buf *text, struct fa_buf *md);

/* The attempt named by the path after prefix, into *out (quiz_attempt_free), and 200; or
 * the status of the error: with json, only the status (404, 500, 503), for the caller to
 * answer in JSON; else the error page is in resp already. */
int srv_quiz_load_attempt(struct srv_req *req, struct srv_resp *resp, const char *prefix,
                          struct quiz_attempt **out, bool json);

#endif
