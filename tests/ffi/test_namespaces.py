"""crossrun.load(path, isolated=True): a library and its dependencies in
a link namespace of their own (dlmopen)."""
import signal

import crossrun
from crossrun import _native

FIX = "fixtures/build/"


def test_two_versions_side_by_side():
    v1 = crossrun.load(FIX + "libversioned_v1.so", isolated=True)
    v2 = crossrun.load(FIX + "libversioned_v2.so", isolated=True)
    assert v1.fn("int version(void)")() == 1
    assert v2.fn("int version(void)")() == 2
    bump1 = v1.fn("int versioned_bump(void)")
    bump2 = v2.fn("int versioned_bump(void)")
    assert [bump1(), bump1(), bump2(), bump1(), bump2()] == [1, 2, 2, 3, 4]


def test_globals_are_fresh_in_each_namespace():
    base = crossrun.load(FIX + "libcounter.so")
    a = crossrun.load(FIX + "libcounter.so", isolated=True)
    b = crossrun.load(FIX + "libcounter.so", isolated=True)
    nb, na, nbb = (lib.fn("int counter_next(void)") for lib in (base, a, b))
    assert [nb(), nb(), na(), nbb(), na(), nb()] == [1, 2, 1, 1, 2, 3]
    assert a.file == b.file == base.file


def test_isolated_cpp_library_with_its_dependencies():
    lib = crossrun.load(FIX + "liborders_now.so", isolated=True)
    assert lib.fn("int orders::stock(const char*)")("x") == -1
    assert "db::query(char const*)" in lib.imports()


def test_isolated_std_string_results_use_the_librarys_allocator():
    calc = crossrun.load(FIX + "libcalc.so", isolated=True)
    repeat = calc.fn("std::string calc::repeat(const std::string&, int)")
    greet = calc.fn("std::string calc::greet(const std::string&)")
    for _ in range(50):                   # long strings: heap buffers
        assert bytes(repeat(crossrun.StdString(b"abcdefgh"), 20)) == \
            b"abcdefgh" * 20
    assert bytes(greet("world")) == b"hello, world"


def test_isolated_refuses_strings_the_library_could_reallocate():
    calc = crossrun.load(FIX + "libcalc.so", isolated=True)
    for decl in ["void calc::fill(std::string*, int)",
                 "void calc::append_to(std::string&, const char*)",
                 "size_t calc::length(std::string)"]:
        try:
            calc.fn(decl)
        except crossrun.DeclarationError as e:
            assert "isolated=True" in str(e) and "allocator" in str(e)
            assert "parameter 1" in str(e)
        else:
            assert False, decl + " was accepted"
    # the same declarations are fine without isolation
    plain = crossrun.load(FIX + "libcalc.so")
    s = crossrun.StdString(b"")
    plain.fn("void calc::fill(std::string*, int)")(s, 40)
    assert bytes(s) == b"x" * 40


def test_exception_out_of_an_isolated_library():
    # documented limit: the namespace has its own C++ runtime; whether its
    # unwinder gets through crossrun's frames depends on the host (under
    # runner/crossrun it does; a process that did not link libstdc++
    # itself may terminate). Either way the test process learns of it.
    calc = crossrun.load(FIX + "libcalc.so", isolated=True)
    parse = calc.fn("int calc::parse_positive(const char*)")

    def child():
        try:
            parse("")
        except crossrun.CxxException as e:
            return "caught %s: %s" % (e.type, e.what)
        return "returned"
    r = _native.run_isolated(child)
    assert (r.report == b"caught calc::ParseError: empty input"
            or r.signal == signal.SIGABRT), r


def test_load_errors_name_the_file():
    try:
        crossrun.load(FIX + "libnothere.so", isolated=True)
    except crossrun.LoadError as e:
        assert "libnothere.so: cannot open shared object file" in str(e)
    else:
        assert False
    try:
        crossrun.load(FIX + "libcounter.so", isolated=True, lazy=True)
    except TypeError as e:
        assert "'lazy'" in str(e) and "isolated=" in str(e)
    else:
        assert False


def test_missing_dependency_says_how_to_stub_it():
    try:
        crossrun.load(FIX + "libinventory.so", isolated=True)
    except crossrun.LoadError as e:
        assert "libwarehouse.so: cannot open shared object file" in str(e)
        assert "stubs=True" in str(e)
    else:
        assert False
