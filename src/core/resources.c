/* resources.c -- variables, hash tables and init once-flags shared by an interpreter's runners. */
#include <stdlib.h>
#include <string.h>

#include "core/resources.h"
#include "core/strings.h"
#include "format/flatbuf.h"
#include "format/schema.h"

enum { VARHANDLE_OPT_CONTAINER = 0, VARHANDLE_OPT_SHARED_NAME = 1 };
#define OPC_VAR_HANDLE 142

/* ------------------------------------------------------------ variables -- */

static bool same_name(const tflc_variable *v, const char *container, const char *shared_name) {
    return strcmp(v->container, container) == 0 && strcmp(v->shared_name, shared_name) == 0;
}

int tflc_resources_find_variable(tflc_resources *res, const char *container, const char *shared_name) {
    for (int i = 0; i < res->n_vars; i++)
        if (same_name(&res->vars[i], container, shared_name)) return i;
    return -1;
}

/* The (container, shared_name) of a VAR_HANDLE operator's options. */
static void var_handle_names(const tflc_op_desc *op, const char **container, const char **shared_name) {
    const char *c = op->options ? fb_string(op->options, VARHANDLE_OPT_CONTAINER, NULL) : NULL;
    const char *n = op->options ? fb_string(op->options, VARHANDLE_OPT_SHARED_NAME, NULL) : NULL;
    *container = c ? c : "";
    *shared_name = n ? n : "";
}

static tflc_status register_variables(tflc_resources *res, const tflc_model *m) {
    int cap = 0;
    for (int s = 0; s < m->n_subgraphs; s++)
        for (int i = 0; i < m->subgraphs[s].n_ops; i++) cap += m->subgraphs[s].ops[i].builtin_code == OPC_VAR_HANDLE;
    res->vars = calloc((size_t)(cap ? cap : 1), sizeof *res->vars);
    if (!res->vars) return TFLC_ERROR_OUT_OF_MEMORY;
    for (int s = 0; s < m->n_subgraphs; s++)
        for (int i = 0; i < m->subgraphs[s].n_ops; i++) {
            const tflc_op_desc *op = &m->subgraphs[s].ops[i];
            if (op->builtin_code != OPC_VAR_HANDLE || op->options_type != BO_VarHandle) continue;
            const char *container, *name;
            var_handle_names(op, &container, &name);
            if (tflc_resources_find_variable(res, container, name) >= 0) continue;
            res->vars[res->n_vars].container = container;
            res->vars[res->n_vars++].shared_name = name;
        }
    return TFLC_OK;
}

tflc_status tflc_resources_init(tflc_resources *res, const tflc_model *model) {
    memset(res, 0, sizeof *res);
    res->init_done = calloc((size_t)model->n_subgraphs, 1);
    if (!res->init_done) return TFLC_ERROR_OUT_OF_MEMORY;
    tflc_status s = register_variables(res, model);
    if (s != TFLC_OK) {
        free(res->init_done);
        free(res->vars);
        return s;
    }
    if (pthread_mutex_init(&res->lock, NULL) != 0) return TFLC_ERROR_OUT_OF_MEMORY;
    if (pthread_mutex_init(&res->init_lock, NULL) != 0) {
        pthread_mutex_destroy(&res->lock);
        return TFLC_ERROR_OUT_OF_MEMORY;
    }
    return TFLC_OK;
}

static void free_hashtable(tflc_hashtable *t);

void tflc_resources_release(tflc_resources *res) {
    for (int i = 0; i < res->n_vars; i++) {
        free(res->vars[i].data);
        if (res->snapshot) free(res->snapshot[i].data);
    }
    for (int i = 0; i < res->n_tables; i++) free_hashtable(res->tables[i]);
    free(res->tables);
    free(res->vars);
    free(res->snapshot);
    free(res->init_done);
    pthread_mutex_destroy(&res->lock);
    pthread_mutex_destroy(&res->init_lock);
}

void tflc_variable_shape(tflc_resources *res, int handle, tflc_dtype *dtype, int32_t *dims, int *rank) {
    pthread_mutex_lock(&res->lock);
    const tflc_variable *v = &res->vars[handle];
    *rank = v->assigned ? v->rank : -1;
    *dtype = v->dtype;
    if (v->assigned) memcpy(dims, v->dims, sizeof v->dims);
    pthread_mutex_unlock(&res->lock);
}

