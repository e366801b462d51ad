/* 03_lib: crossrun.load() and the Library it returns: the loaded file,
 * its symbol table, the types declared for it (lib.enum here; lib.fn,
 * lib.struct, lib.cls and lib.callback are added by the files that make
 * those, further along the chain). A Library is never unloaded (a C++ library
 * may have registered destructors with atexit); it lives until the
 * process exits, which per-test processes make short. */
#include "ffi/03_lib.h"
#include "ffi/02_typedef.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include "ffi/01_errors.h"

/* std::__cxx11::basic_string<char>::~basic_string(), which libstdc++
 * exports. */
#define STRING_DTOR \
    "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEED1Ev"

static ffi_load_hook load_hook;

int ffi_set_load_hook(ffi_load_hook hook)
{
    load_hook = hook;
    return 0;
}

struct sym_table *ffi_lib_symbols(LibraryObject *lib)
{
    char err[512];

    if (!lib->syms_read) {
        if (sym_table_read(lib->file, &lib->syms, err, sizeof(err)) != 0) {
            PyErr_Format(ffi_LoadError, "reading the symbols of %s",
                         err);
            return NULL;
        }
        lib->syms_read = 1;
    }
    return &lib->syms;
}

void *ffi_library_handle(PyObject *lib)
{
    return PyObject_TypeCheck(lib, &ffi_LibraryType)
           ? ((LibraryObject *)lib)->handle : NULL;
}

const char *ffi_library_file(PyObject *lib)
{
    return PyObject_TypeCheck(lib, &ffi_LibraryType)
           ? ((LibraryObject *)lib)->file : NULL;
}

PyObject *ffi_lib_type(PyObject *lib, const char *name)
{
    PyObject *v;

    if (lib == NULL || name == NULL) {
        return NULL;
    }
    v = PyDict_GetItemString(((LibraryObject *)lib)->types, name);
    return v != NULL && PyUnicode_Check(v) ? NULL : v; /* str: a typedef */
}

PyObject *ffi_library_new(void *handle, PyObject *path)
{
    LibraryObject *lib;
    struct link_map *lm = NULL;
    const char *file = NULL;
    Lmid_t lmid = LM_ID_BASE;

    lib = PyObject_GC_New(LibraryObject, &ffi_LibraryType);
    if (lib == NULL) {
        return NULL;
    }
    memset((char *)lib + sizeof(PyObject), 0,
           sizeof(*lib) - sizeof(PyObject));
    lib->handle = handle;
    lib->path = Py_NewRef(path);
    lib->types = PyDict_New();
    lib->dict = PyDict_New();
    lib->fns = PyDict_New();
    PyObject_GC_Track(lib);
    if (lib->types == NULL || lib->dict == NULL || lib->fns == NULL) {
        Py_DECREF(lib);
        return NULL;
    }
    if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) == 0 && lm != NULL &&
        lm->l_name != NULL && lm->l_name[0] != '\0') {
        file = lm->l_name;
    } else {
        file = PyUnicode_AsUTF8(path);
        if (file == NULL) {
            Py_DECREF(lib);
            return NULL;
        }
    }
    lib->file = PyMem_Malloc(strlen(file) + 1);
    if (lib->file == NULL) {
        Py_DECREF(lib);
        return PyErr_NoMemory();
    }
    strcpy(lib->file, file);
    /* Memory a library in another namespace allocates must be freed by
     * its own allocator: a std::string it returns is destroyed by its own
     * libstdc++ (see ffi_function_new for what is refused). */
    if (dlinfo(handle, RTLD_DI_LMID, &lmid) == 0 && lmid != LM_ID_BASE) {
        lib->isolated = 1;
        *(void **)&lib->string_dtor = dlsym(handle, STRING_DTOR);
    }
    (void)dlerror();
    return (PyObject *)lib;
}

