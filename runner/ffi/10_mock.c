/* 10_mock: lib.mock(decl, fake) and lib.imports(): redirect the calls a
 * loaded library makes to one imported function into Python.
 *
 * How a mock works:
 *   1. lib.mock() parses the declaration, finds the import it names among
 *      the library's GOT imports (elfgot_imports; compared after
 *      demangling, by the declaration's key "db::query(char const*)", or
 *      by bare name for a C function) and makes a crossrun.Callback of
 *      that type whose callable is the mock's recorder. Every error
 *      (declaration, not imported, variadic) is raised here, before
 *      anything is patched.
 *   2. Entering the `with` block patches every GOT slot of the library for
 *      that symbol to the callback's code (elfgot_patch); leaving it
 *      writes the saved values back (elfgot_restore).
 *   3. A call from the library runs the closure handler of 07_closure.c:
 *      arguments converted as return values are, then the recorder, which
 *      appends the argument tuple to m.calls (a `const char*` argument
 *      recorded as its text, since the pointer usually dies with the
 *      call) and calls fake, or returns the constant fake. An exception
 *      is stored by the handler and re-raised when the Function call that
 *      led to it returns, or at the latest when the block is left.
 *
 * Ownership: Mock -> Callback -> Recorder -> (calls, fake). The Recorder
 * never points back at the Mock, so the closure lives exactly as long as
 * the Mock; a Mock collected while its patch is active restores it first,
 * and leaks its closure when it cannot (a later mock of the same function
 * is still active), so no GOT slot ever points at freed code. */
#include "ffi/10_mock.h"
#include "ffi/02_typedef.h"

#include <string.h>

#include "cxx/elfgot.h"
#include "ffi/01_errors.h"
#include "ffi/02_values.h"
#include "ffi/03_lib.h"
#include "ffi/07_closure.h"

/* ---- the recorder: what the closure calls ---- */

typedef struct {
    PyObject_HEAD
    PyObject *calls;         /* list of argument tuples */
    PyObject *fake;          /* callable, or the value every call returns */
    int is_value;            /* fake is a constant */
    size_t nargs;
    unsigned char *as_text;  /* nargs flags: record const char* as str */
} RecorderObject;

static PyTypeObject RecorderType;

/* The tuple to record: args with the const char* ones read as text. */
static PyObject *record_args(RecorderObject *r, PyObject *args)
{
    Py_ssize_t i, n = PyTuple_GET_SIZE(args);
    PyObject *rec = PyTuple_New(n);

    for (i = 0; rec != NULL && i < n; i++) {
        PyObject *a = PyTuple_GET_ITEM(args, i); /* borrowed */
        PyObject *v;

        if ((size_t)i < r->nargs && r->as_text[i] &&
            PyObject_TypeCheck(a, &ffi_PointerType)) {
            v = PyObject_CallMethod(a, "string", NULL);
            if (v == NULL) {
                Py_CLEAR(rec);
                break;
            }
        } else {
            v = Py_NewRef(a);
        }
        PyTuple_SET_ITEM(rec, i, v);
    }
    return rec;
}

static PyObject *recorder_call(RecorderObject *r, PyObject *args,
                               PyObject *kw)
{
    PyObject *rec;
    int rc;

    if (r->calls == NULL || r->fake == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "a mock was called after it "
                        "was cleared: the library kept the fake's address "
                        "past the mock's end; keep the mock active while "
                        "the library may call it");
        return NULL;
    }
    rec = record_args(r, args);
    if (rec == NULL) {
        return NULL;
    }
    rc = PyList_Append(r->calls, rec);
    Py_DECREF(rec);
    if (rc != 0) {
        return NULL;
    }
    if (r->is_value) {
        return Py_NewRef(r->fake);
    }
    return PyObject_Call(r->fake, args, kw);
}

static int recorder_traverse(RecorderObject *r, visitproc visit, void *arg)
{
    Py_VISIT(r->calls);
    Py_VISIT(r->fake);
    return 0;
}

static int recorder_clear(RecorderObject *r)
{
    Py_CLEAR(r->calls);
    Py_CLEAR(r->fake);
    return 0;
}

