/*
 * space_depth.c -- SPACE_TO_DEPTH, DEPTH_TO_SPACE (NHWC, block b), BATCH_TO_SPACE_ND and
 * SPACE_TO_BATCH_ND (block shape and crops/paddings are constant int32/int64 tensors).
 *
 *   SPACE_TO_DEPTH    [1,4,6,3] b 2 -> [1,2,3,12]; out[n,h,w,(i*b+j)*C+c] = in[n,h*b+i,w*b+j,c]
 *   DEPTH_TO_SPACE    [1,2,3,12] b 2 -> [1,4,6,3] (the inverse)
 *   SPACE_TO_BATCH_ND [B,H,W,C] block {2,2} pads {{0,1},{1,1}} -> [4B,(H+1)/2,(W+2)/2,C]
 *                     (padding is 0, or the output zero point for quantized tensors)
 *   BATCH_TO_SPACE_ND [4B,h,w,C] block {2,2} crops {{0,1},{0,0}} -> [B,2h-1,2w,C]
 *
 * The batch index of a space/batch op counts block offsets first: batch = offset * B + n,
 * as in TensorFlow. The depth ops are strided views; the batch ops walk output positions
 * and copy the trailing [rest] block of each.
 */
#include "ops/shape_common.h"

/* ------------------------------------------------- SPACE/DEPTH (views) -- */

static tflc_status block_size(tflc_node *node, uint8_t options_type, int32_t *b) {
    const uint8_t *o = tflc_ops_options(node, options_type);
    *b = o ? fb_i32(o, SH_BLOCK_SIZE, 0) : 0;
    if (*b < 1) return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "block_size %d must be >= 1", (int)*b);
    if (node->inputs[0]->rank != 4)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input must be 4-D (NHWC), got rank %d",
                              node->inputs[0]->rank);
    return TFLC_OK;
}

static tflc_status space_to_depth_prepare(tflc_node *node) {
    tflc_sh_view *v = node->params;
    int32_t b = 0;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    if (s == TFLC_OK) s = block_size(node, BO_SpaceToDepth, &b);
    if (s != TFLC_OK) return s;
    const int32_t *d = node->inputs[0]->dims;
    if (d[1] % b || d[2] % b || (int64_t)d[3] * b * b > INT32_MAX)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "height %d and width %d must be multiples of %d", (int)d[1], (int)d[2], (int)b);
    int64_t st[4];
    tflc_sh_strides(d, 4, st);
    const int32_t vd[6] = {d[0], d[1] / b, d[2] / b, b, b, d[3]};
    const int64_t vs[6] = {st[0], b * st[1], b * st[2], st[1], st[2], st[3]};
    v->rank = 6;
    v->in_base = 0;
    memcpy(v->dims, vd, sizeof vd);
    memcpy(v->in_strides, vs, sizeof vs);
    tflc_sh_view_dense_out(v);
    const int32_t out[4] = {d[0], d[1] / b, d[2] / b, d[3] * b * b};
    return tflc_node_set_output_shape(node, 0, out, 4);
}

static tflc_status depth_to_space_prepare(tflc_node *node) {
    tflc_sh_view *v = node->params;
    int32_t b = 0;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    if (s == TFLC_OK) s = block_size(node, BO_DepthToSpace, &b);
    if (s != TFLC_OK) return s;
    const int32_t *d = node->inputs[0]->dims;
    int64_t bb = (int64_t)b * b;
    if (d[3] % bb || (int64_t)d[1] * b > INT32_MAX || (int64_t)d[2] * b > INT32_MAX)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "depth %d must be a multiple of %lld",
                              (int)d[3], (long long)bb);
    int32_t c = (int32_t)(d[3] / bb);
    int64_t st[4];
    tflc_sh_strides(d, 4, st);
    /* output order [N, H, i, W, j, C'] reads in[n, h, w, (i*b + j)*C' + c] */
    const int32_t vd[6] = {d[0], d[1], b, d[2], b, c};
    const int64_t vs[6] = {st[0], st[1], (int64_t)b * c, st[2], c, 1};
    v->rank = 6;
    v->in_base = 0;
    memcpy(v->dims, vd, sizeof vd);
    memcpy(v->in_strides, vs, sizeof vs);
    tflc_sh_view_dense_out(v);
    const int32_t out[4] = {d[0], d[1] * b, d[2] * b, c};
    return tflc_node_set_output_shape(node, 0, out, 4);
}

static tflc_status view_eval(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    tflc_sh_view_copy(node->params, in->data, node->outputs[0]->data, tflc_dtype_size(in->dtype));
    return TFLC_OK;
}

/* ------------------------------------------------------ SPACE <-> BATCH -- */

