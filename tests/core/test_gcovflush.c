/* test_gcovflush: gcovflush on libtally (fixtures/build-cov, built with
 * --coverage): off until enabled, finds the library, writes its .gcda
 * (under GCOV_PREFIX) on demand and at SIGTERM, and names a stripped copy.
 * The counts themselves are compared with gcov's in
 * tests/e2e/test_coverage.py. Run from the checkout's root. */
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/gcovflush.h"
#include "../kit/unit.h"

#define LIB "fixtures/build-cov/libtally.so"

static char lib_path[PATH_MAX];

/* The .gcda that libgcov writes for libtally under prefix. */
static int gcda_exists(const char *prefix)
{
    char path[PATH_MAX * 2], dir[PATH_MAX];
    struct stat st;

    snprintf(dir, sizeof dir, "%s", lib_path);
    *strrchr(dir, '/') = '\0';
    snprintf(path, sizeof path, "%s%s/libtally.so-tally.gcda", prefix, dir);
    return stat(path, &st) == 0 && st.st_size > 0;
}

static void remove_tree(const char *dir)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        printf("# could not remove %s\n", dir);
    }
}

/* In a child: count a call, then SIGTERM: the handler writes it. */
static int dies_by_term_after_writing(void *h)
{
    char prefix[] = "/tmp/crossrun-gcovflush-XXXXXX";
    long (*add)(int) = (long (*)(int))dlsym(h, "tally_add");
    int status, wrote;
    pid_t pid;

    if (mkdtemp(prefix) == NULL || add == NULL) {
        return 0;
    }
    pid = fork();
    if (pid == 0) {
        setenv("GCOV_PREFIX", prefix, 1);
        gcovflush_reset();
        add(1);
        if (gcovflush_on_term(NULL) != 0) {
            _exit(3);
        }
        raise(SIGTERM);
        _exit(4);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        return 0;
    }
    wrote = gcda_exists(prefix);
    remove_tree(prefix);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM && wrote;
}

int main(void)
{
    char prefix[] = "/tmp/crossrun-gcovflush-XXXXXX";
    char stripped[PATH_MAX + 64], cmd[3 * PATH_MAX], named[PATH_MAX];
    void *h, *hs;

    if (realpath(LIB, lib_path) == NULL || mkdtemp(prefix) == NULL) {
        printf("Bail out! %s is not built (make fixtures)\n", LIB);
        return 1;
    }
    setenv("GCOV_PREFIX", prefix, 1);
    h = dlopen(lib_path, RTLD_NOW);
    CHECK(h != NULL);
    if (h == NULL) {
        printf("Bail out! %s\n", dlerror());
        return 1;
    }
    /* Off: nothing is looked at or written. */
    CHECK(!gcovflush_enabled());
    CHECK(gcovflush_reset() == 0);
    CHECK(gcovflush_dump() == 0);
    CHECK(!gcda_exists(prefix));
    /* On: libtally is the one instrumented object loaded. */
    CHECK(gcovflush_enable() == 1);
    CHECK(gcovflush_enabled());
    CHECK(gcovflush_reset() == 1);
    CHECK(dies_by_term_after_writing(h));
    CHECK(!gcda_exists(prefix));
    CHECK(gcovflush_dump() == 1);
    CHECK(gcda_exists(prefix));
    /* A copy without its symbol table: found, named, not writable. */
    snprintf(stripped, sizeof stripped, "%s/libtally_stripped.so", prefix);
    snprintf(cmd, sizeof cmd, "strip -o '%s' '%s'", stripped, lib_path);
    CHECK(system(cmd) == 0);
    hs = dlopen(stripped, RTLD_NOW);
    CHECK(hs != NULL);
    CHECK(gcovflush_dump() == 1);
    CHECK(gcovflush_stripped(named, sizeof named) == 1);
    CHECK_STR(named, stripped);
    remove_tree(prefix);
    printf("1..%d\n", unit_count);
    return unit_failed != 0;
}
