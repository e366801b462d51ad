/* nsload: load libraries into their own link namespaces (dlmopen) and
 * satisfy missing dependencies with generated stub libraries.
 *
 * Namespaces. dlmopen(LM_ID_NEWLM, ...) gives a library its own copies of
 * all its dependencies, libc included, so two versions of one library
 * (same soname, same symbols) coexist and a library's globals cannot clash
 * with the harness's. glibc has a fixed table of DL_NNS = 16 namespaces,
 * the base one included: at most 15 dlmopen namespaces are alive at once.
 * Each namespace that loads libc (and libstdc++) also needs static TLS
 * for their initial-exec thread-local variables, from a reserve sized at
 * startup for glibc.rtld.nns namespaces (default 4): with C libraries a
 * process reaches about 11 namespaces before "cannot allocate memory in
 * static TLS block". Both errors are reported with what to do.
 *
 * Missing dependencies. A library whose DT_NEEDED names an in-house
 * library that is not installed cannot be loaded, lazily or not: RTLD_LAZY
 * defers only the binding of PLT symbols, never the opening of needed
 * files (and GLOB_DAT symbols bind at load time anyway). The loader does,
 * however, satisfy a DT_NEEDED name with any object already loaded in the
 * same namespace whose DT_SONAME is that name. So:
 *   1. nsload_needs reads the library file and lists its unversioned
 *      undefined function symbols (the ones an in-house library provides;
 *      libc's and libstdc++'s references carry symbol versions);
 *   2. nsload_stub_write generates, without a compiler, a tiny shared
 *      library with the missing soname that defines those symbols as
 *      stubs that print which function was called unmocked and abort;
 *   3. nsload_open_with loads the stub into the target namespace first,
 *      then the library, which binds to the stubs with RTLD_NOW;
 *   4. the test mocks the functions it needs with elfgot_patch (the
 *      library's GOT slots then point at the mocks, not the stubs).
 * A stub placed in a temporary directory and preloaded by path never
 * shadows anything else: it is only found through its soname.
 *
 * Expected load: a few loads per test process; nothing here is hot. */
#include "cxx/nsload.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/errmsg.h"

/* libstdc++'s demangler (declared in <cxxabi.h> for C++). */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len,
                     int *status);

const char *nsload_strerror(int status)
{
    switch (status) {
    case NSLOAD_OK: return "success";
    case NSLOAD_ERR_ARG: return "invalid argument";
    case NSLOAD_ERR_LOAD: return "the loader refused the library";
    case NSLOAD_ERR_LIMIT: return "no link namespace left";
    case NSLOAD_ERR_TLS: return "no static TLS left for a namespace";
    case NSLOAD_ERR_SYS: return "system call failed";
    case NSLOAD_ERR_NOMEM: return "out of memory";
    case NSLOAD_ERR_UNSUPPORTED: return "unsupported architecture";
    }
    return "unknown status";
}

/* Classify the loader's last error about loading `path`. */
static int load_error(const char *path, int isolated, char *err,
                      size_t errlen)
{
    const char *why = dlerror();

    if (why == NULL) {
        why = "no reason given";
    }
    if (isolated && strstr(why, "no more namespaces") != NULL) {
        return errmsg(err, errlen, NSLOAD_ERR_LIMIT,
                      "cannot load %s in a new link namespace: glibc allows "
                      "at most %d link namespaces per process (%d for "
                      "dlmopen), and all are in use; close isolated "
                      "libraries that are no longer needed (loader: %s)",
                      path, NSLOAD_MAX_NAMESPACES, NSLOAD_MAX_NAMESPACES - 1,
                      why);
    }
    if (isolated && strstr(why, "static TLS") != NULL) {
        return errmsg(err, errlen, NSLOAD_ERR_TLS,
                      "cannot load %s in a new link namespace: every "
                      "namespace loads its own libc (and libstdc++), whose "
                      "thread-local variables need static TLS, and glibc "
                      "reserved room for only a few namespaces at startup; "
                      "start the process with GLIBC_TUNABLES=glibc.rtld.nns=N "
                      "(N up to %d) to reserve more (loader: %s)", path,
                      NSLOAD_MAX_NAMESPACES, why);
    }
    return errmsg(err, errlen, NSLOAD_ERR_LOAD, "%s", why);
}

