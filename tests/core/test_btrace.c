/* test_btrace: crash-log backtraces resolved and cut (core/btrace.c),
 * checked against binutils' nm and addr2line on a fixture library built
 * with debug information. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/btrace.h"
#include "kit/unit.h"

#define LIB "fixtures/build/libmisbehave.so"
#define FFI "/usr/lib/x86_64-linux-gnu/libffi.so.8"
#define PYLIB "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"
#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

/* The first line that cmd prints, without its newline, in out. */
static int first_line(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    int ok = p != NULL && fgets(out, (int)cap, p) != NULL;

    if (p != NULL) {
        pclose(p);
    }
    if (ok) {
        out[strcspn(out, "\n")] = '\0';
    }
    return ok;
}

/* What addr2line says of the address of sym in LIB, plus delta: the
 * function (fn: 256 bytes) and "file.c:N" (the file's last component;
 * where: 512 bytes). */
static int truth(const char *sym, long delta, char *fn, char *where)
{
    char cmd[512], line[512];
    unsigned long addr;
    const char *slash;

    snprintf(cmd, sizeof cmd, "nm -D --defined-only %s | grep ' %s$'",
             LIB, sym);
    if (!first_line(cmd, line, sizeof line)) {
        return 0;
    }
    addr = strtoul(line, NULL, 16) + (unsigned long)delta;
    snprintf(cmd, sizeof cmd, "addr2line -f -e %s 0x%lx", LIB, addr);
    FILE *p = popen(cmd, "r");
    if (p == NULL || fgets(fn, 256, p) == NULL ||
        fgets(line, sizeof line, p) == NULL) {
        if (p) {
            pclose(p);
        }
        return 0;
    }
    pclose(p);
    fn[strcspn(fn, "\n")] = '\0';
    line[strcspn(line, " \n")] = '\0';
    slash = strrchr(line, '/');
    snprintf(where, 512, "%s", slash ? slash + 1 : line);
    return 1;
}

static char *rewrite(const char *in)
{
    struct buf b = {0};

    if (bt_rewrite(in, strlen(in), &b) != 0 || buf_append(&b, "", 1)) {
        buf_free(&b);
        return NULL;
    }
    return b.data;
}

static void resolves_names_and_lines(void)
{
    char fn[256], where[512], want[1024];
    char *out = rewrite(
        "Native backtrace (most recent call first):\n"
        LIB "(mb_segfault+0x0) [0x7f0000001219]\n"
        LIB "(mb_loop_forever+0x0) [0x7f000000122e]\n"
        "\nFatal Python error: Segmentation fault\n");

    CHECK(out != NULL);
    /* frame 0: the faulting instruction itself */
    if (CHECK(truth("mb_segfault", 0, fn, where))) {
        snprintf(want, sizeof want, "  #0  %s+0x0 (%s) in libmisbehave.so "
                 "[0x7f0000001219]\n", fn, where);
        CHECK(out && strstr(out, want) != NULL);
    }
    /* frame 1: a return address after a call to a noreturn function
     * lands at the next function; the call is one byte before it */
    if (CHECK(truth("mb_loop_forever", -1, fn, where))) {
        CHECK_STR(fn, "mb_abort");
        CHECK(out && strstr(out, "  #1  mb_abort+0x") != NULL);
        snprintf(want, sizeof want, "(%s) in libmisbehave.so", where);
        CHECK(out && strstr(out, want) != NULL);
    }
    CHECK(out && strstr(out, "Fatal Python error: Segmentation fault\n"));
    free(out);
}

static void cuts_the_machinery(void)
{
    char *out = rewrite(
        "Native backtrace (most recent call first):\n"
        LIBC "(abort+0xd3) [0x1]\n"
        LIB "(mb_segfault+0x5) [0x2]\n"
        FFI "(+0x6f7a) [0x3]\n"
        FFI "(ffi_call+0xcd) [0x4]\n"
        LIB "(mb_add+0x0) [0x5]\n"
        PYLIB "(_PyEval_EvalFrameDefault+0x4a63) [0x6]\n"
        LIBC "(__libc_start_main+0x85) [0x7]\n");

    CHECK(out != NULL);
    if (out == NULL) {
        return;
    }
    /* libc above the library is kept: it says how the process died */
    CHECK(strstr(out, "  #0  abort+0x") != NULL);
    CHECK(strstr(out, "  #1  mb_segfault+0x5") != NULL);
    CHECK(strstr(out, "  ... 2 frames of crossrun, Python and libffi\n"
                      "  #4  mb_") != NULL);
    CHECK(strstr(out, "  ... 2 frames of crossrun and Python below the "
                      "code under test\n") != NULL);
    CHECK(strstr(out, "libffi.so.8") == NULL);
    CHECK(strstr(out, "__libc_start_main") == NULL);
    free(out);
}

static void keeps_everything_when_no_library_is_involved(void)
{
    char *out = rewrite(
        "Native backtrace (most recent call first):\n"
        PYLIB "(_PyEval_EvalFrameDefault+0x4a63) [0x6]\n"
        LIBC "(__libc_start_main+0x85) [0x7]\n");

    CHECK(out && strstr(out, "#0  _PyEval_EvalFrameDefault+0x4a63") != NULL);
    CHECK(out && strstr(out, "#1  __libc_start_main+0x85") != NULL);
    CHECK(out && strstr(out, "...") == NULL);
    free(out);
}

static void copies_other_text_and_unknown_objects(void)
{
    char *out = rewrite("no backtrace here\n"
                        "Native backtrace (most recent call first):\n"
                        "/no/such/libgone.so(gone_fn+0x10) [0x9]\n"
                        "not a frame\n");

    CHECK_STR(out, "no backtrace here\n"
                   "Native backtrace (most recent call first):\n"
                   "  #0  gone_fn+0x10 in libgone.so [0x9]\n"
                   "not a frame\n");
    free(out);
}

int main(void)
{
    resolves_names_and_lines();
    cuts_the_machinery();
    keeps_everything_when_no_library_is_involved();
    copies_other_text_and_unknown_objects();
    return unit_done();
}
