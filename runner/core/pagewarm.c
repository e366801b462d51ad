/* pagewarm: copy ahead the pages every forked job writes (pagewarm.h). */
#include "core/pagewarm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/pagemap.h"

/* Linux 5.14's madvise advice that write-faults the pages of a range in,
 * copying the shared ones (include/uapi/asm-generic/mman-common.h). */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif


#define MAX_RUNS 8192
/* Pages copied ahead between two questions whether to stop. */
#define STOP_EVERY 64
/* A private writable mapping bigger than this is a reservation (a
 * sanitizer's shadow memory: terabytes), not a heap: not scanned. */
#define MAX_MAPPING ((uintptr_t)1 << 30)
/* A first job that allocated much (a big array) must not make every
 * later copy fault as much in ahead: what it only allocated is not
 * present in them and so is skipped, but the table stays bounded. */
#define MAX_PAGES 8192

struct run {
    uintptr_t lo;
    uintptr_t pages;
};

/* Shared by the parent and every copy (MAP_SHARED). gen: the newest
 * snapshot; claim: the newest snapshot whose learner started; ready: the
 * snapshot whose runs are complete (runs[0..nruns)). Invariant: a copy
 * reads runs only when ready is its own snapshot. A learner of an older
 * snapshot that races a new one can only leave addresses of pages that
 * exist nowhere or are mapped read-only: copying ahead never changes
 * data, so the worst is wasted work. */
struct table {
    uint64_t gen;
    uint64_t claim;
    uint64_t ready;
    uint64_t nruns;
    struct run runs[MAX_RUNS];
};

static struct table *table;
/* The snapshot this process is (or was forked from). */
static uint64_t my_gen;
/* MADV_POPULATE_WRITE was refused (a kernel before 5.14). */
static int unsupported;

