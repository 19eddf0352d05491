"""Every code block of the tutorial runs, and prints exactly what the page shows."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted((DOCS / "tutorial").glob("*.md"))

_spec = importlib.util.spec_from_file_location("mdrun", DOCS / "mdrun.py")
assert _spec is not None and _spec.loader is not None
mdrun = importlib.util.module_from_spec(_spec)
sys.modules["mdrun"] = mdrun  # dataclasses look their module up there
_spec.loader.exec_module(mdrun)


def test_the_tutorial_has_pages() -> None:
    assert len(PAGES) >= 1


def test_the_index_links_every_chapter_and_only_existing_pages() -> None:
    index = (DOCS / "tutorial" / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([0-9][0-9]_\w+\.md)\)", index))
    chapters = {p.name for p in PAGES if p.name[:2].isdigit()}
    assert linked == chapters and len(chapters) >= 10  # 01-08, the exercises, the solutions


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_runs_and_prints_what_it_shows(page: Path, tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    (tmp_path / "img").mkdir()
    mdrun.run_page(page, tmp_path)


def test_the_runner_catches_a_wrong_output(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="shows"):
        mdrun.run_page(page, tmp_path)


def test_the_runner_pairs_output_only_with_the_block_right_above() -> None:
    text = "```python\nx = 1\n```\nprose\n```text\nnot output\n```\n```python\nprint(x)\n```\n"
    found = mdrun.blocks(text)
    assert [b.expected for b in found] == [None, None]
    assert [b.line for b in found] == [2, 9]
