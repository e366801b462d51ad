/* afile: write a report so that readers see it whole or not at all: into
 * a temporary file beside the target, fsync'd and renamed over it. */
#ifndef CROSSRUN_AFILE_H
#define CROSSRUN_AFILE_H

#include <stddef.h>

/* Invariant: fd >= 0 exactly while the temporary file exists and is ours
 * (between a successful afile_open and afile_commit/afile_abort). */
struct afile {
    int fd;        /* the temporary file, or -1 */
    char *path;    /* the target, owned */
    char *tmp;     /* "<path>.tmp.<pid>", owned */
};

/* Create the temporary file "<path>.tmp.<pid>" (mode 0666 minus umask;
 * missing parent directories are created, as pytest does for
 * --junitxml). The target itself is not touched until afile_commit.
 * Returns 0, or -1 with a message naming the file and the system's
 * reason in err (a is then left with fd -1 and nothing to free). */
int afile_open(struct afile *a, const char *path, char *err, size_t errlen);

/* Write all n bytes to fd, retrying short writes and EINTR. Returns 0,
 * or -1 with errno set by the failing write. Async-signal-safe. */
int afile_write_all(int fd, const void *p, size_t n);

/* fsync and close the temporary file, then rename it over the target.
 * Returns 0, or -1 with a message in err; on failure the temporary file
 * is removed and the target is left as it was. Either way a is released
 * (calling afile_abort after it is harmless). */
int afile_commit(struct afile *a, char *err, size_t errlen);

/* Close and remove the temporary file; the target is left as it was.
 * Safe on an afile that is already committed or aborted. */
void afile_abort(struct afile *a);

#endif
