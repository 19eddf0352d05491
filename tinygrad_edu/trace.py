"""``trace_backward``: run a backward pass and keep every step, to read it line by line.

Each step is one op's vector-Jacobian product: the gradient that arrived at the op's output
(``grad_out`` = dL/d output), the op's local rule in words, and the gradient it sent to each
input (already summed over the axes broadcasting had stretched). Printing the trace gives an
aligned table; in a notebook it shows as an HTML table.

>>> import tinygrad_edu as tg
>>> import tinygrad_edu.functional as F
>>> w = tg.Tensor([0.5, -0.5], requires_grad=True, name="w")
>>> x = tg.Tensor([1.0, 2.0], name="x")
>>> b = tg.Tensor(0.0, requires_grad=True, name="b")
>>> E = F.squared_error(F.sigmoid(w.dot(x) + b), 1.0)
>>> trace = tg.trace_backward(E)
>>> [step.op for step in trace]
['squared_error', 'sigmoid', 'add', 'dot']
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import engine
from .broadcasting import summed_axes, unbroadcast
from .function import rule_of
from .graph import Node
from .guards import seed_gradient
from .labels import label_tensors, summarize
from .tensor import Tensor

__all__ = ["Trace", "TraceStep", "label_tensors", "summarize", "trace_backward"]


@dataclass(frozen=True, repr=False)
class TraceStep:
    """One op's backward: ``grads_in[i] = vjp(grad_out)`` for input i, summed to its shape."""

    op: str
    rule: str
    output: Tensor
    inputs: tuple[Tensor, ...]
    output_label: str
    input_labels: tuple[str, ...]
    grad_out: np.ndarray
    grads_in: tuple[np.ndarray | None, ...]
    summed_axes: tuple[tuple[int, ...], ...]

    @property
    def output_shape(self) -> tuple[int, ...]:
        shape: tuple[int, ...] = self.output.shape
        return shape

    @property
    def input_shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(t.shape for t in self.inputs)

    def __repr__(self) -> str:
        return (f"TraceStep(op={self.op!r}, {self.input_shapes} -> {self.output_shape}, "
                f"grad_out={summarize(self.grad_out)})")


def _output_text(s: TraceStep) -> str:
    # an unnamed output is labelled by its op, already in the "op" column: show the shape only
    shape = str(s.output_shape)
    return shape if s.output.name is None else f"{s.output_label} {shape}"


_HEADER = ("step", "op", "output", "dL/d output", "local rule", "input", "dL/d input",
           "summed axes")


class Trace:
    """The steps of one backward pass, in the order they ran (a sequence of ``TraceStep``)."""

    def __init__(self, root: Tensor, steps: list[TraceStep]) -> None:
        self.root = root
        self.steps = steps
        self._grads: dict[int, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[TraceStep]:
        return iter(self.steps)

    def __getitem__(self, i: int) -> TraceStep:
        return self.steps[i]

    def grad_of(self, t: Tensor) -> np.ndarray | None:
        """The total gradient dL/dt this pass computed: the ``grad_out`` of the step that
        made t, or, for a leaf, the sum of what every step sent it (None if nothing did)."""
        if self._grads is None:  # built once: one pass over the steps, not one per tensor
            grads: dict[int, np.ndarray] = {}
            for s in self.steps:
                for inp, g in zip(s.inputs, s.grads_in, strict=True):
                    if g is not None and inp.is_leaf:
                        grads[id(inp)] = g if id(inp) not in grads else grads[id(inp)] + g
            grads.update((id(s.output), s.grad_out) for s in self.steps)
            self._grads = grads
        return self._grads.get(id(t))

    def rows(self) -> list[tuple[str, ...]]:
        """The table as rows of strings: one row per (step, input)."""
        out: list[tuple[str, ...]] = []
        for k, s in enumerate(self.steps, 1):
            for i, (lab, t, g, ax) in enumerate(
                zip(s.input_labels, s.inputs, s.grads_in, s.summed_axes, strict=True)
            ):
                first = i == 0
                out.append((
                    str(k) if first else "",
                    s.op if first else "",
                    _output_text(s) if first else "",
                    summarize(s.grad_out) if first else "",
                    s.rule if first else "",
                    f"{lab} {t.shape}",
                    "—" if g is None else summarize(g),
                    ", ".join(map(str, ax)) if ax else "",
                ))
        return out

    def __str__(self) -> str:
        rows = [_HEADER, *self.rows()]
        widths = [max(len(r[c]) for r in rows) for c in range(len(_HEADER))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        steps = f"{len(self)} step" + ("" if len(self) == 1 else "s")
        title = (f"backward from {self.root.op or 'a leaf'} {self.root.shape}: {steps} "
                 "(— = no gradient needed)")
        return "\n".join([title, *lines])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in _HEADER)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
            for r in self.rows()
        )
        return (f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def trace_backward(t: Tensor, grad: Any = None, *, retain_graph: bool = False) -> Trace:
    """Run ``t.backward(grad)`` (leaves' ``.grad`` are filled as usual) and return its steps.

    Each step holds ``op``, ``input_shapes``, ``output_shape``, ``grad_out`` (dL/d output),
    ``grads_in`` (dL/d input per input, None where none was needed), ``rule`` (the op's
    local derivative in words) and ``summed_axes`` (per input, the broadcast axes summed).

    >>> import tinygrad_edu as tg
    >>> a = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="a")
    >>> bias = tg.Tensor([0.5, 0.5], requires_grad=True, name="bias")
    >>> trace = tg.trace_backward((a + bias).sum())
    >>> trace[1].op, trace[1].summed_axes
    ('add', ((), (0,)))
    >>> trace[1].grads_in[1]      # each bias element fed two outputs
    array([2., 2.])
    """
    seed = seed_gradient("trace_backward", t, grad)
    labels = label_tensors(t)
    steps: list[TraceStep] = []

    def on_step(node: Node, g_out: np.ndarray, vjp_out: tuple[np.ndarray | None, ...]) -> None:
        fn = node._fn
        assert isinstance(node, Tensor) and fn is not None  # the engine calls it for ops only
        # what the engine does next, done here too, to show it: each gradient an input
        # needs, summed over the axes broadcasting stretched
        grads_in: list[np.ndarray | None] = []
        axes: list[tuple[int, ...]] = []
        for x, needs, g in zip(node.parents, fn.needs_input_grad, vjp_out, strict=True):
            if needs and g is not None:
                grads_in.append(unbroadcast(np.asarray(g), x.shape))
                axes.append(summed_axes(np.shape(g), x.shape))
            else:
                grads_in.append(None)
                axes.append(())
        steps.append(TraceStep(
            op=fn.name,
            rule=rule_of(type(fn)) or "(no rule given)",
            output=node,
            inputs=node.parents,
            output_label=labels.get(id(node), node.op or "?"),
            input_labels=tuple(labels.get(id(p), "?") for p in node.parents),
            grad_out=g_out,
            grads_in=tuple(grads_in),
            summed_axes=tuple(axes),
        ))

    engine.backward(t, seed, retain_graph=retain_graph, on_step=on_step)
    return Trace(t, steps)