static PyObject *ffi_load(PyObject *module, PyObject *args, PyObject *kw)
{
    PyObject *pathobj, *path, *r = NULL;
    const char *p;
    void *handle;

    (void)module;
    if (!PyArg_ParseTuple(args, "O:load", &pathobj)) {
        return NULL;
    }
    path = PyOS_FSPath(pathobj);
    if (path == NULL) {
        return NULL;
    }
    if (!PyUnicode_Check(path)) {
        Py_SETREF(path, PyUnicode_DecodeFSDefaultAndSize(
                            PyBytes_AS_STRING(path),
                            PyBytes_GET_SIZE(path)));
        if (path == NULL) {
            return NULL;
        }
    }
    p = PyUnicode_AsUTF8(path);
    if (p == NULL) {
        goto out;
    }
    if (kw != NULL && PyDict_GET_SIZE(kw) > 0) {
        if (load_hook == NULL) {
            PyObject *k = NULL, *v;
            Py_ssize_t pos = 0;

            PyDict_Next(kw, &pos, &k, &v);
            PyErr_Format(PyExc_TypeError, "load() got an unexpected keyword "
                         "argument %R (not available in this build)", k);
            goto out;
        }
        handle = load_hook(p, kw);
    } else {
        dlerror();
        handle = dlopen(p, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            const char *why = dlerror();
            PyObject *exc = PyObject_CallFunction(ffi_LoadError, "s",
                                                  why ? why : p);

            if (exc != NULL) {
                PyErr_SetObject(ffi_LoadError, exc);
                Py_DECREF(exc);
            }
        }
    }
    if (handle != NULL) {
        r = ffi_library_new(handle, path);
    }
out:
    Py_DECREF(path);
    return r;
}

int ffi_lib_invalidate(LibraryObject *lib)
{
    if (lib->fns != NULL) {
        PyDict_Clear(lib->fns);
    }
    return 0;
}

static PyObject *lib_symbols(LibraryObject *lib, PyObject *noargs)
{
    struct sym_table *t = ffi_lib_symbols(lib);
    const char **names;
    size_t n, i;
    PyObject *list;

    (void)noargs;
    if (t == NULL) {
        return NULL;
    }
    if (sym_function_names(t, &names, &n) != 0) {
        return PyErr_NoMemory();
    }
    list = PyList_New((Py_ssize_t)n);
    for (i = 0; list != NULL && i < n; i++) {
        PyObject *s = PyUnicode_DecodeUTF8(names[i],
                                           (Py_ssize_t)strlen(names[i]),
                                           "replace");

        if (s == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, s);
    }
    free(names);
    return list;
}

static PyObject *lib_enum(LibraryObject *lib, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "values", "size", "signed", NULL};
    PyObject *name, *values = NULL, *enum_mod, *cls, *shortname, *size;
    PyObject *is_signed = Py_None, *members, *v;
    int bytes = 4, sign = 1;
    const char *n, *last;
    Py_ssize_t i;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "U|OiO:enum", kwlist, &name,
                                     &values, &bytes, &is_signed)) {
        return NULL;
    }
    if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) {
        PyErr_Format(PyExc_ValueError, "enum(%R, size=%d): size must be 1, "
                     "2, 4 or 8, the bytes of the enum's underlying type "
                     "(4 when it has none)", name, bytes);
        return NULL;
    }
    n = PyUnicode_AsUTF8(name);
    if (n == NULL) {
        return NULL;
    }
    last = strrchr(n, ':');
    shortname = PyUnicode_FromString(last ? last + 1 : n);
    enum_mod = PyImport_ImportModule("enum");
    if (shortname == NULL || enum_mod == NULL) {
        Py_XDECREF(shortname);
        Py_XDECREF(enum_mod);
        return NULL;
    }
    if (values == NULL || values == Py_None) {
        values = PyList_New(0);
    } else {
        Py_INCREF(values);
    }
    cls = values ? PyObject_CallMethod(enum_mod, "IntEnum", "OO", shortname,
                                       values)
                 : NULL;
    Py_XDECREF(values);
    Py_DECREF(enum_mod);
    Py_DECREF(shortname);
    if (cls == NULL) {
        return NULL;
    }
    /* Signed unless told, or unless a value needs the unsigned range. */
    if (is_signed != Py_None) {
        sign = PyObject_IsTrue(is_signed);
    } else {
        members = PySequence_List(cls);
        for (i = 0; members != NULL && i < PyList_GET_SIZE(members); i++) {
            long long x;

            v = PyList_GET_ITEM(members, i);
            x = PyLong_AsLongLong(v);
            if (x == -1 && PyErr_Occurred()) {
                PyErr_Clear();
                sign = 0;
            } else if (bytes < 8 && x >= (1LL << (bytes * 8 - 1))) {
                sign = 0;
            }
        }
        if (members == NULL) {
            Py_DECREF(cls);
            return NULL;
        }
        Py_DECREF(members);
    }
    size = PyLong_FromLong(sign ? bytes : -bytes);
    if (size == NULL || PyObject_SetAttrString(cls, "_ctype_size_",
                                               size) != 0 ||
        PyObject_SetAttrString(cls, "__qualname__", name) != 0 ||
        PyDict_SetItem(lib->types, name, cls) != 0 || ffi_lib_invalidate(lib) != 0) {
        Py_XDECREF(size);
        Py_DECREF(cls);
        return NULL;
    }
    Py_DECREF(size);
    return cls;
}

