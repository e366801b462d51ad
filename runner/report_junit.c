/* report_junit: JUnit XML in the shape of pytest's xunit2 family (see
 * report_junit.h). Each file's suite is written and flushed as soon as
 * the file is done, so memory does not grow with the run:
 *
 *   <testsuites name="crossrun">
 *     <testsuite name="tests/test_a.py" tests= failures= errors= skipped=
 *                time= timestamp= hostname=>
 *       <testcase classname= name= time= [file= line= (xunit1)]>
 *         <failure|error|skipped message= type=>detail</...>
 *         <system-out>...</system-out> <system-err>...</system-err>
 *       </testcase>
 *     </testsuite>
 *   </testsuites>
 *
 * The bytes go through our own output callback onto the temporary file's
 * descriptor, so a failed write keeps its errno for the message and the
 * file can be fsync'd before the rename. */
#include "report_junit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "core/afile.h"
#include "core/buf.h"
#include "xmlsan.h"

struct junit_writer {
    struct afile file;
    xmlTextWriterPtr xw;      /* owns the xmlOutputBuffer */
    enum junit_family family;
    int io_errno;             /* errno of the first failed write, or 0 */
    int oom;                  /* a sanitised copy could not be made */
    int failed;               /* set once anything failed: abort only */
    struct buf san;           /* scratch: the sanitised current string */
    char host[256];
};

int junit_family_parse(const char *name, enum junit_family *family)
{
    if (strcmp(name, "xunit2") == 0) {
        *family = JUNIT_XUNIT2;
    } else if (strcmp(name, "xunit1") == 0 || strcmp(name, "legacy") == 0) {
        *family = JUNIT_XUNIT1;
    } else {
        return -1;
    }
    return 0;
}

static int io_write(void *ctx, const char *p, int len)
{
    struct junit_writer *w = ctx;

    if (w->io_errno != 0) {
        return -1;
    }
    if (len > 0 && afile_write_all(w->file.fd, p, (size_t)len) != 0) {
        w->io_errno = errno != 0 ? errno : EIO;
        return -1;
    }
    return len;
}

/* The descriptor belongs to w->file, which closes it. */
static int io_close(void *ctx)
{
    (void)ctx;
    return 0;
}


static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* Did libxml2's last failure come from running out of memory? Its
 * writer functions say only that they failed; the error it records
 * (xmlGetLastError, reset by junit_open) says why. */
static int xml_out_of_memory(void)
{
    const xmlError *e = xmlGetLastError();

    return e != NULL && e->code == XML_ERR_NO_MEMORY;
}

/* Message for the failure that has just happened. Returns -1. */
static int fail(struct junit_writer *w, char *err, size_t errlen)
{
    w->failed = 1;
    if (w->io_errno != 0 && w->file.direct) {
        snprintf(err, errlen, "cannot write %s: %s", w->file.path,
                 strerror(w->io_errno));
    } else if (w->io_errno != 0) {
        snprintf(err, errlen, "cannot write %s: writing %s: %s",
                 w->file.path, w->file.tmp, strerror(w->io_errno));
    } else if (w->oom || xml_out_of_memory()) {
        snprintf(err, errlen, "cannot write %s: out of memory",
                 w->file.path);
    } else {
        snprintf(err, errlen, "cannot write %s: the XML writer failed on %s",
                 w->file.path, w->file.tmp);
    }
    return -1;
}

/* The sanitised copy of s[0..len) as a C string in w->san, or NULL when
 * memory runs out. s may be NULL (empty). */
static const xmlChar *sanitise(struct junit_writer *w, const char *s,
                               size_t len)
{
    buf_clear(&w->san);
    if ((s != NULL && xmlsan_text(s, len, &w->san) != 0) ||
        buf_append(&w->san, "", 0) != 0) {
        w->oom = 1;
        return NULL;
    }
    return (const xmlChar *)w->san.data;
}

