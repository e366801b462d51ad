"""The reported crash: a JSON library's member names, a
std::vector<std::string> returned by value (Debian's jsoncpp,
libjsoncpp-dev), read back as a list and checked against Python's json."""
import json

import crossrun

js = crossrun.load("libjsoncpp.so.25")
# json/value.h: enum ValueType (int-sized); declared, never guessed.
js.enum("Json::ValueType", {"nullValue": 0, "intValue": 1, "uintValue": 2,
                            "realValue": 3, "stringValue": 4,
                            "booleanValue": 5, "arrayValue": 6,
                            "objectValue": 7})
Value = js.cls("Json::Value", size=64, methods=[
    "Value(Json::ValueType type)",
    "~Value()",
    "std::vector<std::string> getMemberNames() const",
    "unsigned int size() const",
])
Reader = js.cls("Json::Reader", size=512, methods=[
    "Reader()",
    "bool parse(const std::string& document, Json::Value& root, bool collectComments)",
])

DOCS = [
    '{"id": 1, "name": "x", "a key that is longer than fifteen": [1, 2]}',
    '{}',
    '{"z": null, "\\u00e9t\\u00e9": true, "": 0, "b": {"nested": 1}}',
]


def test_member_names_come_back_as_python_lists():
    for doc in DOCS:
        with Reader() as r, Value(0) as v:
            assert r.parse(doc, v, False) is True
            names = v.getMemberNames()
            assert names == sorted(json.loads(doc), key=str.encode)
            assert v.size() == len(json.loads(doc))
