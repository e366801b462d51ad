/* 07_closure: C function pointers that call Python (libffi closures):
 * crossrun.callback and lib.callback, the temporary closures the
 * converters make for a Python callable passed as a function pointer
 * (through conv_hooks), and the C interface that mocks build on. Uses
 * 01_errors to 04_conv. */
#ifndef CROSSRUN_FFI_CLOSURE_H
#define CROSSRUN_FFI_CLOSURE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

extern PyTypeObject ffi_CallbackType;

/* Ready the Callback type, fill the closure part of conv_hooks and add
 * lib.callback. Returns 0, or -1 with an exception set. */
int ffi_closure_ready(void);

/* The module-level functions of this file (callback), ending with a
 * NULL-named entry. */
extern PyMethodDef ffi_closure_functions[];

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

/* ffi_callback_check(), which raises a callback's stored exception after
 * the C code that ran it returns, is in 01_errors.h. */

#endif
