"""The C++ standard library's containers in signatures (fixture libstdc,
fixtures/src/stdc.cc): std::vector, std::pair, std::map,
std::unordered_map and std::string_view by value, const&, pointer and
reference, nested, and the Python-owned StdVector/StdList/StdSet/StdMap/
StdUnorderedMap."""
import crossrun

lib = crossrun.load("fixtures/build/libstdc.so")
Point = lib.struct("stdc::Point", [("x", "double"), ("y", "double")])


def fn(decl):
    return lib.fn(decl)


def test_vectors_of_numbers_come_back_as_lists():
    assert fn("std::vector<int> stdc::squares(int n)")(5) == [0, 1, 4, 9, 16]
    assert fn("std::vector<int> stdc::squares(int n)")(0) == []
    assert fn("std::vector<long> stdc::iota_long(long, int)")(-2, 4) == \
        [-2, -1, 0, 1]


def test_vector_of_strings_returned_by_value():
    # what crashed: a JSON library's member names, by value
    names = fn("std::vector<std::string> stdc::member_names()")
    for _ in range(3):
        assert names() == ["id", "name",
                           "a member name longer than fifteen bytes", ""]


def test_a_list_passes_as_a_vector_by_const_ref_and_by_value():
    assert fn("std::vector<double> stdc::halves(const std::vector<double>& v)")(
        [1.0, 3, 5]) == [0.5, 1.5, 2.5]
    assert fn("long stdc::sum(const std::vector<long>&)")((1, 2, 3)) == 6
    upper = fn("std::vector<std::string> stdc::upper(std::vector<std::string>)")
    assert upper(["ab", b"a much longer string here"]) == \
        ["AB", "A MUCH LONGER STRING HERE", "END-OF-THE-LIST-OF-WORDS"]


def test_the_callee_may_grow_a_vector_it_was_given_by_value():
    assert fn("int stdc::grow(std::vector<int>)")([1, 2, 3]) == 103


def test_pointer_to_a_vector_and_null():
    total = fn("size_t stdc::total_len(const std::vector<std::string>* v)")
    assert total(["ab", "c"]) == 3
    assert total(None) == 2 ** 64 - 1


def test_out_parameters_fill_python_owned_vectors():
    v = crossrun.StdVector("int")
    fn("void stdc::fill(std::vector<int>& out, int n)")(v, 3)
    assert v.value() == [100, 101, 102] and len(v) == 3 and list(v) == v.value()
    names = crossrun.StdVector("std::string", ["x"])
    add = fn("void stdc::append_name(std::vector<std::string>*, const std::string&)")
    add(names, "a long name to be appended to it")
    add(names, "y")
    assert names.value() == ["x", "a long name to be appended to it", "y"]
    # the same container passes to several calls
    assert fn("size_t stdc::total_len(const std::vector<std::string>* v)")(names) == 34


def test_a_mutable_container_needs_a_python_owned_one():
    try:
        fn("void stdc::fill(std::vector<int>& out, int n)")([1], 3)
    except TypeError as e:
        assert "StdVector" in str(e)
    else:
        raise AssertionError("a list passed as std::vector<int>&")


def test_vectors_of_pointers_and_of_declared_structs():
    w = fn("std::vector<const char*> stdc::words()")()
    assert [p.string() for p in w] == ["alpha", "beta"]
    c = fn("std::vector<stdc::Point> stdc::corners(double, double)")(2.0, 3.0)
    assert [(p.x, p.y) for p in c] == [(0, 0), (2, 0), (2, 3), (0, 3)]
    per = fn("double stdc::perimeter(const std::vector<stdc::Point>&)")
    assert per([Point(x=0, y=0), Point(x=1, y=0), Point(x=1, y=1)]) == 4.0


def test_pairs_and_vectors_of_pairs():
    assert fn("std::pair<std::string, int> stdc::best()")() == \
        ("a winner with a long name", 42)
    assert fn("std::vector<std::pair<std::string, int>> stdc::scores()")() == \
        [("ann", 3), ("bob", 5), ("a name beyond the small buffer", 8)]


