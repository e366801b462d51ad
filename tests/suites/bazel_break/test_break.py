"""A test that makes the run's JUnit report impossible to write (a
directory where it is to go), so that crossrun itself fails (exit 3):
tests/e2e/test_bazel_protocol.py."""
import os


def test_breaks_the_report():
    os.mkdir(os.environ["XML_OUTPUT_FILE"])
