/*
 * verify.c -- structural verification of a .tflite flatbuffer.
 *
 * One generic walker (verify_table) is driven by a description of the TFLite schema: for
 * each table, one kind per field slot. Every read is bounds-checked first and every offset
 * is computed in 64 bits, so no hostile value can overflow or reach outside the buffer.
 *
 * Work is bounded: each table, string, vector and scalar-vector element visited spends
 * from a budget proportional to the file size. A file that points many offsets at one
 * subtree (legal flatbuffer sharing, but a way to make a walk exponential) runs out of
 * budget and is refused. Since the semantic pass walks the same tree, it is bounded too.
 */
#include "format/verify.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "format/flatbuf.h"
#include "format/schema.h"

#define DEFAULT_MAX_TENSOR_BYTES ((uint64_t)1 << 30)
#define DEFAULT_MAX_DEPTH 64
#define PATH_FRAMES 16

/* ------------------------------------------------------ schema description -- */

/* Field kinds, one char per slot:
 *   'b' 'h' 'i' 'l'  scalar of 1, 2, 4 or 8 bytes (bool, enum, int, uint, float, long)
 *   'B' 'H' 'I' 'L'  vector of such scalars
 *   's' string       'S' vector of strings
 *   'T' table        'X' vector of tables      (child: a table id)
 *   'U' union value; its uint8 type is the slot just before (child: a union id)
 * Slots past the description (fields from newer schemas) are only checked to start inside
 * the table. */
typedef struct field_desc {
    const char *name;
    char kind;
    uint8_t child;
} field_desc;

/* Core tables name their fields (for messages); options tables give a kind string. */
typedef struct table_desc {
    const char *name;
    const field_desc *fields;
    const char *spec;
    int n_fields;
} table_desc;

enum table_id {
    TT_NONE, TT_MODEL, TT_OPCODE, TT_SUBGRAPH, TT_TENSOR, TT_QUANT, TT_CUSTOM_QUANT,
    TT_SPARSITY, TT_DIMMETA, TT_INT32VEC, TT_UINT16VEC, TT_UINT8VEC, TT_VARIANT,
    TT_OPERATOR, TT_BUFFER, TT_METADATA, TT_TENSORMAP, TT_SIGDEF, TT_COUNT
};
enum union_id { UN_BUILTIN_OPTIONS = 1, UN_BUILTIN_OPTIONS_2, UN_QUANT_DETAILS, UN_SPARSE_INDEX };

