"""crossrun.load by a name the dynamic loader finds, and plain C
libraries of the system."""
import crossrun


def test_load_by_soname():
    z = crossrun.load("libz.so.1")
    assert z.file.startswith("/") and "libz.so" in z.file
    assert z.fn("const char* zlibVersion(void)")().string().startswith("1.")
    crc = z.fn("unsigned long crc32(unsigned long crc, const unsigned char* buf, "
               "unsigned int len)")
    assert crc(0, b"hello", 5) == 0x3610A686


def test_libm_by_name():
    m = crossrun.load("libm.so.6")
    assert m.fn("double cos(double)")(0.0) == 1.0
    assert m.fn("double pow(double x, double y)")(2.0, 10.0) == 1024.0
    assert m.fn("float sqrtf(float)")(2.25) == 1.5


def test_libc_strlen_with_str_and_bytes():
    c = crossrun.load("libc.so.6")
    strlen = c.fn("size_t strlen(const char*)")
    assert strlen("h\u00e9llo") == 6 and strlen(b"abc") == 3
    qsort = c.fn("void qsort(void* base, size_t n, size_t size, "
                 "int (*compar)(const void*, const void*))")
    buf = crossrun.buffer(16)
    for i, v in enumerate([3, 1, 4, 2]):
        buf.write("int", v, i)
    qsort(buf, 4, 4, lambda a, b: a.read("int") - b.read("int"))
    assert [buf.read("int", i) for i in range(4)] == [1, 2, 3, 4]


def test_path_like_and_repr():
    import pathlib
    lib = crossrun.load(pathlib.Path("fixtures/build/libcalc.so"))
    assert lib.path == "fixtures/build/libcalc.so"
    assert "libcalc.so" in repr(lib)
