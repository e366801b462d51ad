/* test_codepages: trimming page table entries keeps every page that
 * differs from the file (a breakpoint, a uprobe, the byte that
 * codepages_share wrote) and drops only the file's own pages, whose
 * contents come back unchanged; sharing and trimming this program's own
 * code leave it running. */
#include "core/codepages.h"

#include "kit/unit.h"

#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define NPAGES 4
#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)

static void die(const char *what)
{
    perror(what);
    exit(2);
}

/* The /proc/self/pagemap entry of the page at p. */
static uint64_t entry(const void *p)
{
    long page = sysconf(_SC_PAGESIZE);
    uint64_t e = 0;
    int fd = open("/proc/self/pagemap", O_RDONLY);

    if (fd < 0) {
        die("open /proc/self/pagemap");
    }
    if (pread(fd, &e, sizeof e,
              (off_t)((uintptr_t)p / (uintptr_t)page * sizeof e)) !=
        (ssize_t)sizeof e) {
        die("pread /proc/self/pagemap");
    }
    close(fd);
    return e;
}

static int present(const void *p)
{
    return (entry(p) & PM_PRESENT) != 0;
}

static int private_copy(const void *p)
{
    uint64_t e = entry(p);

    return (e & PM_PRESENT) && !(e & PM_FILE);
}

/* A private mapping of a file whose page k is filled with 'A' + k. */
static char *map_file(size_t page)
{
    char path[] = "/tmp/crossrun-codepages-XXXXXX";
    char *data = malloc(NPAGES * page), *map;
    int fd = mkstemp(path);

    if (fd < 0 || data == NULL) {
        die("mkstemp");
    }
    for (int k = 0; k < NPAGES; k++) {
        memset(data + k * page, 'A' + k, page);
    }
    if (write(fd, data, NPAGES * page) != (ssize_t)(NPAGES * page)) {
        die("write");
    }
    free(data);
    map = mmap(NULL, NPAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
               0);
    if (map == MAP_FAILED) {
        die("mmap");
    }
    close(fd);
    unlink(path);
    return map;
}

static void test_keeps_changed_pages_and_drops_the_files_own(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *map = map_file(page);
    volatile char sink = 0;

    for (int k = 0; k < NPAGES; k++) {
        sink += map[k * page];      /* every page mapped */
    }
    (void)sink;
    map[page + 7] = 'X';            /* page 1: a private copy now */
    CHECK(present(map) && !private_copy(map));
    CHECK(private_copy(map + page));

    CHECK(codepages_trim_range(map, map + NPAGES * page) == 0);

    CHECK(!present(map));
    CHECK(!present(map + 2 * page) && !present(map + 3 * page));
    CHECK(private_copy(map + page));
    CHECK(map[page + 7] == 'X' && map[page] == 'B');
    /* Dropped pages fault back in with the file's contents. */
    CHECK(map[0] == 'A' && map[2 * page + 5] == 'C' &&
          map[NPAGES * page - 1] == 'D');
    munmap(map, NPAGES * page);
}

static void test_a_range_inside_pages_covers_them_whole(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *map = map_file(page);

    CHECK(map[2 * page] == 'C' && present(map + 2 * page));
    CHECK(codepages_trim_range(map + 2 * page + 10, map + 2 * page + 20) ==
          0);
    CHECK(!present(map + 2 * page));
    CHECK(map[2 * page + 10] == 'C');
    munmap(map, NPAGES * page);
}

/* The address where this program's code segment starts. */
static int own_code(struct dl_phdr_info *info, size_t size, void *arg)
{
    uintptr_t *start = arg;

    (void)size;
    if (info->dlpi_name[0] != '\0') {
        return 0;
    }
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            *start = info->dlpi_addr + ph->p_vaddr;
            return 1;
        }
    }
    return 0;
}

static int square(int x)
{
    return x * x;
}

static void test_sharing_and_trimming_this_programs_code(void)
{
    int (*volatile f)(int) = square;
    uintptr_t code = 0;

    dl_iterate_phdr(own_code, &code);
    CHECK(code != 0);
    CHECK(!private_copy((const void *)code));
    codepages_share();
    /* The byte written back made the first page of the code a private
     * copy, which trimming keeps; the rest of the code is the file's and
     * is dropped (it faults back in as soon as it runs, so what is
     * present cannot be watched from here: the tests above do that), and
     * runs again afterwards (this code, the C library's). */
    CHECK(private_copy((const void *)code));
    codepages_trim();
    CHECK(private_copy((const void *)code));
    CHECK(f(7) == 49);
    codepages_trim();
    CHECK(f(9) == 81 && private_copy((const void *)code));
}

int main(void)
{
    test_keeps_changed_pages_and_drops_the_files_own();
    test_a_range_inside_pages_covers_them_whole();
    test_sharing_and_trimming_this_programs_code();
    return unit_done();
}
