"""Run by tests/e2e/test_state.py: the runner's precompiler writes the
rewritten code of every file of the run, numbered in the run's order,
into a directory of its own (crossrun._load)."""
import os
import time

from crossrun import _load


def test_this_file_is_precompiled():
    assert _load.CODE_DIR is not None and os.path.isdir(_load.CODE_DIR)
    mine = _load.precompiled_path(2)    # a, b, c: this is number 2
    key = _load._key(os.path.abspath(__file__), os.stat(__file__))
    deadline = time.monotonic() + 30
    while not os.path.exists(mine) and time.monotonic() < deadline:
        time.sleep(0.01)
    with open(mine, "rb") as f:
        assert f.read().startswith(key)
