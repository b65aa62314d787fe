/* test_planner.c -- arena planning: no two live items overlap, and the plan is tight; and
 * the graph's use of it: a RESHAPE / SQUEEZE / EXPAND_DIMS output shares its input's slot
 * only when that input dies there. */
#include <math.h>
#include <stdint.h>

#include "core/planner.h"
#include "core/runner.h"
#include "ops/ops.h"
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

/* The first node of the runner's graph that runs `kernel`, or NULL. */
static tflc_node *find_node(tflc_runner *r, const tflc_kernel *kernel) {
    for (int i = 0; i < r->graph->desc->n_ops; i++)
        if (r->graph->nodes[i].kernel == kernel) return &r->graph->nodes[i];
    return NULL;
}

static tflc_runner *open_runner(const char *file, const char *key, tflc_model **m,
                                tflc_interpreter **it) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TFLC_TEST_MODELS_DIR, file);
    tflc_runner *r = NULL;
    *it = NULL;
    CHECK_OK(tflc_model_load_file(path, NULL, m));
    if (*m) CHECK_OK(tflc_interpreter_create(*m, NULL, it));
    if (*it) CHECK_OK(tflc_runner_create(*it, key, &r));
    if (r) CHECK_OK(tflc_runner_allocate(r));
    return r;
}

/* QUANTIZE -> RESHAPE -> DEQUANTIZE: the quantized tensor dies at the RESHAPE, so the
 * reshaped one takes its bytes (no copy); the run still matches (test_models checks the
 * goldens of this model). */
static void test_reshape_shares_dying_input(void) {
    tflc_model *m = NULL;
    tflc_interpreter *it = NULL;
    tflc_runner *r = open_runner("quant_reshape.tflite", NULL, &m, &it);
    tflc_node *node = r ? find_node(r, &tflc_kernel_reshape) : NULL;
    CHECK(node != NULL);
    if (node) {
        CHECK(node->inputs[0]->alloc == TFLC_ALLOC_ARENA && node->inputs[0]->data != NULL);
        CHECK(node->outputs[0]->data == node->inputs[0]->data);
        tflc_tensor *x;
        CHECK_OK(tflc_runner_input(r, "x", &x));
        float *xv = tflc_tensor_data(x);
        for (int i = 0; i < 8; i++) xv[i] = (float)i * 0.25f - 1.0f;
        CHECK_OK(tflc_runner_invoke(r));
        const tflc_tensor *y;
        CHECK_OK(tflc_runner_output(r, "y", &y));
        const float *yv = tflc_tensor_data_const(y);
        /* quantized to int8 and back: within one quantization step of the input */
        float step = node->inputs[0]->desc->quant.scales[0];
        for (int i = 0; i < 8; i++) CHECK(fabsf(yv[i] - xv[i]) <= step);
    }
    tflc_runner_free(r);
    tflc_interpreter_free(it);
    tflc_model_free(m);
}

/* ops_mix ends in SOFTMAX -> RESHAPE to the graph output softmax_flat: the output takes the
 * softmax's slot, which then lives to the end of the run (a graph output is read after it),
 * so it overlaps none of the signature's other inputs and outputs (all live at the end). */
static void test_reshape_to_graph_output(void) {
    tflc_model *m = NULL;
    tflc_interpreter *it = NULL;
    tflc_runner *r = open_runner("ops_mix.tflite", "mix", &m, &it);
    const tflc_tensor *flat = NULL;
    if (r) CHECK_OK(tflc_runner_output(r, "softmax_flat", &flat));
    const tflc_node *last = r ? &r->graph->nodes[r->graph->desc->n_ops - 1] : NULL;
    CHECK(last && last->kernel == &tflc_kernel_reshape && last->outputs[0] == flat);
    if (last && flat) {
        CHECK(flat->data == last->inputs[0]->data);
        const unsigned char *lo = flat->data, *hi = lo + flat->bytes;
        int n_in = tflc_runner_input_count(r), n_out = tflc_runner_output_count(r);
        CHECK(n_in == 2 && n_out == 5);
        for (int k = 0; k < n_in + n_out; k++) {
            const tflc_tensor *o = k < n_in ? tflc_runner_input_at(r, k) : tflc_runner_output_at(r, k - n_in);
            if (!o || o == flat) continue;
            const unsigned char *olo = o->data, *ohi = olo + o->bytes;
            CHECK_MSG(o->bytes == 0 || ohi <= lo || olo >= hi, "signature tensor %d overlaps", k);
        }
    }
    tflc_runner_free(r);
    tflc_interpreter_free(it);
    tflc_model_free(m);
}

static void run_tests(void) {
    TEST(test_chain_reuses_memory);
    TEST(test_all_live);
    TEST(test_alignment_rounds_sizes);
    TEST(test_zero_sized_and_empty);
    TEST(test_random_plans);
    TEST(test_reshape_shares_dying_input);
    TEST(test_reshape_to_graph_output);
}

TEST_MAIN()