static void recorder_dealloc(RecorderObject *r)
{
    PyObject_GC_UnTrack(r);
    recorder_clear(r);
    PyMem_Free(r->as_text);
    PyObject_GC_Del(r);
}

static PyTypeObject RecorderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun._MockRecorder",
    .tp_doc = "Records the calls a mock receives and answers them.",
    .tp_basicsize = sizeof(RecorderObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)recorder_dealloc,
    .tp_traverse = (traverseproc)recorder_traverse,
    .tp_clear = (inquiry)recorder_clear,
    .tp_call = (ternaryfunc)recorder_call,
};

/* ---- crossrun.Mock ---- */

typedef struct {
    PyObject_HEAD
    PyObject *lib;           /* the Library whose GOT is patched */
    PyObject *text;          /* the declaration as written */
    PyObject *target;        /* the import's demangled name */
    char *symbol;            /* its mangled name (PyMem) */
    PyObject *callback;      /* crossrun.Callback calling recorder */
    RecorderObject *recorder;
    struct elfgot_patch *patch; /* non-NULL while active */
} MockObject;

PyTypeObject ffi_MockType;

/* Is the parameter type a `const char*` (text the callee only reads)? */
static int is_const_text(const struct ct_type *t)
{
    return t != NULL && t->kind == CT_PTR && t->sub != NULL &&
           t->sub->kind == CT_CHAR && t->sub->is_const;
}

/* The link map of lib's handle, or NULL with LoadError set. */
static struct link_map *lib_link_map(PyObject *lib)
{
    struct link_map *lm = NULL;
    char err[512];

    if (elfgot_link_map(ffi_library_handle(lib), &lm, err, sizeof(err)) !=
        ELFGOT_OK) {
        PyErr_Format(ffi_LoadError, "%s: %s", ffi_library_file(lib), err);
        return NULL;
    }
    return lm;
}

/* Fill *out with lib's GOT imports. 0, or -1 with LoadError set. */
static int read_imports(PyObject *lib, struct elfgot_imports *out)
{
    struct link_map *lm = lib_link_map(lib);
    char err[1024];

    out->count = 0;
    out->items = NULL;
    if (lm == NULL) {
        return -1;
    }
    if (elfgot_imports(lm, out, err, sizeof(err)) != ELFGOT_OK) {
        PyErr_Format(ffi_LoadError, "reading the imports of %s: %s",
                     ffi_library_file(lib), err);
        return -1;
    }
    return 0;
}

/* The demangled names of l's real imports (defined_here ones left out
 * unless all is set): a new list, or NULL with an exception. */
static PyObject *import_names(const struct elfgot_imports *l, int all)
{
    PyObject *list = PyList_New(0);
    size_t i;

    for (i = 0; list != NULL && i < l->count; i++) {
        PyObject *s;

        if (l->items[i].defined_here && !all) {
            continue;
        }
        s = PyUnicode_DecodeUTF8(l->items[i].demangled,
                                 (Py_ssize_t)strlen(l->items[i].demangled),
                                 "replace");
        if (s == NULL || PyList_Append(list, s) != 0) {
            Py_XDECREF(s);
            Py_CLEAR(list);
        }
        Py_XDECREF(s);
    }
    if (list != NULL && PyList_Sort(list) != 0) {
        Py_CLEAR(list);
    }
    return list;
}

/* Raise SymbolNotFound: lib does not call `key` through its GOT; the
 * message and .candidates list what it does import. Returns NULL. */
static PyObject *raise_not_imported(PyObject *lib, const char *text,
                                    const char *key,
                                    const struct elfgot_imports *l)
{
    PyObject *names = import_names(l, 0), *sep, *joined, *exc;

    if (names == NULL) {
        return NULL;
    }
    sep = PyUnicode_FromString("\n    ");
    joined = sep ? PyUnicode_Join(sep, names) : NULL;
    Py_XDECREF(sep);
    if (joined == NULL) {
        Py_DECREF(names);
        return NULL;
    }
    exc = PyObject_CallFunction(
        ffi_SymbolNotFound, "N",
        PyUnicode_FromFormat("cannot mock '%s': %s does not import %s, so "
                             "it never calls it through its GOT (a function "
                             "it defines itself cannot be mocked); it "
                             "imports:\n    %U", text,
                             ffi_library_file(lib), key, joined));
    Py_DECREF(joined);
    if (exc != NULL) {
        if (PyObject_SetAttrString(exc, "candidates", names) == 0) {
            PyErr_SetObject(ffi_SymbolNotFound, exc);
        }
        Py_DECREF(exc);
    }
    Py_DECREF(names);
    return NULL;
}

