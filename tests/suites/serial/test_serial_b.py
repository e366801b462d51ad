"""The same tests as test_serial_a.py, in a second file: with -j 1 the
two files must not run at once."""
from test_serial_a import alone, test_one, test_two  # noqa: F401
