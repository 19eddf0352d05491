"""Every ```python block of README.md runs, so the front page cannot rot.

Blocks run in order in one namespace (a later block may use names from an earlier one), in
a temporary directory; any ``test_*`` function a block defines is called too.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks() -> list[tuple[int, str]]:
    """(line number, code) of each fenced python block."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in BLOCK.finditer(text)]


def test_readme_has_python_examples():
    assert python_blocks(), "README.md has no ```python block"


def test_readme_python_blocks_run(tmp_path, monkeypatch, capsys):
    try:
        import matplotlib  # a block that plots must not need a display

        matplotlib.use("Agg")
    except ImportError:  # the `examples` extra is not installed; no block may need it then
        pass
    monkeypatch.chdir(tmp_path)  # files a block writes land here
    namespace: dict[str, object] = {"__name__": "readme"}
    for line, code in python_blocks():
        before = set(namespace)
        # running the README's own code is the point; a failure's traceback names README.md:line
        exec(compile(code, f"README.md:{line}", "exec"), namespace)
        for name in sorted(set(namespace) - before):
            if name.startswith("test_") and callable(namespace[name]):
                namespace[name]()  # type: ignore[operator]
    capsys.readouterr()


def test_ten_lines_example_prints_the_right_gradients(capsys):
    # the first example is a neuron y = σ(w·x + b) with E = (y - 1)²; check what it prints
    line, code = python_blocks()[0]
    if "print(w.grad, b.grad)" not in code:
        pytest.skip("the first README example changed; test_readme_python_blocks_run covers it")
    namespace: dict[str, object] = {}
    exec(compile(code, f"README.md:{line}", "exec"), namespace)
    x, w, b = (np.asarray(namespace[k].data) for k in ("x", "w", "b"))  # type: ignore[attr-defined]
    y = 1 / (1 + np.exp(-(w @ x + b)))
    delta = 2 * (y - 1.0) * y * (1 - y)  # dE/dz for E = (y - 1)², z = w·x + b
    np.testing.assert_allclose(namespace["w"].grad, delta * x, rtol=1e-12)  # type: ignore[attr-defined]
    np.testing.assert_allclose(namespace["b"].grad, delta, rtol=1e-12)  # type: ignore[attr-defined]
    assert capsys.readouterr().out.strip()


def test_ten_lines_example_imports_only_what_it_uses():
    import ast

    _, code = python_blocks()[0]
    tree = ast.parse(code)
    imported = {(a.asname or a.name).split(".")[0] for node in ast.walk(tree)
                if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert imported <= used, f"imported and never used: {sorted(imported - used)}"