typedef struct sb_params {
    int m;                               /* spatial dims */
    int32_t block[TFLC_MAX_RANK];
    int32_t lo[TFLC_MAX_RANK];           /* crop or pad at the start of each spatial dim */
    size_t in_batch, out_batch, inner, elem;
} sb_params;

/* Reads block_shape (input 1) and the [m,2] crops/paddings (input 2). */
static tflc_status sb_read(tflc_node *node, sb_params *p, int64_t *pairs) {
    const tflc_tensor *in = node->inputs[0];
    int64_t block[TFLC_MAX_RANK];
    size_t m = 0, np = 0;
    tflc_status s = tflc_ops_check_arity(node, 3, 3, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    if (s == TFLC_OK)
        s = tflc_sh_const_ints(node, node->inputs[1], "block_shape (input 1)", block, TFLC_MAX_RANK, &m);
    if (s == TFLC_OK)
        s = tflc_sh_const_ints(node, node->inputs[2], "crops/paddings (input 2)", pairs, 2 * TFLC_MAX_RANK,
                               &np);
    if (s != TFLC_OK) return s;
    if (m < 1 || (int)m + 1 > in->rank || np != 2 * m)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "%zu block dims and %zu crop/pad values for rank %d", m, np, in->rank);
    p->m = (int)m;
    for (size_t i = 0; i < m; i++) {
        if (block[i] < 1 || block[i] > INT32_MAX || pairs[2 * i] < 0 || pairs[2 * i + 1] < 0)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "block %lld or crop/pad {%lld,%lld} is invalid", (long long)block[i],
                                  (long long)pairs[2 * i], (long long)pairs[2 * i + 1]);
        p->block[i] = (int32_t)block[i];
    }
    p->inner = tflc_shape_count(in->dims + 1 + m, in->rank - 1 - (int)m);
    p->elem = tflc_dtype_size(in->dtype);
    return TFLC_OK;
}

static tflc_status batch_to_space_prepare(tflc_node *node) {
    sb_params *p = node->params;
    int64_t crops[2 * TFLC_MAX_RANK];
    tflc_status s = sb_read(node, p, crops);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    int64_t prod = 1;
    for (int i = 0; i < p->m; i++) prod *= p->block[i];
    if (in->dims[0] % prod)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "batch %d is not a multiple of the block size %lld", (int)in->dims[0],
                              (long long)prod);
    int32_t dims[TFLC_MAX_RANK];
    memcpy(dims, in->dims, sizeof dims);
    dims[0] = (int32_t)(in->dims[0] / prod);
    for (int i = 0; i < p->m; i++) {
        int64_t full = (int64_t)in->dims[i + 1] * p->block[i], n = full - crops[2 * i] - crops[2 * i + 1];
        if (n < 0 || full > INT32_MAX)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "crops {%lld,%lld} exceed spatial dim %d of size %lld",
                                  (long long)crops[2 * i], (long long)crops[2 * i + 1], i, (long long)full);
        dims[i + 1] = (int32_t)n;
        p->lo[i] = (int32_t)crops[2 * i];
    }
    p->in_batch = (size_t)in->dims[0];
    p->out_batch = (size_t)dims[0];
    return tflc_node_set_output_shape(node, 0, dims, in->rank);
}

static tflc_status space_to_batch_prepare(tflc_node *node) {
    sb_params *p = node->params;
    int64_t pads[2 * TFLC_MAX_RANK];
    tflc_status s = sb_read(node, p, pads);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    int32_t dims[TFLC_MAX_RANK];
    int64_t prod = 1;
    memcpy(dims, in->dims, sizeof dims);
    for (int i = 0; i < p->m; i++) {
        int64_t full = in->dims[i + 1] + pads[2 * i] + pads[2 * i + 1];
        if (full % p->block[i] || full > INT32_MAX)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "padded spatial dim %d (%lld) is not a multiple of %d", i, (long long)full,
                                  (int)p->block[i]);
        dims[i + 1] = (int32_t)(full / p->block[i]);
        p->lo[i] = (int32_t)pads[2 * i];
        prod *= p->block[i];
    }
    if ((int64_t)in->dims[0] * prod > INT32_MAX)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output batch is too large");
    dims[0] = (int32_t)(in->dims[0] * prod);
    p->in_batch = (size_t)in->dims[0];
    p->out_batch = (size_t)dims[0];
    return tflc_node_set_output_shape(node, 0, dims, in->rank);
}

/* Splits a block index (the batch's high part) into per-dim offsets, last dim fastest. */
static void sb_offsets(const sb_params *p, size_t block_index, int32_t *off) {
    for (int i = p->m - 1; i >= 0; i--) {
        off[i] = (int32_t)(block_index % (size_t)p->block[i]);
        block_index /= (size_t)p->block[i];
    }
}

/* Element offset in the space tensor `sp` of batch n at spatial position pos, or -1 when
 * pos falls outside it (padding). */
