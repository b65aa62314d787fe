/*
 * test_qbinary.c -- the quantized ADD / SUB / MUL / SQUARED_DIFFERENCE loops
 * (src/kernels/qs8_vbinary.h): every ISA variant this CPU has, forced through its config,
 * against the reference arithmetic of ops/elementwise_binary.c's row_quant (q_addsub, q_mul,
 * q_sqdiff, written here with the same math_common.h primitives: math_mbqm,
 * math_clamp_i32).
 *
 * Every comparison is exact. Parameters come two ways:
 *   - derived: random scales and zero points turned into multipliers exactly as the op's
 *     prepare does (the kernels must accept all of these for ADD / SUB, and for MUL unless the
 *     multiplier needs a left shift the bound check refuses);
 *   - raw: random multipliers in [0, 2^31), shifts, offsets and clamps; whatever
 *     tflc_qbinary_prepare accepts must be exact.
 * 8-bit parameter sets are checked on every (a, b) pair; int16 on random values and the
 * extremes. Ragged lengths 0..67 cover every tail of the 16- and 32-element loops; arrays end
 * against a PROT_NONE page, so a load or store past the last element faults.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/threadpool.h"
#include "kernels/cpu.h"
#include "kernels/qs8_vbinary.h"
#include "ops/math_common.h"
#include "guarded.h"
#include "test.h"
#include "isa_configs.h"
#include "op_harness.h"

/* ------------------------------------------------------------- helpers -- */

#define TEST_RNG_SEED 0x2545F4914F6CDD1Dull
#include "rng.h"

/* Uniform in [lo, hi]. */
static int32_t rng_int(int32_t lo, int32_t hi) {
    return (int32_t)((int64_t)lo + (int64_t)(rng_next() % (uint32_t)((int64_t)hi - lo + 1)));
}

/* log-uniform in [2^lo, 2^hi) */
static float rng_scale(double lo, double hi) {
    return (float)exp2(lo + (hi - lo) * (double)(rng_next() & 0xFFFFFF) / 16777216.0);
}

/* SQUARED_DIFFERENCE is quantized for int8 only in the op (its int16 squares could overflow,
 * and prepare refuses them); the kernels' uint8 instance is tested all the same. */
static bool tested(int op, int dt) { return !(op == TFLC_QBINARY_SQDIFF && dt == TFLC_QBINARY_S16); }

static const tflc_qbinary_config *configs[TFLC_ISA_COUNT + 1];   /* + avx512vbmi */
static int n_configs;

static const char *const op_names[] = {"ADD", "SUB", "MUL", "SQUARED_DIFFERENCE"};
static const char *const dt_names[] = {"int8", "uint8", "int16"};

static void dt_range(int dt, int32_t *lo, int32_t *hi) {
    *lo = dt == TFLC_QBINARY_S8 ? INT8_MIN : (dt == TFLC_QBINARY_U8 ? 0 : INT16_MIN);
    *hi = dt == TFLC_QBINARY_S8 ? INT8_MAX : (dt == TFLC_QBINARY_U8 ? UINT8_MAX : INT16_MAX);
}

static size_t dt_size(int dt) { return dt == TFLC_QBINARY_S16 ? 2 : 1; }

static int32_t get(int dt, const void *x, size_t i) {
    if (dt == TFLC_QBINARY_S8) return ((const int8_t *)x)[i];
    if (dt == TFLC_QBINARY_U8) return ((const uint8_t *)x)[i];
    return ((const int16_t *)x)[i];
}

static void put(int dt, void *x, size_t i, int32_t v) {
    if (dt == TFLC_QBINARY_S8) ((int8_t *)x)[i] = (int8_t)v;
    else if (dt == TFLC_QBINARY_U8) ((uint8_t *)x)[i] = (uint8_t)v;
    else ((int16_t *)x)[i] = (int16_t)v;
}

/* ----------------------------------------------------------- reference -- */

