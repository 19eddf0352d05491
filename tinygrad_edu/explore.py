"""``explore``: one HTML page that steps through a graph's forward and backward pass.

The page is self-contained (inline SVG, JavaScript and CSS, no network) and shows the graph
that made ``loss`` left to right. Press → to run it: first each op computes its value, then
the backward steps of ``tg.trace_backward(loss)`` run in their order, each showing its
local rule, the gradient that arrived (``grad_out``) and what it sent to each input.

Before or after ``backward()``: the explorer runs its own backward pass on the same graph
(``retain_graph=True``) and puts every tensor's ``.grad`` back as it found it, so your
gradients are untouched and ``loss.backward()`` still works afterwards (hooks registered
with ``register_hook`` run during that pass, as in any backward). A graph whose saved
values a ``backward()`` without ``retain_graph=True`` already freed cannot be stepped
back through: the page then shows the forward pass and the ``.grad`` that backward left.

>>> import tinygrad_edu as tg
>>> w = tg.Tensor([0.5, -0.25], requires_grad=True, name="w")
>>> page = tg.viz.explore((w * w).sum())          # shows itself in a notebook
>>> [step["kind"] for step in page.payload["steps"]]
['start', 'forward', 'forward', 'backward', 'backward', 'done']
>>> w.grad is None                                 # the page's backward left .grad alone
True
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from . import graph
from .explore_layout import COLLAPSE_ABOVE, LONG_CHAIN, collapse_chains, layout
from .explore_page import ArrayTable, Explorer
from .labels import label_tensors, role
from .tensor import Tensor
from .trace import Trace, trace_backward

__all__ = ["Explorer", "build_payload", "demo_loss", "explore", "explore_demo"]

# Box geometry in pixels, shared with the page's script (one place for both).
STYLE = {"char_w": 7.3, "line_h": 16.0, "pad": 7.0, "title_max": 28}


def explore(t: Tensor, path: str | Path | None = None, *, grad: Any = None,
            layout: str = "auto") -> Explorer | Path:
    """Step through t's forward and backward pass in the browser, or inline in Jupyter.

    With ``path``: writes one self-contained HTML file there and returns its ``Path``.
    Without: returns an ``Explorer`` that a notebook shows (``_repr_html_``); its ``.html``
    is the page and ``.save(path)`` writes it. ``grad`` is dL/dt for a ``t`` that is not a
    single value (as for ``backward``). ``layout``: "auto" (Graphviz's when ``dot`` is
    installed, else built in), "graphviz" or "layered".

    >>> import tinygrad_edu as tg, tempfile, os
    >>> x = tg.Tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> out = tg.viz.explore(x.exp().sum(), os.path.join(tempfile.mkdtemp(), "x.html"))
    >>> out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"explore: expected a Tensor (the loss), got {type(t).__name__}")
    explorer = Explorer(build_payload(t, grad=grad, layout_engine=layout))
    return explorer if path is None else explorer.save(path)


def demo_loss() -> Tensor:
    """The demo neuron's loss: p = sigmoid(X @ w + b) on the four rows of the AND gate, with
    binary cross-entropy: a matmul, a bias broadcast over the batch, a sigmoid, the loss."""
    from . import datasets, functional
    from .nn import Neuron

    X, target = datasets.and_gate()
    neuron = Neuron(2, "sigmoid", rng=0)
    return functional.binary_cross_entropy(neuron(Tensor(X, name="X")),
                                           Tensor(target, name="t"))


def explore_demo(path: str | Path) -> Path:
    """Write the explorer page of ``demo_loss()`` to ``path`` (``tinygrad-edu explore``)."""
    return Explorer(build_payload(demo_loss())).save(path)


