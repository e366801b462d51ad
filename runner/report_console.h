/* report_console: what a person sees: a line per finished file (or a
 * line per test with -v), the details of every failure at the end, and
 * the closing summary line of DESIGN.md section 3. */
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
/* Failures, then the summary line. interrupted adds a note. */
void console_finish(struct console *c, int interrupted, double seconds);
const struct res_summary *console_summary(const struct console *c);
size_t console_collected_count(const struct console *c);
void console_free(struct console *c);

#endif
