/* elfgot: list the functions a loaded ELF object calls through its GOT and
 * redirect those GOT slots (the mechanism under lib.mock).
 *
 * How it works. A shared object calls a function of another object
 * through a slot of its Global Offset Table that the dynamic loader fills
 * with the callee's address:
 *   - `call foo@PLT` jumps through a .got.plt slot relocated by a
 *     JUMP_SLOT relocation (DT_JMPREL). With lazy binding the slot first
 *     holds the address of its PLT stub, which calls the loader's resolver
 *     on first use; with -z now it is filled at load time.
 *   - `-fno-plt` code and code that takes a function's address load it
 *     from a .got slot relocated by a GLOB_DAT relocation (DT_RELA).
 * Writing another address into every such slot of one symbol redirects
 * every call this object makes to it, and no other object's calls. The
 * walk: find the ELF header of the loaded object (dladdr on its dynamic
 * section gives the mapping's start, which holds the header), read its
 * program headers (load segments, PT_GNU_RELRO), then its dynamic section
 * (symbol and string tables, the two relocation tables), and collect the
 * relocations of function symbols.
 *
 * Protections. After relocation the loader makes the PT_GNU_RELRO range
 * read-only (rounded down to pages at both ends, as glibc does); .got is
 * in it by default, .got.plt too with -z now. A slot on such a page is
 * written between two mprotect calls, the second restoring PROT_READ; a
 * slot on a page that is writable by its PT_LOAD flags is written as is.
 * The original protection is computed from the program headers, never
 * read back from the kernel, so a restore always leaves what the loader
 * left.
 *
 * Not covered: function pointers stored in data (R_X86_64_64 relocations
 * in vtables or tables) do not go through the GOT and are not redirected;
 * calls the object makes to its own non-exported functions never leave
 * it. The expected load is a handful of patches per test on objects with
 * at most a few thousand relocations: lists are plain arrays scanned
 * linearly. */
#include "cxx/elfgot.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/errmsg.h"

#if defined(__x86_64__)
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT R_X86_64_GLOB_DAT
#elif defined(__aarch64__)
#define R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define R_GLOB_DAT R_AARCH64_GLOB_DAT
#else
#error "elfgot: unsupported architecture (x86_64 and aarch64 only)"
#endif

/* libstdc++'s demangler (declared in <cxxabi.h> for C++). */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len,
                     int *status);

/* What the walk learned about one loaded object. All pointers are into
 * the object's mapped memory, owned by the loader. */
struct object {
    struct link_map *lm;
    const char *name;           /* for messages: path, or "the main
                                   program" */
    uintptr_t base;             /* l_addr: load bias */
    const ElfW(Phdr) *phdr;
    size_t phnum;
    uintptr_t lo, hi;           /* [lo, hi): mapped PT_LOAD range */
    const ElfW(Sym) *symtab;
    const char *strtab;
    size_t strsz;
    const ElfW(Rela) *jmprel;   /* NULL when absent */
    size_t njmprel;
    const ElfW(Rela) *rela;     /* NULL when absent */
    size_t nrela;
    size_t relaent;
};

struct elfgot_patch {
    struct link_map *lm;
    char *name;                 /* demangled, for messages */
    void *replacement;
    size_t nslots;
    void **slots;
    void **saved;               /* saved[i]: slots[i]'s value before */
    int *prot;                  /* prot[i]: original protection of the
                                   page of slots[i] */
};

const char *elfgot_strerror(int status)
{
    switch (status) {
    case ELFGOT_OK: return "success";
    case ELFGOT_ERR_ARG: return "invalid argument";
    case ELFGOT_ERR_ELF: return "ELF data not understood";
    case ELFGOT_ERR_NOTFOUND: return "symbol not imported";
    case ELFGOT_ERR_AMBIGUOUS: return "name matches several imports";
    case ELFGOT_ERR_SYS: return "system call failed";
    case ELFGOT_ERR_NOMEM: return "out of memory";
    case ELFGOT_ERR_CHANGED: return "GOT slot changed since patched";
    }
    return "unknown status";
}

