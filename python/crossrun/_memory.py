"""--memory-limit and @mark.memory_limit: what a test may allocate. It
runs with the soft RLIMIT_AS of its process set to the address space the
process holds when the test starts plus the limit (so the interpreter
and the libraries loaded before it do not count, and a sanitizer's huge
reservations neither), so that an allocation past it fails where it is
made; the failure then says that the limit was hit, not only
"MemoryError". Loaded only when a limit is set."""
import os
import resource


def shown(size):
    """512 MiB, 1.5 GiB, 4096 bytes: a size for a message."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift:
            return "%g %s" % (round(size / (1 << shift), 2), unit)
    return "%d bytes" % size


def note(limit):
    return "the test hit its memory limit of %s (--memory-limit or " \
        "@mark.memory_limit: the address space it may add to its " \
        "process)" % shown(limit)


def run_limited(limit, run, item):
    """run(item) with the soft RLIMIT_AS at what the process holds plus
    limit (or the hard limit, if lower), put back after; a MemoryError
    result says the limit was hit."""
    with open("/proc/self/statm", "rb") as f:
        held = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    new = held + limit
    if hard != resource.RLIM_INFINITY:
        new = min(new, hard)
    resource.setrlimit(resource.RLIMIT_AS, (new, hard))
    try:
        res = run(item)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    if res.get("type") == "MemoryError":
        message = res.get("message")
        res = dict(res, message=note(limit) + (
            ": " + message if message and message != "MemoryError" else ""))
    return res


def crash_note(res, limit):
    """A test that died by a signal under a limit: say so (a library
    whose allocation failed may abort or crash)."""
    if res.get("type") == "crash":
        res = dict(res, message="%s; the test's process had a memory limit "
                   "of %s, which a failed allocation may have hit"
                   % (res["message"], shown(limit)))
    return res
