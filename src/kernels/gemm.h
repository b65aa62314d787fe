/*
 * gemm.h -- packed single-precision GEMM with fused bias and clamp:
 *
 *     C = clamp(A * B + bias, min, max)
 *
 *   A     [M, K]  row-major, row stride lda (in floats); read in place
 *   B     [K, N]  the weights, packed once (tflc_gemm_f32_pack_b) from [K, N] or from the
 *                 transposed [N, K] that FULLY_CONNECTED and CONV_2D store
 *   bias  [N]     or NULL (zeros)
 *   C     [M, N]  row-major, row stride ldc; written, never read before the first K slice
 *
 * Example:
 *
 *     const tflc_gemm_f32_config *cfg = tflc_gemm_f32_config_get();
 *     void *pb = aligned_alloc(64, tflc_gemm_f32_packed_size(cfg, N, K));
 *     tflc_gemm_f32_pack_b(cfg, N, K, W, K, true, pb);            // W is [N, K]
 *     tflc_gemm_f32(M, N, K, A, K, pb, bias, C, N, 0.0f, 6.0f);   // fused RELU6
 *
 * Design (GotoBLAS / BLIS, with XNNPACK's config tables):
 *   - The microkernel computes an MR x NR register tile: for k in [0, kc) every row's
 *     accumulators get a[k][i] * b[k][0..NR) (one broadcast, NR/lanes vector FMAs).
 *     Each output element therefore sums its products in k order, one accumulator, exactly
 *     like the reference loop; the only differences are FMA (one rounding per step instead
 *     of two) and, across K slices, nothing (C holds the exact float partial sum).
 *   - TFLC_GEMM_MUL_ADD (the _flags entry points): the same loop with each product rounded before it is
 *     added, which is LiteRT's arithmetic on x86 (its builtin CONV_2D runs Eigen built
 *     without FMA: its bits equal this on every output channel below the last multiple of 8).
 *     The last N % 8 channels (Eigen's half packet and leftover rows) and N == 1 sum in
 *     Eigen's other orders, recomputed after the tiles in portable C (gemm.c, "Eigen's
 *     leftover rows"), so LiteRT's bits on all channels. Twice the floating-point
 *     operations; the AVX-512 kernel runs them at the FMA path's speed on Zen 4 (best of
 *     300: M=12544 K=27 N=32 238 vs 233 us, K=256 N=64 and K=1152 N=32 equal), AVX2 and
 *     NEON slower. Callers ask for it only on small layers (see ops/conv_2d.c), where those
 *     bits matter; elsewhere FMA's blocked sums are the more accurate. The scalar config
 *     always rounds so (without the flag: in k order on every channel).
 *   - Packed B (prepare time, cached on the model by the callers): a 64-byte header, then
 *     ceil(N / NR) panels; panel p holds B[k][p*NR + j] at float offset p*K*NR + k*NR + j,
 *     columns past N zero. The K slice [k0, k0 + kc) of a panel is contiguous.
 *   - Packed A (run time, on the stack, <= TFLC_GEMM_APACK_FLOATS): a block of up to MC rows
 *     (as many as fit) x KC of A copied row by row at a fixed row stride (the config's
 *     a_stride, a constant of its kernels): a microkernel then reaches its MR rows as
 *     constant displacements from one pointer, and packing is a plain row copy. The last
 *     tile of a block may have r < MR rows and runs the r-row kernel: no wasted rows. A
 *     config with direct kernels (AVX-512, AVX2) reads A in place instead, at its run-time
 *     row stride, unless that stride is a multiple of 4 KiB (gemm.c): the same tiles, the
 *     same sums, no copy. Read in place, a block has as many rows (up to MC) as
 *     TFLC_GEMM_APACK_FLOATS holds at its K slice, so the panels sweep a block of A that
 *     stays in cache whatever K is.
 *   - Neither KC nor the block rows change a result: each block of SUM_BLOCK k is summed
 *     the same way, and a K slice continues through C exactly (a float stored and loaded).
 *   - Loops: NC columns > KC slice > MC rows (pack A) > NR panel > MR tile. The K slice is
 *     the config's KC at most (AVX2 and NEON 256, AVX-512 1024) and, on x86 other than AMD,
 *     small enough that a slice x NC block of B fits half of one core's L2
 *     (tflc_gemm_f32_slice_k), since the row blocks sweep that block again and again: on
 *     Emerald Rapids a 4 MiB block read from L3 starved the tile, while Zen 4 measured
 *     faster with KC 1024 whatever the block (f32_gemm_avx512.c). A convolution's taps
 *     product is sliced the same way by whole taps (tflc_gemm_f32_taps_slice).
 *   - The config (one per ISA: scalar, AVX2+FMA, AVX-512) holds MR, NR, KC, MC, NC and one
 *     microkernel per row count 1..MR; it is chosen once from the CPU (kernels/cpu.h).
 *     A packed B records the config it was packed for, so tflc_gemm_f32 never mixes them.
 *
 * One-row products (M == 1: FULLY_CONNECTED with one batch row, CONV_2D with one output
 * pixel) take the config's dot kernel instead: per column, four partial sums over k mod 4,
 * combined as LiteRT's matrix-vector product combines them (f32_gemm_dot.h), which gives
 * LiteRT's bits at the same speed (such products are bound by reading B). With 512 KiB of
 * weights or more they read B unpacked, as the model stores it (the config's dot_rows; "B
 * read in place" below), in the same order.
 *
 * Threads: tflc_gemm_f32_plan splits the output into tasks of whole MR x NR tiles (along M
 * first, then N; a product of one row block with many panels along N alone); tflc_gemm_f32_task runs one. Tasks write disjoint parts of C and share
 * packed B read-only, so any thread pool can run them (see conv_2d.c).
 */