static tflc_status read_locked(const tflc_variable *v, tflc_tensor *out, char *err) {
    if (!v->assigned)
        return tflc_fail(err, TFLC_ERROR_RUNTIME, "variable '%s' is read before any value was assigned to it",
                         v->shared_name);
    if (v->dtype != out->dtype || v->rank != out->rank ||
        (v->rank && memcmp(v->dims, out->dims, (size_t)v->rank * sizeof *v->dims) != 0) || v->bytes != out->bytes)
        return tflc_fail(err, TFLC_ERROR_RUNTIME,
                         "variable '%s' changed dtype or shape since allocate; call tflc_runner_allocate again",
                         v->shared_name);
    if (v->bytes) memcpy(out->data, v->data, v->bytes);
    return TFLC_OK;
}

tflc_status tflc_variable_read(tflc_resources *res, int handle, tflc_tensor *out, char *err) {
    pthread_mutex_lock(&res->lock);
    tflc_status s = read_locked(&res->vars[handle], out, err);
    pthread_mutex_unlock(&res->lock);
    return s;
}

static tflc_status assign_locked(tflc_variable *v, const tflc_tensor *value, char *err) {
    if (value->dtype == TFLC_STRING || value->dtype == TFLC_RESOURCE || value->dtype == TFLC_VARIANT)
        return tflc_fail(err, TFLC_ERROR_UNSUPPORTED, "variable '%s': %s values are not supported", v->shared_name,
                         tflc_dtype_name(value->dtype));
    if (v->assigned && v->dtype != value->dtype)
        return tflc_fail(err, TFLC_ERROR_RUNTIME, "variable '%s' holds %s; cannot assign %s", v->shared_name,
                         tflc_dtype_name(v->dtype), tflc_dtype_name(value->dtype));
    if (!v->data || v->bytes != value->bytes) {
        void *p = realloc(v->data, value->bytes ? value->bytes : 1);
        if (!p) return tflc_fail(err, TFLC_ERROR_OUT_OF_MEMORY, "out of memory assigning variable '%s'", v->shared_name);
        v->data = p;
    }
    if (value->bytes) memcpy(v->data, value->data, value->bytes);
    v->bytes = value->bytes;
    v->dtype = value->dtype;
    v->rank = value->rank;
    memcpy(v->dims, value->dims, sizeof v->dims);
    v->assigned = true;
    return TFLC_OK;
}

tflc_status tflc_variable_assign(tflc_resources *res, int handle, const tflc_tensor *value, char *err) {
    pthread_mutex_lock(&res->lock);
    tflc_status s = assign_locked(&res->vars[handle], value, err);
    pthread_mutex_unlock(&res->lock);
    return s;
}

static tflc_status copy_variable(tflc_variable *dst, const tflc_variable *src) {
    void *data = NULL;
    if (src->assigned) {
        data = malloc(src->bytes ? src->bytes : 1);
        if (!data) return TFLC_ERROR_OUT_OF_MEMORY;
        if (src->bytes) memcpy(data, src->data, src->bytes);
    }
    free(dst->data);
    *dst = *src;
    dst->data = data;
    return TFLC_OK;
}

tflc_status tflc_resources_snapshot(tflc_resources *res) {
    pthread_mutex_lock(&res->lock);
    tflc_status s = TFLC_OK;
    if (!res->snapshot) res->snapshot = calloc((size_t)(res->n_vars ? res->n_vars : 1), sizeof *res->snapshot);
    if (!res->snapshot) s = TFLC_ERROR_OUT_OF_MEMORY;
    for (int i = 0; s == TFLC_OK && i < res->n_vars; i++) s = copy_variable(&res->snapshot[i], &res->vars[i]);
    pthread_mutex_unlock(&res->lock);
    return s;
}

tflc_status tflc_resources_restore(tflc_resources *res) {
    pthread_mutex_lock(&res->lock);
    tflc_status s = TFLC_OK;
    for (int i = 0; i < res->n_vars; i++) {
        if (res->snapshot) {
            s = copy_variable(&res->vars[i], &res->snapshot[i]);
            if (s != TFLC_OK) break;
        } else {
            res->vars[i].assigned = false;
        }
    }
    pthread_mutex_unlock(&res->lock);
    return s;
}

/* ---------------------------------------------------------- hash tables -- */

/* One key or value: a number, or a byte string owned by the table. */
typedef struct cell {
    int64_t i;
    double f;
    char *s;
    size_t n;
} cell;

struct tflc_hashtable {
    int32_t id;                       /* the model's table_id */
    tflc_dtype key_dtype, value_dtype;
    cell *keys, *values;              /* open addressing, capacity slots */
    unsigned char *used;
    size_t capacity, count;
};

static void free_hashtable(tflc_hashtable *t) {
    if (!t) return;
    for (size_t i = 0; i < t->capacity; i++)
        if (t->used[i]) {
            free(t->keys[i].s);
            free(t->values[i].s);
        }
    free(t->keys);
    free(t->values);
    free(t->used);
    free(t);
}

