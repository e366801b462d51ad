/* 09_class: lib.cls(name, size=, methods=[...]): C++ classes as Python
 * classes. An instance is either owned (Python allocated `size` bytes and
 * ran a constructor; close(), `with` or garbage collection runs the
 * destructor and frees) or a view of an object C++ owns (Cls.at(p), a
 * returned pointer). Methods are overload sets resolved per call by
 * argument count and types. */
#include "ffi/09_class.h"

#include <dlfcn.h>
#include <string.h>

#include "cxx/rtti.h"
#include "ffi/01_errors.h"
#include "ffi/02_values.h"
#include "ffi/03_lib.h"
#include "ffi/04_conv.h"
#include "ffi/05_function.h"
#include "ffi/06_operators.h"
#include "ffi/08_struct.h"
#include "ffi/08_vtable.h"
#include "structmember.h"

static PyObject *class_key; /* "_class_", interned */

static int is_object(PyObject *o);
static PyObject *object_view(PyObject *type, void *ptr, PyObject *keep);

/* What the class knows: kept on the class as _class_. */
typedef struct {
    PyObject_HEAD
    PyObject *name;          /* "tinyxml2::XMLDocument" */
    size_t size;             /* size=: at least sizeof */
    size_t exact;            /* sizeof=, or 0: not given */
    PyObject *ctors;         /* Overloads, or NULL: no constructor */
    PyObject *dtor;          /* Function, or NULL */
    PyObject *lib;
    PyObject *deleter;       /* the virtual deleting destructor, or NULL */
    PyObject *primary;       /* the first base= class, or NULL */
    PyObject *vtable;        /* list: the keys of the vtable's slots */
    int trivial;             /* trivially copyable (Itanium C++ ABI) */
    int trivial_given;       /* trivial= said it, not the methods */
    PyObject *layout;        /* fields=: a struct class, or NULL */
    PyObject *copy;          /* the copy constructor (Function), or NULL */
    PyObject *cctor;         /* C(const C&) alone (Function), or NULL */
    PyObject *mctor;         /* C(C&&) (Function), or NULL */
} ClassInfoObject;

static void classinfo_dealloc(ClassInfoObject *c)
{
    Py_XDECREF(c->name);
    Py_XDECREF(c->ctors);
    Py_XDECREF(c->dtor);
    Py_XDECREF(c->lib);
    Py_XDECREF(c->layout);
    Py_XDECREF(c->copy);
    Py_XDECREF(c->cctor);
    Py_XDECREF(c->mctor);
    Py_XDECREF(c->deleter);
    Py_XDECREF(c->primary);
    Py_XDECREF(c->vtable);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

static PyTypeObject ClassInfoType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun._ClassInfo",
    .tp_basicsize = sizeof(ClassInfoObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)classinfo_dealloc,
};

static ClassInfoObject *info_of(PyTypeObject *type)
{
    PyObject *i;

    if (type->tp_dict == NULL) {
        return NULL;
    }
    i = PyDict_GetItemWithError(type->tp_dict, class_key);
    if (i == NULL || Py_TYPE(i) != &ClassInfoType) {
        PyErr_Clear();
        return NULL;
    }
    return (ClassInfoObject *)i;
}

/* ---- overload sets ---- */

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *name;          /* Python-visible name */
    PyObject *cls;           /* C++ class name, for messages */
    PyObject *funcs;         /* list of Function */
    PyObject *missing;       /* list of SymbolNotFound instances */
} OverloadsObject;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    OverloadsObject *ov;
    PyObject *self;
} BoundObject;

static PyObject *no_match(OverloadsObject *ov, PyObject *const *args,
                          size_t n)
{
    PyObject *types = PyList_New(0), *decls = PyList_New(0);
    PyObject *sep = NULL, *t = NULL, *d = NULL;
    Py_ssize_t i;

    if (types == NULL || decls == NULL) {
        goto out;
    }
    for (i = 0; i < (Py_ssize_t)n; i++) {
        PyObject *name = PyUnicode_FromString(Py_TYPE(args[i])->tp_name);

        if (name == NULL || PyList_Append(types, name) != 0) {
            Py_XDECREF(name);
            goto out;
        }
        Py_DECREF(name);
    }
    for (i = 0; i < PyList_GET_SIZE(ov->funcs); i++) {
        PyObject *text = ((FunctionObject *)PyList_GET_ITEM(ov->funcs, i))
                             ->text;

        if (PyList_Append(decls, text) != 0) {
            goto out;
        }
    }
    sep = PyUnicode_FromString(", ");
    t = sep ? PyUnicode_Join(sep, types) : NULL;
    Py_XSETREF(sep, PyUnicode_FromString("\n    "));
    d = sep && t ? PyUnicode_Join(sep, decls) : NULL;
    if (d != NULL) {
        PyErr_Format(PyExc_TypeError, "no overload of %U::%U takes (%U); "
                     "declared:\n    %U", ov->cls, ov->name, t, d);
    }
out:
    Py_XDECREF(types);
    Py_XDECREF(decls);
    Py_XDECREF(sep);
    Py_XDECREF(t);
    Py_XDECREF(d);
    return NULL;
}

/* ValueError for a closed object o; returns -1. */
static int closed_error(PyObject *o)
{
    PyErr_Format(PyExc_ValueError, "%.100s object is closed (by close() "
                 "or the end of its with block): its memory is gone; make "
                 "a new one", Py_TYPE(o)->tp_name);
    return -1;
}

/* Call the best overload. self (NULL for an unbound call) goes first to
 * non-static methods. */
/* self as `this` for a method of class ov->cls: self when that class is
 * self's class or on its chain of primary bases (at offset 0), else a
 * view of the base subobject that self's run-time type information
 * places elsewhere (multiple inheritance). A new reference, or NULL with
 * TypeError. */
