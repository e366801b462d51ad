/* errmsg: an error message into a caller's buffer, and a status back. */
#ifndef CROSSRUN_ERRMSG_H
#define CROSSRUN_ERRMSG_H

#include <stddef.h>

/* Format fmt into err (errlen bytes, always terminated; nothing when err
 * is NULL or errlen 0) and return status, so that a failing function can
 * end with `return errmsg(err, errlen, STATUS, "...", ...)`. */
int errmsg(char *err, size_t errlen, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
