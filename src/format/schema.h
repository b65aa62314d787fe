/*
 * schema.h -- the parts of the TFLite flatbuffer schema (schema.fbs, namespace tflite) that
 * tflc reads: field slots of each table, union type values and enums. A slot is a field's
 * position in its table declaration; a union takes two slots (type, then value).
 */
#ifndef TFLC_FORMAT_SCHEMA_H
#define TFLC_FORMAT_SCHEMA_H

/* Model */
enum { MODEL_VERSION = 0, MODEL_OPERATOR_CODES = 1, MODEL_SUBGRAPHS = 2, MODEL_DESCRIPTION = 3,
       MODEL_BUFFERS = 4, MODEL_METADATA_BUFFER = 5, MODEL_METADATA = 6, MODEL_SIGNATURE_DEFS = 7 };
/* SubGraph */
enum { SUBGRAPH_TENSORS = 0, SUBGRAPH_INPUTS = 1, SUBGRAPH_OUTPUTS = 2, SUBGRAPH_OPERATORS = 3,
       SUBGRAPH_NAME = 4 };
/* Tensor */
enum { TENSOR_SHAPE = 0, TENSOR_TYPE = 1, TENSOR_BUFFER = 2, TENSOR_NAME = 3,
       TENSOR_QUANTIZATION = 4, TENSOR_IS_VARIABLE = 5, TENSOR_SPARSITY = 6,
       TENSOR_SHAPE_SIGNATURE = 7, TENSOR_HAS_RANK = 8, TENSOR_VARIANT_TENSORS = 9 };
/* QuantizationParameters */
enum { QUANT_MIN = 0, QUANT_MAX = 1, QUANT_SCALE = 2, QUANT_ZERO_POINT = 3,
       QUANT_DETAILS_TYPE = 4, QUANT_DETAILS = 5, QUANT_QUANTIZED_DIMENSION = 6 };
/* CustomQuantization */
enum { CUSTOM_QUANT_CUSTOM = 0 };
/* SparsityParameters, DimensionMetadata, Int32Vector/Uint16Vector/Uint8Vector */
enum { SPARSITY_TRAVERSAL_ORDER = 0, SPARSITY_BLOCK_MAP = 1, SPARSITY_DIM_METADATA = 2 };
enum { DIMMETA_FORMAT = 0, DIMMETA_DENSE_SIZE = 1, DIMMETA_SEGMENTS_TYPE = 2,
       DIMMETA_SEGMENTS = 3, DIMMETA_INDICES_TYPE = 4, DIMMETA_INDICES = 5 };
enum { INDEXVEC_VALUES = 0 };
/* VariantSubType */
enum { VARIANT_SHAPE = 0, VARIANT_TYPE = 1, VARIANT_HAS_RANK = 2 };
/* OperatorCode */
enum { OPCODE_DEPRECATED_BUILTIN_CODE = 0, OPCODE_CUSTOM_CODE = 1, OPCODE_VERSION = 2,
       OPCODE_BUILTIN_CODE = 3 };
/* Operator */
enum { OP_OPCODE_INDEX = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_BUILTIN_OPTIONS_TYPE = 3,
       OP_BUILTIN_OPTIONS = 4, OP_CUSTOM_OPTIONS = 5, OP_CUSTOM_OPTIONS_FORMAT = 6,
       OP_MUTATING_VARIABLE_INPUTS = 7, OP_INTERMEDIATES = 8,
       OP_LARGE_CUSTOM_OPTIONS_OFFSET = 9, OP_LARGE_CUSTOM_OPTIONS_SIZE = 10,
       OP_BUILTIN_OPTIONS_2_TYPE = 11, OP_BUILTIN_OPTIONS_2 = 12 };
/* Buffer */
enum { BUFFER_DATA = 0, BUFFER_OFFSET = 1, BUFFER_SIZE = 2 };
/* Metadata */
enum { METADATA_NAME = 0, METADATA_BUFFER = 1 };
/* TensorMap */
enum { TENSORMAP_NAME = 0, TENSORMAP_TENSOR_INDEX = 1 };
/* SignatureDef */
enum { SIGDEF_INPUTS = 0, SIGDEF_OUTPUTS = 1, SIGDEF_SIGNATURE_KEY = 2, SIGDEF_DEPRECATED_TAG = 3,
       SIGDEF_SUBGRAPH_INDEX = 4 };

