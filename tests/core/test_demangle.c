/* test_demangle: symbols and type names made readable, and what is not
 * a mangled name left as it is (dem_name) or refused (dem_try). The
 * mangled forms follow the Itanium C++ ABI's examples. */
#include "core/demangle.h"

#include "kit/unit.h"

#include <stdlib.h>

static void check_name(const char *sym, const char *want)
{
    char *d = dem_name(sym);

    CHECK_STR(d, want);
    free(d);
}

static void check_try(const char *mangled, const char *want)
{
    char *d = dem_try(mangled);

    if (want == NULL) {
        CHECK(d == NULL);
    } else {
        CHECK_STR(d, want);
    }
    free(d);
}

static void test_symbols(void)
{
    check_name("_ZN4calc3addEii", "calc::add(int, int)");
    check_name("main", "main");
    check_name("_Z", "_Z");          /* not valid: kept as it is */
    check_name("", "");
}

static void test_types(void)
{
    check_try("St13runtime_error", "std::runtime_error");
    check_try("i", "int");
    check_try("N4calc6CircleE", "calc::Circle");
    check_try("_ZN4calc3addEii", "calc::add(int, int)");
    check_try("not a name", NULL);
}

int main(void)
{
    test_symbols();
    test_types();
    return unit_done();
}
