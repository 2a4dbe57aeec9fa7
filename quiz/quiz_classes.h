/* quiz_classes.h: the classes an instructor creates and the quiz settings of each, kept in the
 * store (quiz_store.h; the SQL is in quiz_store_classes.c). A class is known to learners by
 * its code, typed on the quiz page or filled in by its join link (/join/<code>); attempts
 * with a code no class has, or with none, count as "no class" and get the defaults.
 *
 * Every function is thread-safe (the store's lock). */
#ifndef FA_QUIZ_QUIZ_CLASSES_H
#define FA_QUIZ_QUIZ_CLASSES_H

#include "common/fa_err.h"
#include "quiz/quiz_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIZ_MAX_CLASS_NAME 80 /* bytes */
#define QUIZ_MAX_ATTEMPTS 100  /* the highest attempt limit that can be set */
#define QUIZ_MAX_TIME_LIMIT_S (24 * 3600)
#define QUIZ_MAX_KEEP_DAYS 365

/* What the result page shows the learner. */
enum quiz_reveal {
    QUIZ_REVEAL_ALL,               /* score, answers, right answers and explanations at once */
    QUIZ_REVEAL_SCORE_UNTIL_CLOSE, /* the score only, everything once the class closes */
    QUIZ_REVEAL_SCORE_ONLY,        /* the score only, always */
};

struct quiz_class {
    char code[QUIZ_MAX_CLASS + 1]; /* 1-32 of A-Z a-z 0-9 - _ . */
    char name[QUIZ_MAX_CLASS_NAME + 1];
    bool open; /* a closed class takes no submissions */
    int64_t created_ms;
    int64_t opens_ms, closes_ms; /* submissions only in [opens, closes); 0: no bound */
    int max_attempts;            /* per learner name and quiz; 0: unlimited */
    enum quiz_reveal reveal;
    int time_limit_s; /* per attempt, from the signed start time; 0: none */
    int pool_size;    /* questions drawn per topic for an attempt; 0: all */
    int keep_snippets_days; /* the code of the class's sandbox runs is kept this long; 0: not */
};

/* Whether code (len bytes, untrusted) is a class code: 1-32 of A-Z a-z 0-9 - _ . */
bool quiz_class_code_ok(const char *code, size_t len);

/* A class with the defaults (open, no bounds, unlimited, everything revealed). */
void quiz_class_defaults(struct quiz_class *c);

/* Why c cannot be stored (a static sentence), or NULL when it can: the code's alphabet and
 * length, a name of 1-80 bytes of UTF-8 without controls, bounds in order, settings in
 * their ranges. */
const char *quiz_class_problem(const struct quiz_class *c);

/* Writes a new random code (8 characters from an alphabet without look-alikes) into code. */
int quiz_class_new_code(char code[QUIZ_MAX_CLASS + 1]);

/* Creates c (FA_EBUSY when its code is taken) or replaces the class with c's code
 * (FA_ENOTFOUND when there is none). FA_EINVAL when quiz_class_problem objects. */
int quiz_store_class_create(struct quiz_store *store, const struct quiz_class *c,
                            struct fa_diag *diag);
int quiz_store_class_update(struct quiz_store *store, const struct quiz_class *c,
                            struct fa_diag *diag);
/* The class with this code: FA_ENOTFOUND when there is none. */
int quiz_store_class_get(struct quiz_store *store, const char *code, struct quiz_class *out,
                         struct fa_diag *diag);
/* Every class, by code, with how many attempts it has. A non-zero return from each stops and
 * is returned. */
int quiz_store_class_list(struct quiz_store *store,
                          int (*each)(void *ctx, const struct quiz_class *c, long n_attempts),
                          void *ctx, struct fa_diag *diag);
/* Deletes the class and every attempt made with its code, in one transaction;
 * *n_attempts receives how many went. FA_ENOTFOUND when there is no such class. */
int quiz_store_class_delete(struct quiz_store *store, const char *code, long *n_attempts,
                            struct fa_diag *diag);

/* Deletes a learner's attempts in a class ("" for no class); *n_attempts receives how many. */
int quiz_store_learner_delete(struct quiz_store *store, const char *class_code, const char *learner,
                              long *n_attempts, struct fa_diag *diag);
/* How many attempts the learner has made at quiz in the class (for the attempt limit). */
int quiz_store_attempt_count(struct quiz_store *store, const char *class_code, const char *learner,
                             const char *quiz, long *n, struct fa_diag *diag);
/* Deletes the attempts submitted before before_ms (the retention setting). */
int quiz_store_purge(struct quiz_store *store, int64_t before_ms, long *n_attempts,
                     struct fa_diag *diag);

#endif
