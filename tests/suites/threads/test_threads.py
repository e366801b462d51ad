"""Run by tests/e2e/test_threads.py: a module fixture starts a thread
that holds a lock most of the time, as a library's worker thread does.
A forked copy of this process would find the lock held by a thread that
does not exist in it, and hang; each test must run in a fresh process."""
import os
import threading
import time

import crossrun

LOCK = threading.Lock()


def _busy(stop):
    while not stop.is_set():
        with LOCK:
            time.sleep(0.01)


@crossrun.fixture(scope="module")
def library():
    stop = threading.Event()
    thread = threading.Thread(target=_busy, args=(stop,), daemon=True)
    thread.start()
    yield LOCK
    stop.set()
    thread.join()


@crossrun.mark.timeout(20)
def test_takes_the_lock(library):
    assert library.acquire(timeout=10)
    library.release()


@crossrun.mark.timeout(20)
def test_takes_it_again(library):
    assert library.acquire(timeout=10)
    library.release()
    print("pid", os.getpid())


def test_fails_with_its_message(library):
    assert 1 == 2, "reported from the fresh process"


@crossrun.mark.skip("skipped as usual")
def test_skipped(library):
    pass