static PyObject *this_for(OverloadsObject *ov, PyObject *self)
{
    PyTypeObject *t = Py_TYPE(self);
    ClassInfoObject *info = info_of(t), *mine;
    ObjectObject *o = (ObjectObject *)self;
    char tname[300];
    ptrdiff_t delta = 0;
    PyObject *cls;
    int r;

    for (; info != NULL; info = info_of((PyTypeObject *)info->primary)) {
        r = PyObject_RichCompareBool(info->name, ov->cls, Py_EQ);
        if (r != 0 || info->primary == NULL) {
            break;
        }
    }
    if (info == NULL || r != 0 || o->ptr == NULL) {
        return r < 0 ? NULL : Py_NewRef(self);
    }
    mine = info_of(t);
    cls = PyDict_GetItemWithError(((LibraryObject *)mine->lib)->types,
                                  ov->cls);
    if (cls == NULL || rtti_type_name(PyUnicode_AsUTF8(ov->cls), tname,
                                      sizeof(tname)) != 0) {
        return PyErr_Occurred() ? NULL : Py_NewRef(self);
    }
    r = rtti_base_delta(o->ptr, tname, &delta);
    if (r != 0) {
        PyErr_Format(PyExc_TypeError, "%U is not the first base of this "
                     "%s object, and its subobject %s: crossrun supports "
                     "non-virtual bases that occur once", ov->cls,
                     t->tp_name, r == -1 ? "is not in the object's run-time "
                     "type" : r == -2 ? "is virtual or occurs more than "
                     "once" : "has type information crossrun cannot read");
        return NULL;
    }
    return object_view(cls, (char *)o->ptr + delta, self);
}

static PyObject *overloads_call(OverloadsObject *ov, PyObject *self,
                                PyObject *const *args, size_t n)
{
    PyObject *small[9];
    PyObject **vec = small;
    FunctionObject *best = NULL;
    int best_score = 0, with_self = 0, fits = 0;
    Py_ssize_t k;
    size_t i;
    PyObject *r, *me;
    PyObject *first = self != NULL ? self : n > 0 ? args[0] : NULL;

    /* a closed object fits no overload: say why, not that none fits */
    if (first != NULL && PyObject_TypeCheck(first, &ffi_ObjectType) &&
        ((ObjectObject *)first)->closed) {
        closed_error(first);
        return NULL;
    }
    for (k = 0; k < PyList_GET_SIZE(ov->funcs); k++) {
        FunctionObject *f = (FunctionObject *)PyList_GET_ITEM(ov->funcs, k);
        int ws = self != NULL && f->is_method;
        size_t total = n + (size_t)ws;
        int score = 1;

        if (total < f->nreq || total > f->nargs) {
            continue;
        }
        fits++;
        for (i = 0; i < total; i++) {
            PyObject *a = ws ? (i == 0 ? self : args[i - 1]) : args[i];
            int s = conv_score(&f->args[i], a);

            if (s == 0) {
                score = 0;
                break;
            }
            score += s;
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
        if (score > best_score) {
            best = f;
            best_score = score;
            with_self = ws;
        }
        if (fits == 1 && best == NULL) {
            /* Remember the only candidate so far: its own conversion
             * error is the clearest message if nothing else fits. */
            best = f;
            with_self = ws;
        }
    }
    if (best == NULL) {
        if (PyList_GET_SIZE(ov->missing) > 0) {
            PyObject *e = PyList_GET_ITEM(ov->missing, 0);

            PyErr_SetObject((PyObject *)Py_TYPE(e), e);
            return NULL;
        }
        return no_match(ov, args, n);
    }
    if (best_score == 0 && fits > 1) {
        return no_match(ov, args, n);
    }
    if (n + 1 > sizeof(small) / sizeof(small[0])) {
        vec = PyMem_Malloc((n + 1) * sizeof(*vec));
        if (vec == NULL) {
            return PyErr_NoMemory();
        }
    }
    if (with_self) {
        vec[0] = self;
    }
    for (i = 0; i < n; i++) {
        vec[i + (size_t)with_self] = args[i];
    }
    me = NULL;
    if (best->is_method && n + (size_t)with_self > 0 &&
        is_object(vec[0])) {
        me = this_for(ov, vec[0]); /* `this` moved to a second base */
        if (me == NULL) {
            if (vec != small) {
                PyMem_Free(vec);
            }
            return NULL;
        }
        vec[0] = me;
    }
    r = PyObject_Vectorcall((PyObject *)best, vec, n + (size_t)with_self,
                            NULL);
    Py_XDECREF(me);
    if (vec != small) {
        PyMem_Free(vec);
    }
    return r;
}

static PyObject *overloads_vectorcall(PyObject *o, PyObject *const *args,
                                      size_t nargsf, PyObject *kwnames)
{
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        PyErr_Format(PyExc_TypeError, "%U::%U: C++ methods take no keyword "
                     "arguments: pass the arguments in order",
                     ((OverloadsObject *)o)->cls, ((OverloadsObject *)o)->name);
        return NULL;
    }
    return overloads_call((OverloadsObject *)o, NULL, args,
                          (size_t)PyVectorcall_NARGS(nargsf));
}

static PyObject *bound_vectorcall(PyObject *o, PyObject *const *args,
                                  size_t nargsf, PyObject *kwnames)
{
    BoundObject *b = (BoundObject *)o;

    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0) {
        PyErr_Format(PyExc_TypeError, "%U::%U: C++ methods take no keyword "
                     "arguments: pass the arguments in order", b->ov->cls,
                     b->ov->name);
        return NULL;
    }
    return overloads_call(b->ov, b->self, args,
                          (size_t)PyVectorcall_NARGS(nargsf));
}