/* Append to a message buffer; a cut message ends with "...". */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (buf == NULL || len == 0 || *used >= len - 1) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n >= len - *used) {
        *used = len - 1;
        if (len >= 4) {
            memcpy(buf + len - 4, "...", 4);
        }
        return;
    }
    *used += (size_t)n;
}

static uintptr_t page_size(void)
{
    long n = sysconf(_SC_PAGESIZE);

    return n > 0 ? (uintptr_t)n : 4096;
}

static const char *object_name(const struct link_map *lm)
{
    return lm->l_name != NULL && lm->l_name[0] != '\0'
               ? lm->l_name : "the main program";
}

static int in_range(const struct object *o, uintptr_t a, size_t size)
{
    return a >= o->lo && a <= o->hi && size <= o->hi - a;
}

/* A d_ptr value of the dynamic section: the loader relocates these in
 * place when the section is writable and leaves them as offsets when it
 * is not, so take whichever reading falls inside the object. */
static uintptr_t dyn_ptr(const struct object *o, ElfW(Addr) v)
{
    if (in_range(o, (uintptr_t)v, 1)) {
        return (uintptr_t)v;
    }
    if (in_range(o, o->base + (uintptr_t)v, 1)) {
        return o->base + (uintptr_t)v;
    }
    return 0;
}

/* Find the ELF and program headers of lm in memory. */
static int load_headers(struct object *o, char *err, size_t errlen)
{
    const ElfW(Ehdr) *eh;
    Dl_info info;
    uintptr_t lo = UINTPTR_MAX, hi = 0, pg = page_size();
    size_t i;
    int header_mapped = 0;

    if (dladdr(o->lm->l_ld, &info) == 0 || info.dli_fbase == NULL) {
        return errmsg(err, errlen, ELFGOT_ERR_ELF,
                      "%s: the loader does not know the mapping of its "
                      "dynamic section", o->name);
    }
    eh = info.dli_fbase;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0
        || eh->e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64
                                                           : ELFCLASS32)
        || eh->e_phentsize != sizeof(ElfW(Phdr)) || eh->e_phnum == 0) {
        return errmsg(err, errlen, ELFGOT_ERR_ELF,
                      "%s: no valid ELF header at its first mapping %p",
                      o->name, (void *)eh);
    }
    o->phdr = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
    o->phnum = eh->e_phnum;
    /* The program headers must lie in the segment that maps offset 0,
     * which is where eh points; check before reading them. */
    for (i = 0; i < o->phnum; i++) {
        const ElfW(Phdr) *ph;

        if (eh->e_phoff + (i + 1) * sizeof(ElfW(Phdr)) > pg) {
            break;
        }
        ph = &o->phdr[i];
        if (ph->p_type == PT_LOAD && ph->p_offset == 0
            && ph->p_filesz >= eh->e_phoff + o->phnum * sizeof(*ph)) {
            header_mapped = 1;
        }
    }
    if (!header_mapped) {
        return errmsg(err, errlen, ELFGOT_ERR_ELF,
                      "%s: its program headers are not mapped with its ELF "
                      "header", o->name);
    }
    for (i = 0; i < o->phnum; i++) {
        const ElfW(Phdr) *ph = &o->phdr[i];

        if (ph->p_type != PT_LOAD) {
            continue;
        }
        if (o->base + ph->p_vaddr < lo) {
            lo = (o->base + ph->p_vaddr) & ~(pg - 1);
        }
        if (o->base + ph->p_vaddr + ph->p_memsz > hi) {
            hi = o->base + ph->p_vaddr + ph->p_memsz;
        }
    }
    o->lo = lo;
    o->hi = hi;
    return ELFGOT_OK;
}

