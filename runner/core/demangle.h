/* demangle: C++ names made readable, for backtraces and symbol lists. */
#ifndef CROSSRUN_DEMANGLE_H
#define CROSSRUN_DEMANGLE_H

#include <stddef.h>

#include "core/buf.h"

/* The demangled form of a C++ symbol ("_ZN4calc3addEii" gives
 * "calc::add(int, int)"), malloc'd; a name that is not mangled comes back
 * as a copy. NULL only when memory runs out. */
char *dem_name(const char *sym);

/* Rewrite a crash log: every glibc backtrace line
 * "/path/libx.so(_ZN1a1fEv+0x1d) [0x7f..]" becomes
 * "  #N a::f()+0x1d in libx.so [0x7f..]"; other lines are copied as they
 * are. Returns 0, or -1 when memory runs out. */
int dem_backtrace(const char *in, size_t len, struct buf *out);

#endif
