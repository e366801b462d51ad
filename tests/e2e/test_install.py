"""`make install` into a DESTDIR gives a crossrun that runs a suite from
there, its man page (made from --help) and its docs; `make uninstall`
takes all of it away again."""
import os
import subprocess
import tempfile

from crossrun import mark

import e2e

SUITE = '''import crossrun


def test_add():
    lib = crossrun.load(%r)
    assert lib.fn("int calc::add(int, int)")(2, 3) == 5
'''


def _make(*args):
    # the build this run tests, as it is (SANITIZE as make check had it)
    sanitize = "SANITIZE=" + os.environ.get("CROSSRUN_SANITIZE", "")
    p = subprocess.run(["make", "-s", "-C", e2e.ROOT, "-o", "all",
                        "-o", "build", sanitize] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=300)
    assert p.returncode == 0, p.stdout.decode("utf-8", "replace")


def _files(root):
    return sorted(os.path.relpath(os.path.join(d, n), root)
                  for d, _, names in os.walk(root) for n in names)


@mark.timeout(300)
def test_install_runs_a_suite_then_uninstall_removes_everything():
    with tempfile.TemporaryDirectory() as tmp:
        dest = os.path.join(tmp, "root")
        _make("install", "DESTDIR=" + dest, "PREFIX=/opt/cr")
        prefix = dest + "/opt/cr"
        files = _files(dest)
        assert "opt/cr/bin/crossrun" in files
        assert "opt/cr/share/man/man1/crossrun.1" in files
        assert "opt/cr/share/doc/crossrun/README.md" in files
        with open(prefix + "/share/man/man1/crossrun.1") as f:
            man = f.read()
        assert man.startswith(".\\\"") and ".TH CROSSRUN" in man
        for option in ("\\-\\-junitxml", "\\-\\-isolate", "\\-\\-timeout"):
            assert option in man, option
        suite = os.path.join(tmp, "suite")
        os.mkdir(suite)
        with open(os.path.join(suite, "test_installed.py"), "w") as f:
            f.write(SUITE % os.path.join(e2e.ROOT, "fixtures", "build",
                                         "libcalc.so"))
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "CROSSRUN_PYTHON")}
        p = subprocess.run([prefix + "/bin/crossrun", suite], cwd=tmp,
                           env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode("utf-8", "replace")
        assert p.returncode == 0, out
        assert e2e.last_line(out) == "1 passed, 0 failed"
        _make("uninstall", "DESTDIR=" + dest, "PREFIX=/opt/cr")
        assert _files(dest) == []