/* elementwise_binary.c's q_addsub / q_mul / q_sqdiff and row_quant's clamp. */
static int32_t ref(const tflc_qbinary_spec *s, int32_t a, int32_t b) {
    int32_t v;
    if (s->op == TFLC_QBINARY_MUL) {
        const int32_t prod = (a + s->in_offset[0]) * (b + s->in_offset[1]);
        v = s->out_zp + math_mbqm(prod, s->out_mult, s->out_shift);
    } else {
        const int32_t sa = math_mbqm((a + s->in_offset[0]) * (1 << s->left_shift), s->in_mult[0],
                                     s->in_shift[0]);
        const int32_t sb = math_mbqm((b + s->in_offset[1]) * (1 << s->left_shift), s->in_mult[1],
                                     s->in_shift[1]);
        const int32_t d = sa - sb;
        const int32_t raw = s->op == TFLC_QBINARY_ADD ? sa + sb
                            : s->op == TFLC_QBINARY_SUB ? d : d * d;
        v = math_mbqm(raw, s->out_mult, s->out_shift) + s->out_zp;
    }
    return math_clamp_i32(v, s->lo, s->hi);
}

/* A random activation clamp inside the dtype's range: often the whole range. */
static void random_clamp(tflc_qbinary_spec *s) {
    dt_range(s->dtype, &s->lo, &s->hi);
    if (rng_next() % 2) return;
    int32_t x = rng_int(s->lo, s->hi), y = rng_int(s->lo, s->hi);
    s->lo = x < y ? x : y;
    s->hi = x < y ? y : x;
}

/* Parameters as elementwise_binary.c's prepare derives them from scales and zero points
 * (the clamp is left to the caller); false when the op would refuse them (a multiplier
 * outside (0, 1) for ADD / SUB / SQUARED_DIFFERENCE). */
static bool spec_from_scales(int op, int dt, const float *sc, const int32_t *zp,
                             tflc_qbinary_spec *s) {
    *s = (tflc_qbinary_spec){.op = (tflc_qbinary_op)op, .dtype = (tflc_qbinary_dtype)dt};
    s->in_offset[0] = -zp[0];
    s->in_offset[1] = -zp[1];
    s->out_zp = zp[2];
    dt_range(dt, &s->lo, &s->hi);
    if (op == TFLC_QBINARY_MUL) {
        float real = sc[0] * sc[1] / sc[2];
        math_quantize_multiplier((double)real, &s->out_mult, &s->out_shift);
        return true;
    }
    s->left_shift = op == TFLC_QBINARY_SQDIFF ? 7 : (dt == TFLC_QBINARY_S16 ? 15 : 20);
    const double twice_max = 2.0 * (double)(sc[0] > sc[1] ? sc[0] : sc[1]);
    const double out_m =
        op == TFLC_QBINARY_SQDIFF
            ? twice_max * twice_max / ((double)(1 << (2 * s->left_shift)) * (double)sc[2])
            : twice_max / ((double)(1 << s->left_shift) * (double)sc[2]);
    if (!(out_m > 0.0 && out_m < 1.0)) return false;
    math_quantize_multiplier((double)sc[0] / twice_max, &s->in_mult[0], &s->in_shift[0]);
    math_quantize_multiplier((double)sc[1] / twice_max, &s->in_mult[1], &s->in_shift[1]);
    math_quantize_multiplier(out_m, &s->out_mult, &s->out_shift);
    return true;
}

/* Random scales and zero points (int16: symmetric), a random clamp. */
static bool derived_spec(int op, int dt, tflc_qbinary_spec *s) {
    int32_t lo, hi;
    dt_range(dt, &lo, &hi);
    const float sc[3] = {rng_scale(-12, 2), rng_scale(-12, 2), rng_scale(-12, 2)};
    int32_t zp[3] = {0, 0, 0};
    if (dt != TFLC_QBINARY_S16)
        for (int k = 0; k < 3; k++) zp[k] = rng_int(lo, hi);
    const bool ok = spec_from_scales(op, dt, sc, zp, s);
    random_clamp(s);
    return ok;
}

/* A multiplier in [0, 2^31): mostly in [2^30, 2^31) as QuantizeMultiplier's are, often with
 * many low zero bits (floats' 24-bit mantissas; 2^30 itself) so that SRDHM and RDPOT meet
 * exact ties. */
static int32_t raw_mult(int tie_bit) {
    int b;
    switch (rng_next() % 6) {
    case 0: return 1 << 30;
    case 1: return rng_int(0, INT32_MAX);
    case 2: return rng_int(0x40000000, INT32_MAX) & ~((1 << rng_int(8, 28)) - 1);
    case 3:                                    /* low bits 2^b: odd x meets a tie */
        b = rng_next() % 2 ? tie_bit : rng_int(4, 28);
        return (rng_int(0x40000000, INT32_MAX) & ~((1 << (b + 1)) - 1)) | (1 << b);
    default: return rng_int(0x40000000, INT32_MAX);
    }
}