#ifndef TFLC_KERNELS_GEMM_H
#define TFLC_KERNELS_GEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu.h"

#define TFLC_GEMM_MAX_MR 16
#define TFLC_GEMM_MAX_NR 64
/* Floats of the packed-A block each call keeps on its stack (64 KiB): mc * kc <= this. */
#define TFLC_GEMM_APACK_FLOATS 16384
/* The FMA path's summation block (floats of k; the configs' sum_block): a K slice is a
 * multiple of it. */
#define TFLC_GEMM_SUM_BLOCK 64
/* Bytes before the first panel of a packed B. */
#define TFLC_GEMM_PACKED_HEADER 64

/* ------------------------------------------------------------ microkernels -- */

/* Microkernel flags. */
#define TFLC_GEMM_ACCUMULATE 1u   /* start from C (a later K slice); else from zero */
#define TFLC_GEMM_FINAL 2u        /* last K slice: add bias[0..NR), clamp to [min, max] */
#define TFLC_GEMM_MUL_ADD 4u      /* round each product, then add it (no FMA) */
#define TFLC_GEMM_PART 8u         /* (range_flags) the rows are part of a taller product:
                                     never the one-row order */

/* One tile of r rows (r fixed per function, r <= MR) and nc <= NR valid columns:
 *   acc[i][j] = (ACCUMULATE ? c[i*ldc + j] : 0) + sum over k < kc of a[i*AS + k] * b[k*NR + j]
 *              summed in k order, by FMA or (MUL_ADD, and always in the scalar config) by a
 *              rounded product and a rounded sum. MUL_ADD (and scalar) continue C's sum in k
 *              order; FMA sums each block of 64 k from zero and adds it to the partial sum
 *              (C's, then the previous blocks'): a blocked sum, whose rounding error grows
 *              with K / 64 + 64 rather than with K (the AVX-512 kernel keeps the totals
 *              in a second set of registers, the AVX2 one in C between blocks)
 *   FINAL:     acc = clamp(acc + bias[j], min, max)   (NaN passes through the clamp)
 *   c[i*ldc + j] = acc[i][j]   for i < r, j < nc; nothing else is written.
 * a: packed A tile, row i at a + i*AS with AS = the config's a_stride, a compile-time constant
 * of the kernel (so every row is a fixed displacement from one pointer); b: a K slice of one
 * packed panel (kc * NR floats); bias: NR readable floats (read only with FINAL). kc <= the
 * config's kc; kc may be 0. */
