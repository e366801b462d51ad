"""End-to-end: what --junitxml and --tap=PATH do to what the path names:
a regular file or a new one is replaced whole, a symbolic link's target
is written (the link stays), a device or FIFO is written in place, and a
write that fails is exit 3 with the reason."""
import os
import stat
import subprocess
import threading

from crossrun import mark

import e2e

BASIC = e2e.SUITES + "/basic"


def crossrun(*args):
    p = subprocess.run([e2e.CROSSRUN] + list(args), cwd=e2e.ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=100)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def full_device(tmp_path):
    """A character device that answers every write with ENOSPC: a copy
    of /dev/full made in tmp_path (so a runner that replaced it harms
    nothing), or /dev/full itself where devices cannot be made."""
    path = str(tmp_path / "full")
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except PermissionError:
        return "/dev/full"
    return path


@mark.parametrize("option", ["--junitxml", "--tap"])
def test_a_symlink_target_is_written_and_the_link_kept(tmp_path, option):
    real = tmp_path / "real.out"
    real.write_bytes(b"")
    link = tmp_path / "link"
    os.symlink("real.out", str(link))
    sep = " " if option == "--junitxml" else "="
    args = [option, str(link)] if sep == " " else [option + "=" + str(link)]
    rc, err = crossrun(*args, BASIC)
    assert rc == 1, err
    assert os.path.islink(str(link))
    assert os.readlink(str(link)) == "real.out"
    text = real.read_text()
    assert text.startswith("<?xml" if option == "--junitxml"
                           else "TAP version 13"), text[:80]
    assert sorted(os.listdir(str(tmp_path))) == ["link", "real.out"]


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link"
    os.symlink("made/report.xml", str(link))
    rc, err = crossrun("--junitxml", str(link), BASIC)
    assert rc == 1, err
    assert os.path.islink(str(link))
    assert (tmp_path / "made" / "report.xml").read_text().startswith("<?xml")


@mark.parametrize("option", ["--junitxml", "--tap"])
def test_a_full_device_is_exit_3_and_stays_a_device(tmp_path, option):
    dev = full_device(tmp_path)
    args = [option, dev] if option == "--junitxml" else [option + "=" + dev]
    rc, err = crossrun(*args, BASIC)
    assert rc == 3, err
    assert err.endswith("crossrun: error: %s: cannot write %s: No space "
                        "left on device\n" % (option, dev)), err
    assert err.count("No space left") == 1, err
    assert stat.S_ISCHR(os.stat(dev).st_mode)
    assert [n for n in os.listdir(os.path.dirname(dev))
            if ".tmp." in n and n.startswith("full")] == []


@mark.parametrize("option", ["--junitxml", "--tap"])
def test_a_fifo_is_written_in_place(tmp_path, option):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    got = []

    def read():
        with open(fifo, "rb") as f:
            got.append(f.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    args = [option, fifo] if option == "--junitxml" else [option + "=" + fifo]
    rc, err = crossrun(*args, BASIC)
    reader.join(30)
    assert rc == 1, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and got[0].startswith(b"<?xml" if option == "--junitxml"
                                     else b"TAP version 13"), got
    assert os.listdir(str(tmp_path)) == ["fifo"]


def test_a_directory_is_refused(tmp_path):
    rc, err = crossrun("--junitxml", str(tmp_path), BASIC)
    assert rc == 4, err
    assert "it is a directory" in err, err
