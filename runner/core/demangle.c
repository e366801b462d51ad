/* demangle: C++ names made readable (see demangle.h). */
#include "core/demangle.h"

#include <stdlib.h>
#include <string.h>

/* From libstdc++'s ABI (cxxabi.h is C++ only). */
char *__cxa_demangle(const char *mangled, char *out, size_t *len,
                     int *status);

char *dem_name(const char *sym)
{
    int status = -1;
    char *d = NULL;

    if (strncmp(sym, "_Z", 2) == 0) {
        d = __cxa_demangle(sym, NULL, NULL, &status);
    }
    if (d != NULL && status == 0) {
        return d;
    }
    free(d);
    return strdup(sym);
}
