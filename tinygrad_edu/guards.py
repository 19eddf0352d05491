"""Checks that turn silent mistakes into clear errors, for ``apply`` and the backward pass.

- *The seed*: ``backward(grad)`` on a single value, or with a grad of the tensor's shape.
- *Stale values*: an array that an op saved for backward was changed in place before
  backward ran, so the gradient would come from the wrong numbers. Always checked: every
  tensor counts in-place changes (``w.data -= ...``, ``w -= ...`` under no_grad) in its
  ``version``, shared with its views (a reshape, a transpose); ``apply`` records the versions
  of an op's inputs and output, and backward compares them. Inside ``detect_anomaly`` also
  writes *through* the array (``w.data[0] = 1``), which no counter sees: each op keeps a
  CRC-32 checksum of its arrays (too slow for every op, cheap for a debugging run).
- *A vjp that breaks the op contract*: not a tuple with one array (or None) per input.
- *Non-finite values* inside ``detect_anomaly``: the first op (or hook, or seed) that makes
  NaN or inf.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import to_array
from .broadcasting import unbroadcast
from .errors import ShapeError
from .function import Function
from .graph import Node
from .modes import mode


def seed_gradient(caller: str, root: Node, grad: Any) -> np.ndarray:
    """dL/droot to start backward from: 1 for a one-element tensor, else ``grad`` (checked)."""
    if not root.requires_grad:
        raise RuntimeError(
            f"{caller}: this tensor does not require grad: none of the tensors it was "
            "computed from has requires_grad=True, or it was computed under no_grad()")
    if grad is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"{caller}: the tensor has shape {root.shape}, not a single value; reduce it "
                "to a scalar loss first (.sum() or .mean()), or pass grad= of that shape")
        # dL/dL = 1, as an array of root's shape and dtype; np.ones would cost twice as
        # much (it is written in Python): 5 % of W5, `a + b` with backward (callgrind)
        return np.array(1.0, root._data.dtype).reshape(root.shape)
    g = to_array(grad, root._data.dtype, what=caller)
    if g.shape != root.shape:
        raise ShapeError(f"{caller}: grad has shape {g.shape} but the tensor has shape "
                         f"{root.shape}; they must be equal")
    if mode.get().anomaly:
        check_finite(g, f"the grad given to {caller}")
    return g


def check_grad(t: Node, value: Any) -> np.ndarray:
    """A gradient assigned to ``t.grad``: an array of t's dtype and shape, else an error."""
    g = np.asarray(value)
    if g.dtype != t._data.dtype:
        raise TypeError(f"grad: a {t._data.dtype} tensor needs a {t._data.dtype} gradient, "
                        f"got {g.dtype} (use .astype(np.{t._data.dtype}))")
    if g.shape != t.shape:
        raise ShapeError(f"grad: a gradient of shape {g.shape} for a tensor of shape "
                         f"{t.shape}; they must be equal")
    return g


def describe_nonfinite(a: np.ndarray) -> str | None:
    """``'nan'``, ``'inf'``, ``'-inf'`` for the first kind of non-finite value in ``a``, else
    None."""
    if np.isfinite(a).all():
        return None
    if np.isnan(a).any():
        return "nan"
    return "inf" if (a == np.inf).any() else "-inf"


def check_finite(g: np.ndarray | np.generic, origin: str) -> None:
    """Inside detect_anomaly: a NaN or inf in a gradient, named after where it came from."""
    bad = describe_nonfinite(np.asarray(g))
    if bad is not None:
        raise FloatingPointError(
            f"detect_anomaly: {origin} produced {bad} (shape {np.shape(g)}); look there for "
            "values outside a function's domain")


def check_forward(fn: Function, arrays: Sequence[np.ndarray], out: np.ndarray) -> None:
    """Inside detect_anomaly: stop at a forward that made NaN or inf; else fingerprint it."""
    bad = describe_nonfinite(out)
    if bad is not None:
        raise FloatingPointError(
            f"detect_anomaly: forward of '{fn.name}' produced {bad} (input shapes "
            f"{[a.shape for a in arrays]}); look at its inputs for values outside its domain")
    fn.fingerprints = fingerprints([*arrays, out])


def fingerprints(arrays: Sequence[np.ndarray]) -> tuple[int, ...]:
    """CRC-32 checksums of arrays (~4 µs per 8 kB: for detect_anomaly only)."""
    return tuple(zlib.crc32(np.ascontiguousarray(a).data) for a in arrays)


