"""End-to-end: every signal that asks a run to stop (Ctrl-C, kill, a
terminal that goes away, Ctrl-\\) leaves a valid report of what finished
and exit status 2."""
import os
import signal
import subprocess
import tempfile

from crossrun import mark

import e2e


@mark.timeout(60)
@mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"])
def test_a_stopping_signal_reports_what_finished_and_exits_2(sig):
    fd, path = tempfile.mkstemp(suffix=".xml")
    os.close(fd)
    os.unlink(path)
    p = subprocess.Popen([e2e.CROSSRUN, "-j", "1", "-v", "--junitxml", path,
                          e2e.SUITES + "/interrupt"], cwd=e2e.ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = p.stdout.readline()
    assert b"test_quick" in line, line
    p.send_signal(getattr(signal, sig))
    out, err = p.communicate(timeout=30)
    assert p.returncode == 2, (out, err)
    assert b"interrupted" in out
    r = e2e.Run(2, "", "", path)
    e2e.validate(r)
    assert list(r.cases) == ["test_quick"]