static int64_t sb_space_offset(const tflc_tensor *sp, const sb_params *p, size_t n, const int64_t *pos) {
    int64_t off = (int64_t)n;
    for (int i = 0; i < p->m; i++) {
        if (pos[i] < 0 || pos[i] >= sp->dims[i + 1]) return -1;
        off = off * sp->dims[i + 1] + pos[i];
    }
    return off * (int64_t)p->inner;
}

/* Walks every (batch, spatial position) of SPACE_TO_BATCH_ND's output `bt`; for each,
 * copies the [inner] block from the input `sp`, or writes the pad value when the position
 * is padding. */
static void sb_walk(const sb_params *p, const tflc_tensor *bt, const tflc_tensor *sp, const void *pad) {
    size_t run = p->inner * p->elem, space_batch = p->in_batch;
    size_t spatial = tflc_shape_count(bt->dims + 1, p->m);
    char *bdata = bt->data;
    const char *sdata = sp->data;
    for (size_t b = 0; b < (size_t)bt->dims[0]; b++) {
        int32_t off[TFLC_MAX_RANK];
        sb_offsets(p, b / space_batch, off);
        size_t n = b % space_batch;
        for (size_t k = 0; k < spatial; k++) {
            int64_t pos[TFLC_MAX_RANK];
            size_t rem = k;
            for (int i = p->m - 1; i >= 0; i--) {
                int32_t c = (int32_t)(rem % (size_t)bt->dims[i + 1]);
                rem /= (size_t)bt->dims[i + 1];
                pos[i] = (int64_t)c * p->block[i] + off[i] - p->lo[i];
            }
            char *bptr = bdata + (b * spatial + k) * run;
            int64_t so = sb_space_offset(sp, p, n, pos);
            if (so >= 0) memcpy(bptr, sdata + so * (int64_t)p->elem, run);
            else for (size_t e = 0; e < p->inner; e++) memcpy(bptr + e * p->elem, pad, p->elem);
        }
    }
}

static tflc_status batch_to_space_eval(tflc_node *node) {
    const sb_params *p = node->params;
    /* Cropped positions have no output element: walk output positions instead. */
    const tflc_tensor *in = node->inputs[0];
    tflc_tensor *out = node->outputs[0];
    size_t run = p->inner * p->elem, spatial = tflc_shape_count(out->dims + 1, p->m);
    for (size_t n = 0; n < p->out_batch; n++)
        for (size_t k = 0; k < spatial; k++) {
            size_t rem = k, in_b = 0, mul = 1;
            int64_t in_off = 0, in_mul = 1;
            for (int i = p->m - 1; i >= 0; i--) {
                int64_t y = (int64_t)(rem % (size_t)out->dims[i + 1]) + p->lo[i];
                rem /= (size_t)out->dims[i + 1];
                in_b += (size_t)(y % p->block[i]) * mul;
                mul *= (size_t)p->block[i];
                in_off += (y / p->block[i]) * in_mul;
                in_mul *= in->dims[i + 1];
            }
            size_t batch = in_b * p->out_batch + n;
            const char *src = (const char *)in->data + ((int64_t)batch * in_mul + in_off) * (int64_t)run;
            memcpy((char *)out->data + (n * spatial + k) * run, src, run);
        }
    return TFLC_OK;
}

static tflc_status space_to_batch_eval(tflc_node *node) {
    const sb_params *p = node->params;
    unsigned char pad[16] = {0};
    const tflc_tensor *out = node->outputs[0];
    const tflc_quantization *q = tflc_ops_quant(out);
    int32_t lo, hi;
    if (q && tflc_ops_int_range(out->dtype, &lo, &hi))
        tflc_sh_qstore(out->dtype, pad, 0, (int32_t)tflc_ops_zero_point(q, 0));
    if (p->inner) sb_walk(p, out, node->inputs[0], pad);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_space_to_depth = {.name = "SPACE_TO_DEPTH", .params_size = sizeof(tflc_sh_view),
                                                .prepare = space_to_depth_prepare, .eval = view_eval};
const tflc_kernel tflc_kernel_depth_to_space = {.name = "DEPTH_TO_SPACE", .params_size = sizeof(tflc_sh_view),
                                                .prepare = depth_to_space_prepare, .eval = view_eval};
const tflc_kernel tflc_kernel_batch_to_space_nd = {.name = "BATCH_TO_SPACE_ND",
                                                   .params_size = sizeof(sb_params),
                                                   .prepare = batch_to_space_prepare,
                                                   .eval = batch_to_space_eval};
const tflc_kernel tflc_kernel_space_to_batch_nd = {.name = "SPACE_TO_BATCH_ND",
                                                   .params_size = sizeof(sb_params),
                                                   .prepare = space_to_batch_prepare,
                                                   .eval = space_to_batch_eval};
