"""Output after the last test (a module fixture's teardown, an exit
handler) and exit handlers that run once, when the file is done."""
import atexit
import os

import crossrun


def _note():
    print("exit handler out")
    with open(os.environ["CROSSRUN_E2E_MARK"], "a") as f:
        f.write("test_teardown_output ran\n")


atexit.register(_note)


@crossrun.fixture(scope="module")
def resource():
    yield 1
    print("fixture teardown out")


def test_first(resource):
    assert resource == 1


def test_last(resource):
    assert resource == 1