static PyObject *lib_repr(LibraryObject *lib)
{
    return PyUnicode_FromFormat("<crossrun.Library %s>", lib->file);
}

static int lib_traverse(LibraryObject *lib, visitproc visit, void *arg)
{
    Py_VISIT(lib->types);
    Py_VISIT(lib->dict);
    Py_VISIT(lib->fns);
    return 0;
}

static int lib_clear(LibraryObject *lib)
{
    Py_CLEAR(lib->types);
    Py_CLEAR(lib->dict);
    Py_CLEAR(lib->fns);
    return 0;
}

static void lib_dealloc(LibraryObject *lib)
{
    PyObject_GC_UnTrack(lib);
    lib_clear(lib);
    Py_XDECREF(lib->path);
    sym_table_free(&lib->syms);
    PyMem_Free(lib->file);
    PyObject_GC_Del(lib);
}

static PyObject *lib_get_path(LibraryObject *lib, void *closure)
{
    (void)closure;
    return Py_NewRef(lib->path);
}

static PyObject *lib_get_file(LibraryObject *lib, void *closure)
{
    (void)closure;
    return PyUnicode_DecodeFSDefault(lib->file);
}

static PyObject *lib_get_handle(LibraryObject *lib, void *closure)
{
    (void)closure;
    return PyLong_FromVoidPtr(lib->handle);
}

/* lib.typedef(name, existing): name stands for the type existing. */
static PyObject *lib_typedef(LibraryObject *lib, PyObject *args)
{
    PyObject *r = ffi_typedef_declare(lib->types, args);

    if (r != NULL && ffi_lib_invalidate(lib) != 0) {
        Py_CLEAR(r);
    }
    return r;
}

static PyMethodDef lib_methods[] = {
    {"typedef", (PyCFunction)lib_typedef, METH_VARARGS,
     "typedef(name, existing): declare that the type name stands for the "
     "type existing (\"la_int64_t\", \"int64_t\"), as the header's "
     "typedef or using does."},
    {"symbols", (PyCFunction)lib_symbols, METH_NOARGS,
     "symbols() -> list of the demangled names of the exported functions."},
    {"enum", (PyCFunction)(void (*)(void))lib_enum,
     METH_VARARGS | METH_KEYWORDS,
     "enum(name, values=None, size=4) -> an IntEnum for the C/C++ enum; "
     "results of that type come back as its members."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef lib_getset[] = {
    {"path", (getter)lib_get_path, NULL, "The path given to load().", NULL},
    {"file", (getter)lib_get_file, NULL,
     "The file the dynamic loader loaded.", NULL},
    {"handle", (getter)lib_get_handle, NULL, "The dlopen handle.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ffi_LibraryType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Library",
    .tp_doc = "A loaded shared library (crossrun.load(path)).",
    .tp_basicsize = sizeof(LibraryObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)lib_dealloc,
    .tp_traverse = (traverseproc)lib_traverse,
    .tp_clear = (inquiry)lib_clear,
    .tp_repr = (reprfunc)lib_repr,
    .tp_methods = lib_methods,
    .tp_getset = lib_getset,
    .tp_dictoffset = offsetof(LibraryObject, dict),
};

int ffi_library_add_methods(PyMethodDef *defs)
{
    for (; defs->ml_name != NULL; defs++) {
        PyObject *d = PyDescr_NewMethod(&ffi_LibraryType, defs);

        if (d == NULL) {
            return -1;
        }
        if (PyDict_SetItemString(ffi_LibraryType.tp_dict, defs->ml_name,
                                 d) != 0) {
            Py_DECREF(d);
            return -1;
        }
        Py_DECREF(d);
    }
    PyType_Modified(&ffi_LibraryType);
    return 0;
}

PyMethodDef ffi_lib_functions[] = {
    {"load", (PyCFunction)(void (*)(void))ffi_load,
     METH_VARARGS | METH_KEYWORDS,
     "load(path, isolated=False, stubs=None) -> Library: load a shared "
     "library by path or by a name the dynamic loader finds "
     "(\"libz.so.1\"); isolated=True: in a link namespace of its own; "
     "stubs=True or [sonames]: generated stubs for dependencies that are "
     "not installed. Raises LoadError (an OSError) with the loader's "
     "message."},
    {NULL, NULL, 0, NULL},
};

int ffi_lib_ready(void)
{
    return PyType_Ready(&ffi_LibraryType);
}
