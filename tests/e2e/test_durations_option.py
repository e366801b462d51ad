"""End-to-end: --durations N prints the N slowest tests of the run, the
slowest first, before the closing summary line."""
import re

import e2e

SUITE = e2e.SUITES + "/durations"
LINE = re.compile(r"^\d+\.\d{3}s tests/suites/durations/test_slow\.py::\w+$")


def section(out):
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.startswith("=== slowest"))
    body = []
    for line in lines[start + 1:]:
        if not LINE.match(line):
            break
        body.append(line)
    return lines[start], body


def test_the_n_slowest_tests_slowest_first():
    r = e2e.run("--durations", "2", SUITE, junit=False)
    assert r.rc == 0, r.out + r.err
    head, body = section(r.out)
    assert head == "=== slowest 2 durations ==="
    assert len(body) == 2
    assert body[0].endswith("::test_sleeps")
    assert float(body[0].split("s ")[0]) >= float(body[1].split("s ")[0])
    assert e2e.last_line(r.out) == "3 passed, 0 failed"


def test_zero_prints_all_and_more_than_there_are_prints_all():
    for n in ("0", "10"):
        r = e2e.run("--durations=" + n, SUITE, junit=False)
        head, body = section(r.out)
        assert len(body) == 3, r.out
        assert head == ("=== slowest (all) 3 durations ===" if n == "0"
                        else "=== slowest 3 durations ===")


def test_not_given_prints_nothing():
    r = e2e.run(SUITE, junit=False)
    assert "slowest" not in r.out


def test_a_bad_count_is_a_usage_error():
    for bad, why in (("x", "'x' is not a number from 0 to 1e+09"),
                     ("-1", "'-1' is not a number from 0 to 1e+09"),
                     ("1.5", "'1.5' is not a whole number")):
        r = e2e.run("--durations", bad, SUITE, junit=False)
        assert r.rc == 4
        assert r.err == "crossrun: error: option --durations: %s\n" % why
