/* unit: the test kit of the C unit tests. Each unit test binary prints TAP
 * (one test point per CHECK) and exits 1 if any check failed, so crossrun
 * runs them (tests/kit/test_c_units.py) like any other test. */
#ifndef CROSSRUN_UNIT_H
#define CROSSRUN_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_count;
static int unit_failed;

/* One test point: ok/not ok with the condition's text and place. */
#define CHECK(cond) unit_check((cond) != 0, #cond, __FILE__, __LINE__)
/* Two C strings equal (NULL only equals NULL); shows both when not. */
#define CHECK_STR(a, b) unit_check_str((a), (b), #a, __FILE__, __LINE__)

static inline int unit_check(int ok, const char *what, const char *file,
                             int line)
{
    unit_count++;
    printf("%sok %d - %s\n", ok ? "" : "not ", unit_count, what);
    if (!ok) {
        unit_failed++;
        printf("# failed at %s:%d\n", file, line);
    }
    return ok;
}

static inline int unit_check_str(const char *a, const char *b,
                                 const char *what, const char *file,
                                 int line)
{
    int ok = (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;

    if (!unit_check(ok, what, file, line)) {
        printf("#   got:      \"%s\"\n#   expected: \"%s\"\n",
               a ? a : "(null)", b ? b : "(null)");
    }
    return ok;
}

/* Print the plan and return the exit status for main. */
static inline int unit_done(void)
{
    printf("1..%d\n", unit_count);
    return unit_failed ? 1 : 0;
}

#endif
