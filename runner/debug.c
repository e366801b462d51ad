/* debug: `crossrun --gdb TESTID` (see debug.h). */
#include "debug.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pyworker.h"

#ifndef CROSSRUN_PY
#define CROSSRUN_PY "/usr/bin/python3"   /* the Makefile passes $(PY) */
#endif

int debug_exec(const char *test_id)
{
    static const char gdb[] = "gdb";
    char dir[PATH_MAX], code[256], env[4096] = "";
    const char *preload;

    if (pyw_python_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "crossrun: --gdb: cannot find the crossrun Python "
                        "package next to the program\n");
        return 3;
    }
    /* dir goes in as an argument, not into the code: any path works */
    snprintf(code, sizeof code, "import sys; sys.path.insert(0, "
             "sys.argv.pop(1)); from crossrun import _debug; "
             "_debug.main(sys.argv)");
    /* What is preloaded is for the test's process, not for gdb. */
    preload = getenv("LD_PRELOAD");
    if (preload != NULL && preload[0] != '\0') {
        snprintf(env, sizeof env, "set environment LD_PRELOAD %s", preload);
        if (unsetenv("LD_PRELOAD") != 0) {
            perror("crossrun: --gdb: unsetenv");
            return 3;
        }
    }
    fflush(NULL);
    execlp(gdb, gdb, "-q", "-iex", env[0] ? env : "echo", "-ex", "run",
           "--args", CROSSRUN_PY, "-c", code, dir, test_id, (char *)NULL);
    fprintf(stderr, "crossrun: --gdb: cannot run %s: %s%s\n", gdb,
            strerror(errno),
            errno == ENOENT ? " (install it: apt-get install gdb)" : "");
    return 3;
}
