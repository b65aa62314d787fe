/*
 * qs8_vbinary.h -- quantized ADD / SUB / MUL / SQUARED_DIFFERENCE over contiguous int8, uint8
 * or int16 arrays,
 * bit for bit the arithmetic of ops/elementwise_binary.c's reference rows (TFLite's):
 *
 *   ADD/SUB  s_k = RDPOT(SRDHM((x_k + offset_k) * 2^L, m_k), -shift_k)     k = a, b
 *            r   = s_a + s_b   (SUB: s_a - s_b)
 *   SQDIFF   r   = (s_a - s_b)^2
 *   MUL      r   = (x_a + offset_a) * (x_b + offset_b)
 *   then     y   = clamp(MBQM(r, out_mult, out_shift) + out_zp, lo, hi)
 *
 * (SRDHM = SaturatingRoundingDoublingHighMul, RDPOT = RoundingDivideByPOT, MBQM =
 * MultiplyByQuantizedMultiplier; L = 20 for 8-bit ADD/SUB, 15 for int16, 7 for
 * SQUARED_DIFFERENCE.)
 *
 *     tflc_qbinary_spec s = {TFLC_QBINARY_ADD, TFLC_QBINARY_S8, 20, ...};   // the reference's
 *     tflc_qbinary_params p;
 *     if (tflc_qbinary_prepare(&s, &p)) {                   // else: keep the reference loop
 *         const tflc_qbinary_config *cfg = tflc_qbinary_config_get();
 *         cfg->fn[TFLC_QBINARY_ADD][TFLC_QBINARY_S8][TFLC_QBINARY_VV](n, a, b, y, &p);
 *     }
 *
 *   VV  y[i] = f(a[i], b[i])     VS  y[i] = f(a[i], b[0])     SV  y[i] = f(a[0], b[i])
 *
 * and over a block of rows x n against one row of n broadcast down it (the squeeze-excite
 * scale [1,H,W,C] * [1,1,1,C]: rows = H * W, n = C), the vector side prepared once per
 * channel block rather than once per row:
 *
 *   VR  y[r*n + i] = f(a[r*n + i], b[i])     RV  y[r*n + i] = f(a[i], b[r*n + i])
 *
 * How it stays exact in 32-bit lanes (proofs beside tflc_qbinary_prepare):
 *   - SRDHM(a, b) = floor((a * b + 2^30) / 2^31) for every pair but (INT32_MIN, INT32_MIN):
 *     gemmlowp's nudge of 1 - 2^30 and truncation for negative products is the same "round
 *     half up". The output stage computes it with 64-bit products (vpmuldq).
 *   - The input stage multiplies x * 2^L with |x| * 2^L < 2^31, so SRDHM(x * 2^L, m) =
 *     floor((x * m + 2^(30-L)) / 2^(31-L)); with m = mh * 2^s + ml (0 <= ml < 2^s,
 *     s <= 31 - L, t = 31 - L - s) and floor(floor(u / 2^s) / 2^t) = floor(u / 2^(s+t)):
 *     (x * mh + floor((x * ml + 2^(30-L)) / 2^s)) >> t, two 32-bit products that prepare
 *     checks cannot overflow.
 *   - RDPOT(v, e) = floor(v / 2^e) + ((v & (2^e - 1)) > ((2^e - 1) >> 1) + (v < 0)).
 *   - prepare refuses (returns false) any parameters for which a 32-bit step could overflow
 *     or the reference's saturating left shift could saturate; the caller then keeps its
 *     reference loop.
 * Every config gives the same bits as the scalar one, which is tested against the reference
 * formulas (tests/unit/test_qbinary.c). y may equal a or b (in place; in the row forms only
 * the block, never the row); no other overlap.
 */
#ifndef TFLC_KERNELS_QS8_VBINARY_H
#define TFLC_KERNELS_QS8_VBINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu.h"

/* Operations, element types and operand forms (append-only; _COUNT sizes the table). */
typedef enum tflc_qbinary_op {
    TFLC_QBINARY_ADD = 0,
    TFLC_QBINARY_SUB,
    TFLC_QBINARY_MUL,
    TFLC_QBINARY_SQDIFF,
    TFLC_QBINARY_OP_COUNT
} tflc_qbinary_op;

typedef enum tflc_qbinary_dtype {
    TFLC_QBINARY_S8 = 0,
    TFLC_QBINARY_U8,
    TFLC_QBINARY_S16,
    TFLC_QBINARY_DTYPE_COUNT
} tflc_qbinary_dtype;

