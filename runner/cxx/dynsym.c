/* dynsym: hash lookups in a loaded object's dynamic symbol table.
 *
 * The GNU hash section (DT_GNU_HASH) layout and hash function are those
 * of the GNU toolchain (binutils bfd/elf.c bfd_elf_gnu_hash, glibc
 * elf/dl-lookup.c do_lookup_x): nbuckets, symoffset, bloom_size,
 * bloom_shift, the bloom words, the buckets, then one chain word per
 * hashed symbol whose low bit ends a chain. An object linked with only
 * the older System V table (DT_HASH, --hash-style=sysv) is read through
 * that one: nbucket, nchain, the buckets, the chains, and the hash of the
 * System V ABI (gABI, "Hash Table"). */
#include "cxx/dynsym.h"

#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

struct dynobj {
    uintptr_t base;
    const ElfW(Sym) *symtab;
    const char *strtab;
    const uint32_t *gnu;      /* DT_GNU_HASH, or NULL */
    const uint32_t *sysv;     /* DT_HASH, or NULL */
    const ElfW(Half) *versym; /* DT_VERSYM, or NULL */
};

/* A d_ptr of the dynamic section: glibc relocates them in place where
 * the section is writable (x86-64); an unrelocated one is an offset,
 * smaller than the load bias. */
static uintptr_t dyn_ptr(uintptr_t base, ElfW(Addr) v)
{
    return (uintptr_t)v >= base ? (uintptr_t)v : base + (uintptr_t)v;
}

static int dynobj_of(void *handle, struct dynobj *o)
{
    struct link_map *lm = NULL;
    const ElfW(Dyn) *d;

    memset(o, 0, sizeof(*o));
    if (handle == NULL || dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 ||
        lm == NULL || lm->l_ld == NULL) {
        return -1;
    }
    o->base = (uintptr_t)lm->l_addr;
    for (d = lm->l_ld; d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_SYMTAB:
            o->symtab = (const ElfW(Sym) *)dyn_ptr(o->base, d->d_un.d_ptr);
            break;
        case DT_STRTAB:
            o->strtab = (const char *)dyn_ptr(o->base, d->d_un.d_ptr);
            break;
        case DT_GNU_HASH:
            o->gnu = (const uint32_t *)dyn_ptr(o->base, d->d_un.d_ptr);
            break;
        case DT_HASH:
            o->sysv = (const uint32_t *)dyn_ptr(o->base, d->d_un.d_ptr);
            break;
        case DT_VERSYM:
            o->versym = (const ElfW(Half) *)dyn_ptr(o->base, d->d_un.d_ptr);
            break;
        default:
            break;
        }
    }
    return o->symtab != NULL && o->strtab != NULL &&
                   (o->gnu != NULL || o->sysv != NULL) ? 0 : -1;
}

/* A symbol the object defines and exports under its default version. */
static int defined(const struct dynobj *o, uint32_t i)
{
    const ElfW(Sym) *s = &o->symtab[i];

    return s->st_shndx != SHN_UNDEF &&
           (s->st_value != 0 || ELF64_ST_TYPE(s->st_info) == STT_TLS) &&
           (o->versym == NULL || (o->versym[i] & 0x8000) == 0);
}

static uint32_t gnu_hash(const char *s)
{
    uint32_t h = 5381;

    for (; *s != '\0'; s++) {
        h = h * 33 + (unsigned char)*s;
    }
    return h;
}

static uint32_t sysv_hash(const char *s)
{
    uint32_t h = 0, g;

    for (; *s != '\0'; s++) {
        h = (h << 4) + (unsigned char)*s;
        g = h & 0xf0000000u;
        if (g != 0) {
            h ^= g >> 24;
        }
        h &= ~g;
    }
    return h;
}

/* Symbol i, named name, found: its address when it is of kind. */
static int hit(void *handle, const struct dynobj *o, uint32_t i,
               const char *name, enum dynsym_kind kind, void **addr,
               size_t *size)
{
    const ElfW(Sym) *s = &o->symtab[i];
    int type = ELF64_ST_TYPE(s->st_info);

    if (kind == DYNSYM_FUNC && type != STT_FUNC && type != STT_GNU_IFUNC) {
        return 0;
    }
    if (type == STT_GNU_IFUNC) {
        *addr = dlsym(handle, name); /* runs the resolver */
    } else {
        *addr = (void *)(o->base + (uintptr_t)s->st_value);
    }
    if (size != NULL) {
        *size = (size_t)s->st_size;
    }
    return *addr != NULL;
}