/* Read lm's headers and dynamic section into *o. */
static int load_object(struct link_map *lm, struct object *o, char *err,
                       size_t errlen)
{
    const ElfW(Dyn) *d;
    uintptr_t symtab = 0, strtab = 0, jmprel = 0, rela = 0;
    size_t pltrelsz = 0, relasz = 0;
    int pltrel = DT_RELA, rc;

    memset(o, 0, sizeof(*o));
    o->lm = lm;
    o->name = object_name(lm);
    o->base = (uintptr_t)lm->l_addr;
    o->relaent = sizeof(ElfW(Rela));
    if (lm->l_ld == NULL) {
        return errmsg(err, errlen, ELFGOT_ERR_ELF,
                      "%s has no dynamic section", o->name);
    }
    rc = load_headers(o, err, errlen);
    if (rc != ELFGOT_OK) {
        return rc;
    }
    for (d = lm->l_ld; d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_SYMTAB: symtab = dyn_ptr(o, d->d_un.d_ptr); break;
        case DT_STRTAB: strtab = dyn_ptr(o, d->d_un.d_ptr); break;
        case DT_STRSZ: o->strsz = d->d_un.d_val; break;
        case DT_JMPREL: jmprel = dyn_ptr(o, d->d_un.d_ptr); break;
        case DT_PLTRELSZ: pltrelsz = d->d_un.d_val; break;
        case DT_PLTREL: pltrel = (int)d->d_un.d_val; break;
        case DT_RELA: rela = dyn_ptr(o, d->d_un.d_ptr); break;
        case DT_RELASZ: relasz = d->d_un.d_val; break;
        case DT_RELAENT: o->relaent = d->d_un.d_val; break;
        default: break;
        }
    }
    if (symtab == 0 || strtab == 0 || o->strsz == 0
        || !in_range(o, strtab, o->strsz)) {
        return errmsg(err, errlen, ELFGOT_ERR_ELF,
                      "%s: missing or invalid DT_SYMTAB/DT_STRTAB/DT_STRSZ",
                      o->name);
    }
    if (o->relaent < sizeof(ElfW(Rela))) {
        return errmsg(err, errlen, ELFGOT_ERR_ELF,
                      "%s: DT_RELAENT %zu is too small", o->name, o->relaent);
    }
    if (pltrelsz > 0 && pltrel != DT_RELA) {
        return errmsg(err, errlen, ELFGOT_ERR_ELF,
                      "%s: DT_PLTREL is %d, only DT_RELA is supported",
                      o->name, pltrel);
    }
    if (pltrelsz > 0 && (jmprel == 0 || !in_range(o, jmprel, pltrelsz))) {
        return errmsg(err, errlen, ELFGOT_ERR_ELF,
                      "%s: DT_JMPREL lies outside the object", o->name);
    }
    if (relasz > 0 && (rela == 0 || !in_range(o, rela, relasz))) {
        return errmsg(err, errlen, ELFGOT_ERR_ELF,
                      "%s: DT_RELA lies outside the object", o->name);
    }
    o->symtab = (const ElfW(Sym) *)symtab;
    o->strtab = (const char *)strtab;
    if (pltrelsz > 0) {
        o->jmprel = (const ElfW(Rela) *)jmprel;
        o->njmprel = pltrelsz / sizeof(ElfW(Rela));
    }
    if (relasz > 0) {
        o->rela = (const ElfW(Rela) *)rela;
        o->nrela = relasz / o->relaent;
    }
    return ELFGOT_OK;
}

static char *demangle(const char *name)
{
    char *d = NULL;
    int status = -1;

    if (name[0] == '_' && name[1] == 'Z') {
        d = __cxa_demangle(name, NULL, NULL, &status);
        if (status != 0) {
            free(d);
            d = NULL;
        }
    }
    return d != NULL ? d : strdup(name);
}

