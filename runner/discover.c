/* discover: finds test files (see discover.h). */
#include "discover.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);

    return n >= m && strcmp(s + n - m, tail) == 0;
}

static int is_test_file(const char *name)
{
    return ends_with(name, ".py") &&
           (strncmp(name, "test_", 5) == 0 || ends_with(name, "_test.py"));
}

/* File i is selected again: with sel (a test name), or whole (NULL). */
static int merge_select(struct disc_list *l, size_t i, const char *sel)
{
    char *joined;

    if (l->select[i] == NULL) {
        return 0;   /* all of it already */
    }
    if (sel == NULL) {
        free(l->select[i]);
        l->select[i] = NULL;
        return 0;
    }
    if (asprintf(&joined, "%s\n%s", l->select[i], sel) < 0) {
        return -1;
    }
    free(l->select[i]);
    l->select[i] = joined;
    return 0;
}

/* Add path (taken over) with selector sel (copied; NULL: all). */
static int push(struct disc_list *l, char *path, const char *sel)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->files[i], path) == 0) {
            free(path);
            return merge_select(l, i, sel);
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        char **p = realloc(l->files, cap * sizeof *p);
        char **q;

        if (p == NULL) {
            free(path);
            return -1;
        }
        l->files = p;
        q = realloc(l->select, cap * sizeof *q);
        if (q == NULL) {
            free(path);
            return -1;
        }
        l->select = q;
        l->cap = cap;
    }
    l->select[l->n] = NULL;
    if (sel != NULL && (l->select[l->n] = strdup(sel)) == NULL) {
        free(path);
        return -1;
    }
    l->files[l->n++] = path;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Record that dir could not be read (errno e). Returns 0, or -1 (no
 * memory). */
static int walk_error(struct disc_list *l, const char *dir, int e)
{
    struct disc_error *p = realloc(l->errors,
                                   (l->nerrors + 1) * sizeof *p);
    char *path, *msg = NULL;

    /* Under "." as the files are listed: without the "./". */
    dir += strncmp(dir, "./", 2) == 0 && dir[2] != '\0' ? 2 : 0;
    path = strdup(dir);
    if (p != NULL) {
        l->errors = p;
    }
    if (p == NULL || path == NULL ||
        asprintf(&msg, "cannot read directory %s: %s (the tests under it "
                 "were not collected)", dir, strerror(e)) < 0) {
        free(path);
        return -1;
    }
    l->errors[l->nerrors].path = path;
    l->errors[l->nerrors++].message = msg;
    return 0;
}

/* Has the directory st been entered already? If not, it is now. Returns
 * 1 (seen), 0 (new) or -1 (no memory). */
static int seen_before(struct disc_list *l, const struct stat *st)
{
    for (size_t i = 0; i < l->nseen; i++) {
        if (l->seen[i].dev == st->st_dev && l->seen[i].ino == st->st_ino) {
            return 1;
        }
    }
    if (l->nseen == l->seencap) {
        size_t cap = l->seencap ? 2 * l->seencap : 32;
        struct disc_seen *p = realloc(l->seen, cap * sizeof *p);

        if (p == NULL) {
            return -1;
        }
        l->seen = p;
        l->seencap = cap;
    }
    l->seen[l->nseen].dev = st->st_dev;
    l->seen[l->nseen++].ino = st->st_ino;
    return 0;
}

static int walk(struct disc_list *l, const char *dir, char *err,
                size_t errlen)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    struct stat st;

    if (stat(dir, &st) == 0) {
        int r = seen_before(l, &st);

        if (r != 0) {
            if (r < 0) {
                snprintf(err, errlen, "out of memory");
            }
            return r < 0 ? -1 : 0;
        }
    }
    d = opendir(dir);
    if (d == NULL) {
        if (walk_error(l, dir, errno) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        return 0;
    }
    while ((errno = 0, e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "__pycache__") == 0) {
            continue;
        }
        if (n == cap) {
            char **p = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *p);

            if (p == NULL) {
                goto nomem;
            }
            names = p;
        }
        if ((names[n] = strdup(e->d_name)) == NULL) {
            goto nomem;
        }
        n++;
    }
    if (errno != 0) {
        if (walk_error(l, dir, errno) != 0) {
            goto nomem;
        }
        rc = 0;
        goto out;
    }
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        char *full;

        if (asprintf(&full, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/",
                     names[i]) < 0) {
            goto nomem;
        }
        if (stat(full, &st) != 0) {
            free(full); /* a dangling link: nothing to run */
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            int r = walk(l, full, err, errlen);

            free(full);
            if (r != 0) {
                goto out;
            }
        } else if (S_ISREG(st.st_mode) && is_test_file(names[i])) {
            if (push(l, full, NULL) != 0) {
                goto nomem;
            }
        } else {
            free(full);
        }
    }
    rc = 0;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    closedir(d);
    return rc;
}

