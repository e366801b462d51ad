/* test_elfgot: GOT listing and patching (elfgot) on the order service's
 * three builds, link namespaces and stubs for missing dependencies
 * (nsload). Run from the repository root, after `make fixtures`. */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cxx/elfgot.h"
#include "cxx/nsload.h"
#include "kit/unit.h"

#define FIX "fixtures/build/"

typedef int (*stock_fn)(const char *);
typedef int (*place_fn)(const char *, int);
typedef bool (*store_fn)(const char *, int);
typedef store_fn (*writer_fn)(void);
typedef int (*int_fn)(void);
typedef int (*take_fn)(const char *, int);

static char err[8192];

/* ---- the mocks: record what the library passed ------------------- */

static int query_calls, query_result = 42;
static char query_item[64];
static int store_calls, store_stock;
static int send_calls;
static char send_msg[128];

static int fake_query(const char *item)
{
    query_calls++;
    snprintf(query_item, sizeof(query_item), "%s", item);
    return query_result;
}

static int other_query(const char *item)
{
    (void)item;
    return 7;
}

static bool fake_store(const char *item, int stock)
{
    (void)item;
    store_calls++;
    store_stock = stock;
    return true;
}

static int fake_send(const char *msg, size_t len)
{
    send_calls++;
    snprintf(send_msg, sizeof(send_msg), "%.*s", (int)len, msg);
    return (int)len;
}

static int fake_available(const char *item)
{
    (void)item;
    return 10;
}

static bool fake_reserve(const char *item, int qty)
{
    (void)item;
    return qty <= 10;
}

/* ---- helpers ------------------------------------------------------ */

/* Protection of the page holding addr, from /proc/self/maps; -1 when no
 * mapping holds it. */
static int maps_prot(const void *addr)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512], perms[8];
    unsigned long lo, hi, a = (unsigned long)addr;
    int prot = -1;

    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && a >= lo
            && a < hi) {
            prot = (perms[0] == 'r' ? PROT_READ : 0)
                   | (perms[1] == 'w' ? PROT_WRITE : 0)
                   | (perms[2] == 'x' ? PROT_EXEC : 0);
            break;
        }
    }
    fclose(f);
    return prot;
}

static const struct elfgot_import *find(const struct elfgot_imports *l,
                                        const char *demangled)
{
    size_t i;

    for (i = 0; i < l->count; i++) {
        if (strcmp(l->items[i].demangled, demangled) == 0) {
            return &l->items[i];
        }
    }
    return NULL;
}

/* Every slot of `imp` has the protection its program headers give it,
 * and that protection is `expect` (a PROT_WRITE bit or 0). */
static int slots_prot_ok(struct link_map *lm,
                         const struct elfgot_import *imp, int expect_write)
{
    size_t i;

    for (i = 0; i < imp->nslots; i++) {
        int orig = -1, now = maps_prot(imp->slots[i]);

        if (elfgot_original_prot(lm, imp->slots[i], &orig, err,
                                 sizeof(err)) != ELFGOT_OK) {
            printf("# %s\n", err);
            return 0;
        }
        if (now != orig || (orig & PROT_WRITE) != expect_write) {
            printf("# slot %p of %s: maps %d, program headers %d\n",
                   imp->slots[i], imp->demangled, now, orig);
            return 0;
        }
    }
    return 1;
}

/* Run fn in a child with stderr captured into buf; returns the wait
 * status, or -1. */
static int in_child(void (*fn)(void *), void *arg, char *buf, size_t len)
{
    int fds[2], status = -1;
    size_t used = 0;
    pid_t pid;

    buf[0] = '\0';
    if (pipe(fds) != 0) {
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        if (dup2(fds[1], 2) < 0 || dup2(fds[1], 1) < 0) {
            _exit(99);
        }
        close(fds[0]);
        fn(arg);
        fflush(stdout);
        _exit(0);
    }
    close(fds[1]);
    for (;;) {
        ssize_t n = read(fds[0], buf + used, len - 1 - used);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0 || (used += (size_t)n) >= len - 1) {
            break;
        }
    }
    buf[used] = '\0';
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return status;
}

