/* test_alias: user-declared type aliases substituted in declarations. */
#include <stdlib.h>
#include <string.h>

#include "cxx/alias.h"
#include "kit/unit.h"

static const char *aliases(const char *name, void *ctx)
{
    (void)ctx;
    if (strcmp(name, "la_int64_t") == 0) {
        return "int64_t";
    }
    if (strcmp(name, "handle_t") == 0) {
        return "la_int64_t*";
    }
    if (strcmp(name, "cycle_a") == 0) {
        return "cycle_b";
    }
    if (strcmp(name, "cycle_b") == 0) {
        return "const cycle_a";
    }
    if (strcmp(name, "broken_t") == 0) {
        return "int int";
    }
    return NULL;
}

/* The declaration text with aliases substituted, or "error: msg". */
static char *resolved(const char *text)
{
    struct decl_error err;
    struct ct_decl *d = decl_parse(text, 0, &err);
    struct buf out = BUF_INIT;

    if (d == NULL) {
        buf_printf(&out, "parse: %s", err.msg);
    } else if (alias_resolve_decl(d, aliases, NULL, &err) != 0) {
        buf_printf(&out, "error: %s", err.msg);
    } else {
        decl_print(d, &out);
    }
    decl_free(d);
    return buf_steal(&out);
}

static void check(const char *text, const char *want)
{
    char *got = resolved(text);

    CHECK_STR(got, want);
    free(got);
}

int main(void)
{
    check("la_int64_t f(la_int64_t)", "long f(long)");
    check("const la_int64_t& f(const handle_t, other::T)",
          "long const& f(long*, other::T)");
    check("void f(int (*cb)(la_int64_t))", "void f(int (*)(long))");
    check("int f(unknown_t)", "int f(unknown_t)");
    check("int f(cycle_a)",
          "error: typedef 'cycle_a' refers to itself (or is more than 16 "
          "typedefs deep)");
    check("int f(broken_t)",
          "error: typedef 'broken_t' = 'int int' does not parse: expected a "
          "name, found 'int'");
    return unit_done();
}
