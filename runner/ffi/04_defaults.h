/* 04_defaults: a default argument as the header writes it made into the
 * Python value passed when a call omits it. Uses 01_errors and the
 * converters' types (04_conv.h). */
#ifndef CROSSRUN_FFI_DEFAULTS_H
#define CROSSRUN_FFI_DEFAULTS_H

#include "ffi/04_conv.h"

/* The Python value a default argument's text stands for, for converter
 * c; NULL with DeclarationError naming decl when it is not a literal
 * crossrun reads (numbers, characters, strings, true/false, nullptr,
 * members of a declared enum). */
PyObject *ffi_default_value(const struct conv *c, const char *text,
                            const char *decl);

#endif