def _grads(tensors: list[Tensor]) -> dict[int, np.ndarray]:
    """The ``.grad`` of every tensor that has one, by id. Most inner tensors have none, and
    reading it warns that backward keeps only leaves' gradients: not news here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return {id(t): t.grad for t in tensors if t.grad is not None}


def _run_backward(root: Tensor, grad: Any, tensors: list[Tensor]) -> tuple[
        Trace | None, dict[int, np.ndarray]]:
    """``trace_backward(root)`` on the user's graph, leaving every ``.grad`` as it was.

    Returns the trace and the ``.grad`` it produced per tensor id; (None, {}) when an
    earlier ``backward()`` freed the graph's saved values (the error says retain_graph).
    """
    saved = _grads(tensors)
    try:
        for t in tensors:  # backward then writes fresh arrays and never touches the user's
            t.grad = None
        trace = trace_backward(root, grad, retain_graph=True)
        return trace, _grads(tensors)
    except RuntimeError as e:
        if "retain_graph" not in str(e):
            raise
        return None, {}
    finally:
        for t in tensors:
            t.grad = saved.get(id(t))


def build_payload(root: Tensor, *, grad: Any = None, layout_engine: str = "auto"
                  ) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data: tensors, boxes and edges with their
    positions, the arrays, and the steps (forward ones, then those of the trace)."""
    ops = [t for t in reversed(graph.topological_order(root)) if not t.is_leaf]
    order: list[Tensor] = []  # parents before children, each leaf just before its first user
    index: dict[int, int] = {}
    for t in [*(x for op in ops for x in (*op.parents, op)), root]:
        if id(t) not in index:
            index[id(t)] = len(order)
            order.append(t)

    trace, fresh_grads = _run_backward(root, grad, order) if root.requires_grad else (None, {})
    status = "no_grad" if not root.requires_grad else "freed" if trace is None else "traced"
    finals = fresh_grads if trace is not None else _grads(order)
    arrays = ArrayTable()
    shown: list[list[int]] = [[] for _ in order]  # per tensor: the gradients its box shows
    steps: list[dict[str, Any]] = [{"kind": "start"}]
    steps += [{"kind": "forward", "t": index[id(t)]} for t in ops]
    running: dict[int, np.ndarray] = {}  # each input's gradient so far, summed as backward does
    for s in trace or ():
        out = index[id(s.output)]
        acc: list[int | None] = []  # the new sum where an input already had a contribution
        for p, g in zip(s.inputs, s.grads_in, strict=True):
            prev = running.get(id(p))
            if g is not None:
                running[id(p)] = g if prev is None else prev + g
                shown[index[id(p)]].append(arrays.add(running[id(p)]))
            acc.append(None if g is None or prev is None else arrays.add(running[id(p)]))
        steps.append({"kind": "backward", "t": out, "op": s.op, "rule": s.rule,
                      "g_out": arrays.add(s.grad_out), "acc": acc,
                      "g_in": [arrays.maybe(g) for g in s.grads_in],
                      "axes": [list(a) for a in s.summed_axes]})
        shown[out].append(steps[-1]["g_out"])
    steps.append({"kind": "done"})

    labels = label_tensors(root)
    parents = [[index[id(p)] for p in t.parents] for t in order]
    tensors = []
    for k, t in enumerate(order):
        label = labels.get(id(t), "?")
        kind = t.op or ("parameter" if t.requires_grad else "constant")
        final = arrays.maybe(finals.get(id(t)))
        tensors.append({
            "label": label, "op": t.op, "role": role(t, root), "shape": str(t.shape),
            "requires_grad": t.requires_grad, "parents": parents[k],
            # "add (4,)", or "(4,)" under a title that already says add
            "subtitle": str(t.shape) if label.split("#")[0] == t.op else f"{kind} {t.shape}",
            "value": arrays.add(t.data), "final_grad": final,
            "shows": shown[k] + ([final] if final is not None else []),
        })
    collapse = len(order) > COLLAPSE_ABOVE
    box_of = collapse_chains(parents) if collapse else list(range(len(order)))
    axes_of = {(st["t"], i): a for st in steps if st["kind"] == "backward"
               for i, a in enumerate(st["axes"]) if a}
    boxes, edges = _boxes_and_edges(tensors, box_of, axes_of, arrays.encoded)
    drawing = layout([(b["w"], b["h"]) for b in boxes], [(e["from"], e["to"]) for e in edges],
                     layout_engine)
    for b, (x, y, _, _) in zip(boxes, drawing.boxes, strict=True):
        b["x"], b["y"] = x, y
    for e, drawn in zip(edges, drawing.edges, strict=True):
        e.update(drawn)
    return {"title": labels.get(id(root), "loss"), "status": status,
            "notes": _notes(status, len(order), len(boxes), collapse),
            "layout": drawing.engine, "size": [drawing.width, drawing.height],
            "style": STYLE, "arrays": arrays.encoded, "tensors": tensors,
            "boxes": boxes, "edges": edges, "steps": steps}


