/* module: the crossrun._native module. Compiled once, linked twice: into
 * runner/crossrun as a built-in module and into the extension module that
 * /usr/bin/python3 imports from python/crossrun/. Each half of the module
 * adds its own names here. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ffi/ffi_api.h"
#include "ffi/module.h"

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "crossrun._native",
    .m_doc = "crossrun's native half: FFI and process isolation.",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__native(void)
{
    PyObject *m = PyModule_Create(&native_module);
    PyObject *all;

    if (m == NULL) {
        return NULL;
    }
    all = PyList_New(0);
    if (all == NULL || PyModule_AddObject(m, "__all__", all) != 0) {
        Py_XDECREF(all);
        goto error;
    }
    if (ffi_module_init(m) != 0 || isolate_module_init(m) != 0 ||
        quote_module_init(m) != 0 || judge_module_init(m) != 0 ||
        covhook_module_init(m) != 0) {
        goto error;
    }
    return m;
error:
    Py_DECREF(m);
    return NULL;
}
