"""std::unique_ptr and std::shared_ptr in signatures (fixture libstdc):
factories with a custom deleter, make_shared, ownership moved or shared
with the library, and the deleter run on close, `with` exit and garbage
collection."""
import gc
import os

import crossrun

lib = crossrun.load("fixtures/build/libstdc.so")
Gadget = lib.cls("stdc::Gadget", size=8, methods=[
    "int id() const", "static int alive()"])
UPTR = "std::unique_ptr<stdc::Gadget, void (*)(stdc::Gadget*)>"
make = lib.fn(UPTR + " stdc::make_gadget(int id)")
take = lib.fn("int stdc::take_gadget(%s g)" % UPTR)
deleted = lib.fn("int stdc::destroyed_by_deleter()")
share = lib.fn("std::shared_ptr<stdc::Gadget> stdc::share_gadget(int id)")
by_value = lib.fn("long stdc::count_by_value(std::shared_ptr<stdc::Gadget> p)")
by_ref = lib.fn("long stdc::count_by_ref(const std::shared_ptr<stdc::Gadget>& p)")
keep = lib.fn("void stdc::keep_gadget(std::shared_ptr<stdc::Gadget> p)")
drop = lib.fn("void stdc::drop_kept()")


def test_a_factory_with_a_custom_deleter():
    before = deleted()
    with make(7) as g:
        assert isinstance(g, crossrun.SmartPtr) and bool(g)
        assert g.id() == 7                     # the object's own methods
        assert isinstance(g.get(), Gadget) and g.get().id() == 7
        assert Gadget.alive() == 1
    assert deleted() == before + 1 and Gadget.alive() == 0
    assert not g and g.get() is None


def test_garbage_collection_runs_the_deleter():
    before = deleted()
    g = make(1)
    assert Gadget.alive() == 1
    del g
    gc.collect()
    assert deleted() == before + 1 and Gadget.alive() == 0


def test_a_unique_ptr_passed_by_value_moves_to_the_library():
    before = deleted()
    g = make(5)
    assert take(g) == 5
    assert deleted() == before + 1 and Gadget.alive() == 0   # destroyed
    assert not g                                             # moved out
    g.close()
    assert deleted() == before + 1                           # not twice
    assert take(None) == -1


def test_shared_ownership():
    s = share(3)
    assert s.use_count() == 1 and s.id() == 3
    assert by_value(s) == 2          # a copy for the call
    assert by_ref(s) == 1            # the SmartPtr's own
    assert s.use_count() == 1
    keep(s)                          # the library keeps a copy
    assert s.use_count() == 2
    s.close()                        # ours is gone, the library's lives
    assert Gadget.alive() == 1
    drop()
    assert Gadget.alive() == 0


def test_default_deleter_of_a_number():
    n = lib.fn("std::unique_ptr<int> stdc::make_number(int v)")(42)
    assert n.get().read("int") == 42
    assert lib.fn("int stdc::read_number(const std::unique_ptr<int>& p)")(n) == 42
    n.close()


def test_what_crossrun_cannot_delete_is_refused():
    for decl, words in [
            ("std::unique_ptr<stdc::Gadget> stdc::make_number(int)",
             "needs its destructor"),
            ("int stdc::read_number(std::unique_ptr<int>& p)",
             "not const"),
            ("std::unique_ptr<int, MyDeleter> stdc::make_number(int)",
             "function-pointer deleter")]:
        try:
            lib.fn(decl)
        except crossrun.DeclarationError as e:
            assert words in str(e), str(e)
        else:
            raise AssertionError("accepted " + decl)


def test_the_default_deleter_of_a_class_is_compiled_from_its_header():
    inc = os.path.abspath("fixtures/src/include")
    hl = crossrun.load("fixtures/build/libstdc.so", headers=["stdc/stdc.h"],
                       cflags=["-I", inc])
    hl.cls("stdc::Gadget", size=8, methods=["int id() const"])
    make_u = hl.fn("std::unique_ptr<stdc::Gadget> stdc::make_unique_gadget(int)")
    before = deleted()
    with make_u(9) as g:
        assert g.id() == 9 and Gadget.alive() == 1
    assert Gadget.alive() == 0              # ~Gadget ran, through delete
    assert deleted() == before              # not the factories' deleter


def test_a_wrong_smart_pointer_is_a_type_error():
    s = share(1)
    try:
        take(s)
    except TypeError as e:
        assert "std::shared_ptr<stdc::Gadget>" in str(e)
    else:
        raise AssertionError("a shared_ptr passed as a unique_ptr")
    s.close()
