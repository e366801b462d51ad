/* ffi_internal: what the FFI's C files share and nothing else sees: the
 * Python object layouts, the argument/result converters and the
 * exceptions. The interface for other parts of the module is ffi_api.h and
 * ffi_closure.h. */
#ifndef CROSSRUN_FFI_INTERNAL_H
#define CROSSRUN_FFI_INTERNAL_H

#define PY_SSIZE_T_CLEAN
#include <ffi.h> /* libffi */
#include <Python.h>
#include <stdint.h>

#include "cxx/decl.h"
#include "cxx/symbols.h"

/* ---- exceptions (created by ffi_module_init) ---- */
extern PyObject *ffi_CxxException;
extern PyObject *ffi_SymbolNotFound;
extern PyObject *ffi_DeclarationError;
extern PyObject *ffi_LoadError;

/* Raise DeclarationError for text with err's column and message; sets
 * .declaration, .column. Returns NULL. */
PyObject *ffi_raise_decl_error(const char *text, const struct decl_error *err);
/* Raise DeclarationError with a message about text (column 0). */
PyObject *ffi_raise_decl_msg(const char *text, const char *fmt, ...);

/* ---- converters ----
 * A converter moves one value of one declared C type between Python and
 * C memory. Built once per parameter when a Function (or Callback, struct
 * field) is made; used on every call. */
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
    CV_OBJREF    /* a lib.cls class that is not trivially copyable, by
                    value: a hidden result pointer, or the address of a
                    copy made with its copy constructor */
};

struct conv {
    enum cv_kind kind;
    unsigned char size;        /* CV_INT/CV_ENUM: bytes */
    unsigned char is_signed;   /* CV_INT/CV_ENUM */
    unsigned char is_char;     /* CV_INT: plain char (1-byte bytes/str ok) */
    unsigned char bytes_ok;    /* CV_PTR: to byte-sized or void data */
    unsigned char str_ok;      /* CV_PTR: const char*; CV_STRPTR: const& */
    unsigned char is_ref;      /* a C++ reference: never NULL */
    ffi_type *ft;              /* how libffi passes it */
    const struct ct_type *ct;  /* the declared type (owner's arena) */
    const char *pointee;       /* CV_PTR to a named type: its name */
    PyObject *type;            /* CV_STRUCT / CV_PTR to a struct: the
                                  struct class; CV_ENUM: the enum class
                                  or NULL; CV_CREF: scalar converter
                                  owner (unused) */
    PyObject *lib;             /* borrowed: the owner keeps the Library */
    struct conv *elem;         /* CV_CREF: the scalar's converter */
    struct cb_sig *sig;        /* CV_FUNCPTR: the signature, for closures */
    size_t slot;               /* offset of the C value in the call area */
    size_t extra;              /* offset of extra storage (temporaries) */
    size_t extra_size;
};

/* Per-call temporaries, released in one loop after the call. */
enum tmp_kind { TMP_PYBUF, TMP_STRING, TMP_CLOSURE, TMP_REF };
struct tmp {
    enum tmp_kind kind;
    void *p;
};
struct callctx {
    struct tmp small[8];
    struct tmp *v;
    size_t n, cap;
};

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
 * forbids them). argno (1-based, 0: none) names the argument in
 * messages. Returns 0, or -1 with TypeError/OverflowError set. */
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
/* Release every temporary of ctx. */
void callctx_release(struct callctx *ctx);
/* Spell the declared type of c into a static-lifetime-free buffer. */
const char *conv_type_name(const struct conv *c, char *tmp, size_t n);

/* ---- objects ---- */
typedef struct {
    PyObject_HEAD
    void *handle;            /* from dlopen/dlmopen; never closed */
    PyObject *path;          /* as given to load() */
    char *file;              /* the file the loader found */
    struct sym_table syms;
    int syms_read;
    PyObject *types;         /* canonical name -> struct/class/enum type */
    PyObject *fns;           /* declaration text -> Function (lib.fn) */
    PyObject *dict;          /* instance attributes */
    int isolated;            /* loaded in a namespace of its own (it has
                                its own libc and C++ runtime) */
    void (*string_dtor)(void *); /* isolated: its libstdc++'s
                                std::string destructor, or NULL */
} LibraryObject;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    void (*fn)(void);
    ffi_cif cif;
    ffi_type **atypes;
    struct conv *args;       /* nargs converters (this first if method) */
    struct conv ret;
    PyObject **defaults;     /* nargs entries, NULL: required */
    size_t nargs, nreq;
    size_t area;             /* bytes of argument storage per call */
    size_t ret_size;         /* bytes of result storage */
    int sret;                /* returns a std::string through a hidden
                                first pointer */
    int is_method, is_static;
    Py_ssize_t vindex;       /* virtual: slot in the vtable, else -1 */
    int fast;                /* FAST_* shape of the direct-call path */
    unsigned char fast_map[8]; /* fast path: register class per arg */
    struct ct_decl *decl;
    PyObject *text;          /* the declaration as written */
    char *symbol;            /* mangled name (or C name) */
    PyObject *lib;
    PyObject *weakrefs;
} FunctionObject;

typedef struct {
    PyObject_HEAD
    void *addr;
    PyObject *keep;          /* owner of the memory, or NULL */
} PointerObject;

typedef struct {
    PyObject_HEAD
    char *data;
    Py_ssize_t len;
    Py_ssize_t exports;
} BufferObject;

typedef struct {
    PyObject_HEAD
    _Alignas(16) unsigned char mem[32]; /* a live std::string */
} StdStringObject;

