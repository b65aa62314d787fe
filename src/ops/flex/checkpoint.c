/*
 * checkpoint.c -- TensorFlow's V1 checkpoint (tensor-slice table) writer and reader; the
 * format is described in checkpoint.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ops/flex/checkpoint.h"
#include "ops/flex/nodedef.h"

#define TABLE_MAGIC 0xdb4775248b80fb57ull
#define FOOTER_SIZE 48            /* two BlockHandles padded to 40 bytes, then the magic */
#define BLOCK_TRAILER 5           /* compression type + masked CRC32C */
#define BLOCK_SIZE 262144         /* TensorFlow's table::Options::block_size */
#define RESTART_INTERVAL 16       /* table::Options::block_restart_interval */
#define CHECKPOINT_VERSION 1      /* TF_CHECKPOINT_VERSION: our producer and consumer version */
#define CHECKPOINT_MIN_PRODUCER 0 /* TF_CHECKPOINT_VERSION_MIN_PRODUCER */
#define MAX_MESSAGE_BYTES ((uint64_t)1 << 31) /* TensorSliceWriter::kMaxMessageBytes */
#define TENSOR_PROTO_HEADER 1024  /* TensorSliceWriter::kTensorProtoHeaderBytes */
#define MAX_SLICES 4096           /* slices of one tensor tflc accepts (pairwise overlap check) */

/* ----------------------------------------------------------------- errors -- */