void elfgot_imports_free(struct elfgot_imports *list)
{
    size_t i;

    if (list == NULL) {
        return;
    }
    for (i = 0; i < list->count; i++) {
        free(list->items[i].name);
        free(list->items[i].demangled);
        free(list->items[i].slots);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

/* Record that `slot` holds the address of symbol `sym`. */
static int add_slot(struct elfgot_imports *list, size_t *cap,
                    const char *name, int defined_here, void **slot)
{
    struct elfgot_import *it = NULL;
    void **slots;
    size_t i;

    for (i = 0; i < list->count; i++) {
        if (strcmp(list->items[i].name, name) == 0) {
            it = &list->items[i];
            break;
        }
    }
    if (it == NULL) {
        if (list->count == *cap) {
            size_t ncap = *cap ? *cap * 2 : 16;
            struct elfgot_import *n = realloc(list->items,
                                              ncap * sizeof(*n));

            if (n == NULL) {
                return ELFGOT_ERR_NOMEM;
            }
            list->items = n;
            *cap = ncap;
        }
        it = &list->items[list->count];
        memset(it, 0, sizeof(*it));
        it->name = strdup(name);
        it->demangled = demangle(name);
        it->defined_here = defined_here;
        list->count++;
        if (it->name == NULL || it->demangled == NULL) {
            return ELFGOT_ERR_NOMEM;
        }
    }
    /* already known? (DT_RELA may cover DT_JMPREL) */
    for (i = 0; i < it->nslots; i++) {
        if (it->slots[i] == (void *)slot) {
            return ELFGOT_OK;
        }
    }
    slots = realloc(it->slots, (it->nslots + 1) * sizeof(*slots));
    if (slots == NULL) {
        return ELFGOT_ERR_NOMEM;
    }
    slots[it->nslots++] = (void *)slot;
    it->slots = slots;
    return ELFGOT_OK;
}

/* Add the GOT relocations of one table to list. */
static int scan_table(const struct object *o, const ElfW(Rela) *tab,
                      size_t n, size_t ent, struct elfgot_imports *list,
                      size_t *cap, char *err, size_t errlen)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        const ElfW(Rela) *r = (const ElfW(Rela) *)((const char *)tab
                                                   + i * ent);
        unsigned long type = ELF64_R_TYPE(r->r_info);
        size_t si = ELF64_R_SYM(r->r_info);
        const ElfW(Sym) *sym;
        uintptr_t slot;
        int st;

        if ((type != R_JUMP_SLOT && type != R_GLOB_DAT) || si == 0) {
            continue;
        }
        sym = &o->symtab[si];
        if (!in_range(o, (uintptr_t)sym, sizeof(*sym))
            || sym->st_name >= o->strsz) {
            return errmsg(err, errlen, ELFGOT_ERR_ELF,
                          "%s: relocation %zu names symbol %zu, outside its "
                          "symbol table", o->name, i, si);
        }
        st = ELF64_ST_TYPE(sym->st_info);
        if (type == R_GLOB_DAT && st != STT_FUNC && st != STT_GNU_IFUNC) {
            continue;       /* a data object's address */
        }
        slot = o->base + r->r_offset;
        if (!in_range(o, slot, sizeof(void *))
            || slot % sizeof(void *) != 0) {
            return errmsg(err, errlen, ELFGOT_ERR_ELF,
                          "%s: relocation %zu of %s targets %#lx, outside "
                          "the object", o->name, i, o->strtab + sym->st_name,
                          (unsigned long)slot);
        }
        rc = add_slot(list, cap, o->strtab + sym->st_name,
                      sym->st_shndx != SHN_UNDEF, (void **)slot);
        if (rc != ELFGOT_OK) {
            return errmsg(err, errlen, rc, "%s: out of memory listing its "
                          "imports", o->name);
        }
    }
    return ELFGOT_OK;
}

