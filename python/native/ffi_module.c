/* ffi_module: the FFI half of crossrun._native (placeholder until the FFI
 * lands: it adds no names). */
#include "ffi.h"

int ffi_module_init(PyObject *m)
{
    (void)m;
    return 0;
}