def test_maps_both_ways():
    counts = fn("std::map<std::string, int> stdc::counts(const std::vector<std::string>&)")
    assert counts(["b", "a", "b", "a long word for the map", "b"]) == \
        {"a": 1, "b": 3, "a long word for the map": 1}
    lookup = fn("int stdc::lookup(const std::map<std::string, int>& m, const std::string& key)")
    big = {"k%03d" % i: i for i in range(200)}   # a tree std::map must search
    for k in ("k000", "k123", "k199"):
        assert lookup(big, k) == big[k]
    assert lookup(big, "nope") == -1
    assert lookup({}, "k") == -1
    m = fn("std::map<int, std::string> stdc::by_id()")()
    assert list(m) == sorted(m) and m[-8] == "id-8" and m[10] == "id10"


def test_nested_containers():
    assert fn("std::map<std::string, std::vector<int>> stdc::groups()")() == \
        {"even": [0, 2, 4], "odd": [1, 3], "none": []}


def test_nested_containers_passed_from_python():
    total = fn("long stdc::total_of(const std::map<std::string, std::vector<int>>& m)")
    assert total({"ab": [1, 2], "a key longer than sixteen": [1], "x": []}) == \
        2 * 3 + 25 * 1
    join = fn("std::string stdc::join_pairs(const std::vector<std::pair<std::string, int>>& v)")
    assert bytes(join([("a", 1), ("a long name past the buffer", -2)])) == \
        b"a=1;a long name past the buffer=-2;"
    m = crossrun.StdMap("std::string", "std::vector<int>", {"k": [1, 2]})
    assert m.value() == {"k": [1, 2]} and total(m) == 3
    try:
        join([("a", "not a number")])
    except TypeError as e:
        assert "int" in str(e)
    else:
        raise AssertionError("a str passed as an int element")


def test_unordered_maps_both_ways():
    lengths = fn("std::unordered_map<std::string, long> stdc::lengths(const std::vector<std::string>&)")
    assert lengths(["a", "bb", "a much longer key than sixteen"]) == \
        {"a": 1, "bb": 2, "a much longer key than sixteen": 30}
    uget = fn("long stdc::uget(const std::unordered_map<std::string, long>&, const std::string&)")
    assert uget({"a": 1, "bb": 2, "ccc": 3}, "bb") == 2
    assert uget({"a": 1}, "zz") == -1
    u = crossrun.StdUnorderedMap("std::string", "long", {"a": 1, "bb": 2})
    uadd = fn("void stdc::uadd(std::unordered_map<std::string, long>&, const std::string&, long)")
    for i in range(50):   # the library rehashes crossrun's table
        uadd(u, "key number %d" % i, i)
    assert len(u) == 52 and uget(u, "a") == 1 and uget(u, "key number 49") == 49
    assert u.value()["key number 7"] == 7


def test_python_owned_map_passes_by_const_ref():
    m = crossrun.StdMap("std::string", "int", {"x": 1, "y": 2})
    lookup = fn("int stdc::lookup(const std::map<std::string, int>& m, const std::string& key)")
    assert lookup(m, "y") == 2 and m.value() == {"x": 1, "y": 2}
    assert len(m) == 2 and len(crossrun.StdMap("int", "int")) == 0


def test_string_view_both_ways():
    assert fn("std::string_view stdc::first_word(std::string_view)")(
        "hello world") == "hello"
    assert fn("size_t stdc::sv_len(std::string_view s)")(b"abcdef") == 6


def test_const_ref_result_is_read_not_destroyed():
    primes = fn("const std::vector<int>& stdc::primes()")
    assert primes() == [2, 3, 5, 7, 11]
    assert primes() == [2, 3, 5, 7, 11]


def refused(decl, *words):
    try:
        lib.fn(decl)
    except crossrun.DeclarationError as e:
        for w in words:
            assert w in str(e), (w, str(e))
    else:
        raise AssertionError("accepted: " + decl)


def test_a_container_of_an_undeclared_type_is_refused():
    refused("std::vector<stdc::Nothing> stdc::squares(int)",
            "'stdc::Nothing' is not declared", "lib.struct")


