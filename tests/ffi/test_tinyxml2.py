"""The FFI on a C++ library nobody on the project wrote: Debian's
libtinyxml2 (package libtinyxml2-dev), driven by declaration only."""
import crossrun

xml = crossrun.load("/usr/lib/x86_64-linux-gnu/libtinyxml2.so")

XMLError = xml.enum("tinyxml2::XMLError", {"XML_SUCCESS": 0,
                                           "XML_ERROR_EMPTY_DOCUMENT": 13,
                                           "XML_ERROR_MISMATCHED_ELEMENT": 14})
xml.enum("tinyxml2::Whitespace", {"PRESERVE_WHITESPACE": 0,
                                  "COLLAPSE_WHITESPACE": 1})
Doc = xml.cls("tinyxml2::XMLDocument", size=2048, methods=[
    "XMLDocument(bool processEntities, tinyxml2::Whitespace ws)",
    "tinyxml2::XMLError Parse(const char* xml, size_t nBytes)",
    "tinyxml2::XMLElement* RootElement()",  # inline in tinyxml2.h: absent
    "const char* ErrorStr() const",
    "const char* ErrorName() const",
    "~XMLDocument()",
])
Node = xml.cls("tinyxml2::XMLNode", size=128, methods=[
    "const char* Value() const",
    "const tinyxml2::XMLElement* NextSiblingElement(const char* name = 0) const",
])
Element = xml.cls("tinyxml2::XMLElement", size=128, base=Node, methods=[
    "const char* Attribute(const char* name, const char* value = 0) const",
    "int IntAttribute(const char* name, int defaultValue = 0) const",
    "const char* GetText() const",
])
first_child = xml.fn("const tinyxml2::XMLElement* "
                     "tinyxml2::XMLNode::FirstChildElement(const char* name) const")

ORDER = b"<order id='7'><item sku='a1' qty='2'>Tea</item><item sku='b2'/></order>"


def test_parse_and_walk_the_tree():
    with Doc(True, 0) as d:
        assert d.Parse(ORDER, len(ORDER)) is XMLError.XML_SUCCESS
        assert d.ErrorName().string() == "XML_SUCCESS"
        order = first_child(d, b"order")  # the document passes as `this`
        assert isinstance(order, Element) and not order.owned
        assert order.Value().string() == "order"
        assert order.IntAttribute(b"id") == 7
        assert order.IntAttribute(b"missing", 5) == 5
        item = first_child(order, "item")
        assert item.Attribute("sku").string() == "a1"
        assert item.Attribute("qty", "2").string() == "2"
        assert item.Attribute("qty", "3") is None
        assert item.GetText().string() == "Tea"
        second = item.NextSiblingElement()
        assert second.Attribute("sku").string() == "b2"
        assert second.NextSiblingElement() is None


def test_parse_error_is_reported():
    bad = b"<a><b></a>"
    with Doc(True, 0) as d:
        assert d.Parse(bad, len(bad)) is XMLError.XML_ERROR_MISMATCHED_ELEMENT
        assert d.ErrorName().string() == "XML_ERROR_MISMATCHED_ELEMENT"
        assert "Line number=1" in d.ErrorStr().string()


def test_inline_method_absent_from_the_library():
    with Doc(True, 0) as d:
        try:
            d.RootElement()
        except crossrun.SymbolNotFound as e:
            assert "RootElement" in str(e)
        else:
            raise AssertionError("RootElement is inline and not exported")


def test_symbols_of_a_real_library():
    names = xml.symbols()
    assert "tinyxml2::XMLDocument::Parse(char const*, unsigned long)" in names
    assert len(names) > 100
