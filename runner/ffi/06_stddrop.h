/* 06_stddrop: destroying a container in memory as its destructor would:
 * each element's, then the storage back to the C++ runtime's operator
 * delete. Uses 02_values, 04_conv (an object's destructor), 05_smart,
 * 06_stdtype and cxx/stdcont. */
#ifndef CROSSRUN_FFI_STDDROP_H
#define CROSSRUN_FFI_STDDROP_H

#include "ffi/06_stdtype.h"

/* Destroy the container (or element) of type t at p. A vector is left
 * empty; the memory at p itself is the caller's. */
void ffi_std_destroy(const struct sc_type *t, char *p);

/* Destroy the pair (key and value) of the pair-like t (a pair or a map's
 * value) at val. */
void ffi_std_destroy_pair(const struct sc_type *t, char *val);

#endif
