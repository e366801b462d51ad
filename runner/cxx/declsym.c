/* declsym: declarations to addresses through their mangled names. */
#include "cxx/declsym.h"

#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cxx/dynsym.h"
#include "cxx/mangle.h"

/* Try d's mangled name in variant v. 1 found, 0 not, -1 out of memory. */
static int try_variant(void *handle, const struct ct_decl *d,
                       enum mangle_variant v, void **addr, struct buf *sym)
{
    size_t mark = sym->len;
    int rc = mangle_decl(d, v, sym);

    if (rc < 0) {
        return -1;
    }
    if (rc == 0 && dynsym_find(handle, sym->data + mark, addr, NULL) == 1) {
        return 1;
    }
    sym->len = mark;
    if (sym->data != NULL) {
        sym->data[mark] = '\0';
    }
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
        dynsym_find(handle, d->name, addr, NULL) == 1) {
        rc = buf_puts(sym, d->name) == 0 ? 1 : -1;
    }
    return rc;
}

/* Remembered answers of declsym_is_class: the object is told apart by its
 * link map, load bias and symbol table, so a library loaded later at the
 * same place with other symbols is not taken for it. */
struct class_answer {
    struct class_answer *next;
    const void *lm;
    uintptr_t base;
    const void *ld;
    int is_class;
    char name[];
};

static struct class_answer *answers;

static struct class_answer *remembered(const struct link_map *lm,
                                       const char *cls)
{
    struct class_answer *a;

    for (a = answers; a != NULL; a = a->next) {
        if (a->lm == lm && a->base == (uintptr_t)lm->l_addr &&
            a->ld == lm->l_ld && strcmp(a->name, cls) == 0) {
            return a;
        }
    }
    return NULL;
}

static void remember(const struct link_map *lm, const char *cls, int r)
{
    size_t n = strlen(cls);
    struct class_answer *a = malloc(sizeof(*a) + n + 1);

    if (a == NULL) {
        return; /* only a cache */
    }
    a->lm = lm;
    a->base = (uintptr_t)lm->l_addr;
    a->ld = lm->l_ld;
    a->is_class = r;
    memcpy(a->name, cls, n + 1);
    a->next = answers;
    answers = a;
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
    r = dynsym_find(handle, b.data, &addr, NULL);
    buf_free(&b);
    return r;
}

static int class_symbols(void *handle, const char *m)
{
    static const char *const dtors[] = {"D1Ev", "D2Ev", "D0Ev"};
    char *pre[2] = {NULL, NULL};
    struct buf b = BUF_INIT;
    int r;
    size_t i, n = strlen(m);

    r = exact(handle, "_ZTV", m, "");
    r = r == 0 ? exact(handle, "_ZTI", m, "") : r;
    for (i = 0; i < 3 && r == 0; i++) {
        r = exact(handle, "_ZN", m, dtors[i]);
    }
    if (r != 0) {
        return r;
    }
    /* Constructors: any "_ZN<cls>C1..." or "C2...". */
    if (m[0] == 'N' && m[n - 1] == 'E') {
        m++;
        n -= 2;
    }
    for (i = 0; i < 2; i++) {
        buf_clear(&b);
        if (buf_puts(&b, "_ZN") != 0 || buf_append(&b, m, n) != 0 ||
            buf_puts(&b, i == 0 ? "C1" : "C2") != 0 ||
            (pre[i] = buf_steal(&b)) == NULL) {
            free(pre[0]);
            buf_free(&b);
            return -1;
        }
    }
    r = dynsym_any_prefix(handle, (const char *const *)pre, 2);
    free(pre[0]);
    free(pre[1]);
    return r;
}

int declsym_is_class(void *handle, const char *cls)
{
    struct link_map *lm = NULL;
    struct class_answer *a;
    struct buf m = BUF_INIT;
    int r;

    if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL) {
        return -1;
    }
    a = remembered(lm, cls);
    if (a != NULL) {
        return a->is_class;
    }
    r = mangle_class(cls, &m);
    if (r != 0) {
        buf_free(&m);
        return -1;
    }
    r = class_symbols(handle, m.data);
    buf_free(&m);
    if (r >= 0) {
        remember(lm, cls, r);
    }
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
        r = dynsym_find(handle, b.data, addr, size);
    } else {
        r = -1;
    }
    buf_free(&b);
    return r;
}
