/*
 * weight_cache.c -- per-model cache of blocks derived from constant tensors (see
 * weight_cache.h). A singly linked list published with release stores: readers walk it
 * without the lock; the mutex serializes the fills.
 */
#include "core/weight_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct cache_entry {
    struct cache_entry *next;
    const void *key;
    uint32_t kind;
    size_t bytes;
    void *block;                      /* 64-byte aligned, bytes long (rounded up) */
} cache_entry;

struct tflc_weight_cache {
    pthread_mutex_t lock;             /* held while filling and publishing */
    cache_entry *head;                /* newest first; read with acquire loads */
};

#define CACHE_ALIGN 64

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
        void *block = aligned_alloc(CACHE_ALIGN, rounded ? rounded : CACHE_ALIGN);
        e = block ? malloc(sizeof *e) : NULL;
        if (e) {
            fill(block, arg);
            e->key = key;
            e->kind = kind;
            e->bytes = bytes;
            e->block = block;
            e->next = cache->head;
            __atomic_store_n(&cache->head, e, __ATOMIC_RELEASE);
        } else {
            free(block);
        }
    }
    pthread_mutex_unlock(&cache->lock);
    return e ? e->block : NULL;
}

bool tflc_weight_cache_owns(const tflc_model *model, const void *p) {
    const uint8_t *u = p;
    return model && model->buf && u >= model->buf && u < model->buf + model->size;
}

void tflc_weight_cache_free(struct tflc_weight_cache *cache) {
    if (!cache) return;
    for (cache_entry *e = cache->head, *next; e; e = next) {
        next = e->next;
        free(e->block);
        free(e);
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