static const field_desc model_fields[] = {
    {"version", 'i', 0}, {"operator_codes", 'X', TT_OPCODE}, {"subgraphs", 'X', TT_SUBGRAPH},
    {"description", 's', 0}, {"buffers", 'X', TT_BUFFER}, {"metadata_buffer", 'I', 0},
    {"metadata", 'X', TT_METADATA}, {"signature_defs", 'X', TT_SIGDEF},
};
static const field_desc opcode_fields[] = {
    {"deprecated_builtin_code", 'b', 0}, {"custom_code", 's', 0}, {"version", 'i', 0},
    {"builtin_code", 'i', 0},
};
static const field_desc subgraph_fields[] = {
    {"tensors", 'X', TT_TENSOR}, {"inputs", 'I', 0}, {"outputs", 'I', 0},
    {"operators", 'X', TT_OPERATOR}, {"name", 's', 0},
};
static const field_desc tensor_fields[] = {
    {"shape", 'I', 0}, {"type", 'b', 0}, {"buffer", 'i', 0}, {"name", 's', 0},
    {"quantization", 'T', TT_QUANT}, {"is_variable", 'b', 0}, {"sparsity", 'T', TT_SPARSITY},
    {"shape_signature", 'I', 0}, {"has_rank", 'b', 0}, {"variant_tensors", 'X', TT_VARIANT},
};
static const field_desc quant_fields[] = {
    {"min", 'I', 0}, {"max", 'I', 0}, {"scale", 'I', 0}, {"zero_point", 'L', 0},
    {"details_type", 'b', 0}, {"details", 'U', UN_QUANT_DETAILS},
    {"quantized_dimension", 'i', 0},
};
static const field_desc custom_quant_fields[] = { {"custom", 'B', 0} };
static const field_desc sparsity_fields[] = {
    {"traversal_order", 'I', 0}, {"block_map", 'I', 0}, {"dim_metadata", 'X', TT_DIMMETA},
};
static const field_desc dimmeta_fields[] = {
    {"format", 'b', 0}, {"dense_size", 'i', 0}, {"array_segments_type", 'b', 0},
    {"array_segments", 'U', UN_SPARSE_INDEX}, {"array_indices_type", 'b', 0},
    {"array_indices", 'U', UN_SPARSE_INDEX},
};
static const field_desc int32vec_fields[] = { {"values", 'I', 0} };
static const field_desc uint16vec_fields[] = { {"values", 'H', 0} };
static const field_desc uint8vec_fields[] = { {"values", 'B', 0} };
static const field_desc variant_fields[] = {
    {"shape", 'I', 0}, {"type", 'b', 0}, {"has_rank", 'b', 0},
};
static const field_desc operator_fields[] = {
    {"opcode_index", 'i', 0}, {"inputs", 'I', 0}, {"outputs", 'I', 0},
    {"builtin_options_type", 'b', 0}, {"builtin_options", 'U', UN_BUILTIN_OPTIONS},
    {"custom_options", 'B', 0}, {"custom_options_format", 'b', 0},
    {"mutating_variable_inputs", 'B', 0}, {"intermediates", 'I', 0},
    {"large_custom_options_offset", 'l', 0}, {"large_custom_options_size", 'l', 0},
    {"builtin_options_2_type", 'b', 0}, {"builtin_options_2", 'U', UN_BUILTIN_OPTIONS_2},
};
static const field_desc buffer_fields[] = {
    {"data", 'B', 0}, {"offset", 'l', 0}, {"size", 'l', 0},
};
static const field_desc metadata_fields[] = { {"name", 's', 0}, {"buffer", 'i', 0} };
static const field_desc tensormap_fields[] = { {"name", 's', 0}, {"tensor_index", 'i', 0} };
static const field_desc sigdef_fields[] = {
    {"inputs", 'X', TT_TENSORMAP}, {"outputs", 'X', TT_TENSORMAP}, {"signature_key", 's', 0},
    {"deprecated_tag", 's', 0}, {"subgraph_index", 'i', 0},
};

#define CORE(name, f) { name, f, NULL, (int)(sizeof(f) / sizeof((f)[0])) }
static const table_desc core_tables[TT_COUNT] = {
    [TT_MODEL] = CORE("Model", model_fields),
    [TT_OPCODE] = CORE("OperatorCode", opcode_fields),
    [TT_SUBGRAPH] = CORE("SubGraph", subgraph_fields),
    [TT_TENSOR] = CORE("Tensor", tensor_fields),
    [TT_QUANT] = CORE("QuantizationParameters", quant_fields),
    [TT_CUSTOM_QUANT] = CORE("CustomQuantization", custom_quant_fields),
    [TT_SPARSITY] = CORE("SparsityParameters", sparsity_fields),
    [TT_DIMMETA] = CORE("DimensionMetadata", dimmeta_fields),
    [TT_INT32VEC] = CORE("Int32Vector", int32vec_fields),
    [TT_UINT16VEC] = CORE("Uint16Vector", uint16vec_fields),
    [TT_UINT8VEC] = CORE("Uint8Vector", uint8vec_fields),
    [TT_VARIANT] = CORE("VariantSubType", variant_fields),
    [TT_OPERATOR] = CORE("Operator", operator_fields),
    [TT_BUFFER] = CORE("Buffer", buffer_fields),
    [TT_METADATA] = CORE("Metadata", metadata_fields),
    [TT_TENSORMAP] = CORE("TensorMap", tensormap_fields),
    [TT_SIGDEF] = CORE("SignatureDef", sigdef_fields),
};

/* Every BuiltinOptions table, field by field from schema.fbs, so that any op may read any
 * of its options with the accessor of the field's type. "" = a table without fields. */