typedef struct tflc_gemm_f32_ahead tflc_gemm_f32_ahead;
typedef void (*tflc_f32_gemm_ukernel_fn)(size_t kc, const float *a, const float *b, float *c,
                                         size_t ldc, size_t nc, const float *bias, float min,
                                         float max, unsigned flags,
                                         const tflc_gemm_f32_ahead *ahead);

/* ukernel with A read in place, row i at a + i*lda (lda a run-time stride): callers skip
 * packing A when a product has a single K slice. */
typedef void (*tflc_f32_gemm_direct_fn)(size_t kc, const float *a, size_t lda, const float *b,
                                        float *c, size_t ldc, size_t nc, const float *bias,
                                        float min, float max, unsigned flags,
                                        const tflc_gemm_f32_ahead *ahead);

/* The last argument of both, NULL for none: lines of B that the next tiles will read first
 * (the next panel), for the tile to ask L2 for while it computes, one line every `every`
 * k steps of its FMA path (kernels without prefetch ignore it). A panel's first tile reads
 * it where it is: from memory or L3 when the network's weights are larger than what stays
 * cached between invokes, at a rate no memory keeps up with (one 128-byte row of the panel
 * per 14 FMAs); asked for by the tiles before it, spread over their k steps, it is in L2.
 * gemm.c gives the first row block's tiles of each panel one share each of the next
 * panel (tflc_gemm_f32_range; that block then has the config's mc rows, read in place, so
 * that enough tiles share the fetch) when B is cold and at least TFLC_GEMM_AHEAD_MIN_FLOATS
 * (tflc_gemm_f32_weights_block; a smaller block gained nothing: M=3136 K=128 N=128 took
 * the same time from memory as from cache). Whole networks on one thread, invokes
 * alternating in one process with the prefetch off and on, median ratios: MobileNet V1
 * float32 0.943, V2 0.963, V3 Large 0.972, EfficientNet-B0 0.969, ResNet50 0.958. */
struct tflc_gemm_f32_ahead {
    const char *at;     /* first line */
    size_t lines;       /* 64-byte lines from at, <= the tile's k steps */
    size_t every;       /* k steps between two of them, >= 1; lines * every <= k steps */
};

/* A kernel's walk through its share (NULL: none): one tflc_gemm_f32_ahead_step per k step
 * asks L2 (a T1 hint) for the next line every `every` steps. */
typedef struct tflc_gemm_f32_ahead_walk {
    const char *at;
    size_t left, every, count;
} tflc_gemm_f32_ahead_walk;

static inline tflc_gemm_f32_ahead_walk tflc_gemm_f32_ahead_begin(const tflc_gemm_f32_ahead *a) {
    const tflc_gemm_f32_ahead_walk w = {a ? a->at : NULL, a ? a->lines : 0, a ? a->every : 1,
                                        a ? a->every : 1};
    return w;
}

static inline void tflc_gemm_f32_ahead_step(tflc_gemm_f32_ahead_walk *w) {
    if (w->left != 0 && --w->count == 0) {
#if defined(__GNUC__)
        __builtin_prefetch(w->at, 0, 2);
#endif
        w->at += 64;
        w->left--;
        w->count = w->every;
    }
}

/* Tile `tile` of `tiles` over one panel: its share of the `bytes` at next (line-aligned),
 * the lines [L*tile/tiles, L*(tile+1)/tiles) of its L lines, at most one a step of its kc
 * (a share longer than kc keeps its first kc lines). False, *ahead unset, when it has none
 * (next NULL, an empty share, kc 0). */
bool tflc_gemm_f32_ahead_share(const char *next, size_t bytes, size_t tile, size_t tiles,
                               size_t kc, tflc_gemm_f32_ahead *ahead);

