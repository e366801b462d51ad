/* codepages: the page table entries of the code every test's process
 * runs (the program's own, libpython's, the C library's), set up so that
 * a fork copies them instead of faulting them in again, and cut down to
 * what tests use before the forks of a test file begin. */
#ifndef CROSSRUN_CODEPAGES_H
#define CROSSRUN_CODEPAGES_H

/* Let forked processes inherit the entries of the hot code: the kernel
 * copies a mapping's entries at fork only when the mapping has an
 * anonymous page, and code has none until something writes to it.
 * Writing one byte of each, unchanged, through /proc/self/mem gives it
 * one. Failing is harmless: forks are only slower. Call once, before
 * forking; the forked processes inherit what it did. */
void codepages_share(void);

/* Drop the entries of the shared code that map the file's pages as they
 * are (they fault back in, the same, when run again), keeping every page
 * of it that differs from the file (a debugger's breakpoint, a uprobe).
 * Before a snapshot that many processes are forked from: they copy only
 * what runs after this, not all the code this process ever ran. Does
 * nothing unless codepages_share() did its work in this process or an
 * ancestor. */
void codepages_trim(void);

/* What codepages_trim() does, for the pages of [lo, hi) of any private
 * file mapping. Returns 0, or -1 when /proc/self/pagemap cannot be read
 * or madvise fails (some entries may then be left in place). */
int codepages_trim_range(void *lo, void *hi);

#endif