#define OPT(name, spec) { name, NULL, spec, 0 }
static const table_desc builtin_options[BO_COUNT] = {
    [BO_Conv2D] = OPT("Conv2DOptions", "biibiib"),
    [BO_DepthwiseConv2D] = OPT("DepthwiseConv2DOptions", "biiibii"),
    [BO_ConcatEmbeddings] = OPT("ConcatEmbeddingsOptions", "iII"),
    [BO_LSHProjection] = OPT("LSHProjectionOptions", "b"),
    [BO_Pool2D] = OPT("Pool2DOptions", "biiiib"),
    [BO_SVDF] = OPT("SVDFOptions", "ibb"),
    [BO_RNN] = OPT("RNNOptions", "bb"),
    [BO_FullyConnected] = OPT("FullyConnectedOptions", "bbbbb"),
    [BO_Softmax] = OPT("SoftmaxOptions", "i"),
    [BO_Concatenation] = OPT("ConcatenationOptions", "ib"),
    [BO_Add] = OPT("AddOptions", "bb"),
    [BO_L2Norm] = OPT("L2NormOptions", "b"),
    [BO_LocalResponseNormalization] = OPT("LocalResponseNormalizationOptions", "iiii"),
    [BO_LSTM] = OPT("LSTMOptions", "biibb"),
    [BO_ResizeBilinear] = OPT("ResizeBilinearOptions", "iibb"),
    [BO_Call] = OPT("CallOptions", "i"),
    [BO_Reshape] = OPT("ReshapeOptions", "I"),
    [BO_SkipGram] = OPT("SkipGramOptions", "iib"),
    [BO_SpaceToDepth] = OPT("SpaceToDepthOptions", "i"),
    [BO_EmbeddingLookupSparse] = OPT("EmbeddingLookupSparseOptions", "b"),
    [BO_Mul] = OPT("MulOptions", "b"),
    [BO_Pad] = OPT("PadOptions", ""),
    [BO_Gather] = OPT("GatherOptions", "ii"),
    [BO_BatchToSpaceND] = OPT("BatchToSpaceNDOptions", ""),
    [BO_SpaceToBatchND] = OPT("SpaceToBatchNDOptions", ""),
    [BO_Transpose] = OPT("TransposeOptions", ""),
    [BO_Reducer] = OPT("ReducerOptions", "b"),
    [BO_Sub] = OPT("SubOptions", "bb"),
    [BO_Div] = OPT("DivOptions", "b"),
    [BO_Squeeze] = OPT("SqueezeOptions", "I"),
    [BO_SequenceRNN] = OPT("SequenceRNNOptions", "bbb"),
    [BO_StridedSlice] = OPT("StridedSliceOptions", "iiiiib"),
    [BO_Exp] = OPT("ExpOptions", ""),
    [BO_TopKV2] = OPT("TopKV2Options", ""),
    [BO_Split] = OPT("SplitOptions", "i"),
    [BO_LogSoftmax] = OPT("LogSoftmaxOptions", ""),
    [BO_Cast] = OPT("CastOptions", "bb"),
    [BO_Dequantize] = OPT("DequantizeOptions", ""),
    [BO_MaximumMinimum] = OPT("MaximumMinimumOptions", ""),
    [BO_ArgMax] = OPT("ArgMaxOptions", "b"),
    [BO_Less] = OPT("LessOptions", ""),
    [BO_Neg] = OPT("NegOptions", ""),
    [BO_PadV2] = OPT("PadV2Options", ""),
    [BO_Greater] = OPT("GreaterOptions", ""),
    [BO_GreaterEqual] = OPT("GreaterEqualOptions", ""),
    [BO_LessEqual] = OPT("LessEqualOptions", ""),
    [BO_Select] = OPT("SelectOptions", ""),
    [BO_Slice] = OPT("SliceOptions", ""),
    [BO_TransposeConv] = OPT("TransposeConvOptions", "biibb"),
    [BO_SparseToDense] = OPT("SparseToDenseOptions", "b"),
    [BO_Tile] = OPT("TileOptions", ""),
    [BO_ExpandDims] = OPT("ExpandDimsOptions", ""),
    [BO_Equal] = OPT("EqualOptions", ""),
    [BO_NotEqual] = OPT("NotEqualOptions", ""),
    [BO_Shape] = OPT("ShapeOptions", "b"),
    [BO_Pow] = OPT("PowOptions", ""),
    [BO_ArgMin] = OPT("ArgMinOptions", "b"),
    [BO_FakeQuant] = OPT("FakeQuantOptions", "iiib"),
    [BO_Pack] = OPT("PackOptions", "ii"),
    [BO_LogicalOr] = OPT("LogicalOrOptions", ""),
    [BO_OneHot] = OPT("OneHotOptions", "i"),
    [BO_LogicalAnd] = OPT("LogicalAndOptions", ""),
    [BO_LogicalNot] = OPT("LogicalNotOptions", ""),
    [BO_Unpack] = OPT("UnpackOptions", "ii"),
    [BO_FloorDiv] = OPT("FloorDivOptions", ""),
    [BO_Square] = OPT("SquareOptions", ""),
    [BO_ZerosLike] = OPT("ZerosLikeOptions", ""),
    [BO_Fill] = OPT("FillOptions", ""),
    [BO_BidirectionalSequenceLSTM] = OPT("BidirectionalSequenceLSTMOptions", "biibbb"),
    [BO_BidirectionalSequenceRNN] = OPT("BidirectionalSequenceRNNOptions", "bbbb"),
    [BO_UnidirectionalSequenceLSTM] = OPT("UnidirectionalSequenceLSTMOptions", "biibbb"),
    [BO_FloorMod] = OPT("FloorModOptions", ""),
    [BO_Range] = OPT("RangeOptions", ""),
    [BO_ResizeNearestNeighbor] = OPT("ResizeNearestNeighborOptions", "bb"),
    [BO_LeakyRelu] = OPT("LeakyReluOptions", "i"),
    [BO_SquaredDifference] = OPT("SquaredDifferenceOptions", ""),
    [BO_MirrorPad] = OPT("MirrorPadOptions", "b"),
    [BO_Abs] = OPT("AbsOptions", ""),
    [BO_SplitV] = OPT("SplitVOptions", "i"),
    [BO_Unique] = OPT("UniqueOptions", "b"),
    [BO_ReverseV2] = OPT("ReverseV2Options", ""),
    [BO_AddN] = OPT("AddNOptions", ""),
    [BO_GatherNd] = OPT("GatherNdOptions", ""),
    [BO_Cos] = OPT("CosOptions", ""),
    [BO_Where] = OPT("WhereOptions", ""),
    [BO_Rank] = OPT("RankOptions", ""),
    [BO_ReverseSequence] = OPT("ReverseSequenceOptions", "ii"),
    [BO_MatrixDiag] = OPT("MatrixDiagOptions", ""),
    [BO_Quantize] = OPT("QuantizeOptions", ""),
    [BO_MatrixSetDiag] = OPT("MatrixSetDiagOptions", ""),
    [BO_HardSwish] = OPT("HardSwishOptions", ""),
    [BO_If] = OPT("IfOptions", "ii"),
    [BO_While] = OPT("WhileOptions", "ii"),
    [BO_DepthToSpace] = OPT("DepthToSpaceOptions", "i"),
    [BO_NonMaxSuppressionV4] = OPT("NonMaxSuppressionV4Options", ""),
    [BO_NonMaxSuppressionV5] = OPT("NonMaxSuppressionV5Options", ""),
    [BO_ScatterNd] = OPT("ScatterNdOptions", ""),
    [BO_SelectV2] = OPT("SelectV2Options", ""),
    [BO_Densify] = OPT("DensifyOptions", ""),
    [BO_SegmentSum] = OPT("SegmentSumOptions", ""),
    [BO_BatchMatMul] = OPT("BatchMatMulOptions", "bbb"),
    [BO_Cumsum] = OPT("CumsumOptions", "bb"),
    [BO_CallOnce] = OPT("CallOnceOptions", "i"),
    [BO_BroadcastTo] = OPT("BroadcastToOptions", ""),
    [BO_Rfft2d] = OPT("Rfft2dOptions", ""),
    [BO_Conv3D] = OPT("Conv3DOptions", "biiibiii"),
    [BO_Hashtable] = OPT("HashtableOptions", "ibb"),
    [BO_HashtableFind] = OPT("HashtableFindOptions", ""),
    [BO_HashtableImport] = OPT("HashtableImportOptions", ""),
    [BO_HashtableSize] = OPT("HashtableSizeOptions", ""),
    [BO_VarHandle] = OPT("VarHandleOptions", "ss"),
    [BO_ReadVariable] = OPT("ReadVariableOptions", ""),
    [BO_AssignVariable] = OPT("AssignVariableOptions", ""),
    [BO_Random] = OPT("RandomOptions", "ll"),
    [BO_Bucketize] = OPT("BucketizeOptions", "I"),
    [BO_Gelu] = OPT("GeluOptions", "b"),
    [BO_DynamicUpdateSlice] = OPT("DynamicUpdateSliceOptions", ""),
    [BO_UnsortedSegmentProd] = OPT("UnsortedSegmentProdOptions", ""),
    [BO_UnsortedSegmentMax] = OPT("UnsortedSegmentMaxOptions", ""),
    [BO_UnsortedSegmentMin] = OPT("UnsortedSegmentMinOptions", ""),
    [BO_UnsortedSegmentSum] = OPT("UnsortedSegmentSumOptions", ""),
    [BO_ATan2] = OPT("ATan2Options", ""),
    [BO_Sign] = OPT("SignOptions", ""),
    [BO_Bitcast] = OPT("BitcastOptions", ""),
    [BO_BitwiseXor] = OPT("BitwiseXorOptions", ""),
    [BO_RightShift] = OPT("RightShiftOptions", ""),
};