int elfgot_link_map(void *handle, struct link_map **out, char *err,
                    size_t errlen)
{
    const char *why;

    if (handle == NULL || out == NULL) {
        return errmsg(err, errlen, ELFGOT_ERR_ARG,
                      "elfgot_link_map: NULL handle");
    }
    *out = NULL;
    if (dlinfo(handle, RTLD_DI_LINKMAP, out) != 0 || *out == NULL) {
        why = dlerror();
        return errmsg(err, errlen, ELFGOT_ERR_SYS,
                      "dlinfo(RTLD_DI_LINKMAP) failed: %s",
                      why ? why : "no reason given");
    }
    return ELFGOT_OK;
}

static int collect(struct link_map *lm, struct object *o,
                   struct elfgot_imports *out, char *err, size_t errlen)
{
    size_t cap = 0;
    int rc;

    out->count = 0;
    out->items = NULL;
    rc = load_object(lm, o, err, errlen);
    if (rc != ELFGOT_OK) {
        goto error;
    }
    if (o->jmprel != NULL) {
        rc = scan_table(o, o->jmprel, o->njmprel, sizeof(ElfW(Rela)), out,
                        &cap, err, errlen);
        if (rc != ELFGOT_OK) {
            goto error;
        }
    }
    if (o->rela != NULL) {
        rc = scan_table(o, o->rela, o->nrela, o->relaent, out, &cap, err,
                        errlen);
        if (rc != ELFGOT_OK) {
            goto error;
        }
    }
    return ELFGOT_OK;
error:
    elfgot_imports_free(out);
    return rc;
}

int elfgot_imports(struct link_map *lm, struct elfgot_imports *out,
                   char *err, size_t errlen)
{
    struct object o;

    if (lm == NULL || out == NULL) {
        return errmsg(err, errlen, ELFGOT_ERR_ARG,
                      "elfgot_imports: NULL argument");
    }
    return collect(lm, &o, out, err, errlen);
}

static int prot_of(const struct object *o, uintptr_t addr, int *prot,
                   char *err, size_t errlen)
{
    uintptr_t pg = page_size(), page = addr & ~(pg - 1);
    const ElfW(Phdr) *load = NULL;
    size_t i;
    int p = 0;

    for (i = 0; i < o->phnum; i++) {
        const ElfW(Phdr) *ph = &o->phdr[i];
        uintptr_t start = o->base + ph->p_vaddr;

        if (ph->p_type == PT_LOAD && addr >= start
            && addr - start < ph->p_memsz) {
            load = ph;
        }
    }
    if (load == NULL) {
        return errmsg(err, errlen, ELFGOT_ERR_ARG,
                      "%s: address %p is in none of its load segments",
                      o->name, (const void *)addr);
    }
    p |= (load->p_flags & PF_R) ? PROT_READ : 0;
    p |= (load->p_flags & PF_W) ? PROT_WRITE : 0;
    p |= (load->p_flags & PF_X) ? PROT_EXEC : 0;
    for (i = 0; i < o->phnum; i++) {
        const ElfW(Phdr) *ph = &o->phdr[i];
        uintptr_t start, end;

        if (ph->p_type != PT_GNU_RELRO) {
            continue;
        }
        /* glibc's _dl_protect_relro rounds both ends down */
        start = (o->base + ph->p_vaddr) & ~(pg - 1);
        end = (o->base + ph->p_vaddr + ph->p_memsz) & ~(pg - 1);
        if (page >= start && page < end) {
            p = PROT_READ;
        }
    }
    *prot = p;
    return ELFGOT_OK;
}

int elfgot_original_prot(struct link_map *lm, const void *addr, int *prot,
                         char *err, size_t errlen)
{
    struct object o;
    int rc;

    if (lm == NULL || prot == NULL) {
        return errmsg(err, errlen, ELFGOT_ERR_ARG,
                      "elfgot_original_prot: NULL argument");
    }
    memset(&o, 0, sizeof(o));
    o.lm = lm;
    o.name = object_name(lm);
    o.base = (uintptr_t)lm->l_addr;
    rc = load_headers(&o, err, errlen);
    if (rc != ELFGOT_OK) {
        return rc;
    }
    return prot_of(&o, (uintptr_t)addr, prot, err, errlen);
}

