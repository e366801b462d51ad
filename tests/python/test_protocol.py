"""The worker's side of the protocol with the runner (runner/tap.h):
quoting of strings, and reading what a test's process sent back."""

import marshal
import re

from crossrun import _native, _worker


def _reference_quote(data):
    """The escaping the runner's parser undoes: \\n \\r \\t \\0 \\" \\\\
    and \\xNN for other control characters and DEL."""
    named = {b"\n": b"\\n", b"\r": b"\\r", b"\t": b"\\t", b'"': b'\\"',
             b"\\": b"\\\\", b"\x00": b"\\0"}
    return b'"' + re.sub(
        rb'[\x00-\x1f\x7f"\\]',
        lambda m: named.get(m.group()) or b"\\x%02x" % m.group()[0],
        data) + b'"'


def test_quote_escapes_exactly_the_control_characters_quotes_backslashes():
    every_byte = bytes(range(256))
    assert _native.quote(every_byte) == _reference_quote(every_byte)
    assert _native.quote(b"") == b'""'
    assert _native.quote(b"caf\xc3\xa9 ]]> \xff") == b'"caf\xc3\xa9 ]]> \xff"'
    big = b"line of output\n" * 70000
    assert _native.quote(big) == _reference_quote(big)


def test_quote_of_str_is_its_utf8():
    assert _worker._quote("é\n") == b'"\xc3\xa9\\n"'
    assert _worker._quote("\udcff") == b'"\xff"'


def test_quote_rejects_what_is_not_bytes():
    try:
        _native.quote("text")
    except TypeError as e:
        assert "bytes" in str(e)
    else:
        raise AssertionError("no TypeError")


def test_a_result_round_trips():
    res = {"outcome": "failed", "type": "AssertionError",
           "message": "assert 'a\x00b' == 'é'", "detail": "Traceback\n...",
           "odd": "\udcff", "empty": ""}
    assert _worker._decode(_worker._encode(res)) == res
    assert _worker._encode({"outcome": "passed"}) == b"P"
    # None is left out (get() gives it back); other values go as str().
    assert _worker._decode(_worker._encode(
        {"outcome": "failed", "message": ValueError("x"), "type": None,
         "n": 3})) == {"outcome": "failed", "message": "x", "n": "3"}


def test_garbage_from_a_test_process_is_a_failure_not_a_crash():
    good = _worker._encode({"outcome": "failed", "message": "m"})
    for garbage in (b"", b"\xff\xfe", b"ok 1\n", b"R", b"R7:outcome",
                    b"R7:outcome6:failed1:x", b"R99999999999:x",
                    b"R-1:x", b"R:", b"R7:outcomeXfailed", good[:-1],
                    good + b"5", marshal.dumps({"outcome": "passed"}),
                    b"R1:x1:y"):
        res = _worker._decode(garbage)
        assert res["outcome"] == "failed" and res["type"] == "protocol", (
            garbage, res)
        assert "unreadable result" in res["message"]
