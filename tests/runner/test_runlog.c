/* test_runlog: this run's results kept on disk for the cache
 * (runner/runlog.c): what was added, in order, and which ids it holds. */
#include <string.h>

#include "runlog.h"
#include "kit/unit.h"

struct seen {
    char text[512];
    int stop_at;        /* stop after this many (0: never) */
    int count;
};

static int note(void *ctx, const char *id, double d, int failed)
{
    struct seen *s = ctx;
    size_t n = strlen(s->text);

    snprintf(s->text + n, sizeof s->text - n, "%s=%.2f%s;", id, d,
             failed ? "!" : "");
    return ++s->count == s->stop_at ? 7 : 0;
}

int main(void)
{
    struct runlog r;
    struct seen s = {"", 0, 0};

    CHECK(runlog_open(&r) == 0);
    CHECK(runlog_add(&r, "a.py::t1", 0.5, 0) == 0);
    CHECK(runlog_add(&r, "a.py::t2", -1, 1) == 0);   /* no duration */
    CHECK(runlog_add(&r, "a.py::t[x y]", 1.25, 1) == 0);
    CHECK(runlog_add(&r, "bad\nid", 1, 0) == -1);    /* cannot be a line */
    CHECK(runlog_each(&r, note, &s) == 0);
    CHECK_STR(s.text, "a.py::t1=0.50;a.py::t2=-1.00!;a.py::t[x y]=1.25!;");
    /* read twice: the same */
    s.text[0] = '\0';
    s.count = 0;
    s.stop_at = 2;
    CHECK(runlog_each(&r, note, &s) == 7);
    CHECK_STR(s.text, "a.py::t1=0.50;a.py::t2=-1.00!;");
    CHECK(runlog_has(&r, "a.py::t1", 0) && runlog_has(&r, "a.py::t1", 1));
    CHECK(runlog_has(&r, "a.py::t2", 0) && !runlog_has(&r, "a.py::t2", 1));
    CHECK(runlog_has(&r, "a.py::t[x y]", 1));
    CHECK(!runlog_has(&r, "a.py::t3", 0) && !runlog_has(&r, "bad\nid", 0));
    CHECK(runlog_add(&r, "late", 1, 0) == -1);       /* sealed */
    runlog_close(&r);
    CHECK(r.f == NULL && r.all.at == NULL);
    return unit_done();
}