static tflc_status ck_fail(char *err, size_t errlen, tflc_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static tflc_status ck_fail(char *err, size_t errlen, tflc_status status, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* A tensor name for messages: printable bytes, others as '?', at most 64 shown. */
static const char *shown(const char *name, size_t len, char *buf, size_t size) {
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < size && n < 64; i++) {
        unsigned char c = (unsigned char)name[i];
        buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (n < len && n + 3 < size) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}
#define SHOWN_SIZE 72

/* ----------------------------------------------------------------- CRC32C -- */

/* CRC-32C (Castagnoli), reflected polynomial 0x82f63b78. */
static const uint32_t crc32c_table[256] = {
    0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
    0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
    0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
    0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
    0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
    0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
    0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
    0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
    0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
    0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
    0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
    0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
    0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
    0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
    0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
    0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
    0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
    0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
    0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
    0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
    0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
    0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
    0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
    0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
    0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
    0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
    0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
    0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
    0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
    0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
    0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
    0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
    0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
    0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
    0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
    0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
    0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
    0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
    0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
    0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
    0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
    0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
    0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t tflc_crc32c_extend(uint32_t crc, const void *data, size_t n) {
    const uint8_t *p = data;
    uint32_t c = ~crc;
    for (size_t i = 0; i < n; i++) c = crc32c_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

/* ---------------------------------------------------------- byte buffers -- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
    bool oom;
} buf;

static bool buf_reserve(buf *b, size_t extra) {
    if (b->oom) return false;
    if (extra <= b->cap - b->n) return true;
    if (extra > SIZE_MAX / 2 - b->n) {
        b->oom = true;
        return false;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n < extra) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static void put(buf *b, const void *data, size_t n) {
    if (n && buf_reserve(b, n)) {
        memcpy(b->p + b->n, data, n);
        b->n += n;
    }
}

static void put_byte(buf *b, uint8_t v) { put(b, &v, 1); }

static void put_varint(buf *b, uint64_t v) {
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    put(b, tmp, n);
}

static void put_fixed32(buf *b, uint32_t v) {
    uint8_t tmp[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, tmp, 4);
}

static void put_fixed64(buf *b, uint64_t v) {
    put_fixed32(b, (uint32_t)v);
    put_fixed32(b, (uint32_t)(v >> 32));
}

static size_t varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint32_t get_fixed32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_fixed64(const uint8_t *p) { return get_fixed32(p) | (uint64_t)get_fixed32(p + 4) << 32; }

/* A varint from [*p, end); false when truncated or longer than 10 bytes. */
static bool get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out) {
    uint64_t v = 0;
    for (int i = 0; i < 10 && *p < end; i++) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------ OrderedCode -- */

/* OrderedCode::WriteNumIncreasing: a length byte, then the value big-endian without
 * leading zero bytes. */
static void ordered_num(buf *b, uint64_t v) {
    uint8_t tmp[9];
    int len = 0;
    for (uint64_t x = v; x; x >>= 8) len++;
    tmp[0] = (uint8_t)len;
    for (int i = 0; i < len; i++) tmp[1 + i] = (uint8_t)(v >> (8 * (len - 1 - i)));
    put(b, tmp, (size_t)len + 1);
}

/* OrderedCode::WriteString: 0x00 -> 00 ff, 0xff -> ff 00, then the separator 00 01. */
static void ordered_string(buf *b, const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == 0x00) {
            put_byte(b, 0x00);
            put_byte(b, 0xff);
        } else if (c == 0xff) {
            put_byte(b, 0xff);
            put_byte(b, 0x00);
        } else {
            put_byte(b, c);
        }
    }
    put_byte(b, 0x00);
    put_byte(b, 0x01);
}

/* OrderedCode::WriteSignedNumIncreasing: sign and length in the leading bits, then the
 * two's complement value big-endian; 1 byte for [-64, 64), up to 10. */
static void ordered_signed(buf *b, int64_t v) {
    static const uint8_t header[11][2] = {{0, 0},       {0x80, 0},    {0xc0, 0},    {0xe0, 0},
                                          {0xf0, 0},    {0xf8, 0},    {0xfc, 0},    {0xfe, 0},
                                          {0xff, 0},    {0xff, 0x80}, {0xff, 0xc0}};
    uint64_t x = v < 0 ? ~(uint64_t)v : (uint64_t)v;
    if (x < 64) {
        put_byte(b, (uint8_t)(0x80 ^ (uint8_t)(uint64_t)v));
        return;
    }
    int bits = 0; /* floor(log2(x)) + 1 */
    for (uint64_t t = x; t; t >>= 1) bits++;
    int len = (bits + 7) / 7; /* kBitsToLength: n bytes hold 7n - 1 value bits */
    if (len > 10) len = 10;
    uint8_t tmp[10];
    tmp[0] = tmp[1] = v < 0 ? 0xff : 0x00;
    for (int i = 0; i < 8; i++) tmp[2 + i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
    uint8_t *begin = tmp + 10 - len;
    begin[0] ^= header[len][0];
    begin[1] ^= header[len][1];
    put(b, begin, (size_t)len);
}

/* EncodeTensorNameSlice: the table key of one slice of tensor `name`. length -1 marks a
 * whole dimension (start 0). */
static void slice_key(buf *b, const char *name, size_t len, int rank, const int64_t *start, const int64_t *length) {
    ordered_num(b, 0);
    ordered_string(b, name, len);
    ordered_num(b, (uint64_t)rank);
    for (int d = 0; d < rank; d++) {
        ordered_signed(b, start ? start[d] : 0);
        ordered_signed(b, length ? length[d] : -1);
    }
}

/* ------------------------------------------------------------ value fields -- */

/* Where a dtype's values live in a TensorProto, as TensorSliceWriter stores them. */
typedef struct value_field {
    uint32_t number;       /* TensorProto field */
    int wire;              /* wire type of one component: VARINT, FIXED32, FIXED64 or BYTES */
    int components;        /* per element: 2 for complex */
    size_t max_bytes;      /* TensorSliceWriter::MaxBytesPerElementOrZero */
} value_field;

static bool value_field_of(tflc_dtype dtype, value_field *vf) {
    switch (dtype) {
    case TFLC_FLOAT32: *vf = (value_field){5, TFLC_PB_FIXED32, 1, 4}; return true;
    case TFLC_FLOAT64: *vf = (value_field){6, TFLC_PB_FIXED64, 1, 8}; return true;
    case TFLC_INT32: *vf = (value_field){7, TFLC_PB_VARINT, 1, 10}; return true;
    case TFLC_UINT8: *vf = (value_field){7, TFLC_PB_VARINT, 1, 2}; return true;
    case TFLC_INT16: *vf = (value_field){7, TFLC_PB_VARINT, 1, 10}; return true;
    case TFLC_INT8: *vf = (value_field){7, TFLC_PB_VARINT, 1, 10}; return true;
    case TFLC_UINT16: *vf = (value_field){7, TFLC_PB_VARINT, 1, 3}; return true;
    case TFLC_STRING: *vf = (value_field){8, TFLC_PB_BYTES, 1, 10}; return true;
    case TFLC_COMPLEX64: *vf = (value_field){9, TFLC_PB_FIXED32, 2, 8}; return true;
    case TFLC_INT64: *vf = (value_field){10, TFLC_PB_VARINT, 1, 10}; return true;
    case TFLC_BOOL: *vf = (value_field){11, TFLC_PB_VARINT, 1, 1}; return true;
    case TFLC_COMPLEX128: *vf = (value_field){12, TFLC_PB_FIXED64, 2, 16}; return true;
    case TFLC_FLOAT16: *vf = (value_field){13, TFLC_PB_VARINT, 1, 3}; return true;
    default: return false;
    }
}

bool tflc_ckpt_dtype_supported(tflc_dtype dtype) {
    value_field vf;
    return value_field_of(dtype, &vf);
}

/* Component k (element k / components) as the wire carries it: fixed bits, or the varint
 * of the value as an int32 / int64 field holds it (negative int32 sign-extended). */
static uint64_t component_bits(tflc_dtype dtype, const void *data, size_t k) {
    switch (dtype) {
    case TFLC_FLOAT32: case TFLC_COMPLEX64: return ((const uint32_t *)data)[k];
    case TFLC_FLOAT64: case TFLC_COMPLEX128: return ((const uint64_t *)data)[k];
    case TFLC_INT32: return (uint64_t)(int64_t)((const int32_t *)data)[k];
    case TFLC_INT16: return (uint64_t)(int64_t)((const int16_t *)data)[k];
    case TFLC_INT8: return (uint64_t)(int64_t)((const int8_t *)data)[k];
    case TFLC_UINT16: case TFLC_FLOAT16: return ((const uint16_t *)data)[k];
    case TFLC_UINT8: return ((const uint8_t *)data)[k];
    case TFLC_INT64: return (uint64_t)((const int64_t *)data)[k];
    case TFLC_BOOL: return ((const uint8_t *)data)[k] != 0;
    default: return 0;
    }
}

/* Stores component k from its wire value, converting as TensorFlow's restore does
 * (static_cast from the int32 / int64 field to the element type). */
static void store_component(tflc_dtype dtype, void *data, size_t k, uint64_t v) {
    switch (dtype) {
    case TFLC_FLOAT32: case TFLC_COMPLEX64: ((uint32_t *)data)[k] = (uint32_t)v; break;
    case TFLC_FLOAT64: case TFLC_COMPLEX128: ((uint64_t *)data)[k] = v; break;
    case TFLC_INT32: ((uint32_t *)data)[k] = (uint32_t)v; break;
    case TFLC_INT16: case TFLC_UINT16: case TFLC_FLOAT16: ((uint16_t *)data)[k] = (uint16_t)v; break;
    case TFLC_INT8: case TFLC_UINT8: ((uint8_t *)data)[k] = (uint8_t)v; break;
    case TFLC_INT64: ((uint64_t *)data)[k] = v; break;
    case TFLC_BOOL: ((uint8_t *)data)[k] = v != 0; break;
    default: break;
    }
}

/* Bytes of the packed payload of `count` elements. */
static uint64_t packed_size(const value_field *vf, tflc_dtype dtype, const void *data, size_t count) {
    uint64_t comps = (uint64_t)count * (uint64_t)vf->components;
    if (vf->wire == TFLC_PB_FIXED32) return 4 * comps;
    if (vf->wire == TFLC_PB_FIXED64) return 8 * comps;
    uint64_t n = 0;
    for (size_t k = 0; k < comps; k++) n += varint_len(component_bits(dtype, data, k));
    return n;
}

/* ================================================================ writing == */

/* ---------------------------------------------------------- block builder -- */

/* One block being built (LevelDB's BlockBuilder). */
typedef struct block_builder {
    buf data;
    uint32_t *restarts;
    size_t n_restarts, cap_restarts;
    int counter, interval;
    buf last_key;
    bool oom;
} block_builder;

static void block_reset(block_builder *bb) {
    bb->data.n = 0;
    bb->n_restarts = 0;
    bb->counter = 0;
    bb->last_key.n = 0;
    if (!bb->restarts || bb->cap_restarts == 0) {
        bb->restarts = malloc(16 * sizeof *bb->restarts);
        if (!bb->restarts) {
            bb->oom = true;
            return;
        }
        bb->cap_restarts = 16;
    }
    bb->restarts[bb->n_restarts++] = 0;
}

static void block_free(block_builder *bb) {
    free(bb->data.p);
    free(bb->restarts);
    free(bb->last_key.p);
}

static bool block_empty(const block_builder *bb) { return bb->data.n == 0; }

static size_t block_estimate(const block_builder *bb) { return bb->data.n + 4 * bb->n_restarts + 4; }

/* Adds an entry's header and key; the caller appends exactly value_len bytes to bb->data. */
static void block_add(block_builder *bb, const uint8_t *key, size_t key_len, size_t value_len) {
    size_t shared = 0;
    if (bb->counter < bb->interval) {
        size_t min = key_len < bb->last_key.n ? key_len : bb->last_key.n;
        while (shared < min && bb->last_key.p[shared] == key[shared]) shared++;
    } else {
        if (bb->n_restarts == bb->cap_restarts) {
            uint32_t *r = realloc(bb->restarts, 2 * bb->cap_restarts * sizeof *r);
            if (!r) {
                bb->oom = true;
                return;
            }
            bb->restarts = r;
            bb->cap_restarts *= 2;
        }
        bb->restarts[bb->n_restarts++] = (uint32_t)bb->data.n;
        bb->counter = 0;
    }
    put_varint(&bb->data, shared);
    put_varint(&bb->data, key_len - shared);
    put_varint(&bb->data, value_len);
    put(&bb->data, key + shared, key_len - shared);
    bb->last_key.n = 0;
    put(&bb->last_key, key, key_len);
    bb->counter++;
}

/* Appends the restart array; bb->data then holds the block's contents. */
static void block_finish(block_builder *bb) {
    for (size_t i = 0; i < bb->n_restarts; i++) put_fixed32(&bb->data, bb->restarts[i]);
    put_fixed32(&bb->data, (uint32_t)bb->n_restarts);
}

/* ----------------------------------------------------------- table writer -- */

typedef struct table_writer {
    FILE *fp;                 /* destination file, or NULL: into mem */
    buf mem;
    uint64_t offset;
    bool io_error;
    bool oom;
    block_builder data, index;
    buf last_key;
    bool pending;             /* a data block was written; its index entry awaits the next key */
    uint64_t pending_offset, pending_size;
} table_writer;

static void sink(table_writer *w, const void *p, size_t n) {
    if (w->fp) {
        if (n && fwrite(p, 1, n, w->fp) != n) w->io_error = true;
    } else {
        put(&w->mem, p, n);
    }
    w->offset += n;
}

static void write_raw_block(table_writer *w, const buf *contents, uint64_t *handle_offset, uint64_t *handle_size) {
    *handle_offset = w->offset;
    *handle_size = contents->n;
    uint8_t trailer[BLOCK_TRAILER] = {0};
    uint32_t crc = tflc_crc32c_extend(0, contents->p, contents->n);
    crc = tflc_crc32c_mask(tflc_crc32c_extend(crc, trailer, 1));
    for (int i = 0; i < 4; i++) trailer[1 + i] = (uint8_t)(crc >> (8 * i));
    sink(w, contents->p, contents->n);
    sink(w, trailer, sizeof trailer);
}

static void write_block(table_writer *w, block_builder *bb, uint64_t *handle_offset, uint64_t *handle_size) {
    block_finish(bb);
    write_raw_block(w, &bb->data, handle_offset, handle_size);
    block_reset(bb);
}

static void flush_data_block(table_writer *w) {
    if (block_empty(&w->data)) return;
    write_block(w, &w->data, &w->pending_offset, &w->pending_size);
    w->pending = true;
}

static void add_index_entry(table_writer *w) {
    uint8_t handle[20];
    buf h = {handle, 0, sizeof handle, false};
    put_varint(&h, w->pending_offset);
    put_varint(&h, w->pending_size);
    block_add(&w->index, w->last_key.p, w->last_key.n, h.n);
    put(&w->index.data, handle, h.n);
    w->pending = false;
}

/* FindShortestSeparator(start = last key, limit = next key): a short key in [start, limit). */
static void shortest_separator(buf *start, const uint8_t *limit, size_t limit_len) {
    size_t min = start->n < limit_len ? start->n : limit_len, i = 0;
    while (i < min && start->p[i] == limit[i]) i++;
    if (i >= min) return; /* one is a prefix of the other */
    uint8_t c = start->p[i];
    if (c < 0xff && (unsigned)c + 1 < limit[i]) {
        start->p[i]++;
        start->n = i + 1;
    }
}

/* FindShortSuccessor: the first byte that is not 0xff, incremented; the rest dropped. */
static void short_successor(buf *key) {
    for (size_t i = 0; i < key->n; i++)
        if (key->p[i] != 0xff) {
            key->p[i]++;
            key->n = i + 1;
            return;
        }
}

/* Starts entry (key, value_len); the caller appends the value to w->data.data, then calls
 * table_end_entry. */
static void table_begin_entry(table_writer *w, const uint8_t *key, size_t key_len, size_t value_len) {
    if (w->pending) {
        shortest_separator(&w->last_key, key, key_len);
        add_index_entry(w);
    }
    w->last_key.n = 0;
    put(&w->last_key, key, key_len);
    block_add(&w->data, key, key_len, value_len);
}

static void table_end_entry(table_writer *w) {
    if (block_estimate(&w->data) >= BLOCK_SIZE) flush_data_block(w);
}

static void table_finish(table_writer *w) {
    flush_data_block(w);
    block_builder meta = {.interval = RESTART_INTERVAL};
    block_reset(&meta);
    uint64_t meta_offset, meta_size, index_offset, index_size;
    write_block(w, &meta, &meta_offset, &meta_size);
    w->oom |= meta.oom || meta.data.oom;
    block_free(&meta);
    if (w->pending) {
        short_successor(&w->last_key);
        add_index_entry(w);
    }
    write_block(w, &w->index, &index_offset, &index_size);
    uint8_t footer[FOOTER_SIZE] = {0};
    buf f = {footer, 0, sizeof footer, false};
    put_varint(&f, meta_offset);
    put_varint(&f, meta_size);
    put_varint(&f, index_offset);
    put_varint(&f, index_size);
    f.n = FOOTER_SIZE - 8;
    put_fixed64(&f, TABLE_MAGIC);
    sink(w, footer, sizeof footer);
}

static bool table_oom(const table_writer *w) {
    return w->oom || w->mem.oom || w->data.oom || w->data.data.oom || w->data.last_key.oom || w->index.oom ||
           w->index.data.oom || w->index.last_key.oom || w->last_key.oom;
}

/* ------------------------------------------------------ the Save op's file -- */

typedef struct sorted_entry {
    const tflc_ckpt_entry *e;
    uint8_t *key;             /* slice_key of the whole tensor */
    size_t key_len;
    size_t count;             /* elements */
    size_t tensor_proto;      /* bytes of the TensorProto */
    uint64_t payload;         /* bytes of its packed payload (numbers) */
} sorted_entry;

static int compare_bytes(const void *a, size_t na, const void *b, size_t nb) {
    size_t n = na < nb ? na : nb;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return na < nb ? -1 : na > nb;
}

static int by_name(const void *a, const void *b) {
    const tflc_ckpt_entry *x = ((const sorted_entry *)a)->e, *y = ((const sorted_entry *)b)->e;
    return compare_bytes(x->name, x->name_len, y->name, y->name_len);
}

static int by_key(const void *a, const void *b) {
    const sorted_entry *x = a, *y = b;
    return compare_bytes(x->key, x->key_len, y->key, y->key_len);
}

static size_t field_size(size_t payload) { return 1 + varint_len(payload) + payload; } /* one-byte tag */

/* TensorShapeProto { dim { size } * }: a Dim of size 0 is an empty message. */
static size_t shape_size(const tflc_ckpt_entry *e) {
    size_t n = 0;
    for (int d = 0; d < e->rank; d++) n += field_size(e->dims[d] ? 1 + varint_len((uint64_t)e->dims[d]) : 0);
    return n;
}

static void put_shape(buf *b, const tflc_ckpt_entry *e) {
    put_byte(b, 0x12); /* SavedSliceMeta.shape */
    put_varint(b, shape_size(e));
    for (int d = 0; d < e->rank; d++) {
        put_byte(b, 0x12); /* TensorShapeProto.dim */
        if (e->dims[d]) {
            put_varint(b, 1 + varint_len((uint64_t)e->dims[d]));
            put_byte(b, 0x08); /* Dim.size */
            put_varint(b, (uint64_t)e->dims[d]);
        } else {
            put_byte(b, 0);
        }
    }
}

/* A whole TensorSliceProto: one empty Extent per dimension. */
static void put_full_slice(buf *b, uint8_t tag, int rank) {
    put_byte(b, tag);
    put_varint(b, 2 * (uint64_t)rank);
    for (int d = 0; d < rank; d++) {
        put_byte(b, 0x0a);
        put_byte(b, 0x00);
    }
}

static size_t meta_tensor_size(const tflc_ckpt_entry *e) {
    size_t n = e->name_len ? field_size(e->name_len) : 0;
    n += field_size(shape_size(e));
    n += 1 + varint_len((uint64_t)tflc_tf_dtype_from_tflc(e->dtype));
    n += field_size(2 * (size_t)e->rank);
    return n;
}

/* SavedTensorSlices { meta { tensor* (by name), versions { producer: 1 } } } */
static void put_meta(buf *b, const sorted_entry *s, int n) {
    size_t meta = field_size(2); /* versions: 08 01 */
    for (int i = 0; i < n; i++) meta += field_size(meta_tensor_size(s[i].e));
    put_byte(b, 0x0a); /* SavedTensorSlices.meta */
    put_varint(b, meta);
    for (int i = 0; i < n; i++) {
        const tflc_ckpt_entry *e = s[i].e;
        put_byte(b, 0x0a); /* SavedTensorSliceMeta.tensor */
        put_varint(b, meta_tensor_size(e));
        if (e->name_len) {
            put_byte(b, 0x0a);
            put_varint(b, e->name_len);
            put(b, e->name, e->name_len);
        }
        put_shape(b, e);
        put_byte(b, 0x18); /* type */
        put_varint(b, (uint64_t)tflc_tf_dtype_from_tflc(e->dtype));
        put_full_slice(b, 0x22, e->rank);
    }
    put_byte(b, 0x12); /* versions */
    put_byte(b, 2);
    put_byte(b, 0x08); /* producer */
    put_byte(b, CHECKPOINT_VERSION);
}

static size_t saved_slice_size(const sorted_entry *s) {
    size_t n = s->e->name_len ? field_size(s->e->name_len) : 0;
    return n + field_size(2 * (size_t)s->e->rank) + field_size(s->tensor_proto);
}

/* SavedTensorSlices { data { name, slice, data: TensorProto { <values> } } } */
static void put_data(buf *b, const sorted_entry *s) {
    const tflc_ckpt_entry *e = s->e;
    value_field vf;
    value_field_of(e->dtype, &vf);
    put_byte(b, 0x12); /* SavedTensorSlices.data */
    put_varint(b, saved_slice_size(s));
    if (e->name_len) {
        put_byte(b, 0x0a);
        put_varint(b, e->name_len);
        put(b, e->name, e->name_len);
    }
    put_full_slice(b, 0x12, e->rank);
    put_byte(b, 0x1a); /* SavedSlice.data */
    put_varint(b, s->tensor_proto);
    if (e->dtype == TFLC_STRING) {
        const tflc_string_ref *str = e->data;
        for (size_t i = 0; i < s->count; i++) {
            put_byte(b, (uint8_t)(vf.number << 3 | TFLC_PB_BYTES));
            put_varint(b, str[i].size);
            put(b, str[i].data, str[i].size);
        }
        return;
    }
    if (s->count == 0) return;
    put_byte(b, (uint8_t)(vf.number << 3 | TFLC_PB_BYTES)); /* every value field number is < 16 */
    put_varint(b, s->payload);
    size_t comps = s->count * (size_t)vf.components;
    if (vf.wire == TFLC_PB_FIXED32 || vf.wire == TFLC_PB_FIXED64) {
        if (buf_reserve(b, (size_t)s->payload))
            for (size_t k = 0; k < comps; k++) {
                uint64_t v = component_bits(e->dtype, e->data, k);
                if (vf.wire == TFLC_PB_FIXED32) put_fixed32(b, (uint32_t)v);
                else put_fixed64(b, v);
            }
    } else {
        for (size_t k = 0; k < comps; k++) put_varint(b, component_bits(e->dtype, e->data, k));
    }
}

/* Checks one entry and sizes its data record (TensorSliceWriter::Add / SaveData). */
static tflc_status size_entry(sorted_entry *s, char *err, size_t errlen) {
    const tflc_ckpt_entry *e = s->e;
    char nm[SHOWN_SIZE];
    value_field vf;
    if (e->dtype == TFLC_UINT32 || e->dtype == TFLC_UINT64)
        return ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED,
                       "Tensor slice serialization not implemented for dtype %d (tensor '%s')",
                       tflc_tf_dtype_from_tflc(e->dtype), shown(e->name, e->name_len, nm, sizeof nm));
    if (!value_field_of(e->dtype, &vf) || tflc_tf_dtype_from_tflc(e->dtype) == 0)
        return ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED, "Saving data type %s not yet supported (tensor '%s')",
                       tflc_dtype_name(e->dtype), shown(e->name, e->name_len, nm, sizeof nm));
    if (e->rank < 0 || e->rank > TFLC_MAX_RANK || (e->rank && !e->dims) || (!e->data && e->rank == 0))
        return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s': invalid shape",
                       shown(e->name, e->name_len, nm, sizeof nm));
    s->count = 1;
    for (int d = 0; d < e->rank; d++) {
        if (e->dims[d] < 0)
            return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s': negative dimension",
                           shown(e->name, e->name_len, nm, sizeof nm));
        if (e->dims[d] && s->count > SIZE_MAX / 16 / (size_t)e->dims[d])
            return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s' is too large",
                           shown(e->name, e->name_len, nm, sizeof nm));
        s->count *= (size_t)e->dims[d];
    }
    if (s->count && !e->data)
        return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s' has no data",
                       shown(e->name, e->name_len, nm, sizeof nm));
    size_t head = (e->name_len ? field_size(e->name_len) : 0) + field_size(2 * (size_t)e->rank);
    uint64_t bound = head + TENSOR_PROTO_HEADER + (uint64_t)vf.max_bytes * s->count;
    uint64_t proto = 0;
    if (e->dtype == TFLC_STRING) {
        const tflc_string_ref *str = e->data;
        for (size_t i = 0; i < s->count; i++) {
            bound += str[i].size;
            proto += field_size(str[i].size);
        }
    } else {
        s->payload = packed_size(&vf, e->dtype, e->data, s->count);
        proto = s->count ? field_size((size_t)s->payload) : 0;
    }
    if (bound > MAX_MESSAGE_BYTES)
        return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT,
                       "Tensor slice is too large to serialize (conservative estimate: %llu bytes)",
                       (unsigned long long)bound);
    s->tensor_proto = (size_t)proto;
    buf key = {0};
    slice_key(&key, e->name, e->name_len, e->rank, NULL, NULL);
    if (key.oom) return ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    s->key = key.p;
    s->key_len = key.n;
    return TFLC_OK;
}

