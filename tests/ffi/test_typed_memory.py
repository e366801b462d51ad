"""Pointer.read/write and buffer.read/write with a struct class as the
type: the values go through the converters, and the class is not let go
of on the way (each read once dropped a reference to it)."""
import sys

import crossrun

calc = crossrun.load("fixtures/build/libcalc.so")


def test_struct_written_and_read_back_through_a_buffer():
    Point = calc.struct("calc::Point", [("x", "double"), ("y", "double")])
    buf = crossrun.buffer(2 * Point.size)
    buf.write(Point, Point(1.5, -2.0), 1)
    p = buf.read(Point, 1)
    assert isinstance(p, Point) and (p.x, p.y) == (1.5, -2.0)
    assert buf.read("double", 2) == 1.5
    assert bytes(buf)[:Point.size] == bytes(Point.size)


def test_reading_a_struct_keeps_the_class_alive():
    Point = calc.struct("calc::Point", [("x", "double"), ("y", "double")])
    buf = crossrun.buffer(Point.size)
    buf.write(Point, (0.0, 0.0))
    before = sys.getrefcount(Point)
    for _ in range(50):
        buf.read(Point)
        buf.write(Point, (1.0, 2.0))
    after = sys.getrefcount(Point)
    assert after == before
    assert (buf.read(Point).x, buf.pointer.read(Point).y) == (1.0, 2.0)
