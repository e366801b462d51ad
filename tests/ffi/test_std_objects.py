"""Containers of lib.cls objects (fixture libstdc, fixtures/src/stdc.cc):
std::vector<C> returned, passed by value, const&, pointer and reference
(StdVector), std::map / std::pair / std::unordered_map with objects as
values, with a class that counts its live instances so every test checks
that nothing leaks and nothing is destroyed twice; a trivially copyable
class; a class whose copy constructor only the header has; and the
refusals when what a container needs of a class is missing."""
import gc
import os

import crossrun

INC = os.path.abspath("fixtures/src/include")
lib = crossrun.load("fixtures/build/libstdc.so")
# In a container the elements lie sizeof apart: sizeof= says it exactly
# (size= alone is an upper bound; see the refusal below).
Tally = lib.cls("stdc::Tally", sizeof=40, methods=[
    "explicit Tally(int v)",
    "Tally(const stdc::Tally& o)",
    "Tally(stdc::Tally&& o)",
    "~Tally()",
    "int value() const",
    "const char* label() const",
    "static int alive()",
    "static int copies()",
    "static int moves()",
])
Span = lib.cls("stdc::Span", size=16, fields=[("from", "long"), ("to", "long")],
               methods=["Span(long from, long to)", "long length() const"])
tallies = lib.fn("std::vector<stdc::Tally> stdc::tallies(int n)")
tally_sum = lib.fn("long stdc::tally_sum(const std::vector<stdc::Tally>& v)")


def values(objs):
    return [o.value() for o in objs]


def close_all(objs):
    for o in objs:
        o.close()


def test_a_returned_vector_of_objects_is_a_list_of_owned_objects():
    moves, copies = Tally.moves(), Tally.copies()
    got = tallies(3)
    assert isinstance(got, list) and all(type(t) is Tally for t in got)
    assert values(got) == [0, 1, 2]
    assert got[2].label().string() == "tally number 2, on the heap"
    # moved out of the vector (Tally declares a move constructor), which
    # then destroyed its moved-from elements: three objects alive, ours
    assert Tally.alive() == 3
    assert Tally.moves() == moves + 3 and Tally.copies() == copies
    with got[0] as t:
        assert t.value() == 0
    assert Tally.alive() == 2
    close_all(got)
    assert Tally.alive() == 0
    assert tallies(0) == []


def test_garbage_collection_destroys_the_elements():
    got = tallies(4)
    assert Tally.alive() == 4
    del got
    gc.collect()
    assert Tally.alive() == 0


def test_a_list_of_objects_passes_by_const_ref_value_and_pointer():
    made = [Tally(5), Tally(6), Tally(7)]
    copies = Tally.copies()
    assert tally_sum(made) == 18
    assert Tally.copies() == copies + 3      # one copy each, for the call
    assert Tally.alive() == 3                # and destroyed after it
    by_value = lib.fn("long stdc::tally_sum_by_value(std::vector<stdc::Tally> v)")
    assert by_value(made) == 1018            # the callee grew it
    assert Tally.alive() == 3
    by_ptr = lib.fn("long stdc::tally_sum_ptr(const std::vector<stdc::Tally>* v)")
    assert by_ptr(tuple(made)) == 18 and by_ptr(None) == -1
    assert values(made) == [5, 6, 7] and Tally.alive() == 3
    close_all(made)
    assert Tally.alive() == 0


def test_a_returned_vector_passes_back_in():
    got = tallies(3)
    assert tally_sum(got) == 3
    close_all(got)
    assert Tally.alive() == 0


def test_an_out_parameter_is_a_python_owned_vector_of_objects():
    out = crossrun.StdVector("stdc::Tally", lib=lib)
    fill = lib.fn("void stdc::tally_fill(std::vector<stdc::Tally>& out, int n)")
    fill(out, 2)
    fill(out, 3)                             # grows it: moves the first two
    made = Tally.copies()
    assert len(out) == 5 and Tally.alive() == 5
    assert Tally.copies() == made             # counted, not read
    copies = out.value()                     # copies, owned by Python
    assert values(copies) == [10, 20, 10, 20, 30] and Tally.alive() == 10
    close_all(copies)
    assert tally_sum(out) == 90
    assert Tally.alive() == 5
    del out
    gc.collect()
    assert Tally.alive() == 0


def test_a_python_owned_vector_starts_from_objects():
    t = Tally(4)
    out = crossrun.StdVector("stdc::Tally", [t, t], lib=lib)
    assert Tally.alive() == 3 and tally_sum(out) == 8
    del out
    gc.collect()
    t.close()
    assert Tally.alive() == 0


