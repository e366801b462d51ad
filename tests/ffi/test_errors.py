"""Every error the FFI reports, checked for type and for a message that
says what was wrong and where."""
import crossrun

calc = crossrun.load("fixtures/build/libcalc.so")


def raises(exc, f, *args, **kw):
    try:
        f(*args, **kw)
    except exc as e:
        return e
    raise AssertionError("%s not raised" % exc.__name__)


def test_missing_library_is_an_oserror_with_the_loaders_message():
    e = raises(crossrun.LoadError, crossrun.load, "fixtures/build/libnope.so")
    assert isinstance(e, OSError)
    assert "libnope.so" in str(e) and "No such file or directory" in str(e)
    e = raises(OSError, crossrun.load, "libdoes-not-exist.so.9")
    assert "libdoes-not-exist.so.9" in str(e)


def test_unloadable_file_is_an_oserror():
    e = raises(crossrun.LoadError, crossrun.load, "tests/ffi/test_errors.py")
    assert "invalid ELF header" in str(e) or "file too short" in str(e)


def test_unexpected_load_option():
    e = raises(TypeError, crossrun.load, "libz.so.1", bogus=True)
    assert "bogus" in str(e)


def test_declaration_error_names_the_column_and_what_was_expected():
    e = raises(crossrun.DeclarationError, calc.fn, "int calc::add(int, int")
    assert e.column == 23
    assert "expected ',' or ')'" in str(e) and "column 23" in str(e)
    e = raises(crossrun.DeclarationError, calc.fn, "int calc::add(int,, int)")
    assert e.column == 19 and "expected a parameter type" in e.reason
    e = raises(crossrun.DeclarationError, calc.fn, "int add(int) trailing")
    assert e.column == 14 and "end of the declaration" in str(e)
    e = raises(crossrun.DeclarationError, calc.fn, "unsigned double f()")
    assert e.column == 1
    assert isinstance(e, ValueError)


def test_unsupported_types_are_declaration_errors():
    e = raises(crossrun.DeclarationError, calc.fn, "int calc::add(void, int)")
    assert "void" in str(e)
    e = raises(crossrun.DeclarationError, calc.fn,
               "int calc::add(__int128, int)")
    assert "__int128" in str(e)


def test_missing_symbol_names_up_to_five_close_names():
    e = raises(crossrun.SymbolNotFound, calc.fn,
               "int calc::add(int, int, int)")
    assert isinstance(e, LookupError)
    assert 1 <= len(e.candidates) <= 5
    assert "calc::add(int, int)" in e.candidates
    assert "calc::add(double, double)" in e.candidates
    assert all(c in str(e) for c in e.candidates)
    assert e.declaration == "int calc::add(int, int, int)"
    e = raises(crossrun.SymbolNotFound, calc.fn, "int calc::ad(int, int)")
    assert "calc::add(int, int)" in e.candidates[:2]


def test_wrong_argument_type_names_position_and_declared_type():
    add = calc.fn("int calc::add(int, int)")
    e = raises(TypeError, add, 1, "2")
    assert str(e) == "argument 2: expected int for 'int', got str"
    e = raises(TypeError, add, 1.5, 2)
    assert "argument 1" in str(e) and "float" in str(e)
    count = calc.fn("size_t calc::count_chars(const char*, char)")
    e = raises(TypeError, count, 5, b"a")
    assert "argument 1" in str(e) and "'char const*'" in str(e)
    Point = calc.struct("calc::Point", [("x", "double"), ("y", "double")])
    mid = calc.fn("calc::Point calc::midpoint(calc::Point, calc::Point)")
    e = raises(TypeError, mid, Point(), 3)
    assert "argument 2" in str(e) and "calc::Point" in str(e)


def test_wrong_argument_count():
    add = calc.fn("int calc::add(int, int)")
    e = raises(TypeError, add, 1)
    assert "takes 2 arguments (1 given)" in str(e)
    e = raises(TypeError, add, 1, 2, 3)
    assert "(3 given)" in str(e)


def test_out_of_range_integers_are_overflow_errors():
    wrap = calc.fn("unsigned char calc::wrap(unsigned char)")
    e = raises(OverflowError, wrap, 256)
    assert str(e) == "argument 1: 256 is out of range for 'unsigned char'"
    raises(OverflowError, wrap, -1)
    raises(OverflowError, calc.fn("int calc::add(int, int)"), 2**31, 0)
    raises(OverflowError, calc.fn("int8_t calc::negate8(int8_t)"), 128)
    big = calc.fn("uint64_t calc::big(uint64_t)")
    raises(OverflowError, big, 2**64)
    raises(OverflowError, big, -1)


def test_null_for_a_reference_is_refused():
    e = raises(TypeError, calc.fn("int calc::twice(const int&)"), None)
    assert "argument 1" in str(e)


def test_str_only_for_const_char_pointers():
    fill = calc.fn("void calc::fill_bytes(unsigned char*, size_t, unsigned char)")
    e = raises(TypeError, fill, "text", 1, 0)
    assert "argument 1" in str(e)