int nsload_open_with(const char *path, int isolated, int flags,
                     const char *const *preload, size_t npreload,
                     void **handle, char *err, size_t errlen)
{
    void **pre = NULL;
    Lmid_t lmid = LM_ID_NEWLM;
    size_t i, opened = 0;
    void *h;
    int rc = NSLOAD_OK;

    if (handle != NULL) {
        *handle = NULL;
    }
    if (path == NULL || path[0] == '\0' || handle == NULL
        || (npreload > 0 && preload == NULL)) {
        return errmsg(err, errlen, NSLOAD_ERR_ARG,
                      "nsload_open_with: NULL or empty argument");
    }
    if (npreload > 0) {
        pre = calloc(npreload, sizeof(*pre));
        if (pre == NULL) {
            return errmsg(err, errlen, NSLOAD_ERR_NOMEM,
                          "out of memory loading %s", path);
        }
    }
    for (opened = 0; opened < npreload; opened++) {
        const char *p = preload[opened];

        if (p == NULL || p[0] == '\0') {
            rc = errmsg(err, errlen, NSLOAD_ERR_ARG,
                        "nsload_open_with: preload %zu is empty", opened);
            goto out;
        }
        pre[opened] = isolated ? dlmopen(lmid, p, RTLD_NOW | RTLD_LOCAL)
                               : dlopen(p, RTLD_NOW | RTLD_LOCAL);
        if (pre[opened] == NULL) {
            rc = load_error(p, isolated, err, errlen);
            goto out;
        }
        if (isolated && lmid == LM_ID_NEWLM
            && dlinfo(pre[opened], RTLD_DI_LMID, &lmid) != 0) {
            const char *why = dlerror();

            opened++;
            rc = errmsg(err, errlen, NSLOAD_ERR_SYS,
                        "dlinfo(RTLD_DI_LMID) on %s: %s", p,
                        why ? why : "no reason given");
            goto out;
        }
    }
    h = isolated ? dlmopen(lmid, path, flags) : dlopen(path, flags);
    if (h == NULL) {
        rc = load_error(path, isolated, err, errlen);
        goto out;
    }
    *handle = h;
out:
    /* path now holds the preloaded libraries through its dependencies;
     * on failure this unloads them. */
    for (i = 0; i < opened; i++) {
        if (dlclose(pre[i]) != 0 && rc == NSLOAD_OK) {
            const char *why = dlerror();

            rc = errmsg(err, errlen, NSLOAD_ERR_SYS, "dlclose(%s): %s",
                        preload[i], why ? why : "no reason given");
            if (dlclose(*handle) != 0) {
                (void)dlerror();
            }
            *handle = NULL;
        }
    }
    free(pre);
    return rc;
}

int nsload_open(const char *path, void **handle, char *err, size_t errlen)
{
    return nsload_open_with(path, 1, RTLD_NOW | RTLD_LOCAL, NULL, 0, handle,
                            err, errlen);
}

/* ---- stub libraries ---------------------------------------------- */

#define STUB_CODE 64            /* bytes of code per stub */
#define STUB_PAGE 4096

/* Append n bytes to a growing image. */
struct image {
    unsigned char *data;
    size_t len, cap;
};

static int put(struct image *im, const void *p, size_t n)
{
    if (im->len + n > im->cap) {
        size_t cap = im->cap ? im->cap : 4096;
        unsigned char *d;

        while (cap < im->len + n) {
            cap *= 2;
        }
        d = realloc(im->data, cap);
        if (d == NULL) {
            return -1;
        }
        im->data = d;
        im->cap = cap;
    }
    if (p != NULL) {
        memcpy(im->data + im->len, p, n);
    } else {
        memset(im->data + im->len, 0, n);
    }
    im->len += n;
    return 0;
}

static int pad_to(struct image *im, size_t align)
{
    size_t n = (align - im->len % align) % align;

    return n ? put(im, NULL, n) : 0;
}

/* The machine code of one stub, at virtual address `at`, that writes the
 * `len` bytes at `msg`, then tgkill(getpid(), gettid(), SIGABRT), then
 * ud2 in case the signal is blocked or handled. No relocations: the
 * message is addressed relative to rip. */
