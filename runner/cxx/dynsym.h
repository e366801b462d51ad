/* dynsym: symbols of a loaded ELF object looked up in its own dynamic
 * symbol table through its hash table (GNU, else System V), as the
 * dynamic linker does: one hash probe per name, whichever link namespace
 * holds the object. */
#ifndef CROSSRUN_CXX_DYNSYM_H
#define CROSSRUN_CXX_DYNSYM_H

#include <stddef.h>

/* What dynsym_find accepts. */
enum dynsym_kind {
    DYNSYM_ANY,
    DYNSYM_FUNC, /* STT_FUNC or STT_GNU_IFUNC: code */
};

/* The definition of name in the loaded object of handle (a dlopen or
 * dlmopen handle): only the object's own exports, not its dependencies',
 * and only code when kind is DYNSYM_FUNC. Returns 1 with its address in
 * *addr and its st_size in *size (size may be NULL), 0 when the object
 * does not define name so, -1 when the object's dynamic section cannot
 * be read. */
int dynsym_find(void *handle, const char *name, enum dynsym_kind kind,
                void **addr, size_t *size);

/* Call fn(name, arg) for every symbol the object of handle defines, until
 * fn returns non-zero. Returns what fn last returned (0 when it never
 * stopped the walk), or -1 when the dynamic section cannot be read. A
 * walk over every export: for questions no exact name answers. */
int dynsym_each(void *handle, int (*fn)(const char *name, void *arg),
                void *arg);

#endif
