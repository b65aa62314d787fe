/*
 * registry.c -- which builtin operators tflc runs, and at which versions.
 *
 * Version ranges follow TFLite's BuiltinOpResolver (kernels/register.cc). A version also
 * encodes which dtypes a model uses (tools/versioning/op_version.cc: ADD v2 is int8, v4
 * int64, ...); the range admits all of them and each kernel's prepare refuses, by name,
 * the dtypes tflc does not run yet. That gives "int8 inputs are not supported yet" instead
 * of a bare version number.
 */
#include "ops/ops.h"

/* The first operators; each further family of op files lists its own in a table_<family>.c,
 * so families grow without touching one another. */
static const tflc_registry_entry registry_core[] = {
    {OPC_ADD, 1, 5, "1-5", &tflc_kernel_add},
    {OPC_CONCATENATION, 1, 4, "1-4", &tflc_kernel_concatenation},
    {OPC_DEQUANTIZE, 1, 5, "1-5", &tflc_kernel_dequantize},
    {OPC_FULLY_CONNECTED, 1, 12, "1-12", &tflc_kernel_fully_connected},
    {OPC_LOGISTIC, 1, 3, "1-3", &tflc_kernel_logistic},
    {OPC_MUL, 1, 7, "1-7", &tflc_kernel_mul},
    {OPC_RELU, 1, 3, "1-3", &tflc_kernel_relu},
    {OPC_RELU_N1_TO_1, 1, 1, "1", &tflc_kernel_relu_n1_to_1},
    {OPC_RELU6, 1, 3, "1-3", &tflc_kernel_relu6},
    {OPC_RESHAPE, 1, 1, "1", &tflc_kernel_reshape},
    {OPC_SOFTMAX, 1, 3, "1-3", &tflc_kernel_softmax},
    {OPC_TANH, 1, 3, "1-3", &tflc_kernel_tanh},
    {OPC_SUB, 1, 5, "1-5", &tflc_kernel_sub},
    {OPC_DIV, 1, 2, "1-2", &tflc_kernel_div},
    {OPC_SQUEEZE, 1, 2, "1-2", &tflc_kernel_squeeze},
    {OPC_EXPAND_DIMS, 1, 1, "1", &tflc_kernel_expand_dims},
    {OPC_QUANTIZE, 1, 3, "1-3", &tflc_kernel_quantize},
    TFLC_REGISTRY_END,
};

static const tflc_registry_entry *const families[] = {
    registry_core,     tflc_registry_conv,  tflc_registry_math,
    tflc_registry_shape, tflc_registry_nn,   tflc_registry_state,
};

const tflc_kernel *tflc_find_builtin_kernel(int32_t code, int32_t version,
                                            const char **versions_out) {
    if (versions_out) *versions_out = NULL;
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        for (const tflc_registry_entry *e = families[f]; e->kernel; e++) {
            if (e->code != code) continue;
            if (version >= e->min_version && version <= e->max_version) return e->kernel;
            if (versions_out) *versions_out = e->versions;
            return NULL;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ listing -- */

/* Registered builtins in table order (families in the order above). */
static const tflc_registry_entry *entry_at(int index) {
    int seen = 0;
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const tflc_registry_entry *e = families[f]; e->kernel; e++)
            if (seen++ == index) return e;
    return NULL;
}

int tflc_builtin_operator_count(void) {
    int n = 0;
    while (entry_at(n)) n++;
    return n;
}

const char *tflc_builtin_operator_name(int index, const char **versions_out) {
    const tflc_registry_entry *e = index >= 0 ? entry_at(index) : NULL;
    if (versions_out) *versions_out = e ? e->versions : NULL;
    return e ? tflc_builtin_op_name(e->code) : NULL;
}