/* ---- the order service, three builds ------------------------------ */

enum build { LAZY, NOW, NOPLT };

static void test_orders(const char *file, enum build b, store_fn real_store)
{
    struct elfgot_imports l = {0, NULL};
    const struct elfgot_import *q, *s, *n;
    struct elfgot_patch *pq = NULL, *ps = NULL, *pn = NULL, *p2 = NULL;
    struct link_map *lm = NULL;
    void *h, *real_query;
    stock_fn stock;
    place_fn place;
    writer_fn writer;

    printf("# %s\n", file);
    h = dlopen(file, RTLD_LAZY | RTLD_LOCAL);
    if (!CHECK(h != NULL)) {
        printf("# %s\n", dlerror());
        return;
    }
    stock = (stock_fn)dlsym(h, "_ZN6orders5stockEPKc");
    place = (place_fn)dlsym(h, "_ZN6orders5placeEPKci");
    writer = (writer_fn)dlsym(h, "_ZN6orders6writerEv");
    real_query = dlsym(RTLD_DEFAULT, "_ZN2db5queryEPKc");
    CHECK(stock != NULL && place != NULL && writer != NULL);
    CHECK(real_query != NULL);
    CHECK(elfgot_link_map(h, &lm, err, sizeof(err)) == ELFGOT_OK);

    /* the imports, demangled, with their slots */
    CHECK(elfgot_imports(lm, &l, err, sizeof(err)) == ELFGOT_OK);
    q = find(&l, "db::query(char const*)");
    s = find(&l, "db::store(char const*, int)");
    n = find(&l, "net::send(char const*, unsigned long)");
    if (!CHECK(q != NULL && s != NULL && n != NULL)) {
        printf("# %s\n", err);
        goto out;
    }
    CHECK_STR(q->name, "_ZN2db5queryEPKc");
    CHECK(q->nslots >= 1 && !q->defined_here);
    if (b == LAZY && getenv("LD_BIND_NOW") == NULL) {
        /* not called yet: the slot still leads to the PLT stub */
        CHECK(*(void **)q->slots[0] != real_query);
    } else {
        CHECK(*(void **)q->slots[0] == real_query);
    }
    /* the loader left .got.plt writable only in the lazy build */
    CHECK(slots_prot_ok(lm, q, b == LAZY ? PROT_WRITE : 0));
    CHECK(slots_prot_ok(lm, s, 0));

    /* patch by demangled name: the library now calls the mock */
    CHECK(elfgot_patch(lm, "db::query(char const*)", (void *)fake_query,
                       &pq, err, sizeof(err)) == ELFGOT_OK);
    CHECK(pq != NULL && elfgot_patch_nslots(pq) == q->nslots);
    CHECK(*(void **)q->slots[0] == (void *)fake_query);
    query_calls = 0;
    CHECK(stock("apple") == 42);
    CHECK(query_calls == 1);
    CHECK_STR(query_item, "apple");
    CHECK(slots_prot_ok(lm, q, b == LAZY ? PROT_WRITE : 0));

    /* all three mocked: a whole order goes through them */
    CHECK(elfgot_patch(lm, "_ZN2db5storeEPKci", (void *)fake_store, &ps,
                       err, sizeof(err)) == ELFGOT_OK);
    CHECK(elfgot_patch(lm, "net::send", (void *)fake_send, &pn, err,
                       sizeof(err)) == ELFGOT_OK);
    store_calls = send_calls = 0;
    CHECK(place("apple", 2) == 1);
    CHECK(store_calls == 1 && store_stock == 40);
    CHECK(send_calls == 1);
    CHECK_STR(send_msg, "placed 2 apple");
    CHECK(writer() == fake_store);      /* the GLOB_DAT slot too */
    query_result = -1;                  /* a failing database */
    CHECK(place("apple", 2) == -1);
    query_result = 42;
    CHECK(slots_prot_ok(lm, s, 0));

    /* a later patch of the same symbol must be restored first */
    CHECK(elfgot_patch(lm, "db::query(char const*)", (void *)other_query,
                       &p2, err, sizeof(err)) == ELFGOT_OK);
    CHECK(stock("pear") == 7);
    CHECK(elfgot_restore(pq, err, sizeof(err)) == ELFGOT_ERR_CHANGED);
    CHECK(strstr(err, "restore that one first") != NULL);
    CHECK(stock("pear") == 7);
    CHECK(elfgot_restore(p2, err, sizeof(err)) == ELFGOT_OK);
    CHECK(stock("pear") == 42);

    /* restore: the real functions again, protections as loaded */
    CHECK(elfgot_restore(pq, err, sizeof(err)) == ELFGOT_OK);
    CHECK(elfgot_restore(ps, err, sizeof(err)) == ELFGOT_OK);
    CHECK(elfgot_restore(pn, err, sizeof(err)) == ELFGOT_OK);
    query_calls = 0;
    CHECK(stock("apple") == -1);        /* the real one: no database */
    CHECK(query_calls == 0);
    CHECK(*(void **)q->slots[0] == real_query); /* bound (lazily) */
    CHECK(writer() == real_store);
    CHECK(place("apple", 1) == -1);
    CHECK(slots_prot_ok(lm, q, b == LAZY ? PROT_WRITE : 0));
    CHECK(slots_prot_ok(lm, s, 0));
    CHECK(slots_prot_ok(lm, n, b == LAZY ? PROT_WRITE : 0));

    /* a name it does not import: the error lists what it does */
    CHECK(elfgot_patch(lm, "db::drop(char const*)", (void *)fake_query,
                       &p2, err, sizeof(err)) == ELFGOT_ERR_NOTFOUND);
    CHECK(p2 == NULL);
    CHECK(strstr(err, "\"db::drop(char const*)\"") != NULL);
    CHECK(strstr(err, "db::query(char const*)") != NULL);
    CHECK(strstr(err, "net::send(char const*, unsigned long)") != NULL);
    printf("# %s\n", err);
    CHECK(elfgot_patch(lm, "", (void *)fake_query, &p2, err, sizeof(err))
          == ELFGOT_ERR_ARG);
out:
    elfgot_imports_free(&l);
    CHECK(dlclose(h) == 0);
}

