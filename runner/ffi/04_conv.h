/* 04_conv: the converters, one table of C types: how a value of a
 * declared C type moves between Python and C memory, for arguments,
 * results, struct fields, callback arguments and typed memory reads. Uses
 * 01_errors, 02_values and 03_lib; the struct, class and closure files
 * further along the chain fill conv_hooks at init. */
#ifndef CROSSRUN_FFI_CONV_H
#define CROSSRUN_FFI_CONV_H

#define PY_SSIZE_T_CLEAN
#include <ffi.h> /* libffi */
#include <Python.h>
#include <stddef.h>

#include "cxx/decl.h"

/* The kinds of converter: one row of the table each (04_conv.c). */
enum cv_kind {
    CV_VOID,
    CV_BOOL,
    CV_INT,      /* signed or unsigned, 1/2/4/8 bytes, char included */
    CV_FLOAT,
    CV_DOUBLE,
    CV_LDOUBLE,
    CV_ENUM,     /* int-sized; comes back as the enum's member when known */
    CV_PTR,      /* any data pointer or reference */
    CV_FUNCPTR,  /* pointer to function: Callback or a Python callable */
    CV_STRUCT,   /* a lib.struct by value */
    CV_STRING,   /* std::string by value */
    CV_STRPTR,   /* std::string* / std::string& / const std::string& */
    CV_CREF,     /* const T& of a scalar T: a value passed by address */
    CV_THIS,     /* the object a method is called on */
    CV_OBJVAL,   /* a trivially copyable lib.cls class by value: like a
                    struct, by its fields= layout */
    CV_OBJREF,   /* a lib.cls class that is not trivially copyable, by
                    value: a hidden result pointer, or the address of a
                    copy made with its copy constructor */
    CV_STD,      /* a standard container or a pointer/reference to one
                    (09_std: std::vector, std::map, ...) */
    CV_SMART,    /* std::unique_ptr / std::shared_ptr (05_smart) */
    CV_NKINDS
};

/* A converter moves one value of one declared C type between Python and
 * C memory. Built once per parameter when a Function (or Callback, struct
 * field) is made; used on every call. */
struct conv {
    enum cv_kind kind;
    unsigned char size;        /* CV_INT/CV_ENUM: bytes */
    unsigned char is_signed;   /* CV_INT/CV_ENUM */
    unsigned char is_char;     /* CV_INT: plain char (1-byte bytes/str ok) */
    unsigned char bytes_ok;    /* CV_PTR: to byte-sized or void data */
    unsigned char str_ok;      /* CV_PTR: const char*; CV_STRPTR: const& */
    unsigned char is_ref;      /* a C++ reference: never NULL */
    size_t struct_size;        /* CV_STRUCT: bytes of the struct */
    ffi_type *ft;              /* how libffi passes it */
    const struct ct_type *ct;  /* the declared type (owner's arena) */
    const char *pointee;       /* CV_PTR to a named type: its name */
    PyObject *type;            /* CV_STRUCT / CV_PTR to a struct: the
                                  struct class; CV_ENUM: the enum class
                                  or NULL (strong) */
    PyObject *lib;             /* borrowed: the owner keeps the Library */
    struct conv *elem;         /* CV_CREF: the scalar's converter */
    struct cb_sig *sig;        /* CV_FUNCPTR: the signature, for closures */
    void *std;                 /* CV_STD / CV_SMART: the type's
                                  description (09_std, 05_smart; in the
                                  owner's arena) */
    size_t slot;               /* offset of the C value in the call area */
    size_t extra;              /* offset of extra storage (temporaries) */
    size_t extra_size;
};

/* Per-call temporaries, released in one loop after the call. */
enum tmp_kind { TMP_PYBUF, TMP_STRING, TMP_CLOSURE, TMP_REF, TMP_STD,
                TMP_SMART };
struct tmp {
    enum tmp_kind kind;
    void *p;
};
struct callctx {
    struct tmp small[8];
    struct tmp *v;
    size_t n, cap;
};

/* Bytes kept for a result returned through a hidden pointer: a
 * std::string (32) or a container (the largest: std::unordered_map, 56). */
#define CONV_SRET_SIZE 64

