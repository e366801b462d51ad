/* 06_stdtype: a container type described once, when a declaration is
 * read, as a tree of sc_type laid out as libstdc++ lays it out
 * (bits/stl_vector.h: three pointers; bits/stl_pair.h; bits/stl_tree.h:
 * an _Rb_tree header node; bits/hashtable.h: buckets, a singly linked
 * node list after _M_before_begin; string_view: length, then pointer).
 * Elements are numbers, bool, enums, pointers, std::string, declared
 * structs, and the containers themselves, nested; any other element type
 * is refused with a DeclarationError, never guessed. */
#include "ffi/06_stdtype.h"

#include <string.h>

#include "cxx/cxxrt.h"
#include "cxx/stdcont.h"
#include "ffi/01_errors.h"
#include "ffi/02_values.h"
#include "ffi/03_lib.h"
#include "ffi/04_shim.h"

/* Split "std::map<K, V>" into its template name and arguments (copies
 * in a). Returns the number of arguments, or 0 when name has none. */
static size_t split_args(const char *name, struct ct_arena *a, char **tmpl,
                         char **args, size_t max)
{
    const char *lt = strchr(name, '<'), *p, *from;
    size_t n = 0;
    int depth = 0;

    if (lt == NULL || name[strlen(name) - 1] != '>') {
        return 0;
    }
    *tmpl = ct_strndup(a, name, (size_t)(lt - name));
    from = lt + 1;
    for (p = lt + 1; *p != '\0'; p++) {
        if (*p == '<' || *p == '(') {
            depth++;
        } else if ((*p == '>' || *p == ')') && depth > 0) {
            depth--;
        } else if ((*p == ',' && depth == 0) ||
                   (*p == '>' && depth == 0 && p[1] == '\0')) {
            while (*from == ' ') {
                from++;
            }
            if (n == max || *tmpl == NULL) {
                return 0;
            }
            args[n] = ct_strndup(a, from, (size_t)(p - from));
            if (args[n] == NULL) {
                return 0;
            }
            n++;
            from = p + 1;
        }
    }
    return n;
}

int ffi_std_is_container(const char *name)
{
    return strcmp(name, "std::string_view") == 0 ||
           strcmp(name, "std::basic_string_view<char>") == 0 ||
           strcmp(name, "std::basic_string_view<char, "
                        "std::char_traits<char>>") == 0 ||
           strncmp(name, "std::vector<", 12) == 0 ||
           strncmp(name, "std::pair<", 10) == 0 ||
           strncmp(name, "std::map<", 9) == 0 ||
           strncmp(name, "std::set<", 9) == 0 ||
           strncmp(name, "std::list<", 10) == 0 ||
           strncmp(name, "std::unordered_map<", 19) == 0;
}

const char ffi_std_supported[] =
    "supported: numbers, bool (not in std::vector), enums, pointers, "
    "std::string, structs declared with lib.struct, objects of lib.cls "
    "classes, and std::vector, std::list, std::set, std::pair, std::map, "
    "std::unordered_map of these";

static struct sc_type *describe(const char *name, PyObject *lib,
                                const char *decl, struct ct_arena *a,
                                int depth);

/* "Tally" of "stdc::Tally", for the declarations a message suggests. */
static const char *short_name(const char *name)
{
    const char *last = strrchr(name, ':');

    return last != NULL ? last + 1 : name;
}

/* The elements of a container lie sizeof apart, and size= is only an
 * upper bound: without the compiler's sizeof (obj_layout), the class
 * must say it exactly (sizeof=, or fields=). 0, or -1 with
 * DeclarationError. */
static int exact_layout(struct sc_type *s, const char *outer,
                        const char *decl)
{
    if (s->obj.exact == 0) {
        ffi_raise_decl_msg(decl, "in %s: the elements lie sizeof(%s) "
                           "apart, and size=%zu is an upper bound of it: "
                           "give it exactly, lib.cls(\"%s\", sizeof=N, "
                           "...), or load the library with headers=[...] "
                           "(crossrun compiles sizeof)", outer, s->name,
                           s->obj.size, s->name);
        return -1;
    }
    s->size = s->obj.exact;
    return 0;
}