/* A patch of one library's GOT leaves another's alone. */
static void test_one_object_only(void)
{
    void *lazy = dlopen(FIX "liborders.so", RTLD_NOW | RTLD_LOCAL);
    void *now = dlopen(FIX "liborders_now.so", RTLD_NOW | RTLD_LOCAL);
    struct elfgot_patch *p = NULL;
    struct link_map *lm = NULL;
    stock_fn s_lazy, s_now;

    if (!CHECK(lazy != NULL && now != NULL)) {
        return;
    }
    s_lazy = (stock_fn)dlsym(lazy, "_ZN6orders5stockEPKc");
    s_now = (stock_fn)dlsym(now, "_ZN6orders5stockEPKc");
    CHECK(elfgot_link_map(now, &lm, err, sizeof(err)) == ELFGOT_OK);
    CHECK(elfgot_patch(lm, "db::query(char const*)", (void *)fake_query,
                       &p, err, sizeof(err)) == ELFGOT_OK);
    CHECK(s_now("x") == 42);
    CHECK(s_lazy("x") == -1);
    CHECK(elfgot_restore(p, err, sizeof(err)) == ELFGOT_OK);
    CHECK(elfgot_restore(NULL, err, sizeof(err)) == ELFGOT_ERR_ARG);
    CHECK(dlclose(lazy) == 0 && dlclose(now) == 0);
}

