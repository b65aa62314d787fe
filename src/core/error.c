/*
 * error.c -- status strings, version, and the two error channels: the thread's last error
 * (for calls without a handle, and every failing call) and a handle's own message buffer.
 */
#include <stdarg.h>
#include <stdio.h>

#include "core/internal.h"

static _Thread_local char last_error[TFLC_ERRMSG_SIZE];

const char *tflc_version(void) { return TFLC_VERSION_STRING; }
int tflc_version_number(void) { return TFLC_VERSION_NUMBER; }

const char *tflc_status_string(tflc_status status) {
    static const char *const names[TFLC_STATUS_COUNT] = {
        [TFLC_OK] = "ok",
        [TFLC_ERROR_INVALID_ARGUMENT] = "invalid argument",
        [TFLC_ERROR_INVALID_MODEL] = "invalid model",
        [TFLC_ERROR_UNSUPPORTED] = "unsupported",
        [TFLC_ERROR_NOT_FOUND] = "not found",
        [TFLC_ERROR_OUT_OF_MEMORY] = "out of memory",
        [TFLC_ERROR_IO] = "i/o error",
        [TFLC_ERROR_MISUSE] = "misuse",
        [TFLC_ERROR_RUNTIME] = "runtime error",
    };
    if ((unsigned)status >= TFLC_STATUS_COUNT) return "unknown status";
    return names[status];
}

const char *tflc_last_error(void) { return last_error; }

tflc_status tflc_vfail(char *buf, tflc_status status, const char *fmt, va_list ap) {
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    if (buf && buf != last_error) snprintf(buf, TFLC_ERRMSG_SIZE, "%s", last_error);
    return status;
}

tflc_status tflc_fail(char *buf, tflc_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    tflc_vfail(buf, status, fmt, ap);
    va_end(ap);
    return status;
}