/* With load(headers=), the element's sizeof and alignof as the compiler
 * has them: the stride is sizeof, not the (upper bound) size=. 1 when
 * used, 0 when there are no headers or they do not define the class,
 * or -1 with DeclarationError when size= is smaller than sizeof. */
static int obj_layout(struct sc_type *s, const char *decl)
{
    LibraryObject *lib = (LibraryObject *)s->obj.lib;
    size_t v[2];

    if (lib == NULL || ffi_shim_headers(lib) == NULL) {
        return 0;
    }
    if (ffi_shim_layout(lib, s->name, decl, v) != 0) {
        if (!PyErr_ExceptionMatches(ffi_DeclarationError)) {
            return -1;
        }
        PyErr_Clear(); /* not in the headers */
        return 0;
    }
    if (v[0] > s->obj.size || v[0] == 0 || v[1] == 0) {
        ffi_raise_decl_msg(decl, "lib.cls(\"%s\", size=%zu): its sizeof is "
                           "%zu (compiled from the headers): give size=%zu",
                           s->name, s->obj.size, v[0], v[0]);
        return -1;
    }
    if (v[1] > 16) {
        ffi_raise_decl_msg(decl, "%s: alignof is %zu: an over-aligned "
                           "class (alignas beyond 16) in a container is not "
                           "supported", s->name, v[1]);
        return -1;
    }
    s->size = v[0];
    s->align = v[1];
    return 1;
}

/* The description of an element that is an object of lib.cls class cls
 * (called name): its size is sizeof (compiled or given); a class that is not trivially
 * copyable needs its destructor and copy constructor, reachable. */
static struct sc_type *describe_obj(PyObject *cls, const char *name,
                                    const char *outer, const char *decl,
                                    struct ct_arena *a)
{
    struct sc_type *s = ct_alloc(a, sizeof(*s));
    const char *what = NULL, *sn = short_name(name);
    int rc;

