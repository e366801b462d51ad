/* test_symver: versioned and inline namespaces set aside in keys. */
#include <stdlib.h>

#include "cxx/symver.h"
#include "kit/unit.h"

static void check(const char *text, const char *want)
{
    struct buf out = BUF_INIT;

    CHECK(symver_normalize(text, &out) == 0);
    CHECK_STR(out.data != NULL ? out.data : "", want);
    buf_free(&out);
}

int main(void)
{
    check("icu_72::UnicodeString::length() const",
          "icu::UnicodeString::length() const");
    check("f(icu_72::Locale const&, std::__cxx11::list<int>)",
          "f(icu::Locale const&, std::list<int>)");
    check("u_strToUpper_72", "u_strToUpper_72"); /* not a namespace */
    check("ns_a::f(int_7)", "ns_a::f(int_7)");   /* no digits: kept */
    check("v_2::x_3::g()", "v::x::g()");
    check("std::__1::basic_string<char>::size() const",
          "std::basic_string<char>::size() const");
    return unit_done();
}
