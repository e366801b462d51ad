"""End-to-end: no text of a result is cut at a NUL byte or loses what
follows a byte that is not UTF-8 (the NUL is shown \\x00, as repr does)."""
import e2e


def test_nul_bytes_and_bytes_ids_come_through_whole():
    r = e2e.run("-v", e2e.SUITES + "/text")
    assert r.rc == 1, r.out + r.err
    e2e.validate(r)
    assert r.child("test_fail", "failure").get("message") == \
        "before\\x00after"
    assert r.child("test_skip", "skipped").get("message") == "why\\x00not"
    assert sorted(r.cases) == ["test_fail", "test_param[\\xff\\x00]",
                               "test_param[\\xff]", "test_skip"]
    assert "FAILED " + e2e.SUITES + \
        "/text/test_text.py::test_fail - before\\x00after" in r.out
    assert "PASSED  " + e2e.SUITES + \
        "/text/test_text.py::test_param[\\xff\\x00] (" in r.out, r.out
