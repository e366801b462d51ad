"""One compile per set of declarations: lib.fns([...]) and the methods of a
lib.cls compile what the library does not export into one shim (counted
by crossrun._shim.compiles and by the cache directory's entries, not by
time); a later load of the same set compiles nothing; a declaration the
headers do not define fails alone, named, and the rest still work."""
import os
import shutil
import tempfile

import crossrun
from crossrun import _shim

LIB = "fixtures/build/libstdc.so"
HEADER = """namespace sets {
inline int twice(int x) { return 2 * x; }
inline int add(int a, int b) { return a + b; }
inline long square(long x) { return x * x; }
inline double half(double x) { return x / 2; }
template <class T> T biggest(T a, T b) { return a < b ? b : a; }
struct Acc {
    int n = 0;
    void add(int k) { n += k; }
    int get() const { return n; }
    bool operator<(const Acc& o) const { return n < o.n; }
};
inline bool operator==(const Acc& a, const Acc& b) { return a.n == b.n; }
enum Mode { Up = 1, Down = 2 };
inline int operator<<(const Acc& a, Mode m) { return -100 * m; }
inline int operator<<(const Acc& a, int k) { return a.n + k; }
inline int operator<<(const Acc& a, const char* s) { return s[0]; }
}
"""
INLINE = [
    "int sets::twice(int x)",
    "int sets::add(int a, int b)",
    "long sets::square(long x)",
    "double sets::half(double x)",
    "int sets::biggest<int>(int a, int b)",
    "double sets::biggest<double>(double a, double b)",
]
EXPORTED = "long stdc::sum(const std::vector<long>&)"


