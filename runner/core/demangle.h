/* demangle: C++ names made readable, for backtraces and symbol lists. */
#ifndef CROSSRUN_DEMANGLE_H
#define CROSSRUN_DEMANGLE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The demangled form of a C++ symbol ("_ZN4calc3addEii" gives
 * "calc::add(int, int)"), malloc'd; a name that is not mangled comes back
 * as a copy. NULL only when memory runs out. */
char *dem_name(const char *sym);

/* The demangled form of any mangled name, a symbol or a type's
 * ("St13runtime_error" gives "std::runtime_error"), malloc'd; NULL when
 * it is not a valid mangled name or memory runs out. */
char *dem_try(const char *mangled);

#ifdef __cplusplus
}
#endif

#endif