/* The import of l that decl d names: by key ("db::query(char const*)"),
 * or, for an import without a parameter list (a C function), by name.
 * NULL when none. */
static const struct elfgot_import *find_import(
    const struct elfgot_imports *l, const struct ct_decl *d, const char *key)
{
    size_t i;

    for (i = 0; i < l->count; i++) {
        const char *dm = l->items[i].demangled;

        if (strcmp(dm, key) == 0 ||
            (strchr(dm, '(') == NULL && strcmp(dm, d->name) == 0)) {
            return &l->items[i];
        }
    }
    return NULL;
}

static RecorderObject *recorder_new(PyObject *fake, const struct ct_decl *d)
{
    RecorderObject *r = PyObject_GC_New(RecorderObject, &RecorderType);
    size_t i;

    if (r == NULL) {
        return NULL;
    }
    r->calls = PyList_New(0);
    r->fake = Py_NewRef(fake);
    r->is_value = !PyCallable_Check(fake);
    r->nargs = d->nparams;
    r->as_text = PyMem_Calloc(d->nparams ? d->nparams : 1, 1);
    PyObject_GC_Track(r);
    if (r->calls == NULL || r->as_text == NULL) {
        Py_DECREF(r);
        return (RecorderObject *)PyErr_NoMemory();
    }
    for (i = 0; i < d->nparams; i++) {
        r->as_text[i] = (unsigned char)is_const_text(d->params[i].type);
    }
    return r;
}

/* lib.mock(decl, fake): a Mock, not yet active. */
static PyObject *lib_mock(PyObject *lib, PyObject *args)
{
    const char *text;
    PyObject *fake;
    struct decl_error derr;
    struct ct_decl *d = NULL;
    struct buf key = BUF_INIT;
    struct elfgot_imports l = {0, NULL};
    const struct elfgot_import *imp;
    MockObject *m = NULL;

    if (!PyArg_ParseTuple(args, "sO:mock", &text, &fake)) {
        return NULL;
    }
    d = decl_parse(text, 0, &derr);
    if (d == NULL) {
        return ffi_raise_decl_error(text, &derr);
    }
    if (ffi_resolve_decl(((LibraryObject *)lib)->types, d, text) != 0) {
        goto out;
    }
    if (d->ret == NULL || d->name[0] == '\0') {
        ffi_raise_decl_msg(text, "a mock needs a function declaration with "
                           "a return type and a name, like \"int "
                           "db::query(const char*)\"");
        goto out;
    }
    if (decl_key(d, &key) != 0) {
        PyErr_NoMemory();
        goto out;
    }
    if (!PyCallable_Check(fake) && d->ret->kind == CT_VOID &&
        fake != Py_None) {
        PyErr_Format(PyExc_TypeError, "mock('%s'): the function returns "
                     "void, so fake must be callable or None, not %.100s",
                     text, Py_TYPE(fake)->tp_name);
        goto out;
    }
    if (read_imports(lib, &l) != 0) {
        goto out;
    }
    imp = find_import(&l, d, key.data);
    if (imp == NULL) {
        raise_not_imported(lib, text, key.data, &l);
        goto out;
    }
    m = PyObject_GC_New(MockObject, &ffi_MockType);
    if (m == NULL) {
        goto out;
    }
    memset((char *)m + sizeof(PyObject), 0, sizeof(*m) - sizeof(PyObject));
    PyObject_GC_Track(m);
    m->lib = Py_NewRef(lib);
    m->text = PyUnicode_FromString(text);
    m->target = PyUnicode_DecodeUTF8(imp->demangled,
                                     (Py_ssize_t)strlen(imp->demangled),
                                     "replace");
    m->symbol = PyMem_Malloc(strlen(imp->name) + 1);
    if (m->text == NULL || m->target == NULL || m->symbol == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        Py_CLEAR(m);
        goto out;
    }
    strcpy(m->symbol, imp->name);
    m->recorder = recorder_new(fake, d);
    if (m->recorder == NULL) {
        Py_CLEAR(m);
        goto out;
    }
    m->callback = ffi_callback_new(lib, text, (PyObject *)m->recorder);
    if (m->callback == NULL) {
        Py_CLEAR(m);
    }
out:
    elfgot_imports_free(&l);
    buf_free(&key);
    decl_free(d);
    return (PyObject *)m;
}