static void free_sorted(sorted_entry *s, int n) {
    if (!s) return;
    for (int i = 0; i < n; i++) free(s[i].key);
    free(s);
}

/* Builds the table into w (a file or memory). */
static tflc_status encode_table(table_writer *w, const tflc_ckpt_entry *entries, int n, char *err, size_t errlen) {
    if (n < 0 || (n && !entries)) return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "no tensors given");
    sorted_entry *s = calloc((size_t)(n ? n : 1), sizeof *s);
    if (!s) return ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    tflc_status st = TFLC_OK;
    for (int i = 0; st == TFLC_OK && i < n; i++) {
        s[i].e = &entries[i];
        st = size_entry(&s[i], err, errlen);
    }
    if (st != TFLC_OK) {
        free_sorted(s, n);
        return st;
    }
    /* SaveTensors adds tensors in name order; the writer then emits "" and the records in key order. */
    qsort(s, (size_t)n, sizeof *s, by_name);
    for (int i = 1; i < n; i++)
        if (compare_bytes(s[i - 1].e->name, s[i - 1].e->name_len, s[i].e->name, s[i].e->name_len) == 0) {
            char nm[SHOWN_SIZE];
            st = ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "tensor name '%s' is given twice",
                         shown(s[i].e->name, s[i].e->name_len, nm, sizeof nm));
            free_sorted(s, n);
            return st;
        }
    w->data.interval = RESTART_INTERVAL;
    w->index.interval = 1;
    block_reset(&w->data);
    block_reset(&w->index);

    buf meta = {0};
    put_meta(&meta, s, n);
    if (!meta.oom) {
        table_begin_entry(w, (const uint8_t *)"", 0, meta.n);
        put(&w->data.data, meta.p, meta.n);
        table_end_entry(w);
    }
    free(meta.p);
    if (meta.oom) st = ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");

    qsort(s, (size_t)n, sizeof *s, by_key);
    for (int i = 0; st == TFLC_OK && i < n && !table_oom(w) && !w->io_error; i++) {
        size_t value = field_size(saved_slice_size(&s[i]));
        table_begin_entry(w, s[i].key, s[i].key_len, value);
        put_data(&w->data.data, &s[i]);
        table_end_entry(w);
    }
    if (st == TFLC_OK) table_finish(w);
    free_sorted(s, n);
    if (st == TFLC_OK && table_oom(w)) st = ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    return st;
}

