/* test_mangle: the Itanium mangler against names that g++ gave these
 * declarations (checked with c++filt, binutils 2.40). */
#include <stdlib.h>

#include "cxx/mangle.h"
#include "kit/unit.h"

/* The mangled name of text (variant v), or "cannot"/"error: ...". */
static char *mangled(const char *text, enum mangle_variant v)
{
    struct decl_error err;
    struct ct_decl *d = decl_parse(text, DECL_NO_RETURN, &err);
    struct buf out = BUF_INIT;
    int rc;

    if (d == NULL) {
        buf_printf(&out, "error: col %zu: %s", err.column, err.msg);
        return buf_steal(&out);
    }
    rc = mangle_decl(d, v, &out);
    decl_free(d);
    if (rc != 0) {
        buf_clear(&out);
        buf_puts(&out, rc > 0 ? "cannot" : "out of memory");
    }
    return buf_steal(&out);
}

static void check_v(const char *text, enum mangle_variant v, const char *want)
{
    char *got = mangled(text, v);

    if (!CHECK_STR(got, want)) {
        printf("#   declaration: %s\n", text);
    }
    free(got);
}

static void check(const char *text, const char *want)
{
    check_v(text, MANGLE_COMPLETE, want);
}

/* mangle_decl_as with template parameters in the positions tmask. */
static void check_t(const char *text, unsigned tmask, const char *want)
{
    struct decl_error err;
    struct ct_decl *d = decl_parse(text, DECL_NO_RETURN, &err);
    struct buf out = BUF_INIT;

    if (!CHECK(d != NULL)) {
        return;
    }
    CHECK(mangle_decl_as(d, MANGLE_COMPLETE, tmask, &out) == 0);
    if (!CHECK_STR(out.data, want)) {
        printf("#   declaration: %s\n", text);
    }
    buf_free(&out);
    decl_free(d);
}

static unsigned positions(const char *text)
{
    struct decl_error err;
    struct ct_decl *d = decl_parse(text, DECL_NO_RETURN, &err);
    unsigned r = d != NULL ? mangle_template_positions(d) : 99;

    decl_free(d);
    return r;
}

static void check_class(const char *name, const char *want)
{
    struct buf out = BUF_INIT;

    CHECK(mangle_class(name, &out) == 0);
    CHECK_STR(out.data, want);
    buf_free(&out);
}

static void scopes_and_overloads(void)
{
    check("int calc::add(int, int)", "_ZN4calc3addEii");
    check("double calc::add(double a, double b)", "_ZN4calc3addEdd");
    check("static calc::Point* calc::Point::make(const char*)",
          "_ZN4calc5Point4makeEPKc");
    check("double calc::Point::norm() const", "_ZNK4calc5Point4normEv");
    check("void calc::inner::Box::Lid::open(calc::inner::Box*, "
          "calc::inner::Box::Lid*, calc::inner::Box::Lid const*, "
          "calc::inner::Box::Lid&)",
          "_ZN4calc5inner3Box3Lid4openEPS1_PS2_PKS2_RS2_");
    check("S::T S::get(S::T, S, S::T*)", "_ZN1S3getENS_1TES_PS0_");
    check("int std::myfn(int)", "_ZSt4myfni");
    check("size_t strlen(const char*)", "_Z6strlenPKc");
}

