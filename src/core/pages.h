/*
 * pages.h -- large blocks straight from the kernel, 2 MiB-aligned so that transparent huge
 * pages can back them (the arena, packed weights).
 *
 * Why: a fresh 4 KiB page costs a fault the first time it is written, ~2 us on the
 * virtual machines we measure; packing ResNet50's 100 MB of weights faulted 25k pages and
 * that was a third of its start-up. A 2 MiB huge page is one fault (plus the same zeroing),
 * so blocks of at least TFLC_PAGES_HUGE bytes are mapped 2 MiB-aligned (rounded up to
 * 4 KiB) and their whole 2 MiB pieces madvise(MADV_HUGEPAGE)'d (the kernel's "madvise" THP
 * mode honours that; "never" ignores it); the tail stays on 4 KiB pages, so the block is
 * resident to within 4 KiB of what is touched. Smaller blocks come from
 * aligned_alloc: rounding them up would grow the resident size for nothing.
 *
 * The catch: a huge page is a free 2 MiB block of physical memory, and under a hypervisor
 * such blocks are often memory the host has not backed yet, whose first touch costs more
 * than the 4 KiB faults saved (recently freed 4 KiB pages are usually warm). Measured on
 * our 2-core VM, 100 MB: 4 KiB pages 42 ms every time; huge pages 9 ms, but 30-50 ms in
 * one run of four, and packing ResNet50 after a LiteRT run tripled. So callers use them
 * for bounded amounts (the weight cache caps its share: weight_cache.c).
 *
 * Worse, with the kernel's THP defrag mode "madvise" (Debian's default) an advised fault
 * compacts memory synchronously when no free 2 MiB block is at hand. Measured here
 * (2026-11-27, 8 interleaved loads each, /tmp/startup_ab.py): ResNet50 float32 startup
 * median 237 ms advised vs 187 ms not, but its worst advised run took 5.4 s (allocate alone
 * 1.5 s), MobileNet V2 float32's 267 ms against a 27 ms median, the Transformer block's
 * 954 ms against 5 ms; not advised, the worst was within 1.3x of the median on all five
 * models, and steady-state latency moved by 0-6%. A runtime must not stall for seconds on
 * the host's memory state, so the advice is opt-in: TFLC_HUGE_PAGES=1 in the environment.
 * Blocks stay 2 MiB-aligned either way, so a host whose THP mode is "always" still backs
 * them with huge pages, by its administrator's choice.
 *
 * Blocks that are about to be written whole (a carved range of packed weights, an arena)
 * are faulted in by one madvise(MADV_POPULATE_WRITE) first (tflc_pages_prefault): the
 * kernel then fills the page table in one pass instead of taking one fault per page. A
 * fresh 64 MiB mapping here: 24.4 ms written page by page, 19.5 ms populated (medians of 12).
 * Start-up medians of 12 interleaved fresh processes, load + allocate + first inference:
 * MobileNet V1 float32 25.7 -> 23.5 ms, V2 20.4 -> 17.5 ms, EfficientNet-B0 33.4 -> 27.9 ms,
 * MobileNet V2 int8 7.0 -> 6.6 ms (the arena's faults move from the first inference into
 * allocate, and cost less there).
 *
 *     tflc_pages blk;
 *     if (!tflc_pages_alloc(&blk, bytes, true)) return out_of_memory;
 *     ... blk.data, 64-byte aligned, blk.data[0 .. bytes) usable, contents undefined ...
 *     tflc_pages_free(&blk);
 */
#ifndef TFLC_CORE_PAGES_H
#define TFLC_CORE_PAGES_H

#include <stdbool.h>
#include <stddef.h>

#define TFLC_PAGES_HUGE ((size_t)2 << 20)   /* a huge page: blocks this big are 2 MiB-aligned */
#define TFLC_PAGES_MAP_MIN ((size_t)64 << 10)   /* the smallest block mapped (else the heap) */

typedef struct tflc_pages {
    void *data;        /* NULL when empty */
    size_t mapped;     /* bytes mapped (a multiple of the base page), 0: from the heap */
} tflc_pages;

/* A block of at least `bytes` (0 is allowed and gives a small heap block), 64-byte
 * aligned: mapped when bytes >= TFLC_PAGES_MAP_MIN (rounded up to the base page, so that
 * tflc_pages_prefault can fault it in), and then 2 MiB-aligned when bytes >=
 * TFLC_PAGES_HUGE (huge pages advised when `huge` and TFLC_HUGE_PAGES=1); smaller blocks
 * come from the heap. False, with *blk empty, when out of memory. */
bool tflc_pages_alloc(tflc_pages *blk, size_t bytes, bool huge);

/* Faults in the pages of [p, p + len), a range inside blk that the caller is about to
 * write whole (packed weights, an arena), in one system call (MADV_POPULATE_WRITE, Linux
 * 5.14) instead of one page fault per 4 KiB page as it is first written. Only for mapped
 * blocks: heap blocks, other systems and older kernels skip it (the writes fault the pages
 * in as before). The contents are unchanged. True when the pages were faulted in. */
bool tflc_pages_prefault(const tflc_pages *blk, void *p, size_t len);

/* Returns the block; an empty one is a no-op. Leaves *blk empty. */
void tflc_pages_free(tflc_pages *blk);

#endif