static void free_writer(table_writer *w) {
    block_free(&w->data);
    block_free(&w->index);
    free(w->last_key.p);
}

tflc_status tflc_ckpt_encode(const tflc_ckpt_entry *entries, int n, uint8_t **out, size_t *size, char *err,
                             size_t errlen) {
    if (!out || !size) return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "NULL output");
    *out = NULL;
    *size = 0;
    table_writer w = {0};
    tflc_status s = encode_table(&w, entries, n, err, errlen);
    free_writer(&w);
    if (s != TFLC_OK) {
        free(w.mem.p);
        return s;
    }
    *out = w.mem.p;
    *size = w.mem.n;
    return TFLC_OK;
}

/* TensorSliceWriter writes to filename + ".tempstate" + a random number, then renames. */
static uint64_t temp_suffix(void) {
    static atomic_uint_fast64_t counter;
    uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)&counter ^
                 (uint64_t)atomic_fetch_add(&counter, 1) * 0x9e3779b97f4a7c15ull;
    x ^= x >> 30; /* splitmix64's finalizer */
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

tflc_status tflc_ckpt_save(const char *path, const tflc_ckpt_entry *entries, int n, char *err, size_t errlen) {
    if (!path || !*path) return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "empty checkpoint path");
    size_t len = strlen(path) + sizeof ".tempstate" + 20;
    char *tmp = malloc(len);
    if (!tmp) return ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    snprintf(tmp, len, "%s.tempstate%llu", path, (unsigned long long)temp_suffix());
    FILE *fp = fopen(tmp, "wb");
    if (!fp) {
        tflc_status s = ck_fail(err, errlen, TFLC_ERROR_IO, "cannot create checkpoint file '%s': %s", tmp,
                                strerror(errno));
        free(tmp);
        return s;
    }
    table_writer w = {.fp = fp};
    tflc_status s = encode_table(&w, entries, n, err, errlen);
    free_writer(&w);
    int saved_errno = errno;
    bool io_error = w.io_error || ferror(fp);
    if (fclose(fp) != 0 && !io_error) {
        io_error = true;
        saved_errno = errno;
    }
    if (s == TFLC_OK && io_error)
        s = ck_fail(err, errlen, TFLC_ERROR_IO, "cannot write checkpoint file '%s': %s", tmp, strerror(saved_errno));
    if (s == TFLC_OK && rename(tmp, path) != 0)
        s = ck_fail(err, errlen, TFLC_ERROR_IO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    if (s != TFLC_OK) remove(tmp);
    free(tmp);
    return s;
}

/* ================================================================ reading == */

typedef struct ckpt_file {
    char *path;               /* for messages */
    int fd;                   /* -1: reading from mem */
    const uint8_t *mem;
    uint64_t size;
    uint8_t *index;           /* the index block's verified contents */
    size_t index_size;
    uint8_t *meta_block;      /* the data block holding the "" record */
    const uint8_t *meta;      /* SavedTensorSliceMeta, inside meta_block */
    size_t meta_size;
} ckpt_file;

struct tflc_ckpt_reader {
    char *pattern;            /* as opened, for messages */
    ckpt_file *files;
    int n_files;
};

static tflc_status read_at(const ckpt_file *f, uint64_t offset, void *dst, size_t n, char *err, size_t errlen) {
    if (!f->mem) {
        size_t done = 0;
        while (done < n) {
            ssize_t got = pread(f->fd, (uint8_t *)dst + done, n - done, (off_t)(offset + done));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0)
                return ck_fail(err, errlen, TFLC_ERROR_IO, "cannot read checkpoint file %s: %s", f->path,
                               got < 0 ? strerror(errno) : "unexpected end of file");
            done += (size_t)got;
        }
        return TFLC_OK;
    }
    memcpy(dst, f->mem + offset, n);
    return TFLC_OK;
}

/* Reads block (offset, size), checks its trailer: no compression and the CRC32C of
 * contents + type byte. *out (malloc'ed) holds `size` bytes of contents. */
