"""Make the tutorial's Jupyter notebooks from its Markdown chapters, and run them.

Each chapter docs/tutorial/NN_name.md becomes docs/notebooks/NN_name.ipynb: jupytext turns
its ```python blocks into code cells and its prose into Markdown cells; then

- an output block (```text right under a code block) is dropped: the notebook shows the
  output the code really prints instead;
- pictures point to the committed ones, ../tutorial/img/..., so they show before running;
- a cell ending in a call (a plot) gets a ``;``, so the notebook, like the page, shows only
  what the code prints;
- a cell after the introduction makes the img/ folder the code saves its pictures in.

The notebooks are written with their outputs (run with nbclient in a scratch folder, so no
pictures land next to them). Never edit a notebook by hand: edit the chapter and run

    python docs/make_notebooks.py                 # every chapter (a few minutes)
    python docs/make_notebooks.py 02_perceptron   # some chapters
    python docs/make_notebooks.py --check         # exit 1 if a notebook is out of date

Needs jupytext, nbformat, nbclient and ipykernel (the ``test`` extra has them).
"""

from __future__ import annotations

import ast
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
TUTORIAL = DOCS / "tutorial"
NOTEBOOKS = DOCS / "notebooks"

_OUTPUT_BLOCK = re.compile(r"\A```text[ \t]*\n.*?^```[ \t]*(\n|\Z)", re.DOTALL | re.MULTILINE)
_IMAGE_LINK = re.compile(r"\]\(img/")
SETUP = ("# The chapter's code saves its pictures in img/, next to this notebook.\n"
         "import os\n\n"
         "os.makedirs(\"img\", exist_ok=True)")


def quiet(code: str) -> str:
    """``code`` with a ``;`` after a last line that is a call (not ``print``): a chapter shows
    only what its code prints, and a notebook would also show the call's value (e.g. the
    ``<Axes ...>`` a plot returns, or a second copy of the picture)."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return code
    last = body[-1] if body else None
    if not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)) or (
            isinstance(last.value.func, ast.Name) and last.value.func.id == "print"):
        return code
    lines = code.split("\n")
    assert last.end_lineno is not None and last.end_col_offset is not None
    line = lines[last.end_lineno - 1].encode()  # ast's columns count UTF-8 bytes
    lines[last.end_lineno - 1] = (line[:last.end_col_offset] + b";"
                                  + line[last.end_col_offset:]).decode()
    return "\n".join(lines)


def chapters() -> list[Path]:
    """The tutorial's chapters, in order (09_exercises.md, 09_solutions.md included)."""
    return sorted(TUTORIAL.glob("[0-9][0-9]_*.md"))


def notebook_path(chapter: Path) -> Path:
    return NOTEBOOKS / f"{chapter.stem}.ipynb"


def notebook_from_markdown(chapter: Path) -> Any:
    """The notebook of one chapter, without outputs (a ``nbformat.NotebookNode``)."""
    import jupytext
    import nbformat

    source = jupytext.reads(chapter.read_text(encoding="utf-8"), fmt="md")
    cells: list[Any] = []
    for cell in source.cells:
        text = cell.source
        if cell.cell_type == "markdown":
            if cells and cells[-1].cell_type == "code":  # the shown output of the code above
                text = _OUTPUT_BLOCK.sub("", text, count=1).lstrip("\n")
            text = _IMAGE_LINK.sub("](../tutorial/img/", text)
            if text.strip():
                cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            cells.append(nbformat.v4.new_code_cell(quiet(text)))
    cells.insert(1 if cells and cells[0].cell_type == "markdown" else 0,
                 nbformat.v4.new_code_cell(SETUP))  # after the title and introduction
    for i, cell in enumerate(cells):  # stable ids: regenerating changes nothing by itself
        cell.id = f"cell-{i}"
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "source": f"generated from docs/tutorial/{chapter.name} by docs/make_notebooks.py",
    }
    return nb


def execute(nb: Any, workdir: Path, timeout: int = 600) -> Any:
    """Run every cell in ``workdir`` (raises ``nbclient`` 's CellExecutionError on an error)."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return nb


def same_cells(a: Any, b: Any) -> bool:
    """True if two notebooks have the same cells (types and sources; outputs ignored)."""
    def cells(nb: Any) -> list[tuple[str, str]]:
        return [(c.cell_type, c.source) for c in nb.cells]

    return cells(a) == cells(b)


def out_of_date() -> list[str]:
    """Chapters whose notebook is missing or differs from what the chapter makes now."""
    import nbformat

    stale = [c.name for c in chapters() if not notebook_path(c).exists() or not same_cells(
        nbformat.read(notebook_path(c), as_version=4), notebook_from_markdown(c))]
    known = {notebook_path(c).name for c in chapters()}
    stale += [f"{p.name} (no chapter)" for p in NOTEBOOKS.glob("*.ipynb") if p.name not in known]
    return stale


def main(argv: list[str]) -> int:
    import matplotlib
    import nbformat

    matplotlib.use("Agg")
    if "--check" in argv:
        stale = out_of_date()
        for name in stale:
            print(f"out of date: {name} (run python docs/make_notebooks.py)")
        return 1 if stale else 0
    wanted = [a for a in argv if not a.startswith("-")]
    todo = [c for c in chapters() if not wanted or c.stem in wanted or c.name in wanted]
    if wanted and len(todo) != len(wanted):
        print(f"unknown chapter in {wanted}; chapters: {[c.stem for c in chapters()]}")
        return 2
    NOTEBOOKS.mkdir(exist_ok=True)
    for chapter in todo:
        nb = notebook_from_markdown(chapter)
        with tempfile.TemporaryDirectory() as scratch:
            execute(nb, Path(scratch))
        nbformat.write(nb, notebook_path(chapter))
        print(f"wrote {notebook_path(chapter).relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
