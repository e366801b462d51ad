/* 08_struct: lib.struct(name, fields): C structs by value, a Python
 * class per struct whose instances hold its bytes. Uses 01_errors to
 * 04_conv (a field is a converter); fills the struct part of conv_hooks
 * and adds lib.struct to the Library at init. */
#ifndef CROSSRUN_FFI_STRUCT_H
#define CROSSRUN_FFI_STRUCT_H

#define PY_SSIZE_T_CLEAN
#include <ffi.h> /* libffi */
#include <Python.h>

#include "cxx/types.h"
#include "ffi/03_lib.h"
#include "ffi/04_conv.h"

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
    PyObject *kept;          /* the bytes/str its char* fields point
                                into, by field address; or NULL */
} StructObject;

extern PyTypeObject ffi_LayoutType;
extern PyTypeObject ffi_StructType;

/* Ready the types, fill conv_hooks' struct part, add lib.struct. Returns
 * 0, or -1 with an exception set. */
int ffi_struct_ready(void);

/* The struct class's layout (borrowed), or NULL (no exception) if type
 * is not one. */
LayoutObject *ffi_layout_of(PyObject *type);
/* lib.struct(name, fields): a new struct class (not yet registered);
 * also the layout of a lib.cls class's fields=. NULL with an exception. */
PyObject *ffi_struct_class(LibraryObject *lib, PyObject *name,
                           PyObject *fields);
/* A struct instance of class type: a copy of src when owner is NULL,
 * else a view of src inside owner. NULL with TypeError when type is not
 * a struct class. */
PyObject *ffi_struct_new(PyObject *type, const void *src, PyObject *owner);

#endif
