/* 05_function: crossrun.Function, built from a declaration's text
 * (lib.fn): the parsed declaration, the symbol it names, one converter
 * per parameter, the libffi signature and the layout of the per-call
 * argument area. How it is called is 06_call's, which fills
 * ffi_function_caller. Uses 01_errors, 02_values, 03_lib and 04_conv. */
#ifndef CROSSRUN_FFI_FUNCTION_H
#define CROSSRUN_FFI_FUNCTION_H

#define PY_SSIZE_T_CLEAN
#include <ffi.h> /* libffi */
#include <Python.h>

#include "cxx/decl.h"
#include "ffi/03_lib.h"
#include "ffi/04_conv.h"

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
    int sret;                /* SRET_*: a std::string or an object
                                returned through a hidden first pointer */
    int is_method, is_static;
    Py_ssize_t vindex;       /* virtual: slot in the vtable, else -1 */
    int fast;                /* 06_call's shape of the direct-call path;
                                0: through libffi */
    unsigned char fast_map[8]; /* fast path: register class per arg */
    struct ct_decl *decl;
    PyObject *text;          /* the declaration as written */
    char *symbol;            /* mangled name (or C name) */
    PyObject *lib;
    PyObject *weakrefs;
} FunctionObject;

extern PyTypeObject ffi_FunctionType;

/* Ready the Function type and add lib.fn to the Library. Returns 0, or -1
 * with an exception set. */
int ffi_function_ready(void);

/* Make a Function for declaration text in lib. cls: the declaring class
 * for methods given to lib.cls (qualifies the name), or NULL. Returns a
 * new reference, or NULL with DeclarationError/SymbolNotFound/... set. */
PyObject *ffi_function_new(LibraryObject *lib, PyObject *text,
                           const char *cls);
/* ffi_function_new for a method of cls with vtable slot slot (-1: not
 * virtual): called through the object's vtable, needing no exported
 * symbol; where the library exports the symbol and the class's vtable,
 * the slot must agree with it. */
PyObject *ffi_method_new(LibraryObject *lib, PyObject *text,
                         const char *cls, Py_ssize_t slot);

/* FunctionObject.sret: what the hidden first pointer receives. */
enum { SRET_STRING = 1, SRET_OBJECT = 2 };

/* The call, further along the chain (06_call), fills this at init:
 * prepare(f) chooses how a built f is called (sets f->vectorcall and the
 * fast-path fields). Until it is filled, making a Function raises
 * SystemError. */
struct function_caller {
    void (*prepare)(FunctionObject *f);
    /* 06_operators: told of each Function lib.fn makes (a free operator
     * serves its first operand's class); 0, or -1 with an exception. */
    int (*declared)(LibraryObject *lib, PyObject *f);
};
extern struct function_caller ffi_function_caller;

#endif