static tflc_status read_block(const ckpt_file *f, uint64_t offset, uint64_t size, uint8_t **out, char *err,
                              size_t errlen) {
    *out = NULL;
    if (size > f->size || offset > f->size - size || f->size - size - offset < BLOCK_TRAILER)
        return ck_fail(err, errlen, TFLC_ERROR_RUNTIME,
                       "checkpoint %s is corrupt: block (offset %llu, size %llu) lies outside the %llu-byte file",
                       f->path, (unsigned long long)offset, (unsigned long long)size, (unsigned long long)f->size);
    uint8_t *p = malloc((size_t)size + BLOCK_TRAILER);
    if (!p) return ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory reading checkpoint %s", f->path);
    tflc_status s = read_at(f, offset, p, (size_t)size + BLOCK_TRAILER, err, errlen);
    if (s != TFLC_OK) {
        free(p);
        return s;
    }
    uint8_t type = p[size];
    uint32_t want = get_fixed32(p + size + 1);
    uint32_t got = tflc_crc32c_mask(tflc_crc32c_extend(tflc_crc32c_extend(0, p, (size_t)size), &type, 1));
    if (got != want)
        s = ck_fail(err, errlen, TFLC_ERROR_RUNTIME,
                    "checkpoint %s is corrupt: block checksum mismatch (block at offset %llu)", f->path,
                    (unsigned long long)offset);
    else if (type == 1)
        s = ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED,
                    "checkpoint %s has a snappy-compressed block, which tflc does not read", f->path);
    else if (type != 0)
        s = ck_fail(err, errlen, TFLC_ERROR_RUNTIME, "checkpoint %s is corrupt: bad block type %u", f->path, type);
    if (s != TFLC_OK) {
        free(p);
        return s;
    }
    *out = p;
    return TFLC_OK;
}

/* ------------------------------------------------------------- block walk -- */

typedef struct block_iter {
    const uint8_t *p;
    size_t end;               /* start of the restart array */
    size_t pos;
    buf key;                  /* the current entry's key */
    const uint8_t *value;
    size_t value_len;
} block_iter;

static bool block_open(block_iter *it, const uint8_t *p, size_t size) {
    memset(it, 0, sizeof *it);
    if (size < 4) return false;
    uint32_t restarts = get_fixed32(p + size - 4);
    if (restarts > (size - 4) / 4) return false;
    it->p = p;
    it->end = size - 4 - 4 * (size_t)restarts;
    return true;
}

/* 1: the next entry is in it->key / value; 0: no more; -1: malformed; -2: out of memory. */
static int block_next(block_iter *it) {
    if (it->pos >= it->end) return 0;
    const uint8_t *q = it->p + it->pos, *end = it->p + it->end;
    uint64_t shared, non_shared, value_len;
    if (!get_varint(&q, end, &shared) || !get_varint(&q, end, &non_shared) || !get_varint(&q, end, &value_len))
        return -1;
    size_t left = (size_t)(end - q);
    if (shared > it->key.n || non_shared > left || value_len > left - non_shared) return -1;
    it->key.n = (size_t)shared;
    put(&it->key, q, (size_t)non_shared);
    if (it->key.oom) return -2;
    it->value = q + non_shared;
    it->value_len = (size_t)value_len;
    it->pos = (size_t)(it->value + value_len - it->p);
    return 1;
}

static tflc_status walk_fail(const ckpt_file *f, int r, const char *what, char *err, size_t errlen) {
    if (r == -2) return ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory reading checkpoint %s", f->path);
    return ck_fail(err, errlen, TFLC_ERROR_RUNTIME, "checkpoint %s is corrupt: malformed %s", f->path, what);
}

/* A BlockHandle: two varints. */
static bool decode_handle(const uint8_t **p, const uint8_t *end, uint64_t *offset, uint64_t *size) {
    return get_varint(p, end, offset) && get_varint(p, end, size);
}

/* Looks key up. TFLC_OK: *block (free it) holds the record, *value points into it;
 * NOT_FOUND (no message): no such key; other statuses: the file is bad. */
static tflc_status table_get(const ckpt_file *f, const uint8_t *key, size_t key_len, uint8_t **block,
                             const uint8_t **value, size_t *value_len, char *err, size_t errlen) {
    *block = NULL;
    block_iter ix;
    block_open(&ix, f->index, f->index_size); /* checked when the file was opened */
    int r;
    while ((r = block_next(&ix)) == 1 && compare_bytes(ix.key.p, ix.key.n, key, key_len) < 0) {}
    free(ix.key.p);
    if (r == 0) return TFLC_ERROR_NOT_FOUND; /* past the last block */
    if (r < 0) return walk_fail(f, r, "index block", err, errlen);
    const uint8_t *h = ix.value;
    uint64_t offset, size;
    if (!decode_handle(&h, ix.value + ix.value_len, &offset, &size))
        return walk_fail(f, -1, "block handle in the index", err, errlen);
    uint8_t *p;
    tflc_status s = read_block(f, offset, size, &p, err, errlen);
    if (s != TFLC_OK) return s;
    block_iter it;
    if (!block_open(&it, p, (size_t)size)) {
        free(p);
        return walk_fail(f, -1, "data block", err, errlen);
    }
    int c = 1;
    while ((r = block_next(&it)) == 1 && (c = compare_bytes(it.key.p, it.key.n, key, key_len)) < 0) {}
    free(it.key.p);
    if (r < 0) {
        free(p);
        return walk_fail(f, r, "data block", err, errlen);
    }
    if (r == 0 || c != 0) {
        free(p);
        return TFLC_ERROR_NOT_FOUND;
    }
    *block = p;
    *value = it.value;
    *value_len = it.value_len;
    return TFLC_OK;
}

/* ------------------------------------------------------------- protobufs -- */

/* The last occurrence of length-delimited field `number` in a message (false if none or
 * malformed: *bad is set then). */
static bool message_field(const uint8_t *p, size_t n, uint32_t number, const uint8_t **data, size_t *size,
                          bool *bad) {
    tflc_pb_reader r = tflc_pb_reader_init(p, n);
    tflc_pb_field f;
    bool found = false;
    int got;
    while ((got = tflc_pb_next(&r, &f)) == 1)
        if (f.number == number && f.wire == TFLC_PB_BYTES) {
            *data = f.data;
            *size = f.size;
            found = true;
        }
    if (got < 0) *bad = true;
    return found && got == 0;
}

/* CheckVersions(versions, TF_CHECKPOINT_VERSION, TF_CHECKPOINT_VERSION_MIN_PRODUCER). */
static tflc_status check_versions(const ckpt_file *f, char *err, size_t errlen) {
    const uint8_t *v = NULL;
    size_t n = 0;
    bool bad = false;
    message_field(f->meta, f->meta_size, 2, &v, &n, &bad);
    int64_t producer = 0, min_consumer = 0;
    tflc_pb_reader r = tflc_pb_reader_init(v, n);
    tflc_pb_field fd;
    int got;
    while (!bad && (got = tflc_pb_next(&r, &fd)) != 0) {
        if (got < 0) {
            bad = true;
            break;
        }
        if (fd.number == 1 && fd.wire == TFLC_PB_VARINT) producer = (int32_t)fd.value;
        if (fd.number == 2 && fd.wire == TFLC_PB_VARINT) min_consumer = (int32_t)fd.value;
        if (fd.number == 3 && fd.wire == TFLC_PB_VARINT && (int32_t)fd.value == CHECKPOINT_VERSION)
            return ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED,
                           "Checkpoint disallows consumer version %d (file %s)", CHECKPOINT_VERSION, f->path);
        if (fd.number == 3 && fd.wire == TFLC_PB_BYTES) {
            const uint8_t *q = fd.data, *end = fd.data + fd.size;
            uint64_t c;
            while (q < end) {
                if (!get_varint(&q, end, &c)) {
                    bad = true;
                    break;
                }
                if ((int32_t)c == CHECKPOINT_VERSION)
                    return ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED,
                                   "Checkpoint disallows consumer version %d (file %s)", CHECKPOINT_VERSION, f->path);
            }
        }
    }
    if (bad) return walk_fail(f, -1, "checkpoint metadata (versions)", err, errlen);
    if (producer < CHECKPOINT_MIN_PRODUCER)
        return ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED, "Checkpoint producer version %lld below min producer %d (file %s)",
                       (long long)producer, CHECKPOINT_MIN_PRODUCER, f->path);
    if (min_consumer > CHECKPOINT_VERSION)
        return ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED,
                       "Checkpoint min consumer version %lld above current version %d (file %s)",
                       (long long)min_consumer, CHECKPOINT_VERSION, f->path);
    return TFLC_OK;
}

/* ------------------------------------------------------------ open / close -- */

static void close_file(ckpt_file *f) {
    if (f->fd >= 0) close(f->fd);
    free(f->path);
    free(f->index);
    free(f->meta_block);
}

