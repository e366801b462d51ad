/* reap: end every process that a process started, including those that
 * left its process group or session (setsid), by making it a child
 * subreaper (orphans of its descendants become its children) and
 * killing and reaping what it finds.
 *
 * Why a subreaper and not a process group or a cgroup: a group is left
 * by setsid() or setpgid(), and a cgroup needs a writable cgroup tree
 * (often absent in containers and for non-root users) and costs a mkdir
 * per test. A subreaper needs no privilege; what it cannot see is a
 * descendant whose parent is alive and not ours, which the full scan of
 * reap_descendants finds through /proc.
 *
 * Expected load: reap_children runs once per test, and reads one small
 * /proc file per thread when nothing is left; reap_descendants scans all
 * of /proc and runs once per run. */
#ifndef CROSSRUN_REAP_H
#define CROSSRUN_REAP_H

#include <stddef.h>
#include <sys/types.h>

/* Make this process a child subreaper (PR_SET_CHILD_SUBREAPER; not
 * inherited by its children). Returns 0, or -1 with errno set. */
int reap_subreaper(void);

/* SIGKILL and reap every child of this process whose pid is not one of
 * keep[0..nkeep), then the children that their deaths hand over, until
 * none is left. Children are read from /proc/self/task/N/children.
 * Returns how many were killed, or -1 when /proc cannot be read. */
int reap_children(const pid_t *keep, size_t nkeep);

/* Now, in the unit of a process's start time (clock ticks since boot,
 * rounded down as the kernel rounds them); 0 when it cannot be read. */
unsigned long long reap_tick_now(void);

/* SIGKILL and reap every child of this process that started at tick
 * `since` (reap_tick_now) or later, then what their deaths hand over,
 * until none is left: for a subreaper whose supervised child died
 * without ending what it started (a crash, _exit), which handed those
 * here. Children started before `since` are spared (a server a fixture
 * started earlier). since == 0: nothing is done. Returns how many were
 * killed, or -1 when /proc cannot be read. */
int reap_adopted(unsigned long long since);

/* SIGKILL every descendant of this process, however deep, except the
 * processes keep[0..nkeep) and their descendants; reap those that are
 * (or become) its children; repeat until no descendant is left or
 * `wait` seconds have passed. Returns how many were killed. */
int reap_descendants(const pid_t *keep, size_t nkeep, double wait);

/* reap_children(NULL, 0) for a signal handler: async-signal-safe (the
 * same walk, of raw system calls and no allocation, without the first
 * check). */
void reap_children_from_handler(void);

/* SIGKILL every descendant of root (a live process, which is spared),
 * found through /proc, including those that left its group: for a child
 * that is being stopped at its deadline, before its death hands them to
 * whoever is the next subreaper above. Returns how many. */
int reap_kill_tree(pid_t root);

#endif
