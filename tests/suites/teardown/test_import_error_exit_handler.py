"""A file that registers an exit handler and then fails to import: the
handler still runs, as it would when the interpreter exits."""
import atexit
import os


def _note():
    with open(os.environ["CROSSRUN_E2E_MARK"], "a") as f:
        f.write("test_import_error_exit_handler ran\n")


atexit.register(_note)
raise RuntimeError("this file does not import")
