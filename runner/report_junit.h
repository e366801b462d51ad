/* report_junit: the JUnit XML report, streamed file by file through
 * libxml2's xmlTextWriter into a temporary file renamed at the end. */
#ifndef CROSSRUN_REPORT_JUNIT_H
#define CROSSRUN_REPORT_JUNIT_H

#include <stddef.h>

#include "result.h"

/* The shapes pytest calls junit families. xunit2 (the default) validates
 * against junit-10.xsd; xunit1 adds file and line to each testcase. */
enum junit_family {
    JUNIT_XUNIT2,
    JUNIT_XUNIT1
};

struct junit_writer;

/* "xunit2", "xunit1" (and "legacy", pytest's old name for xunit1) into
 * *family. Returns 0, or -1 for any other name. */
int junit_family_parse(const char *name, enum junit_family *family);

/* Start a report that will replace path: opens "<path>.tmp.<pid>" and
 * writes the XML declaration and the <testsuites> root. Nothing appears
 * at path until junit_close. Returns the writer (freed by junit_close or
 * junit_abort), or NULL with a message naming the file in err. */
struct junit_writer *junit_open(const char *path, enum junit_family family,
                                char *err, size_t errlen);

/* Write one <testsuite> for f with a <testcase> per test, in f's order.
 * Every string is sanitised (xmlsan) and escaped by libxml2. Returns 0, or
 * -1 with a message in err (disk full, out of memory); after a failure
 * the writer only accepts junit_abort (junit_close fails too). */
int junit_add_file(struct junit_writer *w, const struct res_file *f,
                   char *err, size_t errlen);

/* End the document, flush, fsync and rename the temporary file over the
 * target. Frees w in every case. Returns 0, or -1 with a message in err;
 * on failure the temporary file is removed and the target is untouched. */
int junit_close(struct junit_writer *w, char *err, size_t errlen);

/* Drop the report: frees w and removes the temporary file; the target
 * is untouched. w may be NULL. */
void junit_abort(struct junit_writer *w);

#endif