/* "./a//b/" becomes "a/b"; "." stays ".". */
static char *tidy(const char *path)
{
    char *p = malloc(strlen(path) + 1), *o = p;
    const char *s = path;

    if (p == NULL) {
        return NULL;
    }
    while (s[0] == '.' && s[1] == '/') {
        s += 2;
        while (*s == '/') {
            s++;
        }
    }
    for (; *s; s++) {
        if (*s == '/' && (o > p && o[-1] == '/')) {
            continue;
        }
        *o++ = *s;
    }
    while (o > p + 1 && o[-1] == '/') {
        o--;
    }
    if (o == p) {
        *o++ = '.';
    }
    *o = '\0';
    return p;
}

/* A test id FILE::NAME: add FILE with NAME selected. */
static int add_test_id(struct disc_list *l, const char *id, const char *sep,
                       char *err, size_t errlen)
{
    const char *name = sep + 2;
    char *file = strndup(id, (size_t)(sep - id)), *p;
    struct stat st;

    if (file == NULL || (p = tidy(file)) == NULL) {
        free(file);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(file);
    if (name[0] == '\0' || strchr(name, '\n') != NULL) {
        snprintf(err, errlen, "bad test id: %s (FILE::NAME, as the console "
                 "and the reports show it)", id);
    } else if (stat(p, &st) != 0) {
        snprintf(err, errlen, "file not found: %s, in test id %s (%s)", p,
                 id, strerror(errno));
    } else if (!S_ISREG(st.st_mode) || !ends_with(p, ".py")) {
        snprintf(err, errlen, "not a Python test file: %s, in test id %s", p,
                 id);
    } else if (push(l, p, name) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    } else {
        return 0;
    }
    free(p);
    return -1;
}

int disc_add(struct disc_list *l, const char *path, char *err,
             size_t errlen)
{
    struct stat st;
    const char *sep = strstr(path, "::");
    char *p;
    int rc;

    if (sep != NULL) {
        return add_test_id(l, path, sep, err, errlen);
    }
    p = tidy(path);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (stat(p, &st) != 0) {
        snprintf(err, errlen, "file or directory not found: %s (%s)", path,
                 strerror(errno));
        free(p);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = strcmp(p, ".") == 0 ? walk(l, ".", err, errlen)
                                 : walk(l, p, err, errlen);
        free(p);
        /* Files under "." are listed as "./x": drop the prefix. */
        for (size_t i = 0; rc == 0 && i < l->n; i++) {
            if (strncmp(l->files[i], "./", 2) == 0) {
                memmove(l->files[i], l->files[i] + 2,
                        strlen(l->files[i]) - 1);
            }
        }
        return rc;
    }
    if (!ends_with(p, ".py")) {
        snprintf(err, errlen, "not a Python test file: %s", path);
        free(p);
        return -1;
    }
    if (push(l, p, NULL) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int disc_error_result(const struct disc_list *l, size_t i,
                      struct res_file *f)
{
    const struct disc_error *e = &l->errors[i];
    struct res_test t;

    memset(f, 0, sizeof *f);
    memset(&t, 0, sizeof t);
    f->path = strdup(e->path);
    f->started = time(NULL);
    t.id = strdup(e->path);
    t.name = strdup(e->path);
    t.classname = strdup(e->path);
    t.file = strdup(e->path);
    t.outcome = RES_ERROR;
    t.type = strdup("collection");
    t.message = strdup(e->message);
    if (f->path == NULL || t.id == NULL || t.name == NULL ||
        t.classname == NULL || t.file == NULL || t.type == NULL ||
        t.message == NULL) {
        res_test_free(&t);
        res_file_free(f);
        return -1;
    }
    return res_file_add(f, &t);
}

void disc_free(struct disc_list *l)
{
    for (size_t i = 0; i < l->nerrors; i++) {
        free(l->errors[i].path);
        free(l->errors[i].message);
    }
    free(l->errors);
    free(l->seen);
    l->errors = NULL;
    l->seen = NULL;
    l->nerrors = l->nseen = l->seencap = 0;
    for (size_t i = 0; i < l->n; i++) {
        free(l->files[i]);
        free(l->select[i]);
    }
    free(l->files);
    free(l->select);
    l->files = NULL;
    l->select = NULL;
    l->n = l->cap = 0;
}