static PyObject *overloads_get(PyObject *self, PyObject *obj, PyObject *type)
{
    BoundObject *b;

    (void)type;
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    b = PyObject_GC_New(BoundObject, &ffi_BoundType);
    if (b == NULL) {
        return NULL;
    }
    b->vectorcall = bound_vectorcall;
    b->ov = (OverloadsObject *)Py_NewRef(self);
    b->self = Py_NewRef(obj);
    PyObject_GC_Track(b);
    return (PyObject *)b;
}

static int overloads_traverse(OverloadsObject *o, visitproc visit, void *arg)
{
    Py_VISIT(o->funcs);
    Py_VISIT(o->missing);
    return 0;
}

static int overloads_clear(OverloadsObject *o)
{
    Py_CLEAR(o->funcs);
    Py_CLEAR(o->missing);
    return 0;
}

static void overloads_dealloc(OverloadsObject *o)
{
    PyObject_GC_UnTrack(o);
    overloads_clear(o);
    Py_XDECREF(o->name);
    Py_XDECREF(o->cls);
    PyObject_GC_Del(o);
}

static PyObject *overloads_repr(OverloadsObject *o)
{
    return PyUnicode_FromFormat("<crossrun method %U::%U, %zd overload%s>",
                                o->cls, o->name,
                                PyList_GET_SIZE(o->funcs),
                                PyList_GET_SIZE(o->funcs) == 1 ? "" : "s");
}

static PyMemberDef overloads_members[] = {
    {"overloads", T_OBJECT, offsetof(OverloadsObject, funcs), READONLY,
     "The Functions of this name, in declaration order."},
    {NULL, 0, 0, 0, NULL},
};

