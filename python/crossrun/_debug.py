"""crossrun --gdb TESTID: the tests that TESTID names, run one after the
other in this process, in the foreground, with no fork and no capture, so
that a debugger started on this process stops where the library crashes.

    python3 -c 'from crossrun import _debug; _debug.main(sys.argv)' ID

TESTID is as the console shows it: FILE, FILE::NAME, FILE::Class::name or
FILE::name[case]. The exit status is 0 when every test passed (or was
skipped), 1 when one did not, 4 when TESTID names no test.
"""

import sys

from . import _collect, _runtest, _worker

_GOOD = ("passed", "skipped", "xfailed", "xpassed")


def _say(text):
    sys.stderr.write("crossrun --gdb: %s\n" % text)
    sys.stderr.flush()


def run(test_id):
    """Run the tests test_id names; returns the exit status."""
    path, _, name = test_id.partition("::")
    items, error = _collect.collect_file(path)
    if error is not None:
        _say("%s cannot be collected: %s" % (path, error["message"]))
        if error.get("detail"):
            sys.stderr.write(error["detail"].rstrip("\n") + "\n")
        return 1
    if name:
        items, _ = _worker._selected(items, path, name)
    if not items:
        _say("no test %s (crossrun --collect-only %s lists its tests)"
             % (test_id, path))
        return 4
    session = _runtest.Session()
    status = 0
    for item in items:
        _say("running %s" % item.id)
        res = session.run(item)
        outcome = res["outcome"]
        line = outcome.upper()
        if res.get("message"):
            line += ": " + res["message"]
        _say(line)
        detail = res.get("detail")
        if detail and outcome not in _GOOD:
            sys.stderr.write(detail if detail.endswith("\n")
                             else detail + "\n")
        if outcome not in _GOOD:
            status = 1
    for err in session.teardown_module():
        _say("module teardown: %s" % err["message"])
        status = 1
    return status


def main(argv):
    if len(argv) != 2:
        _say("usage: crossrun --gdb TESTID")
        sys.exit(4)
    sys.exit(run(argv[1]))
