"""Debian's yaml-cpp (libyaml-cpp-dev) used as its own tutorial uses it
(github.com/jbeder/yaml-cpp/wiki/Tutorial, "How To Emit YAML"): most of
YAML::Node is inline in its header (IsMap(), operator bool, the member
templates as<T>() and operator[]), and so is every operator<< of the
Emitter; reached with load(headers=) and checked against python3-yaml
reading the same text, or reading back what the Emitter wrote."""
import os
import tempfile

import yaml

import crossrun
from crossrun import _shim

LIB = "libyaml-cpp.so.0.7"
y = crossrun.load(LIB, headers=["yaml-cpp/yaml.h"])

# yaml-cpp/node/type.h: struct NodeType { enum value { Undefined, Null,
# Scalar, Sequence, Map }; }.
NodeType = y.enum("YAML::NodeType::value", {
    "Undefined": 0, "Null": 1, "Scalar": 2, "Sequence": 3, "Map": 4})
# yaml-cpp/emittermanip.h, enum EMITTER_MANIP, counted from Auto = 0.
M = y.enum("YAML::EMITTER_MANIP", {
    "BeginSeq": 26, "EndSeq": 27, "Flow": 28, "Block": 29,
    "BeginMap": 30, "EndMap": 31, "Key": 32, "Value": 33})

# sizeof(YAML::Node) is 64 on x86-64 (node/node.h: a bool, a std::string,
# a std::shared_ptr and a pointer); every method below but the
# constructors, Type() and Scalar() is inline: one shim for the class.
NODE_METHODS = [
    "Node()",
    "Node(const YAML::Node& rhs)",
    "~Node()",
    "YAML::NodeType::value Type() const",
    "bool IsDefined() const",
    "bool IsNull() const",
    "bool IsScalar() const",
    "bool IsSequence() const",
    "bool IsMap() const",
    "explicit operator bool() const",
    "bool operator!() const",
    "std::size_t size() const",
    "const std::string& Scalar() const",
    "const YAML::Node operator[](const std::string& key) const",
    "const YAML::Node operator[](int index) const",
    "std::string as<std::string>() const",
    "int as<int>() const",
    "double as<double>() const",
    "bool as<bool>() const",
    "int as<int>(const int& fallback) const",
    # node/convert.h: yaml-cpp's own conversions to the standard containers
    "std::vector<int> as<std::vector<int>>() const",
    "std::vector<std::string> as<std::vector<std::string>>() const",
    "std::map<std::string, std::string> "
    "as<std::map<std::string, std::string>>() const",
    "std::map<std::string, std::vector<int>> "
    "as<std::map<std::string, std::vector<int>>>() const",
    "YAML::Node& operator=(const std::string& rhs)",
    "YAML::Node& operator=(const int& rhs)",
    "void push_back(const std::string& rhs)",
    "void push_back(const int& rhs)",
]
Node = y.cls("YAML::Node", size=64, methods=NODE_METHODS)
# sizeof(YAML::Emitter) is 72 (emitter.h: a unique_ptr, an ostream_wrapper).
Emitter = y.cls("YAML::Emitter", size=72, methods=[
    "Emitter()",
    "~Emitter()",
    "const char* c_str() const",
    "std::size_t size() const",
    "bool good() const",
    "const std::string GetLastError() const",
])
# The exported functions and the inline operators, declared as one set:
# the operators go into one shim. The node's non-const operator[] (which
# makes the key when it is assigned) is separate from the const one above.
load, dump, child, _, _, _, _ = y.fns([
    "YAML::Node YAML::Load(const std::string& input)",
    "std::string YAML::Dump(const YAML::Node& node)",
    "YAML::Node YAML::Node::operator[](const std::string& key)",
    "YAML::Emitter& YAML::operator<<(YAML::Emitter& out, const std::string& v)",
    "YAML::Emitter& YAML::operator<<(YAML::Emitter& out, int v)",
    "YAML::Emitter& YAML::operator<<(YAML::Emitter& out, bool v)",
    "YAML::Emitter& YAML::operator<<(YAML::Emitter& out, "
    "YAML::EMITTER_MANIP value)",
])


def as_(node, t, *fallback):
    """node.as<t>(): `as` is a Python keyword, so it is reached by name."""
    return getattr(node, "as<%s>" % t)(*fallback)


