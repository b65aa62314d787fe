/*
 * weight_cache.c -- per-model cache of blocks derived from constant tensors (see
 * weight_cache.h). A singly linked list published with release stores: readers walk it
 * without the lock; the mutex serializes the fills.
 *
 * Storage: blocks of at least CACHE_SLAB_MIN bytes are carved from mapped slabs (pages.h),
 * each carved range faulted in by one call before fill() writes it (tflc_pages_prefault);
 * smaller blocks come from the heap. With TFLC_HUGE_PAGES=1 the first CACHE_HUGE_CAP bytes
 * of slabs are advised onto huge pages, so packing faults a few 2 MiB pages instead of one
 * 4 KiB page per 4 KiB written; beyond that the risk of cold host memory (pages.h)
 * outweighs the faults saved.
 */
#include "core/weight_cache.h"

#include "core/pages.h"
#include "core/runner.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct cache_entry {
    struct cache_entry *next;
    const void *key;
    uint32_t kind;
    size_t bytes;
    void *block;                      /* 64-byte aligned, bytes long (rounded up) */
    bool in_slab;                     /* carved from a slab (else its own heap block) */
} cache_entry;

/* A block big entries are carved from, front to back; advised onto huge pages (when
 * enabled) while the model is under CACHE_HUGE_CAP. */
typedef struct cache_slab {
    struct cache_slab *next;
    tflc_pages pages;
    size_t size, used;                /* bytes usable / handed out */
} cache_slab;

struct tflc_weight_cache {
    pthread_mutex_t lock;             /* held while filling and publishing */
    cache_entry *head;                /* newest first; read with acquire loads */
    cache_slab *slabs;                /* newest first */
    size_t huge_bytes;                /* bytes of the slabs advised onto huge pages */
};

#define CACHE_ALIGN 64
/* Entries this large go to slabs. Below it a block is a depthwise filter or a small layer:
 * the heap serves it without rounding a tiny model's cache up to a huge page. */
#define CACHE_SLAB_MIN ((size_t)64 << 10)
/* Slabs are 32 MiB (or one entry, if larger). Mapping costs nothing until touched, and
 * entries are carved front to back, so a model with little to pack has little resident:
 * the touched part, rounded up to the huge page it ends in. */
#define CACHE_SLAB_SIZE ((size_t)32 << 20)
/* Huge-page slabs per model. 32 MiB covers the MobileNets, EfficientNet-B0 and int8
 * ResNet50 whole (allocate 1.4-2.4x faster, medians of interleaved runs); float ResNet50's
 * 100 MB, all on huge pages, was 2.3x slower than on 4 KiB pages in runs interleaved with
 * LiteRT's (cold host memory), so its remainder stays on 4 KiB pages. */
#define CACHE_HUGE_CAP ((size_t)32 << 20)

/* The model's cache, created on first use; NULL if out of memory. The model is logically
 * const: the cache is a memo of its constants, created with a compare-and-swap so two
 * first callers agree on one. */
