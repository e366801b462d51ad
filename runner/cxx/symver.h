/* cxx_symver: finding a declaration among exports whose names carry a
 * version the header hides: ICU's u_strToUpper exported as
 * u_strToUpper_72, icu::UnicodeString as icu_72::UnicodeString, an
 * inline namespace such as std::__cxx11::. */
#ifndef CROSSRUN_CXX_SYMVER_H
#define CROSSRUN_CXX_SYMVER_H

#include "core/buf.h"
#include "cxx/symbols.h"

/* Append text to out with versioned namespaces unversioned ("icu_72::"
 * -> "icu::") and inline namespaces ("__cxx11::", "__1::") dropped.
 * Returns 0, or -1 when memory runs out. */
int symver_normalize(const char *text, struct buf *out);

/* The one export that implements d once versions are set aside: for a C
 * name, the C function name_<digits>; for a C++ declaration, the function
 * whose key equals d's with both normalized. NULL when none or more than
 * one matches (*ambiguous set to the count when more than one), or when
 * memory runs out (*oom set). */
const struct sym_entry *symver_find(struct sym_table *t,
                                    const struct ct_decl *d,
                                    size_t *ambiguous, int *oom);

#endif
