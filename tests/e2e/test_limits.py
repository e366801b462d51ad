"""End-to-end: --memory-limit and @mark.memory_limit (what a test may
allocate, past which its allocations fail with a message that says the
limit was hit), and --max-output (the captured output kept per stream)."""
import os
import re

from crossrun import mark

import e2e

MEMORY = e2e.SUITES + "/memory"


def sanitizer_env():
    """Under ASan an allocation that fails aborts the process unless the
    allocator may return NULL, as malloc does."""
    opts = os.environ.get("ASAN_OPTIONS")
    return {"ASAN_OPTIONS": opts + ":allocator_may_return_null=1"} \
        if opts is not None else {}


@mark.timeout(120)
@mark.parametrize("isolate", ["test", "file"])
def test_allocations_past_the_limit_fail_saying_so(isolate):
    r = e2e.run("--memory-limit", "600M", "--isolate=" + isolate, MEMORY,
                env=sanitizer_env())
    assert r.rc == 1, r.out + r.err
    e2e.validate(r)
    for name in ("test_within_the_limit", "test_a_mark_raises_the_limit",
                 "test_a_library_that_fails_to_allocate"):
        assert r.outcome(name) == "passed", (name, r.out)
    for name, size in (("test_past_the_limit_of_the_run", "600 MiB"),
                       ("test_a_mark_lowers_it", "100 MiB")):
        failure = r.child(name, "failure")
        assert failure is not None, (name, r.out)
        assert failure.get("type") == "MemoryError"
        assert failure.get("message").startswith(
            "the test hit its memory limit of %s (--memory-limit" % size), \
            failure.get("message")


def test_sizes_that_cannot_be_read_are_usage_errors():
    for option in ("--memory-limit", "--max-output"):
        r = e2e.run(option, "12Q", MEMORY, junit=False)
        assert r.rc == 4, r.out + r.err
        assert r.err == ("crossrun: error: option %s: '12Q' is not a size "
                         "(a number of bytes, or one with K, M, G or T: "
                         "512M)\n" % option), r.err


def test_a_bad_memory_limit_mark_is_a_collection_error(tmp_path):
    (tmp_path / "test_bad.py").write_text(
        "from crossrun import mark\n\n"
        "@mark.memory_limit('lots')\n"
        "def test_x():\n    pass\n")
    r = e2e.run(str(tmp_path / "test_bad.py"))
    assert r.rc == 1, r.out + r.err
    assert "mark.memory_limit: 'lots' is not a size" in r.out, r.out


@mark.parametrize("isolate", ["test", "file"])
def test_max_output_caps_each_stream(isolate):
    r = e2e.run("--max-output", "4K", "--isolate=" + isolate,
                e2e.SUITES + "/output/test_output.py::test_flood")
    assert r.rc == 1, r.out + r.err
    flood = r.child("test_flood", "system-out").text
    cut = re.search(r"\[crossrun: (\d+) more bytes of output cut\]", flood)
    assert cut is not None, flood[:200]
    kept = flood.count("x")
    assert 3000 < kept <= 4096, kept
    assert kept + int(cut.group(1)) <= 3 * 1024 * 1024 + 64


def test_help_lists_the_limits():
    r = e2e.run("--help", junit=False)
    assert "--memory-limit SIZE" in r.out and "--max-output SIZE" in r.out
