/* 08_vtable: vtable slots from the order in which a class's virtual
 * methods are declared, as the Itanium C++ ABI lays a vtable out
 * ("Virtual Table Layout", itanium-cxx-abi.github.io/cxx-abi/abi.html):
 * the primary base's slots first, then each virtual function the class
 * declares that overrides none of them, in declaration order; a virtual
 * destructor takes two slots, the complete-object destructor (D1) and
 * then the deleting destructor (D0). The declared order is the user's
 * contract with the header: a method left out, or listed out of order,
 * shifts the slots after it. */
#include "ffi/08_vtable.h"

#include <string.h>

#include "core/buf.h"
#include "ffi/01_errors.h"

PyObject *ffi_vtable_layout(PyObject *base)
{
    return base != NULL ? PySequence_List(base) : PyList_New(0);
}

/* The key of d in a vtable: "~" for a destructor, else its name and
 * parameter types without the class ("area() const"). */
static PyObject *slot_key(const struct ct_decl *d)
{
    struct buf b = BUF_INIT;
    PyObject *k;

    if (d->is_dtor) {
        return PyUnicode_FromString("~");
    }
    if (decl_key(d, &b) != 0) {
        buf_free(&b);
        return PyErr_NoMemory();
    }
    k = PyUnicode_FromString(b.data + (d->base - d->name));
    buf_free(&b);
    return k;
}

Py_ssize_t ffi_vtable_slot(PyObject *layout, const struct ct_decl *d,
                           const char *text)
{
    PyObject *key = slot_key(d), *d0;
    Py_ssize_t slot;

    if (key == NULL) {
        return -2;
    }
    slot = PySequence_Index(layout, key);
    if (slot >= 0 || !PyErr_ExceptionMatches(PyExc_ValueError)) {
        Py_DECREF(key);
        return slot >= 0 ? slot : -2; /* an override keeps its slot */
    }
    PyErr_Clear();
    if (!d->is_virtual) {
        Py_DECREF(key);
        return -1;
    }
    if (d->is_static) {
        Py_DECREF(key);
        ffi_raise_decl_msg(text, "a method cannot be both static and "
                           "virtual");
        return -2;
    }
    slot = PyList_GET_SIZE(layout);
    d0 = PyUnicode_FromString("~D0");
    if (d0 == NULL || PyList_Append(layout, key) != 0 ||
        (d->is_dtor && PyList_Append(layout, d0) != 0)) {
        slot = -2;
    }
    Py_XDECREF(d0);
    Py_DECREF(key);
    return slot;
}
