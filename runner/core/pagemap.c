/* pagemap: this process's page table entries (see pagemap.h). */
#include "core/pagemap.h"

#include <errno.h>
#include <unistd.h>

long pagemap_read(int fd, uintptr_t at, uintptr_t hi, uintptr_t page,
                  uint64_t e[PAGEMAP_WINDOW])
{
    size_t n = hi > at ? (hi - at) / page : 0;
    ssize_t got;

    if (n > PAGEMAP_WINDOW) {
        n = PAGEMAP_WINDOW;
    }
    if (n == 0) {
        return -1;
    }
    do {
        got = pread(fd, e, n * sizeof e[0], (off_t)(at / page * sizeof e[0]));
    } while (got < 0 && errno == EINTR);
    if (got <= 0 || (size_t)got % sizeof e[0] != 0) {
        return -1;
    }
    return (long)((size_t)got / sizeof e[0]);
}