static struct tflc_weight_cache *model_cache(const tflc_model *model) {
    struct tflc_weight_cache **slot = &((tflc_model *)model)->weight_cache;
    struct tflc_weight_cache *cache = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (cache) return cache;
    struct tflc_weight_cache *fresh = calloc(1, sizeof *fresh);
    if (!fresh) return NULL;
    if (pthread_mutex_init(&fresh->lock, NULL) != 0) {
        free(fresh);
        return NULL;
    }
    struct tflc_weight_cache *expected = NULL;
    if (__atomic_compare_exchange_n(slot, &expected, fresh, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return fresh;
    pthread_mutex_destroy(&fresh->lock);   /* another thread won: use its cache */
    free(fresh);
    return expected;
}

/* `rounded` bytes (a multiple of CACHE_ALIGN) from the first slab with room (entries vary
 * in size, so an older slab's tail often takes a later one), or from a new slab; NULL when
 * out of memory. Called with the lock held. */
static void *slab_carve(struct tflc_weight_cache *cache, size_t rounded) {
    cache_slab *s = cache->slabs;
    while (s && s->size - s->used < rounded) s = s->next;
    if (!s) {
        size_t size = rounded > CACHE_SLAB_SIZE ? rounded : CACHE_SLAB_SIZE;
        const bool huge = cache->huge_bytes + size <= CACHE_HUGE_CAP;
        s = malloc(sizeof *s);
        if (!s || !tflc_pages_alloc(&s->pages, size, huge)) {
            free(s);
            return NULL;
        }
        if (s->pages.mapped && huge) cache->huge_bytes += s->pages.mapped;
        s->size = size;
        s->used = 0;
        s->next = cache->slabs;
        cache->slabs = s;
    }
    void *p = (unsigned char *)s->pages.data + s->used;
    s->used += rounded;
    tflc_pages_prefault(&s->pages, p, rounded);   /* fill() writes it all */
    return p;
}

static cache_entry *find(cache_entry *e, const void *key, uint32_t kind, size_t bytes) {
    for (; e; e = __atomic_load_n(&e->next, __ATOMIC_ACQUIRE))
        if (e->key == key && e->kind == kind && e->bytes == bytes) return e;
    return NULL;
}

const void *tflc_weight_cache_get(const tflc_model *model, const void *key, uint32_t kind,
                                  size_t bytes, void (*fill)(void *dst, const void *arg),
                                  const void *arg) {
    struct tflc_weight_cache *cache = model ? model_cache(model) : NULL;
    if (!cache) return NULL;
    cache_entry *e = find(__atomic_load_n(&cache->head, __ATOMIC_ACQUIRE), key, kind, bytes);
    if (e) return e->block;
    pthread_mutex_lock(&cache->lock);
    e = find(cache->head, key, kind, bytes);
    if (!e) {
        size_t rounded = (bytes + CACHE_ALIGN - 1) / CACHE_ALIGN * CACHE_ALIGN;
        const bool in_slab = rounded >= CACHE_SLAB_MIN;
        e = malloc(sizeof *e);
        void *block = !e ? NULL
                      : in_slab ? slab_carve(cache, rounded)
                                : aligned_alloc(CACHE_ALIGN, rounded ? rounded : CACHE_ALIGN);
        if (block) {
            fill(block, arg);
            e->key = key;
            e->kind = kind;
            e->bytes = bytes;
            e->block = block;
            e->in_slab = in_slab;
            e->next = cache->head;
            __atomic_store_n(&cache->head, e, __ATOMIC_RELEASE);
        } else {
            free(e);
            e = NULL;
        }
    }
    pthread_mutex_unlock(&cache->lock);
    return e ? e->block : NULL;
}

bool tflc_weight_cache_owns(const tflc_model *model, const void *p) {
    const uint8_t *u = p;
    return model && model->buf && u >= model->buf && u < model->buf + model->size;
}

/* The model of the runner whose signature subgraph holds the node, else NULL. */
static const tflc_model *signature_model(const tflc_node *node) {
    const tflc_runner *runner = node->graph ? node->graph->runner : NULL;
    return runner && node->graph == runner->graph ? runner->model : NULL;
}

bool tflc_node_weights_cold(const tflc_node *node) {
    const tflc_model *model = signature_model(node);
    return model && model->size >= TFLC_COLD_MODEL_BYTES;
}

bool tflc_node_weights_stream(const tflc_node *node) {
    const tflc_model *model = signature_model(node);
    return model && model->size >= TFLC_STREAM_MODEL_BYTES;
}

void tflc_weight_cache_free(struct tflc_weight_cache *cache) {
    if (!cache) return;
    for (cache_entry *e = cache->head, *next; e; e = next) {
        next = e->next;
        if (!e->in_slab) free(e->block);
        free(e);
    }
    for (cache_slab *s = cache->slabs, *next; s; s = next) {
        next = s->next;
        tflc_pages_free(&s->pages);
        free(s);
    }
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

size_t tflc_weight_cache_count(const tflc_model *model, size_t *bytes_out) {
    size_t n = 0, bytes = 0;
    struct tflc_weight_cache *cache =
        model ? __atomic_load_n(&model->weight_cache, __ATOMIC_ACQUIRE) : NULL;
    for (cache_entry *e = cache ? __atomic_load_n(&cache->head, __ATOMIC_ACQUIRE) : NULL; e;
         e = __atomic_load_n(&e->next, __ATOMIC_ACQUIRE)) {
        n++;
        bytes += e->bytes;
    }
    if (bytes_out) *bytes_out = bytes;
    return n;
}
