"""The FFI on Debian's libjsoncpp (package libjsoncpp-dev), driven as
its documentation shows: a CharReader made by a CharReaderBuilder parses
a document (a pure-virtual interface called through its vtable), then
Json::Value is navigated with operator[], get() returning by value,
asString(), size(), operator bool and ==. Every result is checked
against Python's json module reading the same text."""
import json

import crossrun

lib = crossrun.load("libjsoncpp.so.25")
# json/config.h: using Int = int; using UInt = unsigned int;
# using String = std::basic_string<char, ..., Allocator<char>> (std::allocator
# unless JSONCPP_USING_SECURE_MEMORY); json/forwards.h: ArrayIndex = unsigned.
lib.typedef("Json::Int", "int")
lib.typedef("Json::ArrayIndex", "unsigned int")
lib.typedef("Json::String", "std::string")
ValueType = lib.enum("Json::ValueType", {
    "nullValue": 0, "intValue": 1, "uintValue": 2, "realValue": 3,
    "stringValue": 4, "booleanValue": 5, "arrayValue": 6, "objectValue": 7})
# json/value.h, in header order for what is declared here.
Value = lib.cls("Json::Value", size=64, methods=[
    "Value(Json::ValueType type = nullValue)",
    "Value(int value)",
    "Value(const char* value)",
    "Value(const Json::Value& other)",
    "~Value()",
    "Json::ValueType type() const",
    "bool operator<(const Json::Value& other) const",
    "bool operator==(const Json::Value& other) const",
    "Json::String asString() const",
    "Json::Int asInt() const",
    "double asDouble() const",
    "bool isArray() const",
    "Json::ArrayIndex size() const",
    "explicit operator bool() const",
    "Json::Value& operator[](Json::ArrayIndex index)",
    "Json::Value get(Json::ArrayIndex index, const Json::Value& defaultValue) const",
    "Json::Value& append(const Json::Value& value)",
    "Json::Value& operator[](const char* key)",
    "Json::Value get(const char* key, const Json::Value& defaultValue) const",
    "bool isMember(const char* key) const",
    "Json::String toStyledString() const",
])
# json/reader.h: the interface, then the builder that makes one.
CharReader = lib.cls("Json::CharReader", size=16, methods=[
    "virtual ~CharReader()",
    "virtual bool parse(const char* beginDoc, const char* endDoc, "
    "Json::Value* root, Json::String* errs) = 0",
])
Builder = lib.cls("Json::CharReaderBuilder", size=128, methods=[
    "CharReaderBuilder()",
    "~CharReaderBuilder()",
    "Json::CharReader* newCharReader() const",
])

DOC = (b'{"name": "caf\xc3\xa9", "sizes": [3, 1, 4, 1, 5], "price": 2.5, '
       b'"nested": {"ok": true, "n": -7}}')


def parse(text):
    with Builder() as b:
        reader = b.newCharReader()           # a CharReader*, view
        root, errs = Value(), crossrun.StdString(b"")
        buf = crossrun.buffer(len(text))
        buf[:] = text
        end = crossrun.Pointer(int(buf.pointer) + len(text))
        ok = reader.parse(buf, end, root, errs)
        crossrun.delete(reader)              # virtual ~CharReader, deleting
    return ok, root, bytes(errs)


def test_a_document_parsed_through_the_virtual_interface():
    ok, root, errs = parse(DOC)
    truth = json.loads(DOC)
    assert ok is True and errs == b""
    assert root.type() is ValueType.objectValue
    assert bytes(root[b"name"].asString()) == truth["name"].encode()
    sizes = root[b"sizes"]
    assert sizes.isArray() and sizes.size() == len(truth["sizes"])
    assert [sizes[i].asInt() for i in range(sizes.size())] == truth["sizes"]
    assert root[b"price"].asDouble() == truth["price"]
    assert root[b"nested"][b"n"].asInt() == truth["nested"]["n"]
    assert bool(root[b"nested"][b"ok"]) is True
    root.close()


def test_get_returns_a_value_by_value_with_a_default():
    ok, root, _ = parse(DOC)
    fallback = Value(42)
    got = root.get(b"missing", fallback)     # Json::Value by value: owned
    assert got.owned and got.asInt() == 42 and got == fallback
    name = root.get(b"name", fallback)
    assert bytes(name.asString()) == "café".encode()
    assert root.isMember(b"price") and not root.isMember(b"missing")
    for v in (got, name, fallback, root):
        v.close()


def test_values_built_and_compared_with_operators_match_json():
    arr = Value(ValueType.arrayValue)
    for n in (5, 2, 9):
        arr.append(Value(n))
    assert arr.size() == 3 and bool(arr)
    empty = Value()                           # default: nullValue
    assert empty.type() is ValueType.nullValue and not empty
    assert Value(1) < Value(2) and not (Value(2) < Value(1))
    assert Value(b"x") == Value(b"x") and not (Value(b"x") == Value(b"y"))
    styled = bytes(arr.toStyledString())
    assert json.loads(styled) == [5, 2, 9]
    ok, again, _ = parse(styled)
    assert ok and again == arr
    for v in (arr, empty, again):
        v.close()


def test_a_syntax_error_is_reported_by_the_reader():
    ok, root, errs = parse(b'{"a": [1, 2}')
    assert ok is False
    try:
        json.loads(b'{"a": [1, 2}')
    except ValueError:
        pass
    else:
        raise AssertionError("python's json accepted it")
    assert b"Line 1" in errs or b"line 1" in errs, errs
    root.close()