DOCS = [
    "name: Ada Lovelace\nborn: 1815\nheight: 1.65\nmarried: true\n",
    "[2, 3, 5, 7, 11]\n",
    "- eggs\n- bread\n- milk\n",
    "server:\n  host: example.org\n  ports: [80, 443]\n  tls: false\n"
    "users:\n  - {name: ann, id: 1}\n  - {name: bob, id: -2}\nnothing: ~\n",
    "just a scalar\n",
    "text: \"quoted: with a colon\"\nlist: []\nmap: {}\n",
]


def check(node, truth):
    """node, read through yaml-cpp's API alone, holds what python3-yaml
    read: maps by key (with the same number of entries), sequences by
    index, scalars through as<T> for the type python3-yaml gave them."""
    if isinstance(truth, dict):
        assert node.IsMap() and node.Type() == NodeType.Map
        assert node.size() == len(truth)
        for k, v in truth.items():
            assert node[str(k)], k            # explicit operator bool
            check(node[str(k)], v)
    elif isinstance(truth, list):
        assert node.IsSequence() and node.Type() == NodeType.Sequence
        assert node.size() == len(truth)
        for i, v in enumerate(truth):
            check(node[i], v)
    elif truth is None:
        assert node.IsNull() and node.Type() == NodeType.Null
    else:
        assert node.IsScalar() and node.Type() == NodeType.Scalar
        t = {bool: "bool", int: "int", float: "double", str: "std::string"}
        assert as_(node, t[type(truth)]) == truth


def test_loaded_documents_read_as_python3_yaml_reads_them():
    for doc in DOCS:
        with load(doc) as node:
            check(node, yaml.safe_load(doc))


def test_a_sequence_read_by_index_as_the_tutorial_does():
    doc = "[2, 3, 5, 7, 11]"
    with load(doc) as primes:
        got = [as_(primes[i], "int") for i in range(primes.size())]
    assert got == yaml.safe_load(doc)


def test_containers_come_back_through_yaml_cpps_own_conversions():
    # A map's keys, which Node's API gives only through iterators, come
    # back with as<std::map<...>>() as a dict.
    doc = "host: example.org\nuser: ann\nport: '8080'\n"
    with load(doc) as n:
        assert as_(n, "std::map<std::string, std::string>") == \
            yaml.safe_load(doc)
    doc = "odd: [1, 3, 5]\neven: [2, 4]\nnone: []\n"
    with load(doc) as n:
        assert as_(n, "std::map<std::string, std::vector<int>>") == \
            yaml.safe_load(doc)
        assert as_(n["odd"], "std::vector<int>") == [1, 3, 5]
    doc = "[eggs, bread, a long string that is not in place]"
    with load(doc) as n:
        assert as_(n, "std::vector<std::string>") == yaml.safe_load(doc)
    with load("[1, two]") as n:
        try:
            as_(n, "std::vector<int>")
        except crossrun.CxxException as e:
            assert e.type.startswith("YAML::TypedBadConversion")
        else:
            raise AssertionError("converted 'two' to an int")


def test_a_missing_key_is_false_and_takes_the_fallback():
    with load(DOCS[0]) as config:
        assert config["name"] and not config["lastLogin"]
        assert getattr(config["lastLogin"], "operator!")() is True
        assert config["lastLogin"].IsDefined() is False
        assert as_(config["lastLogin"], "int", 7) == 7
        assert as_(config["born"], "int", 7) == yaml.safe_load(DOCS[0])["born"]
        assert config["name"].Scalar() == "Ada Lovelace"


def test_the_librarys_exceptions_come_through_where_python3_yaml_also_fails():
    bad = "a: [1, 2\n"
    try:
        load(bad)
    except crossrun.CxxException as e:
        assert e.type == "YAML::ParserException" and "flow" in e.what
    else:
        raise AssertionError("yaml-cpp took %r" % bad)
    try:
        yaml.safe_load(bad)
    except yaml.YAMLError:
        pass
    else:
        raise AssertionError("python3-yaml took %r" % bad)
    with load("seq: [x, 2]\n") as n:
        try:
            as_(n["seq"], "int")               # a sequence is no int
        except crossrun.CxxException as e:
            assert e.type == "YAML::TypedBadConversion<int>"
            assert "bad conversion" in e.what
        else:
            raise AssertionError("a sequence converted to int")
        try:
            n["missing"].Type()                # node/impl.h: InvalidNode
        except crossrun.CxxException as e:
            assert e.type == "YAML::InvalidNode" and '"missing"' in e.what
        else:
            raise AssertionError("the type of a missing node")


