"""`make install` registers the plugin as a pytest11 entry point."""

import os
import subprocess
import sys

from conftest import REPO

CHECK = """
import sys
sys.path.insert(0, sys.argv[1])
import importlib.metadata as md
eps = [ep for ep in md.entry_points(group="pytest11") if ep.name == "crossrun"]
assert [ep.value for ep in eps] == ["crossrun.pytest_plugin"], eps
import pytest
sys.exit(pytest.main(["-p", "no:cacheprovider", "--help"]))
"""


def test_make_install_registers_the_entry_point(tmp_path):
    dest = tmp_path / "root"
    proc = subprocess.run(
        ["make", "-s", "-C", REPO, "-o", "all", "-o", "build",
         "SANITIZE=" + os.environ.get("CROSSRUN_SANITIZE", ""), "install",
         "DESTDIR=%s" % dest, "PREFIX=/usr/local", "PY=%s" % sys.executable],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = dest / ("usr/local/lib/python%d.%d/dist-packages"
                   % sys.version_info[:2])
    pth = (site / "crossrun.pth").read_text().strip()
    assert pth == "/usr/local/lib/crossrun/python"
    installed = str(dest) + pth
    assert os.path.isfile(os.path.join(installed, "crossrun",
                                       "pytest_plugin.py"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", CHECK, installed],
                          cwd=str(tmp_path), env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "--crossrun-isolate" in proc.stdout
