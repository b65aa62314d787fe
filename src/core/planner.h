/*
 * planner.h -- places buffers with known lifetimes into one arena.
 *
 * Each item is live over the operator steps [first, last] (inclusive). Two items may share
 * bytes only if their lifetimes do not overlap. Greedy by size: the largest item is placed
 * first at the lowest offset that fits between already placed items live at the same time.
 * On the networks we have measured this lands within a few percent of the lower bound
 * (the largest sum of simultaneously live sizes).
 */
#ifndef TFLC_CORE_PLANNER_H
#define TFLC_CORE_PLANNER_H

#include <stddef.h>

#include "tflc.h"

typedef struct tflc_plan_item {
    size_t size;      /* bytes; 0 takes no space */
    int first, last;  /* lifetime in operator steps, first <= last */
    size_t offset;    /* out: byte offset in the arena, a multiple of the alignment */
} tflc_plan_item;

/* Assigns every item's offset; *arena_bytes_out receives the arena size. align is a power
 * of two. Fails only on allocation failure or size overflow. */
tflc_status tflc_plan_arena(tflc_plan_item *items, int n, size_t align, size_t *arena_bytes_out);

/* The lower bound for any plan: the largest total size of items live at one step. */
size_t tflc_plan_lower_bound(const tflc_plan_item *items, int n, size_t align);

#endif