def test_a_vector_returned_by_reference_is_copied_and_left_alone():
    kept = lib.fn("const std::vector<stdc::Tally>& stdc::kept_tallies()")
    close_all(kept())
    before = Tally.alive()
    assert before == 2                       # the library's own two
    got = kept()
    assert values(got) == [7, 8] and Tally.alive() == before + 2
    close_all(got)
    assert Tally.alive() == before
    assert values(kept()) == [7, 8]          # still the library's


def test_objects_as_values_of_maps_pairs_and_unordered_maps():
    tm = lib.fn("std::map<std::string, stdc::Tally> stdc::tally_map(int n)")
    m = tm(3)
    assert sorted(m) == ["key 0", "key 1", "key 2"]
    assert {k: v.value() for k, v in m.items()} == \
        {"key 0": 0, "key 1": 10, "key 2": 20}
    assert Tally.alive() == 3
    msum = lib.fn("long stdc::tally_map_sum("
                  "const std::map<std::string, stdc::Tally>& m)")
    assert msum(m) == 150 and Tally.alive() == 3
    close_all(m.values())
    rows = lib.fn("std::map<std::string, std::vector<stdc::Tally>> "
                  "stdc::tally_rows(int n)")(3)
    assert {k: values(v) for k, v in rows.items()} == \
        {"row 1": [10], "row 2": [20, 21], "row 3": [30, 31, 32]}
    assert Tally.alive() == 6
    for row in rows.values():
        close_all(row)
    assert Tally.alive() == 0


def test_headers_give_the_alignment_a_pair_of_int_and_object_needs():
    # without headers= this layout is refused (test below): with them
    # crossrun compiles sizeof and alignof
    hl = crossrun.load("fixtures/build/libstdc.so", headers=["stdc/stdc.h"],
                       cflags=["-I", INC])
    T = hl.cls("stdc::Tally", size=64, methods=[
        "Tally(const stdc::Tally& o)", "Tally(stdc::Tally&& o)", "~Tally()",
        "int value() const", "static int alive()"])
    pair = hl.fn("std::pair<int, stdc::Tally> stdc::tally_pair(int v)")(4)
    assert pair[0] == 4 and pair[1].value() == 8 and T.alive() == 1
    pair[1].close()
    um = hl.fn("std::unordered_map<int, stdc::Tally> stdc::tally_umap(int n)")(3)
    assert {k: v.value() for k, v in um.items()} == {0: 100, 1: 101, 2: 102}
    close_all(um.values())
    got = hl.fn("std::vector<stdc::Tally> stdc::tallies(int n)")(3)
    assert values(got) == [0, 1, 2]          # size=64, stride sizeof (40)
    close_all(got)
    assert T.alive() == 0


def test_a_trivially_copyable_class_travels_byte_for_byte():
    got = lib.fn("std::vector<stdc::Span> stdc::spans(int n)")(3)
    assert [s.length() for s in got] == [0, 2, 4]
    total = lib.fn("long stdc::total_length(const std::vector<stdc::Span>& v)")
    assert total(got + [Span(10, 15)]) == 11


def test_a_list_of_the_wrong_objects_is_refused():
    try:
        tally_sum([Tally(1), Span(1, 2)])
    except TypeError as e:
        assert "stdc::Tally" in str(e) and "Span" in str(e)
    else:
        raise AssertionError("a Span passed as a Tally")
    gc.collect()
    assert Tally.alive() == 0                # the first one's copy too


def test_a_class_without_a_reachable_copy_constructor_is_refused():
    # Note's copy constructor is inline in the header: not exported
    Note = lib.cls("stdc::Note", size=40, methods=[
        "Note(const stdc::Note& o)", "~Note()", "int value() const"])
    try:
        lib.fn("std::vector<stdc::Note> stdc::notes(int n)")
    except crossrun.DeclarationError as e:
        msg = str(e)
        assert "copy constructor" in msg and "stdc::Note" in msg
        assert "headers=" in msg and 'Note(const stdc::Note&)' in msg
    else:
        raise AssertionError("a vector of Notes without their copy constructor")
    assert Note is not None


