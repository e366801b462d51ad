"""An exit handler that raises: an error of the module's teardown."""
import atexit


def _cleanup_that_fails():
    raise ValueError("cleanup failed")


atexit.register(_cleanup_that_fails)


def test_passes():
    pass
