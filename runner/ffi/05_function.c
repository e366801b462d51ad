/* 05_function: crossrun.Function, made once per declaration by lib.fn():
 *  1. the declaration is parsed (cxx/decl.h), qualified by the class
 *     for methods of lib.cls, and told a member function or not;
 *  2. one converter per parameter (04_conv), `this` first for methods,
 *     and one for the result; default values from their literals;
 *  3. the symbol is found by its mangled name in the library's own hash
 *     table (cxx/declsym.h), else in the demangled index (cxx/symbols.h),
 *     with the closest names when it is not there (SymbolNotFound);
 *  4. the per-call argument area is laid out (a slot per argument, then
 *     room for temporaries and a large or std::string result) and the
 *     libffi cif prepared;
 *  5. 06_call chooses how it is called (ffi_function_caller.prepare). */
#include "ffi/05_function.h"

#include <dlfcn.h>
#include <string.h>

#include "cxx/cxxrt.h"
#include "cxx/declsym.h"
#include "ffi/01_errors.h"
#include "ffi/02_values.h"
#include "ffi/02_typedef.h"
#include "ffi/04_defaults.h"
#include "ffi/04_shim.h"

struct function_caller ffi_function_caller;

/* Whether the vtable of class cls (n bytes of name) in lib has a pure
 * virtual slot: one that holds __cxa_pure_virtual (the Itanium C++ ABI,
 * section 2.5.2: "pure virtual functions ... the address of
 * __cxa_pure_virtual"). */
static int has_pure_slot(LibraryObject *lib, struct sym_table *t,
                         const char *cls, size_t n)
{
    struct buf name = BUF_INIT;
    const struct sym_entry *vt;
    void **table, *pure = dlsym(lib->handle, "__cxa_pure_virtual");
    size_t i;

    if (pure == NULL || buf_puts(&name, "vtable for ") != 0 ||
        buf_append(&name, cls, n) != 0) {
        buf_free(&name);
        return 0;
    }
    vt = sym_find_data(t, name.data);
    buf_free(&name);
    table = vt != NULL ? dlsym(lib->handle, vt->mangled) : NULL;
    for (i = 2; table != NULL && i < vt->size / sizeof(void *); i++) {
        if (table[i] == pure) {
            return 1;
        }
    }
    return 0;
}

/* What to write instead when d (looked for as key) is a method of a
 * class with pure virtual methods: such a method has no code, so no
 * symbol; an override that the library defines has, and declared with
 * `virtual` it is called through the object's vtable. Appended to msg. */
static int pure_virtual_hint(LibraryObject *lib, struct sym_table *t,
                             const struct ct_decl *d, const char *text,
                             const char *key, struct buf *msg)
{
    size_t n = d->base != d->name ? (size_t)(d->base - 2 - d->name) : 0;
    const char *rest = key + n + 2, *at;
    size_t i, m = strlen(rest);

    if (n == 0 || strlen(key) < n + 2 || !has_pure_slot(lib, t, d->name, n)) {
        return 0;
    }
    buf_printf(msg, "; %.*s has pure virtual methods, which have no code "
               "and so no symbol: to call %s on an object, declare the "
               "override that its class defines, with `virtual` so that it "
               "is called through the object's vtable", (int)n, d->name, key);
    for (i = 0; i < t->n; i++) {
        const char *k = t->v[i].key;
        size_t kl = k != NULL ? strlen(k) : 0;

        if (!t->v[i].is_func || kl < m + 3 || strcmp(k + kl - m, rest) != 0 ||
            strncmp(k + kl - m - 2, "::", 2) != 0 ||
            (kl - m - 2 == n && strncmp(k, d->name, n) == 0)) {
            continue;
        }
        /* the user's own text, with the overriding class in it */
        at = strstr(text, d->name);
        if (at != NULL) {
            return buf_printf(msg, ", e.g. '%s%.*s%.*s%s'",
                              strncmp(text, "virtual ", 8) == 0 ? ""
                                                               : "virtual ",
                              (int)(at - text), text, (int)(kl - m - 2), k,
                              at + n);
        }
        return buf_printf(msg, ", e.g. in %.*s", (int)(kl - m - 2), k);
    }
    return 0;
}

/* Is d what a header typically defines inline: a method, an operator, a
 * member of a template instantiation? */
static int maybe_inline(const struct ct_decl *d, int member)
{
    return member || strncmp(d->base, "operator", 8) == 0 ||
           strchr(d->name, '<') != NULL;
}

