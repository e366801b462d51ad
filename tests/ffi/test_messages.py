"""Each message the FFI raises, in full, as a user reads it: what was
wrong, where, and what to write instead. One test per message."""
import gc
import re

import crossrun

LIB = "fixtures/build/libcalc.so"
calc = crossrun.load(LIB)
Point = calc.struct("calc::Point", [("x", "double"), ("y", "double")])
Config = calc.struct("calc::Config", [("name", "const char*"), ("n", "int"),
                                      ("tag", "char[4]"), ("vals", "int[2]")])
Shape = calc.cls("calc::Shape", size=64, methods=[
    "Shape(const char* name)", "virtual ~Shape()",
    "virtual double area() const"])
Circle = calc.cls("calc::Circle", size=64, base=Shape, methods=[
    "Circle(double r)", "~Circle()", "void scale(double)", "void scale(int)",
    "double radius() const"])
add = calc.fn("int calc::add(int, int)")


def message(exc, f, *args, **kw):
    """The text of the exc that f(*args, **kw) raises."""
    try:
        f(*args, **kw)
    except exc as e:
        return str(e)
    raise AssertionError("%s not raised" % exc.__name__)


# ---- struct fields ----

def test_bytes_and_str_go_into_a_const_char_pointer_field():
    c = Config()
    c.name = bytes(range(65, 70))       # the struct keeps them alive
    gc.collect()
    assert c.name.string() == "ABCDE"
    c.name = "h\u00e9"
    assert c.name.string() == "h\u00e9"
    c.name = None
    assert not c.name
    d = Config(b"abc", 3)      # the constructor takes them too
    assert d.name.string() == "abc" and d.n == 3


def test_a_struct_that_views_foreign_memory_refuses_bytes():
    view = crossrun.buffer(64).read(Config)
    assert message(TypeError, setattr, view, "name", b"abc") == \
        "calc::Config.name: this calc::Config views memory that crossrun " \
        "does not own, which would point at the bytes after Python frees " \
        "it; assign a crossrun.buffer(b'...') that you keep alive while C " \
        "uses it"
    keep = crossrun.buffer(b"abc\0")   # what it says to do works
    view.name = keep
    assert view.name.string() == "abc"


def test_a_struct_field_of_the_wrong_type_is_named():
    assert message(TypeError, setattr, Config(), "n", "x") == \
        "calc::Config.n: expected int for 'int', got str"


def test_a_pointer_field_says_what_it_takes():
    assert message(TypeError, setattr, Config(), "name", 5) == \
        "calc::Config.name: expected bytes, str, a Pointer, a " \
        "crossrun.buffer, a lib.cls object or None for 'char const*', " \
        "got int"


def test_an_out_of_range_struct_field_is_named():
    assert message(OverflowError, setattr, Config(), "n", 1 << 40) == \
        "calc::Config.n: 1099511627776 is out of range for 'int'"


def test_bytes_too_long_for_a_char_array_field():
    assert message(ValueError, setattr, Config(), "tag", b"toolong") == \
        "calc::Config.tag: 7 bytes do not fit in its 4; give at most 4 " \
        "(the rest is filled with NUL bytes)"


def test_an_array_field_takes_a_list():
    assert message(TypeError, setattr, Config(), "vals", 3) == \
        "calc::Config.vals is an array of 2: assign a list or tuple of 2 " \
        "values, not int"


def test_an_array_field_takes_exactly_its_length():
    assert message(ValueError, setattr, Config(), "vals", [1]) == \
        "calc::Config.vals is an array of 2: assign exactly 2 values, not 1"


def test_an_array_element_of_the_wrong_type_is_named():
    assert message(TypeError, setattr, Config(), "vals", [1, "a"]) == \
        "calc::Config.vals: expected int for 'int', got str"


def test_a_struct_field_cannot_be_deleted():
    assert message(TypeError, delattr, Config(), "n") == \
        "del calc::Config.n: a struct field cannot be deleted; assign it " \
        "a value instead"


def test_a_struct_given_too_many_values_lists_its_fields():
    assert message(TypeError, Point, 1, 2, 3) == \
        "calc::Point(x, y) has 2 fields, 3 values given"