typedef enum tflc_qbinary_form {
    TFLC_QBINARY_VV = 0,
    TFLC_QBINARY_VS,
    TFLC_QBINARY_SV,
    TFLC_QBINARY_FORM_COUNT
} tflc_qbinary_form;

/* Row forms (append-only): which side is the row broadcast down the block. */
typedef enum tflc_qbinary_rows_form {
    TFLC_QBINARY_VR = 0,                 /* b is the row */
    TFLC_QBINARY_RV,                     /* a is the row */
    TFLC_QBINARY_ROWS_FORM_COUNT
} tflc_qbinary_rows_form;

/* The reference's parameters, as ops/elementwise_binary.c computes them in prepare.
 * in_mult / in_shift / left_shift are read for ADD, SUB and SQDIFF only. */
typedef struct tflc_qbinary_spec {
    tflc_qbinary_op op;
    tflc_qbinary_dtype dtype;
    int left_shift;                      /* L: 20 (8-bit), 15 (int16), 7 (SQDIFF) */
    int32_t in_offset[2];                /* minus the input zero points */
    int32_t in_mult[2];
    int in_shift[2];
    int32_t out_mult;
    int out_shift;
    int32_t out_zp;
    int32_t lo, hi;                      /* activation clamp on the output grid */
} tflc_qbinary_spec;

/* One input's rescale onto the common scale (ADD/SUB/SQDIFF), split for 32-bit lanes. */
typedef struct tflc_qbinary_in {
    int32_t offset;
    int32_t mult_hi, mult_lo;            /* m = mult_hi * 2^split + mult_lo */
    int32_t round;                       /* 2^(30 - L) */
    int split;                           /* s: min(31 - L, 11), or 16 when L = 15 */
    int post;                            /* t = 31 - L - s */
    int right;                           /* RDPOT exponent, 0..31 */
    int32_t mask, thr;                   /* 2^right - 1, mask >> 1 */
} tflc_qbinary_in;

/* What the kernels read: everything per op, decided once. */
typedef struct tflc_qbinary_params {
    tflc_qbinary_in in[2];
    int32_t out_mult;
    int out_left, out_right;             /* out_left: a plain shift, never saturating */
    int32_t out_mask, out_thr;
    int32_t out_zp;
    int32_t lo, hi;                      /* clamp on r before the zero point: lo - zp, hi - zp */
    bool fold;                           /* out_right >= 1 and |SRDHM| + 2^(out_right-1) + 1
                                          * < 2^31 for every r: SIMD configs may fold the two
                                          * output roundings into one (qs8_vbinary_avx512.c) */
    bool mul_split;                      /* 8-bit MUL: the row forms may fold the row's
                                          * factor B into the multiplier, K = B * out_mult
                                          * = Kh * 2^16 + Kl (proof: qs8_vbinary_avx512.c;
                                          * bounds: qs8_vbinary_scalar.c, mul_split_ok) */
} tflc_qbinary_params;

/* Fills *p from *s and returns true when the kernels reproduce the reference exactly for
 * every input value of the dtype; false (p unspecified) otherwise. */
bool tflc_qbinary_prepare(const tflc_qbinary_spec *s, tflc_qbinary_params *p);

/* n elements; a, b, y typed by the dtype (int8_t, uint8_t, int16_t). */
typedef void (*tflc_qbinary_fn)(size_t n, const void *a, const void *b, void *y,
                                const tflc_qbinary_params *p);

/* rows x n elements of the block (a or b, as the form says; y likewise), one row of n. */
typedef void (*tflc_qbinary_rows_fn)(size_t rows, size_t n, const void *a, const void *b,
                                     void *y, const tflc_qbinary_params *p);

typedef struct tflc_qbinary_config {
    const char *name;                    /* e.g. "qs8_vbinary_avx2" */
    tflc_isa isa;
    tflc_qbinary_fn fn[TFLC_QBINARY_OP_COUNT][TFLC_QBINARY_DTYPE_COUNT][TFLC_QBINARY_FORM_COUNT];
    tflc_qbinary_rows_fn rows[TFLC_QBINARY_OP_COUNT][TFLC_QBINARY_DTYPE_COUNT]
                             [TFLC_QBINARY_ROWS_FORM_COUNT];
} tflc_qbinary_config;

/* The folded 8-bit MUL against a row of per-channel factors (p->mul_split; the derivation is
 * qs8_vbinary_avx512.c's qb_mul_rows_split): channels per block, whose Kh and Kl (2 KB) stay
 * in L1 while the rows stream past; a block's row is 256 contiguous bytes, long enough for
 * the prefetcher on wide rows (C 672, 1152). */
