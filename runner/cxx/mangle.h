/* mangle: the Itanium C++ ABI mangled name of a parsed declaration, so a
 * declaration is found the way the dynamic linker finds it (one hash
 * lookup) instead of by demangling every export. */
#ifndef CROSSRUN_CXX_MANGLE_H
#define CROSSRUN_CXX_MANGLE_H

#include "core/buf.h"
#include "cxx/decl.h"

/* Which of the symbols of a constructor or destructor: the ABI gives each
 * several (C1/D1 complete object, C2/D2 base object, D0 deleting, C3
 * allocating). Ignored for other functions. */
enum mangle_variant {
    MANGLE_COMPLETE, /* C1, D1: what a caller constructing an object uses */
    MANGLE_BASE,     /* C2, D2 */
    MANGLE_DELETING, /* D0 (constructors: C3) */
};

/* Append the mangled name of d to out: "_ZN4calc3addEii" for
 * "int calc::add(int, int)", "_ZNK4geo5Shape4areaEv" for a const method.
 * A name without "::" is mangled as C++ ("_Z6strlenPKc"); its plain C
 * name is d->name itself (see mangle_c_name). Returns 0; 1 when d holds
 * something the mangled name depends on but the declaration does not say
 * (an unnamed namespace, a template argument that is an expression, a
 * function template without its return type), out then unspecified; -1
 * when memory runs out. */
int mangle_decl(const struct ct_decl *d, enum mangle_variant v,
                struct buf *out);

/* For a function template ("int ns::g<int>(const int&, int*)"): the
 * positions (bit 0 the return type, bit i+1 parameter i) whose types
 * mention one of its template arguments. Each may have been declared as
 * the template parameter ("T") or as that very type, and the mangled
 * name differs ("T_" or "i"): the declaration cannot say which, the
 * library's symbols can. 0 for other functions, and 0 when memory runs
 * out (mangle_template_mask tells that apart). */
unsigned mangle_template_positions(const struct ct_decl *d);

/* mangle_template_positions into *mask, telling when memory runs out:
 * returns 0, or -1 (*mask then 0) when it did. */
int mangle_template_mask(const struct ct_decl *d, unsigned *mask);

/* mangle_decl for a function template, writing its template arguments as
 * template parameters (T_, T0_, ...) in the positions set in tmask (as
 * mangle_template_positions numbers them). mangle_decl is tmask 0. */
int mangle_decl_as(const struct ct_decl *d, enum mangle_variant v,
                   unsigned tmask, struct buf *out);

/* True when d may be a plain C function: its name has no scope, no
 * template arguments and is not an operator. Its symbol is then d->name
 * when the library defines it with C linkage. */
int mangle_c_name(const struct ct_decl *d);

/* True when d is a constructor or destructor (several variants exist). */
int mangle_is_structor(const struct ct_decl *d);

/* Append the mangled <type> encoding of a class, struct or namespace name
 * given canonically ("tinyxml2::XMLNode" -> "N8tinyxml27XMLNodeE") to out,
 * as used after "_ZTV" (vtable), "_ZTI" (typeinfo) or inside "_ZN...".
 * Returns 0, 1 when the name cannot be expressed, -1 out of memory. */
int mangle_class(const char *name, struct buf *out);

#endif
