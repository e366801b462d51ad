/* 01_errors: the FFI's Python exceptions (CxxException, SymbolNotFound,
 * DeclarationError, LoadError), the ways to raise them, and the one
 * exception a Python callback raised during a C call, kept until the call
 * returns. The first link of the chain (see 12_module.c): it uses no other
 * FFI file. */
#ifndef CROSSRUN_FFI_ERRORS_H
#define CROSSRUN_FFI_ERRORS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "cxx/decl.h"

/* The exception classes (borrowed; NULL until ffi_errors_init). */
extern PyObject *ffi_CxxException;
extern PyObject *ffi_SymbolNotFound;
extern PyObject *ffi_DeclarationError;
extern PyObject *ffi_LoadError;

/* Create the exception classes. Returns 0, or -1 with an exception set. */
int ffi_errors_init(void);

/* Raise DeclarationError for text with err's column and message; sets
 * .declaration, .column. Returns NULL. */
PyObject *ffi_raise_decl_error(const char *text, const struct decl_error *err);
/* Raise DeclarationError with a message about text (column 0): the
 * reason, then text on a line of its own. */
PyObject *ffi_raise_decl_msg(const char *text, const char *fmt, ...);
/* Raise CxxException(type, what); frees both (type NULL: out of memory).
 * Returns NULL. */
PyObject *ffi_raise_cxx(char *type, char *what);

/* Set when a callback raised during a C call; the exception is stored. */
extern int ffi_cb_failed;
/* Store the current exception as the callback's (only the first one of a
 * C call is kept; later ones are cleared), and set ffi_cb_failed. */
void ffi_cb_store_error(void);
/* Raise the stored callback exception and clear the state. Returns -1. */
int ffi_cb_reraise(void);
/* After C code that may have run callbacks returns: 0 when none raised,
 * else -1 with the first exception set again (and the state cleared). */
int ffi_callback_check(void);

#endif
