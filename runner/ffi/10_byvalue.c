/* 10_byvalue: lib.cls classes passed and returned by value as the
 * Itanium C++ ABI says (itanium-cxx-abi.github.io/cxx-abi/abi.html,
 * "Non-trivial parameters" and "Non-trivial return values"): a class
 * that is not trivially copyable comes back through a hidden result
 * pointer and goes in as the address of a temporary copy the caller
 * makes and destroys; a trivially copyable one travels like a struct of
 * its fields (the System V x86-64 classification, done by libffi). */
#include "ffi/10_byvalue.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "cxx/declsym.h"
#include "cxx/rtti.h"
#include "ffi/01_errors.h"
#include "ffi/03_lib.h"
#include "ffi/04_conv.h"
#include "ffi/08_struct.h"
#include "ffi/09_class.h"

static int nontrivial_evidence(PyObject *lib, const char *name,
                               const char **why);

static int byvalue_build(struct conv *c, PyObject *cls, int role,
                         const char *decl)
{
    struct class_abi abi;

    if (ffi_class_abi(cls, &abi) != 0) {
        ffi_raise_decl_msg(decl, "internal: not a lib.cls class");
        return -1;
    }
    c->type = Py_NewRef(cls);
    if (!abi.trivial) {
        if (role != CONV_ARG && role != CONV_RET) {
            ffi_raise_decl_msg(decl, "%s by value is not trivially copyable: "
                               "it can be a function's parameter or result, "
                               "not a field or a callback's; use a pointer "
                               "or reference", PyUnicode_AsUTF8(abi.name));
            return -1;
        }
        c->kind = CV_OBJREF;
        c->ft = &ffi_type_pointer;
        return 0;
    }
    if (!abi.trivial_given) {
        const char *why = NULL;
        int r = nontrivial_evidence(c->lib, PyUnicode_AsUTF8(abi.name), &why);

        if (r < 0) {
            return -1;
        }
        if (r > 0) {
            ffi_raise_decl_msg(decl, "%s declares no destructor, copy "
                               "constructor or virtual method, so it would "
                               "travel by value as trivially copyable, but "
                               "the library gives it %s: add that to "
                               "methods= (or say trivial=False)",
                               PyUnicode_AsUTF8(abi.name), why);
            return -1;
        }
    }
    if (abi.layout == NULL) {
        ffi_raise_decl_msg(decl, "%s by value is trivially copyable, so it "
                           "travels in registers by its fields: declare them "
                           "with fields=[(name, type), ...] on lib.cls (or "
                           "trivial=False if the class has a destructor, "
                           "copy constructor or virtual method the methods= "
                           "list does not show)", PyUnicode_AsUTF8(abi.name));
        return -1;
    }
    c->kind = CV_OBJVAL;
    c->ft = &abi.layout->ft;
    return 0;
}

static int wrong_type(const struct conv *c, PyObject *o, int argno)
{
    PyErr_Format(PyExc_TypeError, "argument %d: expected %s (by value), "
                 "got %.100s", argno, ((PyTypeObject *)c->type)->tp_name,
                 Py_TYPE(o)->tp_name);
    return -1;
}

static PyObject *byvalue_copy(const struct conv *c, PyObject *o, int argno)
{
    struct class_abi abi;
    PyObject *tmp, *r, *args[2];

    if (!PyObject_TypeCheck(o, (PyTypeObject *)c->type)) {
        wrong_type(c, o, argno);
        return NULL;
    }
    if (ffi_class_abi(c->type, &abi) != 0 || abi.copy == NULL) {
        const char *n = PyUnicode_AsUTF8(abi.name), *last = strrchr(n, ':');

        PyErr_Format(PyExc_TypeError, "argument %d: passing %s by value "
                     "makes a copy with its copy constructor: declare "
                     "\"%s(const %s&)\" in methods= of lib.cls", argno, n,
                     last != NULL ? last + 1 : n, n);
        return NULL;
    }
    tmp = ffi_object_alloc(c->type);
    if (tmp == NULL) {
        return NULL;
    }
    args[0] = tmp;
    args[1] = o;
    r = PyObject_Vectorcall(abi.copy, args, 2, NULL);
    if (r == NULL) {
        ffi_object_abandon(tmp);
        return NULL;
    }
    Py_DECREF(r);
    ffi_object_constructed(tmp);
    return tmp;
}