PyTypeObject ffi_OverloadsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Method",
    .tp_doc = "The declared overloads of one C++ method name.",
    .tp_basicsize = sizeof(OverloadsObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
                Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_vectorcall_offset = offsetof(OverloadsObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = overloads_get,
    .tp_dealloc = (destructor)overloads_dealloc,
    .tp_traverse = (traverseproc)overloads_traverse,
    .tp_clear = (inquiry)overloads_clear,
    .tp_repr = (reprfunc)overloads_repr,
    .tp_members = overloads_members,
};

static int bound_traverse(BoundObject *b, visitproc visit, void *arg)
{
    Py_VISIT(b->ov);
    Py_VISIT(b->self);
    return 0;
}

static int bound_clear(BoundObject *b)
{
    Py_CLEAR(b->ov);
    Py_CLEAR(b->self);
    return 0;
}

static void bound_dealloc(BoundObject *b)
{
    PyObject_GC_UnTrack(b);
    bound_clear(b);
    PyObject_GC_Del(b);
}

PyTypeObject ffi_BoundType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.BoundMethod",
    .tp_basicsize = sizeof(BoundObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
                Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(BoundObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_dealloc = (destructor)bound_dealloc,
    .tp_traverse = (traverseproc)bound_traverse,
    .tp_clear = (inquiry)bound_clear,
};

/* ---- objects ---- */

static int is_object(PyObject *o)
{
    return PyObject_TypeCheck(o, &ffi_ObjectType);
}

/* A view of the object at ptr as class type (a lib.cls class). */
static PyObject *object_view(PyObject *type, void *ptr, PyObject *keep)
{
    ObjectObject *o;

    o = (ObjectObject *)((PyTypeObject *)type)->tp_alloc(
        (PyTypeObject *)type, 0);
    if (o == NULL) {
        return NULL;
    }
    o->ptr = ptr;
    o->keep = keep != NULL ? Py_NewRef(keep) : NULL;
    return (PyObject *)o;
}

/* Run the destructor (if declared) and free an owned object. Returns 0,
 * or -1 with the destructor's exception set (the memory is freed all the
 * same). */
static int destroy(ObjectObject *o)
{
    ClassInfoObject *info = info_of(Py_TYPE(o));
    int rc = 0;

    if (!o->owned || o->closed) {
        return 0;
    }
    o->owned = 0; /* once only, even if the destructor calls back */
    if (info != NULL && info->dtor != NULL) {
        PyObject *self = (PyObject *)o;
        PyObject *r = PyObject_Vectorcall(info->dtor, &self, 1, NULL);

        if (r == NULL) {
            rc = -1;
        }
        Py_XDECREF(r);
    }
    o->closed = 1;
    PyMem_Free(o->mem);
    o->mem = NULL;
    o->ptr = NULL;
    return rc;
}

static PyObject *object_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    ClassInfoObject *info = info_of(type);
    ObjectObject *o;
    PyObject *r;

    if (info == NULL) {
        PyErr_SetString(PyExc_TypeError, "crossrun.Object is not made "
                        "directly: make classes with lib.cls(name, size=..., "
                        "methods=[...])");
        return NULL;
    }
    if (kw != NULL && PyDict_GET_SIZE(kw) > 0) {
        PyErr_Format(PyExc_TypeError, "%U: C++ constructors take no "
                     "keyword arguments: pass the arguments in order",
                     info->name);
        return NULL;
    }
    if (info->ctors == NULL && PyTuple_GET_SIZE(args) > 0) {
        PyErr_Format(PyExc_TypeError, "%U: no constructor was declared "
                     "(add one to methods=)", info->name);
        return NULL;
    }
    o = (ObjectObject *)type->tp_alloc(type, 0);
    if (o == NULL) {
        return NULL;
    }
    o->mem = PyMem_Calloc(info->size ? info->size : 1, 1);
    if (o->mem == NULL) {
        Py_DECREF(o);
        return PyErr_NoMemory();
    }
    o->ptr = o->mem;
    if (info->ctors != NULL) {
        r = overloads_call((OverloadsObject *)info->ctors, (PyObject *)o,
                           &PyTuple_GET_ITEM(args, 0),
                           (size_t)PyTuple_GET_SIZE(args));
        if (r == NULL) {
            /* No object was constructed: free without a destructor. */
            PyMem_Free(o->mem);
            o->mem = o->ptr = NULL;
            o->closed = 1;
            Py_DECREF(o);
            return NULL;
        }
        Py_DECREF(r);
    }
    o->owned = 1;
    return (PyObject *)o;
}

static void object_dealloc(ObjectObject *o)
{
    PyTypeObject *type = Py_TYPE(o);

    if (o->weakrefs != NULL) {
        PyObject_ClearWeakRefs((PyObject *)o);
    }
    if (o->owned && !o->closed) {
        PyObject *et, *ev, *tb;

        PyErr_Fetch(&et, &ev, &tb);
        if (destroy(o) != 0) {
            PyErr_WriteUnraisable((PyObject *)type);
        }
        PyErr_Restore(et, ev, tb);
    }
    Py_XDECREF(o->keep);
    type->tp_free((PyObject *)o);
}

static PyObject *object_close(ObjectObject *o, PyObject *noargs)
{
    (void)noargs;
    if (destroy(o) != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *object_enter(ObjectObject *o, PyObject *noargs)
{
    (void)noargs;
    return Py_NewRef((PyObject *)o);
}

static PyObject *object_exit(ObjectObject *o, PyObject *args)
{
    (void)args;
    if (destroy(o) != 0) {
        return NULL;
    }
    Py_RETURN_FALSE;
}

static PyObject *object_at(PyObject *cls, PyObject *arg)
{
    void *addr = NULL;

    if (PyObject_TypeCheck(arg, &ffi_PointerType)) {
        addr = ((PointerObject *)arg)->addr;
    } else if (PyObject_TypeCheck(arg, &ffi_ObjectType)) {
        addr = ((ObjectObject *)arg)->ptr;
    } else if (PyLong_Check(arg)) {
        addr = PyLong_AsVoidPtr(arg);
        if (addr == NULL && PyErr_Occurred()) {
            return NULL;
        }
    } else {
        PyErr_Format(PyExc_TypeError, "at() takes a Pointer, an object or "
                     "an int address, not %.100s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    if (addr == NULL) {
        PyErr_Format(PyExc_ValueError, "%s.at(): the address is NULL; give "
                     "the address of a live object of the class",
                     ((PyTypeObject *)cls)->tp_name);
        return NULL;
    }
    if (info_of((PyTypeObject *)cls) == NULL) {
        PyErr_Format(PyExc_TypeError, "%s.at(): at() views memory as a "
                     "class made by lib.cls; call it on such a class",
                     ((PyTypeObject *)cls)->tp_name);
        return NULL;
    }
    return object_view(cls, addr,
                           PyObject_TypeCheck(arg, &ffi_PointerType)
                           ? ((PointerObject *)arg)->keep : NULL);
}

static PyObject *object_repr(ObjectObject *o)
{
    ClassInfoObject *info = info_of(Py_TYPE(o));

    return PyUnicode_FromFormat("<%U object at %p%s>",
                                info ? info->name : NULL, o->ptr,
                                o->closed ? ", closed"
                                : o->owned ? ", owned" : ", view");
}

static PyObject *object_address(ObjectObject *o, void *closure)
{
    (void)closure;
    if (o->ptr == NULL) {
        Py_RETURN_NONE;
    }
    return ffi_pointer_new(o->ptr, o->owned ? (PyObject *)o : o->keep);
}

static PyObject *object_owned(ObjectObject *o, void *closure)
{
    (void)closure;
    return PyBool_FromLong(o->owned && !o->closed);
}

static PyObject *object_int(ObjectObject *o)
{
    return PyLong_FromVoidPtr(o->ptr);
}

static PyObject *object_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) ||
        !PyObject_TypeCheck(b, &ffi_ObjectType)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    return PyBool_FromLong((((ObjectObject *)a)->ptr ==
                            ((ObjectObject *)b)->ptr) == (op == Py_EQ));
}

static Py_hash_t object_hash(ObjectObject *o)
{
    Py_hash_t h = (Py_hash_t)((uintptr_t)o->ptr >> 4);

    return h == -1 ? -2 : h;
}

static PyMethodDef object_methods[] = {
    {"close", (PyCFunction)object_close, METH_NOARGS,
     "Run the destructor and free the object (owned objects; a view is "
     "left alone). Safe to call twice."},
    {"__enter__", (PyCFunction)object_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)object_exit, METH_VARARGS, NULL},
    {"at", (PyCFunction)object_at, METH_O | METH_CLASS,
     "Cls.at(pointer): a view of the object at that address (close() "
     "does not destroy it)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef object_getset[] = {
    {"address", (getter)object_address, NULL,
     "The object's address, a Pointer.", NULL},
    {"owned", (getter)object_owned, NULL,
     "True while Python owns the object (close() will destroy it).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyNumberMethods object_as_number = {
    .nb_int = (unaryfunc)object_int,
};

PyTypeObject ffi_ObjectType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crossrun.Object",
    .tp_doc = "Base of the classes lib.cls() makes: a C++ object, owned "
              "(constructed by Python) or a view.",
    .tp_basicsize = sizeof(ObjectObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_new = object_new,
    .tp_dealloc = (destructor)object_dealloc,
    .tp_repr = (reprfunc)object_repr,
    .tp_richcompare = object_richcompare,
    .tp_hash = (hashfunc)object_hash,
    .tp_as_number = &object_as_number,
    .tp_methods = object_methods,
    .tp_getset = object_getset,
    .tp_weaklistoffset = offsetof(ObjectObject, weakrefs),
};

/* ---- lib.cls ---- */

static OverloadsObject *overloads_new(PyObject *name, PyObject *cls)
{
    OverloadsObject *o = PyObject_GC_New(OverloadsObject, &ffi_OverloadsType);

    if (o == NULL) {
        return NULL;
    }
    o->vectorcall = overloads_vectorcall;
    o->name = Py_NewRef(name);
    o->cls = Py_NewRef(cls);
    o->funcs = PyList_New(0);
    o->missing = PyList_New(0);
    PyObject_GC_Track(o);
    if (o->funcs == NULL || o->missing == NULL) {
        Py_DECREF(o);
        return NULL;
    }
    return o;
}

/* The overload set called name in methods (a dict), made on demand. */
static OverloadsObject *group(PyObject *methods, const char *name,
                              PyObject *cls)
{
    PyObject *key = PyUnicode_FromString(name);
    OverloadsObject *o;

    if (key == NULL) {
        return NULL;
    }
    o = (OverloadsObject *)PyDict_GetItemWithError(methods, key);
    if (o == NULL && !PyErr_Occurred()) {
        o = overloads_new(key, cls);
        if (o != NULL && PyDict_SetItem(methods, key, (PyObject *)o) != 0) {
            Py_CLEAR(o);
        }
        Py_XDECREF(o); /* the dict holds it */
    }
    Py_DECREF(key);
    return o;
}

/* Is d (a constructor of class cname) a copy or move constructor: one
 * parameter, a reference to the class itself? */
static int is_copy_ctor(const struct ct_decl *d, const char *cname)
{
    const struct ct_type *t;

    if (d->nparams != 1) {
        return 0;
    }
    t = d->params[0].type;
    return (t->kind == CT_REF || t->kind == CT_RREF) &&
           t->sub->kind == CT_NAMED &&
           (strcmp(t->sub->name, cname) == 0 ||
            strcmp(t->sub->name, d->base) == 0);
}

int ffi_class_abi(PyObject *cls, struct class_abi *out)
{
    ClassInfoObject *info;

    if (!PyType_Check(cls) ||
        (info = info_of((PyTypeObject *)cls)) == NULL) {
        return -1;
    }
    out->name = info->name;
    out->size = info->size;
    out->trivial = info->trivial;
    out->trivial_given = info->trivial_given;
    out->layout = info->layout != NULL ? ffi_layout_of(info->layout) : NULL;
    out->copy = info->copy;
    return 0;
}

/* crossrun.delete(obj): `delete obj` for an object the library made with
 * new. */
static PyObject *object_delete(PyObject *mod, PyObject *obj)
{
    ObjectObject *o = (ObjectObject *)obj;
    ClassInfoObject *info;
    PyObject *fn = NULL, *r;
    void (*op_delete)(void *);

    (void)mod;
    if (!is_object(obj)) {
        PyErr_Format(PyExc_TypeError, "delete() takes an object of a "
                     "lib.cls class, not %.100s", Py_TYPE(obj)->tp_name);
        return NULL;
    }
    if (o->ptr == NULL || o->closed) {
        PyErr_SetString(PyExc_ValueError, "delete(): the object is closed");
        return NULL;
    }
    if (o->owned) {
        PyErr_SetString(PyExc_ValueError, "delete() is for objects the "
                        "library made with new; this one is owned by "
                        "Python: close() destroys it");
        return NULL;
    }
    /* The virtual deleting destructor, declared on the class or a base:
     * it destroys and frees the object as its dynamic type says. */
    for (info = info_of(Py_TYPE(obj)); info != NULL && fn == NULL;
         info = info->primary ? info_of((PyTypeObject *)info->primary)
                              : NULL) {
        fn = info->deleter;
    }
    if (fn != NULL) {
        r = PyObject_Vectorcall(fn, &obj, 1, NULL);
    } else {
        for (info = info_of(Py_TYPE(obj)); info != NULL && fn == NULL;
             info = info->primary ? info_of((PyTypeObject *)info->primary)
                                  : NULL) {
            fn = info->dtor;
        }
        op_delete = (void (*)(void *))dlsym(RTLD_DEFAULT, "_ZdlPv");
        if (fn == NULL || op_delete == NULL) {
            PyErr_Format(PyExc_TypeError, "delete(): %s declares no "
                         "destructor: add \"~%s()\" (\"virtual ~...\" when "
                         "it is virtual) to methods=", Py_TYPE(obj)->tp_name,
                         Py_TYPE(obj)->tp_name);
            return NULL;
        }
        r = PyObject_Vectorcall(fn, &obj, 1, NULL);
        if (r != NULL) {
            op_delete(o->ptr); /* operator delete(void*) */
        }
    }
    o->ptr = NULL;
    o->closed = 1;
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    Py_RETURN_NONE;
}

PyObject *ffi_object_alloc(PyObject *cls)
{
    ClassInfoObject *info = info_of((PyTypeObject *)cls);
    ObjectObject *o;

    o = (ObjectObject *)((PyTypeObject *)cls)->tp_alloc(
        (PyTypeObject *)cls, 0);
    if (o == NULL) {
        return NULL;
    }
    o->mem = PyMem_Calloc(info->size ? info->size : 1, 1);
    if (o->mem == NULL) {
        Py_DECREF(o);
        return PyErr_NoMemory();
    }
    o->ptr = o->mem;
    return (PyObject *)o;
}

void ffi_object_constructed(PyObject *o)
{
    ((ObjectObject *)o)->owned = 1;
}

void ffi_object_abandon(PyObject *obj)
{
    ObjectObject *o = (ObjectObject *)obj;

    PyMem_Free(o->mem);
    o->mem = o->ptr = NULL;
    o->owned = 0;
    o->closed = 1;
    Py_DECREF(o);
}

/* What pass one learns of each declared method. */
struct mdecl {
    PyObject *text;          /* borrowed */
    char name[256];          /* Python name: base name, "__init__" */
    unsigned char is_ctor, is_dtor, is_copy, is_move;
    Py_ssize_t slot;         /* vtable slot, -1: not virtual */
};

/* The base classes of base= (a lib.cls class, a sequence of them, or
 * None) as a tuple, the primary (first) one in *primary (borrowed, NULL
 * when none). NULL with TypeError. */
static PyObject *class_bases(PyObject *base, PyObject **primary)
{
    PyObject *t;
    Py_ssize_t i;

    *primary = NULL;
    if (base == NULL || base == Py_None) {
        return PyTuple_Pack(1, (PyObject *)&ffi_ObjectType);
    }
    t = PyType_Check(base) ? PyTuple_Pack(1, base) : PySequence_Tuple(base);
    if (t == NULL || PyTuple_GET_SIZE(t) == 0) {
        Py_XDECREF(t);
        PyErr_Format(PyExc_TypeError, "cls(): base must be a class made "
                     "by lib.cls or a list of them, not %R", base);
        return NULL;
    }
    for (i = 0; i < PyTuple_GET_SIZE(t); i++) {
        PyObject *b = PyTuple_GET_ITEM(t, i);

        if (!PyType_Check(b) || info_of((PyTypeObject *)b) == NULL) {
            Py_DECREF(t);
            PyErr_Format(PyExc_TypeError, "cls(): base must be a class "
                         "made by lib.cls or a list of them, not %R", b);
            return NULL;
        }
    }
    *primary = PyTuple_GET_ITEM(t, 0);
    return t;
}

/* Pass one: parse every declaration, find constructors, the destructor,
 * copy constructors and the vtable slots, and whether the class is
 * trivially copyable. 0, or -1 with an exception. */
static int scan_methods(ClassInfoObject *info, PyObject *seq,
                        struct mdecl *m, const char *cname, int *nontrivial)
{
    const char *last = strrchr(cname, ':');
    Py_ssize_t i;

    last = last ? last + 1 : cname;
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *text = PySequence_Fast_GET_ITEM(seq, i);
        struct decl_error err;
        struct ct_decl *d;
        const char *t;

        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "cls(): method %zd must be a "
                         "declaration (str) such as 'double area() const', "
                         "not %R", i + 1, text);
            return -1;
        }
        t = PyUnicode_AsUTF8(text);
        if (t == NULL) {
            return -1;
        }
        d = decl_parse(t, DECL_NO_RETURN, &err);
        if (d == NULL) {
            ffi_raise_decl_error(t, &err);
            return -1;
        }
        m[i].text = text;
        m[i].is_dtor = d->is_dtor;
        m[i].is_ctor = !d->is_dtor && d->ret == NULL &&
                       strcmp(d->base, last) == 0;
        m[i].is_copy = m[i].is_ctor && is_copy_ctor(d, cname);
        m[i].is_move = m[i].is_copy && d->params[0].type->kind == CT_RREF;
        snprintf(m[i].name, sizeof(m[i].name), "%s",
                 m[i].is_ctor ? "__init__" : d->base);
        if (!m[i].is_ctor && !m[i].is_dtor && d->ret == NULL &&
            d->conv == NULL) {
            decl_free(d);
            ffi_raise_decl_msg(t, "a method needs a return type (only "
                               "%s(...) and ~%s() have none)", last, last);
            return -1;
        }
        m[i].slot = ffi_vtable_slot(info->vtable, d, t);
        decl_free(d);
        if (m[i].slot == -2) {
            return -1;
        }
        *nontrivial |= m[i].is_dtor || m[i].slot >= 0 || m[i].is_copy;
    }
    return 0;
}

