"""The tutorial's notebooks: one per chapter, made from it by docs/make_notebooks.py and up to
date with it; each runs without an error and prints what its committed outputs show."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")

DOCS = Path(__file__).resolve().parent.parent / "docs"
_spec = importlib.util.spec_from_file_location("make_notebooks", DOCS / "make_notebooks.py")
assert _spec is not None and _spec.loader is not None
make = importlib.util.module_from_spec(_spec)
sys.modules["make_notebooks"] = make
_spec.loader.exec_module(make)

NOTEBOOKS = sorted((DOCS / "notebooks").glob("*.ipynb"))


def printed(nb) -> list[str]:
    """What each code cell printed (stdout), in order."""
    return ["".join(o.get("text", "") for o in cell.get("outputs", [])
                    if o.get("output_type") == "stream" and o.get("name") == "stdout")
            for cell in nb.cells if cell.cell_type == "code"]


def test_every_chapter_has_a_notebook_made_from_its_current_text():
    assert len(NOTEBOOKS) == len(make.chapters()) >= 9
    assert make.out_of_date() == [], "run: python docs/make_notebooks.py"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_prints_its_committed_outputs(notebook: Path, tmp_path: Path):
    committed = nbformat.read(notebook, as_version=4)
    fresh = make.execute(nbformat.read(notebook, as_version=4), tmp_path)  # raises on error
    assert printed(fresh) == printed(committed), "run: python docs/make_notebooks.py"
    assert any(printed(committed)), "the committed notebook was saved without its outputs"


def test_a_chapter_becomes_cells_without_its_shown_outputs(tmp_path: Path):
    chapter = tmp_path / "05_demo.md"
    chapter.write_text("# Demo\n\nIntro.\n\n```python\nprint(1 + 1)\n```\n\n```text\n2\n```\n\n"
                       "Then a picture: ![p](img/p.png)\n\n```python\nx = 3\n```\n\nProse.\n\n"
                       "```text\nnot an output: prose sits between\n```\n", encoding="utf-8")
    nb = make.notebook_from_markdown(chapter)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["markdown", "code", "code", "markdown", "code", "markdown"]
    assert nb.cells[1].source == make.SETUP and nb.cells[2].source == "print(1 + 1)"
    assert nb.cells[3].source == "Then a picture: ![p](../tutorial/img/p.png)"
    assert nb.cells[5].source.startswith("Prose.") and "not an output" in nb.cells[5].source
    assert [c.id for c in nb.cells] == [f"cell-{i}" for i in range(6)]


def test_a_cell_ending_in_a_call_shows_only_what_it_prints():
    assert make.quiet("ax = 1\nplot(ax,\n     'é')  # a comment") == \
        "ax = 1\nplot(ax,\n     'é');  # a comment"
    for code in ("print(1)", "x = f()", "def f():\n    return g()", "", "f("):
        assert make.quiet(code) == code


def test_a_stale_or_missing_notebook_is_reported(tmp_path: Path, monkeypatch):
    (tmp_path / "tutorial").mkdir()
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setattr(make, "TUTORIAL", tmp_path / "tutorial")
    monkeypatch.setattr(make, "NOTEBOOKS", tmp_path / "notebooks")
    chapter = tmp_path / "tutorial" / "01_a.md"
    chapter.write_text("# A\n\n```python\nx = 1\n```\n", encoding="utf-8")
    assert make.out_of_date() == ["01_a.md"]  # missing
    nbformat.write(make.notebook_from_markdown(chapter), make.notebook_path(chapter))
    assert make.out_of_date() == []
    chapter.write_text("# A\n\n```python\nx = 2\n```\n", encoding="utf-8")
    assert make.out_of_date() == ["01_a.md"]  # the chapter changed
    nbformat.write(make.notebook_from_markdown(chapter), tmp_path / "notebooks" / "02_b.ipynb")
    assert "02_b.ipynb (no chapter)" in make.out_of_date()
