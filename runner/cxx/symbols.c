/* ffi_symbols: reads .dynsym from the file of a shared object (never
 * from memory, so `crossrun symbols` need not load the library), demangles
 * it with __cxa_demangle and matches declarations by canonical key.
 *
 * Load: a library has hundreds to a few thousand exports; a lookup parses
 * only the demangled names that contain the declaration's last name
 * component, once, and remembers the key. */
#include "cxx/symbols.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/demangle.h"

static void entry_free(struct sym_entry *e)
{
    if (e->demangled != e->mangled) {
        free(e->demangled);
    }
    free(e->mangled);
    free(e->key);
}

void sym_table_free(struct sym_table *t)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        entry_free(&t->v[i]);
    }
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

static int cmp_mangled(const void *a, const void *b)
{
    const struct sym_entry *x = a, *y = b;

    return strcmp(x->mangled, y->mangled);
}

static unsigned char variant_of(const char *mangled)
{
    if (strstr(mangled, "D0E") != NULL) {
        return 9;
    }
    if (strstr(mangled, "C2E") != NULL || strstr(mangled, "D2E") != NULL) {
        return 1;
    }
    return 0;
}

/* Fill t from the mapped image of an ELF file. */
static int read_image(const unsigned char *img, size_t size,
                      struct sym_table *t, char *err, size_t errlen)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    const Elf64_Shdr *sh, *dynsym = NULL, *strtab;
    const Elf64_Sym *syms;
    const char *strs;
    size_t i, nsyms, cap = 0;

    if (size < EI_NIDENT || memcmp(img, ELFMAG, SELFMAG) != 0) {
        snprintf(err, errlen, "not an ELF file");
        return -1;
    }
    if (img[EI_CLASS] != ELFCLASS64 || size < sizeof(*eh)) {
        snprintf(err, errlen, "not a 64-bit ELF file");
        return -1;
    }
    if (eh->e_type != ET_DYN) {
        snprintf(err, errlen, "not an ELF shared object (ELF type %u)",
                 (unsigned)eh->e_type);
        return -1;
    }
    if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        eh->e_shoff > size ||
        (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum) {
        snprintf(err, errlen, "ELF section headers missing or truncated");
        return -1;
    }
    sh = (const Elf64_Shdr *)(img + eh->e_shoff);
    for (i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type == SHT_DYNSYM) {
            dynsym = &sh[i];
            break;
        }
    }
    if (dynsym == NULL || dynsym->sh_link >= eh->e_shnum) {
        snprintf(err, errlen, "no dynamic symbol table (.dynsym)");
        return -1;
    }
    strtab = &sh[dynsym->sh_link];
    if (dynsym->sh_offset > size || dynsym->sh_size > size -
        dynsym->sh_offset || strtab->sh_offset > size ||
        strtab->sh_size > size - strtab->sh_offset || strtab->sh_size == 0 ||
        dynsym->sh_entsize != sizeof(Elf64_Sym)) {
        snprintf(err, errlen, "dynamic symbol table truncated");
        return -1;
    }
    syms = (const Elf64_Sym *)(img + dynsym->sh_offset);
    nsyms = dynsym->sh_size / sizeof(Elf64_Sym);
    strs = (const char *)(img + strtab->sh_offset);
    for (i = 1; i < nsyms; i++) {
        const Elf64_Sym *s = &syms[i];
        unsigned type = ELF64_ST_TYPE(s->st_info);
        unsigned bind = ELF64_ST_BIND(s->st_info);
        struct sym_entry *e;
        const char *name;

        if (s->st_shndx == SHN_UNDEF || s->st_name >= strtab->sh_size ||
            (bind != STB_GLOBAL && bind != STB_WEAK &&
             bind != STB_GNU_UNIQUE) ||
            ELF64_ST_VISIBILITY(s->st_other) == STV_HIDDEN ||
            ELF64_ST_VISIBILITY(s->st_other) == STV_INTERNAL ||
            (type != STT_FUNC && type != STT_GNU_IFUNC &&
             type != STT_OBJECT)) {
            continue;
        }
        name = strs + s->st_name;
        if (memchr(name, '\0', strtab->sh_size - s->st_name) == NULL ||
            *name == '\0') {
            continue;
        }
        if (t->n == cap) {
            struct sym_entry *nv;

            cap = cap ? cap * 2 : 256;
            nv = realloc(t->v, cap * sizeof(*nv));
            if (nv == NULL) {
                goto nomem;
            }
            t->v = nv;
        }
        e = &t->v[t->n];
        memset(e, 0, sizeof(*e));
        e->mangled = strdup(name);
        if (e->mangled == NULL) {
            goto nomem;
        }
        t->n++;
        e->is_func = type != STT_OBJECT;
        e->size = s->st_size;
        e->is_cxx = strncmp(name, "_Z", 2) == 0;
        e->demangled = e->is_cxx ? dem_try(name) : NULL;
        if (e->demangled == NULL) {
            e->demangled = e->mangled;
        }
        e->variant = e->is_cxx ? variant_of(name) : 0;
    }
    /* One entry per name (versioned duplicates collapse). */
    if (t->n > 1) {
        size_t w = 1;

        qsort(t->v, t->n, sizeof(*t->v), cmp_mangled);
        for (i = 1; i < t->n; i++) {
            if (strcmp(t->v[i].mangled, t->v[w - 1].mangled) == 0) {
                entry_free(&t->v[i]);
            } else {
                t->v[w++] = t->v[i];
            }
        }
        t->n = w;
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory reading the symbol table");
    return -1;
}