/* Any multipliers, shifts and offsets (prepare decides whether the kernels take them). */
static void raw_spec(int op, int dt, tflc_qbinary_spec *s) {
    *s = (tflc_qbinary_spec){.op = (tflc_qbinary_op)op, .dtype = (tflc_qbinary_dtype)dt};
    const int32_t off_lim = dt == TFLC_QBINARY_S16 ? 8 : 255;
    /* "fine": tiny input multipliers and an output stage near identity, so that the input
     * stage's rounding (a tie for odd x when m is 2^10, 8-bit) reaches the output unhidden. */
    const bool fine = op != TFLC_QBINARY_MUL && rng_next() % 4 == 0;
    s->left_shift = op == TFLC_QBINARY_SQDIFF ? 7 : (dt == TFLC_QBINARY_S16 ? 15 : 20);
    for (int k = 0; k < 2; k++) {
        s->in_offset[k] = rng_int(-off_lim, off_lim);
        s->in_mult[k] = raw_mult(30 - s->left_shift);   /* x * m meets SRDHM's ties */
        s->in_shift[k] = rng_next() % 2 ? rng_int(-40, 0) : rng_int(-3, 0);
        if (fine) s->in_mult[k] = rng_next() % 2 ? 1 << rng_int(8, 16) : rng_int(0, 1 << 17);
    }
    s->out_mult = raw_mult(rng_int(4, 28));
    s->out_shift = fine ? rng_int(-2, 2) : rng_int(-40, op == TFLC_QBINARY_MUL ? 16 : 4);
    int32_t lo, hi;
    dt_range(dt, &lo, &hi);
    s->out_zp = rng_int(lo, hi);
    random_clamp(s);
}

/* ----------------------------------------------------------------- tests -- */

static void test_variants_found(void) {
    for (int isa = 0; isa < TFLC_ISA_COUNT; isa++) {
        const tflc_qbinary_config *c = tflc_qbinary_config_for((tflc_isa)isa);
        if (c) configs[n_configs++] = c;
    }
    CHECK(n_configs >= 1 && configs[0]->isa == TFLC_ISA_SCALAR);
    CHECK_ISA_CONFIGS(tflc_qbinary_config_for);
    const tflc_qbinary_config *vbmi = tflc_qbinary_config_avx512vbmi();
    if (vbmi) configs[n_configs++] = vbmi;
    const tflc_qbinary_config *best = tflc_qbinary_config_for(tflc_cpu_isa());
    CHECK(tflc_qbinary_config_get() == (vbmi && tflc_cpu_isa() == TFLC_ISA_AVX512 ? vbmi : best));
    fprintf(stderr, "variants:");
    for (int v = 0; v < n_configs; v++) fprintf(stderr, " %s", configs[v]->name);
    fprintf(stderr, "\n");
}

/* Every config on n elements of form `form` against want[]; false on the first mismatch. */
static bool check_all(const tflc_qbinary_spec *s, const tflc_qbinary_params *p, int form,
                      size_t n, const void *a, const void *b, void *y, const int32_t *want) {
    for (int v = 0; v < n_configs; v++) {
        memset(y, 0x5A, n * dt_size(s->dtype));
        configs[v]->fn[s->op][s->dtype][form](n, a, b, y, p);
        for (size_t i = 0; i < n; i++)
            if (get(s->dtype, y, i) != want[i]) {
                fprintf(stderr, "%s %s %s form %d: element %zu (a %d b %d) gives %d, want %d\n",
                        configs[v]->name, op_names[s->op], dt_names[s->dtype], form, i,
                        get(s->dtype, a, form == TFLC_QBINARY_SV ? 0 : i),
                        get(s->dtype, b, form == TFLC_QBINARY_VS ? 0 : i),
                        get(s->dtype, y, i), want[i]);
                return false;
            }
    }
    return true;
}

/* Every (a, b) pair of an 8-bit dtype through both row forms of every config: a block of
 * 256 rows (row r holds the value lo + r in every channel) against rows of 128 channels
 * (lo + c, then lo + 128 + c), so each channel block and each lane meets every value. */
