"""C++ objects as real libraries pass them (fixtures/src/objs.cc): a
library's own typedefs, classes by value, virtual interfaces, operators,
default arguments, exact bytes of text and versioned names."""
import crossrun

objs = crossrun.load("fixtures/build/libobjs.so")
objs.typedef("la_int64_t", "int64_t")
objs.typedef("uLong", "unsigned long")


def test_a_librarys_own_typedefs_keep_64_bits():
    big = objs.fn("la_int64_t objs::big_size(la_int64_t times)")
    assert big(1) == 5_000_000_000          # not 705,032,704
    assert big(-2) == -10_000_000_000
    assert big.symbol == "_ZN4objs8big_sizeEl"
    assert objs.fn("uLong objs::twice(uLong)")(2**62) == 2**63


def test_typedef_of_a_typedef_and_const_and_pointer():
    objs.typedef("my_size", "uLong")
    assert objs.fn("const my_size objs::twice(const my_size)")(21) == 42


def test_c_library_typedefs_are_built_in():
    libc = crossrun.load("libc.so.6")
    assert libc.fn("pid_t getpid()")() > 0
    t = libc.fn("time_t time(time_t*)")(None)
    assert t > 1_600_000_000
    assert libc.fn("off_t lseek(int, off_t, int)")(-1, 0, 0) == -1
    assert libc.fn("ptrdiff_t labs(ptrdiff_t)")(-(2**40)) == 2**40
