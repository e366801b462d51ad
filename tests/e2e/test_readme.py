"""The README's examples run as they are written: the test file of
"Writing tests" and the class walk-through of "Calling C and C++"."""
import os
import tempfile

import e2e


def _block(text, first_line, end_marker):
    """The indented code block of the README that starts with first_line,
    up to the paragraph that starts with end_marker, unindented."""
    start = text.index("    " + first_line)
    end = text.index(end_marker, start)
    return "\n".join(line[4:] for line in text[start:end].splitlines())


def test_readme_examples_pass():
    with open(os.path.join(e2e.ROOT, "README.md")) as f:
        text = f.read()
    tests = _block(text, "# tests/test_calc.py", "Also `@mark.skip")
    walk = _block(text, "import crossrun\n\n    calc = crossrun.load",
                  "Also structs by value")
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "test_readme_tests.py"), "w") as f:
            f.write(tests)
        with open(os.path.join(tmp, "test_readme_walk.py"), "w") as f:
            f.write("def test_walk_through():\n")
            f.write("".join("    %s\n" % line for line in walk.splitlines()))
        r = e2e.run(tmp, junit=False)
    assert r.rc == 0, r.out + r.err
    assert e2e.last_line(r.out) == "7 passed, 0 failed", r.out
