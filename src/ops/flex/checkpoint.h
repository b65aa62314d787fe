/*
 * checkpoint.h -- TensorFlow's V1 checkpoint format: the single file that the Save op
 * (tf.raw_ops.Save) writes and the Restore op (tf.raw_ops.Restore) reads. (SaveV2 /
 * RestoreV2 use another format, the tensor bundle: .index + .data-*; not this one.)
 *
 * The file is a table (TensorFlow's tsl/lib/io: LevelDB's SSTable without filter blocks):
 *
 *   file    = data block* | metaindex block (empty) | index block | footer
 *   block   = entry* | restart offsets (fixed32 each) | restart count (fixed32), followed,
 *             outside the size its handle gives, by a 5-byte trailer:
 *             compression type (0 = none) | masked CRC32C of contents + type byte (fixed32)
 *   entry   = varint shared | varint non_shared | varint value_len | key[shared..] | value
 *             (the key shares `shared` bytes with the previous entry's; a restart point,
 *             shared = 0, every 16 entries in data blocks and every entry in the index)
 *   index   = one entry per data block: a key >= the block's last key and < the next
 *             block's first key -> BlockHandle (varint offset, varint size)
 *   footer  = metaindex handle | index handle | zeros to 40 bytes | magic 0xdb4775248b80fb57
 *             (fixed64): 48 bytes
 * The writer closes a data block when its size estimate (contents + 4 per restart + 4)
 * reaches 262144 bytes after an entry; keys are sorted bytewise.
 *
 * Entries (tensorflow/core/util/tensor_slice_writer.h, saved_tensor_slice.proto):
 *   ""              SavedTensorSlices { meta = SavedTensorSliceMeta {
 *                       tensor: SavedSliceMeta { name, shape, type, slice* }* (in name order),
 *                       versions: VersionDef { producer = 1 } } }
 *   key(name, slice) SavedTensorSlices { data = SavedSlice { name, slice,
 *                       data = TensorProto holding only the dtype's value field } }
 * where key() is OrderedCode: NumIncreasing(0), String(name), NumIncreasing(rank), then per
 * dimension SignedNumIncreasing(start), SignedNumIncreasing(length) -- (0, -1) for a whole
 * dimension. The Save op writes every tensor as one whole slice. Value fields: float_val
 * (float32), double_val, int_val (int32, int16, int8, uint16, uint8; int32 varints), int64_val,
 * bool_val, half_val (float16 bits), scomplex_val, dcomplex_val (all packed) and string_val
 * (one field per string). TensorFlow refuses uint32, uint64 and bfloat16, and so does tflc.
 *
 * Writing reproduces TensorFlow's bytes exactly (same sort orders, block boundaries, proto
 * field order). Reading distrusts the file: every length, offset, varint and count is
 * checked, every block's CRC32C is verified, and a malformed file gives an error, never a
 * crash. Statuses: IO (the OS refused), NOT_FOUND (no matching file, no such tensor),
 * RUNTIME (a corrupt or malformed file), UNSUPPORTED (a valid file tflc cannot read:
 * compressed blocks, other dtypes, rank > TFLC_MAX_RANK), INVALID_ARGUMENT (the caller's
 * request does not fit: a dtype or size mismatch, duplicate names). Messages go to
 * err[0..errlen) (may be NULL / 0).
 */
#ifndef TFLC_OPS_FLEX_CHECKPOINT_H
#define TFLC_OPS_FLEX_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tflc.h"

/* CRC32C (Castagnoli) of data[0..n), continuing from crc (0 to start); and the masking
 * that LevelDB-style tables store. */
uint32_t tflc_crc32c_extend(uint32_t crc, const void *data, size_t n);
static inline uint32_t tflc_crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

/* True for the dtypes the format holds and tflc reads and writes: float32, float64, int32,
 * int16, int8, uint16, uint8, int64, bool, float16, complex64, complex128 and string. */
bool tflc_ckpt_dtype_supported(tflc_dtype dtype);

/* ---------------------------------------------------------------- writing -- */

/* One tensor to save. Strings: data points at `count` tflc_string_ref. */
typedef struct tflc_ckpt_entry {
    const char *name;            /* name_len bytes, any (not NUL-terminated) */
    size_t name_len;
    tflc_dtype dtype;
    int rank;
    const int32_t *dims;         /* [rank] */
    const void *data;            /* element count * dtype size bytes */
} tflc_ckpt_entry;

/* Encodes entries[0..n) as the file the Save op writes into a malloc'ed buffer
 * (*out, *size; free() it). Names must be distinct. */
tflc_status tflc_ckpt_encode(const tflc_ckpt_entry *entries, int n, uint8_t **out, size_t *size, char *err,
                             size_t errlen);

/* Writes the same bytes to `path`: into path + ".tempstate<random>" first, then renamed
 * over path, as TensorFlow does (a reader never sees a half-written checkpoint). */
tflc_status tflc_ckpt_save(const char *path, const tflc_ckpt_entry *entries, int n, char *err, size_t errlen);

/* ---------------------------------------------------------------- reading -- */

typedef struct tflc_ckpt_reader tflc_ckpt_reader;

/* Opens every file matching the glob `pattern` (the Restore op's file_pattern; a plain
 * path matches itself), reads and checks each one's footer, index and metadata (versions
 * included). *out is NULL on failure. */
tflc_status tflc_ckpt_open(const char *pattern, tflc_ckpt_reader **out, char *err, size_t errlen);
/* The same over bytes in memory (one file), which must outlive the reader. */
tflc_status tflc_ckpt_open_buffer(const void *data, size_t size, tflc_ckpt_reader **out, char *err,
                                  size_t errlen);
/* NULL is a no-op. */
void tflc_ckpt_close(tflc_ckpt_reader *reader);

typedef struct tflc_ckpt_info {
    int tf_dtype;                /* tensorflow.DataType as stored */
    tflc_dtype dtype;            /* the same as a tflc dtype */
    int rank;
    int32_t dims[TFLC_MAX_RANK];
    size_t count;                /* element count */
    int n_slices;                /* how many slices hold it (1 when saved by Save) */
} tflc_ckpt_info;

/* Finds tensor `name` (name_len bytes) in any of the files: its dtype and shape, its slices
 * checked (inside the shape, not overlapping, covering it whole). NOT_FOUND with TensorFlow's
 * message when no file has it. */
tflc_status tflc_ckpt_find(tflc_ckpt_reader *reader, const char *name, size_t name_len, tflc_ckpt_info *info,
                           char *err, size_t errlen);

/* Reads tensor `name` into data[0..bytes): dtype must be the stored one and bytes its
 * element count times the dtype's size. Not for strings. */
tflc_status tflc_ckpt_read(tflc_ckpt_reader *reader, const char *name, size_t name_len, tflc_dtype dtype,
                           void *data, size_t bytes, char *err, size_t errlen);

/* Reads string tensor `name` (stored as one slice), calling fn once per element in order;
 * the bytes are valid during the call only. A status other than TFLC_OK from fn stops the
 * read and is returned. */
typedef tflc_status (*tflc_ckpt_string_fn)(void *ctx, const char *data, size_t len);
tflc_status tflc_ckpt_read_strings(tflc_ckpt_reader *reader, const char *name, size_t name_len,
                                   tflc_ckpt_string_fn fn, void *ctx, char *err, size_t errlen);

#endif
