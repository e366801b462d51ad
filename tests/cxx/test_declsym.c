/* test_declsym: declarations found in a loaded library by their mangled
 * names through its GNU hash table (fixtures/build/libcalc.so, from
 * fixtures/src/calc.cc). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cxx/declsym.h"
#include "cxx/dynsym.h"
#include "kit/unit.h"

/* declsym_find on text: the symbol's name, "not found" or "error". */
static char *found(void *h, const char *text)
{
    struct decl_error err;
    struct ct_decl *d = decl_parse(text, DECL_NO_RETURN, &err);
    struct buf sym = BUF_INIT;
    void *addr = NULL;
    int r;

    if (d == NULL) {
        return NULL;
    }
    r = declsym_find(h, d, &addr, &sym);
    decl_free(d);
    if (r == 1 && addr != dlsym(h, sym.data)) {
        buf_clear(&sym);
        buf_puts(&sym, "address differs from dlsym's");
    } else if (r != 1) {
        buf_clear(&sym);
        buf_puts(&sym, r == 0 ? "not found" : "error");
    }
    return buf_steal(&sym);
}

static void check_found(void *h, const char *text, const char *want)
{
    char *got = found(h, text);

    if (!CHECK_STR(got, want)) {
        printf("#   declaration: %s\n", text);
    }
    free(got);
}

static int count(const char *name, void *arg)
{
    (void)name;
    ++*(size_t *)arg;
    return 0;
}

/* A class whose only exported trace is its constructor (a trivial
 * destructor, no vtable, no typeinfo): it is a class all the same. Built
 * here with the C++ compiler the build uses, with the GNU hash table or
 * only the System V one (hash_style "gnu" or "sysv"). */
static void constructor_only(const char *hash_style)
{
    static const char src[] =
        "namespace ns { struct P { P(int); int get(); int v; }; }\n"
        "ns::P::P(int x) : v(x) {}\n"
        "int ns::P::get() { return v; }\n"
        "namespace ns { int free_fn(int); }\n";
    char dir[] = "/tmp/crossrun-declsym-XXXXXX", cmd[512], path[256];
    FILE *f;
    void *h;

    if (!CHECK(mkdtemp(dir) != NULL)) {
        return;
    }
    snprintf(path, sizeof(path), "%s/p.cc", dir);
    f = fopen(path, "w");
    if (!CHECK(f != NULL)) {
        return;
    }
    fputs(src, f);
    fputs("int ns::free_fn(int x) { return x; }\n", f);
    fputs("namespace ns { template <class T> T twice(const T &x) "
          "{ return x + x; }\n template int twice<int>(const int &); }\n",
          f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "${CXX:-g++} -shared -fPIC "
             "-Wl,--hash-style=%s -o %s/libp.so %s", hash_style, dir, path);
    CHECK(system(cmd) == 0);
    snprintf(path, sizeof(path), "%s/libp.so", dir);
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (CHECK(h != NULL)) {
        CHECK(dlsym(h, "_ZTVN2ns1PE") == NULL &&
              dlsym(h, "_ZN2ns1PD1Ev") == NULL);
        CHECK(declsym_is_class(h, "ns::P") == 1);
        CHECK(declsym_is_class(h, "ns") == 0);
        check_found(h, "ns::P::P(int)", "_ZN2ns1PC1Ei");
        check_found(h, "int ns::free_fn(int)", "_ZN2ns7free_fnEi");
        check_found(h, "int ns::P::get()", "_ZN2ns1P3getEv");
        check_found(h, "int ns::free_fn(long)", "not found");
        /* a function template: int stands for T in both places */
        check_found(h, "int ns::twice<int>(const int&)",
                    "_ZN2ns5twiceIiEET_RKS1_");
        dlclose(h);
    }
    unlink(path);
    snprintf(path, sizeof(path), "%s/p.cc", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    void *h = dlopen("fixtures/build/libcalc.so", RTLD_NOW | RTLD_LOCAL);
    void *addr = NULL;
    size_t size = 0, n = 0;

    if (!CHECK(h != NULL)) {
        printf("# %s\n", dlerror());
        return unit_done();
    }
    check_found(h, "int calc::add(int, int)", "_ZN4calc3addEii");
    check_found(h, "long long calc::add(long long, long long, long long)",
                "_ZN4calc3addExxx");
    check_found(h, "int calc_add_c(int, int)", "calc_add_c");
    check_found(h, "calc::Circle::Circle(double)", "_ZN4calc6CircleC1Ed");
    check_found(h, "virtual calc::Shape::~Shape()", "_ZN4calc5ShapeD1Ev");
    check_found(h, "double calc::Circle::area() const",
                "_ZNK4calc6Circle4areaEv");
    check_found(h, "const std::string& calc::Shape::name() const",
                "_ZNK4calc5Shape4nameB5cxx11Ev");
    check_found(h, "int calc::add(char)", "not found");
    /* Only the library's own exports: strlen is libc's, which dlsym on
     * this handle would find. */
    check_found(h, "size_t strlen(const char*)", "not found");
    CHECK(dlsym(h, "strlen") != NULL);
    CHECK(dynsym_find(h, "strlen", DYNSYM_ANY, &addr, NULL) == 0);
    /* Data is not a function: a vtable named as a C function. */
    check_found(h, "int _ZTVN4calc6CircleE()", "not found");
    CHECK(dynsym_find(h, "_ZTVN4calc6CircleE", DYNSYM_ANY, &addr, NULL) ==
          1);

    CHECK(declsym_is_class(h, "calc::Circle") == 1);
    CHECK(declsym_is_class(h, "calc::Shape") == 1);
    CHECK(declsym_is_class(h, "calc") == 0);
    CHECK(declsym_is_class(h, "calc::Nothing") == 0);
    CHECK(declsym_vtable(h, "calc::Circle", &addr, &size) == 1);
    CHECK(addr == dlsym(h, "_ZTVN4calc6CircleE") && size >= 3 * 8);
    CHECK(declsym_vtable(h, "calc", &addr, &size) == 0);
    CHECK(dynsym_each(h, count, &n) == 0 && n > 20);
    CHECK(dynsym_find(NULL, "x", DYNSYM_ANY, &addr, NULL) == -1);
    dlclose(h);
    constructor_only("gnu");
    constructor_only("sysv");
    return unit_done();
}