def test_headers_compile_the_copy_constructor_the_library_lacks():
    hl = crossrun.load("fixtures/build/libstdc.so", headers=["stdc/stdc.h"],
                       cflags=["-I", INC])
    Note = hl.cls("stdc::Note", size=40, methods=[
        "Note(const stdc::Note& o)", "~Note()", "int value() const",
        "static int alive()"])
    got = hl.fn("std::vector<stdc::Note> stdc::notes(int n)")(3)
    # the header's copy constructor adds 1000: it made these
    assert values(got) == [1000, 1001, 1002] and Note.alive() == 3
    # passed back: copied again by the header's copy constructor
    assert hl.fn("long stdc::note_sum(const std::vector<stdc::Note>& v)")(got) \
        == 2000 + 2001 + 2002 and Note.alive() == 3
    close_all(got)
    assert Note.alive() == 0


def test_a_class_without_a_destructor_is_refused():
    other = crossrun.load("fixtures/build/libstdc.so")
    Bare = other.cls("stdc::Tally", size=40, methods=[
        "Tally(const stdc::Tally& o)", "int value() const"], trivial=False)
    try:
        crossrun.StdVector("stdc::Tally", lib=other)
    except crossrun.DeclarationError as e:
        assert "destructor" in str(e) and '"~Tally()"' in str(e)
    else:
        raise AssertionError("a vector of objects that cannot be destroyed")
    assert Bare is not None
    # declared, but inline in the header and not exported: not reachable
    other.cls("stdc::Counter", size=40, methods=[
        "Counter(const stdc::Counter& o)", "~Counter()"])
    try:
        crossrun.StdVector("stdc::Counter", lib=other)
    except crossrun.DeclarationError as e:
        assert "its destructor is not reachable" in str(e)
        assert "headers=" in str(e)
    else:
        raise AssertionError("a vector of objects whose destructor is inline")


def test_an_undeclared_class_is_refused():
    try:
        lib.fn("std::vector<stdc::Nothing> stdc::tallies(int n)")
    except crossrun.DeclarationError as e:
        assert "'stdc::Nothing' is not declared" in str(e)
        assert "lib.cls" in str(e)
    else:
        raise AssertionError("a vector of an undeclared class")


def test_an_upper_bound_of_sizeof_is_not_a_stride():
    other = crossrun.load("fixtures/build/libstdc.so")
    other.cls("stdc::Tally", size=48, methods=[   # sizeof is 40
        "Tally(const stdc::Tally& o)", "~Tally()", "int value() const"])
    try:
        other.fn("std::vector<stdc::Tally> stdc::tallies(int n)")
    except crossrun.DeclarationError as e:
        assert str(e).splitlines()[0] == (
            "in std::vector<stdc::Tally>: the elements lie "
            "sizeof(stdc::Tally) apart, and size=48 is an upper bound of "
            "it: give it exactly, lib.cls(\"stdc::Tally\", sizeof=N, ...), "
            "or load the library with headers=[...] (crossrun compiles "
            "sizeof)"), str(e)
        assert str(e).splitlines()[1].strip() == \
            "std::vector<stdc::Tally> stdc::tallies(int n)"
    else:
        raise AssertionError("a stride taken from an upper bound")


def test_a_sizeof_that_is_wrong_is_caught_not_misread():
    other = crossrun.load("fixtures/build/libstdc.so")
    other.cls("stdc::Tally", sizeof=48, methods=[   # sizeof is 40
        "Tally(const stdc::Tally& o)", "~Tally()", "int value() const"])
    try:
        other.fn("std::vector<stdc::Tally> stdc::tallies(int n)")(3)
    except ValueError as e:
        assert "not a whole number of 48-byte elements" in str(e)
        assert "sizeof" in str(e)
    else:
        raise AssertionError("a vector read with the wrong element size")
    try:                                        # nested in a map
        other.fn("std::map<std::string, std::vector<stdc::Tally>> "
                 "stdc::tally_rows(int n)")(3)
    except ValueError as e:
        assert "not a whole number of 48-byte elements" in str(e)
    else:
        raise AssertionError("a nested vector read with the wrong size")


def test_with_headers_a_size_smaller_than_sizeof_is_refused():
    hl = crossrun.load("fixtures/build/libstdc.so", headers=["stdc/stdc.h"],
                       cflags=["-I", INC])
    hl.cls("stdc::Tally", size=16, methods=[
        "Tally(const stdc::Tally& o)", "~Tally()", "int value() const"])
    try:
        hl.fn("std::vector<stdc::Tally> stdc::tallies(int n)")
    except crossrun.DeclarationError as e:
        assert "its sizeof is 40" in str(e) and "size=40" in str(e)
    else:
        raise AssertionError("a class smaller than its sizeof in a vector")


def test_where_the_layout_needs_an_alignment_it_must_be_known():
    try:
        lib.fn("std::pair<char, stdc::Tally> stdc::tally_pair(int v)")
    except crossrun.DeclarationError as e:
        assert "alignment of 'stdc::Tally'" in str(e) and "fields=" in str(e)
    else:
        raise AssertionError("a pair laid out by a guessed alignment")


