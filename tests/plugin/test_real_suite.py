"""A real suite, simplejson's own tests (Debian's python3-simplejson,
unittest classes), ends the same under --crossrun-isolate as under plain
pytest. bench/plugin_real_suites.py runs more (and times them)."""

import os
import shutil

from conftest import junit_outcomes

SOURCE = "/usr/lib/python3/dist-packages/simplejson"


def test_simplejson_suite_has_plain_pytest_outcomes(pytester, run):
    assert os.path.isdir(os.path.join(SOURCE, "tests")), (
        "%s/tests not found: apt-get install python3-simplejson (it is in "
        "the Makefile's DEB_PKGS)" % SOURCE)
    shutil.copytree(SOURCE, pytester.path / "simplejson",
                    ignore=shutil.ignore_patterns("__pycache__"))
    run("simplejson/tests", "--junitxml=plain.xml")
    run("simplejson/tests", "--crossrun-isolate", "--junitxml=iso.xml")
    plain = junit_outcomes(pytester.path / "plain.xml", validate=False)
    iso = junit_outcomes(pytester.path / "iso.xml", validate=False)
    assert len(plain) > 100
    assert {k: v[0] for k, v in iso.items()} == \
        {k: v[0] for k, v in plain.items()}
