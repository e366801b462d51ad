"""End-to-end: a file whose module fixture starts a thread that holds a
lock (as a library's worker thread does). A forked copy of the worker
would find the lock held forever; the worker sees its threads before it
forks and runs the file's tests in fresh processes, with a note."""
from crossrun import mark

import e2e


@mark.timeout(120)
def test_a_threaded_worker_runs_each_test_in_a_fresh_process():
    r = e2e.run("-v", e2e.SUITES + "/threads")
    assert r.rc == 1, r.out + r.err
    e2e.validate(r)
    assert r.outcome("test_takes_the_lock") == "passed", r.out
    assert r.outcome("test_takes_it_again") == "passed", r.out
    assert "pid " in r.child("test_takes_it_again", "system-out").text
    failure = r.child("test_fails_with_its_message", "failure")
    assert failure.get("message") == "reported from the fresh process"
    assert "assert 1 == 2" in failure.text
    assert r.child("test_skipped", "skipped").get("message") == \
        "skipped as usual"
    notes = [line for line in r.err.splitlines()
             if line.startswith("crossrun: note: ")]
    assert len(notes) == 1, r.err
    assert "test_threads.py: the worker has 2 threads" in notes[0]
    assert "each test runs in a fresh process" in notes[0]


def test_a_file_without_threads_gets_no_note():
    r = e2e.run(e2e.SUITES + "/basic")
    assert "note:" not in r.err, r.err
