/* test_ffi_decl: the declaration parser and the canonical keys that match
 * declarations to demangled symbols. */
#include <stdlib.h>

#include "cxx/decl.h"
#include "kit/unit.h"

/* The key of text parsed with flags, or the error as "col N: msg". */
static char *key_of(const char *text, unsigned flags)
{
    struct decl_error err;
    struct ct_decl *d = decl_parse(text, flags, &err);
    struct buf out = BUF_INIT;

    if (d == NULL) {
        buf_printf(&out, "col %zu: %s", err.column, err.msg);
    } else {
        decl_print(d, &out);
        decl_free(d);
    }
    return buf_steal(&out);
}

static void check_key(const char *text, unsigned flags, const char *want)
{
    char *got = key_of(text, flags);

    CHECK_STR(got, want);
    free(got);
}

int main(void)
{
    unsigned nr = DECL_NO_RETURN;

    check_key("int calc::add(int, int)", 0, "int calc::add(int, int)");
    check_key("size_t strlen(const char *s)", 0,
              "unsigned long strlen(char const*)");
    check_key("unsigned long strlen(char const*)", 0,
              "unsigned long strlen(char const*)");
    check_key("int64_t f(uint8_t, std::size_t, unsigned long long)", 0,
              "long f(unsigned char, unsigned long, unsigned long long)");
    check_key("void f(void)", 0, "void f()");
    check_key("calc::add(int, int)", nr, "calc::add(int, int)");
    check_key("tinyxml2::XMLDocument::XMLDocument(bool, "
              "tinyxml2::Whitespace)", nr,
              "tinyxml2::XMLDocument::XMLDocument(bool, "
              "tinyxml2::Whitespace)");
    check_key("virtual ~Shape()", nr, "~Shape()");
    check_key("calc::Shape::~Shape()", nr, "calc::Shape::~Shape()");
    check_key("static int count()", 0, "static int count()");
    check_key("double area() const", 0, "double area() const");
    check_key("virtual double area() const override = 0;", 0,
              "double area() const");
    check_key("int apply(int (*f)(int, void*), void *ctx)", 0,
              "int apply(int (*)(int, void*), void*)");
    check_key("apply(int (*)(int, void*), void*)", nr,
              "apply(int (*)(int, void*), void*)");
    check_key("void s(const std::string& a, std::string b, std::string *c)",
              0, "void s(std::string const&, std::string, std::string*)");
    check_key("calc::greet[abi:cxx11](std::__cxx11::basic_string<char, "
              "std::char_traits<char>, std::allocator<char> > const&)", nr,
              "calc::greet(std::string const&)");
    check_key("int calc::maxv<int>(int, int)", nr, "int calc::maxv<int>(int, int)");
    /* the standard templates' default arguments, as c++filt writes them
     * out, are what a header's users leave out */
    check_key("stdc::sum(std::vector<long, std::allocator<long> > const&)",
              nr, "stdc::sum(std::vector<long> const&)");
    check_key("f(std::map<std::__cxx11::basic_string<char, "
              "std::char_traits<char>, std::allocator<char> >, int, "
              "std::less<std::__cxx11::basic_string<char, "
              "std::char_traits<char>, std::allocator<char> > >, "
              "std::allocator<std::pair<std::__cxx11::basic_string<char, "
              "std::char_traits<char>, std::allocator<char> > const, int> > "
              ">&)", nr, "f(std::map<std::string, int>&)");
    check_key("f(std::unordered_map<int, long, std::hash<int>, "
              "std::equal_to<int>, std::allocator<std::pair<int const, "
              "long> > >)", nr, "f(std::unordered_map<int, long>)");
    check_key("f(std::basic_string_view<char, std::char_traits<char> >)",
              nr, "f(std::string_view)");
    check_key("f(std::unique_ptr<int, std::default_delete<int> >)", nr,
              "f(std::unique_ptr<int>)");
    /* not a default: kept */
    check_key("f(std::vector<int, my::alloc<int> >)", nr,
              "f(std::vector<int, my::alloc<int>>)");
    check_key("f(std::map<int, int, std::greater<int> >)", nr,
              "f(std::map<int, int, std::greater<int>>)");
    check_key("operator<<(std::ostream&, calc::Point const&)", nr,
              "operator<<(std::ostream&, calc::Point const&)");
    check_key("calc::Vec::operator==(calc::Vec const&) const", nr,
              "calc::Vec::operator==(calc::Vec const&) const");
    /* conversion operators: the type canonical, as c++filt prints it */
    check_key("Json::Value::operator bool() const", nr,
              "Json::Value::operator bool() const");
    check_key("S::operator const char *() const", nr,
              "S::operator char const*() const");
    check_key("S::operator size_t()", nr, "S::operator unsigned long()");
    check_key("void f(const int x, int a[4], char const* const* argv)", 0,
              "void f(int, int*, char const* const*)");
    check_key("int printf(const char *fmt, ...)", 0,
              "int printf(char const*, ...)");
    check_key("long double f(signed char, short int, long int)", 0,
              "long double f(signed char, short, long)");
    check_key("FILE *fopen(const char*, const char*)", 0,
              "_IO_FILE* fopen(char const*, char const*)");
    check_key("extern \"C\" struct point make(enum color c)", 0,
              "point make(color)");
    check_key("const char* Attribute(const char* name, const char* v = 0) "
              "const", 0,
              "char const* Attribute(char const*, char const*) const");
    /* conversion operators: the type is the name and the result */
    check_key("objs::Dict::operator bool() const", nr,
              "objs::Dict::operator bool() const");
    check_key("explicit operator const char*() const", nr,
              "operator char const*() const");
    check_key("Json::Value& Json::Value::operator[](const char* key)", 0,
              "Json::Value& Json::Value::operator[](char const*)");
    check_key("int operator()(int x) const", 0, "int operator()(int) const");
    check_key("operator(int)", nr, "col 9: expected an operator symbol");
    /* errors name the column and what was expected */
    check_key("int add(int, int", 0, "col 17: expected ',' or ')', found the end");
    check_key("int add(int,, int)", 0,
              "col 13: expected a parameter type, found ','");
    check_key("int 3add(int)", 0, "col 5: expected a name, found '3add'");
    check_key("calc::add(int)", 0,
              "col 10: expected a name, found '('");
    check_key("", 0, "col 1: empty declaration");
    check_key("int f(int) junk", 0,
              "col 12: expected the end of the declaration, found 'junk'");
    check_key("unsigned double f()", 0,
              "col 1: 'double' cannot be signed, unsigned, short or long");
    return unit_done();
}