static void stub_code(unsigned char code[STUB_CODE], uint64_t at,
                      uint64_t msg, uint32_t len)
{
    static const unsigned char tmpl[] = {
        0x48, 0x8d, 0x35, 0, 0, 0, 0,   /* lea msg(%rip),%rsi */
        0xba, 0, 0, 0, 0,               /* mov $len,%edx */
        0xbf, 0x02, 0, 0, 0,            /* mov $2,%edi */
        0xb8, 0x01, 0, 0, 0,            /* mov $SYS_write,%eax */
        0x0f, 0x05,                     /* syscall */
        0xb8, 0x27, 0, 0, 0,            /* mov $SYS_getpid,%eax */
        0x0f, 0x05,                     /* syscall */
        0x89, 0xc7,                     /* mov %eax,%edi */
        0xb8, 0xba, 0, 0, 0,            /* mov $SYS_gettid,%eax */
        0x0f, 0x05,                     /* syscall */
        0x89, 0xc6,                     /* mov %eax,%esi */
        0xba, 0x06, 0, 0, 0,            /* mov $SIGABRT,%edx */
        0xb8, 0xea, 0, 0, 0,            /* mov $SYS_tgkill,%eax */
        0x0f, 0x05,                     /* syscall */
        0x0f, 0x0b,                     /* ud2 */
    };
    int32_t rel = (int32_t)(int64_t)(msg - (at + 7));

    memset(code, 0xcc, STUB_CODE);      /* int3 padding */
    memcpy(code, tmpl, sizeof(tmpl));
    memcpy(code + 3, &rel, 4);
    memcpy(code + 8, &len, 4);
}

static int write_file(const char *dir, const char *name,
                      const struct image *im, char *path, size_t pathlen,
                      char *err, size_t errlen)
{
    char tmp[4096];
    int fd, n;

    n = snprintf(path, pathlen, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= pathlen
        || snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name)
               >= (int)sizeof(tmp)) {
        return errmsg(err, errlen, NSLOAD_ERR_ARG,
                      "stub path %s/%s is too long", dir, name);
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        return errmsg(err, errlen, NSLOAD_ERR_SYS, "cannot create %s: %s",
                      tmp, strerror(errno));
    }
    if (afile_write_all(fd, im->data, im->len) != 0) {
        errmsg(err, errlen, NSLOAD_ERR_SYS, "cannot write %s: %s", tmp,
               strerror(errno));
        goto error;
    }
    if (fchmod(fd, 0755) != 0) {
        errmsg(err, errlen, NSLOAD_ERR_SYS, "cannot chmod %s: %s", tmp,
               strerror(errno));
        goto error;
    }
    if (close(fd) != 0) {
        fd = -1;
        errmsg(err, errlen, NSLOAD_ERR_SYS, "cannot close %s: %s", tmp,
               strerror(errno));
        goto error;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        errmsg(err, errlen, NSLOAD_ERR_SYS, "cannot rename %s to %s: %s",
               tmp, path, strerror(errno));
        goto error;
    }
    return NSLOAD_OK;
error:
    if (fd >= 0) {
        (void)close(fd);
    }
    (void)unlink(tmp);
    return NSLOAD_ERR_SYS;
}