/* Keep the SymbolNotFound being raised in the missing list of the
 * overload set name of groups: raised when the method is called (inline
 * methods may be absent). 0 or -1. */
static int keep_missing(PyObject *groups, const char *name, PyObject *cls)
{
    PyObject *et, *ev, *tb;
    OverloadsObject *g;
    int rc = -1;

    PyErr_Fetch(&et, &ev, &tb);
    PyErr_NormalizeException(&et, &ev, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(ev, tb);
    }
    g = group(groups, name, cls);
    if (g != NULL) {
        rc = PyList_Append(g->missing, ev);
    }
    Py_XDECREF(et);
    Py_XDECREF(ev);
    Py_XDECREF(tb);
    return rc;
}

/* Pass two: the Functions of the methods, grouped by name into groups;
 * the destructor, deleting destructor and copy constructor into info. */
static int make_methods(LibraryObject *lib, ClassInfoObject *info,
                        struct mdecl *m, Py_ssize_t n, const char *cname,
                        PyObject *groups)
{
    Py_ssize_t i;

    for (i = 0; i < n; i++) {
        PyObject *f = ffi_method_new(lib, m[i].text, cname, m[i].slot);
        OverloadsObject *g;

        if (f == NULL && !PyErr_ExceptionMatches(ffi_SymbolNotFound)) {
            return -1;
        }
        if (m[i].is_dtor) {
            if (f == NULL) {
                PyErr_Clear(); /* no destructor exported: nothing to run */
                continue;
            }
            Py_XSETREF(info->dtor, f);
            if (m[i].slot >= 0) {
                /* The deleting destructor: the slot after the complete
                 * one (Itanium C++ ABI, "Virtual Table Layout"). */
                f = ffi_method_new(lib, m[i].text, cname, m[i].slot + 1);
                if (f == NULL) {
                    return -1;
                }
                Py_XSETREF(info->deleter, f);
            }
            continue;
        }
        if (f == NULL) {
            if (keep_missing(groups, m[i].name, info->name) != 0) {
                return -1;
            }
            continue;
        }
        g = group(groups, m[i].name, info->name);
        if (g == NULL) {
            Py_DECREF(f);
            return -1;
        }
        if (PyList_Append(g->funcs, f) != 0) {
            Py_DECREF(f);
            return -1;
        }
        if (m[i].is_copy && info->copy == NULL) {
            info->copy = Py_NewRef(f);
        }
        if (m[i].is_copy) {
            Py_XSETREF(*(m[i].is_move ? &info->mctor : &info->cctor),
                       Py_NewRef(f));
        }
        Py_DECREF(f);
    }
    return 0;
}

