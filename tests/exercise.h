/*
 * exercise.h -- drive untrusted model bytes through every public step: load, create an
 * interpreter, and for each signature create a runner, allocate, zero the inputs, invoke.
 * String inputs are set to "1" strings. Used by the mutation tests and the libFuzzer target. Returns 1 if every step of some
 * signature succeeded, 0 if some step returned an error status; it never fails otherwise
 * (the sanitizers turn a bad read or a leak into a crash).
 */
#ifndef TFLC_TEST_EXERCISE_H
#define TFLC_TEST_EXERCISE_H

#include <stdint.h>
#include <string.h>

#include "tflc.h"

/* String inputs get "1" in every element (at most 4096 of them). */
static int exercise_set_strings(tflc_runner *runner, int i) {
    static tflc_string_ref ones[4096];
    const tflc_tensor *t = tflc_runner_input_at(runner, i);
    size_t n = tflc_tensor_element_count(t);
    if (n > 4096) return 0;
    for (size_t k = 0; k < n; k++) ones[k] = (tflc_string_ref){"1", 1};
    return tflc_runner_set_input_strings(runner, tflc_runner_input_name(runner, i), ones, n, NULL, 0) == TFLC_OK;
}

static int exercise_signature(tflc_interpreter *interp, const char *key) {
    tflc_runner *runner = NULL;
    if (tflc_runner_create(interp, key, &runner) != TFLC_OK) return 0;
    int ok = tflc_runner_allocate(runner) == TFLC_OK;
    for (int i = 0; ok && i < tflc_runner_input_count(runner); i++)
        if (tflc_tensor_dtype(tflc_runner_input_at(runner, i)) == TFLC_STRING) ok = exercise_set_strings(runner, i);
    for (int i = 0; ok && i < tflc_runner_input_count(runner); i++) {
        tflc_tensor *t = tflc_runner_input_at(runner, i);
        void *data = tflc_tensor_data(t);
        if (data) memset(data, 0, tflc_tensor_byte_size(t));
    }
    if (ok) ok = tflc_runner_invoke(runner) == TFLC_OK;
    tflc_runner_free(runner);
    return ok;
}

static int exercise_model_bytes(const uint8_t *data, size_t size) {
    tflc_model_options options;
    tflc_model_options_init(&options);
    options.max_tensor_bytes = 1 << 22; /* hostile shapes stay cheap (4 MiB per tensor) */
    tflc_model *model = NULL;
    if (tflc_model_load_buffer(data, size, &options, &model) != TFLC_OK) return 0;
    int any_ok = 0;
    tflc_interpreter *interp = NULL;
    if (tflc_interpreter_create(model, NULL, &interp) == TFLC_OK) {
        for (int s = 0; s < tflc_model_signature_count(model); s++)
            any_ok |= exercise_signature(interp, tflc_model_signature_key(model, s));
        tflc_interpreter_free(interp);
    }
    tflc_model_free(model);
    return any_ok;
}

#endif