static bool check_rows_pairs(const tflc_qbinary_spec *s, const tflc_qbinary_params *p) {
    static uint8_t blk[256 * 128], row[128], y[256 * 128];
    int32_t lo, hi;
    dt_range(s->dtype, &lo, &hi);
    for (int half = 0; half < 2; half++)
        for (int form = 0; form < TFLC_QBINARY_ROWS_FORM_COUNT; form++) {
            for (size_t i = 0; i < N(blk); i++) put(s->dtype, blk, i, lo + (int32_t)(i / 128));
            for (size_t c = 0; c < 128; c++) put(s->dtype, row, c, lo + 128 * half + (int32_t)c);
            const bool vr = form == TFLC_QBINARY_VR;
            for (int v = 0; v < n_configs; v++) {
                memset(y, 0x5A, sizeof y);
                configs[v]->rows[s->op][s->dtype][form](256, 128, vr ? blk : row, vr ? row : blk,
                                                        y, p);
                for (size_t i = 0; i < N(y); i++) {
                    const int32_t x = get(s->dtype, blk, i), c = get(s->dtype, row, i % 128);
                    const int32_t want = vr ? ref(s, x, c) : ref(s, c, x);
                    if (get(s->dtype, y, i) != want) {
                        fprintf(stderr, "%s %s %s rows form %d: block %d row %d gives %d, want %d\n",
                                configs[v]->name, op_names[s->op], dt_names[s->dtype], form, x, c,
                                get(s->dtype, y, i), want);
                        return false;
                    }
                }
            }
        }
    return true;
}

#define GRID 65536

/* Every (a, b) pair of an 8-bit dtype (VV), and each form with a scalar side; int16:
 * random values with the extremes mixed in. */
static bool check_spec(const tflc_qbinary_spec *s, const tflc_qbinary_params *p) {
    static int16_t a[GRID], b[GRID], y[GRID];
    static int32_t want[GRID];
    int32_t lo, hi;
    dt_range(s->dtype, &lo, &hi);
    const bool q8 = s->dtype != TFLC_QBINARY_S16;
    const size_t n = q8 ? GRID : 4096;
    for (size_t i = 0; i < n; i++) {
        int32_t va = q8 ? lo + (int32_t)(i & 255) : rng_int(lo, hi);
        int32_t vb = q8 ? lo + (int32_t)(i >> 8) : rng_int(lo, hi);
        if (!q8 && i % 7 == 0) va = (i / 7) % 2 ? lo : hi;
        if (!q8 && i % 11 == 0) vb = (i / 11) % 2 ? lo : hi;
        put(s->dtype, a, i, va);
        put(s->dtype, b, i, vb);
        want[i] = ref(s, va, vb);
    }
    if (!check_all(s, p, TFLC_QBINARY_VV, n, a, b, y, want)) return false;
    if (q8 && !check_rows_pairs(s, p)) return false;
    for (int form = TFLC_QBINARY_VS; form <= TFLC_QBINARY_SV; form++) {
        const size_t m = q8 ? 256 : 512;        /* the vector side: its whole range (8-bit) */
        for (int rep = 0; rep < 6; rep++) {
            const int32_t c = rep == 0 ? lo : (rep == 1 ? hi : rng_int(lo, hi));
            for (size_t i = 0; i < m; i++) {
                const int32_t v = q8 ? lo + (int32_t)i : (i < 2 ? (i ? hi : lo) : rng_int(lo, hi));
                put(s->dtype, form == TFLC_QBINARY_VS ? a : b, i, v);
                want[i] = form == TFLC_QBINARY_VS ? ref(s, v, c) : ref(s, c, v);
            }
            put(s->dtype, form == TFLC_QBINARY_VS ? b : a, 0, c);
            if (!check_all(s, p, form, m, a, b, y, want)) return false;
        }
    }
    return true;
}

/* Parameters derived as the op derives them: accepted (see the file comment) and exact. */
static void test_derived_exact(void) {
    for (int op = 0; op < TFLC_QBINARY_OP_COUNT; op++)
        for (int dt = 0; dt < TFLC_QBINARY_DTYPE_COUNT; dt++) {
            if (!tested(op, dt)) continue;
            int checked = 0;
            for (int t = 0; t < 60 && checked < 16; t++) {
                tflc_qbinary_spec s;
                tflc_qbinary_params p;
                if (!derived_spec(op, dt, &s)) continue;
                const bool ok = tflc_qbinary_prepare(&s, &p);
                const int left_cap = dt == TFLC_QBINARY_S16 ? 0 : 14;
                if (op != TFLC_QBINARY_MUL || s.out_shift <= left_cap)
                    CHECK_MSG(ok, "%s %s refused (out shift %d)", op_names[op], dt_names[dt],
                              s.out_shift);
                if (!ok) continue;
                CHECK_MSG(check_spec(&s, &p), "%s %s derived, trial %d", op_names[op],
                          dt_names[dt], t);
                checked++;
            }
            CHECK_MSG(checked >= 8, "%s %s: only %d parameter sets", op_names[op],
                      dt_names[dt], checked);
        }
}

