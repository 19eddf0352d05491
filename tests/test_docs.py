"""The pages under docs/ that are not tutorial chapters run too, and print what they show."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ["how_it_works.md", "compile.md", "numpy_and_pytorch.md"]


def _mdrun():  # docs/mdrun.py is not a package module: load it from its file
    if "mdrun" not in sys.modules:
        spec = importlib.util.spec_from_file_location("mdrun", DOCS / "mdrun.py")
        assert spec is not None and spec.loader is not None
        sys.modules["mdrun"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules["mdrun"])
    return sys.modules["mdrun"]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_and_prints_what_it_shows(page: str, tmp_path: Path) -> None:
    _mdrun().run_page(DOCS / page, tmp_path)
