/* discover: finds the test files under the paths on the command line. */
#ifndef CROSSRUN_DISCOVER_H
#define CROSSRUN_DISCOVER_H

#include <stddef.h>

struct disc_list {
    char **files;   /* malloc'd paths, in a stable (sorted) order */
    char **select;  /* per file: NULL (all its tests), or the names after
                     * "::" of the test ids given for it, one per line */
    size_t n;
    size_t cap;
};

/* Add the test files found at path: a file is taken as it is (if it ends
 * in .py); a directory is searched recursively for test_*.py and
 * *_test.py, skipping hidden directories and __pycache__. A test id
 * (FILE::NAME, as pytest takes it: a function, a class, a method or one
 * parametrized case) adds FILE with NAME selected. A file that is given
 * twice is listed once (all of it if it was given once without a name).
 * Returns 0, or -1 with a message in err (a path that does not exist, a
 * file that is not Python, a bad test id, no memory). */
int disc_add(struct disc_list *l, const char *path, char *err,
             size_t errlen);
void disc_free(struct disc_list *l);

#endif
