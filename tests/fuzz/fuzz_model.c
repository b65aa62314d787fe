/*
 * fuzz_model.c -- libFuzzer target over the whole public pipeline (see tests/exercise.h).
 *   make fuzz && ./build-fuzz/tests/fuzz_model -max_total_time=60 tests/models
 */
#include "exercise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    exercise_model_bytes(data, size);
    return 0;
}