/* The new class object: no methods yet, its ClassInfo in its dict. */
static PyObject *make_type(PyObject *name, Py_ssize_t size, PyObject *bases,
                           ClassInfoObject *info)
{
    PyObject *dict = PyDict_New(), *slots = PyTuple_New(0);
    PyObject *mod = PyUnicode_FromString("crossrun");
    PyObject *sizeobj = PyLong_FromSsize_t(size), *cls = NULL;

    if (dict != NULL && slots != NULL && mod != NULL && sizeobj != NULL &&
        PyDict_SetItem(dict, class_key, (PyObject *)info) == 0 &&
        PyDict_SetItemString(dict, "__slots__", slots) == 0 &&
        PyDict_SetItemString(dict, "__module__", mod) == 0 &&
        PyDict_SetItemString(dict, "__qualname__", name) == 0 &&
        PyDict_SetItemString(dict, "size", sizeobj) == 0) {
        cls = PyObject_CallFunction((PyObject *)&PyType_Type, "OOO", name,
                                    bases, dict);
    }
    Py_XDECREF(dict);
    Py_XDECREF(slots);
    Py_XDECREF(mod);
    Py_XDECREF(sizeobj);
    return cls;
}

/* Put the overload sets of groups on cls (constructors into info). */
static int attach(PyObject *cls, ClassInfoObject *info, PyObject *groups)
{
    PyObject *key, *value;
    Py_ssize_t pos = 0;

    while (PyDict_Next(groups, &pos, &key, &value)) {
        if (PyUnicode_CompareWithASCIIString(key, "__init__") == 0) {
            Py_XSETREF(info->ctors, Py_NewRef(value));
        } else if (PyObject_SetAttr(cls, key, value) != 0) {
            return -1;
        }
    }
    return 0;
}

