"""The explorer's HTML page: the template, script and style from ``tinygrad_edu/data/``,
filled in with the graph's data as JSON, plus the ``Explorer`` object notebooks display.

Arrays reach the page already printed, with the 4 significant digits of
``trace_backward``'s table (``array_lines``), so the page and the trace agree digit for
digit and the boxes can be sized exactly.

Safety: the data goes in as JSON inside a ``<script type="application/json">`` block with
``<``, ``>`` and ``&`` escaped, so no name or value can close the block or add markup; the
script reads it with ``JSON.parse`` and shows text with ``textContent`` only. A Content
Security Policy allows exactly the page's own script and style (by hash) and nothing else:
no network, no other script, no ``eval``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .labels import summarize

__all__ = ["ArrayTable", "Explorer", "array_lines", "encode_array", "json_for_script",
           "render_page"]

#: Boxes and the side panel print arrays up to this size, and min/mean/max above it.
SMALL = 16
#: A clicked box shows every value of arrays up to this size (numpy's summary above it).
FULL_LIMIT = 4096

_ASSETS = ("explore.html", "explore.css", "explore.js")
_SLOT = re.compile(r"\{\{(\w+)\}\}")
# JSON may hold any user text; inside <script> these must not appear literally
_SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                "\u2028": "\\u2028", "\u2029": "\\u2029"}


def array_lines(a: np.ndarray) -> list[str]:
    """How boxes and the panel print an array: up to ``SMALL`` elements each value (as the
    trace table prints them), one matrix row per line and four numbers to a line; larger
    arrays as one ``min … mean … max …`` line."""
    if a.size > SMALL:
        return [summarize(a, SMALL)]
    if a.size == 0:
        return [f"empty {a.shape}"]
    if a.ndim == 0:
        return [summarize(a)]
    lines = []
    for row in a.reshape(-1, a.shape[-1]):
        parts = [summarize(v) for v in row]
        for k in range(0, len(parts), 4):
            line = ", ".join(parts[k:k + 4])
            lines.append(("[" if k == 0 else " ") + line + ("]" if k + 4 >= len(parts) else ","))
    return lines


def encode_array(a: np.ndarray) -> dict[str, Any]:
    """An array as the page needs it: its lines (``array_lines``) and every value, nested as
    numpy prints it (what a click on a box shows)."""
    with np.errstate(all="ignore"):  # printing nan or inf is not an error
        full = np.array2string(a, separator=", ", threshold=FULL_LIMIT, max_line_width=100,
                               formatter={"float_kind": lambda v: f"{v:.6g}"})
    return {"lines": array_lines(a), "summary": bool(a.size > SMALL), "full": full}


class ArrayTable:
    """The page's table of arrays: each array once (a gradient passed on unchanged is the
    same object in several steps), referred to by its index."""

    def __init__(self) -> None:
        self.encoded: list[dict[str, Any]] = []
        self._index: dict[int, int] = {}
        self._keep: list[Any] = []  # holds each array so its id() is not reused meanwhile

    def maybe(self, a: Any) -> int | None:
        return None if a is None else self.add(a)

    def add(self, a: Any) -> int:
        if id(a) not in self._index:
            self._index[id(a)] = len(self.encoded)
            self._keep.append(a)
            self.encoded.append(encode_array(np.asarray(a)))
        return self._index[id(a)]


def _asset(name: str) -> str:
    return (resources.files("tinygrad_edu") / "data" / name).read_text(encoding="utf-8")


def json_for_script(data: Any) -> str:
    """``data`` as JSON that is safe inside an HTML ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_SAFE[m.group()], text)


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def render_page(payload: dict[str, Any]) -> str:
    """The whole self-contained page for one payload (see ``explore.build_payload``)."""
    template, css, js = (_asset(name) for name in _ASSETS)
    csp = (f"default-src 'none'; script-src {_hash(js)}; style-src {_hash(css)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    slots = {"CSP": csp, "TITLE": html.escape(f"explore: {payload['title']}"),
             "CSS": css, "JS": js, "DATA": json_for_script(payload)}
    # one pass: text put into a slot is never searched for further slots
    return _SLOT.sub(lambda m: slots[m.group(1)], template)


class Explorer:
    """The explorer of one graph. In Jupyter it shows itself; ``.html`` is the page,
    ``.save(path)`` writes it, ``.payload`` is the data the page shows."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.html = render_page(payload)

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (created or replaced whole, never half-written)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.html)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        return path

    def _repr_html_(self) -> str:
        # An iframe keeps the page's script, style and element ids apart from the notebook's
        # (two explorers in one notebook do not clash); srcdoc needs no file or server.
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                'sandbox="allow-scripts" title="tinygrad_edu explorer" '
                'style="width: 100%; height: 680px; border: 1px solid #ccc;"></iframe>')

    def __repr__(self) -> str:
        p = self.payload
        return (f"<Explorer of {p['title']!r}: {len(p['tensors'])} tensors, "
                f"{len(p['steps'])} steps; .save(path) writes the page>")