def test_a_struct_given_an_unknown_field_lists_its_fields():
    assert message(TypeError, Point, z=1) == \
        "calc::Point has no field 'z'; its fields: x, y"


def test_a_struct_class_without_fields():
    assert message(ValueError, calc.struct, "calc::X", []) == \
        "struct calc::X: no fields; give a list of (name, type) pairs, " \
        "e.g. [('x', 'double'), ('y', 'double')]"


def test_a_struct_field_that_is_not_a_pair():
    assert message(TypeError, calc.struct, "calc::X", [("a",)]) == \
        "struct calc::X: field 1 must be a (name, type) pair of str such " \
        "as ('x', 'double'), not ('a',)"


def test_a_struct_field_array_without_a_size():
    assert message(crossrun.DeclarationError, calc.struct, "calc::X",
                   [("a", "int[]")]) == \
        "a struct field array needs a size, such as 'int[4]'\n    int[]"


def test_struct_is_not_made_directly():
    assert message(TypeError, crossrun.Struct) == \
        "crossrun.Struct is not made directly: make struct classes with " \
        "lib.struct(name, fields)"


# ---- buffers, pointers, strings ----

def test_a_negative_buffer_size():
    assert message(ValueError, crossrun.buffer, -1) == \
        "buffer(-1): the size must be >= 0 (buffer(16) makes 16 zero bytes)"


def test_a_buffer_of_something_else():
    assert message(TypeError, crossrun.buffer, 1.5) == \
        "buffer() takes a size (int) or the bytes to copy, not float: " \
        "write buffer(16) or buffer(b'...')"


def test_a_buffer_index_out_of_range_says_the_size():
    b = crossrun.buffer(4)
    assert message(IndexError, b.__getitem__, 9) == \
        "buffer index 9 out of range: the buffer has 4 bytes"
    assert message(IndexError, b.__setitem__, -5, 1) == \
        "buffer index -5 out of range: the buffer has 4 bytes"


def test_a_buffer_byte_out_of_range():
    assert message(ValueError, crossrun.buffer(4).__setitem__, 1, 300) == \
        "buffer[1] = 300: a byte must be in range(0, 256)"


def test_a_buffer_keeps_its_size():
    b = crossrun.buffer(4)
    assert message(TypeError, b.__delitem__, 0) == \
        "a buffer's size is fixed: items cannot be deleted"
    assert message(ValueError, b.__setitem__, slice(0, 2), b"abc") == \
        "a buffer's size is fixed: cannot assign 3 bytes to a slice of 2"


def test_reading_a_negative_number_of_bytes():
    p = calc.fn("const char* calc::version()")()
    assert message(ValueError, p.bytes, -1) == \
        "Pointer.bytes(-1): the number of bytes to read must be >= 0"


def test_reading_with_a_type_that_is_not_one():
    assert message(TypeError, crossrun.buffer(8).read, 3) == \
        "the type to read or write must be a C type name such as 'int' or " \
        "a lib.struct class, not int"


def test_reading_void():
    assert message(crossrun.DeclarationError, crossrun.buffer(8).read,
                   "void") == \
        "void has no value to read or write: name the type of the data, " \
        "such as 'int' or 'char'\n    void"


def test_a_std_string_of_something_else():
    assert message(TypeError, crossrun.StdString, 1) == \
        "a std::string is made of bytes, str, a StdString or a buffer, " \
        "not int"


# ---- calls ----

def test_an_argument_of_the_wrong_type():
    assert message(TypeError, add, 1, "2") == \
        "argument 2: expected int for 'int', got str"


def test_an_argument_out_of_range():
    assert message(OverflowError, add, 1, 1 << 40) == \
        "argument 2: 1099511627776 is out of range for 'int'"


def test_none_for_a_reference():
    inc = calc.fn("void calc::inc(int&)")
    assert message(TypeError, inc, None) == \
        "argument 1: a reference ('int&') cannot be None: pass what it " \
        "refers to (a crossrun.buffer, Pointer or object)"


def test_keyword_arguments_to_a_function():
    assert message(TypeError, add, 1, b=2) == \
        "int calc::add(int, int) takes no keyword arguments: pass the " \
        "arguments in order"


def test_the_wrong_number_of_arguments():
    assert message(TypeError, add, 1) == \
        "int calc::add(int, int) takes 2 arguments (1 given)"


