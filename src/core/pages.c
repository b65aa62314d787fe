/*
 * pages.c -- huge-page-backed blocks (see pages.h).
 */
/* MAP_ANONYMOUS and MADV_HUGEPAGE are outside POSIX (the build's _POSIX_C_SOURCE). */
#define _DEFAULT_SOURCE 1
#include "core/pages.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#define HAVE_MMAP 1
#endif

static size_t round_up(size_t n, size_t align) { return (n + align - 1) / align * align; }

#ifdef HAVE_MMAP
/* The base page size: 4 KiB on x86-64, 4, 16 or 64 KiB on aarch64 kernels. Lengths passed to
 * munmap are multiples of it, or the tail of a mapping would stay mapped (EINVAL). */
static size_t small_page(void) {
    const long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? (size_t)page : (size_t)4096;
}

/* TFLC_HUGE_PAGES=1 in the environment: advise huge pages (see pages.h for why not by
 * default). Read at each mapping, which happens at allocate time only. */
static bool huge_pages_wanted(void) {
    const char *v = getenv("TFLC_HUGE_PAGES");
    return v && v[0] == '1' && v[1] == '\0';
}

/* len bytes (a multiple of the base page) at a 2 MiB boundary: map one huge page more and unmap
 * the unaligned head and the tail, since THP only backs aligned 2 MiB ranges. Only the
 * whole 2 MiB pieces are advised: a huge page over the tail would be resident whole
 * however little of it the block uses. */
static void *map_aligned(size_t len, bool advise) {
    const size_t huge = TFLC_PAGES_HUGE;
    if (len > SIZE_MAX - huge) return NULL;
    unsigned char *raw = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    unsigned char *p = (unsigned char *)round_up((uintptr_t)raw, huge);
    if (p > raw) munmap(raw, (size_t)(p - raw));
    size_t tail = (size_t)(raw + len + huge - (p + len));
    if (tail) munmap(p + len, tail);
#ifdef MADV_HUGEPAGE
    if (advise && huge_pages_wanted())
        madvise(p, len / huge * huge, MADV_HUGEPAGE);   /* advice only: failure leaves 4 KiB pages */
#endif
    return p;
}

/* len bytes (a multiple of the base page) anywhere: below a huge page, alignment buys
 * nothing. */
static void *map_small(size_t len) {
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
#endif

bool tflc_pages_alloc(tflc_pages *blk, size_t bytes, bool huge) {
    blk->data = NULL;
    blk->mapped = 0;
#ifdef HAVE_MMAP
    if (bytes >= TFLC_PAGES_MAP_MIN) {
        size_t len = round_up(bytes, small_page());
        if (len < bytes) return false;
        blk->data = bytes >= TFLC_PAGES_HUGE ? map_aligned(len, huge) : map_small(len);
        if (blk->data) blk->mapped = len;
        return blk->data != NULL;
    }
#endif
    (void)huge;
    blk->data = aligned_alloc(64, bytes ? round_up(bytes, 64) : 64);
    return blk->data != NULL;
}

bool tflc_pages_prefault(const tflc_pages *blk, void *p, size_t len) {
#if defined(HAVE_MMAP) && defined(__linux__)
    if (!blk->mapped || len == 0) return false;
    const uintptr_t page = small_page(), start = (uintptr_t)blk->data;
    const uintptr_t lo = (uintptr_t)p / page * page;
    uintptr_t hi = round_up((uintptr_t)p + len, page);
    if (hi > start + blk->mapped) hi = start + blk->mapped;
    if (lo < start || lo >= hi) return false;
    /* 23 is MADV_POPULATE_WRITE, which older libc headers lack; a kernel without it
     * fails with EINVAL and nothing happens. */
    return madvise((void *)lo, hi - lo, 23) == 0;
#else
    (void)blk;
    (void)p;
    (void)len;
    return false;
#endif
}

void tflc_pages_free(tflc_pages *blk) {
    if (!blk->data) return;
#ifdef HAVE_MMAP
    if (blk->mapped) {
        munmap(blk->data, blk->mapped);
        blk->data = NULL;
        blk->mapped = 0;
        return;
    }
#endif
    free(blk->data);
    blk->data = NULL;
}
