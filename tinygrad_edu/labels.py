"""Short texts for tensors and arrays, shared by the trace, the graph pictures and the explorer.

>>> import tinygrad_edu as tg
>>> w = tg.Tensor([0.5, -1.0], requires_grad=True, name="w")
>>> y = (w * 2.0).sum()
>>> sorted(label_tensors(y).values())
['2', 'mul', 'sum', 'w']
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .graph import topological_order
from .tensor import Tensor

__all__ = ["label_tensors", "role", "summarize"]


def _num(v: float) -> str:
    return f"{v:.4g}"


def _nested(a: np.ndarray) -> str:
    if a.ndim == 0:
        return _num(float(a))
    return "[" + ", ".join(_nested(row) for row in a) + "]"


def summarize(a: Any, small: int = 6) -> str:
    """A short text for an array: its values when it has at most ``small`` elements,
    otherwise ``min … mean … max …``.

    >>> summarize(np.array([0.5, -1.25]))
    '[0.5, -1.25]'
    >>> summarize(np.arange(10.0))
    'min 0 mean 4.5 max 9'
    """
    a = np.asarray(a)
    if a.size == 0:
        return f"empty {a.shape}"
    if a.size == 1:
        return _num(float(a.reshape(())))
    if a.size <= small:
        return _nested(a)
    with np.errstate(all="ignore"):  # inf - inf in the mean is nan, and that is what we show
        return f"min {_num(a.min())} mean {_num(a.mean())} max {_num(a.max())}"


def label_tensors(root: Tensor) -> dict[int, str]:
    """A short readable label for every tensor of root's graph, keyed by ``id``.

    A tensor's own ``name`` wins. Otherwise a tensor made by an op is called after the op
    (``add``; ``add#1``, ``add#2`` in forward order when the op occurs more than once). An
    unnamed constant is called after the input of the first op that reads it, when that op's
    ``forward`` names it (a loss's target: ``t``, with its value when it has one element,
    ``t = 1``); other one-element constants by their value, and other leaves ``leaf#k`` /
    ``const#k``.

    >>> import tinygrad_edu.functional as F
    >>> y = tg.Tensor([0.2, 0.7], requires_grad=True, name="y")
    >>> sorted(label_tensors(F.mse(y, [0.0, 1.0])).values())
    ['mse', 't', 'y']
    """
    # the ops' outputs, parents before children (a leaf root has none)
    forward = [t for t in reversed(topological_order(root)) if not t.is_leaf]
    counts: dict[str, int] = {}
    for t in forward:
        counts[t.op or ""] = counts.get(t.op or "", 0) + 1
    labels: dict[int, str] = {}
    seen: dict[str, int] = {}
    for t in forward:
        op = t.op or ""
        seen[op] = seen.get(op, 0) + 1
        labels[id(t)] = t.name or (op if counts[op] == 1 else f"{op}#{seen[op]}")
    # leaves numbered in the order the forward pass first used them, each with the name
    # of the input it is to that op
    leaves = [(p, name) for t in forward
              for p, name in zip(t.parents, _input_names(t), strict=True) if p.is_leaf]
    leaves.append((root, None))
    n_leaf = n_const = 0
    for t, role_name in leaves:
        if id(t) in labels:
            continue
        if t.name:
            labels[id(t)] = t.name
        elif t.requires_grad:
            n_leaf += 1
            labels[id(t)] = f"leaf#{n_leaf}"
        elif role_name:
            labels[id(t)] = f"{role_name} = {summarize(t.data)}" if t.size == 1 else role_name
        elif t.size == 1:
            labels[id(t)] = summarize(t.data)
        else:
            n_const += 1
            labels[id(t)] = f"const#{n_const}"
    return labels


# the names ops give operands that play no particular part (a + b, a @ b): no label in them
_PLACEHOLDERS = frozenset({"a", "b"})


def _input_names(t: Tensor) -> list[str | None]:
    """For each input of the op that made t: the name its ``forward`` gives it (a loss's
    ``y`` and ``t``), or None where that says nothing (``a``, ``b``, ``*arrays``)."""
    try:
        params = list(inspect.signature(type(t.fn).forward).parameters.values())[1:]
    except (TypeError, ValueError):  # a forward without a readable signature
        params = []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name if p.kind in positional and p.name not in _PLACEHOLDERS else None
             for p in params]
    return (names + [None] * len(t.parents))[:len(t.parents)]


def role(t: Tensor, root: Tensor) -> str:
    """What ``t`` is in root's graph, as the pictures colour it: ``"root"`` (the loss),
    ``"param"`` (a leaf that requires grad), ``"const"`` (inputs and constants) or ``"inner"``."""
    if t is root:
        return "root"
    if t.is_leaf:
        return "param" if t.requires_grad else "const"
    return "inner"