def test_overload_with_no_match_lists_the_declared_ones():
    Circle = calc.cls("calc::Circle", size=64, methods=[
        "Circle(double)", "~Circle()", "void scale(double)", "void scale(int)"])
    with Circle(1.0) as c:
        e = raises(TypeError, c.scale, "big")
        assert "no overload of calc::Circle::scale takes (str)" in str(e)
        assert "void scale(int)" in str(e)


def test_class_size_must_be_given():
    raises(TypeError, calc.cls, "calc::Circle")
    raises(ValueError, calc.cls, "calc::Circle", size=0)


def test_bad_struct_field():
    e = raises(crossrun.DeclarationError, calc.struct, "calc::Bad",
               [("x", "doubel y")])
    assert e.column == 8


def test_unknown_type_by_value_is_refused_not_guessed():
    lib = crossrun.load("fixtures/build/libobjs.so")
    for decl, name in [("la_int64_t objs::big_size(la_int64_t)", "la_int64_t"),
                       ("uLong objs::twice(uLong)", "uLong"),
                       ("objs::Status objs::check(int)", "objs::Status")]:
        e = raises(crossrun.DeclarationError, lib.fn, decl)
        msg = str(e)
        assert "unknown type '%s'" % name in msg, msg
        for how in ("lib.typedef(", "lib.struct(", "lib.cls(", "lib.enum("):
            assert how in msg, msg


def test_typedef_errors():
    lib = crossrun.load("fixtures/build/libobjs.so")
    e = raises(crossrun.DeclarationError, lib.typedef, "size_t", "int")
    assert "already knows" in str(e)
    e = raises(crossrun.DeclarationError, lib.typedef, "my_t", "int int")
    assert "my_t" in str(e) or "int int" in str(e)
    lib.typedef("loop_a", "loop_b")
    e = raises(crossrun.DeclarationError, lib.typedef, "loop_b", "loop_a*")
    assert "refers to itself" in str(e)
    Color = lib.enum("objs::Mode")
    e = raises(crossrun.DeclarationError, lib.typedef, "objs::Mode", "int")
    assert "already declared" in str(e)


def test_default_argument_that_is_not_a_literal_is_refused():
    lib = crossrun.load("fixtures/build/libobjs.so")
    lib.enum("objs::Mode", {"Slow": 1, "Fast": 2})
    for bad in ["objs::Mode::Medium", "make_mode()", "'ab'", "1+2"]:
        e = raises(crossrun.DeclarationError, lib.fn,
                   "std::string objs::describe(int, char, const char*, bool, "
                   "const void*, objs::Mode = %s, double = 1.0, "
                   "unsigned = 1u)" % bad)
        assert "default value '%s'" % bad in str(e), str(e)
        assert "lib.enum" in str(e) and "nullptr" in str(e)


def test_class_by_value_mistakes_are_refused_before_any_call():
    lib = crossrun.load("fixtures/build/libobjs.so")
    lib.struct("objs::Status", [("code", "int")])
    e = raises(crossrun.DeclarationError, lib.fn,
               "objs::Status objs::check(int)")
    assert "lib.struct" in str(e) and "destructor" in str(e)
    assert "lib.cls(\"objs::Status\"" in str(e)
    lib2 = crossrun.load("fixtures/build/libobjs.so")
    lib2.cls("objs::Vec2", size=16, methods=[])
    e = raises(crossrun.DeclarationError, lib2.fn,
               "objs::Vec2 objs::make_vec(double, double)")
    assert "fields=" in str(e)
    lib2.cls("objs::Status", size=64, methods=["~Status()"])
    code_plus = lib2.fn("int objs::code_plus(objs::Status, int)")
    s = lib2.fn("objs::Status objs::check(int)")(1)
    e = raises(TypeError, code_plus, s, 1)
    assert "copy constructor" in str(e) and "Status(const objs::Status&)" in str(e)


def test_a_class_the_library_shows_is_not_trivial_is_not_passed_as_one():
    lib = crossrun.load("fixtures/build/libobjs.so")
    # ~Status() left out of methods=, so it looks trivially copyable:
    lib.cls("objs::Status", size=64, fields=[("code", "int")],
            methods=["int code() const"])
    e = raises(crossrun.DeclarationError, lib.fn,
               "objs::Status objs::check(int)")
    assert "gives it a destructor" in str(e) and "trivial=False" in str(e)


def test_a_virtual_method_declared_out_of_header_order_is_refused():
    lib = crossrun.load("fixtures/build/libobjs.so")
    # name() left out of Shape: Square's side() would land a slot early.
    Shape = lib.cls("objs::Shape", size=8, methods=[
        "virtual ~Shape()", "virtual double area() const = 0",
        "virtual int sides() const = 0"])
    e = raises(crossrun.DeclarationError, lib.cls, "objs::Square", size=16,
               base=Shape, methods=["virtual double side() const"])
    assert "slot 4" in str(e) and "slot 5" in str(e), str(e)
    assert "header's order" in str(e)
