/* test_cache: the tables of .crossrun/ (durations, lastfailed): the last
 * put of an id wins, dropped entries are not written, a file round-trips,
 * unreadable lines are skipped, a missing file is an empty table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "kit/unit.h"

static char dir[] = "/tmp/crossrun-test-cache-XXXXXX";

static void test_puts_and_lookups(void)
{
    struct cache_table t = {0};

    CHECK(cache_put(&t, "b::x", 2.0) == 0);
    CHECK(cache_put(&t, "a::y", 1.0) == 0);
    CHECK(cache_put(&t, "b::x", 3.5) == 0);
    cache_finish(&t);
    CHECK(t.n == 2);
    CHECK_STR(t.e[0].id, "a::y");
    CHECK(cache_get(&t, "b::x") == 3.5);
    CHECK(cache_get(&t, "a::y") == 1.0);
    CHECK(cache_get(&t, "c::z") == -1);
    cache_free(&t);
    CHECK(t.n == 0 && t.e == NULL);
}

static void test_load_skips_bad_lines(void)
{
    struct cache_table back = {0};
    char path[256], err[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/durations", dir);
    f = fopen(path, "w");
    if (!CHECK(f != NULL)) {
        return;
    }
    fputs("1.250000 t.py::slow\ngarbage\n-2 t.py::neg\n0.5 \n"
          "3 t.py::ok\n", f);
    fclose(f);
    CHECK(cache_load(&back, path, err, sizeof err) == 0);
    CHECK(back.n == 2);
    CHECK(cache_get(&back, "t.py::slow") == 1.25);
    CHECK(cache_get(&back, "t.py::ok") == 3);
    cache_free(&back);
    CHECK(cache_load(&back, "/nonexistent/durations", err, sizeof err) == 0);
    CHECK(back.n == 0);
    CHECK(cache_load(&back, dir, err, sizeof err) == -1);
    CHECK(strstr(err, dir) != NULL);
    cache_free(&back);
    unlink(path);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_puts_and_lookups();
    test_load_skips_bad_lines();
    rmdir(dir);
    return unit_done();
}
