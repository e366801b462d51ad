/* report_tap: the TAP 13 report (see report_tap.h). What prove's YAMLish
 * reader (TAP::Parser::YAMLish::Reader 3.44) accepts decides the quoting:
 *
 *   - a one-line value up to QUOTED_MAX bytes is a double-quoted string
 *     with the escapes \" \\ \n \r \t \xNN, which YAML and that reader
 *     both decode (the reader's pattern for quoted strings stops matching
 *     somewhere past 65,000 characters, hence the bound);
 *   - anything longer, or holding a newline, is a literal block ("|"),
 *     every line indented, empty lines too (an unindented line would end
 *     the block and then the YAML). In a block nothing can be escaped, so
 *     control characters are written visibly as \xNN text, and a first
 *     line that begins with a blank gets that blank as \x20 or \x09 (the
 *     reader takes the block's indentation from its first line). The
 *     reader ends every block value with exactly one newline.
 *
 * Invalid UTF-8 becomes U+FFFD everywhere; descriptions and directive
 * reasons are kept to one line, with '#' and '\' escaped in descriptions
 * so that a test id cannot turn into a SKIP or TODO directive. */
#include "report_tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/afile.h"
#include "core/buf.h"
#include "xmlsan.h"

#define QUOTED_MAX 32768
/* Pending output is written out once it reaches this size. */
#define FLUSH_AT 65536

struct tapw_writer {
    struct afile file;        /* unused (fd -1) when writing to stdout */
    int fd;                   /* file.fd, or 1 */
    unsigned long long count; /* test points written so far */
    int io_errno;             /* errno of the first failed write, or 0 */
    int oom;
    int failed;               /* set once anything failed: abort only */
    struct buf out;           /* bytes not yet written */
};

static int fail(struct tapw_writer *w, char *err, size_t errlen)
{
    const char *why = w->io_errno != 0 ? strerror(w->io_errno)
                                       : "out of memory";

    w->failed = 1;
    if (w->file.path == NULL) {
        snprintf(err, errlen, "cannot write the TAP report to standard "
                 "output: %s", why);
    } else if (w->io_errno != 0 && !w->file.direct) {
        snprintf(err, errlen, "cannot write %s: writing %s: %s",
                 w->file.path, w->file.tmp, why);
    } else {
        snprintf(err, errlen, "cannot write %s: %s", w->file.path, why);
    }
    return -1;
}

static int flush(struct tapw_writer *w)
{
    if (w->out.len == 0) {
        return 0;
    }
    if (w->fd == 1 && fflush(stdout) != 0) {
        w->io_errno = errno != 0 ? errno : EIO;
        return -1;
    }
    if (afile_write_all(w->fd, w->out.data, w->out.len) != 0) {
        w->io_errno = errno != 0 ? errno : EIO;
        return -1;
    }
    buf_clear(&w->out);
    return 0;
}


/* How each kind of text is written: on one line (a description, with or
 * without '#' escaped), inside double quotes, or as a block line. */
enum mode { ONE_LINE, DESCRIPTION, QUOTED, BLOCK };

/* Append s[0..len) to b in the given mode. */
static int put_text(struct buf *b, const char *s, size_t len, enum mode m)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n = xmlsan_utf8_next(p + i, len - i, &cp);
        char esc[16];
        int rc;

        if (cp == XMLSAN_INVALID) {
            rc = buf_append(b, "\xEF\xBF\xBD", 3);
        } else if (m == QUOTED && (cp == '"' || cp == '\\')) {
            esc[0] = '\\';
            esc[1] = (char)cp;
            rc = buf_append(b, esc, 2);
        } else if (m == QUOTED && (cp == '\n' || cp == '\r' || cp == '\t')) {
            rc = buf_puts(b, cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : "\\t");
        } else if (m == DESCRIPTION && (cp == '#' || cp == '\\')) {
            esc[0] = '\\';
            esc[1] = (char)cp;
            rc = buf_append(b, esc, 2);
        } else if (cp == 0x7F || (cp < 0x20 && !(m == BLOCK && cp == '\t'))) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
            rc = buf_append(b, esc, 4);
        } else {
            rc = buf_append(b, p + i, n);
        }
        if (rc != 0) {
            return -1;
        }
        i += n;
    }
    return 0;
}

/* "  key: value\n" in the YAML block; value may hold any bytes. */
static int yaml_value(struct buf *b, const char *key, const char *s,
                      size_t len)
{
    size_t start = 0;

    if (len <= QUOTED_MAX && memchr(s, '\n', len) == NULL) {
        return buf_printf(b, "  %s: \"", key) != 0 ||
               put_text(b, s, len, QUOTED) != 0 ||
               buf_puts(b, "\"\n") != 0 ? -1 : 0;
    }
    if (buf_printf(b, "  %s: |\n", key) != 0) {
        return -1;
    }
    /* One block line per line of s; a final newline ends the last line
     * rather than starting an empty one. */
    while (start < len) {
        const char *nl = memchr(s + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - s) : len;

        if (buf_puts(b, "    ") != 0) {
            return -1;
        }
        if (start == 0 && (s[0] == ' ' || s[0] == '\t')) {
            if (buf_puts(b, s[0] == ' ' ? "\\x20" : "\\x09") != 0) {
                return -1;
            }
            start = 1;
        }
        if (put_text(b, s + start, end - start, BLOCK) != 0 ||
            buf_puts(b, "\n") != 0) {
            return -1;
        }
        start = end + 1;
    }
    return 0;
}

