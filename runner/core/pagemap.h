/* pagemap: this process's /proc/self/pagemap, one 64-bit entry per page
 * (Documentation/admin-guide/mm/pagemap.rst), read a window at a time
 * without allocating (the readers run in a test's process, whose heap
 * the test may have broken). */
#ifndef CROSSRUN_PAGEMAP_H
#define CROSSRUN_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>

#define PAGEMAP_PRESENT (1ULL << 63)
#define PAGEMAP_FILE (1ULL << 61)      /* a file's page, or shared anonymous */
#define PAGEMAP_EXCLUSIVE (1ULL << 56) /* mapped by this process alone */

/* Entries read per window. */
#define PAGEMAP_WINDOW 512

/* Read into e the entries of the pages from `at` (a page address) up to
 * `hi`, at most PAGEMAP_WINDOW of them, from fd (/proc/self/pagemap
 * open for reading). Returns how many, or -1 (nothing readable). */
long pagemap_read(int fd, uintptr_t at, uintptr_t hi, uintptr_t page,
                  uint64_t e[PAGEMAP_WINDOW]);

#endif
