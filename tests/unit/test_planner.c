/* test_planner.c -- arena planning: no two live items overlap, and the plan is tight. */
#include <stdint.h>

#include "core/planner.h"
#include "test.h"

static int items_conflict(const tflc_plan_item *a, const tflc_plan_item *b) {
    int live_together = a->first <= b->last && b->first <= a->last;
    int bytes_overlap = a->offset < b->offset + b->size && b->offset < a->offset + a->size;
    return a->size && b->size && live_together && bytes_overlap;
}

static void check_plan(tflc_plan_item *items, int n, size_t align) {
    size_t bytes = 0;
    CHECK(tflc_plan_arena(items, n, align, &bytes) == TFLC_OK);
    for (int i = 0; i < n; i++) {
        CHECK(items[i].offset % align == 0);
        CHECK(items[i].offset + items[i].size <= bytes);
        for (int j = i + 1; j < n; j++) CHECK_MSG(!items_conflict(&items[i], &items[j]), "items %d and %d", i, j);
    }
    CHECK(bytes >= tflc_plan_lower_bound(items, n, align));
}

/* A chain a -> b -> c -> d: only neighbours are live together, so two slots suffice. */
static void test_chain_reuses_memory(void) {
    tflc_plan_item items[4] = {{100, 0, 1, 0}, {100, 1, 2, 0}, {100, 2, 3, 0}, {100, 3, 4, 0}};
    size_t bytes = 0;
    check_plan(items, 4, 4);
    CHECK(tflc_plan_arena(items, 4, 4, &bytes) == TFLC_OK);
    CHECK(bytes == 200);
}

/* Everything live at once: the arena is the sum. */
static void test_all_live(void) {
    tflc_plan_item items[3] = {{64, 0, 5, 0}, {128, 0, 5, 0}, {64, 0, 5, 0}};
    size_t bytes = 0;
    CHECK(tflc_plan_arena(items, 3, 64, &bytes) == TFLC_OK);
    CHECK(bytes == 256);
    check_plan(items, 3, 64);
}

static void test_alignment_rounds_sizes(void) {
    tflc_plan_item items[2] = {{1, 0, 1, 0}, {1, 0, 1, 0}};
    size_t bytes = 0;
    CHECK(tflc_plan_arena(items, 2, 64, &bytes) == TFLC_OK);
    CHECK(bytes == 128);
    CHECK(items[0].offset != items[1].offset);
}

static void test_zero_sized_and_empty(void) {
    tflc_plan_item items[2] = {{0, 0, 3, 0}, {32, 1, 2, 0}};
    size_t bytes = 1;
    CHECK(tflc_plan_arena(NULL, 0, 64, &bytes) == TFLC_OK);
    CHECK(bytes == 0);
    check_plan(items, 2, 64);
}

/* Seeded random lifetimes: never an overlap; stays within 1.5x of the lower bound. */
static void test_random_plans(void) {
    uint32_t seed = 12345;
    for (int round = 0; round < 200; round++) {
        tflc_plan_item items[40];
        int n = 1 + (int)(seed % 40);
        for (int i = 0; i < n; i++) {
            seed = seed * 1664525u + 1013904223u;
            int first = (int)(seed >> 8) % 30;
            seed = seed * 1664525u + 1013904223u;
            int len = (int)(seed >> 8) % 6;
            seed = seed * 1664525u + 1013904223u;
            items[i] = (tflc_plan_item){(seed >> 8) % 5000, first, first + len, 0};
        }
        check_plan(items, n, 64);
        size_t bytes = 0;
        tflc_plan_arena(items, n, 64, &bytes);
        size_t bound = tflc_plan_lower_bound(items, n, 64);
        CHECK_MSG(bytes * 2 <= bound * 3 || bytes == bound, "round %d: %zu vs bound %zu", round, bytes, bound);
    }
}

static void run_tests(void) {
    TEST(test_chain_reuses_memory);
    TEST(test_all_live);
    TEST(test_alignment_rounds_sizes);
    TEST(test_zero_sized_and_empty);
    TEST(test_random_plans);
}

TEST_MAIN()