static ClassInfoObject *info_new(LibraryObject *lib, PyObject *name,
                                 Py_ssize_t size, PyObject *primary)
{
    ClassInfoObject *info = PyObject_New(ClassInfoObject, &ClassInfoType);

    if (info == NULL) {
        return NULL;
    }
    info->name = Py_NewRef(name);
    info->size = (size_t)size;
    info->exact = 0;
    info->ctors = info->dtor = info->deleter = NULL;
    info->layout = info->copy = info->cctor = info->mctor = NULL;
    info->primary = primary != NULL ? Py_NewRef(primary) : NULL;
    info->lib = Py_NewRef((PyObject *)lib);
    info->trivial = 1;
    info->trivial_given = 0;
    info->vtable = ffi_vtable_layout(
        primary != NULL ? info_of((PyTypeObject *)primary)->vtable : NULL);
    if (info->vtable == NULL) {
        Py_DECREF(info);
        return NULL;
    }
    return info;
}

/* A size keyword that was not given. */
#define NOT_GIVEN PY_SSIZE_T_MIN

/* lib.cls's size= (an upper bound of sizeof) and sizeof= (exact), either
 * or both: *size becomes the bytes an object gets, *exact 0 when not
 * known. 0, or -1 with TypeError or ValueError. */
static int class_sizes(Py_ssize_t *size, Py_ssize_t *exact)
{
    if (*size == NOT_GIVEN && *exact == NOT_GIVEN) {
        PyErr_SetString(PyExc_TypeError, "cls() needs size= (an upper "
                        "bound of sizeof the class is fine) or sizeof= "
                        "(exactly)");
        return -1;
    }
    if (*size == NOT_GIVEN) {
        *size = *exact;
    }
    if (*exact == NOT_GIVEN) {
        *exact = 0;
    } else if (*exact <= 0) {
        PyErr_Format(PyExc_ValueError, "cls(): sizeof must be > 0, not "
                     "%zd", *exact);
        return -1;
    }
    if (*size <= 0) {
        PyErr_SetString(PyExc_ValueError, "cls(): size must be > 0 (an "
                        "upper bound of sizeof the class is fine; sizeof= "
                        "gives it exactly)");
        return -1;
    }
    if (*exact > *size) {
        PyErr_Format(PyExc_ValueError, "cls(): size=%zd is smaller than "
                     "sizeof=%zd: size= is an upper bound of sizeof",
                     *size, *exact);
        return -1;
    }
    return 0;
}

