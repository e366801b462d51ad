/* 06_call: calling a crossrun.Function: arguments converted into the
 * argument area, the x86-64 direct path or libffi, C++ exceptions and
 * callback exceptions raised, the result converted back. Uses 01_errors
 * to 05_function; fills ffi_function_caller (05_function.h). */
#ifndef CROSSRUN_FFI_CALL_H
#define CROSSRUN_FFI_CALL_H

/* Make Functions callable: fills ffi_function_caller. Returns 0. */
int ffi_call_ready(void);

#endif