/* libxml2 (2.9.14) drops text whose escaping runs out of memory and
 * still reports success (xmlTextWriterWriteString ignores a NULL from
 * xmlEncodeSpecialChars): the out-of-memory error it records is checked
 * too. Returns rc, or -1 when memory ran out during the call. */
static int xml_checked(struct junit_writer *w, int rc)
{
    if (rc >= 0 && xml_out_of_memory()) {
        w->oom = 1;
        return -1;
    }
    return rc;
}

/* xmlTextWriterWriteString, failing when memory ran out (xml_checked). */
static int write_string(struct junit_writer *w, const xmlChar *v)
{
    xmlResetLastError();
    return xml_checked(w, xmlTextWriterWriteString(w->xw, v));
}

/* xmlTextWriterFlush, failing when memory ran out (xml_checked): on a
 * failed reallocation of its encoding buffer libxml2 drops what it held
 * and reports success. */
static int flush(struct junit_writer *w)
{
    xmlResetLastError();
    return xml_checked(w, xmlTextWriterFlush(w->xw));
}

static int attr(struct junit_writer *w, const char *name, const char *value)
{
    const xmlChar *v = sanitise(w, value, value ? strlen(value) : 0);

    if (v == NULL) {
        return -1;
    }
    xmlResetLastError();
    return xml_checked(w, xmlTextWriterWriteAttribute(w->xw, BAD_CAST name,
                                                      v)) < 0 ? -1 : 0;
}

/* <name>text</name>, text being len bytes of anything. */
static int text_element(struct junit_writer *w, const char *name,
                        const char *text, size_t len)
{
    const xmlChar *v;

    if (xmlTextWriterStartElement(w->xw, BAD_CAST name) < 0) {
        return -1;
    }
    v = sanitise(w, text, len);
    if (v == NULL || write_string(w, v) < 0) {
        return -1;
    }
    return xmlTextWriterEndElement(w->xw) < 0 ? -1 : 0;
}

struct junit_writer *junit_open(const char *path, enum junit_family family,
                                char *err, size_t errlen)
{
    struct junit_writer *w = calloc(1, sizeof *w);
    xmlOutputBufferPtr out;

    if (w == NULL) {
        snprintf(err, errlen, "cannot write %s: out of memory",
                 path ? path : "(null)");
        return NULL;
    }
    w->family = family;
    /* A failed write is reported once, by fail(), not also by libxml2's
     * default handler on stderr. */
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlResetLastError();
    if (afile_open(&w->file, path, err, errlen) != 0) {
        free(w);
        return NULL;
    }
    if (gethostname(w->host, sizeof w->host) != 0) {
        snprintf(w->host, sizeof w->host, "localhost");
    }
    w->host[sizeof w->host - 1] = '\0';
    out = xmlOutputBufferCreateIO(io_write, io_close, w, NULL);
    if (out == NULL) {
        w->oom = 1;
        goto error;
    }
    w->xw = xmlNewTextWriter(out);
    if (w->xw == NULL) {
        xmlOutputBufferClose(out);
        w->oom = 1;
        goto error;
    }
    if (xmlTextWriterSetIndent(w->xw, 1) < 0 ||
        xmlTextWriterSetIndentString(w->xw, BAD_CAST "  ") < 0 ||
        xmlTextWriterStartDocument(w->xw, "1.0", "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(w->xw, BAD_CAST "testsuites") < 0 ||
        attr(w, "name", "crossrun") < 0) {
        goto error;
    }
    return w;

error:
    fail(w, err, errlen);
    junit_abort(w);
    return NULL;
}

/* "tests/sub/test_a.py" -> "tests.sub.test_a", pytest's classname of a
 * module-level test, for tests that come without a classname. */
static char *classname_of(const char *path)
{
    size_t n;
    char *c;

    if (path == NULL) {
        return strdup("");
    }
    while (path[0] == '.' && path[1] == '/') {
        path += 2;
    }
    n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".py") == 0) {
        n -= 3;
    }
    c = strndup(path, n);
    for (char *p = c; p != NULL && *p != '\0'; p++) {
        if (*p == '/') {
            *p = '.';
        }
    }
    return c;
}

