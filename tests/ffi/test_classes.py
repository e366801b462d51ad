"""C++ classes, exceptions and callbacks through the FFI, on
fixtures/src/calc.cc."""
import gc

import crossrun

calc = crossrun.load("fixtures/build/libcalc.so")
alive = calc.fn("int calc::shapes_alive()")
destroyed = calc.fn("int calc::shapes_destroyed()")

Shape = calc.cls("calc::Shape", size=64, methods=[
    "Shape(const char* name)",
    "virtual ~Shape()",
    "virtual double area() const",
    "const std::string& name() const",
    "void rename(const std::string&)",
    "static int count()",
    "int id() const",  # inline in the header: not exported
])
Circle = calc.cls("calc::Circle", size=64, base=Shape, methods=[
    "Circle(double r)",
    "Circle()",
    "~Circle()",
    "double area() const",
    "double radius() const",
    "void scale(double)",
    "void scale(int)",
    "calc::Circle* self()",
])


def test_constructor_method_destructor():
    before_alive, before_destroyed = alive(), destroyed()
    c = Circle(2.0)
    assert alive() == before_alive + 1
    assert c.area() == 12.0 and c.radius() == 2.0
    assert c.owned
    c.close()
    assert alive() == before_alive
    # ~Circle adds 100, then ~Shape runs: the whole chain, once
    assert destroyed() == before_destroyed + 101
    c.close()
    assert destroyed() == before_destroyed + 101


def test_constructor_overloads_by_arity():
    with Circle() as unit:
        assert unit.radius() == 1.0
        assert unit.name() == "unit"


def test_with_runs_the_destructor():
    before = alive()
    with Circle(1.0) as c:
        assert alive() == before + 1
        assert c.radius() == 1.0
    assert alive() == before
    assert not c.owned


def test_garbage_collection_runs_the_destructor():
    before = alive()
    c = Circle(3.0)
    assert alive() == before + 1
    del c
    gc.collect()
    assert alive() == before


def test_method_overloads_by_type():
    with Circle(1.0) as c:
        c.scale(2.0)
        assert c.radius() == 2.0
        c.scale(3)  # the int overload multiplies by 30
        assert c.radius() == 60.0


def test_static_method_on_the_class():
    before = Shape.count()
    with Circle(1.0):
        assert Shape.count() == before + 1
        assert Circle.count() == before + 1


def test_inherited_methods_and_base_class_object():
    with Circle(1.0) as c:
        assert c.name() == "circle"  # const std::string& comes back copied
        c.rename("ring")
        assert bytes(c.name()) == b"ring"
    with Shape(b"plain") as s:
        assert s.area() == 0.0


def test_declared_class_pointer_comes_back_as_a_view():
    with Circle(5.0) as c:
        v = c.self()
        assert isinstance(v, Circle) and not v.owned
        assert v == c and v.radius() == 5.0
        v.close()  # a view: close() destroys nothing
        assert c.radius() == 5.0


def test_virtual_method_dispatches_on_the_dynamic_type():
    make = calc.fn("calc::Shape* calc::make_circle(double)")
    s = make(1.0)
    assert type(s) is Shape
    assert s.area() == 3.0  # Circle::area through Shape's vtable slot
    calc.fn("void calc::destroy(calc::Shape*)")(s)


def test_object_passes_where_its_class_is_expected():
    area = calc.fn("double calc::shape_area(const calc::Shape&)")
    with Circle(1.0) as c:
        assert area(c) == 3.0  # virtual dispatch inside the library


def test_factory_result_and_at():
    make = calc.fn("calc::Shape* calc::make_circle(double)")
    before = alive()
    s = make(2.0)
    assert isinstance(s, Shape) and not s.owned
    c = Circle.at(s.address)
    assert c.radius() == 2.0
    calc.fn("void calc::destroy(calc::Shape*)")(s)  # virtual destructor
    assert alive() == before


def test_member_function_through_fn_takes_this_first():
    radius = calc.fn("double calc::Circle::radius() const")
    with Circle(4.0) as c:
        assert radius.is_method
        assert radius(c) == 4.0
        assert radius(c.address) == 4.0