static int yaml_block(struct buf *b, const struct res_test *t)
{
    char num[64];

    if (buf_puts(b, "  ---\n") != 0) {
        return -1;
    }
    if (t->message != NULL &&
        yaml_value(b, "message", t->message, strlen(t->message)) != 0) {
        return -1;
    }
    if (t->type != NULL &&
        yaml_value(b, "type", t->type, strlen(t->type)) != 0) {
        return -1;
    }
    res_format_seconds(t->duration, num, sizeof num);
    if (buf_printf(b, "  duration: %s\n", num) != 0) {
        return -1;
    }
    if (t->detail != NULL && t->detail[0] != '\0' &&
        yaml_value(b, "detail", t->detail, strlen(t->detail)) != 0) {
        return -1;
    }
    if (t->out != NULL && t->out_len > 0 &&
        yaml_value(b, "stdout", t->out, t->out_len) != 0) {
        return -1;
    }
    if (t->err != NULL && t->err_len > 0 &&
        yaml_value(b, "stderr", t->err, t->err_len) != 0) {
        return -1;
    }
    return buf_puts(b, "  ...\n");
}

/* One test point, and its YAML block when it failed. */
static int test_point(struct tapw_writer *w, const struct res_test *t)
{
    struct buf *b = &w->out;
    const char *id = t->id ? t->id : t->name ? t->name : "";
    const char *ok = "ok", *directive = NULL;

    switch (t->outcome) {
    case RES_FAILED:
    case RES_ERROR:
        ok = "not ok";
        break;
    case RES_SKIPPED:
        directive = "SKIP";
        break;
    case RES_XFAILED:
        ok = "not ok";
        directive = "TODO";
        break;
    case RES_XPASSED:
        directive = "TODO";
        break;
    default:
        break;
    }
    w->count++;
    if (buf_printf(b, "%s %llu", ok, w->count) != 0) {
        return -1;
    }
    if (id[0] != '\0' && (buf_puts(b, " - ") != 0 ||
                          put_text(b, id, strlen(id), DESCRIPTION) != 0)) {
        return -1;
    }
    if (directive != NULL) {
        if (buf_printf(b, " # %s", directive) != 0) {
            return -1;
        }
        if (t->message != NULL && t->message[0] != '\0' &&
            (buf_puts(b, " ") != 0 ||
             put_text(b, t->message, strlen(t->message), ONE_LINE) != 0)) {
            return -1;
        }
    }
    if (buf_puts(b, "\n") != 0) {
        return -1;
    }
    if (t->outcome == RES_FAILED || t->outcome == RES_ERROR) {
        return yaml_block(b, t);
    }
    return 0;
}

struct tapw_writer *tapw_open(const char *path, char *err, size_t errlen)
{
    struct tapw_writer *w = calloc(1, sizeof *w);

    if (w == NULL) {
        snprintf(err, errlen, "cannot write the TAP report to %s: out of "
                 "memory", path ? path : "standard output");
        return NULL;
    }
    w->file.fd = -1;
    w->fd = 1;
    if (path != NULL) {
        if (afile_open(&w->file, path, err, errlen) != 0) {
            free(w);
            return NULL;
        }
        w->fd = w->file.fd;
    }
    /* Debian 12's prove rejects a stream that starts "TAP version 14". */
    if (buf_puts(&w->out, "TAP version 13\n") != 0) {
        w->oom = 1;
        fail(w, err, errlen);
        tapw_abort(w);
        return NULL;
    }
    return w;
}

int tapw_add_file(struct tapw_writer *w, const struct res_file *f,
                  char *err, size_t errlen)
{
    if (w->failed) {
        return fail(w, err, errlen);
    }
    for (size_t i = 0; i < f->ntests; i++) {
        if (test_point(w, &f->tests[i]) != 0) {
            w->oom = 1;
            return fail(w, err, errlen);
        }
        if (w->out.len >= FLUSH_AT && flush(w) != 0) {
            return fail(w, err, errlen);
        }
    }
    if (flush(w) != 0) {
        return fail(w, err, errlen);
    }
    return 0;
}

int tapw_close(struct tapw_writer *w, char *err, size_t errlen)
{
    int rc = 0;

    if (w->failed) {
        fail(w, err, errlen);
        tapw_abort(w);
        return -1;
    }
    if (buf_printf(&w->out, "1..%llu%s\n", w->count,
                   w->count == 0 ? " # SKIP no tests ran" : "") != 0) {
        w->oom = 1;
    }
    if (w->oom || flush(w) != 0) {
        fail(w, err, errlen);
        tapw_abort(w);
        return -1;
    }
    if (w->file.path != NULL) {
        rc = afile_commit(&w->file, err, errlen);
    }
    buf_free(&w->out);
    free(w);
    return rc;
}

void tapw_abort(struct tapw_writer *w)
{
    if (w == NULL) {
        return;
    }
    afile_abort(&w->file);
    buf_free(&w->out);
    free(w);
}
