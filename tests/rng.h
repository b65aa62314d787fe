/*
 * rng.h -- the seeded generator of the kernel tests: xorshift64, each draw the state's bits
 * 16..47. A test file defines TEST_RNG_SEED (its own fixed seed, so its cases are the same on
 * every run) and then includes this header:
 *
 *     #define TEST_RNG_SEED 0x9E3779B97F4A7C15ull
 *     #include "rng.h"
 *
 * One generator per test file (file-scope state): tests are single-threaded drivers.
 */
#ifndef TFLC_TESTS_RNG_H
#define TFLC_TESTS_RNG_H

#include <stdint.h>
#include <stdlib.h>

#ifndef TEST_RNG_SEED
#error "define TEST_RNG_SEED before including rng.h"
#endif

static uint64_t rng_state = TEST_RNG_SEED;

static inline uint32_t rng_next(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static inline uint32_t rng(void) { return rng_next(); }

/* Uniform in [lo, hi], both included (hi - lo < 2^32). */
static inline int32_t rng_range(int32_t lo, int32_t hi) {
    return lo + (int32_t)(rng_next() % (uint32_t)(hi - lo + 1));
}

/* Uniform in [0, 1), 24 random bits. */
static inline float rng_unit(void) { return (float)(rng_next() & 0xFFFFFF) / 16777216.0f; }

/* Uniform in [lo, hi). */
static inline float rng_uniform(float lo, float hi) { return lo + (hi - lo) * rng_unit(); }

/* n floats uniform in [-scale, scale), malloc'd (the caller frees them). */
static inline float *rng_floats(size_t n, float scale) {
    float *v = malloc(n * sizeof(float));
    for (size_t i = 0; v && i < n; i++) v[i] = scale * (2.0f * rng_unit() - 1.0f);
    return v;
}

#endif
