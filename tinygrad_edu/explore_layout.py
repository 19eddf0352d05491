"""Where the explorer draws each box: Graphviz's layout when ``dot`` is installed, otherwise a
layered one (columns by depth), and the collapsing of long chains in big graphs.

Everything here works on plain numbers: boxes are indices with a width and a height, edges
are (source box, target box) pairs, so the layout can be tested without any tensor.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

#: A graph with more tensors than this has its long chains collapsed (``collapse_chains``).
COLLAPSE_ABOVE = 400
#: ... a chain counts as long from this many tensors on, and keeps this many at each end.
LONG_CHAIN, CHAIN_END = 9, 3
#: Graphviz lays out graphs up to this many boxes; beyond, it takes seconds (10 s for 1500
#: boxes on a busy 2-core machine) and the built-in layered layout is used instead.
GRAPHVIZ_MAX_BOXES = 800

_GAP_X, _GAP_Y, _MARGIN = 56.0, 18.0, 12.0


@dataclass
class Drawing:
    """Positions in pixels: ``boxes[i] = [x, y, w, h]`` (top-left corner), each edge an SVG
    path ``d`` with a label anchor, and the size of the whole picture."""

    boxes: list[list[float]]
    edges: list[dict[str, object]]
    width: float
    height: float
    engine: str  # "graphviz" or "layered"


def collapse_chains(parents: Sequence[Sequence[int]], *, longest: int = LONG_CHAIN,
                    keep: int = CHAIN_END) -> list[int]:
    """The box of every node: a node in the middle of a long chain shares one box with the
    rest of that middle. ``parents[i]`` lists node i's inputs (an empty list: a leaf).

    A chain is a run of ops each fed by the previous one alone, apart from leaves that feed
    nothing else (``exp(x)``, ``h * 0.5``): the run a long loop of unary steps makes. A chain
    of at least ``longest`` ops keeps ``keep`` at each end; its middle, and the leaves that
    feed only the middle, become one box.
    """
    uses = [0] * len(parents)
    for ps in parents:
        for p in ps:
            uses[p] += 1
    # prev[c] = p when c continues a chain from p
    prev: dict[int, int] = {}
    for c, ps in enumerate(parents):
        inner = {p for p in ps if parents[p]}
        sides_private = all(uses[p] == 1 for p in ps if not parents[p])
        if len(inner) == 1 and sides_private:
            (p,) = inner
            if uses[p] == 1:
                prev[c] = p
    nxt = {p: c for c, p in prev.items()}
    box = list(range(len(parents)))
    for start in range(len(parents)):
        if not parents[start] or start in prev:
            continue  # a leaf, or not the first node of its chain
        run = [start]
        while run[-1] in nxt:
            run.append(nxt[run[-1]])
        if len(run) < longest:
            continue
        middle = run[keep:len(run) - keep]
        for c in middle:
            box[c] = middle[0]
            for p in parents[c] if c in prev else ():  # (not the input of the whole chain)
                if not parents[p]:
                    box[p] = middle[0]  # a leaf only this hidden op uses hides with it
    # number the boxes 0..k-1 in the order of their first node
    numbers: dict[int, int] = {}
    return [numbers.setdefault(b, len(numbers)) for b in box]


def layout(sizes: Sequence[tuple[float, float]], edges: Sequence[tuple[int, int]],
           engine: str = "auto") -> Drawing:
    """Place boxes of the given (width, height) left to right along the edges.

    ``engine``: "graphviz" (needs ``dot``), "layered" (built in), or "auto": Graphviz when it
    is installed and the graph has at most ``GRAPHVIZ_MAX_BOXES`` boxes, else layered.
    """
    if engine not in ("auto", "graphviz", "layered"):
        raise ValueError(f"explore: layout must be 'auto', 'graphviz' or 'layered', "
                         f"got {engine!r}")
    if engine == "graphviz" or (engine == "auto" and len(sizes) <= GRAPHVIZ_MAX_BOXES):
        drawn = graphviz_layout(sizes, edges)
        if drawn is not None:
            return drawn
        if engine == "graphviz":
            raise RuntimeError("explore: layout='graphviz' needs Graphviz's `dot` program "
                               "(apt-get install graphviz, brew install graphviz); "
                               "use layout='layered' or 'auto' without it")
    return layered_layout(sizes, edges)


def _curve(x0: float, y0: float, x1: float, y1: float) -> str:
    bend = max(abs(x1 - x0) / 2, 20.0)
    return (f"M{x0:.1f},{y0:.1f} C{x0 + bend:.1f},{y0:.1f} {x1 - bend:.1f},{y1:.1f} "
            f"{x1:.1f},{y1:.1f}")


def layered_layout(sizes: Sequence[tuple[float, float]],
                   edges: Sequence[tuple[int, int]]) -> Drawing:
    """Columns by depth (a leaf sits just left of its first user), rows ordered by the mean
    row of each box's inputs, so edges mostly run straight; edges are smooth curves."""
    n = len(sizes)
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    # Kahn's algorithm: a topological order without recursion
    indegree = [len(p) for p in preds]
    order = [i for i in range(n) if indegree[i] == 0]
    for i in order:  # the list grows while we walk it
        for s in succs[i]:
            indegree[s] -= 1
            if indegree[s] == 0:
                order.append(s)
    depth = [0] * n
    for i in order:
        for s in succs[i]:
            depth[s] = max(depth[s], depth[i] + 1)
    for i in order:  # pull each source next to its first user, not all into column 0
        if not preds[i] and succs[i]:
            depth[i] = min(depth[s] for s in succs[i]) - 1
    columns: list[list[int]] = [[] for _ in range(max(depth, default=0) + 1)]
    for i in order:
        columns[depth[i]].append(i)
    row = {i: k for col in columns for k, i in enumerate(col)}
    for _ in range(4):  # barycentre sweeps: sort each column by its inputs' mean row
        for col in columns[1:]:
            col.sort(key=lambda i: sum(row[p] for p in preds[i]) / len(preds[i])
                     if preds[i] else row[i])
            row.update((i, k) for k, i in enumerate(col))
    heights = [sum(sizes[i][1] for i in col) + _GAP_Y * max(len(col) - 1, 0) for col in columns]
    total_h = max(heights, default=0.0)
    boxes = [[0.0, 0.0, float(w), float(h)] for w, h in sizes]
    x = _MARGIN
    for col, col_h in zip(columns, heights, strict=True):
        y = _MARGIN + (total_h - col_h) / 2
        for i in col:
            boxes[i][0], boxes[i][1] = x, y
            y += sizes[i][1] + _GAP_Y
        x += max((sizes[i][0] for i in col), default=0.0) + _GAP_X
    drawn_edges: list[dict[str, object]] = []
    seen: dict[tuple[int, int], int] = {}
    for a, b in edges:
        k = seen[(a, b)] = seen.get((a, b), -1) + 1  # a + a: two edges, drawn apart
        xa, ya, wa, ha = boxes[a]
        xb, yb, _, hb = boxes[b]
        y0, y1 = ya + ha / 2 + 6 * k, yb + hb / 2 + 6 * k
        drawn_edges.append({"d": _curve(xa + wa, y0, xb, y1),
                            "lx": (xa + wa + xb) / 2, "ly": (y0 + y1) / 2})
    return Drawing(boxes, drawn_edges, x - _GAP_X + _MARGIN, total_h + 2 * _MARGIN, "layered")