/* A lib.struct layout: an internal object stored on the struct class. */
struct sfield {
    PyObject *name;
    size_t offset;
    size_t count;            /* array elements, 0: not an array */
    size_t elsize;
    struct conv conv;        /* one element */
};
typedef struct {
    PyObject_HEAD
    PyObject *name;          /* "geo::Point" */
    size_t size, align;
    size_t nfields;
    struct sfield *fields;
    ffi_type ft;
    ffi_type **elements;
    struct ct_arena arena;
    PyObject *lib;
} LayoutObject;

typedef struct {
    PyObject_HEAD
    LayoutObject *layout;    /* strong */
    char *data;
    PyObject *owner;         /* NULL: data is ours; else a view into it */
} StructObject;

typedef struct {
    PyObject_HEAD
    void *ptr;
    void *mem;               /* our allocation (owned objects) */
    unsigned char owned;     /* close() destroys and frees */
    unsigned char closed;
    PyObject *keep;          /* keeps the memory of a view alive */
    PyObject *weakrefs;
} ObjectObject;

extern PyTypeObject ffi_LibraryType;
extern PyTypeObject ffi_FunctionType;
extern PyTypeObject ffi_PointerType;
extern PyTypeObject ffi_BufferType;
extern PyTypeObject ffi_StdStringType;
extern PyTypeObject ffi_LayoutType;
extern PyTypeObject ffi_StructType;
extern PyTypeObject ffi_ObjectType;
extern PyTypeObject ffi_OverloadsType;
extern PyTypeObject ffi_BoundType;
extern PyTypeObject ffi_CallbackType;

/* Ready the types of each file. Return 0 or -1 with an exception. */
int ffi_values_ready(void);
int ffi_call_ready(void);
int ffi_struct_ready(void);
int ffi_class_ready(void);
int ffi_closure_ready(void);
int ffi_lib_ready(void);

/* A new Pointer to addr (keep may be NULL). */
PyObject *ffi_pointer_new(void *addr, PyObject *keep);
/* A new StdString holding a copy of the std::string at mem. */
PyObject *ffi_stdstring_adopt(const void *mem);
/* Read element i of the type named by type (a str or a struct class) at
 * addr: the implementation of Pointer.read and Buffer.read. */
PyObject *ffi_read_at(void *addr, PyObject *type, Py_ssize_t i,
                      PyObject *keep);
/* Write value as element i of type at addr. Returns 0 or -1. */
int ffi_write_at(void *addr, PyObject *type, Py_ssize_t i, PyObject *value);

/* Make a Function for declaration text in lib. cls: the declaring class
 * for methods given to lib.cls (qualifies the name), or NULL. Returns a
 * new reference, or NULL with DeclarationError/SymbolNotFound/... set. */
PyObject *ffi_function_new(LibraryObject *lib, PyObject *text,
                           const char *cls);
/* ffi_function_new for a method of cls with vtable slot slot (-1: not
 * virtual): called through the object's vtable, and needing no exported
 * symbol. */
PyObject *ffi_method_new(LibraryObject *lib, PyObject *text,
                         const char *cls, Py_ssize_t slot);
/* The symbol table of lib, read on first use. NULL with OSError set. */
struct sym_table *ffi_lib_symbols(LibraryObject *lib);

/* The struct class's layout, or NULL (no exception) if type is not one. */
LayoutObject *ffi_layout_of(PyObject *type);
/* A struct instance of class type: a copy of src when owner is NULL,
 * else a view of src inside owner. */
PyObject *ffi_struct_new(PyObject *type, const void *src, PyObject *owner);

/* Is o an instance of a lib.cls class? Its object's address. */
int ffi_is_object(PyObject *o);
/* A view of the object at ptr as class type (a lib.cls class). */
PyObject *ffi_object_view(PyObject *type, void *ptr, PyObject *keep);
/* lib.struct(name, fields): a new struct class (not yet registered). */
PyObject *ffi_struct_class(LibraryObject *lib, PyObject *name,
                           PyObject *fields);
/* The module-level functions: load, callback. */
extern PyMethodDef ffi_module_functions[];
/* lib.cls(...) */
PyObject *ffi_class_new(LibraryObject *lib, PyObject *args, PyObject *kw);

/* Callbacks (ffi_closure.c). A signature: cif and converters of a C
 * function type, used to make closures. */
struct cb_sig;
struct cb_sig *cb_sig_new(const struct ct_type *func, PyObject *lib,
                          const char *decl);
void cb_sig_free(struct cb_sig *s);
/* A temporary closure calling callable, freed with cb_temp_free. Returns
 * the code address, or NULL with an exception set. */
void *cb_temp_new(struct cb_sig *sig, PyObject *callable, void **handle);
void cb_temp_free(void *handle);
/* Is o a Callback object? Its code address. */
int ffi_is_callback(PyObject *o);
void *ffi_callback_addr(PyObject *o);
/* Set when a callback raised during a C call; the exception is stored. */
extern int ffi_cb_failed;
/* Raise the stored callback exception. Returns -1. */
int ffi_cb_reraise(void);

/* lib.mock and lib.imports (ffi_mock.c), load(isolated=, stubs=)
 * (ffi_nsload.c): set up after the rest of the FFI. 0, or -1 with an
 * exception set. */
extern PyTypeObject ffi_MockType;
int ffi_mock_init(void);
int ffi_nsload_init(void);

/* Raise CxxException(type, what); frees both. Returns NULL. */
PyObject *ffi_raise_cxx(char *type, char *what);

#endif