/* lib.cls(...): a new class, registered in lib's types. */
static PyObject *class_new(LibraryObject *lib, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "size", "methods", "base", "trivial",
                             "fields", "sizeof", NULL};
    PyObject *name, *methods = NULL, *base = NULL, *seq = NULL;
    PyObject *trivial = Py_None, *fields = Py_None, *primary;
    PyObject *groups = NULL, *cls = NULL, *bases = NULL;
    ClassInfoObject *info = NULL;
    struct mdecl *m = NULL;
    Py_ssize_t size = NOT_GIVEN, exact = NOT_GIVEN, n, i;
    int nontrivial = 0, registered = 0;
    const char *cname;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "U|nOOOO$n:cls", kwlist,
                                     &name, &size, &methods, &base, &trivial,
                                     &fields, &exact)) {
        return NULL;
    }
    if (class_sizes(&size, &exact) != 0) {
        return NULL;
    }
    cname = PyUnicode_AsUTF8(name);
    bases = cname != NULL ? class_bases(base, &primary) : NULL;
    if (bases == NULL) {
        return NULL;
    }
    info = info_new(lib, name, size, primary);
    if (info != NULL && exact > 0) {
        info->exact = (size_t)exact;
    }
    groups = PyDict_New();
    seq = methods != NULL && methods != Py_None
          ? PySequence_Fast(methods, "methods must be a list of "
                            "declarations")
          : PyTuple_New(0);
    if (info == NULL || groups == NULL || seq == NULL) {
        goto error;
    }
    for (i = 0; i < PyTuple_GET_SIZE(bases) && primary != NULL; i++) {
        nontrivial |= !info_of((PyTypeObject *)PyTuple_GET_ITEM(bases, i))
                           ->trivial;
    }
    if (fields != Py_None) {
        info->layout = ffi_struct_class(lib, name, fields);
        if (info->layout == NULL) {
            goto error;
        }
    }
    n = PySequence_Fast_GET_SIZE(seq);
    m = PyMem_Calloc(n ? (size_t)n : 1, sizeof(*m));
    if (m == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (scan_methods(info, seq, m, cname, &nontrivial) != 0) {
        goto error;
    }
    info->trivial_given = trivial != Py_None;
    info->trivial = trivial != Py_None ? PyObject_IsTrue(trivial)
                                       : !nontrivial;
    if (info->trivial < 0) {
        goto error;
    }
    /* Registered before its methods are made, so they may take and
     * return the class itself by value. */
    cls = make_type(name, size, bases, info);
    if (cls == NULL || PyDict_SetItem(lib->types, name, cls) != 0) {
        goto error;
    }
    registered = 1;
    if (make_methods(lib, info, m, n, cname, groups) != 0 ||
        attach(cls, info, groups) != 0 || ffi_ops_members(cls) != 0) {
        goto error;
    }
    goto out;
error:
    if (registered && PyDict_DelItem(lib->types, name) != 0) {
        PyErr_WriteUnraisable(name);
    }
    Py_CLEAR(cls);
out:
    PyMem_Free(m);
    Py_XDECREF(seq);
    Py_XDECREF(groups);
    Py_XDECREF(bases);
    Py_XDECREF(info);
    return cls;
}

static PyObject *lib_cls(LibraryObject *lib, PyObject *args, PyObject *kw)
{
    PyObject *cls = class_new(lib, args, kw);

    if (cls != NULL && ffi_lib_invalidate(lib) != 0) {
        Py_CLEAR(cls);
    }
    return cls;
}

static PyMethodDef class_lib_methods[] = {
    {"cls", (PyCFunction)(void (*)(void))lib_cls,
     METH_VARARGS | METH_KEYWORDS,
     "cls(name, size=, methods=[...], base=None, trivial=None, fields=None) "
     "-> a class for the C++ class: constructors, destructor, methods by "
     "declaration; virtual methods in header order; fields= for a trivially "
     "copyable class passed by value."},
    {NULL, NULL, 0, NULL},
};

PyMethodDef ffi_class_functions[] = {
    {"delete", object_delete, METH_O,
     "delete(obj): run `delete obj` (the virtual deleting destructor where "
     "the class has one) on an object the library made with new."},
    {NULL, NULL, 0, NULL},
};

/* conv_hooks.is_class: is type a lib.cls class? */
static int is_class_hook(PyObject *type)
{
    return PyType_Check(type) &&
           PyType_IsSubtype((PyTypeObject *)type, &ffi_ObjectType);
}

/* conv_hooks.object_address: the address of an open object. */
static int address_hook(PyObject *o, void **addr)
{
    ObjectObject *ob = (ObjectObject *)o;

    if (!PyObject_TypeCheck(o, &ffi_ObjectType)) {
        return 0;
    }
    if (ob->closed) {
        return closed_error(o);
    }
    *addr = ob->ptr;
    return 1;
}

void *ffi_object_ptr(PyObject *o)
{
    return ((ObjectObject *)o)->ptr;
}

/* conv_hooks.class_elem: what a container of cls's objects needs. */
static int class_elem_hook(PyObject *cls, struct conv_class *out)
{
    ClassInfoObject *info;
    LayoutObject *lay;

    if (!is_class_hook(cls) ||
        (info = info_of((PyTypeObject *)cls)) == NULL) {
        return -1;
    }
    lay = info->layout != NULL ? ffi_layout_of(info->layout) : NULL;
    out->name = PyUnicode_AsUTF8(info->name);
    out->size = info->size;
    /* sizeof exactly: given, or the size of the fields' layout. */
    out->exact = info->exact != 0 ? info->exact
                 : lay != NULL ? lay->ft.size : 0;
    out->align = lay != NULL ? lay->ft.alignment : 0;
    out->trivial = info->trivial;
    out->copy = info->cctor;
    out->move = info->mctor;
    out->dtor = info->dtor;
    out->lib = info->lib;
    return out->name != NULL ? 0 : (PyErr_Clear(), -1);
}

int ffi_class_ready(void)
{
    class_key = PyUnicode_InternFromString("_class_");
    if (class_key == NULL || PyType_Ready(&ClassInfoType) != 0 ||
        PyType_Ready(&ffi_OverloadsType) != 0 ||
        PyType_Ready(&ffi_BoundType) != 0 ||
        PyType_Ready(&ffi_ObjectType) != 0) {
        return -1;
    }
    conv_hooks.is_class = is_class_hook;
    conv_hooks.object_view = object_view;
    conv_hooks.object_address = address_hook;
    conv_hooks.class_elem = class_elem_hook;
    return ffi_library_add_methods(class_lib_methods);
}
