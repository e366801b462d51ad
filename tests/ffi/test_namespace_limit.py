"""The glibc limit on link namespaces, reached in a child process (a
namespace is never given back while its library is loaded, and crossrun
never unloads one)."""
import crossrun
from crossrun import _native

FIX = "fixtures/build/"


def fill(path):
    """In a child: load path isolated until the loader refuses; report
    how many loads worked and the error."""
    def child():
        n = 0
        try:
            while n < 40:
                crossrun.load(path, isolated=True)
                n += 1
        except crossrun.LoadError as e:
            return "%d\n%s" % (n, e)
        return "%d\nno error" % n
    r = _native.run_isolated(child, timeout=60)
    assert r.exitcode == 0, (r.signal, r.stderr, r.crash)
    count, message = r.report.decode().split("\n", 1)
    return int(count), message


def test_namespace_limit_is_stated():
    count, message = fill(FIX + "libbare.so")   # no libc: only the limit
    assert count == 15, message
    assert ("glibc allows at most 16 link namespaces per process "
            "(15 for dlmopen)") in message
    assert "crossrun never unloads a library" in message


def test_static_tls_limit_is_stated():
    # each namespace loads its own libc and libstdc++: static TLS runs out
    # first unless GLIBC_TUNABLES=glibc.rtld.nns raises the reserve
    count, message = fill(FIX + "liborders_now.so")
    assert 1 <= count <= 15
    assert ("glibc.rtld.nns=N" in message
            or "at most 16 link namespaces" in message), message


def test_this_process_still_has_namespaces():
    lib = crossrun.load(FIX + "libcounter.so", isolated=True)
    assert lib.fn("int counter_next(void)")() == 1