/* The <failure>/<error>/<skipped> child of a test, if it has one. */
static int outcome_element(struct junit_writer *w, const struct res_test *t)
{
    const char *el, *type;
    char *msg = NULL;
    const char *message = t->message ? t->message : "";
    int rc = -1;

    switch (t->outcome) {
    case RES_FAILED:
        el = "failure";
        type = t->type ? t->type : "failure";
        break;
    case RES_ERROR:
        el = "error";
        type = t->type ? t->type : "error";
        break;
    case RES_SKIPPED:
        el = "skipped";
        type = "crossrun.skip";
        break;
    case RES_XFAILED:
        el = "skipped";
        type = "crossrun.xfail";
        /* pytest's message for an xfailed test: "xfail: <reason>" */
        msg = malloc(strlen(message) + 8);
        if (msg == NULL) {
            w->oom = 1;
            return -1;
        }
        strcpy(msg, "xfail");
        if (t->message != NULL) {
            strcat(strcat(msg, ": "), message);
        }
        message = msg;
        break;
    default:
        return 0;
    }
    if (xmlTextWriterStartElement(w->xw, BAD_CAST el) < 0 ||
        attr(w, "message", message) < 0 || attr(w, "type", type) < 0) {
        goto out;
    }
    if (t->detail != NULL && t->detail[0] != '\0') {
        const xmlChar *v = sanitise(w, t->detail, strlen(t->detail));

        if (v == NULL || write_string(w, v) < 0) {
            goto out;
        }
    }
    rc = xmlTextWriterEndElement(w->xw) < 0 ? -1 : 0;
out:
    free(msg);
    return rc;
}

/* The failed tries of a test rerun by --reruns, as Surefire writes them
 * (junit-10.xsd's rerunType): flakyFailure when it passed in the end,
 * rerunFailure when it failed. */
static int tries_elements(struct junit_writer *w, const struct res_test *t)
{
    const char *el = t->outcome == RES_FAILED ? "rerunFailure"
                                              : "flakyFailure";

    for (size_t i = 0; i < t->ntries; i++) {
        const struct res_try *r = &t->tries[i];
        const char *detail = r->detail ? r->detail : "";

        if (xmlTextWriterStartElement(w->xw, BAD_CAST el) < 0 ||
            attr(w, "message", r->message ? r->message : "") < 0 ||
            attr(w, "type", r->type ? r->type : "failure") < 0 ||
            (detail[0] && text_element(w, "stackTrace", detail,
                                       strlen(detail)) < 0) ||
            (r->out_len && text_element(w, "system-out", r->out,
                                        r->out_len) < 0) ||
            (r->err_len && text_element(w, "system-err", r->err,
                                        r->err_len) < 0) ||
            xmlTextWriterEndElement(w->xw) < 0) {
            return -1;
        }
    }
    return 0;
}

static int testcase(struct junit_writer *w, const struct res_file *f,
                    const struct res_test *t)
{
    char num[64];
    char *cls = NULL;
    const char *name = t->name ? t->name : t->id ? t->id : "";
    int rc = -1;

    if (t->classname == NULL) {
        cls = classname_of(t->file ? t->file : f->path);
        if (cls == NULL) {
            w->oom = 1;
            return -1;
        }
    }
    res_format_seconds(t->duration, num, sizeof num);
    if (xmlTextWriterStartElement(w->xw, BAD_CAST "testcase") < 0 ||
        attr(w, "classname", cls ? cls : t->classname) < 0 ||
        attr(w, "name", name) < 0 || attr(w, "time", num) < 0) {
        goto out;
    }
    if (w->family == JUNIT_XUNIT1) {
        const char *file = t->file ? t->file : f->path;

        if (file != NULL && attr(w, "file", file) < 0) {
            goto out;
        }
        snprintf(num, sizeof num, "%d", t->line);
        if (t->line > 0 && attr(w, "line", num) < 0) {
            goto out;
        }
    }
    if (outcome_element(w, t) < 0 || tries_elements(w, t) < 0) {
        goto out;
    }
    if (t->out != NULL && t->out_len > 0 &&
        text_element(w, "system-out", t->out, t->out_len) < 0) {
        goto out;
    }
    if (t->err != NULL && t->err_len > 0 &&
        text_element(w, "system-err", t->err, t->err_len) < 0) {
        goto out;
    }
    rc = xmlTextWriterEndElement(w->xw) < 0 ? -1 : 0;
out:
    free(cls);
    return rc;
}

