/* nsload: load libraries into their own link namespaces (dlmopen) and
 * satisfy missing dependencies with generated stub libraries. */
#ifndef CROSSRUN_NSLOAD_H
#define CROSSRUN_NSLOAD_H

#include <stddef.h>

/* Status codes; never renumbered. */
enum nsload_status {
    NSLOAD_OK = 0,
    NSLOAD_ERR_ARG = 1,    /* NULL/empty argument, bad symbol name */
    NSLOAD_ERR_LOAD = 2,   /* the loader refused: dlerror()'s message */
    NSLOAD_ERR_LIMIT = 3,  /* glibc's namespaces are all in use */
    NSLOAD_ERR_TLS = 4,    /* no static TLS left for another libc copy */
    NSLOAD_ERR_SYS = 5,    /* a system call failed (open, write, ...) */
    NSLOAD_ERR_NOMEM = 6,
    NSLOAD_ERR_UNSUPPORTED = 7 /* stubs: not an x86_64 build */
};

/* glibc's DL_NNS: link namespaces per process, the base one included. */
#define NSLOAD_MAX_NAMESPACES 16

/* A static description of a status code. */
const char *nsload_strerror(int status);

/* Open `path` (a path, or a name the loader searches for) in a new link
 * namespace: dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL). The
 * library and its dependencies (libc included) get their own copies there.
 * Returns NSLOAD_OK with *handle set (dlclose it), or an error with err
 * saying why: NSLOAD_ERR_LIMIT says that glibc allows at most 16 link
 * namespaces per process (15 for dlmopen); NSLOAD_ERR_TLS that the
 * static TLS reserve for copies of libc ran out and how to enlarge it;
 * NSLOAD_ERR_LOAD carries the loader's dlerror() text (a missing file:
 * "...: cannot open shared object file: No such file or directory"). */
int nsload_open(const char *path, void **handle, char *err, size_t errlen);

/* Load `path` with dlopen flags `flags` (RTLD_NOW or RTLD_LAZY, plus
 * RTLD_LOCAL/RTLD_GLOBAL), after loading each of the npreload libraries
 * in preload[] (paths) into the same namespace: a new one when isolated,
 * else the base namespace. A DT_NEEDED entry of path (or of its
 * dependencies) that names the soname of a preloaded library is then
 * satisfied by it instead of being searched for on disk: that is how a
 * stub written by nsload_stub_write stands in for a missing dependency.
 * The preloaded libraries stay loaded as long as the returned handle.
 * Returns like nsload_open; on failure nothing stays loaded. */
int nsload_open_with(const char *path, int isolated, int flags,
                     const char *const *preload, size_t npreload,
                     void **handle, char *err, size_t errlen);

/* Write into directory `dir` a shared library named `soname` (file name
 * and DT_SONAME) that defines each of the n names in symbols[] (mangled,
 * as in the ELF symbol table) as a function. Calling one writes
 * "crossrun: <soname> is not available: <name> was called without a mock"
 * to stderr and raises SIGABRT: a test that reaches a missing dependency
 * it did not mock crashes with a message naming the function.
 * The library is generated directly (no compiler at run time): one RX
 * segment with a DT_HASH table, symbols, strings and the stubs' code, one
 * RW segment with the dynamic section. The file is written to a temporary
 * name and renamed. Returns NSLOAD_OK with its path in path[pathlen];
 * NSLOAD_ERR_UNSUPPORTED on other architectures than x86_64. */
int nsload_stub_write(const char *dir, const char *soname,
                      const char *const *symbols, size_t n, char *path,
                      size_t pathlen, char *err, size_t errlen);

/* What a library file needs: its DT_NEEDED sonames and the function
 * symbols it leaves undefined without a symbol version (the versioned
 * ones come from libc, libstdc++ and other versioned system libraries;
 * in-house libraries rarely version their symbols), i.e. the candidates
 * for a stub of a missing in-house dependency. */
struct nsload_needs {
    size_t nneeded;
    char **needed;
    size_t nsymbols;
    char **symbols;      /* mangled names */
};

/* Read the ELF file `path` (not loading it) and fill *out; the caller
 * frees it with nsload_needs_free. Returns NSLOAD_OK, or an error with
 * err naming the file and the problem (*out is then empty). */
int nsload_needs(const char *path, struct nsload_needs *out, char *err,
                 size_t errlen);

/* Free what nsload_needs filled in; leaves *n empty. NULL is fine. */
void nsload_needs_free(struct nsload_needs *n);

#endif