def check_saved_values(node: Node, fn: Function) -> None:
    """Before ``fn.vjp`` runs: are the values it saved (from its inputs and its output) still
    there, and still the same?"""
    tensors = (*node._parents, node)
    if fn.freed or fn.fingerprints is not None or any(
            t._changed_at > fn.changes_before for t in tensors):
        _explain_saved_values(fn, node, tensors)


def _explain_saved_values(fn: Function, node: Node, tensors: tuple[Node, ...]) -> None:
    if fn.freed:
        raise RuntimeError(
            f"backward: the graph through '{fn.name}' was already used by a backward pass and "
            "its saved values were freed. Call backward(retain_graph=True) the first time if "
            "you need to go backward twice, or recompute the forward pass.")
    for i, t in enumerate(tensors):
        if t._changed_at > fn.changes_before:
            raise RuntimeError(
                f"backward of '{fn.name}': {_which(i, t, node)} was changed in place after the "
                "forward pass (its .data, or a view of it such as a reshape), so the values "
                "saved for backward are stale. Update parameters only after backward (e.g. "
                "`with tg.no_grad(): w -= lr * w.grad`), or recompute the forward pass.")
    if fn.fingerprints is not None:
        now = fingerprints([t._data for t in tensors])
        for i, (t, before, after) in enumerate(zip(tensors, fn.fingerprints, now, strict=True)):
            if before != after:
                raise RuntimeError(
                    f"backward of '{fn.name}': {_which(i, t, node)} was changed in place "
                    "after the forward pass, through the array itself (e.g. `t.data[0] = ...` "
                    "or `np.add(t.data, 1, out=t.data)`), so the values saved for backward "
                    "are stale. Change values only after backward, on a copy "
                    "(`t.data = t.data * 0.5`), or recompute the forward pass.")


def _which(i: int, t: Node, node: Node) -> str:
    what = "its output" if t is node else f"input {i}"
    return what + (f" '{t.name}'" if t.name else "") + f" (shape {t.shape})"


def check_vjp_result(fn: Function, grads: Any, inputs: tuple[Node, ...]) -> None:
    """A vjp must return a tuple with one entry per input; inside detect_anomaly, finite."""
    if type(grads) is not tuple or len(grads) != len(inputs):
        got = (f"a tuple of {len(grads)}" if isinstance(grads, tuple)
               else f"a {type(grads).__name__}")
        raise TypeError(
            f"backward of '{fn.name}': its vjp must return a tuple with one gradient per input "
            f"({len(inputs)}), got {got}; return a tuple, one entry per input (None where no "
            f"gradient is needed): {_example(inputs)}")
    if mode.get().anomaly:
        for i, g in enumerate(grads):
            if g is not None and fn.needs_input_grad[i]:
                check_finite(g, f"backward of '{fn.name}' (the gradient of input {i})")


def fit_to_input(node: Node, g: Any, x: Node) -> np.ndarray:
    """A gradient that ``node``'s vjp returned for input ``x`` that is not simply an array of
    x's shape: summed over the axes broadcasting stretched, or a clear error if it cannot be
    x's gradient (not an array; a shape that does not broadcast from x's)."""
    fn = node._fn
    assert fn is not None  # only op outputs have a vjp
    if not isinstance(g, (np.ndarray, np.generic)):
        i = _position(node, x)
        raise TypeError(
            f"backward of '{fn.name}': its vjp returned a {type(g).__name__} for input {i}; "
            f"each gradient must be a numpy array (or None): {_example(node._parents)}")
    if not _sums_back(g.shape, x.shape):
        i = _position(node, x)
        raise ShapeError(
            f"backward of '{fn.name}': its vjp returned a gradient of shape {g.shape} for "
            f"input {i} of shape {x.shape}; a vjp must return the input's shape or one that "
            "broadcasts from it")
    return unbroadcast(np.asarray(g), x.shape)


def _position(node: Node, x: Node) -> int:
    """Which input of ``node`` is ``x``?"""
    return next(k for k, p in enumerate(node._parents) if p is x)


def _example(inputs: tuple[Node, ...]) -> str:
    return "`return (g * 2,)`" if len(inputs) == 1 else "`return (g * b, g * a)`"


def _sums_back(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """Can a gradient of ``grad_shape`` be summed back to ``shape``? (Does ``shape``
    broadcast to ``grad_shape``?)"""
    lead = len(grad_shape) - len(shape)
    return lead >= 0 and all(n in (1, m) for n, m in zip(shape, grad_shape[lead:], strict=True))
