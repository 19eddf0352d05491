"""The backward pass: walk the graph in reverse topological order and apply each op's vjp.

Why a topological order? A tensor's gradient is complete only when every op that *used* it
has sent its share back (a tensor used twice gets the sum of both shares). Visiting the
nodes in reverse topological order guarantees that, and an explicit stack instead of
recursion lets a chain of 100,000 ops work under Python's default recursion limit.

Also here: ``no_grad`` (record nothing) and ``detect_anomaly`` (stop at the first NaN/inf).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from .broadcasting import summed_axes, unbroadcast
from .errors import ShapeError
from .guards import check_backward_finite, check_fingerprints, check_versions

if TYPE_CHECKING:
    from .function import Function
    from .tensor import Tensor

    StepCallback = Callable[
        [Tensor, np.ndarray, tuple["np.ndarray | None", ...], tuple[tuple[int, ...], ...]], None
    ]

# Module-level switches, read by ``tensor.apply`` on every op (a global read is the cheapest).
grad_enabled = True
anomaly_enabled = False


class no_grad(contextlib.ContextDecorator):
    """Record no graph inside the block (or the decorated function): for inference and updates.

    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([1.0], requires_grad=True)
    >>> with tg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    def __enter__(self) -> no_grad:  # noqa: PYI034 - typing.Self needs Python 3.11
        global grad_enabled
        self._prev = grad_enabled
        grad_enabled = False
        return self

    def __exit__(self, *exc: object) -> None:
        global grad_enabled
        grad_enabled = self._prev


class detect_anomaly(contextlib.ContextDecorator):
    """Raise ``FloatingPointError`` at the first op whose forward or backward makes NaN or inf.

    Also a debug mode for in-place writes: ops recorded inside the block keep a checksum of
    their arrays, and a backward inside the block raises ``RuntimeError`` if one changed, even
    through the array itself (``w.data[0] = 1``), which the always-on check cannot see.

    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([0.0, 1.0], requires_grad=True)
    >>> with tg.detect_anomaly():
    ...     x.log()
    Traceback (most recent call last):
    ...
    FloatingPointError: detect_anomaly: forward of 'log' produced -inf (input shapes [(2,)]); ...
    """

    def __enter__(self) -> detect_anomaly:  # noqa: PYI034 - typing.Self needs Python 3.11
        global anomaly_enabled
        self._prev = anomaly_enabled
        anomaly_enabled = True
        # numpy's own warning would come first (and under `-W error` be raised instead);
        # silence it here so the FloatingPointError, which names the op, is what is seen
        self._errstate = np.errstate(divide="ignore", over="ignore", invalid="ignore")
        self._errstate.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        global anomaly_enabled
        anomaly_enabled = self._prev
        self._errstate.__exit__(None, None, None)


def topological_order(root: Tensor) -> list[Tensor]:
    """The non-leaf tensors that ``root`` depends on, ``root`` first, each after all its users.

    Iterative depth-first search: a node is appended once all its parents are done, which gives
    parents-before-children; reversing it gives the order backward needs.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    # the bound methods are looked up once, not once per node: ~25% of this loop's time
    push, pop, visit, done = stack.append, stack.pop, visited.add, order.append
    while stack:
        node, parents_done = pop()
        if parents_done:
            done(node)
            continue
        key = id(node)
        if key in visited:
            continue
        visit(key)
        push((node, True))
        for p in node._parents:
            if p._fn is not None and id(p) not in visited:
                push((p, False))
    order.reverse()
    return order


def _fit_to_input(g: np.ndarray, parent: Tensor, op: str, i: int) -> np.ndarray:
    """Undo broadcasting (sum) so ``g`` has ``parent``'s shape; complain if it cannot."""
    try:
        fitted = unbroadcast(g, parent.shape)
    except (ValueError, IndexError):
        fitted = None
    if fitted is None or fitted.shape != parent.shape:
        raise ShapeError(
            f"backward of '{op}': its vjp returned a gradient of shape {g.shape} for input {i} "
            f"of shape {parent.shape}; a vjp must return the input's shape or one that "
            "broadcasts from it"
        )
    return fitted


