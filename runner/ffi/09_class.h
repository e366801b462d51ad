/* 09_class: lib.cls(name, size=, methods=[...]): C++ classes as Python
 * classes, their objects (owned or views) and overloaded methods. Uses
 * 01_errors to 05_function (a method is a Function); fills the class part
 * of conv_hooks and adds lib.cls to the Library at init. */
#ifndef CROSSRUN_FFI_CLASS_H
#define CROSSRUN_FFI_CLASS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/08_struct.h"

typedef struct {
    PyObject_HEAD
    void *ptr;
    void *mem;               /* our allocation (owned objects) */
    unsigned char owned;     /* close() destroys and frees */
    unsigned char closed;
    PyObject *keep;          /* keeps the memory of a view alive */
    PyObject *weakrefs;
} ObjectObject;

extern PyTypeObject ffi_ObjectType;     /* crossrun.Object */
extern PyTypeObject ffi_OverloadsType;  /* crossrun.Method */
extern PyTypeObject ffi_BoundType;

/* Ready the types, fill conv_hooks' class part, add lib.cls. Returns 0,
 * or -1 with an exception set. */
int ffi_class_ready(void);

/* The module's functions of this file: crossrun.delete. */
extern PyMethodDef ffi_class_functions[];

/* ---- classes by value (09_class.c; used by 09_byvalue.c) ---- */

/* How a lib.cls class travels by value. */
struct class_abi {
    PyObject *name;          /* borrowed: "objs::Status" */
    size_t size;             /* as declared (an upper bound) */
    int trivial;             /* trivially copyable */
    int trivial_given;       /* trivial= said so (not inferred) */
    LayoutObject *layout;    /* fields=, or NULL */
    PyObject *copy;          /* borrowed: copy constructor, or NULL */
};

/* Fill out for cls. 0, or -1 (no exception) when cls is not a lib.cls
 * class. */
int ffi_class_abi(PyObject *cls, struct class_abi *out);
/* An object of lib.cls class cls with zeroed memory of its size, not yet
 * constructed (not owned). NULL with an exception set. */
PyObject *ffi_object_alloc(PyObject *cls);
/* o (from ffi_object_alloc) now holds a constructed object: it owns it,
 * and close(), `with` or garbage collection runs the destructor. */
void ffi_object_constructed(PyObject *o);
/* Free o's memory without a destructor (nothing was constructed in it)
 * and drop the reference. */
void ffi_object_abandon(PyObject *o);
/* The address of the C++ object o (a lib.cls object) stands for. */
void *ffi_object_ptr(PyObject *o);

#endif
