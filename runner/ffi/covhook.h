/* covhook: coverage through isolation, the process side (see covhook.c):
 * what a test's process calls as it starts and before it ends. */
#ifndef CROSSRUN_COVHOOK_H
#define CROSSRUN_COVHOOK_H

/* In a test's process, before the test: zero the gcov counters it
 * inherited (its parent writes its own). No-op unless cov_enable ran. */
void covhook_begin(void);
/* In a process about to _exit: coverage.py's save (when measuring) and
 * the gcov counters written. No-op unless cov_enable ran. Needs the
 * interpreter (the GIL held). */
void covhook_end(void);

#endif
