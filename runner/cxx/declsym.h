/* declsym: a declaration found in a loaded library by its mangled name,
 * without reading, demangling or parsing the library's other exports. */
#ifndef CROSSRUN_CXX_DECLSYM_H
#define CROSSRUN_CXX_DECLSYM_H

#include "core/buf.h"
#include "cxx/decl.h"

/* The function d declares, in the loaded object of handle: the symbol
 * its mangled name names (a constructor's or destructor's complete-object
 * one, else its base-object one; a one-parameter operator+ - * & as a
 * member, else as a free unary one), else, for a name without scope, the
 * C function of that name. Returns 1 with the address in *addr and the
 * symbol's name appended to sym; 0 when none is found or d says
 * something the mangler cannot express (a function template), for the
 * caller to fall back on matching demangled names; -1 when memory runs
 * out. */
int declsym_find(void *handle, const struct ct_decl *d, void **addr,
                 struct buf *sym);

/* Whether the object of handle exports a vtable, typeinfo, destructor or
 * constructor of the class with canonical name cls ("tinyxml2::XMLNode"),
 * so cls::f is a member function rather than a namespace's: 1 yes, 0 no,
 * -1 when the object's symbol table cannot be read this way (the caller
 * falls back on the demangled names). The object's constructors are
 * indexed by one walk over its exports, the first time one is asked
 * about. */
int declsym_is_class(void *handle, const char *cls);

/* The vtable of class cls in the object of handle: 1 with its address and
 * size, 0 when the object exports none, -1 when cls cannot be mangled or
 * the symbol table cannot be read. */
int declsym_vtable(void *handle, const char *cls, void **addr,
                   size_t *size);

#endif
