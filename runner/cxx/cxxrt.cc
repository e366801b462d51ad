// ffi_cxx: C++ exceptions around ffi_call, demangling and std::string
// (see ffi_cxx.h); everything else of the FFI is C.
#include "cxx/cxxrt.h"
#include "core/demangle.h"

#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <exception>
#include <new>
#include <string>
#include <typeinfo>

static_assert(sizeof(std::string) == FFI_STDSTRING_SIZE, "std::string size");
static_assert(alignof(std::string) == FFI_STDSTRING_ALIGN, "alignment");

static char *type_name(const std::type_info *ti)
{
    const char *raw = ti ? ti->name() : "unknown";
    char *d;

    if (*raw == '*') {
        raw++; // a type local to one object file
    }
    d = dem_try(raw);
    return d ? d : strdup(raw);
}

extern "C" int ffi_cxx_call(ffi_cif *cif, void (*fn)(void), void *rvalue,
                            void **avalue, char **type, char **what)
{
    try {
        ffi_call(cif, fn, rvalue, avalue);
        return 0;
    } catch (abi::__forced_unwind &) {
        throw; // thread cancellation must go on unwinding
    } catch (std::exception &e) {
        *type = type_name(&typeid(e));
        *what = strdup(e.what());
    } catch (...) {
        *type = type_name(abi::__cxa_current_exception_type());
        *what = nullptr;
    }
    return 1;
}

extern "C" int ffi_cxx_guard(void (*fn)(void *), void *arg, char **type,
                             char **what)
{
    try {
        fn(arg);
        return 0;
    } catch (abi::__forced_unwind &) {
        throw;
    } catch (std::exception &e) {
        *type = type_name(&typeid(e));
        *what = strdup(e.what());
    } catch (...) {
        *type = type_name(abi::__cxa_current_exception_type());
        *what = nullptr;
    }
    return 1;
}

extern "C" int ffi_cxx_string_init(void *mem, const char *p, size_t n)
{
    try {
        new (mem) std::string(p, n);
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" int ffi_cxx_string_assign(void *mem, const char *p, size_t n)
{
    try {
        static_cast<std::string *>(mem)->assign(p, n);
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" void ffi_cxx_string_destroy(void *mem)
{
    static_cast<std::string *>(mem)->~basic_string();
}

extern "C" const char *ffi_cxx_string_data(const void *mem, size_t *n)
{
    const std::string *s = static_cast<const std::string *>(mem);

    *n = s->size();
    return s->data();
}
