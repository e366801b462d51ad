/* test_rtti: typeinfo names of classes, as the Itanium ABI mangles them
 * (checked against g++: typeid(objs::Labelled).name()). */
#include "cxx/rtti.h"
#include "kit/unit.h"

static void check(const char *cls, const char *want)
{
    char out[64];

    CHECK(rtti_type_name(cls, out, sizeof(out)) == 0);
    CHECK_STR(out, want);
}

int main(void)
{
    char out[8];

    check("objs::Labelled", "N4objs8LabelledE");
    check("Foo", "3Foo");
    check("a::b::Cde", "N1a1b3CdeE");
    CHECK(rtti_type_name("std::vector<int>", out, sizeof(out)) == -1);
    CHECK(rtti_type_name("a_rather_long_name", out, sizeof(out)) == -1);
    return unit_done();
}
