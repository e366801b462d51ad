/* module: entry points of the crossrun._native module's parts. */
#ifndef CROSSRUN_MODULE_H
#define CROSSRUN_MODULE_H

#include <Python.h>

PyMODINIT_FUNC PyInit__native(void);

/* The process-isolation half (run_isolated), for the worker and the
 * pytest plugin. Returns 0, or -1 with a Python exception set. */
int isolate_module_init(PyObject *m);

/* quote(): the worker's protocol escaping. Returns 0, or -1 with a Python
 * exception set. */
int quote_module_init(PyObject *m);

/* verdict() and cut_note(): how an isolated run ended, in the runner's
 * words (core/verdict.h). Returns 0, or -1 with a Python exception set. */
int judge_module_init(PyObject *m);

/* cov_enable() and the gcov calls (covhook.c). Returns 0, or -1 with a
 * Python exception set. */
int covhook_module_init(PyObject *m);

#endif