/* A union member we do not describe (BuiltinOptions2, types from newer schemas): it must
 * be a well-formed table, and nobody may follow its offset fields. */
static const table_desc unknown_table = OPT("table", "");

static const table_desc *union_member(int union_id, uint8_t type) {
    switch (union_id) {
    case UN_BUILTIN_OPTIONS:
        if (type < BO_COUNT && builtin_options[type].name) return &builtin_options[type];
        break;
    case UN_QUANT_DETAILS:
        if (type == 1) return &core_tables[TT_CUSTOM_QUANT];
        break;
    case UN_SPARSE_INDEX:
        if (type >= 1 && type <= 3) return &core_tables[TT_INT32VEC + type - 1];
        break;
    default:
        break;
    }
    return &unknown_table;
}

static int table_field_count(const table_desc *td) {
    return td->fields ? td->n_fields : (int)strlen(td->spec);
}
static char field_kind(const table_desc *td, int slot) {
    return td->fields ? td->fields[slot].kind : td->spec[slot];
}

/* ----------------------------------------------------------------- context -- */

typedef struct path_frame {
    const table_desc *table;
    int slot;
    int64_t index;          /* element of a vector field, or -1 */
} path_frame;

typedef struct vctx {
    const uint8_t *buf;
    uint64_t size;
    int max_depth;
    uint64_t budget;        /* work units left */
    char *err;
    size_t err_size;
    path_frame path[PATH_FRAMES];
    int n_path;             /* may exceed PATH_FRAMES: deeper frames are not recorded */
} vctx;

