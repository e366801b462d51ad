/* afile: write a report so that readers see it whole or not at all: into
 * a temporary file beside the target, fsync'd and renamed over it; a
 * device or a FIFO, which cannot be replaced, is written in place. */
#ifndef CROSSRUN_AFILE_H
#define CROSSRUN_AFILE_H

#include <stddef.h>

/* Invariant: fd >= 0 exactly while the file written is open and ours
 * (between a successful afile_open and afile_commit/afile_abort). */
struct afile {
    int fd;        /* the file written, or -1 */
    int direct;    /* 1: the target itself is written (device, FIFO) */
    char *path;    /* the target (a symbolic link's end), owned */
    char *tmp;     /* "<path>.tmp.<pid>", or the target when direct */
};

/* Create the temporary file "<path>.tmp.<pid>" (mode 0666 minus umask;
 * missing parent directories are created, as pytest does for
 * --junitxml). The target itself is not touched until afile_commit.
 * When path is a symbolic link, the file it leads to is the target (the
 * temporary file goes beside that one, and the link stays). When the
 * target exists and is a device or a FIFO it is opened for writing in
 * place (a FIFO waits for its reader); a directory or socket is refused.
 * Returns 0, or -1 with a message naming the file and the system's
 * reason in err (a is then left with fd -1 and nothing to free). */
int afile_open(struct afile *a, const char *path, char *err, size_t errlen);

/* Write all n bytes to fd, retrying short writes and EINTR. Returns 0,
 * or -1 with errno set by the failing write. Async-signal-safe. */
int afile_write_all(int fd, const void *p, size_t n);

/* fsync and close the temporary file, then rename it over the target (a
 * target written in place is only closed).
 * Returns 0, or -1 with a message in err; on failure the temporary file
 * is removed and the target is left as it was. Either way a is released
 * (calling afile_abort after it is harmless). */
int afile_commit(struct afile *a, char *err, size_t errlen);

/* Close and remove the temporary file; the target is left as it was
 * (a device or FIFO keeps what was written to it).
 * Safe on an afile that is already committed or aborted. */
void afile_abort(struct afile *a);

#endif
