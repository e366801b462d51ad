"""lib.mock and lib.imports on the order service, in its three builds:
lazy PLT binding, -z now with full RELRO (the GOT is read-only between
patches) and -fno-plt (only GLOB_DAT slots)."""
import crossrun
from crossrun import mark

BUILDS = ["liborders.so", "liborders_now.so", "liborders_noplt.so"]
QUERY = "int db::query(const char*)"
STORE = "bool db::store(const char*, int)"
SEND = "int net::send(const char*, size_t)"
PLACED, OUT_OF_STOCK, DB_ERROR, STORE_FAILED, NOTIFY_FAILED = 1, 0, -1, -2, -3


class Service:
    """The order service's functions, from one build."""

    def __init__(self, build):
        self.lib = crossrun.load("fixtures/build/" + build)
        self.stock = self.lib.fn("int orders::stock(const char*)")
        self.place = self.lib.fn("int orders::place(const char*, int)")
        self.writer = self.lib.fn("void* orders::writer()")


@mark.parametrize("build", BUILDS)
def test_imports_lists_the_dependencies_demangled(build):
    svc = Service(build)
    imports = svc.lib.imports()
    assert "db::query(char const*)" in imports
    assert "db::store(char const*, int)" in imports
    assert "net::send(char const*, unsigned long)" in imports
    assert "snprintf" in imports                 # C functions too
    assert imports == sorted(imports)
    # what the library defines is not an import
    assert not any(n.startswith("orders::") for n in imports)


@mark.parametrize("build", BUILDS)
def test_constant_value_and_calls(build):
    svc = Service(build)
    assert svc.stock("apple") == -1              # the real database: none
    with svc.lib.mock(QUERY, 42) as m:
        assert m.active and m.slots >= 1
        assert m.target == "db::query(char const*)"
        assert svc.stock("apple") == 42
        assert svc.stock("pear") == 42
    assert m.calls == [("apple",), ("pear",)]   # const char* as text
    assert m.call_count == 2
    assert not m.active and m.slots == 0
    assert svc.stock("apple") == -1              # restored


@mark.parametrize("build", BUILDS)
def test_callable_fake_gets_pointers_and_its_result_converts(build):
    svc = Service(build)
    seen = []

    def fake(item):
        assert isinstance(item, crossrun.Pointer)
        seen.append(item.string())
        return len(item.string())

    with svc.lib.mock(QUERY, fake) as m:
        assert svc.stock("banana") == 6
    assert seen == ["banana"] and m.calls == [("banana",)]


@mark.parametrize("build", BUILDS)
def test_whole_order_with_every_dependency_mocked(build):
    svc = Service(build)
    stock = {"apple": 5}

    def store(item, n):
        stock[item.string()] = n
        return True

    with svc.lib.mock(QUERY, lambda item: stock[item.string()]) as q, \
            svc.lib.mock(STORE, store) as s, \
            svc.lib.mock(SEND, lambda msg, n: n) as net:
        assert svc.place("apple", 2) == PLACED
        assert svc.place("apple", 4) == OUT_OF_STOCK
    assert stock == {"apple": 3}
    assert q.calls == [("apple",), ("apple",)]
    assert s.calls == [("apple", 3)]
    assert net.calls == [("placed 2 apple", 14)] and net.call_count == 1


@mark.parametrize("build", BUILDS)
def test_injected_failures(build):
    svc = Service(build)
    with svc.lib.mock(QUERY, -1), svc.lib.mock(STORE, True) as s:
        assert svc.place("apple", 1) == DB_ERROR
    assert s.call_count == 0
    with svc.lib.mock(QUERY, 9), svc.lib.mock(STORE, False), \
            svc.lib.mock(SEND, 0) as net:
        assert svc.place("apple", 1) == STORE_FAILED
    assert net.call_count == 0
    with svc.lib.mock(QUERY, 9), svc.lib.mock(STORE, True), \
            svc.lib.mock(SEND, -1) as net:
        assert svc.place("apple", 1) == NOTIFY_FAILED
    assert net.calls == [("placed 1 apple", 14)]


@mark.parametrize("build", BUILDS)
def test_address_taken_through_the_got_is_the_mock(build):
    svc = Service(build)
    real = int(svc.writer())
    with svc.lib.mock(STORE, True):
        mocked = int(svc.writer())
    assert mocked != real
    assert int(svc.writer()) == real


@mark.parametrize("build", BUILDS)
def test_exception_in_fake_is_raised_after_the_call(build):
    svc = Service(build)
    def down(item):
        if item.string() == "apple":
            raise ConnectionError("database down: apple")
        return 7

    with svc.lib.mock(QUERY, down) as m:
        try:
            svc.stock("apple")
        except ConnectionError as e:
            assert str(e) == "database down: apple"
        else:
            assert False, "the fake's exception was not raised"
        assert svc.stock("fig") == 7            # later calls work again
    assert m.call_count == 2


