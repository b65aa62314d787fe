/* table_conv.c -- the operators of the conv family (convolution and pooling).
 * Version ranges follow TFLite's BuiltinOpResolver; each kernel's prepare refuses, by name,
 * the dtypes of a version it does not run (int4 filters, for one). */
#include "ops/conv_common.h"

const tflc_registry_entry tflc_registry_conv[] = {
    {CONV_OPC_AVERAGE_POOL_2D, 1, 3, "1-3", &tflc_kernel_average_pool_2d},
    {CONV_OPC_CONV_2D, 1, 8, "1-8", &tflc_kernel_conv_2d},
    {CONV_OPC_DEPTHWISE_CONV_2D, 1, 7, "1-7", &tflc_kernel_depthwise_conv_2d},
    {CONV_OPC_L2_POOL_2D, 1, 1, "1", &tflc_kernel_l2_pool_2d},
    {CONV_OPC_MAX_POOL_2D, 1, 3, "1-3", &tflc_kernel_max_pool_2d},
    {CONV_OPC_TRANSPOSE_CONV, 1, 5, "1-5", &tflc_kernel_transpose_conv},
    {CONV_OPC_CONV_3D, 1, 1, "1", &tflc_kernel_conv_3d},
    {CONV_OPC_CONV_3D_TRANSPOSE, 1, 1, "1", &tflc_kernel_conv_3d_transpose},
    TFLC_REGISTRY_END,
};
