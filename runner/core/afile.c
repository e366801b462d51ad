/* afile: temporary-file-and-rename writing of reports, or straight
 * writing to a device or FIFO (see afile.h). */
#include "core/afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Create the directories leading to path (not path itself), like
 * `mkdir -p "$(dirname path)"`. Returns 0, or -1 with errno set and the
 * directory that failed copied to bad (size badlen), or -2 when memory
 * runs out (bad untouched). */
static int make_parents(const char *path, char *bad, size_t badlen)
{
    char *dir = strdup(path);
    char *slash;
    int rc = 0;

    if (dir == NULL) {
        return -2;
    }
    slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    for (char *p = dir + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;

            *p = '\0';
            if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
                snprintf(bad, badlen, "%s", dir);
                rc = -1;
                break;
            }
            *p = c;
            if (c == '\0') {
                break;
            }
        }
    }
    free(dir);
    return rc;
}

/* The file that a chain of symbolic links starting at path ends in (path
 * itself when it is no link), malloc'd; it need not exist. A relative
 * link is read from the directory of the link. Returns NULL with errno
 * set (ELOOP past 40 links, as the kernel counts). */
static char *follow_links(const char *path)
{
    char *cur = strdup(path);

    for (int hops = 0; cur != NULL; hops++) {
        struct stat st;
        char target[4096];
        ssize_t n;
        char *next;
        const char *slash;
        size_t dirlen;

        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            return cur;             /* missing or not a link: the end */
        }
        if (hops == 40) {
            free(cur);
            errno = ELOOP;
            return NULL;
        }
        n = readlink(cur, target, sizeof target - 1);
        if (n < 0) {
            free(cur);
            return NULL;
        }
        target[n] = '\0';
        slash = strrchr(cur, '/');
        dirlen = target[0] == '/' || slash == NULL ? 0
                                                   : (size_t)(slash - cur) + 1;
        next = malloc(dirlen + (size_t)n + 1);
        if (next != NULL) {
            memcpy(next, cur, dirlen);
            memcpy(next + dirlen, target, (size_t)n + 1);
        }
        free(cur);
        cur = next;
    }
    return NULL;
}

/* Open an existing target that is not a regular file for writing in
 * place: a device or a FIFO (waiting for its reader, as a shell's
 * redirection does). A directory or a socket is refused. Returns 0, or
 * -1 with a message in err. */
static int open_direct(struct afile *a, const struct stat *st, char *err,
                       size_t errlen)
{
    int e;

    if (S_ISDIR(st->st_mode)) {
        snprintf(err, errlen, "cannot write %s: it is a directory (name a "
                 "file in it)", a->path);
        return -1;
    }
    if (S_ISSOCK(st->st_mode)) {
        snprintf(err, errlen, "cannot write %s: it is a socket (name a "
                 "file, a device or a FIFO)", a->path);
        return -1;
    }
    do {
        a->fd = open(a->tmp, O_WRONLY | O_CLOEXEC);
    } while (a->fd < 0 && errno == EINTR);
    if (a->fd < 0) {
        e = errno;
        snprintf(err, errlen, "cannot write %s: %s", a->path, strerror(e));
        return -1;
    }
    a->direct = 1;
    return 0;
}

int afile_open(struct afile *a, const char *path, char *err, size_t errlen)
{
    char bad[4096];
    struct stat st;
    char *real;
    size_t n;
    int e, rc;

    a->fd = -1;
    a->direct = 0;
    a->path = NULL;
    a->tmp = NULL;
    if (path == NULL || path[0] == '\0') {
        snprintf(err, errlen, "report path is empty");
        return -1;
    }
    real = follow_links(path);
    if (real == NULL) {
        e = errno;
        snprintf(err, errlen, "cannot write %s: following its symbolic "
                 "links: %s", path, strerror(e));
        return -1;
    }
    n = strlen(real) + 32;
    a->path = strdup(path);
    a->tmp = malloc(n);
    if (a->path == NULL || a->tmp == NULL) {
        free(real);
        snprintf(err, errlen, "cannot write %s: out of memory", path);
        goto error;
    }
    if (stat(real, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(a->tmp, n, "%s", real);
        free(real);
        if (open_direct(a, &st, err, errlen) != 0) {
            goto error;
        }
        return 0;
    }
    /* The link's target is what is replaced: a->path becomes it. */
    free(a->path);
    a->path = real;
    snprintf(a->tmp, n, "%s.tmp.%ld", real, (long)getpid());
    rc = make_parents(a->path, bad, sizeof bad);
    if (rc == -2) {
        snprintf(err, errlen, "cannot write %s: out of memory", path);
        goto error;
    }
    if (rc != 0) {
        e = errno;
        snprintf(err, errlen, "cannot write %s: cannot create directory "
                 "%s: %s", path, bad, strerror(e));
        goto error;
    }
    a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
                 O_NOFOLLOW, 0666);
    if (a->fd < 0) {
        e = errno;
        snprintf(err, errlen, "cannot write %s: cannot create %s: %s",
                 path, a->tmp, strerror(e));
        goto error;
    }
    return 0;

error:
    free(a->path);
    free(a->tmp);
    a->path = NULL;
    a->tmp = NULL;
    return -1;
}

int afile_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t w = write(fd, c, n);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            errno = w < 0 ? errno : EIO;    /* 0: no progress, not a loop */
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static void release(struct afile *a)
{
    free(a->path);
    free(a->tmp);
    a->path = NULL;
    a->tmp = NULL;
    a->fd = -1;
    a->direct = 0;
}

/* A device or FIFO written in place has only to be closed. */
static int commit_direct(struct afile *a, char *err, size_t errlen)
{
    int rc = close(a->fd);
    int e = errno;

    a->fd = -1;
    if (rc != 0 && e != EINTR) {
        snprintf(err, errlen, "cannot write %s: close: %s", a->path,
                 strerror(e));
    }
    release(a);
    return rc != 0 && e != EINTR ? -1 : 0;
}

int afile_commit(struct afile *a, char *err, size_t errlen)
{
    int e;

    if (a->fd < 0) {
        snprintf(err, errlen, "report file is not open");
        return -1;
    }
    if (a->direct) {
        return commit_direct(a, err, errlen);
    }
    if (fsync(a->fd) != 0) {
        e = errno;
        snprintf(err, errlen, "cannot write %s: fsync %s: %s", a->path,
                 a->tmp, strerror(e));
        goto error;
    }
    if (close(a->fd) != 0) {
        e = errno;
        a->fd = -1;
        snprintf(err, errlen, "cannot write %s: close %s: %s", a->path,
                 a->tmp, strerror(e));
        goto error;
    }
    a->fd = -1;
    if (rename(a->tmp, a->path) != 0) {
        e = errno;
        snprintf(err, errlen, "cannot write %s: rename %s to it: %s",
                 a->path, a->tmp, strerror(e));
        goto error;
    }
    release(a);
    return 0;

error:
    afile_abort(a);
    return -1;
}

void afile_abort(struct afile *a)
{
    if (a->fd >= 0) {
        /* Nothing useful to do if close fails: the file goes anyway. */
        (void)close(a->fd);
    }
    if (a->tmp != NULL && !a->direct) {
        /* ENOENT is fine: a failed open or a rename already took it. */
        (void)unlink(a->tmp);
    }
    release(a);
}
