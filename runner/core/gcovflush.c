/* gcovflush: gcov counters out of a process that ends with _exit (see
 * gcovflush.h for how the counters are found). */
#include "core/gcovflush.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A counter array: __gcovN.<function>, at its run-time address. */
struct gf_range {
    unsigned char *addr;
    size_t size;
};

enum gf_kind { GF_PLAIN, GF_COUNTED, GF_STRIPPED };

/* One loaded object, as it was read: (path, base) names it, since the
 * same file may be loaded at several bases (link namespaces). */
struct gf_obj {
    char *path;
    uintptr_t base;
    enum gf_kind kind;
    void (*dump_one)(void *);   /* __gcov_dump_one, when GF_COUNTED */
    void *root;                 /* &__gcov_root */
    struct gf_range *ctr;
    size_t nctr;
};

static int enabled;
static struct gf_obj *objs;
static size_t nobjs, capobjs;

/* The loaded objects, copied out of the loader's lists. */
#define GF_MAX_LOADED 1024
struct gf_loaded {
    const char *name;
    uintptr_t base;
};
struct gf_list {
    struct gf_loaded at[GF_MAX_LOADED];
    size_t n;
};

/* Every link namespace's objects: dl_iterate_phdr lists only its
 * caller's namespace (glibc's dl-iteratephdr.c), and the libraries that
 * crossrun.load(..., isolated=True) opens live in namespaces of their
 * own (dlmopen). The loader's debugger interface has them all: from
 * glibc 2.35, _r_debug is a struct r_debug_extended (r_version 2) whose
 * r_next links one per namespace (<link.h>). A namespace whose list is
 * being changed (r_state not RT_CONSISTENT) is skipped. */
static void list_loaded(struct gf_list *l)
{
    const struct r_debug_extended *ns =
        (const struct r_debug_extended *)&_r_debug;

    l->n = 0;
    for (; ns != NULL; ns = ns->base.r_version >= 2 ? ns->r_next : NULL) {
        if (ns->base.r_state != RT_CONSISTENT) {
            continue;
        }
        for (const struct link_map *m = ns->base.r_map;
             m != NULL && l->n < GF_MAX_LOADED; m = m->l_next) {
            l->at[l->n].name = m->l_name != NULL ? m->l_name : "";
            l->at[l->n].base = (uintptr_t)m->l_addr;
            l->n++;
        }
    }
}

/* Is name a counter array, __gcov<digits>.<something>? */
static int is_counter(const char *name)
{
    const char *p = name + 6;

    if (strncmp(name, "__gcov", 6) != 0 || *p < '0' || *p > '9') {
        return 0;
    }
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    return *p == '.';
}

static int add_range(struct gf_obj *o, unsigned char *addr, size_t size)
{
    struct gf_range *r = realloc(o->ctr, (o->nctr + 1) * sizeof *r);

    if (r == NULL) {
        return -1;
    }
    o->ctr = r;
    o->ctr[o->nctr].addr = addr;
    o->ctr[o->nctr].size = size;
    o->nctr++;
    return 0;
}

/* The symbols of section `sec` (a SHT_SYMTAB or SHT_DYNSYM) of the
 * mapped file: fill o from them. Returns 1 when the section has gcov's
 * symbols, 0 when not, -1 out of memory. */
static int read_syms(const unsigned char *file, size_t len,
                     const ElfW(Shdr) *sh, size_t nsh, size_t sec,
                     struct gf_obj *o)
{
    const ElfW(Shdr) *s = &sh[sec], *strs;
    const ElfW(Sym) *sym;
    const char *str;
    size_t n, found = 0;
    void *dump = NULL, *root = NULL;

    if (s->sh_link >= nsh || s->sh_offset > len ||
        s->sh_size > len - s->sh_offset || s->sh_entsize != sizeof *sym) {
        return 0;
    }
    strs = &sh[s->sh_link];
    if (strs->sh_offset > len || strs->sh_size > len - strs->sh_offset ||
        strs->sh_size == 0) {
        return 0;
    }
    sym = (const ElfW(Sym) *)(file + s->sh_offset);
    str = (const char *)file + strs->sh_offset;
    n = s->sh_size / sizeof *sym;
    for (size_t i = 0; i < n; i++) {
        const char *name;

        if (sym[i].st_name >= strs->sh_size || sym[i].st_shndx == SHN_UNDEF) {
            continue;
        }
        name = str + sym[i].st_name;
        if (strnlen(name, strs->sh_size - sym[i].st_name) ==
            strs->sh_size - sym[i].st_name) {
            continue;   /* not terminated inside the table */
        }
        if (name[0] != '_' || name[1] != '_' || name[2] != 'g') {
            continue;
        }
        if (strcmp(name, "__gcov_master") == 0) {
            found = 1;
        } else if (strcmp(name, "__gcov_dump_one") == 0) {
            dump = (void *)(o->base + sym[i].st_value);
        } else if (strcmp(name, "__gcov_root") == 0) {
            root = (void *)(o->base + sym[i].st_value);
        } else if (is_counter(name) && sym[i].st_size > 0) {
            if (add_range(o, (unsigned char *)(o->base + sym[i].st_value),
                          sym[i].st_size) != 0) {
                return -1;
            }
        }
    }
    if (dump != NULL && root != NULL) {
        /* A function's address from a data pointer: POSIX dlsym's rule. */
        memcpy(&o->dump_one, &dump, sizeof dump);
        o->root = root;
        o->kind = GF_COUNTED;
        return 1;
    }
    return found ? 1 : 0;
}

