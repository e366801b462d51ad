/* ffi_types: the C/C++ type model of the FFI: type nodes built by the
 * declaration parser, their canonical spelling (what declarations and
 * demangled symbols are compared by) and their size on x86-64 Linux. */
#ifndef CROSSRUN_FFI_TYPES_H
#define CROSSRUN_FFI_TYPES_H

#include <stddef.h>

#include "core/buf.h"

/* Invariant: the scalar kinds come first and in this order (the tables
 * in ffi_types.c are indexed by kind). */
enum ct_kind {
    CT_VOID,
    CT_BOOL,
    CT_CHAR,
    CT_SCHAR,
    CT_UCHAR,
    CT_SHORT,
    CT_USHORT,
    CT_INT,
    CT_UINT,
    CT_LONG,
    CT_ULONG,
    CT_LLONG,
    CT_ULLONG,
    CT_WCHAR,
    CT_CHAR8,
    CT_CHAR16,
    CT_CHAR32,
    CT_INT128,
    CT_UINT128,
    CT_FLOAT,
    CT_DOUBLE,
    CT_LDOUBLE,
    CT_NULLPTR,
    CT_NAMED,  /* struct, class, enum or union known only by name */
    CT_STRING, /* std::string, libstdc++'s new (cxx11) ABI */
    CT_PTR,
    CT_REF,
    CT_RREF,
    CT_ARRAY,
    CT_FUNC,
    CT_NKINDS
};

/* One type node. Nodes live in the arena of the declaration that owns
 * them and are never freed one by one. */
struct ct_type {
    enum ct_kind kind;
    unsigned char is_const;
    unsigned char is_volatile;
    unsigned char variadic;  /* FUNC: ends with "..." */
    struct ct_type *sub;     /* PTR/REF/RREF/ARRAY: element; FUNC: return */
    char *name;              /* NAMED: canonical qualified name */
    size_t count;            /* ARRAY: element count, 0 for "[]" */
    struct ct_type **params; /* FUNC: parameter types */
    size_t nparams;
};

/* A bump allocator: everything a parsed declaration owns. */
struct ct_arena {
    struct ct_block *head;
};

/* Zeroed memory from the arena, or NULL when memory runs out. */
void *ct_alloc(struct ct_arena *a, size_t n);
/* A NUL-terminated copy of n bytes of s in the arena, or NULL. */
char *ct_strndup(struct ct_arena *a, const char *s, size_t n);
/* Free every block; the arena is empty and reusable afterwards. */
void ct_arena_free(struct ct_arena *a);

/* True for the arithmetic kinds (void, bool, characters, integers,
 * floating point, nullptr_t). */
int ct_is_scalar(enum ct_kind k);
/* True for the integer kinds (bool and characters included). */
int ct_is_integer(enum ct_kind k);
/* True when the integer kind is signed. */
int ct_is_signed(enum ct_kind k);
/* Size in bytes of a scalar kind (0 for void); pointers are 8. */
size_t ct_scalar_size(enum ct_kind k);
/* The canonical spelling of a scalar kind ("unsigned long"). */
const char *ct_scalar_name(enum ct_kind k);

/* Append the canonical spelling of t to out: "char const*",
 * "calc::Point const&", "int (*)(int, void*)", "std::string". Two types
 * the platform treats as one (size_t and unsigned long, const char* and
 * char const*) print the same. Returns 0, or -1 when memory runs out. */
int ct_print(const struct ct_type *t, struct buf *out);

/* The canonical type a typedef name stands for on x86-64 Linux
 * ("size_t" -> CT_ULONG, "std::string" -> CT_STRING), or -1 when name
 * is not one of the known typedefs. */
int ct_typedef_kind(const char *name);

#endif
