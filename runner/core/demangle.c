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

/* One backtrace line: "OBJ(SYM+OFF) [ADDR]" or "OBJ(+OFF) [ADDR]" or
 * "OBJ() [ADDR]" or "[ADDR]". Returns 0 if rewritten, 1 if not that
 * shape, -1 on no memory. */
static int frame(const char *line, size_t n, int idx, struct buf *out)
{
    const char *open = memchr(line, '(', n);
    const char *close, *plus, *obj, *slash;
    char *sym, *nice;
    int rc;

    if (open == NULL) {
        return 1;
    }
    close = memchr(open, ')', n - (size_t)(open - line));
    if (close == NULL || close + 1 >= line + n ||
        (close[1] != ' ' && close[1] != '[')) {
        return 1;
    }
    plus = open + 1;
    while (plus < close && *plus != '+') {
        plus++;
    }
    obj = line;
    for (slash = line; slash < open; slash++) {
        if (*slash == '/') {
            obj = slash + 1;
        }
    }
    sym = strndup(open + 1, (size_t)(plus - open - 1));
    if (sym == NULL) {
        return -1;
    }
    nice = sym[0] ? dem_name(sym) : strdup("??");
    free(sym);
    if (nice == NULL) {
        return -1;
    }
    rc = buf_printf(out, "  #%-2d %s%.*s in %.*s %.*s\n", idx, nice,
                    (int)(close - plus), plus, (int)(open - obj), obj,
                    (int)(line + n - close - 1 - (close[1] == ' ')),
                    close + 1 + (close[1] == ' '));
    free(nice);
    return rc;
}

int dem_backtrace(const char *in, size_t len, struct buf *out)
{
    const char *p = in, *end = in + len;
    int in_bt = 0, idx = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        int rc = 1;

        if (n == 0) {
            in_bt = 0;
        } else if (strncmp(p, "Native backtrace", 16) == 0) {
            in_bt = 1;
            idx = 0;
        } else if (in_bt) {
            rc = frame(p, n, idx, out);
            if (rc == 0) {
                idx++;
            }
        }
        if (rc < 0) {
            return -1;
        }
        if (rc == 1 && (buf_append(out, p, n) != 0 ||
                        buf_append(out, "\n", 1) != 0)) {
            return -1;
        }
        p += n + (nl != NULL);
    }
    return 0;
}
