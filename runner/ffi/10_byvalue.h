/* 10_byvalue: lib.cls classes passed and returned by value as the
 * Itanium C++ ABI says, reached by the converters and the call through
 * conv_hooks. Uses 01_errors, 03_lib, 04_conv, 08_struct and 09_class. */
#ifndef CROSSRUN_FFI_BYVALUE_H
#define CROSSRUN_FFI_BYVALUE_H

/* Fill the by-value part of conv_hooks. Returns 0. */
int ffi_byvalue_ready(void);

#endif
