/* buf: a growable byte buffer, the one container the runner uses for text
 * and captured output. */
#ifndef CROSSRUN_BUF_H
#define CROSSRUN_BUF_H

#include <stddef.h>

/* Invariant: data is NULL when cap is 0; otherwise data[len] == '\0', so
 * the contents can always be used as a C string (they may contain NULs). */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

/* Append n bytes. Returns 0, or -1 when memory runs out (buf unchanged). */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
/* printf-style append. Returns 0 or -1 (out of memory, bad format). */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the contents, keep the memory. */
void buf_clear(struct buf *b);
/* Hand the contents to the caller (who frees them); b becomes empty.
 * Never returns NULL unless memory runs out: an empty buffer gives "". */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