static void types(void)
{
    check("int cb(int (*)(int, void*), void (*)(), unsigned char*, "
          "const volatile short*, long long, unsigned long long, wchar_t, "
          "char16_t, char32_t, long double, __int128, unsigned __int128, "
          "float, bool, signed char, decltype(nullptr))",
          "_Z2cbPFiiPvEPFvvEPhPVKsxywDsDienofbaDn");
    check("void rref(std::string&&, int&&, const char**, char* const*)",
          "_Z4rrefONSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEOiPPK"
          "cPKPc");
    check("void arr2(int (*)[8], int [3][5])", "_Z4arr2PA8_iPA5_i");
    check("int vararg(const char*, ...)", "_Z6varargPKcz");
    check("void f(int, const int, int[4])", "_Z1fiiPi");
    check("int vec(const std::vector<int, std::allocator<int> >&, "
          "std::vector<std::string, std::allocator<std::string> >*, "
          "std::map<std::string, int, std::less<std::string>, "
          "std::allocator<std::pair<const std::string, int> > >&, "
          "int (&)[4])",
          "_Z3vecRKSt6vectorIiSaIiEEPS_INSt7__cxx1112basic_stringIcSt11char_"
          "traitsIcESaIcEEESaIS9_EERSt3mapIS9_iSt4lessIS9_ESaISt4pairIKS9_iE"
          "EERA4_i");
    /* The standard templates' default arguments, as a header leaves
     * them out. */
    check("int vec(const std::vector<int>&, std::vector<std::string>*, "
          "std::map<std::string, int>&, int (&)[4])",
          "_Z3vecRKSt6vectorIiSaIiEEPS_INSt7__cxx1112basic_stringIcSt11char_"
          "traitsIcESaIcEEESaIS9_EERSt3mapIS9_iSt4lessIS9_ESaISt4pairIKS9_iE"
          "EERA4_i");
    check("int l(std::list<int>&, const std::unordered_map<std::string, "
          "double>&, std::unique_ptr<int>, std::string_view, "
          "std::set<const char*>*)",
          "_Z1lRNSt7__cxx114listIiSaIiEEERKSt13unordered_mapINS_12basic_"
          "stringIcSt11char_traitsIcESaIcEEEdSt4hashIS9_ESt8equal_toIS9_ESa"
          "ISt4pairIKS9_dEEESt10unique_ptrIiSt14default_deleteIiEESt17basic"
          "_string_viewIcS7_EPSt3setIPKcSt4lessIST_ESaIST_EE");
    check("int vv(std::vector<std::vector<int>>&, std::vector<int>&)",
          "_Z2vvRSt6vectorIS_IiSaIiEESaIS1_EERS1_");
    check("void stream(std::ostream&, std::istream&, std::iostream&)",
          "_Z6streamRSoRSiRSd");
    check("stream(std::basic_ostream<char, std::char_traits<char> >&, "
          "std::basic_istream<char, std::char_traits<char> >&, "
          "std::basic_iostream<char, std::char_traits<char> >&)",
          "_Z6streamRSoRSiRSd");
    check("std::__cxx11::basic_string<char, std::char_traits<char>, "
          "std::allocator<char> >::size() const",
          "_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE4sizeEv");
    check("std::basic_string<char, std::char_traits<char>, "
          "std::allocator<char> >::size() const", "_ZNKSs4sizeEv");
    check("std::basic_string<char, std::char_traits<char>, std::allocator"
          "<char> >::basic_string(char const*, std::allocator<char> const&)",
          "_ZNSsC1EPKcRKSaIcE");
    check("std::basic_string<wchar_t, std::char_traits<wchar_t>, "
          "std::allocator<wchar_t> >::size() const",
          "_ZNKSbIwSt11char_traitsIwESaIwEE4sizeEv");
}

static void templates_and_tags(void)
{
    check("Arr<3>::fill(int)", "_ZN3ArrILi3EE4fillEi");
    check("Tp<char, true>::f(char, char*)", "_ZN2TpIcLb1EE1fEcPc");
    check("Tp<unsigned long, false>::f(unsigned long, unsigned long*)",
          "_ZN2TpImLb0EE1fEmPm");
    check("Tp<int, 7u>::f()", "_ZN2TpIiLj7EE1fEv");
    check("Tp<(char)65, -2l>::f()", "_ZN2TpILc65ELln2EE1fEv");
    check("std::string greet(const char*)", "_Z5greetB5cxx11PKc");
    check("greet[abi:cxx11](char const*)", "_Z5greetB5cxx11PKc");
    check("const std::string& name_ref(int)", "_Z8name_refB5cxx11i");
    check("std::string greet2(const std::string&)",
          "_Z6greet2RKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE");
    check("std::vector<std::string> lines(int)", "_Z5linesB5cxx11i");
    check("std::vector<std::string> split(const std::string&)",
          "_Z5splitRKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE");
    /* Function templates: which positions were declared as the template
     * parameter (T_) is the caller's to try (mangle_template_positions). */
    check("int tmpl<int>(int)", "_Z4tmplIiEii");
    check_t("void f<int>(int, int)", 6, "_Z1fIiEvT_S0_");
    check_t("int ns::g<int>(const int&, int*)", 7,
            "_ZN2ns1gIiEET_RKS1_PS1_");
    check_t("ns::C::C<long>(long, long*)", 6, "_ZN2ns1CC1IlEET_PS2_");
    check_t("int ns::K<int>::conv<char>(char, int)", 2,
            "_ZN2ns1KIiE4convIcEEiT_i");
    check_t("int ns::plain<char>(int)", 0, "_ZN2ns5plainIcEEii");
    check_t("void ns::C::m<double>(double) const", 2, "_ZNK2ns1C1mIdEEvT_");
    check("ns::C::m<double>(double) const", "cannot"); /* no return type */
    CHECK(positions("int ns::g<int>(const int&, int*)") == 7);
    CHECK(positions("int ns::K<int>::conv<char>(char, int)") == 2);
    CHECK(positions("int ns::g(const int&, int*)") == 0);
    check("void (anonymous namespace)::f()", "error: col 6: expected a "
          "name, found '('");
}

