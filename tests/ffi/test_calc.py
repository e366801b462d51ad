"""The FFI on fixtures/src/calc.cc: C++ functions by declaration,
overloads, integer ranges, structs, enums, std::string, buffers."""
import crossrun

calc = crossrun.load("fixtures/build/libcalc.so")


def test_namespaced_function_by_declaration():
    add = calc.fn("int calc::add(int, int)")
    assert add(2, 3) == 5
    assert add.symbol == "_ZN4calc3addEii"


def test_overloads_resolved_by_parameter_types():
    addd = calc.fn("double calc::add(double, double)")
    add3 = calc.fn("long long calc::add(long long a, long long b, long long c)")
    assert addd(1.5, 2.25) == 3.75
    assert add3(1, 2, 3) == 6
    assert calc.fn("int calc::add(int, int)").symbol != addd.symbol


def test_c_function_and_parameter_names():
    assert calc.fn("int calc_add_c(int a, int b)")(40, 2) == 42


def test_both_spellings_of_a_type_match():
    a = calc.fn("size_t calc::count_chars(const char* s, char c)")
    b = calc.fn("unsigned long calc::count_chars(char const*, char)")
    assert a.symbol == b.symbol
    assert a(b"banana", b"a") == 3
    assert b("banana", ord("n")) == 2
    c = calc.fn("int64_t calc::add(long long, long long, long long)")
    assert c(1, 1, 1) == 3


def test_small_and_large_integers():
    assert calc.fn("unsigned char calc::wrap(unsigned char)")(255) == 0
    assert calc.fn("int8_t calc::negate8(int8_t)")(-128) == -128
    assert calc.fn("int8_t calc::negate8(signed char)")(5) == -5
    big = calc.fn("uint64_t calc::big(uint64_t)")
    assert big(0) == 2**64 - 1
    assert big(2**64 - 1) == 0


def test_bool_result_is_a_python_bool():
    is_even = calc.fn("bool calc::is_even(int)")
    assert is_even(4) is True
    assert is_even(3) is False


def test_float_double_and_mixed_registers():
    assert calc.fn("float calc::half(float)")(3.0) == 1.5
    assert calc.fn("double calc::mix(int, double, long, float)")(1, 0.5, 2, 0.25) == 3.75
    assert calc.fn("int calc::sum_many(int, int, int, int, int, int, int, int)")(
        1, 2, 3, 4, 5, 6, 7, 8) == 36


def test_default_argument_in_declaration():
    scaled = calc.fn("int calc::scaled(int a, int factor = 10)")
    assert scaled(4) == 40
    assert scaled(4, 2) == 8


def test_structs_by_value_and_nested():
    Point = calc.struct("calc::Point", [("x", "double"), ("y", "double")])
    Rect = calc.struct("calc::Rect", [("min", "calc::Point"), ("max", "calc::Point"),
                                      ("id", "int")])
    mid = calc.fn("calc::Point calc::midpoint(calc::Point, calc::Point)")
    m = mid(Point(x=0.0, y=0.0), Point(2.0, 4.0))
    assert (m.x, m.y) == (1.0, 2.0)
    assert isinstance(m, Point)
    r = Rect(min=Point(0.0, 0.0), max=Point(2.0, 3.0), id=1)
    assert calc.fn("double calc::area(calc::Rect)")(r) == 6.0
    g = calc.fn("calc::Rect calc::grow(const calc::Rect&, double)")(r, 1.0)
    assert (g.min.x, g.max.y, g.id) == (-1.0, 4.0, 2)
    r.max.x = 4.0  # a nested field is a view into r
    assert r.max.x == 4.0 and calc.fn("double calc::area(calc::Rect)")(r) == 12.0
    assert Point.size == 16 and Rect.size == 40
    assert repr(Point(1.0, 2.0)) == "calc::Point(x=1.0, y=2.0)"


def test_struct_through_pointer_is_changed_in_place():
    Point = calc.struct("calc::Point", [("x", "double"), ("y", "double")])
    p = Point(1.0, 1.0)
    calc.fn("void calc::move(calc::Point*, double, double)")(p, 0.5, -1.0)
    assert (p.x, p.y) == (1.5, 0.0)


