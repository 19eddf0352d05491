"""Pictures of the graph: ``to_dot`` writes Graphviz DOT text, ``render`` draws it.

The DOT text is produced by plain Python (no Graphviz needed): one box per tensor (its name
or the op that made it, its shape, its value or a min/mean/max summary, its gradient once
known) and one ellipse per operation. Colours tell the roles apart: green boxes are
trainable parameters, grey boxes inputs and constants, the red double octagon is the final
tensor (the loss); an edge on which backward sums a broadcast gradient names those axes.

>>> import tinygrad_edu as tg
>>> w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
>>> text = tg.viz.to_dot((w * 3.0).sum())
>>> text.splitlines()[0]
'digraph tinygrad_edu {'
>>> text.count("shape=ellipse")   # two operations: mul and sum
2
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

from . import graph
from .broadcasting import broadcast_shape, summed_axes
from .explore import explore  # the interactive page: see explore.py
from .function import rule_of
from .labels import label_tensors, role, summarize
from .tensor import Tensor
from .trace import Trace

__all__ = ["DotGraph", "GraphvizMissingWarning", "explore", "render", "to_dot"]

FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "ps", "eps")
_ELEMENTWISE = ("add", "sub", "mul", "div", "pow")  # ops whose inputs broadcast to the output

# role -> DOT attributes
_STYLE = {
    "param": 'shape=box, style="filled", fillcolor="#b7e4c7"',
    "const": 'shape=box, style="filled,dashed", fillcolor="#e9ecef"',
    "inner": 'shape=box, style="filled,rounded", fillcolor="#dbe9f6"',
    "root": 'shape=doubleoctagon, style="filled,bold", fillcolor="#f4a6a6"',
    "op": 'shape=ellipse, style="filled", fillcolor="#ffe8a3"',
}
_LEGEND = ("green: trainable parameter   grey, dashed: input or constant   blue: intermediate "
           "tensor   red: final tensor (loss)   yellow: operation")


class GraphvizMissingWarning(UserWarning):
    """Graphviz's ``dot`` program is not installed, so only the DOT text was written."""


class DotGraph(str):
    """DOT text (a ``str``) that draws itself in a notebook when Graphviz is installed."""

    def _repr_svg_(self) -> str | None:
        dot = shutil.which("dot")
        if dot is None:
            return None  # the notebook falls back to the text
        done = subprocess.run([dot, "-Tsvg"], input=self.encode(), capture_output=True,
                              timeout=60, check=False)
        return done.stdout.decode() if done.returncode == 0 else None

    def __repr__(self) -> str:  # show the text itself, not a quoted one-line string
        return str(self)

    def render(self, path: str | Path) -> Path:
        """Write the picture to ``path``; see ``tinygrad_edu.viz.render``."""
        return render(self, path)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _forward_summed_axes(t: Tensor) -> tuple[tuple[int, ...], ...]:
    """For each input of the op that made t: the axes backward will sum (broadcasting).

    Worked out from the shapes alone, for the ops that broadcast: elementwise arithmetic
    (inputs stretched to the output's shape) and the batch axes of matmul.
    """
    op, parents = t.op, t.parents
    if op in _ELEMENTWISE:
        return tuple(summed_axes(t.shape, p.shape) if p.ndim <= t.ndim else ()
                     for p in parents)
    if op in ("matmul", "dot") and len(parents) == 2:
        a, b = parents[0].shape, parents[1].shape
        batch = broadcast_shape(op, a[:-2], b[:-2])
        # the vjp returns batch + the operand's own matrix (or vector) axes
        return tuple(summed_axes(batch + s[-2:], s) for s in (a, b))
    return tuple(() for _ in parents)


def _tensor_label(t: Tensor, label: str, grad: Any, small: int) -> str:
    lines = [label, f"shape {t.shape}" if t.shape else "scalar"]
    value = summarize(t.data, small)
    if not label.endswith(f" = {value}"):  # a named constant's label already says it: t = 1
        lines.append(("value " if t.size <= small else "") + value)
    if grad is not None:
        lines.append("grad " + summarize(grad, small))
    return "\n".join(lines)


