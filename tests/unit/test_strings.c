/*
 * test_strings.c -- string tensors: the layout check, the C API for string inputs, and
 * string errors. End-to-end string models (the guide's encode/decode) are in test_guide and
 * test_flex.
 */
#include <string.h>

#include "format/string_layout.h"
#include "test.h"

/* n=2: "ab", "" -> [2][16][18][18] "ab" */
static const unsigned char two_strings[18] = {2, 0, 0, 0, 16, 0, 0, 0, 18, 0, 0, 0, 18, 0, 0, 0, 'a', 'b'};

static void test_layout_valid(void) {
    CHECK(tflc_strings_valid(two_strings, sizeof two_strings, 2));
    CHECK(!tflc_strings_valid(two_strings, sizeof two_strings, 1));   /* count differs */
    CHECK(!tflc_strings_valid(two_strings, sizeof two_strings - 1, 2)); /* offsets[n] != size */
    CHECK(!tflc_strings_valid(two_strings, 7, 0));
    CHECK(!tflc_strings_valid(NULL, 0, 0));
    static const unsigned char empty[8] = {0, 0, 0, 0, 8, 0, 0, 0};
    CHECK(tflc_strings_valid(empty, sizeof empty, 0));
}

static void test_layout_rejects_hostile_offsets(void) {
    unsigned char b[18];
    memcpy(b, two_strings, sizeof b);
    b[8] = 20; /* offsets[1] past the end */
    CHECK(!tflc_strings_valid(b, sizeof b, 2));
    memcpy(b, two_strings, sizeof b);
    b[4] = 12; /* offsets[0] inside the header */
    CHECK(!tflc_strings_valid(b, sizeof b, 2));
    memcpy(b, two_strings, sizeof b);
    b[8] = 15; /* decreasing */
    CHECK(!tflc_strings_valid(b, sizeof b, 2));
    memcpy(b, two_strings, sizeof b);
    b[3] = 0x80; /* negative count */
    CHECK(!tflc_strings_valid(b, sizeof b, 2));
    memcpy(b, two_strings, sizeof b);
    b[0] = 0xff; b[1] = 0xff; b[2] = 0xff; b[3] = 0x3f; /* count near 2^30: header overflows */
    CHECK(!tflc_strings_valid(b, sizeof b, 0x3fffffff));
}

static void test_buffer_size(void) {
    CHECK(tflc_strings_buffer_size(0, 0) == 8);
    CHECK(tflc_strings_buffer_size(2, 2) == 18);
    CHECK(tflc_strings_buffer_size((size_t)1 << 40, 0) == 0);
    CHECK(tflc_strings_buffer_size(1, (size_t)1 << 31) == 0);
}

static void run_tests(void) {
    TEST(test_layout_valid);
    TEST(test_layout_rejects_hostile_offsets);
    TEST(test_buffer_size);
}

TEST_MAIN()