/* BuiltinOptions union: type value = position in the union + 1 (0 is NONE). */
enum {
    BO_NONE = 0, BO_Conv2D = 1, BO_DepthwiseConv2D = 2, BO_ConcatEmbeddings = 3,
    BO_LSHProjection = 4, BO_Pool2D = 5, BO_SVDF = 6, BO_RNN = 7, BO_FullyConnected = 8,
    BO_Softmax = 9, BO_Concatenation = 10, BO_Add = 11, BO_L2Norm = 12,
    BO_LocalResponseNormalization = 13, BO_LSTM = 14, BO_ResizeBilinear = 15, BO_Call = 16,
    BO_Reshape = 17, BO_SkipGram = 18, BO_SpaceToDepth = 19, BO_EmbeddingLookupSparse = 20,
    BO_Mul = 21, BO_Pad = 22, BO_Gather = 23, BO_BatchToSpaceND = 24, BO_SpaceToBatchND = 25,
    BO_Transpose = 26, BO_Reducer = 27, BO_Sub = 28, BO_Div = 29, BO_Squeeze = 30,
    BO_SequenceRNN = 31, BO_StridedSlice = 32, BO_Exp = 33, BO_TopKV2 = 34, BO_Split = 35,
    BO_LogSoftmax = 36, BO_Cast = 37, BO_Dequantize = 38, BO_MaximumMinimum = 39,
    BO_ArgMax = 40, BO_Less = 41, BO_Neg = 42, BO_PadV2 = 43, BO_Greater = 44,
    BO_GreaterEqual = 45, BO_LessEqual = 46, BO_Select = 47, BO_Slice = 48,
    BO_TransposeConv = 49, BO_SparseToDense = 50, BO_Tile = 51, BO_ExpandDims = 52,
    BO_Equal = 53, BO_NotEqual = 54, BO_Shape = 55, BO_Pow = 56, BO_ArgMin = 57,
    BO_FakeQuant = 58, BO_Pack = 59, BO_LogicalOr = 60, BO_OneHot = 61, BO_LogicalAnd = 62,
    BO_LogicalNot = 63, BO_Unpack = 64, BO_FloorDiv = 65, BO_Square = 66, BO_ZerosLike = 67,
    BO_Fill = 68, BO_BidirectionalSequenceLSTM = 69, BO_BidirectionalSequenceRNN = 70,
    BO_UnidirectionalSequenceLSTM = 71, BO_FloorMod = 72, BO_Range = 73,
    BO_ResizeNearestNeighbor = 74, BO_LeakyRelu = 75, BO_SquaredDifference = 76,
    BO_MirrorPad = 77, BO_Abs = 78, BO_SplitV = 79, BO_Unique = 80, BO_ReverseV2 = 81,
    BO_AddN = 82, BO_GatherNd = 83, BO_Cos = 84, BO_Where = 85, BO_Rank = 86,
    BO_ReverseSequence = 87, BO_MatrixDiag = 88, BO_Quantize = 89, BO_MatrixSetDiag = 90,
    BO_HardSwish = 91, BO_If = 92, BO_While = 93, BO_DepthToSpace = 94,
    BO_NonMaxSuppressionV4 = 95, BO_NonMaxSuppressionV5 = 96, BO_ScatterNd = 97,
    BO_SelectV2 = 98, BO_Densify = 99, BO_SegmentSum = 100, BO_BatchMatMul = 101,
    BO_Cumsum = 102, BO_CallOnce = 103, BO_BroadcastTo = 104, BO_Rfft2d = 105,
    BO_Conv3D = 106, BO_Hashtable = 107, BO_HashtableFind = 108, BO_HashtableImport = 109,
    BO_HashtableSize = 110, BO_VarHandle = 111, BO_ReadVariable = 112,
    BO_AssignVariable = 113, BO_Random = 114, BO_Bucketize = 115, BO_Gelu = 116,
    BO_DynamicUpdateSlice = 117, BO_UnsortedSegmentProd = 118, BO_UnsortedSegmentMax = 119,
    BO_UnsortedSegmentMin = 120, BO_UnsortedSegmentSum = 121, BO_ATan2 = 122, BO_Sign = 123,
    BO_Bitcast = 124, BO_BitwiseXor = 125, BO_RightShift = 126,
    BO_COUNT
};

/* Option table slots used by the ops (one line per options table). */
enum { FC_OPT_ACTIVATION = 0, FC_OPT_WEIGHTS_FORMAT = 1, FC_OPT_KEEP_NUM_DIMS = 2,
       FC_OPT_ASYMMETRIC_QUANTIZE_INPUTS = 3, FC_OPT_QUANTIZED_BIAS_TYPE = 4 };
enum { SOFTMAX_OPT_BETA = 0 };
enum { CONCAT_OPT_AXIS = 0, CONCAT_OPT_ACTIVATION = 1 };
enum { ADD_OPT_ACTIVATION = 0, ADD_OPT_POT_SCALE_INT16 = 1 };   /* also Sub */
enum { MUL_OPT_ACTIVATION = 0 };                                 /* also Div */
enum { RESHAPE_OPT_NEW_SHAPE = 0 };
enum { SQUEEZE_OPT_SQUEEZE_DIMS = 0 };
enum { CALL_OPT_SUBGRAPH = 0 };
enum { IF_OPT_THEN = 0, IF_OPT_ELSE = 1 };
enum { WHILE_OPT_COND = 0, WHILE_OPT_BODY = 1 };
enum { CALL_ONCE_OPT_INIT = 0 };

/* ActivationFunctionType */
enum { ACT_NONE = 0, ACT_RELU = 1, ACT_RELU_N1_TO_1 = 2, ACT_RELU6 = 3, ACT_TANH = 4,
       ACT_SIGN_BIT = 5 };

/* BuiltinOperator values tflc refers to by name (the full list of names is op_names.c). */
enum {
    OPC_ADD = 0, OPC_CONCATENATION = 2, OPC_CONV_2D = 3, OPC_DEPTHWISE_CONV_2D = 4,
    OPC_DEQUANTIZE = 6, OPC_FULLY_CONNECTED = 9, OPC_LOGISTIC = 14, OPC_MUL = 18,
    OPC_RELU = 19, OPC_RELU_N1_TO_1 = 20, OPC_RELU6 = 21, OPC_RESHAPE = 22, OPC_SOFTMAX = 25,
    OPC_TANH = 28, OPC_CALL = 31, OPC_CUSTOM = 32, OPC_SUB = 41, OPC_DIV = 42,
    OPC_SQUEEZE = 43, OPC_EXPAND_DIMS = 70, OPC_QUANTIZE = 114, OPC_IF = 118,
    OPC_WHILE = 119, OPC_PLACEHOLDER_FOR_GREATER_OP_CODES = 127, OPC_CALL_ONCE = 129,
    OPC_MAX_KNOWN = 207
};

/* Name of a BuiltinOperator value ("FULLY_CONNECTED"), or NULL if unknown. (op_names.c) */
const char *tflc_builtin_op_name(int32_t code);

#endif
