/* codepages: page table entries of the hot code (see codepages.h). */
#include "core/codepages.h"

#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/pagemap.h"

/* The code segments that codepages_share() gave an anonymous page:
 * page-aligned [lo, hi) ranges. */
#define MAX_SEGMENTS 8
static struct {
    uintptr_t lo, hi;
} segments[MAX_SEGMENTS];
static int nsegments;

/* The code that every test's process runs: the program's own, Python's
 * and the C library's. */
static int hot_code(const char *name)
{
    return name[0] == '\0' || strstr(name, "libpython") != NULL ||
           strstr(name, "/libc.so") != NULL;
}

static int share_segment(struct dl_phdr_info *info, size_t size, void *arg)
{
    int fd = *(int *)arg;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

    (void)size;
    if (!hot_code(info->dlpi_name)) {
        return 0;
    }
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t at = info->dlpi_addr + ph->p_vaddr;
        unsigned char byte;

        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) {
            continue;
        }
        /* The same byte back: the mapping now has an anonymous page, and
         * so its page table entries are copied at fork. */
        if (pread(fd, &byte, 1, (off_t)at) != 1 ||
            pwrite(fd, &byte, 1, (off_t)at) != 1) {
            return 1;   /* not allowed here: nothing to gain, stop */
        }
        if (nsegments < MAX_SEGMENTS) {
            segments[nsegments].lo = at & ~(page - 1);
            segments[nsegments].hi = (at + ph->p_memsz + page - 1) &
                                     ~(page - 1);
            nsegments++;
        }
    }
    return 0;
}

void codepages_share(void)
{
    int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        return;
    }
    dl_iterate_phdr(share_segment, &fd);
    close(fd);
}

/* Is the page of entry e one to keep: present and not the file's own
 * page, so the mapping's private copy, which dropping would lose? */
static int keep(uint64_t e)
{
    return (e & PAGEMAP_PRESENT) && !(e & PAGEMAP_FILE);
}

static int trim_range(int fd, uintptr_t lo, uintptr_t hi, uintptr_t page)
{
    uint64_t entries[PAGEMAP_WINDOW];
    uintptr_t run = lo;     /* start of the pages to drop, not yet dropped */

    for (uintptr_t at = lo; at < hi;) {
        long n = pagemap_read(fd, at, hi, page, entries);

        if (n < 0) {
            return -1;  /* unreadable: keep everything from `run` on */
        }
        for (long i = 0; i < n; i++, at += page) {
            if (keep(entries[i])) {
                if (run < at &&
                    madvise((void *)run, at - run, MADV_DONTNEED) != 0) {
                    return -1;
                }
                run = at + page;
            }
        }
    }
    if (run < hi && madvise((void *)run, hi - run, MADV_DONTNEED) != 0) {
        return -1;
    }
    return 0;
}

int codepages_trim_range(void *lo, void *hi)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    int rc;

    if (fd < 0) {
        return -1;
    }
    rc = trim_range(fd, (uintptr_t)lo & ~(page - 1),
                    ((uintptr_t)hi + page - 1) & ~(page - 1), page);
    close(fd);
    return rc;
}

void codepages_trim(void)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    int fd;

    if (nsegments == 0 ||
        (fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) < 0) {
        return;
    }
    for (int i = 0; i < nsegments; i++) {
        /* A failure only leaves more entries to copy. */
        (void)trim_range(fd, segments[i].lo, segments[i].hi, page);
    }
    close(fd);
}
