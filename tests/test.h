/*
 * test.h -- the whole test framework: CHECK macros that count, and a main that prints
 * "N passed, N failed" and exits non-zero on any failure. Each test file defines
 * `static void run_tests(void)` calling TEST(fn) for each case, then TEST_MAIN().
 */
#ifndef TFLC_TEST_H
#define TFLC_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed, test_failed, test_case_failed;
static const char *test_current = "";

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__,          \
                    test_current, #cond);                                                   \
            test_case_failed = 1;                                                           \
        }                                                                                   \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: [%s] CHECK failed: %s: ", __FILE__, __LINE__,          \
                    test_current, #cond);                                                   \
            fprintf(stderr, __VA_ARGS__);                                                   \
            fputc('\n', stderr);                                                            \
            test_case_failed = 1;                                                           \
        }                                                                                   \
    } while (0)

/* status equality with the library's message on failure */
#define CHECK_OK(expr)                                                                      \
    do {                                                                                    \
        int check_ok_s_ = (int)(expr);                                                      \
        CHECK_MSG(check_ok_s_ == 0, "status %d: %s", check_ok_s_, tflc_last_error());       \
    } while (0)

/* Through a function so that an array argument does not trip -Waddress. */
static inline const char *test_str_or_null(const char *s) { return s ? s : "(null)"; }
static inline int test_str_contains(const char *hay, const char *needle) {
    return hay != NULL && strstr(hay, needle) != NULL;
}
#define CHECK_STR_CONTAINS(hay, needle)                                                     \
    CHECK_MSG(test_str_contains((hay), (needle)), "\"%s\" lacks \"%s\"",                   \
              test_str_or_null(hay), (needle))

#define TEST(fn)                                                                            \
    do {                                                                                    \
        test_current = #fn;                                                                 \
        test_case_failed = 0;                                                               \
        fn();                                                                               \
        if (test_case_failed) { test_failed++; fprintf(stderr, "FAIL %s\n", #fn); }        \
        else { test_passed++; }                                                             \
    } while (0)

#define TEST_MAIN()                                                                         \
    int main(void) {                                                                        \
        run_tests();                                                                        \
        printf("%d passed, %d failed\n", test_passed, test_failed);                        \
        return test_failed ? 1 : 0;                                                         \
    }

/* Directory of the committed fixtures, set by CMake. */
#ifndef TFLC_TEST_MODELS_DIR
#define TFLC_TEST_MODELS_DIR "tests/models"
#endif

#endif
