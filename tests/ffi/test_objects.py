"""C++ objects as real libraries pass them (fixtures/src/objs.cc): a
library's own typedefs, classes by value, virtual interfaces, operators,
default arguments, exact bytes of text and versioned names."""
import crossrun

objs = crossrun.load("fixtures/build/libobjs.so")
objs.typedef("la_int64_t", "int64_t")
objs.typedef("uLong", "unsigned long")


def test_a_librarys_own_typedefs_keep_64_bits():
    big = objs.fn("la_int64_t objs::big_size(la_int64_t times)")
    assert big(1) == 5_000_000_000          # not 705,032,704
    assert big(-2) == -10_000_000_000
    assert big.symbol == "_ZN4objs8big_sizeEl"
    assert objs.fn("uLong objs::twice(uLong)")(2**62) == 2**63


def test_typedef_of_a_typedef_and_const_and_pointer():
    objs.typedef("my_size", "uLong")
    assert objs.fn("const my_size objs::twice(const my_size)")(21) == 42


def test_c_library_typedefs_are_built_in():
    libc = crossrun.load("libc.so.6")
    assert libc.fn("pid_t getpid()")() > 0
    t = libc.fn("time_t time(time_t*)")(None)
    assert t > 1_600_000_000
    assert libc.fn("off_t lseek(int, off_t, int)")(-1, 0, 0) == -1
    assert libc.fn("ptrdiff_t labs(ptrdiff_t)")(-(2**40)) == 2**40


Mode = objs.enum("objs::Mode", {"Slow": 1, "Fast": 2})
Dict = objs.cls("objs::Dict", size=128, methods=[
    "Dict()",
    "int& operator[](const char* key)",
    "bool operator==(const objs::Dict& o) const",
    "explicit operator bool() const",
    "int operator()(int x) const",
])
Money = objs.struct("objs::Money", [("cents", "long")])


def test_member_operators_are_attributes_named_like_the_operator():
    d = Dict()
    ref = getattr(d, "operator[]")(b"a")       # int&: a Pointer to the slot
    ref.write("int", 41)
    assert getattr(d, "operator[]")(b"a").read("int") == 41
    assert getattr(d, "operator bool")() is True
    assert getattr(d, "operator()")(2) == 82
    assert getattr(d, "operator==")(d) is True


def test_member_operators_serve_pythons_protocol():
    d, e = Dict(), Dict()
    assert not d and d == e                    # operator bool, operator==
    d[b"b"] = 7                                # int& operator[]: written
    assert d[b"b"] == 7 and d[b"a"] == 0       # ... and read back
    assert d and not (d == e) and d != e
    d[b"a"] = 3
    assert d(5) == 15                          # operator()
    e[b"b"] = 7
    e[b"a"] = 3
    assert d == e


def test_free_operators_serve_the_first_operands_class():
    lt = objs.fn("bool objs::operator<(const objs::Money&, const objs::Money&)")
    add = objs.fn("objs::Money objs::operator+(const objs::Money& a, "
                  "const objs::Money& b)")
    a, b = Money(cents=250), Money(cents=199)
    assert lt(b, a) is True and getattr(lt, "symbol") == "_ZN4objsltERKNS_5MoneyES2_"
    assert (b < a) is True and (a < b) is False
    assert (a + b).cents == 449 and add(a, b).cents == 449


def test_default_arguments_of_every_literal_kind_may_be_omitted():
    describe = objs.fn(
        "std::string objs::describe(int n, char sep = '/', "
        "const char* text = \"a\\\"b\\\\c\", bool flag = true, "
        "const void* p = nullptr, objs::Mode mode = objs::Mode::Fast, "
        "double scale = -1.5, unsigned mask = 0x1fu)")
    # n / text / flag / p / mode / scale / mask, as the C++ side prints them
    assert bytes(describe(1)) == b'1/a"b\\c/1/null/2/-1.5/31'
    assert bytes(describe(2, b":")) == b'2:a"b\\c:1:null:2:-1.5:31'
    assert bytes(describe(3, b"-", b"t", False, b"x", Mode.Slow)) == \
        b"3-t-0-p-1--1.5-31"
    enum_default = objs.fn("std::string objs::describe(int, char = ';', "
                           "const char* = \"\\x41\\102\", bool = false, "
                           "const void* = NULL, objs::Mode = objs::Mode::Slow, "
                           "double = 2e3, unsigned = 0b101)")
    assert bytes(enum_default(4)) == b"4;AB;0;null;1;2000;5"


def test_text_that_is_not_utf8_keeps_its_bytes_and_never_raises():
    s = objs.fn("std::string objs::latin1()")()
    assert bytes(s) == b"caf\xe9"
    assert str(s) == "caf\ufffd" and "StdString" in repr(s)
    p = objs.fn("const char* objs::latin1_c()")()
    assert p.bytes(5) == b"na\xefve" and p.string() == "na\ufffdve"


def test_versioned_c_names_and_namespaces_are_found_by_their_header_names():
    s = objs.fn("int objs_sum(int, int)")
    assert s(2, 3) == 5 and s.symbol == "objs_sum_4"
    t = objs.fn("int objs::triple(int)")     # namespace objs_4, like icu_72
    assert t(4) == 12 and t.symbol == "_ZN6objs_46tripleEi"


def test_a_versioned_name_matching_twice_is_refused_not_picked():
    try:
        objs.fn("int objs_dup()")
    except crossrun.SymbolNotFound as e:
        assert "matches 2 exported functions" in str(e), str(e)
    else:
        raise AssertionError("objs_dup resolved to one of two versions")
