"""The FFI on Debian's ICU (package libicu-dev), which exports every name
with its version: the C function u_strToUpper as u_strToUpper_72 and the
C++ classes in namespace icu_72 (the header's "icu::"). Both are called by
their header names: u_strToUpper with full case mapping, and
icu::UnicodeString, a class with a virtual destructor returned by value
from UnicodeString::fromUTF8(icu::StringPiece), a trivially copyable
class passed by value in registers. Checked against Python's own Unicode
case mapping and codecs."""
import crossrun

uc = crossrun.load("libicuuc.so.72")
uc.typedef("UChar", "char16_t")                 # unicode/umachine.h
UErrorCode = uc.enum("UErrorCode", {"U_ZERO_ERROR": 0,
                                    "U_BUFFER_OVERFLOW_ERROR": 15})

to_upper = uc.fn("int32_t u_strToUpper(UChar* dest, int32_t destCapacity, "
                 "const UChar* src, int32_t srcLength, const char* locale, "
                 "UErrorCode* pErrorCode)")

# unicode/stringpiece.h: two fields, trivially copyable.
StringPiece = uc.cls("icu::StringPiece", size=16,
                     fields=[("ptr_", "const char*"), ("length_", "int32_t")],
                     methods=["StringPiece(const char* str)"])
# unicode/unistr.h
UnicodeString = uc.cls("icu::UnicodeString", size=64, methods=[
    "UnicodeString(const icu::UnicodeString& that)",
    "virtual ~UnicodeString()",
    # INT32_MAX is a macro: its value written out
    "int32_t countChar32(int32_t start = 0, int32_t length = 2147483647) const",
    "icu::UnicodeString& toUpper()",
    "int32_t extract(int32_t start, int32_t startLength, char* target, "
    "uint32_t targetLength, const char* codepage) const",
    "static icu::UnicodeString fromUTF8(icu::StringPiece utf8)",
    "bool operator==(const icu::UnicodeString& text) const",
])
from_utf8 = UnicodeString.fromUTF8

WORDS = ["stra\u00dfe", "caf\u00e9", "\u0457\u0436\u0430\u043a",
         "\u1f00\u03b9", "\U0001d4b3 ok"]


def utf16(s):
    """s as UTF-16 in a buffer (bytes pass only to pointers to bytes)."""
    data = s.encode("utf-16-le")
    buf = crossrun.buffer(len(data) + 2)
    buf[:len(data)] = data
    return buf


def test_versioned_c_function_by_its_header_name():
    assert to_upper.symbol == "u_strToUpper_72"
    for word in WORDS:
        src = utf16(word)
        dest = crossrun.buffer(64)
        err = crossrun.buffer(4)
        n = to_upper(dest, 32, src, len(src) // 2 - 1, b"", err)
        assert err.read("int") == UErrorCode.U_ZERO_ERROR
        assert bytes(dest[:2 * n]).decode("utf-16-le") == word.upper()


def test_a_too_small_buffer_reports_the_length_needed():
    src = utf16("stra\u00dfe")
    err = crossrun.buffer(4)
    n = to_upper(crossrun.buffer(4), 2, src, len(src) // 2 - 1, b"", err)
    assert n == len("STRASSE")
    assert err.read("int") == UErrorCode.U_BUFFER_OVERFLOW_ERROR


def utf8_of(u):
    out = crossrun.buffer(256)
    n = u.extract(0, u.countChar32() * 2, out, 256, b"UTF-8")
    return bytes(out[:n]).decode("utf-8")


def test_unicode_string_by_value_from_a_string_piece_by_value():
    for word in WORDS:
        text = word.encode("utf-8")              # alive while the piece is
        with StringPiece(text) as piece:
            s = from_utf8(piece)                 # icu::UnicodeString by value
        assert s.owned
        assert s.countChar32() == len(word)      # defaults omitted
        first = len(word[0].encode("utf-16-le")) // 2
        assert s.countChar32(first) == len(word) - 1
        assert utf8_of(s) == word
        s.toUpper()
        assert utf8_of(s) == word.upper()
        s.close()


def test_operator_equal_and_copies():
    t1, t2 = "caf\u00e9".encode(), b"cafe"     # the pieces point into them
    with StringPiece(t1) as p1, StringPiece(t2) as p2:
        a, b = from_utf8(p1), from_utf8(p2)
    c = UnicodeString(a)                         # the copy constructor
    assert a == c and not (a == b) and a != b
    c.toUpper()
    assert not (a == c) and utf8_of(c) == "CAF\u00c9"
    for s in (a, b, c):
        s.close()
