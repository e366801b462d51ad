/* size: parsing of sizes (see size.h). */
#include "size.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int size_parse(const char *s, unsigned long long *out)
{
    static const char units[] = "KMGT";
    unsigned long long v = 0;
    const char *p = s;
    int shift = 0;

    if (!isdigit((unsigned char)*p)) {
        return -1;
    }
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (1ull << 62) / 10) {
            return -1;
        }
        v = v * 10 + (unsigned long long)(*p - '0');
    }
    if (*p != '\0') {
        const char *u = strchr(units, toupper((unsigned char)*p));

        if (u == NULL) {
            return -1;
        }
        shift = 10 * (int)(u - units + 1);
        p++;
        if (strcasecmp(p, "ib") != 0 && strcasecmp(p, "b") != 0 &&
            *p != '\0') {
            return -1;
        }
    }
    if (v > (1ull << 62) >> shift) {
        return -1;
    }
    *out = v << shift;
    return 0;
}
