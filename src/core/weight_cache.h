/*
 * weight_cache.h -- blocks derived from a model's constant tensors (packed GEMM weights and
 * the like), computed once per model and shared by every interpreter and runner.
 *
 *     static void fill(void *dst, const void *arg) { ... pack the weights into dst ... }
 *     const void *packed = tflc_weight_cache_get(model, w->data, TFLC_WCACHE_F32_GEMM_B,
 *                                                bytes, fill, &args);
 *
 * An entry is identified by (key, kind, bytes): key is the constant tensor's data pointer,
 * which is stable for the model's lifetime; kind says what was derived from it (several
 * kinds may hang off one tensor). The first caller for an entry allocates a 64-byte-aligned
 * block of `bytes`, runs fill(block, arg) under the model's cache mutex, and publishes it;
 * concurrent and later callers get the same block (a lock-free lookup first, then the
 * mutex and a second lookup: double-checked). Blocks are freed by tflc_model_free.
 *
 * Only data owned by the model may be used as a key (tflc_weight_cache_owns): a runner's
 * folded tensors or a test's heap buffers can be freed and their address reused.
 */
#ifndef TFLC_CORE_WEIGHT_CACHE_H
#define TFLC_CORE_WEIGHT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

/* Kinds of derived block (append-only). ISA-dependent layouts add the ISA: kind | isa << 8. */
enum {
    TFLC_WCACHE_F32_GEMM_B = 1,      /* tflc_gemm_f32_pack_b of a [N, K] weight */
    TFLC_WCACHE_QS8_MULT = 2,        /* a quantized conv's per-channel requantization
                                        multipliers and shifts (ops/conv_common.h; keyed by
                                        the filter, not ISA-dependent) */
};

/* The cached block for (key, kind, bytes), computed by fill(dst, arg) on first use; NULL if
 * out of memory (nothing is cached then; a later call tries again). fill must not call back
 * into the cache. The block is read-only for every caller. */
const void *tflc_weight_cache_get(const tflc_model *model, const void *key, uint32_t kind,
                                  size_t bytes, void (*fill)(void *dst, const void *arg),
                                  const void *arg);

/* True when p points into the model's own bytes (its mapped or borrowed flatbuffer), so it
 * can key a cache entry. */
bool tflc_weight_cache_owns(const tflc_model *model, const void *p);

/* Whether a node's constant weights are out of L2 each time it runs, so that reading them
 * where the model stores them costs no more than reading a packed copy (kernels/gemm.h,
 * tflc_gemm_f32_b_in_place): the node runs once per invoke (it is in its runner's signature
 * subgraph; a loop body's nodes may run many times while their weights stay cached) and the
 * model holds at least TFLC_COLD_MODEL_BYTES, the 2 MiB L2 of the largest x86 cores, so one
 * invoke (the other layers' weights and the activations besides) pushes a layer's weights
 * out before it runs again. (It was four times that; the Transformer block float32, 3 MiB,
 * whose FULLY_CONNECTEDs then took B as hot and read each panel from L3 unannounced, gained
 * from the cold products' prefetch: two copies of the model in one process, invokes
 * alternating, median ratio 0.981 at 1 thread, 0.988 at 2; the LSTM text model, 5.4 MiB,
 * 1.000.) */
#define TFLC_COLD_MODEL_BYTES ((size_t)2 << 20)
bool tflc_node_weights_cold(const tflc_node *node);

/* Whether packing a node's constant weights should stream them to memory
 * (tflc_pack_transpose_u32_stream): the node is in its runner's signature subgraph and the
 * model holds at least TFLC_STREAM_MODEL_BYTES, more packed weights than the last-level
 * cache keeps, so each packed line is evicted before the first invoke reads it and an
 * ordinary store's read of the line first is wasted traffic. Start-up (load, allocate, first
 * invoke) medians of 16 interleaved fresh processes on a 2-core Emerald Rapids VM: ResNet50
 * float32 (97 MB) 142 -> 123 ms; but EfficientNet-B0 float32 (20 MB) 23.5 -> 26.2 ms and
 * MobileNet V3 Large float32 (21 MB) 11.8 -> 13.4 ms, whose packed weights stay in L3 for
 * the first invoke when written normally. */
#define TFLC_STREAM_MODEL_BYTES ((size_t)64 << 20)
bool tflc_node_weights_stream(const tflc_node *node);

/* Frees every block and the cache itself (tflc_model_free). NULL is a no-op. */
void tflc_weight_cache_free(struct tflc_weight_cache *cache);

/* Blocks and bytes held (tests, diagnostics). */
size_t tflc_weight_cache_count(const tflc_model *model, size_t *bytes_out);

#endif