def _box_size(t: dict[str, Any], arrays: list[dict[str, Any]]) -> tuple[float, float]:
    """Width and height of a box in pixels, from the longest line it will ever print."""
    value = arrays[t["value"]]["lines"]
    grads = [line for a in t["shows"] for line in arrays[a]["lines"]]
    chars = max(min(len(t["label"]), int(STYLE["title_max"])), len(t["subtitle"]),
                *map(len, value), *(len("grad ") + len(line) for line in grads))
    lines = 2 + len(value) * (2 if t["requires_grad"] else 1)
    return chars * STYLE["char_w"] + 2 * STYLE["pad"], lines * STYLE["line_h"] + 2 * STYLE["pad"]


def _boxes_and_edges(tensors: list[dict[str, Any]], box_of: list[int],
                     axes_of: dict[tuple[int, int], list[int]],
                     arrays: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                            list[dict[str, Any]]]:
    members: dict[int, list[int]] = {}
    for k, b in enumerate(box_of):
        members.setdefault(b, []).append(k)
    boxes = []
    for b in range(len(members)):
        group = members[b]
        if len(group) == 1:
            w, h = _box_size(tensors[group[0]], arrays)
        else:  # a collapsed chain: two lines of text
            w, h = 40 * STYLE["char_w"] + 2 * STYLE["pad"], 2 * STYLE["line_h"] + 2 * STYLE["pad"]
        boxes.append({"tensors": group, "w": w, "h": h})
    edges: list[dict[str, Any]] = []
    for c, t in enumerate(tensors):
        t["box"], t["in_edges"] = box_of[c], []
        for i, p in enumerate(t["parents"]):
            if box_of[p] == box_of[c]:  # inside a collapsed chain
                t["in_edges"].append(None)
                continue
            axes = axes_of.get((c, i), [])
            label = f"in {i}" if len(t["parents"]) > 1 else ""
            if axes:
                word = "axis" if len(axes) == 1 else "axes"
                label = (label + " · " if label else "") + f"Σ {word} {', '.join(map(str, axes))}"
            t["in_edges"].append(len(edges))
            edges.append({"from": box_of[p], "to": box_of[c], "child": c, "input": i,
                          "label": label, "summed": bool(axes)})
    return boxes, edges


def _notes(status: str, n_tensors: int, n_boxes: int, collapse: bool) -> list[str]:
    notes = []
    if status == "freed":
        notes.append("A backward() without retain_graph=True already ran through this graph "
                     "and freed the values its steps need, so this page shows the forward "
                     "pass and the .grad that backward left. To step through backward, call "
                     "explore(loss) before loss.backward(), or use "
                     "loss.backward(retain_graph=True).")
    elif status == "no_grad":
        notes.append("This tensor does not require grad, so no operation was recorded and "
                     "there is no graph to step through: give the parameters "
                     "requires_grad=True.")
    if collapse and n_boxes < n_tensors:
        notes.append(f"This graph has {n_tensors} tensors (more than {COLLAPSE_ABOVE}), so "
                     f"chains of {LONG_CHAIN} or more ops, each fed by the one before (and "
                     "by constants only it uses), are collapsed into ⋯ boxes: "
                     f"{n_boxes} boxes are drawn. Every step is still shown; a collapsed "
                     "step lights its ⋯ box, and clicking it lists what it holds.")
    return notes
