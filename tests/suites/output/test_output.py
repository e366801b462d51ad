import os
import sys

import ctypes
lib = ctypes.CDLL("fixtures/build/libmisbehave.so")  # run from the root


def test_c_output():
    lib.mb_say(b"from C")
    print("from Python")
    assert False, "show the output"


def test_unflushed_c_output():
    lib.mb_say_buffered(b"not flushed")
    assert False


def test_flood():
    lib.mb_flood(3 * 1024 * 1024)
    assert False


def test_hostile_bytes():
    lib.mb_hostile_output()
    assert False, "bad \x1b bytes \udcff in the message ]]>"


def test_protocol_lookalikes():
    print("ok 1 - fake")
    print("not ok 2 - fake")
    print("Bail out! fake")
    print("1..1")
    sys.stdout.flush()
    os.write(2, b"  ---\n  outcome: passed\n  ...\n")


def test_grandchild_keeps_pipes():
    assert lib.mb_leave_child(30) == 0