/* Build c for type t in role role (CONV_ARG, CONV_RET, CONV_FIELD,
 * CONV_CBARG: callback argument, CONV_CBRET). lib supplies declared
 * structs, enums and classes (may be NULL). Returns 0, or -1 with a
 * Python exception set (DeclarationError naming decl for types that
 * cannot be passed that way). */
enum conv_role { CONV_ARG, CONV_RET, CONV_FIELD, CONV_CBARG, CONV_CBRET };
int conv_build(struct conv *c, const struct ct_type *t, PyObject *lib,
               enum conv_role role, const char *decl, struct ct_arena *a);
/* Release what conv_build took (references). */
void conv_clear(struct conv *c);

/* Convert o into the C value at dst (ctx collects temporaries; NULL
 * forbids them). argno (1-based, 0: 'this', -1: none) names the argument
 * in messages. Returns 0, or -1 with TypeError/OverflowError set. */
int conv_to_c(const struct conv *c, PyObject *o, void *dst, void *extra,
              struct callctx *ctx, int argno);
/* A new Python value for the C value at src (keep: an object that owns
 * the memory, kept alive by views into it, or NULL). NULL with an
 * exception set on failure. */
PyObject *conv_from_c(const struct conv *c, const void *src, PyObject *keep);
/* Bytes one element of c occupies in memory (a struct field element, a
 * Pointer.read/write element). */
size_t conv_mem_size(const struct conv *c);
/* How well o fits c: 0 not at all, 1 with a conversion, 2 exactly. */
int conv_score(const struct conv *c, PyObject *o);
/* Keep temporary p of kind k until ctx is released. Returns 0, or -1
 * with MemoryError set (p is not kept). */
int conv_tmp_add(struct callctx *ctx, enum tmp_kind k, void *p);
/* Make ctx empty, ready for a call. */
void callctx_init(struct callctx *ctx);
/* Release every temporary of ctx (and make it empty again). */
void callctx_release(struct callctx *ctx);
/* Spell the declared type of c into tmp (n bytes); returns tmp. */
const char *conv_type_name(const struct conv *c, char *tmp, size_t n);

/* What the converters need of the files further along the chain, which
 * own the Python types they make and recognise: callbacks (07_closure),
 * struct classes (08_struct), lib.cls classes (09_class). Each fills its
 * part in its ready function, before any converter runs. */
struct cb_sig;
/* What a container needs to hold objects of a lib.cls class. The
 * Functions are borrowed from the class (alive as long as it is); NULL
 * when the class does not declare one or the library does not reach it
 * (not exported, and no headers= to compile it). */