@mark.parametrize("build", BUILDS)
def test_nested_mocks_of_one_function_restore_in_order(build):
    svc = Service(build)
    with svc.lib.mock(QUERY, 1) as outer:
        with svc.lib.mock(QUERY, 2) as inner:
            assert svc.stock("x") == 2
        assert svc.stock("x") == 1
    assert svc.stock("x") == -1
    assert outer.call_count == 1 and inner.call_count == 1


@mark.parametrize("build", BUILDS)
def test_leaving_out_of_order_is_refused_and_changes_nothing(build):
    svc = Service(build)
    outer = svc.lib.mock(QUERY, 1)
    inner = svc.lib.mock(QUERY, 2)
    outer.__enter__()
    inner.__enter__()
    try:
        outer.__exit__(None, None, None)
    except RuntimeError as e:
        assert "still active" in str(e) and "reverse order" in str(e)
    else:
        assert False, "leaving the outer mock first was allowed"
    assert svc.stock("x") == 2 and outer.active
    inner.__exit__(None, None, None)
    outer.__exit__(None, None, None)
    assert svc.stock("x") == -1


@mark.parametrize("build", BUILDS)
def test_a_mock_can_be_entered_again_and_calls_accumulate(build):
    svc = Service(build)
    m = svc.lib.mock(QUERY, 3)
    for _ in range(3):
        with m:
            assert svc.stock("x") == 3
        assert svc.stock("x") == -1
    assert m.call_count == 3
    with m:
        try:
            m.__enter__()
        except RuntimeError as e:
            assert "already active" in str(e)
        else:
            assert False, "entered an active mock twice"


@mark.parametrize("build", BUILDS)
def test_an_active_mock_collected_restores_the_got(build):
    svc = Service(build)
    import gc
    m = svc.lib.mock(QUERY, 5)
    m.__enter__()
    assert svc.stock("x") == 5
    del m
    gc.collect()
    assert svc.stock("x") == -1


@mark.parametrize("build", BUILDS)
def test_not_imported_names_the_imports(build):
    svc = Service(build)
    for decl in ["int db::drop(const char*)",     # no such function
                 "int db::query(int)",            # wrong parameters
                 "int orders::stock(const char*)"]:  # its own function
        try:
            svc.lib.mock(decl, 0)
        except crossrun.SymbolNotFound as e:
            text = str(e)
            assert "does not import" in text, text
            assert "db::query(char const*)" in text
            assert "net::send(char const*, unsigned long)" in text
            assert "db::query(char const*)" in e.candidates
        else:
            assert False, decl + " was mocked"
    assert svc.stock("x") == -1


@mark.parametrize("build", BUILDS)
def test_bad_declarations(build):
    svc = Service(build)
    try:
        svc.lib.mock("int db::query(const char*", 0)
    except crossrun.DeclarationError as e:
        assert e.column > 0
    else:
        assert False
    try:
        svc.lib.mock("db::query(const char*)", 0)  # no return type
    except crossrun.DeclarationError as e:
        assert "db::query(const char*)" in str(e)
    else:
        assert False
    try:
        svc.lib.mock("int snprintf(char*, size_t, const char*, ...)", 0)
    except crossrun.DeclarationError as e:
        assert "variadic" in str(e)
    else:
        assert False
    try:
        svc.lib.mock("void db::query(const char*)", 3)
    except TypeError as e:
        assert "returns void" in str(e)
    else:
        assert False


@mark.parametrize("build", BUILDS)
def test_a_c_import_is_matched_by_its_name(build):
    svc = Service(build)
    # C symbols carry no parameter types: the name is what is compared
    with svc.lib.mock("void __cxa_finalize(void*)", None) as m:
        assert m.target == "__cxa_finalize" and m.slots >= 1
    assert m.call_count == 0
    m = svc.lib.mock("int snprintf(char*, size_t, const char*)", 0)
    assert m.target == "snprintf" and not m.active


def test_mock_of_one_library_leaves_another_alone():
    lazy = Service("liborders.so")
    now = Service("liborders_now.so")
    with now.lib.mock(QUERY, 11):
        assert now.stock("x") == 11
        assert lazy.stock("x") == -1


@mark.parametrize("build", BUILDS)
def test_mock_in_an_isolated_library(build):
    svc = Service.__new__(Service)
    svc.lib = crossrun.load("fixtures/build/" + build, isolated=True)
    stock = svc.lib.fn("int orders::stock(const char*)")
    with svc.lib.mock(QUERY, 8) as m:
        assert stock("kiwi") == 8
    assert m.calls == [("kiwi",)]
    assert stock("kiwi") == -1