Gadget = lib.cls("stdc::Gadget", size=8, methods=[
    "int id() const", "static int alive()"])


def test_a_vector_of_shared_ptrs_is_a_list_of_smart_ptrs_each_owning_one():
    got = lib.fn("std::vector<std::shared_ptr<stdc::Gadget>> "
                 "stdc::shared_gadgets(int n)")(3)
    assert all(isinstance(g, crossrun.SmartPtr) for g in got)
    assert [g.id() for g in got] == [0, 1, 2] and Gadget.alive() == 3
    # moved out of the vector: each the only owner, none freed twice
    assert [g.use_count() for g in got] == [1, 1, 1]
    got[0].close()
    assert Gadget.alive() == 2
    del got
    gc.collect()
    assert Gadget.alive() == 0


def test_a_vector_of_unique_ptrs_needs_the_destructor_from_headers():
    decl = "std::vector<std::unique_ptr<stdc::Gadget>> stdc::unique_gadgets(int n)"
    try:
        lib.fn(decl)
    except crossrun.DeclarationError as e:
        assert "destructor" in str(e) and "headers=" in str(e)
    else:
        raise AssertionError("a unique_ptr deleted without its destructor")
    hl = crossrun.load("fixtures/build/libstdc.so", headers=["stdc/stdc.h"],
                       cflags=["-I", INC])
    G = hl.cls("stdc::Gadget", size=8, methods=["int id() const",
                                                "static int alive()"])
    got = hl.fn(decl)(2)
    assert [g.id() for g in got] == [0, 1] and G.alive() == 2
    with got[1]:
        pass
    assert G.alive() == 1
    got[0].close()
    assert G.alive() == 0
    assert hl.fn(decl)(0) == []


def test_a_vector_of_shared_ptrs_passes_as_copies_that_share_ownership():
    a, b = lib.fn("std::vector<std::shared_ptr<stdc::Gadget>> "
                  "stdc::shared_gadgets(int n)")(2)
    ids = lib.fn("long stdc::shared_ids("
                 "const std::vector<std::shared_ptr<stdc::Gadget>>& v)")
    # each element a copy: the SmartPtr and the vector share each Gadget
    assert ids([a, b, None]) == (0 + 2000) + (1 + 2000) + (-1 + 0)
    by_value = lib.fn("long stdc::shared_ids_by_value("
                      "std::vector<std::shared_ptr<stdc::Gadget>> v)")
    assert by_value((b, b)) == 2 * (1 + 3000)
    # the copies are gone after the calls: the SmartPtrs own them alone
    assert a.use_count() == 1 and b.use_count() == 1
    assert Gadget.alive() == 2
    a.close()
    assert Gadget.alive() == 1
    for bad, kind in ((a, ValueError), (Tally(1), TypeError)):
        try:
            ids([b, bad])
        except kind as e:
            assert "argument 1" in str(e)
        else:
            raise AssertionError("a vector of shared_ptrs made of %r" % bad)
    assert b.use_count() == 1            # nothing kept from a failed call
    b.close()
    assert Gadget.alive() == 0


def test_other_containers_of_smart_pointers_are_only_results():
    for decl in (
            "long stdc::shared_ids(const std::vector<std::unique_ptr"
            "<stdc::Gadget, void (*)(stdc::Gadget*)>>& v)",
            "const std::vector<std::shared_ptr<stdc::Gadget>>& "
            "stdc::shared_gadgets(int n)"):
        try:
            lib.fn(decl)
        except crossrun.DeclarationError as e:
            assert "result by value" in str(e) and \
                "of std::shared_ptr as a parameter" in str(e)
        else:
            raise AssertionError("a container of smart pointers: " + decl)
    try:
        crossrun.StdVector("std::shared_ptr<stdc::Gadget>", lib=lib)
    except crossrun.DeclarationError as e:
        assert "result by value" in str(e)
    else:
        raise AssertionError("a Python-owned vector of shared_ptrs")


def test_a_std_list_of_objects_returned_and_passed():
    got = lib.fn("std::list<stdc::Tally> stdc::tally_list(int n)")(3)
    assert values(got) == [0, 3, 6] and Tally.alive() == 3
    total = lib.fn("long stdc::tally_list_sum(const std::list<stdc::Tally>& l)")
    assert total(got) == 9 and Tally.alive() == 3
    close_all(got)
    assert Tally.alive() == 0