/* direct with K in `taps` runs of kc floats, run t's row i at a[t] + i*lda: a convolution's
 * taps read in place (each run one filter tap's input channels, rows the tile's pixels).
 * The bits are those of one direct call over the concatenated rows: in the FMA order when
 * kc is a multiple of the config's sum_block, in MUL_ADD's k order for any kc. */
typedef void (*tflc_f32_gemm_taps_fn)(size_t taps, size_t kc, const float *const *a, size_t lda,
                                      const float *b, float *c, size_t ldc, size_t nc,
                                      const float *bias, float min, float max, unsigned flags);

/* A one-row product (M == 1) over one packed panel: c[j] = clamp(dot + bias[j]) for j < nc,
 * summed in LiteRT's matrix-vector order (f32_gemm_dot.h); a [k], b the whole panel (k * NR
 * floats), bias NR readable floats. stream: B is too large to be in cache (gemm.c decides),
 * so the kernel prefetches ahead of its reads. */
typedef void (*tflc_f32_gemm_dot_fn)(size_t k, const float *a, const float *b, float *c,
                                     size_t nc, const float *bias, float min, float max,
                                     bool stream);

/* A one-row product over B read in place (tflc_gemm_f32_refer_b): columns [0, nc) of
 * c[j] = clamp(dot(a, w + j * ldb) + (bias ? bias[j] : 0)), K = k, nc a multiple of 4, in the
 * one-row order of f32_gemm_dot.h (gemm.c's portable in_place_cols is the reference). */
typedef void (*tflc_f32_gemm_dot_rows_fn)(size_t k, const float *a, const float *w, size_t ldb,
                                          const float *bias, float *c, size_t nc, float min,
                                          float max);

/* Rows [0, mc) x columns [0, kc) of a (row stride lda) copied to dst at row stride a_stride
 * (floats past kc, up to the next 16, may be written too: a_stride leaves room). */
typedef void (*tflc_f32_pack_a_fn)(size_t mc, size_t kc, const float *a, size_t lda,
                                   size_t a_stride, float *dst);

typedef struct tflc_gemm_f32_config {
    const char *name;          /* e.g. "f32_gemm_7x32_avx512" */
    tflc_isa isa;
    uint32_t mr, nr;           /* register tile; nr <= TFLC_GEMM_MAX_NR, mr <= _MAX_MR */
    uint32_t kc, mc, nc;       /* cache blocks: K slice, most rows per block of A (a
                                  multiple of mr; gemm.c takes fewer where a block of them
                                  would pass TFLC_GEMM_APACK_FLOATS), columns per B block (a
                                  multiple of nr) */
    uint32_t a_stride;         /* floats between packed-A rows: >= kc, mr * a_stride <=
                                  TFLC_GEMM_APACK_FLOATS */
    tflc_f32_gemm_ukernel_fn ukernel[TFLC_GEMM_MAX_MR + 1];   /* [r]: r rows, r in 1..mr */
    tflc_f32_gemm_dot_fn dot;  /* one-row products (f32_gemm_dot.h) */
    tflc_f32_pack_a_fn pack_a; /* NULL: a memcpy per row (gemm.c) */
    tflc_f32_gemm_direct_fn direct[TFLC_GEMM_MAX_MR + 1];   /* [r], or all NULL: always pack */
    uint32_t sum_block;        /* the FMA path's summation block (taps' kc: a multiple) */
    tflc_f32_gemm_taps_fn taps[TFLC_GEMM_MAX_MR + 1];       /* [r], or all NULL: none */
    tflc_f32_gemm_dot_rows_fn dot_rows;   /* B in place, or NULL: gemm.c's portable loop */
} tflc_gemm_f32_config;

/* Each ISA's config, from its own translation unit (compiled with that ISA's flags); NULL
 * when the file was built without them. They do not check the CPU: use config_for. */