/* Any parameters prepare accepts are exact; refusals happen only where a 32-bit step could
 * overflow (counted, and some must be accepted). */
static void test_raw_exact(void) {
    for (int op = 0; op < TFLC_QBINARY_OP_COUNT; op++)
        for (int dt = 0; dt < TFLC_QBINARY_DTYPE_COUNT; dt++) {
            if (!tested(op, dt)) continue;
            int accepted = 0, refused = 0;
            for (int t = 0; t < 40; t++) {
                tflc_qbinary_spec s;
                tflc_qbinary_params p;
                raw_spec(op, dt, &s);
                if (!tflc_qbinary_prepare(&s, &p)) { refused++; continue; }
                accepted++;
                CHECK_MSG(check_spec(&s, &p), "%s %s raw, trial %d", op_names[op], dt_names[dt],
                          t);
            }
            CHECK_MSG(accepted >= 10, "%s %s: %d accepted, %d refused", op_names[op],
                      dt_names[dt], accepted, refused);
        }
}

/* Lengths base + 0..67 in every form, arrays against a guard page, and in place. */
static void ragged_from(size_t base) {
    static int32_t want[TFLC_QBINARY_LUT_MIN + 68];
    for (int op = 0; op < TFLC_QBINARY_OP_COUNT; op++)
        for (int dt = 0; dt < TFLC_QBINARY_DTYPE_COUNT; dt++)
            for (int form = 0; form < TFLC_QBINARY_FORM_COUNT && tested(op, dt); form++)
                for (size_t n = base; n <= base + 67; n++) {
                    tflc_qbinary_spec s;
                    tflc_qbinary_params p;
                    while (!derived_spec(op, dt, &s) || !tflc_qbinary_prepare(&s, &p)) {}
                    int32_t lo, hi;
                    dt_range(dt, &lo, &hi);
                    const size_t es = dt_size(dt);
                    const size_t ca = form == TFLC_QBINARY_SV ? 1 : n;
                    const size_t cb = form == TFLC_QBINARY_VS ? 1 : n;
                    guarded a = guarded_alloc(ca * es), b = guarded_alloc(cb * es);
                    guarded y = guarded_alloc(n * es);
                    for (size_t i = 0; i < ca; i++) put(dt, a.data, i, rng_int(lo, hi));
                    for (size_t i = 0; i < cb; i++) put(dt, b.data, i, rng_int(lo, hi));
                    for (size_t i = 0; i < n; i++)
                        want[i] = ref(&s, get(dt, a.data, ca == 1 ? 0 : i),
                                      get(dt, b.data, cb == 1 ? 0 : i));
                    bool ok = check_all(&s, &p, form, n, a.data, b.data, y.data, want);
                    for (int v = 0; v < n_configs && ok && n > 1; v++) {   /* in place */
                        guarded *io = form == TFLC_QBINARY_SV ? &b : &a;
                        guarded keep = guarded_alloc(n * es);
                        memcpy(keep.data, io->data, n * es);
                        configs[v]->fn[op][dt][form](n, a.data, b.data, io->data, &p);
                        for (size_t i = 0; i < n; i++) ok = ok && get(dt, io->data, i) == want[i];
                        memcpy(io->data, keep.data, n * es);
                        guarded_free(&keep);
                    }
                    CHECK_MSG(ok, "%s %s form %d n %zu", op_names[op], dt_names[dt], form, n);
                    guarded_free(&a);
                    guarded_free(&b);
                    guarded_free(&y);
                    if (!ok) return;
                }
}

/* Short lengths (every tail of the 16- and 32-element loops), then lengths around
 * TFLC_QBINARY_LUT_MIN, where the byte-table loops start: every tail of their 64-byte
 * steps. */
static void test_ragged(void) {
    ragged_from(0);
    ragged_from(TFLC_QBINARY_LUT_MIN - 3);
}