int nsload_stub_write(const char *dir, const char *soname,
                      const char *const *symbols, size_t n, char *path,
                      size_t pathlen, char *err, size_t errlen)
{
#if defined(__x86_64__)
    struct image im = {NULL, 0, 0};
    Elf64_Ehdr eh;
    Elf64_Phdr ph[4];
    Elf64_Sym sym;
    Elf64_Dyn dyn[7];
    size_t i, strsz = 1, phoff, hashoff, symoff, stroff, codeoff, msgoff;
    size_t dynoff, rxend, soname_at, *name_at = NULL, *msg_at = NULL;
    uint32_t *msg_len = NULL, word;
    char **msgs = NULL;
    int rc = NSLOAD_ERR_NOMEM;

    if (dir == NULL || soname == NULL || soname[0] == '\0' || path == NULL
        || (n > 0 && symbols == NULL) || strchr(soname, '/') != NULL) {
        return errmsg(err, errlen, NSLOAD_ERR_ARG,
                      "nsload_stub_write: NULL or empty argument, or a soname "
                      "with a '/'");
    }
    for (i = 0; i < n; i++) {
        if (symbols[i] == NULL || symbols[i][0] == '\0') {
            return errmsg(err, errlen, NSLOAD_ERR_ARG,
                          "nsload_stub_write: symbol %zu is empty", i);
        }
    }
    name_at = calloc(n + 1, sizeof(*name_at));
    msg_at = calloc(n + 1, sizeof(*msg_at));
    msg_len = calloc(n + 1, sizeof(*msg_len));
    msgs = calloc(n + 1, sizeof(*msgs));
    if (name_at == NULL || msg_at == NULL || msg_len == NULL
        || msgs == NULL) {
        goto nomem;
    }
    /* the messages, with demangled names */
    for (i = 0; i < n; i++) {
        int st = -1, len;
        char *d = symbols[i][0] == '_' && symbols[i][1] == 'Z'
                      ? __cxa_demangle(symbols[i], NULL, NULL, &st) : NULL;

        len = asprintf(&msgs[i], "crossrun: %s is not available: %s was "
                       "called without a mock\n", soname,
                       st == 0 && d != NULL ? d : symbols[i]);
        free(d);
        if (len < 0) {
            msgs[i] = NULL;
            goto nomem;
        }
        msg_len[i] = (uint32_t)len;
    }
    /* layout: headers, hash, symbols, strings, code, messages | dynamic */
    phoff = sizeof(eh);
    hashoff = phoff + sizeof(ph);
    symoff = hashoff + (2 + 1 + (n + 1)) * 4;
    symoff = (symoff + 7) & ~(size_t)7;
    stroff = symoff + (n + 1) * sizeof(sym);
    soname_at = strsz;
    strsz += strlen(soname) + 1;
    for (i = 0; i < n; i++) {
        name_at[i] = strsz;
        strsz += strlen(symbols[i]) + 1;
    }
    codeoff = (stroff + strsz + 15) & ~(size_t)15;
    msgoff = codeoff + n * STUB_CODE;
    for (i = 0, dynoff = msgoff; i < n; i++) {
        msg_at[i] = dynoff;
        dynoff += msg_len[i];
    }
    rxend = dynoff;
    dynoff = (dynoff + STUB_PAGE - 1) & ~(size_t)(STUB_PAGE - 1);

    memset(&eh, 0, sizeof(eh));
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
    eh.e_type = ET_DYN;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = phoff;
    eh.e_ehsize = sizeof(eh);
    eh.e_phentsize = sizeof(ph[0]);
    eh.e_phnum = 4;
    memset(ph, 0, sizeof(ph));
    ph[0].p_type = PT_LOAD;
    ph[0].p_flags = PF_R | PF_X;
    ph[0].p_filesz = ph[0].p_memsz = rxend;
    ph[0].p_align = STUB_PAGE;
    ph[1].p_type = PT_LOAD;
    ph[1].p_flags = PF_R | PF_W;
    ph[1].p_offset = ph[1].p_vaddr = ph[1].p_paddr = dynoff;
    ph[1].p_filesz = ph[1].p_memsz = sizeof(dyn);
    ph[1].p_align = STUB_PAGE;
    ph[2] = ph[1];
    ph[2].p_type = PT_DYNAMIC;
    ph[2].p_align = 8;
    ph[3].p_type = PT_GNU_STACK;        /* no executable stack */
    ph[3].p_flags = PF_R | PF_W;
    ph[3].p_align = 16;
    if (put(&im, &eh, sizeof(eh)) || put(&im, ph, sizeof(ph))) {
        goto nomem;
    }
    /* DT_HASH with one bucket: the chain visits every symbol */
    word = 1;
    if (put(&im, &word, 4)) {
        goto nomem;
    }
    word = (uint32_t)(n + 1);
    if (put(&im, &word, 4)) {
        goto nomem;
    }
    word = (uint32_t)n;                 /* bucket[0]: the last symbol */
    if (put(&im, &word, 4)) {
        goto nomem;
    }
    for (i = 0; i <= n; i++) {          /* chain[i] = i - 1, chain[0] = 0 */
        word = i ? (uint32_t)(i - 1) : 0;
        if (put(&im, &word, 4)) {
            goto nomem;
        }
    }
    if (pad_to(&im, 8) || im.len != symoff || put(&im, NULL, sizeof(sym))) {
        goto nomem;
    }
    for (i = 0; i < n; i++) {
        memset(&sym, 0, sizeof(sym));
        sym.st_name = (Elf64_Word)name_at[i];
        sym.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
        sym.st_other = STV_DEFAULT;
        sym.st_shndx = 1;               /* defined; no section headers */
        sym.st_value = codeoff + i * STUB_CODE;
        sym.st_size = STUB_CODE;
        if (put(&im, &sym, sizeof(sym))) {
            goto nomem;
        }
    }
    if (put(&im, "", 1) || put(&im, soname, strlen(soname) + 1)) {
        goto nomem;
    }
    for (i = 0; i < n; i++) {
        if (put(&im, symbols[i], strlen(symbols[i]) + 1)) {
            goto nomem;
        }
    }
    if (pad_to(&im, 16) || im.len != codeoff) {
        goto nomem;
    }
    for (i = 0; i < n; i++) {
        unsigned char code[STUB_CODE];

        stub_code(code, codeoff + i * STUB_CODE, msg_at[i], msg_len[i]);
        if (put(&im, code, sizeof(code))) {
            goto nomem;
        }
    }
    for (i = 0; i < n; i++) {
        if (put(&im, msgs[i], msg_len[i])) {
            goto nomem;
        }
    }
    if (pad_to(&im, STUB_PAGE) || im.len != dynoff) {
        goto nomem;
    }
    memset(dyn, 0, sizeof(dyn));
    dyn[0].d_tag = DT_SONAME;
    dyn[0].d_un.d_val = soname_at;
    dyn[1].d_tag = DT_HASH;
    dyn[1].d_un.d_ptr = hashoff;
    dyn[2].d_tag = DT_SYMTAB;
    dyn[2].d_un.d_ptr = symoff;
    dyn[3].d_tag = DT_STRTAB;
    dyn[3].d_un.d_ptr = stroff;
    dyn[4].d_tag = DT_STRSZ;
    dyn[4].d_un.d_val = strsz;
    dyn[5].d_tag = DT_SYMENT;
    dyn[5].d_un.d_val = sizeof(sym);
    dyn[6].d_tag = DT_NULL;
    if (put(&im, dyn, sizeof(dyn))) {
        goto nomem;
    }
    rc = write_file(dir, soname, &im, path, pathlen, err, errlen);
    goto out;
nomem:
    rc = errmsg(err, errlen, NSLOAD_ERR_NOMEM,
                "out of memory generating the stub %s", soname);
out:
    for (i = 0; msgs != NULL && i < n; i++) {
        free(msgs[i]);
    }
    free(msgs);
    free(msg_len);
    free(msg_at);
    free(name_at);
    free(im.data);
    return rc;
#else
    (void)dir; (void)soname; (void)symbols; (void)n; (void)path;
    (void)pathlen;
    return errmsg(err, errlen, NSLOAD_ERR_UNSUPPORTED,
                  "stub libraries are generated for x86_64 only");
#endif
}