static uint64_t hash_cell(const cell *c, tflc_dtype dtype) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    if (dtype == TFLC_STRING) {
        for (size_t i = 0; i < c->n; i++) h = (h ^ (unsigned char)c->s[i]) * 1099511628211ull;
    } else {
        uint64_t v = (uint64_t)c->i;
        for (int i = 0; i < 8; i++) h = (h ^ ((v >> (8 * i)) & 0xff)) * 1099511628211ull;
    }
    return h;
}

static bool cells_equal(const cell *a, const cell *b, tflc_dtype dtype) {
    if (dtype == TFLC_STRING) return a->n == b->n && (a->n == 0 || memcmp(a->s, b->s, a->n) == 0);
    return a->i == b->i;
}

/* Element i of tensor t as a cell (strings point into the tensor). */
static cell cell_of(const tflc_tensor *t, size_t i) {
    cell c = {0, 0, NULL, 0};
    switch (t->dtype) {
    case TFLC_STRING: c.s = (char *)tflc_strings_get(t, i, &c.n); break;
    case TFLC_INT64: c.i = ((const int64_t *)t->data)[i]; break;
    case TFLC_INT32: c.i = ((const int32_t *)t->data)[i]; break;
    case TFLC_FLOAT32: c.f = ((const float *)t->data)[i]; memcpy(&c.i, &c.f, sizeof c.i); break;
    default: break;
    }
    return c;
}

static size_t find_slot(const tflc_hashtable *t, const cell *key) {
    size_t mask = t->capacity - 1, at = (size_t)hash_cell(key, t->key_dtype) & mask;
    while (t->used[at] && !cells_equal(&t->keys[at], key, t->key_dtype)) at = (at + 1) & mask;
    return at;
}

static tflc_status grow(tflc_hashtable *t, size_t need) {
    if (need * 2 <= t->capacity) return TFLC_OK;
    size_t capacity = t->capacity ? t->capacity : 16;
    while (need * 2 > capacity) capacity *= 2;
    tflc_hashtable bigger = *t;
    bigger.capacity = capacity;
    bigger.keys = calloc(capacity, sizeof *bigger.keys);
    bigger.values = calloc(capacity, sizeof *bigger.values);
    bigger.used = calloc(capacity, 1);
    if (!bigger.keys || !bigger.values || !bigger.used) {
        free(bigger.keys); free(bigger.values); free(bigger.used);
        return TFLC_ERROR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < t->capacity; i++) {
        if (!t->used[i]) continue;
        size_t at = find_slot(&bigger, &t->keys[i]);
        bigger.used[at] = 1;
        bigger.keys[at] = t->keys[i];
        bigger.values[at] = t->values[i];
    }
    free(t->keys); free(t->values); free(t->used);
    *t = bigger;
    return TFLC_OK;
}

static tflc_status own_cell(cell *dst, const cell *src) {
    *dst = *src;
    if (!src->s) return TFLC_OK;
    dst->s = malloc(src->n ? src->n : 1);
    if (!dst->s) return TFLC_ERROR_OUT_OF_MEMORY;
    if (src->n) memcpy(dst->s, src->s, src->n);
    return TFLC_OK;
}

static bool supported_table_dtype(tflc_dtype d) {
    return d == TFLC_STRING || d == TFLC_INT64 || d == TFLC_INT32 || d == TFLC_FLOAT32;
}

/* Tables are found by their table_id (the converter derives ids from names: any int32);
 * a handle is the table's position in res->tables. */
static int find_table_locked(const tflc_resources *res, int32_t id) {
    for (int i = 0; i < res->n_tables; i++)
        if (res->tables[i]->id == id) return i;
    return -1;
}

static int add_table_locked(tflc_resources *res, int32_t id, tflc_dtype key, tflc_dtype value) {
    tflc_hashtable **grown = realloc(res->tables, (size_t)(res->n_tables + 1) * sizeof *grown);
    if (!grown) return -1;
    res->tables = grown;
    tflc_hashtable *t = calloc(1, sizeof *t);
    if (!t) return -1;
    t->id = id;
    t->key_dtype = key;
    t->value_dtype = value;
    res->tables[res->n_tables] = t;
    return res->n_tables++;
}

tflc_status tflc_hashtable_get(tflc_resources *res, int32_t id, tflc_dtype key, tflc_dtype value,
                               int32_t *handle_out, char *err) {
    if (!supported_table_dtype(key) || !supported_table_dtype(value) || key == TFLC_FLOAT32)
        return tflc_fail(err, TFLC_ERROR_UNSUPPORTED, "hash tables from %s to %s are not supported",
                         tflc_dtype_name(key), tflc_dtype_name(value));
    pthread_mutex_lock(&res->lock);
    int handle = find_table_locked(res, id);
    if (handle < 0) handle = add_table_locked(res, id, key, value);
    tflc_hashtable *t = handle >= 0 ? res->tables[handle] : NULL;
    pthread_mutex_unlock(&res->lock);
    if (!t) return tflc_fail(err, TFLC_ERROR_OUT_OF_MEMORY, "out of memory creating hash table %d", id);
    if (t->key_dtype != key || t->value_dtype != value)
        return tflc_fail(err, TFLC_ERROR_INVALID_MODEL, "hash table %d is declared twice with different dtypes", id);
    *handle_out = handle;
    return TFLC_OK;
}