const tflc_gemm_f32_config *tflc_f32_gemm_config_scalar(void);
const tflc_gemm_f32_config *tflc_f32_gemm_config_avx2(void);
const tflc_gemm_f32_config *tflc_f32_gemm_config_avx512(void);
const tflc_gemm_f32_config *tflc_f32_gemm_config_neon(void);

/* The config for `isa`, or NULL when this build or this CPU lacks it (the TFLC_ISA cap is
 * ignored: tests force every variant the machine has through this). */
const tflc_gemm_f32_config *tflc_gemm_f32_config_for(tflc_isa isa);

/* The best config for this CPU under the TFLC_ISA cap, chosen once; never NULL. */
const tflc_gemm_f32_config *tflc_gemm_f32_config_get(void);

/* ----------------------------------------------------------------- packing -- */

/* Bytes of a packed B for N columns and K rows (header included). */
size_t tflc_gemm_f32_packed_size(const tflc_gemm_f32_config *cfg, size_t n, size_t k);

/* B read in place. A one-row product (M == 1) whose weights [N, K] are at least
 * TFLC_GEMM_IN_PLACE_FLOATS reads them as the model stores them instead of from a packed
 * copy: such a product reads each weight once, from memory or L3 (the other layers' weights
 * have pushed it out of L2), and a 4-lane sum per column along K, LiteRT's own
 * matrix-vector form, keeps up with that stream; so the copy would cost start-up page
 * faults and resident memory for nothing (MobileNet V3 Large float32: 13 of its 21 MiB of
 * packed weights). Smaller one-row products (an LSTM's steps, whose weights stay in L2
 * across the steps) keep the packed panels, where the kernel is faster.
 * `cold`: the caller knows the weights are out of L2 at each run of the product
 * (tflc_node_weights_cold: it runs once per invoke of a model larger than L2 keeps). Then
 * weights of at least TFLC_GEMM_IN_PLACE_COLD_FLOATS with K of at least
 * TFLC_GEMM_IN_PLACE_COLD_K go in place too: from L3, best of 400 alternating products
 * (16 copies of B cycled), the in-place kernel against the packed one took 0.72-0.98x for
 * K = 384..1152 ([1,672] x [672,168]: 16.9 against 18.6 us), but 1.05-1.7x for K = 28..320,
 * where the end of each column (f32_gemm_dot.h) outweighs its short sum. Squeeze-excite
 * layers are the case: the RSS growth of MobileNet V3 Large float32 (its three squeezes of
 * 480 and 672 channels) drops 1.2 MiB, EfficientNet-B0's 1.3 MiB. Tiny one-row products, at
 * most TFLC_GEMM_IN_PLACE_TINY_FLOATS weights, go in place too: there the fixed cost of a
 * packed panel (NR columns summed whatever N is) is the product's cost. The guide's Keras
 * model ([1,4] x [4,2], then [1,2] x [2,1]): `tflc bench` minimum per invoke 92-104 -> 78-80
 * ns, and 66-70 ns with the packed header's config pointer (tflc_gemm_f32_packed_config).
 * tflc_gemm_f32_b_in_place says which products; tflc_gemm_f32_refer_b writes the
 * TFLC_GEMM_PACKED_HEADER-byte block that stands for B in tflc_gemm_f32_args::packed_b:
 * a header that refers to b (row j at b + j * ldb, K floats used), which must outlive it.
 * Products over such a block sum every row in the one-row order (f32_gemm_dot.h), the bits
 * of the packed dot kernels, at any ISA; TFLC_GEMM_PART and MUL_ADD change nothing there.
 * tflc_gemm_f32_taps_slice never takes one. */
#define TFLC_GEMM_IN_PLACE_FLOATS ((size_t)1 << 17)        /* 512 KiB of weights */
#define TFLC_GEMM_IN_PLACE_TINY_FLOATS 256                 /* 1 KiB, and less */
#define TFLC_GEMM_AHEAD_MIN_FLOATS ((size_t)1 << 16)       /* 256 KiB: tflc_gemm_f32_ahead */
#define TFLC_GEMM_IN_PLACE_COLD_FLOATS ((size_t)1 << 14)   /* 64 KiB, when cold */
#define TFLC_GEMM_IN_PLACE_COLD_K 384
bool tflc_gemm_f32_b_in_place(size_t m, size_t n, size_t k, bool cold);
void tflc_gemm_f32_refer_b(const tflc_gemm_f32_config *cfg, size_t n, size_t k, const float *b,
                           size_t ldb, void *dst);
