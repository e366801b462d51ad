/* test_ffi_symbols: reading .dynsym, demangling, and matching parsed
 * declarations to exported symbols, on Debian's libtinyxml2 and libm. */
#include <stdlib.h>
#include <string.h>

#include "cxx/symbols.h"
#include "kit/unit.h"

#define TINYXML2 "/usr/lib/x86_64-linux-gnu/libtinyxml2.so"

/* The mangled name decl resolves to in t, or "-" when none. */
static const char *find(struct sym_table *t, const char *decl)
{
    static struct decl_error err;
    struct ct_decl *d = decl_parse(decl, DECL_NO_RETURN, &err);
    const struct sym_entry *e;
    int oom;

    if (d == NULL) {
        return err.msg;
    }
    e = sym_find(t, d, &oom);
    decl_free(d);
    return e != NULL ? e->mangled : "-";
}

int main(void)
{
    struct sym_table t;
    char err[256];
    const char *close[5];
    struct decl_error derr;
    struct ct_decl *d;
    size_t n;
    FILE *devnull;

    CHECK(sym_table_read(TINYXML2, &t, err, sizeof(err)) == 0);
    CHECK(t.n > 100);
    CHECK_STR(find(&t, "tinyxml2::XMLError tinyxml2::XMLDocument::Parse("
                       "const char*, size_t)"),
              "_ZN8tinyxml211XMLDocument5ParseEPKcm");
    CHECK_STR(find(&t, "tinyxml2::XMLDocument::XMLDocument(bool, "
                       "tinyxml2::Whitespace)"),
              "_ZN8tinyxml211XMLDocumentC1EbNS_10WhitespaceE");
    CHECK_STR(find(&t, "tinyxml2::XMLDocument::~XMLDocument()"),
              "_ZN8tinyxml211XMLDocumentD1Ev");
    CHECK_STR(find(&t, "const tinyxml2::XMLElement* tinyxml2::XMLNode::"
                       "FirstChildElement(char const* name) const"),
              "_ZNK8tinyxml27XMLNode17FirstChildElementEPKc");
    /* the trailing const may be left out when only one exists */
    CHECK_STR(find(&t, "tinyxml2::XMLNode::FirstChildElement(const char*)"),
              "_ZNK8tinyxml27XMLNode17FirstChildElementEPKc");
    /* overloads are told apart by parameter types */
    CHECK_STR(find(&t, "void tinyxml2::XMLElement::SetText(int64_t)"),
              "_ZN8tinyxml210XMLElement7SetTextEl");
    CHECK_STR(find(&t, "void tinyxml2::XMLElement::SetText(double)"),
              "_ZN8tinyxml210XMLElement7SetTextEd");
    CHECK_STR(find(&t, "void tinyxml2::XMLElement::SetText(char)"), "-");
    CHECK(sym_is_class(&t, "tinyxml2::XMLNode"));
    CHECK(!sym_is_class(&t, "tinyxml2"));

    d = decl_parse("void tinyxml2::XMLElement::SetText(char)", 0, &derr);
    n = sym_closest(&t, d, close, 5);
    CHECK(n == 5);
    CHECK(n > 0 && strstr(close[0], "XMLElement::SetText(") != NULL);
    decl_free(d);
    sym_table_free(&t);

    CHECK(sym_table_read("/nonexistent/libx.so", &t, err, sizeof(err)) != 0);
    CHECK_STR(err, "/nonexistent/libx.so: No such file or directory");
    CHECK(sym_table_read("/etc/passwd", &t, err, sizeof(err)) != 0);
    CHECK_STR(err, "/etc/passwd: not an ELF file");
    devnull = fopen("/dev/null", "w");
    CHECK(ffi_print_symbols(TINYXML2, NULL, devnull, err, sizeof(err)) == 0);
    fclose(devnull);
    return unit_done();
}