static int sysv_find(void *handle, const struct dynobj *o, const char *name,
                     enum dynsym_kind kind, void **addr, size_t *size)
{
    uint32_t nbucket = o->sysv[0], nchain = o->sysv[1], i, steps = 0;
    const uint32_t *bucket = o->sysv + 2, *chain = bucket + nbucket;

    if (nbucket == 0) {
        return 0;
    }
    for (i = bucket[sysv_hash(name) % nbucket]; i != STN_UNDEF && i < nchain &&
                                                steps < nchain;
         i = chain[i], steps++) {
        if (defined(o, i) && strcmp(name, o->strtab + o->symtab[i].st_name)
                                 == 0) {
            return hit(handle, o, i, name, kind, addr, size);
        }
    }
    return 0;
}

int dynsym_find(void *handle, const char *name, enum dynsym_kind kind,
                void **addr, size_t *size)
{
    struct dynobj o;
    uint32_t nbuckets, symoffset, bloom_size, bloom_shift, h, i;
    const ElfW(Addr) *bloom;
    const uint32_t *buckets, *chain;
    ElfW(Addr) word, mask;
    const unsigned bits = sizeof(ElfW(Addr)) * 8;

    if (dynobj_of(handle, &o) != 0) {
        return -1;
    }
    if (o.gnu == NULL) {
        return sysv_find(handle, &o, name, kind, addr, size);
    }
    nbuckets = o.gnu[0];
    symoffset = o.gnu[1];
    bloom_size = o.gnu[2];
    bloom_shift = o.gnu[3];
    if (nbuckets == 0 || bloom_size == 0) {
        return 0;
    }
    bloom = (const ElfW(Addr) *)(o.gnu + 4);
    buckets = (const uint32_t *)(bloom + bloom_size);
    chain = buckets + nbuckets;
    h = gnu_hash(name);
    word = bloom[(h / bits) % bloom_size];
    mask = ((ElfW(Addr))1 << (h % bits)) |
           ((ElfW(Addr))1 << ((h >> bloom_shift) % bits));
    if ((word & mask) != mask) {
        return 0;
    }
    i = buckets[h % nbuckets];
    if (i < symoffset) {
        return 0;
    }
    for (;; i++) {
        uint32_t h2 = chain[i - symoffset];

        if ((h | 1) == (h2 | 1) && defined(&o, i) &&
            strcmp(name, o.strtab + o.symtab[i].st_name) == 0) {
            return hit(handle, &o, i, name, kind, addr, size);
        }
        if (h2 & 1) {
            return 0;
        }
    }
}

int dynsym_each(void *handle, int (*fn)(const char *name, void *arg),
                void *arg)
{
    struct dynobj o;
    uint32_t nbuckets, symoffset, bloom_size, i, last = 0, k;
    const uint32_t *buckets, *chain;
    int r = 0;

    if (dynobj_of(handle, &o) != 0) {
        return -1;
    }
    if (o.gnu == NULL) {
        /* DT_HASH: nchain is the number of symbols. */
        for (i = 1; i < o.sysv[1] && r == 0; i++) {
            if (defined(&o, i)) {
                r = fn(o.strtab + o.symtab[i].st_name, arg);
            }
        }
        return r;
    }
    nbuckets = o.gnu[0];
    symoffset = o.gnu[1];
    bloom_size = o.gnu[2];
    buckets = (const uint32_t *)((const ElfW(Addr) *)(o.gnu + 4) +
                                 bloom_size);
    chain = buckets + nbuckets;
    /* The hashed symbols run from symoffset to the end of the chain of
     * the highest bucket. */
    for (k = 0; k < nbuckets; k++) {
        last = buckets[k] > last ? buckets[k] : last;
    }
    if (last < symoffset) {
        return 0;
    }
    while ((chain[last - symoffset] & 1) == 0) {
        last++;
    }
    for (i = symoffset; i <= last && r == 0; i++) {
        if (defined(&o, i)) {
            r = fn(o.strtab + o.symtab[i].st_name, arg);
        }
    }
    return r;
}
