"""The backward pass: visit the graph in reverse topological order and apply each op's vjp.

The algorithm, for a scalar loss L:

    pending[L] = dL/dL = 1
    for each node, every user of a node before the node itself:
        G = pending.pop(node)                   the node's gradient dL/dnode, now complete
        if node is a leaf:  node.grad += G
        else: for each input x of the op that made the node:
            pending[x] += unbroadcast(vjp(G)[x], x.shape)

Each other concern is one call a first reader may skip: ``run_hooks`` (user hooks),
``check_saved_values`` (values changed in place since the forward pass), ``check_vjp_result``
and ``fit_to_input`` (a vjp that breaks the op contract, NaN inside ``detect_anomaly``;
guards.py), ``on_step`` (a callback for ``trace_backward``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable

import numpy as np

from .errors import ShapeError
from .graph import Node, topological_order
from .guards import check_finite, check_saved_values, check_vjp_result, fit_to_input
from .modes import mode
from .versions import CHANGES

#: ``on_step(node, grad_out, grads_in)``: called after each vjp with what it returned
StepCallback = Callable[[Node, np.ndarray, tuple["np.ndarray | None", ...]], None]


def backward(root: Node, grad: np.ndarray, *, retain_graph: bool = False,
             on_step: StepCallback | None = None) -> None:
    """Send ``grad = dL/droot`` back through the graph, adding into every leaf's ``.grad``.

    Without ``retain_graph`` each op frees the arrays it saved once its vjp has run.
    """
    # Python's garbage collector, set off by the new gradient arrays, would walk the whole
    # graph again and again; it finds nothing to free here, so it waits until the end
    # (W4, a 100,000-node chain: 22.2 -> 15.6 µs per node, t(100k)/t(10k) 14.0 -> 10.7).
    collecting = gc.isenabled()
    gc.disable()
    try:
        propagate(root, grad, retain_graph, on_step)
    finally:
        if collecting:
            gc.enable()


def propagate(root: Node, grad: np.ndarray, retain_graph: bool,
              on_step: StepCallback | None) -> None:
    """The loop of ``backward`` (see the module's docstring)."""
    pending: dict[Node, np.ndarray] = {root: grad}  # dL/dnode, summed over the uses so far
    anomaly = mode.get().anomaly  # check every gradient for NaN and inf?
    for node in topological_order(root):
        g = pending.pop(node, None)
        if g is None:  # no gradient reached it: its users sent None (e.g. to a constant)
            continue
        if node._hooks:
            g = run_hooks(node, g)
        fn = node._fn
        if fn is None:  # a leaf: its gradient is complete
            accumulate_grad(node, g)
            continue
        if node._retain_grad:
            accumulate_grad(node, g)
        if fn.changes_before != CHANGES.count or fn.fingerprints is not None:
            check_saved_values(node, fn)  # changed in place since the forward pass? freed?
        grads_in = fn.vjp(g)
        if type(grads_in) is not tuple or len(grads_in) != len(node._parents) or anomaly:
            check_vjp_result(fn, grads_in, node._parents)  # a broken result, or NaN
        if on_step is not None:
            on_step(node, g, grads_in)
        if not retain_graph:
            fn.release()
        # equal lengths (apply, the check above); strict=True costs 1-2 % of a W1 step (callgrind)
        for x, needs, g_x in zip(node._parents, fn.needs_input_grad, grads_in):  # noqa: B905
            if needs and g_x is not None:
                if type(g_x) is not np.ndarray or g_x.shape != x.shape:
                    g_x = fit_to_input(node, g_x, x)  # sum the axes broadcasting stretched
                # a new array, never `+=`: an op may send the same array to two inputs
                pending[x] = pending[x] + g_x if x in pending else g_x


def accumulate_grad(t: Node, g: np.ndarray) -> None:
    """``t.grad += g``, creating it (a fresh array of t's dtype) on first use."""
    if t._grad is None:
        t._grad = np.array(g, dtype=t._data.dtype)
    else:
        t._grad += g


def run_hooks(t: Node, g: np.ndarray) -> np.ndarray:
    """Each of t's hooks, in order, on t's complete gradient; a returned array replaces it.

    The hooks get a copy: changing it in place cannot reach another tensor's gradient.
    """
    g = np.array(g)
    for hook in t._hooks:
        out = hook(g)
        name = getattr(hook, "__name__", repr(hook))
        if out is not None:
            out = np.asarray(out)
            if out.shape != t.shape:
                raise ShapeError(f"hook {name!r} returned a gradient of shape {out.shape} for a "
                                 f"tensor of shape {t.shape}")
            g = out
        if mode.get().anomaly:  # what it returned, or what it changed in place
            check_finite(g, f"hook {name!r} on a tensor of shape {t.shape}")
    return g
