"""Recording a step for ``tg.compile``: run the function once, eagerly, and keep its graph.

The arguments become tensors that (during the recording only) require grad, so that every op
computed from them is recorded too: a replay must recompute ``1 - t`` from each call's ``t``,
not reuse this call's result. Afterwards each recorded op learns which inputs really need a
gradient (those that depend on a parameter), so neither this backward nor any replay computes
a gradient for the data.

Before anything is kept, the recording is checked: that the function gives the same graph and
the same numbers when run again (no randomness, no state that changes from call to call), and
that each recorded op gives the same output when its own ``forward`` runs again on the same
arrays (a replay calls exactly that). Hooks and ``retain_grad`` in the graph are refused: a
replay does not run them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import engine
from .arrays import FLOATS, to_array
from .guards import seed_gradient
from .modes import recording_step
from .tensor import Tensor

#: what the step's function returned: the loss, or a tuple (loss, *more tensors)
Outputs = tuple[Tensor, ...]


@dataclass
class Trace:
    """One eager run of a step, with its graph in the order a replay needs."""

    name: str
    inputs: list[Tensor]  # one tensor per argument, in order
    input_names: list[str]
    outputs: Outputs  # the loss first
    ops: list[Tensor]  # every tensor an op made, each after the tensors it was computed from
    params: list[Tensor]  # the leaves that require grad: their .grad is accumulated
    constants: list[Tensor]  # every other leaf the ops read (numbers, closure tensors)
    #: each vjp the backward ran, in its order: the node and the shape of each gradient it
    #: returned (None where it returned none)
    backward: list[tuple[Tensor, tuple[tuple[int, ...] | None, ...]]] = field(default_factory=list)
    #: ops whose forward returns something else than a float array (apply converts it)
    converted: set[int] = field(default_factory=set)


def run_eagerly(fn: Callable[..., Any], name: str, arrays: Sequence[np.ndarray],
                input_names: Sequence[str], *, mark_inputs: bool) -> tuple[list[Tensor], Outputs]:
    """Call ``fn`` on tensors holding ``arrays`` while the recording flag is set (so reading
    a value raises); ``mark_inputs``: the tensors require grad, so ops on them are recorded."""
    inputs = [Tensor(a, requires_grad=mark_inputs, name=n)
              for a, n in zip(arrays, input_names, strict=True)]
    with recording_step(name):
        returned = fn(*inputs)
    return inputs, _outputs(name, returned)


def trace(fn: Callable[..., Any], name: str, arrays: Sequence[np.ndarray],
          input_names: Sequence[str]) -> Trace:
    """Run ``fn`` eagerly, keep its graph, check it can be replayed, then run its backward
    (``.grad`` of the parameters accumulates, as for an eager step)."""
    inputs, outputs = run_eagerly(fn, name, arrays, input_names, mark_inputs=True)
    t = _collect(name, inputs, input_names, outputs)
    _keep_gradients_for_parameters_only(t)
    _check_same_when_run_again(fn, t, arrays)
    _check_forwards_repeat(t)
    loss = outputs[0]

    def keep_step(node: Any, grad_out: np.ndarray, grads_in: tuple[Any, ...]) -> None:
        t.backward.append((node, tuple(None if g is None else g.shape for g in grads_in)))

    # retain_graph: the ops keep what forward saved (a replay overwrites it; nothing is lost)
    engine.backward(loss, seed_gradient(f"tg.compile ('{name}')", loss, None),
                    retain_graph=True, on_step=keep_step)
    return t


def _outputs(name: str, returned: Any) -> Outputs:
    items = tuple(returned) if isinstance(returned, (tuple, list)) else (returned,)
    if not items or not all(isinstance(x, Tensor) for x in items):
        got = ", ".join(type(x).__name__ for x in items) or "nothing"
        raise TypeError(f"tg.compile: '{name}' must return the loss (a Tensor), or a tuple "
                        f"(loss, *more tensors); it returned {got}")
    loss = items[0]
    if loss.size != 1:
        raise ValueError(f"tg.compile: the loss '{name}' returned has shape {loss.shape}; a "
                         "step's loss is a single value: reduce it with .sum() or .mean()")
    return items


def _collect(name: str, inputs: list[Tensor], input_names: Sequence[str],
             outputs: Outputs) -> Trace:
    """Every node of the outputs' graphs, parents before children, sorted into kinds."""
    order = _forward_order(outputs)
    ids = {id(x) for x in inputs}
    ops = [n for n in order if n._fn is not None]
    leaves = [n for n in order if n._fn is None]
    # the leaves in the order the ops first read them (then leaves that are outputs)
    firsts = {id(p): p for node in ops for p in node._parents if p._fn is None}
    firsts.update((id(n), n) for n in leaves)
    params = [n for n in firsts.values() if n.requires_grad and id(n) not in ids]
    constants = [n for n in firsts.values() if not n.requires_grad and id(n) not in ids]
    for node in order:
        if node._hooks or node._retain_grad:
            what = "register_hook" if node._hooks else "retain_grad"
            label = node.name or node.op or "a parameter"
            raise RuntimeError(
                f"tg.compile: '{label}' (shape {node.shape}) in the step '{name}' has "
                f"{'a hook' if node._hooks else 'retain_grad()'}; a replay runs only the ops' "
                f"forward and vjp, not {what}. Run the function itself (step.fn) where you need "
                "it, or remove it from the compiled step")
    return Trace(name, inputs, list(input_names), outputs, ops, params, constants)