/* lib.imports(): sorted demangled names of the imported functions. */
static PyObject *lib_imports(PyObject *lib, PyObject *noargs)
{
    struct elfgot_imports l;
    PyObject *names;

    (void)noargs;
    if (read_imports(lib, &l) != 0) {
        return NULL;
    }
    names = import_names(&l, 0);
    elfgot_imports_free(&l);
    return names;
}

static PyObject *mock_enter(MockObject *m, PyObject *noargs)
{
    struct link_map *lm;
    char err[4096];
    int rc;

    (void)noargs;
    if (m->patch != NULL) {
        PyErr_Format(PyExc_RuntimeError, "the mock of %U is already active: "
                     "leave its with block before entering it again",
                     m->target);
        return NULL;
    }
    lm = lib_link_map(m->lib);
    if (lm == NULL) {
        return NULL;
    }
    rc = elfgot_patch(lm, m->symbol, ffi_callback_code(m->callback),
                      &m->patch, err, sizeof(err));
    if (rc != ELFGOT_OK) {
        PyErr_Format(PyExc_OSError, "cannot mock %U in %s: %s", m->target,
                     ffi_library_file(m->lib), err);
        return NULL;
    }
    return Py_NewRef(m);
}

/* Put the GOT back. 0, or -1 with RuntimeError/OSError set (the patch
 * then stays active). */
static int mock_restore(MockObject *m)
{
    char err[1024];
    int rc;

    if (m->patch == NULL) {
        return 0;
    }
    rc = elfgot_restore(m->patch, err, sizeof(err));
    if (rc == ELFGOT_ERR_CHANGED) {
        PyErr_Format(PyExc_RuntimeError, "cannot restore %U in %s: a mock "
                     "of it made later is still active; leave mocks in the "
                     "reverse order of entering them (%s)", m->target,
                     ffi_library_file(m->lib), err);
        return -1;
    }
    if (rc != ELFGOT_OK) {
        PyErr_Format(PyExc_OSError, "cannot restore %U in %s: %s",
                     m->target, ffi_library_file(m->lib), err);
        return -1;
    }
    m->patch = NULL;
    return 0;
}

static PyObject *mock_exit(MockObject *m, PyObject *args)
{
    PyObject *type = Py_None, *value = Py_None, *tb = Py_None;

    if (!PyArg_UnpackTuple(args, "__exit__", 0, 3, &type, &value, &tb)) {
        return NULL;
    }
    if (mock_restore(m) != 0) {
        return NULL;
    }
    /* A fake that raised during a call crossrun did not make (ctypes, a
     * thread of the library): report it now, unless the block is already
     * leaving with an exception. */
    if (type == Py_None && ffi_callback_check() != 0) {
        return NULL;
    }
    Py_RETURN_FALSE;
}

/* Make m inert before its references go: restore its patch, or, when
 * that fails, keep its closure alive forever (the GOT still uses it). */
static void mock_deactivate(MockObject *m)
{
    PyObject *et, *ev, *etb;

    if (m->patch == NULL) {
        return;
    }
    PyErr_Fetch(&et, &ev, &etb);
    if (mock_restore(m) != 0) {
        PyErr_WriteUnraisable((PyObject *)m);
        Py_XINCREF(m->callback); /* leaked on purpose */
        elfgot_patch_free(m->patch);
        m->patch = NULL;
    }
    PyErr_Restore(et, ev, etb);
}

static int mock_traverse(MockObject *m, visitproc visit, void *arg)
{
    Py_VISIT(m->lib);
    Py_VISIT(m->callback);
    Py_VISIT(m->recorder);
    return 0;
}

