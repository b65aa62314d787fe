/*
 * x32_transpose_avx512.c -- tflc_pack_transpose_u32's transpose (gemm.h) written with
 * non-temporal stores, for packing that outgrows every cache (gemm.h,
 * tflc_pack_transpose_u32_stream says when). Only called after the run-time check for
 * AVX-512 (gemm.c); built through a target attribute, so the file needs no per-file flags.
 *
 * Blocks of 16 source rows x 16 words: sixteen 64-byte loads (one line of each row), a 16 x
 * 16 transpose in registers (unpack, shuffle within 128-bit lanes, two shuffles of 128-bit
 * lanes: 64 shuffles), sixteen 64-byte stores, each a whole line of one destination row.
 * Whole-line streaming stores skip the read of the destination line that an ordinary store
 * makes first; with ~100 MB of packed weights none of those lines is read again before it
 * is evicted, so that read was a third of the memory traffic. Measured on a 2-core Emerald
 * Rapids VM, 360 MB of [512, 4608] panels from memory to memory: 86-89 ms with the portable
 * 4 x 4 SSE2 transpose, 101-105 ms with this one and ordinary stores (the transpose is not
 * what limits it), 44-62 ms streaming. From cache the portable transpose is faster, which
 * is why this one only ever streams.
 *
 * Columns past the last whole 16 and words past the last whole 16 go to the portable
 * transpose (ordinary stores), and so does all of a destination whose rows are not whole
 * aligned lines. Ends with a store fence: the stores are weakly ordered, and the
 * packed block is published to other threads (the weight cache) after this returns.
 */
#include "kernels/gemm.h"

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define X32_AVX512 __attribute__((target("avx512f")))

/* r[i] = row i's 16 words in; out: r[i] = word i of every row (column i of the block). */
X32_AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    /* Pairs of rows interleaved: t[2p], t[2p+1] hold rows 2p and 2p+1's words 0-1, 4-5, ...
     * and 2-3, 6-7, ... word by word. */
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    /* Groups of four rows: r[4q + x] holds word 4l + x of rows 4q..4q+3 in 128-bit lane l. */
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    /* Then the 128-bit lanes: groups 0-1 and 2-3 paired, then the pairs. */
    for (int i = 0; i < 8; i++) {
        const int a = (i / 4) * 8 + i % 4;
        t[a] = _mm512_shuffle_f32x4(r[a], r[a + 4], 0x88);
        t[a + 4] = _mm512_shuffle_f32x4(r[a], r[a + 4], 0xDD);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    }
}

/* Source rows j..j+15, words kk..kk+15 -> destination rows kk..kk+15, words j..j+15, each
 * a 64-byte aligned line. */
X32_AVX512 static inline void block16(const unsigned char *s, size_t row, unsigned char *d,
                                      size_t drow) {
    __m512 r[16];
    for (size_t i = 0; i < 16; i++)
        r[i] = _mm512_loadu_ps((const float *)(const void *)(s + i * row));
    transpose16(r);
    for (size_t i = 0; i < 16; i++) _mm512_stream_ps((float *)(void *)(d + i * drow), r[i]);
}

X32_AVX512 void tflc_pack_transpose_u32_avx512_stream(const void *src, size_t row, size_t cols,
                                                      size_t kw, void *dst, size_t nr) {
    const unsigned char *s = src;
    unsigned char *d = dst;
    const size_t drow = nr * 4, c16 = cols & ~(size_t)15, k16 = kw & ~(size_t)15;
    /* Every block's stores are whole aligned lines when the first one is and rows are whole
     * lines (packed weights: 64-byte aligned, nr = 32). Else ordinary stores would be all
     * this form could use, and there the portable transpose is faster. */
    if ((uintptr_t)d % 64 != 0 || drow % 64 != 0) {
        tflc_pack_transpose_u32(src, row, cols, kw, dst, nr);
        return;
    }
    /* Along k outside, as the portable transpose: the destination is written front to back
     * and each source row read as one forward stream. */
    for (size_t kk = 0; kk < k16; kk += 16)
        for (size_t j = 0; j < c16; j += 16)
            block16(s + j * row + kk * 4, row, d + kk * drow + j * 4, drow);
    _mm_sfence();
    if (c16 < cols) tflc_pack_transpose_u32(s + c16 * row, row, cols - c16, kw, d + c16 * 4, nr);
    if (k16 < kw && c16 > 0)
        tflc_pack_transpose_u32(s + k16 * 4, row, c16, kw - k16, d + k16 * drow, nr);
}

#else

/* Not x86-64 with GCC or Clang: gemm.c never calls this (the CPU check fails first). */
void tflc_pack_transpose_u32_avx512_stream(const void *src, size_t row, size_t cols, size_t kw,
                                           void *dst, size_t nr) {
    tflc_pack_transpose_u32(src, row, cols, kw, dst, nr);
}

#endif
