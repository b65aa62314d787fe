/*
 * window.h -- sliding-window geometry along one axis, shared by the convolution kernels
 * (f32_dwconv, the int8 depthwise rows) and ops/conv_2d.c's im2col.
 *
 * Output o reads input positions o * stride - pad + k * dilation, k in [0, filter). Its window
 * is interior when all of them lie in [0, in): no padding tap, so a kernel may take every tap
 * without a bounds check.
 */
#ifndef TFLC_KERNELS_WINDOW_H
#define TFLC_KERNELS_WINDOW_H

#include <stddef.h>
#include <stdint.h>

/* The interior outputs [*lo, *hi) of [0, out): o * stride - pad >= 0 and
 * o * stride - pad + span <= in - 1, span = (filter - 1) * dilation; an empty range
 * (*lo == *hi) when there is none. stride >= 1, pad >= 0. */
static inline void tflc_window_interior(int64_t in, int64_t pad, int64_t stride, int64_t span,
                                        int64_t out, size_t *lo, size_t *hi) {
    const int64_t last = in - 1 - span + pad;   /* the last interior window's first position */
    int64_t end = last < 0 ? 0 : last / stride + 1;
    if (end > out) end = out;
    int64_t first = (pad + stride - 1) / stride;
    if (first > end) first = end;
    *lo = (size_t)first;
    *hi = (size_t)end;
}

#endif