/* ---- what a library file needs ----------------------------------- */

void nsload_needs_free(struct nsload_needs *n)
{
    size_t i;

    if (n == NULL) {
        return;
    }
    for (i = 0; i < n->nneeded; i++) {
        free(n->needed[i]);
    }
    for (i = 0; i < n->nsymbols; i++) {
        free(n->symbols[i]);
    }
    free(n->needed);
    free(n->symbols);
    memset(n, 0, sizeof(*n));
}

static int push(char ***list, size_t *count, const char *s)
{
    char **l = realloc(*list, (*count + 1) * sizeof(*l));

    if (l == NULL) {
        return -1;
    }
    *list = l;
    l[*count] = strdup(s);
    if (l[*count] == NULL) {
        return -1;
    }
    (*count)++;
    return 0;
}

/* A section of the file, checked to lie inside it. */
static const Elf64_Shdr *section(const unsigned char *f, size_t size,
                                 const Elf64_Ehdr *eh, size_t i)
{
    const Elf64_Shdr *sh;

    if (i >= eh->e_shnum) {
        return NULL;
    }
    sh = (const Elf64_Shdr *)(f + eh->e_shoff + i * sizeof(*sh));
    if (sh->sh_type != SHT_NOBITS
        && (sh->sh_offset > size || sh->sh_size > size - sh->sh_offset)) {
        return NULL;
    }
    return sh;
}

