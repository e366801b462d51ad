"""Output of the worker itself (import, module fixture) and of the tests,
for a runner that reads it late (tests/e2e/test_output.py stops the
runner while this file runs): each part must go with its own result."""
import os
import time

import crossrun

print("import out")
time.sleep(0.5)     # the runner is stopped meanwhile


@crossrun.fixture(scope="module")
def resource():
    print("setup out")
    yield
    print("teardown out")
    with open(os.environ["CROSSRUN_E2E_DONE"], "w") as f:
        f.write("done")


def test_a(resource):
    print("out of a")
    os.write(2, b"err of a\n")


def test_b(resource):
    print("out of b")
