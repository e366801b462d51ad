"""Runs the C unit tests (tests/core, tests/cxx and tests/runner:
test_*.c, built by `make unit`) under crossrun: each binary prints TAP; a
binary passes when it exits 0 and reports no "not ok" line."""
import glob
import os
import subprocess

from crossrun import mark

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
UNIT_DIR = os.environ.get("CROSSRUN_UNIT_DIR",
                          os.path.join(ROOT, "build", "std", "unit"))
LAYERS = ("core", "cxx", "runner")
SOURCES = sorted(s for layer in LAYERS for s in glob.glob(
    os.path.join(ROOT, "tests", layer, "test_*.c")))
# "cxx/test_decl": the binary's path under UNIT_DIR, and the test's id.
NAMES = [os.path.relpath(s, os.path.join(ROOT, "tests"))[:-2]
         for s in SOURCES]


def _env():
    env = dict(os.environ)
    env.setdefault("CROSSRUN_SCHEMA_DIR",
                   os.path.join(os.path.dirname(ROOT), "shared", "schemas"))
    return env


@mark.timeout(300)
@mark.parametrize("name", NAMES)
def test_unit_binary(name):
    binary = os.path.join(UNIT_DIR, name)
    assert os.path.exists(binary), "not built: %s (run make unit)" % binary
    r = subprocess.run([binary], cwd=ROOT, env=_env(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode("utf-8", "replace")
    failed = [line for line in out.splitlines() if line.startswith("not ok")]
    assert failed == [], "\n".join(failed) + "\n" + out[-4000:]
    assert r.returncode == 0, out[-4000:]
    assert "\n1.." in "\n" + out, "no TAP plan in the output"


def test_every_unit_source_is_found():
    # Guards the glob above: a test of each layer must be listed.
    assert "runner/test_tap" in NAMES and "runner/test_junit" in NAMES
    assert "core/test_codepages" in NAMES and "cxx/test_decl" in NAMES
