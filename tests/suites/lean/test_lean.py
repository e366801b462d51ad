"""Run by tests/e2e/test_state.py: what the worker carries into every
test's process (each of its pages is copied there and torn down after)."""
import os
import sys

HEAVY = ("ast", "inspect", "json", "re", "traceback", "enum", "tokenize",
         "importlib.util", "crossrun._rewrite")


def test_the_worker_loads_nothing_heavy():
    # What a bare interpreter with the same site setup imports (a .pth
    # file of an installed package, a sitecustomize) is the machine's,
    # not crossrun's: the e2e test that runs this file lists it.
    baseline = os.environ.get("CROSSRUN_LEAN_BASELINE", "").split(",")
    loaded = [name for name in HEAVY
              if name in sys.modules and name not in baseline]
    assert not loaded, loaded


def test_a_rewritten_assert_still_explains():
    x = 2
    try:
        assert x + 1 == 4
    except AssertionError as e:
        assert str(e) == ("assert x + 1 == 4\n +  where 3 = x + 1\n"
                          " +    where 2 = x")


def test_code_page_tables_come_from_the_worker():
    # The runner gives its code mappings an anonymous page, so that the
    # kernel copies their page table entries at fork (pyworker.c).
    mapping = None
    with open("/proc/self/smaps") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 6:
                mapping = fields[5] if fields[1] == "r-xp" else None
            elif mapping and "libpython" in mapping and \
                    fields[0] == "Anonymous:":
                assert int(fields[1]) > 0, mapping
                return
    raise AssertionError("no libpython code mapping found")
