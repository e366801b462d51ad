/* ffi_symbols: the exported symbols of an ELF shared object, read from
 * its .dynsym, demangled, and matched against parsed declarations. */
#ifndef CROSSRUN_FFI_SYMBOLS_H
#define CROSSRUN_FFI_SYMBOLS_H

#include <stddef.h>
#include <stdio.h>

#include "cxx/decl.h"

/* One defined, exported symbol. The key and name of a C++ function are
 * computed the first time a lookup needs them (parsed is set then). */
struct sym_entry {
    char *mangled;          /* the name in .dynsym */
    char *demangled;        /* __cxa_demangle's text, or mangled for C */
    char *key;              /* decl_key of the parsed demangled name, NULL
                               for C names and names the parser can't read */
    size_t size;            /* st_size: bytes of code or data */
    unsigned char is_func;  /* STT_FUNC or STT_GNU_IFUNC; else data */
    unsigned char is_cxx;   /* a mangled C++ name */
    unsigned char parsed;
    unsigned char variant;  /* constructor/destructor flavour rank: 0 for
                               C1/D1 (complete object), 1 for C2/D2, 9 for
                               D0 (deleting): never used in place */
};

struct sym_table {
    struct sym_entry *v;
    size_t n;
};

/* Read the exported symbols of the ELF shared object at path. Returns 0
 * with t filled (the caller frees it with sym_table_free), or -1 with a
 * message in err: the file is missing or unreadable, not ELF, not 64-bit,
 * not a shared object, has no dynamic symbol table, or memory ran out. */
int sym_table_read(const char *path, struct sym_table *t, char *err,
                   size_t errlen);

/* Free what sym_table_read filled in; t is empty afterwards. */
void sym_table_free(struct sym_table *t);

/* The exported function that implements declaration d: a C++ symbol whose
 * demangled name has d's key (for a constructor or destructor, the
 * complete-object one), else, for an unqualified name, the C symbol of
 * that name. When d is a const method and only a non-const one exists
 * (or the reverse), that one. Returns the entry (owned by t), or NULL
 * when none matches (*oom set to 1 if memory ran out instead). */
const struct sym_entry *sym_find(struct sym_table *t, const struct ct_decl *d,
                                 int *oom);

/* Up to max exported function names (demangled, distinct, owned by t)
 * closest to declaration d, closest first, into out. Returns how many. */
size_t sym_closest(struct sym_table *t, const struct ct_decl *d,
                   const char **out, size_t max);

/* True when the library exports a vtable, typeinfo, constructor or
 * destructor of the class with canonical name cls ("tinyxml2::XMLNode"),
 * so that cls::f is a member function rather than a namespace's. */
int sym_is_class(struct sym_table *t, const char *cls);

/* The exported data symbol whose demangled name is exactly text
 * ("vtable for calc::Shape"), or NULL. */
const struct sym_entry *sym_find_data(const struct sym_table *t,
                                      const char *text);

/* The distinct demangled names of the exported functions, sorted, in a
 * malloc'd array of n pointers into t (the caller frees the array only).
 * Returns 0, or -1 when memory runs out. */
int sym_function_names(const struct sym_table *t, const char ***out,
                       size_t *n);

/* For `crossrun symbols LIB [PATTERN]`: print the exported functions of
 * the shared object lib (a path, or a name the dynamic linker finds, as
 * crossrun.load takes it), demangled, sorted, one per line, to out; with
 * a pattern (not NULL) only those it selects: a glob when it has one of
 * * ? [, else a part of the name. Returns 0; 1 when a pattern selects
 * nothing; -1 when the library cannot be read (missing file, not an ELF
 * shared object, ...); with a message in err when not 0. */
int ffi_print_symbols(const char *lib, const char *pattern, FILE *out,
                      char *err, size_t errlen);

#endif