def test_unsupported_standard_types_are_refused_not_guessed():
    refused("std::vector<bool> stdc::squares(int)", "std::vector<bool>")
    refused("std::set<int, MyLess> stdc::squares(int)", "custom comparators")
    refused("std::deque<int> stdc::squares(int)", "std::deque<int>", "supported")
    refused("std::map<std::string, int, MyLess> stdc::squares(int)",
            "custom comparators")
    refused("std::unordered_map<double, int> stdc::squares(int)",
            "unordered_map key")


def test_isolated_library_takes_containers_only_read_only():
    iso = crossrun.load("fixtures/build/libstdc.so", isolated=True)
    assert iso.fn("long stdc::sum(const std::vector<long>&)")([4, 5]) == 9
    try:
        iso.fn("std::vector<int> stdc::squares(int n)")
    except crossrun.DeclarationError as e:
        assert "isolated=True" in str(e)
    else:
        raise AssertionError("an isolated library's vector by value")


def test_a_std_set_comes_back_as_a_set_and_passes_from_one():
    assert fn("std::set<int> stdc::evens_below(int n)")(9) == {0, 2, 4, 6, 8}
    assert fn("std::set<int> stdc::evens_below(int n)")(0) == set()
    assert fn("std::set<std::string> stdc::letters(const std::string& word)")(
        "abca") == {c + " is a letter of a long enough word" for c in "abc"}
    # built as std::set builds it: in order, and a lookup finds 3
    set_sum = fn("long stdc::set_sum(const std::set<long>& s)")
    assert set_sum({5, 3, 1, 2}) == 1011
    assert set_sum([5, 3, 1, 2, 2, 3]) == 1011    # equal elements once
    assert set_sum(frozenset()) == 0
    join = fn("std::string stdc::set_join(const std::set<std::string>& s)")
    assert join({"b", "a long string of many letters", "c"}) == \
        "a long string of many letters;b;c;"


def test_a_std_list_comes_back_as_a_list_and_passes_from_one():
    assert fn("std::list<int> stdc::countdown(int n)")(4) == [4, 3, 2, 1]
    assert fn("std::list<int> stdc::countdown(int n)")(0) == []
    echo = fn("std::list<std::string> stdc::echo_list("
              "const std::list<std::string>& l)")
    assert echo(["x", "a long string of many letters"]) == \
        ["2 strings, reversed, then", "a long string of many letters", "x"]
    assert echo([]) == ["0 strings, reversed, then"]
    grow = fn("long stdc::list_sum(std::list<long> l)")   # the callee grows it
    assert grow((1, 2, 3)) == 1106 + 5 * 10000
    assert grow([]) == 1100 + 2 * 10000


def test_a_python_owned_set_and_list_are_filled_by_the_library():
    s = crossrun.StdSet("int", [6, 1])
    fn("void stdc::add_multiples(std::set<int>& out, int k, int n)")(s, 3, 4)
    assert s.value() == {1, 3, 6, 9, 12} and len(s) == 5
    # the library's lookups work on what it grew
    assert fn("long stdc::set_sum(const std::set<long>& s)")(
        s.value()) == 1000 + 31
    words = crossrun.StdList("std::string")
    push = fn("void stdc::push_words(std::list<std::string>& out, "
              "const std::string& text)")
    push(words, "one  two a-word-longer-than-fifteen-bytes")
    push(words, " three")
    assert words.value() == ["one", "two",
                             "a-word-longer-than-fifteen-bytes", "three"]
    assert list(words) == words.value() and len(words) == 4
    assert crossrun.StdList("int").value() == [] and \
        crossrun.StdSet("std::string").value() == set()


def test_sets_and_lists_refuse_what_they_cannot_hold():
    try:
        fn("long stdc::set_sum(const std::set<long>& s)")({1: 2})
    except TypeError as e:
        assert "a set, list or tuple" in str(e)
    else:
        raise AssertionError("a dict passed as a std::set")
    try:
        fn("long stdc::set_sum(const std::set<stdc::Point>& s)")
    except crossrun.DeclarationError as e:
        assert "numbers, pointers and std::string" in str(e)
    else:
        raise AssertionError("a set of structs, which needs a comparator")
