/* 09_class: lib.cls(name, size=, methods=[...]): C++ classes as Python
 * classes, their objects (owned or views) and overloaded methods. Uses
 * 01_errors to 05_function (a method is a Function); fills the class part
 * of conv_hooks and adds lib.cls to the Library at init. */
#ifndef CROSSRUN_FFI_CLASS_H
#define CROSSRUN_FFI_CLASS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

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

#endif
