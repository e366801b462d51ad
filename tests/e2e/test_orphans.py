"""End-to-end: what a test starts ends with the test, on every path:
normal completion, timeout, -x and the signals that stop a run, even a
process that left the test's process group (setsid)."""
import os
import random
import signal
import subprocess
import time

from crossrun import mark

import e2e

SUITE = e2e.SUITES + "/orphans"


def sleepers(arg):
    """Pids of the processes running `sleep arg` (zombies left out)."""
    want = b"sleep\0" + arg.encode() + b"\0"
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as f:
                cmd = f.read()
            with open("/proc/%s/stat" % name, "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if cmd == want and state != b"Z":
            found.append(int(name))
    return found


def left_running(arg):
    """The sleepers still there once the kernel has had time to deliver
    the kills (a bounded wait for the condition, not a threshold)."""
    for _ in range(100):
        pids = sleepers(arg)
        if not pids:
            return []
        time.sleep(0.05)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)   # leave the machine clean
    return pids


def start(tmp_path, *args):
    arg = "%d.%06d" % (1000 + os.getpid() % 1000, random.randrange(10**6))
    env = dict(os.environ, CROSSRUN_ORPHAN_SLEEP=arg,
               CROSSRUN_ORPHAN_DIR=str(tmp_path))
    p = subprocess.Popen([e2e.CROSSRUN] + list(args), cwd=e2e.ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    return p, arg


def wait_started(tmp_path, p, arg):
    """Until the test has started its three sleepers (the setsid one
    execs sleep in its own time)."""
    while not (tmp_path / "started").exists() or len(sleepers(arg)) < 3:
        assert p.poll() is None, p.communicate()
        time.sleep(0.01)


@mark.timeout(60)
@mark.parametrize("how", ["return", "time_out"])
def test_a_test_that_ends_takes_its_processes(tmp_path, how):
    p, arg = start(tmp_path, "-k", "spawn_and_" + how, SUITE)
    out, err = p.communicate(timeout=50)
    assert p.returncode == (0 if how == "return" else 1), out + err
    assert left_running(arg) == []


@mark.timeout(60)
@mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"])
def test_a_stopped_run_takes_the_processes_of_its_tests(tmp_path, sig):
    p, arg = start(tmp_path, "-k", "spawn_and_wait", SUITE)
    wait_started(tmp_path, p, arg)
    p.send_signal(getattr(signal, sig))
    out, err = p.communicate(timeout=50)
    assert p.returncode == 2, out + err
    assert left_running(arg) == []


@mark.timeout(60)
def test_x_takes_the_processes_of_the_running_tests(tmp_path):
    p, arg = start(tmp_path, "-x", "-j", "2", "-k",
                   "spawn_and_wait or fail_once_started", SUITE)
    out, err = p.communicate(timeout=50)
    assert p.returncode == 1, out + err
    assert b"1 failed" in out, out
    assert left_running(arg) == []
