/* planner.c -- greedy-by-size arena planning (see planner.h). */
#include <stdint.h>
#include <stdlib.h>

#include "core/planner.h"

static size_t round_up(size_t n, size_t align) { return (n + align - 1) & ~(align - 1); }

static int overlaps(const tflc_plan_item *a, const tflc_plan_item *b) {
    return a->first <= b->last && b->first <= a->last;
}

/* Largest first; ties broken by earlier start, then index, so plans are deterministic.
 * The keys are copied into the sorted records: qsort has no context argument and a global
 * would race between runners planning on different threads. */
typedef struct order_key {
    size_t size;
    int first;
    int index;
} order_key;

static int by_size_desc(const void *pa, const void *pb) {
    const order_key *x = pa, *y = pb;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    if (x->first != y->first) return x->first < y->first ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

static int by_offset(const void *pa, const void *pb) {
    const tflc_plan_item *x = *(const tflc_plan_item *const *)pa;
    const tflc_plan_item *y = *(const tflc_plan_item *const *)pb;
    return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

/* Lowest offset where `item` fits between the placed items that are live with it. */
static size_t first_fit(const tflc_plan_item **live, int n_live, size_t size, size_t align) {
    size_t offset = 0;
    qsort(live, (size_t)n_live, sizeof *live, by_offset);
    for (int i = 0; i < n_live; i++) {
        if (live[i]->offset >= offset + size) break;  /* the gap before live[i] fits */
        size_t end = live[i]->offset + round_up(live[i]->size, align);
        if (end > offset) offset = end;
    }
    return offset;
}

tflc_status tflc_plan_arena(tflc_plan_item *items, int n, size_t align, size_t *arena_bytes_out) {
    *arena_bytes_out = 0;
    if (n <= 0) return TFLC_OK;
    order_key *order = malloc((size_t)n * sizeof *order);
    unsigned char *placed = calloc((size_t)n, 1);
    const tflc_plan_item **live = malloc((size_t)n * sizeof *live);
    if (!order || !placed || !live) {
        free(order); free(placed); free(live);
        return TFLC_ERROR_OUT_OF_MEMORY;
    }
    for (int i = 0; i < n; i++) order[i] = (order_key){items[i].size, items[i].first, i};
    qsort(order, (size_t)n, sizeof *order, by_size_desc);
    size_t total = 0;
    tflc_status status = TFLC_OK;
    for (int k = 0; k < n; k++) {
        tflc_plan_item *item = &items[order[k].index];
        if (item->size > SIZE_MAX / 2) { status = TFLC_ERROR_OUT_OF_MEMORY; break; }
        size_t size = round_up(item->size, align);
        int n_live = 0;
        for (int j = 0; j < n; j++)
            if (placed[j] && items[j].size && overlaps(&items[j], item)) live[n_live++] = &items[j];
        item->offset = item->size ? first_fit(live, n_live, size, align) : 0;
        placed[order[k].index] = 1;
        if (item->offset + size > total) total = item->offset + size;
    }
    free(order); free(placed); free(live);
    *arena_bytes_out = total;
    return status;
}

size_t tflc_plan_lower_bound(const tflc_plan_item *items, int n, size_t align) {
    size_t best = 0;
    for (int i = 0; i < n; i++) {
        /* the peak is reached at the start of some item's lifetime */
        size_t sum = 0;
        for (int j = 0; j < n; j++)
            if (items[j].first <= items[i].first && items[i].first <= items[j].last)
                sum += round_up(items[j].size, align);
        if (sum > best) best = sum;
    }
    return best;
}