def test_struct_with_array_fields():
    Stats = calc.struct("calc::Stats", [("values", "int[4]"), ("tag", "char[8]")])
    s = Stats(values=[1, 2, 3, 4], tag=b"abc")
    assert s.values == [1, 2, 3, 4]
    assert s.tag == b"abc\0\0\0\0\0"
    assert calc.fn("int calc::stats_sum(calc::Stats)")(s) == 13


def test_enums():
    Color = calc.enum("calc::Color", {"RED": 0, "GREEN": 5, "BLUE": 6})
    nxt = calc.fn("calc::Color calc::next(calc::Color)")
    assert nxt(Color.RED) is Color.GREEN
    assert nxt(5) == Color.BLUE
    Level = calc.enum("calc::Level", {"LOW": 1, "HIGH": 200}, size=1)
    assert calc.fn("calc::Level calc::raise(calc::Level)")(Level.LOW) is Level.HIGH


def test_std_string_by_const_ref_and_result():
    greet = calc.fn("std::string calc::greet(const std::string&)")
    r = greet("world")
    assert isinstance(r, crossrun.StdString)
    assert bytes(r) == b"hello, world" and r == "hello, world"
    assert greet(crossrun.StdString(b"you")) == b"hello, you"
    long_text = "x" * 1000
    assert len(greet(long_text)) == 1007


def test_std_string_by_value():
    length = calc.fn("size_t calc::length(std::string)")
    s = crossrun.StdString(b"abc")
    assert length(s) == 3
    assert bytes(s) == b"abc"  # the callee changed its own copy only
    assert length(b"hello") == 5 and length("h\u00e9") == 3


def test_std_string_out_parameter():
    fill = calc.fn("void calc::fill(std::string* out, int n)")
    s = crossrun.StdString(b"")
    fill(s, 20)
    assert bytes(s) == b"x" * 20
    append = calc.fn("void calc::append_to(std::string&, const char*)")
    append(s, "!")
    assert bytes(s) == b"x" * 20 + b"!"


def test_buffer_passes_as_pointer():
    buf = crossrun.buffer(8)
    assert len(buf) == 8 and bytes(buf) == bytes(8)
    calc.fn("void calc::fill_bytes(unsigned char*, size_t, unsigned char)")(buf, 4, 10)
    assert bytes(buf) == bytes([10, 11, 12, 13, 0, 0, 0, 0])
    assert buf[1:3] == bytes([11, 12])
    out = crossrun.buffer(8)
    calc.fn("void calc::write_u64(uint64_t*, uint64_t)")(out, 0x0102030405060708)
    assert int.from_bytes(bytes(out), "little") == 0x0102030405060708
    assert out.read("uint64_t") == 0x0102030405060708
    buf[:8] = (7).to_bytes(8, "little")
    assert buf.read("long") == 7


def test_bytes_and_bytearray_pass_to_byte_pointers():
    cs = calc.fn("uint32_t calc::checksum(const uint8_t*, size_t)")
    assert cs(b"ab", 2) == 97 * 31 + 98
    assert cs(bytearray(b"ab"), 2) == 97 * 31 + 98
    assert cs(None, 0) == 0


def test_returned_pointers():
    assert calc.fn("int* calc::null_ptr()")() is None
    p = calc.fn("const char* calc::version()")()
    assert isinstance(p, crossrun.Pointer)
    assert p.string() == "calc 1.0" and p.bytes(4) == b"calc"
    assert int(p) != 0 and p.read("char", 1) == ord("a")


def test_references_to_scalars():
    x = crossrun.buffer(4)
    x.write("int", 41)
    calc.fn("void calc::inc(int&)")(x)
    assert x.read("int") == 42
    assert calc.fn("int calc::twice(const int&)")(21) == 42


def test_symbols_lists_demangled_functions():
    names = calc.symbols()
    assert "calc::add(int, int)" in names
    assert "calc::Circle::area() const" in names
    assert "calc_add_c" in names
    assert names == sorted(names)


def test_function_is_cached_and_direct():
    f = calc.fn("int calc::add(int, int)")
    assert f is calc.fn("int calc::add(int, int)")
    assert f.direct
