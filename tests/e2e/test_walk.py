"""End-to-end: a tree the runner cannot walk whole: symbolic links back
up the tree are entered once (by device and inode), and a directory that
cannot be read is a collection error of the run, which goes on."""
import os
import shutil
import subprocess

import e2e

SOURCE = "def test_a():\n    pass\n"


def crossrun(cwd, *args, as_nobody=False):
    cmd = [e2e.CROSSRUN] + list(args)
    if as_nobody and os.geteuid() == 0:
        # Root reads a directory of mode 000: run as nobody instead.
        cmd = [shutil.which("setpriv"), "--reuid=nobody", "--regid=nogroup",
               "--clear-groups"] + cmd
    p = subprocess.run(cmd, cwd=str(cwd), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=100)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_links_back_up_the_tree_are_entered_once(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "test_one.py").write_text(SOURCE)
    os.symlink(".", str(tmp_path / "x"))
    os.symlink(".", str(tmp_path / "y"))
    os.symlink("..", str(tmp_path / "sub" / "up"))
    rc, out, err = crossrun(tmp_path, "--collect-only", ".")
    assert rc == 0, out + err
    assert out.splitlines() == ["sub/test_one.py::test_a",
                                "1 test collected"], out


def test_one_link_back_runs_the_file_once(tmp_path):
    (tmp_path / "test_one.py").write_text(SOURCE)
    os.symlink(".", str(tmp_path / "x"))
    rc, out, err = crossrun(tmp_path, ".")
    assert rc == 0, out + err
    assert e2e.last_line(out) == "1 passed, 0 failed", out


def test_an_unreadable_directory_is_a_collection_error(tmp_path):
    os.chmod(str(tmp_path), 0o755)
    for name in ("ok", "locked"):
        (tmp_path / name).mkdir(mode=0o755)
        (tmp_path / name / ("test_%s.py" % name)).write_text(SOURCE)
    os.chmod(str(tmp_path / "locked"), 0)
    report = tmp_path / "ok" / "r.xml"
    os.chmod(str(tmp_path / "ok"), 0o777)
    try:
        rc, out, err = crossrun(tmp_path, "--junitxml", str(report), ".",
                                as_nobody=True)
    finally:
        os.chmod(str(tmp_path / "locked"), 0o755)
    assert rc == 1, out + err
    assert "ERROR locked - cannot read directory locked: Permission " \
           "denied" in out, out
    assert e2e.last_line(out) == "1 passed, 0 failed, 1 error", out
    r = e2e.Run(rc, out, err, str(report))
    e2e.validate(r)
    assert r.outcome("test_a") == "passed"
    assert r.child("locked", "error").get("type") == "collection"
