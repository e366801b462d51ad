"""docs/ffi.md's Python examples run as written."""
import re


def test_every_python_block_of_the_ffi_docs_runs():
    with open("docs/ffi.md") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) >= 5
    scope = {}
    for block in blocks:
        exec(compile(block, "docs/ffi.md", "exec"), scope)
