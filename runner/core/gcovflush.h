/* gcovflush: writes the gcov counters of every loaded object built with
 * --coverage from a process that ends with _exit (a test's process), and
 * zeroes them in a process that must count only what comes after (a
 * test's process just forked from a worker whose counts are its own).
 *
 * How it finds them: libgcov is linked statically into each instrumented
 * object (its own copy per DSO), and its entry points are hidden: neither
 * dlsym(RTLD_DEFAULT) nor dlsym on the object's handle sees __gcov_dump
 * (gcc 12 does not even link it in unless the object calls it). They are
 * in the object's symbol table (.symtab) though, as local symbols: for
 * each loaded object (of every link namespace: the loader's _r_debug
 * lists, see gcovflush.c), the file is read once and these are looked
 * up:
 *   __gcov_dump_one, __gcov_root  the object's dump: __gcov_dump_one(
 *                                 &__gcov_root) writes (merges into) its
 *                                 .gcda files once; the `dumped` bit in
 *                                 __gcov_root makes a second call a no-op
 *                                 (gcc 12 libgcov-driver.c; the same
 *                                 call __gcov_exit makes at exit)
 *   __gcovN.<function>            the counter arrays (N: counter kind),
 *                                 with their sizes: zeroing them is what
 *                                 __gcov_reset does, without its layout
 * An object without a .symtab (stripped) cannot be flushed: see
 * gcovflush_stripped.
 *
 * Concurrent dumps: libgcov opens each .gcda with an fcntl write lock
 * (F_SETLKW, GCOV_LOCKED on Linux) held while it reads, merges and
 * rewrites it, so test processes that dump at the same time add up.
 * Measured (tests/e2e/test_coverage.py, 64 processes released at once
 * to write 1000 calls each): 64000, every time; with fcntl's locks made
 * no-ops by an LD_PRELOAD shim, 62000 or 63000 in many runs. So the
 * processes write to the same files, and no per-process GCOV_PREFIX
 * directories are merged afterwards. */
#ifndef CROSSRUN_GCOVFLUSH_H
#define CROSSRUN_GCOVFLUSH_H

#include <stddef.h>

/* Turn flushing on for this process and the processes it forks (off by
 * default: every other call is then a no-op) and look at the objects
 * loaded now. Returns the number of instrumented objects found. */
int gcovflush_enable(void);
/* 1 when gcovflush_enable was called in this process or a parent. */
int gcovflush_enabled(void);
/* Zero the counters of every instrumented object loaded now: what this
 * process counted (or inherited) so far is not written by it. Returns the
 * number of objects reset, 0 when off. */
int gcovflush_reset(void);
/* Write the counters of every instrumented object loaded now into their
 * .gcda files (merged with what is there), once per object and process.
 * Safe to call from a crash or SIGTERM handler as far as libgcov is
 * (it uses stdio and malloc: a process that crashed inside malloc may
 * hang here; the supervisor's SIGKILL then ends it). Returns the number
 * of objects written, 0 when off. */
int gcovflush_dump(void);
/* gcovflush_dump from a crash handler: also notes "crash" (see
 * gcovflush_note_to). */
int gcovflush_dump_at_crash(void);
/* Append a line to the file at path (made if need be) each time this
 * process or one it forks dumps from a crash handler ("crash") or the
 * SIGTERM handler ("term"): so that a report can say how many test
 * processes ended that way. NULL or "": no notes (the default). */
void gcovflush_note_to(const char *path);
/* Install a SIGTERM handler (when on) that dumps, then calls then() if
 * not NULL and returns (then() must see to the process's end, e.g. by
 * asking the interpreter to run its own handler), else dies by SIGTERM.
 * Returns 0, or -1 (sigaction failed). */
int gcovflush_on_term(void (*then)(void));
/* The number of loaded objects that carry gcov counters (their dynamic
 * symbols have __gcov_master) but no symbol table, so cannot be flushed;
 * the first one's path in path (size n) when there is one. */
int gcovflush_stripped(char *path, size_t n);

#endif