def test_absent_inline_method_raises_symbol_not_found_when_called():
    with Circle(1.0) as c:
        try:
            c.id()
        except crossrun.SymbolNotFound as e:
            assert "calc::Shape::id() const" in str(e)
        else:
            raise AssertionError("id() should not be found")


def test_closed_object_cannot_be_used():
    c = Circle(1.0)
    c.close()
    try:
        c.radius()
    except ValueError as e:
        assert "closed" in str(e)
    else:
        raise AssertionError("a closed object was used")


def test_std_exception_subclass():
    parse = calc.fn("int calc::parse_positive(const char*)")
    assert parse("12") == 12
    try:
        parse("")
    except crossrun.CxxException as e:
        assert e.type == "calc::ParseError"
        assert e.what == "empty input"
        assert str(e) == "calc::ParseError: empty input"
    else:
        raise AssertionError("no exception")
    try:
        parse("-3")
    except crossrun.CxxException as e:
        assert e.type == "std::out_of_range" and e.what == "negative: -3"
    try:
        parse("x")
    except crossrun.CxxException as e:
        assert e.type == "std::invalid_argument" and e.what == "stoi"


def test_non_std_exceptions():
    try:
        calc.fn("void calc::throw_int()")()
    except crossrun.CxxException as e:
        assert e.type == "int" and e.what is None and str(e) == "int"
    else:
        raise AssertionError("no exception")
    try:
        calc.fn("void calc::throw_custom()")()
    except crossrun.CxxException as e:
        assert e.type == "calc::Custom" and e.what is None


def test_exception_from_a_constructor_frees_the_object():
    before = alive()
    try:
        Shape(None)  # std::string from NULL throws std::logic_error
    except crossrun.CxxException as e:
        assert e.type == "std::logic_error"
    else:
        raise AssertionError("no exception")
    assert alive() == before


def test_python_callable_as_function_pointer():
    apply = calc.fn("int calc::apply(int (*f)(int, void*), int x, void* ctx)")
    seen = []

    def f(x, ctx):
        seen.append((x, ctx))
        return x * 3

    assert apply(f, 7, None) == 21
    assert seen == [(7, None)]
    buf = crossrun.buffer(4)
    assert apply(lambda x, ctx: int(ctx) == int(buf.pointer), 1, buf) == 1


def test_callback_arguments_and_results_convert():
    fold = calc.fn("int calc::fold(const int*, size_t, int (*)(int, int), int)")
    data = crossrun.buffer(16)
    for i, v in enumerate([1, 2, 3, 4]):
        data.write("int", v, i)
    assert fold(data, 4, lambda acc, v: acc + v, 0) == 10
    assert fold(data, 4, lambda acc, v: acc * v, 1) == 24


def test_exception_in_callback_is_reraised_after_the_call():
    fold = calc.fn("int calc::fold(const int*, size_t, int (*)(int, int), int)")
    data = crossrun.buffer(16)
    calls = []

    def bad(acc, v):
        calls.append(v)
        raise KeyError("inside")

    try:
        fold(data, 4, bad, 0)
    except KeyError as e:
        assert e.args == ("inside",)
    else:
        raise AssertionError("the callback's exception was lost")
    assert calls == [0]  # no more Python ran after the first exception
    assert fold(data, 4, lambda a, v: a + 1, 0) == 4  # state is clean


def test_persistent_callback():
    store = calc.fn("void calc::store(double (*)(double))")
    call = calc.fn("double calc::call_stored(double)")
    cb = crossrun.callback("double(double)", lambda x: x + 0.5)
    store(cb)
    assert call(1.0) == 1.5
    assert call(2.0) == 2.5
    assert int(cb) != 0
    store(None)
    assert call(1.0) == -1.0


def test_callback_gets_views_of_declared_classes():
    via = calc.fn("double calc::area_via(double (*)(const calc::Shape*), "
                  "const calc::Shape*)")
    cb = calc.callback("double(const calc::Shape*)", lambda s: s.area() * 2)
    with Circle(1.0) as c:
        assert via(cb, c) == 6.0
