"""crossrun._native.Chain(prefault=True): a child that waits copies ahead
the pages that the first job of its snapshot wrote (core/pagewarm.h), so
its own job writes to them without a fault; the jobs see the same data
and return the same results as without it."""

import resource
import sys

from crossrun import _native

# Objects that every job writes to (their reference counts), spread over
# many pages of this process.
SHARED = [object() for _ in range(200000)]
VALUES = list(range(1000))
JOBS = 8


def _job(k):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    touched = [o for o in SHARED[::5]]
    during = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert len(touched) == len(SHARED[::5])
    # Work that writes no shared page: the waiting children copy ahead
    # meanwhile (a child whose job comes first stops copying).
    for _ in range(20):
        sum(range(100000))
    return b"%d %d %d" % (k, sum(VALUES) + k, during)


def _runs(prefault):
    """{job: (result, page faults during it)} of JOBS runs in one chain."""
    chain = _native.Chain(_job, prefault=prefault)
    out = {}
    for k in range(JOBS):
        r = chain.run(k, timeout=60, left=JOBS - k - 1)
        assert r.exitcode == 0 and r.report, r
        job, result, faults = map(int, r.report.split())
        assert job == k
        out[k] = (result, faults)
    chain.reset()
    return out


def test_results_are_the_same_with_and_without_prefault():
    with_it, without = _runs(True), _runs(False)
    assert [with_it[k][0] for k in range(JOBS)] == \
        [sum(VALUES) + k for k in range(JOBS)]
    assert [with_it[k][0] for k in range(JOBS)] == \
        [without[k][0] for k in range(JOBS)]


def test_children_made_after_the_first_job_fault_less():
    # Job 0's child learns; the children of jobs 4 to 6 are cloned and
    # copy ahead after it ended, while two jobs run (job 7's child is
    # never asked for a successor, so it does not wait with nothing to
    # do).
    # The pages of SHARED's objects, which every job writes to: copied
    # ahead, at least half of them no longer fault in the job (the rest
    # of a job's faults are its own new memory, and under a sanitizer
    # its shadow).
    pages = len(SHARED) * sys.getsizeof(object()) // resource.getpagesize()
    with_it, without = _runs(True), _runs(False)
    assert any(without[k][1] - with_it[k][1] >= pages // 2
               for k in (4, 5, 6)), (pages, with_it, without)
    # The first job had nothing to copy ahead.
    assert abs(without[0][1] - with_it[0][1]) < pages // 2


def test_prefault_is_off_by_default_and_takes_a_truth_value():
    assert _native.Chain(_job).run(0, left=0).report.startswith(b"0 ")
    off = _native.Chain(_job, prefault=0)
    assert off.run(1, left=0).report.startswith(b"1 ")
