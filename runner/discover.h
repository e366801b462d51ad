/* discover: finds the test files under the paths on the command line. */
#ifndef CROSSRUN_DISCOVER_H
#define CROSSRUN_DISCOVER_H

#include <stddef.h>
#include <sys/types.h>

#include "result.h"

/* A directory that could not be searched: a collection error of the run,
 * which goes on with the rest. */
struct disc_error {
    char *path;     /* the directory, malloc'd */
    char *message;  /* "cannot read directory D: Permission denied" */
};

/* A directory entered, by device and inode: none is entered twice. */
struct disc_seen {
    dev_t dev;
    ino_t ino;
};

struct disc_list {
    char **files;   /* malloc'd paths, in a stable (sorted) order */
    char **select;  /* per file: NULL (all its tests), or the names after
                     * "::" of the test ids given for it, one per line */
    size_t n;
    size_t cap;
    struct disc_error *errors;  /* nerrors of them, in the order met */
    size_t nerrors;
    struct disc_seen *seen;     /* nseen of them (room for seencap) */
    size_t nseen, seencap;
};

/* Add the test files found at path: a file is taken as it is (if it ends
 * in .py); a directory is searched recursively for test_*.py and
 * *_test.py, skipping hidden directories and __pycache__; a directory
 * already entered (a symbolic link back up the tree, or the same one by
 * another path) is not entered again, and one that cannot be read is
 * recorded in l->errors and passed over. A test id
 * (FILE::NAME, as pytest takes it: a function, a class, a method or one
 * parametrized case) adds FILE with NAME selected. A file that is given
 * twice is listed once (all of it if it was given once without a name).
 * Returns 0, or -1 with a message in err (a path that does not exist, a
 * file that is not Python, a bad test id, no memory). */
int disc_add(struct disc_list *l, const char *path, char *err,
             size_t errlen);
void disc_free(struct disc_list *l);

/* The report of error i of l: a file named after the directory with one
 * test, an error of type "collection" saying why. f is filled (the
 * caller frees it with res_file_free). Returns 0, or -1 (no memory). */
int disc_error_result(const struct disc_list *l, size_t i,
                      struct res_file *f);

#endif
