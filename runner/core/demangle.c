/* demangle: C++ names made readable (see demangle.h). */
#include "core/demangle.h"

#include <stdlib.h>
#include <string.h>

/* From libstdc++'s ABI (cxxabi.h is C++ only). */
char *__cxa_demangle(const char *mangled, char *out, size_t *len,
                     int *status);

char *dem_try(const char *mangled)
{
    int status = -1;
    char *d = __cxa_demangle(mangled, NULL, NULL, &status);

    if (d != NULL && status == 0) {
        return d;
    }
    free(d);
    return NULL;
}

char *dem_name(const char *sym)
{
    char *d = strncmp(sym, "_Z", 2) == 0 ? dem_try(sym) : NULL;

    return d != NULL ? d : strdup(sym);
}
