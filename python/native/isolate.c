/* isolate: crossrun._native.run_isolated, the supervisor for Python
 * callers (placeholder: adds no names yet). */
#include "module.h"

int isolate_module_init(PyObject *m)
{
    (void)m;
    return 0;
}