enum { QB_SPLIT_BLOCK = 256 };

/* Kh and Kl (in the low word, 0 in the high one) of the channels [j0, j0 + QB_SPLIT_BLOCK)
 * of the row, zeros past n. */
static inline void qb_split_factors(const int dt, const void *row, size_t j0, size_t n,
                                    int32_t offset, int32_t mult, int32_t *kh, int32_t *kl) {
    for (size_t j = 0; j < QB_SPLIT_BLOCK; j++) {
        const size_t c = j0 + j;
        const int32_t x = c >= n ? 0
                          : dt == TFLC_QBINARY_S8 ? ((const int8_t *)row)[c]
                                                  : ((const uint8_t *)row)[c];
        const int64_t k = c >= n ? 0 : (int64_t)(x + offset) * mult;
        const int32_t low = (int16_t)(uint16_t)((uint64_t)k & 0xFFFFu);
        kh[j] = (int32_t)((k - low) / 65536);
        kl[j] = (int32_t)(uint16_t)low;
    }
}

/* The 36 entry points of one ISA file and its table, by suffix: the file defines
 *   static void qbinary(int op, int dt, int form, size_t n, const void *a, const void *b,
 *                       void *y, const tflc_qbinary_params *p)
 * (always inlined, so op, dt and form are constants in each entry point), then writes
 * TFLC_QBINARY_ENTRY_POINTS(avx2) and `.fn = TFLC_QBINARY_FN_TABLE(avx2)` in its config. */
#define TFLC_QBINARY_ENTRY(sfx, op, dt, form, OP, DT, FORM)                                  \
    static void q##op##_##dt##_##form##_##sfx(size_t n, const void *a, const void *b,       \
                                              void *y, const tflc_qbinary_params *p) {      \
        qbinary(OP, DT, FORM, n, a, b, y, p);                                                \
    }
#define TFLC_QBINARY_ENTRY_FORMS(sfx, op, dt, OP, DT)                                        \
    TFLC_QBINARY_ENTRY(sfx, op, dt, vv, OP, DT, TFLC_QBINARY_VV)                             \
    TFLC_QBINARY_ENTRY(sfx, op, dt, vs, OP, DT, TFLC_QBINARY_VS)                             \
    TFLC_QBINARY_ENTRY(sfx, op, dt, sv, OP, DT, TFLC_QBINARY_SV)
#define TFLC_QBINARY_ENTRY_OP(sfx, op, OP)                                                   \
    TFLC_QBINARY_ENTRY_FORMS(sfx, op, s8, OP, TFLC_QBINARY_S8)                               \
    TFLC_QBINARY_ENTRY_FORMS(sfx, op, u8, OP, TFLC_QBINARY_U8)                               \
    TFLC_QBINARY_ENTRY_FORMS(sfx, op, s16, OP, TFLC_QBINARY_S16)
#define TFLC_QBINARY_ENTRY_POINTS(sfx)                                                       \
    TFLC_QBINARY_ENTRY_OP(sfx, add, TFLC_QBINARY_ADD)                                        \
    TFLC_QBINARY_ENTRY_OP(sfx, sub, TFLC_QBINARY_SUB)                                        \
    TFLC_QBINARY_ENTRY_OP(sfx, mul, TFLC_QBINARY_MUL)                                        \
    TFLC_QBINARY_ENTRY_OP(sfx, sqdiff, TFLC_QBINARY_SQDIFF)
#define TFLC_QBINARY_FN_ROW(sfx, op, dt)                                                     \
    {q##op##_##dt##_vv_##sfx, q##op##_##dt##_vs_##sfx, q##op##_##dt##_sv_##sfx}
#define TFLC_QBINARY_FN_OP(sfx, op)                                                          \
    {TFLC_QBINARY_FN_ROW(sfx, op, s8), TFLC_QBINARY_FN_ROW(sfx, op, u8),                     \
     TFLC_QBINARY_FN_ROW(sfx, op, s16)}
#define TFLC_QBINARY_FN_TABLE(sfx)                                                           \
    {TFLC_QBINARY_FN_OP(sfx, add), TFLC_QBINARY_FN_OP(sfx, sub), TFLC_QBINARY_FN_OP(sfx, mul), \
     TFLC_QBINARY_FN_OP(sfx, sqdiff)}

/* The 24 row entry points likewise, from the file's
 *   static void qbinary_rows(int op, int dt, int form, size_t rows, size_t n, const void *a,
 *                            const void *b, void *y, const tflc_qbinary_params *p)
 * (form: TFLC_QBINARY_VR or _RV): TFLC_QBINARY_ROWS_ENTRY_POINTS(avx2) and
 * `.rows = TFLC_QBINARY_ROWS_TABLE(avx2)`. */
#define TFLC_QBINARY_ROWS_ENTRY(sfx, op, dt, form, OP, DT, FORM)                             \
    static void q##op##_##dt##_##form##_##sfx(size_t rows, size_t n, const void *a,         \
                                              const void *b, void *y,                       \
                                              const tflc_qbinary_params *p) {               \
        qbinary_rows(OP, DT, FORM, rows, n, a, b, y, p);                                     \
    }