def test_a_variadic_function():
    assert message(crossrun.DeclarationError, calc.fn,
                   "int printf(const char*, ...)") == \
        "variadic functions ('...') cannot be called through crossrun: " \
        "call one with fixed parameters instead (a small C wrapper of " \
        "this one)\n    int printf(const char*, ...)"


def test_fn_of_something_else():
    assert message(TypeError, calc.fn, 3) == \
        "fn() takes a declaration (str), not int"


def test_a_default_value_that_is_not_a_literal():
    assert message(crossrun.DeclarationError, calc.fn,
                   "int calc::add(int, int b = foo)") == \
        "default value 'foo' is not a literal crossrun understands for " \
        "this parameter: numbers (12, -3, 0x1fu, 1.5f), characters ('/', " \
        "'\\n'), strings (\"text\"), true, false, nullptr (NULL, 0 for " \
        "pointers) and members of the parameter's enum declared with " \
        "lib.enum (ns::Mode::Fast)\n" \
        "    int calc::add(int, int b = foo)"


def test_a_callback_of_something_not_callable():
    assert message(TypeError, crossrun.callback, "int(int)", 3) == \
        "callback(): int is not callable: pass the Python function (or " \
        "lambda) that C will call"


# ---- symbols ----

def test_a_missing_function_names_the_closest_exported():
    text = message(crossrun.SymbolNotFound, calc.fn, "int calc::nothere(int)")
    head, _, rest = text.partition("; closest exported:\n")
    assert head == "no exported function in %s matches 'int " \
        "calc::nothere(int)' (looked for calc::nothere(int))" % LIB
    assert re.fullmatch(r"(    calc::\S.*\n){4}    calc::\S.*", rest), text


def test_a_pure_virtual_method_says_which_override_to_declare():
    text = message(crossrun.SymbolNotFound, calc.fn,
                   "virtual int calc::Animal::legs() const")
    head, _, rest = text.partition("; closest exported:\n")
    assert head == (
        "no exported function in %s matches 'virtual int "
        "calc::Animal::legs() const' (looked for calc::Animal::legs() "
        "const); calc::Animal has pure virtual methods, which have no code "
        "and so no symbol: to call calc::Animal::legs() const on an object, "
        "declare the override that its class defines, with `virtual` so "
        "that it is called through the object's vtable, e.g. 'virtual int "
        "calc::Dog::legs() const'" % LIB)
    assert rest.startswith("    calc::Dog::legs() const\n"), text
    # and what it says to write works, on the object as an Animal*
    dog = calc.fn("calc::Animal* calc::make_dog()")()
    assert calc.fn("virtual int calc::Dog::legs() const")(dog) == 4


def test_without_virtual_the_hint_adds_it():
    text = message(crossrun.SymbolNotFound, calc.fn,
                   "int calc::Animal::legs() const")
    assert "e.g. 'virtual int calc::Dog::legs() const'; closest" in text


# ---- classes ----

def test_keyword_arguments_to_a_method():
    assert message(TypeError, lambda: Circle(2.0).scale(f=1)) == \
        "calc::Circle::scale: C++ methods take no keyword arguments: pass " \
        "the arguments in order"


def test_keyword_arguments_to_a_constructor():
    assert message(TypeError, Circle, r=1.0) == \
        "calc::Circle: C++ constructors take no keyword arguments: pass " \
        "the arguments in order"


def test_no_overload_fits():
    assert message(TypeError, lambda: Circle(2.0).scale("x")) == \
        "no overload of calc::Circle::scale takes (calc::Circle, str); " \
        "declared:\n    void scale(double)\n    void scale(int)"


def test_a_closed_object_says_so_whatever_is_called():
    c = Circle(1.0)
    c.close()
    closed = "calc::Circle object is closed (by close() or the end of its " \
        "with block): its memory is gone; make a new one"
    assert message(ValueError, c.radius) == closed
    assert message(ValueError, c.scale, 2.0) == closed   # overloaded


def test_at_a_null_address():
    assert message(ValueError, Circle.at, 0) == \
        "calc::Circle.at(): the address is NULL; give the address of a " \
        "live object of the class"


