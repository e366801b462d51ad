"""load(headers=, cflags=): what the libstdc fixture's header defines but
the library does not export (a header-only class, inline operators, an
inline function, a template used for a type the library did not
instantiate) compiled into a cached shim; and the errors when it cannot
be."""
import os
import shutil
import tempfile

import crossrun

INC = os.path.abspath("fixtures/src/include")
LIB = "fixtures/build/libstdc.so"
lib = crossrun.load(LIB, headers=["stdc/stdc.h"], cflags=["-I", INC])

# Built here, in the worker, before the tests fork: one compile for all.
Counter = lib.cls("stdc::Counter", size=64, methods=[
    "explicit Counter(int start)",
    "int get() const",
    "void add(int k)",
    "bool ok() const",
    "const std::string& label() const",
    "void set_label(const std::string& s)",
    "~Counter()",
])
LongBox = lib.cls("stdc::Box<long>", size=8, methods=[
    "Box<long>()", "long get() const", "void set(long x)",
    "std::vector<long> repeat(int n) const",
])
IntBox = lib.cls("stdc::Box<int>", size=8, methods=[
    "Box<int>()", "int get() const", "void set(int x)",
    "std::vector<int> repeat(int n) const",
])


def test_a_header_only_class():
    with Counter(5) as c:
        c.add(3)
        assert c.get() == 8 and c.ok() is True
        c.add(-10)
        assert c.ok() is False
        c.set_label("a label longer than the small buffer")
        assert bytes(c.label()) == b"a label longer than the small buffer"


def test_inline_operators_and_functions():
    eq = lib.fn("bool stdc::operator==(const stdc::Counter& a, const stdc::Counter& b)")
    assert eq(Counter(2), Counter(2)) is True
    assert eq(Counter(2), Counter(3)) is False
    put = lib.fn("std::string& stdc::operator<<(std::string& out, const stdc::Counter& c)")
    s = crossrun.StdString(b"got ")
    put(s, Counter(7))
    put(s, Counter(-1))
    assert bytes(s) == b"got Counter(7)Counter(-1)"
    assert lib.fn("int stdc::twice(int x)")(21) == 42


def test_a_template_exported_for_int_and_double_and_reached_for_long():
    assert lib.fn("int stdc::Box<int>::get() const").symbol == \
        "_ZNK4stdc3BoxIiE3getEv"                 # the library's own
    assert lib.fn("double stdc::Box<double>::get() const").symbol == \
        "_ZNK4stdc3BoxIdE3getEv"                 # its other instance
    assert lib.fn("long stdc::Box<long>::get() const").symbol == \
        "crossrun_shim"                          # through the header
    with LongBox() as b:
        b.set(1 << 40)
        assert b.get() == 1 << 40
        assert b.repeat(3) == [1 << 40] * 3
    with IntBox() as b:
        b.set(-7)
        assert b.get() == -7 and b.repeat(2) == [-7, -7]


def test_without_headers_an_inline_method_says_how_to_reach_it():
    plain = crossrun.load(LIB)
    try:
        plain.fn("int stdc::Counter::get() const")
    except crossrun.SymbolNotFound as e:
        assert "inline" in str(e) and "headers=" in str(e)
    else:
        raise AssertionError("an inline method without headers=")


def test_a_declaration_the_header_does_not_have_is_the_compilers_error():
    try:
        lib.fn("int stdc::not_in_the_header(int)")
    except crossrun.DeclarationError as e:
        assert "not_in_the_header" in str(e)
        assert "not a member of" in str(e) or "was not declared" in str(e)
    else:
        raise AssertionError("compiled a function no header declares")


def test_a_header_that_does_not_compile():
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "broken.h"), "w") as f:
        f.write("namespace stdc { int twice(int x) { return x * ; } }\n")
    bad = crossrun.load(LIB, headers=[os.path.join(d, "broken.h")])
    try:
        bad.fn("int stdc::twice(int x)")
    except crossrun.DeclarationError as e:
        assert "broken.h" in str(e) and "expected" in str(e)
    else:
        raise AssertionError("a broken header compiled")
    finally:
        shutil.rmtree(d)


def test_a_missing_header():
    bad = crossrun.load(LIB, headers=["stdc/no_such_header.h"], cflags=["-I", INC])
    try:
        bad.fn("int stdc::twice(int x)")
    except crossrun.DeclarationError as e:
        assert "no_such_header.h" in str(e)
    else:
        raise AssertionError("a missing header compiled")


def test_the_cache_is_reused_and_works_from_a_read_only_place():
    home = tempfile.mkdtemp()
    log = os.path.join(home, "compiles.log")
    cxx = os.path.join(home, "logging-c++")
    with open(cxx, "w") as f:   # CXX is honoured: this one counts runs
        f.write("#!/bin/sh\necho run >> %s\nexec c++ \"$@\"\n" % log)
    os.chmod(cxx, 0o755)
    old = dict(os.environ)
    try:
        os.environ["XDG_CACHE_HOME"] = os.path.join(home, "cache")
        os.environ["CXX"] = cxx
        os.environ.pop("CROSSRUN_CACHE_DIR", None)
        l1 = crossrun.load(LIB, headers=["stdc/stdc.h"], cflags=["-I", INC])
        assert l1.fn("int stdc::twice(int x)")(4) == 8
        shims = os.listdir(os.path.join(home, "cache", "crossrun"))
        assert len(shims) == 1 and shims[0].startswith("shim-")
        # A second load (as a later run would) compiles nothing.
        l2 = crossrun.load(LIB, headers=["stdc/stdc.h"], cflags=["-I", INC])
        assert l2.fn("int stdc::twice(int x)")(5) == 10
        assert os.listdir(os.path.join(home, "cache", "crossrun")) == shims
        with open(log) as f:
            assert f.read() == "run\n"
        # A compiler that cannot run is named.
        os.environ["CXX"] = "/nonexistent/c++"
        try:
            l2.fn("bool stdc::Counter::ok() const")
        except crossrun.DeclarationError as e:
            assert "/nonexistent/c++" in str(e)
        else:
            raise AssertionError("compiled without a compiler")
        del os.environ["CXX"]
        # A cache directory that cannot be made (as in a read-only test
        # tree, for any user, root too) falls back to the temp dir.
        blocked = os.path.join(home, "a-file")
        open(blocked, "w").close()
        os.environ["XDG_CACHE_HOME"] = blocked
        os.environ["HOME"] = blocked
        from crossrun import _shim
        assert _shim.cache_dir().startswith(tempfile.gettempdir())
        assert not _shim.cache_dir().startswith(home)
        l3 = crossrun.load(LIB, headers=["stdc/stdc.h"], cflags=["-I", INC])
        assert l3.fn("int stdc::twice(int x)")(6) == 12
    finally:
        os.environ.clear()
        os.environ.update(old)
        shutil.rmtree(home)


def test_a_shim_goes_into_an_isolated_librarys_namespace():
    iso = crossrun.load(LIB, isolated=True, headers=["stdc/stdc.h"],
                        cflags=["-I", INC])
    f = iso.fn("long stdc::sum(const std::vector<long>& v)")
    assert f([1, 2, 3]) == 6
    b = iso.cls("stdc::Box<long>", size=8, methods=["Box<long>()",
                                                     "long get() const",
                                                     "void set(long x)"])()
    b.set(9)
    assert b.get() == 9
    b.close()


def test_cflags_without_headers_is_a_mistake():
    try:
        crossrun.load(LIB, cflags=["-DX"])
    except TypeError as e:
        assert "headers" in str(e)
    else:
        raise AssertionError("cflags= without headers=")
