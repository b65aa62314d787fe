/* table_state.c -- operators that call subgraphs or touch interpreter state. */
#include "ops/ops.h"

extern const tflc_kernel tflc_kernel_call, tflc_kernel_if, tflc_kernel_while, tflc_kernel_call_once;
extern const tflc_kernel tflc_kernel_var_handle, tflc_kernel_read_variable, tflc_kernel_assign_variable;
extern const tflc_kernel tflc_kernel_hashtable, tflc_kernel_hashtable_import, tflc_kernel_hashtable_find,
    tflc_kernel_hashtable_size;

const tflc_registry_entry tflc_registry_state[] = {
    {31, 1, 1, "1", &tflc_kernel_call},
    {118, 1, 1, "1", &tflc_kernel_if},
    {119, 1, 1, "1", &tflc_kernel_while},
    {129, 1, 1, "1", &tflc_kernel_call_once},
    {142, 1, 1, "1", &tflc_kernel_var_handle},
    {143, 1, 1, "1", &tflc_kernel_read_variable},
    {144, 1, 1, "1", &tflc_kernel_assign_variable},
    {136, 1, 1, "1", &tflc_kernel_hashtable},
    {137, 1, 1, "1", &tflc_kernel_hashtable_find},
    {138, 1, 1, "1", &tflc_kernel_hashtable_import},
    {139, 1, 1, "1", &tflc_kernel_hashtable_size},
    TFLC_REGISTRY_END,
};
