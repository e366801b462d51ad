"""Run by tests/e2e/test_state.py: what the worker carries into every
test's process (each of its pages is copied there and torn down after)."""
import sys

HEAVY = ("ast", "inspect", "json", "re", "traceback", "enum", "tokenize",
         "importlib.util", "crossrun._rewrite")


def test_the_worker_loads_nothing_heavy():
    loaded = [name for name in HEAVY if name in sys.modules]
    assert not loaded, loaded


def test_a_rewritten_assert_still_explains():
    x = 2
    try:
        assert x + 1 == 4
    except AssertionError as e:
        assert str(e) == ("assert x + 1 == 4\n +  where 3 = x + 1\n"
                          " +    where 2 = x")
