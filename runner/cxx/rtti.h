/* cxx_rtti: finding a base-class subobject inside a polymorphic object
 * through the object's run-time type information (Itanium C++ ABI
 * section 2.9.5), for calling a method of a second base of a class with
 * multiple inheritance: `this` must move to that base's subobject. */
#ifndef CROSSRUN_CXX_RTTI_H
#define CROSSRUN_CXX_RTTI_H

#include <stddef.h>

/* The typeinfo name of class cls ("objs::Labelled" -> "N4objs8LabelledE",
 * "Foo" -> "3Foo") into out. Returns 0, or -1 when it does not fit or cls
 * is a template (not supported). */
int rtti_type_name(const char *cls, char *out, size_t n);

/* How far the subobject of the base class whose typeinfo name is base
 * lies from obj, a pointer to a polymorphic object (or to a subobject
 * of one): *delta is to be added to obj. Returns 0; -1 when the
 * object's dynamic type has no such base; -2 when the base is virtual
 * or appears more than once (not supported); -3 when the object's type
 * information is of a kind this runtime does not know. */
int rtti_base_delta(const void *obj, const char *base, ptrdiff_t *delta);

#endif