static void path_push(vctx *c, const table_desc *td, int slot) {
    if (c->n_path < PATH_FRAMES) c->path[c->n_path] = (path_frame){td, slot, -1};
    c->n_path++;
}
static void path_index(vctx *c, int64_t index) {
    if (c->n_path >= 1 && c->n_path <= PATH_FRAMES) c->path[c->n_path - 1].index = index;
}
static void path_pop(vctx *c) { c->n_path--; }

/* Appends to err at *len, keeping it NUL-terminated and never past err_size. */
static void append(vctx *c, size_t *len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void append(vctx *c, size_t *len, const char *fmt, ...) {
    if (*len + 1 >= c->err_size) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->err + *len, c->err_size - *len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    *len += (size_t)n;
    if (*len >= c->err_size) *len = c->err_size - 1;
}

/* "Model.subgraphs[0].tensors[3].shape" for the frames on the path. */
static void append_path(vctx *c, size_t *len) {
    append(c, len, "Model");
    int n = c->n_path < PATH_FRAMES ? c->n_path : PATH_FRAMES;
    for (int i = 0; i < n; i++) {
        const path_frame *f = &c->path[i];
        if (f->table->fields) append(c, len, ".%s", f->table->fields[f->slot].name);
        else append(c, len, ".%s#%d", f->table->name, f->slot);
        if (f->index >= 0) append(c, len, "[%" PRId64 "]", f->index);
    }
    if (c->n_path > PATH_FRAMES) append(c, len, "...");
}

/* Writes "<path>: <message>" and returns false, so callers can `return fail(...)`. */
static bool fail(vctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static bool fail(vctx *c, const char *fmt, ...) {
    if (!c->err || c->err_size == 0) return false;
    size_t len = 0;
    c->err[0] = '\0';
    append_path(c, &len);
    append(c, &len, ": ");
    if (len + 1 < c->err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + len, c->err_size - len, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool spend(vctx *c, uint64_t units) {
    if (units > c->budget)
        return fail(c, "the file's structure is shared or repeated beyond the work limit "
                       "for a %" PRIu64 "-byte file", c->size);
    c->budget -= units;
    return true;
}

/* ------------------------------------------------------------------ walker -- */

/* A table whose header and vtable were proven in bounds. */
typedef struct table_view {
    uint64_t pos;           /* table start (its soffset) */
    uint64_t vt;            /* vtable start */
    uint32_t n_slots;       /* field slots the vtable has */
    uint32_t inline_size;
} table_view;

static uint32_t slot_offset(const vctx *c, const table_view *tv, int slot) {
    if (slot < 0 || (uint32_t)slot >= tv->n_slots) return 0;
    return fb_load_u16(c->buf + tv->vt + 4 + 2 * (uint64_t)slot);
}

static bool verify_table(vctx *c, uint64_t pos, const table_desc *td, int depth);

/* Follows the uoffset stored at pos (already in bounds and aligned). */
static bool follow(vctx *c, uint64_t pos, uint64_t *target) {
    uint32_t u = fb_load_u32(c->buf + pos);
    if (u == 0) return fail(c, "null offset at byte %" PRIu64, pos);
    if (pos + u >= c->size)
        return fail(c, "offset at byte %" PRIu64 " points to %" PRIu64 ", past the end of the "
                       "%" PRIu64 "-byte file", pos, pos + u, c->size);
    *target = pos + u;
    return true;
}

static bool verify_string(vctx *c, uint64_t pos) {
    if (pos % 4 != 0 || pos + 4 > c->size)
        return fail(c, "string at byte %" PRIu64 " is misaligned or out of bounds", pos);
    uint32_t len = fb_load_u32(c->buf + pos);
    if ((uint64_t)len + 1 > c->size - pos - 4)
        return fail(c, "string of %" PRIu32 " bytes at byte %" PRIu64 " overruns the %" PRIu64
                       "-byte file", len, pos, c->size);
    if (c->buf[pos + 4 + len] != 0)
        return fail(c, "string at byte %" PRIu64 " is not NUL-terminated", pos);
    /* Strings cost by length too, so comparing shared names later stays bounded. */
    return spend(c, 1 + len / 16);
}

/* A vector header at pos and its len * elem bytes; *len_out gets the length. */
static bool verify_vector(vctx *c, uint64_t pos, uint32_t elem, uint32_t *len_out) {
    if (pos % 4 != 0 || pos + 4 > c->size)
        return fail(c, "vector at byte %" PRIu64 " is misaligned or out of bounds", pos);
    uint32_t len = fb_load_u32(c->buf + pos);
    if ((uint64_t)len * elem > c->size - pos - 4)
        return fail(c, "vector of %" PRIu32 " x %" PRIu32 " bytes at byte %" PRIu64
                       " overruns the %" PRIu64 "-byte file", len, elem, pos, c->size);
    /* Some builders leave empty vectors of 8-byte elements unaligned: harmless. */
    if (len > 0 && (pos + 4) % elem != 0)
        return fail(c, "vector at byte %" PRIu64 " has elements misaligned for %" PRIu32
                       "-byte values", pos, elem);
    *len_out = len;
    /* Byte vectors are never walked element by element; wider ones may be. */
    return spend(c, 1 + (elem > 1 ? (uint64_t)len : 0));
}

/* Vector of offsets to tables (child) or, when child is NULL, to strings. */
static bool verify_offset_vector(vctx *c, uint64_t pos, const table_desc *child, int depth) {
    uint32_t len = 0;
    if (!verify_vector(c, pos, 4, &len)) return false;
    for (uint32_t i = 0; i < len; i++) {
        uint64_t at = pos + 4 + 4 * (uint64_t)i, target = 0;
        path_index(c, i);
        if (!follow(c, at, &target)) return false;
        if (child ? !verify_table(c, target, child, depth + 1) : !verify_string(c, target))
            return false;
    }
    path_index(c, -1);
    return true;
}

static bool is_scalar(char kind) { return kind == 'b' || kind == 'h' || kind == 'i' || kind == 'l'; }

static uint32_t scalar_size(char kind) {
    switch (kind) {
    case 'b': case 'B': return 1;
    case 'h': case 'H': return 2;
    case 'i': case 'I': return 4;
    case 'l': case 'L': return 8;
    default: return 0;
    }
}

/* A union value field at `slot`; its type is the uint8 at slot - 1. */
static bool verify_union(vctx *c, const table_view *tv, const table_desc *td, int slot,
                         uint64_t value_pos, int depth) {
    uint32_t type_off = slot_offset(c, tv, slot - 1);
    uint8_t type = type_off ? c->buf[tv->pos + type_off] : 0;
    if (type == 0) return fail(c, "union value present with type NONE");
    uint64_t target = 0;   /* out-parameters zeroed: gcc -O3 cannot see fail() is false */
    if (!follow(c, value_pos, &target)) return false;
    return verify_table(c, target, union_member(td->fields[slot].child, type), depth + 1);
}

/* The field at `slot` of the table in tv, which is present at table offset `off`. */
static bool verify_field(vctx *c, const table_view *tv, const table_desc *td, int slot,
                         uint32_t off, int depth) {
    char kind = field_kind(td, slot);
    uint64_t at = tv->pos + off;
    uint32_t s = is_scalar(kind) ? scalar_size(kind) : 4;   /* else a 4-byte uoffset */
    if ((uint64_t)off + s > tv->inline_size)
        return fail(c, "%" PRIu32 "-byte field at table offset %" PRIu32 " overruns the table "
                       "(inline size %" PRIu32 ")", s, off, tv->inline_size);
    if (at % s != 0)
        return fail(c, "%" PRIu32 "-byte field at byte %" PRIu64 " is misaligned", s, at);
    if (is_scalar(kind)) return true;

    uint64_t target = 0;   /* out-parameters zeroed: gcc -O3 cannot see fail() is false */
    uint32_t len = 0;
    switch (kind) {
    case 'U': return verify_union(c, tv, td, slot, at, depth);
    case 'T':
        return follow(c, at, &target) &&
               verify_table(c, target, &core_tables[td->fields[slot].child], depth + 1);
    case 'X':
        return follow(c, at, &target) &&
               verify_offset_vector(c, target, &core_tables[td->fields[slot].child], depth);
    case 'S': return follow(c, at, &target) && verify_offset_vector(c, target, NULL, depth);
    case 's': return follow(c, at, &target) && verify_string(c, target);
    default:
        return follow(c, at, &target) && verify_vector(c, target, scalar_size(kind), &len);
    }
}

/* Header and vtable of the table at pos: in bounds, aligned, sizes sane. */
static bool verify_table_header(vctx *c, uint64_t pos, table_view *tv) {
    if (pos % 4 != 0 || pos + 4 > c->size)
        return fail(c, "table at byte %" PRIu64 " is misaligned or out of bounds", pos);
    int64_t vt = (int64_t)pos - (int64_t)fb_load_i32(c->buf + pos);
    if (vt < 0 || vt % 2 != 0 || (uint64_t)vt + 4 > c->size)
        return fail(c, "table at byte %" PRIu64 ": its vtable at byte %" PRId64 " is misaligned "
                       "or out of bounds", pos, vt);
    uint32_t vsize = fb_load_u16(c->buf + vt), tsize = fb_load_u16(c->buf + vt + 2);
    if (vsize < 4 || vsize % 2 != 0 || (uint64_t)vt + vsize > c->size)
        return fail(c, "vtable at byte %" PRId64 " has a bad size of %" PRIu32 " bytes", vt, vsize);
    if (tsize < 4 || pos + tsize > c->size)
        return fail(c, "table at byte %" PRIu64 " has a bad inline size of %" PRIu32 " bytes",
                    pos, tsize);
    *tv = (table_view){pos, (uint64_t)vt, (vsize - 4) / 2, tsize};
    return true;
}

static bool verify_table(vctx *c, uint64_t pos, const table_desc *td, int depth) {
    table_view tv = {0};   /* set by verify_table_header; zeroed to quiet -O2 warnings */
    if (depth > c->max_depth) return fail(c, "tables nested deeper than %d", c->max_depth);
    if (!spend(c, 1) || !verify_table_header(c, pos, &tv)) return false;
    /* Every present field, known or not, must start inside the table. */
    for (uint32_t s = 0; s < tv.n_slots; s++) {
        uint32_t off = slot_offset(c, &tv, (int)s);
        if (off != 0 && off >= tv.inline_size)
            return fail(c, "%s field %" PRIu32 " at table offset %" PRIu32 " lies outside the "
                           "table (inline size %" PRIu32 ")", td->name, s, off, tv.inline_size);
    }
    int n = table_field_count(td);
    for (int s = 0; s < n && (uint32_t)s < tv.n_slots; s++) {
        uint32_t off = slot_offset(c, &tv, s);
        if (off == 0) continue;
        path_push(c, td, s);
        if (!verify_field(c, &tv, td, s, off, depth)) return false;
        path_pop(c);
    }
    return true;
}

/* ------------------------------------------------------------------- entry -- */

static tflc_status header_fail(char *err, size_t err_size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static tflc_status header_fail(char *err, size_t err_size, const char *fmt, ...) {
    if (err && err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return TFLC_ERROR_INVALID_MODEL;
}

tflc_status tflc_verify_model(const uint8_t *buf, size_t size, const tflc_verify_limits *lim,
                              char *err, size_t err_size) {
    tflc_verify_limits l = {DEFAULT_MAX_TENSOR_BYTES, DEFAULT_MAX_DEPTH};
    if (lim && lim->max_tensor_bytes) l.max_tensor_bytes = lim->max_tensor_bytes;
    if (lim && lim->max_depth > 0) l.max_depth = lim->max_depth;
    if (err && err_size) err[0] = '\0';

    if (!buf) return header_fail(err, err_size, "no model data");
    if (size < 8)
        return header_fail(err, err_size, "file of %zu bytes is too small for a flatbuffer", size);
    if (memcmp(buf + 4, "TFL3", 4) != 0)
        return header_fail(err, err_size, "file identifier is %02x %02x %02x %02x, not \"TFL3\": "
                           "not a TensorFlow Lite model", buf[4], buf[5], buf[6], buf[7]);
    uint32_t root = fb_load_u32(buf);
    if (root < 8 || root % 4 != 0 || (uint64_t)root + 4 > size)
        return header_fail(err, err_size, "root table offset %" PRIu32 " is misaligned or out "
                           "of bounds (file is %zu bytes)", root, size);

    vctx c = {.buf = buf, .size = size, .max_depth = l.max_depth,
              .budget = (uint64_t)size + 4096, .err = err, .err_size = err_size};
    if (!verify_table(&c, root, &core_tables[TT_MODEL], 1)) return TFLC_ERROR_INVALID_MODEL;
    return tflc_check_model(buf, size, &l, err, err_size);
}
