/* afile: temporary-file-and-rename writing of reports (see afile.h). */
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
 * directory that failed copied to bad (size badlen). */
static int make_parents(const char *path, char *bad, size_t badlen)
{
    char *dir = strdup(path);
    char *slash;
    int rc = 0;

    if (dir == NULL) {
        return -1;
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

int afile_open(struct afile *a, const char *path, char *err, size_t errlen)
{
    char bad[4096];
    size_t n;
    int e;

    a->fd = -1;
    a->path = NULL;
    a->tmp = NULL;
    if (path == NULL || path[0] == '\0') {
        snprintf(err, errlen, "report path is empty");
        return -1;
    }
    n = strlen(path) + 32;
    a->path = strdup(path);
    a->tmp = malloc(n);
    if (a->path == NULL || a->tmp == NULL) {
        snprintf(err, errlen, "cannot write %s: out of memory", path);
        goto error;
    }
    snprintf(a->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    if (make_parents(path, bad, sizeof bad) != 0) {
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
}

int afile_commit(struct afile *a, char *err, size_t errlen)
{
    int e;

    if (a->fd < 0) {
        snprintf(err, errlen, "report file is not open");
        return -1;
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
    if (a->tmp != NULL) {
        /* ENOENT is fine: a failed open or a rename already took it. */
        (void)unlink(a->tmp);
    }
    release(a);
}