static PyObject *not_found(LibraryObject *lib, struct ct_decl *d,
                           int member, const char *text)
{
    struct sym_table *t = ffi_lib_symbols(lib);
    const char *close[5];
    size_t n, i;
    PyObject *names, *msg, *exc;
    struct buf b = BUF_INIT;

    if (t == NULL) {
        return NULL;
    }
    n = sym_closest(t, d, close, 5);
    names = PyList_New(0);
    if (names == NULL) {
        return NULL;
    }
    if (decl_key(d, &b) != 0) {
        Py_DECREF(names);
        return PyErr_NoMemory();
    }
    msg = PyUnicode_FromFormat("no exported function in %s matches '%s' "
                               "(looked for %s)", lib->file, text, b.data);
    if (msg != NULL) {
        struct buf hint = BUF_INIT;

        if (pure_virtual_hint(lib, t, d, text, b.data, &hint) != 0) {
            Py_CLEAR(msg);
            PyErr_NoMemory();
        } else if (hint.len > 0) {
            Py_SETREF(msg, PyUnicode_FromFormat("%U%s", msg, hint.data));
        }
        buf_free(&hint);
    }
    buf_free(&b);
    for (i = 0; i < n && msg != NULL; i++) {
        PyObject *s = PyUnicode_DecodeUTF8(close[i],
                                           (Py_ssize_t)strlen(close[i]),
                                           "replace");
        PyObject *m2;

        if (s == NULL || PyList_Append(names, s) != 0) {
            Py_XDECREF(s);
            Py_CLEAR(msg);
            break;
        }
        m2 = PyUnicode_FromFormat("%U%s\n    %U", msg,
                                  i == 0 ? "; closest exported:" : "", s);
        Py_DECREF(s);
        Py_SETREF(msg, m2);
    }
    if (msg != NULL && maybe_inline(d, member)) {
        Py_SETREF(msg, PyUnicode_FromFormat(
                           "%U\n(probably inline: a function, method or "
                           "operator the header defines, or a template "
                           "the library did not instantiate, has no "
                           "symbol; load(path, headers=[...]) compiles it "
                           "from the headers)", msg));
    }
    if (msg == NULL) {
        Py_DECREF(names);
        return NULL;
    }
    exc = PyObject_CallOneArg(ffi_SymbolNotFound, msg);
    Py_DECREF(msg);
    if (exc != NULL) {
        PyObject *decl = PyUnicode_FromString(text);

        if (decl != NULL &&
            PyObject_SetAttrString(exc, "declaration", decl) == 0 &&
            PyObject_SetAttrString(exc, "candidates", names) == 0) {
            PyErr_SetObject(ffi_SymbolNotFound, exc);
        }
        Py_XDECREF(decl);
        Py_DECREF(exc);
    }
    Py_DECREF(names);
    return NULL;
}

