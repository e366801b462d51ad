/* report_console: what a person sees: a line per finished file (or a
 * line per test with -v; on a terminal, coloured and ending with the
 * share of the files done, "[ 42%]"), the details of every failure at
 * the end, and the closing summary line of DESIGN.md section 3. */
#ifndef CROSSRUN_REPORT_CONSOLE_H
#define CROSSRUN_REPORT_CONSOLE_H

#include <stdio.h>

#include "cli.h"
#include "result.h"

struct console;

/* A console writing to out. NULL when memory runs out. */
struct console *console_new(FILE *out, const struct cli_opts *o);
void console_test(struct console *c, const struct res_file *f,
                  const struct res_test *t);
void console_file(struct console *c, const struct res_file *f);
void console_collected(struct console *c, const char *id);
/* The run has nfiles files (progress counts them). */
void console_set_files(struct console *c, size_t nfiles);
/* -x stopped the run (see sched_hooks.on_stopped): finish says so. */
void console_stopped(struct console *c, size_t tests_left,
                     size_t files_left);
/* Tests that -k left out so far. */
size_t console_deselected(const struct console *c);
/* Failures, then the summary line; before it, a line for each of: the
 * run was interrupted, -x stopped it, -k deselected tests. */
void console_finish(struct console *c, int interrupted, double seconds);
const struct res_summary *console_summary(const struct console *c);
size_t console_collected_count(const struct console *c);
void console_free(struct console *c);

#endif