/* The block that stands for weights w [N, K] (row stride K) in a product of m rows: its size,
 * and the block itself (tflc_gemm_f32_pack_b, transposed, or tflc_gemm_f32_refer_b when
 * tflc_gemm_f32_b_in_place(m, n, k, cold)). What FULLY_CONNECTED and CONV_2D cache; both
 * calls must be given the same cold. A packed one-row block made cold also prefetches its
 * panels at each product, as B of DOT_STREAM_BYTES does (gemm.c): MobileNet V3 Large
 * float32's squeeze-excite expansions ([1,168] x [168,672] and the like, which stay packed),
 * per-operator sums of 8-10 interleaved rounds, min 65.7 / 62.8 -> 52.6 / 49.4 us. A
 * cold block of at least TFLC_GEMM_AHEAD_MIN_FLOATS for more rows has its tiles pull the
 * next panel into L2 (tflc_gemm_f32_ahead). That is only a hint: two nodes that share
 * weights share the block (the weight cache keys it by size), and the first one's cold
 * decides it. `stream` (block only): this block is one of more packed weights than any cache
 * keeps (tflc_node_weights_stream), so it is written with tflc_pack_transpose_u32_stream;
 * the same bytes either way. */
size_t tflc_gemm_f32_weights_size(const tflc_gemm_f32_config *cfg, size_t m, size_t n, size_t k,
                                  bool cold);
void tflc_gemm_f32_weights_block(const tflc_gemm_f32_config *cfg, size_t m, size_t n, size_t k,
                                 bool cold, bool stream, const float *w, void *dst);
/* Tests: B of at least `floats` weights goes in place, cold or not (TFLC_GEMM_IN_PLACE_FLOATS
 * restores the defaults). Set it while no product is prepared. */
void tflc_gemm_f32_set_in_place_min(size_t floats);

/* Packs B into dst (tflc_gemm_f32_packed_size bytes, 64-byte aligned for the fastest loads).
 *   transposed == false: b is [K, N], element (k, n) at b[k*ldb + n]
 *   transposed == true:  b is [N, K], element (k, n) at b[n*ldb + k]   (FC / conv weights)
 * Keeps no pointer to b. */
void tflc_gemm_f32_pack_b(const tflc_gemm_f32_config *cfg, size_t n, size_t k, const float *b,
                          size_t ldb, bool transposed, void *dst);

/* The transpose behind the packing of [N, K] weights, on 4-byte words (a float, or four
 * int8 of one column for qgemm.c): word kk of source row j (rows `row` bytes apart) goes to
 * word kk*nr + j of dst, for j < cols, kk < kw; nothing else of dst is written. src, row
 * and dst may have any alignment. */
void tflc_pack_transpose_u32(const void *src, size_t row, size_t cols, size_t kw, void *dst,
                             size_t nr);

/* The same transpose, for packing that outgrows every cache (weights packed with stream:
 * tflc_gemm_f32_weights_block): on AVX-512 (under the TFLC_ISA cap) whole destination lines
 * are written with non-temporal stores, which skip reading each line before writing it, and
 * it ends with a store fence; elsewhere it is tflc_pack_transpose_u32. Same result, bit for
 * bit. The destination lines are then in memory, not in cache: for a block that the next
 * code reads while it is still cached, tflc_pack_transpose_u32 is faster. */
void tflc_pack_transpose_u32_stream(const void *src, size_t row, size_t cols, size_t kw,
                                    void *dst, size_t nr);
