/* demangle: C++ names made readable, for backtraces and symbol lists. */
#ifndef CROSSRUN_DEMANGLE_H
#define CROSSRUN_DEMANGLE_H

#include <stddef.h>

/* The demangled form of a C++ symbol ("_ZN4calc3addEii" gives
 * "calc::add(int, int)"), malloc'd; a name that is not mangled comes back
 * as a copy. NULL only when memory runs out. */
char *dem_name(const char *sym);

#endif
