"""The FFI on Debian's RE2 (package libre2-dev), driven as re2/re2.h's
documentation shows: a compiled RE2, RE2::FullMatchN and PartialMatchN,
RE2::GlobalReplace and RE2::Extract on std::string out-parameters, and
RE2::QuoteMeta returning a std::string by value. Checked against
Python's re module on the same patterns and texts."""
import re

import crossrun

lib = crossrun.load("libre2.so.9")
# re2/stringpiece.h: { const char* data_; size_type size_; } with
# size_type = size_t; its constructors are inline, so it is built as a
# struct and passed by const& as the functions take it.
Piece = lib.struct("re2::StringPiece", [("data_", "const char*"),
                                        ("size_", "size_t")])
RE2 = lib.cls("re2::RE2", size=1024, methods=[
    "RE2(const char* pattern)",
    "~RE2()",
    "static bool FullMatchN(const re2::StringPiece& text, const re2::RE2& re, "
    "const re2::RE2::Arg* const args[], int n)",
    "static bool PartialMatchN(const re2::StringPiece& text, "
    "const re2::RE2& re, const re2::RE2::Arg* const args[], int n)",
    "static int GlobalReplace(std::string* str, const re2::RE2& re, "
    "const re2::StringPiece& rewrite)",
    "static bool Extract(const re2::StringPiece& text, const re2::RE2& re, "
    "const re2::StringPiece& rewrite, std::string* out)",
    "static std::string QuoteMeta(const re2::StringPiece& unquoted)",
])

CASES = [(rb"h.*o", b"hello"), (rb"(\w+)@(\w+)\.com", b"ann@example.com"),
         (rb"[0-9]+", b"12ab34"), (rb"a|b|c", b"b"), (rb"x*", b"")]


class piece:
    """A re2::StringPiece over a copy of data, alive as long as this."""

    def __init__(self, data):
        self.buf = crossrun.buffer(len(data) + 1)
        self.buf[:len(data)] = data
        self.sp = Piece(data_=self.buf.pointer, size_=len(data))


def test_full_and_partial_match_agree_with_python():
    for pattern, text in CASES:
        with RE2(pattern) as r:
            t = piece(text)
            assert RE2.FullMatchN(t.sp, r, None, 0) == \
                (re.fullmatch(pattern, text) is not None), (pattern, text)
            assert RE2.PartialMatchN(t.sp, r, None, 0) == \
                (re.search(pattern, text) is not None), (pattern, text)


def test_global_replace_edits_the_std_string_out_parameter():
    text = b"ann@example.com, bob@test.com; carl@x.org"
    pattern = rb"(\w+)@(\w+)\.com"
    s = crossrun.StdString(text)
    rewrite = piece(rb"\2:\1")       # alive across the call
    with RE2(pattern) as r:
        n = RE2.GlobalReplace(s, r, rewrite.sp)
    want, count = re.subn(pattern, rb"\2:\1", text)
    assert n == count == 2 and bytes(s) == want


def test_extract_and_quote_meta():
    out = crossrun.StdString(b"")
    text, rewrite = piece(b"mail ann@example.com now"), piece(rb"\2!\1")
    with RE2(rb"(\w+)@(\w+)\.com") as r:
        assert RE2.Extract(text.sp, r, rewrite.sp, out) is True
    m = re.search(rb"(\w+)@(\w+)\.com", b"mail ann@example.com now")
    assert bytes(out) == m.expand(rb"\2!\1")
    for raw in [b"1.5+2*[x]", b"a\\b(c)?", b"x y.z"]:
        p = piece(raw)
        q = bytes(RE2.QuoteMeta(p.sp))            # std::string by value
        assert q != raw and re.fullmatch(q, raw) is not None
        with RE2(q) as r:
            assert RE2.FullMatchN(p.sp, r, None, 0) is True