int junit_add_file(struct junit_writer *w, const struct res_file *f,
                   char *err, size_t errlen)
{
    size_t failures = 0, errors = 0, skipped = 0;
    char num[64];
    struct tm tm;

    if (w->failed) {
        return fail(w, err, errlen);
    }
    for (size_t i = 0; i < f->ntests; i++) {
        switch (f->tests[i].outcome) {
        case RES_FAILED:
            failures++;
            break;
        case RES_ERROR:
            errors++;
            break;
        case RES_SKIPPED:
        case RES_XFAILED:
            skipped++;
            break;
        default:
            break;
        }
    }
    if (xmlTextWriterStartElement(w->xw, BAD_CAST "testsuite") < 0 ||
        attr(w, "name", f->path ? f->path : "") < 0) {
        return fail(w, err, errlen);
    }
    snprintf(num, sizeof num, "%zu", f->ntests);
    if (attr(w, "tests", num) < 0) {
        return fail(w, err, errlen);
    }
    snprintf(num, sizeof num, "%zu", failures);
    if (attr(w, "failures", num) < 0) {
        return fail(w, err, errlen);
    }
    snprintf(num, sizeof num, "%zu", errors);
    if (attr(w, "errors", num) < 0) {
        return fail(w, err, errlen);
    }
    snprintf(num, sizeof num, "%zu", skipped);
    if (attr(w, "skipped", num) < 0) {
        return fail(w, err, errlen);
    }
    res_format_seconds(f->duration, num, sizeof num);
    if (attr(w, "time", num) < 0) {
        return fail(w, err, errlen);
    }
    if (localtime_r(&f->started, &tm) != NULL &&
        strftime(num, sizeof num, "%Y-%m-%dT%H:%M:%S", &tm) > 0 &&
        attr(w, "timestamp", num) < 0) {
        return fail(w, err, errlen);
    }
    if (attr(w, "hostname", w->host) < 0) {
        return fail(w, err, errlen);
    }
    for (size_t i = 0; i < f->ntests; i++) {
        if (testcase(w, f, &f->tests[i]) < 0) {
            return fail(w, err, errlen);
        }
    }
    if (xmlTextWriterEndElement(w->xw) < 0 || flush(w) < 0) {
        return fail(w, err, errlen);
    }
    return 0;
}

int junit_close(struct junit_writer *w, char *err, size_t errlen)
{
    int rc;

    if (w->failed) {
        fail(w, err, errlen);
        junit_abort(w);
        return -1;
    }
    if (xmlTextWriterEndDocument(w->xw) < 0 ||
        flush(w) < 0) {
        fail(w, err, errlen);
        junit_abort(w);
        return -1;
    }
    /* Freeing the writer closes its output buffer, flushing what is left
     * through io_write: check for a write error only after it. */
    xmlResetLastError();
    xmlFreeTextWriter(w->xw);
    w->xw = NULL;
    if (xml_out_of_memory()) {
        w->oom = 1;
    }
    if (w->io_errno != 0 || w->oom) {
        fail(w, err, errlen);
        junit_abort(w);
        return -1;
    }
    rc = afile_commit(&w->file, err, errlen);
    buf_free(&w->san);
    free(w);
    return rc;
}

void junit_abort(struct junit_writer *w)
{
    if (w == NULL) {
        return;
    }
    if (w->xw != NULL) {
        /* What is still buffered goes into the temporary file, which is
         * removed next. */
        xmlFreeTextWriter(w->xw);
    }
    afile_abort(&w->file);
    buf_free(&w->san);
    free(w);
}