/* Store value in *slot, opening a read-only page for the write only. */
static int write_slot(const char *obj, void **slot, void *value, int prot,
                      char *err, size_t errlen)
{
    uintptr_t pg = page_size();
    void *page = (void *)((uintptr_t)slot & ~(pg - 1));

    if (prot & PROT_WRITE) {
        __atomic_store_n(slot, value, __ATOMIC_SEQ_CST);
        return ELFGOT_OK;
    }
    if (mprotect(page, pg, prot | PROT_WRITE) != 0) {
        return errmsg(err, errlen, ELFGOT_ERR_SYS,
                      "%s: mprotect(%p, %lu, writable) for GOT slot %p: %s",
                      obj, page, (unsigned long)pg, (void *)slot,
                      strerror(errno));
    }
    __atomic_store_n(slot, value, __ATOMIC_SEQ_CST);
    if (mprotect(page, pg, prot) != 0) {
        return errmsg(err, errlen, ELFGOT_ERR_SYS,
                      "%s: mprotect(%p, %lu, %d) restoring the protection of "
                      "GOT slot %p: %s (the page stays writable)", obj, page,
                      (unsigned long)pg, prot, (void *)slot, strerror(errno));
    }
    return ELFGOT_OK;
}

/* The import that `name` designates, or NULL with the error in err. */
static const struct elfgot_import *
find_import(const struct object *o, const struct elfgot_imports *list,
            const char *name, int *rc, char *err, size_t errlen)
{
    const struct elfgot_import *hit = NULL;
    size_t i, n = strlen(name), hits = 0, used = 0;

    for (i = 0; i < list->count; i++) {
        if (strcmp(list->items[i].name, name) == 0) {
            return &list->items[i];
        }
    }
    for (i = 0; i < list->count; i++) {
        if (strcmp(list->items[i].demangled, name) == 0) {
            return &list->items[i];
        }
    }
    for (i = 0; i < list->count; i++) {
        const char *d = list->items[i].demangled;

        if (strncmp(d, name, n) == 0 && d[n] == '(') {
            hit = &list->items[i];
            hits++;
        }
    }
    if (hits == 1) {
        return hit;
    }
    if (hits > 1) {
        *rc = ELFGOT_ERR_AMBIGUOUS;
        append(err, errlen, &used, "%s: \"%s\" matches %zu imported "
               "functions, give the parameter list:", o->name, name, hits);
        for (i = 0; i < list->count; i++) {
            const char *d = list->items[i].demangled;

            if (strncmp(d, name, n) == 0 && d[n] == '(') {
                append(err, errlen, &used, " %s;", d);
            }
        }
        return NULL;
    }
    *rc = ELFGOT_ERR_NOTFOUND;
    append(err, errlen, &used, "%s does not call \"%s\" through its GOT; it "
           "imports:", o->name, name);
    for (i = 0; i < list->count; i++) {
        if (!list->items[i].defined_here) {
            append(err, errlen, &used, "%s %s", hits++ ? "," : "",
                   list->items[i].demangled);
        }
    }
    if (hits == 0) {
        append(err, errlen, &used, " nothing");
    }
    for (i = 0, hits = 0; i < list->count; i++) {
        if (list->items[i].defined_here) {
            append(err, errlen, &used, "%s %s",
                   hits++ ? "," : "; and its own exported functions:",
                   list->items[i].demangled);
        }
    }
    return NULL;
}

void elfgot_patch_free(struct elfgot_patch *p)
{
    if (p == NULL) {
        return;
    }
    free(p->name);
    free(p->slots);
    free(p->saved);
    free(p->prot);
    free(p);
}

const char *elfgot_patch_name(const struct elfgot_patch *p)
{
    return p->name;
}

