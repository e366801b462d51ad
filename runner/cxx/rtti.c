/* cxx_rtti: base subobjects through the Itanium ABI's type_info
 * classes. Layouts (itanium-cxx-abi.github.io/cxx-abi/abi.html#rtti):
 *   std::type_info               { vptr; const char *name; }
 *   __class_type_info            : type_info {}
 *   __si_class_type_info         : { ...; const __class_type_info *base; }
 *   __vmi_class_type_info        : { ...; unsigned flags, base_count;
 *                                    { const __class_type_info *type;
 *                                      long offset_flags; } bases[]; }
 * offset_flags: the base's offset << 8, bit 0 virtual, bit 1 public.
 * A vtable's address point is preceded by the typeinfo pointer and the
 * offset to the top of the most-derived object. */
#include "cxx/rtti.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

struct ti {
    const void *vptr;
    const char *name;
};
struct si_ti {
    struct ti base_ti;
    const struct ti *base;
};
struct vmi_base {
    const struct ti *type;
    long offset_flags;
};
struct vmi_ti {
    struct ti base_ti;
    unsigned flags, count;
    struct vmi_base bases[];
};

int rtti_type_name(const char *cls, char *out, size_t n)
{
    size_t used = 0, parts = 0;
    const char *p = cls;
    char body[512];

    if (strchr(cls, '<') != NULL) {
        return -1;
    }
    body[0] = '\0';
    while (*p != '\0') {
        const char *end = strstr(p, "::");
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        int w = snprintf(body + used, sizeof(body) - used, "%zu%.*s", len,
                         (int)len, p);

        if (w < 0 || (size_t)w >= sizeof(body) - used) {
            return -1;
        }
        used += (size_t)w;
        parts++;
        p = end != NULL ? end + 2 : p + len;
    }
    if (snprintf(out, n, parts > 1 ? "N%sE" : "%s", body) >= (int)n) {
        return -1;
    }
    return 0;
}

/* The vtables of the runtime's type_info classes (their address
 * points), looked up once. */
static const void *si_vt, *vmi_vt, *class_vt;

static void find_vtables(void)
{
    static int done;
    const char *const names[3] = {
        "_ZTVN10__cxxabiv117__class_type_infoE",
        "_ZTVN10__cxxabiv120__si_class_type_infoE",
        "_ZTVN10__cxxabiv121__vmi_class_type_infoE",
    };
    const void **slots[3] = {&class_vt, &si_vt, &vmi_vt};
    int i;

    if (done) {
        return;
    }
    done = 1;
    for (i = 0; i < 3; i++) {
        const char *vt = dlsym(RTLD_DEFAULT, names[i]);

        *slots[i] = vt != NULL ? vt + 2 * sizeof(void *) : NULL;
    }
}

static int same_name(const char *a, const char *b)
{
    return strcmp(a[0] == '*' ? a + 1 : a, b) == 0;
}

/* Search t's bases for base: the number of times found, its offset from
 * the start of a t object in *off; -2 virtual, -3 unknown kind. */
static int search(const struct ti *t, const char *base, long at, long *off)
{
    int found = 0, i, r;

    if (same_name(t->name, base)) {
        *off = at;
        return 1;
    }
    if (t->vptr == class_vt) {
        return 0;
    }
    if (t->vptr == si_vt) {
        return search(((const struct si_ti *)t)->base, base, at, off);
    }
    if (t->vptr != vmi_vt) {
        return -3;
    }
    for (i = 0; i < (int)((const struct vmi_ti *)t)->count; i++) {
        const struct vmi_base *b = &((const struct vmi_ti *)t)->bases[i];
        long sub = 0;

        r = search(b->type, base, at + (b->offset_flags >> 8), &sub);
        if (r < 0) {
            return r;
        }
        if (r > 0 && (b->offset_flags & 1)) {
            return -2; /* behind a virtual base: offset is per object */
        }
        if (r > 0) {
            *off = sub;
        }
        found += r;
    }
    return found;
}

int rtti_base_delta(const void *obj, const char *base, ptrdiff_t *delta)
{
    const void *const *vptr = *(const void *const *const *)obj;
    ptrdiff_t to_top = (ptrdiff_t)vptr[-2];
    const struct ti *dyn = vptr[-1];
    long off = 0;
    int r;

    find_vtables();
    if (dyn == NULL || si_vt == NULL) {
        return -3;
    }
    r = search(dyn, base, 0, &off);
    if (r == 0) {
        return -1;
    }
    if (r < 0) {
        return r;
    }
    if (r > 1) {
        return -2;
    }
    /* obj + to_top is the most-derived object; the base lies off past. */
    *delta = to_top + off;
    return 0;
}
