"""Debian's RE2 (libre2-dev), a library nobody on the project wrote, whose
header keeps ok(), error(), pattern(), NumberOfCapturingGroups() and the
Options constructor inline: reached with load(headers=) and checked
against Python's own re module."""
import re

import crossrun

re2 = crossrun.load("libre2.so.9", headers=["re2/re2.h", "re2/set.h"])
# re2/re2.h: enum Anchor { UNANCHORED, ANCHOR_START, ANCHOR_BOTH }.
re2.enum("re2::RE2::Anchor", {"UNANCHORED": 0, "ANCHOR_START": 1,
                              "ANCHOR_BOTH": 2})

Piece = re2.struct("re2::StringPiece", [("data", "const char*"),
                                        ("size", "size_t")])
Options = re2.cls("re2::RE2::Options", size=64, methods=[
    "Options()",                                # inline
    "bool case_sensitive() const",              # inline
    "void set_case_sensitive(bool b)",          # inline
])
RE2 = re2.cls("re2::RE2", size=512, methods=[
    "RE2(const char* pattern)",
    "RE2(const re2::StringPiece& pattern, const re2::RE2::Options& options)",
    "~RE2()",
    "bool ok() const",                          # inline
    "const std::string& error() const",         # inline
    "const std::string& pattern() const",       # inline
    "int NumberOfCapturingGroups() const",      # inline
    "const std::map<std::string, int>& NamedCapturingGroups() const",
])
Set = re2.cls("re2::RE2::Set", size=512, methods=[
    "Set(const re2::RE2::Options& options, re2::RE2::Anchor anchor)",
    "~Set()",
    "int Add(const re2::StringPiece& pattern, std::string* error)",
    "bool Compile()",
    "bool Match(const re2::StringPiece& text, std::vector<int>* v) const",
])
full_match = re2.fn("static bool re2::RE2::FullMatchN(const re2::StringPiece& text, "
                    "const re2::RE2& re, const re2::RE2::Arg* const* args, int n)")
partial_match = re2.fn("static bool re2::RE2::PartialMatchN(const re2::StringPiece& text, "
                       "const re2::RE2& re, const re2::RE2::Arg* const* args, int n)")

PATTERNS = [r"(?P<year>\d{4})-(?P<month>\d\d)", r"a+b*", r"(x)(y)?(?:z)",
            r"(?P<word>\w+)@(?P<host>[a-z.]+)", r"h[a-z]+o$"]
TEXTS = ["2024-05", "aab", "xyz", "x", "bob@example.org", "hello", "", "aaac"]


_alive = []   # the bytes a StringPiece points to, kept for the test


def piece(b):
    buf = crossrun.buffer(len(b) + 1)
    buf[:len(b)] = b
    _alive.append(buf)
    return Piece(data=buf, size=len(b))


def test_inline_accessors_of_a_compiled_pattern():
    for p in PATTERNS:
        with RE2(p.encode()) as r:
            assert r.ok() is True
            assert bytes(r.pattern()) == p.encode()
            assert bytes(r.error()) == b""
            assert r.NumberOfCapturingGroups() == re.compile(p).groups


def test_a_bad_pattern_is_not_ok_and_says_why():
    with RE2(b"(a+") as r:
        assert r.ok() is False
        assert b"missing )" in bytes(r.error())
    try:
        re.compile("(a+")
    except re.error as e:
        assert "missing )" in str(e)   # both libraries call it that


def test_named_groups_come_back_as_a_dict_as_python_reports_them():
    for p in PATTERNS:
        with RE2(p.encode()) as r:
            assert r.NamedCapturingGroups() == re.compile(p).groupindex


def test_full_and_partial_match_agree_with_python():
    for p in PATTERNS:
        with RE2(p.encode()) as r:
            for t in TEXTS:
                tb = t.encode()
                assert full_match(piece(tb), r, None, 0) == \
                    (re.fullmatch(p, t, re.ASCII) is not None), (p, t)
                assert partial_match(piece(tb), r, None, 0) == \
                    (re.search(p, t, re.ASCII) is not None), (p, t)


def test_options_built_by_their_inline_constructor():
    with Options() as o:
        assert o.case_sensitive() is True      # the documented default
        o.set_case_sensitive(False)
        with RE2(piece(b"hello"), o) as r:
            assert full_match(piece(b"HeLLo"), r, None, 0) is True
    with RE2(b"hello") as r:
        assert full_match(piece(b"HeLLo"), r, None, 0) is False


def test_a_set_fills_a_python_owned_vector_with_the_matching_patterns():
    with Options() as o, Set(o, 0) as s:   # 0: UNANCHORED
        err = crossrun.StdString(b"")
        for i, p in enumerate(PATTERNS):
            assert s.Add(piece(p.encode()), err) == i
        assert s.Add(piece(b"(unclosed"), err) == -1
        assert b"missing )" in bytes(err)
        assert s.Compile() is True
        for t in TEXTS:
            hits = crossrun.StdVector("int")
            matched = s.Match(piece(t.encode()), hits)
            want = [i for i, p in enumerate(PATTERNS)
                    if re.search(p, t, re.ASCII)]
            assert sorted(hits.value()) == want, t
            assert matched == bool(want)
