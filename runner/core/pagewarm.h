/* pagewarm: the pages that the jobs of forked copies write, learned from
 * the first job of a snapshot and copied ahead in the copies that wait.
 *
 * A copy forked from a snapshot shares its pages with the snapshot; each
 * page it first writes to is copied then (copy on write), in the job's
 * own time. Most of those pages are the same in every job (the harness's
 * objects, the allocator's pools). The first copy of a snapshot whose job
 * ends records them (pagewarm_learn) in a table shared by every copy of
 * the snapshot; a copy that waits for its job copies them ahead
 * (pagewarm_apply, MADV_POPULATE_WRITE), while the job before it runs.
 * Copying ahead changes no byte anywhere: a page that is not copied ahead
 * is copied at its first write, as before. */
#ifndef CROSSRUN_PAGEWARM_H
#define CROSSRUN_PAGEWARM_H

/* In the parent, before the first fork of a snapshot: forget what the
 * copies of earlier snapshots learned (their pages are not this one's),
 * and make the shared table the first time. Returns 0, or -1 when the
 * table cannot be made (learn and apply then do nothing). */
int pagewarm_snapshot(void);

/* In a copy whose job has ended (its report sent): when it is the first
 * of its snapshot to get here, record the pages it made its own (present,
 * mapped by it alone, in its private writable mappings). */
void pagewarm_learn(void);

/* In a copy waiting for its job: copy ahead the recorded pages that it
 * still shares, lowest address first, until done or stop() (may be NULL)
 * says its job is to start (the job then copies the rest itself, as it
 * writes them). Returns how many pages were asked for, or -1 when nothing
 * was recorded for its snapshot yet. */
long pagewarm_apply(int (*stop)(void));

#endif