tflc_hashtable *tflc_hashtable_by_handle(tflc_resources *res, int32_t handle) {
    pthread_mutex_lock(&res->lock);
    tflc_hashtable *t = handle >= 0 && handle < res->n_tables ? res->tables[handle] : NULL;
    pthread_mutex_unlock(&res->lock);
    return t;
}

static tflc_status insert_locked(tflc_hashtable *t, const cell *k, const cell *v) {
    if (grow(t, t->count + 1) != TFLC_OK) return TFLC_ERROR_OUT_OF_MEMORY;
    size_t at = find_slot(t, k);
    if (t->used[at]) return TFLC_OK; /* TensorFlow's lookup tables keep the first value */
    cell key, value;
    if (own_cell(&key, k) != TFLC_OK) return TFLC_ERROR_OUT_OF_MEMORY;
    if (own_cell(&value, v) != TFLC_OK) {
        free(key.s);
        return TFLC_ERROR_OUT_OF_MEMORY;
    }
    t->used[at] = 1;
    t->keys[at] = key;
    t->values[at] = value;
    t->count++;
    return TFLC_OK;
}

tflc_status tflc_hashtable_import(tflc_resources *res, tflc_hashtable *t, const tflc_tensor *keys,
                                  const tflc_tensor *values, char *err) {
    size_t n = tflc_tensor_count(keys);
    if (keys->dtype != t->key_dtype || values->dtype != t->value_dtype || tflc_tensor_count(values) != n)
        return tflc_fail(err, TFLC_ERROR_INVALID_MODEL, "hash table import: keys (%s) and values (%s) do not fit the table",
                         tflc_dtype_name(keys->dtype), tflc_dtype_name(values->dtype));
    tflc_status s = TFLC_OK;
    pthread_mutex_lock(&res->lock);
    for (size_t i = 0; s == TFLC_OK && i < n; i++) {
        cell k = cell_of(keys, i), v = cell_of(values, i);
        s = insert_locked(t, &k, &v);
    }
    pthread_mutex_unlock(&res->lock);
    return s == TFLC_OK ? s : tflc_fail(err, s, "out of memory filling a hash table");
}

static tflc_status write_value(tflc_node *node, tflc_string_writer *w, tflc_tensor *out, size_t i, const cell *v) {
    switch (out->dtype) {
    case TFLC_STRING: return tflc_strings_append(w, v->s, v->n);
    case TFLC_INT64: ((int64_t *)out->data)[i] = v->i; return TFLC_OK;
    case TFLC_INT32: ((int32_t *)out->data)[i] = (int32_t)v->i; return TFLC_OK;
    case TFLC_FLOAT32: ((float *)out->data)[i] = (float)v->f; return TFLC_OK;
    default: return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "value dtype %s", tflc_dtype_name(out->dtype));
    }
}

tflc_status tflc_hashtable_find(tflc_resources *res, tflc_hashtable *t, tflc_node *node, const tflc_tensor *keys,
                                const tflc_tensor *fallback, int output) {
    tflc_tensor *out = node->outputs[output];
    size_t n = tflc_tensor_count(keys);
    tflc_string_writer w;
    tflc_status s = out->dtype == TFLC_STRING ? tflc_strings_begin(&w, node, output, n) : TFLC_OK;
    cell missing = cell_of(fallback, 0);
    if (fallback->dtype == TFLC_FLOAT32) missing.f = ((const float *)fallback->data)[0];
    pthread_mutex_lock(&res->lock);
    for (size_t i = 0; s == TFLC_OK && i < n; i++) {
        cell k = cell_of(keys, i);
        size_t at = t->capacity ? find_slot(t, &k) : 0;
        s = write_value(node, &w, out, i, t->capacity && t->used[at] ? &t->values[at] : &missing);
    }
    pthread_mutex_unlock(&res->lock);
    if (s == TFLC_OK && out->dtype == TFLC_STRING) s = tflc_strings_end(&w);
    return s;
}

int64_t tflc_hashtable_size(tflc_resources *res, tflc_hashtable *t) {
    pthread_mutex_lock(&res->lock);
    int64_t n = (int64_t)t->count;
    pthread_mutex_unlock(&res->lock);
    return n;
}