/* Scan the mapped file; fills out or returns an error. */
static int scan_needs(const char *path, const unsigned char *f, size_t size,
                      struct nsload_needs *out, char *err, size_t errlen)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
    const Elf64_Shdr *dynsym = NULL, *dynamic = NULL, *versym = NULL;
    const Elf64_Shdr *strs;
    size_t i;

    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0
        || eh->e_ident[EI_CLASS] != ELFCLASS64) {
        return errmsg(err, errlen, NSLOAD_ERR_ARG,
                      "%s is not a 64-bit ELF file", path);
    }
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > size
        || (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum) {
        return errmsg(err, errlen, NSLOAD_ERR_ARG,
                      "%s has no valid section headers", path);
    }
    for (i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *sh = section(f, size, eh, i);

        if (sh == NULL) {
            return errmsg(err, errlen, NSLOAD_ERR_ARG,
                          "%s: section %zu lies outside the file", path, i);
        }
        if (sh->sh_type == SHT_DYNSYM) {
            dynsym = sh;
        } else if (sh->sh_type == SHT_DYNAMIC) {
            dynamic = sh;
        } else if (sh->sh_type == SHT_GNU_versym) {
            versym = sh;
        }
    }
    if (dynsym == NULL || dynamic == NULL) {
        return errmsg(err, errlen, NSLOAD_ERR_ARG,
                      "%s has no dynamic symbol table: not a shared library?",
                      path);
    }
    strs = section(f, size, eh, dynsym->sh_link);
    if (strs == NULL || strs->sh_size == 0) {
        return errmsg(err, errlen, NSLOAD_ERR_ARG,
                      "%s: bad string table of .dynsym", path);
    }
    for (i = 0; i < dynamic->sh_size / sizeof(Elf64_Dyn); i++) {
        const Elf64_Dyn *d = (const Elf64_Dyn *)(f + dynamic->sh_offset)
                             + i;

        if (d->d_tag == DT_NULL) {
            break;
        }
        if (d->d_tag != DT_NEEDED) {
            continue;
        }
        if (d->d_un.d_val >= strs->sh_size) {
            return errmsg(err, errlen, NSLOAD_ERR_ARG,
                          "%s: DT_NEEDED name outside its string table", path);
        }
        if (push(&out->needed, &out->nneeded,
                 (const char *)f + strs->sh_offset + d->d_un.d_val)) {
            return errmsg(err, errlen, NSLOAD_ERR_NOMEM, "out of memory");
        }
    }
    for (i = 1; i < dynsym->sh_size / sizeof(Elf64_Sym); i++) {
        const Elf64_Sym *s = (const Elf64_Sym *)(f + dynsym->sh_offset) + i;
        int type = ELF64_ST_TYPE(s->st_info);
        uint16_t ver = 1;

        if (s->st_shndx != SHN_UNDEF
            || ELF64_ST_BIND(s->st_info) != STB_GLOBAL
            || (type != STT_FUNC && type != STT_NOTYPE)
            || s->st_name == 0 || s->st_name >= strs->sh_size) {
            continue;
        }
        if (versym != NULL && (i + 1) * 2 <= versym->sh_size) {
            memcpy(&ver, f + versym->sh_offset + i * 2, 2);
            ver &= 0x7fff;
        }
        if (ver > 1) {
            continue;       /* versioned: a system library's */
        }
        if (push(&out->symbols, &out->nsymbols,
                 (const char *)f + strs->sh_offset + s->st_name)) {
            return errmsg(err, errlen, NSLOAD_ERR_NOMEM, "out of memory");
        }
    }
    return NSLOAD_OK;
}

int nsload_needs(const char *path, struct nsload_needs *out, char *err,
                 size_t errlen)
{
    struct stat st;
    void *map = MAP_FAILED;
    int fd = -1, rc;

    if (out == NULL || path == NULL) {
        return errmsg(err, errlen, NSLOAD_ERR_ARG, "nsload_needs: NULL");
    }
    memset(out, 0, sizeof(*out));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errmsg(err, errlen, NSLOAD_ERR_SYS, "cannot open %s: %s", path,
                      strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        rc = errmsg(err, errlen, NSLOAD_ERR_SYS, "cannot stat %s: %s", path,
                    strerror(errno));
        goto out;
    }
    if (st.st_size <= 0) {
        rc = errmsg(err, errlen, NSLOAD_ERR_ARG, "%s is empty", path);
        goto out;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        rc = errmsg(err, errlen, NSLOAD_ERR_SYS, "cannot map %s: %s", path,
                    strerror(errno));
        goto out;
    }
    rc = scan_needs(path, map, (size_t)st.st_size, out, err, errlen);
out:
    if (rc != NSLOAD_OK) {
        nsload_needs_free(out);
    }
    if (map != MAP_FAILED && munmap(map, (size_t)st.st_size) != 0
        && rc == NSLOAD_OK) {
        rc = errmsg(err, errlen, NSLOAD_ERR_SYS, "cannot unmap %s: %s", path,
                    strerror(errno));
        nsload_needs_free(out);
    }
    if (close(fd) != 0 && rc == NSLOAD_OK) {
        rc = errmsg(err, errlen, NSLOAD_ERR_SYS, "cannot close %s: %s", path,
                    strerror(errno));
        nsload_needs_free(out);
    }
    return rc;
}
