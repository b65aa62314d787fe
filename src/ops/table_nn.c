/* table_nn.c -- the operators of the nn family (matmul, quantized and hybrid FC, normalization,
 * resize, recurrent). FULLY_CONNECTED and SOFTMAX are listed in registry.c's core table.
 * Version ranges follow LiteRT's BuiltinOpResolver; each prepare refuses, by name, what a
 * version allows but tflc does not run. */
#include "ops/nn_common.h"

const tflc_registry_entry tflc_registry_nn[] = {
    {NN_OPC_BATCH_MATMUL, 1, 4, "1-4", &tflc_kernel_batch_matmul},
    {NN_OPC_L2_NORMALIZATION, 1, 2, "1-2", &tflc_kernel_l2_normalization},
    {NN_OPC_LOCAL_RESPONSE_NORMALIZATION, 1, 1, "1", &tflc_kernel_local_response_norm},
    {NN_OPC_RESIZE_BILINEAR, 1, 4, "1-4", &tflc_kernel_resize_bilinear},
    {NN_OPC_RESIZE_NEAREST_NEIGHBOR, 1, 4, "1-4", &tflc_kernel_resize_nearest_neighbor},
    {NN_OPC_UNIDIRECTIONAL_SEQUENCE_LSTM, 1, 4, "1-4", &tflc_kernel_unidirectional_lstm},
    {NN_OPC_BIDIRECTIONAL_SEQUENCE_LSTM, 1, 3, "1-3", &tflc_kernel_bidirectional_lstm},
    {NN_OPC_UNIDIRECTIONAL_SEQUENCE_RNN, 1, 3, "1-3", &tflc_kernel_unidirectional_rnn},
    TFLC_REGISTRY_END,
};
