/* declsym: declarations to addresses through their mangled names. */
#include "cxx/declsym.h"

#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cxx/dynsym.h"
#include "cxx/mangle.h"

/* Try d's mangled name in variant v, with template parameters in the
 * positions tmask. 1 found, 0 not, -1 out of memory, 2 cannot mangle. */
static int try_name(void *handle, const struct ct_decl *d,
                    enum mangle_variant v, unsigned tmask, void **addr,
                    struct buf *sym)
{
    size_t mark = sym->len;
    int rc = mangle_decl_as(d, v, tmask, sym);

    if (rc < 0) {
        return -1;
    }
    if (rc == 0 && dynsym_find(handle, sym->data + mark, DYNSYM_FUNC, addr,
                               NULL) == 1) {
        return 1;
    }
    sym->len = mark;
    if (sym->data != NULL) {
        sym->data[mark] = '\0';
    }
    return rc == 0 ? 0 : 2;
}

/* Try variant v; for a function template, each way its template
 * arguments may stand for its template parameters (every subset of the
 * positions that mention them, or none and all when there are more than
 * eight). 1 found, 0 not, -1 out of memory. */
static int try_variant(void *handle, const struct ct_decl *d,
                       enum mangle_variant v, void **addr, struct buf *sym)
{
    unsigned pos, t = 0;
    int many, rc;

    if (mangle_template_mask(d, &pos) != 0) {
        return -1;
    }
    many = __builtin_popcount(pos) > 8;
    do {
        rc = try_name(handle, d, v, t, addr, sym);
        if (rc != 0) {
            return rc == 2 ? 0 : rc;
        }
        t = many ? (t == 0 ? pos : 0) : (t - pos) & pos;
    } while (t != 0);
    return 0;
}

int declsym_find(void *handle, const struct ct_decl *d, void **addr,
                 struct buf *sym)
{
    int rc = try_variant(handle, d, MANGLE_COMPLETE, addr, sym);
    int one_param_op = strncmp(d->base, "operator", 8) == 0 &&
                       d->nparams == 1;

    if (rc == 0 && (mangle_is_structor(d) || one_param_op)) {
        /* C2/D2 when there is no C1/D1; the unary free operator. */
        rc = try_variant(handle, d,
                         one_param_op ? MANGLE_DELETING : MANGLE_BASE, addr,
                         sym);
    }
    if (rc == 0 && mangle_c_name(d) &&
        dynsym_find(handle, d->name, DYNSYM_FUNC, addr, NULL) == 1) {
        rc = buf_puts(sym, d->name) == 0 ? 1 : -1;
    }
    return rc;
}

/* The constructors an object exports, as the hashes of their names'
 * nested prefixes ("_ZN4calc6Circle" of "_ZN4calc6CircleC1Ed"), sorted:
 * built by one walk over the exports the first time a class question
 * needs it, then answered by a binary search. The object is told apart
 * by its link map, load bias and dynamic section, so a library loaded
 * later at the same place is not taken for it. */
struct ctor_index {
    struct ctor_index *next;
    const void *lm;
    uintptr_t base;
    const void *ld;
    uint64_t *h;
    size_t n, cap;
};

static struct ctor_index *indexes;

/* FNV-1a, 64 bits. */
static uint64_t hash_of(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    size_t i;

    for (i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    }
    return h;
}

/* dynsym_each callback: every "C1"/"C2" followed by E, I or B in a
 * nested name may end a constructor's prefix (an identifier may contain
 * "C1E" too: that adds a prefix no class has, which no query meets). */
