"""The README's Python examples run as written, and print what their comments say."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no Python example"
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)  # our own file, not user input
    updates, x, fx = out.getvalue().split("\n")[0].split()
    assert int(updates) in (11, 12)
    assert abs(float(x) + 1.1107) < 1e-3 and abs(float(fx) + 3.246394) < 1e-6
