/*
 * train.c -- on-device training with tflc, as in the TFLite guide "On-device training":
 * train a few steps, save the weights to a checkpoint, restore them into a new
 * interpreter, and infer with it.
 *
 *     example_train MODEL.tflite [CHECKPOINT_PATH]
 *
 * MODEL is the guide's model (tests/models/train_guide.tflite, made by
 * tests/models/generate_training.py): signatures train(x, y) -> loss, infer(x) -> output,
 * logits, save(checkpoint_path), restore(checkpoint_path). The checkpoint is TensorFlow's
 * own format (what tf.raw_ops.Save writes), so TensorFlow can read it, and tflc can restore
 * one TensorFlow saved. Without CHECKPOINT_PATH it goes to a temporary directory.
 *
 * The data is synthetic (a fixed pseudo-random batch of 16 "images" with labels). Exit
 * status 0 when the loss went down and the restored interpreter predicts exactly what the
 * trained one does.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tflc.h"

#define BATCH 16
#define PIXELS (28 * 28)
#define CLASSES 10
#define STEPS 5

/* ---------------------------------------------------------------- helpers -- */

static int ok(tflc_status s, const char *what) {
    if (s == TFLC_OK) return 1;
    fprintf(stderr, "%s: %s\n", what, tflc_last_error());
    return 0;
}

/* A fixed batch: pixels uniform in [0, 1), one-hot labels. */
static void make_batch(float *x, float *y) {
    uint32_t state = 2024;
    for (int i = 0; i < BATCH * PIXELS; i++) {
        state = state * 1664525u + 1013904223u;
        x[i] = (float)(state >> 8) / 16777216.0f;
    }
    memset(y, 0, BATCH * CLASSES * sizeof *y);
    for (int b = 0; b < BATCH; b++) y[b * CLASSES + (b * 7) % CLASSES] = 1.0f;
}

/* Resizes the runner's inputs to a batch of BATCH, allocates, and copies the data in. */
static int set_batch(tflc_runner *r, const float *x, const float *y) {
    const int32_t xdims[3] = {BATCH, 28, 28}, ydims[2] = {BATCH, CLASSES};
    if (!ok(tflc_runner_resize_input(r, "x", xdims, 3), "resize x")) return 0;
    if (y && !ok(tflc_runner_resize_input(r, "y", ydims, 2), "resize y")) return 0;
    if (!ok(tflc_runner_allocate(r), "allocate")) return 0;
    tflc_tensor *t;
    if (!ok(tflc_runner_input(r, "x", &t), "input x") ||
        !ok(tflc_tensor_copy_from(t, x, BATCH * PIXELS * sizeof *x), "copy x"))
        return 0;
    if (y && (!ok(tflc_runner_input(r, "y", &t), "input y") ||
              !ok(tflc_tensor_copy_from(t, y, BATCH * CLASSES * sizeof *y), "copy y")))
        return 0;
    return 1;
}

/* save or restore: the one input is the checkpoint path. */
static int run_checkpoint(tflc_interpreter *interp, const char *key, const char *path) {
    tflc_runner *r = NULL;
    tflc_string_ref ref = {path, strlen(path)};
    int good = ok(tflc_runner_create(interp, key, &r), key) &&
               ok(tflc_runner_set_input_strings(r, "checkpoint_path", &ref, 1, NULL, 0), key) &&
               ok(tflc_runner_allocate(r), key) && ok(tflc_runner_invoke(r), key);
    tflc_runner_free(r);
    return good;
}

/* infer(x): the probabilities, BATCH x CLASSES. */
static int predict(tflc_interpreter *interp, const float *x, float *probs) {
    tflc_runner *r = NULL;
    const tflc_tensor *out;
    int good = ok(tflc_runner_create(interp, "infer", &r), "infer") && set_batch(r, x, NULL) &&
               ok(tflc_runner_invoke(r), "infer") && ok(tflc_runner_output(r, "output", &out), "output") &&
               ok(tflc_tensor_copy_to(out, probs, BATCH * CLASSES * sizeof *probs), "copy output");
    tflc_runner_free(r);
    return good;
}

/* ------------------------------------------------------------------ main -- */

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s MODEL.tflite [CHECKPOINT_PATH]\n", argv[0]);
        return 2;
    }
    char dir[] = "/tmp/tflc_example_train_XXXXXX", path[sizeof dir + 16];
    const char *ckpt = argv[2];
    if (!ckpt) {
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
        snprintf(path, sizeof path, "%s/model.ckpt", dir);
        ckpt = path;
    }
    static float x[BATCH * PIXELS], y[BATCH * CLASSES], trained[BATCH * CLASSES], restored[BATCH * CLASSES];
    make_batch(x, y);

    tflc_model *model = NULL;
    tflc_interpreter *interp = NULL, *another = NULL;
    tflc_runner *train = NULL;
    int good = ok(tflc_model_load_file(argv[1], NULL, &model), argv[1]) &&
               ok(tflc_interpreter_create(model, NULL, &interp), "interpreter") &&
               ok(tflc_runner_create(interp, "train", &train), "train") && set_batch(train, x, y);

    /* 1. Train: each call is one SGD step on the batch. */
    float first = 0, loss = 0;
    for (int step = 0; good && step < STEPS; step++) {
        const tflc_tensor *out;
        good = ok(tflc_runner_invoke(train), "train") && ok(tflc_runner_output(train, "loss", &out), "loss") &&
               ok(tflc_tensor_copy_to(out, &loss, sizeof loss), "copy loss");
        if (step == 0) first = loss;
        if (good) printf("step %d: loss %.6f\n", step + 1, (double)loss);
    }
    /* 2. Save the trained weights, and predict with them. */
    good = good && run_checkpoint(interp, "save", ckpt) && predict(interp, x, trained);
    if (good) printf("saved to %s\n", ckpt);

    /* 3. A new interpreter starts from the model's initial weights; restore the checkpoint
     *    into it and it predicts what the trained one does. */
    good = good && ok(tflc_interpreter_create(model, NULL, &another), "interpreter") &&
           run_checkpoint(another, "restore", ckpt) && predict(another, x, restored);
    int same = good && memcmp(trained, restored, sizeof trained) == 0;
    if (good) {
        printf("restored into a new interpreter: predictions %s\n", same ? "identical" : "DIFFER");
        printf("image 0: class probabilities");
        for (int c = 0; c < CLASSES; c++) printf(" %.3f", (double)restored[c]);
        printf("\n");
    }

    tflc_runner_free(train);
    tflc_interpreter_free(another);
    tflc_interpreter_free(interp);
    tflc_model_free(model);
    if (!argv[2]) {
        remove(path);
        rmdir(dir);
    }
    return good && same && loss < first ? 0 : 1;
}