/* The row forms on rows x n blocks: n around the 16-lane vectors, the 64-channel blocks and
 * the row-by-row switch at 256; rows 1, 7 and 1000 (fewer for the widest rows); both sides
 * as the row; block, row and output each against a guard page; then in place (y the
 * block). Parameters derived or raw, as the single-row tests take them. */
static void test_rows(void) {
    static const size_t ns[] = {1, 15, 16, 17, 33, 64, 65, 100, 255, 256, 300};
    static const size_t rs[] = {1, 7, 1000};
    static int32_t want[1000 * 300];
    for (int op = 0; op < TFLC_QBINARY_OP_COUNT; op++)
        for (int dt = 0; dt < TFLC_QBINARY_DTYPE_COUNT; dt++)
            for (int form = 0; form < TFLC_QBINARY_ROWS_FORM_COUNT && tested(op, dt); form++)
                for (size_t in = 0; in < N(ns); in++)
                    for (size_t ir = 0; ir < N(rs); ir++) {
                        const size_t n = ns[in], rows = rs[ir], es = dt_size(dt);
                        tflc_qbinary_spec s;
                        tflc_qbinary_params p;
                        if (ir % 2) {
                            do raw_spec(op, dt, &s);
                            while (!tflc_qbinary_prepare(&s, &p));
                        } else {
                            while (!derived_spec(op, dt, &s) || !tflc_qbinary_prepare(&s, &p)) {}
                        }
                        int32_t lo, hi;
                        dt_range(dt, &lo, &hi);
                        guarded blk = guarded_alloc(rows * n * es), row = guarded_alloc(n * es);
                        guarded y = guarded_alloc(rows * n * es);
                        for (size_t i = 0; i < rows * n; i++)
                            put(dt, blk.data, i, i % 13 == 0 ? lo : i % 17 == 0 ? hi : rng_int(lo, hi));
                        for (size_t i = 0; i < n; i++) put(dt, row.data, i, rng_int(lo, hi));
                        const bool vr = form == TFLC_QBINARY_VR;
                        for (size_t i = 0; i < rows * n; i++) {
                            const int32_t x = get(dt, blk.data, i), c = get(dt, row.data, i % n);
                            want[i] = vr ? ref(&s, x, c) : ref(&s, c, x);
                        }
                        const void *a = vr ? blk.data : row.data, *b = vr ? row.data : blk.data;
                        bool ok = true;
                        for (int v = 0; v < n_configs && ok; v++)
                            for (int inplace = 0; inplace < 2 && ok; inplace++) {
                                guarded keep = guarded_alloc(rows * n * es);
                                memcpy(keep.data, blk.data, rows * n * es);
                                void *out = inplace ? blk.data : y.data;
                                if (!inplace) memset(y.data, 0x5A, rows * n * es);
                                configs[v]->rows[op][dt][form](rows, n, a, b, out, &p);
                                for (size_t i = 0; i < rows * n && ok; i++)
                                    CHECK_MSG(ok = get(dt, out, i) == want[i],
                                              "%s %s %s rows form %d, %zu x %zu%s: [%zu] %d, want %d",
                                              configs[v]->name, op_names[op], dt_names[dt], form,
                                              rows, n, inplace ? " in place" : "", i,
                                              get(dt, out, i), want[i]);
                                memcpy(blk.data, keep.data, rows * n * es);
                                guarded_free(&keep);
                            }
                        guarded_free(&blk);
                        guarded_free(&row);
                        guarded_free(&y);
                        if (!ok) return;
                    }
}

/* Parameters the bound checks must refuse: a left shift that could saturate, a negative
 * multiplier, an empty clamp. */