/* Footer, index block, the "" record and its versions. */
static tflc_status load_file(ckpt_file *f, char *err, size_t errlen) {
    if (f->size < FOOTER_SIZE)
        return ck_fail(err, errlen, TFLC_ERROR_RUNTIME,
                       "%s is too short (%llu bytes) to be a TensorFlow checkpoint (a table needs a %d-byte footer)",
                       f->path, (unsigned long long)f->size, FOOTER_SIZE);
    uint8_t footer[FOOTER_SIZE];
    tflc_status s = read_at(f, f->size - FOOTER_SIZE, footer, FOOTER_SIZE, err, errlen);
    if (s != TFLC_OK) return s;
    if (get_fixed64(footer + FOOTER_SIZE - 8) != TABLE_MAGIC)
        return ck_fail(err, errlen, TFLC_ERROR_RUNTIME,
                       "%s is not a TensorFlow V1 checkpoint (not an sstable, bad magic number): perhaps your file is "
                       "in a different file format and you need to use a different restore operator?",
                       f->path);
    const uint8_t *q = footer, *end = footer + FOOTER_SIZE - 8;
    uint64_t meta_offset, meta_size, index_offset, index_size;
    if (!decode_handle(&q, end, &meta_offset, &meta_size) || !decode_handle(&q, end, &index_offset, &index_size))
        return walk_fail(f, -1, "footer", err, errlen);
    /* The metaindex block (empty in TensorFlow's files) is checked too, though nothing is
     * read from it: a damaged byte anywhere but the footer's padding is an error. */
    uint8_t *meta_index = NULL;
    s = read_block(f, meta_offset, meta_size, &meta_index, err, errlen);
    block_iter mi;
    bool meta_index_ok = s == TFLC_OK && block_open(&mi, meta_index, (size_t)meta_size);
    free(meta_index);
    if (s != TFLC_OK) return s;
    if (!meta_index_ok) return walk_fail(f, -1, "metaindex block", err, errlen);
    s = read_block(f, index_offset, index_size, &f->index, err, errlen);
    if (s != TFLC_OK) return s;
    f->index_size = (size_t)index_size;
    block_iter it;
    if (!block_open(&it, f->index, f->index_size)) return walk_fail(f, -1, "index block", err, errlen);
    const uint8_t *value = NULL;
    size_t value_len = 0;
    s = table_get(f, (const uint8_t *)"", 0, &f->meta_block, &value, &value_len, err, errlen);
    if (s == TFLC_ERROR_NOT_FOUND)
        return ck_fail(err, errlen, TFLC_ERROR_RUNTIME,
                       "Failed to find the saved tensor slices at the beginning of the checkpoint file: %s", f->path);
    if (s != TFLC_OK) return s;
    bool bad = false;
    if (!message_field(value, value_len, 1, &f->meta, &f->meta_size, &bad))
        return walk_fail(f, -1, "checkpoint metadata (SavedTensorSlices)", err, errlen);
    return check_versions(f, err, errlen);
}

tflc_status tflc_ckpt_open_buffer(const void *data, size_t size, tflc_ckpt_reader **out, char *err,
                                  size_t errlen) {
    if (!out) return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "NULL output");
    *out = NULL;
    if (!data && size) return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "NULL data");
    tflc_ckpt_reader *r = calloc(1, sizeof *r);
    ckpt_file *f = calloc(1, sizeof *f);
    char *path = strdup("<buffer>");
    char *pattern = strdup("<buffer>");
    if (!r || !f || !path || !pattern) {
        free(r);
        free(f);
        free(path);
        free(pattern);
        return ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    r->pattern = pattern;
    *f = (ckpt_file){.path = path, .fd = -1, .mem = data ? data : (const uint8_t *)"", .size = size};
    r->files = f;
    r->n_files = 1;
    tflc_status s = load_file(f, err, errlen);
    if (s != TFLC_OK) {
        tflc_ckpt_close(r);
        return s;
    }
    *out = r;
    return TFLC_OK;
}

static tflc_status open_path(ckpt_file *f, const char *path, char *err, size_t errlen) {
    f->fd = -1;
    f->path = strdup(path);
    if (!f->path) return ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0)
        return ck_fail(err, errlen, TFLC_ERROR_IO, "Unable to open table file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return ck_fail(err, errlen, TFLC_ERROR_IO, "Unable to open table file %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return ck_fail(err, errlen, TFLC_ERROR_IO, "Unable to open table file %s: not a regular file", path);
    f->size = (uint64_t)st.st_size;
    return load_file(f, err, errlen);
}

tflc_status tflc_ckpt_open(const char *pattern, tflc_ckpt_reader **out, char *err, size_t errlen) {
    if (!out) return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "NULL output");
    *out = NULL;
    if (!pattern || !*pattern) return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "empty checkpoint path");
    glob_t g;
    int gr = glob(pattern, 0, NULL, &g);
    if (gr == GLOB_NOMATCH || (gr == 0 && g.gl_pathc == 0)) {
        if (gr == 0) globfree(&g);
        return ck_fail(err, errlen, TFLC_ERROR_NOT_FOUND,
                       "Unsuccessful TensorSliceReader constructor: Failed to find any matching files for %s", pattern);
    }
    if (gr != 0)
        return ck_fail(err, errlen, gr == GLOB_NOSPACE ? TFLC_ERROR_OUT_OF_MEMORY : TFLC_ERROR_IO,
                       "Unsuccessful TensorSliceReader constructor: Failed to get matching files on %s", pattern);
    tflc_status s = TFLC_OK;
    tflc_ckpt_reader *r = calloc(1, sizeof *r);
    if (r && g.gl_pathc <= (size_t)INT32_MAX) r->files = calloc(g.gl_pathc, sizeof *r->files);
    if (r) r->pattern = strdup(pattern);
    if (!r || !r->files || !r->pattern) s = ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; s == TFLC_OK && i < g.gl_pathc; i++) {
        r->n_files++;
        s = open_path(&r->files[i], g.gl_pathv[i], err, errlen);
    }
    globfree(&g);
    if (s != TFLC_OK) {
        tflc_ckpt_close(r);
        return s;
    }
    *out = r;
    return TFLC_OK;
}

void tflc_ckpt_close(tflc_ckpt_reader *reader) {
    if (!reader) return;
    for (int i = 0; i < reader->n_files; i++) close_file(&reader->files[i]);
    free(reader->files);
    free(reader->pattern);
    free(reader);
}

/* ---------------------------------------------------------- finding tensors -- */

typedef struct slice_ref {
    int file;
    bool full[TFLC_MAX_RANK];         /* Extent without a length: the whole dimension */
    int64_t start[TFLC_MAX_RANK];
    int64_t length[TFLC_MAX_RANK];    /* as stored: -1 for a whole dimension */
    size_t count;
} slice_ref;

typedef struct tensor_ref {
    tflc_ckpt_info info;
    int n_metas;                      /* SavedSliceMeta entries seen for it */
    slice_ref *slices;
    int n_slices, cap_slices;
} tensor_ref;

static tflc_status corrupt_tensor(const ckpt_file *f, const char *name, size_t len, const char *what, char *err,
                                  size_t errlen) {
    char nm[SHOWN_SIZE];
    return ck_fail(err, errlen, TFLC_ERROR_RUNTIME, "checkpoint %s is corrupt: tensor '%s': %s", f->path,
                   shown(name, len, nm, sizeof nm), what);
}

/* TensorShapeProto -> rank, dims; false when malformed, unknown or negative. */
static bool parse_shape(const uint8_t *p, size_t n, int *rank, int64_t *dims, bool *too_big) {
    tflc_pb_reader r = tflc_pb_reader_init(p, n);
    tflc_pb_field f;
    int got;
    *rank = 0;
    while ((got = tflc_pb_next(&r, &f)) == 1) {
        if (f.number == 3 && f.wire == TFLC_PB_VARINT && f.value) return false; /* unknown_rank */
        if (f.number != 2 || f.wire != TFLC_PB_BYTES) continue;
        int64_t size = 0;
        tflc_pb_reader d = tflc_pb_reader_init(f.data, f.size);
        tflc_pb_field df;
        int dg;
        while ((dg = tflc_pb_next(&d, &df)) == 1)
            if (df.number == 1 && df.wire == TFLC_PB_VARINT) size = (int64_t)df.value;
        if (dg < 0 || size < 0) return false;
        if (*rank == TFLC_MAX_RANK || size > INT32_MAX) {
            *too_big = true;
            return false;
        }
        dims[(*rank)++] = size;
    }
    return got == 0;
}

