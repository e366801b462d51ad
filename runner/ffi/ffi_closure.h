/* ffi_closure: C function pointers that call Python (libffi closures):
 * crossrun.callback, and the C interface that mocks build on. */
#ifndef CROSSRUN_FFI_CLOSURE_H
#define CROSSRUN_FFI_CLOSURE_H

#include <Python.h>

/* A crossrun.Callback: a C function of the type decl describes
 * ("int(int, void*)", "int db::query(const char*)" or "int (*)(int)")
 * whose calls run callable with the arguments converted as return values
 * are (numbers as int/float, pointers as Pointer or a view of a class
 * declared in lib), and whose result converts back as an argument does.
 * lib is a crossrun Library or NULL. An exception raised by callable is
 * stored, the C caller gets a zero result, and no other callback runs
 * until ffi_callback_check() raises it. Returns a new reference, or NULL
 * with an exception set (DeclarationError for a bad declaration). */
PyObject *ffi_callback_new(PyObject *lib, const char *decl,
                           PyObject *callable);

/* The C function pointer of the Callback cb, valid while cb lives; NULL
 * when cb is not a Callback. */
void *ffi_callback_code(PyObject *cb);

/* After C code that may have run callbacks returns: 0 when none raised,
 * else -1 with the first exception set again (and the state cleared). */
int ffi_callback_check(void);

#endif