/* ---- link namespaces ---------------------------------------------- */

static void test_versions_side_by_side(void)
{
    void *v1 = NULL, *v2 = NULL;
    int_fn ver1, ver2, bump1, bump2;

    CHECK(nsload_open(FIX "libversioned_v1.so", &v1, err, sizeof(err))
          == NSLOAD_OK);
    CHECK(nsload_open(FIX "libversioned_v2.so", &v2, err, sizeof(err))
          == NSLOAD_OK);
    if (!CHECK(v1 != NULL && v2 != NULL)) {
        printf("# %s\n", err);
        return;
    }
    ver1 = (int_fn)dlsym(v1, "version");
    ver2 = (int_fn)dlsym(v2, "version");
    bump1 = (int_fn)dlsym(v1, "versioned_bump");
    bump2 = (int_fn)dlsym(v2, "versioned_bump");
    CHECK(ver1 != NULL && ver2 != NULL && bump1 != NULL && bump2 != NULL);
    CHECK(ver1() == 1);
    CHECK(ver2() == 2);
    CHECK(bump1() == 1 && bump1() == 2);
    CHECK(bump2() == 2);                /* its own counter */
    CHECK(bump1() == 3);
    CHECK(dlsym(v1, "versioned_counter") != dlsym(v2, "versioned_counter"));
    CHECK(dlclose(v1) == 0 && dlclose(v2) == 0);
}

/* Global state: a namespace has its own fresh copy of the library. */
static void test_counter_fresh_in_namespace(void)
{
    void *base = dlopen(FIX "libcounter.so", RTLD_NOW | RTLD_LOCAL);
    void *ns = NULL;
    int_fn next_base, next_ns;

    CHECK(nsload_open(FIX "libcounter.so", &ns, err, sizeof(err))
          == NSLOAD_OK);
    if (!CHECK(base != NULL && ns != NULL)) {
        return;
    }
    next_base = (int_fn)dlsym(base, "counter_next");
    next_ns = (int_fn)dlsym(ns, "counter_next");
    CHECK(next_base != NULL && next_ns != NULL && next_base != next_ns);
    CHECK(next_base() == 1 && next_base() == 2);
    CHECK(next_ns() == 1);
    CHECK(dlclose(base) == 0 && dlclose(ns) == 0);
}

/* A stub with no symbols is still a loadable library with its soname. */
static void test_empty_stub(void)
{
    char dir[] = "/tmp/crossrun-stub-XXXXXX", stub[4096];
    void *h;

    if (!CHECK(mkdtemp(dir) != NULL)) {
        return;
    }
    CHECK(nsload_stub_write(dir, "libempty.so.1", NULL, 0, stub,
                            sizeof(stub), err, sizeof(err)) == NSLOAD_OK);
    h = dlopen(stub, RTLD_NOW | RTLD_LOCAL);
    CHECK(h != NULL);
    CHECK(h != NULL && dlsym(h, "anything") == NULL);
    CHECK(h == NULL || dlclose(h) == 0);
    CHECK(nsload_stub_write(dir, "a/b.so", NULL, 0, stub, sizeof(stub), err,
                            sizeof(err)) == NSLOAD_ERR_ARG);
    CHECK(unlink(stub) == 0 && rmdir(dir) == 0);
}

static void test_patch_in_namespace(void)
{
    struct elfgot_patch *p = NULL;
    struct link_map *lm = NULL;
    stock_fn stock;
    void *h = NULL;

    CHECK(nsload_open(FIX "liborders_now.so", &h, err, sizeof(err))
          == NSLOAD_OK);
    if (!CHECK(h != NULL)) {
        printf("# %s\n", err);
        return;
    }
    stock = (stock_fn)dlsym(h, "_ZN6orders5stockEPKc");
    CHECK(elfgot_link_map(h, &lm, err, sizeof(err)) == ELFGOT_OK);
    CHECK(elfgot_patch(lm, "db::query(char const*)", (void *)fake_query,
                       &p, err, sizeof(err)) == ELFGOT_OK);
    CHECK(stock("fig") == 42);
    CHECK(elfgot_restore(p, err, sizeof(err)) == ELFGOT_OK);
    CHECK(stock("fig") == -1);
    CHECK(dlclose(h) == 0);
}

