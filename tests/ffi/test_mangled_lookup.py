"""Declarations found by their mangled names (DESIGN.md 5b, a large
application's libraries): a lookup that succeeds reads nothing but the
loaded library's own hash table, so it works even when the library's
file is gone; the demangled index serves only error messages and
symbols()."""
import os
import shutil
import tempfile

import crossrun

SRC = "fixtures/build/libcalc.so"


def _load_then_remove():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "libcalc_gone.so")
    shutil.copy(SRC, path)
    lib = crossrun.load(path)
    os.unlink(path)
    os.rmdir(d)
    return lib


def test_lookups_read_no_file():
    lib = _load_then_remove()
    add = lib.fn("int calc::add(int, int)")
    assert add(2, 3) == 5 and add.symbol == "_ZN4calc3addEii"
    assert lib.fn("double calc::add(double, double)")(1.5, 1.0) == 2.5
    assert lib.fn("int calc_add_c(int a, int b)")(40, 2) == 42
    assert lib.fn("size_t calc::count_chars(const char*, char)")(
        b"banana", b"a") == 3
    greet = lib.fn("std::string calc::greet(const std::string&)")
    assert bytes(greet(crossrun.StdString(b"you"))) == b"hello, you"


def test_methods_constructors_and_tags_read_no_file():
    lib = _load_then_remove()
    shape = lib.cls("calc::Shape", size=64, methods=[
        "Shape(const char* name)",
        "virtual ~Shape()",
        "virtual double area() const",
        "const std::string& name() const",
    ])
    circle = lib.cls("calc::Circle", size=64, base=shape, methods=[
        "Circle(double r)",
        "~Circle()",
        "double area() const",
        "void scale(double)",
    ])
    c = circle(2.0)
    assert c.area() == 12.0
    c.scale(2.0)
    assert c.area() == 48.0
    # name() returns a std::__cxx11 type: GCC tags it [abi:cxx11]
    assert lib.fn("const std::string& calc::Shape::name() const").symbol \
        == "_ZNK4calc5Shape4nameB5cxx11Ev"
    c.close()


def test_a_namespace_is_not_a_class():
    lib = _load_then_remove()
    # calc:: has no vtable, typeinfo, constructor or destructor: add is
    # called without a this pointer.
    assert lib.fn("bool calc::is_even(int)")(4) is True


def _candidates(lib, decl):
    try:
        lib.fn(decl)
    except crossrun.SymbolNotFound as e:
        return e.candidates
    raise AssertionError("no SymbolNotFound for %s" % decl)


def test_not_found_still_names_the_closest():
    lib = crossrun.load(SRC)
    assert _candidates(lib, "int calc::add(int, int, int)")[0] in (
        "calc::add(int, int)", "calc::add(double, double)")


def test_closest_ranks_the_functions_own_name_first():
    icu = crossrun.load("/usr/lib/x86_64-linux-gnu/libicuuc.so.72")
    # ICU exports its C functions with a version suffix (u_strToUpper is
    # found as u_strToUpper_72: test_icu.py); a misspelt name still
    # ranks the function's own name first.
    assert _candidates(icu, "int32_t u_strToUpperr(char16_t*, int32_t, "
                       "const char16_t*, int32_t, const char*, int*)"
                       )[0] == "u_strToUpper_72"
    # then the scope: UnicodeString's own toUpper before CaseMap's
    close = _candidates(icu, "void icu_72::UnicodeString::toUpperr()")
    assert close[0] == "icu_72::UnicodeString::toUpper()"
    assert close[1].startswith("icu_72::UnicodeString::toUpper(")


def test_isolated_library_lookup_reads_no_file():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "libcalc_iso.so")
    shutil.copy(SRC, path)
    lib = crossrun.load(path, isolated=True)
    os.unlink(path)
    os.rmdir(d)
    add = lib.fn("int calc::add(int, int)")
    assert add(20, 22) == 42 and add.symbol == "_ZN4calc3addEii"
