/* 02_values: crossrun.Pointer, crossrun.buffer and crossrun.StdString,
 * the values a test holds directly: their layouts and constructors. Uses
 * no other FFI file. */
#ifndef CROSSRUN_FFI_VALUES_H
#define CROSSRUN_FFI_VALUES_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

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

extern PyTypeObject ffi_PointerType;
extern PyTypeObject ffi_BufferType;
extern PyTypeObject ffi_StdStringType;

/* Ready the three types. Returns 0, or -1 with an exception set. */
int ffi_values_ready(void);

/* A new Pointer to addr (keep: what owns the memory, may be NULL). */
PyObject *ffi_pointer_new(void *addr, PyObject *keep);
/* A new StdString holding a copy of the std::string at mem. */
PyObject *ffi_stdstring_adopt(const void *mem);

/* Pointer.read/write and buffer.read/write take a C type and convert the
 * memory, which is the converters' job (04_conv, further along the
 * chain): it fills these at init. read: element i of type (a type name or
 * a struct class) at addr, a new reference or NULL with an exception
 * set; write: value as element i, 0 or -1 with an exception set. Until
 * filled, read() and write() raise SystemError. */
struct values_access {
    PyObject *(*read)(void *addr, PyObject *type, Py_ssize_t i,
                      PyObject *keep);
    int (*write)(void *addr, PyObject *type, Py_ssize_t i, PyObject *value);
};
extern struct values_access ffi_values_access;

#endif