size_t elfgot_patch_nslots(const struct elfgot_patch *p)
{
    return p->nslots;
}

int elfgot_patch(struct link_map *lm, const char *name, void *replacement,
                 struct elfgot_patch **out, char *err, size_t errlen)
{
    struct elfgot_imports list = {0, NULL};
    const struct elfgot_import *imp;
    struct elfgot_patch *p = NULL;
    struct object o;
    size_t i, done = 0;
    int rc;

    if (out != NULL) {
        *out = NULL;
    }
    if (lm == NULL || name == NULL || name[0] == '\0' || replacement == NULL
        || out == NULL) {
        return errmsg(err, errlen, ELFGOT_ERR_ARG,
                      "elfgot_patch: NULL or empty argument");
    }
    rc = collect(lm, &o, &list, err, errlen);
    if (rc != ELFGOT_OK) {
        goto error;
    }
    imp = find_import(&o, &list, name, &rc, err, errlen);
    if (imp == NULL) {
        goto error;
    }
    rc = ELFGOT_ERR_NOMEM;
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        goto nomem;
    }
    p->lm = lm;
    p->replacement = replacement;
    p->nslots = imp->nslots;
    p->name = strdup(imp->demangled);
    p->slots = calloc(imp->nslots, sizeof(*p->slots));
    p->saved = calloc(imp->nslots, sizeof(*p->saved));
    p->prot = calloc(imp->nslots, sizeof(*p->prot));
    if (p->name == NULL || p->slots == NULL || p->saved == NULL
        || p->prot == NULL) {
        goto nomem;
    }
    for (i = 0; i < imp->nslots; i++) {
        p->slots[i] = imp->slots[i];
        p->saved[i] = __atomic_load_n((void **)imp->slots[i],
                                      __ATOMIC_SEQ_CST);
        rc = prot_of(&o, (uintptr_t)imp->slots[i], &p->prot[i], err,
                     errlen);
        if (rc != ELFGOT_OK) {
            goto error;
        }
    }
    for (done = 0; done < p->nslots; done++) {
        rc = write_slot(o.name, (void **)p->slots[done], replacement,
                        p->prot[done], err, errlen);
        if (rc != ELFGOT_OK) {
            goto undo;
        }
    }
    elfgot_imports_free(&list);
    *out = p;
    return ELFGOT_OK;
undo:
    /* best effort: the error already describes the first failure */
    while (done-- > 0) {
        (void)write_slot(o.name, (void **)p->slots[done], p->saved[done],
                         p->prot[done], NULL, 0);
    }
    goto error;
nomem:
    errmsg(err, errlen, rc, "%s: out of memory patching \"%s\"", o.name,
           name);
error:
    elfgot_patch_free(p);
    elfgot_imports_free(&list);
    return rc;
}

int elfgot_restore(struct elfgot_patch *p, char *err, size_t errlen)
{
    const char *obj;
    size_t i;
    int rc;

    if (p == NULL) {
        return errmsg(err, errlen, ELFGOT_ERR_ARG, "elfgot_restore: NULL");
    }
    obj = object_name(p->lm);
    for (i = 0; i < p->nslots; i++) {
        void *now = __atomic_load_n((void **)p->slots[i], __ATOMIC_SEQ_CST);

        if (now != p->replacement && now != p->saved[i]) {
            return errmsg(err, errlen, ELFGOT_ERR_CHANGED,
                          "%s: GOT slot %p of %s holds %p, not the patch %p: "
                          "a later patch of it is still active (restore "
                          "that one first)", obj, p->slots[i], p->name, now,
                          p->replacement);
        }
    }
    for (i = 0; i < p->nslots; i++) {
        rc = write_slot(obj, (void **)p->slots[i], p->saved[i], p->prot[i],
                        err, errlen);
        if (rc != ELFGOT_OK) {
            return rc;
        }
    }
    elfgot_patch_free(p);
    return ELFGOT_OK;
}
