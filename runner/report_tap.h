/* report_tap: the --tap report, a TAP version 13 stream with YAML
 * diagnostics that Debian 12's prove (TAP::Harness 3.44) reads. */
#ifndef CROSSRUN_REPORT_TAP_H
#define CROSSRUN_REPORT_TAP_H

#include <stddef.h>

#include "result.h"

struct tapw_writer;

/* Start the stream: into "<path>.tmp.<pid>" (renamed over path by
 * tapw_close), or onto standard output (fd 1) when path is NULL; stdio's
 * stdout is flushed first, and again before each of our writes, so the
 * two keep their order. Returns the writer (freed by tapw_close or
 * tapw_abort), or NULL with a message naming the file in err. */
struct tapw_writer *tapw_open(const char *path, char *err, size_t errlen);

/* Append one test point per test of f, numbered on from the previous
 * files: "ok N - <id>", "ok N - <id> # SKIP <reason>", "not ok N - <id>
 * # TODO <reason>" for xfailed, "ok N - <id> # TODO <reason>" for
 * xpassed, and "not ok N - <id>" with a YAML block (message, type,
 * duration, detail, stdout, stderr) for failures and errors. Returns 0,
 * or -1 with a message in err; after a failure only tapw_abort is
 * useful. */
int tapw_add_file(struct tapw_writer *w, const struct res_file *f,
                  char *err, size_t errlen);

/* Write the plan "1..N", flush, and for a file fsync and rename it over
 * the target. Frees w in every case. Returns 0, or -1 with a message in
 * err (the temporary file is then removed, the target untouched). */
int tapw_close(struct tapw_writer *w, char *err, size_t errlen);

/* Drop the stream: frees w, removes the temporary file (what already
 * went to standard output stays there). w may be NULL. */
void tapw_abort(struct tapw_writer *w);

#endif