    if (s == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (conv_hooks.class_elem(cls, &s->obj) != 0) {
        ffi_raise_decl_msg(decl, "in %s: '%s' is not a lib.cls class",
                           outer, name);
        return NULL;
    }
    if (!s->obj.trivial && s->obj.dtor == NULL) {
        what = "destructor";
    } else if (!s->obj.trivial && s->obj.copy == NULL) {
        what = "copy constructor";
    }
    if (what != NULL) {
        ffi_raise_decl_msg(decl, "in %s: an element of class '%s' (not "
                           "trivially copyable) is copied and destroyed by "
                           "the class's own code, and its %s is not "
                           "reachable: declare \"%s(const %s&)\" and "
                           "\"~%s()\" in methods= of lib.cls(\"%s\"), and "
                           "when the library does not export them (inline "
                           "in the header) load it with headers=[...]",
                           outer, name, what, sn, name, sn, name);
        return NULL;
    }
    s->kind = SC_OBJ;
    s->name = name;
    s->size = s->obj.size;
    s->align = s->obj.align;
    rc = obj_layout(s, decl);
    if (rc < 0 || (rc == 0 && exact_layout(s, outer, decl) != 0)) {
        return NULL;
    }
    s->cls = Py_NewRef(cls);
    return s;
}

/* The description of an element that is a std::unique_ptr or
 * std::shared_ptr (05_smart describes it). */
static struct sc_type *describe_smart(const char *name, PyObject *lib,
                                      const char *decl, struct ct_arena *a)
{
    struct sc_type *s = ct_alloc(a, sizeof(*s));

    if (s == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    s->sp = ffi_smart_describe(name, lib, decl, a, &s->size);
    if (s->sp == NULL) {
        return NULL;
    }
    s->kind = SC_SMART;
    s->name = name;
    s->align = 8;
    s->lib = lib;
    return s;
}

/* The description of one template argument, a type's text. */
static struct sc_type *describe_arg(const char *text, const char *outer,
                                    PyObject *lib, const char *decl,
                                    struct ct_arena *a, int depth)
{
    struct decl_error err;
    struct ct_type *t = decl_parse_type(text, a, &err);
    struct sc_type *s;
    PyObject *known;

    if (t == NULL) {
        ffi_raise_decl_msg(decl, "in %s: '%s' is not a type crossrun "
                           "reads: %s", outer, text, err.msg);
        return NULL;
    }
    if (t->kind == CT_STRING) {
        s = ct_alloc(a, sizeof(*s));
        if (s == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        s->kind = SC_STRING;
        s->size = FFI_STDSTRING_SIZE;
        s->align = FFI_STDSTRING_ALIGN;
        s->name = "std::string";
        return s;
    }
    if (t->kind == CT_NAMED && ffi_std_is_container(t->name)) {
        return describe(t->name, lib, decl, a, depth + 1);
    }
    if (t->kind == CT_NAMED &&
        (strncmp(t->name, "std::unique_ptr<", 16) == 0 ||
         strncmp(t->name, "std::shared_ptr<", 16) == 0)) {
        return describe_smart(t->name, lib, decl, a);
    }
    if (t->kind == CT_NAMED) {
        known = lib != NULL ? ffi_lib_type(lib, t->name) : NULL;
        if (known == NULL) {
            ffi_raise_decl_msg(decl, "in %s: the element type '%s' is not "
                               "declared: declare it first with "
                               "lib.struct(\"%s\", [...]), lib.cls or "
                               "lib.enum (%s)",
                               outer, t->name, t->name, ffi_std_supported);
            return NULL;
        }
        if (conv_hooks.is_class(known)) {
            return describe_obj(known, t->name, outer, decl, a);
        }
    } else if (!(ct_is_scalar(t->kind) && t->kind != CT_VOID &&
                 t->kind != CT_NULLPTR) && t->kind != CT_PTR) {
        ffi_raise_decl_msg(decl, "in %s: element type '%s' is not "
                           "supported (%s)", outer, text, ffi_std_supported);
        return NULL;
    }
    s = ct_alloc(a, sizeof(*s));
    if (s == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    s->kind = SC_LEAF;
    s->name = text;
    if (conv_build(&s->leaf, t, lib, CONV_FIELD, decl, a) != 0) {
        return NULL;
    }
    s->size = conv_mem_size(&s->leaf);
    s->align = s->leaf.kind == CV_STRUCT && s->leaf.ft != NULL &&
                       s->leaf.ft->alignment > 0
                   ? s->leaf.ft->alignment
                   : s->size >= 16 ? 16 : s->size;
    if (s->align == 0 || s->size == 0) {
        ffi_raise_decl_msg(decl, "in %s: element type '%s' has no size",
                           outer, text);
        return NULL;
    }
    return s;
}

/* Is text the default argument def ("std::allocator<" + ...)? */
static int is_default(const char *text, const char *def)
{
    return strncmp(text, def, strlen(def)) == 0;
}

static int key_ok(const struct sc_type *k)
{
    if (k->kind == SC_STRING) {
        return 1;
    }
    return k->kind == SC_LEAF &&
           (k->leaf.kind == CV_INT || k->leaf.kind == CV_ENUM ||
            k->leaf.kind == CV_BOOL || k->leaf.kind == CV_DOUBLE ||
            k->leaf.kind == CV_FLOAT || k->leaf.kind == CV_PTR);
}

/* The alignments x may have: its own, or when not known, every power
 * of two up to 16 that divides its size (alignof divides sizeof). */
static size_t align_choices(const struct sc_type *x, size_t out[5])
{
    size_t n = 0, al;

    if (x->align != 0) {
        out[0] = x->align;
        return 1;
    }
    for (al = 1; al <= 16; al *= 2) {
        if (x->size % al == 0) {
            out[n++] = al;
        }
    }
    return n;
}

/* Fill the layout of a pair-like s from s->a and s->b: the offset of
 * second, the size, the alignment (0 when it depends on one not known)
 * and the offset of the value in an unordered_map's node. An element
 * whose alignment is not known is tried with each it may have; -1 when
 * the layout depends on which. */
static int pair_layout(struct sc_type *s)
{
    size_t ca[5], cb[5], na = align_choices(s->a, ca);
    size_t nb = align_choices(s->b, cb), i, j;

    for (i = 0; i < na; i++) {
        for (j = 0; j < nb; j++) {
            size_t al = ca[i] > cb[j] ? ca[i] : cb[j];
            size_t off = sc_round_up(s->a->size, cb[j]);
            size_t size = sc_round_up(off + s->b->size, al);
            size_t val = sc_round_up(sizeof(void *), al);

            if (i + j == 0) {
                s->off_b = off;
                s->size = size;
                s->align = al;
                s->node_val = val;
            } else if (off != s->off_b || size != s->size ||
                       val != s->node_val) {
                return -1;
            } else if (al != s->align) {
                s->align = 0;
            }
        }
    }
    return 0;
}

/* s as std::set<key>: a std::map's tree whose nodes hold the key. */
static struct sc_type *describe_set(struct sc_type *s, const char *key,
                                    PyObject *lib, const char *decl,
                                    struct ct_arena *a, int depth)
{
    s->kind = SC_SET;
    s->size = SC_MAP_SIZE;
    s->align = 8;
    s->a = describe_arg(key, s->name, lib, decl, a, depth);
    if (s->a == NULL) {
        return NULL;
    }
    if (!key_ok(s->a)) {
        ffi_raise_decl_msg(decl, "%s: an element of type '%s' is not "
                           "supported (numbers, pointers and std::string "
                           "are)", s->name, s->a->name);
        return NULL;
    }
    s->vsize = s->a->size;
    return s;
}

/* s (called name) as std::vector<args[0]> (kind SC_VECTOR) or
 * std::list<args[0]> (SC_LIST). */
static struct sc_type *describe_seq(struct sc_type *s, int kind,
                                    const char *elem, PyObject *lib,
                                    const char *decl, struct ct_arena *a,
                                    int depth)
{
    s->kind = kind;
    s->size = kind == SC_VECTOR ? SC_VEC_SIZE : SC_LIST_SIZE;
    s->align = 8;
    /* a list's value lies after next and prev, at 16 for any alignment up
     * to 16 (all alignof on x86-64 short of alignas) */
    s->node_val = kind == SC_LIST ? SC_LIST_NODE : 0;
    s->a = describe_arg(elem, s->name, lib, decl, a, depth);
    if (s->a == NULL) {
        return NULL;
    }
    if (kind == SC_VECTOR && s->a->kind == SC_LEAF &&
        s->a->leaf.kind == CV_BOOL) {
        ffi_raise_decl_msg(decl, "%s: std::vector<bool> packs bits and is "
                           "not supported (%s)", s->name, ffi_std_supported);
        return NULL;
    }
    return s;
}

/* The kind of a container of two arguments (pair, map, unordered_map)
 * written tmpl<args[0..n)> with the standard's defaults only, or -1. */
static int kind_of_two(const char *tmpl, char **args, size_t n)
{
    if (strcmp(tmpl, "std::pair") == 0 && n == 2) {
        return SC_PAIR;
    }
    if (strcmp(tmpl, "std::map") == 0 &&
        (n == 2 || (n >= 3 && is_default(args[2], "std::less<"))) &&
        (n <= 3 || (n == 4 && is_default(args[3], "std::allocator<")))) {
        return SC_MAP;
    }
    if (strcmp(tmpl, "std::unordered_map") == 0 && n >= 2 &&
        (n < 3 || is_default(args[2], "std::hash<")) &&
        (n < 4 || is_default(args[3], "std::equal_to<")) &&
        (n < 5 || is_default(args[4], "std::allocator<"))) {
        return SC_UMAP;
    }
    return -1;
}

/* Whether s's key (s->a) is one its kind takes; -1 with
 * DeclarationError when not. */
static int check_key(const struct sc_type *s, const char *decl)
{
    if (s->kind != SC_PAIR && !key_ok(s->a)) {
        ffi_raise_decl_msg(decl, "%s: a key of type '%s' is not supported "
                           "(numbers, pointers and std::string are)",
                           s->name, s->a->name);
        return -1;
    }
    if (s->kind == SC_UMAP && s->a->kind == SC_LEAF &&
        s->a->leaf.kind != CV_INT && s->a->leaf.kind != CV_ENUM &&
        s->a->leaf.kind != CV_BOOL) {
        ffi_raise_decl_msg(decl, "%s: an unordered_map key of type '%s' is "
                           "not supported (integers and std::string are)",
                           s->name, s->a->name);
        return -1;
    }
    return 0;
}

/* s (called name, of kind SC_PAIR, SC_MAP or SC_UMAP) over args[0] and
 * args[1]: its members, their layout, and the container's own size. */
static struct sc_type *describe_two(struct sc_type *s, char **args,
                                    PyObject *lib, const char *decl,
                                    struct ct_arena *a, int depth)
{
    s->a = describe_arg(args[0], s->name, lib, decl, a, depth);
    s->b = s->a == NULL ? NULL
                        : describe_arg(args[1], s->name, lib, decl, a, depth);
    if (s->b == NULL || check_key(s, decl) != 0) {
        return NULL;
    }
    if (pair_layout(s) != 0) {
        const struct sc_type *o = s->a->align == 0 ? s->a : s->b;

        ffi_raise_decl_msg(decl, "%s: where its members lie depends on the "
                           "alignment of '%s', which crossrun does not "
                           "know: declare its fields with fields=[...] on "
                           "lib.cls(\"%s\"), or load the library with "
                           "headers=[...]", s->name, o->name, o->name);
        return NULL;
    }
    s->vsize = s->size;
    if (s->kind == SC_MAP) {
        s->size = SC_MAP_SIZE;
        s->align = 8;
    } else if (s->kind == SC_UMAP) {
        /* std::hash<std::string> is not a "fast" hash: nodes cache it
         * (bits/hashtable.h __cache_default); integers' are not cached. */
        s->node_hash = s->a->kind == SC_STRING
                           ? sc_round_up(s->node_val + s->vsize, 8) : 0;
        s->size = SC_UMAP_SIZE;
        s->align = 8;
    }
    return s;
}

/* The description of the container type called name. */
static struct sc_type *describe(const char *name, PyObject *lib,
                                const char *decl, struct ct_arena *a,
                                int depth)
{
    char *tmpl = NULL, *args[6];
    size_t n;
    struct sc_type *s;
    int two;

    if (depth > 4) {
        ffi_raise_decl_msg(decl, "%s: containers nested this deep are not "
                           "supported", name);
        return NULL;
    }
    s = ct_alloc(a, sizeof(*s));
    if (s == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    s->name = name;
    if (strncmp(name, "std::basic_string_view", 22) == 0 ||
        strcmp(name, "std::string_view") == 0) {
        s->kind = SC_SVIEW;
        s->size = SC_SV_SIZE;
        s->align = 8;
        return s;
    }
    n = split_args(name, a, &tmpl, args, 6);
    if (n == 0) {
        ffi_raise_decl_msg(decl, "cannot read the template arguments of "
                           "'%s'", name);
        return NULL;
    }
    if ((strcmp(tmpl, "std::vector") == 0 || strcmp(tmpl, "std::list") == 0)
        && (n == 1 || (n == 2 && is_default(args[1], "std::allocator<")))) {
        return describe_seq(s, tmpl[5] == 'v' ? SC_VECTOR : SC_LIST, args[0],
                            lib, decl, a, depth);
    }
    if (strcmp(tmpl, "std::set") == 0 &&
        (n == 1 || is_default(args[1], "std::less<")) &&
        (n <= 2 || (n == 3 && is_default(args[2], "std::allocator<")))) {
        return describe_set(s, args[0], lib, decl, a, depth);
    }
    two = kind_of_two(tmpl, args, n);
    if (two < 0) {
        ffi_raise_decl_msg(decl, "'%s' is not a container crossrun reads "
                           "(custom comparators, hashes and allocators are "
                           "not supported; %s)", name, ffi_std_supported);
        return NULL;
    }
    s->kind = two;
    return describe_two(s, args, lib, decl, a, depth);
}

int ffi_std_has_smart(const struct sc_type *t)
{
    return t != NULL && (t->kind == SC_SMART || ffi_std_has_smart(t->a) ||
                         ffi_std_has_smart(t->b));
}

int ffi_std_has_unique(const struct sc_type *t)
{
    return t != NULL &&
           ((t->kind == SC_SMART && !ffi_smart_is_shared(t->sp)) ||
            ffi_std_has_unique(t->a) || ffi_std_has_unique(t->b));
}

void ffi_std_clear(struct sc_type *t)
{
    if (t == NULL) {
        return;
    }
    if (t->kind == SC_LEAF) {
        conv_clear(&t->leaf);
    }
    if (t->kind == SC_OBJ) {
        Py_CLEAR(t->cls);
    }
    ffi_std_clear(t->a);
    ffi_std_clear(t->b);
}

struct sc_type *ffi_std_describe(const char *name, PyObject *lib,
                                 const char *decl, struct ct_arena *a)
{
    return describe(name, lib, decl, a, 0);
}