static int add_ctor(const char *name, void *arg)
{
    struct ctor_index *x = arg;
    const char *p;

    if (strncmp(name, "_ZN", 3) != 0) {
        return 0;
    }
    for (p = name + 3; (p = strchr(p, 'C')) != NULL; p++) {
        if ((p[1] != '1' && p[1] != '2') ||
            (p[2] != 'E' && p[2] != 'I' && p[2] != 'B')) {
            continue;
        }
        if (x->n == x->cap) {
            size_t cap = x->cap ? x->cap * 2 : 256;
            uint64_t *v = realloc(x->h, cap * sizeof(*v));

            if (v == NULL) {
                return -1;
            }
            x->h = v;
            x->cap = cap;
        }
        x->h[x->n++] = hash_of(name, (size_t)(p - name));
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static struct ctor_index *ctor_index_of(void *handle)
{
    struct link_map *lm = NULL;
    struct ctor_index *x;

    if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL) {
        return NULL;
    }
    for (x = indexes; x != NULL; x = x->next) {
        if (x->lm == lm && x->base == (uintptr_t)lm->l_addr &&
            x->ld == lm->l_ld) {
            return x;
        }
    }
    x = calloc(1, sizeof(*x));
    if (x == NULL) {
        return NULL;
    }
    if (dynsym_each(handle, add_ctor, x) != 0) {
        free(x->h);
        free(x);
        return NULL;
    }
    if (x->n > 0) {
        qsort(x->h, x->n, sizeof(*x->h), cmp_u64);
    }
    x->lm = lm;
    x->base = (uintptr_t)lm->l_addr;
    x->ld = lm->l_ld;
    x->next = indexes;
    indexes = x;
    return x;
}

/* Is there a symbol "<head><cls><tail>"? m is the mangled class name
 * ("N2ns3FooE" or "3Foo"); after "_ZN" it loses its own N...E. */
static int exact(void *handle, const char *head, const char *m,
                 const char *tail)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(m);
    void *addr;
    int r;

    if (strcmp(head, "_ZN") == 0 && m[0] == 'N' && m[n - 1] == 'E') {
        m++;
        n -= 2;
    }
    if (buf_puts(&b, head) != 0 || buf_append(&b, m, n) != 0 ||
        buf_puts(&b, tail) != 0) {
        buf_free(&b);
        return -1;
    }
    r = dynsym_find(handle, b.data, DYNSYM_ANY, &addr, NULL);
    buf_free(&b);
    return r;
}

/* Does the object export a constructor of the class mangled m? */
static int has_ctor(void *handle, const char *m)
{
    struct ctor_index *x = ctor_index_of(handle);
    size_t n = strlen(m);
    uint64_t h = 14695981039346656037ull;
    size_t i;

    if (x == NULL) {
        return -1;
    }
    if (m[0] == 'N' && m[n - 1] == 'E') {
        m++;
        n -= 2;
    }
    for (i = 0; i < 3; i++) {
        h = (h ^ (unsigned char)"_ZN"[i]) * 1099511628211ull;
    }
    for (i = 0; i < n; i++) {
        h = (h ^ (unsigned char)m[i]) * 1099511628211ull;
    }
    return x->n > 0 && bsearch(&h, x->h, x->n, sizeof(h), cmp_u64) != NULL;
}

int declsym_is_class(void *handle, const char *cls)
{
    static const char *const dtors[] = {"D1Ev", "D2Ev", "D0Ev"};
    struct buf m = BUF_INIT;
    int r;
    size_t i;

    r = mangle_class(cls, &m);
    if (r != 0) {
        buf_free(&m);
        return -1;
    }
    r = exact(handle, "_ZTV", m.data, "");
    r = r == 0 ? exact(handle, "_ZTI", m.data, "") : r;
    for (i = 0; i < 3 && r == 0; i++) {
        r = exact(handle, "_ZN", m.data, dtors[i]);
    }
    if (r == 0) {
        r = has_ctor(handle, m.data);
    }
    buf_free(&m);
    return r;
}

int declsym_vtable(void *handle, const char *cls, void **addr,
                   size_t *size)
{
    struct buf b = BUF_INIT;
    int r;

    if (buf_puts(&b, "_ZTV") != 0) {
        return -1;
    }
    r = mangle_class(cls, &b);
    if (r == 0) {
        r = dynsym_find(handle, b.data, DYNSYM_ANY, addr, size);
    } else {
        r = -1;
    }
    buf_free(&b);
    return r;
}