def test_at_of_something_else():
    assert message(TypeError, Circle.at, 1.5) == \
        "at() takes a Pointer, an object or an int address, not float"


def test_object_is_not_made_directly():
    assert message(TypeError, crossrun.Object) == \
        "crossrun.Object is not made directly: make classes with " \
        "lib.cls(name, size=..., methods=[...])"


def test_a_class_of_size_zero():
    assert message(ValueError, calc.cls, "calc::Circle", size=0) == \
        "cls(): size must be > 0 (an upper bound of sizeof the class is " \
        "fine; sizeof= gives it exactly)"


def test_a_class_without_a_size():
    assert message(TypeError, calc.cls, "calc::Circle") == \
        "cls() needs size= (an upper bound of sizeof the class is fine) " \
        "or sizeof= (exactly)"


def test_a_sizeof_of_zero():
    assert message(ValueError, calc.cls, "calc::Circle", sizeof=0) == \
        "cls(): sizeof must be > 0, not 0"


def test_a_size_below_sizeof():
    assert message(ValueError, calc.cls, "calc::Circle", size=8,
                   sizeof=16) == \
        "cls(): size=8 is smaller than sizeof=16: size= is an upper bound " \
        "of sizeof"


def test_a_base_that_is_not_a_class():
    assert message(TypeError, calc.cls, "calc::Circle", size=8,
                   base=Point) == \
        "cls(): base must be a class made by lib.cls or a list of them, " \
        "not <class 'crossrun.calc::Point'>"


def test_a_method_that_is_not_a_declaration():
    assert message(TypeError, calc.cls, "calc::Circle", size=8,
                   methods=[3]) == \
        "cls(): method 1 must be a declaration (str) such as 'double " \
        "area() const', not 3"


def test_a_method_without_a_return_type():
    assert message(crossrun.DeclarationError, calc.cls, "calc::Circle",
                   size=8, methods=["area() const"]) == \
        "a method needs a return type (only Circle(...) and ~Circle() " \
        "have none)\n    area() const"


# ---- load, enum, mock ----

def test_an_unknown_load_option():
    assert message(TypeError, crossrun.load, LIB, bogus=1) == \
        "load() got an unexpected keyword argument 'bogus' (it takes " \
        "isolated= and stubs=)"


def test_stubs_of_the_wrong_type():
    assert message(TypeError, crossrun.load, LIB, stubs=3) == \
        "load(): stubs must be True or a list of sonames, not int"
    assert message(TypeError, crossrun.load, LIB, stubs=[3]) == \
        "load(): stubs must be a list of sonames (str) such as " \
        "['libdb.so.1'], not a list holding 3"


def test_an_enum_of_an_impossible_size():
    assert message(ValueError, calc.enum, "calc::Color", {"RED": 0},
                   size=3) == \
        "enum('calc::Color', size=3): size must be 1, 2, 4 or 8, the bytes " \
        "of the enum's underlying type (4 when it has none)"


def test_a_mock_of_a_void_function_with_a_value():
    assert message(TypeError, lambda: calc.mock("void calc::inc(int&)",
                                                3).__enter__()) == \
        "mock('void calc::inc(int&)'): the function returns void, so fake " \
        "must be callable or None, not int"


def test_a_mock_entered_twice():
    m = calc.mock("size_t strlen(const char*)", 3)
    with m:
        assert message(RuntimeError, m.__enter__) == \
            "the mock of strlen is already active: leave its with block " \
            "before entering it again"


def test_a_method_called_without_its_object():
    radius = calc.fn("double calc::Circle::radius() const")
    assert message(TypeError, radius, None) == \
        "'this': a method takes the object it is called on first: an " \
        "object of its class or a Pointer to one, not NoneType"


def test_a_method_called_on_a_null_pointer():
    # Not virtual: no vtable is read, but the method would still fault.
    radius = calc.fn("double calc::Circle::radius() const")
    assert message(ValueError, radius, crossrun.Pointer(0)) == \
        "double calc::Circle::radius() const: the object ('this') is " \
        "NULL: call it on a live object"


def test_a_std_string_struct_field():
    assert message(crossrun.DeclarationError, calc.struct, "calc::X",
                   [("s", "std::string")]) == \
        "type 'std::string' by value is supported only as a function's " \
        "parameter or result\n    std::string"
