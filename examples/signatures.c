/*
 * signatures.c -- the signatures guide's C++ snippet, in C, on any model:
 *
 *   SignatureRunner* runner = interpreter->GetSignatureRunner("...");
 *   runner->ResizeInputTensor("x", {100, ...});  runner->AllocateTensors();
 *   fill input "x";  runner->Invoke();  read the outputs by name.
 *
 * usage: signatures MODEL [KEY [BATCH]]
 * For each input, the first dimension is resized to BATCH (default 3) when the model
 * marks it dynamic (-1 in shape_signature); inputs are filled with 0.1, 0.2, ...
 */
#include <stdio.h>
#include <stdlib.h>

#include "tflc.h"

static int fail(const char *what, const char *message) {
    fprintf(stderr, "signatures: %s: %s\n", what, message);
    return 1;
}

static void resize_dynamic_batch(tflc_runner *runner, int batch) {
    for (int i = 0; i < tflc_runner_input_count(runner); i++) {
        const tflc_tensor *t = tflc_runner_input_at(runner, i);
        int rank = 0;
        const int32_t *sig = tflc_tensor_shape_signature(t, &rank);
        if (rank == 0 || sig[0] != -1) continue;
        int32_t dims[TFLC_MAX_RANK];
        for (int k = 0; k < rank; k++) dims[k] = sig[k] < 0 ? 1 : sig[k];
        dims[0] = batch;
        tflc_runner_resize_input(runner, tflc_runner_input_name(runner, i), dims, rank);
    }
}

static void fill_inputs(tflc_runner *runner) {
    for (int i = 0; i < tflc_runner_input_count(runner); i++) {
        tflc_tensor *t = NULL;
        tflc_runner_input(runner, tflc_runner_input_name(runner, i), &t);
        if (tflc_tensor_dtype(t) != TFLC_FLOAT32) continue;
        float *data = tflc_tensor_data(t);
        for (size_t k = 0; k < tflc_tensor_element_count(t); k++) data[k] = 0.1f * (float)(k + 1);
    }
}

static void print_outputs(const tflc_runner *runner) {
    for (int i = 0; i < tflc_runner_output_count(runner); i++) {
        const char *name = tflc_runner_output_name(runner, i);
        const tflc_tensor *t = NULL;
        tflc_runner_output(runner, name, &t);
        printf("  %s: %s[", name, tflc_dtype_name(tflc_tensor_dtype(t)));
        for (int k = 0; k < tflc_tensor_rank(t); k++) printf("%s%d", k ? "," : "", tflc_tensor_dims(t)[k]);
        printf("] =");
        const float *v = tflc_tensor_data_const(t);
        size_t n = tflc_tensor_element_count(t);
        for (size_t k = 0; tflc_tensor_dtype(t) == TFLC_FLOAT32 && k < n && k < 8; k++) printf(" %.6g", v[k]);
        printf("%s\n", n > 8 ? " ..." : "");
    }
}

int main(int argc, char **argv) {
    if (argc < 2) return fail("usage", "signatures MODEL [KEY [BATCH]]");
    const char *key = argc > 2 ? argv[2] : NULL;
    int batch = argc > 3 ? atoi(argv[3]) : 3;
    tflc_model *model = NULL;
    tflc_interpreter *interp = NULL;
    tflc_runner *runner = NULL;
    if (tflc_model_load_file(argv[1], NULL, &model) != TFLC_OK) return fail(argv[1], tflc_last_error());
    int rc = 1;
    if (tflc_interpreter_create(model, NULL, &interp) != TFLC_OK) {
        fail("interpreter", tflc_last_error());
    } else if (tflc_runner_create(interp, key, &runner) != TFLC_OK) {
        fail("runner", tflc_last_error());
    } else {
        resize_dynamic_batch(runner, batch);
        if (tflc_runner_allocate(runner) != TFLC_OK) {
            fail("allocate", tflc_runner_error(runner));
        } else {
            fill_inputs(runner);
            if (tflc_runner_invoke(runner) != TFLC_OK) {
                fail("invoke", tflc_runner_error(runner));
            } else {
                printf("signature '%s' (arena %zu bytes):\n", tflc_runner_signature_key(runner),
                       tflc_runner_arena_bytes(runner));
                print_outputs(runner);
                rc = 0;
            }
        }
    }
    tflc_runner_free(runner);
    tflc_interpreter_free(interp);
    tflc_model_free(model);
    return rc;
}
