/* ffi_cxx: the few things C cannot do: catch C++ exceptions around a
 * libffi call, demangle, and build and destroy libstdc++ std::strings. */
#ifndef CROSSRUN_FFI_CXX_H
#define CROSSRUN_FFI_CXX_H

#include <ffi.h> /* libffi */
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* sizeof and alignof std::string with libstdc++'s cxx11 ABI. */
#define FFI_STDSTRING_SIZE 32
#define FFI_STDSTRING_ALIGN 8

/* ffi_call(cif, fn, rvalue, avalue) with C++ exceptions caught. Returns 0
 * when the call returned; 1 when it threw, with *type set to the
 * exception's demangled dynamic type ("std::runtime_error", "int") and
 * *what to what() for std::exception subclasses, else NULL (both
 * malloc'd, the caller frees; either is NULL if memory ran out). */
int ffi_cxx_call(ffi_cif *cif, void (*fn)(void), void *rvalue,
                 void **avalue, char **type, char **what);

/* Run fn(arg) with C++ exceptions caught, as ffi_cxx_call does. Returns
 * 0, or 1 with *type and *what set as ffi_cxx_call sets them. */
int ffi_cxx_guard(void (*fn)(void *), void *arg, char **type, char **what);

/* Construct a std::string holding n bytes of p in mem (FFI_STDSTRING_SIZE
 * bytes, suitably aligned). Returns 0, or -1 when memory ran out (mem
 * holds no string then). */
int ffi_cxx_string_init(void *mem, const char *p, size_t n);
/* Replace the contents of the std::string at mem. Returns 0 or -1 (out of
 * memory; the string is unchanged). */
int ffi_cxx_string_assign(void *mem, const char *p, size_t n);
/* Run the destructor of the std::string at mem. */
void ffi_cxx_string_destroy(void *mem);
/* The bytes of the std::string at mem (not a copy) and their count. */
const char *ffi_cxx_string_data(const void *mem, size_t *n);

#ifdef __cplusplus
}
#endif

#endif
