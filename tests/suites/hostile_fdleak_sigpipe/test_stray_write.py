"""A test whose code writes a byte to a file descriptor it does not own:
here, the write end of any pipe whose both ends are open in the test's
process (the runner's own signal self-pipe, inherited)."""
import os


def _pipes():
    ends = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink("/proc/self/fd/" + name)
        except OSError:
            continue
        if target.startswith("pipe:"):
            ends.setdefault(target, []).append(int(name))
    return [fds for fds in ends.values() if len(fds) > 1]


def test_write_to_inherited_pipe():
    for fds in _pipes():
        for fd in fds:
            try:
                os.write(fd, b"\x02")
            except OSError:
                pass


def test_after():
    pass
