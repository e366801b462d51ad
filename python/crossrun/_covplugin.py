"""--crossrun-cov for the pytest plugin (DESIGN.md sections 7 and 10).

`pytest --crossrun-cov[=PATH]` measures what crossrun --cov measures: the
gcov counters of every library built with --coverage and the Python that
runs (with coverage.py), in pytest's process, in pytest-xdist's workers
and in every isolated test's process, and writes the same reports to
PATH (default reports/) at the end, with one total per language in the
terminal summary. With pytest-cov's --cov also given, pytest-cov measures
the Python (and reports it), and --crossrun-cov the native counters.

Without --crossrun-cov, pytest-cov's --cov keeps the data of isolated
tests: pytest-cov measures a test that runs in another process than the
session's on its own and saves in the test's teardown, which a test that
times out never reaches; so pytest_plugin calls
_coverage.keep_in_children() before the first isolated test, and each
child also saves at the end of its run and at the timeout's SIGTERM, to a
file of its own that pytest-cov combines at the end.
"""

from . import _coverage, _native


class CovPlugin:
    """Registered by pytest_plugin when --crossrun-cov is given."""

    def __init__(self, config, path):
        self.path = path
        # pytest-xdist's workers share the controller's data directory.
        self.main = not hasattr(config, "workerinput")
        if self.main:
            try:
                _coverage.begin(path)
            except (RuntimeError, OSError) as e:
                import pytest
                raise pytest.UsageError("--crossrun-cov: %s" % e)
        _coverage.start(python=not config.getoption("cov_source", None))

    def pytest_sessionfinish(self, session):
        # This process's own part (its isolated children wrote theirs).
        _coverage.save()
        _native.gcov_dump()

    def pytest_terminal_summary(self, terminalreporter):
        if not self.main:
            return
        try:
            lines = _coverage.end(self.path)
        except Exception as e:      # the tests' verdict stands
            terminalreporter.write_line("crossrun: --crossrun-cov: no "
                                        "reports: %s" % e, red=True)
            return
        terminalreporter.section("crossrun coverage")
        for line in lines:
            terminalreporter.write_line(line)
