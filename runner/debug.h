/* debug: `crossrun --gdb TESTID`: one test under the debugger. */
#ifndef CROSSRUN_DEBUG_H
#define CROSSRUN_DEBUG_H

/* Replace this process with gdb running the Python that crossrun embeds
 * on crossrun._debug, which runs the tests test_id names in the
 * foreground, with no fork and no capture, so gdb stops where the library
 * crashes. Returns only when that cannot start, with a message on stderr:
 * the exit status then (3). */
int debug_exec(const char *test_id);

#endif