def backward(
    root: Tensor,
    grad: np.ndarray,
    retain_graph: bool = False,
    on_step: StepCallback | None = None,
) -> None:
    """Send ``grad = dL/droot`` back through the graph, accumulating into leaves' ``.grad``.

    ``on_step(node, grad_out, grads_in, summed_axes)`` is called after each op's vjp (used by
    ``trace_backward``); ``grads_in`` are already summed back to each input's shape.
    """
    # Backward makes no reference cycles, so Python's cyclic garbage collector has nothing to
    # find while it runs; but a full pass of it walks every object, the whole graph included.
    # Pausing it saves ~1.4 µs per node (30 % of backward) on a chain of 100,000 ops in a
    # process that has imported torch (BENCHMARKS.md, W4); it runs again right after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _backward(root, grad, retain_graph, on_step)
    finally:
        if collecting:
            gc.enable()


def _backward(
    root: Tensor, grad: np.ndarray, retain_graph: bool, on_step: StepCallback | None
) -> None:
    """The walk itself (see ``backward``)."""
    pending: dict[int, np.ndarray] = {id(root): grad}
    leaves: dict[int, Tensor] = {}
    if root._fn is None:  # backward() on a leaf itself: its gradient is the seed
        leaves[id(root)] = root
    order = topological_order(root) if root._fn is not None else []
    for node in order:
        g = pending.pop(id(node), None)
        if g is None:  # no gradient reached this node (only zero-gradient paths led here)
            continue
        if node._hooks:
            g = _run_hooks(node, g)
        if node._retain_grad:
            _accumulate_into(node, g)
        fn: Function = node._fn  # type: ignore[assignment]  # the order holds op outputs only
        parents = node._parents
        if fn.freed:
            raise RuntimeError(
                f"backward: the graph through '{fn.name}' was already used by a backward pass "
                "and its saved values were freed. Call backward(retain_graph=True) the first "
                "time if you need to go backward twice, or recompute the forward pass."
            )
        for p, v in zip(parents, fn._versions):  # type: ignore[attr-defined]  # (set by apply)
            if p._version != v:
                check_versions(fn, parents)  # raises, naming the input
        if anomaly_enabled:
            check_fingerprints(fn, node)
        needs = fn.needs_input_grad
        grads = fn.vjp(g)
        if not retain_graph:
            fn.release()
        fitted: list[np.ndarray | None] = [None] * len(parents) if on_step is not None else []
        for i, parent in enumerate(parents):
            gp = grads[i]
            if gp is None or not needs[i]:
                continue
            if gp.shape != parent._data.shape:  # not .shape: a property call per input
                gp = _fit_to_input(gp, parent, fn.name, i)
            if anomaly_enabled:
                check_backward_finite(fn.name, i, gp)
            if on_step is not None:
                fitted[i] = gp
            key = id(parent)
            prev = pending.get(key)
            # a new array, never `prev += gp`: gp may be a view shared with another input
            pending[key] = gp if prev is None else prev + gp
            if parent._fn is None:
                leaves[key] = parent
        if on_step is not None:
            axes = tuple(
                summed_axes(grads[i].shape, p.shape)  # type: ignore[union-attr]  # (not None)
                if fitted[i] is not None else ()
                for i, p in enumerate(parents)
            )
            on_step(node, g, tuple(fitted), axes)
    for key, leaf in leaves.items():
        g = pending[key]
        if leaf._hooks:
            g = _run_hooks(leaf, g)
        _accumulate_into(leaf, g)


def _accumulate_into(t: Tensor, g: np.ndarray) -> None:
    """``t.grad += g``, creating it (as a fresh array of t's dtype) on first use."""
    if t.grad is None:
        t.grad = np.array(g, dtype=t._data.dtype, copy=True)
    else:
        t.grad += g


def _run_hooks(t: Tensor, g: np.ndarray) -> np.ndarray:
    g = np.asarray(g)  # numpy arithmetic on 0-d arrays gives scalars; hooks get arrays
    for hook in t._hooks:
        out = hook(g)
        if out is not None:
            out = np.asarray(out)
            if out.shape != t.shape:
                raise ShapeError(
                    f"hook {getattr(hook, '__name__', hook)!r} returned a gradient of shape "
                    f"{out.shape} for a tensor of shape {t.shape}"
                )
            g = out
    return g


def iter_graph(root: Tensor) -> Iterator[Tensor]:
    """Every tensor of root's graph, leaves included, each once (no recursion)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        yield t
        stack.extend(t._parents)