static void test_refusals(void) {
    tflc_qbinary_spec s = {.op = TFLC_QBINARY_MUL, .dtype = TFLC_QBINARY_S16,
                           .out_mult = 1 << 30, .out_shift = 2, .lo = INT16_MIN, .hi = INT16_MAX};
    tflc_qbinary_params p;
    CHECK(!tflc_qbinary_prepare(&s, &p));             /* 2^30 * 2^2 overflows */
    s.out_shift = 0;
    CHECK(tflc_qbinary_prepare(&s, &p));
    s.out_mult = -5;
    CHECK(!tflc_qbinary_prepare(&s, &p));
    s.out_mult = 1 << 30;
    s.lo = 3;
    s.hi = 2;
    CHECK(!tflc_qbinary_prepare(&s, &p));
    s = (tflc_qbinary_spec){.op = TFLC_QBINARY_MUL, .dtype = TFLC_QBINARY_S8,
                            .in_offset = {128, 128}, .out_mult = 1 << 30, .out_shift = 16,
                            .lo = INT8_MIN, .hi = INT8_MAX};
    CHECK(!tflc_qbinary_prepare(&s, &p));             /* 255^2 * 2^16 overflows */
    s.out_shift = 15;
    CHECK(tflc_qbinary_prepare(&s, &p));
    s = (tflc_qbinary_spec){.op = TFLC_QBINARY_ADD, .dtype = TFLC_QBINARY_S8, .left_shift = 20,
                            .in_mult = {1 << 30, 1 << 30}, .in_shift = {0, -1},
                            .out_mult = 1 << 30, .out_shift = -19, .lo = INT8_MIN, .hi = INT8_MAX};
    CHECK(tflc_qbinary_prepare(&s, &p));
    s.in_shift[1] = 1;                                  /* input multipliers are below one */
    CHECK(!tflc_qbinary_prepare(&s, &p));
    s.in_shift[1] = -1;
    s.left_shift = 24;                                  /* 255 * 2^24 overflows */
    CHECK(!tflc_qbinary_prepare(&s, &p));
}

/* MUL of 8-bit values whose x + offset leaves int16 (the raw specs keep |offset| <= 255):
 * the SIMD configs must then leave their 16-bit product (vpmaddwd) for the 32-bit one. */
static void test_mul_wide_offsets(void) {
    static const int32_t offs[][2] = {{33000, 5}, {-3, -32900}, {32700, -32800}, {-40000, 41000}};
    for (int dt = TFLC_QBINARY_S8; dt <= TFLC_QBINARY_U8; dt++)
        for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
            for (int t = 0; t < 3; t++) {
                tflc_qbinary_spec s = {.op = TFLC_QBINARY_MUL, .dtype = (tflc_qbinary_dtype)dt,
                                       .in_offset = {offs[i][0], offs[i][1]},
                                       .out_mult = raw_mult(rng_int(4, 28)),
                                       .out_shift = rng_int(-40, 0)};
                dt_range(dt, &s.out_zp, &s.hi);
                s.out_zp = rng_int(s.out_zp, s.hi);
                random_clamp(&s);
                tflc_qbinary_params p;
                CHECK_MSG(tflc_qbinary_prepare(&s, &p), "%s offsets %d %d refused", dt_names[dt],
                          offs[i][0], offs[i][1]);
                CHECK_MSG(check_spec(&s, &p), "%s offsets %d %d", dt_names[dt], offs[i][0],
                          offs[i][1]);
            }
}

/* ------------------------------------------------------------- operators -- */

static tflc_threadpool *pool3;

/* Flat input index of output element i: broadcast dims (size 1) do not advance. */
static size_t in_index(const int32_t *in_dims, const int32_t *out_dims, size_t i) {
    size_t idx = 0, stride = 1;
    for (int d = 3; d >= 0; d--) {
        const size_t coord = i % (size_t)out_dims[d];
        i /= (size_t)out_dims[d];
        if (in_dims[d] != 1) idx += coord * stride;
        stride *= (size_t)in_dims[d];
    }
    return idx;
}

#define OP_MAX 101639

/* ADD / SUB / MUL / SQUARED_DIFFERENCE operators in every row form the fast path takes (same
 * shapes, a scalar on either side, [C] against [.., C], [1,H,W,C] x [1,1,1,C] and
 * [1,H,W,1], an outer product, plans with two and three outer dims; the [R, C] against [C]
 * ones run as row blocks, C below and above 256) and sizes that split over threads mid-row,
 * serial and with
 * 3 threads: the reference formulas' values for the parameters prepare derives. */
