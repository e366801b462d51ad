/* 12_module: the FFI's names in crossrun._native, and the order of the
 * FFI's files.
 *
 * The files of runner/ffi/ are numbered in the order a declaration
 * travels from text to a call, and each uses only the files before it:
 *
 *   01_errors    the exceptions and raising them
 *   02_values    Pointer, buffer, StdString: values a test holds
 *   02_typedef   type aliases (lib.typedef), unknown type names, names
 *                with hidden versions
 *   03_lib       load() and the Library: a file, its symbols, its types
 *   04_conv      the converters: one table of C types <-> Python values
 *   04_defaults  default arguments as the header writes them
 *   04_shim      what only the headers define, compiled into a shim
 *   05_function  a Function built from a declaration's text (lib.fn)
 *   05_smart     std::unique_ptr, std::shared_ptr: a row of 04_conv's
 *                table, reached through conv_hooks
 *   06_call      calling it: fast path, libffi, exceptions back
 *   06_operators C++ operators serving Python's protocol
 *   06_stdtype   a container type described (libstdc++'s layout)
 *   06_stdread   a container read into a Python value
 *   06_stddrop   a container destroyed as its destructor would
 *   07_closure   C function pointers that call Python (callback)
 *   07_stdwrite  a container built from a Python value
 *   08_struct    lib.struct: structs by value
 *   08_vtable    vtable slots from the declared order of virtual methods
 *   08_stdowned  StdVector, StdMap, StdUnorderedMap: owned by Python
 *   09_class     lib.cls: C++ classes, objects, overloads
 *   09_std       std::vector, std::map, ...: the containers' row of
 *                04_conv's table, reached through conv_hooks (the
 *                06-09_std* files use 04_conv and 05_smart, and each
 *                other in that order; nothing before 12 uses them)
 *   10_mock      lib.mock: a library's imports redirected to Python
 *   10_byvalue   lib.cls classes by value (fills conv_hooks)
 *   11_nsload    load(isolated=, stubs=)
 *   12_module    this file: readies them in that order, names the public
 *
 * Where an earlier file needs a later one, the later one fills a hook of
 * the earlier one when it is readied (never the other way round): the
 * converters reach Callbacks, struct instances and objects through
 * conv_hooks (04_conv.h); a Function gets its call path from
 * ffi_function_caller (05_function.h); Pointer.read/write get their
 * conversions from ffi_values_access (02_values.h); lib.fn, lib.struct,
 * lib.cls, lib.callback and lib.mock are added to the Library by their
 * own files (ffi_library_add_methods). tests/layers/layers.py checks that
 * no file uses a later one. isolate.c and quote.c, the other halves of
 * crossrun._native, do not use the FFI. */
#include "ffi/ffi_api.h"

#include "ffi/01_errors.h"
#include "ffi/02_typedef.h"
#include "ffi/02_values.h"
#include "ffi/03_lib.h"
#include "ffi/04_conv.h"
#include "ffi/05_smart.h"
#include "ffi/09_std.h"
#include "ffi/05_function.h"
#include "ffi/06_call.h"
#include "ffi/06_operators.h"
#include "ffi/07_closure.h"
#include "ffi/08_struct.h"
#include "ffi/09_class.h"
#include "ffi/10_byvalue.h"
#include "ffi/10_mock.h"
#include "ffi/11_nsload.h"

/* Add obj (a new reference, stolen) to m as name and list it in
 * __all__. */
static int add(PyObject *m, const char *name, PyObject *obj)
{
    PyObject *all = PyObject_GetAttrString(m, "__all__");
    PyObject *s = PyUnicode_FromString(name);
    int rc = -1;

    if (obj != NULL && all != NULL && s != NULL &&
        PyModule_AddObjectRef(m, name, obj) == 0 &&
        PyList_Append(all, s) == 0) {
        rc = 0;
    }
    Py_XDECREF(obj);
    Py_XDECREF(all);
    Py_XDECREF(s);
    return rc;
}

/* Add every function of defs (NULL-name terminated) to m. */
static int add_functions(PyObject *m, PyMethodDef *defs)
{
    for (; defs->ml_name != NULL; defs++) {
        if (add(m, defs->ml_name, PyCFunction_NewEx(defs, NULL, NULL)) != 0) {
            return -1;
        }
    }
    return 0;
}

int ffi_module_init(PyObject *m)
{
    static const struct {
        const char *name;
        PyTypeObject *type;
    } types[] = {
        {"Library", &ffi_LibraryType},     {"Function", &ffi_FunctionType},
        {"Pointer", &ffi_PointerType},     {"buffer", &ffi_BufferType},
        {"StdString", &ffi_StdStringType}, {"Callback", &ffi_CallbackType},
        {"Struct", &ffi_StructType},       {"Object", &ffi_ObjectType},
        {"Method", &ffi_OverloadsType},   {"Mock", &ffi_MockType},
    };
    size_t i;

    if (ffi_errors_init() != 0 || ffi_values_ready() != 0 ||
        ffi_lib_ready() != 0 || conv_ready() != 0 ||
        ffi_std_ready() != 0 || ffi_smart_ready() != 0 ||
        ffi_function_ready() != 0 || ffi_call_ready() != 0 ||
        ffi_operators_ready() != 0 ||
        ffi_closure_ready() != 0 || ffi_struct_ready() != 0 ||
        ffi_class_ready() != 0 || ffi_byvalue_ready() != 0 ||
        ffi_mock_init() != 0 ||
        ffi_nsload_init() != 0) {
        return -1;
    }
    if (add(m, "CxxException", Py_NewRef(ffi_CxxException)) != 0 ||
        add(m, "SymbolNotFound", Py_NewRef(ffi_SymbolNotFound)) != 0 ||
        add(m, "DeclarationError", Py_NewRef(ffi_DeclarationError)) != 0 ||
        add(m, "LoadError", Py_NewRef(ffi_LoadError)) != 0) {
        return -1;
    }
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (add(m, types[i].name, Py_NewRef((PyObject *)types[i].type)) != 0) {
            return -1;
        }
    }
    if (add(m, "SmartPtr", Py_NewRef((PyObject *)ffi_smart_type())) != 0 ||
        add_functions(m, ffi_lib_functions) != 0 ||
        add_functions(m, ffi_closure_functions) != 0 ||
        add_functions(m, ffi_std_functions) != 0 ||
        add_functions(m, ffi_class_functions) != 0) {
        return -1;
    }
    return 0;
}