static void structors_and_operators(void)
{
    check("calc::Point::Point(double, double)", "_ZN4calc5PointC1Edd");
    check_v("calc::Point::Point()", MANGLE_BASE, "_ZN4calc5PointC2Ev");
    check("calc::Point::~Point()", "_ZN4calc5PointD1Ev");
    check_v("calc::Point::~Point()", MANGLE_BASE, "_ZN4calc5PointD2Ev");
    check_v("virtual calc::Point::~Point()", MANGLE_DELETING,
            "_ZN4calc5PointD0Ev");
    check("calc::Point& calc::Point::operator+=(const calc::Point&)",
          "_ZN4calc5PointpLERKS0_");
    check("bool calc::Point::operator==(const calc::Point&) const",
          "_ZNK4calc5PointeqERKS0_");
    check("double calc::Point::operator[](int) const",
          "_ZNK4calc5PointixEi");
    check("calc::Point calc::Point::operator-() const",
          "_ZNK4calc5PointngEv");
    check("int calc::Point::operator()(int, char)", "_ZN4calc5PointclEic");
    check("void* calc::Point::operator new(size_t)",
          "_ZN4calc5PointnwEm");
    check("void calc::Point::operator delete(void*)",
          "_ZN4calc5PointdlEPv");
    check("bool calc::operator<(const calc::Point&, const calc::Point&)",
          "_ZN4calcltERKNS_5PointES2_");
    check("calc::Point calc::operator-(const calc::Point&, "
          "const calc::Point&)", "_ZN4calcmiERKNS_5PointES2_");
    check("S& S::operator=(const S&)", "_ZN1SaSERKS_");
    check("S& S::operator<<(int)", "_ZN1SlsEi");
    check("S S::operator++(int)", "_ZN1SppEi");
    check("S& S::operator++()", "_ZN1SppEv");
    check("S* S::operator->()", "_ZN1SptEv");
    check("S& S::operator>>=(int)", "_ZN1SrSEi");
    check("bool S::operator!() const", "_ZNK1SntEv");
    /* One parameter: binary as a member, unary as a free function. */
    check("S S::operator-(const S&)", "_ZN1SmiERKS_");
    check_v("S operator-(const S&)", MANGLE_DELETING, "_ZngRK1S");
    check("void* operator new[](unsigned long)", "_Znam");
    check("S::operator bool() const", "_ZNK1ScvbEv");
    check("S::operator char const*() const", "_ZNK1ScvPKcEv");
    check("std::string S::operator std::string() const",
          "_ZNK1ScvNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEEv");
    check("S::operator S::T*()", "_ZN1ScvPNS_1TEEv");
}

int main(void)
{
    scopes_and_overloads();
    types();
    templates_and_tags();
    structors_and_operators();
    check_class("tinyxml2::XMLNode", "N8tinyxml27XMLNodeE");
    check_class("Foo", "3Foo");
    check_class("std::vector<int>", "St6vectorIiSaIiEE");
    return unit_done();
}