static size_t byvalue_size(const struct conv *c)
{
    struct class_abi abi;

    if (ffi_class_abi(c->type, &abi) != 0 || abi.layout == NULL) {
        return 8;
    }
    return abi.layout->size;
}

static PyObject *byvalue_from_c(const struct conv *c, const void *src)
{
    PyObject *o = ffi_object_alloc(c->type);

    if (o != NULL) {
        memcpy(((ObjectObject *)o)->mem, src, byvalue_size(c));
        ffi_object_constructed(o);
    }
    return o;
}

/* Does lib export the function declared by text? Found as the dynamic
 * linker finds it (by its mangled name), or, for what the mangler cannot
 * express, among the demangled exports. 1 yes, 0 no, -1 with an
 * exception. */
static int exports(LibraryObject *lib, const char *text)
{
    struct decl_error err;
    struct ct_decl *d = decl_parse(text, DECL_NO_RETURN, &err);
    struct buf sym = BUF_INIT;
    struct sym_table *t;
    void *addr = NULL;
    int oom = 0, r;

    if (d == NULL) {
        if (err.column == 0) {
            PyErr_NoMemory();
            return -1;
        }
        return 0; /* a name the parser cannot read has no symbol */
    }
    r = declsym_find(lib->handle, d, &addr, &sym);
    buf_free(&sym);
    if (r == 0) {
        t = ffi_lib_symbols(lib);
        r = t == NULL ? -2 : sym_find(t, d, &oom) != NULL;
    }
    decl_free(d);
    if (r == -1 || oom) {
        PyErr_NoMemory();
        return -1;
    }
    return r == -2 ? -1 : r;
}

/* Whether lib shows that class name is not trivially copyable: it
 * exports its vtable, destructor or copy constructor. 1 with *why set,
 * 0 when it shows none, -1 with an exception (never taken for
 * "trivial"). */
static int nontrivial_evidence(PyObject *lib, const char *name,
                               const char **why)
{
    LibraryObject *l = (LibraryObject *)lib;
    const char *last = strrchr(name, ':');
    char text[600], tname[300];
    int r;

    if (strlen(name) > 250) {
        PyErr_Format(PyExc_ValueError, "class name too long: %.60s...",
                     name);
        return -1;
    }
    last = last != NULL ? last + 1 : name;
    /* "vtable for N" is _ZTV followed by N's typeinfo name. */
    if (rtti_type_name(name, tname, sizeof(tname)) == 0) {
        snprintf(text, sizeof(text), "_ZTV%s", tname);
        if (dlsym(l->handle, text) != NULL) {
            *why = "a vtable (virtual methods)";
            return 1;
        }
    }
    snprintf(text, sizeof(text), "%s::~%s()", name, last);
    r = exports(l, text);
    if (r != 0) {
        *why = "a destructor";
        return r;
    }
    snprintf(text, sizeof(text), "%s::%s(const %s&)", name, last, name);
    r = exports(l, text);
    *why = "a copy constructor";
    return r;
}

static int struct_check_trivial(PyObject *lib, const char *name,
                                const char *decl)
{
    const char *why = NULL;
    int r = lib != NULL ? nontrivial_evidence(lib, name, &why) : 0;

    if (r <= 0) {
        return r;
    }
    ffi_raise_decl_msg(decl, "%s is declared with lib.struct but the library "
                       "gives it %s: it is not trivially copyable, so by "
                       "value it is passed and returned through memory, not "
                       "like a struct. Declare it with lib.cls(\"%s\", "
                       "size=..., methods=[...]) instead", name, why, name);
    return -1;
}

int ffi_byvalue_ready(void)
{
    conv_hooks.byvalue_build = byvalue_build;
    conv_hooks.byvalue_copy = byvalue_copy;
    conv_hooks.byvalue_from_c = byvalue_from_c;
    conv_hooks.byvalue_size = byvalue_size;
    conv_hooks.struct_check_trivial = struct_check_trivial;
    conv_hooks.object_alloc = ffi_object_alloc;
    conv_hooks.object_constructed = ffi_object_constructed;
    conv_hooks.object_abandon = ffi_object_abandon;
    conv_hooks.object_ptr = ffi_object_ptr;
    return 0;
}