/* TensorSliceProto -> s (checked against the shape). */
static bool parse_slice(const uint8_t *p, size_t n, const tflc_ckpt_info *info, slice_ref *s) {
    tflc_pb_reader r = tflc_pb_reader_init(p, n);
    tflc_pb_field f;
    int got, d = 0;
    s->count = 1;
    while ((got = tflc_pb_next(&r, &f)) == 1) {
        if (f.number != 1 || f.wire != TFLC_PB_BYTES) continue;
        if (d == info->rank) return false;
        int64_t start = 0, length = -1;
        bool has_length = false;
        tflc_pb_reader e = tflc_pb_reader_init(f.data, f.size);
        tflc_pb_field ef;
        int eg;
        while ((eg = tflc_pb_next(&e, &ef)) == 1) {
            if (ef.number == 1 && ef.wire == TFLC_PB_VARINT) start = (int64_t)ef.value;
            if (ef.number == 2 && ef.wire == TFLC_PB_VARINT) {
                length = (int64_t)ef.value;
                has_length = true;
            }
        }
        if (eg < 0 || start < 0 || start > info->dims[d]) return false;
        if (has_length && (length < 0 || length > info->dims[d] - start)) return false;
        if (!has_length && start != 0) return false;
        s->full[d] = !has_length;
        s->start[d] = start;
        s->length[d] = has_length ? length : -1;
        s->count *= (size_t)(has_length ? length : info->dims[d]);
        d++;
    }
    return got == 0 && d == info->rank;
}

static bool slices_overlap(const slice_ref *a, const slice_ref *b, const tflc_ckpt_info *info) {
    for (int d = 0; d < info->rank; d++) {
        int64_t a0 = a->start[d], a1 = a->full[d] ? info->dims[d] : a0 + a->length[d];
        int64_t b0 = b->start[d], b1 = b->full[d] ? info->dims[d] : b0 + b->length[d];
        if (a1 <= b0 || b1 <= a0) return false;
    }
    return true;
}

/* One SavedSliceMeta of file `fi` for tensor `name`: shape and type must agree with earlier
 * ones; its slices are appended to t. */
static tflc_status add_meta(tensor_ref *t, const ckpt_file *f, int fi, const uint8_t *p, size_t n, const char *name,
                            size_t len, char *err, size_t errlen) {
    tflc_pb_reader r = tflc_pb_reader_init(p, n);
    tflc_pb_field fd;
    int got, rank = 0;
    int64_t dims[TFLC_MAX_RANK] = {0}, type = 0;
    bool too_big = false;
    while ((got = tflc_pb_next(&r, &fd)) == 1) {
        if (fd.number == 2 && fd.wire == TFLC_PB_BYTES && !parse_shape(fd.data, fd.size, &rank, dims, &too_big)) {
            if (too_big) {
                char nm[SHOWN_SIZE];
                return ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED,
                               "checkpoint %s: tensor '%s' has a rank over %d or a dimension over 2^31-1", f->path,
                               shown(name, len, nm, sizeof nm), TFLC_MAX_RANK);
            }
            return corrupt_tensor(f, name, len, "invalid shape", err, errlen);
        }
        if (fd.number == 3 && fd.wire == TFLC_PB_VARINT) type = (int32_t)fd.value;
    }
    if (got < 0) return corrupt_tensor(f, name, len, "malformed SavedSliceMeta", err, errlen);
    tflc_ckpt_info *info = &t->info;
    if (t->n_metas++ == 0) {
        info->tf_dtype = (int)type;
        info->rank = rank;
        info->count = 1;
        for (int d = 0; d < rank; d++) {
            info->dims[d] = (int32_t)dims[d];
            if (dims[d] && info->count > SIZE_MAX / 16 / (size_t)dims[d])
                return corrupt_tensor(f, name, len, "too many elements", err, errlen);
            info->count *= (size_t)dims[d];
        }
        value_field vf;
        if (!tflc_tf_dtype_to_tflc((int)type, &info->dtype) || !value_field_of(info->dtype, &vf)) {
            char nm[SHOWN_SIZE];
            return ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED,
                           "checkpoint %s: tensor '%s' has dtype %s (%lld), which tflc cannot restore", f->path,
                           shown(name, len, nm, sizeof nm), tflc_tf_dtype_name((int)type), (long long)type);
        }
    } else {
        bool same = info->tf_dtype == type && info->rank == rank;
        for (int d = 0; same && d < rank; d++) same = info->dims[d] == dims[d];
        if (!same) return corrupt_tensor(f, name, len, "its entries disagree on shape or type", err, errlen);
    }
    r = tflc_pb_reader_init(p, n);
    while (tflc_pb_next(&r, &fd) == 1) {
        if (fd.number != 4 || fd.wire != TFLC_PB_BYTES) continue;
        if (t->n_slices == MAX_SLICES) {
            char nm[SHOWN_SIZE];
            return ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED, "checkpoint %s: tensor '%s' has more than %d slices",
                           f->path, shown(name, len, nm, sizeof nm), MAX_SLICES);
        }
        if (t->n_slices == t->cap_slices) {
            int cap = t->cap_slices ? 2 * t->cap_slices : 4;
            slice_ref *s = realloc(t->slices, (size_t)cap * sizeof *s);
            if (!s) return ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
            t->slices = s;
            t->cap_slices = cap;
        }
        slice_ref *s = &t->slices[t->n_slices];
        memset(s, 0, sizeof *s);
        s->file = fi;
        if (!parse_slice(fd.data, fd.size, info, s))
            return corrupt_tensor(f, name, len, "a slice does not fit its shape", err, errlen);
        for (int k = 0; k < t->n_slices; k++)
            if (slices_overlap(&t->slices[k], s, info))
                return corrupt_tensor(f, name, len, "overlapping slices", err, errlen);
        t->n_slices++;
    }
    return TFLC_OK;
}

/* Every file's SavedSliceMeta entries for `name`. */
static tflc_status find_tensor(tflc_ckpt_reader *reader, const char *name, size_t len, tensor_ref *t, char *err,
                               size_t errlen) {
    memset(t, 0, sizeof *t);
    for (int fi = 0; fi < reader->n_files; fi++) {
        const ckpt_file *f = &reader->files[fi];
        tflc_pb_reader r = tflc_pb_reader_init(f->meta, f->meta_size);
        tflc_pb_field fd;
        int got;
        while ((got = tflc_pb_next(&r, &fd)) == 1) {
            if (fd.number != 1 || fd.wire != TFLC_PB_BYTES) continue;
            const uint8_t *nm = (const uint8_t *)"";
            size_t nm_len = 0;
            bool bad = false;
            message_field(fd.data, fd.size, 1, &nm, &nm_len, &bad);
            if (bad) return walk_fail(f, -1, "checkpoint metadata (SavedSliceMeta)", err, errlen);
            if (compare_bytes(nm, nm_len, name, len) != 0) continue;
            tflc_status s = add_meta(t, f, fi, fd.data, fd.size, name, len, err, errlen);
            if (s != TFLC_OK) return s;
        }
        if (got < 0) return walk_fail(f, -1, "checkpoint metadata (SavedTensorSliceMeta)", err, errlen);
    }
    char nm[SHOWN_SIZE];
    if (t->n_metas == 0)
        return ck_fail(err, errlen, TFLC_ERROR_NOT_FOUND, "Tensor name \"%s\" not found in checkpoint files %s",
                       shown(name, len, nm, sizeof nm), reader->pattern);
    size_t covered = 0;
    for (int k = 0; k < t->n_slices; k++) covered += t->slices[k].count;
    if (covered != t->info.count)
        return ck_fail(err, errlen, TFLC_ERROR_RUNTIME,
                       "checkpoint %s: the slices of tensor '%s' cover %zu of its %zu elements",
                       reader->pattern, shown(name, len, nm, sizeof nm), covered, t->info.count);
    t->info.n_slices = t->n_slices;
    return TFLC_OK;
}

tflc_status tflc_ckpt_find(tflc_ckpt_reader *reader, const char *name, size_t name_len, tflc_ckpt_info *info,
                           char *err, size_t errlen) {
    if (!reader || !info || (!name && name_len))
        return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "NULL argument");
    tensor_ref t;
    tflc_status s = find_tensor(reader, name ? name : "", name_len, &t, err, errlen);
    if (s == TFLC_OK) *info = t.info;
    free(t.slices);
    return s;
}

/* ------------------------------------------------------------ reading data -- */

