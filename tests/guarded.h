/*
 * guarded.h -- test buffers that end where a PROT_NONE page starts, so a kernel that loads
 * or stores one element past the end (a wrong tail mask, a ragged edge) faults at once.
 *
 *   guarded g = guarded_alloc(n * sizeof(float));   g.f32[0 .. n-1] usable
 *   ...
 *   guarded_free(&g);
 *
 * Mapped from /dev/zero because MAP_ANONYMOUS is not POSIX 2008. Allocation failures abort:
 * a test cannot go on without its buffer.
 */
#ifndef TFLC_TESTS_GUARDED_H
#define TFLC_TESTS_GUARDED_H

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct guarded {
    unsigned char *map;
    size_t map_bytes;
    union {                 /* the same address, typed for the test that uses it */
        void *data;
        float *f32;
        uint8_t *u8;
        int8_t *s8;
        int16_t *s16;
    };
} guarded;

static inline guarded guarded_alloc(size_t bytes) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    guarded g = {.map = NULL, .map_bytes = (bytes + page - 1) / page * page + page};
    const int fd = open("/dev/zero", O_RDWR);
    if (fd < 0) abort();
    void *m = mmap(NULL, g.map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) abort();
    g.map = m;
    if (mprotect(g.map + g.map_bytes - page, page, PROT_NONE) != 0) abort();
    g.data = g.map + g.map_bytes - page - bytes;
    return g;
}

static inline void guarded_free(guarded *g) { munmap(g->map, g->map_bytes); }

#endif
