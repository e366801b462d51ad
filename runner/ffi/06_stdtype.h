/* 06_stdtype: the description of a standard container type (std::vector,
 * std::pair, std::map, std::unordered_map, std::string_view) read from
 * its spelling, as libstdc++ lays it out; the tree the other std
 * files walk to read, build and destroy one. Uses 01_errors, 03_lib,
 * 04_conv, 04_shim (an object's sizeof from load(headers=)) and 05_smart
 * (smart pointers as elements). */
#ifndef CROSSRUN_FFI_STDTYPE_H
#define CROSSRUN_FFI_STDTYPE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/04_conv.h"
#include "ffi/05_smart.h"

enum sc_kind { SC_LEAF, SC_STRING, SC_VECTOR, SC_PAIR, SC_MAP, SC_UMAP,
               SC_SVIEW, SC_OBJ, SC_SMART, SC_SET, SC_LIST };

/* A container type, or one of its elements. Lives in the arena of the
 * declaration (or StdContainer) that described it. */
struct sc_type {
    enum sc_kind kind;
    size_t size, align;    /* align 0: not known (an object's, without
                              fields=); layouts that depend on it are
                              refused */
    struct conv leaf;      /* SC_LEAF: the element's converter */
    struct sc_type *a, *b; /* VECTOR, SET, LIST: a; PAIR: first, second;
                              MAPs: the key and mapped type */
    size_t off_b;          /* PAIR/MAPs: offset of second in the pair */
    size_t vsize;          /* MAPs, SET: bytes of the value a node holds */
    size_t node_val;       /* UMAP, LIST: offset of the value in a node */
    size_t node_hash;      /* UMAP: offset of the cached hash, 0: none */
    const char *name;      /* canonical spelling, for messages */
    PyObject *cls;         /* SC_OBJ: the lib.cls class (a reference) */
    struct conv_class obj; /* SC_OBJ: its size, copy constructor, ... */
    const struct sp_use *sp; /* SC_SMART: which smart pointer (05_smart) */
    PyObject *lib;         /* SC_SMART: borrowed, for the pointee's class */
};

/* How a parameter or result uses a container (conv.std). */
struct sc_use {
    struct sc_type *t;
    unsigned char by_value; /* the container itself */
    unsigned char is_const; /* const& / const* */
    unsigned char is_ptr;   /* a pointer (None passes NULL) */
    unsigned char owned;    /* a result by value: destroyed once read */
};

/* Bytes of the containers whose size does not depend on the element
 * (bits/stl_vector.h: three pointers; bits/hashtable.h; string_view:
 * length, then pointer; a std::set is a std::map's tree, SC_MAP_SIZE). */
#define SC_UMAP_SIZE 56
#define SC_VEC_SIZE 24
#define SC_SV_SIZE 16
/* std::list (bits/stl_list.h, the C++11 ABI): a header node (next,
 * prev) and the size; a node is next, prev, then the value. */
#define SC_LIST_SIZE 24
#define SC_LIST_NODE 16

/* n rounded up to a multiple of a. */
static inline size_t sc_round_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

/* What the refusals list as supported, for messages. */
extern const char ffi_std_supported[];

/* Is name (a type's spelling) a container these files describe? */
int ffi_std_is_container(const char *name);

/* The description of the container type called name, allocated in a;
 * lib supplies declared element types (may be NULL). NULL with a
 * DeclarationError naming decl when an element type is not supported or
 * not declared. */
struct sc_type *ffi_std_describe(const char *name, PyObject *lib,
                                 const char *decl, struct ct_arena *a);

/* Does t hold smart pointers (read only by moving them out: such a
 * container is read only as a result by value, then destroyed)? */
int ffi_std_has_smart(const struct sc_type *t);
/* Does t hold std::unique_ptrs (which cannot be copied in: such a
 * container is not made from Python)? */
int ffi_std_has_unique(const struct sc_type *t);

/* Release the references the leaves of t hold (declared struct types);
 * the memory is the arena's. */
void ffi_std_clear(struct sc_type *t);

#endif