static void test_load_errors(void)
{
    void *h = (void *)1;

    CHECK(nsload_open(FIX "libnothere.so", &h, err, sizeof(err))
          == NSLOAD_ERR_LOAD);
    CHECK(h == NULL);
    CHECK(strstr(err, "libnothere.so: cannot open shared object file")
          != NULL);
    CHECK(nsload_open(NULL, &h, err, sizeof(err)) == NSLOAD_ERR_ARG);
}

/* Child: open namespaces with `file` until the loader refuses; print the
 * count, status and message. */
static void fill_namespaces(void *file)
{
    char msg[1024];
    int i, rc = NSLOAD_OK;

    for (i = 0; i < 2 * NSLOAD_MAX_NAMESPACES; i++) {
        void *h;

        rc = nsload_open(file, &h, msg, sizeof(msg));
        if (rc != NSLOAD_OK) {
            break;
        }
    }
    printf("%d %d %s\n", i, rc, rc != NSLOAD_OK ? msg : "");
}

static void test_namespace_limit(void)
{
    static const char *const heavy[] = {FIX "libversioned_v1.so",
                                        FIX "liborders_now.so"};
    char out[2048];
    int st, count = -1, rc = -1, pos = 0, i;

    st = in_child(fill_namespaces, FIX "libbare.so", out, sizeof(out));
    CHECK(st == 0);
    CHECK(sscanf(out, "%d %d %n", &count, &rc, &pos) == 2);
    CHECK(count == NSLOAD_MAX_NAMESPACES - 1);
    CHECK(rc == NSLOAD_ERR_LIMIT);
    CHECK(strstr(out, "glibc allows at most 16 link namespaces per process "
                      "(15 for dlmopen)") != NULL);
    printf("# %s", out);

    /* with libc (and libstdc++) in each namespace the static TLS
     * reserve may run out first; either way the message says why */
    for (i = 0; i < 2; i++) {
        st = in_child(fill_namespaces, (void *)heavy[i], out, sizeof(out));
        CHECK(st == 0);
        CHECK(sscanf(out, "%d %d", &count, &rc) == 2);
        CHECK(count >= 1 && count <= NSLOAD_MAX_NAMESPACES - 1);
        CHECK((rc == NSLOAD_ERR_TLS && strstr(out, "glibc.rtld.nns=N"))
              || (rc == NSLOAD_ERR_LIMIT
                  && count == NSLOAD_MAX_NAMESPACES - 1));
        printf("# %s", out);
    }
}

/* ---- a missing dependency, satisfied by a stub and mocks ----------- */

static take_fn take;

static void call_take(void *arg)
{
    (void)arg;
    printf("take: %d\n", take("bolt", 1));
}

