"""What a test sees when crossrun runs under Bazel's test protocol
(tests/e2e/test_bazel_protocol.py sets its variables)."""
import os
import tempfile


def test_premature_exit_file_exists_while_tests_run():
    assert os.path.exists(os.environ["TEST_PREMATURE_EXIT_FILE"])


def test_scratch_goes_under_test_tmpdir():
    assert os.environ["TMPDIR"] == os.environ["TEST_TMPDIR"]
    assert tempfile.gettempdir() == os.environ["TEST_TMPDIR"]


def test_other():
    assert True