/* Its AVX-512 form (kernels/x32_transpose_avx512.c), for tests: only on a CPU with it. */
void tflc_pack_transpose_u32_avx512_stream(const void *src, size_t row, size_t cols, size_t kw,
                                           void *dst, size_t nr);

/* The config a packed B was made for (to size tiles of a split): a pointer in its header,
 * set by the packing, so a product asks no CPU check at each call. */
const tflc_gemm_f32_config *tflc_gemm_f32_packed_config(const void *packed_b);

/* ------------------------------------------------------------------- GEMM -- */

/* The K slice of a product of depth k over `cols` columns per call (the config's kc at
 * most; k itself if it fits): gemm.c's loops take K in slices of this many, the last one
 * shorter. Beside the config's kc it keeps the KC x cols block of B within a budget of this
 * CPU (half of one core's L2 on x86 other than AMD; none elsewhere), splits k evenly, and
 * is a multiple of TFLC_GEMM_SUM_BLOCK below k, so it never changes a result. */
size_t tflc_gemm_f32_slice_k(const tflc_gemm_f32_config *cfg, size_t k, size_t cols);

/* Tests: replaces the CPU's B budget (bytes; 0 for none) until set back to
 * TFLC_GEMM_B_BUDGET_DETECT. Set it while no product runs. */
#define TFLC_GEMM_B_BUDGET_DETECT ((size_t)-1)
void tflc_gemm_f32_set_b_budget(size_t bytes);

/* C = clamp(A * B + bias, min, max) for the whole M x N output. packed_b must have been
 * packed for exactly this N and K. min <= max; pass -INFINITY / INFINITY for no clamp.
 * Never allocates; uses ~64 KiB of stack. */
void tflc_gemm_f32(size_t m, size_t n, size_t k, const float *a, size_t lda,
                   const void *packed_b, const float *bias, float *c, size_t ldc, float min,
                   float max);

/* The same problem as a value, for splitting it over tasks. */
typedef struct tflc_gemm_f32_args {
    size_t m, n, k;
    const float *a;
    size_t lda;
    const void *packed_b;
    const float *bias;         /* [n] or NULL */
    float *c;
    size_t ldc;
    float min, max;
    /* Optional, run on each block of C as soon as it is final (bias added, clamped), while
     * it is in cache: rows x cols floats at c, row stride ldc. A fused activation
     * (ops/fusion.h: epilogue); NULL: none. Blocks are a row block of the GEMM (mc rows, or
     * a taps tile's mr) across the columns of the call, or a one-row product's panel. */
    void (*epilogue)(const void *ctx, float *c, size_t ldc, size_t rows, size_t cols);
    const void *epilogue_ctx;
} tflc_gemm_f32_args;

/* Rows [m_begin, m_end) and columns [n_begin, n_end) of C. n_begin must be a multiple of the
 * packed config's nr, n_end a multiple of it or >= n. Any row range is fine. */
void tflc_gemm_f32_range(const tflc_gemm_f32_args *g, size_t m_begin, size_t m_end,
                         size_t n_begin, size_t n_end);

/* The same with flags: TFLC_GEMM_MUL_ADD (LiteRT's rounding, slower: see the top of this
 * file), TFLC_GEMM_PART (g is a slice of a product with more rows: a one-row g still sums
 * in the GEMM's order). */
void tflc_gemm_f32_range_flags(const tflc_gemm_f32_args *g, size_t m_begin, size_t m_end,
                               size_t n_begin, size_t n_end, unsigned flags);

/* range_flags for a g whose rows are rows [row0, row0 + g->m) of a taller product of
 * rows_total rows (a chunk or an output row of a convolution): TFLC_GEMM_MUL_ADD's order
 * depends on a row's place in the whole product (Eigen's last rows_total % 4 rows, gemm.c).
 * range_flags is this with row0 = 0, rows_total = g->m. */
void tflc_gemm_f32_range_in(const tflc_gemm_f32_args *g, size_t m_begin, size_t m_end,
                            size_t n_begin, size_t n_end, unsigned flags, size_t row0,
                            size_t rows_total);

