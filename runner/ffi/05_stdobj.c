/* 05_stdobj: an element of class C in a container is made and destroyed
 * by C's own code, as the container itself would: copy constructor,
 * move constructor, destructor, each a Function of the lib.cls class
 * called on a view of the element's memory (09_class's objects, reached
 * through conv_hooks). A new object read out of a container is owned by
 * Python: its destructor runs on close(), `with` exit or garbage
 * collection, exactly as a class returned by value. Never a byte copy
 * of an object that is not trivially copyable. */
#include "ffi/05_stdobj.h"

#include <string.h>


/* Call the constructor ctor with this = dst (an object) and the object
 * at src (a view of it made here). 0, or -1 with its exception. */
static int construct(const struct sc_type *t, PyObject *ctor, PyObject *dst,
                     void *src)
{
    PyObject *view = conv_hooks.object_view(t->cls, src, NULL), *args[2];
    PyObject *r;

    if (view == NULL) {
        return -1;
    }
    args[0] = dst;
    args[1] = view;
    r = PyObject_Vectorcall(ctor, args, 2, NULL);
    Py_DECREF(view);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

PyObject *ffi_std_obj_read(const struct sc_type *t, char *p, int take)
{
    PyObject *o = conv_hooks.object_alloc(t->cls), *ctor;

    if (o == NULL) {
        return NULL;
    }
    if (t->obj.trivial) {
        memcpy(conv_hooks.object_ptr(o), p, t->size);
    } else {
        ctor = take && t->obj.move != NULL ? t->obj.move : t->obj.copy;
        if (construct(t, ctor, o, p) != 0) {
            conv_hooks.object_abandon(o); /* nothing was constructed */
            return NULL;
        }
    }
    conv_hooks.object_constructed(o);
    return o;
}

int ffi_std_obj_write(const struct sc_type *t, PyObject *o, char *p,
                      int argno)
{
    PyObject *view, *args[2], *r;
    void *src = NULL;
    int rc;

    rc = PyObject_TypeCheck(o, (PyTypeObject *)t->cls)
             ? conv_hooks.object_address(o, &src) : 0;
    if (rc < 0) {
        return -1; /* closed */
    }
    if (rc == 0 || src == NULL) {
        PyErr_Format(PyExc_TypeError, "argument %d: expected an object of "
                     "%s for an element, got %.100s", argno, t->name,
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    if (t->obj.trivial) {
        memcpy(p, src, t->size);
        return 0;
    }
    view = conv_hooks.object_view(t->cls, p, NULL);
    if (view == NULL) {
        return -1;
    }
    args[0] = view;
    args[1] = o;
    r = PyObject_Vectorcall(t->obj.copy, args, 2, NULL);
    Py_DECREF(view);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

void ffi_std_obj_destroy(const struct sc_type *t, char *p)
{
    PyObject *et, *ev, *tb, *view, *r = NULL;

    if (t->obj.trivial) {
        return;
    }
    PyErr_Fetch(&et, &ev, &tb);
    view = conv_hooks.object_view(t->cls, p, NULL);
    if (view != NULL) {
        r = PyObject_Vectorcall(t->obj.dtor, &view, 1, NULL);
        Py_DECREF(view);
    }
    if (r == NULL) {
        PyErr_WriteUnraisable(t->cls);
    }
    Py_XDECREF(r);
    PyErr_Restore(et, ev, tb);
}
