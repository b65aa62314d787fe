/*
 * depthwise_int8_fast.h -- the channel-vectorized int8 DEPTHWISE_CONV_2D (depth multiplier 1)
 * on the kernels of kernels/qs8_ops.h, called from depthwise_conv_2d.c's int8 branch.
 */
#ifndef TFLC_OPS_DEPTHWISE_INT8_FAST_H
#define TFLC_OPS_DEPTHWISE_INT8_FAST_H

#include "ops/conv_common.h"

/* Computes the int8 node's output (input 0 [N, H, W, C], filter 1 [1, KH, KW, C], optional
 * int32 bias 2, output 0 [N, OH, OW, C] as g describes them) as the reference loops do, bit
 * for bit: per channel bias + sum of (x - in_zero_point) * w over the taps inside the input,
 * then TFLite's MultiplyByQuantizedMultiplier with mult[c] / shift[c], out_zero_point and the
 * clamp to [act_min, act_max]. Output rows go to the runner's threads. Returns false, having
 * written nothing, when it does not apply (depth multiplier != 1, empty shapes, the reference
 * loops forced by tflc_qs8_force_level): the caller then runs its own loops. */
bool tflc_dw_int8_fast(tflc_node *node, const tflc_conv_geom *g, int32_t depth_multiplier,
                       int32_t in_zero_point, int32_t out_zero_point, int32_t act_min,
                       int32_t act_max, const int32_t *mult, const int32_t *shift);

#endif