class Fresh:
    """A header of inline functions and an empty cache directory for the
    test; .compiles() is how many compiles ran since it began."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp()
        self.header = os.path.join(self.dir, "sets.h")
        with open(self.header, "w") as f:
            f.write(HEADER)
        self.cache = os.path.join(self.dir, "cache")
        self.old = os.environ.get("CROSSRUN_CACHE_DIR")
        os.environ["CROSSRUN_CACHE_DIR"] = self.cache
        self.start = _shim.compiles
        return self

    def load(self, header=None):
        return crossrun.load(LIB, headers=[header or self.header])

    def compiles(self):
        return _shim.compiles - self.start

    def shims(self):
        return [f for f in os.listdir(self.cache) if f.endswith(".so")]

    def __exit__(self, *exc):
        if self.old is None:
            del os.environ["CROSSRUN_CACHE_DIR"]
        else:
            os.environ["CROSSRUN_CACHE_DIR"] = self.old
        shutil.rmtree(self.dir)


def test_n_declarations_are_one_compile():
    with Fresh() as t:
        lib = t.load()
        twice, add, square, half, bigi, bigd, total = lib.fns(INLINE +
                                                              [EXPORTED])
        assert t.compiles() == 1 and len(t.shims()) == 1
        assert [f.symbol for f in (twice, add, square, half, bigi, bigd)] \
            == ["crossrun_shim"] * 6
        assert total.symbol != "crossrun_shim"      # exported: called there
        assert twice(21) == 42 and add(2, 3) == 5 and square(1 << 20) == 1 << 40
        assert half(3.0) == 1.5 and bigi(-4, 9) == 9 and bigd(2.5, -1.0) == 2.5
        assert total([1, 2, 3]) == 6
        # Declared again, one by one, they are the set's: nothing compiles.
        assert lib.fn(INLINE[0])(4) == 8 and lib.fn(INLINE[3])(1.0) == 0.5
        assert t.compiles() == 1


def test_a_second_load_of_the_same_set_compiles_nothing():
    with Fresh() as t:
        t.load().fns(INLINE)
        assert t.compiles() == 1
        again = t.load().fns(INLINE)
        assert t.compiles() == 1 and len(t.shims()) == 1
        assert again[1](40, 2) == 42


def test_a_class_with_inline_methods_and_operators_is_one_compile():
    with Fresh() as t:
        lib = t.load()
        Acc = lib.cls("sets::Acc", size=4, fields=[("n", "int")], methods=[
            "void add(int k)",
            "int get() const",
            "bool operator<(const sets::Acc& o) const",
        ])
        assert t.compiles() == 1
        eq, = lib.fns(["bool sets::operator==(const sets::Acc& a, "
                       "const sets::Acc& b)"])
        assert t.compiles() == 2
        a, b = Acc(), Acc()
        a.add(3)
        b.add(5)
        assert a.get() == 3 and a < b and not b < a
        b.add(-2)
        assert eq(a, b) is True and a == b


def test_a_declaration_the_headers_lack_fails_alone_and_named():
    bad = "int sets::missing(int x)"
    with Fresh() as t:
        lib = t.load()
        try:
            lib.fns([INLINE[0], bad, INLINE[1]])
        except crossrun.DeclarationError as e:
            assert e.declaration == bad
            assert str(e).startswith(bad + ": not exported by")
            assert "missing" in str(e) and "is not a member of" in str(e)
            assert "sets::missing(static_cast" in str(e)  # its shim function
            assert "twice" not in str(e) and "sets::add" not in str(e)
        else:
            raise AssertionError("compiled a function the header lacks")
        # The set, then the set without it: the others are compiled.
        assert t.compiles() == 2 and len(t.shims()) == 1
        assert lib.fn(INLINE[0])(5) == 10 and lib.fn(INLINE[1])(1, 2) == 3
        try:
            lib.fn(bad)                         # remembered, not recompiled
        except crossrun.DeclarationError as e:
            assert e.declaration == bad and "not a member" in str(e)
        else:
            raise AssertionError("the missing function compiled later")
        assert t.compiles() == 2


def test_a_header_that_does_not_compile_fails_each_declaration():
    with Fresh() as t:
        broken = os.path.join(t.dir, "broken.h")
        with open(broken, "w") as f:
            f.write(HEADER.replace("return 2 * x;", "return 2 * ;"))
        lib = t.load(broken)
        try:
            lib.fns(INLINE[:3])
        except crossrun.DeclarationError as e:
            assert e.declaration == INLINE[0]
            assert "broken.h" in str(e) and "expected" in str(e)
        else:
            raise AssertionError("a broken header compiled")
        try:
            lib.fn(INLINE[2])
        except crossrun.DeclarationError as e:
            assert e.declaration == INLINE[2] and "broken.h" in str(e)
        else:
            raise AssertionError("a broken header compiled")
        # Nothing is kept from a failure in no declaration: each compiles.
        assert t.compiles() == 2 and t.shims() == []


def test_fns_takes_a_list_of_declarations():
    lib = crossrun.load(LIB)
    try:
        lib.fns(EXPORTED)
    except TypeError as e:
        assert "a list of declarations" in str(e) and "lib.fn(" in str(e)
    else:
        raise AssertionError("fns() took a string")
    try:
        lib.fns([EXPORTED, 3])
    except TypeError as e:
        assert "item 1 is int" in str(e)
    else:
        raise AssertionError("fns() took a number")
    total, = lib.fns([EXPORTED])               # no headers: just lib.fn
    assert total([4, 5]) == 9 and lib.fns([]) == []


def test_a_class_size_smaller_than_the_headers_sizeof_is_refused():
    with Fresh() as t:
        lib = t.load()
        methods = ["void add(int k)", "int get() const"]
        try:
            lib.cls("sets::Acc", size=2, methods=methods)
        except crossrun.DeclarationError as e:
            assert 'lib.cls("sets::Acc", size=2)' in str(e)
            assert "(4 <= 2)" in str(e)        # sizeof(sets::Acc) is 4
        else:
            raise AssertionError("size=2 for a 4-byte class")
        # Nothing kept from it: the right size (or a larger one) compiles.
        Acc = lib.cls("sets::Acc", size=4, fields=[("n", "int")],
                      methods=methods)
        a = Acc()
        a.add(7)
        assert a.get() == 7
        assert lib.cls("sets::Acc", size=16, methods=methods)().get() == 0


def test_free_operator_overloads_are_chosen_by_the_operands_fit():
    with Fresh() as t:
        lib = t.load()
        Mode = lib.enum("sets::Mode", {"Up": 1, "Down": 2})
        Acc = lib.cls("sets::Acc", size=4, fields=[("n", "int")],
                      methods=["void add(int k)"])
        lib.fns([                        # the enum's overload declared first
            "int sets::operator<<(const sets::Acc& a, sets::Mode m)",
            "int sets::operator<<(const sets::Acc& a, int k)",
            "int sets::operator<<(const sets::Acc& a, const char* s)",
        ])
        a = Acc()
        a.add(3)
        assert (a << Mode.Down) == -200   # an enum member: the enum's
        assert (a << 2) == 5              # a plain int: the int's
        assert (a << b"A") == 65          # bytes: the const char*'s
        try:
            a << 1.5
        except TypeError:
            pass
        else:
            raise AssertionError("a float took an int or enum overload")