static int mock_clear(MockObject *m)
{
    mock_deactivate(m);
    Py_CLEAR(m->callback);
    Py_CLEAR(m->recorder);
    Py_CLEAR(m->lib);
    return 0;
}

static void mock_dealloc(MockObject *m)
{
    PyObject_GC_UnTrack(m);
    mock_clear(m);
    Py_CLEAR(m->text);
    Py_CLEAR(m->target);
    PyMem_Free(m->symbol);
    PyObject_GC_Del(m);
}

static PyObject *mock_get_calls(MockObject *m, void *closure)
{
    (void)closure;
    if (m->recorder == NULL || m->recorder->calls == NULL) {
        return PyList_New(0);
    }
    return Py_NewRef(m->recorder->calls);
}

static PyObject *mock_get_call_count(MockObject *m, void *closure)
{
    (void)closure;
    return PyLong_FromSsize_t(m->recorder == NULL ||
                              m->recorder->calls == NULL
                              ? 0 : PyList_GET_SIZE(m->recorder->calls));
}

static PyObject *mock_get_active(MockObject *m, void *closure)
{
    (void)closure;
    return PyBool_FromLong(m->patch != NULL);
}

static PyObject *mock_get_target(MockObject *m, void *closure)
{
    (void)closure;
    return Py_NewRef(m->target);
}

static PyObject *mock_get_slots(MockObject *m, void *closure)
{
    (void)closure;
    return PyLong_FromSize_t(m->patch ? elfgot_patch_nslots(m->patch) : 0);
}

static PyObject *mock_repr(MockObject *m)
{
    return PyUnicode_FromFormat("<crossrun.Mock %U in %s, %s, %zd calls>",
                                m->target,
                                m->lib ? ffi_library_file(m->lib) : "?",
                                m->patch ? "active" : "inactive",
                                m->recorder && m->recorder->calls
                                ? PyList_GET_SIZE(m->recorder->calls) : 0);
}

static PyMethodDef mock_methods[] = {
    {"__enter__", (PyCFunction)mock_enter, METH_NOARGS,
     "Patch the library's GOT: its calls now go to the fake."},
    {"__exit__", (PyCFunction)mock_exit, METH_VARARGS,
     "Restore the GOT entries as they were."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef mock_getset[] = {
    {"calls", (getter)mock_get_calls, NULL,
     "The argument tuples of every call received (a list; const char* "
     "arguments recorded as str).", NULL},
    {"call_count", (getter)mock_get_call_count, NULL,
     "How many calls the mock received.", NULL},
    {"active", (getter)mock_get_active, NULL,
     "True inside the with block.", NULL},
    {"target", (getter)mock_get_target, NULL,
     "The demangled name of the mocked import.", NULL},
    {"slots", (getter)mock_get_slots, NULL,
     "GOT slots patched (0 when not active).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ffi_MockType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Mock",
    .tp_doc = "A mock of a function a library imports: made by "
              "lib.mock(decl, fake), active inside `with`.",
    .tp_basicsize = sizeof(MockObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)mock_dealloc,
    .tp_traverse = (traverseproc)mock_traverse,
    .tp_clear = (inquiry)mock_clear,
    .tp_repr = (reprfunc)mock_repr,
    .tp_methods = mock_methods,
    .tp_getset = mock_getset,
};

static PyMethodDef mock_lib_methods[] = {
    {"mock", (PyCFunction)lib_mock, METH_VARARGS,
     "mock(decl, fake) -> Mock: `with lib.mock(\"int db::query(const "
     "char*)\", fake) as m:` sends the calls this library makes to that "
     "imported function to fake (a callable, or the value every call "
     "returns); m.calls, m.call_count. Raises SymbolNotFound listing the "
     "imports when the library does not import it."},
    {"imports", (PyCFunction)lib_imports, METH_NOARGS,
     "imports() -> sorted list of the demangled names of the functions "
     "this library calls through its GOT (what mock() can replace)."},
    {NULL, NULL, 0, NULL},
};

int ffi_mock_init(void)
{
    if (PyType_Ready(&RecorderType) != 0 ||
        PyType_Ready(&ffi_MockType) != 0) {
        return -1;
    }
    return ffi_library_add_methods(mock_lib_methods);
}