static void test_operators(void) {
    static const tflc_kernel *const kernels[] = {&tflc_kernel_add, &tflc_kernel_sub,
                                                 &tflc_kernel_mul,
                                                 &tflc_kernel_squared_difference};
    static const uint8_t option_types[] = {BO_Add, BO_Sub, BO_Mul, 0};
    static const tflc_dtype dtypes[] = {I8, U8, I16};
    static const int32_t shapes[][2][4] = {
        {{1, 5, 7, 9}, {1, 5, 7, 9}},       {{1, 37, 41, 67}, {1, 37, 41, 67}},
        {{1, 37, 41, 67}, {1, 1, 1, 1}},    {{1, 1, 1, 1}, {1, 9, 41, 67}},
        {{1, 1, 1, 67}, {1, 37, 41, 67}},   {{1, 28, 28, 96}, {1, 1, 1, 96}},
        {{1, 37, 41, 67}, {1, 37, 41, 1}},  {{1, 1, 301, 1}, {1, 1, 1, 257}},
        {{1, 37, 41, 67}, {1, 37, 1, 67}},  {{3, 1, 41, 67}, {1, 7, 41, 1}},
        {{1, 7, 7, 300}, {1, 1, 1, 300}},   {{1, 1, 1, 33}, {1, 61, 50, 33}},
    };
    static int8_t a[OP_MAX * 2], b[OP_MAX * 2];
    static int32_t want[OP_MAX];
    for (int op = 0; op < TFLC_QBINARY_OP_COUNT; op++)
        for (int d = 0; d < 3; d++) {
            if (op == TFLC_QBINARY_SQDIFF && dtypes[d] != I8) continue;   /* the op's types */
            for (size_t sh = 0; sh < N(shapes); sh++) {
                const int32_t *da = shapes[sh][0], *db = shapes[sh][1];
                int32_t dout[4], lo, hi;
                for (int k = 0; k < 4; k++) dout[k] = da[k] > db[k] ? da[k] : db[k];
                const size_t na = tflc_shape_count(da, 4), nb = tflc_shape_count(db, 4);
                const size_t n = tflc_shape_count(dout, 4);
                dt_range(d, &lo, &hi);
                for (size_t i = 0; i < na; i++) put(d, a, i, rng_int(lo, hi));
                for (size_t i = 0; i < nb; i++) put(d, b, i, rng_int(lo, hi));
                float sc[3];
                int32_t zp[3] = {0, 0, 0};
                tflc_qbinary_spec s;
                do {
                    for (int k = 0; k < 3; k++) sc[k] = rng_scale(-8, 0);
                    if (d != 2)
                        for (int k = 0; k < 3; k++) zp[k] = rng_int(lo, hi);
                } while (!spec_from_scales(op, d, sc, zp, &s));
                const int act = op == TFLC_QBINARY_SQDIFF ? ACT_NONE
                                : (sh % 2 ? ACT_RELU : ACT_NONE);
                if (act == ACT_RELU && zp[2] > s.lo) s.lo = zp[2];   /* max(0) on the grid */
                for (size_t i = 0; i < n; i++)
                    want[i] = ref(&s, get(d, a, in_index(da, dout, i)),
                                  get(d, b, in_index(db, dout, i)));
                const int64_t zp64[3] = {zp[0], zp[1], zp[2]};
                for (int threads = 1; threads <= 3; threads += 2) {
                    fake_runner.pool = threads > 1 ? pool3 : NULL;
                    opcase c;
                    oc_init(&c, kernels[op]);
                    if (option_types[op]) {
                        oc_options(&c, option_types[op]);
                        opt_i8(&c, ADD_OPT_ACTIVATION, act);
                    }
                    tflc_tensor *ta = oc_in(&c, dtypes[d], 4, da, a);
                    tflc_tensor *tb = oc_in(&c, dtypes[d], 4, db, b);
                    tflc_tensor *out = oc_out(&c, dtypes[d]);
                    oc_quant_per_tensor(&c, ta, &sc[0], &zp64[0]);
                    oc_quant_per_tensor(&c, tb, &sc[1], &zp64[1]);
                    oc_quant_per_tensor(&c, out, &sc[2], &zp64[2]);
                    CHECK_OK(oc_run(&c));
                    size_t bad = n;
                    for (size_t i = 0; i < n && bad == n; i++)
                        if (get(d, out->data, i) != want[i]) bad = i;
                    CHECK_MSG(bad == n, "%s %s shape %zu, %d threads: element %zu is %d, want %d",
                              op_names[op], dt_names[d], sh, threads, bad,
                              bad < n ? get(d, out->data, bad) : 0, bad < n ? want[bad] : 0);
                    oc_free(&c);
                }
                fake_runner.pool = NULL;
            }
        }
}

static void run_tests(void) {
    TEST(test_variants_found);
    TEST(test_refusals);
    TEST(test_derived_exact);
    TEST(test_raw_exact);
    TEST(test_ragged);
    TEST(test_rows);
    TEST(test_mul_wide_offsets);
    CHECK_OK(tflc_threadpool_create(3, &pool3));
    TEST(test_operators);
    tflc_threadpool_free(pool3);
}

TEST_MAIN()