struct conv_class {
    const char *name;   /* "stdc::Tally" */
    size_t size;        /* size= (at least sizeof) */
    size_t exact;       /* sizeof, from sizeof= or fields=; 0: unknown */
    size_t align;       /* alignof from fields=, 0 when not known */
    int trivial;        /* trivially copyable: copied byte for byte */
    PyObject *copy;     /* C(const C&) */
    PyObject *move;     /* C(C&&) */
    PyObject *dtor;     /* ~C() */
    PyObject *lib;      /* the Library that declared it */
};
struct conv_hooks {
    /* 07_closure. sig_new: the signature of C function type func, for
     * closures (NULL with an exception set); temp_new: a closure calling
     * callable for one call, its code address (handle: for temp_free), or
     * NULL with an exception set; callback_code: a Callback's code
     * address, NULL when o is not a Callback. */
    struct cb_sig *(*sig_new)(const struct ct_type *func, PyObject *lib,
                              const char *decl);
    void (*sig_free)(struct cb_sig *s);
    void *(*temp_new)(struct cb_sig *sig, PyObject *callable,
                      void **handle);
    void (*temp_free)(void *handle);
    void *(*callback_code)(PyObject *o);
    /* 08_struct. struct_layout: 1 with the size and libffi type of a
     * struct class, 0 when type is not one; struct_new: an instance of
     * class type, a copy of src (owner NULL) or a view into owner;
     * struct_data: the memory of a struct instance, NULL for anything
     * else. */
    int (*struct_layout)(PyObject *type, size_t *size, ffi_type **ft);
    PyObject *(*struct_new)(PyObject *type, const void *src,
                            PyObject *owner);
    void *(*struct_data)(PyObject *o);
    /* 09_class. is_class: is type a lib.cls class; object_view: a view of
     * the object at ptr as class type; object_address: 1 with *addr when
     * o is an object, 0 when it is not, -1 with ValueError when it is
     * closed. */
    int (*is_class)(PyObject *type);
    PyObject *(*object_view)(PyObject *type, void *ptr, PyObject *keep);
    int (*object_address)(PyObject *o, void **addr);
    /* 09_byvalue: lib.cls classes by value (Itanium C++ ABI).
     * byvalue_build: c for class cls by value in role (0, or -1 with
     * DeclarationError); byvalue_copy: the temporary copy of o made with
     * the class's copy constructor that a by-value argument points to
     * (new reference, or NULL); byvalue_from_c: a new owned object
     * holding a copy of the trivial value at src; byvalue_size: bytes of
     * a CV_OBJVAL value; struct_check_trivial: -1 with DeclarationError
     * when the struct name is a class the library gives a destructor,
     * copy constructor or vtable, else 0. object_alloc: an object of
     * class cls with zeroed memory, not yet constructed (NULL with an
     * exception); object_constructed: it now owns a constructed object;
     * object_abandon: free its memory without a destructor, drop it. */
    int (*byvalue_build)(struct conv *c, PyObject *cls, int role,
                         const char *decl);
    PyObject *(*byvalue_copy)(const struct conv *c, PyObject *o, int argno);
    PyObject *(*byvalue_from_c)(const struct conv *c, const void *src);
    size_t (*byvalue_size)(const struct conv *c);
    int (*struct_check_trivial)(PyObject *lib, const char *name,
                                const char *decl);
    PyObject *(*object_alloc)(PyObject *cls);
    void (*object_constructed)(PyObject *o);
    void (*object_abandon)(PyObject *o);
    /* The pointer an object holds (the address of the C++ object). */
    void *(*object_ptr)(PyObject *o);
    /* 09_class: what a container of objects of lib.cls class cls needs
     * (06_stdtype, 06_stdread, ...). 0 with out filled, -1 (no
     * exception) when cls is not a lib.cls class. */
    int (*class_elem)(PyObject *cls, struct conv_class *out);
    /* 09_std. std_build: 1 when t is a standard container (or a pointer
     * or reference to one) and c was built for it, 0 when t is not one,
     * -1 with DeclarationError set; the rest are CV_STD's row of the
     * table, std_release destroys a TMP_STD temporary and std_clear
     * releases what std_build took; std_sret: is c a container returned
     * by value through a hidden pointer (conv_from_c then reads and
     * destroys it); std_discard destroys such a result that is not read
     * (an error came first). */
    int (*std_build)(struct conv *c, const struct ct_type *t, PyObject *lib,
                     enum conv_role role, const char *decl,
                     struct ct_arena *a);
    int (*std_to_c)(const struct conv *c, PyObject *o, void *dst,
                    void *extra, struct callctx *ctx, int argno);
    PyObject *(*std_from_c)(const struct conv *c, const void *src,
                            PyObject *keep);
    int (*std_score)(const struct conv *c, PyObject *o);
    void (*std_release)(void *p);
    void (*std_clear)(struct conv *c);
    int (*std_sret)(const struct conv *c);
    void (*std_discard)(const struct conv *c, void *mem);
    /* 05_smart: the same for CV_SMART; a smart pointer result is always
     * returned through a hidden pointer. */
    int (*smart_build)(struct conv *c, const struct ct_type *t,
                       PyObject *lib, enum conv_role role, const char *decl,
                       struct ct_arena *a);
    int (*smart_to_c)(const struct conv *c, PyObject *o, void *dst,
                      void *extra, struct callctx *ctx, int argno);
    PyObject *(*smart_from_c)(const struct conv *c, const void *src,
                              PyObject *keep);
    int (*smart_score)(const struct conv *c, PyObject *o);
    void (*smart_release)(void *p);
    void (*smart_discard)(const struct conv *c, void *mem);
};
extern struct conv_hooks conv_hooks;

/* Give Pointer.read/write and buffer.read/write (02_values) their
 * conversions. Returns 0. */
int conv_ready(void);

#endif