int sym_table_read(const char *path, struct sym_table *t, char *err,
                   size_t errlen)
{
    struct stat st;
    char why[200];
    void *img;
    int fd, rc;

    t->v = NULL;
    t->n = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size == 0) {
        snprintf(err, errlen, "%s: not a regular, non-empty file", path);
        close(fd);
        return -1;
    }
    img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (img == MAP_FAILED) {
        snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
        return -1;
    }
    rc = read_image(img, (size_t)st.st_size, t, why, sizeof(why));
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
    }
    if (munmap(img, (size_t)st.st_size) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: munmap: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        sym_table_free(t);
    }
    return rc;
}

/* Compute e's key once. Returns 0, or -1 when memory ran out. */
static int ensure_key(struct sym_entry *e)
{
    struct decl_error derr;
    struct ct_decl *d;
    struct buf key = BUF_INIT;

    if (e->parsed) {
        return 0;
    }
    d = decl_parse(e->demangled, DECL_NO_RETURN, &derr);
    if (d == NULL) {
        if (derr.column == 0) {
            return -1;
        }
        e->parsed = 1; /* a name the parser does not read: no key */
        return 0;
    }
    if (decl_key(d, &key) != 0) {
        decl_free(d);
        buf_free(&key);
        return -1;
    }
    decl_free(d);
    e->key = buf_steal(&key);
    if (e->key == NULL) {
        return -1;
    }
    e->parsed = 1;
    return 0;
}

/* The key without a trailing " const", into out. */
static int strip_const(const char *key, struct buf *out)
{
    size_t n = strlen(key);

    if (n > 6 && strcmp(key + n - 6, " const") == 0) {
        n -= 6;
    }
    return buf_append(out, key, n);
}

static const struct sym_entry *find_key(struct sym_table *t,
                                        const struct ct_decl *d,
                                        const char *key, int loose, int *oom)
{
    const struct sym_entry *best = NULL;
    struct buf a = BUF_INIT, b = BUF_INIT;
    size_t i;

    if (loose && strip_const(key, &a) != 0) {
        *oom = 1;
        return NULL;
    }
    for (i = 0; i < t->n; i++) {
        struct sym_entry *e = &t->v[i];
        int same;

        if (!e->is_func || !e->is_cxx ||
            strstr(e->demangled, d->base) == NULL) {
            continue;
        }
        if (ensure_key(e) != 0) {
            *oom = 1;
            break;
        }
        if (e->key == NULL) {
            continue;
        }
        if (loose) {
            buf_clear(&b);
            if (strip_const(e->key, &b) != 0) {
                *oom = 1;
                break;
            }
            same = strcmp(a.data, b.data) == 0;
        } else {
            same = strcmp(key, e->key) == 0;
        }
        if (same && e->variant != 9 &&
            (best == NULL || e->variant < best->variant)) {
            best = e;
        }
    }
    buf_free(&a);
    buf_free(&b);
    return best;
}

const struct sym_entry *sym_find(struct sym_table *t, const struct ct_decl *d,
                                 int *oom)
{
    const struct sym_entry *e;
    struct buf key = BUF_INIT;
    size_t i;

    *oom = 0;
    if (decl_key(d, &key) != 0) {
        *oom = 1;
        return NULL;
    }
    e = find_key(t, d, key.data, 0, oom);
    if (e == NULL && !*oom && strstr(d->name, "::") == NULL) {
        for (i = 0; i < t->n; i++) {
            if (t->v[i].is_func && !t->v[i].is_cxx &&
                strcmp(t->v[i].mangled, d->name) == 0) {
                e = &t->v[i];
                break;
            }
        }
    }
    if (e == NULL && !*oom) {
        e = find_key(t, d, key.data, 1, oom);
    }
    buf_free(&key);
    return e;
}

