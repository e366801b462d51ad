/* coverage: crossrun --cov (DESIGN.md s10) in the runner: the run's data
 * directory before the workers start, the reports after they ended. The
 * work is crossrun._coverage's, in the runner's interpreter. */
#ifndef CROSSRUN_COVERAGE_H
#define CROSSRUN_COVERAGE_H

#include <stddef.h>
#include <stdio.h>

/* Before the workers: an empty data directory in path, named in the
 * environment that the workers inherit. Needs pyw_init. Returns 0, or -1
 * with a message in err (coverage.py or gcov missing, path unusable). */
int cov_begin(const char *path, char *err, size_t errlen);
/* After the run: write path/coverage.xml and path/coverage.info and print
 * one total per language (and where the reports are) to out. Returns 0,
 * or -1 with a message in err. */
int cov_end(const char *path, FILE *out, char *err, size_t errlen);

#endif