/* A convolution's product with A read in place, tap by tap (no im2col copy): m rows (a run of
 * output pixels), row i's K = taps runs of g->k / taps floats, run t at tap_a[t] + i * lda;
 * columns [n_begin, n_end) (n_begin a multiple of nr) to c (row stride g->ldc), with g's
 * packed B, bias and clamp (g->a, g->lda, g->m unused); flags 0 or TFLC_GEMM_MUL_ADD. The
 * bits are those of tflc_gemm_f32_range_flags with TFLC_GEMM_PART (and the same flags) over
 * the same rows copied out (im2col), given tflc_gemm_f32_taps_fit(the packing config,
 * g->k / taps, g->n, MUL_ADD or not): the config has taps kernels and
 *   - FMA order: the run is a whole number of its summation blocks (no block straddles two
 *     taps);
 *   - MUL_ADD (one k-ordered sum): N is a multiple of 8 and above 1, so that Eigen's other
 *     orders (gemm.c: the last N % 8 columns, N == 1) never apply. */
#define TFLC_GEMM_MAX_TAPS 64
bool tflc_gemm_f32_taps_fit(const tflc_gemm_f32_config *cfg, size_t run, size_t n,
                            bool mul_add);

/* The product is taken in K slices of whole taps, so that a slice of B stays in cache while
 * it serves many runs of pixels (a caller loops slices outside its runs):
 * tflc_gemm_f32_taps_per_slice gives the taps per slice for `cols` columns per call (all
 * `taps` when B fits, and always on CPUs without a B budget: gemm.c), and
 * tflc_gemm_f32_taps_slice runs taps [t_begin, t_end) of every row: the first slice writes
 * C, later ones continue C's partial sums, and the last (t_end == taps) adds bias, clamps
 * and runs the epilogue. Taken in order over all taps (one slice [0, taps) included), the
 * slices give the bits above (each slice is whole summation blocks, or continues MUL_ADD's
 * k-ordered sum, and C carries the exact partial sum). */
size_t tflc_gemm_f32_taps_per_slice(const tflc_gemm_f32_args *g, size_t taps, size_t cols);
void tflc_gemm_f32_taps_slice(const tflc_gemm_f32_args *g, size_t m, size_t taps,
                              const float *const *tap_a, size_t lda, float *c, size_t n_begin,
                              size_t n_end, size_t t_begin, size_t t_end, unsigned flags);

/* A split of the output into m_tasks x n_tasks rectangles of whole tiles. */
typedef struct tflc_gemm_f32_plan {
    size_t m_step, n_step;     /* rows / columns per task (multiples of mr / nr, or all) */
    int m_tasks, n_tasks;
} tflc_gemm_f32_plan;

/* One task, the whole product: what tflc_gemm_f32_plan_split gives for one thread, planned
 * without reading B, so before it is packed (a task that packs its B first). */
void tflc_gemm_f32_plan_one(const tflc_gemm_f32_args *g, tflc_gemm_f32_plan *plan);

/* Plans about 4 tasks per thread (threads steal from a late one), evened out over the threads
 * (tflc_balanced_span), never smaller than one MR x NR tile; n_threads <= 1 gives one task.
 * Returns the task count. */
int tflc_gemm_f32_plan_split(const tflc_gemm_f32_args *g, int n_threads,
                             tflc_gemm_f32_plan *plan);

/* Runs task `task` (0 .. m_tasks * n_tasks - 1) of a plan; _flags as range_flags. Tasks go
 * column-major: task t is row block t % m_tasks of column block t / m_tasks, so the thread
 * pool's contiguous blocks of tasks give each thread whole column blocks over every row
 * (its own part of B) rather than unequal row blocks. */
void tflc_gemm_f32_task(const tflc_gemm_f32_args *g, const tflc_gemm_f32_plan *plan, int task);
void tflc_gemm_f32_task_flags(const tflc_gemm_f32_args *g, const tflc_gemm_f32_plan *plan,
                              int task, unsigned flags);

#endif
