/* elfgot: list the functions a loaded ELF object calls through its GOT and
 * redirect those GOT slots (the mechanism under lib.mock). */
#ifndef CROSSRUN_ELFGOT_H
#define CROSSRUN_ELFGOT_H

#include <link.h>
#include <stddef.h>

/* Status codes; never renumbered. */
enum elfgot_status {
    ELFGOT_OK = 0,
    ELFGOT_ERR_ARG = 1,      /* a NULL or empty argument */
    ELFGOT_ERR_ELF = 2,      /* the object's ELF data is not understood */
    ELFGOT_ERR_NOTFOUND = 3, /* the object does not import that symbol */
    ELFGOT_ERR_AMBIGUOUS = 4,/* a bare name matches several imports */
    ELFGOT_ERR_SYS = 5,      /* a system call failed (mprotect, dlinfo) */
    ELFGOT_ERR_NOMEM = 6,
    ELFGOT_ERR_CHANGED = 7   /* restore: a slot no longer holds the patch */
};

/* A static description of a status code. */
const char *elfgot_strerror(int status);

/* One function symbol an object reaches through its GOT.
 * Invariants: nslots >= 1; slots are distinct addresses in the object's
 * writable-or-RELRO data, in the order their relocations appear. */
struct elfgot_import {
    char *name;       /* symbol name as in .dynstr (mangled) */
    char *demangled;  /* __cxa_demangle of name, or a copy of name */
    int defined_here; /* 1: the object defines it and calls it through
                         its own GOT (interposable); 0: a real import */
    size_t nslots;
    void **slots;     /* addresses of the GOT slots */
};

struct elfgot_imports {
    size_t count;
    struct elfgot_import *items;
};

/* The link map of a dlopen/dlmopen handle, through dlinfo. Returns
 * ELFGOT_OK with *out set (owned by the loader, valid while the handle
 * is open), or ELFGOT_ERR_SYS with dlerror()'s text in err. */
int elfgot_link_map(void *handle, struct link_map **out, char *err,
                    size_t errlen);

/* List the function symbols that the loaded object lm calls through GOT
 * slots: R_X86_64_JUMP_SLOT relocations (DT_JMPREL) and GLOB_DAT
 * relocations of STT_FUNC/STT_GNU_IFUNC symbols (DT_RELA), grouped by
 * symbol name. On ELFGOT_OK, *out holds the list (the caller frees it with
 * elfgot_imports_free). On failure *out is empty and err says why. */
int elfgot_imports(struct link_map *lm, struct elfgot_imports *out,
                   char *err, size_t errlen);

/* Free what elfgot_imports filled in; leaves *list empty. NULL is fine. */
void elfgot_imports_free(struct elfgot_imports *list);

/* A patched symbol: enough to put every slot back exactly. */
struct elfgot_patch;

/* Point every GOT slot of lm through which it calls `name` at
 * `replacement`. `name` is matched against, in order: the mangled name
 * ("_ZN2db5queryEPKc"), the demangled name with its parameter list
 * ("db::query(char const*)"), and the demangled name without parameters
 * ("db::query") when exactly one import has it. Each slot is written with
 * its page made writable only for the write when its original protection
 * (from the object's program headers: PT_GNU_RELRO, else the PT_LOAD
 * flags) is read-only, and that protection is put back.
 * On ELFGOT_OK *out is the record (freed by elfgot_restore or
 * elfgot_patch_free). On failure nothing is left patched and *out is
 * NULL: ELFGOT_ERR_NOTFOUND's message lists the object's imports
 * (demangled), ELFGOT_ERR_AMBIGUOUS's the candidates.
 * A lazily bound slot still holds its PLT stub address; that value is
 * saved and written back by restore, so the next call binds normally.
 * The saved values are for restoring only: calling a saved PLT stub while
 * the patch is active would make the loader overwrite the patched slot. */
int elfgot_patch(struct link_map *lm, const char *name, void *replacement,
                 struct elfgot_patch **out, char *err, size_t errlen);

/* Write the saved values back into every slot of p and free p. Before
 * writing anything it checks that every slot still holds the replacement:
 * if one does not (another patch of the same symbol made later is still
 * active), it returns ELFGOT_ERR_CHANGED, changes nothing and p stays
 * valid. On ELFGOT_ERR_SYS some slots may be restored; p stays valid and
 * restoring again is safe. NULL p: ELFGOT_ERR_ARG. */
int elfgot_restore(struct elfgot_patch *p, char *err, size_t errlen);

/* Free p without touching the slots (for an object already unloaded).
 * NULL is fine. */
void elfgot_patch_free(struct elfgot_patch *p);

/* The symbol a patch redirects (demangled) and its slot count; valid
 * while p is. */
const char *elfgot_patch_name(const struct elfgot_patch *p);
size_t elfgot_patch_nslots(const struct elfgot_patch *p);

/* The memory protection (PROT_* bits) the loader gave the page holding
 * addr inside the object lm, from its program headers (what a restore
 * puts back). Returns ELFGOT_OK with *prot set, or an error when addr is
 * not inside one of lm's PT_LOAD segments. */
int elfgot_original_prot(struct link_map *lm, const void *addr, int *prot,
                         char *err, size_t errlen);

#endif