/* Read the file of o (its path) and say what it is. Files that cannot be
 * read (the vdso, a file deleted since) are plain. */
static void read_object(struct gf_obj *o)
{
    const char *path = o->path[0] != '\0' ? o->path : "/proc/self/exe";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    const unsigned char *file;
    const ElfW(Ehdr) *eh;
    const ElfW(Shdr) *sh;
    size_t symtab = 0, dynsym = 0;

    o->kind = GF_PLAIN;
    if (fd < 0) {
        return;
    }
    if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof *eh) {
        close(fd);
        return;
    }
    file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (file == MAP_FAILED) {
        return;
    }
    eh = (const ElfW(Ehdr) *)file;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_shentsize != sizeof *sh || eh->e_shoff > (size_t)st.st_size ||
        (size_t)eh->e_shnum * sizeof *sh > (size_t)st.st_size - eh->e_shoff) {
        goto out;
    }
    sh = (const ElfW(Shdr) *)(file + eh->e_shoff);
    for (size_t i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type == SHT_SYMTAB) {
            symtab = i;
        } else if (sh[i].sh_type == SHT_DYNSYM) {
            dynsym = i;
        }
    }
    if (symtab != 0 && read_syms(file, (size_t)st.st_size, sh, eh->e_shnum,
                                 symtab, o) > 0) {
        if (o->kind != GF_COUNTED) {
            o->kind = GF_STRIPPED;  /* gcov's data but not its dump */
        }
    } else if (symtab == 0 && dynsym != 0 &&
               read_syms(file, (size_t)st.st_size, sh, eh->e_shnum, dynsym,
                         o) > 0) {
        o->kind = GF_STRIPPED;
    }
    if (o->kind != GF_COUNTED) {
        free(o->ctr);
        o->ctr = NULL;
        o->nctr = 0;
    }
out:
    munmap((void *)file, (size_t)st.st_size);
}

/* The entry of a loaded object, read when first seen; NULL when out of
 * memory. */
static struct gf_obj *object(const struct gf_loaded *l)
{
    struct gf_obj *o;

    for (size_t i = 0; i < nobjs; i++) {
        if (objs[i].base == l->base && strcmp(objs[i].path, l->name) == 0) {
            return &objs[i];
        }
    }
    if (nobjs == capobjs) {
        size_t cap = capobjs ? 2 * capobjs : 64;
        struct gf_obj *grown = realloc(objs, cap * sizeof *grown);

        if (grown == NULL) {
            return NULL;
        }
        objs = grown;
        capobjs = cap;
    }
    o = &objs[nobjs];
    memset(o, 0, sizeof *o);
    o->path = strdup(l->name);
    if (o->path == NULL) {
        return NULL;
    }
    o->base = l->base;
    read_object(o);
    nobjs++;
    return o;
}

/* Call what(o) for each instrumented object loaded now; the count. */
static int each_counted(void (*what)(struct gf_obj *))
{
    static struct gf_list list;   /* big: not on a signal handler's stack */
    int n = 0;

    if (!enabled) {
        return 0;
    }
    list_loaded(&list);
    for (size_t i = 0; i < list.n; i++) {
        struct gf_obj *o = object(&list.at[i]);

        if (o != NULL && o->kind == GF_COUNTED) {
            if (what != NULL) {
                what(o);
            }
            n++;
        }
    }
    return n;
}

static void reset_one(struct gf_obj *o)
{
    for (size_t i = 0; i < o->nctr; i++) {
        memset(o->ctr[i].addr, 0, o->ctr[i].size);
    }
}

static void dump_one(struct gf_obj *o)
{
    o->dump_one(o->root);
}

int gcovflush_enable(void)
{
    enabled = 1;
    return each_counted(NULL);
}

int gcovflush_enabled(void)
{
    return enabled;
}

int gcovflush_reset(void)
{
    return each_counted(reset_one);
}

int gcovflush_dump(void)
{
    int saved = errno, n = each_counted(dump_one);

    errno = saved;
    return n;
}

/* Where notes go (gcovflush_note_to); "" for nowhere. */
static char note_path[4096];

/* Async-signal-safe: open, write, close. */
static void note(const char *what)
{
    int fd;

    if (note_path[0] == '\0') {
        return;
    }
    fd = open(note_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        (void)!write(fd, what, strlen(what));
        close(fd);
    }
}

void gcovflush_note_to(const char *path)
{
    if (path == NULL || strlen(path) >= sizeof note_path) {
        note_path[0] = '\0';
        return;
    }
    memcpy(note_path, path, strlen(path) + 1);
}

int gcovflush_dump_at_crash(void)
{
    int n = gcovflush_dump();

    if (enabled) {
        note("crash\n");
    }
    return n;
}

static void (*term_then)(void);

static void on_term(int sig)
{
    (void)gcovflush_dump();
    note("term\n");
    if (term_then != NULL) {
        term_then();
        return;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

int gcovflush_on_term(void (*then)(void))
{
    struct sigaction sa;

    if (!enabled) {
        return 0;
    }
    term_then = then;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    /* No SA_RESTART: a test asleep in a system call wakes up (EINTR), so
     * that then() can have the interpreter run its handler. */
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGTERM, &sa, NULL);
}

int gcovflush_stripped(char *path, size_t n)
{
    int count = 0;

    (void)each_counted(NULL);
    for (size_t i = 0; i < nobjs; i++) {
        if (objs[i].kind == GF_STRIPPED) {
            if (count++ == 0 && n > 0) {
                snprintf(path, n, "%s", objs[i].path);
            }
        }
    }
    return count;
}
