/* ffi_decl: the parser of C and C++ function declarations and of the
 * demangled names of exported symbols, both into ffi_types nodes, and the
 * canonical key by which a declaration is matched to a symbol. */
#ifndef CROSSRUN_FFI_DECL_H
#define CROSSRUN_FFI_DECL_H

#include <stddef.h>

#include "core/buf.h"
#include "cxx/types.h"

struct ct_param {
    struct ct_type *type;
    const char *name;   /* NULL when the declaration names none */
    const char *defval; /* default argument as written ("0", "nullptr"),
                           or NULL */
};

/* A parsed declaration. Everything hangs off the arena; decl_free frees
 * it all. Invariants: name is canonical ("a::b::f", no spaces except
 * inside template arguments, no leading "::", no [abi:...] tags); base
 * points into name at its last component; is_dtor iff base starts with
 * '~'. */
struct ct_decl {
    struct ct_arena arena;
    struct ct_type *ret;  /* NULL: no return type was written
                             (constructor, destructor, demangled name) */
    char *name;           /* "" for a bare function type "int(int)" */
    const char *base;
    struct ct_type *conv; /* a conversion operator's type ("operator
                             bool": bool), its result; else NULL */
    struct ct_param *params;
    size_t nparams;
    unsigned char variadic;
    unsigned char is_const;   /* trailing const: a const method */
    unsigned char is_static;
    unsigned char is_virtual;
    unsigned char is_dtor;
    unsigned char is_volatile; /* trailing volatile: a volatile method */
    unsigned char ref_qual;   /* a method's trailing & (1) or && (2) */
    char *abi_tags;       /* the ABI tags written after the function's
                             name ("[abi:cxx11]"), or NULL: the demangled
                             text shows them, the mangled name needs them */
};

/* Where parsing stopped and why. column is 1-based. */
struct decl_error {
    size_t column;
    char msg[200];
};

/* Flags of decl_parse. */
#define DECL_NO_RETURN 1u /* a missing return type is fine: constructors,
                             destructors, demangled symbol names */
#define DECL_NO_NAME 2u   /* a missing name is fine: "int(int, void*)" */

/* Parse a function declaration: "int calc::add(int a, int b)",
 * "static Foo* Foo::make(const char*)", "virtual ~Foo()",
 * "double area() const". Returns the declaration (the caller frees it
 * with decl_free), or NULL with err filled in (err->column 0 and an
 * "out of memory" message when memory ran out). */
struct ct_decl *decl_parse(const char *text, unsigned flags,
                           struct decl_error *err);

/* Parse a type alone: "double", "const char*", "int[4]", "geo::Point",
 * "int (*)(int)". Nodes go into arena a. Returns the type, or NULL with
 * err filled in. */
struct ct_type *decl_parse_type(const char *text, struct ct_arena *a,
                                struct decl_error *err);

/* Free a declaration from decl_parse. NULL is fine. */
void decl_free(struct ct_decl *d);

/* Append the key of d to out: its name, its parameter types with
 * top-level const dropped and arrays decayed, and " const" for a const
 * method: "calc::Shape::scale(double)", "tinyxml2::XMLNode::
 * FirstChildElement(char const*) const". A declaration and the demangled
 * name of the symbol that implements it have the same key. Returns 0, or
 * -1 when memory runs out. */
int decl_key(const struct ct_decl *d, struct buf *out);

/* Append the canonical text of the whole declaration (return type, key)
 * to out, for messages. Returns 0 or -1 (out of memory). */
int decl_print(const struct ct_decl *d, struct buf *out);

#endif
