/* harness.h: the tiny unit-test harness shared by tests/unit/test_<module>.c (cmark:
 * api_test/harness.h). Each check prints the failing expression with file:line; main returns
 * harness_exit(), non-zero when any check failed or no check ran at all. */
#ifndef FA_TESTS_UNIT_HARNESS_H
#define FA_TESTS_UNIT_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_checks, harness_failures;

#define OK(cond)                                                                               \
    do {                                                                                       \
        harness_checks++;                                                                      \
        if (!(cond)) {                                                                         \
            harness_failures++;                                                                \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);                 \
        }                                                                                      \
    } while (0)

#define INT_EQ(got, want)                                                                      \
    do {                                                                                       \
        long long got_ = (long long)(got), want_ = (long long)(want);                          \
        harness_checks++;                                                                      \
        if (got_ != want_) {                                                                   \
            harness_failures++;                                                                \
            fprintf(stderr, "%s:%d: FAILED: %s == %lld, want %lld\n", __FILE__, __LINE__,     \
                    #got, got_, want_);                                                        \
        }                                                                                      \
    } while (0)

#define STR_EQ(got, want)                                                                      \
    do {                                                                                       \
        const char *got_ = (got), *want_ = (want);                                             \
        harness_checks++;                                                                      \
        if (!got_ || strcmp(got_, want_) != 0) {                                               \
            harness_failures++;                                                                \
            fprintf(stderr, "%s:%d: FAILED: %s\n  got:  \"%s\"\n  want: \"%s\"\n", __FILE__,   \
                    __LINE__, #got, got_ ? got_ : "(null)", want_);                            \
        }                                                                                      \
    } while (0)

/* True when needle occurs in haystack (both NUL-terminated; a NULL haystack never matches). */
static inline int harness_contains(const char *haystack, const char *needle)
{
    return haystack && strstr(haystack, needle) != NULL;
}
#define CONTAINS(haystack, needle) harness_contains((haystack), (needle))

static inline int harness_exit(void)
{
    printf("%d checks, %d failed\n", harness_checks, harness_failures);
    return harness_failures || !harness_checks;
}

#endif