def _forward_order(outputs: Outputs) -> list[Tensor]:
    """The tensors that require grad, each after its inputs, left inputs first: the order in
    which Python evaluated an expression such as ``(x + b) * (x - b)`` (depth first, no
    recursion, as ``graph.topological_order``)."""
    order: list[Tensor] = []
    done: set[int] = set()
    for out in outputs:
        stack: list[tuple[Tensor, int]] = [(out, 0)]
        while stack:
            node, i = stack.pop()
            if id(node) in done:
                continue
            parents = [p for p in node._parents if p.requires_grad]
            if i < len(parents):  # come back for the next input after this one is done
                stack.append((node, i + 1))
                stack.append((parents[i], 0))
            else:
                done.add(id(node))
                order.append(node)
    return order


def _keep_gradients_for_parameters_only(t: Trace) -> None:
    """Tell each op which of its inputs depend on a parameter: only those need a gradient
    (the arguments required grad only so that the ops on them were recorded)."""
    depends = {id(p) for p in t.params}
    for node in t.ops:
        fn = node._fn
        assert fn is not None
        fn.needs_input_grad = tuple(id(p) in depends for p in node._parents)
        if True in fn.needs_input_grad:
            depends.add(id(node))
        else:  # computed from the data alone: recomputed by a replay, never differentiated
            node.requires_grad = False
    for x in t.inputs:
        x.requires_grad = False
    if id(t.outputs[0]) not in depends:
        raise RuntimeError(
            f"tg.compile: the loss of '{t.name}' does not depend on any parameter (a tensor "
            "with requires_grad=True that the step reads, such as a model's weights), so "
            "there is no gradient to compute")


def identical(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit: the same shape, dtype and bytes (NaN equals NaN, 0.0 differs from -0.0)."""
    return a is b or (a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes())


def _check_same_when_run_again(fn: Callable[..., Any], t: Trace,
                               arrays: Sequence[np.ndarray]) -> None:
    """Run the function again on the same arguments: the same ops must give the same numbers."""
    inputs, outputs = run_eagerly(fn, t.name, arrays, t.input_names, mark_inputs=True)
    again = _collect(t.name, inputs, t.input_names, outputs)
    # the common part first (the likeliest cause), then a difference in count
    for a, b in zip(t.constants, again.constants, strict=False):
        if not identical(a._data, b._data):
            _not_repeatable(t.name, f"a constant of shape {a.shape} had other values the "
                                    "second time")
    for k, (a, b) in enumerate(zip(t.ops, again.ops, strict=False)):
        if type(a._fn) is not type(b._fn) or not identical(a._data, b._data):
            _not_repeatable(t.name, f"op {k + 1} ('{a.op}') gave other values the second time")
    if len(t.ops) != len(again.ops) or len(t.constants) != len(again.constants):
        _not_repeatable(t.name, f"it ran {len(t.ops)} ops the first time and {len(again.ops)} "
                                "the second")


def _check_forwards_repeat(t: Trace) -> None:
    """Each op's own forward, run again on the same arrays, must give the same output: a replay
    calls the same op objects again, so state an op keeps from call to call would show here."""
    for k, node in enumerate(t.ops):
        fn = node._fn
        assert fn is not None
        out = fn.forward(*[p._data for p in node._parents], **fn.params)
        if type(out) is not np.ndarray or out.dtype not in FLOATS:
            t.converted.add(id(node))  # apply turned it into a float array: so will the replay
            out = to_array(out, copy=False, what=f"forward of '{fn.name}'")
        if not identical(out, node._data):
            _not_repeatable(t.name, f"op {k + 1} ('{fn.name}') gave another output when its "
                                    "forward ran again on the same arrays")


def _not_repeatable(name: str, detail: str) -> None:
    raise RuntimeError(
        f"tg.compile: '{name}' does not give the same result when run again on the same "
        f"inputs: {detail}. A compiled step replays one recording, so randomness (np.random, "
        "tg.randn, dropout) or state that changes from call to call would be frozen at this "
        "call's values; draw random numbers outside the step and pass them as arguments")