def graphviz_layout(sizes: Sequence[tuple[float, float]],
                    edges: Sequence[tuple[int, int]]) -> Drawing | None:
    """Ask ``dot -Tplain`` where boxes of exactly these sizes go; None without Graphviz."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    lines = ["digraph G {", "rankdir=LR; nodesep=0.25; ranksep=0.5;",
             'node [shape=box, fixedsize=true, label=""];']
    lines += [f"n{i} [width={w / 72:.4f}, height={h / 72:.4f}];" for i, (w, h) in
              enumerate(sizes)]
    lines += [f"n{a} -> n{b};" for a, b in edges]
    lines.append("}")
    try:
        done = subprocess.run([dot, "-Tplain"], input="\n".join(lines).encode(),
                              capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return _parse_plain(done.stdout.decode(), sizes, edges)


def _parse_plain(text: str, sizes: Sequence[tuple[float, float]],
                 edges: Sequence[tuple[int, int]]) -> Drawing | None:
    """Read Graphviz's plain format (inches, y up) into pixels with y down, plus a margin."""
    m = _MARGIN
    height = 0.0
    width = 0.0
    boxes = [[0.0, 0.0, float(w), float(h)] for w, h in sizes]
    splines: dict[tuple[int, int], list[list[float]]] = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "graph":
            width, height = float(parts[2]) * 72 + 2 * m, float(parts[3]) * 72 + 2 * m
        elif parts[0] == "node":
            i = int(parts[1][1:])
            cx, cy = float(parts[2]) * 72 + m, height - m - float(parts[3]) * 72
            boxes[i][0], boxes[i][1] = cx - sizes[i][0] / 2, cy - sizes[i][1] / 2
        elif parts[0] == "edge":
            key = (int(parts[1][1:]), int(parts[2][1:]))
            n = int(parts[3])
            pts = [float(v) * 72 for v in parts[4:4 + 2 * n]]
            flat = [c + m if k % 2 == 0 else height - m - c for k, c in enumerate(pts)]
            splines.setdefault(key, []).append(flat)
    drawn_edges: list[dict[str, object]] = []
    for a, b in edges:
        found = splines.get((a, b))
        if not found:
            return None  # the output does not match the graph we sent: use the other layout
        pts = found.pop(0)
        xs, ys = pts[0::2], pts[1::2]
        d = f"M{xs[0]:.1f},{ys[0]:.1f} C" + " ".join(
            f"{x:.1f},{y:.1f}" for x, y in zip(xs[1:], ys[1:], strict=True))
        mid = len(xs) // 2
        drawn_edges.append({"d": d, "lx": xs[mid], "ly": ys[mid]})
    return Drawing(boxes, drawn_edges, width, height, "graphviz")