/* The TensorProto of slice `s` of tensor `name`; *block (free it) holds it. */
static tflc_status slice_data(tflc_ckpt_reader *reader, const char *name, size_t len, const tensor_ref *t,
                              const slice_ref *s, uint8_t **block, const uint8_t **tp, size_t *tp_len, char *err,
                              size_t errlen) {
    const ckpt_file *f = &reader->files[s->file];
    buf key = {0};
    slice_key(&key, name, len, t->info.rank, s->start, s->length);
    if (key.oom) return ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    const uint8_t *value = NULL;
    size_t value_len = 0;
    tflc_status st = table_get(f, key.p, key.n, block, &value, &value_len, err, errlen);
    free(key.p);
    if (st == TFLC_ERROR_NOT_FOUND) return corrupt_tensor(f, name, len, "the record of a slice is missing", err, errlen);
    if (st != TFLC_OK) return st;
    const uint8_t *slice = NULL;
    size_t slice_len = 0;
    bool bad = false;
    *tp = (const uint8_t *)"";
    *tp_len = 0;
    if (!message_field(value, value_len, 2, &slice, &slice_len, &bad) ||
        (!message_field(slice, slice_len, 3, tp, tp_len, &bad) && bad)) {
        free(*block);
        *block = NULL;
        return corrupt_tensor(f, name, len, "malformed SavedSlice record", err, errlen);
    }
    return TFLC_OK;
}

/* Decodes the dtype's value field of TensorProto tp into dst (count elements). */
static tflc_status decode_values(const ckpt_file *f, const char *name, size_t len, const uint8_t *tp, size_t tp_len,
                                 tflc_dtype dtype, void *dst, size_t count, char *err, size_t errlen) {
    value_field vf;
    value_field_of(dtype, &vf);
    size_t want = count * (size_t)vf.components, k = 0;
    tflc_pb_reader r = tflc_pb_reader_init(tp, tp_len);
    tflc_pb_field fd;
    int got;
    while ((got = tflc_pb_next(&r, &fd)) == 1) {
        if (fd.number != vf.number) continue;
        if (fd.wire == vf.wire) {
            if (k == want) {
                k++;
                break;
            }
            store_component(dtype, dst, k++, fd.value);
            continue;
        }
        if (fd.wire != TFLC_PB_BYTES) return corrupt_tensor(f, name, len, "value field of the wrong wire type", err, errlen);
        const uint8_t *q = fd.data, *end = fd.data + fd.size;
        while (q < end && k <= want) {
            uint64_t v;
            if (vf.wire == TFLC_PB_VARINT) {
                if (!get_varint(&q, end, &v)) return corrupt_tensor(f, name, len, "truncated packed values", err, errlen);
            } else {
                size_t w = vf.wire == TFLC_PB_FIXED32 ? 4 : 8;
                if ((size_t)(end - q) < w) return corrupt_tensor(f, name, len, "truncated packed values", err, errlen);
                v = w == 4 ? get_fixed32(q) : get_fixed64(q);
                q += w;
            }
            if (k == want) {
                k++;
                break;
            }
            store_component(dtype, dst, k++, v);
        }
        if (k > want) break;
    }
    if (got < 0) return corrupt_tensor(f, name, len, "malformed TensorProto", err, errlen);
    if (k != want) {
        char msg[96];
        snprintf(msg, sizeof msg, "a slice holds %s%zu values, expected %zu", k > want ? "more than " : "",
                 k > want ? want : k, want);
        return corrupt_tensor(f, name, len, msg, err, errlen);
    }
    return TFLC_OK;
}

/* Copies a slice's values (dense, row-major over the slice) to their places in the tensor. */
static void scatter(const tflc_ckpt_info *info, const slice_ref *s, const uint8_t *src, uint8_t *dst, size_t esize) {
    int rank = info->rank;
    size_t stride[TFLC_MAX_RANK], extent[TFLC_MAX_RANK], idx[TFLC_MAX_RANK] = {0};
    size_t st = 1;
    for (int d = rank - 1; d >= 0; d--) {
        stride[d] = st;
        st *= (size_t)info->dims[d];
        extent[d] = s->full[d] ? (size_t)info->dims[d] : (size_t)s->length[d];
    }
    for (size_t e = 0; e < s->count; e++) {
        size_t off = 0;
        for (int d = 0; d < rank; d++) off += ((size_t)s->start[d] + idx[d]) * stride[d];
        memcpy(dst + off * esize, src + e * esize, esize);
        for (int d = rank - 1; d >= 0; d--) {
            if (++idx[d] < extent[d]) break;
            idx[d] = 0;
        }
    }
}

tflc_status tflc_ckpt_read(tflc_ckpt_reader *reader, const char *name, size_t name_len, tflc_dtype dtype,
                           void *data, size_t bytes, char *err, size_t errlen) {
    if (!reader || (!name && name_len) || (!data && bytes))
        return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "NULL argument");
    if (!name) name = "";
    tensor_ref t;
    tflc_status s = find_tensor(reader, name, name_len, &t, err, errlen);
    char nm[SHOWN_SIZE];
    size_t esize = tflc_dtype_size(dtype);
    if (s == TFLC_OK && (t.info.dtype != dtype || dtype == TFLC_STRING))
        s = ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s' holds %s, not %s",
                    shown(name, name_len, nm, sizeof nm), tflc_tf_dtype_name(t.info.tf_dtype), tflc_dtype_name(dtype));
    if (s == TFLC_OK && bytes != t.info.count * esize)
        s = ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s' has %zu bytes, not %zu",
                    shown(name, name_len, nm, sizeof nm), t.info.count * esize, bytes);
    uint8_t *tmp = NULL;
    for (int k = 0; s == TFLC_OK && k < t.n_slices; k++) {
        const slice_ref *sl = &t.slices[k];
        uint8_t *block = NULL;
        const uint8_t *tp;
        size_t tp_len;
        s = slice_data(reader, name, name_len, &t, sl, &block, &tp, &tp_len, err, errlen);
        bool whole = t.n_slices == 1; /* one slice covering the tensor: decode in place */
        if (s == TFLC_OK && !whole) {
            free(tmp);
            tmp = malloc(sl->count > 0 ? sl->count * esize : 1);
            if (!tmp) s = ck_fail(err, errlen, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
        }
        if (s == TFLC_OK)
            s = decode_values(&reader->files[sl->file], name, name_len, tp, tp_len, dtype, whole ? data : tmp,
                              sl->count, err, errlen);
        if (s == TFLC_OK && !whole) scatter(&t.info, sl, tmp, data, esize);
        free(block);
    }
    free(tmp);
    free(t.slices);
    return s;
}

tflc_status tflc_ckpt_read_strings(tflc_ckpt_reader *reader, const char *name, size_t name_len,
                                   tflc_ckpt_string_fn fn, void *ctx, char *err, size_t errlen) {
    if (!reader || !fn || (!name && name_len))
        return ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "NULL argument");
    if (!name) name = "";
    tensor_ref t;
    tflc_status s = find_tensor(reader, name, name_len, &t, err, errlen);
    char nm[SHOWN_SIZE];
    if (s == TFLC_OK && t.info.dtype != TFLC_STRING)
        s = ck_fail(err, errlen, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s' holds %s, not string",
                    shown(name, name_len, nm, sizeof nm), tflc_tf_dtype_name(t.info.tf_dtype));
    if (s == TFLC_OK && t.n_slices != 1)
        s = ck_fail(err, errlen, TFLC_ERROR_UNSUPPORTED, "string tensor '%s' is saved in %d slices; tflc reads one",
                    shown(name, name_len, nm, sizeof nm), t.n_slices);
    uint8_t *block = NULL;
    const uint8_t *tp = NULL;
    size_t tp_len = 0;
    if (s == TFLC_OK) s = slice_data(reader, name, name_len, &t, &t.slices[0], &block, &tp, &tp_len, err, errlen);
    if (s == TFLC_OK) {
        const ckpt_file *f = &reader->files[t.slices[0].file];
        /* Count first, so that fn sees nothing of a record with the wrong number of strings. */
        size_t n = 0;
        tflc_pb_reader r = tflc_pb_reader_init(tp, tp_len);
        tflc_pb_field fd;
        int got;
        while ((got = tflc_pb_next(&r, &fd)) == 1) {
            if (fd.number != 8) continue;
            if (fd.wire != TFLC_PB_BYTES) {
                got = -1;
                break;
            }
            n++;
        }
        if (got < 0) s = corrupt_tensor(f, name, name_len, "malformed TensorProto", err, errlen);
        else if (n != t.info.count) s = corrupt_tensor(f, name, name_len, "wrong number of strings", err, errlen);
        r = tflc_pb_reader_init(tp, tp_len);
        while (s == TFLC_OK && tflc_pb_next(&r, &fd) == 1)
            if (fd.number == 8) s = fn(ctx, (const char *)fd.data, fd.size);
    }
    free(block);
    free(t.slices);
    return s;
}