/* Does d name a member function (so a `this` comes first)? */
static int is_member(LibraryObject *lib, struct ct_decl *d, const char *cls)
{
    const char *sep;
    char *prefix;
    int r;

    if (d->is_static) {
        return 0;
    }
    if (cls != NULL || d->is_const || d->is_dtor || d->is_virtual) {
        return 1;
    }
    sep = strstr(d->name, "::") != NULL ? d->base - 2 : NULL;
    if (sep == NULL) {
        return 0;
    }
    prefix = PyMem_Malloc((size_t)(sep - d->name) + 1);
    if (prefix == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(prefix, d->name, (size_t)(sep - d->name));
    prefix[sep - d->name] = '\0';
    r = PyDict_GetItemString(lib->types, prefix) != NULL;
    if (!r) {
        r = declsym_is_class(lib->handle, prefix);
    }
    if (r < 0) {
        struct sym_table *t = ffi_lib_symbols(lib);

        if (t == NULL) {
            PyMem_Free(prefix);
            return -1;
        }
        r = sym_is_class(t, prefix);
    }
    PyMem_Free(prefix);
    return r;
}

/* Rename d to cls::name, in d's arena. */
static int qualify(struct ct_decl *d, const char *cls)
{
    size_t n = strlen(cls), m = strlen(d->name);
    char *name = ct_alloc(&d->arena, n + m + 3);

    if (name == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(name, cls, n);
    memcpy(name + n, "::", 2);
    memcpy(name + n + 2, d->name, m + 1);
    d->base = name + n + 2 + (d->base - d->name);
    d->name = name;
    return 0;
}

/* For a virtual method: its slot in the vtable of its class, found by
 * looking for its address among the class's vtable entries, so calls
 * dispatch on the object's dynamic type; want (>= 0) when that slot holds
 * the address. -1 when not found (then the symbol is called directly). */
static Py_ssize_t vtable_slot(LibraryObject *lib, struct ct_decl *d,
                              void *addr, Py_ssize_t want)
{
    struct buf name = BUF_INIT;
    void **table = NULL;
    size_t i, n, size = 0;
    int r;

    if (d->base == d->name ||
        buf_append(&name, d->name, (size_t)(d->base - 2 - d->name)) != 0) {
        buf_free(&name);
        return -1;
    }
    r = declsym_vtable(lib->handle, name.data, (void **)&table, &size);
    if (r < 0) {
        /* Not mangled: by its demangled name "vtable for ns::Cls". */
        struct sym_table *t = ffi_lib_symbols(lib);
        const struct sym_entry *vt = NULL;

        PyErr_Clear();
        if (t != NULL) {
            struct buf text = BUF_INIT;

            if (buf_printf(&text, "vtable for %s", name.data) == 0) {
                vt = sym_find_data(t, text.data);
            }
            buf_free(&text);
        }
        table = vt != NULL ? dlsym(lib->handle, vt->mangled) : NULL;
        size = vt != NULL ? vt->size : 0;
    }
    buf_free(&name);
    if (table == NULL || size < 3 * sizeof(void *)) {
        return -1;
    }
    /* offset-to-top, typeinfo, then the virtual functions. One function
     * may fill several slots (identical code folded): the wanted slot
     * first. */
    n = size / sizeof(void *);
    if (want >= 0 && (size_t)want + 2 < n && table[want + 2] == addr) {
        return want;
    }
    for (i = 2; i < n; i++) {
        if (table[i] == addr) {
            return (Py_ssize_t)(i - 2);
        }
    }
    return -1;
}

static size_t align16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* A library in a namespace of its own has its own libstdc++ and malloc:
 * it must never free or reallocate a string buffer crossrun allocated,
 * and crossrun must not free one it allocated. A const std::string& is
 * only read, a std::string result is destroyed with the library's own
 * destructor; the rest is refused. Returns 0, or -1 with
 * DeclarationError set. */
static int isolated_strings(const LibraryObject *lib,
                            const struct ct_decl *d, const char *text)
{
    size_t i;

    for (i = 0; i < d->nparams; i++) {
        const struct ct_type *p = d->params[i].type;
        int by_value = p->kind == CT_STRING;
        int mutable_ref = (p->kind == CT_PTR || p->kind == CT_REF ||
                           p->kind == CT_RREF) &&
                          p->sub->kind == CT_STRING &&
                          (!p->sub->is_const || p->kind == CT_RREF);

        if (by_value || mutable_ref) {
            ffi_raise_decl_msg(text, "parameter %zu: %s cannot be passed to "
                               "%s, loaded with isolated=True: the library "
                               "has its own C++ runtime and allocator, which "
                               "must not free or reallocate crossrun's "
                               "string memory; declare it const "
                               "std::string& (read only) or pass const "
                               "char*", i + 1,
                               by_value ? "std::string by value"
                                        : "a std::string it may modify",
                               lib->file);
            return -1;
        }
    }
    if (d->ret != NULL && d->ret->kind == CT_STRING &&
        lib->string_dtor == NULL) {
        ffi_raise_decl_msg(text, "%s, loaded with isolated=True, has no "
                           "std::string destructor of its own to free the "
                           "std::string it returns", lib->file);
        return -1;
    }
    return 0;
}

/* The declaration text (a method of cls when cls is not NULL) as a
 * Function takes it: parsed, qualified by cls, typedefs resolved, and
 * *member set. NULL with an exception set. */
static struct ct_decl *decl_prepare(LibraryObject *lib, const char *text,
                                    const char *cls, int *member)
{
    struct decl_error err;
    struct ct_decl *d = decl_parse(text, DECL_NO_RETURN, &err);

    if (d == NULL) {
        ffi_raise_decl_error(text, &err);
        return NULL;
    }
    if (d->variadic) {
        ffi_raise_decl_msg(text, "variadic functions ('...') cannot be "
                           "called through crossrun: call one with fixed "
                           "parameters instead (a small C wrapper of this "
                           "one)");
        goto error;
    }
    if (cls != NULL && qualify(d, cls) != 0) {
        goto error;
    }
    if (d->ret == NULL && d->conv != NULL) {
        d->ret = d->conv; /* operator T() returns T */
    }
    if (ffi_resolve_decl(lib->types, d, text) != 0 ||
        (*member = is_member(lib, d, cls)) < 0) {
        goto error;
    }
    return d;
error:
    decl_free(d);
    return NULL;
}

/* Does lib export d (by its mangled name, its demangled one or a
 * versioned one)? 1 or 0; -1 when memory ran out. */
static int exported(LibraryObject *lib, const struct ct_decl *d,
                    const char *text)
{
    struct buf found = BUF_INIT;
    struct sym_table *syms;
    void *addr = NULL;
    int oom = 0, r = declsym_find(lib->handle, d, &addr, &found);

    buf_free(&found);
    if (r != 0 || addr != NULL) {
        return r < 0 ? -1 : 1;
    }
    if ((syms = ffi_lib_symbols(lib)) == NULL) {
        return -1;
    }
    if (sym_find(syms, d, &oom) != NULL || oom) {
        return oom ? -1 : 1;
    }
    if (ffi_find_versioned(syms, d, text) != NULL || PyErr_Occurred()) {
        /* several versions match: its own lookup says so */
        return PyErr_ExceptionMatches(PyExc_MemoryError) ? -1 : 1;
    }
    return 0;
}

/* One entry of lib._shim_batch, (class name or None, declaration), into
 * *e when the library does not export it: 1; 0 when it is exported, not a
 * declaration (its own lib.fn says why) or virtual (called through the
 * vtable). -1 when memory ran out. */
static int batch_entry(LibraryObject *lib, PyObject *it,
                       struct ffi_shim_decl *e)
{
    const char *cls = NULL, *text;
    int r;

    if (!PyTuple_Check(it) || PyTuple_GET_SIZE(it) != 2 ||
        (PyTuple_GET_ITEM(it, 0) != Py_None &&
         (cls = PyUnicode_AsUTF8(PyTuple_GET_ITEM(it, 0))) == NULL) ||
        (text = PyUnicode_AsUTF8(PyTuple_GET_ITEM(it, 1))) == NULL) {
        PyErr_Clear();
        return 0;
    }
    e->d = decl_prepare(lib, text, cls, &e->member);
    if (e->d == NULL) {
        r = PyErr_ExceptionMatches(PyExc_MemoryError) ? -1 : 0;
        PyErr_Clear();
        return r;
    }
    e->text = text;
    r = e->d->is_virtual ? 1 : exported(lib, e->d, text);
    PyErr_Clear();
    if (r != 0) {
        decl_free(e->d);
        return r < 0 ? -1 : 0;
    }
    return 1;
}

/* Compile d into a shim together with every declaration lib._shim_batch
 * announces (lib.cls's methods, lib.fns's list) that the library does
 * not export either: one compile for the set. 0, or -1 with an exception
 * set. */
static int shim_set(LibraryObject *lib, struct ct_decl *d, int member,
                    const char *text)
{
    PyObject *batch = PyDict_GetItemString(lib->dict, "_shim_batch");
    Py_ssize_t nb = batch != NULL && PyList_Check(batch)
                        ? PyList_GET_SIZE(batch) : 0, i;
    struct ffi_shim_decl *v;
    size_t n = 1, k;
    int rc = -1;

    Py_XINCREF(batch); /* its texts are borrowed while the set compiles */
    v = PyMem_Calloc((size_t)nb + 1, sizeof(*v));
    if (v == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    v[0].d = d;
    v[0].member = member;
    v[0].text = text;
    for (i = 0; i < nb; i++) {
        int r = batch_entry(lib, PyList_GET_ITEM(batch, i), &v[n]);

        if (r < 0) {
            PyErr_NoMemory();
            goto out;
        }
        n += (size_t)r;
    }
    rc = ffi_shim_compile(lib, v, n);
out:
    for (k = 1; v != NULL && k < n; k++) {
        decl_free(v[k].d);
    }
    PyMem_Free(v);
    Py_XDECREF(batch);
    return rc;
}

/* d's shim address: compiled with its set on first use. NULL with an
 * exception set. */
static void *shim_address(LibraryObject *lib, struct ct_decl *d,
                          int member, const char *text)
{
    void *fn = NULL;
    int r = ffi_shim_lookup(lib, d, member, &fn);

    if (r == 0 && shim_set(lib, d, member, text) == 0) {
        r = ffi_shim_lookup(lib, d, member, &fn);
        if (r == 0) {
            ffi_raise_decl_msg(text, "the shim compiled without it");
        }
    }
    return r > 0 ? fn : NULL;
}

/* The address of d found through the demangled index (read on first
 * use), for what the mangled lookup did not find; the symbol's name is
 * appended to found. NULL with an exception set: SymbolNotFound naming
 * the closest exports. */
static void *index_lookup(LibraryObject *lib, struct ct_decl *d,
                          int member, const char *text, struct buf *found)
{
    struct sym_table *syms = ffi_lib_symbols(lib);
    const struct sym_entry *e;
    void *addr;
    int oom;

    if (syms == NULL) {
        return NULL;
    }
    e = sym_find(syms, d, &oom);
    if (e == NULL && !oom) {
        e = ffi_find_versioned(syms, d, text);
        if (e == NULL && PyErr_Occurred()) {
            return NULL;
        }
    }
    if (e == NULL && !oom && ffi_shim_headers(lib) != NULL) {
        /* Not exported: compiled from the headers, called the same way. */
        addr = shim_address(lib, d, member, text);
        if (addr != NULL && buf_puts(found, "crossrun_shim") != 0) {
            PyErr_NoMemory();
            return NULL;
        }
        return addr;
    }
    if (e == NULL) {
        if (oom) {
            PyErr_NoMemory();
        } else {
            not_found(lib, d, member, text);
        }
        return NULL;
    }
    dlerror();
    addr = dlsym(lib->handle, e->mangled);
    if (addr == NULL) {
        const char *why = dlerror();

        PyErr_Format(ffi_SymbolNotFound, "%s is in the symbol table of %s "
                     "but the loader does not resolve it: %s", e->demangled,
                     lib->file, why ? why : "NULL address");
        return NULL;
    }
    if (buf_puts(found, e->mangled) != 0) {
        PyErr_NoMemory();
        return NULL;
    }
    return addr;
}

PyObject *ffi_function_new(LibraryObject *lib, PyObject *textobj,
                           const char *cls)
{
    return ffi_method_new(lib, textobj, cls, -1);
}

PyObject *ffi_method_new(LibraryObject *lib, PyObject *textobj,
                         const char *cls, Py_ssize_t slot)
{
    FunctionObject *f;
    const char *text = PyUnicode_AsUTF8(textobj);
    struct buf found = BUF_INIT;
    size_t i, first, off;
    int member;
    ffi_type *rtype;
    void *addr;

    if (text == NULL) {
        return NULL;
    }
    if (ffi_function_caller.prepare == NULL) {
        PyErr_SetString(PyExc_SystemError, "crossrun: a Function made "
                        "before the call path is ready");
        return NULL;
    }
    f = PyObject_GC_New(FunctionObject, &ffi_FunctionType);
    if (f == NULL) {
        return NULL;
    }
    memset((char *)f + sizeof(PyObject), 0,
           sizeof(*f) - sizeof(PyObject));
    f->text = Py_NewRef(textobj);
    f->lib = Py_NewRef((PyObject *)lib);
    PyObject_GC_Track(f);
    f->decl = decl_prepare(lib, text, cls, &member);
    if (f->decl == NULL) {
        goto error;
    }
    f->is_method = member;
    f->is_static = f->decl->is_static;
    /* Converters, this first. */
    f->nargs = f->decl->nparams + (size_t)f->is_method;
    f->args = PyMem_Calloc(f->nargs ? f->nargs : 1, sizeof(*f->args));
    f->defaults = PyMem_Calloc(f->nargs ? f->nargs : 1,
                               sizeof(*f->defaults));
    first = f->is_method ? 1 : 0;
    if (f->args == NULL || f->defaults == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (f->is_method) {
        f->args[0].kind = CV_THIS;
        f->args[0].ft = &ffi_type_pointer;
        f->args[0].lib = (PyObject *)lib;
    }
    for (i = 0; i < f->decl->nparams; i++) {
        if (conv_build(&f->args[first + i], f->decl->params[i].type,
                       (PyObject *)lib, CONV_ARG, text,
                       &f->decl->arena) != 0) {
            goto error;
        }
    }
    if (f->decl->ret != NULL) {
        if (conv_build(&f->ret, f->decl->ret, (PyObject *)lib, CONV_RET,
                       text, &f->decl->arena) != 0) {
            goto error;
        }
    } else {
        f->ret.kind = CV_VOID;
        f->ret.ft = &ffi_type_void;
    }
    if (lib->isolated && isolated_strings(lib, f->decl, text) != 0) {
        goto error;
    }
    /* Defaults: trailing parameters with a default value are optional. */
    f->nreq = f->nargs;
    for (i = f->decl->nparams; i > 0; i--) {
        const char *dv = f->decl->params[i - 1].defval;

        if (dv == NULL) {
            break;
        }
        f->defaults[first + i - 1] = ffi_default_value(
            &f->args[first + i - 1], dv, text);
        if (f->defaults[first + i - 1] == NULL) {
            goto error;
        }
        f->nreq = first + i - 1;
    }

    /* By the mangled name first, as the dynamic linker finds it; the
     * demangled index only for what the mangler cannot say. */
    addr = NULL;
    if (declsym_find(lib->handle, f->decl, &addr, &found) < 0) {
        PyErr_NoMemory();
        goto error;
    }
    if (addr == NULL &&
        (addr = index_lookup(lib, f->decl, f->is_method, text, &found)) ==
            NULL) {
        if (slot < 0 || !f->is_method ||
            !PyErr_ExceptionMatches(ffi_SymbolNotFound)) {
            goto error;
        }
        /* A virtual method known by its declared slot: called through
         * the object's vtable, no symbol needed. */
        PyErr_Clear();
        f->vindex = slot;
        f->symbol = PyMem_Malloc(1);
        if (f->symbol == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        f->symbol[0] = '\0';
        goto layout;
    }
    f->fn = (void (*)(void))addr;
    if (slot >= 0 && f->is_method && !f->decl->is_dtor) {
        /* Where the library's own vtable can tell, the declared order
         * must agree with it. */
        Py_ssize_t real = vtable_slot(lib, f->decl, addr, slot);

        if (real >= 0 && real != slot) {
            ffi_raise_decl_msg(text, "the declared order puts this virtual "
                               "method in vtable slot %zd, but the "
                               "library's vtable has it in slot %zd: list "
                               "the class's virtual methods, and its bases' "
                               "through base=, in the header's order with "
                               "none left out", slot, real);
            goto error;
        }
    }
    f->vindex = slot >= 0 && f->is_method ? slot
                : f->decl->is_virtual && f->is_method && !f->decl->is_dtor
                ? vtable_slot(lib, f->decl, addr, -1) : -1;
    f->symbol = PyMem_Malloc(found.len + 1);
    if (f->symbol == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    memcpy(f->symbol, found.data, found.len + 1);
    buf_free(&found);
layout:

    /* The per-call area: slots, then extras, then room for a large or
     * std::string result at the very end. */
    f->sret = f->ret.kind == CV_OBJREF ? SRET_OBJECT
              : f->ret.kind == CV_STRING || f->ret.kind == CV_SMART ||
                (f->ret.kind == CV_STD && conv_hooks.std_sret(&f->ret))
              ? SRET_STRING : 0;
    off = 0;
    for (i = 0; i < f->nargs; i++) {
        struct conv *c = &f->args[i];
        size_t size = c->kind == CV_STRUCT ? c->struct_size
                      : c->kind == CV_OBJVAL ? conv_mem_size(c)
                      : c->kind == CV_LDOUBLE ? 16 : 8;

        c->slot = off;
        off += align16(size);
    }
    for (i = 0; i < f->nargs; i++) {
        struct conv *c = &f->args[i];

        c->extra = off;
        off += align16(c->extra_size);
    }
    rtype = f->sret ? &ffi_type_pointer : f->ret.ft;
    f->ret_size = f->ret.kind == CV_STRUCT ? f->ret.struct_size
                  : f->ret.kind == CV_OBJVAL ? conv_mem_size(&f->ret) : 16;
    f->ret_size = align16(f->ret_size);
    if (f->sret) {
        off += CONV_SRET_SIZE;
    } else if (f->ret_size > 32) {
        off += f->ret_size;
    }
    f->area = off;
    f->atypes = PyMem_Calloc(f->nargs + 2, sizeof(*f->atypes));
    if (f->atypes == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (f->sret) {
        f->atypes[0] = &ffi_type_pointer;
    }
    for (i = 0; i < f->nargs; i++) {
        f->atypes[i + (f->sret ? 1 : 0)] = f->args[i].ft;
    }
    if (ffi_prep_cif(&f->cif, FFI_DEFAULT_ABI,
                     (unsigned)(f->nargs + (f->sret ? 1 : 0)), rtype,
                     f->atypes) != FFI_OK) {
        ffi_raise_decl_msg(text, "libffi cannot describe this signature");
        goto error;
    }
    ffi_function_caller.prepare(f);
    return (PyObject *)f;
error:
    buf_free(&found);
    Py_DECREF(f);
    return NULL;
}

static int function_traverse(FunctionObject *f, visitproc visit, void *arg)
{
    size_t i;

    Py_VISIT(f->lib);
    for (i = 0; f->args != NULL && i < f->nargs; i++) {
        Py_VISIT(f->args[i].type);
    }
    Py_VISIT(f->ret.type);
    return 0;
}

static int function_clear(FunctionObject *f)
{
    size_t i;

    for (i = 0; f->args != NULL && i < f->nargs; i++) {
        conv_clear(&f->args[i]);
    }
    conv_clear(&f->ret);
    Py_CLEAR(f->lib);
    return 0;
}

static void function_dealloc(FunctionObject *f)
{
    size_t i;

    PyObject_GC_UnTrack(f);
    if (f->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)f);
    }
    function_clear(f);
    for (i = 0; f->defaults != NULL && i < f->nargs; i++) {
        Py_XDECREF(f->defaults[i]);
    }
    PyMem_Free(f->defaults);
    PyMem_Free(f->args);
    PyMem_Free(f->atypes);
    PyMem_Free(f->symbol);
    decl_free(f->decl);
    Py_XDECREF(f->text);
    PyObject_GC_Del(f);
}

static PyObject *function_repr(FunctionObject *f)
{
    if (f->fn == NULL && f->vindex >= 0) {
        return PyUnicode_FromFormat("<crossrun.Function '%U' = vtable slot "
                                    "%zd>", f->text, f->vindex);
    }
    return PyUnicode_FromFormat("<crossrun.Function '%U' = %s>", f->text,
                                f->symbol ? f->symbol : "?");
}

static PyObject *function_get_symbol(FunctionObject *f, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(f->symbol);
}

static PyObject *function_get_address(FunctionObject *f, void *closure)
{
    (void)closure;
    return ffi_pointer_new((void *)f->fn, NULL);
}

static PyObject *function_get_declaration(FunctionObject *f, void *closure)
{
    (void)closure;
    return Py_NewRef(f->text);
}

static PyObject *function_get_signature(FunctionObject *f, void *closure)
{
    struct buf b = BUF_INIT;
    PyObject *r;

    (void)closure;
    if (decl_print(f->decl, &b) != 0) {
        buf_free(&b);
        return PyErr_NoMemory();
    }
    r = PyUnicode_FromString(b.data);
    buf_free(&b);
    return r;
}

static PyObject *function_get_is_method(FunctionObject *f, void *closure)
{
    (void)closure;
    return PyBool_FromLong(f->is_method);
}

static PyObject *function_get_fast(FunctionObject *f, void *closure)
{
    (void)closure;
    return PyBool_FromLong(f->fast != 0);
}

/* f._fit(*args): how well args fit f's parameters, as a lib.cls method's
 * overloads are chosen: 0 when they do not, more the closer they are. */
static PyObject *function_fit(FunctionObject *f, PyObject *args)
{
    Py_ssize_t i, n = PyTuple_GET_SIZE(args);
    long score = 1;

    if ((size_t)n < f->nreq || (size_t)n > f->nargs) {
        return PyLong_FromLong(0);
    }
    for (i = 0; i < n; i++) {
        int s = conv_score(&f->args[i], PyTuple_GET_ITEM(args, i));

        if (PyErr_Occurred()) {
            return NULL;
        }
        if (s == 0) {
            return PyLong_FromLong(0);
        }
        score += s;
    }
    return PyLong_FromLong(score);
}

static PyMethodDef function_methods[] = {
    {"_fit", (PyCFunction)function_fit, METH_VARARGS,
     "_fit(*args) -> int: 0 when args do not fit the parameters, else how "
     "closely (the overload choice of lib.cls methods)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef function_getset[] = {
    {"symbol", (getter)function_get_symbol, NULL,
     "The exported symbol called (mangled for C++).", NULL},
    {"address", (getter)function_get_address, NULL,
     "The function's address, a Pointer.", NULL},
    {"declaration", (getter)function_get_declaration, NULL,
     "The declaration as written.", NULL},
    {"signature", (getter)function_get_signature, NULL,
     "The declaration as crossrun understood it (canonical types).", NULL},
    {"is_method", (getter)function_get_is_method, NULL,
     "True when the object ('this') is the first argument.", NULL},
    {"direct", (getter)function_get_fast, NULL,
     "True when calls bypass libffi (all arguments in registers).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ffi_FunctionType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Function",
    .tp_doc = "A C or C++ function of a loaded library (lib.fn(decl)); "
              "call it with Python values.",
    .tp_basicsize = sizeof(FunctionObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
                Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(FunctionObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_dealloc = (destructor)function_dealloc,
    .tp_traverse = (traverseproc)function_traverse,
    .tp_clear = (inquiry)function_clear,
    .tp_repr = (reprfunc)function_repr,
    .tp_getset = function_getset,
    .tp_methods = function_methods,
    .tp_weaklistoffset = offsetof(FunctionObject, weakrefs),
};
static PyObject *lib_fn(LibraryObject *lib, PyObject *decl)
{
    PyObject *cache, *f;

    if (!PyUnicode_Check(decl)) {
        PyErr_Format(PyExc_TypeError, "fn() takes a declaration (str), not "
                     "%.100s", Py_TYPE(decl)->tp_name);
        return NULL;
    }
    cache = lib->fns;
    f = PyDict_GetItemWithError(cache, decl);
    if (f != NULL) {
        return Py_NewRef(f);
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    f = ffi_function_new(lib, decl, NULL);
    if (f != NULL && (PyDict_SetItem(cache, decl, f) != 0 ||
                      (ffi_function_caller.declared != NULL &&
                       ffi_function_caller.declared(lib, f) != 0))) {
        Py_CLEAR(f);
    }
    return f;
}

/* lib.fns(decls): lib.fn of each, with the list announced first so the
 * ones the library does not export compile into one shim. */
static PyObject *lib_fns(LibraryObject *lib, PyObject *decls)
{
    PyObject *seq, *batch = NULL, *old, *out = NULL;
    Py_ssize_t i, n;

    if (PyUnicode_Check(decls) ||
        (seq = PySequence_Fast(decls, "")) == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "fns() takes a list of declarations, "
                     "e.g. lib.fns([\"int f(int)\", \"int g(int)\"]), not "
                     "%.100s; for one declaration use lib.fn(decl)",
                     Py_TYPE(decls)->tp_name);
        return NULL;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    batch = PyList_New(n);
    for (i = 0; batch != NULL && i < n; i++) {
        PyObject *t = PySequence_Fast_GET_ITEM(seq, i);

        if (!PyUnicode_Check(t)) {
            PyErr_Format(PyExc_TypeError, "fns(): item %zd is %.100s, not a "
                         "declaration (str)", i, Py_TYPE(t)->tp_name);
            Py_CLEAR(batch);
            break;
        }
        PyList_SET_ITEM(batch, i, PyTuple_Pack(2, Py_None, t));
        if (PyList_GET_ITEM(batch, i) == NULL) {
            Py_CLEAR(batch);
        }
    }
    old = batch != NULL ? PyDict_GetItemString(lib->dict, "_shim_batch")
                        : NULL;
    Py_XINCREF(old);
    if (batch != NULL &&
        PyDict_SetItemString(lib->dict, "_shim_batch", batch) == 0) {
        out = PyList_New(n);
        for (i = 0; out != NULL && i < n; i++) {
            PyObject *f = lib_fn(lib, PySequence_Fast_GET_ITEM(seq, i));

            if (f == NULL) {
                Py_CLEAR(out);
                break;
            }
            PyList_SET_ITEM(out, i, f);
        }
        /* the announcement ends with the call, even when it raised */
        if ((old != NULL
                 ? PyDict_SetItemString(lib->dict, "_shim_batch", old)
                 : PyDict_DelItemString(lib->dict, "_shim_batch")) != 0) {
            Py_CLEAR(out);
        }
    }
    Py_XDECREF(old);
    Py_XDECREF(batch);
    Py_DECREF(seq);
    return out;
}

static PyMethodDef function_lib_methods[] = {
    {"fn", (PyCFunction)lib_fn, METH_O,
     "fn(declaration) -> Function: the exported function the C or C++ "
     "declaration names, e.g. \"int calc::add(int, int)\"."},
    {"fns", (PyCFunction)lib_fns, METH_O,
     "fns(declarations) -> list of Function: lib.fn of each; those the "
     "library does not export are compiled from its headers= into one "
     "shim."},
    {NULL, NULL, 0, NULL},
};

int ffi_function_ready(void)
{
    if (PyType_Ready(&ffi_FunctionType) != 0) {
        return -1;
    }
    return ffi_library_add_methods(function_lib_methods);
}