static void test_missing_dependency(int isolated)
{
    const char *lib = FIX "libinventory.so";
    struct nsload_needs needs;
    struct elfgot_patch *pa = NULL, *pr = NULL;
    struct link_map *lm = NULL;
    char dir[] = "/tmp/crossrun-stub-XXXXXX", stub[4096], out[2048];
    const char *pre[1];
    void *h;
    size_t i;
    int st, has_avail = 0, has_reserve = 0;

    printf("# missing dependency, %s\n", isolated ? "isolated" : "base");
    h = dlopen(lib, RTLD_LAZY | RTLD_LOCAL);
    CHECK(h == NULL);
    CHECK(h == NULL && strstr(dlerror(), "libwarehouse.so: cannot open "
                                         "shared object file") != NULL);

    CHECK(nsload_needs(lib, &needs, err, sizeof(err)) == NSLOAD_OK);
    for (i = 0; i < needs.nneeded; i++) {
        has_avail |= strcmp(needs.needed[i], "libwarehouse.so") == 0;
    }
    CHECK(has_avail);
    has_avail = 0;
    for (i = 0; i < needs.nsymbols; i++) {
        printf("#   needs %s\n", needs.symbols[i]);
        has_avail |= strcmp(needs.symbols[i], "_ZN9warehouse9availableEPKc")
                     == 0;
        has_reserve |= strcmp(needs.symbols[i],
                              "_ZN9warehouse7reserveEPKci") == 0;
    }
    CHECK(has_avail && has_reserve && needs.nsymbols == 2);

    if (!CHECK(mkdtemp(dir) != NULL)) {
        nsload_needs_free(&needs);
        return;
    }
    CHECK(nsload_stub_write(dir, "libwarehouse.so",
                            (const char *const *)needs.symbols,
                            needs.nsymbols, stub, sizeof(stub), err,
                            sizeof(err)) == NSLOAD_OK);
    nsload_needs_free(&needs);
    pre[0] = stub;
    h = NULL;
    CHECK(nsload_open_with(lib, isolated, RTLD_NOW | RTLD_LOCAL, pre, 1, &h,
                           err, sizeof(err)) == NSLOAD_OK);
    if (!CHECK(h != NULL)) {
        printf("# %s\n", err);
        goto out;
    }
    take = (take_fn)dlsym(h, "_ZN9inventory4takeEPKci");
    CHECK(take != NULL);
    CHECK(elfgot_link_map(h, &lm, err, sizeof(err)) == ELFGOT_OK);
    CHECK(elfgot_patch(lm, "warehouse::available(char const*)",
                       (void *)fake_available, &pa, err, sizeof(err))
          == ELFGOT_OK);
    CHECK(elfgot_patch(lm, "warehouse::reserve(char const*, int)",
                       (void *)fake_reserve, &pr, err, sizeof(err))
          == ELFGOT_OK);
    CHECK(take("bolt", 3) == 7);
    CHECK(take("bolt", 30) == -1);

    /* without its mock, the stub says what was called and aborts */
    CHECK(elfgot_restore(pa, err, sizeof(err)) == ELFGOT_OK);
    st = in_child(call_take, NULL, out, sizeof(out));
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    CHECK(strstr(out, "crossrun: libwarehouse.so is not available: "
                      "warehouse::available(char const*) was called "
                      "without a mock") != NULL);
    printf("# child said: %s", out);
    CHECK(elfgot_restore(pr, err, sizeof(err)) == ELFGOT_OK);
    CHECK(dlclose(h) == 0);
out:
    CHECK(unlink(stub) == 0);
    CHECK(rmdir(dir) == 0);
}

int main(void)
{
    store_fn real_store;
    void *db;

    setvbuf(stdout, NULL, _IOLBF, 0);
    /* first, while this process has no namespace of its own open */
    test_namespace_limit();

    db = dlopen(FIX "liborderdb.so", RTLD_NOW | RTLD_GLOBAL);
    if (!CHECK(db != NULL)) {
        printf("# %s (run from the repository root after make "
               "fixtures)\n", dlerror());
        return unit_done();
    }
    real_store = (store_fn)dlsym(db, "_ZN2db5storeEPKci");
    test_orders(FIX "liborders.so", LAZY, real_store);
    test_orders(FIX "liborders_now.so", NOW, real_store);
    test_orders(FIX "liborders_noplt.so", NOPLT, real_store);
    test_one_object_only();
    test_versions_side_by_side();
    test_patch_in_namespace();
    test_load_errors();
    test_counter_fresh_in_namespace();
    test_empty_stub();
    test_missing_dependency(1);
    test_missing_dependency(0);
    CHECK(dlclose(db) == 0);
    return unit_done();
}