#define TFLC_QBINARY_ROWS_ENTRY_FORMS(sfx, op, dt, OP, DT)                                   \
    TFLC_QBINARY_ROWS_ENTRY(sfx, op, dt, vr, OP, DT, TFLC_QBINARY_VR)                        \
    TFLC_QBINARY_ROWS_ENTRY(sfx, op, dt, rv, OP, DT, TFLC_QBINARY_RV)
#define TFLC_QBINARY_ROWS_ENTRY_OP(sfx, op, OP)                                              \
    TFLC_QBINARY_ROWS_ENTRY_FORMS(sfx, op, s8, OP, TFLC_QBINARY_S8)                          \
    TFLC_QBINARY_ROWS_ENTRY_FORMS(sfx, op, u8, OP, TFLC_QBINARY_U8)                          \
    TFLC_QBINARY_ROWS_ENTRY_FORMS(sfx, op, s16, OP, TFLC_QBINARY_S16)
#define TFLC_QBINARY_ROWS_ENTRY_POINTS(sfx)                                                  \
    TFLC_QBINARY_ROWS_ENTRY_OP(sfx, add, TFLC_QBINARY_ADD)                                   \
    TFLC_QBINARY_ROWS_ENTRY_OP(sfx, sub, TFLC_QBINARY_SUB)                                   \
    TFLC_QBINARY_ROWS_ENTRY_OP(sfx, mul, TFLC_QBINARY_MUL)                                   \
    TFLC_QBINARY_ROWS_ENTRY_OP(sfx, sqdiff, TFLC_QBINARY_SQDIFF)
#define TFLC_QBINARY_ROWS_ROW(sfx, op, dt) {q##op##_##dt##_vr_##sfx, q##op##_##dt##_rv_##sfx}
#define TFLC_QBINARY_ROWS_OP(sfx, op)                                                        \
    {TFLC_QBINARY_ROWS_ROW(sfx, op, s8), TFLC_QBINARY_ROWS_ROW(sfx, op, u8),                 \
     TFLC_QBINARY_ROWS_ROW(sfx, op, s16)}
#define TFLC_QBINARY_ROWS_TABLE(sfx)                                                         \
    {TFLC_QBINARY_ROWS_OP(sfx, add), TFLC_QBINARY_ROWS_OP(sfx, sub),                         \
     TFLC_QBINARY_ROWS_OP(sfx, mul), TFLC_QBINARY_ROWS_OP(sfx, sqdiff)}

/* Each ISA's config, from its own translation unit; NULL when built without its flags. */
const tflc_qbinary_config *tflc_qbinary_config_scalar(void);
const tflc_qbinary_config *tflc_qbinary_config_avx2(void);
const tflc_qbinary_config *tflc_qbinary_config_avx512(void);
const tflc_qbinary_config *tflc_qbinary_config_neon(void);

/* avx512's config with the 8-bit ADD and SUB vector forms (VV) looked up in byte tables
 * (VPERMI2B); NULL unless this build has AVX-512 and this CPU has VBMI. The TFLC_ISA level is
 * still AVX512: config_get takes it over the plain one whenever that level is chosen. */
const tflc_qbinary_config *tflc_qbinary_config_avx512vbmi(void);

/* The byte-table loops of avx512vbmi start at this many elements: below it their two
 * tables (about 0.1 us to build) cost more than they save. */
#define TFLC_QBINARY_LUT_MIN 1024

/* The config for `isa`, or NULL when this build or this CPU lacks it (ignores the TFLC_ISA
 * cap). */
const tflc_qbinary_config *tflc_qbinary_config_for(tflc_isa isa);

/* The best config for this CPU under the TFLC_ISA cap, chosen once; never NULL. */
const tflc_qbinary_config *tflc_qbinary_config_get(void);

#endif
