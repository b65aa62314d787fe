/*
 * test_mutation.c -- bad input never hurts. For every committed fixture model:
 *   - every truncation (each length from 0 to size-1) must fail to load, unless only
 *     trailing padding was cut;
 *   - seeded random byte mutations (at least 10,000 in all) must each end in an error status
 *     or a normal run.
 * Run under ASan/UBSan (make asan) this proves no out-of-bounds access, leak or UB.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercise.h"
#include "test.h"

#define MAX_MODELS 64
#define TOTAL_MUTATIONS 12000

typedef struct fixture {
    char path[512];
    uint8_t *bytes;
    size_t size;
} fixture;

static fixture fixtures[MAX_MODELS];
static int n_fixtures;

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    *size = buf ? (size_t)n : 0;
    return buf;
}

static int by_path(const void *a, const void *b) {
    return strcmp(((const fixture *)a)->path, ((const fixture *)b)->path);
}

static void load_fixtures(void) {
    DIR *dir = opendir(TFLC_TEST_MODELS_DIR);
    if (!dir) return;
    struct dirent *e;
    while ((e = readdir(dir)) && n_fixtures < MAX_MODELS) {
        size_t len = strlen(e->d_name);
        if (len < 8 || strcmp(e->d_name + len - 7, ".tflite") != 0) continue;
        fixture *f = &fixtures[n_fixtures];
        snprintf(f->path, sizeof f->path, "%s/%s", TFLC_TEST_MODELS_DIR, e->d_name);
        f->bytes = read_file(f->path, &f->size);
        if (f->bytes) n_fixtures++;
    }
    closedir(dir);
    qsort(fixtures, (size_t)n_fixtures, sizeof *fixtures, by_path); /* readdir order varies */
}

/* Unmutated, every fixture runs end to end, except those holding a custom op that only
 * test_api registers: they must load and then stop at runner creation. */
static void test_fixtures_present_and_valid(void) {
    CHECK_MSG(n_fixtures >= 4, "found %d fixture models in %s", n_fixtures, TFLC_TEST_MODELS_DIR);
    for (int i = 0; i < n_fixtures; i++) {
        int ran = exercise_model_bytes(fixtures[i].bytes, fixtures[i].size);
        int needs_custom_op = strstr(fixtures[i].path, "/custom_") != NULL;
        CHECK_MSG(ran != needs_custom_op, "%s: ran=%d: %s", fixtures[i].path, ran, tflc_last_error());
        if (needs_custom_op) CHECK_STR_CONTAINS(tflc_last_error(), "is not registered");
    }
}

/* The smallest fixture is truncated at every length; the others at 997 spread lengths.
 * A truncated file either fails to load, or loads because only trailing zero padding that
 * nothing references was cut (the builder's alignment, or the converter's padding after
 * external buffers); then it must run. The bytes sit in an exact-size heap block, so the
 * sanitizers see any read past the end. */
static int all_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

static void test_truncations_fail(void) {
    for (int i = 0; i < n_fixtures; i++) {
        fixture *f = &fixtures[i];
        size_t step = f->size / 997 + 1;
        if (i == 0) step = 1;
        for (size_t len = 0; len < f->size; len += step) {
            uint8_t *copy = malloc(len ? len : 1);
            memcpy(copy, f->bytes, len);
            tflc_model *m = NULL;
            tflc_status s = tflc_model_load_buffer(copy, len, NULL, &m);
            if (s != TFLC_OK) {
                CHECK(m == NULL && tflc_last_error()[0] != '\0');
            } else {
                CHECK_MSG(all_zero(f->bytes + len, f->size - len), "%s truncated to %zu of %zu bytes loaded",
                          f->path, len, f->size);
                tflc_model_free(m);
                exercise_model_bytes(copy, len);
            }
            free(copy);
        }
    }
}

static uint32_t next_random(uint32_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* One mutation: 1-8 bytes overwritten with random values or with "interesting" ones
 * (0, 0xff, 0x7f, 0x80) that turn lengths and offsets hostile. */
static void mutate(uint8_t *buf, size_t size, uint32_t *rng) {
    static const uint8_t interesting[] = {0x00, 0xff, 0x7f, 0x80, 0x01, 0x10};
    int n = 1 + (int)(next_random(rng) % 8);
    for (int k = 0; k < n; k++) {
        size_t at = next_random(rng) % size;
        uint32_t r = next_random(rng);
        buf[at] = (r & 1) ? (uint8_t)(r >> 8) : interesting[(r >> 8) % sizeof interesting];
    }
}

static void test_random_mutations(void) {
    uint32_t rng = 0x7f4a7c15u;
    int ran = 0, loaded_and_ran = 0;
    for (int round = 0; n_fixtures && round < TOTAL_MUTATIONS; round++) {
        fixture *f = &fixtures[round % n_fixtures];
        uint8_t *copy = malloc(f->size);
        memcpy(copy, f->bytes, f->size);
        mutate(copy, f->size, &rng);
        loaded_and_ran += exercise_model_bytes(copy, f->size);
        free(copy);
        ran++;
    }
    printf("mutations: %d run, %d still ran end to end\n", ran, loaded_and_ran);
    CHECK(ran == TOTAL_MUTATIONS);
}

/* Inputs the fuzzer (make fuzz) once crashed on, kept in tests/fuzz/regressions/: each must
 * now fail cleanly somewhere between load and invoke (under ASan/UBSan in CI). */
static void test_fuzz_regressions(void) {
    DIR *dir = opendir(TFLC_TEST_FUZZ_REGRESSIONS_DIR);
    CHECK_MSG(dir != NULL, "cannot open %s", TFLC_TEST_FUZZ_REGRESSIONS_DIR);
    if (!dir) return;
    int n = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", TFLC_TEST_FUZZ_REGRESSIONS_DIR, e->d_name);
        size_t size = 0;
        uint8_t *bytes = read_file(path, &size);
        CHECK_MSG(bytes != NULL, "cannot read %s", path);
        if (!bytes) continue;
        CHECK_MSG(exercise_model_bytes(bytes, size) == 0, "%s ran end to end", e->d_name);
        free(bytes);
        n++;
    }
    closedir(dir);
    CHECK_MSG(n >= 1, "no inputs in %s", TFLC_TEST_FUZZ_REGRESSIONS_DIR);
}

static void run_tests(void) {
    load_fixtures();
    TEST(test_fixtures_present_and_valid);
    TEST(test_truncations_fail);
    TEST(test_random_mutations);
    TEST(test_fuzz_regressions);
    for (int i = 0; i < n_fixtures; i++) free(fixtures[i].bytes);
}

TEST_MAIN()