/* Edit distance of the first 128 bytes of a and b. */
static size_t distance(const char *a, const char *b)
{
    size_t row[129];
    size_t n = strlen(a), m = strlen(b), i, j;

    n = n > 128 ? 128 : n;
    m = m > 128 ? 128 : m;
    for (j = 0; j <= m; j++) {
        row[j] = j;
    }
    for (i = 1; i <= n; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);

            if (up + 1 < best) {
                best = up + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

/* The parts of a display name: "int ns::Cls::f<int>(char) const" has
 * scope "ns::Cls", base "f<int>" and parameters "(char) const"; a C name
 * is all base. Each part is [start, end) of s. */
struct parts {
    size_t scope_end, base, params;
};

static void split_display(const char *s, struct parts *p)
{
    size_t n = strlen(s), i, open = n;
    int depth = 0;

    /* The parameters open at the '(' matching the last ')'. */
    for (i = n; i-- > 0;) {
        if (s[i] == ')') {
            depth++;
        } else if (s[i] == '(' && depth > 0 && --depth == 0) {
            open = i;
            break;
        }
    }
    p->params = open;
    p->base = 0;
    p->scope_end = 0;
    depth = 0;
    for (i = 0; i < open; i++) {
        if (s[i] == '<' || s[i] == '(') {
            depth++;
        } else if ((s[i] == '>' || s[i] == ')') && depth > 0) {
            depth--;
        } else if (depth == 0 && s[i] == ' ' &&
                   strncmp(s + i + 1, "operator", 8) != 0 &&
                   (i < 8 || strncmp(s + i - 8, "operator", 8) != 0)) {
            p->base = i + 1; /* after a return type */
            p->scope_end = i + 1;
        } else if (depth == 0 && s[i] == ':' && s[i + 1] == ':') {
            p->scope_end = i;
            p->base = i + 2;
            i++;
        }
    }
    if (p->scope_end < p->base && p->base >= 2 && s[p->base - 1] == ':') {
        p->scope_end = p->base - 2;
    }
}

/* Edit distance of s[a, b) and t[c, d) (each cut to 128 bytes). */
static size_t part_distance(const char *s, size_t a, size_t b,
                            const char *t, size_t c, size_t d)
{
    char x[129], y[129];
    size_t n = b - a > 128 ? 128 : b - a, m = d - c > 128 ? 128 : d - c;

    memcpy(x, s + a, n);
    x[n] = '\0';
    memcpy(y, t + c, m);
    y[m] = '\0';
    return distance(x, y);
}

/* How far the exported name s is from the declaration's key k (parts
 * kp): the function's own name first, then its scope, then its
 * parameters, so that "u_strToUpper" finds "u_strToUpper_72" and an
 * overload of the same name comes before a namesake elsewhere. */
static size_t closeness(const char *k, const struct parts *kp,
                        const char *s)
{
    struct parts sp;
    size_t name, scope, params;

    split_display(s, &sp);
    name = part_distance(k, kp->base, kp->params, s, sp.base, sp.params);
    scope = part_distance(k, 0, kp->scope_end, s, 0, sp.scope_end);
    params = part_distance(k, kp->params, strlen(k), s, sp.params,
                           strlen(s));
    return (name << 20) | (scope << 10) | params;
}

size_t sym_closest(struct sym_table *t, const struct ct_decl *d,
                   const char **out, size_t max)
{
    size_t score[8];
    size_t n = 0, i, j;
    struct buf key = BUF_INIT;
    struct parts kp;

    if (max > 8) {
        max = 8;
    }
    if (decl_key(d, &key) != 0) {
        return 0;
    }
    kp.params = strlen(d->name);
    kp.base = (size_t)(d->base - d->name);
    kp.scope_end = kp.base >= 2 ? kp.base - 2 : 0;
    for (i = 0; i < t->n; i++) {
        const struct sym_entry *e = &t->v[i];
        size_t s;
        int dup = 0;

        if (!e->is_func) {
            continue;
        }
        s = closeness(key.data, &kp, e->demangled);
        for (j = 0; j < n; j++) {
            if (strcmp(out[j], e->demangled) == 0) {
                dup = 1;
            }
        }
        if (dup || (n == max && s >= score[n - 1])) {
            continue;
        }
        j = n < max ? n++ : n - 1;
        while (j > 0 && score[j - 1] > s) {
            score[j] = score[j - 1];
            out[j] = out[j - 1];
            j--;
        }
        score[j] = s;
        out[j] = e->demangled;
    }
    buf_free(&key);
    return n;
}

int sym_is_class(struct sym_table *t, const char *cls)
{
    const char *last = strrchr(cls, ':');
    size_t n = strlen(cls);
    size_t i;

    last = last != NULL ? last + 1 : cls;
    for (i = 0; i < t->n; i++) {
        const char *s = t->v[i].demangled;

        if (!t->v[i].is_cxx) {
            continue;
        }
        if ((strncmp(s, "vtable for ", 11) == 0 &&
             strcmp(s + 11, cls) == 0) ||
            (strncmp(s, "typeinfo for ", 13) == 0 &&
             strcmp(s + 13, cls) == 0)) {
            return 1;
        }
        if (strncmp(s, cls, n) == 0 && strncmp(s + n, "::", 2) == 0) {
            const char *m = s + n + 2;
            size_t ln = strlen(last);

            if (*m == '~') {
                m++;
            }
            if (strncmp(m, last, ln) == 0 && m[ln] == '(') {
                return 1;
            }
        }
    }
    return 0;
}

const struct sym_entry *sym_find_data(const struct sym_table *t,
                                      const char *text)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        if (!t->v[i].is_func && strcmp(t->v[i].demangled, text) == 0) {
            return &t->v[i];
        }
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sym_function_names(const struct sym_table *t, const char ***out,
                       size_t *n)
{
    const char **v = malloc((t->n ? t->n : 1) * sizeof(*v));
    size_t i, k = 0, w;

    if (v == NULL) {
        return -1;
    }
    for (i = 0; i < t->n; i++) {
        if (t->v[i].is_func) {
            v[k++] = t->v[i].demangled;
        }
    }
    qsort(v, k, sizeof(*v), cmp_str);
    for (i = 0, w = 0; i < k; i++) {
        if (w == 0 || strcmp(v[w - 1], v[i]) != 0) {
            v[w++] = v[i];
        }
    }
    *out = v;
    *n = w;
    return 0;
}

/* The file that dlopen(lib) would load: lib itself when it names a path
 * (it has a '/'), else what the dynamic linker finds for that name, into
 * path. Returns 0, or -1 with a message in err. */
static int lib_path(const char *lib, char *path, size_t n, char *err,
                    size_t errlen)
{
    struct link_map *map = NULL;
    void *h;
    int rc = 0;

    if (strchr(lib, '/') != NULL) {
        return snprintf(path, n, "%s", lib) < (int)n ? 0 : -1;
    }
    h = dlopen(lib, RTLD_LAZY | RTLD_LOCAL);
    if (h == NULL) {
        snprintf(err, errlen, "%s", dlerror());
        return -1;
    }
    if (dlinfo(h, RTLD_DI_LINKMAP, &map) != 0 || map == NULL ||
        snprintf(path, n, "%s", map->l_name) >= (int)n) {
        snprintf(err, errlen, "%s: cannot tell which file it is", lib);
        rc = -1;
    }
    dlclose(h);
    return rc;
}

/* Whether a demangled name is selected by pattern: a glob when it has
 * one of * ? [, else a substring; NULL selects all. */
static int selected(const char *name, const char *pattern)
{
    if (pattern == NULL) {
        return 1;
    }
    if (strpbrk(pattern, "*?[") != NULL) {
        return fnmatch(pattern, name, 0) == 0;
    }
    return strstr(name, pattern) != NULL;
}

int ffi_print_symbols(const char *lib, const char *pattern, FILE *out,
                      char *err, size_t errlen)
{
    char path[4096];
    struct sym_table t;
    const char **names;
    size_t n, i, shown = 0;
    int rc = 0;

    if (lib_path(lib, path, sizeof path, err, errlen) != 0 ||
        sym_table_read(path, &t, err, errlen) != 0) {
        return -1;
    }
    if (sym_function_names(&t, &names, &n) != 0) {
        snprintf(err, errlen, "out of memory");
        sym_table_free(&t);
        return -1;
    }
    for (i = 0; i < n && rc == 0; i++) {
        if (!selected(names[i], pattern)) {
            continue;
        }
        shown++;
        if (fprintf(out, "%s\n", names[i]) < 0 ||
            (i + 1 == n && fflush(out) != 0)) {
            if (errno == EPIPE) {
                break;      /* the reader stopped reading: nothing lost */
            }
            snprintf(err, errlen, "writing the symbol list: %s",
                     strerror(errno));
            rc = -1;
        }
    }
    if (rc == 0 && i == n && shown == 0 && pattern != NULL) {
        snprintf(err, errlen, "no exported function of %s matches '%s' "
                 "(a glob when it has * ? or [, else a part of the name)",
                 lib, pattern);
        rc = 1;
    }
    free(names);
    sym_table_free(&t);
    return rc;
}