def to_dot(t: Tensor, *, trace: Trace | None = None, small: int = 6,
           rankdir: str = "LR") -> DotGraph:
    """The graph that made ``t`` as Graphviz DOT text: a node per tensor and per operation.

    Gradients are shown for tensors whose ``.grad`` is set (leaves after ``backward()``);
    pass ``trace=tg.trace_backward(t)`` to show every tensor's gradient, and the exact axes
    each edge summed. Values with more than ``small`` elements are summarised.

    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], name="x")
    >>> b = tg.Tensor([0.5, -0.5], requires_grad=True, name="b")
    >>> "summed over axis 0" in tg.viz.to_dot((x + b).sum())
    True
    """
    tensors = list(graph.iter_graph(t))
    ids = {id(x): f"t{k}" for k, x in enumerate(tensors)}
    labels = label_tensors(t)
    steps = {id(s.output): s for s in trace} if trace is not None else {}
    lines = ["digraph tinygrad_edu {",
             f"  rankdir={rankdir}; fontname=Helvetica; fontsize=10; labelloc=b;",
             f"  label={_quote(_LEGEND)};",
             "  node [fontname=Helvetica, fontsize=10]; edge [fontname=Helvetica, fontsize=9];"]
    for x in tensors:
        grad = x._grad  # not .grad: that warns for the non-leaves here
        if grad is None and trace is not None:
            grad = trace.grad_of(x)
        text = _tensor_label(x, labels[id(x)], grad, small)
        lines.append(f"  {ids[id(x)]} [label={_quote(text)}, {_STYLE[role(x, t)]}];")
    for x in tensors:
        if x.is_leaf:
            continue
        fn = ids[id(x)].replace("t", "f", 1)
        rule = rule_of(type(x._fn)) if x._fn is not None else ""
        lines.append(f"  {fn} [label={_quote(x.op or '?')}, tooltip={_quote(rule)}, "
                     f"{_STYLE['op']}];")
        step = steps.get(id(x))
        axes = step.summed_axes if step is not None else _forward_summed_axes(x)
        for i, p in enumerate(x.parents):
            attrs = [f"label={_quote(f'in {i}')}"] if len(x.parents) > 1 else []
            if p.requires_grad and i < len(axes) and axes[i]:
                word = "axis" if len(axes[i]) == 1 else "axes"
                summed = ", ".join(map(str, axes[i]))
                attrs = [f"label={_quote(f'in {i}: grad summed over {word} {summed}')}",
                         'color="#c0392b"', 'fontcolor="#c0392b"']
            extra = f" [{', '.join(attrs)}]" if attrs else ""
            lines.append(f"  {ids[id(p)]} -> {fn}{extra};")
        lines.append(f"  {fn} -> {ids[id(x)]};")
    lines.append("}")
    return DotGraph("\n".join(lines) + "\n")


def render(t: Tensor | str, path: str | Path, *, trace: Trace | None = None) -> Path:
    """Draw t's graph into ``path``; the format comes from the suffix (.svg, .png, .pdf, …).

    Uses Graphviz's ``dot`` program. Without it, writes the DOT text next to ``path`` (suffix
    ``.dot``), warns with how to get the picture, and returns that file's path. A ``.dot``
    or ``.gv`` suffix writes the text in any case. ``t`` may also be DOT text itself.

    >>> import tinygrad_edu as tg, tempfile, os
    >>> w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    >>> out = tg.viz.render((w * w).sum(), os.path.join(tempfile.mkdtemp(), "g.dot"))
    >>> out.read_text().startswith("digraph")
    True
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("dot", "gv") and fmt not in FORMATS:  # checked before anything is made
        raise ValueError(f"render: cannot tell the picture format from {str(path)!r}; end the "
                         f"path with one of {', '.join('.' + f for f in FORMATS)} (or .dot)")
    text = t if isinstance(t, str) else to_dot(t, trace=trace)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("dot", "gv"):
        path.write_text(text, encoding="utf-8")
        return path
    dot = shutil.which("dot")
    if dot is None:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(text, encoding="utf-8")
        warnings.warn(
            f"render: Graphviz's `dot` program was not found, so the graph was written as DOT "
            f"text to {dot_path}. To get the picture, install Graphviz (apt-get install "
            f"graphviz, brew install graphviz or conda install graphviz) and run "
            f"`dot -T{fmt} {dot_path} -o {path}`, or paste the text into an online "
            "Graphviz viewer.", GraphvizMissingWarning, stacklevel=2)
        return dot_path
    done = subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=text.encode("utf-8"),
                          capture_output=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"render: Graphviz's dot failed writing {path}: "
                           f"{done.stderr.decode(errors='replace').strip()}")
    return path