int pagewarm_snapshot(void)
{
    if (table == NULL) {
        void *p = mmap(NULL, sizeof *table, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED) {
            return -1;
        }
        table = p;
    }
    my_gen = __atomic_add_fetch(&table->gen, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* Add page `at` to the runs (merged with the last when adjacent).
 * Returns 0, or -1 when the table is full. */
static int add_page(uintptr_t at, uintptr_t page, uint64_t *nruns,
                    long *npages)
{
    struct run *last = *nruns ? &table->runs[*nruns - 1] : NULL;

    if (*npages >= MAX_PAGES) {
        return -1;
    }
    (*npages)++;
    if (last != NULL && last->lo + last->pages * page == at) {
        last->pages++;
        return 0;
    }
    if (*nruns >= MAX_RUNS) {
        return -1;
    }
    table->runs[*nruns].lo = at;
    table->runs[*nruns].pages = 1;
    (*nruns)++;
    return 0;
}

/* Record the present, exclusive pages of [lo, hi). Returns 0, or -1 when
 * the table is full or pagemap cannot be read. */
static int learn_range(int pm, uintptr_t lo, uintptr_t hi, uintptr_t page,
                       uint64_t *nruns, long *npages)
{
    uint64_t entries[PAGEMAP_WINDOW];

    for (uintptr_t at = lo; at < hi;) {
        long n = pagemap_read(pm, at, hi, page, entries);

        if (n < 0) {
            return -1;
        }
        for (long i = 0; i < n; i++, at += page) {
            if ((entries[i] & PAGEMAP_PRESENT) &&
                (entries[i] & PAGEMAP_EXCLUSIVE) &&
                add_page(at, page, nruns, npages) != 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Whether claiming the table for this snapshot's learner worked. */
static int claim(void)
{
    uint64_t seen = __atomic_load_n(&table->claim, __ATOMIC_ACQUIRE);

    return __atomic_load_n(&table->gen, __ATOMIC_ACQUIRE) == my_gen &&
           seen < my_gen &&
           __atomic_compare_exchange_n(&table->claim, &seen, my_gen, 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* /proc/self/maps read a buffer at a time, without malloc: the learner
 * is a test's process, whose heap the test may have broken. */
struct lines {
    int fd;
    size_t len, pos;
    char buf[4096];
};

/* The next line's first cap - 1 bytes into out, NUL-terminated (the rest
 * of a longer line is skipped). Returns 1, or 0 at the end or an error. */
static int next_line(struct lines *l, char *out, size_t cap)
{
    size_t n = 0;

    for (;;) {
        if (l->pos == l->len) {
            ssize_t got = read(l->fd, l->buf, sizeof l->buf);

            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got <= 0) {
                out[n] = '\0';
                return n > 0;
            }
            l->len = (size_t)got;
            l->pos = 0;
        }
        if (l->buf[l->pos] == '\n') {
            l->pos++;
            out[n] = '\0';
            return 1;
        }
        if (n + 1 < cap) {
            out[n++] = l->buf[l->pos];
        }
        l->pos++;
    }
}

/* Whether a line of /proc/self/maps is a private writable mapping of at
 * most MAX_MAPPING bytes; its range in *lo, *hi. */
static int private_writable(const char *line, uintptr_t *lo, uintptr_t *hi)
{
    char *end;

    *lo = (uintptr_t)strtoul(line, &end, 16);
    if (*end != '-') {
        return 0;
    }
    *hi = (uintptr_t)strtoul(end + 1, &end, 16);
    /* "lo-hi rw-p ...": a shared mapping (rw-s) is not copied. */
    return *end == ' ' && end[1] == 'r' && end[2] == 'w' && end[4] == 'p' &&
           *hi > *lo && *hi - *lo <= MAX_MAPPING;
}

void pagewarm_learn(void)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;
    uint64_t nruns = 0;
    long npages = 0;
    static struct lines maps;
    char line[128];
    int pm;

    if (table == NULL || unsupported || !claim()) {
        return;
    }
    maps.fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    maps.len = maps.pos = 0;
    pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    while (maps.fd >= 0 && pm >= 0 && next_line(&maps, line, sizeof line)) {
        if (private_writable(line, &lo, &hi) &&
            learn_range(pm, lo, hi, page, &nruns, &npages) != 0) {
            break;
        }
    }
    if (maps.fd >= 0) {
        close(maps.fd);
    }
    if (pm >= 0) {
        close(pm);
    }
    __atomic_store_n(&table->nruns, nruns, __ATOMIC_RELAXED);
    __atomic_store_n(&table->ready, my_gen, __ATOMIC_RELEASE);
}

/* Entries of /proc/self/pagemap read a window at a time: the runs of a
 * table lie close together, and a read costs more than its entries. */
struct window {
    int fd;
    uintptr_t lo;       /* the first page's address */
    size_t n;           /* entries read */
    uint64_t e[PAGEMAP_WINDOW];
};

/* The entry of the page at `at` (0, not present, when unreadable). */
static uint64_t entry(struct window *w, uintptr_t at, uintptr_t page)
{
    if (at < w->lo || at >= w->lo + w->n * page) {
        long got = pagemap_read(w->fd, at, at + PAGEMAP_WINDOW * page, page,
                                w->e);

        w->lo = at;
        w->n = got > 0 ? (size_t)got : 0;
        if (w->n == 0) {
            return 0;
        }
    }
    return w->e[(at - w->lo) / page];
}

/* Copy ahead [from, to). A page that cannot be written here (read-only
 * now) is refused: it is simply not copied ahead. */
static void populate(uintptr_t from, uintptr_t to)
{
    if (madvise((void *)from, to - from, MADV_POPULATE_WRITE) != 0 &&
        errno == EINVAL) {
        unsupported = 1;
    }
}

/* Copy ahead the pages of run r that this process shares. Returns how
 * many pages it asked for. */
static long apply_run(struct window *w, const struct run *r, uintptr_t page)
{
    uintptr_t hi = r->lo + r->pages * page, from = 0;
    long asked = 0;

    if (r->pages > MAX_PAGES || hi < r->lo) {
        return 0;       /* not a run learn_range made (see struct table) */
    }
    for (uintptr_t at = r->lo; at <= hi && !unsupported; at += page) {
        uint64_t e = at < hi ? entry(w, at, page) : 0;
        int shared = (e & PAGEMAP_PRESENT) && !(e & PAGEMAP_EXCLUSIVE);

        if (shared && from == 0) {
            from = at;
        } else if (!shared && from != 0) {
            populate(from, at);
            asked += (long)((at - from) / page);
            from = 0;
        }
    }
    return asked;
}

long pagewarm_apply(int (*stop)(void))
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    long asked = 0;
    uint64_t nruns;
    struct window w;

    if (table == NULL || unsupported ||
        __atomic_load_n(&table->ready, __ATOMIC_ACQUIRE) != my_gen) {
        return -1;
    }
    nruns = __atomic_load_n(&table->nruns, __ATOMIC_RELAXED);
    w.fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (w.fd < 0) {
        return -1;
    }
    w.lo = 0;
    w.n = 0;
    for (uint64_t i = 0, checked = 0; i < nruns && i < MAX_RUNS; i++) {
        asked += apply_run(&w, &table->runs[i], page);
        /* Asking costs a system call: every STOP_EVERY pages. */
        if (stop != NULL && (uint64_t)asked >= checked + STOP_EVERY) {
            checked = (uint64_t)asked;
            if (stop()) {
                break;
            }
        }
    }
    close(w.fd);
    return asked;
}