def emit(out, data):
    """Write data with the Emitter's operator<< (Python's <<), as the
    tutorial writes maps and sequences."""
    if isinstance(data, dict):
        out << M.BeginMap
        for k, v in data.items():
            out << M.Key << k << M.Value
            emit(out, v)
        out << M.EndMap
    elif isinstance(data, list):
        out << M.BeginSeq
        for v in data:
            emit(out, v)
        out << M.EndSeq
    else:
        out << data


EMITTED = [
    "Hello, World!",
    ["eggs", "bread", "milk"],
    {"name": "Ryan Braun", "position": "LF"},
    {"name": "Barack Obama", "children": ["Sasha", "Malia"], "age": 61,
     "elected": True, "nested": {"deeper": [1, -2, {"k": "v"}], "x": False}},
    [[], {}, "a string: with a colon", "  leading spaces", "#not a comment"],
]


def test_the_emitters_output_reads_back_as_what_was_emitted():
    for data in EMITTED:
        with Emitter() as out:
            emit(out, data)
            assert out.good() is True, bytes(out.GetLastError())
            text = out.c_str().string()
            assert len(text.encode()) == out.size()
            assert yaml.safe_load(text) == data, text


def test_a_flow_sequence_and_the_operators_result_chains():
    with Emitter() as out:
        r = out << M.Flow << M.BeginSeq << 2 << 3 << "five" << M.EndSeq
        assert r.address == out.address        # the Emitter& it returns
        assert out.c_str().string() == "[2, 3, five]"
        assert yaml.safe_load(out.c_str().string()) == [2, 3, "five"]


def test_an_emitter_error_is_reported_as_the_library_words_it():
    with Emitter() as out:
        out << M.BeginSeq << M.EndMap          # ends a map in a sequence
        assert out.good() is False
        # exceptions.h: ErrorMsg::UNMATCHED_GROUP_TAG
        assert bytes(out.GetLastError()) == b"unmatched group tag"


def test_dump_writes_what_load_read():
    for doc in DOCS:
        with load(doc) as node:
            assert yaml.safe_load(bytes(dump(node))) == yaml.safe_load(doc)


def test_a_node_built_as_the_tutorial_builds_it():
    with Node() as node:
        assert node.IsNull()
        getattr(child(node, "key"), "operator=")("value")
        seq = child(node, "seq")
        seq.push_back("first element")
        seq.push_back(2)
        getattr(child(node, "n"), "operator=")(42)
        assert node.IsMap() and node.size() == 3
        assert yaml.safe_load(bytes(dump(node))) == {
            "key": "value", "seq": ["first element", 2], "n": 42}


def test_the_node_class_is_one_compile_and_then_none():
    old = os.environ.get("CROSSRUN_CACHE_DIR")
    cache = tempfile.TemporaryDirectory()
    os.environ["CROSSRUN_CACHE_DIR"] = cache.name
    try:
        before = _shim.compiles
        fresh = crossrun.load(LIB, headers=["yaml-cpp/yaml.h"])
        fresh.enum("YAML::NodeType::value", {"Map": 4})
        fresh.cls("YAML::Node", size=64, methods=NODE_METHODS)
        assert _shim.compiles == before + 1
        assert len(os.listdir(os.environ["CROSSRUN_CACHE_DIR"])) == 1
        again = crossrun.load(LIB, headers=["yaml-cpp/yaml.h"])
        again.enum("YAML::NodeType::value", {"Map": 4})
        N = again.cls("YAML::Node", size=64, methods=NODE_METHODS)
        assert _shim.compiles == before + 1    # from the cache
        with N() as n:
            assert n.IsNull() is True
    finally:
        cache.cleanup()
        if old is None:
            del os.environ["CROSSRUN_CACHE_DIR"]
        else:
            os.environ["CROSSRUN_CACHE_DIR"] = old
