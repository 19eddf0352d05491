"""Run the Python blocks of a Markdown page in order and check their shown output.

A page is a sequence of fenced blocks. Every ```python block runs, in one namespace per page,
in the order it appears. If the block right after it is a ```text block, that is the output
the reader is promised: what the code prints must equal it (trailing spaces ignored).

Used two ways: ``tests/test_tutorial.py`` checks every page (in a temporary folder, so the
pictures the code saves land there), and ``python docs/mdrun.py PAGE...`` runs pages from the
folder they live in, which (re)writes the pictures they show; ``--update`` also rewrites
output blocks that no longer match.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^```(\w*)\s*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@dataclass
class Block:
    code: str
    line: int  # where the code starts in the page, for error messages
    expected: str | None  # the output shown under it, if any


def blocks(text: str) -> list[Block]:
    """The python blocks of a page, each with the text block that follows it (if adjacent)."""
    fences = [(m.group(1), m.group(2), m.start(), m.end()) for m in _FENCE.finditer(text)]
    out = []
    for i, (lang, body, start, end) in enumerate(fences):
        if lang != "python":
            continue
        expected = None
        if i + 1 < len(fences) and fences[i + 1][0] == "text":
            between = text[end : fences[i + 1][2]]
            if not between.strip():  # only an output block right under the code counts
                expected = fences[i + 1][1]
        out.append(Block(body, text.count("\n", 0, start) + 2, expected))
    return out


def _normalize(s: str) -> str:
    return "\n".join(line.rstrip() for line in s.strip("\n").splitlines())


def run_page(page: Path, workdir: Path, *, update: bool = False) -> dict[str, object]:
    """Run ``page``'s blocks with ``workdir`` as the current folder; raise on any mismatch.
    Returns the page's namespace (what its code defined), for tests that reuse it.

    With ``update=True`` a mismatching output block is rewritten with what the code printed
    (for authors, after a deliberate change; read the diff before committing it).
    """
    namespace: dict[str, object] = {"__name__": "__main__"}
    old = Path.cwd()
    os.chdir(workdir)
    text = page.read_text(encoding="utf-8")
    try:
        for block in blocks(text):
            code = compile("\n" * (block.line - 1) + block.code, str(page), "exec")
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(code, namespace)
            if block.expected is not None and _normalize(buf.getvalue()) != _normalize(
                block.expected
            ):
                if update:
                    fenced = f"```text\n{block.expected}```"
                    text = text.replace(fenced, f"```text\n{_normalize(buf.getvalue())}\n```", 1)
                    continue
                raise AssertionError(
                    f"{page}:{block.line}: the block printed\n{buf.getvalue()}\n"
                    f"but the page shows\n{block.expected}"
                )
    finally:
        os.chdir(old)
    if update:
        page.write_text(text, encoding="utf-8")
    return namespace


if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    update = "--update" in sys.argv
    for name in (a for a in sys.argv[1:] if a != "--update"):
        path = Path(name).resolve()
        run_page(path, path.parent, update=update)
        print(f"ran {name}")
