"""numpy's functions of whole tensors, as ``tg.<name>``: ``stack``, ``concatenate`` (``cat``),
``where``, ``maximum``, ``minimum``, ``clip``, ``tile``. Each records its op (ops/combine.py,
ops/select.py, ops/shape.py), so the gradient flows back to every tensor given.

The same numpy functions called on tensors (``np.stack([a, b])``, ``np.where(c, a, b)``)
run the same ops (numpy_api.py). Operands may be Tensors, numbers or arrays (constants).

>>> import tinygrad_edu as tg
>>> a = tg.Tensor([1.0, -2.0], requires_grad=True)
>>> tg.where(a > 0, a, 0.0).sum().backward()    # a relu by hand
>>> a.grad
array([1., 0.])
"""

from __future__ import annotations

from typing import Any

from .arguments import numpy_or_torch
from .ops import combine, select
from .tensor import Tensor, apply


def stack(tensors: Any, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """The tensors (all of one shape) side by side along a new axis ``axis``:
    ``stack([a, b]).shape == (2, *a.shape)``. PyTorch's ``dim=`` is accepted too."""
    axis = numpy_or_torch("stack", "axis", axis, 0, "dim", dim)
    return apply(combine.Stack, *combine.tensor_sequence("stack", tensors), axis=axis)


def concatenate(tensors: Any, axis: int | None = 0, *, dim: int | None = None) -> Tensor:
    """The tensors end to end along an existing ``axis`` (None: each flattened first); their
    other sizes must agree. ``tg.cat`` is PyTorch's name for it."""
    axis = numpy_or_torch("concatenate", "axis", axis, 0, "dim", dim)
    tensors = combine.tensor_sequence("concatenate", tensors)
    return apply(combine.Concatenate, *tensors, axis=axis)


cat = concatenate


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` holds, else ``b`` (all three broadcast together). ``cond`` is a
    bool array (``x.numpy() > 0``, a comparison such as ``x > 0``) or a Tensor of bools; it
    gets no gradient."""
    return apply(select.Where, cond, a, b)


def maximum(a: Any, b: Any) -> Tensor:
    """The larger of a and b, element by element (broadcast); ties share the gradient."""
    return apply(select.Maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """The smaller of a and b, element by element (broadcast); ties share the gradient."""
    return apply(select.Minimum, a, b)


def clip(t: Any, min: Any = None, max: Any = None) -> Tensor:
    """``t.clip(min, max)``: the values limited to [min, max]; gradient 0 where cut."""
    return _tensor(t).clip(min, max)


def tile(t: Any, reps: Any) -> Tensor:
    """``t.tile(reps)``: copies side by side, as ``np.tile`` (PyTorch: ``t.repeat``)."""
    return _tensor(t).tile(reps)


def _tensor(t: Any) -> Tensor:
    return t if isinstance(t, Tensor) else Tensor(t)
